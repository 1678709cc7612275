//! What servers say is data (docs/security.md): a token a server reflects in a
//! successful answer, in any spelling, never reaches any output; server text can neither
//! colour nor start a line of pyrel's; a redirected write is a failure, not a change;
//! a list is read to its end or nothing is decided on it. The real binary against fakes
//! on 127.0.0.1.

use crate::common;
use crate::fake;

use std::path::Path;

use common::{fixture, git, pyrel};
use fake::github::path;
use fake::{pypi, FakeServer, Reply, Routes};
use serde_json::{json, Value};

/// Obviously fake, with characters a URL encodes: a server reflecting it in a query
/// string writes it percent-encoded.
const ODD_TOKEN: &str = "fake token/for+tests=only";
/// The same token as the fake's other tests use.
const TOKEN: &str = fake::github::TOKEN;

/// A released single-package repo (widgets 1.4.0) on a local bare `origin`.
struct Repo {
    remote_path: std::path::PathBuf,
    dir: tempfile::TempDir,
    _remote: tempfile::TempDir,
}

fn released_repo() -> Repo {
    let dir = fixture("single-flat");
    let remote = tempfile::tempdir().unwrap();
    git(remote.path(), &["init", "-q", "--bare", "-b", "main"]);
    git(
        dir.path(),
        &[
            "remote",
            "set-url",
            "origin",
            remote.path().to_str().unwrap(),
        ],
    );
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
    Repo {
        dir,
        remote_path: remote.path().to_path_buf(),
        _remote: remote,
    }
}

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn all(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }

    fn has(&self, needle: &str) {
        assert!(
            self.all().contains(needle),
            "missing {needle:?} in\n{}",
            self.all()
        );
    }
}

/// Every spelling of `token` a server may use: raw, percent-encoded as a query string
/// does, and every byte percent-encoded in either case.
fn spellings(token: &str) -> Vec<String> {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || b"-._~".contains(&b);
    let query: String = token
        .bytes()
        .map(|b| {
            if unreserved(b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    let upper: String = token.bytes().map(|b| format!("%{b:02X}")).collect();
    let lower: String = token.bytes().map(|b| format!("%{b:02x}")).collect();
    vec![token.to_owned(), query, upper, lower]
}

fn run(dir: &Path, args: &[&str], env: Vec<(String, String)>, token: &str) -> Ran {
    let out = pyrel(dir).args(args).envs(env).output().unwrap();
    let ran = Ran {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    for spelling in spellings(token) {
        assert!(
            !ran.all().contains(&spelling),
            "the token leaked as {spelling:?}:\n{}",
            ran.all()
        );
    }
    assert!(!ran.all().contains("panicked"), "{}", ran.all());
    ran
}

fn release_env(gh: &FakeServer, index: &FakeServer, token: &str) -> Vec<(String, String)> {
    let mut env = gh.github_env(token);
    env.extend(index.pypi_env());
    for (k, v) in [
        ("PYREL_TESTPYPI_URL", index.url()),
        ("PYREL_RELEASE_POLL_MS", "10"),
        ("PYREL_RELEASE_TIMEOUT_SECS", "10"),
        ("PYREL_RELEASE_VERIFY_TRIES", "3"),
        ("PYREL_HTTP_TIMEOUT_MS", "2000"),
        ("PYREL_TODAY", "2026-01-02"),
        ("GIT_AUTHOR_NAME", "Test"),
        ("GIT_AUTHOR_EMAIL", "test@example.invalid"),
        ("GIT_COMMITTER_NAME", "Test"),
        ("GIT_COMMITTER_EMAIL", "test@example.invalid"),
    ] {
        env.push((k.to_owned(), v.to_owned()));
    }
    env
}

/// A check run shaped like GitHub's, with the fields a test sets.
fn check_run(id: u64, name: &str, conclusion: &str, html_url: &str) -> Value {
    json!({
        "id": id, "name": name, "head_sha": "ce587453ced02b1526dfb4cb910479d431683101",
        "node_id": format!("CR_{id}"), "external_id": "", "details_url": html_url,
        "status": "completed", "conclusion": conclusion,
        "started_at": "2026-01-01T00:00:00Z", "completed_at": "2026-01-01T00:05:00Z",
        "html_url": html_url,
        "output": {"title": null, "summary": null, "text": null, "annotations_count": 0,
                   "annotations_url": "https://api.github.com/repos/octocat/Hello-World/check-runs/4/annotations"},
        "app": null, "pull_requests": []
    })
}

fn check_runs_page(runs: Vec<Value>, total: usize) -> Reply {
    Reply::json(200, &json!({"total_count": total, "check_runs": runs}))
}

/// The release refuses on a failing `build` whose URL carries the token in every
/// spelling: the refusal names the URL with the token masked.
#[test]
fn a_token_reflected_in_a_check_url_is_masked_in_the_refusal() {
    let repo = released_repo();
    let s = spellings(ODD_TOKEN);
    let url = format!(
        "https://github.com/octocat/Hello-World/runs/4?t={}&a={}&b={}&c={}&d={TOKEN}",
        s[0], s[1], s[2], s[3]
    );
    let gh = Routes::new()
        .route(
            "GET",
            &path("/commits/*"),
            check_runs_page(vec![check_run(4, "build", "failure", &url)], 1),
        )
        .start();
    let index = pypi::project_with_versions("widgets", &["1.4.0"]).start();
    let ran = run(
        repo.dir.path(),
        &["release", "minor", "--skip-check"],
        release_env(&gh, &index, ODD_TOKEN),
        ODD_TOKEN,
    );
    assert_eq!(ran.code, 1, "{}", ran.all());
    ran.has("stopped: the required checks are not green for HEAD");
    ran.has(
        "`build`: failure (https://github.com/octocat/Hello-World/runs/4?t=***&a=***&b=***&c=***&d=***)",
    );
    // A token pyrel never held, in GitHub's shape, is masked too.
    assert!(!ran.all().contains("ghp_FAKE"), "{}", ran.all());
}

/// A conclusion that tries to colour the terminal and start a `released` line of its
/// own is printed on the refusal's line, escaped.
#[test]
fn server_text_cannot_colour_or_forge_a_status_line() {
    let repo = released_repo();
    let forged = "failure\n\u{1b}[32mreleased v1.5.0\u{1b}[0m\r\u{202e}";
    let gh = Routes::new()
        .route(
            "GET",
            &path("/commits/*"),
            check_runs_page(
                vec![check_run(
                    4,
                    "build",
                    forged,
                    "https://github.com/octocat/Hello-World/runs/4",
                )],
                1,
            ),
        )
        .start();
    let index = pypi::project_with_versions("widgets", &["1.4.0"]).start();
    let ran = run(
        repo.dir.path(),
        &["release", "minor", "--skip-check"],
        release_env(&gh, &index, TOKEN),
        TOKEN,
    );
    assert_eq!(ran.code, 1, "{}", ran.all());
    ran.has("`build`: failure\\u000a\\u001b[32mreleased v1.5.0\\u001b[0m\\u000d\\u202e (https://github.com/octocat/Hello-World/runs/4)");
    for line in ran.all().lines() {
        assert!(
            !line.trim_start().starts_with("released"),
            "forged: {line:?}"
        );
    }
    // NO_COLOR is set: no escape character at all reaches the output.
    assert!(!ran.all().contains('\u{1b}'), "{:?}", ran.all());
}

/// The release's required check is on the second page of 110 check runs: read, green.
/// An endless `next` chain stops the release instead of deciding on part of the list.
#[test]
fn check_runs_are_read_to_the_last_page_or_the_release_stops() {
    let repo = released_repo();
    let others: Vec<Value> = (0..100)
        .map(|i| {
            check_run(
                100 + i,
                &format!("matrix ({i})"),
                "success",
                "https://github.com/octocat/Hello-World/runs/1",
            )
        })
        .collect();
    let mut rest: Vec<Value> = (100..109)
        .map(|i| {
            check_run(
                100 + i,
                &format!("matrix ({i})"),
                "success",
                "https://github.com/octocat/Hello-World/runs/1",
            )
        })
        .collect();
    rest.push(check_run(
        4,
        "build",
        "success",
        "https://github.com/octocat/Hello-World/runs/4",
    ));
    let commits = path("/commits/");
    let handler_commits = commits.clone();
    let gh = Routes::new()
        .handler(std::sync::Arc::new(move |r: &fake::Recorded| {
            if !r.path().starts_with(&handler_commits) || !r.path().ends_with("/check-runs") {
                return None;
            }
            Some(if r.url.contains("page=2") {
                check_runs_page(rest.clone(), 110)
            } else {
                check_runs_page(others.clone(), 110).header(
                    "Link",
                    &format!("<{{base}}{}?per_page=100&page=2>; rel=\"next\"", r.path()),
                )
            })
        }))
        .start();
    // The version is on PyPI already: the release stops right after the checks.
    let index = pypi::project_with_versions("widgets", &["1.4.0", "1.5.0"]).start();
    let ran = run(
        repo.dir.path(),
        &["release", "minor", "--skip-check"],
        release_env(&gh, &index, TOKEN),
        TOKEN,
    );
    ran.has("preflight: checks           ok");
    assert_eq!(ran.code, 1, "{}", ran.all());

    // Every page links to one more page.
    let gh = Routes::new()
        .handler(std::sync::Arc::new(move |r: &fake::Recorded| {
            if !r.path().starts_with(&commits) {
                return None;
            }
            let page: u64 = r
                .url
                .split("page=")
                .nth(2)
                .or_else(|| r.url.split("&page=").nth(1))
                .and_then(|p| p.parse().ok())
                .unwrap_or(1);
            Some(
                check_runs_page(
                    vec![check_run(
                        4,
                        "build",
                        "success",
                        "https://github.com/octocat/Hello-World/runs/4",
                    )],
                    1,
                )
                .header(
                    "Link",
                    &format!(
                        "<{{base}}{}?per_page=100&page={}>; rel=\"next\"",
                        r.path(),
                        page + 1
                    ),
                ),
            )
        }))
        .start();
    let ran = run(
        repo.dir.path(),
        &["release", "minor", "--skip-check"],
        release_env(&gh, &index, TOKEN),
        TOKEN,
    );
    assert_eq!(ran.code, 1, "{}", ran.all());
    ran.has("the list was not read to its end (more than 20 pages of 100)");
    assert!(
        !ran.all().contains("preflight: checks           ok"),
        "{}",
        ran.all()
    );
    assert_eq!(gh.requests().len(), 20);
}

/// The uv workspace, its origin the fake's repository.
fn apply_repo() -> tempfile::TempDir {
    let dir = fixture("uv-workspace");
    pyrel(dir.path())
        .args(["init", "--yes", "--set", "required-checks=[\"build\"]"])
        .assert()
        .success();
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

/// A write answered 301 or 302 is not replayed as a GET: `github apply` fails on it,
/// names the redirect, and reports nothing changed. A same-origin 307 is followed with
/// the method and body.
#[test]
fn a_redirected_write_is_a_failure_unless_it_keeps_the_method() {
    let dir = apply_repo();
    for status in [301u16, 302, 303] {
        let live = fake::live::Live::fresh();
        live.fail(
            "PUT",
            "/environments/pypi",
            Reply::json(status, &json!({})).header(
                "Location",
                &format!("{{base}}/moved/environments/pypi?t={TOKEN}"),
            ),
        );
        let server = live.routes().start();
        let mut env = server.github_env(TOKEN);
        env.push(("PYREL_HTTP_TIMEOUT_MS".into(), "2000".into()));
        let ran = run(dir.path(), &["github", "apply"], env, TOKEN);
        assert_eq!(ran.code, 1, "{status}: {}", ran.all());
        ran.has(&format!(
            "PUT /repos/octocat/Hello-World/environments/pypi: answered {status} with a redirect to {}/moved/environments/pypi?t=***: not followed",
            server.url()
        ));
        assert!(
            !ran.all().contains("changed      environment"),
            "{}",
            ran.all()
        );
        ran.has("summary: 0 item(s) changed (0 write(s))");
        // Nothing was asked at the new place, neither as a GET nor as a PUT.
        assert!(
            server
                .requests()
                .iter()
                .all(|r| !r.path().starts_with("/moved")),
            "{status}"
        );
    }

    // 307 to the same server (a renamed repository answers so): the PUT goes there,
    // with its body and the token.
    let live = fake::live::Live::fresh();
    let state = live.state.clone();
    let server = Routes::new()
        .handler(std::sync::Arc::new(move |r: &fake::Recorded| {
            let mut s = state.lock().unwrap();
            if r.method == "PUT" && r.path() == path("/environments/pypi") {
                return Some(
                    Reply::json(307, &json!({}))
                        .header("Location", "{base}/repositories/1296269/environments/pypi"),
                );
            }
            let mut r = r.clone();
            if let Some(rest) = r.url.strip_prefix("/repositories/1296269") {
                r.url = format!("{}{rest}", path(""));
            }
            Some(fake::live::answer(&mut s, &r))
        }))
        .start();
    let mut env = server.github_env(TOKEN);
    env.push(("PYREL_HTTP_TIMEOUT_MS".into(), "2000".into()));
    let ran = run(dir.path(), &["github", "apply"], env, TOKEN);
    assert_eq!(ran.code, 0, "{}", ran.all());
    ran.has("changed      environment `pypi`");
    let followed: Vec<_> = server
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/repositories/1296269/environments/pypi")
        .collect();
    assert_eq!(followed.len(), 1);
    assert_eq!(followed[0].method, "PUT");
    assert_eq!(
        followed[0].header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    let body: Value = serde_json::from_str(&followed[0].body).unwrap();
    assert_eq!(
        body["deployment_branch_policy"]["custom_branch_policies"],
        true
    );
}

/// A release run, its URL carrying the token as the server reflects it.
fn run_body(status: &str, conclusion: Option<&str>, html_url: &str) -> Value {
    json!({
        "id": 77, "name": "Release", "node_id": "WFR_77", "head_branch": "v1.5.0",
        "head_sha": "sha-of:v1.5.0",
        "path": ".github/workflows/release.yml", "run_number": 3, "event": "push",
        "display_title": "Release 1.5.0", "status": status, "conclusion": conclusion,
        "workflow_id": 159038, "run_attempt": 1,
        "url": "https://api.github.com/repos/octocat/Hello-World/actions/runs/77",
        "html_url": html_url,
        "created_at": "2026-01-01T00:00:00Z", "updated_at": "2026-01-01T00:01:00Z",
    })
}

/// The watch and verify lines print the run's and the release's URLs from the server
/// with the token masked, whatever its spelling.
#[test]
fn a_token_reflected_in_the_run_url_is_masked_on_the_watch_line() {
    let repo = released_repo();
    let s = spellings(ODD_TOKEN);
    let run_url = format!(
        "https://github.com/octocat/Hello-World/actions/runs/77?t={}&u={}",
        s[1], s[3]
    );
    let runs = |runs: Vec<Value>| {
        Reply::json(
            200,
            &json!({"total_count": runs.len(), "workflow_runs": runs}),
        )
    };
    // An unprotected `main`, released with `--direct`; the run reports the tag's commit.
    let gh = Routes::new()
        .rewrite(crate::release_flow::tag_commits(repo.remote_path.clone()))
        .route(
            "GET",
            &path("/branches/main"),
            Reply::json(200, &crate::release_flow::branch_body(false)),
        )
        .route(
            "GET",
            &path("/branches/main/protection"),
            Reply::error(404, "Branch not protected"),
        )
        .route("GET", &path("/rules/branches/main"), Reply::json(200, &json!([])))
        .route(
            "GET",
            &path("/commits/*"),
            check_runs_page(
                vec![check_run(4, "build", "success", "https://github.com/octocat/Hello-World/runs/4")],
                1,
            ),
        )
        .route_seq(
            "GET",
            &path("/actions/runs"),
            vec![runs(vec![run_body("in_progress", None, &run_url)])],
        )
        .route(
            "GET",
            &path("/actions/runs/77"),
            Reply::json(200, &run_body("completed", Some("success"), &run_url)),
        )
        .route(
            "GET",
            &path("/actions/runs/77/pending_deployments"),
            Reply::json(200, &json!([])),
        )
        .route(
            "GET",
            &path("/releases/tags/v1.5.0"),
            Reply::json(
                200,
                &json!({"id": 1, "tag_name": "v1.5.0", "name": "1.5.0", "draft": false, "prerelease": false,
                    "html_url": format!("https://github.com/octocat/Hello-World/releases/tag/v1.5.0?token={ODD_TOKEN}")}),
            ),
        )
        .start();
    let index = Routes::new()
        .route_seq(
            "GET",
            "/pypi/widgets/json",
            vec![
                Reply::json(200, &pypi::project_body("widgets", &["1.4.0"])),
                Reply::json(200, &pypi::project_body("widgets", &["1.4.0", "1.5.0"])),
            ],
        )
        .start();
    let ran = run(
        repo.dir.path(),
        &["release", "minor", "--direct", "--skip-check"],
        release_env(&gh, &index, ODD_TOKEN),
        ODD_TOKEN,
    );
    assert_eq!(ran.code, 0, "{}", ran.all());
    ran.has(
        "watch: release run https://github.com/octocat/Hello-World/actions/runs/77?t=***&u=***",
    );
    ran.has("verify: GitHub Release v1.5.0: https://github.com/octocat/Hello-World/releases/tag/v1.5.0?token=***");
}

/// Doctor on a list without end: `unknown`, never a decision on the pages it read.
#[test]
fn an_endless_environment_list_is_unknown_in_doctor() {
    let dir = apply_repo();
    let gh = fake::github::all_good()
        .handler(std::sync::Arc::new(|r: &fake::Recorded| {
            (r.path() == path("/environments")).then(|| {
                let page: u64 = r
                    .url
                    .rsplit("page=")
                    .next()
                    .and_then(|p| p.parse().ok())
                    .unwrap_or(1);
                Reply::json(200, &fake::github::environments_body(&["pypi", "testpypi"])).header(
                    "Link",
                    &format!(
                        "<{{base}}{}?per_page=100&page={}>; rel=\"next\"",
                        r.path(),
                        page + 1
                    ),
                )
            })
        }))
        .start();
    let mut env = gh.github_env(TOKEN);
    env.push(("PYREL_NO_GH".into(), "1".into()));
    let ran = run(
        dir.path(),
        &[
            "doctor",
            "--format",
            "json",
            "--select",
            "github-environments",
            "--timeout",
            "2000",
        ],
        env,
        TOKEN,
    );
    let report: Value = serde_json::from_str(&ran.stdout).unwrap();
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "github-environments")
        .unwrap();
    assert_eq!(check["status"], "unknown", "{check}");
    assert!(
        check["reason"]
            .as_str()
            .unwrap()
            .contains("GET /repos/octocat/Hello-World/environments: the list was not read to its end (more than 20 pages of 100)"),
        "{check}"
    );
}
