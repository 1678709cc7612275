//! The verbs' shared reports of managed files: per-file lines, coloured diffs, refusals
//! and stops. The writing itself (macros, redaction, escaping) is in [`crate::term`].

pub(crate) use crate::term::{capture_start, capture_take, capturing, write_bytes};

use std::fmt::Write as _;

use console::Style;

use crate::sync::{unified_diff, Entry, State, Status};
use crate::workspace_fs::slash;

pub(crate) fn state_word(state: State) -> &'static str {
    state.word()
}

/// Prints a unified diff, coloured when colours are enabled (not with `--quiet`).
pub(crate) fn print_diff(entry: &Entry) {
    if crate::report::quiet() {
        return;
    }
    let old = entry.on_disk.as_deref().unwrap_or("");
    print_unified(&unified_diff(&entry.file.path, old, &entry.desired));
}

/// Prints a unified diff text, coloured when colours are enabled. Every line is
/// redacted first: a token committed in a file (or the GitHub token of the
/// environment) never reaches the terminal or a CI log through a diff.
pub(crate) fn print_unified(diff: &str) {
    let diff = crate::remote::redact_known(diff);
    let (add, del, hunk, head) = (
        Style::new().green(),
        Style::new().red(),
        Style::new().cyan(),
        Style::new().bold(),
    );
    // One write for the whole diff: line by line, a dry run of thousands of packages
    // made tens of thousands of write calls.
    let mut buf = String::with_capacity(diff.len() + diff.len() / 4);
    for line in diff.lines() {
        let styled = if line.starts_with("+++") || line.starts_with("---") {
            head.apply_to(line)
        } else if line.starts_with('+') {
            add.apply_to(line)
        } else if line.starts_with('-') {
            del.apply_to(line)
        } else if line.starts_with("@@") {
            hunk.apply_to(line)
        } else {
            Style::new().apply_to(line)
        };
        let _ = writeln!(buf, "{styled}");
    }
    out!("{buf}");
}

/// The one report of a verb that stops without doing what was asked, on stderr: the red
/// `word` (`refused:`, `stopped:`) and the reason, one `  - ` line per detail, and the
/// way on (`hint:`, `next:`).
pub(crate) fn print_stop(
    word: &str,
    message: &str,
    details: &[String],
    next: Option<(&str, &str)>,
) {
    errln!("{} {message}", Style::new().red().bold().apply_to(word));
    for d in details {
        errln!("  - {d}");
    }
    if let Some((label, text)) = next {
        errln!("  {} {text}", Style::new().cyan().apply_to(label));
    }
}

/// The closing line of a refusal by `init` or `generate`: a workflow that runs CI is
/// never replaced (even when named), another workflow of the user's only when named
/// (`replace`, with `{}` for the `--replace` list), any other file with `--force`
/// (`edited`).
pub(crate) fn refusal_closing(
    refused: &[&Entry],
    diff: bool,
    replace: &str,
    edited: &str,
) -> String {
    let (ci, named): (Vec<&&Entry>, Vec<&&Entry>) = refused
        .iter()
        .filter(|e| crate::sync::protected(e))
        .partition(|e| e.on_disk.as_deref().is_some_and(crate::sync::runs_ci));
    let paths = |v: &[&&Entry]| v.iter().map(|e| slash(&e.file.path)).collect::<Vec<_>>();
    let mut closing = String::from("Nothing was written.");
    if !ci.is_empty() {
        closing.push_str(&format!(
            " {} runs CI and pyrel never replaces CI, even when named: point the policy elsewhere (files.release-workflow / files.test-workflow).",
            paths(&ci).join(", ")
        ));
    }
    if !named.is_empty() {
        closing.push_str(" pyrel replaces a workflow it did not write only when you name it: ");
        closing.push_str(&replace.replace("{}", &paths(&named).join(" --replace ")));
    }
    if ci.len() + named.len() < refused.len() {
        closing.push_str(edited);
    }
    if !diff {
        closing.push_str(" `--diff` shows what pyrel would write.");
    }
    closing
}

/// Managed files a write would replace although they are not pyrel's (edited by hand,
/// or not written by pyrel): each named with `says` (and its diff with `diff`), then
/// `closing`. The
/// one refusal of `init` and `generate` when a file is in the way.
pub(crate) fn print_refused_files(
    blocked: &[&Entry],
    says: impl Fn(&Entry) -> String,
    closing: &str,
    diff: bool,
) {
    for e in blocked {
        outln!(
            "{} {}",
            Style::new().red().bold().apply_to("refused:"),
            says(e)
        );
        if diff {
            print_diff(e);
        }
    }
    outln!("{closing}");
}

/// Whether a refusal shows its diffs: `--diff`, or `--verbose`.
pub(crate) fn show_diffs(flag: bool) -> bool {
    flag || crate::term::verbosity() == crate::term::Verbosity::Verbose
}

/// Prints every stale entry with its diff and every orphan; returns how many there were.
pub(crate) fn print_stale(status: &Status) -> usize {
    let mut n = 0;
    for e in status.stale() {
        n += 1;
        outln!(
            "{} {} ({})",
            Style::new().yellow().bold().apply_to("stale:"),
            e.file.path.display(),
            state_word(e.state)
        );
        print_diff(e);
    }
    for o in status.orphans.iter().filter(|o| o.exists) {
        n += 1;
        let what = if o.untouched {
            "no longer managed; `pyrel generate` removes it"
        } else {
            "no longer managed and edited by hand; pyrel leaves it to you"
        };
        outln!(
            "{} {} ({what})",
            Style::new().yellow().bold().apply_to("stale:"),
            o.path.display()
        );
    }
    n
}
