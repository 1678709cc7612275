//! `pyrel release`: preflight → `pyrel bump BUMP --commit --tag` (the same code) → push →
//! watch the release run → verify. The steps live in `crate::release`.

use std::path::Path;

use super::Outcome;
use crate::bump::{self, Failure, Request};
use crate::cli::{BumpArgs, ReleaseArgs};
use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::project::Project;
use crate::release::state::{self, Mode, State};
use crate::release::{self, git, pr, Preflight, Released, Stopped, Timing};
use crate::remote::GithubClient;
use crate::{github_apply, policy, project};

fn stopped(s: &Stopped) -> Outcome {
    release::note(|f| {
        f.outcome = Some("stopped");
        f.stopped = Some(release::StoppedJson {
            what: s.what.clone(),
            details: s.details.clone(),
            next: s.next.clone(),
        });
    });
    super::output::print_stop("stopped:", &s.what, &s.details, Some(("next:", &s.next)));
    Outcome::Failure
}

/// The bump of `pyrel bump`, its lines dropped with `--quiet` (the release's own lines
/// say what matters), kept in the log with `--format json`.
fn bump_step(dir: &Path, args: &BumpArgs) -> Result<Outcome> {
    let silence = crate::report::quiet() && !super::output::capturing();
    if silence {
        super::output::capture_start();
    }
    let result = super::bump::run(dir, args);
    if silence {
        let _ = super::output::capture_take();
    }
    result
}

fn outcome(word: &'static str) {
    release::note(|f| f.outcome = Some(word));
}

/// Records the release under way (from a plan or a saved state).
fn note_state(s: &State) {
    release::note(|f| {
        f.mode = Some(match s.mode {
            Mode::PullRequest => "pull_request",
            Mode::Direct => "direct",
        });
        f.tag = Some(s.tag.clone());
        f.packages = s.packages.clone();
        f.release_commit = Some(s.release_commit.clone()).filter(|c| !c.is_empty());
        if s.pull_url.is_some() {
            f.pull_request = s.pull_url.clone();
        }
        if s.tag_commit.is_some() {
            f.tag_commit = s.tag_commit.clone();
        }
    });
}

pub(crate) fn run(dir: &Path, args: &ReleaseArgs) -> Result<Outcome> {
    let json = args.format == crate::cli::Format::Json;
    if json {
        super::output::capture_start();
    }
    let result = run_steps(dir, args);
    if json {
        let log = super::output::capture_take();
        if result.is_ok() {
            let facts = release::facts();
            let doc = serde_json::json!({
                "schema": "pyrel-release/1",
                "outcome": facts.outcome.unwrap_or("stopped"),
                "mode": facts.mode,
                "tag": facts.tag,
                "packages": facts.packages,
                "release_commit": facts.release_commit,
                "pull_request": facts.pull_request,
                "tag_commit": facts.tag_commit,
                "run": facts.run,
                "stopped": facts.stopped,
                "log": log,
            });
            outln!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        }
    }
    result
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
    if args.direct {
        cmd.push_str(" --direct");
    }
    if args.dry_run {
        cmd.push_str(" --dry-run");
    }
    format!("`{cmd}`")
}

fn bump_args(args: &ReleaseArgs, spec: &str, dry_run: bool, tag: bool) -> BumpArgs {
    BumpArgs {
        format: crate::cli::Format::Human,
        bump: spec.to_owned(),
        pre: args.pre.clone(),
        package: args.package.clone(),
        dry_run,
        commit: true,
        tag,
        allow_dirty: false,
        require_changelog: false,
        no_changelog: false,
        allow_downgrade: false,
        force: false,
    }
}

fn run_steps(dir: &Path, args: &ReleaseArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    let (policy, _) = policy::load(&project)?;
    let timing = Timing::from_env();
    if args.resume && args.dry_run {
        return resume_dry_run(&project, &policy);
    }
    if args.resume {
        let (gh, _token) = github_apply::client(&project, &policy)?;
        return resume(&project, &policy, &gh, args, &timing);
    }
    // A dry run needs no token: the local preflight runs, GitHub's checks say `unknown`.
    let gh = if args.dry_run && crate::remote::token_from_env().is_none() {
        None
    } else {
        Some(github_apply::client(&project, &policy)?.0)
    };
    let spec = match (&args.bump, args.dry_run) {
        (Some(spec), _) => spec.clone(),
        (None, true) => "patch".to_owned(),
        (None, false) => {
            return Err(Error::usage(
                "what to release is missing",
                Some("pass a bump (`pyrel release patch`) or a version, or `--resume`"),
            ))
        }
    };
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
    release::note(|f| {
        f.mode = Some(if args.direct {
            "direct"
        } else {
            "pull_request"
        });
        f.tag = Some(plan.tag.clone());
        f.packages = released
            .iter()
            .map(|r| state::Package {
                name: r.name.clone(),
                version: r.version.clone(),
            })
            .collect();
    });
    step!(
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
    let root = &project.root;
    match state::load(root) {
        Ok(None) => {}
        Ok(Some(s)) => {
            return Ok(stopped(&Stopped {
                what: format!("the release of {} is under way", s.tag),
                details: s
                    .pull_url
                    .iter()
                    .map(|u| format!("pull request: {u}"))
                    .collect(),
                next: if args.dry_run {
                    "`pyrel release --resume --dry-run` shows where it stands and its next steps"
                        .into()
                } else {
                    "`pyrel release --resume` continues it".into()
                },
            }))
        }
        Err(e) => {
            return Err(Error::usage(
                e,
                Some("fix or remove that file (pyrel writes it during a release)"),
            ))
        }
    }
    if let Err(s) = release::preflight(&Preflight {
        project: &project,
        policy: &policy,
        gh: gh.as_ref(),
        released: &released,
        tag: &plan.tag,
        again: &again,
        dry_run: args.dry_run,
    }) {
        return Ok(stopped(&s));
    }
    if let Err(s) = package_check(&project, &policy, &released, args, &again) {
        return Ok(stopped(&s));
    }
    let branch = &policy.default_branch;
    let protection = match &gh {
        None => {
            step!(
                "preflight: {:<16} unknown (no GitHub token: the pull request is the safe default)",
                "protection"
            );
            None
        }
        Some(gh) => match pr::protection(gh, branch) {
            Ok(p) => {
                step!(
                    "preflight: {:<16} ok ({})",
                    "protection",
                    if p.protected() {
                        format!("`{branch}` is protected: {}", p.reasons.join(", "))
                    } else {
                        format!("`{branch}` is not protected")
                    }
                );
                Some(p)
            }
            Err(e) if args.dry_run => {
                step!("preflight: {:<16} unknown ({e})", "protection");
                None
            }
            Err(e) => return Ok(stopped(&release::remote_stop(&e, &again))),
        },
    };
    if args.direct && protection.as_ref().is_some_and(pr::Protection::protected) {
        let reasons = protection.map(|p| p.reasons).unwrap_or_default();
        return Ok(stopped(&Stopped {
            what: format!("`{branch}` is protected: GitHub refuses a direct push to it"),
            details: reasons,
            next: format!(
                "release through a pull request: {}",
                again.replace(" --direct", "")
            ),
        }));
    }
    let release_branch = pr::branch_name(&plan.tag);
    if !args.direct {
        let on_origin = git::remote_branch_commit(root, &release_branch).unwrap_or(None);
        if on_origin.is_some() || git::branch_commit(root, &release_branch).is_some() {
            return Ok(stopped(&Stopped {
                what: format!(
                    "the release branch {release_branch} already exists{}",
                    if on_origin.is_some() {
                        " on origin"
                    } else {
                        " locally"
                    }
                ),
                details: Vec::new(),
                next: format!(
                    "delete it if it is stale (`git branch -D {release_branch}`), then {again}"
                ),
            }));
        }
        step!(
            "preflight: {:<16} ok ({release_branch} is new)",
            "release branch"
        );
    }
    if args.dry_run {
        return dry_run(dir, args, &spec, &policy, &plan, &released, &release_branch);
    }
    if args.direct {
        return direct(
            dir,
            args,
            &spec,
            &again,
            &gh_or(gh)?,
            &policy,
            &plan,
            &released,
            &timing,
        );
    }
    let gh = gh_or(gh)?;

    // Pull request mode: the release commit on its own branch, the user back on theirs.
    if let Err(e) = git::switch_new(root, &release_branch) {
        return Ok(stopped(&Stopped {
            what: format!("cannot create the release branch: {e}"),
            details: Vec::new(),
            next: format!("fix the cause, then {again}"),
        }));
    }
    let bumped = bump_step(dir, &bump_args(args, &spec, false, false));
    let head = git::head(root);
    let notes = notes(&project, &policy, &plan);
    let back = git::switch(root, branch);
    let undo = |root: &Path| {
        let _ = git::switch(root, branch);
        let _ = git::delete_branch(root, &release_branch);
    };
    match bumped {
        Ok(Outcome::Success) => {}
        Ok(_) => {
            undo(root);
            return Ok(stopped(&Stopped {
                what: "the bump was refused; nothing was committed or pushed".into(),
                details: Vec::new(),
                next: format!("fix what the bump names, then {again}"),
            }));
        }
        Err(e) => {
            undo(root);
            return Err(e);
        }
    }
    let (head, ()) = match (head, back) {
        (Ok(h), Ok(())) => (h, ()),
        (Err(e), _) | (_, Err(e)) => {
            return Ok(stopped(&Stopped {
                what: format!("git failed after the release commit: {e}"),
                details: Vec::new(),
                next: format!(
                    "check `git status`, switch back to `{branch}`, then `pyrel release --resume`"
                ),
            }))
        }
    };
    let mut s = State::new(Mode::PullRequest, &plan.tag, &plan.subject, branch, &head);
    s.packages = released
        .iter()
        .map(|r| state::Package {
            name: r.name.clone(),
            version: r.version.clone(),
        })
        .collect();
    s.branch = Some(release_branch.clone());
    s.notes = notes;
    note_state(&s);
    if let Err(e) = state::save(root, &s) {
        return Ok(stopped(&Stopped {
            what: format!("cannot save where the release stands: {e}"),
            details: Vec::new(),
            next: format!("fix the cause, delete the branch {release_branch}, then {again}"),
        }));
    }
    step!(
        "release commit: {} on {release_branch}",
        &head[..head.len().min(12)]
    );
    if args.no_push {
        outcome("committed");
        outln!(
            "stopped before the push (--no-push); next: `pyrel release --resume` pushes {release_branch} and opens the pull request"
        );
        return Ok(Outcome::Success);
    }
    Ok(pull_request_flow(
        &project,
        &policy,
        &gh,
        &mut s,
        protection.unwrap_or_default(),
        args.no_watch,
        &timing,
    ))
}

/// The token-backed client, for the steps that write.
fn gh_or(gh: Option<GithubClient>) -> Result<GithubClient> {
    gh.ok_or_else(|| {
        Error::usage(
            "no GitHub token",
            Some("export GH_TOKEN (or GITHUB_TOKEN), or log in with `gh auth login`"),
        )
    })
}

/// The changelog section of the release, for the pull request's body.
fn notes(project: &Project, policy: &Policy, plan: &bump::Plan) -> String {
    let package = project.packages.iter().find(|p| {
        plan.bumps.len() == 1 && p.name == plan.bumps[0].name && project.packages.len() > 1
    });
    bump::changelog_path(policy, package)
        .and_then(|rel| crate::workspace_fs::read_regular_string(project.root.join(rel)).ok())
        .and_then(|text| crate::changelog::section_notes(&text, &plan.version))
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("{}: no changelog section.", plan.subject))
}

#[allow(clippy::too_many_arguments)]
fn dry_run(
    dir: &Path,
    args: &ReleaseArgs,
    spec: &str,
    policy: &Policy,
    plan: &bump::Plan,
    released: &[Released],
    release_branch: &str,
) -> Result<Outcome> {
    let branch = &policy.default_branch;
    if args.direct {
        step!("would run: pyrel bump {spec} --commit --tag");
    } else {
        step!("would create branch: {release_branch}");
        step!("would run: pyrel bump {spec} --commit");
    }
    if bump_step(dir, &bump_args(args, spec, true, args.direct))? == Outcome::Failure {
        return Ok(Outcome::Failure);
    }
    if args.direct {
        step!("would push: git push --atomic origin {branch} {}", plan.tag);
    } else {
        step!("would push: {release_branch} to origin");
        step!(
            "would open: a pull request {release_branch} -> {branch} titled `{}`",
            plan.subject
        );
        step!("would wait: for the required checks of the release commit, then merge (after the review the protection asks for)");
        step!(
            "would tag: {} on the merge commit and push the tag alone",
            plan.tag
        );
    }
    step!("would watch: the release run of {}", plan.tag);
    for r in released {
        for index in release::indexes_for(policy, &r.version) {
            step!("would verify: {}", index.page(&r.name, &r.version));
        }
    }
    step!("would verify: the GitHub Release {}", plan.tag);
    outcome("dry_run");
    outln!("dry run: nothing written, committed or pushed");
    Ok(Outcome::Success)
}

#[allow(clippy::too_many_arguments)]
fn direct(
    dir: &Path,
    args: &ReleaseArgs,
    spec: &str,
    again: &str,
    gh: &GithubClient,
    policy: &Policy,
    plan: &bump::Plan,
    released: &[Released],
    timing: &Timing,
) -> Result<Outcome> {
    let branch = &policy.default_branch;
    let root = &project::discover(dir)?.root;
    if bump_step(dir, &bump_args(args, spec, false, true))? == Outcome::Failure {
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
    let mut s = State::new(Mode::Direct, &plan.tag, &plan.subject, branch, &sha);
    s.tag_commit = Some(sha.clone());
    note_state(&s);
    s.packages = released
        .iter()
        .map(|r| state::Package {
            name: r.name.clone(),
            version: r.version.clone(),
        })
        .collect();
    if let Err(e) = state::save(root, &s) {
        return Ok(stopped(&Stopped {
            what: format!("cannot save where the release stands: {e}"),
            details: Vec::new(),
            next: format!(
                "fix the cause, then push yourself: `git push --atomic origin {branch} {}`",
                plan.tag
            ),
        }));
    }
    if args.no_push {
        outcome("committed");
        outln!(
            "stopped before the push (--no-push); next: `git push --atomic origin {branch} {}`, then `pyrel release --resume`",
            plan.tag
        );
        return Ok(Outcome::Success);
    }
    if let Err(s) = release::push(root, branch, &plan.tag) {
        return Ok(stopped(&s));
    }
    Ok(finish(
        root,
        gh,
        policy,
        released,
        &plan.tag,
        &sha,
        args.no_watch,
        timing,
    ))
}

/// The pull request steps, then the watch and the verify.
fn pull_request_flow(
    project: &Project,
    policy: &Policy,
    gh: &GithubClient,
    s: &mut State,
    protection: pr::Protection,
    no_watch: bool,
    timing: &Timing,
) -> Outcome {
    let mut required = release::required_checks(project, policy);
    for c in &protection.required_checks {
        if !required.contains(c) {
            required.push(c.clone());
        }
    }
    let flow = pr::Flow {
        root: &project.root,
        gh,
        timing,
        required,
        protection,
    };
    let commit = match pr::drive(&flow, s) {
        Ok(c) => c,
        Err(stop) => return stopped(&stop),
    };
    // The user's default branch catches up with the merge when it is checked out.
    let root = &project.root;
    if git::current_branch(root).as_deref() == Some(s.base.as_str())
        && crate::bump::git::dirty(root).is_ok_and(|d| d.is_empty())
        && git::fast_forward(root).is_ok()
    {
        step!("updated: {} to origin/{}", s.base, s.base);
    }
    if let Some(b) = &s.branch {
        let _ = git::delete_branch(root, b);
    }
    let released: Vec<Released> = s
        .packages
        .iter()
        .map(|p| Released {
            name: p.name.clone(),
            version: p.version.clone(),
        })
        .collect();
    finish(
        root, gh, policy, &released, &s.tag, &commit, no_watch, timing,
    )
}

/// Watch and verify; the state is forgotten once the release is verified.
#[allow(clippy::too_many_arguments)]
fn finish(
    root: &Path,
    gh: &GithubClient,
    policy: &Policy,
    released: &[Released],
    tag: &str,
    sha: &str,
    no_watch: bool,
    timing: &Timing,
) -> Outcome {
    let outcome = after_push(gh, policy, released, tag, sha, no_watch, timing);
    if outcome == Outcome::Success && !no_watch {
        if let Err(e) = state::clear(root) {
            errln!("warning: {e}");
        }
    }
    outcome
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
        step!(
            "preflight: {:<16} skipped (--skip-check: the packages were not built, twine-checked, inspected or installed)",
            "package check"
        );
        return Ok(());
    }
    let names: Vec<String> = released.iter().map(|r| r.name.clone()).collect();
    match crate::check::preflight(project, policy, &names) {
        Ok(detail) => {
            step!("preflight: {:<16} ok ({detail})", "package check");
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
        outcome("pushed");
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
    outcome("released");
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
    let root = &project.root;
    let saved = state::load(root).map_err(|e| {
        Error::usage(
            e,
            Some("fix or remove that file (pyrel writes it during a release)"),
        )
    })?;
    let mut s = match saved {
        Some(s) => s,
        None => {
            // A release started before pyrel kept its state: the tag on HEAD.
            let Some((tag, released)) = tag_at_head(project, policy) else {
                return Err(Error::usage(
                    format!(
                        "no release is under way and HEAD has no release tag in the policy's tag format (`{}`): nothing to resume",
                        policy.tag_format
                    ),
                    Some("start a release with `pyrel release patch` (or minor, major, a version)"),
                ));
            };
            let sha = git::tag_commit(root, &tag).unwrap_or_default();
            let mut s = State::new(Mode::Direct, &tag, "", &policy.default_branch, &sha);
            s.tag_commit = Some(sha);
            s.packages = released
                .into_iter()
                .map(|r| state::Package {
                    name: r.name,
                    version: r.version,
                })
                .collect();
            s
        }
    };
    note_state(&s);
    step!("resume: {}", s.tag);
    if s.mode == Mode::PullRequest {
        let protection = match pr::protection(gh, &s.base) {
            Ok(p) => p,
            Err(e) => {
                return Ok(stopped(&release::remote_stop(
                    &e,
                    "`pyrel release --resume`",
                )))
            }
        };
        return Ok(pull_request_flow(
            project,
            policy,
            gh,
            &mut s,
            protection,
            args.no_watch,
            timing,
        ));
    }
    let commit = s.tag_commit.clone().unwrap_or_default();
    // The tag pushed with the branch when origin lacks it; a tag there on another
    // commit is refused, whoever pushed it.
    if let Err(stop) = pr::tag_and_push(root, &s, &commit, true) {
        return Ok(stopped(&stop));
    }
    if let Err(stop) = direct_on_base(root, &s, &commit) {
        return Ok(stopped(&stop));
    }
    let released: Vec<Released> = s
        .packages
        .iter()
        .map(|p| Released {
            name: p.name.clone(),
            version: p.version.clone(),
        })
        .collect();
    Ok(finish(
        root,
        gh,
        policy,
        &released,
        &s.tag,
        &commit,
        args.no_watch,
        timing,
    ))
}

/// `--resume --dry-run`: where the release stands (from the state in the git directory,
/// or the tag on HEAD) and the steps a resume would take; no request, no write.
fn resume_dry_run(project: &Project, policy: &Policy) -> Result<Outcome> {
    let root = &project.root;
    let saved = state::load(root).map_err(|e| {
        Error::usage(
            e,
            Some("fix or remove that file (pyrel writes it during a release)"),
        )
    })?;
    let s = match saved {
        Some(s) => s,
        None => {
            let Some((tag, _)) = tag_at_head(project, policy) else {
                return Err(Error::usage(
                    "no release is under way and HEAD has no release tag: nothing to resume",
                    Some("start with `pyrel release --dry-run`"),
                ));
            };
            let sha = git::tag_commit(root, &tag).unwrap_or_default();
            let mut s = State::new(Mode::Direct, &tag, "", &policy.default_branch, &sha);
            s.tag_commit = Some(sha);
            s
        }
    };
    let short = |c: &str| c[..c.len().min(12)].to_owned();
    note_state(&s);
    step!(
        "resume: {} ({})",
        s.tag,
        match s.mode {
            Mode::PullRequest => "through a pull request",
            Mode::Direct => "direct push",
        }
    );
    match (s.mode, &s.tag_commit) {
        (Mode::PullRequest, None) => {
            let branch = s.branch.clone().unwrap_or_else(|| pr::branch_name(&s.tag));
            match &s.pull_url {
                None => {
                    outln!(
                        "would push: {branch} to origin (release commit {})",
                        short(&s.release_commit)
                    );
                    outln!(
                        "would open: a pull request {branch} -> {} titled `{}`",
                        s.base,
                        s.subject
                    );
                }
                Some(url) => outln!("would read: pull request {url}"),
            }
            outln!(
                "would wait: for the required checks of {}, then merge (after the review the protection asks for)",
                short(&s.release_commit)
            );
            outln!(
                "would tag: {} on the merge commit and push the tag alone",
                s.tag
            );
        }
        (_, Some(commit)) => {
            outln!(
                "would tag: {} on {} unless it is there, and push it unless origin has it{}",
                s.tag,
                short(commit),
                if s.mode == Mode::Direct {
                    format!(" (with `{}`, atomically)", s.base)
                } else {
                    String::new()
                }
            );
        }
        (Mode::Direct, None) => {}
    }
    outln!("would watch: the release run of {}", s.tag);
    outln!("would verify: the upload and the GitHub Release {}", s.tag);
    outcome("dry_run");
    outln!("dry run: nothing written, committed or pushed");
    Ok(Outcome::Success)
}

/// After a tag-only push the release commit may be on no branch of origin: the direct
/// mode pushes the default branch (a fast-forward), or says exactly what is missing.
fn direct_on_base(root: &Path, s: &State, commit: &str) -> std::result::Result<(), Stopped> {
    let base = &s.base;
    git::fetch(root, base).map_err(|e| Stopped {
        what: format!("cannot fetch `{base}` from origin: {e}"),
        details: Vec::new(),
        next: "check the network and the `origin` remote, then `pyrel release --resume`".into(),
    })?;
    if git::fetched_contains(root, commit) {
        return Ok(());
    }
    let short = &commit[..commit.len().min(12)];
    let local_has = git::branch_commit(root, base).is_some_and(|b| {
        b == commit
            || std::process::Command::new("git")
                .args(["merge-base", "--is-ancestor", commit, &b])
                .current_dir(root)
                .stdin(std::process::Stdio::null())
                .status()
                .is_ok_and(|st| st.success())
    });
    if !local_has {
        return Err(Stopped {
            what: format!("the tag {} is on origin but its commit {short} is on no branch pyrel knows: neither `{base}` of origin nor your local `{base}` contains it", s.tag),
            details: Vec::new(),
            next: format!("bring {short} onto `{base}` (a pull request from `git push origin {commit}:refs/heads/release/{}`, merged with a merge commit), then `pyrel release --resume`", s.tag),
        });
    }
    git::push_branch(root, base).map_err(|e| Stopped {
        what: format!("the tag {} is on origin but `{base}` of origin lacks its commit {short}, and the push of `{base}` failed: {e}", s.tag),
        details: Vec::new(),
        next: format!("merge {short} into `{base}` through a pull request (`git push origin {commit}:refs/heads/release/{}`, then merge it with a merge commit), then `pyrel release --resume`", s.tag),
    })?;
    step!("pushed: {base} to origin (the release commit {short} was on no branch of origin)");
    Ok(())
}
