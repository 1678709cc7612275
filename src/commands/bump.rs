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
    errln!(
        "{} {}",
        Style::new().red().bold().apply_to("refused:"),
        r.message
    );
    for d in &r.details {
        errln!("  - {d}");
    }
    if let Some(h) = &r.hint {
        errln!("  {} {h}", Style::new().cyan().apply_to("hint:"));
    }
    Outcome::Failure
}

fn print_diff(diff: &str) {
    super::output::print_unified(diff);
}

pub fn run(dir: &Path, args: &BumpArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    let _lock = if args.dry_run {
        None
    } else {
        match super::write_lock(&project.root)? {
            Some(lock) => Some(lock),
            None => return Ok(Outcome::Failure),
        }
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
        for e in &plan.edits {
            print_diff(&unified_diff(&e.path, &e.before, &e.after));
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

    if args.commit || args.tag {
        if !args.allow_dirty {
            let dirty = bump::git::dirty(root)?;
            if !dirty.is_empty() {
                return Ok(print_refusal(&Refusal {
                    message: "the work tree has uncommitted changes".into(),
                    details: dirty,
                    hint: Some("commit or stash them first, or pass --allow-dirty".into()),
                }));
            }
        }
        if args.tag && bump::git::tag_exists(root, &plan.tag) {
            return Ok(print_refusal(&Refusal {
                message: format!("the tag {} already exists", plan.tag),
                details: Vec::new(),
                hint: Some("pick another version".into()),
            }));
        }
        if let Err(why) = bump::git::identity(root, args.commit) {
            return Ok(print_refusal(&Refusal {
                message: format!("git has no author identity, so it could not commit or tag: {why}"),
                details: Vec::new(),
                hint: Some("set it with `git config user.name \"Your Name\"` and `git config user.email you@example.com`, then run the bump again".into()),
            }));
        }
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
    let subject = match (policy.versioning, plan.bumps.as_slice()) {
        (policy::Versioning::Independent, [b]) => format!("Release {} {}", b.name, plan.version),
        _ => format!("Release {}", plan.version),
    };
    if args.commit && !plan.edits.is_empty() {
        let paths: Vec<_> = plan.edits.iter().map(|e| e.path.clone()).collect();
        bump::git::commit(root, &paths, &subject)?;
        outln!("committed: {subject}");
    }
    if args.tag {
        bump::git::tag(root, &plan.tag, &subject)?;
        outln!(
            "tagged {} (annotated); push it with `git push origin {}`",
            plan.tag,
            plan.tag
        );
        say_where_the_tag_goes(&project, &policy, &plan.tag)?;
    }
    Ok(Outcome::Success)
}

/// What the release workflow will do when the tag is pushed: the same decision its plan job
/// makes (`route`), so a tag the workflow would refuse is reported now, not in CI.
fn say_where_the_tag_goes(
    project: &project::Project,
    policy: &policy::Policy,
    tag: &str,
) -> Result<()> {
    let project = project::discover(&project.root)?;
    let (route_policy, packages) = bump::release_state(&project, policy)?;
    let env = |k: &str| match k {
        "GITHUB_EVENT_NAME" => Some("push".to_string()),
        "GITHUB_REF_TYPE" => Some("tag".to_string()),
        "GITHUB_REF_NAME" => Some(tag.to_string()),
        _ => None,
    };
    let tags = bump::git::tags(&project.root);
    match crate::version::route(&env, &route_policy, &packages, &tags) {
        Ok(out) => {
            let mut places = Vec::new();
            if out.get("testpypi").is_some_and(|v| v == "true") {
                places.push("TestPyPI");
            }
            if out.get("pypi").is_some_and(|v| v == "true") {
                places.push("PyPI");
            }
            if out.get("github-release").is_some_and(|v| v == "true") {
                places.push("a GitHub Release");
            }
            outln!(
                "the release workflow will publish {} to {}",
                out.get("version").map_or("", String::as_str),
                places.join(" and ")
            );
        }
        Err(e) => errln!(
            "{} the release workflow will refuse this tag: {e}",
            Style::new().yellow().bold().apply_to("warning:")
        ),
    }
    Ok(())
}
