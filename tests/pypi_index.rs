//! PyPI as its JSON API is documented today: no `releases` key in the project document
//! (deprecated), a version's own document at `/pypi/{name}/{version}/json` (404: not
//! there), a missing project 404. `pyrel doctor`'s PyPI check against a fake index on
//! 127.0.0.1.

use crate::common;
use crate::fake;

use std::path::Path;

use common::{fixture, git, pyrel};
use fake::{pypi, FakeServer, Reply};
use serde_json::{json, Value};

/// The uv workspace (dashboard-core, dashboard-api, dashboard at 2.0.0) on
/// github.com/octocat/Hello-World.
fn repo() -> tempfile::TempDir {
    let dir = fixture("uv-workspace");
    pyrel(dir.path())
        .args(["init", "--yes", "--set", "required-checks=[\"build\"]"])
        .assert()
        .success();
    git(
        dir.path(),
        &[
            "remote",
            "set-url",
            "origin",
            "https://github.com/octocat/Hello-World.git",
        ],
    );
    dir
}

/// `(status, findings as (severity, message))` of the pypi-version check.
fn pypi_check(dir: &Path, index: &FakeServer) -> (String, Vec<(String, String)>) {
    let out = pyrel(dir)
        .args([
            "doctor",
            "--format",
            "json",
            "--timeout",
            "2000",
            "--select",
            "pypi-version",
        ])
        .envs(index.pypi_env())
        .output()
        .unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout} {}", String::from_utf8_lossy(&out.stderr)));
    let check = report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "pypi-version")
        .unwrap();
    let mut findings: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["severity"].as_str().unwrap().to_owned(),
                f["message"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    findings.sort();
    (
        format!(
            "{}: {}",
            check["status"].as_str().unwrap(),
            check["reason"].as_str().unwrap_or_default()
        ),
        findings,
    )
}

fn ours() -> Value {
    json!({"Source": "https://github.com/octocat/Hello-World", "Changelog": "https://github.com/octocat/Hello-World/blob/main/CHANGELOG.md"})
}

#[test]
fn version_existence_comes_from_the_version_document_not_releases() {
    let dir = repo();
    // dashboard-core 2.0.0 has its own document: it is there. dashboard-api is at
    // 1.5.0 there (no 2.0.0 document, no `releases` key): absent. dashboard: no project.
    let index = pypi::documented_index(&[
        ("dashboard-core", &["1.5.0", "2.0.0"], ours()),
        ("dashboard-api", &["1.0.0", "1.5.0"], ours()),
    ])
    .start();
    let (status, findings) = pypi_check(dir.path(), &index);
    assert!(status.starts_with("fail"), "{status}");
    assert_eq!(
        findings,
        [
            (
                "error".to_owned(),
                "dashboard-core 2.0.0 is already on PyPI: uploading it again fails with \"File already exists\"".to_owned()
            ),
            (
                "info".to_owned(),
                "dashboard is not on PyPI yet: 2.0.0 will be its first release".to_owned()
            ),
        ]
    );
    assert_eq!(index.hits("GET", "/pypi/dashboard-core/2.0.0/json"), 1);
    // The project document is asked once, for whose the name is.
    assert_eq!(index.hits("GET", "/pypi/dashboard-core/json"), 1);
    assert_eq!(index.hits("GET", "/pypi/dashboard-api/2.0.0/json"), 1);
}

#[test]
fn a_spelling_only_the_deprecated_releases_key_lists_still_counts() {
    let dir = repo();
    // The index lists `2.0` (PEP 440-equal to 2.0.0) in `releases` only.
    let index = pypi::documented_index(&[])
        .route(
            "GET",
            "/pypi/dashboard-core/json",
            Reply::json(
                200,
                &pypi::project_body("dashboard-core", &["1.0.0", "2.0"]),
            ),
        )
        .start();
    let (status, findings) = pypi_check(dir.path(), &index);
    assert!(status.starts_with("fail"), "{status}");
    assert!(
        findings
            .iter()
            .any(|(s, m)| s == "error" && m.starts_with("dashboard-core 2.0.0 is already on PyPI")),
        "{findings:?}"
    );
}

#[test]
fn a_version_document_naming_another_version_is_unknown() {
    let dir = repo();
    let index = pypi::documented_index(&[])
        .route(
            "GET",
            "/pypi/dashboard-core/2.0.0/json",
            Reply::json(200, &pypi::version_body("dashboard-core", "1.0.0")),
        )
        .start();
    let (status, _) = pypi_check(dir.path(), &index);
    assert!(status.starts_with("unknown"), "{status}");
    assert!(status.contains("names version 1.0.0"), "{status}");
}

const FOREIGN: &str = "the name dashboard on PyPI looks like another project's (latest 0.0.6): its project URLs do not point at github.com/octocat/Hello-World and none of the versions this repository tagged is there";

#[test]
fn a_name_that_belongs_to_another_project_is_a_warning() {
    let dir = repo();
    // `dashboard` on PyPI is an unrelated project: another repository (one whose name
    // only starts like ours), none of our versions.
    let index = pypi::documented_index(&[
        ("dashboard-core", &["1.5.0"], ours()),
        (
            "dashboard",
            &["0.0.5", "0.0.6"],
            json!({"Homepage": "https://github.com/octocat/Hello-World-fork", "Docs": null}),
        ),
    ])
    .start();
    let (status, findings) = pypi_check(dir.path(), &index);
    assert!(status.starts_with("warn"), "{status}");
    assert_eq!(
        findings,
        [
            (
                "info".to_owned(),
                "dashboard-api is not on PyPI yet: 2.0.0 will be its first release".to_owned()
            ),
            ("warning".to_owned(), FOREIGN.to_owned()),
        ]
    );

    // The same URLs, but a version this repository tagged is there: the name is ours.
    git(dir.path(), &["add", "-A"]);
    git(
        dir.path(),
        &[
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.invalid",
            "commit",
            "-q",
            "-m",
            "Release 0.0.6",
        ],
    );
    git(dir.path(), &["tag", "v0.0.6"]);
    let (status, findings) = pypi_check(dir.path(), &index);
    assert!(status.starts_with("pass"), "{status} {findings:?}");

    // Its URLs naming this repository are enough, whatever the tags.
    git(dir.path(), &["tag", "-d", "v0.0.6"]);
    let index = pypi::documented_index(&[
        ("dashboard-core", &["1.5.0"], ours()),
        (
            "dashboard",
            &["0.0.6"],
            json!({"Repository": "https://GitHub.com/octocat/Hello-World.git"}),
        ),
    ])
    .start();
    let (status, findings) = pypi_check(dir.path(), &index);
    assert!(status.starts_with("pass"), "{status} {findings:?}");
}
