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
