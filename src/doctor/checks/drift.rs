//! PR001 managed-file-drift: the managed files are what `pyrel generate` would write.

use super::Check;
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};
use crate::sync::{self, State};

pub(crate) const CHECK: Check = Check {
    code: Code::ManagedFileDrift,
    online: false,
    summary: "Every managed file matches what `pyrel generate` would write.",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  Renders the same plan `pyrel generate` writes (release workflow, test workflow, bump
  script, release guide, branch-protection.json, the .gitignore block, the seeded
  changelog) and compares it with the files on disk, with the same diff
  `pyrel generate --check` shows. Files pyrel wrote before but no longer manages are
  reported too.

Why it matters
  The release runs what is on disk. A stale workflow misses fixes and policy changes; a
  hand edit is silently lost the next time someone runs `pyrel generate`.

How to fix
  Run `pyrel generate`. If you edited a managed file on purpose, move the change into
  the policy ([tool.pyrel] or pyrel.toml) instead, or overwrite with
  `pyrel generate --force`.

  A bot's pull request (Dependabot, Renovate) that moves an action pyrel pins to a newer
  full commit SHA with a newer version comment is not a hand edit to undo: the hint says
  so, and `pyrel generate` adopts the pin into the policy's `action-pins` and says which.
  An older version, or another SHA for the same version, stays a hand edit.
";

fn run(ctx: &Context) -> Outcome {
    if ctx.policy_error.is_some() {
        return Outcome::Unknown(
            "the policy does not load (see the `policy` check), so the expected files are unknown"
                .into(),
        );
    }
    if ctx.policy_source.is_none() {
        return Outcome::Skip("no pyrel policy yet: nothing is managed (run `pyrel init`)".into());
    }
    let plan = match crate::render::plan(&ctx.project, &ctx.policy) {
        Ok(plan) => plan,
        Err(e) => return Outcome::Unknown(format!("could not render the plan: {e}")),
    };
    let status = match sync::status(&ctx.project.root, &plan) {
        Ok(s) => s,
        Err(e) => return Outcome::Unknown(format!("could not read the managed files: {e}")),
    };
    let mut out: Vec<FindingBuilder> = Vec::new();
    for e in status.stale() {
        let path = &e.file.path;
        let shown = crate::doctor::display_path(path);
        let (message, hint) = match e.state {
            State::Missing => (
                format!("{shown} is missing"),
                "run `pyrel generate` to write it".to_string(),
            ),
            State::Stale => (
                format!("{shown} is out of date with the policy"),
                "run `pyrel generate` to update it".to_string(),
            ),
            State::HandEdited => (
                format!("{shown} was edited by hand since pyrel wrote it"),
                "move the change into the policy and run `pyrel generate`, or `pyrel generate --force` to discard it".to_string(),
            ),
            State::Foreign => (
                format!("{shown} was not written by pyrel and differs from the managed version"),
                "compare with the diff, then `pyrel generate --force` to let pyrel manage it".to_string(),
            ),
            State::Current => continue,
        };
        let old = e.on_disk.as_deref().unwrap_or("");
        let hint = match bot_pins(ctx, path, old) {
            Some(line) => line,
            None => hint,
        };
        let line = first_difference(old, &e.desired);
        let diff = sync::unified_diff(path, old, &e.desired);
        out.push(
            finding(Code::ManagedFileDrift, Severity::Error, message)
                .at(
                    path.clone(),
                    if e.on_disk.is_some() {
                        Some(line)
                    } else {
                        None
                    },
                )
                .hint(hint)
                .detail(diff),
        );
    }
    for o in status.orphans.iter().filter(|o| o.exists) {
        let shown = crate::doctor::display_path(&o.path);
        out.push(
            finding(
                Code::ManagedFileDrift,
                Severity::Warning,
                format!("{shown} is no longer managed by pyrel"),
            )
            .at(o.path.clone(), None)
            .hint(if o.untouched {
                "run `pyrel generate` to remove it"
            } else {
                "it was edited by hand: delete it yourself if it is no longer needed"
            }),
        );
    }
    let n = status.entries.len();
    Outcome::from_builders(out, format!("{n} managed file(s) compared with the plan"))
}

/// The one-line hint for a managed file where a bot (Dependabot, Renovate) moved an
/// action pyrel pins to a newer full-SHA pin: what it is and that `generate` adopts it.
fn bot_pins(ctx: &Context, path: &std::path::Path, on_disk: &str) -> Option<String> {
    if on_disk.is_empty() {
        return None;
    }
    let found = crate::render::adopt::newer_pins(&[(path, on_disk)], &ctx.policy.action_pins);
    if found.is_empty() {
        return None;
    }
    let moved: Vec<String> = found
        .iter()
        .map(|a| format!("{} to {} (was {})", a.action, a.pin.version, a.replaces))
        .collect();
    // Whether the pins are the whole difference: render with them adopted.
    let mut adopted = ctx.policy.clone();
    adopted.action_pins = crate::render::adopt::with_adopted(&ctx.policy.action_pins, &found);
    let only_pins = crate::render::plan(&ctx.project, &adopted)
        .ok()
        .and_then(|plan| plan.files.into_iter().find(|f| f.path == path))
        .is_some_and(|f| f.contents == on_disk);
    Some(format!(
        "a newer pin moved {}: run `pyrel generate` to adopt it into the policy's action-pins{}",
        moved.join(", "),
        if only_pins {
            ""
        } else {
            " (the file has other hand edits too)"
        }
    ))
}

/// 1-based line of the first difference between two texts.
fn first_difference(old: &str, new: &str) -> usize {
    let mut a = old.lines();
    let mut b = new.lines();
    let mut line: usize = 1;
    loop {
        match (a.next(), b.next()) {
            (Some(x), Some(y)) if x == y => line += 1,
            (None, None) => return line.saturating_sub(1).max(1),
            _ => return line,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_difference_points_at_the_changed_line() {
        assert_eq!(super::first_difference("a\nb\nc\n", "a\nX\nc\n"), 2);
        assert_eq!(super::first_difference("a\n", "a\nb\n"), 2);
        assert_eq!(super::first_difference("", "a\n"), 1);
    }
}
