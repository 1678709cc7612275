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
