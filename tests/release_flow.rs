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

fn repo() -> Repo {
    let dir = fixture("single-flat");
    let remote = tempfile::tempdir().unwrap();
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
        "head_sha": "0000000000000000000000000000000000000000", "path": ".github/workflows/release.yml",
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
    Routes::new()
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
    let out = pyrel(repo.dir.path())
        .arg("release")
        .args(args)
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
    let ran = release(&repo, &gh, &index, &["minor"], 10);
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
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let line = "watch: waiting for approval of environment `pypi` by octocat: approve at https://github.com/octocat/Hello-World/actions/runs/77";
    assert_eq!(ran.stdout.matches(line).count(), 1, "{}", ran.stdout);
    has(&ran, "released v1.5.0");

    // Nobody approves: the watch gives up with the next command, the tag explained.
    let repo = repo_again();
    let gh = github("success", &[("waiting", None)]).start();
    let index = pypi_routes(vec![&["1.4.0"]]).start();
    let ran = release(&repo, &gh, &index, &["minor"], 1);
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
    let ran = release(&repo, &gh, &index, &["minor"], 10);
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
    let ran = release(&repo, &gh, &index, &["minor"], 10);
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
    let ran = release(&repo, &gh, &index, &["minor", "--dry-run"], 10);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    for needle in [
        "preflight: checks",
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
        .args(["release", "minor", "--dry-run"])
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
    let ran = release(&repo, &gh, &index, &["minor", "--no-push"], 10);
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
    let ran = release(&repo, &gh, &index, &["patch", "--no-watch"], 10);
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
    let ran = release(&repo, &gh, &index, &["minor"], 10);
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
        .args(["release", "1.5.0rc1"])
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
    let ran = release(&repo, &gh, &index, &["minor"], 10);
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
    let ran = release(&repo, &gh, &index, &["minor"], 10);
    assert_eq!(ran.code, 1);
    has(&ran, "stopped: GET /repos/octocat/Hello-World/releases/tags/v1.5.0: unexpected response: the answer is an empty object");
    has(&ran, "the tag v1.5.0 is pushed");
}
