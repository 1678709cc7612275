//! Shared terminal output of the writing verbs: per-file lines and coloured diffs.

use console::Style;

use crate::sync::{unified_diff, Entry, State, Status};

pub fn state_word(state: State) -> &'static str {
    match state {
        State::Current => "unchanged",
        State::Missing => "missing",
        State::Stale => "stale",
        State::HandEdited => "edited by hand",
        State::Foreign => "not written by pyrel",
    }
}

/// Prints a unified diff, coloured when colours are enabled (not with `--quiet`).
pub fn print_diff(entry: &Entry) {
    if crate::report::quiet() {
        return;
    }
    let old = entry.on_disk.as_deref().unwrap_or("");
    let diff = unified_diff(&entry.file.path, old, &entry.desired);
    let (add, del, hunk, head) = (
        Style::new().green(),
        Style::new().red(),
        Style::new().cyan(),
        Style::new().bold(),
    );
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
        println!("{styled}");
    }
}

/// Prints every stale entry with its diff and every orphan; returns how many there were.
pub fn print_stale(status: &Status) -> usize {
    let mut n = 0;
    for e in status.stale() {
        n += 1;
        println!(
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
        println!(
            "{} {} ({what})",
            Style::new().yellow().bold().apply_to("stale:"),
            o.path.display()
        );
    }
    n
}
