//! `pyrel generate`: re-render the managed files from the policy.

use std::path::Path;

use console::Style;

use super::output::{print_refused_files, print_stale, refusal_closing, show_diffs, state_word};
use super::Outcome;
use crate::cli::{Format, GenerateArgs};
use crate::error::{Error, Result};
use crate::report::{self, documents};
use crate::sync::{self, State};
use crate::{policy, project, render};

pub(crate) fn run(dir: &Path, args: &GenerateArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    let _lock = match super::write_lock(&project.root, !(args.check || args.dry_run))? {
        Ok(lock) => lock,
        Err(busy) => return Ok(busy),
    };
    let (mut policy, source) = policy::load(&project)?;
    report::verbose_where(&project.root, source.as_ref());
    if source.is_none() {
        return Err(Error::usage(
            format!("no pyrel policy in {}", project.root.display()),
            Some("run `pyrel init` first"),
        ));
    }
    let mut plan = render::plan(&project, &policy)?;
    let mut status = sync::status(&project.root, &plan)?;
    // A bot's pull request that moved a pinned action forward: adopted into the policy's
    // `action-pins`, so the workflow it edited is what pyrel renders (not for --check,
    // which reports that the policy does not record it yet).
    let adopted = bot_pins(&status, &policy.action_pins);
    let mut policy_write: Option<(std::path::PathBuf, String)> = None;
    if let (false, false, Some(src)) = (adopted.is_empty(), args.check, source.as_ref()) {
        let text = crate::workspace_fs::read_text(&project.root.join(src.path()))?;
        let pins = render::adopt::with_adopted(&policy.action_pins, &adopted);
        let text = policy::with_action_pins(src, &text, &pins)?;
        policy = policy::parse(src, &text)?;
        plan = render::plan(&project, &policy)?;
        status = sync::status(&project.root, &plan)?;
        policy_write = Some((src.path().to_path_buf(), text));
    }
    let policy_path = source
        .as_ref()
        .map(|s| crate::workspace_fs::slash(s.path()))
        .unwrap_or_default();
    let say_adopted = |verb: &str| {
        if !report::quiet() {
            for a in &adopted {
                outln!(
                    "{:>10} {} into action-pins in {policy_path}",
                    Style::new().green().apply_to(verb),
                    render::adopt::describe(a)
                );
            }
        }
    };

    if args.format == Format::Json {
        if !args.check && !args.dry_run {
            return Err(Error::usage(
                "generate --format json reports what is stale: it needs --check or --dry-run",
                Some("run `pyrel generate --check --format json`"),
            ));
        }
        let doc = documents::generate(&project.root, &status);
        let stale = !doc.stale.is_empty();
        out!("{}", documents::to_string(&doc));
        return Ok(if stale && args.check {
            Outcome::Failure
        } else {
            Outcome::Success
        });
    }

    if args.check {
        let n = print_stale(&status);
        for a in &adopted {
            outln!(
                "note: {}: a newer pin of an action pyrel pins; `pyrel generate` adopts it into action-pins in {policy_path}",
                render::adopt::describe(a)
            );
        }
        return Ok(if n == 0 {
            if !report::quiet() {
                outln!("All {} managed files are current.", status.entries.len());
            }
            Outcome::Success
        } else {
            outln!(
                "{n} file{} out of date; run `pyrel generate` to update.",
                if n == 1 { " is" } else { "s are" }
            );
            Outcome::Failure
        });
    }

    if args.dry_run {
        say_adopted("would adopt");
        let n = print_stale(&status) + usize::from(policy_write.is_some());
        if n == 0 {
            if !report::quiet() {
                outln!("Nothing to do: every managed file is current.");
            }
        } else {
            outln!("Dry run: {n} file(s) would change; nothing was written.");
        }
        return Ok(Outcome::Success);
    }

    // A writing run, under the lock: what a killed one left goes first.
    sync::sweep_leftovers(&project.root, &status);
    let refused = status.refused(args.force, &args.replace);
    if !refused.is_empty() {
        let diff = show_diffs(args.diff);
        let closing = refusal_closing(
            &refused,
            diff,
            "`pyrel generate --replace {}`, or point the policy elsewhere (files.release-workflow / files.test-workflow).",
            " Move your changes into the policy, or re-run with --force to overwrite the edited files.",
        );
        print_refused_files(
            &refused,
            |e| {
                format!(
                    "{} ({}): pyrel's version differs{}",
                    e.file.path.display(),
                    state_word(e.state),
                    if diff { ":" } else { "" }
                )
            },
            &closing,
            diff,
        );
        return Ok(Outcome::Failure);
    }

    let last: Vec<(&Path, &str)> = policy_write
        .iter()
        .map(|(path, text)| (path.as_path(), text.as_str()))
        .collect();
    let applied = sync::apply(&project.root, &status, args.force, &args.replace, &last)?;
    say_adopted("adopted");
    report_applied(&applied);
    Ok(Outcome::Success)
}

pub(crate) fn report_applied(applied: &sync::Applied) {
    if report::quiet() {
        return;
    }
    let green = Style::new().green();
    for (path, state) in &applied.written {
        let verb = match state {
            State::Missing => "created",
            State::HandEdited | State::Foreign => "overwrote",
            _ => "updated",
        };
        outln!("{:>10} {}", green.apply_to(verb), path.display());
    }
    for path in &applied.removed {
        outln!(
            "{:>10} {} (no longer managed)",
            green.apply_to("removed"),
            path.display()
        );
    }
    for path in &applied.kept_orphans {
        outln!(
            "{:>10} {} (no longer managed, edited by hand: left in place)",
            Style::new().yellow().apply_to("kept"),
            path.display()
        );
    }
    if applied.written.is_empty() && applied.removed.is_empty() {
        outln!("Nothing to do: every managed file is current.");
    }
}

/// Newer pins in the managed files on disk that differ from the plan.
fn bot_pins(
    status: &sync::Status,
    overrides: &std::collections::BTreeMap<String, render::pins::ActionPin>,
) -> Vec<render::adopt::Adoption> {
    let files: Vec<(&Path, &str)> = status
        .entries
        .iter()
        .filter(|e| e.state != State::Current && e.file.kind == render::FileKind::Managed)
        .filter_map(|e| e.on_disk.as_deref().map(|d| (e.file.path.as_path(), d)))
        .collect();
    render::adopt::newer_pins(&files, overrides)
}
