//! Command-line definitions. The help text here is user documentation.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Release engineering for Python repositories that publish to PyPI from GitHub Actions.
///
/// pyrel detects your packages and their version sources, writes a hardened release
/// workflow (build → gate on tests → TestPyPI/PyPI → GitHub Release), a bump script,
/// a release guide and the branch protection your repo should have, and keeps them
/// current as your policy changes.
#[derive(Debug, Parser)]
#[command(
    name = "pyrel",
    version,
    propagate_version = true,
    max_term_width = 100
)]
pub struct Cli {
    /// Run as if pyrel was started in DIR (like `git -C`).
    #[arg(short = 'C', global = true, value_name = "DIR")]
    pub directory: Option<PathBuf>,

    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Set up pyrel in a repository: detect, ask (or --yes), write the policy and every managed file.
    ///
    /// The policy goes into `[tool.pyrel]` of the root pyproject.toml, or into pyrel.toml
    /// when there is no root pyproject.toml. An existing file pyrel did not write (say a
    /// hand-written release.yml) is never overwritten without --force.
    Init(InitArgs),
    /// Re-render the managed files from the policy.
    ///
    /// A file pyrel wrote and you edited since is not overwritten without --force;
    /// a file pyrel no longer manages is removed when untouched, kept otherwise.
    Generate(GenerateArgs),
    /// Show the current version of every package.
    Version(VersionArgs),
    /// Verify the whole release setup: files, versions, credentials, and the live GitHub
    /// and PyPI state.
    ///
    /// Exit status: 0 when no check found an error, 1 when one did (warnings too with
    /// --strict), 2 on a usage or input error. Checks that cannot be answered (no token,
    /// no network) are reported as `unknown`, never as passed.
    Doctor(DoctorArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Take the detected defaults without asking.
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// Override a policy key, e.g. `--set publish=token` or `--set 'python-versions=["3.12","3.13"]'`.
    /// Repeatable. Values are TOML; a bare word is a string.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// Overwrite existing files pyrel did not write.
    #[arg(long)]
    pub force: bool,

    /// Show what would be written; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Write nothing; print a diff of every stale, missing or hand-edited file and exit 1
    /// if there is any.
    #[arg(long, conflicts_with = "dry_run")]
    pub check: bool,

    /// Show what would change; write nothing (exit 0).
    #[arg(long)]
    pub dry_run: bool,

    /// Overwrite managed files that were edited by hand.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct VersionArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Human,
    Json,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Run only the offline checks; the GitHub and PyPI checks are skipped.
    #[arg(long)]
    pub offline: bool,

    /// Output format: a report for people, `json` (schema pyrel-doctor/1) for scripts,
    /// `sarif` (2.1.0) for GitHub code scanning.
    #[arg(long, value_enum, default_value_t = DoctorFormat::Terminal)]
    pub format: DoctorFormat,

    /// Run only these checks (ids or names, e.g. `PR102` or `version-sync`). Repeatable
    /// and comma-separated.
    #[arg(long, value_name = "CHECK")]
    pub select: Vec<String>,

    /// Skip these checks (ids or names). Repeatable and comma-separated. To skip a check
    /// for good, add it to `doctor-ignore` in the policy with a reason.
    #[arg(long, value_name = "CHECK")]
    pub ignore: Vec<String>,

    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub strict: bool,

    /// Show what a check looks at, why it matters and how to fix it, then exit.
    /// Without a name, list every check.
    #[arg(long, value_name = "CHECK", num_args = 0..=1, default_missing_value = "")]
    pub explain: Option<String>,

    /// Timeout of each GitHub or PyPI request, in milliseconds.
    #[arg(long, value_name = "MS", env = "PYREL_HTTP_TIMEOUT_MS")]
    pub timeout: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DoctorFormat {
    Terminal,
    Json,
    Sarif,
}
