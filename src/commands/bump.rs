//! `pyrel bump`: plan the bump, show or write it, then commit and tag on request.

use std::path::Path;

use console::Style;

use super::Outcome;
use crate::bump::{self, Failure, Refusal, Request};
use crate::cli::{BumpArgs, Format};
use crate::error::Result;
use crate::policy;
use crate::project;
use crate::report::documents;
use crate::sync::unified_diff;
use crate::workspace_fs::slash;

fn print_refusal(r: &Refusal) -> Outcome {
    super::output::print_stop(
        "refused:",
        &r.message,
        &r.details,
        r.hint.as_deref().map(|h| ("hint:", h)),
    );
    Outcome::Failure
}

pub(crate) fn run(dir: &Path, args: &BumpArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    let _lock = match super::write_lock(&project.root, !args.dry_run)? {
        Ok(lock) => lock,
        Err(busy) => return Ok(busy),
    };
    // Read again under the lock: another writer may have finished in between.
    let project = if args.dry_run {
        project
    } else {
        project::discover(dir)?
    };
    let (policy, source) = policy::load(&project)?;
    crate::report::verbose_where(&project.root, source.as_ref());
    let request = Request {
        target: bump::parse_target(&args.bump, args.pre.as_deref())?,
        package: args.package.clone(),
        allow_downgrade: args.allow_downgrade,
        force: args.force,
        require_changelog: args.require_changelog,
        changelog: !args.no_changelog,
        today: bump::today()?,
    };
    let json = args.format == Format::Json;
    let plan = match bump::plan(&project, &policy, &request) {
        Ok(p) => p,
        Err(Failure::Refused(r)) if json => {
            let doc = documents::bump_refused(&project.root, &r);
            out!("{}", documents::to_string(&doc));
            return Ok(Outcome::Failure);
        }
        Err(Failure::Refused(r)) => return Ok(print_refusal(&r)),
        Err(Failure::Error(e)) => return Err(e),
    };
    let root = &project.root;
    if json {
        // clap lets json through only with --dry-run: the plan, nothing written.
        out!("{}", documents::to_string(&documents::bump(root, &plan)));
        return Ok(Outcome::Success);
    }
    let warn = Style::new().yellow().bold();
    for w in &plan.warnings {
        errln!("{} {w}", warn.apply_to("warning:"));
    }
    for b in &plan.bumps {
        let old = b.old.as_deref().unwrap_or("(no tag yet)");
        outln!("{} {old} -> {}", b.name, b.new);
    }

    if args.dry_run {
        // -q: no diffs, as for every verb.
        for e in plan.edits.iter().filter(|_| !crate::report::quiet()) {
            super::output::print_unified(&unified_diff(&e.path, &e.before, &e.after));
        }
        if plan.vcs_only {
            outln!("versions come from git tags: no version file to write");
        }
        if args.tag {
            outln!("would create tag {}", plan.tag);
        }
        outln!("dry run: nothing written");
        return Ok(Outcome::Success);
    }

    match bump::check_git(root, &plan, args.commit, args.tag, args.allow_dirty) {
        Ok(()) => {}
        Err(Failure::Refused(r)) => return Ok(print_refusal(&r)),
        Err(Failure::Error(e)) => return Err(e),
    }

    bump::apply(root, &plan.edits)?;
    if !crate::report::quiet() {
        for e in &plan.edits {
            outln!("wrote {}", slash(&e.path));
        }
    }
    if plan.vcs_only {
        outln!(
            "versions come from git tags: no version file written{}",
            if args.tag {
                ""
            } else {
                "; pass --tag to create the release tag"
            }
        );
    }
    if args.commit && bump::commit(root, &plan)? {
        outln!("committed: {}", plan.subject);
    }
    if args.tag {
        bump::tag(root, &plan)?;
        outln!(
            "tagged {} (annotated); push it with `git push origin {}`",
            plan.tag,
            plan.tag
        );
        say_where_the_tag_goes(&project, &policy, &plan.tag)?;
    }
    Ok(Outcome::Success)
}

/// What the release workflow will do when the tag is pushed ([`bump::where_the_tag_goes`]).
fn say_where_the_tag_goes(
    project: &project::Project,
    policy: &policy::Policy,
    tag: &str,
) -> Result<()> {
    match bump::where_the_tag_goes(project, policy, tag)? {
        Ok((version, places)) => outln!(
            "the release workflow will publish {version} to {}",
            places.join(" and ")
        ),
        Err(e) => errln!(
            "{} the release workflow will refuse this tag: {e}",
            Style::new().yellow().bold().apply_to("warning:")
        ),
    }
    Ok(())
}
