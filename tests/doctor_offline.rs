//! `pyrel doctor` offline checks on fixture repos with planted problems: each check fires
//! with the right file and line, and a clean repo passes every offline check.

use crate::common;

use std::path::Path;

use common::{fixture, git, pyrel};
use serde_json::Value;

pub const FAKE_PYPI_TOKEN: &str = "pypi-AgEIcHlwaS5vcmcFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE";

/// Runs doctor with `--format json`; returns the document and the exit code.
fn doctor(dir: &Path, args: &[&str]) -> (Value, i32) {
    let out = pyrel(dir)
        .args(["doctor", "--format", "json"])
        .args(args)
        .output()
        .expect("run pyrel");
    let code = out.status.code().expect("exit code");
    let stdout = String::from_utf8(out.stdout).expect("utf-8");
    let json = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\nstderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (json, code)
}

fn status<'a>(report: &'a Value, name: &str) -> &'a str {
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}"))["status"]
        .as_str()
        .unwrap()
}

/// `(severity, path, line)` of the findings of one check.
fn findings(report: &Value, name: &str) -> Vec<(String, String, Option<u64>)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == name)
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

fn messages(report: &Value, name: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["name"] == name)
        .map(|f| f["message"].as_str().unwrap().to_owned())
        .collect()
}

fn e(path: &str, line: u64) -> (String, String, Option<u64>) {
    ("error".into(), path.into(), Some(line))
}

fn commit_all(dir: &Path) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "fixture"]);
}

/// The uv workspace after `pyrel init --yes`, with its one unpinned sibling pinned and a
/// changelog entry: a repository set up as pyrel recommends.
pub fn clean_workspace(extra_init: &[&str]) -> tempfile::TempDir {
    let dir = fixture("uv-workspace");
    let p = dir.path().join("libs/dashboard/pyproject.toml");
    let text = std::fs::read_to_string(&p)
        .unwrap()
        .replace("\"dashboard_core\"", "\"dashboard_core>=2.0.0\"");
    std::fs::write(&p, text).unwrap();
    pyrel(dir.path())
        .args(["init", "--yes"])
        .args(extra_init)
        .assert()
        .success();
    let cl = dir.path().join("CHANGELOG.md");
    let text = std::fs::read_to_string(&cl).unwrap().replace(
        "## [Unreleased]\n",
        "## [Unreleased]\n\n### Added\n\n- A dashboard.\n",
    );
    std::fs::write(&cl, text).unwrap();
    commit_all(dir.path());
    dir
}

const OFFLINE: &[&str] = &[
    "managed-file-drift",
    "policy",
    "release-workflow",
    "version-format",
    "version-sync",
    "sibling-pins",
    "tag-version",
    "changelog",
    "committed-credential",
    "gitignore-credentials",
];

#[test]
fn a_clean_repository_passes_every_offline_check() {
    let dir = clean_workspace(&[]);
    let (report, code) = doctor(dir.path(), &["--offline", "--strict"]);
    for name in OFFLINE {
        assert_eq!(status(&report, name), "pass", "{name}: {report:#}");
    }
    for name in [
        "github-environments",
        "github-secrets",
        "branch-protection",
        "pypi-version",
    ] {
        assert_eq!(status(&report, name), "skip", "{name}");
    }
    assert_eq!(report["findings"], serde_json::json!([]));
    assert_eq!(code, 0);
}

#[test]
fn drifted_versions_and_a_stale_dunder_version_in_a_workspace() {
    let dir = fixture("doctor-workspace-drift");
    // A lockstep policy: without one, doctor judges the repository as `pyrel init` would
    // set it up (independent here, since the versions differ; see tests/discovery.rs).
    std::fs::write(dir.path().join("pyrel.toml"), "versioning = \"lockstep\"\n").unwrap();
    let (report, code) = doctor(dir.path(), &["--select", "version-sync,sibling-pins"]);
    assert_eq!(
        findings(&report, "version-sync"),
        [
            e("libs/api/src/dashboard_api/__init__.py", 3),
            e("libs/core/pyproject.toml", 7)
        ]
    );
    let msgs = messages(&report, "version-sync");
    assert!(
        msgs[0].contains("__version__ of dashboard-api is 1.9.0") && msgs[0].contains("2.0.0"),
        "{msgs:?}"
    );
    assert_eq!(
        findings(&report, "sibling-pins"),
        [
            e("libs/api/pyproject.toml", 13),
            (
                "warning".into(),
                "libs/dashboard/pyproject.toml".into(),
                Some(14)
            ),
        ]
    );
    assert_eq!(status(&report, "policy"), "skip");
    assert_eq!(code, 1);
}

#[test]
fn non_normalized_versions_are_warnings_and_fail_only_with_strict() {
    let dir = fixture("doctor-credentials");
    let (report, code) = doctor(dir.path(), &["--select", "version-format"]);
    let warn = |p: &str, l| ("warning".to_string(), p.to_string(), Some(l));
    assert_eq!(
        findings(&report, "version-format"),
        [warn("pyproject.toml", 7), warn("src/leaky/__init__.py", 3)]
    );
    assert!(messages(&report, "version-format")[0].contains("1.0.0rc1"));
    assert_eq!(code, 0);
    let (_, strict) = doctor(dir.path(), &["--select", "version-format", "--strict"]);
    assert_eq!(strict, 1);

    std::fs::write(
        dir.path().join("src/leaky/__init__.py"),
        "__version__ = \"1.0.0+local\"\n",
    )
    .unwrap();
    let (report, code) = doctor(dir.path(), &["--select", "version-format"]);
    assert!(findings(&report, "version-format").contains(&e("src/leaky/__init__.py", 1)));
    assert_eq!(code, 1);
}

#[test]
fn committed_credentials_are_found_by_file_and_line_and_never_shown() {
    let dir = fixture("doctor-credentials");
    commit_all(dir.path());
    // Ignored: not reported. Untracked but not ignored (git would track it): reported.
    std::fs::create_dir_all(dir.path().join("build")).unwrap();
    std::fs::write(
        dir.path().join("build/token.txt"),
        format!("{FAKE_PYPI_TOKEN}\n"),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("notes.md"),
        format!("# notes\n\ntoken: {FAKE_PYPI_TOKEN}\n"),
    )
    .unwrap();
    let out = pyrel(dir.path())
        .args([
            "doctor",
            "--offline",
            "--format",
            "json",
            "--select",
            "committed-credential",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        !stdout.contains(FAKE_PYPI_TOKEN) && !stdout.contains("cHlwaS5vcmcFAKE"),
        "{stdout}"
    );
    assert!(!stdout.contains("notarealpasswordFAKE"), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(
        findings(&report, "committed-credential"),
        [e(".env", 3), e(".pypirc", 6), e("notes.md", 3)]
    );
    let msgs = messages(&report, "committed-credential");
    assert!(msgs.iter().any(|m| m.contains("pypi-AgE…")), "{msgs:?}");
    assert_eq!(out.status.code(), Some(1));
}

#[test]
fn a_gitignore_without_credential_lines_is_reported() {
    let dir = fixture("doctor-credentials");
    let (report, code) = doctor(dir.path(), &["--select", "gitignore-credentials"]);
    let f = findings(&report, "gitignore-credentials");
    assert_eq!(f, [e(".gitignore", 3), e(".gitignore", 3)]);
    let msgs = messages(&report, "gitignore-credentials");
    assert!(
        msgs[0].contains(".pypirc") || msgs[1].contains(".pypirc"),
        "{msgs:?}"
    );
    assert_eq!(code, 1);
    std::fs::write(dir.path().join(".gitignore"), "build/\n.pypirc\n.env\n").unwrap();
    let (report, code) = doctor(dir.path(), &["--select", "gitignore-credentials"]);
    assert_eq!(status(&report, "gitignore-credentials"), "pass");
    assert_eq!(code, 0);
}

#[test]
fn a_hand_written_workflow_missing_id_token_is_reported_at_the_job() {
    let dir = fixture("doctor-credentials");
    let (report, code) = doctor(dir.path(), &["--select", "release-workflow"]);
    let msgs = messages(&report, "release-workflow");
    let f = findings(&report, "release-workflow");
    let wf = ".github/workflows/release.yml";
    assert!(f.iter().all(|x| x.0 == "error" && x.1 == wf), "{f:?}");
    let at = |needle: &str| {
        let i = msgs
            .iter()
            .position(|m| m.contains(needle))
            .unwrap_or_else(|| panic!("no `{needle}` in {msgs:?}"));
        f[i].2
    };
    assert_eq!(at("lacks `id-token: write`"), Some(14));
    assert_eq!(at("without being gated on a release tag"), Some(14));
    assert_eq!(at("environment `production`"), Some(14));
    assert_eq!(at("passes a password"), Some(21));
    assert_eq!(code, 1);
}

#[test]
fn a_tag_on_head_that_disagrees_with_the_version() {
    let dir = clean_workspace(&[]);
    git(dir.path(), &["tag", "docs-snapshot"]);
    git(dir.path(), &["tag", "v2.0"]);
    let (report, code) = doctor(dir.path(), &["--select", "tag-version"]);
    assert_eq!(status(&report, "tag-version"), "pass", "{report:#}");
    assert_eq!(code, 0);
    git(dir.path(), &["tag", "v2.0.1"]);
    let (report, code) = doctor(dir.path(), &["--select", "tag-version"]);
    let f = findings(&report, "tag-version");
    // The same sources `pyrel version --check-tag` compares: every one of every package.
    assert_eq!(f.len(), 6, "one per version source: {f:?}");
    assert_eq!(f[0], e("libs/api/pyproject.toml", 7));
    assert!(messages(&report, "tag-version")[0].contains("v2.0.1"));
    assert_eq!(code, 1);
}

#[test]
fn drift_points_at_the_edited_line_of_a_managed_file() {
    let dir = clean_workspace(&[]);
    let wf = dir.path().join(".github/workflows/release.yml");
    let mut lines: Vec<String> = std::fs::read_to_string(&wf)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect();
    lines[4] = "# my edit".into();
    std::fs::write(&wf, lines.join("\n") + "\n").unwrap();
    std::fs::remove_file(dir.path().join("docs/RELEASING.md")).unwrap();
    let (report, code) = doctor(dir.path(), &["--select", "managed-file-drift"]);
    assert_eq!(
        findings(&report, "managed-file-drift"),
        [
            e(".github/workflows/release.yml", 5),
            ("error".into(), "docs/RELEASING.md".into(), None),
        ]
    );
    let msgs = messages(&report, "managed-file-drift");
    assert!(
        msgs[0].contains("edited by hand") && msgs[1].contains("missing"),
        "{msgs:?}"
    );
    assert_eq!(code, 1);
    // The terminal report shows the same diff as `generate --check`.
    let out = pyrel(dir.path())
        .args(["doctor", "--select", "managed-file-drift"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("+++ b/.github/workflows/release.yml") && text.contains("-# my edit"),
        "{text}"
    );
    assert!(text.contains(".github/workflows/release.yml:5: "), "{text}");
}

#[test]
fn policy_problems_are_findings_not_crashes() {
    let dir = clean_workspace(&[]);
    let p = dir.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&p).unwrap();
    let line = text
        .lines()
        .position(|l| l.starts_with("publish = "))
        .unwrap()
        + 1;
    std::fs::write(
        &p,
        text.replace("publish = \"trusted\"", "publsh = \"trusted\""),
    )
    .unwrap();
    let (report, code) = doctor(dir.path(), &["--offline"]);
    assert_eq!(
        findings(&report, "policy"),
        [e("pyproject.toml", line as u64)]
    );
    assert!(report["findings"][0]["hint"]
        .as_str()
        .unwrap()
        .contains("publish"));
    assert_eq!(status(&report, "managed-file-drift"), "unknown");
    assert_eq!(code, 1);

    let bare = fixture("single-flat");
    let (report, code) = doctor(bare.path(), &["--offline", "--select", "policy"]);
    assert_eq!(
        findings(&report, "policy"),
        [("error".into(), "pyproject.toml".into(), None)]
    );
    assert_eq!(code, 1);
}

#[test]
fn a_missing_changelog_and_one_without_notes() {
    let dir = clean_workspace(&[]);
    let cl = dir.path().join("CHANGELOG.md");
    std::fs::write(
        &cl,
        "# Changelog\n\n## [Unreleased]\n\n## [1.0.0] - 2024-01-01\n\n- x\n",
    )
    .unwrap();
    let (report, code) = doctor(dir.path(), &["--select", "changelog"]);
    assert_eq!(
        findings(&report, "changelog"),
        [("warning".into(), "CHANGELOG.md".into(), Some(3))]
    );
    assert_eq!(code, 0);
    std::fs::remove_file(&cl).unwrap();
    let (report, code) = doctor(dir.path(), &["--select", "changelog"]);
    assert_eq!(
        findings(&report, "changelog"),
        [("error".into(), "CHANGELOG.md".into(), None)]
    );
    assert_eq!(code, 1);
}

#[test]
fn select_ignore_and_policy_ignores() {
    let dir = fixture("doctor-workspace-drift");
    let (report, code) = doctor(
        dir.path(),
        &[
            "--offline",
            "--ignore",
            "PR102,sibling-pins,policy,changelog,gitignore-credentials,release-workflow",
        ],
    );
    assert_eq!(status(&report, "version-sync"), "skip");
    assert_eq!(findings(&report, "version-sync"), []);
    assert_eq!(code, 0, "{report:#}");

    let dir = clean_workspace(&[]);
    let p = dir.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&p).unwrap().replace(
        "doctor-ignore = []",
        "doctor-ignore = [{ check = \"pypi-version\", reason = \"released to a private index\" }]",
    );
    std::fs::write(&p, text).unwrap();
    let (report, _) = doctor(dir.path(), &["--offline"]);
    let pv = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "pypi-version")
        .unwrap();
    assert_eq!(pv["status"], "skip");
    assert_eq!(
        pv["reason"],
        "ignored by the policy: released to a private index"
    );

    let out = pyrel(dir.path())
        .args(["doctor", "--select", "version-synk"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean `version-sync`"));
}

#[test]
fn explain_documents_every_check() {
    let dir = fixture("single-flat");
    let out = pyrel(dir.path())
        .args(["doctor", "--explain"])
        .output()
        .unwrap();
    let list = String::from_utf8(out.stdout).unwrap();
    assert_eq!(list.lines().count(), 14, "{list}");
    assert!(list.contains("PR304 pypi-version"));
    for name in ["version-sync", "PR201"] {
        let out = pyrel(dir.path())
            .args(["doctor", "--explain", name])
            .output()
            .unwrap();
        assert!(out.status.success());
        let text = String::from_utf8(out.stdout).unwrap();
        for heading in ["What it checks", "Why it matters", "How to fix"] {
            assert!(text.contains(heading), "{text}");
        }
    }
    let out = pyrel(dir.path())
        .args(["doctor", "--explain", "nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
