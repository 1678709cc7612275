//! The shipped `.pre-commit-hooks.yaml`, run by the real `pre-commit` (`try-repo` on a
//! repository holding exactly that file) against a fixture repository set up with
//! `pyrel init`.
//!
//! The `-system` hooks are the ones run: they use the pyrel on PATH (here the binary under
//! test), which keeps the test offline and fast. The `language: python` hooks differ only
//! in how pre-commit installs pyrel (pip building this repository's wheel with maturin,
//! which tests/dist.rs covers); a test below proves their commands are the same.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{fixture, git, pyrel, require_tool};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn hooks() -> Vec<serde_norway::Value> {
    let text = std::fs::read_to_string(manifest_dir().join(".pre-commit-hooks.yaml")).unwrap();
    serde_norway::from_str(&text).unwrap()
}

/// A git repository holding this checkout's `.pre-commit-hooks.yaml`, committed: what
/// pre-commit sees of pyrel's repository at a tag (try-repo reads committed files only).
fn hooks_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        manifest_dir().join(".pre-commit-hooks.yaml"),
        dir.path().join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "hooks"]);
    dir
}

fn try_repo(pre_commit: &Path, hooks: &Path, repo: &Path, home: &Path, hook: &str) -> Output {
    let bin_dir = assert_cmd::cargo::cargo_bin("pyrel")
        .parent()
        .unwrap()
        .to_path_buf();
    let path = std::env::join_paths(std::iter::once(bin_dir).chain(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    )))
    .unwrap();
    Command::new(pre_commit)
        .arg("try-repo")
        .arg(hooks)
        .arg(hook)
        .args(["--all-files", "--verbose", "--color", "never"])
        .current_dir(repo)
        .env("PATH", path)
        .env("PRE_COMMIT_HOME", home)
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn the_shipped_hooks_pass_on_a_clean_repo_and_catch_a_hand_edit() {
    let Some(pre_commit) = require_tool("pre-commit") else {
        return;
    };
    let dir = fixture("single-flat");
    pyrel(dir.path()).args(["init", "--yes"]).assert().success();
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "init"]);
    let home = tempfile::tempdir().unwrap();
    let hooks = hooks_repo();

    for hook in ["pyrel-generate-check-system", "pyrel-doctor-system"] {
        let out = try_repo(&pre_commit, hooks.path(), dir.path(), home.path(), hook);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(0), "{hook}:\n{t}");
        assert!(t.contains("Passed"), "{hook}:\n{t}");
    }

    // A hand edit of a managed file, staged as a commit would have it.
    let wf = dir.path().join(".github/workflows/release.yml");
    let edited = std::fs::read_to_string(&wf)
        .unwrap()
        .replace("permissions: {}", "permissions: write-all");
    std::fs::write(&wf, edited).unwrap();
    git(dir.path(), &["add", "-A"]);
    for hook in ["pyrel-generate-check-system", "pyrel-doctor-system"] {
        let out = try_repo(&pre_commit, hooks.path(), dir.path(), home.path(), hook);
        let t = text(&out);
        assert_eq!(out.status.code(), Some(1), "{hook}:\n{t}");
        assert!(t.contains("Failed"), "{hook}:\n{t}");
        assert!(t.contains(".github/workflows/release.yml"), "{hook}:\n{t}");
    }
}

#[test]
fn the_python_hooks_run_the_same_commands_as_the_system_ones() {
    let hooks = hooks();
    let get = |id: &str| {
        hooks
            .iter()
            .find(|h| h["id"].as_str() == Some(id))
            .unwrap_or_else(|| panic!("no hook {id}"))
            .clone()
    };
    for id in ["pyrel-generate-check", "pyrel-doctor"] {
        let python = get(id);
        let system = get(&format!("{id}-system"));
        assert_eq!(python["language"], "python");
        assert_eq!(system["language"], "system");
        for key in ["entry", "name", "pass_filenames", "always_run"] {
            assert_eq!(python[key], system[key], "{id}: {key}");
        }
        assert_eq!(python["pass_filenames"], false);
        // Every entry is a real pyrel command line (a typo would fail here, not in CI of users).
        let entry = python["entry"].as_str().unwrap();
        let args: Vec<&str> = entry.split_whitespace().collect();
        assert_eq!(args[0], "pyrel");
        let dir = fixture("single-flat");
        pyrel(dir.path()).args(["init", "--yes"]).assert().success();
        pyrel(dir.path()).args(&args[1..]).assert().code(0);
    }
}
