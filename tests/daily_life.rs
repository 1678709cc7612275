//! Daily life with pyrel (issue 23): bots that move action pins, runners the pinned tools
//! cannot serve, changelogs in the repository's own style, a release guide that is true,
//! quiet and scriptable output. Every case runs the real binary on a small fixture.

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
    pyrel(dir)
        .env("PYREL_TODAY", "2026-11-02")
        .args(args)
        .output()
        .unwrap()
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

// ---------------------------------------------------------------------------------------
// 2. Runners pyrel's pinned tools cannot serve are refused where they enter.

#[test]
fn a_macos_or_windows_runner_is_refused_at_load_naming_the_key_and_line() {
    for label in ["macos-latest", "windows-latest", "macos-14", "Windows-2022"] {
        let repo = fixture("single-flat");
        write(
            repo.path(),
            "pyrel.toml",
            &format!("publish = \"trusted\"\n\nrunner = \"{label}\"\n"),
        );
        let before = snapshot_tree(repo.path());
        for args in [&["generate"][..], &["bump", "patch"]] {
            let out = run(repo.path(), args);
            assert_eq!(out.status.code(), Some(2), "{label} {args:?}: {}", stderr(&out));
            let err = stderr(&out);
            assert!(err.contains("pyrel.toml:3"), "{label}: {err}");
            assert!(err.contains(label) && err.contains("Linux"), "{label}: {err}");
            assert!(!err.contains("panicked"), "{err}");
        }
        assert!(snapshot_tree(repo.path()) == before, "{label}: tree changed");
    }
    // The same refusal through `init --set`: exit 2, nothing written.
    let repo = fixture("single-flat");
    let before = snapshot_tree(repo.path());
    let out = run(repo.path(), &["init", "--yes", "--set", "runner=macos-latest"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("runner"), "{}", stderr(&out));
    assert!(snapshot_tree(repo.path()) == before, "init wrote something");
    // Linux labels, GitHub-hosted or self-hosted, still render.
    for label in ["ubuntu-24.04-arm", "self-hosted-linux"] {
        let repo = fixture("single-flat");
        let set = format!("runner={label}");
        let out = run(repo.path(), &["init", "--yes", "--set", &set]);
        assert!(out.status.success(), "{label}: {}", stderr(&out));
        let wf = read(repo.path(), ".github/workflows/release.yml");
        assert!(wf.contains(&format!("runs-on: \"{label}\"")), "{label}");
    }
}
