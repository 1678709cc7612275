//! `scripts/bump_version.py` as a program: its data block cannot carry code, it runs on the
//! oldest Python setup-python installs, `packages --json` lists what a run releases, and its
//! writes never follow a symbolic link nor race another writer.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{fixture, git, pyrel, require_tool, snapshot_tree};

fn python3() -> PathBuf {
    require_tool("python3").expect("python3")
}

fn script(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(python3());
    c.arg("scripts/bump_version.py")
        .args(args)
        .current_dir(dir)
        .env("PYREL_TODAY", "2024-05-01")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GITHUB_REF_TYPE")
        .env_remove("GITHUB_REF_NAME")
        .env_remove("GITHUB_EVENT_NAME");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("python3")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn init(dir: &Path, set: &[&str]) {
    let mut c = pyrel(dir);
    c.args(["init", "--yes"]);
    for s in set {
        c.args(["--set", s]);
    }
    c.assert().success();
}

fn commit_all(dir: &Path) {
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "init"]);
}

/// Values that would end a Python string or docstring, or start a new line of code, reach
/// the script only as data: the script reads them back unchanged and runs nothing.
#[test]
fn hostile_values_in_the_data_block_stay_data() {
    let tmp = tempfile::tempdir().unwrap();
    let marker = tmp.path().join("RAN");
    let evil_name = format!(
        "x\"\"\"+str(__import__('os').system('touch {}'))+\"\"\"'''\\\n\u{2028}é",
        marker.display()
    );
    let data = serde_json::json!({
        "schema": 1,
        "script": "scripts/bump_version.py",
        "tag_format": "v{version}",
        "versioning": "lockstep",
        "testpypi": "prereleases",
        "dev_builds": false,
        "changelog": null,
        "repository_url": null,
        "packages": [{
            "name": evil_name, "normalized": "x", "dir": "pkg\"\"\"\n'''\\", "vcs": false,
            "sources": [{"kind": "project", "path": "pyproject.toml"}],
            "dep_files": ["pyproject.toml"], "changelog": null
        }]
    });
    let text = pyrel::testing::bump::script::with_data(&data.to_string()).unwrap();
    assert!(text.is_ascii(), "the generated script is ASCII-only");
    std::fs::create_dir_all(tmp.path().join("scripts")).unwrap();
    std::fs::write(tmp.path().join("scripts/bump_version.py"), text).unwrap();
    std::fs::write(
        tmp.path().join("pyproject.toml"),
        "[project]\nname = \"x\"\nversion = \"1.0.0\"\n",
    )
    .unwrap();
    let out = script(tmp.path(), &["packages", "--json"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(listed[0]["name"], data["packages"][0]["name"]);
    assert_eq!(listed[0]["dir"], data["packages"][0]["dir"]);
    assert_eq!(listed[0]["version"], "1.0.0");
    assert!(!marker.exists(), "code in a value ran");
}

/// The script parses under Python 3.8's grammar (the oldest setup-python still installs).
#[test]
fn the_script_is_python_38_and_importable() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/scripts/bump_version.py");
    let out = Command::new(python3())
        .args([
            "-c",
            "import ast, sys, importlib.util as u\n\
             src = open(sys.argv[1]).read()\n\
             ast.parse(src, feature_version=(3, 8))\n\
             spec = u.spec_from_file_location('bv', sys.argv[1]); m = u.module_from_spec(spec)\n\
             spec.loader.exec_module(m)\n\
             assert m.normalize('1.0-RC.1') == '1.0rc1'\n\
             print('ok')",
        ])
        .arg(&src)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).trim(), "ok");
}

#[test]
fn packages_json_lists_the_released_packages_in_dependency_order() {
    let d = fixture("uv-workspace");
    init(d.path(), &[]);
    let out = script(d.path(), &["packages", "--json"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dashboard-core", "dashboard-api", "dashboard"]);
    assert_eq!(v[0]["dir"], "libs/core");
    assert_eq!(v[0]["version"], "2.0.0");
    assert_eq!(v[0]["tag"], "v2.0.0");

    // Independent versioning: a tag releases the package it names; `a-v` is not `a`.
    let d = fixture("uv-workspace");
    init(
        d.path(),
        &["tag-format={name}-v{version}", "versioning=independent"],
    );
    let env = [
        ("GITHUB_REF_TYPE", "tag"),
        ("GITHUB_REF_NAME", "dashboard-api-v2.0.0"),
    ];
    let out = script(d.path(), &["packages", "--json"], &env);
    assert!(out.status.success(), "{}", stderr(&out));
    let v: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    assert_eq!(v.as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v[0]["name"], "dashboard-api");
    assert_eq!(v[0]["tag"], "dashboard-api-v2.0.0");
}

/// A committed symlink in the way of a write is refused before anything is written, and the
/// file outside the repository keeps its bytes.
#[test]
fn bump_never_writes_through_a_symlink() {
    let outside = tempfile::tempdir().unwrap();
    let target = outside.path().join("CHANGELOG.md");
    std::fs::write(&target, "# outside\n\n## [Unreleased]\n\n- x\n").unwrap();
    let d = fixture("single-src");
    init(d.path(), &[]);
    // The changelog is a link to a file outside.
    std::fs::remove_file(d.path().join("CHANGELOG.md")).unwrap();
    std::os::unix::fs::symlink(&target, d.path().join("CHANGELOG.md")).unwrap();
    // A planted link with the old fixed temp name.
    std::os::unix::fs::symlink(&target, d.path().join(".pyrel-pyproject.toml.tmp")).unwrap();
    let before = snapshot_tree(d.path());
    let out = script(d.path(), &["bump", "patch"], &[]);
    assert!(!out.status.success());
    assert!(
        stderr(&out).contains("refusing to write through the symbolic link CHANGELOG.md"),
        "{}",
        stderr(&out)
    );
    assert!(snapshot_tree(d.path()) == before, "the tree changed");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "# outside\n\n## [Unreleased]\n\n- x\n"
    );

    // Without the changelog link, the planted temp name is never used.
    std::fs::remove_file(d.path().join("CHANGELOG.md")).unwrap();
    std::fs::write(d.path().join("CHANGELOG.md"), "## [Unreleased]\n\n- y\n").unwrap();
    let out = script(d.path(), &["bump", "patch"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        "# outside\n\n## [Unreleased]\n\n- x\n"
    );
    let leftovers: Vec<_> = std::fs::read_dir(d.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let n = e.file_name().to_string_lossy().into_owned();
            n.starts_with(".pyrel-") && n != ".pyrel-pyproject.toml.tmp"
        })
        .collect();
    assert!(leftovers.is_empty(), "temp files left: {leftovers:?}");
}

/// One writer at a time: while another process holds `.git/pyrel.lock`, the script's bump
/// waits, then refuses and writes nothing.
#[test]
fn bump_waits_for_the_repository_lock_then_refuses() {
    let d = fixture("single-src");
    init(d.path(), &[]);
    commit_all(d.path());
    let mut holder = Command::new(python3())
        .args([
            "-c",
            "import fcntl, os, sys, time\n\
             fd = os.open('.git/pyrel.lock', os.O_RDWR | os.O_CREAT, 0o644)\n\
             fcntl.flock(fd, fcntl.LOCK_EX)\n\
             print('held', flush=True)\n\
             time.sleep(30)",
        ])
        .current_dir(d.path())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(holder.stdout.as_mut().unwrap()),
        &mut line,
    )
    .unwrap();
    assert_eq!(line.trim(), "held");
    let before = snapshot_tree(d.path());
    let out = script(d.path(), &["bump", "patch"], &[]);
    let _ = holder.kill();
    let _ = holder.wait();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("pyrel.lock is held"),
        "{}",
        stderr(&out)
    );
    assert!(snapshot_tree(d.path()) == before);
    // Released: the bump goes through.
    let out = script(d.path(), &["bump", "patch"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// A UTF-8 byte order mark at the start of `pyproject.toml` and `__init__.py` is kept, and the
/// version behind it is found and bumped, by pyrel and by the script alike.
#[test]
fn a_byte_order_mark_is_handled_as_pyrel_handles_it() {
    let d = fixture("single-flat");
    init(d.path(), &[]);
    for f in ["pyproject.toml", "widgets/__init__.py"] {
        let p = d.path().join(f);
        let text = std::fs::read_to_string(&p).unwrap();
        std::fs::write(&p, format!("\u{feff}{text}")).unwrap();
    }
    let copy = tempfile::tempdir().unwrap();
    common::copy_dir(d.path(), copy.path());
    pyrel(d.path())
        .env("PYREL_TODAY", "2024-05-01")
        .args(["bump", "patch"])
        .assert()
        .success();
    let out = script(copy.path(), &["bump", "patch"], &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    for f in ["pyproject.toml", "widgets/__init__.py", "CHANGELOG.md"] {
        let a = std::fs::read_to_string(d.path().join(f)).unwrap();
        let b = std::fs::read_to_string(copy.path().join(f)).unwrap();
        assert_eq!(a, b, "{f}");
        if f != "CHANGELOG.md" {
            assert!(a.starts_with('\u{feff}') && a.contains("1.4.1"), "{f}: {a}");
        }
    }
}

/// Issue 8's reproduction: a bump-script path built to close the docstring and run code.
/// pyrel either refuses the path (exit 2, nothing written) or writes a script in which the
/// path is inert data; either way running the script runs nothing.
#[test]
fn a_crafted_script_path_never_runs_as_code() {
    let d = fixture("single-flat");
    let marker = d.path().join("RAN");
    let path = format!(
        "scripts/x\"\"\"+str(__import__(\"os\").system(\"touch {}\"))+\"\"\"y.py",
        marker.display()
    );
    let value = serde_json::Value::from(path.clone()).to_string();
    let before = snapshot_tree(d.path());
    let out = pyrel(d.path())
        .args([
            "init",
            "--yes",
            "--set",
            &format!("files.bump-script={value}"),
        ])
        .output()
        .unwrap();
    match out.status.code() {
        Some(2) => assert!(snapshot_tree(d.path()) == before, "refused but wrote"),
        Some(0) => {
            let script = d.path().join(&path);
            let text = std::fs::read_to_string(&script).unwrap();
            assert!(text.is_ascii());
            assert_eq!(
                text.matches("\"\"\"+str(").count(),
                0,
                "the path is not in the code"
            );
            let run = Command::new(python3())
                .arg(&script)
                .arg("current")
                .current_dir(d.path())
                .output()
                .unwrap();
            assert!(run.status.success(), "{}", stderr(&run));
        }
        other => panic!("exit {other:?}: {}", String::from_utf8_lossy(&out.stderr)),
    }
    assert!(!marker.exists(), "the crafted path ran as code");
}

/// The script is a plain Python file: ruff (pyflakes, pycodestyle errors, bugbear) finds
/// nothing in it, read as Python 3.8.
#[test]
fn the_script_passes_ruff() {
    let ruff = require_tool("ruff").expect("ruff");
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/scripts/bump_version.py");
    let out = Command::new(ruff)
        .args([
            "check",
            "--isolated",
            "--no-cache",
            "--target-version",
            "py38",
        ])
        .args(["--select", "E4,E7,E9,F,B", "--output-format", "concise"])
        .arg(&src)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}{}", stdout(&out), stderr(&out));
}

/// Concurrent bumps of the script never mix: in each of several pairs run at once, the lock
/// lets one write at a time (the other waits, or refuses with nothing written), and every
/// version source of every package always ends on the same version.
#[test]
fn concurrent_script_bumps_never_leave_mixed_versions() {
    let d = fixture("uv-workspace");
    init(d.path(), &[]);
    commit_all(d.path());
    let sources = [
        "libs/core/pyproject.toml",
        "libs/core/src/dashboard_core/__init__.py",
        "libs/api/pyproject.toml",
        "libs/api/src/dashboard_api/__init__.py",
        "libs/dashboard/pyproject.toml",
        "libs/dashboard/src/dashboard/__init__.py",
    ];
    let mut patch = 0;
    for _ in 0..4 {
        let spawn = || {
            Command::new(python3())
                .args(["scripts/bump_version.py", "bump", "patch", "--no-changelog"])
                .current_dir(d.path())
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        for child in [a, b] {
            let out = child.wait_with_output().unwrap();
            match out.status.code() {
                Some(0) => patch += 1,
                Some(1) => assert!(
                    stderr(&out).contains("pyrel.lock is held"),
                    "{}",
                    stderr(&out)
                ),
                other => panic!("exit {other:?}: {}", stderr(&out)),
            }
        }
        let want = format!("\"2.0.{patch}\"");
        for s in sources {
            let text = std::fs::read_to_string(d.path().join(s)).unwrap();
            assert!(text.contains(&want), "{s} is not at {want}:\n{text}");
        }
    }
    assert!(
        patch >= 4,
        "at least one bump of each pair went through ({patch})"
    );
}

/// The script reads sibling requirements where pyrel reads them, and moves them the same way:
/// `[dependency-groups]` and an inline `optional-dependencies` table in pyproject.toml, and
/// setup.cfg's `install-requires` spelled with a dash, a `:` separator and mixed case. A
/// `~=1` pin the bump does not move (not a valid specifier) is left alone, as pyrel leaves it.
#[test]
fn sibling_requirements_are_read_and_moved_as_pyrel_moves_them() {
    let edit = |dir: &Path, rel: &str, from: &str, to: &str| {
        let p = dir.join(rel);
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(text.contains(from), "{rel}: {text}");
        std::fs::write(&p, text.replacen(from, to, 1)).unwrap();
    };
    // A uv workspace at 2.0.0.
    let d = fixture("uv-workspace");
    edit(
        d.path(),
        "libs/dashboard/pyproject.toml",
        "[project.optional-dependencies]\ndev = [\"ruff==2.0.0\", \"pytest>=8\"]\n",
        "[dependency-groups]\ntest = [\"dashboard-core==2.0.0\", {include-group = \"lint\"}]\n\
         lint = [\"dashboard-api~=1\"]\n",
    );
    edit(
        d.path(),
        "libs/api/pyproject.toml",
        "\"fastapi>=0.110\",\n]\n",
        "\"fastapi>=0.110\",\n]\noptional-dependencies = { all = [\"dashboard-core>=2.0.0\"] }\n",
    );
    // Three setuptools packages at 0.9.0; gamma's setup.cfg requires alpha.
    let s = fixture("setup-py-multi");
    edit(
        s.path(),
        "packages/gamma/setup.cfg",
        "install_requires =\n    six>=1.16\n",
        "Install-Requires:\n    six>=1.16\n    alpha==0.9.0\n",
    );
    for (d, moved) in [
        (
            &d,
            &[
                ("libs/dashboard/pyproject.toml", "\"dashboard-core==2.0.1\""),
                ("libs/dashboard/pyproject.toml", "\"dashboard-api~=1\""),
                ("libs/api/pyproject.toml", "\"dashboard-core>=2.0.1\""),
            ][..],
        ),
        (
            &s,
            &[("packages/gamma/setup.cfg", "    alpha==0.9.1\n")][..],
        ),
    ] {
        init(d.path(), &[]);
        let copy = tempfile::tempdir().unwrap();
        common::copy_dir(d.path(), copy.path());
        pyrel(d.path())
            .env("PYREL_TODAY", "2024-05-01")
            .args(["bump", "patch"])
            .assert()
            .success();
        let out = script(copy.path(), &["bump", "patch"], &[]);
        assert!(out.status.success(), "{}", stderr(&out));
        for (rel, want) in moved {
            let text = std::fs::read_to_string(copy.path().join(rel)).unwrap();
            assert!(text.contains(want), "{rel}: {text}");
        }
        assert!(
            snapshot_tree(d.path()) == snapshot_tree(copy.path()),
            "pyrel and the script differ"
        );
    }
}

/// `notes VERSION` as the release job runs it on a tag: with independent versioning the notes
/// come from the changelog of the package the tag releases; a version without a section is
/// an error (exit 1) that names the changelog.
#[test]
fn notes_on_a_tag_come_from_the_released_packages_changelog() {
    let d = fixture("uv-workspace");
    init(
        d.path(),
        &["tag-format={name}-v{version}", "versioning=independent"],
    );
    let log = d.path().join("libs/core/CHANGELOG.md");
    let seeded = std::fs::read_to_string(&log).unwrap();
    std::fs::write(
        &log,
        seeded.replacen(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n### Fixed\n\n- The core no longer drops rows.\n",
            1,
        ),
    )
    .unwrap();
    commit_all(d.path());
    pyrel(d.path())
        .env("PYREL_TODAY", "2024-05-01")
        .args([
            "bump",
            "minor",
            "--package",
            "dashboard-core",
            "--commit",
            "--tag",
        ])
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .assert()
        .success();
    let tag = [
        ("GITHUB_REF_TYPE", "tag"),
        ("GITHUB_REF_NAME", "dashboard-core-v2.1.0"),
    ];
    let out = script(d.path(), &["notes", "2.1.0"], &tag);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out),
        "### Fixed\n\n- The core no longer drops rows.\n"
    );
    let out = script(d.path(), &["notes", "2.2.0"], &tag);
    assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
    assert!(
        stderr(&out).contains("libs/core/CHANGELOG.md has no section for 2.2.0"),
        "{}",
        stderr(&out)
    );
}

/// A package whose version pyrel cannot read (computed in setup.py): the plan job's `route`
/// and `packages --json` still answer (the version comes from the packages that have one, as
/// pyrel's route takes it), and bumping that package is refused as pyrel refuses it (exit 2),
/// never a traceback.
#[test]
fn a_package_without_a_readable_version_neither_breaks_the_plan_nor_crashes_a_bump() {
    let d = fixture("real-setup-reads");
    init(d.path(), &[]);
    let push = [
        ("GITHUB_EVENT_NAME", "push"),
        ("GITHUB_REF_TYPE", "branch"),
        ("GITHUB_REF_NAME", "main"),
    ];
    let out = script(d.path(), &["route"], &push);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("version=12.26.0\n"),
        "{}",
        stdout(&out)
    );
    let out = script(d.path(), &["packages", "--json"], &push);
    assert!(out.status.success(), "{}", stderr(&out));
    let listed: serde_json::Value = serde_json::from_str(stdout(&out).trim()).unwrap();
    let names: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(names.contains(&"opaque"), "{names:?}");
    let before = snapshot_tree(d.path());
    let out = script(d.path(), &["bump", "patch", "--package", "opaque"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("error: opaque: no version found in opaque/setup.py"),
        "{}",
        stderr(&out)
    );
    assert!(snapshot_tree(d.path()) == before);
}
