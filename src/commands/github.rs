//! `pyrel github apply`: load, check the inputs, apply, report.

use std::path::Path;

use super::Outcome;
use crate::cli::GithubCommand;
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
    if !crate::report::quiet() {
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
    let mut out = std::io::stdout();
    let summary = github_apply::apply(&project, &policy, &inputs, &gh, args.dry_run, &mut out)?;
    github_apply::report(&summary, &gh, args.dry_run, &mut out);
    Ok(
        if summary.failed() || (!args.dry_run && !summary.missing_secrets.is_empty()) {
            Outcome::Failure
        } else {
            Outcome::Success
        },
    )
}
