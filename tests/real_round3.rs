//! Real repositories, round 3 (issue 22), through the real binary. Each fixture under
//! `tests/fixtures/real3-*` is our own small reproduction of a pattern read in public
//! repositories.

mod common;

use std::path::Path;

use serde_json::Value;

fn json(dir: &Path, args: &[&str]) -> (Value, i32) {
    let out = common::pyrel(dir).args(args).output().unwrap();
    let v = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (v, out.status.code().unwrap_or(-1))
}

/// `version --format json`: (name, version, dir) of every released package in release
/// order, (name, dir, reason) of every skipped project, and the problems' messages.
#[allow(clippy::type_complexity)]
fn versions(
    dir: &Path,
) -> (
    Vec<(String, String, String)>,
    Vec<(String, String, String)>,
    Vec<(String, String)>,
) {
    let (v, code) = json(dir, &["version", "--format", "json"]);
    assert_eq!(code, 0, "{v}");
    let s = |x: &Value| x.as_str().unwrap_or("-").to_string();
    let packages = v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (s(&p["name"]), s(&p["version"]), s(&p["dir"])))
        .collect();
    let skipped = v["skipped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (s(&p["name"]), s(&p["dir"]), s(&p["reason"])))
        .collect();
    let problems = v["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (format!("{}:{}", s(&p["path"]), p["line"]), s(&p["message"])))
        .collect();
    (packages, skipped, problems)
}

fn triples(r: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    r.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

/// `doctor --offline --format json`: (severity, path, message) of every finding, and the
/// exit code.
fn doctor(dir: &Path) -> (Vec<(String, String, String)>, i32) {
    let (v, code) = json(dir, &["doctor", "--offline", "--format", "json"]);
    let s = |x: &Value| x.as_str().unwrap_or("").to_string();
    let findings = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (s(&f["severity"]), s(&f["path"]), s(&f["message"])))
        .collect();
    (findings, code)
}

fn errors(findings: &[(String, String, String)]) -> Vec<&(String, String, String)> {
    findings.iter().filter(|f| f.0 == "error").collect()
}

/// `init --yes`, then `generate --check` exits 0; everything committed.
fn init_and_check(dir: &Path) -> String {
    let out = common::pyrel(dir).args(["init", "--yes"]).output().unwrap();
    assert!(
        out.status.success(),
        "init: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    common::pyrel(dir)
        .args(["generate", "--check"])
        .assert()
        .success();
    common::git(dir, &["add", "-A"]);
    common::git(dir, &["commit", "-qm", "init"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn duplicate_names_are_settled_by_evidence_or_reported_once() {
    let d = common::fixture("real3-dup-names");
    let (packages, skipped, problems) = versions(d.path());
    // The copy a publishing workflow builds, and the uv workspace member, are released.
    assert_eq!(
        packages,
        triples(&[
            ("acme-core", "3.1.0", "crates/acme-py"),
            ("acme-plugin", "3.1.0", "python/acme-plugin"),
        ])
    );
    assert_eq!(
        skipped,
        triples(&[
            ("acme-core", "", "duplicate"),
            (
                "acme-server-api",
                "backend/api/v1/python_http_client",
                "ambiguous"
            ),
            (
                "acme-server-api",
                "backend/api/v2/python_http_client",
                "ambiguous"
            ),
            ("acme-plugin", "legacy/acme-plugin", "duplicate"),
            ("acme-agent", "python-monorepo-example/agent", "material"),
            ("acme-truth", "truth/one", "material"),
            ("acme-truth", "truth/two", "material"),
            ("acme-agent", "uv-examples/agent", "material"),
        ])
    );
    // The pair nothing settles is one problem, naming both files.
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(
        problems[0].0,
        "backend/api/v1/python_http_client/setup.py:3"
    );
    assert!(
        problems[0]
            .1
            .contains("backend/api/v2/python_http_client/setup.py"),
        "{problems:?}"
    );
    // init and generate carry on (taking over the committed publishing workflow); doctor
    // names the pair as its one error.
    common::git(d.path(), &["add", "-A"]);
    common::git(d.path(), &["commit", "-qm", "start"]);
    let summary = init_and_check(d.path());
    assert!(summary.contains("acme-server-api"), "{summary}");
    let (findings, code) = doctor(d.path());
    let errs = errors(&findings);
    assert_eq!(code, 1);
    assert_eq!(errs.len(), 1, "{findings:?}");
    assert!(errs[0].2.contains("acme-server-api"), "{errs:?}");
    // init wrote down what the replaced workflow had settled; `packages.exclude` settles
    // the rest: the other client is released.
    let pp = std::fs::read_to_string(d.path().join("pyproject.toml")).unwrap();
    let line = "packages = { exclude = [\".\", \"legacy/acme-plugin\"] }\n";
    assert!(pp.contains(line), "{pp}");
    std::fs::write(
        d.path().join("pyproject.toml"),
        pp.replace(
            line,
            "packages = { exclude = [\".\", \"legacy/acme-plugin\", \"backend/api/v1/*\"] }\n",
        ),
    )
    .unwrap();
    let (packages, _, problems) = versions(d.path());
    assert!(problems.is_empty(), "{problems:?}");
    assert!(packages.contains(&(
        "acme-server-api".into(),
        "2.0.5".into(),
        "backend/api/v2/python_http_client".into()
    )));
}
