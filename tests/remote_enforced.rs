//! What GitHub enforces, read whole: a ruleset's bypass actors, every deployment rule of
//! the publishing environment. `pyrel doctor` fails what does not hold for everyone;
//! `pyrel github apply` removes the branch rules and bypass actors it did not ask for,
//! printing each (and `--dry-run` shows them). Against the stateful fake on 127.0.0.1.

use crate::common;
use crate::fake;

use std::path::Path;

use common::{fixture, git, pyrel};
use fake::github::{path, TOKEN};
use fake::live::{Env, Live};
use fake::FakeServer;
use serde_json::{json, Value};

/// The uv workspace after `pyrel init --yes`, its origin the fake's repository.
fn repo() -> tempfile::TempDir {
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

fn pyrel_against(dir: &Path, server: &FakeServer, args: &[&str]) -> Ran {
    let out = pyrel(dir)
        .args(args)
        .envs(server.github_env(TOKEN))
        .env("PYREL_HTTP_TIMEOUT_MS", "2000")
        .output()
        .unwrap();
    let ran = Ran {
        code: out.status.code().expect("exit code"),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    };
    assert!(
        !ran.all().contains(TOKEN),
        "the token leaked:\n{}",
        ran.all()
    );
    assert!(!ran.all().contains("panicked"), "{}", ran.all());
    ran
}

/// `(status, reason, messages)` of a doctor check, from its JSON report.
fn doctor_check(dir: &Path, server: &FakeServer, check: &str) -> (String, String, Vec<String>) {
    let ran = pyrel_against(
        dir,
        server,
        &[
            "doctor",
            "--format",
            "json",
            "--timeout",
            "2000",
            "--select",
            check,
        ],
    );
    let report: Value =
        serde_json::from_str(&ran.stdout).unwrap_or_else(|e| panic!("{e}: {}", ran.all()));
    let c = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == check)
        .unwrap_or_else(|| panic!("no {check}: {report}"));
    let messages = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect();
    (
        c["status"].as_str().unwrap().to_owned(),
        c["reason"].as_str().unwrap_or_default().to_owned(),
        messages,
    )
}

/// Environments as `github apply` leaves them, with extra deployment rules.
fn environments(live: &Live, pypi_rules: &[(&str, &str)]) {
    live.with(|s| {
        for (i, name) in ["pypi", "testpypi"].into_iter().enumerate() {
            let mut rules = vec![(500 + i as u64 * 10, "v*".to_owned(), "tag".to_owned())];
            if name == "pypi" {
                rules.extend(
                    pypi_rules
                        .iter()
                        .enumerate()
                        .map(|(j, (n, k))| (600 + j as u64, (*n).to_owned(), (*k).to_owned())),
                );
            }
            s.envs.insert(
                name.to_owned(),
                Env {
                    id: 100 + i as u64,
                    reviewers: vec![("User".into(), 1)],
                    policy: Some((false, true)),
                    branch_policies: rules,
                    ..Env::default()
                },
            );
        }
    });
}

/// A branch ruleset on `main` with every rule pyrel's protection file asks for, and
/// these bypass actors.
fn branch_ruleset(bypass: Value) -> Value {
    json!({
        "id": 42, "name": "main rules", "target": "branch", "source_type": "Repository",
        "source": "octocat/Hello-World", "enforcement": "active", "node_id": "RRS_42",
        "bypass_actors": bypass,
        "conditions": {"ref_name": {"include": ["~DEFAULT_BRANCH"], "exclude": []}},
        "rules": [
            {"type": "deletion"},
            {"type": "non_fast_forward"},
            {"type": "pull_request", "parameters": {
                "required_approving_review_count": 1, "dismiss_stale_reviews_on_push": true,
                "require_code_owner_review": false, "require_last_push_approval": false,
                "required_review_thread_resolution": false}},
            {"type": "required_status_checks", "parameters": {
                "strict_required_status_checks_policy": true,
                "required_status_checks": [{"context": "build"}]}}
        ]
    })
}

#[test]
fn an_admin_bypass_on_the_only_ruleset_fails_applies_to_admins() {
    let dir = repo();
    let live = Live::fresh();
    live.with(|s| {
        s.rulesets.push(branch_ruleset(json!([
            {"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"}
        ])))
    });
    let server = live.routes().start();
    let (status, _, messages) = doctor_check(dir.path(), &server, "branch-protection");
    assert_eq!(status, "fail", "{messages:?}");
    assert_eq!(
        messages,
        ["`main`'s protection does not apply to admins: ruleset `main rules` lets the admin role bypass it"]
    );
    // The ruleset itself was read: the rules-for-a-branch answer has no bypass list.
    assert_eq!(server.hits("GET", &path("/rulesets/42")), 1);

    // The same ruleset without the bypass holds for everyone.
    let live = Live::fresh();
    live.with(|s| s.rulesets.push(branch_ruleset(json!([]))));
    let server = live.routes().start();
    let (status, reason, messages) = doctor_check(dir.path(), &server, "branch-protection");
    assert_eq!(status, "pass", "{reason} {messages:?}");

    // A bypass list the token cannot see is no pass either.
    let live = Live::fresh();
    live.with(|s| {
        let mut r = branch_ruleset(json!([]));
        r.as_object_mut().unwrap().remove("bypass_actors");
        s.rulesets.push(r);
    });
    let server = live.routes().start();
    let (status, reason, _) = doctor_check(dir.path(), &server, "branch-protection");
    assert_eq!(status, "unknown", "{reason}");
    assert!(
        reason.contains("bypass actors the token cannot see"),
        "{reason}"
    );
}

#[test]
fn a_branch_rule_beside_the_tag_rule_fails_and_apply_removes_it() {
    let dir = repo();
    let live = Live::fresh();
    environments(&live, &[("*", "branch"), ("*", "tag")]);
    let server = live.routes().start();
    let (status, _, messages) = doctor_check(dir.path(), &server, "github-environments");
    assert_eq!(status, "fail");
    assert_eq!(
        messages,
        [
            "environment `pypi` deploys from more than release tags: its branch rule `*` lets a branch deploy",
            "environment `pypi` deploys from more than release tags: its tag rule `*` also lets a tag like `latest` deploy",
        ]
    );

    // --dry-run shows the two removals and sends nothing.
    let ran = pyrel_against(dir.path(), &server, &["github", "apply", "--dry-run"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    ran.has("would send DELETE /repos/octocat/Hello-World/environments/pypi/deployment-branch-policies/600");
    ran.has("would send DELETE /repos/octocat/Hello-World/environments/pypi/deployment-branch-policies/601");
    assert!(server.requests().iter().all(|r| r.method == "GET"));

    let ran = pyrel_against(dir.path(), &server, &["github", "apply"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    ran.has("changed      environment `pypi`: branch rule `*` lets a branch deploy: removed; tag rule `*` also lets a tag like `latest` deploy: removed");
    let deletes: Vec<String> = server
        .requests()
        .iter()
        .filter(|r| r.method == "DELETE")
        .map(|r| r.path().to_owned())
        .collect();
    assert_eq!(
        deletes,
        [
            path("/environments/pypi/deployment-branch-policies/600"),
            path("/environments/pypi/deployment-branch-policies/601"),
        ]
    );
    live.with(|s| {
        let names: Vec<&str> = s.envs["pypi"]
            .branch_policies
            .iter()
            .map(|(_, n, _)| n.as_str())
            .collect();
        assert_eq!(names, ["v*"]);
    });
    let (status, reason, messages) = doctor_check(dir.path(), &server, "github-environments");
    assert_eq!(status, "pass", "{reason} {messages:?}");
    // A second apply has nothing left to remove.
    let ran = pyrel_against(dir.path(), &server, &["github", "apply"]);
    ran.has("unchanged    environment `pypi`: already as expected");
}

#[test]
fn apply_removes_bypass_actors_it_did_not_ask_for_from_its_ruleset() {
    let dir = repo();
    let live = Live::fresh();
    environments(&live, &[]);
    let first = pyrel_against(dir.path(), &live.routes().start(), &["github", "apply"]);
    assert_eq!(first.code, 0, "{}", first.all());
    // Someone lets admins and an app bypass pyrel's tag ruleset by hand.
    live.with(|s| {
        let r = s
            .rulesets
            .iter_mut()
            .find(|r| r["name"] == "pyrel: release tags")
            .expect("the tag ruleset");
        r["bypass_actors"] = json!([
            {"actor_id": 5, "actor_type": "RepositoryRole", "bypass_mode": "always"},
            {"actor_id": 811, "actor_type": "Integration", "bypass_mode": "pull_request"}
        ]);
    });
    let server = live.routes().start();
    let ran = pyrel_against(dir.path(), &server, &["github", "apply", "--dry-run"]);
    ran.has("would change release tag ruleset: tag ruleset `pyrel: release tags` updated (bypass actor(s) removed: admin role (always), Integration 811 (pull_request))");
    let ran = pyrel_against(dir.path(), &server, &["github", "apply"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    ran.has("changed      release tag ruleset: tag ruleset `pyrel: release tags` updated (bypass actor(s) removed: admin role (always), Integration 811 (pull_request))");
    live.with(|s| {
        let r = s
            .rulesets
            .iter()
            .find(|r| r["name"] == "pyrel: release tags")
            .unwrap();
        assert_eq!(r["bypass_actors"], json!([]));
    });
    let ran = pyrel_against(dir.path(), &server, &["github", "apply"]);
    ran.has("unchanged    release tag ruleset: already as expected");
}

/// A deployment rule named by the server with escape sequences, a line break and a
/// token: doctor and apply print it escaped and masked, in every format.
#[test]
fn server_named_rules_are_printed_escaped_and_masked() {
    let dir = repo();
    let live = Live::fresh();
    let name = format!("\u{1b}[32mok\u{1b}[0m\nreleased v9 {TOKEN}");
    environments(&live, &[(name.as_str(), "branch")]);
    let server = live.routes().start();
    let (status, _, messages) = doctor_check(dir.path(), &server, "github-environments");
    assert_eq!(status, "fail");
    assert_eq!(
        messages,
        ["environment `pypi` deploys from more than release tags: its branch rule `\\u001b[32mok\\u001b[0m\\u000areleased v9 ***` lets a branch deploy"]
    );
    for format in ["terminal", "github", "sarif"] {
        let ran = pyrel_against(
            dir.path(),
            &server,
            &[
                "doctor",
                "--format",
                format,
                "--select",
                "github-environments",
            ],
        );
        assert!(!ran.all().contains('\u{1b}'), "{format}: {:?}", ran.all());
        assert!(
            ran.all()
                .lines()
                .all(|l| !l.trim_start().starts_with("released")),
            "{format}: {}",
            ran.all()
        );
    }
    let ran = pyrel_against(dir.path(), &server, &["github", "apply"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    ran.has(
        "branch rule `\\u001b[32mok\\u001b[0m\\u000areleased v9 ***` lets a branch deploy: removed",
    );
    assert!(!ran.all().contains('\u{1b}'));
}

/// With bare-version tags (`tag-format = "{version}"`) the release tag rule is `*`: what
/// pyrel asks for is never "more than release tags", so apply keeps it and doctor passes.
#[test]
fn the_rule_pyrel_asks_for_is_never_removed() {
    let dir = fixture("uv-workspace");
    pyrel(dir.path())
        .args([
            "init",
            "--yes",
            "--set",
            "required-checks=[\"build\"]",
            "--set",
            "tag-format=\"{version}\"",
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
    let live = Live::fresh();
    let server = live.routes().start();
    let ran = pyrel_against(dir.path(), &server, &["github", "apply"]);
    assert_eq!(ran.code, 0, "{}", ran.all());
    ran.has("tag rule `*` added");
    let before = server.requests().len();
    let ran = pyrel_against(dir.path(), &server, &["github", "apply"]);
    ran.has("unchanged    environment `pypi`: already as expected");
    assert!(server.requests()[before..]
        .iter()
        .all(|r| r.method == "GET"));
    live.with(|s| {
        s.envs.get_mut("pypi").unwrap().reviewers = vec![("User".into(), 1)];
    });
    let (status, reason, messages) = doctor_check(dir.path(), &server, "github-environments");
    assert_eq!(status, "pass", "{reason} {messages:?}");
}
