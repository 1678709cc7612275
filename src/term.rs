//! How much the human output says (`--quiet`, normal, `--verbose`) and the progress
//! line: set once by `commands`, read by every layer that prints. At the bottom of the
//! house, so that `doctor`, `report` and the verbs can all use it without a cycle.

use std::sync::atomic::{AtomicU8, Ordering};

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
