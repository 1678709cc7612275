//! `pyrel release`: the steps of a release after the bump — preflight, push, watch the
//! release run, verify the upload. `commands/release.rs` strings them together around the
//! bump of `pyrel bump BUMP --commit --tag`.
//!
//! Every step either passes or stops with a [`Stopped`]: what happened and the exact next
//! command, so a pushed tag is never left unexplained.

pub(crate) mod git;
pub(crate) mod pr;
pub(crate) mod state;

use std::path::Path;
use std::time::{Duration, Instant};

use crate::doctor::{self, Context, Online, Selection, Severity};
use crate::indexes;
use crate::policy::{Policy, TestPypi};
use crate::project::Project;
use crate::remote::{GithubClient, PypiAnswer, PypiClient, RemoteError, WorkflowRun};

/// Why the release stopped, and what to run next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stopped {
    pub(crate) what: String,
    pub(crate) details: Vec<String>,
    pub(crate) next: String,
}

impl Stopped {
    pub(crate) fn new(what: impl Into<String>, next: impl Into<String>) -> Self {
        Stopped {
            what: what.into(),
            details: Vec::new(),
            next: next.into(),
        }
    }

    pub(crate) fn details(mut self, details: Vec<String>) -> Self {
        self.details = details;
        self
    }
}

pub(crate) type Step<T = ()> = std::result::Result<T, Stopped>;

/// What a release did, as `pyrel release BUMP --format json` reports it (schema
/// `pyrel-release/1`, docs/release-schema.json): filled in by the steps as they go.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct Facts {
    /// `released`, `pushed` (--no-watch), `committed` (--no-push), `dry_run`, `stopped`.
    pub(crate) outcome: Option<&'static str>,
    /// `pull_request` or `direct`.
    pub(crate) mode: Option<&'static str>,
    pub(crate) tag: Option<String>,
    pub(crate) packages: Vec<state::Package>,
    pub(crate) release_commit: Option<String>,
    pub(crate) pull_request: Option<String>,
    pub(crate) tag_commit: Option<String>,
    pub(crate) run: Option<String>,
    pub(crate) stopped: Option<StoppedJson>,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct StoppedJson {
    pub(crate) what: String,
    pub(crate) details: Vec<String>,
    pub(crate) next: String,
}

static FACTS: std::sync::Mutex<Option<Facts>> = std::sync::Mutex::new(None);

/// Records what a step did.
pub(crate) fn note(f: impl FnOnce(&mut Facts)) {
    let mut facts = FACTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    f(facts.get_or_insert_with(Facts::default));
}

/// Everything recorded so far.
pub(crate) fn facts() -> Facts {
    FACTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
        .unwrap_or_default()
}

/// Timing of the watch and verify loops, from the environment (tests make them short).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timing {
    /// First wait between polls; doubles up to `max_poll`.
    pub(crate) poll: Duration,
    pub(crate) max_poll: Duration,
    /// The whole watch gives up after this long.
    pub(crate) timeout: Duration,
    /// Times the index and the GitHub Release are asked before giving up.
    pub(crate) verify_tries: u32,
}

impl Timing {
    /// `PYREL_RELEASE_POLL_MS` (5000), `PYREL_RELEASE_TIMEOUT_SECS` (3600),
    /// `PYREL_RELEASE_VERIFY_TRIES` (10).
    pub(crate) fn from_env() -> Self {
        let num = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|v| v.trim().parse::<u64>().ok())
                .unwrap_or(default)
        };
        let poll = Duration::from_millis(num("PYREL_RELEASE_POLL_MS", 5000).max(1));
        Timing {
            poll,
            max_poll: (poll * 6).min(Duration::from_secs(30)).max(poll),
            timeout: Duration::from_secs(num("PYREL_RELEASE_TIMEOUT_SECS", 3600)),
            verify_tries: u32::try_from(num("PYREL_RELEASE_VERIFY_TRIES", 10))
                .unwrap_or(10)
                .max(1),
        }
    }

    fn next(&self, wait: Duration) -> Duration {
        (wait * 2).min(self.max_poll)
    }
}

/// An index a release is uploaded to.
#[derive(Debug, Clone)]
pub(crate) struct Index {
    pub(crate) label: &'static str,
    pub(crate) client: PypiClient,
}

impl Index {
    /// The project page users open: `{base}/project/{name}/{version}/`.
    pub(crate) fn page(&self, name: &str, version: &str) -> String {
        format!(
            "{}/project/{}/{version}/",
            self.client.base(),
            crate::remote::normalize_project_name(name)
        )
    }
}

/// The indexes a version goes to under the policy: pre-releases to TestPyPI (unless
/// `testpypi = "never"`), finals to PyPI (and TestPyPI first with `testpypi = "all"`).
/// Bases from `PYREL_PYPI_URL` / `PYREL_TESTPYPI_URL`.
pub(crate) fn indexes_for(policy: &Policy, version: &str) -> Vec<Index> {
    let pre = crate::version::parse(version).is_ok_and(|v| v.is_prerelease());
    let base = |var: &str, default: &str| {
        std::env::var(var)
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| default.to_owned())
    };
    let timeout = crate::remote::DEFAULT_TIMEOUT;
    let pypi = || Index {
        label: "PyPI",
        client: PypiClient::new(base("PYREL_PYPI_URL", indexes::PYPI_BASE), timeout),
    };
    let testpypi = || Index {
        label: "TestPyPI",
        client: PypiClient::new(base("PYREL_TESTPYPI_URL", indexes::TESTPYPI_BASE), timeout),
    };
    match (policy.testpypi, pre) {
        (TestPypi::Never, _) => vec![pypi()],
        (_, true) => vec![testpypi()],
        (TestPypi::All, false) => vec![testpypi(), pypi()],
        (TestPypi::Prereleases, false) => vec![pypi()],
    }
}

/// A package of the release and its new version.
#[derive(Debug, Clone)]
pub(crate) struct Released {
    pub(crate) name: String,
    pub(crate) version: String,
}

/// What the preflight needs to know.
pub(crate) struct Preflight<'a> {
    pub(crate) project: &'a Project,
    pub(crate) policy: &'a Policy,
    /// `None`: no GitHub token (a dry run): the GitHub checks say `unknown`.
    pub(crate) gh: Option<&'a GithubClient>,
    pub(crate) released: &'a [Released],
    /// The tag the release will create.
    pub(crate) tag: &'a str,
    /// The command to run again once the problem is fixed.
    pub(crate) again: &'a str,
    /// A dry run: every command a hint names keeps `--dry-run`.
    pub(crate) dry_run: bool,
}

impl Preflight<'_> {
    /// `pyrel release ARGS`, with `--dry-run` in a dry run.
    fn release_cmd(&self, args: &str) -> String {
        format!(
            "`pyrel release {args}{}`",
            if self.dry_run { " --dry-run" } else { "" }
        )
    }
}

/// Prints `preflight: NAME ... ok` for each step; stops at the first that fails.
pub(crate) fn preflight(p: &Preflight<'_>) -> Step {
    let root = &p.project.root;
    let branch = &p.policy.default_branch;
    let ok = |name: &str, detail: String| step!("preflight: {name:<16} ok ({detail})");

    let current = git::current_branch(root).unwrap_or_default();
    if current != *branch {
        return Err(Stopped::new(
            format!(
                "HEAD is on `{}`, releases are cut from `{branch}`",
                if current.is_empty() {
                    "a detached HEAD"
                } else {
                    &current
                }
            ),
            format!("git switch {branch}, then {}", p.again),
        ));
    }
    ok("branch", format!("on `{branch}`"));

    let dirty = crate::bump::git::dirty(root)
        .map_err(|e| Stopped::new(format!("git status failed: {e}"), p.again.to_owned()))?;
    if !dirty.is_empty() {
        return Err(Stopped::new(
            "the work tree has uncommitted changes",
            format!("commit or stash them, then {}", p.again),
        )
        .details(dirty));
    }
    ok("clean tree", "nothing uncommitted".into());

    git::fetch(root, branch).map_err(|e| {
        Stopped::new(
            format!("cannot fetch `{branch}` from origin: {e}"),
            format!(
                "check the network and the `origin` remote, then {}",
                p.again
            ),
        )
    })?;
    let (ahead, behind) = git::ahead_behind(root).map_err(|e| {
        Stopped::new(
            format!("cannot compare with origin: {e}"),
            p.again.to_owned(),
        )
    })?;
    if behind > 0 {
        return Err(Stopped::new(
            format!("`{branch}` is {behind} commit(s) behind origin/{branch}"),
            format!(
                "git pull --ff-only origin {branch}, wait for its checks, then {}",
                p.again
            ),
        ));
    }
    if ahead > 0 {
        return Err(Stopped::new(
            format!("`{branch}` has {ahead} commit(s) not on origin: their checks have not run"),
            format!(
                "git push origin {branch}, wait for the checks to pass, then {}",
                p.again
            ),
        ));
    }
    ok("up to date", format!("same as origin/{branch}"));

    let tag = p.tag;
    let on_origin = git::remote_has_tag(root, tag).map_err(|e| {
        Stopped::new(
            format!("cannot list the tags of origin: {e}"),
            p.again.to_owned(),
        )
    })?;
    if on_origin || crate::bump::git::tag_exists(root, tag) {
        return Err(Stopped::new(
            format!(
                "the tag {tag} already exists{}",
                if on_origin { " on origin" } else { " locally" }
            ),
            if p.dry_run {
                format!(
                    "if its release is under way, `pyrel release --resume --dry-run` shows where it stands; else try another version, e.g. {}",
                    p.release_cmd("minor")
                )
            } else {
                "if its release is under way, `pyrel release --resume` on its commit; else release another version".to_owned()
            },
        ));
    }
    ok("tag is new", format!("{tag} neither local nor on origin"));

    let head = git::head(root)
        .map_err(|e| Stopped::new(format!("cannot read HEAD: {e}"), p.again.to_owned()))?;
    match p.gh {
        Some(gh) => checks_green(p, gh, &head)?,
        None => step!(
            "preflight: {:<16} unknown (no GitHub token: export GH_TOKEN or `gh auth login` to ask GitHub)",
            "checks"
        ),
    }
    not_on_index(p)?;
    doctor_clean(p)?;
    Ok(())
}

/// The status checks HEAD needs: the protection file's, else the policy's.
pub(crate) fn required_checks(project: &Project, policy: &Policy) -> Vec<String> {
    let from_file = policy
        .files
        .branch_protection
        .as_ref()
        .and_then(|rel| crate::workspace_fs::read_regular_string(project.root.join(rel)).ok())
        .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        .map(|v| crate::github_apply::wanted_checks(&v))
        .unwrap_or_default();
    if from_file.is_empty() {
        policy.required_checks.clone()
    } else {
        from_file
    }
}

pub(crate) fn remote_stop(e: &RemoteError, again: &str) -> Stopped {
    let mut s = Stopped::new(e.to_string(), again.to_owned());
    if let Some(h) = e.hint() {
        s.details.push(format!("hint: {h}"));
    }
    s
}

/// A request failed after the push: the tag is out and its run goes on regardless.
fn lost_contact(e: &RemoteError, tag: &str) -> Stopped {
    let mut s = remote_stop(
        e,
        "once GitHub answers again, `pyrel release --resume` picks the release up where it stopped",
    );
    s.details.insert(
        0,
        format!("the tag {tag} is pushed: its release run goes on without pyrel"),
    );
    s
}

fn checks_green(p: &Preflight<'_>, gh: &GithubClient, head: &str) -> Step {
    let runs = gh.check_runs(head).map_err(|e| remote_stop(&e, p.again))?;
    let required = required_checks(p.project, p.policy);
    let short = &head[..head.len().min(12)];
    let mut problems = Vec::new();
    let names: Vec<String> = if required.is_empty() {
        let mut n: Vec<String> = runs.iter().map(|r| r.name.clone()).collect();
        n.sort();
        n.dedup();
        n
    } else {
        required.clone()
    };
    // External CI reports commit statuses rather than check runs: asked only when a
    // required name has no check run.
    let mut statuses = None;
    for name in &names {
        // A re-run check appears again: the newest one counts.
        let latest = runs.iter().filter(|r| r.name == *name).max_by_key(|r| r.id);
        match latest {
            None => {
                if statuses.is_none() {
                    statuses = Some(
                        gh.commit_statuses(head)
                            .map_err(|e| remote_stop(&e, p.again))?,
                    );
                }
                let status = statuses.iter().flatten().find(|s| s.context == *name);
                match status {
                    Some(s) if s.state == "success" => {}
                    Some(s) => problems.push(format!(
                        "`{name}`: {}{}",
                        s.state,
                        s.target_url
                            .as_deref()
                            .map(|u| format!(" ({u})"))
                            .unwrap_or_default()
                    )),
                    None => problems.push(format!("`{name}`: has not run on {short}")),
                }
            }
            Some(r) if r.passed() => {}
            Some(r) if r.status != "completed" => {
                problems.push(format!("`{name}`: still {}", r.status));
            }
            Some(r) => problems.push(format!(
                "`{name}`: {}{}",
                r.conclusion.as_deref().unwrap_or("no conclusion"),
                r.html_url
                    .as_deref()
                    .map(|u| format!(" ({u})"))
                    .unwrap_or_default()
            )),
        }
    }
    if !problems.is_empty() {
        return Err(Stopped::new(
            format!("the required checks are not green for HEAD ({short})"),
            format!(
                "fix the failing checks (or wait for the pending ones), then {}",
                p.again
            ),
        )
        .details(problems));
    }
    step!(
        "preflight: {:<16} ok ({} green on {short})",
        "checks",
        if names.is_empty() {
            "no check required, none".to_owned()
        } else {
            names.join(", ")
        }
    );
    Ok(())
}

fn not_on_index(p: &Preflight<'_>) -> Step {
    let mut seen = Vec::new();
    for r in p.released {
        for index in indexes_for(p.policy, &r.version) {
            match index.client.release_exists(&r.name, &r.version) {
                Ok(PypiAnswer::VersionExists) => {
                    return Err(Stopped::new(
                        format!(
                            "{} {} is already on {}: an index never takes the same version twice",
                            r.name, r.version, index.label
                        ),
                        format!(
                            "release another version, e.g. {}, or pass an explicit version",
                            p.release_cmd("minor")
                        ),
                    )
                    .details(vec![index.page(&r.name, &r.version)]));
                }
                Ok(_) => seen.push(format!("{} {} not on {}", r.name, r.version, index.label)),
                Err(e) => return Err(remote_stop(&e, p.again)),
            }
        }
    }
    step!(
        "preflight: {:<16} ok ({})",
        "version is new",
        seen.join(", ")
    );
    Ok(())
}

fn doctor_clean(p: &Preflight<'_>) -> Step {
    let ctx = Context {
        project: p.project.clone(),
        policy: p.policy.clone(),
        policy_source: crate::policy::locate(&p.project.root)
            .ok()
            .flatten()
            .map(|(s, _)| s),
        policy_error: None,
        online: Online {
            github: Err("offline".into()),
            pypi: PypiClient::from_env(),
        },
        credential_scan: Default::default(),
        workflows: Default::default(),
    };
    let selection = Selection {
        select: Vec::new(),
        ignore: Vec::new(),
        policy_ignores: p
            .policy
            .doctor_ignore
            .iter()
            .filter_map(|i| doctor::Code::lookup(&i.check).map(|c| (c, i.reason.clone())))
            .collect(),
        offline: true,
    };
    let report = doctor::run(&ctx, &selection);
    if report.failed(false) {
        let errors = report
            .findings()
            .filter(|f| f.severity == Severity::Error)
            .map(|f| format!("{} {}", f.code.id(), f.message))
            .collect();
        return Err(Stopped::new(
            "the offline doctor found errors",
            format!(
                "run `pyrel doctor --offline` for details, fix them, then {}",
                p.again
            ),
        )
        .details(errors));
    }
    step!(
        "preflight: {:<16} ok ({} finding(s), no error)",
        "doctor --offline",
        report.findings().count()
    );
    Ok(())
}

/// Pushes the branch and the tag in one atomic push.
pub(crate) fn push(root: &Path, branch: &str, tag: &str) -> Step {
    git::push(root, branch, tag).map_err(|e| {
        Stopped::new(
            format!(
                "the push failed: {e}; the release commit and the tag {tag} exist only locally"
            ),
            "fix the cause, then `pyrel release --resume` (it pushes the tag and goes on)",
        )
    })?;
    step!("pushed: {branch} and {tag} to origin");
    Ok(())
}

/// Watches the release run of `tag` until it ends; returns it when it succeeded.
/// `workflow` is the release workflow's path (`.github/workflows/release.yml`): other
/// workflows a tag push starts (docs, say) are not the release.
pub(crate) fn watch(
    gh: &GithubClient,
    tag: &str,
    sha: &str,
    workflow: Option<&str>,
    timing: &Timing,
) -> Step<WorkflowRun> {
    let started = Instant::now();
    let resume = "`pyrel release --resume` to keep watching";
    let mut wait = timing.poll;
    let actions = format!(
        "https://github.com/{}/{}/actions",
        gh.config().owner,
        gh.config().repo
    );
    let mut announced_wait = false;
    let mut announced_other = false;
    let mut run = loop {
        let runs = gh.runs_for_tag(tag).map_err(|e| lost_contact(&e, tag))?;
        let (ours, others): (Vec<WorkflowRun>, Vec<WorkflowRun>) = runs
            .into_iter()
            .filter(|r| {
                r.head_branch.as_deref() == Some(tag)
                    && workflow.is_none_or(|w| r.path.is_empty() || r.path.starts_with(w))
            })
            .partition(|r| r.head_sha == sha);
        // Only a run of the release commit is the release run: a run of a tag of the
        // same name on another commit (re-pushed, or a teammate's) never is.
        if let Some(run) = ours.into_iter().max_by_key(|r| r.id) {
            break run;
        }
        if let Some(other) = others.first().filter(|_| !announced_other) {
            step!(
                "watch: {} is a run of {} on another commit ({}), not of the release commit {}: not watched",
                other.html_url,
                tag,
                &other.head_sha[..other.head_sha.len().min(12)],
                &sha[..sha.len().min(12)]
            );
            announced_other = true;
        }
        if !announced_wait {
            step!("watch: waiting for the release run of {tag} to start");
            announced_wait = true;
        }
        if started.elapsed() >= timing.timeout {
            return Err(Stopped::new(
                format!("no workflow run started for the tag {tag} within {} s (the tag is pushed)", timing.timeout.as_secs()),
                format!("check that the release workflow on the default branch runs on tag pushes ({actions}), then {resume}"),
            ));
        }
        std::thread::sleep(wait);
        wait = timing.next(wait);
    };
    note(|f| f.run = Some(run.html_url.clone()));
    step!("watch: release run {}", run.html_url);
    let mut last_status = String::new();
    let mut progress = Progress::new();
    let mut announced: Vec<String> = Vec::new();
    loop {
        let status = run.status.clone().unwrap_or_default();
        if status == "completed" {
            progress.clear();
            break;
        }
        if status != last_status {
            progress.clear();
            step!("watch: run {status}");
            last_status.clone_from(&status);
        }
        if status == "waiting" {
            let pending = gh
                .pending_deployments(run.id)
                .map_err(|e| lost_contact(&e, tag))?;
            for d in pending {
                if announced.contains(&d.environment.name) {
                    continue;
                }
                let who: Vec<&str> = d.reviewers.iter().map(|r| r.display_name()).collect();
                progress.clear();
                outln!(
                    "watch: waiting for approval of environment `{}`{}: approve at {}",
                    d.environment.name,
                    if who.is_empty() {
                        String::new()
                    } else {
                        format!(" by {}", who.join(", "))
                    },
                    run.html_url
                );
                announced.push(d.environment.name);
            }
        }
        if started.elapsed() >= timing.timeout {
            progress.clear();
            return Err(Stopped::new(
                format!(
                    "the release run is still {status} after {} s: {}",
                    timing.timeout.as_secs(),
                    run.html_url
                ),
                resume.to_owned(),
            ));
        }
        progress.show(&format!(
            "watch: run {status}, {} s elapsed",
            started.elapsed().as_secs()
        ));
        std::thread::sleep(wait);
        wait = timing.next(wait);
        run = gh.workflow_run(run.id).map_err(|e| lost_contact(&e, tag))?;
    }
    match run.conclusion.as_deref() {
        Some("success") => {
            step!("watch: run succeeded");
            Ok(run)
        }
        other => Err(Stopped::new(
            format!(
                "the release run ended `{}`: {} (the tag {tag} is pushed)",
                other.unwrap_or("without a conclusion"),
                run.html_url
            ),
            format!(
                "read the failed job's log, fix the cause, re-run it with `gh run rerun {} --failed`, then `pyrel release --resume`",
                run.id
            ),
        )),
    }
}

/// A line on stderr rewritten in place while a run is polled, only on a terminal (logs
/// and pipes get the status changes only).
struct Progress {
    on: bool,
    shown: bool,
}

impl Progress {
    fn new() -> Self {
        use std::io::IsTerminal;
        Progress {
            on: std::io::stderr().is_terminal(),
            shown: false,
        }
    }

    fn show(&mut self, text: &str) {
        if self.on {
            eprint!("{}", progress_line(text));
            self.shown = true;
        }
    }

    fn clear(&mut self) {
        if self.shown {
            eprint!("\r\x1b[2K");
            self.shown = false;
        }
    }
}

/// The in-place line: pyrel's own erase sequence, then the text (a run status from the
/// server) with its controls escaped, as every other line on the terminal is: `eprint!`
/// bypasses the escaping of `errln!`.
fn progress_line(text: &str) -> String {
    format!("\r\x1b[2K{}", crate::term::terminal_safe(text))
}

/// Looks the new versions up on their indexes (retrying while the upload propagates)
/// and the GitHub Release of the tag; prints the URLs.
pub(crate) fn verify(
    gh: &GithubClient,
    policy: &Policy,
    released: &[Released],
    tag: &str,
    run_url: &str,
    timing: &Timing,
) -> Step {
    for r in released {
        for index in indexes_for(policy, &r.version) {
            let mut wait = timing.poll;
            let mut last_error = None;
            let mut found = false;
            for attempt in 1..=timing.verify_tries {
                match index.client.release_exists(&r.name, &r.version) {
                    Ok(PypiAnswer::VersionExists) => {
                        found = true;
                        break;
                    }
                    Ok(_) => last_error = None,
                    Err(e) => last_error = Some(e.to_string()),
                }
                if attempt < timing.verify_tries {
                    std::thread::sleep(wait);
                    wait = timing.next(wait);
                }
            }
            if !found {
                return Err(Stopped::new(
                    format!(
                        "{} {} is not on {} after {} look-up(s){}, though the run succeeded ({run_url})",
                        r.name,
                        r.version,
                        index.label,
                        timing.verify_tries,
                        last_error.map(|e| format!(" (last: {e})")).unwrap_or_default()
                    ),
                    "check the publish job's log of the run; if the upload did happen, wait and run `pyrel release --resume`",
                ));
            }
            step!(
                "verify: {} {} is on {}: {}",
                r.name,
                r.version,
                index.label,
                index.page(&r.name, &r.version)
            );
        }
    }
    let mut wait = timing.poll;
    for attempt in 1..=timing.verify_tries {
        match gh.release_by_tag(tag) {
            Ok(Some(release)) => {
                step!("verify: GitHub Release {tag}: {}", release.html_url);
                return Ok(());
            }
            Ok(None) => {}
            Err(e) => return Err(lost_contact(&e, tag)),
        }
        if attempt < timing.verify_tries {
            std::thread::sleep(wait);
            wait = timing.next(wait);
        }
    }
    Err(Stopped::new(
        format!(
            "no GitHub Release for {tag} after {} look-up(s), though the run succeeded ({run_url})",
            timing.verify_tries
        ),
        "check the release job of the run, then `pyrel release --resume`",
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_status_from_the_server_reaches_the_progress_line_escaped() {
        let line = progress_line("in_progress\u{1b}]0;owned\u{7}\u{202e}");
        assert_eq!(line, "\r\u{1b}[2Kin_progress\\u001b]0;owned\\u0007\\u202e");
    }

    fn labels(policy: &Policy, version: &str) -> Vec<&'static str> {
        indexes_for(policy, version)
            .iter()
            .map(|i| i.label)
            .collect()
    }

    #[test]
    fn versions_are_looked_up_where_the_workflow_routes_them() {
        let mut p = Policy::default();
        assert_eq!(labels(&p, "1.2.0"), ["PyPI"]);
        assert_eq!(labels(&p, "1.2.0rc1"), ["TestPyPI"]);
        assert_eq!(labels(&p, "1.2.0.dev3"), ["TestPyPI"]);
        p.testpypi = TestPypi::All;
        assert_eq!(labels(&p, "1.2.0"), ["TestPyPI", "PyPI"]);
        p.testpypi = TestPypi::Never;
        assert_eq!(labels(&p, "1.2.0b1"), ["PyPI"]);
    }

    #[test]
    fn polling_backs_off_up_to_the_cap() {
        let t = Timing {
            poll: Duration::from_secs(5),
            max_poll: Duration::from_secs(30),
            timeout: Duration::from_secs(60),
            verify_tries: 3,
        };
        let mut wait = t.poll;
        let mut seen = Vec::new();
        for _ in 0..5 {
            seen.push(wait.as_secs());
            wait = t.next(wait);
        }
        assert_eq!(seen, [5, 10, 20, 30, 30]);
    }
}
