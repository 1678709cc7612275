//! pyrel as a Python tool: the root `pyproject.toml` builds a wheel and an sdist with the
//! real maturin, the wheel installs into a fresh virtual environment and its `pyrel` runs
//! the README's example; and the root `pyproject.toml` does not swallow the example.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{git, pyrel, require_tool, require_tools_python};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// maturin's own target dir, inside the tests' one: its build resolves features without
/// the dev-dependencies, so sharing `debug/` would rebuild crates back and forth and
/// replace the `pyrel` binary the other tests are running. Kept between runs, so only the
/// first run compiles.
fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest_dir().join("target"))
        .join("maturin")
}

fn venv_bin(venv: &Path, name: &str) -> PathBuf {
    if cfg!(windows) {
        venv.join("Scripts").join(format!("{name}.exe"))
    } else {
        venv.join("bin").join(name)
    }
}

fn run_ok(cmd: &mut Command) -> String {
    let out = cmd.output().expect("spawn");
    assert!(
        out.status.success(),
        "{cmd:?} exited {:?}\n{}{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn the_wheel_and_sdist_build_and_the_installed_pyrel_runs_the_example() {
    let Some(maturin) = require_tool("maturin") else {
        return;
    };
    let Some(python) = require_tools_python() else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    // The wheel from the checkout, in the dev profile (the release workflow builds release
    // wheels). The sdist is built and its contents checked.
    run_ok(
        Command::new(&maturin)
            .args(["build", "--profile", "dev", "--out"])
            .arg(out.path())
            .current_dir(manifest_dir())
            .env("CARGO_TARGET_DIR", target_dir())
            .env_remove("CARGO_BUILD_TARGET"),
    );
    run_ok(
        Command::new(&maturin)
            .args(["sdist", "--out"])
            .arg(out.path())
            .current_dir(manifest_dir())
            .env("CARGO_TARGET_DIR", target_dir()),
    );
    let files: Vec<PathBuf> = std::fs::read_dir(out.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    let version = env!("CARGO_PKG_VERSION");
    let wheel = files
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .unwrap_or_else(|| panic!("no wheel among {files:?}"));
    let wheel_name = wheel.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        wheel_name.starts_with(&format!("pyrel-{version}-py3-none-")),
        "a binary wheel for any Python 3: {wheel_name}"
    );
    let sdist = out.path().join(format!("pyrel-{version}.tar.gz"));
    assert!(sdist.is_file(), "no sdist among {files:?}");

    // The sdist carries what `cargo build --locked` needs and not the test suite.
    let listing = run_ok(Command::new("tar").arg("tzf").arg(&sdist));
    let root = format!("pyrel-{version}/");
    for needed in [
        "Cargo.toml",
        "Cargo.lock",
        "pyproject.toml",
        "src/main.rs",
        "templates/.github/workflows/release.yml.hbs",
        "LICENSE",
        "README.md",
    ] {
        assert!(
            listing.lines().any(|l| l == format!("{root}{needed}")),
            "sdist lacks {needed}:\n{listing}"
        );
    }
    assert!(
        !listing
            .lines()
            .any(|l| l.starts_with(&format!("{root}tests/"))),
        "the test suite is not shipped:\n{listing}"
    );

    // A fresh environment with nothing but the wheel (no index: what is tested is the file).
    let venv = out.path().join("venv");
    run_ok(
        Command::new(&python)
            .args(["-m", "venv", "--without-pip"])
            .arg(&venv),
    );
    run_ok(
        Command::new(&python)
            .args(["-m", "pip", "--disable-pip-version-check", "--python"])
            .arg(venv_bin(&venv, "python"))
            .args(["install", "--quiet", "--no-index"])
            .arg(wheel),
    );
    let installed = venv_bin(&venv, "pyrel");
    assert!(installed.is_file(), "the wheel installs no pyrel script");
    let v = run_ok(Command::new(&installed).arg("--version"));
    assert_eq!(v.trim(), format!("pyrel {version}"));
    let doctor = run_ok(
        Command::new(&installed)
            .arg("-C")
            .arg(manifest_dir().join("examples/dashboard"))
            .args(["doctor", "--offline"])
            .env("NO_COLOR", "1"),
    );
    assert!(
        doctor.contains("0 errors") && doctor.contains("PR102 version-sync"),
        "{doctor}"
    );
}

/// A repository that ships a wheel has a root `pyproject.toml`; a project under
/// `examples/` is still its own project, as `pyrel -C examples/dashboard` needs.
#[test]
fn a_project_under_examples_is_its_own_even_below_a_python_root() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::write(
        root.join("pyproject.toml"),
        "[build-system]\nrequires = [\"maturin>=1.5,<2\"]\nbuild-backend = \"maturin\"\n\n\
         [project]\nname = \"tool\"\ndynamic = [\"version\"]\n",
    )
    .unwrap();
    let demo = root.join("examples/demo");
    std::fs::create_dir_all(&demo).unwrap();
    std::fs::write(
        demo.join("pyproject.toml"),
        "[project]\nname = \"demo\"\nversion = \"1.4.0\"\n",
    )
    .unwrap();
    git(root, &["init", "-q", "-b", "main"]);

    let out = pyrel(root)
        .args(["-C", "examples/demo", "version", "--format", "json"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let names: Vec<&str> = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["demo"]);
    // From the top level, the repository's own package is the project.
    let out = pyrel(root)
        .args(["version", "--format", "json"])
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["packages"][0]["name"], "tool");
}
