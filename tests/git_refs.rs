//! doctor reads git's refs, tags and index from `.git` itself: the tags on HEAD and the
//! files git tracks match what `git` says, whether refs are loose or packed, tags
//! lightweight, annotated, nested or in a pack, and the index version 2 or 4. And no
//! `git` process is needed: the offline doctor gives the same report with no git on PATH.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use common::{fixture, git, pyrel};
use serde_json::Value;

const FAKE_PYPI_TOKEN: &str = "pypi-AgEIcHlwaS5vcmcFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE";

fn git_out(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .output()
        .expect("git");
    assert!(out.status.success(), "git {args:?}");
    String::from_utf8(out.stdout).expect("utf-8")
}

fn commit(dir: &Path, message: &str) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "--allow-empty", "-m", message]);
}

/// An empty directory as PATH: any attempt to start `git` fails.
fn no_git_path() -> tempfile::TempDir {
    tempfile::tempdir().expect("tempdir")
}

fn doctor_json(dir: &Path, args: &[&str], path: Option<&Path>) -> Value {
    let mut cmd = pyrel(dir);
    cmd.args(["doctor", "--offline", "--format", "json"])
        .args(args);
    if let Some(p) = path {
        cmd.env("PATH", p);
    }
    let out = cmd.output().expect("run pyrel");
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

fn check<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["checks"]
        .as_array()
        .expect("checks")
        .iter()
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no check {name}: {report:#}"))
}

/// The release tags doctor saw on HEAD (each named by a finding: the fixture's version
/// is 0.4.0 and every tag below names another one), and the check's reason.
fn doctor_tags(dir: &Path, path: Option<&Path>) -> (BTreeSet<String>, String) {
    let report = doctor_json(dir, &["--select", "tag-version"], path);
    let c = check(&report, "tag-version");
    assert_ne!(c["status"], "unknown", "{c}");
    let tags = report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let m = f["message"].as_str().expect("message");
            let rest = m.strip_prefix("HEAD is tagged ").expect(m);
            rest.split([' ', ',']).next().expect("tag").to_owned()
        })
        .collect();
    (tags, c["reason"].as_str().unwrap_or_default().to_owned())
}

/// What git says: the tags on HEAD shaped like `v{version}`, and all of them.
fn git_tags(dir: &Path) -> (BTreeSet<String>, usize) {
    let all: Vec<String> = git_out(dir, &["tag", "--points-at", "HEAD"])
        .lines()
        .map(str::to_owned)
        .collect();
    let n = all.len();
    (all.into_iter().filter(|t| t.starts_with("v9")).collect(), n)
}

fn assert_same_as_git(dir: &Path, expected: &[&str], stage: &str) {
    let (git_release, git_all) = git_tags(dir);
    let want: BTreeSet<String> = expected.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        git_release, want,
        "{stage}: the fixture is not what the test meant"
    );
    let no_git = no_git_path();
    for path in [None, Some(no_git.path())] {
        let (tags, reason) = doctor_tags(dir, path);
        assert_eq!(tags, want, "{stage} (PATH {path:?})");
        assert!(
            reason.starts_with(&format!("{git_all} tag(s) on HEAD")),
            "{stage}: {reason}"
        );
    }
}

#[test]
fn tags_on_head_from_loose_packed_and_nested_refs_match_git() {
    let dir = fixture("single-src");
    let d = dir.path();
    std::fs::write(
        d.join("src/acme_tool/__about__.py"),
        "__version__ = \"0.4.0\"\n",
    )
    .unwrap();
    commit(d, "first");
    git(d, &["tag", "snapshot-9.0.3"]);
    git(d, &["tag", "-a", "v9.0.4", "-m", "annotated, not on HEAD"]);
    git(d, &["tag", "v9.0.5"]);
    commit(d, "second");
    git(d, &["tag", "v9.0.1"]);
    git(d, &["tag", "-a", "v9.0.2", "-m", "annotated on HEAD"]);
    git(
        d,
        &["tag", "-a", "v9.0.6", "-m", "a tag of a tag", "v9.0.2"],
    );
    git(d, &["tag", "docs/snapshot"]);
    assert_same_as_git(d, &["v9.0.1", "v9.0.2", "v9.0.6"], "loose refs and objects");

    git(d, &["pack-refs", "--all"]);
    assert!(!d.join(".git/refs/tags/v9.0.2").exists());
    let packed = std::fs::read_to_string(d.join(".git/packed-refs")).unwrap();
    assert!(packed.lines().any(|l| l.starts_with('^')), "{packed}");
    assert_same_as_git(d, &["v9.0.1", "v9.0.2", "v9.0.6"], "packed refs");

    // A loose ref overrides a packed one of the same name.
    git(d, &["tag", "-f", "v9.0.1", "HEAD~1"]);
    assert_same_as_git(d, &["v9.0.2", "v9.0.6"], "loose over packed");

    // A loose annotated tag whose object (and HEAD's commit) sit in a pack, where git
    // stores one of the tags as a delta of another.
    git(d, &["tag", "-a", "v9.0.7", "-m", "packed object"]);
    git(d, &["tag", "v9.0.8", "v9.0.4"]);
    git(d, &["repack", "-a", "-d", "-q"]);
    git(d, &["prune-packed"]);
    let tag = git_out(d, &["rev-parse", "v9.0.7"]);
    assert!(
        !d.join(".git/objects")
            .join(&tag[..2])
            .join(tag[2..].trim())
            .exists(),
        "the tag object should be packed"
    );
    assert!(d.join(".git/refs/tags/v9.0.7").exists());
    let packs = std::fs::read_dir(d.join(".git/objects/pack")).unwrap();
    let idx = packs
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "idx"))
        .unwrap();
    let verify = git_out(d, &["verify-pack", "-v", idx.to_str().unwrap()]);
    assert!(
        verify
            .lines()
            .any(|l| l.contains(" tag ") && l.split_whitespace().count() > 5),
        "no deltified tag object in the pack:\n{verify}"
    );
    assert_same_as_git(d, &["v9.0.2", "v9.0.6", "v9.0.7"], "objects in a pack");

    // Detached HEAD on the first commit.
    git(d, &["checkout", "-q", "--detach", "HEAD~1"]);
    assert_same_as_git(
        d,
        &["v9.0.1", "v9.0.4", "v9.0.5", "v9.0.8"],
        "detached HEAD",
    );
}

#[test]
fn a_linked_worktree_has_its_own_head() {
    let dir = fixture("single-src");
    let d = dir.path().join("main");
    std::fs::create_dir(&d).unwrap();
    for entry in std::fs::read_dir(dir.path()).unwrap().flatten() {
        if entry.file_name() != "main" {
            std::fs::rename(entry.path(), d.join(entry.file_name())).unwrap();
        }
    }
    std::fs::write(
        d.join("src/acme_tool/__about__.py"),
        "__version__ = \"0.4.0\"\n",
    )
    .unwrap();
    commit(&d, "first");
    git(&d, &["tag", "v9.1.0"]);
    commit(&d, "second");
    git(&d, &["tag", "-a", "v9.2.0", "-m", "second"]);
    let wt = dir.path().join("wt");
    git(
        &d,
        &[
            "worktree",
            "add",
            "-q",
            "--detach",
            wt.to_str().unwrap(),
            "HEAD~1",
        ],
    );
    assert!(wt.join(".git").is_file());
    assert_same_as_git(&d, &["v9.2.0"], "main worktree");
    assert_same_as_git(&wt, &["v9.1.0"], "linked worktree");
}

#[test]
fn tracked_files_come_from_the_index_in_every_version_without_git() {
    let dir = fixture("single-src");
    let d = dir.path();
    // Committed, then ignored: git still tracks it, so it is still scanned.
    std::fs::write(d.join(".env"), "TWINE_PASSWORD=hunter2hunter2FAKE\n").unwrap();
    std::fs::create_dir_all(d.join("deep/er")).unwrap();
    std::fs::write(
        d.join("deep/er/notes.txt"),
        format!("token {FAKE_PYPI_TOKEN}\n"),
    )
    .unwrap();
    commit(d, "oops");
    std::fs::write(d.join(".gitignore"), ".env\ndeep/\n").unwrap();
    // Untracked and not ignored: scanned. Untracked and ignored: not.
    std::fs::write(d.join("new.md"), format!("{FAKE_PYPI_TOKEN}\n")).unwrap();
    std::fs::create_dir_all(d.join("deep/new")).unwrap();
    std::fs::write(d.join("deep/new/x.md"), format!("{FAKE_PYPI_TOKEN}\n")).unwrap();
    let expected = [".env", "deep/er/notes.txt", "new.md"];
    let no_git = no_git_path();
    for version in ["2", "3", "4"] {
        git(d, &["update-index", "--index-version", version]);
        for path in [None, Some(no_git.path())] {
            let report = doctor_json(d, &["--select", "committed-credential"], path);
            let files: Vec<&str> = report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["path"].as_str().unwrap())
                .collect();
            assert_eq!(files, expected, "index v{version}, PATH {path:?}");
            let n = git_out(
                d,
                &["ls-files", "--cached", "--others", "--exclude-standard"],
            )
            .lines()
            .count();
            let reason = check(&report, "committed-credential")["reason"]
                .as_str()
                .unwrap()
                .to_owned();
            assert_eq!(reason, format!("{n} file(s) scanned"), "index v{version}");
        }
    }
}

#[test]
fn the_whole_offline_doctor_is_the_same_without_git_on_path() {
    let dir = fixture("uv-workspace");
    pyrel(dir.path()).args(["init", "--yes"]).assert().success();
    commit(dir.path(), "init");
    git(dir.path(), &["tag", "-a", "v2.0.0", "-m", "release"]);
    let with_git = doctor_json(dir.path(), &[], None);
    let no_git = no_git_path();
    let without = doctor_json(dir.path(), &[], Some(no_git.path()));
    assert_eq!(with_git, without);
    for c in with_git["checks"].as_array().unwrap() {
        assert_ne!(c["status"], "unknown", "{c}");
    }
}
