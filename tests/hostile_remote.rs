//! Remote answers that are not what GitHub and PyPI document, and redirects that try to
//! take the token elsewhere: the real binary against fakes on 127.0.0.1 (issue 8).

use crate::common;
use crate::fake;

use common::{fixture, git, pyrel};
use fake::github::{self as gh, path, TOKEN};
use fake::{pypi, Reply, Routes};
use serde_json::{json, Value};

/// The uv workspace in token mode, origin on the fake's repository.
fn repo() -> tempfile::TempDir {
    let dir = fixture("uv-workspace");
    pyrel(dir.path())
        .args([
            "init",
            "--yes",
            "--set",
            "required-checks=[\"build\"]",
            "--set",
            "publish=token",
        ])
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

fn doctor(dir: &std::path::Path, env: Vec<(String, String)>, select: &str) -> (Value, String) {
    let out = pyrel(dir)
        .args([
            "doctor",
            "--format",
            "json",
            "--timeout",
            "2000",
            "--select",
            select,
        ])
        .envs(env)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "token leaked"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let report: Value =
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout} {stderr}"));
    (report, stdout)
}

fn status(report: &Value, name: &str) -> String {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .map(|c| format!("{} {}", c["status"].as_str().unwrap(), c["reason"]))
        .unwrap_or_else(|| panic!("no check {name}: {report}"))
}

#[test]
fn malformed_200s_from_github_are_unknown_never_pass_or_fail() {
    let dir = repo();
    let index = pypi::project_missing().start();
    for body in [
        json!({}),
        json!([]),
        json!({"total_count": 1}),
        json!({"total_count": 1, "secrets": "PYPI_API_TOKEN"}),
        json!({"total_count": "x", "secrets": [{"name": "PYPI_API_TOKEN"}]}),
        json!({"total_count": 1, "secrets": [{"nom": "PYPI_API_TOKEN"}]}),
        json!({"total_count": 1, "secrets": [{}]}),
        json!({"total_count": 1, "secrets": [{"name": 7}]}),
        json!(null),
    ] {
        let mut routes = gh::all_good();
        for env in ["pypi", "testpypi"] {
            routes = routes.route(
                "GET",
                &path(&format!("/environments/{env}/secrets")),
                Reply::json(200, &body),
            );
        }
        let github = routes.start();
        let mut env = github.github_env(TOKEN);
        env.extend(index.pypi_env());
        let (report, _) = doctor(dir.path(), env, "github-secrets");
        let s = status(&report, "github-secrets");
        assert!(s.starts_with("unknown"), "{body}: {s}");
    }
}

#[test]
fn malformed_200s_from_pypi_are_unknown() {
    let dir = repo();
    for body in [
        json!({}),
        json!([]),
        json!({"info": {}}),
        json!({"info": {"version": 3}, "releases": {}}),
        json!({"releases": {"9.9.9": []}}),
    ] {
        let index = Routes::new()
            .route("GET", "/pypi/dashboard-core/json", Reply::json(200, &body))
            .start();
        let (report, _) = doctor(dir.path(), index.pypi_env(), "pypi-version");
        let s = status(&report, "pypi-version");
        assert!(s.starts_with("unknown"), "{body}: {s}");
    }
}

#[test]
fn the_token_is_not_resent_on_a_redirect_to_another_port() {
    let dir = repo();
    let index = pypi::project_missing().start();
    let elsewhere = Routes::new()
        .always(Reply::json(200, &gh::secrets_body(&["PYPI_API_TOKEN"])))
        .start();
    let github = gh::all_good()
        .route(
            "GET",
            &path("/environments/pypi/secrets"),
            Reply::json(302, &json!({})).header(
                "Location",
                &format!("{}/collect?from=pyrel", elsewhere.url()),
            ),
        )
        .start();
    let mut env = github.github_env(TOKEN);
    env.extend(index.pypi_env());
    let (report, _) = doctor(dir.path(), env, "github-secrets");
    let seen = elsewhere.requests();
    assert!(!seen.is_empty(), "the redirect was not followed: {report}");
    for r in &seen {
        assert_eq!(
            r.header("authorization"),
            None,
            "token re-sent to {}",
            r.url
        );
    }
    // On the first origin the token is still sent.
    assert!(github
        .requests()
        .iter()
        .all(|r| r.header("authorization").is_some()));
}

#[test]
fn a_same_origin_redirect_keeps_the_token() {
    let dir = repo();
    let index = pypi::project_missing().start();
    let github = gh::all_good()
        .route(
            "GET",
            &path("/environments/pypi/secrets"),
            Reply::json(301, &json!({})).header("Location", "/moved/pypi/secrets"),
        )
        .route(
            "GET",
            "/moved/pypi/secrets",
            Reply::json(200, &gh::secrets_body(&["PYPI_API_TOKEN"])),
        )
        .start();
    let mut env = github.github_env(TOKEN);
    env.extend(index.pypi_env());
    let (report, _) = doctor(dir.path(), env, "github-secrets");
    let moved: Vec<_> = github
        .requests()
        .into_iter()
        .filter(|r| r.path() == "/moved/pypi/secrets")
        .collect();
    assert_eq!(moved.len(), 1, "{report}");
    assert!(moved[0].header("authorization").is_some());
}

#[test]
fn long_error_bodies_carrying_the_token_are_redacted_before_the_cut() {
    let dir = repo();
    let index = pypi::project_missing().start();
    // The token straddles the 300-character cut of error messages.
    let message = format!("{}{TOKEN} trailing", "x ".repeat(140));
    let github = gh::all_good()
        .route(
            "GET",
            &path("/environments/pypi/secrets"),
            Reply::json(500, &json!({ "message": message })),
        )
        .start();
    let mut env = github.github_env(TOKEN);
    env.extend(index.pypi_env());
    let (report, stdout) = doctor(dir.path(), env, "github-secrets");
    assert!(!stdout.contains("ghp_FAKE"), "{stdout}");
    assert!(status(&report, "github-secrets").starts_with("unknown"));
}

#[test]
fn malformed_environments_and_protection_are_unknown() {
    let dir = repo();
    let index = pypi::project_missing().start();
    for body in [
        json!({}),
        json!([]),
        json!({"id": "x", "name": 3}),
        json!("pypi"),
    ] {
        let mut routes = gh::all_good()
            .route(
                "GET",
                &path(&format!("/branches/{}/protection", gh::BRANCH)),
                Reply::json(200, &body),
            )
            .route("GET", &path("/environments"), Reply::json(200, &body));
        for env in ["pypi", "testpypi"] {
            routes = routes.route(
                "GET",
                &path(&format!("/environments/{env}")),
                Reply::json(200, &body),
            );
        }
        let github = routes.start();
        let mut env = github.github_env(TOKEN);
        env.extend(index.pypi_env());
        let (report, _) = doctor(dir.path(), env, "github-environments,branch-protection");
        for check in ["github-environments", "branch-protection"] {
            let s = status(&report, check);
            assert!(s.starts_with("unknown"), "{body}: {check}: {s}");
        }
    }
}
