//! Doctor's outputs: JSON validates against docs/doctor-schema.json and SARIF against the
//! official SARIF 2.1.0 schema (both with Python's `jsonschema`), and a known fake token
//! fed through every path (a committed file, GH_TOKEN, server error bodies echoing it)
//! appears in no output of any format.

use crate::common;
use crate::fake;

use std::path::{Path, PathBuf};

use common::{fixture, git, pyrel, tools_dir};
use fake::github as gh;
use fake::Reply;

const FAKE_PYPI_TOKEN: &str = "pypi-AgEIcHlwaS5vcmcFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE";
const FAKE_GH_TOKEN: &str = "ghp_FAKE0000000000000000000000000000000000";

/// The credentials fixture, committed, with origin on the fake GitHub's repository.
fn leaky_repo() -> tempfile::TempDir {
    let dir = fixture("doctor-credentials");
    git(
        dir.path(),
        &[
            "remote",
            "set-url",
            "origin",
            "https://github.com/octocat/Hello-World.git",
        ],
    );
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "leaky"]);
    dir
}

/// Every request answers an error whose body echoes both tokens.
fn echoing_server(status: u16) -> fake::FakeServer {
    fake::Routes::new()
        .always(Reply::error(
            status,
            &format!("Bad credentials: {FAKE_GH_TOKEN} and {FAKE_PYPI_TOKEN}"),
        ))
        .start()
}

fn run(
    dir: &Path,
    format: &str,
    github: &fake::FakeServer,
    index: &fake::FakeServer,
) -> (String, String, i32) {
    let out = pyrel(dir)
        .args(["doctor", "--format", format, "--timeout", "2000"])
        .envs(github.github_env(FAKE_GH_TOKEN))
        .envs(index.pypi_env())
        .env("RUST_LOG", "trace")
        .env("RUST_BACKTRACE", "1")
        .output()
        .unwrap();
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code().unwrap(),
    )
}

#[test]
fn a_token_never_appears_in_any_output() {
    let dir = leaky_repo();
    let fragments = [
        FAKE_PYPI_TOKEN,
        FAKE_GH_TOKEN,
        "cHlwaS5vcmcFAKE",
        "FAKE0000000000",
        "notarealpasswordFAKE",
    ];
    for status in [401, 403, 422, 500] {
        let (github, index) = (echoing_server(status), echoing_server(status));
        for format in ["terminal", "json", "sarif"] {
            let (stdout, stderr, code) = run(dir.path(), format, &github, &index);
            assert_eq!(code, 1, "{format}: {stdout}{stderr}");
            for fragment in fragments {
                assert!(
                    !stdout.contains(fragment),
                    "{status} {format}: `{fragment}` in\n{stdout}"
                );
                assert!(
                    !stderr.contains(fragment),
                    "{status} {format}: `{fragment}` in\n{stderr}"
                );
            }
            // The committed token was found, and is shown only as its prefix.
            assert!(stdout.contains("pypi-AgE…"), "{format}: {stdout}");
        }
        // The server really was asked, with the token.
        assert!(github.requests().iter().any(|r| r
            .header("authorization")
            .is_some_and(|a| a.contains(FAKE_GH_TOKEN))));
    }
}

fn sarif_schema() -> Option<PathBuf> {
    let p = tools_dir()
        .join("node/node_modules/@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json");
    if p.is_file() {
        return Some(p);
    }
    panic!(
        "SARIF schema {} missing; run `bash .ci/install-tools.sh`",
        p.display()
    );
}

#[test]
fn json_and_sarif_validate_against_their_schemas() {
    let Some(sarif) = sarif_schema() else { return };
    let ours = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/doctor-schema.json");
    let dir = leaky_repo();
    // Findings of every severity, with and without lines, and unknown checks.
    let github = gh::environment_missing().start();
    let index = fake::pypi::project_missing().start();
    for format in ["json", "sarif"] {
        let (stdout, _, code) = run(dir.path(), format, &github, &index);
        assert_eq!(code, 1);
        let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        if format == "json" {
            assert_eq!(doc["schema"], "pyrel-doctor/1");
            let sev: std::collections::BTreeSet<&str> = doc["findings"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f["severity"].as_str().unwrap())
                .collect();
            assert_eq!(
                sev.into_iter().collect::<Vec<_>>(),
                ["error", "info", "warning"]
            );
            assert!(doc["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["line"].is_null()));
            common::validate_json_schema(&ours, &stdout);
        } else {
            assert_eq!(doc["version"], "2.1.0");
            let results = doc["runs"][0]["results"].as_array().unwrap();
            assert!(!results.is_empty());
            assert_eq!(
                doc["runs"][0]["tool"]["driver"]["rules"]
                    .as_array()
                    .unwrap()
                    .len(),
                14
            );
            common::validate_json_schema(&sarif, &stdout);
        }
    }
    // A clean report too (no findings, no nulls).
    let clean = fixture("single-flat");
    let out = pyrel(clean.path())
        .args(["doctor", "--offline", "--format", "json"])
        .output()
        .unwrap();
    common::validate_json_schema(&ours, &String::from_utf8(out.stdout).unwrap());
}

#[test]
fn terminal_report_groups_by_check_with_locations_hints_and_summary() {
    let dir = leaky_repo();
    let out = pyrel(dir.path())
        .args(["doctor", "--offline"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        !text.contains('\u{1b}'),
        "NO_COLOR output has escapes: {text}"
    );
    assert!(
        text.contains("fail    PR201 committed-credential"),
        "{text}"
    );
    assert!(text.contains("  error: .pypirc:6: "), "{text}");
    assert!(text.contains("    hint: revoke the token"), "{text}");
    let last = text.lines().last().unwrap();
    assert!(
        last.starts_with("doctor found problems: ") && last.contains("checks: "),
        "{last}"
    );
    let colored = pyrel(dir.path())
        .args(["--color", "always", "doctor", "--offline"])
        .output()
        .unwrap();
    assert!(String::from_utf8(colored.stdout)
        .unwrap()
        .contains('\u{1b}'));
}
