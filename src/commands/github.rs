//! `pyrel github apply`: load, check the inputs, apply, report.

use std::path::Path;

use super::Outcome;
use crate::cli::{Format, GithubCommand};
use crate::error::Result;
use crate::github_apply;
use crate::{policy, project};

pub(crate) fn run(dir: &Path, command: &GithubCommand) -> Result<Outcome> {
    let GithubCommand::Apply(args) = command;
    let project = project::discover(dir)?;
    let (policy, _) = policy::load(&project)?;
    // Local inputs first: a bad protection file stops the run before any request.
    let inputs = github_apply::inputs(&project.root, &policy)?;
    let (gh, _token) = github_apply::client(&project, &policy)?;
    let config = gh.config();
    let json = args.format == Format::Json;
    if !json && !crate::report::quiet() {
        outln!(
            "github apply: {}/{}{}",
            config.owner,
            config.repo,
            if args.dry_run {
                " (dry run: no write is sent)"
            } else {
                ""
            }
        );
    }
    let mut out = Filtered {
        json,
        quiet: crate::report::quiet(),
        in_request: false,
    };
    let summary = github_apply::apply(&project, &policy, &inputs, &gh, args.dry_run, &mut out)?;
    github_apply::report(&summary, &gh, args.dry_run, &mut out);
    if json {
        let doc = github_apply::summary_json(&summary, &gh, args.dry_run);
        outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
    }
    Ok(
        if summary.failed() || (!args.dry_run && !summary.missing_secrets.is_empty()) {
            Outcome::Failure
        } else {
            Outcome::Success
        },
    )
}

/// stdout for apply's lines: none with `--format json` (the document says it all); with
/// `--quiet`, only what needs attention (failures, hints, items not applied, secrets to
/// set) and the summary line, not each item or each request of a dry run.
struct Filtered {
    json: bool,
    quiet: bool,
    /// Inside the body lines of a `would send` request.
    in_request: bool,
}

impl github_apply::Out for Filtered {
    fn line(&mut self, text: &str) {
        if self.json {
            return;
        }
        if self.quiet {
            if text.starts_with("would send ") {
                self.in_request = true;
                return;
            }
            if self.in_request && text.starts_with("  ") {
                return;
            }
            self.in_request = false;
            if ["changed ", "unchanged ", "would change "]
                .iter()
                .any(|w| text.starts_with(w))
            {
                return;
            }
        }
        outln!("{text}");
    }
}
