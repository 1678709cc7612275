//! Output renderers: terminal, json, sarif. Output is kept apart from the checks: a
//! renderer only reads a [`crate::doctor::Report`].
//!
//! Every rendered text passes through [`crate::remote::redact`] with the secrets of the
//! run before it is returned: a last line of defence, so that no token reaches any output
//! even if a message somewhere quoted one.

pub(crate) mod docs;
pub(crate) mod documents;
pub(crate) mod github;
pub(crate) mod json;
pub(crate) mod sarif;
pub(crate) mod terminal;

use std::sync::atomic::{AtomicU8, Ordering};

use crate::doctor::Report;
use crate::remote::Secret;

/// An output format of `pyrel doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Terminal,
    Json,
    Sarif,
    Github,
}

/// The report in `format`, redacted.
pub(crate) fn render(report: &Report, format: Format, secrets: &[&Secret]) -> String {
    let text = match format {
        Format::Terminal => terminal::render(report),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
    };
    crate::remote::redact(&text, secrets)
}

/// How much the human output says: `--quiet`, normal, `--verbose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

static VERBOSITY: AtomicU8 = AtomicU8::new(1);

/// Set once, from the global flags, before a command runs.
pub(crate) fn set_verbosity(v: Verbosity) {
    VERBOSITY.store(v as u8, Ordering::Relaxed);
}

pub(crate) fn verbosity() -> Verbosity {
    match VERBOSITY.load(Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

pub(crate) fn quiet() -> bool {
    verbosity() == Verbosity::Quiet
}

/// A `--verbose` line on stderr (stdout stays the report, for pipes).
pub(crate) fn verbose(message: impl std::fmt::Display) {
    if verbosity() == Verbosity::Verbose {
        errln!("pyrel: {message}");
    }
}

/// The `--verbose` lines every verb starts with: the repository root and the policy file.
pub(crate) fn verbose_where(root: &std::path::Path, policy: Option<&crate::policy::PolicySource>) {
    verbose(format_args!("root {}", root.display()));
    match policy {
        Some(crate::policy::PolicySource::Pyproject(p)) => {
            verbose(format_args!("policy [tool.pyrel] in {}", p.display()))
        }
        Some(crate::policy::PolicySource::PyrelToml(p)) => {
            verbose(format_args!("policy {}", p.display()))
        }
        None => verbose("no policy: defaults"),
    }
}

/// A progress line on stderr while something slow runs (the online checks), shown only
/// when stderr is a terminal and not `--quiet`; cleared when dropped.
pub(crate) struct Progress {
    term: Option<console::Term>,
}

impl Progress {
    pub(crate) fn start(message: &str) -> Progress {
        let term = console::Term::stderr();
        if quiet() || !term.is_term() {
            return Progress { term: None };
        }
        let _ = term.write_str(&format!("{message}…"));
        Progress { term: Some(term) }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(t) = &self.term {
            let _ = t.clear_line();
        }
    }
}
