//! `pyrel generate`: re-render the managed files from the policy.

use std::path::Path;

use console::Style;

use super::output::{print_refused_files, print_stale, show_diffs, state_word};
use super::Outcome;
use crate::cli::{Format, GenerateArgs};
use crate::error::{Error, Result};
use crate::report::{self, documents};
use crate::sync::{self, State};
use crate::workspace_fs::slash;
use crate::{policy, project, render};

pub(crate) fn run(dir: &Path, args: &GenerateArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    let _lock = match super::write_lock(&project.root, !(args.check || args.dry_run))? {
        Ok(lock) => lock,
        Err(busy) => return Ok(busy),
    };
    let (policy, source) = policy::load(&project)?;
    report::verbose_where(&project.root, source.as_ref());
    if source.is_none() {
        return Err(Error::usage(
            format!("no pyrel policy in {}", project.root.display()),
            Some("run `pyrel init` first"),
        ));
    }
    let plan = render::plan(&project, &policy)?;
    let status = sync::status(&project.root, &plan)?;

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
        let n = print_stale(&status);
        if n == 0 {
            outln!("Nothing to do: every managed file is current.");
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
        let protected: Vec<String> = refused
            .iter()
            .filter(|e| sync::protected(e))
            .map(|e| slash(&e.file.path))
            .collect();
        let mut closing = String::from("Nothing was written.");
        if !protected.is_empty() {
            closing.push_str(&format!(
                " pyrel replaces a workflow it did not write only when you name it: `pyrel generate --replace {}`, or point the policy elsewhere (files.release-workflow / files.test-workflow).",
                protected.join(" --replace ")
            ));
        }
        if protected.len() < refused.len() {
            closing.push_str(
                " Move your changes into the policy, or re-run with --force to overwrite the edited files.",
            );
        }
        if !diff {
            closing.push_str(" `--diff` shows what pyrel would write.");
        }
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

    let applied = sync::apply(&project.root, &status, args.force, &args.replace, None)?;
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
