//! The data paths the speed work of issue 12 changed, proved to give the same answers:
//! discovery reading package directories on several threads, files opened once, the
//! compiled-code detection done from the manifests discovery parsed, the per-package
//! lookups of doctor and bump keyed by name. Timings are the benchmark's business
//! (`benches/speed`); these tests assert behaviour only.

use crate::common;

use std::path::Path;
use std::time::Duration;

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// A uv workspace of `n` members `libs/pkg-NNN` (enough to be read on several threads),
/// each pinning its parent in a binary tree, with a `__version__`.
fn workspace(n: usize) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(
        &root.join("pyproject.toml"),
        "[tool.uv.workspace]\nmembers = [\"libs/*\"]\n",
    );
    for i in 0..n {
        let name = format!("pkg-{i:03}");
        let deps = if i > 0 {
            format!("\"pkg-{:03}>=1.0\"", (i - 1) / 2)
        } else {
            String::new()
        };
        write(
            &root.join(format!("libs/{name}/pyproject.toml")),
            &format!(
                "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n\
                 [project]\nname = \"{name}\"\nversion = \"1.0.0\"\ndependencies = [{deps}]\n"
            ),
        );
        write(
            &root.join(format!("libs/{name}/src/pkg_{i:03}/__init__.py")),
            "__version__ = \"1.0.0\"\n",
        );
    }
    common::git(root, &["init", "-q", "-b", "main"]);
    common::git(
        root,
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/widgets.git",
        ],
    );
    tmp
}

fn stdout(dir: &Path, args: &[&str]) -> String {
    let out = common::pyrel(dir)
        .args(args)
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyrel {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn discovery_on_several_threads_finds_every_package_in_dependency_order() {
    let n = 300;
    let tmp = workspace(n);
    let v: serde_json::Value =
        serde_json::from_str(&stdout(tmp.path(), &["version", "--format", "json"])).unwrap();
    let packages = v["packages"].as_array().unwrap();
    assert_eq!(packages.len(), n);
    // A dependency always comes before its dependents, and every package is there once.
    let pos = |name: &str| {
        packages
            .iter()
            .position(|p| p["name"] == name)
            .unwrap_or_else(|| panic!("{name} missing"))
    };
    for i in 1..n {
        assert!(pos(&format!("pkg-{:03}", (i - 1) / 2)) < pos(&format!("pkg-{i:03}")));
    }
    // Each package kept both its version sources (pyproject and `__version__`).
    let bump = stdout(tmp.path(), &["bump", "minor", "--dry-run"]);
    for i in [0, 1, 150, 151, n - 1] {
        assert!(
            bump.contains(&format!("libs/pkg-{i:03}/pyproject.toml")),
            "pkg-{i:03}: {bump}"
        );
        assert!(
            bump.contains(&format!("libs/pkg-{i:03}/src/pkg_{i:03}/__init__.py")),
            "pkg-{i:03}"
        );
    }
}

#[test]
fn the_first_bad_package_in_directory_order_is_the_one_reported() {
    // Two members with invalid names, one early and one late: whatever thread reads
    // which, the error names the first one, as one loop over the directories would.
    let tmp = workspace(300);
    for i in [20, 280] {
        let path = tmp.path().join(format!("libs/pkg-{i:03}/pyproject.toml"));
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace(&format!("name = \"pkg-{i:03}\""), "name = \"bad name\"");
        std::fs::write(&path, text).unwrap();
    }
    for _ in 0..5 {
        let out = common::pyrel(tmp.path())
            .arg("version")
            .timeout(Duration::from_secs(60))
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("libs/pkg-020/pyproject.toml"), "{err}");
        assert!(!err.contains("pkg-280"), "{err}");
    }
}

#[test]
fn a_problem_in_one_package_leaves_the_others_whatever_thread_reads_them() {
    let tmp = workspace(300);
    // Unparsable TOML in a late member: a problem of that package, reported by doctor at
    // its file and line; the 299 others are found.
    write(
        &tmp.path().join("libs/pkg-250/pyproject.toml"),
        "[project]\nname = \"pkg-250\"\nversion = \n",
    );
    let v: serde_json::Value =
        serde_json::from_str(&stdout(tmp.path(), &["version", "--format", "json"])).unwrap();
    assert_eq!(v["packages"].as_array().unwrap().len(), 299);
    let out = common::pyrel(tmp.path())
        .args(["doctor", "--offline", "--format", "json"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let found = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "libs/pkg-250/pyproject.toml")
        .unwrap_or_else(|| panic!("no finding for pkg-250: {report}"));
    assert_eq!(found["line"], 3, "{found}");
}

#[cfg(unix)]
#[test]
fn a_fifo_or_a_directory_where_a_manifest_would_be_is_no_manifest_and_never_blocks() {
    let tmp = workspace(3);
    let dir = tmp.path().join("libs/pkg-001");
    let st = std::process::Command::new("mkfifo")
        .arg(dir.join("setup.cfg"))
        .status()
        .unwrap();
    assert!(st.success());
    std::fs::create_dir(dir.join("setup.py")).unwrap();
    // A FIFO would block a plain open until a writer comes: the timeout proves it does not.
    let out = stdout(tmp.path(), &["version"]);
    assert!(out.contains("pkg-001  1.0.0"), "{out}");
}

#[test]
fn compiled_code_is_detected_from_the_manifests_discovery_read() {
    let tmp = workspace(8);
    let root = tmp.path();
    let set = |i: usize, build: &str, extra: &str| {
        let name = format!("pkg-{i:03}");
        write(
            &root.join(format!("libs/{name}/pyproject.toml")),
            &format!("{build}\n[project]\nname = \"{name}\"\nversion = \"1.0.0\"\n{extra}"),
        );
    };
    // Cython among the build requirements (any case, with a specifier).
    set(
        1,
        "[build-system]\nrequires = [\"setuptools\", \"Cython>=3\"]\nbuild-backend = \"setuptools.build_meta\"",
        "",
    );
    // setuptools ext-modules in pyproject.toml.
    set(
        2,
        "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"",
        "\n[tool.setuptools]\next-modules = [{name = \"pkg_002._speed\", sources = [\"src/speed.c\"]}]\n",
    );
    // maturin, as an inline table.
    set(
        3,
        "build-system = { requires = [\"maturin>=1\"], build-backend = \"maturin\" }",
        "",
    );
    // A requirement that only starts like Cython is not Cython.
    set(
        4,
        "[build-system]\nrequires = [\"cython-lint\", \"hatchling\"]\nbuild-backend = \"hatchling.build\"",
        "",
    );
    // Extension modules in setup.py next to a pyproject.toml that does not say so.
    write(
        &root.join("libs/pkg-005/setup.py"),
        "from setuptools import setup, Extension\nsetup(ext_modules=[Extension(\"pkg_005._c\", [\"c.c\"])])\n",
    );
    common::pyrel(root)
        .args(["init", "--yes"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let wf = std::fs::read_to_string(root.join(".github/workflows/release.yml")).unwrap();
    for line in [
        "#   pkg-001 (Cython): pypa/cibuildwheel",
        "#   pkg-002 (setuptools ext-modules): pypa/cibuildwheel",
        "#   pkg-003 (maturin): PyO3/maturin-action",
        "#   pkg-005 (setuptools extension modules): pypa/cibuildwheel",
    ] {
        assert!(wf.contains(line), "{line}\n{wf}");
    }
    assert!(!wf.contains("#   pkg-004"), "{wf}");
    assert!(!wf.contains("#   pkg-000"), "{wf}");
    // What generate wrote is what doctor and generate --check expect.
    common::pyrel(root)
        .args(["generate", "--check"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
}

#[cfg(unix)]
#[test]
fn an_offline_doctor_never_reads_the_tls_certificate_store() {
    // The system's root certificates are read when the HTTP client is made. Pointed at a
    // FIFO nobody writes, that read would block: offline, the client is never made.
    let tmp = workspace(3);
    let fifo = tmp.path().join("certs.fifo");
    let st = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(st.success());
    common::pyrel(tmp.path())
        .args(["init", "--yes"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    // The FIFO is not a repository file the scan would read: leave it out of the walk.
    std::fs::write(tmp.path().join(".git/info/exclude"), "certs.fifo\n").unwrap();
    for args in [
        &["doctor", "--offline"][..],
        &["doctor", "--offline", "--select", "committed-credential"],
    ] {
        common::pyrel(tmp.path())
            .args(args)
            .env("SSL_CERT_FILE", &fifo)
            .env_remove("SSL_CERT_DIR")
            .timeout(Duration::from_secs(20))
            .assert()
            .success();
    }
}

/// Rewrites one member's `pyproject.toml` with `f`.
fn edit(root: &Path, rel: &str, f: impl Fn(String) -> String) {
    let path = root.join(rel);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, f(text)).unwrap();
}

#[test]
fn bump_rewrites_every_pin_among_many_packages_and_still_refuses_a_symlink_deep_down() {
    let tmp = workspace(300);
    let root = tmp.path();
    // Exact pins: each must follow the bump.
    for i in 1..300 {
        edit(root, &format!("libs/pkg-{i:03}/pyproject.toml"), |t| {
            t.replace(">=1.0\"", "==1.0.0\"")
        });
    }
    let out = stdout(root, &["bump", "minor", "--dry-run"]);
    for i in 1..300 {
        assert!(
            out.contains(&format!(
                "+dependencies = [\"pkg-{:03}==1.1.0\"]",
                (i - 1) / 2
            )),
            "pin of pkg-{i:03}"
        );
    }
    // A symlinked directory below a package that many others share parents with: the
    // parents already seen are not asked again, the symlink still is.
    let pkg = root.join("libs/pkg-250");
    std::fs::rename(pkg.join("src"), root.join("elsewhere")).unwrap();
    std::os::unix::fs::symlink(root.join("elsewhere"), pkg.join("src")).unwrap();
    let out = common::pyrel(root)
        .args(["bump", "minor", "--dry-run"])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("libs/pkg-250/src` is a symbolic link"),
        "{err}"
    );
}

#[test]
fn doctor_finds_each_outlier_and_broken_pin_among_many_independent_packages() {
    let tmp = workspace(300);
    let root = tmp.path();
    edit(root, "pyproject.toml", |t| {
        t + "\n[tool.pyrel]\nversioning = \"independent\"\ntag-format = \"{name}-v{version}\"\n"
    });
    // Independent versions: package 7 at 2.0.0 (both sources), package 120's
    // `__version__` left behind, and package 241 pinning its parent (120) too high.
    edit(root, "libs/pkg-007/pyproject.toml", |t| {
        t.replace("version = \"1.0.0\"", "version = \"2.0.0\"")
    });
    std::fs::write(
        root.join("libs/pkg-007/src/pkg_007/__init__.py"),
        "__version__ = \"2.0.0\"\n",
    )
    .unwrap();
    std::fs::write(
        root.join("libs/pkg-120/src/pkg_120/__init__.py"),
        "__version__ = \"0.9.0\"\n",
    )
    .unwrap();
    edit(root, "libs/pkg-241/pyproject.toml", |t| {
        t.replace("\"pkg-120>=1.0\"", "\"pkg-120>=1.5\"")
    });
    let out = common::pyrel(root)
        .args([
            "doctor",
            "--offline",
            "--format",
            "json",
            "--select",
            "version-sync,sibling-pins",
        ])
        .timeout(Duration::from_secs(60))
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings: Vec<(String, String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["name"].as_str().unwrap().to_owned(),
                f["path"].as_str().unwrap().to_owned(),
                f["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        findings,
        [
            (
                "version-sync".to_owned(),
                "libs/pkg-120/src/pkg_120/__init__.py".to_owned(),
                1
            ),
            (
                "sibling-pins".to_owned(),
                "libs/pkg-241/pyproject.toml".to_owned(),
                8
            ),
        ],
        "{report}"
    );
}

#[test]
fn independent_packages_each_get_one_seeded_changelog_among_many() {
    let tmp = workspace(300);
    let root = tmp.path();
    edit(root, "pyproject.toml", |t| {
        t + "\n[tool.pyrel]\nversioning = \"independent\"\ntag-format = \"{name}-v{version}\"\n"
    });
    let out = stdout(root, &["generate", "--dry-run"]);
    for i in [0, 1, 150, 299] {
        let own = format!("stale: libs/pkg-{i:03}/CHANGELOG.md (missing)");
        assert_eq!(out.matches(own.as_str()).count(), 1, "{own}: {out}");
    }
    common::pyrel(root)
        .arg("generate")
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    for i in 0..300 {
        assert!(root.join(format!("libs/pkg-{i:03}/CHANGELOG.md")).is_file());
    }
    common::pyrel(root)
        .args(["generate", "--check"])
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
}
