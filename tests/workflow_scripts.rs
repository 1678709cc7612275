//! The Python embedded in the generated release workflow, executed for real, taken from the
//! rendered `release.yml`: the upload loop runs the real twine against a stand-in index on
//! 127.0.0.1 (its JSON API and its upload endpoint) on distributions uv built; the install
//! check installs them with pip from a local simple index and runs them; the build loop
//! builds every package of a workspace twice, byte for byte the same.
//!
//! Issue 25: every path of a release may meet files an earlier attempt uploaded (a re-run,
//! a dispatch with target=pypi on a published tag, `pyrel release --resume`). The loop
//! uploads only what the index lacks, skips a file it has byte for byte, and stops on a
//! different file under the same name, naming it.

use crate::common;
use crate::fake;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{fixture, pyrel, require_tool};
use fake::{FakeServer, Reply, Routes};
use serde_json::json;

const FAKE_TOKEN: &str = "pypi-FAKE-test-token-not-a-secret";

/// The script of the step named `step` in `job` of the rendered release workflow: the
/// text between `<<'PY'` and `PY`.
fn embedded_script(release_yml: &Path, job: &str, step: &str) -> String {
    let wf: serde_norway::Value =
        serde_norway::from_str(&std::fs::read_to_string(release_yml).unwrap()).unwrap();
    let run = wf["jobs"][job]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"].as_str() == Some(step))
        .and_then(|s| s["run"].as_str())
        .unwrap_or_else(|| panic!("no step {step:?} in {job}"))
        .to_owned();
    let start = run.find("<<'PY'\n").expect("heredoc") + "<<'PY'\n".len();
    let end = run[start..].find("\nPY").expect("heredoc end") + start;
    run[start..end].to_owned()
}

struct Setup {
    _repo: tempfile::TempDir,
    work: tempfile::TempDir,
    python: PathBuf,
    script: String,
    wheel: String,
    sdist: String,
}

/// check-clean initialised, its release workflow's upload loop, its distributions built
/// by uv into dist/acme-anvil/, and a virtual environment with the release's twine.
fn setup() -> Setup {
    let repo = fixture("check-clean");
    pyrel(repo.path())
        .args(["init", "--yes", "--set", "repository=acme/anvil"])
        .assert()
        .success();
    let script = embedded_script(
        &repo.path().join(".github/workflows/release.yml"),
        "publish-pypi",
        "Upload every package in dependency order",
    );
    let env = common::uv_offline_env();
    let uv = require_tool("uv").expect("uv");
    let work = tempfile::tempdir().unwrap();
    let run = |cmd: &mut Command| {
        let out = cmd.envs(env.clone()).output().unwrap();
        assert!(
            out.status.success(),
            "{cmd:?}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(Command::new(&uv)
        .args(["build", "--quiet", "--no-sources", "--out-dir"])
        .arg(work.path().join("dist/acme-anvil"))
        .arg(repo.path()));
    run(Command::new(&uv)
        .args(["venv", "--quiet"])
        .arg(work.path().join("venv")));
    let python = work.path().join("venv/bin/python");
    let twine = pyrel_twine();
    run(Command::new(&uv)
        .args(["pip", "install", "--quiet", "--python"])
        .arg(&python)
        .arg(&twine));
    Setup {
        _repo: repo,
        work,
        python,
        script,
        wheel: "acme_anvil-1.4.0-py3-none-any.whl".into(),
        sdist: "acme_anvil-1.4.0.tar.gz".into(),
    }
}

/// `twine==X` as templates/.github/release-requirements.txt pins it.
fn pyrel_twine() -> String {
    let reqs = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/.github/release-requirements.txt"),
    )
    .unwrap();
    reqs.lines()
        .find(|l| l.starts_with("twine=="))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_owned()
}

fn sha256(path: &Path) -> String {
    let out = Command::new("sha256sum").arg(path).output().unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .next()
        .unwrap()
        .to_owned()
}

/// The index answering `GET /pypi/acme-anvil/1.4.0/json` with these files (404 when
/// none) and accepting uploads at /legacy/.
fn index(files: &[(&str, &str)]) -> FakeServer {
    let json_reply = if files.is_empty() {
        Reply::json(404, &json!({"message": "Not Found"}))
    } else {
        Reply::json(
            200,
            &json!({
                "info": {"name": "acme-anvil", "version": "1.4.0"},
                "urls": files.iter().map(|(name, sha)| json!({
                    "filename": name, "digests": {"sha256": sha}, "packagetype": "bdist_wheel",
                })).collect::<Vec<_>>(),
            }),
        )
    };
    Routes::new()
        .route("GET", "/pypi/acme-anvil/1.4.0/json", json_reply)
        .route(
            "POST",
            "/legacy/",
            Reply {
                status: 200,
                headers: Vec::new(),
                body: "OK".into(),
                delay: std::time::Duration::ZERO,
            },
        )
        .start()
}

/// Runs the upload loop against `server`: (exit code, stdout + stderr, uploaded names).
fn upload(s: &Setup, server: &FakeServer) -> (i32, String, Vec<String>) {
    let summary = s.work.path().join("summary.md");
    let out = Command::new(&s.python)
        .args(["-c", &s.script])
        .current_dir(s.work.path())
        .env("PACKAGES", r#"[{"name":"acme-anvil","dir":"."}]"#)
        .env("VERSION", "1.4.0")
        .env("INDEX", "PyPI")
        .env("INDEX_BASE", server.url())
        .env("TWINE_REPOSITORY_URL", format!("{}/legacy/", server.url()))
        .env("TWINE_USERNAME", "__token__")
        .env("TWINE_PASSWORD", FAKE_TOKEN)
        .env("ATTEST", "false")
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env_remove("TWINE_REPOSITORY")
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert!(server.url().starts_with("http://127.0.0.1:"));
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let uploaded = server
        .requests()
        .iter()
        .filter(|r| r.method == "POST")
        .filter_map(|r| {
            let at = r.body.find("filename=\"")? + "filename=\"".len();
            let end = r.body[at..].find('"')? + at;
            Some(r.body[at..end].to_owned())
        })
        .collect();
    (out.status.code().unwrap_or(-1), text, uploaded)
}

#[test]
fn the_upload_loop_uploads_only_what_the_index_lacks_and_refuses_a_different_file() {
    let s = setup();
    let wheel_sha = sha256(&s.work.path().join("dist/acme-anvil").join(&s.wheel));

    // A first release: the index has nothing, both files go up, wheel first.
    let server = index(&[]);
    let (code, text, uploaded) = upload(&s, &server);
    assert_eq!(code, 0, "{text}");
    assert_eq!(uploaded, [s.wheel.clone(), s.sdist.clone()], "{text}");
    assert!(!text.contains(FAKE_TOKEN), "the token leaked");

    // A retry after a partial failure (a dispatch on the published tag): the wheel is
    // there, the same bytes; only the sdist goes up.
    let server = index(&[(&s.wheel, &wheel_sha)]);
    let (code, text, uploaded) = upload(&s, &server);
    assert_eq!(code, 0, "{text}");
    assert_eq!(uploaded, vec![s.sdist.clone()], "{text}");
    assert!(
        text.contains(&format!(
            "{} is on PyPI already, the same file: skipped",
            s.wheel
        )),
        "{text}"
    );

    // Everything there already: nothing is uploaded and the step succeeds.
    let sdist_sha = sha256(&s.work.path().join("dist/acme-anvil").join(&s.sdist));
    let server = index(&[(&s.wheel, &wheel_sha), (&s.sdist, &sdist_sha)]);
    let (code, text, uploaded) = upload(&s, &server);
    assert_eq!(code, 0, "{text}");
    assert!(uploaded.is_empty(), "{uploaded:?}");

    // A different wheel under the same name: an error naming it, nothing uploaded.
    let other = "f".repeat(64);
    let server = index(&[(&s.wheel, &other)]);
    let (code, text, uploaded) = upload(&s, &server);
    assert_ne!(code, 0, "{text}");
    assert!(
        text.contains(&format!(
            "::error::PyPI already has {} with different contents (sha256 {other} there)",
            s.wheel
        )),
        "{text}"
    );
    assert!(uploaded.is_empty(), "{uploaded:?}");
}

/// A PEP 503 simple index on 127.0.0.1 serving `root` (a directory per project under
/// `simple/`): Python's own http.server, whose directory listing is a page of links.
/// Stopped (killed by its handle, then reaped) on drop.
struct SimpleIndex {
    child: std::process::Child,
    url: String,
}

impl SimpleIndex {
    fn start(root: &Path) -> SimpleIndex {
        use std::io::BufRead;
        let python = common::require_tools_python().expect("python");
        let mut child = Command::new(python)
            .args([
                "-u",
                "-m",
                "http.server",
                "0",
                "--bind",
                "127.0.0.1",
                "--directory",
            ])
            .arg(root)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        // "Serving HTTP on 127.0.0.1 port 43521 (http://127.0.0.1:43521/) ..."
        let port: u16 = line
            .split("port ")
            .nth(1)
            .and_then(|r| r.split_whitespace().next())
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line:?}"));
        SimpleIndex {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for SimpleIndex {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The release's install check, from the rendered release.yml, installs the published
/// package from a local index into a fresh `python -m venv` (as the job does) and runs its
/// command through the shared verify() that `pyrel check` runs too: the PyPI route (one
/// index) and the TestPyPI route (the package alone from TestPyPI, dependencies from PyPI).
#[test]
fn the_install_check_installs_from_a_local_index_and_runs_the_package() {
    let s = setup();
    let repo_yml = s._repo.path().join(".github/workflows/release.yml");
    let script = embedded_script(
        &repo_yml,
        "install-check",
        "Install each published package from one index, then run or import it",
    );
    // The index: the built files under simple/acme-anvil/; an empty one for the route
    // whose dependencies come from elsewhere.
    let root = s.work.path().join("index");
    let project = root.join("simple/acme-anvil");
    std::fs::create_dir_all(&project).unwrap();
    std::fs::create_dir_all(root.join("deps")).unwrap();
    for f in [&s.wheel, &s.sdist] {
        std::fs::copy(
            s.work.path().join("dist/acme-anvil").join(f),
            project.join(f),
        )
        .unwrap();
    }
    let index = SimpleIndex::start(&root);
    assert!(index.url.starts_with("http://127.0.0.1:"));

    for (on_pypi, pypi, testpypi, label) in [
        ("true", "simple", "deps", "PyPI"),
        ("false", "deps", "simple", "TestPyPI"),
    ] {
        let venv = s.work.path().join(format!("check-{label}"));
        let python = common::require_tools_python().expect("python");
        let made = Command::new(python)
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .unwrap();
        assert!(made.success());
        let summary = s.work.path().join(format!("summary-{label}.md"));
        let out = Command::new(venv.join("bin/python"))
            .args(["-c", &script])
            .current_dir(s.work.path())
            .env("PACKAGES", r#"[{"name":"acme-anvil","dir":"."}]"#)
            .env("VERSION", "1.4.0")
            .env("ON_PYPI", on_pypi)
            .env("PYPI_SIMPLE", format!("{}/{pypi}/", index.url))
            .env("TESTPYPI_SIMPLE", format!("{}/{testpypi}/", index.url))
            .env("GITHUB_STEP_SUMMARY", &summary)
            .env("PIP_NO_INPUT", "1")
            .env_remove("PIP_INDEX_URL")
            .env_remove("PIP_EXTRA_INDEX_URL")
            .env_remove("PIP_FIND_LINKS")
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "{label}: {text}");
        assert_eq!(
            std::fs::read_to_string(&summary).unwrap(),
            format!("## Install check ({label})\n\n- acme-anvil 1.4.0 runs `acme-anvil`\n"),
            "{text}"
        );
        // The package came from the local index, not from a cache or elsewhere.
        assert!(
            text.contains(&index.url) || text.contains("Looking in indexes"),
            "{text}"
        );
    }
}

/// The release's build loop, from the rendered release.yml, run twice at the commit's
/// SOURCE_DATE_EPOCH with the real uv: the same files byte for byte. The upload loop's
/// rule (a file the index has is skipped when its sha256 is the same, refused otherwise)
/// rests on this.
#[test]
fn the_build_loop_builds_every_package_reproducibly() {
    let repo = fixture("uv-workspace");
    pyrel(repo.path())
        .args(["init", "--yes", "--set", "repository=acme/dashboard"])
        .assert()
        .success();
    common::git(repo.path(), &["add", "-A"]);
    common::git(repo.path(), &["commit", "-qm", "init"]);
    let script = embedded_script(
        &repo.path().join(".github/workflows/release.yml"),
        "build",
        "Build the released packages in dependency order",
    );
    let packages = r#"[{"name":"dashboard-core","dir":"libs/core"},{"name":"dashboard-api","dir":"libs/api"},{"name":"dashboard","dir":"libs/dashboard"}]"#;
    let python = common::require_tools_python().expect("python");
    let build = |n: usize| -> Vec<(String, String)> {
        let work = repo.path().join(format!("build-{n}"));
        std::fs::create_dir_all(&work).unwrap();
        // A checkout of the commit, as the job has.
        common::git(
            repo.path(),
            &["worktree", "add", "-q", "--detach", work.to_str().unwrap()],
        );
        let out = Command::new(&python)
            .args(["-c", &script])
            .current_dir(&work)
            .envs(common::uv_offline_env())
            .env("PACKAGES", packages)
            .env("SOURCE_DATE_EPOCH", "1767225600")
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let mut files = Vec::new();
        for p in ["dashboard-core", "dashboard-api", "dashboard"] {
            let dir = work.join("dist").join(p);
            let mut names: Vec<String> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name().into_string().unwrap())
                // uv also writes a .gitignore into its output directory.
                .filter(|n| n.ends_with(".whl") || n.ends_with(".tar.gz"))
                .collect();
            names.sort();
            for name in names {
                files.push((format!("{p}/{name}"), sha256(&dir.join(&name))));
            }
        }
        files
    };
    let first = build(1);
    // An sdist and a wheel of each package, under dist/<package>/.
    assert_eq!(first.len(), 6, "{first:?}");
    assert!(first
        .iter()
        .any(|(f, _)| f.starts_with("dashboard-core/") && f.ends_with(".whl")));
    assert_eq!(build(2), first, "the build is not reproducible");
}
