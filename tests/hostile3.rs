//! Hostile input, round 3 (issue 21 items 5 and 7), through the real binary: policy
//! environment names the runner reserves or the workflow sets, temp files of a killed
//! run, a default branch pyrel cannot use, a version that is not PEP 440 at `init`, a
//! symlinked workspace member. Each refusal: exit 2, the file and line or the value named,
//! nothing written.

mod common;

use std::path::Path;

use common::{fixture, pyrel, snapshot_tree};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    pyrel(dir).args(args).output().unwrap()
}

/// Appends `text` to the fixture's pyproject.toml and returns the 1-based line of the
/// `test-env` key in it.
fn append_policy(dir: &Path, text: &str) -> usize {
    let path = dir.join("pyproject.toml");
    let mut body = std::fs::read_to_string(&path).unwrap();
    body.push_str(text);
    std::fs::write(&path, &body).unwrap();
    body.lines().position(|l| l.starts_with("test-env")).unwrap() + 1
}

#[test]
fn test_env_refuses_runner_control_names_and_the_workflows_own() {
    for name in [
        "ACTIONS_ALLOW_UNSECURE_COMMANDS",
        "ACTIONS_RUNNER_DEBUG",
        "ACTIONS_STEP_DEBUG",
        "actions_id_token_request_url",
        "GITHUB_ENV",
        "GITHUB_PATH",
        "RUNNER_TEMP",
        "CI",
        "BASH_ENV",
        "NODE_OPTIONS",
        "PACKAGES",
        "UV_PYTHON",
    ] {
        let dir = fixture("single-flat");
        let line = append_policy(
            dir.path(),
            &format!("\n[tool.pyrel]\ntest-env = {{ DATABASE_URL = \"sqlite://\", {name} = \"1\" }}\n"),
        );
        let before = snapshot_tree(dir.path());
        for args in [&["generate"][..], &["generate", "--check"], &["generate", "--dry-run"]] {
            let out = run(dir.path(), args);
            assert_eq!(out.status.code(), Some(2), "{name} {args:?}:\n{}{}", stdout(&out), stderr(&out));
            let err = stderr(&out);
            assert!(
                err.contains(&format!("pyproject.toml:{line}")) && err.contains("`test-env`") && err.contains(&format!("`{name}`")),
                "{name} {args:?}: {err}"
            );
            assert!(!err.contains("panicked"), "{err}");
            assert_eq!(snapshot_tree(dir.path()), before, "{name} {args:?}: something was written");
        }
        // doctor names it too, as a policy error at that line.
        let out = run(dir.path(), &["doctor", "--offline"]);
        let text = stdout(&out);
        assert_eq!(out.status.code(), Some(1), "{text}");
        assert!(text.contains(&format!("pyproject.toml:{line}")) && text.contains(name), "{text}");
    }
    // Names that only look alike are the user's to set.
    let dir = fixture("single-flat");
    append_policy(
        dir.path(),
        "\n[tool.pyrel]\ntest-env = { CIRCLE = \"1\", PACKAGES_DIR = \"x\", MY_GITHUB_URL = \"u\" }\n",
    );
    let out = run(dir.path(), &["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let wf = std::fs::read_to_string(dir.path().join(".github/workflows/test.yml")).unwrap();
    assert!(wf.contains("  PACKAGES_DIR: \"x\""), "{wf}");
}

/// Temp files as a `generate` killed between creating and renaming them leaves them.
#[test]
fn the_next_generate_sweeps_what_a_killed_one_left_and_nothing_else() {
    let dir = fixture("single-flat");
    let root = dir.path();
    let out = run(root, &["init", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // Really killed runs first: whatever they leave, the last run below sweeps.
    let bin = assert_cmd::cargo::cargo_bin("pyrel");
    for i in 0..8u64 {
        std::fs::remove_file(root.join(".github/workflows/release.yml")).ok();
        std::fs::remove_file(root.join("docs/RELEASING.md")).ok();
        let mut child = std::process::Command::new(&bin)
            .arg("generate")
            .current_dir(root)
            .env("NO_COLOR", "1")
            .env("PYREL_NO_GH", "1")
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(i * 3));
        let _ = child.kill();
        let _ = child.wait();
    }
    let out = run(root, &["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

    let ours = [
        ".github/workflows/.pyrel-tmp-Ab3dEf9hIj",
        ".github/.pyrel-tmp-0123456789",
        "docs/.pyrel-tmp-zzzzzzzzzz",
        ".pyrel-tmp-AAAAAAAAAA",
    ];
    // Look-alikes that are the user's: another length, another prefix, a directory, a
    // symlink, and one of ours in a directory pyrel does not manage.
    let users = [
        ".github/workflows/.pyrel-tmp-notes.txt",
        ".github/workflows/.pyrel-tmp-Ab3dEf9hI",
        ".github/workflows/pyrel-tmp-Ab3dEf9hIj",
        "docs/.pyrel-tmp-zzzzzzzzzzz",
        "widgets/.pyrel-tmp-AAAAAAAAAA",
    ];
    for f in ours.iter().chain(&users) {
        std::fs::write(root.join(f), "left over\n").unwrap();
    }
    std::fs::create_dir(root.join("docs/.pyrel-tmp-dirdirdird")).unwrap();
    std::os::unix::fs::symlink("../README.md", root.join("docs/.pyrel-tmp-linklinkli")).unwrap();
    // Everything is current: the run writes nothing, and still sweeps.
    let out = run(root, &["generate"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for f in ours {
        assert!(!root.join(f).exists(), "{f} was not swept");
    }
    for f in users {
        assert!(root.join(f).is_file(), "{f} (the user's) was removed");
    }
    assert!(root.join("docs/.pyrel-tmp-dirdirdird").is_dir());
    assert!(root.join("docs/.pyrel-tmp-linklinkli").is_symlink());
    // No other temp file of ours is left anywhere in the tree.
    let left: Vec<_> = walk(root)
        .into_iter()
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            name.len() == ".pyrel-tmp-".len() + 10 && name.starts_with(".pyrel-tmp-") && p.is_file() && !p.is_symlink()
        })
        .filter(|p| !p.starts_with(root.join("widgets")))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // A check or a dry run writes nothing, and removes nothing either.
    std::fs::write(root.join(ours[0]), "left over\n").unwrap();
    for args in [&["generate", "--check"][..], &["generate", "--dry-run"], &["doctor", "--offline"]] {
        run(root, args);
        assert!(root.join(ours[0]).exists(), "{args:?} removed a file");
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if e.file_type().unwrap().is_dir() {
            if e.file_name() != ".git" {
                out.extend(walk(&p));
            }
        } else {
            out.push(p);
        }
    }
    out
}

#[test]
fn init_refuses_a_default_branch_it_cannot_use_and_names_the_way_out() {
    // Names git accepts (`git check-ref-format --branch`) that pyrel's branch grammar does not.
    for branch in ["rel$(id)", "développement", "main;x", "trunk,x"] {
        let dir = fixture("single-flat");
        common::git(dir.path(), &["symbolic-ref", "HEAD", &format!("refs/heads/{branch}")]);
        let before = snapshot_tree(dir.path());
        let out = run(dir.path(), &["init", "--yes"]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{branch}: {}{err}", stdout(&out));
        assert!(err.contains(&format!("`{branch}`")), "{branch}: {err}");
        assert!(err.contains("--set default-branch="), "{branch}: {err}");
        assert_eq!(snapshot_tree(dir.path()), before, "{branch}: something was written");
        // Named, it is used.
        let out = run(dir.path(), &["init", "--yes", "--set", "default-branch=main"]);
        assert_eq!(out.status.code(), Some(0), "{branch}: {}", stderr(&out));
        let pyproject = std::fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
        assert!(pyproject.contains("default-branch = \"main\""), "{pyproject}");
    }
    // A usable one is taken as it is.
    let dir = fixture("single-flat");
    common::git(dir.path(), &["symbolic-ref", "HEAD", "refs/heads/trunk"]);
    let out = run(dir.path(), &["init", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let pyproject = std::fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
    assert!(pyproject.contains("default-branch = \"trunk\""), "{pyproject}");
}
