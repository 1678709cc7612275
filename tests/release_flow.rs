//! The `pyrel release` command against a local bare git remote, a fake GitHub and a fake
//! PyPI on 127.0.0.1: the happy path, each preflight refusal, a pending approval, a failing
//! run, a version that never appears, `--dry-run`, `--no-push` then `--resume`. (The
//! release decisions of the engine are tested in `tests/release.rs`.)

use crate::common;
use crate::fake;

use std::path::Path;
use std::process::Command;

use common::{fixture, git, pyrel, snapshot_tree};
use fake::github::{path, TOKEN};
use fake::{pypi, FakeServer, Reply, Routes};
use serde_json::{json, Value};

const TAG: &str = "v1.5.0";
const RUN_ID: u64 = 77;

/// A released single-package repo (widgets 1.4.0) whose `origin` is a local bare
/// repository, and the GitHub repository named by the policy.
struct Repo {
    dir: tempfile::TempDir,
    remote: tempfile::TempDir,
}

thread_local! {
    /// The bare `origin` of the test's latest repository: the fake GitHub answers with
    /// the commits its tags point at.
    static REMOTE: std::cell::RefCell<Option<std::path::PathBuf>> = const { std::cell::RefCell::new(None) };
}

fn repo() -> Repo {
    let dir = fixture("single-flat");
    let remote = tempfile::tempdir().unwrap();
    REMOTE.with(|r| *r.borrow_mut() = Some(remote.path().to_path_buf()));
    git(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
    let url = remote.path().to_str().unwrap();
    git(dir.path(), &["remote", "set-url", "origin", url]);
    pyrel(dir.path())
        .args([
            "init",
            "--yes",
            "--set",
            "required-checks=[\"build\"]",
            "--set",
            "repository=octocat/Hello-World",
        ])
        .assert()
        .success();
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "Set up pyrel"]);
    git(dir.path(), &["push", "-q", "origin", "main"]);
    Repo { dir, remote }
}

fn output(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

fn check_runs(conclusion: &str) -> Reply {
    Reply::json(
        200,
        &json!({"total_count": 1, "check_runs": [{
            "id": 4, "name": "build", "head_sha": "ce587453ced02b1526dfb4cb910479d431683101",
            "node_id": "MDg6Q2hlY2tSdW40", "external_id": "", "details_url": "https://example.invalid",
            "status": "completed", "conclusion": conclusion,
            "started_at": "2026-01-01T00:00:00Z", "completed_at": "2026-01-01T00:05:00Z",
            "html_url": "https://github.com/octocat/Hello-World/runs/4",
            "output": {"title": "Build", "summary": "", "text": "", "annotations_count": 0, "annotations_url": "https://example.invalid"},
            "app": null, "pull_requests": []
        }]}),
    )
}

fn run_body(status: &str, conclusion: Option<&str>) -> Value {
    run_body_for(TAG, status, conclusion)
}

fn run_body_for(tag: &str, status: &str, conclusion: Option<&str>) -> Value {
    json!({
        "id": RUN_ID, "name": "Release", "node_id": "WFR_77", "head_branch": tag,
        "head_sha": format!("sha-of:{tag}"), "path": ".github/workflows/release.yml",
        "run_number": 3, "event": "push", "display_title": "Release 1.5.0",
        "status": status, "conclusion": conclusion, "workflow_id": 159038, "run_attempt": 1,
        "url": format!("https://api.github.com/repos/octocat/Hello-World/actions/runs/{RUN_ID}"),
        "html_url": format!("https://github.com/octocat/Hello-World/actions/runs/{RUN_ID}"),
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:01:00Z",
    })
}

/// A run of another workflow on the same tag, newer than the release run.
fn docs_run() -> Value {
    let mut run = run_body("completed", Some("failure"));
    run["id"] = json!(RUN_ID + 1);
    run["name"] = json!("Docs");
    run["path"] = json!(".github/workflows/docs.yml");
    run["html_url"] = json!(format!(
        "https://github.com/octocat/Hello-World/actions/runs/{}",
        RUN_ID + 1
    ));
    run
}

/// Replaces `sha-of:TAG` in a reply with the commit `TAG` points at on `remote` (the
/// commit GitHub would report as the run's `head_sha`).
pub(crate) fn tag_commits(remote: std::path::PathBuf) -> fake::Rewrite {
    std::sync::Arc::new(move |body: &str| {
        let mut out = String::new();
        let mut rest = body;
        while let Some(at) = rest.find("sha-of:") {
            out.push_str(&rest[..at]);
            let after = &rest[at + "sha-of:".len()..];
            let end = after.find('"').unwrap_or(after.len());
            let tag = &after[..end];
            let sha = output(
                &remote,
                &["rev-parse", &format!("refs/tags/{tag}^{{commit}}")],
            );
            out.push_str(if sha.len() == 40 {
                &sha
            } else {
                "0000000000000000000000000000000000000000"
            });
            rest = &after[end..];
        }
        out.push_str(rest);
        out
    })
}

/// `GET /repos/{o}/{r}/branches/main` (branch-with-protection).
pub(crate) fn branch_body(protected: bool) -> Value {
    json!({
        "name": "main", "protected": protected,
        "commit": {"sha": "7fd1a60b01f91b314f59955a4e4d4e80d8edf11d", "url": "https://api.github.com/repos/octocat/Hello-World/commits/7fd1a60b01f91b314f59955a4e4d4e80d8edf11d"},
        "_links": {"self": "https://api.github.com/repos/octocat/Hello-World/branches/main", "html": "https://github.com/octocat/Hello-World/tree/main"},
        "protection": {"enabled": protected, "required_status_checks": {"enforcement_level": "non_admins", "contexts": []}},
        "protection_url": "https://api.github.com/repos/octocat/Hello-World/branches/main/protection",
    })
}

fn runs_list(runs: &[Value]) -> Reply {
    Reply::json(
        200,
        &json!({"total_count": runs.len(), "workflow_runs": runs}),
    )
}

/// The fake GitHub: `build` green on every commit, a release run that starts after one
/// poll, goes through `statuses`, and a GitHub Release for the tag.
fn github(check: &str, statuses: &[(&str, Option<&str>)]) -> Routes {
    let run_replies: Vec<Reply> = statuses
        .iter()
        .map(|(s, c)| Reply::json(200, &run_body(s, *c)))
        .collect();
    let remote = REMOTE.with(|r| r.borrow().clone()).expect("repo() first");
    Routes::new()
        .rewrite(tag_commits(remote))
        .route(
            "GET",
            &path("/branches/main"),
            Reply::json(200, &branch_body(false)),
        )
        .route(
            "GET",
            &path("/branches/main/protection"),
            Reply::error(404, "Branch not protected"),
        )
        .route("GET", &path("/rules/branches/main"), Reply::json(200, &json!([])))
        .route("GET", &path("/commits/*"), check_runs(check))
        .route_seq(
            "GET",
            &path("/actions/runs"),
            vec![
                runs_list(&[]),
                // The tag also started another workflow, which is not the release.
                runs_list(&[run_body(statuses[0].0, statuses[0].1), docs_run()]),
            ],
        )
        .route_seq("GET", &path(&format!("/actions/runs/{RUN_ID}")), run_replies)
        .route(
            "GET",
            &path(&format!("/actions/runs/{RUN_ID}/pending_deployments")),
            Reply::json(
                200,
                &json!([{
                    "environment": {"id": 161088068, "node_id": "MDExOkVudmlyb25tZW50MTYxMDg4MDY4", "name": "pypi",
                        "url": "https://api.github.com/repos/octocat/Hello-World/environments/pypi",
                        "html_url": "https://github.com/octocat/Hello-World/deployments/activity_log?environments_filter=pypi"},
                    "wait_timer": 0, "wait_timer_started_at": null, "current_user_can_approve": true,
                    "reviewers": [{"type": "User", "reviewer": {"login": "octocat", "id": 1, "type": "User"}}]
                }]),
            ),
        )
        .route(
            "GET",
            &path(&format!("/releases/tags/{TAG}")),
            Reply::json(
                200,
                &json!({"id": 1, "tag_name": TAG, "name": "1.5.0", "draft": false, "prerelease": false,
                    "html_url": format!("https://github.com/octocat/Hello-World/releases/tag/{TAG}")}),
            ),
        )
}

fn pypi_routes(replies: Vec<&[&str]>) -> Routes {
    Routes::new().route_seq(
        "GET",
        "/pypi/widgets/json",
        replies
            .into_iter()
            .map(|v| Reply::json(200, &pypi::project_body("widgets", v)))
            .collect(),
    )
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn release(
    repo: &Repo,
    gh: &FakeServer,
    index: &FakeServer,
    args: &[&str],
    timeout_secs: u64,
) -> Ran {
    // The package check of the preflight has tests of its own (below, and tests/check.rs).
    let out = pyrel(repo.dir.path())
        .arg("release")
        .args(args)
        .arg("--skip-check")
        .envs(release_env(gh, index, timeout_secs))
        .output()
        .unwrap();
    let ran = Ran {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(
        !ran.stdout.contains(TOKEN) && !ran.stderr.contains(TOKEN),
        "the token leaked"
    );
    for server in [gh, index] {
        assert!(server.url().starts_with("http://127.0.0.1:"));
    }
    ran
}

/// The environment of a release run against the fakes.
fn release_env(gh: &FakeServer, index: &FakeServer, timeout_secs: u64) -> Vec<(String, String)> {
    let mut env = gh.github_env(TOKEN);
    env.extend(index.pypi_env());
    for (k, v) in [
        ("PYREL_TESTPYPI_URL", index.url().to_string()),
        ("PYREL_RELEASE_POLL_MS", "10".into()),
        ("PYREL_RELEASE_TIMEOUT_SECS", timeout_secs.to_string()),
        ("PYREL_RELEASE_VERIFY_TRIES", "3".into()),
        ("PYREL_HTTP_TIMEOUT_MS", "2000".into()),
        ("PYREL_TODAY", "2026-01-02".into()),
        ("GIT_AUTHOR_NAME", "Test".into()),
        ("GIT_AUTHOR_EMAIL", "test@example.invalid".into()),
        ("GIT_COMMITTER_NAME", "Test".into()),
        ("GIT_COMMITTER_EMAIL", "test@example.invalid".into()),
    ] {
        env.push((k.to_string(), v));
    }
    env
}

fn remote_tag(repo: &Repo) -> String {
    output(repo.remote.path(), &["tag", "--list"])
}

fn has(ran: &Ran, needle: &str) {
    assert!(
        ran.stdout.contains(needle) || ran.stderr.contains(needle),
        "missing {needle:?} in\n--- stdout\n{}\n--- stderr\n{}",
        ran.stdout,
        ran.stderr
    );
}

/// A refused preflight leaves everything as it was.
fn nothing_happened(repo: &Repo, before: &std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>) {
    assert_eq!(&snapshot_tree(repo.dir.path()), before);
    assert_eq!(output(repo.dir.path(), &["tag", "--list"]), "");
    assert_eq!(remote_tag(repo), "");
    assert_eq!(
        output(repo.dir.path(), &["rev-list", "--count", "HEAD"]),
        "1"
    );
}

#[test]
fn happy_path_bumps_tags_pushes_watches_and_verifies() {
    let repo = repo();
    let gh = github(
        "success",
        &[
            ("queued", None),
            ("in_progress", None),
            ("completed", Some("success")),
        ],
    )
    .start();
    // Preflight: not there yet; verify: not yet, then there.
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--direct"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    for needle in [
        "release: widgets 1.4.0 -> 1.5.0 (tag v1.5.0)",
        "preflight: branch",
        "preflight: up to date",
        "preflight: checks           ok (build green on",
        "preflight: version is new   ok (widgets 1.5.0 not on PyPI)",
        "preflight: doctor --offline ok",
        "tagged v1.5.0 (annotated)",
        "pushed: main and v1.5.0 to origin",
        "watch: release run https://github.com/octocat/Hello-World/actions/runs/77",
        "watch: run succeeded",
        &format!(
            "verify: widgets 1.5.0 is on PyPI: {}/project/widgets/1.5.0/",
            index.url()
        ),
        "verify: GitHub Release v1.5.0: https://github.com/octocat/Hello-World/releases/tag/v1.5.0",
        "released v1.5.0",
    ] {
        has(&ran, needle);
    }
    // The release commit and the annotated tag are on the remote.
    assert_eq!(remote_tag(&repo), TAG);
    assert_eq!(output(repo.remote.path(), &["cat-file", "-t", TAG]), "tag");
    assert_eq!(
        output(repo.remote.path(), &["rev-parse", "main"]),
        output(repo.dir.path(), &["rev-parse", "HEAD"])
    );
    let pyproject = std::fs::read_to_string(repo.dir.path().join("pyproject.toml")).unwrap();
    assert!(pyproject.contains("version = \"1.5.0\""));
    // Only reads went to GitHub, all to 127.0.0.1 with the token.
    for r in gh.requests() {
        assert_eq!(r.method, "GET");
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    assert_eq!(
        gh.hits("GET", &path("/actions/runs")),
        2,
        "polled until the run started"
    );
    assert_eq!(index.hits("GET", "/pypi/widgets/json"), 3, "verify retried");
}

#[test]
fn failing_checks_stop_before_anything_is_written() {
    let repo = repo();
    let before = snapshot_tree(repo.dir.path());
    let gh = github("failure", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "stopped: the required checks are not green for HEAD");
    has(
        &ran,
        "`build`: failure (https://github.com/octocat/Hello-World/runs/4)",
    );
    has(
        &ran,
        "next: fix the failing checks (or wait for the pending ones), then `pyrel release minor`",
    );
    nothing_happened(&repo, &before);
}

#[test]
fn a_version_already_on_pypi_is_refused() {
    let repo = repo();
    let before = snapshot_tree(repo.dir.path());
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    assert_eq!(ran.code, 1);
    has(&ran, "stopped: widgets 1.5.0 is already on PyPI");
    has(&ran, "next: release another version");
    nothing_happened(&repo, &before);
}

#[test]
fn a_pending_approval_is_announced_with_the_url_once() {
    let repo = repo();
    let gh = github(
        "success",
        &[
            ("waiting", None),
            ("waiting", None),
            ("waiting", None),
            ("completed", Some("success")),
        ],
    )
    .start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--direct"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let line = "watch: waiting for approval of environment `pypi` by octocat: approve at https://github.com/octocat/Hello-World/actions/runs/77";
    assert_eq!(ran.stdout.matches(line).count(), 1, "{}", ran.stdout);
    has(&ran, "released v1.5.0");

    // Nobody approves: the watch gives up with the next command, the tag explained.
    let repo = repo_again();
    let gh = github("success", &[("waiting", None)]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--direct"], 1);
    assert_eq!(ran.code, 1);
    has(&ran, line);
    has(&ran, "stopped: the release run is still waiting after 1 s: https://github.com/octocat/Hello-World/actions/runs/77");
    has(&ran, "next: `pyrel release --resume` to keep watching");
    assert_eq!(remote_tag(&repo), TAG);
}

fn repo_again() -> Repo {
    repo()
}

#[test]
fn a_failing_run_names_the_rerun_and_resume_commands() {
    let repo = repo();
    let gh = github(
        "success",
        &[("in_progress", None), ("completed", Some("failure"))],
    )
    .start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--direct"], 10);
    assert_eq!(ran.code, 1);
    has(&ran, "stopped: the release run ended `failure`: https://github.com/octocat/Hello-World/actions/runs/77 (the tag v1.5.0 is pushed)");
    has(
        &ran,
        "`gh run rerun 77 --failed`, then `pyrel release --resume`",
    );
    assert_eq!(remote_tag(&repo), TAG);
}

#[test]
fn a_version_that_never_appears_stops_after_the_retries() {
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--direct"], 10);
    assert_eq!(ran.code, 1);
    has(&ran, "stopped: widgets 1.5.0 is not on PyPI after 3 look-up(s), though the run succeeded (https://github.com/octocat/Hello-World/actions/runs/77)");
    has(&ran, "`pyrel release --resume`");
    // Preflight once, then three look-ups.
    assert_eq!(index.hits("GET", "/pypi/widgets/json"), 4);
}

#[test]
fn dry_run_checks_and_shows_every_step_without_writing() {
    let repo = repo();
    let before = snapshot_tree(repo.dir.path());
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--dry-run", "--direct"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    for needle in [
        "preflight: checks",
        "preflight: package check    skipped (--skip-check: the packages were not built, twine-checked, inspected or installed)",
        "would run: pyrel bump minor --commit --tag",
        "+version = \"1.5.0\"",
        "would create tag v1.5.0",
        "would push: git push --atomic origin main v1.5.0",
        "would watch: the release run of v1.5.0",
        "would verify: the GitHub Release v1.5.0",
        "dry run: nothing written, committed or pushed",
    ] {
        has(&ran, needle);
    }
    nothing_happened(&repo, &before);
    assert_eq!(gh.hits("GET", &path("/actions/runs")), 0);
}

/// Issue 25: the preflight builds, twine-checks, inspects, installs and imports the
/// released package with `pyrel check` (real uv and twine, offline); a packaging fault
/// stops the release before the bump, naming the file and line, and nothing is written.
#[test]
fn the_preflight_runs_the_package_check_and_a_fault_stops_the_release() {
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0"]]).start();
    let run = |repo: &Repo| {
        let out = pyrel(repo.dir.path())
            .args(["release", "minor", "--dry-run"])
            .envs(release_env(&gh, &index, 10))
            .envs(common::uv_offline_env())
            .output()
            .unwrap();
        Ran {
            code: out.status.code().expect("exit code"),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    };
    let ran = run(&repo);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    has(
        &ran,
        "preflight: package check    ok (1 package(s) built, 2 file(s) checked, installed and imported)",
    );

    // An emptied README (committed and pushed, so the rest of the preflight passes).
    std::fs::write(repo.dir.path().join("README.md"), "").unwrap();
    git(repo.dir.path(), &["commit", "-qam", "Empty the README"]);
    git(repo.dir.path(), &["push", "-q", "origin", "main"]);
    let before = snapshot_tree(repo.dir.path());
    let ran = run(&repo);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    for needle in [
        "pyrel check found 1 problem(s) in what this release would upload",
        "widgets: pyproject.toml:9: twine check --strict: warning `long_description_content_type` missing",
        "add --skip-check to release without the check",
    ] {
        has(&ran, needle);
    }
    assert!(
        !ran.stdout.contains("would run: pyrel bump"),
        "{}",
        ran.stdout
    );
    assert_eq!(snapshot_tree(repo.dir.path()), before);
    assert_eq!(output(repo.dir.path(), &["tag", "--list"]), "");
}

/// Every line of a release goes through the never-panicking stdout: on a full disk the
/// run ends with exit 2 naming the failed write, not a panic, and writes nothing.
#[test]
fn dry_run_on_a_full_stdout_does_not_panic() {
    let repo = repo();
    let before = snapshot_tree(repo.dir.path());
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = Command::new(assert_cmd::cargo::cargo_bin("pyrel"))
        .current_dir(repo.dir.path())
        .args(["release", "minor", "--dry-run", "--skip-check"])
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .envs(release_env(&gh, &index, 10))
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("could not write"), "{stderr}");
    nothing_happened(&repo, &before);
}

#[test]
fn no_push_stops_with_the_command_and_resume_goes_on() {
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--no-push", "--direct"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    has(
        &ran,
        "next: `git push --atomic origin main v1.5.0`, then `pyrel release --resume`",
    );
    assert_eq!(output(repo.dir.path(), &["tag", "--list"]), TAG);
    assert_eq!(remote_tag(&repo), "");

    let ran = release(&repo, &gh, &index, &["--resume"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "resume: v1.5.0");
    has(&ran, "pushed: main and v1.5.0 to origin");
    has(&ran, "released v1.5.0");
    assert_eq!(remote_tag(&repo), TAG);
}

#[test]
fn a_branch_behind_origin_is_refused() {
    let repo = repo();
    // Someone else pushed a commit.
    let other = tempfile::tempdir().unwrap();
    git(
        other.path(),
        &["clone", "-q", repo.remote.path().to_str().unwrap(), "."],
    );
    std::fs::write(other.path().join("NOTES.md"), "more\n").unwrap();
    git(other.path(), &["add", "NOTES.md"]);
    git(other.path(), &["commit", "-q", "-m", "More notes"]);
    git(other.path(), &["push", "-q", "origin", "main"]);
    let before = snapshot_tree(repo.dir.path());
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    assert_eq!(ran.code, 1);
    has(&ran, "stopped: `main` is 1 commit(s) behind origin/main");
    has(&ran, "next: git pull --ff-only origin main");
    assert_eq!(&snapshot_tree(repo.dir.path()), &before);
    assert!(
        gh.requests().is_empty(),
        "nothing asked of GitHub before git is in order"
    );
}

#[test]
fn no_watch_stops_after_the_push() {
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["patch", "--no-watch", "--direct"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "pushed: main and v1.4.1 to origin");
    has(&ran, "not watching (--no-watch)");
    has(
        &ran,
        "`pyrel release --resume` watches it and verifies the upload",
    );
    assert_eq!(remote_tag(&repo), "v1.4.1");
    assert_eq!(gh.hits("GET", &path("/actions/runs")), 0);
}

#[test]
fn a_rejected_push_explains_the_local_tag_and_resume_pushes_it() {
    let repo = repo();
    // The remote refuses every push from now on (a server-side hook).
    let hook = repo.remote.path().join("hooks/pre-receive");
    std::fs::write(&hook, "#!/bin/sh\necho 'pushes are frozen' >&2\nexit 1\n").unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--direct"], 10);
    assert_eq!(ran.code, 1);
    has(&ran, "stopped: the push failed:");
    has(&ran, "pushes are frozen");
    has(
        &ran,
        "the release commit and the tag v1.5.0 exist only locally",
    );
    has(&ran, "next: fix the cause, then `pyrel release --resume`");
    assert_eq!(output(repo.dir.path(), &["tag", "--list"]), TAG);
    assert_eq!(remote_tag(&repo), "");

    // The cause is fixed: --resume pushes and finishes the release.
    std::fs::remove_file(&hook).unwrap();
    let ran = release(&repo, &gh, &index, &["--resume"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "released v1.5.0");
    assert_eq!(remote_tag(&repo), TAG);
}

#[test]
fn a_tag_already_on_origin_is_refused_in_the_preflight() {
    let repo = repo();
    let other = tempfile::tempdir().unwrap();
    git(
        other.path(),
        &["clone", "-q", repo.remote.path().to_str().unwrap(), "."],
    );
    git(other.path(), &["tag", TAG]);
    git(other.path(), &["push", "-q", "origin", TAG]);
    let before = snapshot_tree(repo.dir.path());
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--dry-run"], 10);
    assert_eq!(ran.code, 1);
    has(&ran, "stopped: the tag v1.5.0 already exists on origin");
    // A dry run's hints stay dry runs.
    has(&ran, "`pyrel release --resume --dry-run` shows where it stands; else try another version, e.g. `pyrel release minor --dry-run`");
    assert_eq!(&snapshot_tree(repo.dir.path()), &before);
    assert_eq!(output(repo.dir.path(), &["tag", "--list"]), "");
}

#[test]
fn a_prerelease_is_checked_and_verified_on_testpypi_only() {
    let repo = repo();
    let tag = "v1.5.0rc1";
    let gh = github("success", &[("completed", Some("success"))])
        .route_seq(
            "GET",
            &path("/actions/runs"),
            vec![runs_list(&[run_body_for(tag, "completed", Some("success"))])],
        )
        .route(
            "GET",
            &path(&format!("/actions/runs/{RUN_ID}")),
            Reply::json(200, &run_body_for(tag, "completed", Some("success"))),
        )
        .route(
            "GET",
            &path(&format!("/releases/tags/{tag}")),
            Reply::json(
                200,
                &json!({"id": 2, "tag_name": tag, "name": "1.5.0rc1", "draft": false, "prerelease": true,
                    "html_url": format!("https://github.com/octocat/Hello-World/releases/tag/{tag}")}),
            ),
        )
        .start();
    // PyPI would say the version exists: it must not be asked.
    let pypi_index = pypi_routes(vec![&["1.4.0", "1.5.0rc1"]]).start();
    let testpypi = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0rc1"]]).start();
    let out = pyrel(repo.dir.path())
        .args(["release", "1.5.0rc1", "--direct", "--skip-check"])
        .envs(gh.github_env(TOKEN))
        .envs(pypi_index.pypi_env())
        .env("PYREL_TESTPYPI_URL", testpypi.url())
        .env("PYREL_RELEASE_POLL_MS", "10")
        .env("PYREL_RELEASE_VERIFY_TRIES", "3")
        .env("PYREL_TODAY", "2026-01-02")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("preflight: version is new   ok (widgets 1.5.0rc1 not on TestPyPI)"),
        "{stdout}"
    );
    assert!(stdout.contains(&format!(
        "verify: widgets 1.5.0rc1 is on TestPyPI: {}/project/widgets/1.5.0rc1/",
        testpypi.url()
    )));
    assert!(stdout.contains("released v1.5.0rc1"));
    assert_eq!(
        pypi_index.requests().len(),
        0,
        "PyPI is not where a pre-release goes"
    );
    assert_eq!(testpypi.hits("GET", "/pypi/widgets/json"), 2);
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
}

/// Answers `GET .../commits/{sha}/status` (the route table only matches prefixes).
fn status_handler(reply: Reply) -> fake::Handler {
    std::sync::Arc::new(move |r: &fake::Recorded| {
        (r.method == "GET" && r.path().ends_with("/status")).then(|| reply.clone())
    })
}

#[test]
fn a_required_check_reported_as_a_commit_status_counts() {
    let combined = |state: &str| {
        Reply::json(
            200,
            &json!({"state": state, "sha": "6dcb09b5b57875f334f61aebed695e2e4193db5e", "total_count": 1,
                "statuses": [{"id": 1, "context": "build", "state": state, "description": "CI",
                    "target_url": "https://ci.example.invalid/builds/1", "created_at": "2026-01-01T00:00:00Z"}]}),
        )
    };
    let no_check_runs = Reply::json(200, &json!({"total_count": 0, "check_runs": []}));
    // A failing status stops the release.
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))])
        .route("GET", &path("/commits/*"), no_check_runs.clone())
        .handler(status_handler(combined("failure")))
        .start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--dry-run"], 10);
    assert_eq!(ran.code, 1);
    has(
        &ran,
        "`build`: failure (https://ci.example.invalid/builds/1)",
    );
    // A green one lets it through.
    let gh = github("success", &[("completed", Some("success"))])
        .route("GET", &path("/commits/*"), no_check_runs)
        .handler(status_handler(combined("success")))
        .start();
    let ran = release(&repo, &gh, &index, &["minor", "--dry-run"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "preflight: checks           ok (build green on");
}

#[test]
fn github_failing_after_the_push_explains_the_pushed_tag() {
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))])
        .route_seq(
            "GET",
            &path("/actions/runs"),
            vec![Reply::error(500, "Server Error")],
        )
        .start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--direct"], 10);
    assert_eq!(ran.code, 1);
    has(
        &ran,
        "stopped: GET /repos/octocat/Hello-World/actions/runs: server error 500",
    );
    has(
        &ran,
        "the tag v1.5.0 is pushed: its release run goes on without pyrel",
    );
    has(
        &ran,
        "`pyrel release --resume` picks the release up where it stopped",
    );
    assert_eq!(remote_tag(&repo), TAG);
}

#[test]
fn a_dirty_tree_or_another_branch_is_refused_before_any_request() {
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    std::fs::write(repo.dir.path().join("README.md"), "edited\n").unwrap();
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    assert_eq!(ran.code, 1);
    has(&ran, "stopped: the work tree has uncommitted changes");
    has(&ran, "M README.md");
    has(
        &ran,
        "next: commit or stash them, then `pyrel release minor`",
    );
    git(repo.dir.path(), &["checkout", "-q", "--", "README.md"]);

    git(repo.dir.path(), &["switch", "-q", "-c", "feature"]);
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    assert_eq!(ran.code, 1);
    has(
        &ran,
        "stopped: HEAD is on `feature`, releases are cut from `main`",
    );
    has(&ran, "next: git switch main, then `pyrel release minor`");
    assert!(gh.requests().is_empty() && index.requests().is_empty());
    assert_eq!(output(repo.dir.path(), &["tag", "--list"]), "");
}

#[test]
fn an_empty_answer_is_never_taken_for_a_release() {
    // A proxy answering 200 `{}` must not pass for the GitHub Release.
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))])
        .route(
            "GET",
            &path(&format!("/releases/tags/{TAG}")),
            Reply::json(200, &json!({})),
        )
        .start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--direct"], 10);
    assert_eq!(ran.code, 1);
    has(&ran, "stopped: GET /repos/octocat/Hello-World/releases/tags/v1.5.0: unexpected response: the answer is an empty object");
    has(&ran, "the tag v1.5.0 is pushed");
}

// ---- Releases through a pull request, and what --resume refuses ----

/// A fake of GitHub's pull requests for one repository whose `main` lives in the bare
/// `origin` of the test: `POST .../pulls` opens #12 from the pushed release branch,
/// `PUT .../pulls/12/merge` answers 405 (a review is missing) `refusals` times, then
/// merges the way GitHub does (a merge commit on `main` of origin, parents `main` and
/// the head) and names the merge commit.
#[derive(Default)]
struct Pulls {
    remote: std::path::PathBuf,
    refusals: usize,
    /// Merge methods the repository turned off (answered 405 "... not allowed").
    disallowed: Vec<&'static str>,
    /// Answer the merge with a commit origin never gets.
    phantom: bool,
    /// The pull request's `html_url` carries the token (a server that reflects it).
    reflect_token: bool,
    created: Option<Value>,
    merge_requests: Vec<Value>,
    merged: Option<String>,
}

const PULL: u64 = 12;

fn pull_body(p: &Pulls) -> Value {
    let created = p.created.clone().unwrap_or_default();
    let head = created["head"].as_str().unwrap_or_default().to_owned();
    let head_sha = output(&p.remote, &["rev-parse", &format!("refs/heads/{head}")]);
    json!({
        "id": 1, "node_id": "PR_1", "number": PULL,
        "url": format!("https://api.github.com/repos/octocat/Hello-World/pulls/{PULL}"),
        "html_url": if p.reflect_token {
            format!("https://github.com/octocat/Hello-World/pull/{PULL}?t={TOKEN}")
        } else {
            format!("https://github.com/octocat/Hello-World/pull/{PULL}")
        },
        "state": if p.merged.is_some() { "closed" } else { "open" },
        "title": created["title"], "body": created["body"],
        "merged": p.merged.is_some(), "merge_commit_sha": p.merged,
        "mergeable": true, "mergeable_state": if p.refusals > 0 { "blocked" } else { "clean" },
        "head": {"label": format!("octocat:{head}"), "ref": head, "sha": head_sha},
        "base": {"label": "octocat:main", "ref": created["base"], "sha": output(&p.remote, &["rev-parse", "refs/heads/main"])},
    })
}

fn pulls_handler(state: std::sync::Arc<std::sync::Mutex<Pulls>>) -> fake::Handler {
    std::sync::Arc::new(move |r: &fake::Recorded| {
        let mut p = state.lock().unwrap();
        let pull = path(&format!("/pulls/{PULL}"));
        match (r.method.as_str(), r.path()) {
            ("POST", x) if x == path("/pulls") => {
                p.created = Some(serde_json::from_str(&r.body).unwrap());
                Some(Reply::json(201, &pull_body(&p)))
            }
            ("GET", x) if x == pull => Some(Reply::json(200, &pull_body(&p))),
            ("PUT", x) if x == format!("{pull}/merge") => {
                let body: Value = serde_json::from_str(&r.body).unwrap();
                p.merge_requests.push(body.clone());
                let method = body["merge_method"].as_str().unwrap_or("merge").to_owned();
                if p.disallowed.contains(&method.as_str()) {
                    return Some(Reply::error(
                        405,
                        "Merge commits are not allowed on this repository.",
                    ));
                }
                if p.refusals > 0 {
                    p.refusals -= 1;
                    return Some(Reply::error(
                        405,
                        "At least 1 approving review is required by reviewers with write access.",
                    ));
                }
                let head = pull_body(&p)["head"]["sha"].as_str().unwrap().to_owned();
                if body["sha"] != json!(head) {
                    return Some(Reply::error(
                        409,
                        "Head branch was modified. Review and try the merge again.",
                    ));
                }
                let main = output(&p.remote, &["rev-parse", "refs/heads/main"]);
                let tree = output(&p.remote, &["rev-parse", &format!("{head}^{{tree}}")]);
                if p.phantom {
                    let sha = "2222222222222222222222222222222222222222".to_owned();
                    p.merged = Some(sha.clone());
                    return Some(Reply::json(
                        200,
                        &json!({"sha": sha, "merged": true, "message": "Pull Request successfully merged"}),
                    ));
                }
                // A merge commit has both parents; a squash only the base.
                let mut args = vec!["commit-tree".to_owned(), tree, "-p".into(), main];
                if method == "merge" {
                    args.extend(["-p".to_owned(), head.clone()]);
                }
                args.extend(["-m".to_owned(), format!("Release (#{PULL})")]);
                let out = Command::new("git")
                    .args(&args)
                    .current_dir(&p.remote)
                    .env("GIT_CONFIG_GLOBAL", "/dev/null")
                    .env("GIT_AUTHOR_NAME", "GitHub")
                    .env("GIT_AUTHOR_EMAIL", "noreply@example.invalid")
                    .env("GIT_COMMITTER_NAME", "GitHub")
                    .env("GIT_COMMITTER_EMAIL", "noreply@example.invalid")
                    .output()
                    .unwrap();
                let merge = String::from_utf8(out.stdout).unwrap().trim().to_owned();
                git(&p.remote, &["update-ref", "refs/heads/main", &merge]);
                p.merged = Some(merge.clone());
                Some(Reply::json(
                    200,
                    &json!({"sha": merge, "merged": true, "message": "Pull Request successfully merged"}),
                ))
            }
            _ => None,
        }
    })
}

/// The rules a ruleset like pyrel's puts on `main`: pull requests with one approval,
/// `build` required.
fn protected_rules() -> Value {
    json!([
        {"type": "pull_request", "ruleset_source_type": "Repository", "ruleset_source": "octocat/Hello-World", "ruleset_id": 42,
         "parameters": {"required_approving_review_count": 1, "dismiss_stale_reviews_on_push": true,
            "require_code_owner_review": false, "require_last_push_approval": false,
            "required_review_thread_resolution": false, "allowed_merge_methods": ["merge", "squash", "rebase"]}},
        {"type": "required_status_checks", "ruleset_source_type": "Repository", "ruleset_source": "octocat/Hello-World", "ruleset_id": 42,
         "parameters": {"strict_required_status_checks_policy": true, "required_status_checks": [{"context": "build"}]}},
        {"type": "deletion", "ruleset_source_type": "Repository", "ruleset_source": "octocat/Hello-World", "ruleset_id": 42},
    ])
}

fn protected(routes: Routes, pulls: &std::sync::Arc<std::sync::Mutex<Pulls>>) -> Routes {
    routes
        .route(
            "GET",
            &path("/branches/main"),
            Reply::json(200, &branch_body(true)),
        )
        .route(
            "GET",
            &path("/branches/main/protection"),
            Reply::json(200, &{
                // GitHub's example requires a linear history (pyrel would squash); here
                // merge commits are allowed.
                let mut p = fake::github::protection_body();
                p["required_linear_history"]["enabled"] = json!(false);
                p
            }),
        )
        .route(
            "GET",
            &path("/rules/branches/main"),
            Reply::json(200, &protected_rules()),
        )
        .route(
            "GET",
            &path(""),
            Reply::json(200, &fake::github::repo_body()),
        )
        .handler(pulls_handler(std::sync::Arc::clone(pulls)))
}

/// A pre-receive hook on origin that refuses every push to `main` (GitHub's GH006).
fn refuse_pushes_to_main(remote: &Path) {
    let hook = remote.join("hooks/pre-receive");
    std::fs::write(
        &hook,
        "#!/bin/sh\nwhile read old new ref; do\n  if [ \"$ref\" = refs/heads/main ]; then echo 'GH006: Protected branch update failed' >&2; exit 1; fi\ndone\n",
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

#[test]
fn a_protected_branch_is_released_through_a_pull_request() {
    let repo = repo();
    let log = repo.dir.path().join("CHANGELOG.md");
    let text = std::fs::read_to_string(&log).unwrap();
    std::fs::write(
        &log,
        text.replacen(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n### Added\n\n- Export to CSV.\n",
            1,
        ),
    )
    .unwrap();
    git(
        repo.dir.path(),
        &["commit", "-q", "-am", "Note the CSV export"],
    );
    git(repo.dir.path(), &["push", "-q", "origin", "main"]);
    refuse_pushes_to_main(repo.remote.path());
    let main_before = output(repo.remote.path(), &["rev-parse", "main"]);
    let pulls = std::sync::Arc::new(std::sync::Mutex::new(Pulls {
        remote: repo.remote.path().to_path_buf(),
        refusals: 1,
        ..Pulls::default()
    }));
    let running = |status: &str| {
        let mut reply = check_runs("success");
        reply.body = reply
            .body
            .replace(
                "\"status\":\"completed\"",
                &format!("\"status\":\"{status}\""),
            )
            .replace("\"conclusion\":\"success\"", "\"conclusion\":null");
        reply
    };
    // HEAD green (preflight), then the release commit: queued, then green.
    let gh = protected(
        github(
            "success",
            &[("in_progress", None), ("completed", Some("success"))],
        ),
        &pulls,
    )
    .route_seq(
        "GET",
        &path("/commits/*"),
        vec![
            check_runs("success"),
            running("queued"),
            check_runs("success"),
        ],
    )
    .start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    // The review is missing: stop with the pull request's URL and the resume command.
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    for needle in [
        "preflight: protection       ok (`main` is protected: classic branch protection, ruleset rule `pull_request`, ruleset rule `required_status_checks`)",
        "pushed: release/v1.5.0 to origin",
        "pull request: #12 https://github.com/octocat/Hello-World/pull/12",
        "checks: waiting for build on",
        "checks: build green on",
        "stopped: pull request #12 cannot be merged yet (GitHub: At least 1 approving review is required",
        "next: get it reviewed and approved at https://github.com/octocat/Hello-World/pull/12, then `pyrel release --resume`",
    ] {
        has(&ran, needle);
    }
    assert_eq!(remote_tag(&repo), "", "no tag before the merge");
    assert_eq!(
        output(repo.remote.path(), &["rev-parse", "main"]),
        main_before
    );
    let release_commit = output(repo.remote.path(), &["rev-parse", "release/v1.5.0"]);
    assert_eq!(
        output(repo.dir.path(), &["rev-parse", "--abbrev-ref", "HEAD"]),
        "main",
        "the user is back on main"
    );
    {
        let p = pulls.lock().unwrap();
        let created = p.created.as_ref().unwrap();
        assert_eq!(created["head"], "release/v1.5.0");
        assert_eq!(created["base"], "main");
        assert_eq!(created["title"], "Release 1.5.0");
        assert_eq!(
            created["body"].as_str().unwrap().trim(),
            "### Added\n\n- Export to CSV.",
            "the changelog section is the body"
        );
        assert_eq!(p.merge_requests[0]["sha"], json!(release_commit));
    }

    // A dry run, without a token: where the release stands and what a resume would do.
    let requests_before = gh.requests().len();
    let dry = |args: &[&str]| {
        let out = pyrel(repo.dir.path())
            .arg("release")
            .args(args)
            .env("GITHUB_API_URL", gh.url())
            .envs(index.pypi_env())
            .env("PYREL_TODAY", "2026-01-02")
            .output()
            .unwrap();
        Ran {
            code: out.status.code().unwrap(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    };
    let ran = dry(&["--dry-run"]);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "stopped: the release of v1.5.0 is under way");
    has(
        &ran,
        "next: `pyrel release --resume --dry-run` shows where it stands",
    );
    let ran = dry(&["--resume", "--dry-run"]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "resume: v1.5.0 (through a pull request)");
    has(
        &ran,
        "would read: pull request https://github.com/octocat/Hello-World/pull/12",
    );
    has(
        &ran,
        "would tag: v1.5.0 on the merge commit and push the tag alone",
    );
    has(&ran, "dry run: nothing written, committed or pushed");
    assert_eq!(
        gh.requests().len(),
        requests_before,
        "a dry run asks GitHub nothing"
    );

    // Approved: --resume merges, tags the merge commit and pushes the tag alone.
    let ran = release(&repo, &gh, &index, &["--resume"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let merge = pulls.lock().unwrap().merged.clone().unwrap();
    for needle in [
        "resume: v1.5.0",
        &format!("merged: #12 into main as {} (merge)", &merge[..12]),
        &format!("tagged v1.5.0 on {} (annotated)", &merge[..12]),
        "pushed: v1.5.0 to origin (the tag only)",
        "watch: release run https://github.com/octocat/Hello-World/actions/runs/77",
        "released v1.5.0",
    ] {
        has(&ran, needle);
    }
    assert_eq!(
        output(repo.remote.path(), &["rev-parse", "v1.5.0^{commit}"]),
        merge
    );
    assert_eq!(output(repo.remote.path(), &["cat-file", "-t", TAG]), "tag");
    assert_eq!(output(repo.remote.path(), &["rev-parse", "main"]), merge);
    assert_eq!(
        output(repo.dir.path(), &["rev-parse", "main"]),
        merge,
        "local main caught up"
    );
    // Each resume asked the same pull request; one pull request was opened.
    assert_eq!(gh.hits("POST", &path("/pulls")), 1);
    assert!(
        !repo.dir.path().join(".git/pyrel-release.json").exists(),
        "state forgotten once released"
    );
}

#[test]
fn direct_on_a_protected_branch_is_refused_before_anything_is_written() {
    let repo = repo();
    let before = snapshot_tree(repo.dir.path());
    let pulls = std::sync::Arc::new(std::sync::Mutex::new(Pulls::default()));
    // A maintainer's token may not read the protection (admin only): the branch's own
    // `protected` flag answers.
    let gh = protected(github("success", &[("completed", Some("success"))]), &pulls)
        .route(
            "GET",
            &path("/branches/main/protection"),
            Reply::error(403, "Resource not accessible by integration"),
        )
        .start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--direct"], 10);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    has(
        &ran,
        "stopped: `main` is protected: GitHub refuses a direct push to it",
    );
    has(&ran, "classic branch protection");
    has(&ran, "ruleset rule `pull_request`");
    assert_eq!(
        gh.hits("GET", &path("/branches/main")),
        1,
        "the fallback was asked"
    );
    has(
        &ran,
        "next: release through a pull request: `pyrel release minor`",
    );
    nothing_happened(&repo, &before);
}

#[test]
fn resume_refuses_a_tag_moved_on_origin_and_never_watches_its_run() {
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--no-push", "--direct"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let ours = output(repo.dir.path(), &["rev-parse", "v1.5.0^{commit}"]);
    // A teammate pushes their own v1.5.0 on another commit.
    let other = tempfile::tempdir().unwrap();
    git(
        other.path(),
        &["clone", "-q", repo.remote.path().to_str().unwrap(), "."],
    );
    std::fs::write(other.path().join("NOTES.md"), "theirs\n").unwrap();
    git(other.path(), &["add", "NOTES.md"]);
    git(other.path(), &["commit", "-q", "-m", "Their release"]);
    git(other.path(), &["tag", "-a", TAG, "-m", "Theirs"]);
    git(other.path(), &["push", "-q", "origin", TAG]);
    let theirs = output(other.path(), &["rev-parse", "HEAD"]);
    let ran = release(&repo, &gh, &index, &["--resume"], 10);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    has(
        &ran,
        &format!(
            "stopped: the tag v1.5.0 on origin is at {} but pyrel left it at {}",
            &theirs[..12],
            &ours[..12]
        ),
    );
    has(&ran, &format!("now: {theirs}"));
    has(&ran, &format!("ours: {ours}"));
    assert!(!ran.stdout.contains("released"), "{}", ran.stdout);
    assert_eq!(
        gh.hits("GET", &path("/actions/runs")),
        0,
        "their run is not watched"
    );
}

#[test]
fn a_run_of_another_commit_is_never_taken_for_the_release_run() {
    let repo = repo();
    let mut theirs = run_body("completed", Some("success"));
    theirs["head_sha"] = json!("1111111111111111111111111111111111111111");
    let gh = github("success", &[("completed", Some("success"))])
        .route_seq("GET", &path("/actions/runs"), vec![runs_list(&[theirs])])
        .start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--direct"], 1);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    has(
        &ran,
        "is a run of v1.5.0 on another commit (111111111111), not of the release commit",
    );
    has(&ran, "stopped: no workflow run started for the tag v1.5.0");
    assert!(!ran.stdout.contains("released v1.5.0"), "{}", ran.stdout);
    assert_eq!(
        index.hits("GET", "/pypi/widgets/json"),
        1,
        "nothing verified"
    );
}

#[test]
fn after_a_tag_only_push_resume_gets_the_release_commit_onto_main() {
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--no-push", "--direct"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    // Only the tag went out: the release commit is on no branch of origin.
    git(repo.dir.path(), &["push", "-q", "origin", TAG]);
    let commit = output(repo.dir.path(), &["rev-parse", "HEAD"]);
    // Pushes to main are refused: resume says exactly what is missing.
    refuse_pushes_to_main(repo.remote.path());
    let ran = release(&repo, &gh, &index, &["--resume"], 10);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    has(
        &ran,
        &format!(
            "stopped: the tag v1.5.0 is on origin but `main` of origin lacks its commit {}",
            &commit[..12]
        ),
    );
    has(&ran, "GH006");
    has(
        &ran,
        &format!("`git push origin {commit}:refs/heads/release/v1.5.0`"),
    );
    assert_eq!(gh.hits("GET", &path("/actions/runs")), 0);
    // Pushes allowed again: resume pushes main and finishes.
    std::fs::remove_file(repo.remote.path().join("hooks/pre-receive")).unwrap();
    let ran = release(&repo, &gh, &index, &["--resume"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "pushed: main to origin (the release commit");
    has(&ran, "released v1.5.0");
    assert_eq!(output(repo.remote.path(), &["rev-parse", "main"]), commit);
}

#[test]
fn dry_run_alone_needs_no_version_and_no_token() {
    let repo = repo();
    let before = snapshot_tree(repo.dir.path());
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let run = |repo: &Repo| {
        let out = pyrel(repo.dir.path())
            .args(["release", "--dry-run", "--skip-check"])
            .env("GITHUB_API_URL", gh.url())
            .envs(index.pypi_env())
            .env("PYREL_TODAY", "2026-01-02")
            .output()
            .unwrap();
        Ran {
            code: out.status.code().unwrap(),
            stdout: String::from_utf8(out.stdout).unwrap(),
            stderr: String::from_utf8(out.stderr).unwrap(),
        }
    };
    let ran = run(&repo);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    for needle in [
        "release: widgets 1.4.0 -> 1.4.1 (tag v1.4.1)",
        "preflight: checks           unknown (no GitHub token",
        "preflight: protection       unknown (no GitHub token",
        "preflight: version is new   ok (widgets 1.4.1 not on PyPI)",
        "would create branch: release/v1.4.1",
        "would open: a pull request release/v1.4.1 -> main titled `Release 1.4.1`",
        "would tag: v1.4.1 on the merge commit and push the tag alone",
        "dry run: nothing written, committed or pushed",
    ] {
        has(&ran, needle);
    }
    nothing_happened(&repo, &before);
    assert!(gh.requests().is_empty(), "no token: GitHub is not asked");
    // Its hints keep --dry-run.
    std::fs::write(repo.dir.path().join("README.md"), "edited\n").unwrap();
    let ran = run(&repo);
    assert_eq!(ran.code, 1);
    has(
        &ran,
        "next: commit or stash them, then `pyrel release patch --dry-run`",
    );
}

#[test]
fn json_reports_the_release_and_quiet_prints_only_the_last_line() {
    // Direct, quiet: the final line only (the bump's lines and every step are dropped).
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["-q", "minor", "--direct"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(ran.stdout, "released v1.5.0\n");

    // Through a pull request that waits for a review, as JSON.
    let repo = repo_again();
    let pulls = std::sync::Arc::new(std::sync::Mutex::new(Pulls {
        remote: repo.remote.path().to_path_buf(),
        refusals: 1,
        ..Pulls::default()
    }));
    let gh = protected(github("success", &[("completed", Some("success"))]), &pulls).start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--format", "json"], 10);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    common::validate_json_schema(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/release-schema.json"),
        &ran.stdout,
    );
    let doc: Value = serde_json::from_str(&ran.stdout).expect("one JSON document");
    assert_eq!(doc["outcome"], "stopped");
    assert_eq!(doc["mode"], "pull_request");
    assert_eq!(doc["tag"], TAG);
    assert_eq!(
        doc["packages"],
        json!([{"name": "widgets", "version": "1.5.0"}])
    );
    assert_eq!(
        doc["pull_request"],
        "https://github.com/octocat/Hello-World/pull/12"
    );
    assert_eq!(
        doc["release_commit"],
        json!(output(repo.remote.path(), &["rev-parse", "release/v1.5.0"]))
    );
    assert!(doc["stopped"]["next"]
        .as_str()
        .unwrap()
        .contains("`pyrel release --resume`"));
    assert!(doc["log"]
        .as_array()
        .unwrap()
        .contains(&json!("pushed: release/v1.5.0 to origin")));
    // Resumed as JSON: released, with the merge commit and the run.
    let ran = release(&repo, &gh, &index, &["--resume", "--format", "json"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let doc: Value = serde_json::from_str(&ran.stdout).expect("one JSON document");
    assert_eq!(doc["outcome"], "released");
    assert_eq!(
        doc["tag_commit"],
        json!(pulls.lock().unwrap().merged.clone().unwrap())
    );
    assert_eq!(
        doc["run"],
        "https://github.com/octocat/Hello-World/actions/runs/77"
    );
    assert_eq!(doc["stopped"], Value::Null);
}

#[test]
fn a_merge_method_the_repository_turned_off_moves_on_to_the_next() {
    let repo = repo();
    let pulls = std::sync::Arc::new(std::sync::Mutex::new(Pulls {
        remote: repo.remote.path().to_path_buf(),
        disallowed: vec!["merge"],
        ..Pulls::default()
    }));
    let gh = protected(github("success", &[("completed", Some("success"))]), &pulls).start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let squashed = pulls.lock().unwrap().merged.clone().unwrap();
    has(
        &ran,
        &format!("merged: #12 into main as {} (squash)", &squashed[..12]),
    );
    let methods: Vec<Value> = pulls
        .lock()
        .unwrap()
        .merge_requests
        .iter()
        .map(|r| r["merge_method"].clone())
        .collect();
    assert_eq!(methods, [json!("merge"), json!("squash")]);
    // The tag is on the squash commit, which is main on origin.
    assert_eq!(
        output(repo.remote.path(), &["rev-parse", "v1.5.0^{commit}"]),
        squashed
    );
    assert_eq!(output(repo.remote.path(), &["rev-parse", "main"]), squashed);
    has(&ran, "released v1.5.0");
}

#[test]
fn resume_refuses_a_release_branch_someone_else_moved() {
    let repo = repo();
    let pulls = std::sync::Arc::new(std::sync::Mutex::new(Pulls {
        remote: repo.remote.path().to_path_buf(),
        refusals: 1,
        ..Pulls::default()
    }));
    let gh = protected(github("success", &[("completed", Some("success"))]), &pulls).start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "cannot be merged yet");
    let ours = output(repo.remote.path(), &["rev-parse", "release/v1.5.0"]);
    // Someone adds a commit to the release branch while it waits for review.
    let other = tempfile::tempdir().unwrap();
    git(
        other.path(),
        &[
            "clone",
            "-q",
            "-b",
            "release/v1.5.0",
            repo.remote.path().to_str().unwrap(),
            ".",
        ],
    );
    std::fs::write(other.path().join("NOTES.md"), "sneaked in\n").unwrap();
    git(other.path(), &["add", "NOTES.md"]);
    git(other.path(), &["commit", "-q", "-m", "One more thing"]);
    git(other.path(), &["push", "-q", "origin", "release/v1.5.0"]);
    let theirs = output(other.path(), &["rev-parse", "HEAD"]);
    let ran = release(&repo, &gh, &index, &["--resume"], 10);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    has(
        &ran,
        &format!(
            "stopped: the branch release/v1.5.0 on origin is at {} but pyrel left it at {}",
            &theirs[..12],
            &ours[..12]
        ),
    );
    assert_eq!(
        pulls.lock().unwrap().merge_requests.len(),
        1,
        "no second merge attempt"
    );
    assert_eq!(remote_tag(&repo), "");
}

#[test]
fn a_broken_release_state_is_an_input_error_naming_the_file_and_line() {
    let repo = repo();
    let gh = github("success", &[("completed", Some("success"))]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    std::fs::write(
        repo.dir.path().join(".git/pyrel-release.json"),
        "{\n  \"schema\": 7\n}\n",
    )
    .unwrap();
    let ran = release(&repo, &gh, &index, &["--resume"], 10);
    assert_eq!(ran.code, 2, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "pyrel-release.json: line 2");
    assert!(gh.requests().is_empty());
    assert_eq!(remote_tag(&repo), "");
    // Well-formed, but a value that would reach git as an option is refused.
    let state = json!({
        "schema": "pyrel-release-state/1", "mode": "direct", "tag": "v1.5.0",
        "subject": "Release 1.5.0", "packages": [{"name": "widgets", "version": "1.5.0"}],
        "base": "main", "branch": null,
        "release_commit": "--upload-pack=touch owned", "pull_number": null, "pull_url": null,
        "tag_commit": null, "notes": "",
    });
    std::fs::write(
        repo.dir.path().join(".git/pyrel-release.json"),
        state.to_string(),
    )
    .unwrap();
    let ran = release(&repo, &gh, &index, &["--resume"], 10);
    assert_eq!(ran.code, 2, "{}\n{}", ran.stdout, ran.stderr);
    has(
        &ran,
        "pyrel-release.json: `release_commit` is `--upload-pack=touch owned`, not a full commit id",
    );
    assert!(!repo.dir.path().join("owned").exists());
    assert!(gh.requests().is_empty());
}

#[test]
fn no_push_through_a_pull_request_then_resume_opens_merges_and_tags() {
    let repo = repo();
    let pulls = std::sync::Arc::new(std::sync::Mutex::new(Pulls {
        remote: repo.remote.path().to_path_buf(),
        ..Pulls::default()
    }));
    let gh = protected(github("success", &[("completed", Some("success"))]), &pulls).start();
    let index = pypi_routes(vec![&["1.4.0"], &["1.4.0", "1.5.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor", "--no-push"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "release commit: ");
    has(
        &ran,
        "next: `pyrel release --resume` pushes release/v1.5.0 and opens the pull request",
    );
    assert_eq!(output(repo.remote.path(), &["branch", "--list"]), "* main");
    assert_eq!(gh.hits("POST", &path("/pulls")), 0);
    let release_commit = output(repo.dir.path(), &["rev-parse", "release/v1.5.0"]);

    let ran = release(&repo, &gh, &index, &["--resume"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "pushed: release/v1.5.0 to origin");
    has(&ran, "pull request: #12");
    has(&ran, "released v1.5.0");
    let p = pulls.lock().unwrap();
    assert_eq!(p.merge_requests[0]["sha"], json!(release_commit));
    assert_eq!(
        output(repo.remote.path(), &["rev-parse", "v1.5.0^{commit}"]),
        p.merged.clone().unwrap()
    );
    // The local release branch is gone once merged.
    assert_eq!(
        output(repo.dir.path(), &["branch", "--list", "release/*"]),
        ""
    );
}

#[test]
fn a_merge_commit_origin_does_not_have_is_never_tagged() {
    let repo = repo();
    let pulls = std::sync::Arc::new(std::sync::Mutex::new(Pulls {
        remote: repo.remote.path().to_path_buf(),
        phantom: true,
        ..Pulls::default()
    }));
    let gh = protected(github("success", &[("completed", Some("success"))]), &pulls).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "merged: #12 into main as 222222222222");
    has(
        &ran,
        "stopped: the merge commit 222222222222 is not on `main` of origin",
    );
    has(&ran, "`git fetch origin main`");
    assert_eq!(output(repo.dir.path(), &["tag", "--list"]), "");
    assert_eq!(remote_tag(&repo), "");
    assert_eq!(gh.hits("GET", &path("/actions/runs")), 0);
}

#[test]
fn a_failing_check_on_the_release_commit_stops_before_the_merge() {
    let repo = repo();
    let pulls = std::sync::Arc::new(std::sync::Mutex::new(Pulls {
        remote: repo.remote.path().to_path_buf(),
        ..Pulls::default()
    }));
    // HEAD green (preflight), the release commit red.
    let gh = protected(github("success", &[("completed", Some("success"))]), &pulls)
        .route_seq(
            "GET",
            &path("/commits/*"),
            vec![check_runs("success"), check_runs("failure")],
        )
        .start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    has(
        &ran,
        "stopped: the required checks failed on the release commit",
    );
    has(
        &ran,
        "`build`: failure (https://github.com/octocat/Hello-World/runs/4)",
    );
    has(&ran, "then `pyrel release --resume`");
    assert!(
        pulls.lock().unwrap().merge_requests.is_empty(),
        "no merge attempted"
    );
    assert_eq!(remote_tag(&repo), "");
}

#[test]
fn a_token_reflected_in_the_pull_requests_url_is_never_printed_or_kept() {
    let repo = repo();
    let pulls = std::sync::Arc::new(std::sync::Mutex::new(Pulls {
        remote: repo.remote.path().to_path_buf(),
        refusals: 1,
        reflect_token: true,
        ..Pulls::default()
    }));
    let gh = protected(github("success", &[("completed", Some("success"))]), &pulls).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    // `release` itself fails the test when the token reaches stdout or stderr.
    let ran = release(&repo, &gh, &index, &["minor", "--format", "json"], 10);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    has(&ran, "https://github.com/octocat/Hello-World/pull/12?t=***");
    let state = std::fs::read_to_string(repo.dir.path().join(".git/pyrel-release.json")).unwrap();
    assert!(!state.contains(TOKEN), "{state}");
}
