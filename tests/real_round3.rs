//! Real repositories, round 3 (issue 22), through the real binary. Each fixture under
//! `tests/fixtures/real-r3-*` is our own small reproduction of a pattern read in public
//! repositories.

use crate::common;

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
    init_replacing_and_check(dir, &[])
}

/// `init --yes`, naming with `--replace` each committed workflow pyrel takes over (a
/// workflow pyrel did not write is replaced only when the user names it).
fn init_replacing_and_check(dir: &Path, replace: &[&str]) -> String {
    let mut args = vec!["init", "--yes"];
    for r in replace {
        args.extend(["--replace", r]);
    }
    let out = common::pyrel(dir).args(&args).output().unwrap();
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
    // The changelog gets an entry, so a release would have notes.
    let log = dir.join("CHANGELOG.md");
    if let Ok(text) = std::fs::read_to_string(&log) {
        std::fs::write(
            &log,
            text.replacen(
                "## [Unreleased]\n",
                "## [Unreleased]\n\n### Added\n\n- Everything.\n",
                1,
            ),
        )
        .unwrap();
    }
    common::git(dir, &["add", "-A"]);
    common::git(dir, &["commit", "-qm", "init"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs `pyrel bump ARGS` and checks that exactly the `expected` files changed (besides
/// the changelog and pyrel's own files), each only by `from` → `to` replacements.
fn bump_moves_exactly(dir: &Path, args: &[&str], from: &str, to: &str, expected: &[&str]) {
    let before = common::snapshot_tree(dir);
    let out = common::pyrel(dir).arg("bump").args(args).output().unwrap();
    assert!(
        out.status.success(),
        "bump: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let after = common::snapshot_tree(dir);
    let mut changed: Vec<String> = after
        .iter()
        .filter(|(p, b)| before.get(*p) != Some(*b))
        .map(|(p, _)| p.to_string_lossy().replace('\\', "/"))
        .filter(|p| p != "CHANGELOG.md" && !p.starts_with(".github/"))
        .collect();
    changed.sort();
    let mut want: Vec<String> = expected.iter().map(|s| s.to_string()).collect();
    want.sort();
    assert_eq!(changed, want);
    for p in expected {
        let old = String::from_utf8(before[Path::new(p)].clone()).unwrap();
        let new = String::from_utf8(after[Path::new(p)].clone()).unwrap();
        assert_eq!(new, old.replace(from, to), "{p}");
    }
}

/// After init: `pyrel bump ARGS` and the generated `scripts/bump_version.py bump ARGS` on a
/// copy leave the same tree.
fn script_agrees(dir: &Path, args: &[&str]) {
    let python = common::require_tool("python3").expect("python3");
    let copy = tempfile::tempdir().unwrap();
    common::copy_dir(dir, copy.path());
    common::pyrel(dir)
        .env("PYREL_TODAY", "2024-05-01")
        .arg("bump")
        .args(args)
        .assert()
        .success();
    let out = std::process::Command::new(python)
        .arg("scripts/bump_version.py")
        .arg("bump")
        .args(args)
        .current_dir(copy.path())
        .env("PYREL_TODAY", "2024-05-01")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GITHUB_REF_TYPE")
        .env_remove("GITHUB_REF_NAME")
        .env_remove("GITHUB_EVENT_NAME")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "script: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let (a, b) = (
        common::snapshot_tree(dir),
        common::snapshot_tree(copy.path()),
    );
    let differ: Vec<_> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .collect();
    assert!(
        differ.is_empty(),
        "pyrel and the script differ in {differ:?}"
    );
}

#[test]
fn duplicate_names_are_settled_by_evidence_or_reported_once() {
    let d = common::fixture("real-r3-dup-names");
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
    let summary = init_replacing_and_check(d.path(), &[".github/workflows/wheels.yml"]);
    assert!(summary.contains("acme-server-api"), "{summary}");
    let (findings, code) = doctor(d.path());
    let errs = errors(&findings);
    assert_eq!(code, 1);
    assert_eq!(errs.len(), 1, "{findings:?}");
    assert!(errs[0].2.contains("acme-server-api"), "{errs:?}");
    // init wrote down what the replaced workflow had settled; `packages.exclude` settles
    // the rest: the other client is released.
    let pp = std::fs::read_to_string(d.path().join("pyproject.toml")).unwrap();
    let line = "packages = { include = [\"crates/acme-py\", \"python/acme-plugin\", \"backend/api/v1/python_http_client\", \"backend/api/v2/python_http_client\"], exclude = [\".\", \"legacy/acme-plugin\"] }\n";
    assert!(pp.contains(line), "{pp}");
    std::fs::write(
        d.path().join("pyproject.toml"),
        pp.replace(
            line,
            "packages = { include = [\"crates/acme-py\", \"python/acme-plugin\", \"backend/api/v2/*\"] }\n",
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

#[test]
fn setup_py_names_versions_and_requirements_computed_from_constants_are_read() {
    let d = common::fixture("real-r3-setup-computed");
    let (packages, skipped, problems) = versions(d.path());
    // `f"acmeplugins-{PLUGIN_NAME}"`, `"%s-%s" % (PREFIX, PLUGIN)`; the requirements
    // `f"acme-kit=={VERSION}"` and `"acmeplugins-" + "alpha"` order the release.
    assert_eq!(
        packages,
        triples(&[
            ("acme-kit", "1.4.0", ""),
            ("acmeplugins-alpha", "1.4.0", "plugins/acme-plugin-alpha"),
            ("acmeplugins-beta", "1.4.0", "plugins/acme-plugin-beta"),
        ])
    );
    assert!(
        skipped.is_empty() && problems.is_empty(),
        "{skipped:?} {problems:?}"
    );
    init_and_check(d.path());
    let (findings, code) = doctor(d.path());
    assert_eq!(code, 0, "{findings:?}");
    // The version constants (`__version__ = ...`, `VERSION = ...` behind `f"{VERSION}"`)
    // and the pin held in a constant list move; the f-string pin follows its constant.
    bump_moves_exactly(
        d.path(),
        &["minor", "--no-changelog"],
        "1.4.0",
        "1.5.0",
        &[
            "setup.py",
            "plugins/acme-plugin-alpha/setup.py",
            "plugins/acme-plugin-beta/setup.py",
        ],
    );
    // The bump script reads and moves the same constants.
    script_agrees(d.path(), &["minor"]);
}

/// (package, kind, path, value) of every version source `version --format json` lists.
fn sources(dir: &Path) -> Vec<(String, String, String, String)> {
    let (v, code) = json(dir, &["version", "--format", "json"]);
    assert_eq!(code, 0, "{v}");
    let s = |x: &Value| x.as_str().unwrap_or("-").to_string();
    v["packages"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| {
            p["sources"].as_array().unwrap().iter().map(move |src| {
                (
                    s(&p["name"]),
                    s(&src["kind"]),
                    s(&src["path"]),
                    s(&src["value"]),
                )
            })
        })
        .collect()
}

#[test]
fn hatch_pattern_and_code_sources_are_read_and_bumped_by_pyrel_and_the_script() {
    let d = common::fixture("real-r3-hatch-sources");
    let q = |a: &str, b: &str, c: &str, e: &str| (a.into(), b.into(), c.into(), e.into());
    assert_eq!(
        sources(d.path()),
        vec![
            // `source = "code"` whose module imports the version (`search-paths`).
            q(
                "acme-engine",
                "hatch-code",
                "packages/acme-engine/src/acme_engine/_meta.py",
                "0.8.0"
            ),
            // `expression = "RELEASE"`.
            q(
                "acme-cli",
                "hatch-code",
                "packages/acme-cli/acme_cli/about.py",
                "0.8.0"
            ),
            // `pattern` over a package.json.
            q(
                "acme-widgets",
                "hatch-pattern",
                "packages/acme-widgets/package.json",
                "0.8.0"
            ),
        ]
    );
    let (_, _, problems) = versions(d.path());
    assert!(problems.is_empty(), "{problems:?}");
    init_and_check(d.path());
    let (findings, code) = doctor(d.path());
    assert_eq!(code, 0, "{findings:?}");
    bump_moves_exactly(
        d.path(),
        &["minor", "--no-changelog"],
        "0.8.0",
        "0.9.0",
        &[
            "packages/acme-cli/acme_cli/about.py",
            "packages/acme-cli/pyproject.toml",
            "packages/acme-engine/src/acme_engine/_meta.py",
            "packages/acme-widgets/package.json",
            "packages/acme-widgets/pyproject.toml",
        ],
    );
    script_agrees(d.path(), &["minor"]);
}

#[test]
fn what_the_publishing_workflows_build_is_released_and_sample_apps_are_not() {
    let d = common::fixture("real-r3-publish-evidence");
    let released = triples(&[
        // maturin with `[tool.uv] package = false`: the wheels workflow builds it.
        ("acme-fast", "2.1.0", ""),
        ("acme-client", "2.1.0", "packages/acme-client"),
        // Outside the uv workspace, with its own publish workflow.
        ("acme-plugin-s3", "0.3.0", "plugins/acme-plugin-s3"),
    ]);
    let (packages, skipped, problems) = versions(d.path());
    assert_eq!(packages, released);
    assert_eq!(
        skipped,
        triples(&[("acme-sample-app", "packages/sample-app", "material")])
    );
    assert!(problems.is_empty(), "{problems:?}");
    // Without its workflow the plugin is no project of the workspace, and without the
    // wheels workflow the maturin root is what its metadata says: not built.
    let wheels = d.path().join(".github/workflows/wheels.yml");
    let text = std::fs::read_to_string(&wheels).unwrap();
    std::fs::remove_file(d.path().join(".github/workflows/plugin-s3.yml")).unwrap();
    std::fs::remove_file(&wheels).unwrap();
    let (packages, skipped, _) = versions(d.path());
    assert_eq!(
        packages,
        triples(&[("acme-client", "2.1.0", "packages/acme-client")])
    );
    assert!(skipped.contains(&("acme-fast".into(), "".into(), "virtual".into())));
    // One publishing workflow for both: init takes it over and writes down what it built.
    std::fs::write(
        &wheels,
        format!(
            "{text}  plugin:\n    runs-on: ubuntu-latest\n    environment: pypi\n    permissions:\n      id-token: write\n    steps:\n      - uses: actions/checkout@v4\n        with:\n          persist-credentials: false\n      - run: pipx run build plugins/acme-plugin-s3\n      - uses: pypa/gh-action-pypi-publish@release/v1\n        with:\n          packages-dir: plugins/acme-plugin-s3/dist\n"
        ),
    )
    .unwrap();
    assert_eq!(versions(d.path()).0, released);
    common::git(d.path(), &["add", "-A"]);
    common::git(d.path(), &["commit", "-qm", "start"]);
    let summary = init_replacing_and_check(d.path(), &[".github/workflows/wheels.yml"]);
    assert!(
        summary.contains("not released: acme-sample-app (packages/sample-app/pyproject.toml)"),
        "{summary}"
    );
    let (packages, _, _) = versions(d.path());
    assert_eq!(packages, released);
    let (findings, code) = doctor(d.path());
    assert_eq!(code, 0, "{findings:?}");
}

#[test]
fn a_version_in_the_init_py_beside_the_manifest_is_a_source_bumped_and_checked() {
    let d = common::fixture("real-r3-dir-init");
    let q = |a: &str, b: &str, c: &str| (a.into(), b.into(), c.into(), "4.2.0".into());
    assert_eq!(
        sources(d.path()),
        vec![
            q("acme-core", "setup-py", "core/setup.py"),
            q("acme-core", "dunder-version", "core/__init__.py"),
            q("acme-aws", "setup-py", "vendors/aws/setup.py"),
            q("acme-aws", "dunder-version", "vendors/aws/__init__.py"),
            q("acme-docker", "setup-py", "docker/setup.py"),
            q("acme-docker", "dunder-version", "docker/__init__.py"),
        ]
    );
    init_and_check(d.path());
    let (findings, code) = doctor(d.path());
    assert_eq!(code, 0, "{findings:?}");
    // A hand-kept copy that fell behind is named.
    let init = d.path().join("docker/__init__.py");
    std::fs::write(&init, "__version__ = \"4.1.0\"\n").unwrap();
    let (findings, code) = doctor(d.path());
    let errs = errors(&findings);
    assert_eq!(code, 1);
    assert_eq!(errs.len(), 1, "{findings:?}");
    assert_eq!(errs[0].1, "docker/__init__.py", "{errs:?}");
    std::fs::write(&init, "__version__ = \"4.2.0\"\n").unwrap();
    bump_moves_exactly(
        d.path(),
        &["minor", "--no-changelog"],
        "4.2.0",
        "4.3.0",
        &[
            "core/__init__.py",
            "core/setup.py",
            "docker/__init__.py",
            "docker/setup.py",
            "vendors/aws/__init__.py",
            "vendors/aws/setup.py",
        ],
    );
    script_agrees(d.path(), &["minor"]);
}

#[test]
fn requirements_files_order_the_release_and_their_pins_move() {
    let d = common::fixture("real-r3-requirements-files");
    let (packages, skipped, problems) = versions(d.path());
    // `acme_client==1.6.0` in the hatch-requirements-txt file, `acme-core >= 1.6.0` in
    // the setuptools dynamic file and in the `oauth` extra's file.
    assert_eq!(
        packages,
        triples(&[
            ("acme-core", "1.6.0", "libs/core"),
            ("acme_client", "1.6.0", "client/python"),
            ("acme-ui", "1.6.0", ""),
        ])
    );
    assert!(
        skipped.is_empty() && problems.is_empty(),
        "{skipped:?} {problems:?}"
    );
    init_and_check(d.path());
    let (findings, code) = doctor(d.path());
    assert_eq!(code, 0, "{findings:?}");
    bump_moves_exactly(
        d.path(),
        &["minor", "--no-changelog"],
        "1.6.0",
        "1.7.0",
        &[
            "acme_ui/__init__.py",
            "client/python/pyproject.toml",
            "client/python/requirements.txt",
            "libs/core/pyproject.toml",
            "requirements-oauth.txt",
            "requirements.txt",
        ],
    );
    script_agrees(d.path(), &["minor"]);
}

#[test]
fn setup_py_requirements_setuptools_ignores_are_warned_about_and_still_order_and_move() {
    let d = common::fixture("real-r3-setup-ignored");
    let (packages, _, problems) = versions(d.path());
    // The meta-package after the siblings its setup.py pins (by name it would be first).
    assert_eq!(
        packages,
        triples(&[
            ("acme-a", "3.0.0", "libs/acme-a"),
            ("acme-b", "3.0.0", "libs/acme-b"),
            ("acme-c", "3.0.0", "libs/acme-c"),
            ("acme-all", "3.0.0", "meta"),
        ])
    );
    assert!(problems.is_empty(), "{problems:?}");
    init_and_check(d.path());
    let (findings, code) = doctor(d.path());
    assert_eq!(code, 0, "{findings:?}");
    let warnings: Vec<_> = findings.iter().filter(|f| f.0 == "warning").collect();
    assert_eq!(warnings.len(), 1, "{findings:?}");
    assert_eq!(warnings[0].1, "meta/setup.py");
    assert!(
        warnings[0].2.contains("`install_requires`") && warnings[0].2.contains("only `click>=8`"),
        "{warnings:?}"
    );
    bump_moves_exactly(
        d.path(),
        &["minor", "--no-changelog"],
        "3.0.0",
        "3.1.0",
        &[
            "libs/acme-a/pyproject.toml",
            "libs/acme-b/pyproject.toml",
            "libs/acme-c/pyproject.toml",
            "meta/pyproject.toml",
            "meta/setup.py",
        ],
    );
    script_agrees(d.path(), &["minor"]);
}

#[test]
fn doctor_before_a_policy_judges_no_names_it_would_choose_and_knows_release_flows() {
    let d = common::fixture("real-r3-doctor-quiet");
    // Online, against nothing listening: the GitHub checks that need the policy skip
    // before asking anything.
    let out = common::pyrel(d.path())
        .args(["doctor", "--format", "json"])
        .env("GITHUB_API_URL", "http://127.0.0.1:9")
        .env("PYREL_PYPI_URL", "http://127.0.0.1:9")
        .env("GH_TOKEN", "ghp_FAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE")
        .output()
        .unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = |id: &str| {
        v["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == id)
            .map(|c| c["status"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(status("PR301").as_deref(), Some("skip"), "{v}");
    assert_eq!(status("PR302").as_deref(), Some("skip"), "{v}");
    // The release-please job gates its upload steps on `release_created`; the other
    // workflow's `deploy` environment and token secret are not the default policy's to
    // judge; Cargo's `0.4.0-beta.1` is no spelling to fix.
    let findings: Vec<(String, String)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["id"].as_str().unwrap_or("").to_string(),
                f["message"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    for id in ["PR003", "PR101", "PR102", "PR104"] {
        assert!(!findings.iter().any(|f| f.0 == id), "{id}: {findings:?}");
    }
    // A workflow that really publishes from any branch push is still named.
    let wf = d.path().join(".github/workflows/release-please.yml");
    let text = std::fs::read_to_string(&wf).unwrap();
    std::fs::write(
        &wf,
        text.replace(
            "      - uses: pypa/gh-action-pypi-publish@release/v1\n        if: ${{ steps.release.outputs.release_created }}\n",
            "      - uses: pypa/gh-action-pypi-publish@release/v1\n",
        ),
    )
    .unwrap();
    let (findings, _) = doctor(d.path());
    let gating: Vec<_> = findings
        .iter()
        .filter(|f| f.2.contains("without being gated on a release tag"))
        .collect();
    assert_eq!(gating.len(), 1, "{findings:?}");
    assert_eq!(gating[0].1, ".github/workflows/release-please.yml");
}

#[test]
fn cargo_toml_keeps_cargos_spelling_through_a_bump() {
    let d = common::fixture("real-r3-doctor-quiet");
    std::fs::remove_file(d.path().join(".github/workflows/legacy-upload.yml")).unwrap();
    common::git(d.path(), &["add", "-A"]);
    common::git(d.path(), &["commit", "-qm", "start"]);
    init_and_check(d.path());
    let cargo = || std::fs::read_to_string(d.path().join("Cargo.toml")).unwrap();
    let copy = tempfile::tempdir().unwrap();
    common::copy_dir(d.path(), copy.path());
    script_agrees(d.path(), &["prerelease", "--pre", "beta", "--no-changelog"]);
    assert!(
        cargo().contains("version = \"0.4.0-beta.2\"\n"),
        "{}",
        cargo()
    );
    // Beta to release candidate, then the final version: still SemVer in Cargo.toml.
    script_agrees(d.path(), &["prerelease", "--pre", "rc", "--no-changelog"]);
    assert!(
        cargo().contains("version = \"0.4.0-rc.1\"\n"),
        "{}",
        cargo()
    );
    script_agrees(d.path(), &["0.4.0", "--no-changelog"]);
    assert!(cargo().contains("version = \"0.4.0\"\n"), "{}", cargo());
    // A post release has no SemVer spelling: refused, nothing written.
    let before = common::snapshot_tree(d.path());
    let out = common::pyrel(d.path())
        .args(["bump", "0.4.0.post1", "--no-changelog"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Cargo versions are SemVer")
            || String::from_utf8_lossy(&out.stderr).contains("Cargo versions are SemVer"),
        "{out:?}"
    );
    assert!(common::snapshot_tree(d.path()) == before);
    drop(copy);
}
