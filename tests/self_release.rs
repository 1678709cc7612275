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
    assert!(all_runs.contains("\"pyrel==$PYREL_VERSION\""));
    assert!(all_runs.contains("doctor --format github"));
    assert!(all_runs.contains("--only-binary :all:"));
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
