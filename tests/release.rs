//! Release decisions through the real binary and the real script: the first release of a
//! repository that was never released, `pyrel version --short`, and what a tagging bump
//! says the workflow will do.

use crate::common;

use std::path::Path;
use std::process::{Command, Output};

use common::{fixture, git, pyrel, require_tool};

/// Sets the version of the single-flat fixture (1.4.0) in both its sources.
fn set_version(dir: &Path, version: &str) {
    for (file, from) in [
        ("pyproject.toml", "version = \"1.4.0\""),
        ("widgets/__init__.py", "__version__ = \"1.4.0\""),
    ] {
        let f = dir.join(file);
        let text = std::fs::read_to_string(&f).unwrap();
        assert!(text.contains(from), "{file}");
        std::fs::write(&f, text.replacen(from, &from.replace("1.4.0", version), 1)).unwrap();
    }
}

fn script(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(require_tool("python3").expect("python3"));
    c.arg("scripts/bump_version.py")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("PYREL_TODAY", "2024-05-01");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// A repository at 0.1.0 with a seeded changelog and no tag releases 0.1.0 itself:
/// `pyrel bump release --commit --tag` rolls [Unreleased] into a 0.1.0 section without
/// touching the version, and the workflow's route accepts the tag and sends it to PyPI.
#[test]
fn first_release_of_the_current_version() {
    let d = fixture("single-flat");
    set_version(d.path(), "0.1.0");
    pyrel(d.path()).args(["init", "--yes"]).assert().success();
    let log = d.path().join("CHANGELOG.md");
    let seeded = std::fs::read_to_string(&log).unwrap();
    std::fs::write(
        &log,
        seeded.replacen(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n### Added\n\n- The first widgets.\n",
            1,
        ),
    )
    .unwrap();
    git(d.path(), &["add", "-A"]);
    git(d.path(), &["commit", "-q", "-m", "init"]);
    let pyproject = std::fs::read_to_string(d.path().join("pyproject.toml")).unwrap();

    // Before: the workflow refuses the tag (no changelog section yet).
    let env = [
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_REF_TYPE", "tag"),
        ("GITHUB_REF_NAME", "v0.1.0"),
    ];
    let out = script(d.path(), &["route"], &env);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("CHANGELOG.md has no section for 0.1.0"));

    // An explicit version equal to the current one points at `release`.
    pyrel(d.path())
        .args(["bump", "0.1.0"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains("run `pyrel bump release`"));
    let out = script(d.path(), &["bump", "0.1.0"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("run `bump release`"));

    pyrel(d.path())
        .env("PYREL_TODAY", "2024-05-01")
        .env("GIT_AUTHOR_NAME", "T")
        .env("GIT_AUTHOR_EMAIL", "t@example.invalid")
        .env("GIT_COMMITTER_NAME", "T")
        .env("GIT_COMMITTER_EMAIL", "t@example.invalid")
        .args(["bump", "release", "--commit", "--tag"])
        .assert()
        .success()
        .stdout(predicates::str::contains("widgets 0.1.0 -> 0.1.0"))
        .stdout(predicates::str::contains("tagged v0.1.0"))
        .stdout(predicates::str::contains(
            "the release workflow will publish 0.1.0 to PyPI and a GitHub Release",
        ));
    assert_eq!(
        std::fs::read_to_string(d.path().join("pyproject.toml")).unwrap(),
        pyproject,
        "the version is unchanged"
    );
    let rolled = std::fs::read_to_string(&log).unwrap();
    assert!(
        rolled.contains("## [0.1.0] - 2024-05-01\n\n### Added\n\n- The first widgets."),
        "{rolled}"
    );

    let out_file = tempfile::NamedTempFile::new().unwrap();
    let path = out_file.path().to_str().unwrap().to_string();
    let out = script(d.path(), &["route", "--github-output", &path], &env);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let outputs = std::fs::read_to_string(&path).unwrap();
    for line in [
        "pypi=true",
        "testpypi=false",
        "github-release=true",
        "version=0.1.0",
        "tag=v0.1.0",
    ] {
        assert!(outputs.lines().any(|l| l == line), "{line} in {outputs}");
    }

    // Released: `release` again is refused, by pyrel and by the script.
    pyrel(d.path())
        .args(["bump", "release"])
        .assert()
        .code(1)
        .stderr(predicates::str::contains(
            "0.1.0 is already released: the tag v0.1.0 exists",
        ));
    let out = script(d.path(), &["bump", "release"], &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already released"));
}

#[test]
fn version_short_prints_the_version_of_record() {
    let d = fixture("uv-workspace");
    pyrel(d.path())
        .args(["version", "--short"])
        .assert()
        .success()
        .stdout("2.0.0\n");
    pyrel(d.path())
        .args(["version", "--short", "--package", "dashboard_api"])
        .assert()
        .success()
        .stdout("2.0.0\n");
    let f = d.path().join("libs/api/pyproject.toml");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(
        &f,
        text.replacen("version = \"2.0.0\"", "version = \"2.1.0rc1\"", 1),
    )
    .unwrap();
    pyrel(d.path())
        .args(["version", "--short"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "different versions (2.0.0, 2.1.0rc1)",
        ))
        .stderr(predicates::str::contains("--package NAME"));
    pyrel(d.path())
        .args(["version", "--short", "-p", "dashboard-api"])
        .assert()
        .success()
        .stdout("2.1.0rc1\n");
    // An unknown package is named, with the packages there are (as `bump --package` does).
    pyrel(d.path())
        .args(["version", "--short", "-p", "nope"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains(
            "no package named `nope` in this repository",
        ))
        .stderr(predicates::str::contains("packages: "));
}

/// A local label survives a bump, as `uv version --bump` keeps it; pyrel and the script agree.
#[test]
fn a_local_version_bumps_like_uv() {
    let uv = require_tool("uv").expect("uv");
    let d = fixture("single-flat");
    set_version(d.path(), "1.2.3+local.1");
    pyrel(d.path()).args(["init", "--yes"]).assert().success();
    let copy = tempfile::tempdir().unwrap();
    common::copy_dir(d.path(), copy.path());
    let uv_out = Command::new(uv)
        .args([
            "version",
            "--bump",
            "minor",
            "--dry-run",
            "--short",
            "--no-sync",
        ])
        .current_dir(d.path())
        .output()
        .unwrap();
    assert!(
        uv_out.status.success(),
        "{}",
        String::from_utf8_lossy(&uv_out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&uv_out.stdout).trim(),
        "1.3.0+local.1"
    );
    pyrel(d.path())
        .args(["bump", "minor", "--no-changelog"])
        .assert()
        .success()
        .stdout(predicates::str::contains(
            "widgets 1.2.3+local.1 -> 1.3.0+local.1",
        ));
    let out = script(copy.path(), &["bump", "minor", "--no-changelog"], &[]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(d.path().join("pyproject.toml")).unwrap(),
        std::fs::read_to_string(copy.path().join("pyproject.toml")).unwrap()
    );
}
