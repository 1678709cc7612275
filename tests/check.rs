//! `pyrel check` through the binary, with the real uv and twine: fixture repositories with
//! one planted packaging fault each give exactly that finding, a clean one gives none.
//!
//! Offline: uv builds with the backends and runs the twine that `.ci/install-tools.sh`
//! downloads into `$PYREL_TOOLS_DIR/wheels` (UV_OFFLINE, UV_NO_INDEX, UV_FIND_LINKS).

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{fixture, git, pyrel};
use serde_json::Value;

/// `pyrel check ARGS` in `dir` with uv on PATH and no network.
fn check(dir: &Path, args: &[&str]) -> (i32, String, String) {
    let out = pyrel(dir)
        .arg("check")
        .args(args)
        .envs(common::uv_offline_env())
        .output()
        .expect("pyrel");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// `pyrel check --format json`, validated against docs/check-schema.json: the finding
/// ids of each package.
fn findings(dir: &Path) -> (i32, BTreeMap<String, Vec<String>>, Value) {
    let (code, stdout, stderr) = check(dir, &["--format", "json"]);
    let doc: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}):\n{stdout}\nstderr:\n{stderr}"));
    common::validate_json_schema(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/check-schema.json"),
        &stdout,
    );
    let mut ids = BTreeMap::new();
    for p in doc["packages"].as_array().expect("packages") {
        ids.insert(
            p["name"].as_str().expect("name").to_owned(),
            p["findings"]
                .as_array()
                .expect("findings")
                .iter()
                .map(|f| f["id"].as_str().expect("id").to_owned())
                .collect(),
        );
    }
    (code, ids, doc)
}

fn only(pairs: &[(&str, &[&str])]) -> BTreeMap<String, Vec<String>> {
    pairs
        .iter()
        .map(|(n, ids)| (n.to_string(), ids.iter().map(|s| s.to_string()).collect()))
        .collect()
}

fn finding<'a>(doc: &'a Value, package: &str) -> &'a Value {
    doc["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .find(|p| p["name"] == package)
        .map(|p| &p["findings"][0])
        .expect("package")
}

#[test]
fn a_clean_package_builds_installs_runs_and_leaves_the_repository_alone() {
    let dir = fixture("check-clean");
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "init"]);
    let before = common::snapshot_tree(dir.path());
    let (code, ids, doc) = findings(dir.path());
    assert_eq!(ids, only(&[("acme-anvil", &[])]), "{doc:#}");
    assert_eq!(code, 0);
    let p = &doc["packages"][0];
    assert_eq!(p["version"], "1.4.0");
    assert_eq!(
        p["files"],
        serde_json::json!([
            "acme_anvil-1.4.0-py3-none-any.whl",
            "acme_anvil-1.4.0.tar.gz"
        ])
    );
    // The workflow's install check ran the package's own command.
    assert_eq!(p["install"], "runs `acme-anvil`");
    // Built in a scratch copy: no egg-info, no dist/, nothing else written.
    assert_eq!(common::snapshot_tree(dir.path()), before);

    let (code, stdout, _) = check(dir.path(), &[]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("ok acme-anvil 1.4.0: acme_anvil-1.4.0-py3-none-any.whl, acme_anvil-1.4.0.tar.gz; installs and runs `acme-anvil`"),
        "{stdout}"
    );
    assert!(
        stdout.ends_with("1 package(s) ready to release\n"),
        "{stdout}"
    );
}

#[test]
fn the_work_tree_is_checked_not_only_head() {
    // Committed clean, then the README emptied without a commit: the check sees it.
    let dir = fixture("check-clean");
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-qm", "init"]);
    std::fs::write(dir.path().join("README.md"), "").unwrap();
    let (code, ids, _) = findings(dir.path());
    assert_eq!(ids, only(&[("acme-anvil", &["twine-check"])]));
    assert_eq!(code, 1);
}

#[test]
fn an_empty_readme_fails_twine_check_strict() {
    // What `uv init --lib` writes: an empty README.md named by `readme`.
    let dir = fixture("check-empty-readme");
    let (code, ids, doc) = findings(dir.path());
    assert_eq!(ids, only(&[("acme-rocket", &["twine-check"])]), "{doc:#}");
    assert_eq!(code, 1);
    let f = finding(&doc, "acme-rocket");
    assert_eq!(f["path"], "pyproject.toml");
    assert_eq!(f["line"], 5, "the `readme` line");
    let m = f["message"].as_str().unwrap();
    assert!(m.contains("`long_description` missing"), "{m}");
}

#[test]
fn setup_py_without_a_content_type_fails_twine_check_strict() {
    let dir = fixture("check-no-content-type");
    let (code, ids, doc) = findings(dir.path());
    assert_eq!(ids, only(&[("acme-gears", &["twine-check"])]), "{doc:#}");
    assert_eq!(code, 1);
    let f = finding(&doc, "acme-gears");
    assert_eq!(
        (f["path"].as_str(), f["line"].as_u64()),
        (Some("setup.py"), Some(10))
    );
    assert!(f["message"]
        .as_str()
        .unwrap()
        .contains("`long_description_content_type` missing"));
}

#[test]
fn a_wheel_that_installs_nothing_is_an_empty_wheel() {
    let dir = fixture("check-empty-wheel");
    let (code, ids, doc) = findings(dir.path());
    assert_eq!(ids, only(&[("acme-magnet", &["empty-wheel"])]), "{doc:#}");
    assert_eq!(code, 1);
    let m = finding(&doc, "acme-magnet")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        m,
        "acme_magnet-2.2.0-py3-none-any.whl installs nothing: it holds only its metadata"
    );
}

#[test]
fn a_wheel_without_the_projects_package_is_reported() {
    let dir = fixture("check-missing-package");
    let (code, ids, doc) = findings(dir.path());
    assert_eq!(
        ids,
        only(&[("acme-catapult", &["missing-package"])]),
        "{doc:#}"
    );
    assert_eq!(code, 1);
    assert_eq!(
        finding(&doc, "acme-catapult")["message"],
        "acme_catapult-0.9.0-py3-none-any.whl does not ship the package `acme_catapult` (it installs: acme_sling)"
    );
}

#[test]
fn an_sdist_that_loses_the_version_file_gives_a_version_mismatch() {
    let dir = fixture("check-version-mismatch");
    let (code, ids, doc) = findings(dir.path());
    assert_eq!(
        ids,
        only(&[("acme-gears", &["version-mismatch"])]),
        "{doc:#}"
    );
    assert_eq!(code, 1);
    let m = finding(&doc, "acme-gears")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(m.contains("2.0.0") && m.contains("0.0.0"), "{m}");
}

#[test]
fn a_license_left_at_the_workspace_root_is_missing_from_the_member() {
    let dir = fixture("check-missing-license");
    let (code, ids, doc) = findings(dir.path());
    // acme-cli carries its own copy; acme-core's sdist and wheel lack the root's.
    assert_eq!(
        ids,
        only(&[
            ("acme-cli", &[]),
            ("acme-core", &["missing-license", "missing-license"])
        ]),
        "{doc:#}"
    );
    assert_eq!(code, 1);
    let (_, stdout, _) = check(dir.path(), &["--no-install"]);
    assert!(
        stdout.contains("  libs/acme-core/pyproject.toml: acme_core-1.0.0-py3-none-any.whl does not carry LICENSE [missing-license]"),
        "{stdout}"
    );
}

#[test]
fn a_package_that_does_not_import_fails_the_install_check() {
    let dir = fixture("check-clean");
    let init = dir.path().join("src/acme_anvil/__init__.py");
    let text = std::fs::read_to_string(&init).unwrap();
    std::fs::write(
        &init,
        format!("import acme_undeclared_dependency  # noqa\n{text}"),
    )
    .unwrap();
    let (code, ids, doc) = findings(dir.path());
    assert_eq!(ids, only(&[("acme-anvil", &["import-failed"])]), "{doc:#}");
    assert_eq!(code, 1);
    let m = finding(&doc, "acme-anvil")["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(m.contains("acme_undeclared_dependency"), "{m}");
    // --no-install stops before: the built files themselves are fine.
    let (code, _, _) = check(dir.path(), &["--no-install"]);
    assert_eq!(code, 0);
}

#[test]
fn without_uv_it_says_how_to_get_it() {
    let dir = fixture("check-clean");
    let out = pyrel(dir.path())
        .arg("check")
        .env("PATH", "/nonexistent")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pyrel check needs uv, and uv is not on PATH"),
        "{err}"
    );
    assert!(err.contains("hint: install uv"), "{err}");
}

#[test]
fn the_policys_pre_build_steps_run_first_in_the_scratch_copy() {
    // The README is written by a pre-build step, as the release's build job would: with
    // the step, twine check passes; the repository itself keeps its empty README.
    let dir = fixture("check-empty-readme");
    let pyproject = dir.path().join("pyproject.toml");
    let text = std::fs::read_to_string(&pyproject).unwrap();
    std::fs::write(
        &pyproject,
        format!("{text}\n[tool.pyrel]\npre-build = [\"printf '# acme-rocket\\\\n\\\\nRockets.\\\\n' > README.md\"]\n"),
    )
    .unwrap();
    let (code, ids, doc) = findings(dir.path());
    assert_eq!(ids, only(&[("acme-rocket", &[])]), "{doc:#}");
    assert_eq!(code, 0);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("README.md")).unwrap(),
        ""
    );

    // A failing step: exit 2, naming it.
    let text = std::fs::read_to_string(&pyproject).unwrap();
    std::fs::write(&pyproject, text.replace("printf", "false && printf")).unwrap();
    let (code, _, stderr) = check(dir.path(), &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("pre-build step 0 of the policy failed"),
        "{stderr}"
    );
}
