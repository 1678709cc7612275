//! `pyrel release`: preflight → `pyrel bump BUMP --commit --tag` (the same code) → push →
//! watch the release run → verify. The steps live in `crate::release`.

use std::path::Path;

use super::Outcome;
use crate::bump::{self, Failure, Request};
use crate::cli::{BumpArgs, ReleaseArgs};
use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::project::Project;
use crate::release::{self, git, Preflight, Released, Stopped, Timing};
use crate::remote::GithubClient;
use crate::{github_apply, policy, project};

fn stopped(s: &Stopped) -> Outcome {
    super::output::print_stop("stopped:", &s.what, &s.details, Some(("next:", &s.next)));
    Outcome::Failure
}

/// The command line that starts this release again.
fn again(args: &ReleaseArgs, spec: &str) -> String {
    let mut cmd = format!("pyrel release {spec}");
    if let Some(pre) = &args.pre {
        cmd.push_str(&format!(" --pre {pre}"));
    }
    if let Some(p) = &args.package {
        cmd.push_str(&format!(" --package {p}"));
    }
    format!("`{cmd}`")
}

fn bump_args(args: &ReleaseArgs, spec: &str, dry_run: bool) -> BumpArgs {
    BumpArgs {
        format: crate::cli::Format::Human,
        bump: spec.to_owned(),
        pre: args.pre.clone(),
        package: args.package.clone(),
        dry_run,
        commit: true,
        tag: true,
        allow_dirty: false,
        require_changelog: false,
        no_changelog: false,
        allow_downgrade: false,
        force: false,
    }
}

pub(crate) fn run(dir: &Path, args: &ReleaseArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    let (policy, _) = policy::load(&project)?;
    let (gh, _token) = github_apply::client(&project, &policy)?;
    let timing = Timing::from_env();
    if args.resume {
        return resume(&project, &policy, &gh, args, &timing);
    }
    let spec = args.bump.clone().ok_or_else(|| {
        Error::usage(
            "what to release is missing",
            Some("pass a bump (`pyrel release patch`) or a version, or `--resume`"),
        )
    })?;
    let request = Request {
        target: bump::parse_target(&spec, args.pre.as_deref())?,
        package: args.package.clone(),
        allow_downgrade: false,
        force: false,
        require_changelog: false,
        changelog: true,
        today: bump::today()?,
    };
    // The plan only reads: it names the version and tag the preflight checks.
    let plan = match bump::plan(&project, &policy, &request) {
        Ok(p) => p,
        Err(Failure::Refused(r)) => {
            return Ok(stopped(&Stopped {
                what: format!("the bump is refused: {}", r.message),
                details: r.details,
                next: r
                    .hint
                    .unwrap_or_else(|| "pick another bump or version".into()),
            }))
        }
        Err(Failure::Error(e)) => return Err(e),
    };
    let released: Vec<Released> = plan
        .bumps
        .iter()
        .map(|b| Released {
            name: b.name.clone(),
            version: b.new.clone(),
        })
        .collect();
    outln!(
        "release: {} (tag {})",
        plan.bumps
            .iter()
            .map(|b| format!(
                "{} {} -> {}",
                b.name,
                b.old.as_deref().unwrap_or("(none)"),
                b.new
            ))
            .collect::<Vec<_>>()
            .join(", "),
        plan.tag
    );
    let again = again(args, &spec);
    if let Err(s) = release::preflight(&Preflight {
        project: &project,
        policy: &policy,
        gh: &gh,
        released: &released,
        tag: &plan.tag,
        again: &again,
    }) {
        return Ok(stopped(&s));
    }
    if let Err(s) = package_check(&project, &policy, &released, args, &again) {
        return Ok(stopped(&s));
    }
    let branch = &policy.default_branch;
    let root = &project.root;
    if args.dry_run {
        outln!("would run: pyrel bump {spec} --commit --tag");
        if super::bump::run(dir, &bump_args(args, &spec, true))? == Outcome::Failure {
            return Ok(Outcome::Failure);
        }
        outln!("would push: git push --atomic origin {branch} {}", plan.tag);
        outln!("would watch: the release run of {}", plan.tag);
        for r in &released {
            for index in release::indexes_for(&policy, &r.version) {
                outln!("would verify: {}", index.page(&r.name, &r.version));
            }
        }
        outln!("would verify: the GitHub Release {}", plan.tag);
        outln!("dry run: nothing written, committed or pushed");
        return Ok(Outcome::Success);
    }

    if super::bump::run(dir, &bump_args(args, &spec, false))? == Outcome::Failure {
        return Ok(stopped(&Stopped {
            what: "the bump was refused; nothing was committed, tagged or pushed".into(),
            details: Vec::new(),
            next: format!("fix what the bump names, then {again}"),
        }));
    }
    let sha = match git::tag_commit(root, &plan.tag) {
        Ok(sha) => sha,
        Err(e) => {
            return Ok(stopped(&Stopped {
                what: format!("the tag {} is missing after the bump: {e}", plan.tag),
                details: Vec::new(),
                next: format!(
                "create it with `git tag -a {} -m \"Release {}\"`, then `pyrel release --resume`",
                plan.tag, plan.version
            ),
            }))
        }
    };
    if args.no_push {
        outln!(
            "stopped before the push (--no-push); next: `git push --atomic origin {branch} {}`, then `pyrel release --resume`",
            plan.tag
        );
        return Ok(Outcome::Success);
    }
    if let Err(s) = release::push(root, branch, &plan.tag) {
        return Ok(stopped(&s));
    }
    Ok(after_push(
        &gh,
        &policy,
        &released,
        &plan.tag,
        &sha,
        args.no_watch,
        &timing,
    ))
}

/// The preflight's last step: `pyrel check` on the released packages, before anything is
/// written (issue 25: know before you tag).
fn package_check(
    project: &Project,
    policy: &Policy,
    released: &[Released],
    args: &ReleaseArgs,
    again: &str,
) -> std::result::Result<(), Stopped> {
    if args.skip_check {
        outln!(
            "preflight: {:<16} skipped (--skip-check: the packages were not built, twine-checked, inspected or installed)",
            "package check"
        );
        return Ok(());
    }
    let names: Vec<String> = released.iter().map(|r| r.name.clone()).collect();
    match crate::check::preflight(project, policy, &names) {
        Ok(detail) => {
            outln!("preflight: {:<16} ok ({detail})", "package check");
            Ok(())
        }
        Err((what, details)) => Err(Stopped {
            what,
            details,
            next: format!(
                "fix them (`pyrel check` shows each with its hint), then {again}; or add --skip-check to release without the check"
            ),
        }),
    }
}

fn after_push(
    gh: &GithubClient,
    policy: &Policy,
    released: &[Released],
    tag: &str,
    sha: &str,
    no_watch: bool,
    timing: &Timing,
) -> Outcome {
    if no_watch {
        outln!(
            "not watching (--no-watch): the release run of {tag} is at https://github.com/{}/{}/actions; `pyrel release --resume` watches it and verifies the upload",
            gh.config().owner,
            gh.config().repo
        );
        return Outcome::Success;
    }
    let workflow = policy
        .files
        .release_workflow
        .as_deref()
        .map(crate::workspace_fs::slash);
    let run = match release::watch(gh, tag, sha, workflow.as_deref(), timing) {
        Ok(run) => run,
        Err(s) => return stopped(&s),
    };
    if let Err(s) = release::verify(gh, policy, released, tag, &run.html_url, timing) {
        return stopped(&s);
    }
    outln!("released {tag}");
    Outcome::Success
}

/// The release tag on HEAD and what it releases.
fn tag_at_head(project: &Project, policy: &Policy) -> Option<(String, Vec<Released>)> {
    let tags = git::tags_at_head(&project.root);
    let packages: Vec<(&str, String)> = project
        .packages
        .iter()
        .map(|p| (p.normalized.as_str(), crate::workspace_fs::slash(&p.dir)))
        .collect();
    for tag in &tags {
        let Some((one, v)) = policy.tag_format.split(tag, &packages) else {
            continue;
        };
        if crate::version::parse(v).is_err() {
            continue;
        }
        let released = project
            .packages
            .iter()
            .enumerate()
            .filter(|(i, _)| one.is_none_or(|one| one == *i))
            .map(|(_, p)| Released {
                name: p.name.clone(),
                version: v.to_owned(),
            })
            .collect();
        return Some((tag.clone(), released));
    }
    None
}

fn resume(
    project: &Project,
    policy: &Policy,
    gh: &GithubClient,
    args: &ReleaseArgs,
    timing: &Timing,
) -> Result<Outcome> {
    let Some((tag, released)) = tag_at_head(project, policy) else {
        return Err(Error::usage(
            format!(
                "HEAD has no release tag in the policy's tag format (`{}`): nothing to resume",
                policy.tag_format
            ),
            Some("start a release with `pyrel release patch` (or minor, major, a version)"),
        ));
    };
    outln!("resume: {tag}");
    let root = &project.root;
    match git::remote_has_tag(root, &tag) {
        Ok(true) => outln!("resume: {tag} is on origin"),
        Ok(false) => {
            if let Err(s) = release::push(root, &policy.default_branch, &tag) {
                return Ok(stopped(&s));
            }
        }
        Err(e) => {
            return Ok(stopped(&Stopped {
                what: format!("cannot ask origin for the tag: {e}"),
                details: Vec::new(),
                next: "check the network and the `origin` remote, then `pyrel release --resume`"
                    .into(),
            }))
        }
    }
    let sha = git::tag_commit(root, &tag).unwrap_or_default();
    Ok(after_push(
        gh,
        policy,
        &released,
        &tag,
        &sha,
        args.no_watch,
        timing,
    ))
}
