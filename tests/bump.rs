//! `pyrel bump` on fixture repos of every layout, and the rendered `scripts/bump_version.py`
//! held to byte-identical trees.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::{fixture, git, pyrel, require_tool, snapshot_tree};

const TODAY: &str = "2024-05-01";

/// Fixtures whose versions live in files, with their version before the bump.
const STATIC: &[(&str, &str)] = &[
    ("single-flat", ""),
    ("single-src", "0.3.1"),
    ("poetry", "3.2.0"),
    ("setuptools-attr", "0.5.2"),
    ("dunder-metadata", "0.7.0"),
    ("setup-py-multi", "0.9.0"),
    ("uv-workspace", "2.0.0"),
    ("bump-uv-lock", "1.0.0"),
];

fn init(dir: &Path) {
    pyrel(dir).args(["init", "--yes"]).assert().success();
}

fn bump(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    pyrel(dir)
        .env("PYREL_TODAY", TODAY)
        .arg("bump")
        .args(args)
        .assert()
}

fn script(python: &Path, dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(python)
        .arg("scripts/bump_version.py")
        .args(args)
        .current_dir(dir)
        .env("PYREL_TODAY", TODAY)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("python")
}

fn text(tree: &BTreeMap<PathBuf, Vec<u8>>, path: &str) -> String {
    String::from_utf8(tree[Path::new(path)].clone()).expect("utf-8")
}

/// Every changed line is the old line with version tokens swapped, nothing else.
fn assert_only_versions_changed(before: &str, after: &str, old: &str, new: &str, path: &Path) {
    let b: Vec<&str> = before.split_inclusive('\n').collect();
    let a: Vec<&str> = after.split_inclusive('\n').collect();
    assert_eq!(b.len(), a.len(), "{}: line count changed", path.display());
    for (x, y) in b.iter().zip(&a) {
        if x != y {
            assert_eq!(
                &x.replace(old, new),
                y,
                "{}: more than the version changed",
                path.display()
            );
        }
    }
}

#[test]
fn every_layout_bumps_every_source_and_the_script_makes_the_same_tree() {
    let Some(python) = common::require_tools_python() else {
        return;
    };
    for (name, old) in STATIC {
        if old.is_empty() {
            continue;
        }
        let a = fixture(name);
        init(a.path());
        let b = tempfile::tempdir().unwrap();
        common::copy_dir(a.path(), b.path());
        let before = snapshot_tree(a.path());

        bump(a.path(), &["patch"]).success();
        let out = script(&python, b.path(), &["bump", "patch"]);
        assert!(
            out.status.success(),
            "{name}: script failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );

        let after = snapshot_tree(a.path());
        let via_script = snapshot_tree(b.path());
        assert_eq!(
            after.keys().collect::<Vec<_>>(),
            via_script.keys().collect::<Vec<_>>(),
            "{name}"
        );
        for (path, bytes) in &after {
            assert!(
                via_script[path] == *bytes,
                "{name}: {} differs between pyrel bump and the script:\n--- pyrel\n{}\n--- script\n{}",
                path.display(),
                String::from_utf8_lossy(bytes),
                String::from_utf8_lossy(&via_script[path])
            );
        }

        let new = {
            let parts: Vec<u64> = old.split('.').map(|p| p.parse().unwrap()).collect();
            format!("{}.{}.{}", parts[0], parts[1], parts[2] + 1)
        };
        let json = pyrel(a.path())
            .args(["version", "--format", "json"])
            .output()
            .unwrap();
        let v: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
        for p in v["packages"].as_array().unwrap() {
            for s in p["sources"].as_array().unwrap() {
                assert_eq!(s["value"], new.as_str(), "{name}: {s}");
            }
        }
        let mut changed = 0;
        for (path, bytes) in &before {
            let now = &after[path];
            if now == bytes || path.ends_with("CHANGELOG.md") {
                continue;
            }
            changed += 1;
            assert_only_versions_changed(
                &String::from_utf8_lossy(bytes),
                &String::from_utf8_lossy(now),
                old,
                &new,
                path,
            );
        }
        assert!(changed > 0, "{name}: nothing changed");
        let log = text(&after, "CHANGELOG.md");
        assert!(
            log.contains(&format!("## [{new}] - {TODAY}")),
            "{name}:\n{log}"
        );
    }
}

#[test]
fn uv_workspace_pins_follow_and_unrelated_same_version_is_untouched() {
    let d = fixture("uv-workspace");
    bump(d.path(), &["minor"]).success();
    let t = snapshot_tree(d.path());
    let dash = text(&t, "libs/dashboard/pyproject.toml");
    assert!(dash.contains("\"ruff==2.0.0\""), "{dash}");
    assert!(dash.contains("\"dashboard-api>=2.1.0\""), "{dash}");
    assert!(dash.contains("\"dashboard_core\","), "{dash}");
    let api = text(&t, "libs/api/pyproject.toml");
    assert!(api.contains("\"dashboard-core==2.1.0\""), "{api}");
    let original = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/uv-workspace/libs/api/pyproject.toml"),
    )
    .unwrap();
    assert_eq!(
        api,
        original
            .replacen("version = \"2.0.0\"", "version = \"2.1.0\"", 1)
            .replacen("dashboard-core==2.0.0", "dashboard-core==2.1.0", 1)
    );
    // The excluded member keeps its own version.
    assert!(text(&t, "libs/experimental/pyproject.toml").contains("version = \"0.1.0\""));
}

#[test]
fn uv_lock_members_move_and_uv_agrees() {
    let d = fixture("bump-uv-lock");
    bump(d.path(), &["minor,beta"]).success();
    let lock = std::fs::read_to_string(d.path().join("uv.lock")).unwrap();
    // The root has no [build-system]: uv locks it as virtual (`source = { virtual = "." }`),
    // it is never released, so only the two members move.
    assert_eq!(lock.matches("version = \"1.1.0b1\"").count(), 2, "{lock}");
    let root = std::fs::read_to_string(d.path().join("pyproject.toml")).unwrap();
    assert!(root.contains("version = \"1.0.0\""), "{root}");
    let app = std::fs::read_to_string(d.path().join("libs/app/pyproject.toml")).unwrap();
    assert!(
        app.contains("\"wcore==1.1.0b1\"") && app.contains("\"wcore>=1.1.0b1\""),
        "{app}"
    );
    let Some(uv) = common::require_tool("uv") else {
        return;
    };
    let out = Command::new(uv)
        .args(["lock", "--check", "--offline"])
        .current_dir(d.path())
        .env("UV_NO_CONFIG", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "uv lock --check: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn changelog_parses_with_keepachangelog() {
    let Some(python) = common::require_tools_python() else {
        return;
    };
    let d = fixture("single-src");
    init(d.path());
    let log = d.path().join("CHANGELOG.md");
    let seeded = std::fs::read_to_string(&log).unwrap();
    std::fs::write(
        &log,
        seeded.replace(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n### Added\n\n- The bump.\n",
        ),
    )
    .unwrap();
    bump(d.path(), &["minor"]).success();
    bump(d.path(), &["patch"]).success();
    let out = Command::new(python)
        .args([
            "-c",
            "import json, sys, keepachangelog\nprint(json.dumps(keepachangelog.to_dict(sys.argv[1], show_unreleased=True)))",
        ])
        .arg(&log)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["0.4.0"]["metadata"]["release_date"], TODAY);
    assert_eq!(v["0.4.0"]["added"], serde_json::json!(["The bump."]));
    assert_eq!(
        v["0.4.0"]["metadata"]["url"],
        "https://github.com/acme/widgets/releases/tag/v0.4.0"
    );
    assert_eq!(
        v["0.4.1"]["metadata"]["url"],
        "https://github.com/acme/widgets/compare/v0.4.0...v0.4.1"
    );
    assert_eq!(
        v["unreleased"]["metadata"]["url"],
        "https://github.com/acme/widgets/compare/v0.4.1...HEAD"
    );
    bump(d.path(), &["patch", "--require-changelog"]).code(1);
}

#[test]
fn a_failure_midway_restores_every_file() {
    let Some(python) = common::require_tools_python() else {
        return;
    };
    let d = fixture("uv-workspace");
    init(d.path());
    let before = snapshot_tree(d.path());
    for n in ["1", "3", "6"] {
        pyrel(d.path())
            .env("PYREL_FAIL_AFTER", n)
            .args(["bump", "patch"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("restored"));
        assert!(snapshot_tree(d.path()) == before, "pyrel, fail at {n}");
        let out = Command::new(&python)
            .args(["scripts/bump_version.py", "bump", "patch"])
            .current_dir(d.path())
            .env("PYREL_FAIL_AFTER", n)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(snapshot_tree(d.path()) == before, "script, fail at {n}");
    }
}

/// Issue 11.4b: a stale source (not the version of record) is repaired by the bump and named;
/// the script does the same.
#[test]
fn a_stale_source_is_repaired_from_the_version_of_record() {
    let python = require_tool("python3").expect("python3");
    let d = fixture("uv-workspace");
    init(d.path());
    let f = d.path().join("libs/api/src/dashboard_api/__init__.py");
    std::fs::write(
        &f,
        "\"\"\"dashboard-api.\"\"\"\n\n__version__ = \"1.9.0\"\n",
    )
    .unwrap();
    let copy = tempfile::tempdir().unwrap();
    common::copy_dir(d.path(), copy.path());
    bump(d.path(), &["minor"])
        .success()
        .stderr(predicates::str::contains(
            "repaired a stale version source: dashboard-api 1.9.0 in libs/api/src/dashboard_api/__init__.py:3 (now 2.1.0)",
        ));
    assert!(std::fs::read_to_string(&f).unwrap().contains("\"2.1.0\""));
    let out = script(&python, copy.path(), &["bump", "minor"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("libs/api/src/dashboard_api/__init__.py:3")
    );
    assert!(
        snapshot_tree(d.path()) == snapshot_tree(copy.path()),
        "pyrel and the script differ"
    );
}

/// Lockstep packages whose versions of record disagree: refused with each outlier named; an
/// explicit version aligns them, including one equal to the current (greatest) version.
#[test]
fn lockstep_outliers_are_named_and_an_explicit_version_aligns_them() {
    let python = require_tool("python3").expect("python3");
    let d = fixture("uv-workspace");
    init(d.path());
    let f = d.path().join("libs/api/pyproject.toml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        text.replacen("version = \"2.0.0\"", "version = \"1.9.0\"", 1),
    )
    .unwrap();
    let before = snapshot_tree(d.path());
    bump(d.path(), &["patch"])
        .code(1)
        .stderr(predicates::str::contains("libs/api/pyproject.toml:"))
        .stderr(predicates::str::contains("pyrel bump 2.0.1"));
    assert!(snapshot_tree(d.path()) == before);
    let out = script(&python, d.path(), &["bump", "patch"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(snapshot_tree(d.path()) == before);
    let copy = tempfile::tempdir().unwrap();
    common::copy_dir(d.path(), copy.path());
    // Equal to the current version of record: accepted, because it aligns the outlier.
    bump(d.path(), &["2.0.0", "--no-changelog"]).success();
    assert!(std::fs::read_to_string(&f)
        .unwrap()
        .contains("version = \"2.0.0\""));
    let out = script(&python, copy.path(), &["bump", "2.0.0", "--no-changelog"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        snapshot_tree(d.path()) == snapshot_tree(copy.path()),
        "pyrel and the script differ"
    );
    // Once aligned, the same version is not greater any more.
    bump(d.path(), &["2.0.0"])
        .code(1)
        .stderr(predicates::str::contains("not greater"));
}

#[test]
fn a_pin_the_new_version_breaks_refuses_unless_forced() {
    let d = fixture("setup-py-multi");
    let before = snapshot_tree(d.path());
    bump(d.path(), &["major"])
        .code(1)
        .stderr(predicates::str::contains("packages/beta/setup.py"))
        .stderr(predicates::str::contains("alpha>=0.9.0,<1"));
    assert!(snapshot_tree(d.path()) == before);
    bump(d.path(), &["minor"]).success();
    let beta = std::fs::read_to_string(d.path().join("packages/beta/setup.py")).unwrap();
    assert!(
        beta.contains("'alpha>=0.10.0,<1'") && beta.contains("VERSION = '0.10.0'"),
        "{beta}"
    );
    let suite = std::fs::read_to_string(d.path().join("setup.py")).unwrap();
    assert!(
        suite.contains("[\"alpha==0.10.0\", \"beta==0.10.0\"]"),
        "{suite}"
    );
    assert!(
        std::fs::read_to_string(d.path().join("packages/gamma/setup.cfg"))
            .unwrap()
            .contains("version = 0.10.0")
    );
    bump(d.path(), &["major", "--force"]).success();
    let beta = std::fs::read_to_string(d.path().join("packages/beta/setup.py")).unwrap();
    assert!(
        beta.contains("'alpha>=0.10.0,<1'"),
        "left as written: {beta}"
    );
}

#[test]
fn dry_run_prints_diffs_and_writes_nothing() {
    let d = fixture("poetry");
    let before = snapshot_tree(d.path());
    bump(d.path(), &["prerelease", "--pre", "alpha", "--dry-run"])
        .success()
        .stdout(predicates::str::contains("+version = \"3.2.1a1\""))
        .stdout(predicates::str::contains("--- a/poetic/__init__.py"));
    assert!(snapshot_tree(d.path()) == before);
}

#[test]
fn commit_and_tag_and_dirty_refusal() {
    let d = fixture("single-src");
    init(d.path());
    git(d.path(), &["add", "-A"]);
    git(d.path(), &["commit", "-q", "-m", "init"]);
    std::fs::write(d.path().join("README.md"), "dirty\n").unwrap();
    bump(d.path(), &["minor", "--commit", "--tag"])
        .code(1)
        .stderr(predicates::str::contains("uncommitted"));
    git(d.path(), &["checkout", "--", "README.md"]);
    pyrel(d.path())
        .env("PYREL_TODAY", TODAY)
        .env("GIT_AUTHOR_NAME", "T")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .args(["bump", "minor", "--commit", "--tag"])
        .assert()
        .success();
    let run = |args: &[&str]| {
        let o = Command::new("git")
            .args(args)
            .current_dir(d.path())
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).trim().to_string()
    };
    assert_eq!(run(&["log", "-1", "--format=%s"]), "Release 0.4.0");
    assert_eq!(run(&["cat-file", "-t", "v0.4.0"]), "tag");
    assert_eq!(run(&["status", "--porcelain"]), "");
    pyrel(d.path())
        .args(["version", "--check-tag", "v0.4.0"])
        .assert()
        .success();
    pyrel(d.path())
        .args(["version", "--check-tag", "refs/tags/v0.3.1"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("src/acme_tool/__about__.py"));
}

#[test]
fn vcs_versioned_repos_write_nothing_and_tag() {
    let d = fixture("hatch-vcs");
    git(d.path(), &["add", "-A"]);
    git(d.path(), &["commit", "-q", "-m", "init"]);
    let before = snapshot_tree(d.path());
    bump(d.path(), &["patch"])
        .code(1)
        .stderr(predicates::str::contains("no release tag"));
    pyrel(d.path())
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .args(["bump", "0.1.0", "--tag"])
        .assert()
        .success()
        .stdout(predicates::str::contains("no version file written"));
    assert!(snapshot_tree(d.path()) == before);
    pyrel(d.path())
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .args(["bump", "minor", "--tag"])
        .assert()
        .success()
        .stdout(predicates::str::contains("0.1.0 -> 0.2.0"));
}

/// Changelog links come from one place: the seeded `[unreleased]` link and every link a
/// bump writes name the same repository address, on the origin's host (an enterprise
/// GitHub here), or the policy's `repository` when it names one.
#[test]
fn seeded_and_bumped_changelog_links_share_one_repository_address() {
    let d = fixture("single-src");
    git(
        d.path(),
        &[
            "remote",
            "set-url",
            "origin",
            "git@github.acme.example:acme/widgets.git",
        ],
    );
    init(d.path());
    let log = d.path().join("CHANGELOG.md");
    let seeded = std::fs::read_to_string(&log).unwrap();
    assert!(
        seeded.contains("[unreleased]: https://github.acme.example/acme/widgets/commits/HEAD\n"),
        "{seeded}"
    );
    bump(d.path(), &["minor"]).success();
    let rolled = std::fs::read_to_string(&log).unwrap();
    assert!(
        rolled.contains(
            "[unreleased]: https://github.acme.example/acme/widgets/compare/v0.4.0...HEAD\n"
        ) && rolled
            .contains("[0.4.0]: https://github.acme.example/acme/widgets/releases/tag/v0.4.0"),
        "{rolled}"
    );
    assert!(!rolled.contains("https://github.com/"), "{rolled}");
    pyrel(d.path())
        .args(["doctor", "--offline"])
        .assert()
        .success();
}
