//! `pyrel doctor`'s online checks against a fake GitHub and a fake PyPI on 127.0.0.1:
//! the real binary, `GITHUB_API_URL` / `PYREL_PYPI_URL` pointing at the fakes, statuses,
//! findings and exit codes read from `--format json`.

use crate::common;
use crate::fake;

use std::path::Path;
use std::time::{Duration, Instant};

use common::{fixture, git, pyrel};
use fake::github::{self as gh, path, BRANCH, TOKEN};
use fake::{pypi, FakeServer, Reply};
use serde_json::Value;

const ONLINE: &str = "github-environments,github-secrets,branch-protection,pypi-version";

/// The uv workspace set up by `pyrel init --yes` (plus `extra` --set options), with the
/// `origin` of the fake GitHub's repository and the fake's required check.
fn repo(extra: &[&str]) -> tempfile::TempDir {
    let dir = fixture("uv-workspace");
    let mut args = vec!["init", "--yes", "--set", "required-checks=[\"build\"]"];
    for e in extra {
        args.extend(["--set", e]);
    }
    pyrel(dir.path()).args(&args).assert().success();
    git(
        dir.path(),
        &[
            "remote",
            "set-url",
            "origin",
            "https://github.com/octocat/Hello-World.git",
        ],
    );
    dir
}

fn token_repo() -> tempfile::TempDir {
    repo(&["publish=token"])
}

/// PyPI knows dashboard-core (older versions only); the other packages are new.
fn pypi_fine() -> FakeServer {
    pypi::project_with_versions("dashboard-core", &["1.0.0", "1.5.0"]).start()
}

fn doctor(
    dir: &Path,
    github: Option<&FakeServer>,
    index: &FakeServer,
    extra: &[&str],
) -> (Value, i32) {
    let mut cmd = pyrel(dir);
    cmd.args(["doctor", "--format", "json", "--select", ONLINE])
        .args(extra);
    if !extra.contains(&"--timeout") {
        cmd.args(["--timeout", "400"]);
    }
    cmd.envs(index.pypi_env());
    if let Some(server) = github {
        cmd.envs(server.github_env(TOKEN));
    }
    let out = cmd.output().expect("run pyrel");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "token leaked"
    );
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (json, out.status.code().expect("exit code"))
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap()
}

fn status<'a>(report: &'a Value, name: &str) -> &'a str {
    check(report, name)["status"].as_str().unwrap()
}

fn reason(report: &Value, name: &str) -> String {
    check(report, name)["reason"].as_str().unwrap().to_owned()
}

fn messages(report: &Value, name: &str, severity: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == name && f["severity"] == severity)
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect()
}

fn statuses(report: &Value) -> Vec<(String, String)> {
    ONLINE
        .split(',')
        .map(|n| (n.to_owned(), status(report, n).to_owned()))
        .collect()
}

fn all(s: &str) -> Vec<(String, String)> {
    ONLINE
        .split(',')
        .map(|n| (n.to_owned(), s.to_owned()))
        .collect()
}

#[test]
fn all_good() {
    let dir = token_repo();
    let (github, index) = (gh::all_good().start(), pypi_fine());
    let (report, code) = doctor(dir.path(), Some(&github), &index, &[]);
    assert_eq!(statuses(&report), all("pass"), "{report:#}");
    let infos = messages(&report, "pypi-version", "info");
    assert_eq!(infos.len(), 2, "{infos:?}");
    assert!(infos.iter().all(|m| m.contains("first release")));
    assert_eq!(report["summary"]["errors"], 0);
    assert_eq!(code, 0);
    assert!(github
        .requests()
        .iter()
        .all(|r| r.header("authorization") == Some(&format!("Bearer {TOKEN}"))));
}

#[test]
fn environment_missing() {
    let dir = token_repo();
    let (github, index) = (gh::environment_missing().start(), pypi_fine());
    let (report, code) = doctor(dir.path(), Some(&github), &index, &[]);
    assert_eq!(status(&report, "github-environments"), "fail");
    let errors = messages(&report, "github-environments", "error");
    assert_eq!(errors, ["environment `pypi` does not exist on GitHub"]);
    let f = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"] == "github-environments")
        .unwrap();
    assert_eq!(f["path"], ".github/workflows/release.yml");
    assert!(f["line"].as_u64().is_some());
    assert_eq!(code, 1);
}

#[test]
fn no_tag_policy() {
    let dir = token_repo();
    let (github, index) = (gh::no_tag_policy().start(), pypi_fine());
    let (report, code) = doctor(dir.path(), Some(&github), &index, &[]);
    let errors = messages(&report, "github-environments", "error");
    assert_eq!(errors.len(), 1);
    assert!(
        errors[0].contains("no tag rule matching release tags like `v1.2.3`"),
        "{errors:?}"
    );
    assert_eq!(code, 1);
}

#[test]
fn reviewers_absent_is_a_warning() {
    let dir = token_repo();
    let mut env = gh::environment_body("pypi");
    env["protection_rules"] = serde_json::json!([]);
    let routes = gh::all_good().route(
        "GET",
        &path("/environments"),
        Reply::json(
            200,
            &serde_json::json!({
                "total_count": 2, "environments": [env, gh::environment_body("testpypi")]
            }),
        ),
    );
    let (github, index) = (routes.start(), pypi_fine());
    let (report, code) = doctor(dir.path(), Some(&github), &index, &[]);
    assert_eq!(
        messages(&report, "github-environments", "warning"),
        ["environment `pypi` requires no reviewer"]
    );
    assert_eq!(code, 0);
    let (_, strict) = doctor(dir.path(), Some(&github), &index, &["--strict"]);
    assert_eq!(strict, 1);
}

#[test]
fn secrets_missing_in_token_mode_and_leftovers_in_trusted_mode() {
    let dir = token_repo();
    let (github, index) = (gh::secrets_missing().start(), pypi_fine());
    let (report, code) = doctor(dir.path(), Some(&github), &index, &[]);
    assert_eq!(status(&report, "github-secrets"), "fail");
    let errors = messages(&report, "github-secrets", "error");
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors
        .iter()
        .any(|m| m.contains("PYPI_API_TOKEN is missing")));
    assert!(errors
        .iter()
        .any(|m| m.contains("TEST_PYPI_API_TOKEN is missing")));
    assert_eq!(code, 1);

    let trusted = repo(&[]);
    let github = gh::all_good().start();
    let (report, code) = doctor(trusted.path(), Some(&github), &index, &[]);
    let warnings = messages(&report, "github-secrets", "warning");
    assert_eq!(warnings.len(), 2, "{warnings:?}");
    assert!(warnings[0].contains("looks like a PyPI token"));
    assert_eq!(code, 0);
}

#[test]
fn branch_unprotected() {
    let dir = token_repo();
    let (github, index) = (gh::branch_unprotected().start(), pypi_fine());
    let (report, code) = doctor(dir.path(), Some(&github), &index, &[]);
    assert_eq!(
        messages(&report, "branch-protection", "error"),
        [format!("the default branch `{BRANCH}` is not protected")]
    );
    assert_eq!(code, 1);
}

#[test]
fn protection_weaker_than_asked() {
    // One approval asked explicitly: init's default follows the committers (none here → 0).
    let dir = repo(&["publish=token", "required-approvals=1"]);
    let (github, index) = (gh::protection_weaker().start(), pypi_fine());
    let (report, code) = doctor(dir.path(), Some(&github), &index, &[]);
    let errors = messages(&report, "branch-protection", "error");
    for needle in [
        "does not require the status check `build`",
        "requires 0 approving review(s), 1 asked",
        "does not apply to admins",
        "allows force pushes",
        "can be deleted",
    ] {
        assert!(
            errors.iter().any(|m| m.contains(needle)),
            "no `{needle}` in {errors:?}"
        );
    }
    let lines: Vec<u64> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == "branch-protection")
        .map(|f| {
            assert_eq!(f["path"], ".github/branch-protection.json");
            f["line"].as_u64().unwrap()
        })
        .collect();
    assert_eq!(lines.len(), 5);
    assert_eq!(code, 1);
}

/// Every GitHub check is `unknown` (never pass) with `needle` in its reason; exit 0
/// because nothing was found, only not answered.
fn assert_github_unknown(report: &Value, needle: &str) {
    for name in ["github-environments", "github-secrets", "branch-protection"] {
        assert_eq!(status(report, name), "unknown", "{name}: {report:#}");
        let r = reason(report, name);
        assert!(r.contains(needle), "{name}: `{needle}` not in {r}");
        assert!(!r.contains("127.0.0.1"), "{r}");
    }
}

#[test]
fn unauthorized_401() {
    let dir = token_repo();
    let (github, index) = (gh::unauthorized_401().start(), pypi_fine());
    let (report, code) = doctor(dir.path(), Some(&github), &index, &[]);
    assert_github_unknown(&report, "401 Unauthorized: the token is invalid or expired");
    assert_eq!(status(&report, "pypi-version"), "pass");
    assert_eq!(code, 0);
}

#[test]
fn forbidden_403_names_the_missing_permission() {
    let dir = token_repo();
    let (github, index) = (gh::forbidden_missing_permission_403().start(), pypi_fine());
    let (report, _) = doctor(dir.path(), Some(&github), &index, &[]);
    assert_eq!(status(&report, "github-environments"), "pass");
    assert_eq!(status(&report, "github-secrets"), "unknown");
    assert!(reason(&report, "github-secrets").contains("lacks the `secrets=read` permission"));
    assert_eq!(status(&report, "branch-protection"), "unknown");
    assert!(reason(&report, "branch-protection").contains("`administration=read`"));

    let github = gh::plan_required_403().start();
    let (report, _) = doctor(dir.path(), Some(&github), &index, &[]);
    assert_eq!(status(&report, "branch-protection"), "unknown");
    assert!(reason(&report, "branch-protection").contains("GitHub plan"));
}

#[test]
fn repo_404() {
    let dir = token_repo();
    let (github, index) = (gh::repo_404().start(), pypi_fine());
    let (report, code) = doctor(dir.path(), Some(&github), &index, &[]);
    assert_github_unknown(&report, "404 Not Found");
    assert_eq!(code, 0);
}

#[test]
fn rate_limited_429_is_waited_out_once() {
    let dir = token_repo();
    let (github, index) = (gh::rate_limited_429(1).start(), pypi_fine());
    let (report, code) = doctor(dir.path(), Some(&github), &index, &["--timeout", "3000"]);
    assert_eq!(statuses(&report), all("pass"), "{report:#}");
    assert_eq!(code, 0);

    let github = gh::rate_limited_403().start();
    let (report, _) = doctor(dir.path(), Some(&github), &index, &[]);
    assert_github_unknown(
        &report,
        "rate limited; the quota resets at 2023-11-14T22:13:20Z",
    );
}

#[test]
fn server_500() {
    let dir = token_repo();
    let (github, index) = (gh::server_500().start(), pypi_fine());
    let (report, _) = doctor(dir.path(), Some(&github), &index, &[]);
    assert_github_unknown(&report, "server error 500");
}

#[test]
fn slower_than_the_timeout() {
    let dir = token_repo();
    let (github, index) = (gh::slow(Duration::from_secs(3)).start(), pypi_fine());
    let start = Instant::now();
    let (report, code) = doctor(dir.path(), Some(&github), &index, &["--timeout", "300"]);
    assert_github_unknown(&report, "no answer within 300 ms");
    assert_eq!(code, 0);
    // Concurrent checks: one timeout's worth each, not the sum of every request.
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn no_token_is_unknown_with_a_hint() {
    let dir = token_repo();
    let index = pypi_fine();
    let (report, code) = doctor(dir.path(), None, &index, &[]);
    assert_github_unknown(&report, "no GitHub token; hint: set GH_TOKEN");
    assert_eq!(status(&report, "pypi-version"), "pass");
    assert_eq!(code, 0);
}

#[test]
fn pypi_version_exists_missing_404_500() {
    let dir = token_repo();
    let github = gh::all_good().start();

    let index = pypi::project_with_versions("dashboard-core", &["1.0.0", "2.0"]).start();
    let (report, code) = doctor(
        dir.path(),
        Some(&github),
        &index,
        &["--select", "pypi-version"],
    );
    assert_eq!(status(&report, "pypi-version"), "fail");
    let f: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert_eq!(f.len(), 1);
    assert_eq!(f[0]["path"], "libs/core/pyproject.toml");
    assert_eq!(f[0]["line"], 7);
    assert!(f[0]["message"]
        .as_str()
        .unwrap()
        .contains("dashboard-core 2.0.0 is already on PyPI"));
    assert_eq!(code, 1);

    let index = pypi::project_missing().start();
    let (report, code) = doctor(
        dir.path(),
        Some(&github),
        &index,
        &["--select", "pypi-version"],
    );
    assert_eq!(status(&report, "pypi-version"), "pass");
    assert_eq!(messages(&report, "pypi-version", "info").len(), 3);
    assert_eq!(code, 0);

    let index = fake::Routes::new()
        .always(Reply {
            status: 404,
            headers: vec![],
            body: "<h1>Not Found</h1>".into(),
            delay: Duration::ZERO,
        })
        .start();
    let (report, _) = doctor(
        dir.path(),
        Some(&github),
        &index,
        &["--select", "pypi-version"],
    );
    assert_eq!(messages(&report, "pypi-version", "info").len(), 3);

    let index = pypi::server_500().start();
    let (report, code) = doctor(
        dir.path(),
        Some(&github),
        &index,
        &["--select", "pypi-version"],
    );
    assert_eq!(status(&report, "pypi-version"), "unknown");
    assert!(reason(&report, "pypi-version").contains("server error 500"));
    assert_eq!(code, 0);
}

#[test]
fn offline_makes_no_request() {
    let dir = token_repo();
    let (github, index) = (gh::all_good().start(), pypi_fine());
    let (report, _) = doctor(dir.path(), Some(&github), &index, &["--offline"]);
    assert_eq!(statuses(&report), all("skip"));
    assert!(github.requests().is_empty() && index.requests().is_empty());
}
