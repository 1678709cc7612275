//! `pyrel github apply` against a stateful fake GitHub on 127.0.0.1 (`fake::live`): the
//! writes a fresh repository gets, idempotence, `--dry-run`, each error status, token
//! mode's secrets, and `pyrel doctor` passing afterwards against the same server.

use crate::common;
use crate::fake;

use std::path::Path;

use common::{fixture, git, pyrel};
use fake::github::{path, TOKEN};
use fake::live::Live;
use fake::{FakeServer, Recorded, Reply};
use serde_json::{json, Value};

/// The uv workspace after `pyrel init --yes`, its origin the fake's repository.
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

const REVIEWERS: &str = "reviewers=[\"octocat\", \"octo-org/release-team\"]";

struct Ran {
    code: i32,
    stdout: String,
    stderr: String,
}

fn apply(dir: &Path, server: &FakeServer, extra: &[&str]) -> Ran {
    let out = pyrel(dir)
        .args(["github", "apply"])
        .args(extra)
        .envs(server.github_env(TOKEN))
        .env("PYREL_HTTP_TIMEOUT_MS", "2000")
        .output()
        .expect("run pyrel");
    let ran = Ran {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).expect("utf-8"),
        stderr: String::from_utf8(out.stderr).expect("utf-8"),
    };
    assert!(
        !ran.stdout.contains(TOKEN) && !ran.stderr.contains(TOKEN),
        "the token leaked:\n{}\n{}",
        ran.stdout,
        ran.stderr
    );
    ran
}

fn writes(requests: &[Recorded]) -> Vec<(String, String)> {
    requests
        .iter()
        .filter(|r| r.method != "GET")
        .map(|r| (r.method.clone(), r.path().to_owned()))
        .collect()
}

fn body_of(requests: &[Recorded], method: &str, p: &str) -> Value {
    let r = requests
        .iter()
        .find(|r| r.method == method && r.path() == p)
        .unwrap_or_else(|| panic!("no {method} {p}"));
    serde_json::from_str(&r.body).expect("JSON body")
}

fn s(method: &str, p: &str) -> (String, String) {
    (method.to_owned(), p.to_owned())
}

/// Every request the binary made went to the fake on 127.0.0.1 with the token.
fn all_local_and_authenticated(server: &FakeServer) {
    assert!(server.url().starts_with("http://127.0.0.1:"));
    for r in server.requests() {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str()),
            "{} {}",
            r.method,
            r.url
        );
    }
}

fn doctor_github_checks(dir: &Path, server: &FakeServer) -> (Value, i32) {
    let out = pyrel(dir)
        .args([
            "doctor",
            "--format",
            "json",
            "--select",
            "github-environments,github-secrets,branch-protection",
            "--timeout",
            "2000",
        ])
        .envs(server.github_env(TOKEN))
        .output()
        .expect("run doctor");
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(!stdout.contains(TOKEN));
    (
        serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}")),
        out.status.code().unwrap(),
    )
}

#[test]
fn fresh_repository_gets_exactly_the_expected_writes_and_doctor_passes_after() {
    let dir = repo(&[REVIEWERS]);
    let live = Live::fresh();
    let server = live.routes().start();

    // Before: doctor finds the environments and the protection missing.
    let (before, code) = doctor_github_checks(dir.path(), &server);
    assert_eq!(code, 1, "{before}");
    // ... and its hint names the command that fixes it.
    assert!(
        before["findings"].as_array().unwrap().iter().any(|f| {
            f["name"] == "github-environments"
                && f["hint"]
                    .as_str()
                    .unwrap_or("")
                    .contains("`pyrel github apply`")
        }),
        "{before}"
    );

    let before_apply = server.requests().len();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let requests = server.requests()[before_apply..].to_vec();
    assert_eq!(
        writes(&requests),
        vec![
            s("PUT", &path("/environments/pypi")),
            s(
                "POST",
                &path("/environments/pypi/deployment-branch-policies")
            ),
            s("PUT", &path("/environments/testpypi")),
            s(
                "POST",
                &path("/environments/testpypi/deployment-branch-policies")
            ),
            s("PUT", &path("/branches/main/protection")),
            s("POST", &path("/rulesets")),
        ]
    );
    assert_eq!(
        body_of(&requests, "PUT", &path("/environments/pypi")),
        json!({
            "deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true},
            "prevent_self_review": true,
            "reviewers": [{"type": "User", "id": 1}, {"type": "Team", "id": 7}],
        })
    );
    assert_eq!(
        body_of(
            &requests,
            "POST",
            &path("/environments/pypi/deployment-branch-policies")
        ),
        json!({"name": "v*", "type": "tag"})
    );
    let protection_file: Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join(".github/branch-protection.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(
        body_of(&requests, "PUT", &path("/branches/main/protection")),
        protection_file
    );
    let ruleset = body_of(&requests, "POST", &path("/rulesets"));
    assert_eq!(ruleset["target"], "tag");
    assert_eq!(
        ruleset["conditions"]["ref_name"]["include"],
        json!(["refs/tags/v*"])
    );
    assert!(ran
        .stdout
        .contains("summary: 4 item(s) changed (6 write(s)), 0 unchanged"));
    all_local_and_authenticated(&server);

    // After: the same server passes doctor's GitHub checks.
    let (after, code) = doctor_github_checks(dir.path(), &server);
    for name in ["github-environments", "github-secrets", "branch-protection"] {
        let c = after["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap();
        assert_eq!(c["status"], "pass", "{c}");
    }
    assert_eq!(after["summary"]["warnings"], 0, "{after}");
    assert_eq!(code, 0, "{after}");
}

#[test]
fn a_second_apply_sends_no_write() {
    let dir = repo(&[REVIEWERS]);
    let live = Live::fresh();
    let server = live.routes().start();
    assert_eq!(apply(dir.path(), &server, &[]).code, 0);
    let first = server.requests().len();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let second = server.requests()[first..].to_vec();
    assert!(!second.is_empty());
    assert_eq!(writes(&second), Vec::<(String, String)>::new());
    assert!(
        ran.stdout
            .contains("summary: 0 item(s) changed (0 write(s)), 4 unchanged"),
        "{}",
        ran.stdout
    );
}

/// `github apply` prints through the never-panicking stdout: on a full disk the dry run
/// ends with exit 2 naming the failed write, not a panic, and sends no write.
#[test]
fn dry_run_on_a_full_stdout_does_not_panic() {
    let dir = repo(&[REVIEWERS]);
    let live = Live::fresh();
    let server = live.routes().start();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("pyrel"))
        .current_dir(dir.path())
        .args(["github", "apply", "--dry-run"])
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .envs(server.github_env(TOKEN))
        .env("PYREL_HTTP_TIMEOUT_MS", "2000")
        .stdout(full)
        .output()
        .expect("run pyrel");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("could not write"), "{stderr}");
    assert_eq!(writes(&server.requests()), Vec::<(String, String)>::new());
}

#[test]
fn dry_run_prints_every_write_and_sends_none() {
    let dir = repo(&[REVIEWERS]);
    let live = Live::fresh();
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &["--dry-run"]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(writes(&server.requests()), Vec::<(String, String)>::new());
    for line in [
        "would send PUT /repos/octocat/Hello-World/environments/pypi".to_owned(),
        "would send POST /repos/octocat/Hello-World/environments/pypi/deployment-branch-policies"
            .to_owned(),
        "would send PUT /repos/octocat/Hello-World/environments/testpypi".to_owned(),
        "would send PUT /repos/octocat/Hello-World/branches/main/protection".to_owned(),
        "would send POST /repos/octocat/Hello-World/rulesets".to_owned(),
        "\"custom_branch_policies\": true".to_owned(),
        "\"name\": \"pyrel: release tags\"".to_owned(),
        "dry run: 6 write(s) not sent".to_owned(),
    ] {
        assert!(ran.stdout.contains(&line), "{line}:\n{}", ran.stdout);
    }
    // Nothing changed on the server.
    live.with(|s| {
        assert!(s.envs.is_empty() && s.protection.is_none() && s.rulesets.is_empty());
    });
    // After a real apply, a dry run has nothing to show.
    assert_eq!(apply(dir.path(), &server, &[]).code, 0);
    let ran = apply(dir.path(), &server, &["--dry-run"]);
    assert!(!ran.stdout.contains("would send"), "{}", ran.stdout);
    assert!(ran.stdout.contains("dry run: 0 write(s) not sent"));
}

#[test]
fn a_repository_on_rulesets_gets_a_branch_ruleset_not_classic_protection() {
    let dir = repo(&[REVIEWERS]);
    let live = Live::fresh();
    live.with(|s| {
        s.rulesets.push(json!({
            "id": 42, "name": "house rules", "target": "branch", "source_type": "Repository",
            "source": "octocat/Hello-World", "enforcement": "active", "node_id": "RRS_42",
            "bypass_actors": [],
            "conditions": {"ref_name": {"include": ["refs/heads/release/*"], "exclude": []}},
            "rules": [{"type": "creation"}],
        }));
    });
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let w = writes(&server.requests());
    assert!(
        !w.contains(&s("PUT", &path("/branches/main/protection"))),
        "{w:?}"
    );
    assert_eq!(
        w.iter()
            .filter(|x| **x == s("POST", &path("/rulesets")))
            .count(),
        2,
        "{w:?}"
    );
    let (report, code) = doctor_github_checks(dir.path(), &server);
    assert_eq!(code, 0, "{report}");
    let n = server.requests().len();
    assert_eq!(apply(dir.path(), &server, &[]).code, 0);
    assert_eq!(
        writes(&server.requests()[n..]),
        Vec::<(String, String)>::new()
    );
}

#[test]
fn forbidden_names_administration_write_and_lists_what_was_not_applied() {
    let dir = repo(&[REVIEWERS]);
    let live = Live::fresh();
    live.fail(
        "PUT",
        "/branches/main/protection",
        Reply::error(403, "Resource not accessible by integration")
            .header("X-Accepted-GitHub-Permissions", "administration=write"),
    );
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 1, "{}", ran.stdout);
    for needle in [
        "changed      environment `pypi`",
        "changed      environment `testpypi`",
        "failed       protection of `main`: PUT /repos/octocat/Hello-World/branches/main/protection: 403 Forbidden: the token lacks the `administration: write` repository permission",
        "Resource not accessible by integration",
        "not applied  release tag ruleset",
        "summary: 2 item(s) changed (4 write(s)), 0 unchanged, 1 failed, 1 not applied",
    ] {
        assert!(ran.stdout.contains(needle), "{needle}:\n{}", ran.stdout);
    }
    // Nothing after the failure was sent.
    assert!(!writes(&server.requests()).contains(&s("POST", &path("/rulesets"))));
}

#[test]
fn a_repository_the_token_cannot_see_is_a_404_with_nothing_written() {
    let dir = repo(&[]);
    let live = Live::fresh();
    live.fail("GET", "", Reply::error(404, "Not Found"));
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stdout
            .contains("GET /repos/octocat/Hello-World: 404 Not Found: it does not exist, or the token cannot see it"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("not applied  environment `testpypi`"));
    assert_eq!(writes(&server.requests()), Vec::<(String, String)>::new());
}

#[test]
fn unprocessable_shows_githubs_message() {
    let dir = repo(&[]);
    let live = Live::fresh();
    live.fail(
        "POST",
        "/rulesets",
        Reply::json(
            422,
            &json!({"message": "Validation Failed", "errors": ["Invalid rule 'update': tag rulesets are not available"], "documentation_url": "https://docs.github.com/rest"}),
        ),
    );
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stdout.contains("failed       release tag ruleset: POST /repos/octocat/Hello-World/rulesets: 422 Unprocessable Entity: GitHub refused the request: Validation Failed: Invalid rule 'update': tag rulesets are not available"),
        "{}",
        ran.stdout
    );
}

#[test]
fn rate_limits_are_waited_out_or_reported() {
    // A short Retry-After is honoured: the request is retried and the run completes.
    let dir = repo(&[]);
    let live = Live::fresh();
    let limited = Reply::error(429, "API rate limit exceeded")
        .header("Retry-After", "1")
        .header("x-ratelimit-remaining", "0");
    let server = live.routes().first_requests(vec![limited]).start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let requests = server.requests();
    assert_eq!(
        requests[0].path(),
        requests[1].path(),
        "the limited request is retried"
    );

    // An exhausted quota stops the run with the reset time.
    let server = Live::fresh()
        .routes()
        .always(
            Reply::error(403, "API rate limit exceeded for user ID 1.")
                .header("x-ratelimit-remaining", "0")
                .header("x-ratelimit-reset", "1700000000"),
        )
        .start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 1);
    assert!(
        ran.stdout
            .contains("rate limited; the quota resets at 2023-11-14T22:13:20Z"),
        "{}",
        ran.stdout
    );
    assert_eq!(server.requests().len(), 1, "no request after the limit");
}

#[test]
fn token_mode_lists_missing_secrets_with_the_command_never_a_value() {
    let dir = repo(&["publish=token"]);
    let live = Live::fresh();
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 1, "{}", ran.stdout);
    assert!(ran.stdout.contains(
        "secret PYPI_API_TOKEN in environment `pypi`: set it with `gh secret set PYPI_API_TOKEN --env pypi --repo octocat/Hello-World`"
    ));
    assert!(ran
        .stdout
        .contains("gh secret set TEST_PYPI_API_TOKEN --env testpypi"));
    // Once the secrets are set, nothing is left to do.
    live.with(|s| {
        s.envs.get_mut("pypi").unwrap().secrets = vec!["PYPI_API_TOKEN".into()];
        s.envs.get_mut("testpypi").unwrap().secrets = vec!["TEST_PYPI_API_TOKEN".into()];
    });
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    assert!(!ran.stdout.contains("gh secret set"));
}

#[test]
fn bad_inputs_stop_before_any_request() {
    let dir = repo(&[]);
    std::fs::write(
        dir.path().join(".github/branch-protection.json"),
        "{\n  \"enforce_admins\": true,\n  oops\n}\n",
    )
    .unwrap();
    let server = Live::fresh().routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 2);
    assert!(
        ran.stderr.contains(".github/branch-protection.json:3:"),
        "{}",
        ran.stderr
    );
    assert!(server.requests().is_empty());

    // An unknown reviewer is refused before any write.
    let dir = repo(&["reviewers=[\"nobody-here\"]"]);
    let server = Live::fresh().routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    assert!(
        ran.stderr
            .contains("policy `reviewers`: `nobody-here`: no such GitHub user"),
        "{}",
        ran.stderr
    );
    assert_eq!(writes(&server.requests()), Vec::<(String, String)>::new());

    // An organization is not a reviewer: its teams are.
    let dir = repo(&["reviewers=[\"octo-org\"]"]);
    let server = Live::fresh().routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 2, "{}", ran.stdout);
    assert!(ran
        .stderr
        .contains("policy `reviewers`: `octo-org` is an organization, not a user"));
    assert_eq!(writes(&server.requests()), Vec::<(String, String)>::new());

    // No token: a usage error, no request.
    let server = Live::fresh().routes().start();
    let out = pyrel(dir.path())
        .args(["github", "apply"])
        .env("GITHUB_API_URL", server.url())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no GitHub token"));
    assert!(server.requests().is_empty());
}

#[test]
fn only_the_difference_is_written_and_hand_set_reviewers_stay() {
    // `pypi` is already right (a hand-set reviewer, tags only, `v*`); the policy names no
    // reviewer, so the reviewer stays and `pypi` gets no write at all.
    let dir = repo(&[]);
    let live = Live::fresh();
    live.with(|s| {
        s.envs.insert(
            "pypi".into(),
            fake::live::Env {
                id: 500,
                reviewers: vec![("User".into(), 2)],
                policy: Some((false, true)),
                branch_policies: vec![(501, "v*".into(), "tag".into())],
                ..Default::default()
            },
        );
        // `testpypi` exists but lets any branch deploy.
        s.envs.insert(
            "testpypi".into(),
            fake::live::Env {
                id: 600,
                ..Default::default()
            },
        );
    });
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 0, "{}", ran.stdout);
    let w = writes(&server.requests());
    assert!(
        !w.iter().any(|(_, p)| p.contains("/environments/pypi")),
        "{w:?}"
    );
    assert_eq!(
        body_of(&server.requests(), "PUT", &path("/environments/testpypi")),
        json!({"deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true}})
    );
    assert!(ran
        .stdout
        .contains("unchanged    environment `pypi`: already as expected"));
    assert!(ran.stdout.contains(
        "changed      environment `testpypi`: deployments limited to selected tags; tag rule `v*` added"
    ), "{}", ran.stdout);
    live.with(|s| assert_eq!(s.envs["pypi"].reviewers, vec![("User".to_owned(), 2)]));
}

#[test]
fn independent_versioning_gets_one_tag_rule_per_package() {
    let dir = repo(&[
        REVIEWERS,
        "versioning=independent",
        "tag-format={name}-v{version}",
    ]);
    let live = Live::fresh();
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let mut rules: Vec<String> = live.with(|s| {
        s.envs["pypi"]
            .branch_policies
            .iter()
            .map(|(_, name, kind)| format!("{kind}:{name}"))
            .collect()
    });
    rules.sort();
    assert!(rules.len() >= 2, "{rules:?}");
    assert!(
        rules
            .iter()
            .all(|r| r.starts_with("tag:") && r.ends_with("-v*")),
        "{rules:?}"
    );
    assert!(
        rules.contains(&"tag:dashboard-core-v*".to_owned()),
        "{rules:?}"
    );
    let ruleset = body_of(&server.requests(), "POST", &path("/rulesets"));
    assert_eq!(
        ruleset["conditions"]["ref_name"]["include"]
            .as_array()
            .unwrap()
            .len(),
        rules.len()
    );
    let (report, code) = doctor_github_checks(dir.path(), &server);
    assert_eq!(code, 0, "{report}");
}

#[test]
fn a_failure_inside_an_item_reports_the_part_already_applied() {
    // The environment is created, then adding its tag rule is refused.
    let dir = repo(&[]);
    let live = Live::fresh();
    live.fail(
        "POST",
        "/environments/pypi/deployment-branch-policies",
        Reply::error(422, "Validation Failed"),
    );
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 1);
    for needle in [
        "changed      environment `pypi`: created, deployments limited to selected tags",
        "failed       environment `pypi`: POST /repos/octocat/Hello-World/environments/pypi/deployment-branch-policies: 422 Unprocessable Entity",
        "not applied  environment `testpypi`",
        "summary: 1 item(s) changed (1 write(s)), 0 unchanged, 1 failed, 3 not applied",
    ] {
        assert!(ran.stdout.contains(needle), "{needle}:\n{}", ran.stdout);
    }
}

#[test]
fn json_says_what_the_lines_say_and_quiet_keeps_only_what_needs_attention() {
    // --dry-run --format json: one document, every would-be write with its body, no line.
    let dir = repo(&[REVIEWERS]);
    let live = Live::fresh();
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &["--dry-run", "--format", "json"]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    common::validate_json_schema(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/github-apply-schema.json"),
        &ran.stdout,
    );
    let doc: Value = serde_json::from_str(&ran.stdout).expect("one JSON document");
    assert_eq!(doc["schema"], "pyrel-github-apply/1");
    assert_eq!(doc["repository"], "octocat/Hello-World");
    assert_eq!(doc["dry_run"], true);
    assert_eq!(doc["writes"], 6);
    let requests = doc["requests"].as_array().unwrap();
    assert_eq!(requests.len(), 6);
    assert!(requests.iter().any(|r| r["method"] == "POST"
        && r["path"] == "/repos/octocat/Hello-World/rulesets"
        && r["body"]["name"] == "pyrel: release tags"));
    assert!(doc["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|i| i["status"] == "would_change"));
    assert_eq!(writes(&server.requests()), Vec::<(String, String)>::new());

    // A failure in JSON: the item, GitHub's message, the hint, what was not applied.
    let live = Live::fresh();
    live.fail(
        "PUT",
        "/branches/main/protection",
        Reply::error(403, "Resource not accessible by integration")
            .header("X-Accepted-GitHub-Permissions", "administration=write"),
    );
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &["--format", "json"]);
    assert_eq!(ran.code, 1, "{}\n{}", ran.stdout, ran.stderr);
    let doc: Value = serde_json::from_str(&ran.stdout).expect("one JSON document");
    assert_eq!(doc["failure"]["item"], "protection of `main`");
    assert!(doc["failure"]["message"]
        .as_str()
        .unwrap()
        .contains("administration: write"));
    assert_eq!(doc["not_attempted"], json!(["release tag ruleset"]));
    assert_eq!(doc["requests"], json!([]));

    // -q: the failure, what was not applied and the summary; no item, no header.
    let live = Live::fresh();
    live.fail(
        "PUT",
        "/branches/main/protection",
        Reply::error(403, "Resource not accessible by integration"),
    );
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &["-q"]);
    assert_eq!(ran.code, 1);
    let lines: Vec<&str> = ran.stdout.lines().collect();
    assert!(
        lines[0].starts_with("failed       protection of `main`"),
        "{}",
        ran.stdout
    );
    assert!(ran.stdout.contains("not applied  release tag ruleset"));
    assert!(lines
        .last()
        .unwrap()
        .starts_with("summary: 2 item(s) changed"));
    for gone in ["github apply:", "changed ", "unchanged "] {
        assert!(
            !lines.iter().any(|l| l.starts_with(gone)),
            "{gone}:\n{}",
            ran.stdout
        );
    }
    // -q --dry-run: no request bodies, the summary line only.
    let server = Live::fresh().routes().start();
    let ran = apply(dir.path(), &server, &["-q", "--dry-run"]);
    assert_eq!(ran.code, 0);
    assert_eq!(
        ran.stdout.trim(),
        "dry run: 6 write(s) not sent; 4 item(s) would change, 0 already as expected"
    );
}

/// `pyrel release` pushes the release tag with the release manager's own credentials: the
/// tag ruleset apply creates keeps tags from moving or disappearing, but must not stop a
/// maintainer (no admin bypass needed) from creating one.
#[test]
fn the_tag_ruleset_lets_the_release_manager_create_release_tags() {
    let dir = repo(&[REVIEWERS]);
    let live = Live::fresh();
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &[]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    let body = body_of(&server.requests(), "POST", &path("/rulesets"));
    assert_eq!(body["target"], "tag");
    let rules: Vec<&str> = body["rules"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert!(
        rules.contains(&"update") && rules.contains(&"deletion"),
        "{rules:?}"
    );
    assert!(
        !rules.contains(&"creation"),
        "a `creation` rule would refuse the release tag push: {rules:?}"
    );
}

/// `-q` (issue 23): no per-item lines and no request bodies, only the summary line.
#[test]
fn quiet_apply_prints_only_its_summary() {
    let dir = repo(&[REVIEWERS]);
    let live = Live::fresh();
    let server = live.routes().start();
    let ran = apply(dir.path(), &server, &["-q", "--dry-run"]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(ran.stdout.lines().count(), 1, "{}", ran.stdout);
    assert!(
        ran.stdout.starts_with("dry run: 6 write(s) not sent"),
        "{}",
        ran.stdout
    );
    let ran = apply(dir.path(), &server, &["-q"]);
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert_eq!(ran.stdout.lines().count(), 1, "{}", ran.stdout);
    assert!(ran.stdout.starts_with("summary: "), "{}", ran.stdout);
}
