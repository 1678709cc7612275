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
    pub(crate) directory: Option<PathBuf>,

    /// When to colour the output.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    /// Print only what needs attention: problems, refusals and the final line (no diffs,
    /// no per-file or per-check lines). Machine formats (`--format json` …) are unchanged.
    #[arg(long, short = 'q', global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,

    /// Also say, on stderr, where pyrel looked (root, policy) and how long it took.
    #[arg(long, short = 'v', global = true)]
    pub(crate) verbose: bool,

    #[command(subcommand)]
    pub(crate) command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Colour when writing to a terminal and NO_COLOR is not set.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
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
    ///
    /// Environment of the online checks: GH_TOKEN or GITHUB_TOKEN (else `gh auth token`)
    /// for GitHub; GITHUB_API_URL, the API base (GitHub Enterprise); PYREL_PYPI_URL, the
    /// base of PyPI's JSON API (`{base}/pypi/NAME/json`, for a mirror or TestPyPI);
    /// PYREL_HTTP_TIMEOUT_MS, as --timeout. HTTPS trusts the operating system's certificate
    /// store, like curl; SSL_CERT_FILE (a PEM bundle) or SSL_CERT_DIR replace it, e.g. with
    /// the CA bundle of a TLS-inspecting proxy.
    Doctor(DoctorArgs),
    /// Bump the version: every version source, sibling pins, uv.lock and the changelog.
    ///
    /// BUMP is a comma-separated list of parts, combined and applied as `uv version --bump`
    /// does whatever their order (`patch`, `minor,beta`, `rc`, `post`, `dev`, `stable`), or
    /// `prerelease --pre alpha|beta|rc` (start or continue a pre-release cycle), an explicit
    /// version (`2.1.0`), or `release`: release the current version as it is (the first
    /// release of a repository still at, say, 0.1.0 — the changelog gets its section and
    /// --tag tags it). A local label is kept (`1.2.3+local.1` minor → `1.3.0+local.1`, as uv
    /// does). Only the version token of each source changes: comments, formatting and other
    /// occurrences of the same string are left alone.
    ///
    /// Each package's version is its version of record: what the build backend reads
    /// (`[project].version`, or the file a dynamic version points at). Other sources that
    /// disagree are stale: the bump repairs them and names each one. Lockstep repos move every
    /// package together and refuse to bump when the packages disagree (each outlier is named);
    /// an explicit version brings them in line, even one equal to the current version.
    /// Independent repos bump one package: `--package NAME`. Pins between siblings follow:
    /// `==old` and `>=old`/`~=old` floors move to the new version; a requirement the new
    /// version breaks refuses the bump (exit 1) unless --force leaves it as written.
    ///
    /// The changelog's [Unreleased] becomes `## [X.Y.Z] - today` with compare links from
    /// the origin remote. `PYREL_TODAY=YYYY-MM-DD` fixes the date (reproducible builds and
    /// tests). Repos versioned by git tags (hatch-vcs, setuptools-scm) get no version edits:
    /// use --tag to create the tag. Every edit is computed first; if a write fails, every
    /// file is restored. Exit codes: 0 bumped, 1 refused, 2 bad input.
    Bump(BumpArgs),
    /// Apply the settings pyrel expects to the live GitHub repository.
    #[command(subcommand)]
    Github(GithubCommand),
    /// Release from one command: preflight, bump, a pull request, merge, tag, watch the
    /// release run, verify the upload.
    ///
    /// Preflight: on the default branch, clean work tree, up to date with `origin`, the
    /// required checks green for HEAD, the new version not yet on the index it goes to
    /// (PyPI; TestPyPI for pre-releases, and for finals too with `testpypi = "all"`), the
    /// offline doctor clean, `pyrel check` clean on the released packages (needs uv;
    /// --skip-check skips it), and the branch's protection read from GitHub. Then the
    /// release commit of `pyrel bump BUMP --commit` on a branch `release/TAG`, pushed, a pull
    /// request to the default branch (the changelog section as its body), its required
    /// checks waited for, the merge when the protection allows it (else pyrel stops with
    /// the pull request's URL: `--resume` after the review), the annotated tag on the merge
    /// commit and a push of the tag alone, with your own git credentials. With --direct
    /// (unprotected branches only) the commit and the tag go in one atomic push instead.
    /// Then the release workflow run of the tag watched to its end (including the wait for
    /// environment approval), and the version looked up on the index and the GitHub Release.
    ///
    /// The poll interval is PYREL_RELEASE_POLL_MS (default 5000, doubling up to 30 s), the
    /// whole watch is bounded by PYREL_RELEASE_TIMEOUT_SECS (default 3600), and the index
    /// is asked PYREL_RELEASE_VERIFY_TRIES times (default 10). Exit codes: 0 released (or
    /// stopped where asked), 1 a step failed (the output names the next command), 2 bad
    /// input.
    Release(ReleaseArgs),
    /// Know before you tag: build, check and install every package the next release
    /// publishes, exactly as the release workflow does.
    ///
    /// In release order, each package is built with `uv build --no-sources` (SOURCE_DATE_EPOCH
    /// from HEAD) in a scratch copy of the work tree (the repository is never written to),
    /// checked with the release's own `twine check --strict`, inspected (the version in every
    /// file name is the version of record; the wheel is not empty, ships the declared import
    /// package and no `tests/` or stray top-level package; license files travel; a compiled
    /// package gives platform wheels; the sdist can be built on its own), installed into a
    /// fresh virtual environment from the built files (dependencies from your configured
    /// index) and run or imported as the release workflow's install check does.
    ///
    /// Needs uv on PATH (https://docs.astral.sh/uv/); twine is run through `uv tool run`.
    /// Exit codes: 0 every package is ready, 1 a problem was found, 2 bad input or no uv.
    Check(CheckArgs),
    /// Print the shell completion script for SHELL.
    ///
    /// bash: `pyrel completions bash > ~/.local/share/bash-completion/completions/pyrel`;
    /// zsh: `pyrel completions zsh > ~/.zfunc/_pyrel` (with `fpath+=~/.zfunc` before
    /// `compinit`); fish: `pyrel completions fish > ~/.config/fish/completions/pyrel.fish`;
    /// PowerShell: `pyrel completions powershell | Out-String | Invoke-Expression` in $PROFILE;
    /// elvish: `eval (pyrel completions elvish | slurp)` in rc.elv.
    Completions(CompletionsArgs),
    /// Print a man page (roff) to stdout: pyrel's, or with VERB the page of `pyrel VERB`
    /// (`pyrel man doctor > ~/.local/share/man/man1/pyrel-doctor.1`).
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub(crate) struct ManArgs {
    /// The verb whose page to print (`doctor`, `bump` …); without it, pyrel's own page.
    #[arg(value_name = "VERB")]
    pub(crate) verb: Option<String>,
}

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to complete for.
    #[arg(value_enum)]
    pub(crate) shell: clap_complete::Shell,
}

#[derive(Debug, Subcommand)]
pub(crate) enum GithubCommand {
    /// Make the repository on GitHub match the policy: environments, protection, tag ruleset.
    ///
    /// The PyPI environments (release tags only, required reviewers from the policy's
    /// `reviewers`), the default branch's protection from .github/branch-protection.json
    /// (classic, or a ruleset when the repository already uses rulesets), and a ruleset that
    /// keeps release tags from moving or disappearing.
    ///
    /// Reads first and writes only the difference: a second run sends no write. In token
    /// mode it lists the secrets to set with `gh secret set`; it never asks for or prints
    /// a secret. Needs a token with the `administration: write` repository permission.
    /// Exit codes: 0 applied, 1 a request failed or a secret is missing, 2 bad input.
    Apply(GithubApplyArgs),
}

#[derive(Debug, Args)]
pub(crate) struct GithubApplyArgs {
    /// Read the live settings and print every write (method, path, JSON body) that would
    /// be sent; send no write.
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Output format: `json` (schema pyrel-github-apply/1, docs/github-apply-schema.json)
    /// prints one document: each item and how it ended, the writes (with --dry-run, their
    /// requests), the failure, the secrets to set.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct ReleaseArgs {
    /// What to release: a bump (`patch`, `minor`, `major`, `minor,beta`, `rc`, ...) or an
    /// explicit version (`2.1.0`), as `pyrel bump` takes it. With --dry-run it may be left
    /// out: the dry run then shows the next `patch`.
    #[arg(value_name = "BUMP", required_unless_present_any = ["resume", "dry_run"])]
    pub(crate) bump: Option<String>,

    /// The pre-release stage for `prerelease`: alpha, beta or rc.
    #[arg(long, value_name = "STAGE")]
    pub(crate) pre: Option<String>,

    /// The package to release (independent versioning).
    #[arg(long, short = 'p', value_name = "NAME")]
    pub(crate) package: Option<String>,

    /// Run the preflight and show every later step; write, commit and push nothing. Needs
    /// no GitHub token: without one the GitHub checks say `unknown`.
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Push the release commit and the tag straight to the default branch (one atomic
    /// push) instead of going through a pull request. Refused when the branch is
    /// protected, which GitHub would refuse too: protected means GitHub reports classic
    /// branch protection for it, or a ruleset rule on it that refuses a plain push
    /// (`pull_request`, `required_status_checks`, `update`, `required_deployments`,
    /// `merge_queue`).
    #[arg(long)]
    pub(crate) direct: bool,

    /// Stop after the release commit (and, with --direct, the tag), before any push.
    #[arg(long)]
    pub(crate) no_push: bool,

    /// Stop after the push: do not watch the release run or verify the upload.
    #[arg(long)]
    pub(crate) no_watch: bool,

    /// Output format: `json` (schema pyrel-release/1, docs/release-schema.json) prints one
    /// document at the end: the outcome, the tag, the pull request, the commits, the run,
    /// why it stopped and every step's line.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,

    /// Skip the package check of the preflight (`pyrel check`: building every released
    /// package as the workflow does, twine check, inspecting the files, installing and
    /// importing them). The release workflow still builds and checks them after the push.
    #[arg(long)]
    pub(crate) skip_check: bool,

    /// Continue the release under way from the step it stopped at (push, pull request,
    /// checks, merge, tag, watch, verify); refuses when the tag or the release branch no
    /// longer points where pyrel left it.
    /// With --dry-run: where the release stands and the steps a resume would take.
    #[arg(long, conflicts_with_all = ["bump", "no_push", "direct"])]
    pub(crate) resume: bool,
}

#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    /// Check only this package.
    #[arg(long, short = 'p', value_name = "NAME")]
    pub(crate) package: Option<String>,

    /// Build, twine-check and inspect only: do not install and import (needs no index).
    #[arg(long)]
    pub(crate) no_install: bool,

    /// Output format: `json` (schema pyrel-check/1, docs/check-schema.json) for scripts.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct BumpArgs {
    /// Output format: `json` (schema pyrel-bump/1, docs/bump-schema.json) needs --dry-run
    /// and prints the planned edits.
    #[arg(long, value_enum, default_value_t = Format::Human, requires_if("json", "dry_run"))]
    pub(crate) format: Format,

    /// `major|minor|patch|stable|alpha|beta|rc|post|dev`, comma-separated to combine
    /// (`minor,beta`), `prerelease` (with --pre), an explicit version (`2.1.0`), or
    /// `release` (the current version as it is).
    #[arg(value_name = "BUMP")]
    pub(crate) bump: String,

    /// The pre-release stage for `prerelease`: alpha, beta or rc.
    #[arg(long, value_name = "STAGE")]
    pub(crate) pre: Option<String>,

    /// The package to bump (independent versioning).
    #[arg(long, short = 'p', value_name = "NAME")]
    pub(crate) package: Option<String>,

    /// Print a unified diff of every file the bump would change; write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Commit the changed files (refuses a dirty work tree unless --allow-dirty).
    #[arg(long)]
    pub(crate) commit: bool,

    /// Create the annotated release tag in the policy's tag format (implies nothing about
    /// pushing: push it yourself). Refuses a dirty work tree unless --allow-dirty.
    #[arg(long)]
    pub(crate) tag: bool,

    /// Allow --commit/--tag with uncommitted changes in the work tree.
    #[arg(long)]
    pub(crate) allow_dirty: bool,

    /// Refuse the bump when [Unreleased] in the changelog has no entries.
    #[arg(long)]
    pub(crate) require_changelog: bool,

    /// Do not roll the changelog.
    #[arg(long)]
    pub(crate) no_changelog: bool,

    /// Accept an explicit version that is not greater than the current one.
    #[arg(long)]
    pub(crate) allow_downgrade: bool,

    /// Bump even when the new version breaks a sibling requirement (left as written).
    #[arg(long)]
    pub(crate) force: bool,
}

#[derive(Debug, Args)]
pub(crate) struct InitArgs {
    /// Take the detected defaults without asking.
    #[arg(long, short = 'y')]
    pub(crate) yes: bool,

    /// Override a policy key, e.g. `--set publish=token` or `--set 'python-versions=["3.12","3.13"]'`.
    /// Repeatable. Values are TOML; a bare word is a string.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub(crate) set: Vec<String>,

    /// Overwrite managed files edited by hand, and files pyrel did not write other than
    /// workflows (a workflow pyrel did not write is replaced only when named by --replace).
    #[arg(long)]
    pub(crate) force: bool,

    /// Let pyrel's release workflow replace this existing workflow (a release workflow
    /// that publishes; never one that runs CI). Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) replace: Vec<std::path::PathBuf>,

    /// With a refusal, show the diff of each file pyrel would have written.
    #[arg(long)]
    pub(crate) diff: bool,

    /// Output format: `json` (schema pyrel-init/1, docs/init-schema.json) prints what init
    /// found, chose and wrote as one document instead of the summary lines; it never asks.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,

    /// Also write `.github/dependabot.yml` for the github-actions ecosystem, so Dependabot
    /// keeps the pinned actions current (`pyrel generate` adopts the pins it moves). Asked
    /// when init is interactive; off with --yes. A repository that has a Dependabot or
    /// Renovate configuration keeps it as it is.
    #[arg(long)]
    pub(crate) dependabot: bool,

    /// Show what would be written; write nothing.
    #[arg(long)]
    pub(crate) dry_run: bool,
}

#[derive(Debug, Args)]
pub(crate) struct GenerateArgs {
    /// Write nothing; print a diff of every stale, missing or hand-edited file and exit 1
    /// if there is any.
    #[arg(long, conflicts_with = "dry_run")]
    pub(crate) check: bool,

    /// Show what would change; write nothing (exit 0).
    #[arg(long)]
    pub(crate) dry_run: bool,

    /// Overwrite managed files that were edited by hand (a workflow pyrel did not write
    /// only when named by --replace).
    #[arg(long)]
    pub(crate) force: bool,

    /// Let pyrel write its managed workflow over this existing workflow it did not
    /// write. Repeatable.
    #[arg(long, value_name = "PATH")]
    pub(crate) replace: Vec<std::path::PathBuf>,

    /// With a refusal, show the diff of each file pyrel would have written.
    #[arg(long)]
    pub(crate) diff: bool,

    /// Output format: `json` (schema pyrel-generate/1, docs/generate-schema.json) needs
    /// --check or --dry-run and lists every stale file with its diff.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,
}

#[derive(Debug, Args)]
pub(crate) struct VersionArgs {
    /// Output format: `json` (schema pyrel-version/1, docs/version-schema.json) for scripts.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub(crate) format: Format,

    /// Exit 1 unless the tag REF (e.g. `v1.2.3` or `refs/tags/v1.2.3`) names the version of
    /// every package it covers (PEP 440 equality, in the policy's tag format).
    #[arg(long, value_name = "REF", conflicts_with_all = ["short", "format"])]
    pub(crate) check_tag: Option<String>,

    /// Print only the version of record (what the build backend reads), e.g. for
    /// `git tag "v$(pyrel version --short)"`. With independent versioning, name the package.
    #[arg(long, conflicts_with = "format")]
    pub(crate) short: bool,

    /// The package whose version --short prints (independent versioning).
    #[arg(long, short = 'p', value_name = "NAME", requires = "short")]
    pub(crate) package: Option<String>,
}

/// The output format of `version`, `generate` and `bump`: the same names as doctor's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// For people.
    Human,
    /// A versioned JSON document for scripts (its schema is under docs/).
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct DoctorArgs {
    /// Run only the offline checks; the GitHub and PyPI checks are skipped.
    #[arg(long)]
    pub(crate) offline: bool,

    /// Output format: `human`, `json` (schema pyrel-doctor/1) for scripts, `sarif` (2.1.0)
    /// for GitHub code scanning, `github` (workflow commands: annotations on the pull request).
    #[arg(long, value_enum, default_value_t = DoctorFormat::Human)]
    pub(crate) format: DoctorFormat,

    /// Run only these checks (ids or names, e.g. `PR102` or `version-sync`). Repeatable
    /// and comma-separated.
    #[arg(long, value_name = "CHECK")]
    pub(crate) select: Vec<String>,

    /// Skip these checks (ids or names). Repeatable and comma-separated. To skip a check
    /// for good, add it to `doctor-ignore` in the policy with a reason.
    #[arg(long, value_name = "CHECK")]
    pub(crate) ignore: Vec<String>,

    /// Fail (exit 1) on warnings too.
    #[arg(long)]
    pub(crate) strict: bool,

    /// Show what a check looks at, why it matters and how to fix it, then exit.
    /// Without a name, list every check.
    #[arg(long, value_name = "CHECK", num_args = 0..=1, default_missing_value = "")]
    pub(crate) explain: Option<String>,

    /// Timeout of each GitHub or PyPI request, in milliseconds.
    #[arg(long, value_name = "MS", env = "PYREL_HTTP_TIMEOUT_MS")]
    pub(crate) timeout: Option<u64>,
}

/// The output formats of `doctor`: [`Format`]'s and two for GitHub.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DoctorFormat {
    /// For people (`terminal` is accepted too, its old name).
    #[value(alias = "terminal")]
    Human,
    /// The pyrel-doctor/1 document (docs/doctor-schema.json).
    Json,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    /// GitHub workflow commands: one annotation per finding.
    Github,
}
