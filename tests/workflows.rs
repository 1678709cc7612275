//! The release pipeline pyrel renders, checked by the real auditors and by structure.
//!
//! Every fixture layout × publish mode × TestPyPI policy × test gate (with dev builds and
//! both build tools mixed in) is rendered by the real binary (`pyrel init --yes --set ...`),
//! then zizmor (three personas), actionlint and GitHub's workflow schema run once over all
//! of them, and structural assertions parse each workflow back.

use crate::common;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use serde_norway::Value;

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
        // adopt-* hold workflows of their own (CI that publishes, composite actions): tests/adopt.rs;
        // check-* plant packaging faults for tests/check.rs (one has no version pyrel can read).
        .filter(|n| {
            !n.starts_with("doctor-")
                && !n.starts_with("real-")
                && !n.starts_with("adopt-")
                && !n.starts_with("check-")
        })
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

/// The whole matrix, rendered once per test process: every layout × versioning × publish
/// mode × test gate; the TestPyPI policy, dev builds (lockstep only) and the build tool
/// rotate so each value meets every layout.
fn matrix() -> &'static Vec<Rendered> {
    static M: OnceLock<Vec<Rendered>> = OnceLock::new();
    M.get_or_init(|| {
        let mut out = Vec::new();
        let mut n = 0usize;
        for fixture in fixtures() {
            for versioning in ["lockstep", "independent"] {
                for publish in ["trusted", "token"] {
                    for tests in ["generate", "existing"] {
                        n += 1;
                        let testpypi = ["prereleases", "all", "never"][n % 3];
                        let dev = versioning == "lockstep" && n % 4 < 2;
                        let mut sets = vec![
                            format!("versioning={versioning}"),
                            format!("publish={publish}"),
                            format!("testpypi={testpypi}"),
                            format!("tests={tests}"),
                            format!("dev-builds={dev}"),
                            format!("build-tool={}", if n % 5 < 2 { "build" } else { "uv" }),
                        ];
                        if versioning == "independent" {
                            sets.push(r#"tag-format="{name}-v{version}""#.into());
                        }
                        if tests == "existing" {
                            sets.push(
                                r#"required-checks=["Test Suite / pytest (3.12)","lint"]"#.into(),
                            );
                        }
                        let label = format!("{fixture}-{versioning}-{publish}-{tests}-{n}");
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
        let rendered: Vec<(&str, &Path)> = matrix()
            .iter()
            .map(|r| (r.label.as_str(), r.dir.path()))
            .chain(crafted().iter().map(|(l, d)| (l.as_str(), d.path())))
            .chain(std::iter::once((THOUSAND_LABEL, thousand().path())))
            .collect();
        for (label, dir) in rendered {
            let wf = tree.path().join(label).join(".github/workflows");
            std::fs::create_dir_all(&wf).unwrap();
            for name in ["release.yml", "test.yml"] {
                let src = dir.join(".github/workflows").join(name);
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
    assert_eq!(matrix().len(), fixtures().len() * 8);
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

#[test]
fn actionlint_finds_nothing() {
    let (_tree, files) = workflow_tree();
    let findings = common::actionlint(files);
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
    serde_norway::from_str(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn jobs(wf: &Value) -> &serde_norway::Mapping {
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

/// The steps of a job.
fn steps<'a>(wf: &'a Value, job: &str) -> &'a Vec<Value> {
    jobs(wf)[job]["steps"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{job} has steps"))
}

/// The joined `run:` scripts of one job.
fn job_runs(wf: &Value, job: &str) -> String {
    steps(wf, job)
        .iter()
        .filter_map(|s| s["run"].as_str())
        .collect::<Vec<_>>()
        .join("\n")
}

fn step_using<'a>(wf: &'a Value, job: &str, action: &str) -> Vec<&'a Value> {
    steps(wf, job)
        .iter()
        .filter(|s| {
            s["uses"]
                .as_str()
                .is_some_and(|u| u.starts_with(&format!("{action}@")))
        })
        .collect()
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

        // Tag triggers and the dispatch inputs: one glob, whatever the number of packages.
        let on = &wf["on"];
        let globs = on["push"]["tags"].as_sequence().unwrap();
        let expected = if r.has("versioning=independent") {
            "*-v[0-9]*"
        } else {
            "v[0-9]*"
        };
        assert_eq!(globs.len(), 1, "{label}");
        assert_eq!(globs[0], expected, "{label}");
        let inputs = &on["workflow_dispatch"]["inputs"];
        assert_eq!(inputs["target"]["type"], "choice", "{label}");
        assert_eq!(inputs["dry-run"]["type"], "boolean", "{label}");
        assert_eq!(
            on["push"].get("branches").is_some(),
            r.has("dev-builds=true"),
            "{label}: branch pushes only with dev builds"
        );

        // 11.6: a tag run has a concurrency group of its own, nothing is cancelled.
        let group = wf["concurrency"]["group"].as_str().unwrap();
        assert!(
            group.contains("${{ github.event_name }}") && group.contains("${{ github.ref }}"),
            "{label}: {group}"
        );
        assert_eq!(
            wf["concurrency"]["cancel-in-progress"],
            Value::Bool(false),
            "{label}"
        );

        // Routing and the package list come from the script, as plan outputs.
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
        for out in ["packages", "source-date-epoch"] {
            assert!(
                plan["outputs"][out]
                    .as_str()
                    .is_some_and(|v| v.contains("steps.packages.outputs")),
                "{label}: plan output {out}"
            );
        }
        let plan_runs = job_runs(&wf, "plan");
        assert!(
            plan_runs.contains(r#"python "$BUMP_SCRIPT" route"#),
            "{label}"
        );
        assert!(
            plan_runs.contains(r#"python "$BUMP_SCRIPT" packages --json"#),
            "{label}"
        );
        // Every step that runs the script gets its path from its own env.
        for job in jobs.keys().map(key) {
            for st in jobs[job]
                .get("steps")
                .and_then(Value::as_sequence)
                .into_iter()
                .flatten()
            {
                if st["run"]
                    .as_str()
                    .is_some_and(|r| r.contains("$BUMP_SCRIPT"))
                {
                    assert_eq!(
                        st["env"]["BUMP_SCRIPT"], "scripts/bump_version.py",
                        "{label}: {job}"
                    );
                }
            }
        }
        // 11.5: the plan job sees every tag (no shallow clone).
        let checkout = step_using(&wf, "plan", "actions/checkout");
        assert_eq!(checkout[0]["with"]["fetch-depth"], 0, "{label}");

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

        // Build once, from the plan's package list, reproducibly; one artifact a re-run can replace.
        let build_runs = job_runs(&wf, "build");
        assert!(build_runs.contains("twine check --strict"), "{label}");
        assert!(build_runs.contains("--require-hashes"), "{label}");
        let build_step = steps(&wf, "build")
            .iter()
            .find(|s| s["env"].get("PACKAGES").is_some())
            .unwrap_or_else(|| panic!("{label}: no build step reads PACKAGES"));
        assert_eq!(
            build_step["env"]["PACKAGES"], "${{ needs.plan.outputs.packages }}",
            "{label}"
        );
        assert_eq!(
            build_step["env"]["SOURCE_DATE_EPOCH"], "${{ needs.plan.outputs.source-date-epoch }}",
            "{label}"
        );
        let uploads = step_using(&wf, "build", "actions/upload-artifact");
        assert_eq!(uploads.len(), 1, "{label}");
        assert_eq!(
            uploads[0]["with"]["overwrite"],
            Value::Bool(true),
            "{label}"
        );
        if r.has("build-tool=build") {
            assert!(build_runs.contains(r#""-m", "build""#), "{label}");
            assert!(
                step_using(&wf, "build", "astral-sh/setup-uv").is_empty(),
                "{label}"
            );
        } else {
            assert!(
                build_runs.contains(r#""uv", "build", "--no-sources""#),
                "{label}"
            );
            // 11.8: uv pinned by version.
            let uv = step_using(&wf, "build", "astral-sh/setup-uv");
            assert_eq!(
                uv[0]["with"]["version"],
                pyrel::testing::render::pins::UV_VERSION,
                "{label}"
            );
        }

        // Publish jobs: one step uploads every package, in the plan's order.
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
            let st = steps(&wf, name);
            assert!(
                step_using(&wf, name, "actions/checkout").is_empty(),
                "{label}: {name} checks out"
            );
            assert!(
                st[0]["uses"]
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
            let upload: Vec<&Value> = st
                .iter()
                .filter(|s| s["run"].as_str().is_some_and(|r| r.contains("twine")))
                .collect();
            assert_eq!(upload.len(), 1, "{label}: one upload step in {name}");
            let env = &upload[0]["env"];
            let run = upload[0]["run"].as_str().unwrap();
            assert!(run.contains("--require-hashes"), "{label}");
            assert!(
                run.contains("for p in json.loads(os.environ[\"PACKAGES\"])"),
                "{label}"
            );
            assert_eq!(
                env["PACKAGES"], "${{ needs.plan.outputs.packages }}",
                "{label}"
            );
            assert_eq!(
                env["ATTEST"],
                if trusted { "true" } else { "false" },
                "{label}"
            );
            assert!(run.contains("pypi_attestations\", \"sign\""), "{label}");
            if trusted {
                assert!(env.get("TWINE_PASSWORD").is_none(), "{label}");
            } else {
                let secret = if *name == "publish-pypi" {
                    "${{ secrets.PYPI_API_TOKEN }}"
                } else {
                    "${{ secrets.TEST_PYPI_API_TOKEN }}"
                };
                assert_eq!(env["TWINE_PASSWORD"], secret, "{label}");
                assert_eq!(env["TWINE_USERNAME"], "__token__", "{label}");
            }
            assert_eq!(
                env.get("TWINE_REPOSITORY_URL").is_some(),
                *name == "publish-testpypi",
                "{label}"
            );
        }

        // contents: write only on the GitHub Release job, which uses gh.
        for (name, job) in jobs {
            if job["permissions"]["contents"] == "write" {
                assert_eq!(key(name), "github-release", "{label}");
            }
        }
        // 11.7: a draft first, files attached, then published.
        let release_run = job_runs(&wf, "github-release");
        let create = release_run
            .lines()
            .find(|l| l.contains("gh release create"))
            .unwrap_or_else(|| panic!("{label}: no gh release create"));
        assert!(
            create.contains("--draft") && !create.contains("dist/"),
            "{label}: {create}"
        );
        let upload = release_run.find("gh release upload").unwrap();
        let publish_at = release_run
            .find("gh release edit \"$TAG\" --draft=false")
            .unwrap();
        assert!(
            release_run.find("gh release create").unwrap() < upload && upload < publish_at,
            "{label}"
        );
        assert!(release_run.contains("--prerelease"), "{label}");

        // 11.11: the install check uses one index per pip call, with retries.
        let check = job_runs(&wf, "install-check");
        assert!(check.contains("for attempt in"), "{label}");
        assert!(!text.contains("extra-index-url"), "{label}: index mixing");
        assert!(
            text.contains("GITHUB_STEP_SUMMARY"),
            "{label}: no job summary"
        );

        // 11.8: the release tools are pinned by version and by hash.
        let reqs = wf["env"]["RELEASE_REQUIREMENTS"].as_str().unwrap();
        let names: Vec<&str> = reqs
            .lines()
            .map(|l| l.split("==").next().unwrap())
            .collect();
        for tool in ["build", "twine", "pypi-attestations"] {
            assert!(names.contains(&tool), "{label}: {tool} not pinned");
        }
        for line in reqs.lines() {
            let (_, rest) = line.split_once("==").unwrap_or_else(|| panic!("{line}"));
            let hashes: Vec<&str> = rest
                .split_whitespace()
                .filter_map(|w| w.strip_prefix("--hash=sha256:"))
                .collect();
            assert!(!hashes.is_empty(), "{label}: no hash: {line}");
            for h in hashes {
                assert!(
                    h.len() == 64 && h.chars().all(|c| c.is_ascii_hexdigit()),
                    "{line}"
                );
            }
        }
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
        // 11.10: the packages are data; the lock file is used when there is one (uv sync
        // --locked with the test group or extra), with the pytest plugins the config names.
        let packages: Vec<serde_json::Value> =
            serde_json::from_str(wf["env"]["PACKAGES"].as_str().unwrap()).unwrap();
        assert!(!packages.is_empty() && packages.iter().all(|p| p["dir"].is_string()));
        let uv = step_using(&wf, "test", "astral-sh/setup-uv");
        assert_eq!(
            uv[0]["with"]["version"],
            pyrel::testing::render::pins::UV_VERSION,
            "{}",
            r.label
        );
        let runs = job_runs(&wf, "test");
        for needle in [
            r#"["uv", "sync", "--locked", "--all-packages"]"#,
            r#"cmd += ["--group", name]"#,
            r#""pytest-cov""#,
            "TEST_PYTHON",
        ] {
            assert!(runs.contains(needle), "{}: {needle}", r.label);
        }
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
        // Issue 25: every pull request builds and checks the packages with `pyrel check`,
        // the pyrel that wrote the file, under the same pinned uv as the tests.
        let package = &jobs(&wf)["package"];
        assert_eq!(package["name"], "package check", "{}", r.label);
        let check = steps(&wf, "package")
            .iter()
            .find(|s| s.get("run").is_some())
            .unwrap();
        assert_eq!(
            check["run"],
            r#"uv tool run --from "pyrel==$PYREL_VERSION" pyrel check"#
        );
        assert_eq!(check["env"]["PYREL_VERSION"], env!("CARGO_PKG_VERSION"));
        assert_eq!(
            step_using(&wf, "package", "astral-sh/setup-uv")[0]["with"]["version"],
            pyrel::testing::render::pins::UV_VERSION
        );
    }
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

/// Values a repository may legitimately hold that are hostile to YAML and to a shell:
/// quotes, `$(...)`, `#`, `;`, `&&`. No `${{`: that is refused (see below).
fn crafted_sets(tests: &str) -> Vec<String> {
    let mut sets = vec![
        format!("tests={tests}"),
        "dev-builds=true".into(),
        format!(
            "default-branch={}",
            serde_json::to_string(CRAFTED_BRANCH).unwrap()
        ),
        format!(
            "pre-build={}",
            serde_json::to_string(&[CRAFTED_PRE_BUILD]).unwrap()
        ),
        r#"runner="ubuntu-22.04""#.into(),
        r#"files.bump-script="scripts/release-tools/bump_version.py""#.into(),
        r#"pypi-environment="pypi-prod""#.into(),
        format!(
            "test-env={{ DATABASE_URL = {} }}",
            serde_json::to_string(CRAFTED_ENV).unwrap()
        ),
        format!(
            r#"test-services={{ postgres = {{ image = "{PG_IMAGE}", ports = ["5432:5432"], env = {{ POSTGRES_PASSWORD = "test" }} }} }}"#
        ),
    ];
    if tests == "existing" {
        sets.push(format!(
            "required-checks={}",
            serde_json::to_string(&[CRAFTED_CHECK]).unwrap()
        ));
    }
    sets
}

const CRAFTED_ENV: &str = r#"postgresql://u:p@localhost/t?x='1'&y="$(id)""#;
const PG_IMAGE: &str =
    "postgres:17@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const CRAFTED_CHECK: &str = r#"lint: "strict" 'x' $(id) #1; echo pwned"#;
// Within the branch grammar (git ref rules, `[A-Za-z0-9._/+!-]`): shaped like a path and a version.
const CRAFTED_BRANCH: &str = "release/2026.1_rc-x";
const CRAFTED_PRE_BUILD: &str = r#"make gen && echo "$HOME" '#x'; printf '%s\n' "a;b""#;

/// Crafted renders (both test gates), audited with the matrix by zizmor, actionlint and
/// the schema (see `workflow_tree`).
fn crafted() -> &'static Vec<(String, tempfile::TempDir)> {
    static C: OnceLock<Vec<(String, tempfile::TempDir)>> = OnceLock::new();
    C.get_or_init(|| {
        let mut out = Vec::new();
        for fixture in ["single-flat", "uv-workspace"] {
            for tests in ["existing", "generate"] {
                out.push((
                    format!("crafted-{fixture}-{tests}"),
                    render(fixture, &crafted_sets(tests)),
                ));
            }
        }
        out
    })
}

#[test]
fn crafted_policy_values_reach_run_lines_only_through_env() {
    for (label, dir) in crafted() {
        let text = read(&dir.path().join(".github/workflows/release.yml"));
        let wf = yaml(&text);
        // Same keys and the same expressions as with plain values: nothing injected.
        let (fixture, tests) = label
            .strip_prefix("crafted-")
            .and_then(|l| l.rsplit_once('-'))
            .unwrap();
        let plain_sets: Vec<String> = crafted_sets(tests)
            .into_iter()
            .map(|s| {
                s.replace(&serde_json::to_string(CRAFTED_CHECK).unwrap(), "\"lint\"")
                    .replace(&serde_json::to_string(CRAFTED_BRANCH).unwrap(), "\"main\"")
                    .replace(
                        &serde_json::to_string(CRAFTED_PRE_BUILD).unwrap(),
                        "\"make\"",
                    )
            })
            .collect();
        let plain = render(fixture, &plain_sets);
        for file in [
            ".github/workflows/release.yml",
            ".github/workflows/test.yml",
        ] {
            let (Ok(c), Ok(p)) = (
                std::fs::read_to_string(dir.path().join(file)),
                std::fs::read_to_string(plain.path().join(file)),
            ) else {
                continue;
            };
            let (mut ck, mut pk) = (BTreeSet::new(), BTreeSet::new());
            key_paths(&yaml(&c), "", &mut ck);
            key_paths(&yaml(&p), "", &mut pk);
            assert_eq!(ck, pk, "{label} {file}: key structure changed");
            assert_eq!(expressions(&c), expressions(&p), "{label} {file}");
        }
        // No value of the policy inside a `run:` script: they are in `env:`, read as "$VAR".
        for run in run_scripts(&wf) {
            for value in [
                CRAFTED_CHECK,
                CRAFTED_BRANCH,
                CRAFTED_PRE_BUILD,
                "release-tools",
            ] {
                assert!(!run.contains(value), "{label}: {value} inside run: {run}");
            }
        }
        let route = steps(&wf, "plan")
            .iter()
            .find(|s| s["id"] == "route")
            .unwrap();
        assert_eq!(
            route["env"]["BUMP_SCRIPT"],
            "scripts/release-tools/bump_version.py"
        );
        let pre = steps(&wf, "build")
            .iter()
            .find(|s| s["env"].get("PRE_BUILD").is_some())
            .unwrap();
        assert_eq!(pre["env"]["PRE_BUILD"], CRAFTED_PRE_BUILD, "{label}");
        assert_eq!(
            pre["run"], r#"bash -euo pipefail -c "$PRE_BUILD""#,
            "{label}"
        );
        assert_eq!(wf["on"]["push"]["branches"][0], CRAFTED_BRANCH, "{label}");
        assert_eq!(jobs(&wf)["build"]["runs-on"], "ubuntu-22.04", "{label}");
        if label.ends_with("existing") {
            let env = &steps(&wf, "tests")[0]["env"];
            let back: Vec<String> =
                serde_json::from_str(env["REQUIRED_CHECKS"].as_str().unwrap()).unwrap();
            assert_eq!(back, [CRAFTED_CHECK], "{label}");
        }
        if let Ok(t) = std::fs::read_to_string(dir.path().join(".github/workflows/test.yml")) {
            let twf = yaml(&t);
            // 11.10: the policy's environment and services reach the test job as data.
            assert_eq!(twf["env"]["DATABASE_URL"], CRAFTED_ENV, "{label}");
            let pg = &jobs(&twf)["test"]["services"]["postgres"];
            assert_eq!(pg["image"], PG_IMAGE, "{label}");
            assert_eq!(pg["ports"][0], "5432:5432", "{label}");
            assert_eq!(pg["env"]["POSTGRES_PASSWORD"], "test", "{label}");
            for run in run_scripts(&twf) {
                assert!(
                    !run.contains("libs/"),
                    "{label}: a package directory in run: {run}"
                );
            }
        }
    }
}

#[test]
fn expressions_in_policy_values_are_refused_and_nothing_is_written() {
    let expr = "${{ github.event.head_commit.message }}";
    for set in [
        format!(
            "runner={}",
            serde_json::to_string(&format!("ubuntu-{expr}")).unwrap()
        ),
        format!(
            "required-checks={}",
            serde_json::to_string(&[format!("lint{expr}")]).unwrap()
        ),
        format!(
            "pre-build={}",
            serde_json::to_string(&[format!("echo {expr}")]).unwrap()
        ),
        format!(
            "default-branch={}",
            serde_json::to_string(&format!("main{expr}")).unwrap()
        ),
    ] {
        let dir = common::fixture("single-flat");
        let before = common::snapshot_tree(dir.path());
        let mut cmd = common::pyrel(dir.path());
        cmd.args([
            "init",
            "--yes",
            "--set",
            "tests=existing",
            "--set",
            r#"required-checks=["lint"]"#,
        ]);
        cmd.args(["--set", &set]);
        let out = cmd.output().unwrap();
        let key = set.split('=').next().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{set}: {stderr}");
        assert!(
            stderr.contains(key),
            "{set}: the message names the key: {stderr}"
        );
        assert_eq!(
            common::snapshot_tree(dir.path()),
            before,
            "{set}: something was written"
        );
    }
}

// -- the plan job, run ------------------------------------------------------------

/// Runs the `run:` steps of the plan job in the rendered repository as a runner would:
/// the workflow's and the step's `env` (expressions of earlier step outputs and dispatch
/// inputs resolved), the run's `GITHUB_*` variables, `bash -e`, a `GITHUB_OUTPUT` file.
/// Returns the step outputs, by step id.
fn run_plan(
    dir: &Path,
    github: &[(&str, &str)],
    inputs: &[(&str, &str)],
) -> BTreeMap<String, BTreeMap<String, String>> {
    let python = common::require_tools_python().unwrap();
    let bin = python.parent().unwrap().to_path_buf();
    let wf = yaml(&read(&dir.join(".github/workflows/release.yml")));
    let temp = tempfile::tempdir().unwrap();
    let mut outputs: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let resolve = |v: &str, outputs: &BTreeMap<String, BTreeMap<String, String>>| -> String {
        let Some(expr) = v.strip_prefix("${{ ").and_then(|e| e.strip_suffix(" }}")) else {
            assert!(!v.contains("${{"), "unsupported expression {v}");
            return v.to_string();
        };
        if let Some(name) = expr.strip_prefix("inputs.") {
            return inputs
                .iter()
                .find(|(k, _)| *k == name)
                .map_or(String::new(), |(_, v)| v.to_string());
        }
        let parts: Vec<&str> = expr.split('.').collect();
        assert!(
            parts.len() == 4 && parts[0] == "steps" && parts[2] == "outputs",
            "{expr}"
        );
        outputs
            .get(parts[1])
            .and_then(|o| o.get(parts[3]))
            .cloned()
            .unwrap_or_default()
    };
    for (i, step) in steps(&wf, "plan").iter().enumerate() {
        let Some(run) = step["run"].as_str() else {
            continue;
        };
        let out_file = temp.path().join(format!("output-{i}"));
        std::fs::write(&out_file, "").unwrap();
        let mut cmd = Command::new("bash");
        cmd.args(["-e", "-c", run])
            .current_dir(dir)
            .env(
                "PATH",
                format!(
                    "{}:{}",
                    bin.display(),
                    std::env::var("PATH").unwrap_or_default()
                ),
            )
            .env("GITHUB_OUTPUT", &out_file)
            .env("GITHUB_STEP_SUMMARY", temp.path().join("summary"))
            .env("RUNNER_TEMP", temp.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null");
        for (k, v) in github {
            cmd.env(k, v);
        }
        for scope in [&wf["env"], &step["env"]] {
            if let Some(m) = scope.as_mapping() {
                for (k, v) in m {
                    let v = v
                        .as_str()
                        .map_or_else(|| v.as_bool().unwrap().to_string(), str::to_owned);
                    cmd.env(key(k), resolve(&v, &outputs));
                }
            }
        }
        let out = cmd.output().unwrap();
        assert!(
            out.status.success(),
            "plan step {i} failed:\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        if let Some(id) = step["id"].as_str() {
            let values = read(&out_file)
                .lines()
                .filter_map(|l| l.split_once('='))
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect();
            outputs.insert(id.to_string(), values);
        }
    }
    outputs
}

fn identity(cmd: &mut assert_cmd::Command) -> &mut assert_cmd::Command {
    cmd.env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.invalid")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.invalid")
}

#[test]
fn the_plan_job_routes_a_tag_and_lists_its_packages_in_dependency_order() {
    let r = render("uv-workspace", &[]);
    let root = r.path();
    common::git(root, &["add", "-A"]);
    common::git(root, &["commit", "-q", "-m", "init"]);
    let out = identity(&mut common::pyrel(root))
        .args(["bump", "minor", "--commit", "--tag"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // 11.1: generated files carry no version, so the release commit passes its own checks.
    for args in [&["generate", "--check"][..], &["doctor", "--offline"][..]] {
        let out = common::pyrel(root).args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{args:?} after the release commit:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let outputs = run_plan(
        root,
        &[
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_REF_TYPE", "tag"),
            ("GITHUB_REF_NAME", "v2.1.0"),
            ("GITHUB_RUN_NUMBER", "7"),
            ("GITHUB_RUN_ATTEMPT", "1"),
        ],
        &[],
    );
    let route = &outputs["route"];
    assert_eq!(route["version"], "2.1.0");
    assert_eq!(route["pypi"], "true");
    let packages: Vec<serde_json::Value> =
        serde_json::from_str(&outputs["packages"]["packages"]).unwrap();
    let names: Vec<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dashboard-core", "dashboard-api", "dashboard"]);
    assert_eq!(packages[0]["dir"], "libs/core");
    // 11.7: SOURCE_DATE_EPOCH is the tagged commit's time.
    let epoch: u64 = outputs["packages"]["source-date-epoch"].parse().unwrap();
    let git_time = Command::new("git")
        .args(["log", "-1", "--format=%ct", "v2.1.0"])
        .current_dir(root)
        .output()
        .unwrap();
    assert_eq!(
        epoch.to_string(),
        String::from_utf8_lossy(&git_time.stdout).trim()
    );
}

/// Issue 25: a dispatch on the tag can release one named package (any spelling of its
/// name), the bootstrap of several new projects; a name the tag does not release fails
/// the plan.
#[test]
fn a_dispatch_on_the_tag_releases_the_one_package_it_names() {
    let r = render("uv-workspace", &[]);
    let root = r.path();
    common::git(root, &["add", "-A"]);
    common::git(root, &["commit", "-q", "-m", "init"]);
    let out = identity(&mut common::pyrel(root))
        .args(["bump", "minor", "--commit", "--tag"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let github = [
        ("GITHUB_EVENT_NAME", "workflow_dispatch"),
        ("GITHUB_REF_TYPE", "tag"),
        ("GITHUB_REF_NAME", "v2.1.0"),
        ("GITHUB_RUN_NUMBER", "8"),
        ("GITHUB_RUN_ATTEMPT", "1"),
    ];
    let dispatch = |package: &str| {
        run_plan(
            root,
            &github,
            &[
                ("target", "pypi"),
                ("dry-run", "false"),
                ("package", package),
            ],
        )
    };
    let outputs = dispatch("Dashboard_API");
    assert_eq!(outputs["route"]["pypi"], "true");
    let packages: serde_json::Value =
        serde_json::from_str(&outputs["packages"]["packages"]).unwrap();
    assert_eq!(
        packages,
        serde_json::json!([{"name": "dashboard-api", "dir": "libs/api"}])
    );
    // Empty: every package of the tag.
    let all: Vec<serde_json::Value> =
        serde_json::from_str(&dispatch("")["packages"]["packages"]).unwrap();
    assert_eq!(all.len(), 3);
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch("acme-other")));
    let message = refused
        .err()
        .and_then(|e| e.downcast_ref::<String>().cloned())
        .expect("the plan fails");
    assert!(
        message.contains("::error::this run releases dashboard-core, dashboard-api, dashboard, not the package named by the dispatch"),
        "{message}"
    );
}

#[test]
fn the_plan_job_of_a_thousand_packages_keeps_dependency_order() {
    let outputs = run_plan(
        thousand().path(),
        &[
            ("GITHUB_EVENT_NAME", "workflow_dispatch"),
            ("GITHUB_REF_TYPE", "branch"),
            ("GITHUB_REF_NAME", "main"),
            ("GITHUB_RUN_NUMBER", "1"),
            ("GITHUB_RUN_ATTEMPT", "1"),
        ],
        &[("target", "testpypi"), ("dry-run", "true")],
    );
    let packages: Vec<serde_json::Value> =
        serde_json::from_str(&outputs["packages"]["packages"]).unwrap();
    let order: Vec<usize> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap()[1..].parse().unwrap())
        .collect();
    assert_eq!(order, (0..THOUSAND).rev().collect::<Vec<_>>());
}

// -- compiled projects -------------------------------------------------------------

#[test]
fn compiled_projects_get_a_wheel_matrix_published_with_the_sdist() {
    for (fixture, name, tool, action) in [
        (
            "compiled-maturin",
            "rusty-fast",
            "maturin",
            "PyO3/maturin-action",
        ),
        (
            "compiled-scikit-build",
            "skb-geometry",
            "cibuildwheel",
            "pypa/cibuildwheel",
        ),
        (
            "compiled-meson",
            "mesy",
            "cibuildwheel",
            "pypa/cibuildwheel",
        ),
        (
            "compiled-setuptools-ext",
            "fastmod",
            "cibuildwheel",
            "pypa/cibuildwheel",
        ),
    ] {
        // Every combination of these fixtures is in the matrix, audited by zizmor,
        // actionlint and the schema; here the structure.
        let r = matrix()
            .iter()
            .find(|r| r.label.starts_with(&format!("{fixture}-")))
            .unwrap();
        let wf = yaml(&r.release());
        let wheels = &jobs(&wf)["wheels"];
        let os: Vec<&str> = wheels["strategy"]["matrix"]["os"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        assert_eq!(
            os,
            ["ubuntu-latest", "macos-latest", "windows-latest"],
            "{fixture}"
        );
        let pkg = &wheels["strategy"]["matrix"]["package"][0];
        assert_eq!(pkg["name"], name, "{fixture}");
        assert_eq!(pkg["tool"], tool, "{fixture}");
        let builder = step_using(&wf, "wheels", action);
        assert_eq!(builder.len(), 1, "{fixture}: {action}");
        assert_eq!(
            builder[0]["env"]["SOURCE_DATE_EPOCH"],
            "${{ needs.plan.outputs.source-date-epoch }}"
        );
        // The build job makes only the sdist of this package.
        let build = steps(&wf, "build")
            .iter()
            .find(|s| s["env"].get("COMPILED").is_some())
            .unwrap_or_else(|| panic!("{fixture}: no COMPILED"));
        let compiled: Vec<String> =
            serde_json::from_str(build["env"]["COMPILED"].as_str().unwrap()).unwrap();
        assert_eq!(compiled, [name], "{fixture}");
        assert!(build["run"].as_str().unwrap().contains(r#"["--sdist"]"#));
        // Published together: the uploads wait for the wheels and download every artifact.
        for job in ["publish-pypi", "github-release"] {
            let needs: Vec<&str> = jobs(&wf)[job]["needs"]
                .as_sequence()
                .unwrap()
                .iter()
                .map(|v| v.as_str().unwrap())
                .collect();
            assert!(needs.contains(&"wheels"), "{fixture}: {job}");
            let dl = step_using(&wf, job, "actions/download-artifact");
            assert_eq!(
                dl[0]["with"]["merge-multiple"],
                Value::Bool(true),
                "{fixture}"
            );
            assert!(dl[0]["with"].get("name").is_none(), "{fixture}");
        }
    }
    // A pure project has no wheels job.
    let pure = matrix()
        .iter()
        .find(|r| r.label.starts_with("single-flat-"))
        .unwrap();
    assert!(!jobs(&yaml(&pure.release())).contains_key("wheels"));
}

// -- pins the user moves ----------------------------------------------------------

const FAKE_SHA: &str = "0123456789abcdef0123456789abcdef01234567";

#[test]
fn a_policy_pin_replaces_pyrels_and_an_older_one_warns() {
    for (version, warns) in [("v7.9.0", false), ("v6.0.0", true)] {
        let r = render(
            "single-flat",
            &[format!(
                r#"action-pins={{ "actions/checkout" = "{FAKE_SHA} # {version}" }}"#
            )],
        );
        let text = read(&r.path().join(".github/workflows/release.yml"));
        let line = format!("uses: actions/checkout@{FAKE_SHA} # {version}");
        assert!(text.contains(&line), "{text}");
        assert!(
            !text.contains("actions/checkout@3d3c42e5"),
            "pyrel's pin left"
        );
        let out = common::pyrel(r.path())
            .args(["doctor", "--offline", "--format", "json"])
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let warnings: Vec<&serde_json::Value> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["message"].as_str().unwrap_or("").contains("action-pins"))
            .collect();
        assert_eq!(!warnings.is_empty(), warns, "{version}: {report}");
        if warns {
            assert_eq!(warnings[0]["severity"], "warning");
            assert_eq!(warnings[0]["path"], "pyproject.toml");
            assert!(warnings[0]["line"].as_u64().is_some());
        }
    }
    // A pin that is not a full SHA with its version is refused where it enters.
    for bad in [
        r#"action-pins={ "actions/checkout" = "v7" }"#,
        r#"action-pins={ "actions/checkout" = "0123456 # v7.0.0" }"#,
        r#"action-pins={ "someone/else" = "0123456789abcdef0123456789abcdef01234567 # v1.0.0" }"#,
    ] {
        let dir = common::fixture("single-flat");
        let before = common::snapshot_tree(dir.path());
        let out = common::pyrel(dir.path())
            .args(["init", "--yes", "--set", bad])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert_eq!(common::snapshot_tree(dir.path()), before, "{bad}");
    }
}

/// Token mode: doctor reads the upload's credential from the step's environment too, and
/// names a secret other than the policy's.
#[test]
fn doctor_checks_the_token_secret_of_the_upload_loop() {
    let r = render("single-flat", &["publish=token".into()]);
    let wf_path = r.path().join(".github/workflows/release.yml");
    let doctor = |dir: &Path| {
        let out = common::pyrel(dir)
            .args(["doctor", "--offline", "--format", "json"])
            .output()
            .unwrap();
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let release_findings = |report: &serde_json::Value| -> Vec<String> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["name"] == "release-workflow")
            .map(|f| f["message"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(release_findings(&doctor(r.path())), Vec::<String>::new());
    let text = read(&wf_path).replace("secrets.PYPI_API_TOKEN", "secrets.SOMEONE_ELSES_TOKEN");
    std::fs::write(&wf_path, text).unwrap();
    let found = release_findings(&doctor(r.path()));
    assert!(
        found
            .iter()
            .any(|m| m.contains("SOMEONE_ELSES_TOKEN") && m.contains("PYPI_API_TOKEN")),
        "{found:?}"
    );
}

/// Issue 8, critical 1: a workspace member directory holding an expression never reaches
/// a workflow: init refuses (exit 2) and writes nothing.
#[test]
fn a_package_directory_holding_an_expression_is_refused() {
    let dir = common::fixture("uv-workspace");
    std::fs::rename(
        dir.path().join("libs/core"),
        dir.path()
            .join("libs/core${{ github.event.head_commit.message }}"),
    )
    .unwrap();
    let before = common::snapshot_tree(dir.path());
    let out = common::pyrel(dir.path())
        .args(["init", "--yes"])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(common::snapshot_tree(dir.path()), before);
    assert!(!dir.path().join(".github/workflows/release.yml").exists());
}

// -- 1,000 packages ----------------------------------------------------------------

const THOUSAND: usize = 1000;
const THOUSAND_LABEL: &str = "thousand";

/// A uv workspace of 1,000 packages where each depends on the next one by name
/// (`p0000` → `p0001` → … → `p0999`): dependency order is the reverse of name order.
fn thousand() -> &'static tempfile::TempDir {
    static T: OnceLock<tempfile::TempDir> = OnceLock::new();
    T.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        std::fs::write(
            root.join("pyproject.toml"),
            "[tool.uv.workspace]\nmembers = [\"libs/*\"]\n",
        )
        .unwrap();
        for i in 0..THOUSAND {
            let name = format!("p{i:04}");
            let pkg = root.join("libs").join(&name);
            std::fs::create_dir_all(pkg.join("src").join(&name)).unwrap();
            let deps = if i + 1 < THOUSAND {
                format!("\"p{:04}==1.0.0\"", i + 1)
            } else {
                String::new()
            };
            std::fs::write(
                pkg.join("pyproject.toml"),
                format!(
                    "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n\
                     [project]\nname = \"{name}\"\nversion = \"1.0.0\"\ndependencies = [{deps}]\n"
                ),
            )
            .unwrap();
            std::fs::write(
                pkg.join("src").join(&name).join("__init__.py"),
                "__version__ = \"1.0.0\"\n",
            )
            .unwrap();
        }
        common::git(root, &["init", "-q", "-b", "main"]);
        common::git(
            root,
            &["remote", "add", "origin", "https://github.com/acme/widgets.git"],
        );
        let out = common::pyrel(root).args(["init", "--yes"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        common::git(root, &["add", "-A"]);
        common::git(root, &["commit", "-q", "-m", "a thousand packages"]);
        dir
    })
}

#[test]
fn a_thousand_packages_fit_in_a_small_workflow_in_dependency_order() {
    let root = thousand().path();
    let release = read(&root.join(".github/workflows/release.yml"));
    let test = read(&root.join(".github/workflows/test.yml"));
    // zizmor, actionlint and the schema audit these files with the matrix (workflow_tree).
    assert!(
        release.len() < 100_000,
        "release.yml is {} bytes",
        release.len()
    );
    assert!(test.len() < 100_000, "test.yml is {} bytes", test.len());
    // No per-package copy of anything in the release workflow: no package name in it.
    assert!(!release.contains("p0500"), "a package name in release.yml");
    // The build and both uploads loop over the plan's list.
    let wf = yaml(&release);
    for job in ["build", "publish-testpypi", "publish-pypi"] {
        assert!(
            steps(&wf, job)
                .iter()
                .any(|s| s["env"]["PACKAGES"] == "${{ needs.plan.outputs.packages }}"),
            "{job}"
        );
    }
    // Dependency order: the guide lists the packages in the order they are built and
    // uploaded; every package comes after the one it depends on.
    let guide = read(&root.join("docs/RELEASING.md"));
    let order: Vec<usize> = guide
        .lines()
        .filter_map(|l| l.strip_prefix("| `p"))
        .map(|l| l[..4].parse().unwrap())
        .collect();
    assert_eq!(order.len(), THOUSAND);
    assert_eq!(order, (0..THOUSAND).rev().collect::<Vec<_>>());
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
    // No history: nobody else to approve, so no required approval (a lone maintainer
    // must be able to merge).
    assert_eq!(
        body["required_pull_request_reviews"]["required_approving_review_count"],
        0
    );
    assert_eq!(body["allow_force_pushes"], false);
    assert_eq!(body["allow_deletions"], false);
    assert!(body["restrictions"].is_null());
}

/// 11.14: the protection is sized to the team: one committer → no required approval,
/// two → one; the JSON and the guide say the same.
#[test]
fn protection_is_sized_to_the_committers() {
    for (authors, approvals) in [(1usize, 0u64), (2, 1)] {
        let dir = common::fixture("single-flat");
        for i in 0..authors {
            std::fs::write(dir.path().join(format!("f{i}")), "x").unwrap();
            common::git(dir.path(), &["add", "-A"]);
            let st = Command::new("git")
                .args(["commit", "-q", "-m", "c"])
                .current_dir(dir.path())
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GIT_AUTHOR_NAME", format!("A{i}"))
                .env("GIT_AUTHOR_EMAIL", format!("a{i}@example.invalid"))
                .env("GIT_COMMITTER_NAME", "C")
                .env("GIT_COMMITTER_EMAIL", "c@example.invalid")
                .status()
                .unwrap();
            assert!(st.success());
        }
        let out = common::pyrel(dir.path())
            .args(["init", "--yes"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let body: serde_json::Value =
            serde_json::from_str(&read(&dir.path().join(".github/branch-protection.json")))
                .unwrap();
        assert_eq!(
            body["required_pull_request_reviews"]["required_approving_review_count"], approvals,
            "{authors} author(s)"
        );
        let guide = read(&dir.path().join("docs/RELEASING.md"));
        assert!(
            guide.contains(&format!(
                "a pull request with {approvals} approving review(s)"
            )),
            "{guide}"
        );
        assert_eq!(
            guide.contains("a required approval would\nlock everyone out"),
            approvals == 0
        );
        // The tag ruleset in the guide is GitHub's create-ruleset body for the release tags,
        // the one `pyrel github apply` sends (tests/remote_guide.rs compares them whole).
        let json = guide
            .split("```json\n")
            .nth(1)
            .and_then(|rest| rest.split("\n```").next())
            .unwrap();
        let ruleset: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(ruleset["target"], "tag");
        assert_eq!(
            ruleset["conditions"]["ref_name"]["include"][0],
            "refs/tags/v*"
        );
        let rules: Vec<&str> = ruleset["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        for rule in ["update", "deletion", "non_fast_forward"] {
            assert!(rules.contains(&rule), "{rule}");
        }
        // The release manager creates release tags; nobody, admins included, moves them.
        assert!(!rules.contains(&"creation"));
        assert_eq!(ruleset["bypass_actors"], serde_json::json!([]));
    }
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
        // From zero: separate accounts, pending publishers on both indexes, the first tag.
        "https://test.pypi.org/account/register/",
        "pending publisher",
        "https://pypi.org/manage/account/publishing/",
        "https://test.pypi.org/manage/account/publishing/",
        "pyrel release release --dry-run",
        // The release flow through a pull request, resumable, and the explicit direct push.
        "pyrel release patch",
        "pyrel release --resume",
        "`--direct`",
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

/// Runs `pyrel` with a git identity and returns stdout, asserting success.
fn pyrel_ok(root: &Path, args: &[&str]) -> String {
    let out = identity(&mut common::pyrel(root))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyrel {args:?} in {}:\n{}{}",
        root.display(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The tag the last `bump --tag` made on HEAD.
fn tag_on_head(root: &Path) -> String {
    let out = Command::new("git")
        .args(["tag", "--points-at", "HEAD"])
        .current_dir(root)
        .output()
        .unwrap();
    let tags = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        !tags.is_empty() && !tags.contains('\n'),
        "one tag on HEAD: {tags:?}"
    );
    tags
}

/// Runs the rendered plan job for a pushed tag, as GitHub would: every step's outputs.
fn plan_tag(root: &Path, tag: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    run_plan(
        root,
        &[
            ("GITHUB_EVENT_NAME", "push"),
            ("GITHUB_REF_TYPE", "tag"),
            ("GITHUB_REF_NAME", tag),
            ("GITHUB_RUN_NUMBER", "3"),
            ("GITHUB_RUN_ATTEMPT", "1"),
        ],
        &[],
    )
}

/// Routes a pushed tag through the rendered plan job: the route step's outputs.
fn route_tag(root: &Path, tag: &str) -> BTreeMap<String, String> {
    plan_tag(root, tag)["route"].clone()
}

/// Issue 11's end-to-end path on every layout fixture: `init --yes` → commit → a release
/// (`bump minor`, or `bump release` for the first one, or an rc) with `--commit --tag` →
/// `generate --check` and `doctor --offline` exit 0 → the workflow's plan step, run with
/// the same GITHUB_* variables, routes the tag: finals to PyPI, the rc to TestPyPI only.
#[test]
fn every_layout_goes_from_init_to_a_routed_release_tag() {
    for fixture in fixtures() {
        for release in [&["minor"][..], &["release"][..], &["minor,rc"][..]] {
            let r = render(&fixture, &[]);
            let root = r.path();
            common::git(root, &["add", "-A"]);
            common::git(root, &["commit", "-q", "-m", "init"]);
            let policy = std::fs::read_to_string(root.join("pyproject.toml"))
                .or_else(|_| std::fs::read_to_string(root.join("pyrel.toml")))
                .unwrap_or_default();
            let v: serde_json::Value =
                serde_json::from_str(&pyrel_ok(root, &["version", "--format", "json"])).unwrap();
            let mut package: Vec<String> = Vec::new();
            if policy.contains("versioning = \"independent\"") {
                let first = v["packages"][0]["name"].as_str().unwrap().to_string();
                package = vec!["--package".into(), first];
            }
            let mut args: Vec<String> = vec!["bump".into()];
            if v["packages"][0]["version"].is_null() {
                // Versioned by git tags and never released: the first release names its
                // version (`bump release` has no version to release yet); later bumps
                // count from that tag.
                if release == ["release"] {
                    args.push("0.1.0".into());
                } else {
                    let mut first = vec!["bump", "0.1.0", "--commit", "--tag"];
                    first.extend(package.iter().map(String::as_str));
                    pyrel_ok(root, &first);
                    args.extend(release.iter().map(|s| s.to_string()));
                }
            } else {
                args.extend(release.iter().map(|s| s.to_string()));
            }
            args.extend(package);
            args.extend(["--commit".into(), "--tag".into()]);
            let argv: Vec<&str> = args.iter().map(String::as_str).collect();
            pyrel_ok(root, &argv);
            pyrel_ok(root, &["generate", "--check"]);
            pyrel_ok(root, &["doctor", "--offline"]);
            let tag = tag_on_head(root);
            let route = route_tag(root, &tag);
            eprintln!("routed {fixture} {release:?} {tag}: {route:?}");
            let what = format!("{fixture} {release:?} {tag}: {route:?}");
            if release == ["minor,rc"] {
                assert_eq!(route["prerelease"], "true", "{what}");
                assert_eq!(route["pypi"], "false", "{what}");
                assert_eq!(route["testpypi"], "true", "{what}");
            } else {
                assert_eq!(route["pypi"], "true", "{what}");
                assert_eq!(route["prerelease"], "false", "{what}");
            }
        }
    }
}

/// A tag format naming the package's directory (`{dir}`, as monorepos that tag
/// `integrations/<dir>-v1.2.3` do): the workflow's tag glob, `bump --tag`, doctor and the
/// plan job's route all read `{dir}` as the last component of the package directory.
#[test]
fn dir_tag_formats_route_to_the_package_in_that_directory() {
    let r = render(
        "uv-workspace",
        &[
            "versioning=independent".into(),
            "tag-format=libs/{dir}-v{version}".into(),
        ],
    );
    let root = r.path();
    let wf = read(&root.join(".github/workflows/release.yml"));
    assert!(wf.contains("libs/*-v[0-9]*"), "tag glob:\n{wf}");
    common::git(root, &["add", "-A"]);
    common::git(root, &["commit", "-q", "-m", "init"]);
    pyrel_ok(
        root,
        &[
            "bump",
            "minor",
            "--package",
            "dashboard-core",
            "--commit",
            "--tag",
        ],
    );
    let tag = tag_on_head(root);
    assert!(tag.starts_with("libs/core-v"), "{tag}");
    pyrel_ok(root, &["doctor", "--offline"]);
    pyrel_ok(root, &["version", "--check-tag", &tag]);
    let route = route_tag(root, &tag);
    assert_eq!(route["pypi"], "true", "{route:?}");
    let outputs = plan_tag(root, &tag);
    let packages: Vec<serde_json::Value> =
        serde_json::from_str(&outputs["packages"]["packages"]).unwrap();
    let names: Vec<&str> = packages
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["dashboard-core"]);
}

/// Independent versioning end to end: init seeds each package's own changelog, `bump
/// --package … --commit --tag` rolls it, the release commit passes `generate --check` and
/// `doctor --offline`, and the plan job routes the tag to PyPI with that one package.
#[test]
fn independent_packages_go_from_init_to_a_routed_release_tag() {
    for fixture in ["uv-workspace", "setup-py-multi", "bump-uv-lock"] {
        let r = render(
            fixture,
            &[
                "versioning=independent".into(),
                "tag-format={name}-v{version}".into(),
            ],
        );
        let root = r.path();
        common::git(root, &["add", "-A"]);
        common::git(root, &["commit", "-q", "-m", "init"]);
        let v: serde_json::Value =
            serde_json::from_str(&pyrel_ok(root, &["version", "--format", "json"])).unwrap();
        let name = v["packages"][0]["name"].as_str().unwrap().to_string();
        pyrel_ok(
            root,
            &["bump", "minor", "--package", &name, "--commit", "--tag"],
        );
        pyrel_ok(root, &["generate", "--check"]);
        pyrel_ok(root, &["doctor", "--offline"]);
        let tag = tag_on_head(root);
        let outputs = plan_tag(root, &tag);
        assert_eq!(
            outputs["route"]["pypi"], "true",
            "{fixture} {tag}: {outputs:?}"
        );
        let packages: Vec<serde_json::Value> =
            serde_json::from_str(&outputs["packages"]["packages"]).unwrap();
        let names: Vec<&str> = packages
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, [name.as_str()], "{fixture} {tag}");
    }
}

/// The `.github/dependabot.yml` that `pyrel init --dependabot` writes (issue 23) is clean
/// under zizmor's Dependabot audits (cooldown, execution) with every persona.
#[test]
fn the_dependabot_configuration_init_offers_is_clean_under_zizmor() {
    let Some(zizmor) = common::require_tool("zizmor") else {
        return;
    };
    let repo = common::fixture("single-flat");
    common::pyrel(repo.path())
        .args(["init", "--yes", "--dependabot"])
        .assert()
        .success();
    let file = repo.path().join(".github/dependabot.yml");
    assert!(file.is_file());
    for persona in ["regular", "pedantic", "auditor"] {
        let out = Command::new(&zizmor)
            .args(["--offline", "--no-progress", "--format=json"])
            .arg(format!("--persona={persona}"))
            .arg(&file)
            .env_remove("GH_TOKEN")
            .env_remove("GITHUB_TOKEN")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let findings: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            findings.as_array().is_some_and(|a| a.is_empty()) && out.status.success(),
            "{persona}: {findings}"
        );
    }
}
