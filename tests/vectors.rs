//! The shared test vectors of `tests/vectors/`, run through both implementations of the release
//! decisions: the Rust engine (`pyrel::testing::version`, `pyrel::testing::changelog`) and the rendered
//! `scripts/bump_version.py`. The script runs as the release workflow runs it: the `run:` line
//! and `env:` of the plan job's route step, read from the rendered release.yml, under bash, with
//! the `GITHUB_*` variables GitHub sets and a real `$GITHUB_OUTPUT` file. Needs only python3.

use crate::common;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use common::{git, pyrel, require_tool};

fn vectors(name: &str) -> Vec<Value> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/vectors")
        .join(name);
    let v: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    v["cases"].as_array().unwrap().clone()
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_default()
}

// -- repositories for the route vectors ---------------------------------------------------

const SINGLE_PYPROJECT: &str = "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"widgets\"\nversion = \"@V@\"\nrequires-python = \">=3.9\"\n";
const MEMBER_PYPROJECT: &str = "[project]\nname = \"@N@\"\nversion = \"@V@\"\nrequires-python = \">=3.9\"\n\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n";

/// The package manifests of a layout, by package name.
fn manifests(layout: &str) -> Vec<(&'static str, &'static str)> {
    match layout {
        "single" => vec![("widgets", "pyproject.toml")],
        "workspace" => vec![
            ("a", "libs/a/pyproject.toml"),
            ("a-v", "libs/a-v/pyproject.toml"),
        ],
        // One name is the tail of the other, and comes first: with the name after the
        // version (`{version}-{name}`), a tag of `x-v` has the shape of `v`'s tags too.
        "tails" => vec![
            ("v", "libs/v/pyproject.toml"),
            ("x-v", "libs/x-v/pyproject.toml"),
        ],
        _ => vec![],
    }
}

fn changelogs(layout: &str) -> Vec<&'static str> {
    match layout {
        "workspace" => vec![
            "CHANGELOG.md",
            "libs/a/CHANGELOG.md",
            "libs/a-v/CHANGELOG.md",
        ],
        "tails" => vec![
            "CHANGELOG.md",
            "libs/v/CHANGELOG.md",
            "libs/x-v/CHANGELOG.md",
        ],
        _ => vec!["CHANGELOG.md"],
    }
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn write_versions(dir: &Path, layout: &str, versions: &Value) {
    for (name, path) in manifests(layout) {
        let v = versions.get(name).map_or("0.0.1", s);
        let fresh = if layout == "single" {
            SINGLE_PYPROJECT.replace("@V@", v)
        } else {
            MEMBER_PYPROJECT.replace("@N@", name).replace("@V@", v)
        };
        // Only the version line changes: the root pyproject also holds the policy.
        let text = match std::fs::read_to_string(dir.join(path)) {
            Ok(old) => {
                old.lines()
                    .map(|l| {
                        if l.starts_with("version = ") {
                            format!("version = \"{v}\"")
                        } else {
                            l.to_string()
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n")
                    + "\n"
            }
            Err(_) => fresh,
        };
        write(dir, path, &text);
    }
}

fn write_changelogs(dir: &Path, layout: &str, sections: &Value) {
    let mut text = String::from("# Changelog\n\n## [Unreleased]\n");
    for v in sections.as_array().unwrap() {
        text.push_str(&format!(
            "\n## [{}] - 2024-05-01\n\n### Added\n\n- Release {}.\n",
            s(v),
            s(v)
        ));
    }
    for path in changelogs(layout) {
        write(dir, path, &text);
    }
}

/// A repository of `layout` under `policy`, initialised by pyrel and committed.
fn repository(layout: &str, policy: &Value) -> tempfile::TempDir {
    let d = tempfile::tempdir().unwrap();
    match layout {
        "vcs" => common::copy_dir(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/hatch-vcs"),
            d.path(),
        ),
        "workspace" | "tails" => {
            write(
                d.path(),
                "pyproject.toml",
                "[tool.uv.workspace]\nmembers = [\"libs/*\"]\n",
            );
            write_versions(d.path(), layout, &Value::Null);
        }
        _ => write_versions(d.path(), layout, &Value::Null),
    }
    git(d.path(), &["init", "-q", "-b", "main"]);
    git(
        d.path(),
        &[
            "remote",
            "add",
            "origin",
            "https://github.com/acme/widgets.git",
        ],
    );
    let mut init = pyrel(d.path());
    init.args(["init", "--yes"]);
    for (key, value) in [
        ("testpypi", format!("{}", policy["testpypi"])),
        ("dev-builds", format!("{}", policy["dev_builds"])),
        ("versioning", format!("{}", policy["versioning"])),
        ("tag-format", format!("{}", policy["tag_format"])),
    ] {
        init.args(["--set", &format!("{key}={value}")]);
    }
    init.assert().success();
    git(d.path(), &["add", "-A"]);
    git(d.path(), &["commit", "-q", "-m", "init"]);
    d
}

/// Puts the repository in the state a case describes: versions, changelog sections, tags.
fn prepare(dir: &Path, case: &Value) {
    let layout = s(&case["layout"]);
    write_versions(dir, layout, &case["versions"]);
    write_changelogs(dir, layout, &case["changelog"]);
    if layout != "vcs" {
        assert!(case["tags"].as_array().unwrap().is_empty());
        return;
    }
    let out = Command::new("git")
        .args(["tag", "--list"])
        .current_dir(dir)
        .output()
        .unwrap();
    for t in String::from_utf8_lossy(&out.stdout).lines() {
        git(dir, &["tag", "-d", t]);
    }
    for t in case["tags"].as_array().unwrap() {
        git(dir, &["tag", s(t)]);
    }
}

/// The plan job's route step of the rendered release.yml: its `env:` and `run:`.
fn route_step(dir: &Path) -> (BTreeMap<String, String>, String) {
    let wf: serde_norway::Value = serde_norway::from_str(
        &std::fs::read_to_string(dir.join(".github/workflows/release.yml")).unwrap(),
    )
    .unwrap();
    let steps = wf["jobs"]["plan"]["steps"].as_sequence().unwrap();
    let step = steps
        .iter()
        .find(|st| st["id"].as_str() == Some("route"))
        .expect("the plan job has a step with id: route");
    let env = step["env"]
        .as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let v = match v {
                        serde_norway::Value::String(s) => s.clone(),
                        other => serde_norway::to_string(other).unwrap().trim().to_string(),
                    };
                    (k.as_str().unwrap().to_string(), v)
                })
                .collect()
        })
        .unwrap_or_default();
    (env, step["run"].as_str().unwrap().to_string())
}

/// The environment the step runs with: what GitHub sets for every step, then the step's
/// `env:` with each `${{ github.X }}` / `${{ inputs.X }}` evaluated in the case's context.
fn step_env(github: &Value, step: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut env = BTreeMap::new();
    for (var, key) in [
        ("GITHUB_EVENT_NAME", "event_name"),
        ("GITHUB_REF_TYPE", "ref_type"),
        ("GITHUB_REF_NAME", "ref_name"),
        ("GITHUB_RUN_NUMBER", "run_number"),
        ("GITHUB_RUN_ATTEMPT", "run_attempt"),
    ] {
        env.insert(var.to_string(), s(&github[key]).to_string());
    }
    let prefix = if s(&github["ref_type"]) == "tag" {
        "refs/tags/"
    } else {
        "refs/heads/"
    };
    env.insert(
        "GITHUB_REF".into(),
        format!("{prefix}{}", s(&github["ref_name"])),
    );
    for (k, v) in step {
        let value = match v
            .trim()
            .strip_prefix("${{")
            .and_then(|r| r.strip_suffix("}}"))
        {
            Some(expr) => {
                let expr = expr.trim();
                if let Some(key) = expr.strip_prefix("github.") {
                    assert!(
                        github.get(key).is_some(),
                        "the route step reads github.{key}: add it to the vectors"
                    );
                    s(&github[key]).to_string()
                } else if let Some(key) = expr.strip_prefix("inputs.") {
                    s(&github["inputs"][key]).to_string()
                } else {
                    panic!("the route step's env has an expression the test cannot evaluate: {v}")
                }
            }
            None => v.clone(),
        };
        env.insert(k.clone(), value);
    }
    env
}

/// `key=value` lines (and `key<<DELIM` blocks) of a `$GITHUB_OUTPUT` file.
fn read_github_output(text: &str) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let mut lines = text.lines();
    while let Some(line) = lines.next() {
        if let Some((k, delim)) = line.split_once("<<") {
            let mut value = Vec::new();
            for l in lines.by_ref() {
                if l == delim {
                    break;
                }
                value.push(l);
            }
            out.insert(k.to_string(), value.join("\n"));
        } else if let Some((k, v)) = line.split_once('=') {
            out.insert(k.to_string(), v.to_string());
        }
    }
    out
}

fn expected(case: &Value) -> Result<BTreeMap<String, String>, String> {
    match case.get("error") {
        Some(e) => Err(s(e).to_string()),
        None => Ok(case["expect"]
            .as_object()
            .unwrap()
            .iter()
            .map(|(k, v)| (k.clone(), s(v).to_string()))
            .collect()),
    }
}

/// Runs `work` on each group of cases on a few threads (each group has its own repository).
fn in_parallel<'a>(
    groups: BTreeMap<String, Vec<&'a Value>>,
    work: impl Fn(&[&'a Value], &mut Vec<String>) + Sync,
) -> Vec<String> {
    let queue = std::sync::Mutex::new(groups.into_values());
    let failures = std::sync::Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..4 {
            scope.spawn(|| loop {
                let next = queue.lock().unwrap().next();
                let Some(group) = next else { break };
                let mut found = Vec::new();
                work(&group, &mut found);
                failures.lock().unwrap().extend(found);
            });
        }
    });
    failures.into_inner().unwrap()
}

/// Groups the route cases by repository (layout and policy), each built once.
fn by_repository(cases: &[Value]) -> BTreeMap<String, Vec<&Value>> {
    let mut groups: BTreeMap<String, Vec<&Value>> = BTreeMap::new();
    for c in cases {
        let key = format!("{} {}", s(&c["layout"]), c["policy"]);
        groups.entry(key).or_default().push(c);
    }
    groups
}

fn check(
    failures: &mut Vec<String>,
    id: &str,
    got: Result<BTreeMap<String, String>, String>,
    want: &Result<BTreeMap<String, String>, String>,
) {
    match (got, want) {
        (Ok(g), Ok(w)) if g == *w => {}
        (Err(g), Err(w)) if g.contains(w.as_str()) => {}
        (g, w) => failures.push(format!("{id}:\n    got  {g:?}\n    want {w:?}")),
    }
}

#[test]
fn route_vectors_through_the_rust_engine() {
    let cases = vectors("route.json");
    assert!(cases.len() >= 300, "{} route cases", cases.len());
    let failures = in_parallel(by_repository(&cases), |group, failures| {
        let d = repository(s(&group[0]["layout"]), &group[0]["policy"]);
        let (step, _) = route_step(d.path());
        for case in group {
            prepare(d.path(), case);
            let env = step_env(&case["github"], &step);
            let project = pyrel::testing::project::discover(d.path()).unwrap();
            let (policy, _) = pyrel::testing::policy::load(&project).unwrap();
            let (route_policy, packages) =
                pyrel::testing::bump::release_state(&project, &policy).unwrap();
            let tags = pyrel::testing::bump::git::tags(d.path());
            let got = pyrel::testing::version::route(
                &|k| env.get(k).cloned(),
                &route_policy,
                &packages,
                &tags,
            )
            .map(|m| m.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            .map_err(|e| e.to_string());
            check(failures, s(&case["id"]), got, &expected(case));
        }
    });
    assert!(
        failures.is_empty(),
        "{} of {} route vectors fail in Rust:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn route_vectors_through_the_script_as_the_workflow_runs_it() {
    let python = require_tool("python3").expect("python3");
    let bin = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(&python, bin.path().join("python")).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let cases = vectors("route.json");
    let failures = in_parallel(by_repository(&cases), |group, failures| {
        let d = repository(s(&group[0]["layout"]), &group[0]["policy"]);
        let (step, run) = route_step(d.path());
        assert!(
            run.contains("route --github-output \"$GITHUB_OUTPUT\""),
            "{run}"
        );
        for case in group {
            prepare(d.path(), case);
            let output = d.path().join(".git/github_output");
            std::fs::write(&output, "").unwrap();
            let out = Command::new("bash")
                .args(["-e", "-c", &run])
                .current_dir(d.path())
                .env_clear()
                .env("PATH", &path)
                .env("HOME", d.path())
                .env("GIT_CONFIG_GLOBAL", "/dev/null")
                .env("GITHUB_OUTPUT", &output)
                .envs(step_env(&case["github"], &step))
                .output()
                .unwrap();
            let got = if out.status.success() {
                Ok(read_github_output(
                    &std::fs::read_to_string(&output).unwrap(),
                ))
            } else {
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{}: {}",
                    s(&case["id"]),
                    String::from_utf8_lossy(&out.stderr)
                );
                Err(String::from_utf8_lossy(&out.stderr).into_owned())
            };
            check(failures, s(&case["id"]), got, &expected(case));
        }
    });
    assert!(
        failures.is_empty(),
        "{} of {} route vectors fail in the script:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

// -- versions, changelog, tags ------------------------------------------------------------

fn versions_file() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/versions.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn changelog_file() -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/changelog.json");
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn version_vectors_through_the_rust_engine() {
    let v = versions_file();
    let mut failures = Vec::new();
    let mut n = 0;
    for c in v["parse"].as_array().unwrap() {
        n += 1;
        let got = pyrel::testing::version::parse(s(&c["input"]));
        match (&got, c.get("normalized")) {
            (Ok(p), Some(want))
                if p.to_string() == s(want)
                    && p.is_prerelease() == c["prerelease"].as_bool().unwrap()
                    && p.is_local() == c["local"].as_bool().unwrap() => {}
            (Err(e), None) if e.to_string().contains(s(&c["error"])) => {}
            _ => failures.push(format!("parse {c}: got {got:?}")),
        }
    }
    for c in v["bump"].as_array().unwrap() {
        n += 1;
        let got = pyrel::testing::version::parse_bump_spec(s(&c["bump"]), None)
            .and_then(|spec| spec.apply(&pyrel::testing::version::parse(s(&c["version"])).unwrap()))
            .map(|x| x.to_string())
            .map_err(|e| e.to_string());
        check(
            &mut failures,
            &format!("bump {c}"),
            got.map(|r| BTreeMap::from([("result".to_string(), r)])),
            &expected_result(c),
        );
    }
    for c in v["dev"].as_array().unwrap() {
        n += 1;
        let got = pyrel::testing::version::dev_version(
            &pyrel::testing::version::parse(s(&c["version"])).unwrap(),
            c["n"].as_u64().unwrap(),
        )
        .to_string();
        if got != s(&c["result"]) {
            failures.push(format!("dev {c}: got {got}"));
        }
    }
    assert!(n >= 300, "{n} version vectors");
    assert!(
        failures.is_empty(),
        "{} version vectors fail in Rust:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn expected_result(c: &Value) -> Result<BTreeMap<String, String>, String> {
    match c.get("error") {
        Some(e) => Err(s(e).to_string()),
        None => Ok(BTreeMap::from([(
            "result".to_string(),
            s(&c["result"]).to_string(),
        )])),
    }
}

#[test]
fn changelog_vectors_through_the_rust_engine() {
    let v = changelog_file();
    let mut failures = Vec::new();
    for c in v["roll"].as_array().unwrap() {
        let links = c["repository_url"]
            .as_str()
            .map(|u| pyrel::testing::changelog::RepoLinks {
                base_url: u.to_string(),
                tag_affixes: s(&c["tag_format"])
                    .split_once("{version}")
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .expect("a tag format with {version}"),
            });
        let got = pyrel::testing::changelog::release(
            s(&c["text"]),
            s(&c["version"]),
            s(&c["date"]),
            links.as_ref(),
        );
        match (got, c.get("result")) {
            (Ok(r), Some(want))
                if r.text == s(want)
                    && r.unreleased_was_empty == c["unreleased_was_empty"].as_bool().unwrap() => {}
            (Err(e), None) if e.to_string().contains(s(&c["error"])) => {}
            (got, _) => failures.push(format!(
                "roll {} {} {:?} {}: got {got:?}\nwant {:?}",
                s(&c["name"]),
                s(&c["version"]),
                c["repository_url"],
                s(&c["tag_format"]),
                c.get("result")
            )),
        }
    }
    for c in v["notes"].as_array().unwrap() {
        let got = pyrel::testing::changelog::section_notes(s(&c["text"]), s(&c["version"]));
        if got.as_deref() != c["notes"].as_str() {
            failures.push(format!(
                "notes {} {}: got {got:?} want {}",
                s(&c["name"]),
                s(&c["version"]),
                c["notes"]
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} changelog vectors fail in Rust:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// The script's functions on the version and changelog vectors, in one Python process
/// (`tests/vectors/script_runner.py`, which also runs by hand without cargo).
const SCRIPT_RUNNER: &str = include_str!("vectors/script_runner.py");

#[test]
fn version_and_changelog_vectors_through_the_script() {
    let python = require_tool("python3").expect("python3");
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = Command::new(python)
        .args(["-c", SCRIPT_RUNNER])
        .arg(root.join("templates/scripts/bump_version.py"))
        .arg(root.join("tests/vectors/versions.json"))
        .arg(root.join("tests/vectors/changelog.json"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();
    let failures: Vec<&str> = r["failures"].as_array().unwrap().iter().map(s).collect();
    assert!(r["n"].as_u64().unwrap() >= 500, "{r}");
    assert!(
        failures.is_empty(),
        "{} vectors fail in the script:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn tag_vectors_through_both() {
    let python = require_tool("python3").expect("python3");
    let cases = vectors("tags.json");
    let failures = in_parallel(by_repository(&cases), |group, failures| {
        let d = repository(s(&group[0]["layout"]), &group[0]["policy"]);
        for case in group {
            prepare(d.path(), case);
            let tag = s(&case["tag"]);
            let id = s(&case["id"]);
            let want = match case.get("error") {
                Some(e) => Err(s(e).to_string()),
                None => Ok(BTreeMap::from([
                    (
                        "packages".to_string(),
                        case["expect"]["packages"].to_string(),
                    ),
                    (
                        "version".to_string(),
                        s(&case["expect"]["version"]).to_string(),
                    ),
                ])),
            };
            // Rust.
            let project = pyrel::testing::project::discover(d.path()).unwrap();
            let (policy, _) = pyrel::testing::policy::load(&project).unwrap();
            let (rp, packages) = pyrel::testing::bump::release_state(&project, &policy).unwrap();
            let got =
                pyrel::testing::version::check_tag(tag, &rp.tag_format, &packages).and_then(|c| {
                    if c.problems.is_empty() {
                        let names: Vec<&str> = c
                            .packages
                            .iter()
                            .map(|&i| packages[i].name.as_str())
                            .collect();
                        Ok(BTreeMap::from([
                            ("packages".to_string(), serde_json::json!(names).to_string()),
                            ("version".to_string(), c.version.to_string()),
                        ]))
                    } else {
                        Err(c.problems.join("\n"))
                    }
                });
            check(failures, &format!("rust {id}"), got, &want);
            // The script: `check-tag TAG`, then what `packages --json` lists on that tag.
            let run = |args: &[&str]| {
                Command::new(&python)
                    .arg("scripts/bump_version.py")
                    .args(args)
                    .current_dir(d.path())
                    .env("GITHUB_REF_TYPE", "tag")
                    .env("GITHUB_REF_NAME", tag)
                    .output()
                    .unwrap()
            };
            let out = run(&["check-tag", "--", tag]);
            let got = if out.status.success() {
                let listed = run(&["packages", "--json"]);
                assert!(
                    listed.status.success(),
                    "{id}: {}",
                    String::from_utf8_lossy(&listed.stderr)
                );
                let v: Value = serde_json::from_slice(&listed.stdout).unwrap();
                let names: Vec<&str> = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| s(&p["name"]))
                    .collect();
                let versions: Vec<&str> = v
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|p| s(&p["version"]))
                    .collect();
                let tags: Vec<&str> = v.as_array().unwrap().iter().map(|p| s(&p["tag"])).collect();
                assert!(versions.iter().all(|x| *x == versions[0]), "{id}: {v}");
                assert!(tags.iter().all(|t| !t.is_empty()), "{id}: {v}");
                Ok(BTreeMap::from([
                    ("packages".to_string(), serde_json::json!(names).to_string()),
                    ("version".to_string(), versions[0].to_string()),
                ]))
            } else {
                assert_eq!(
                    out.status.code(),
                    Some(1),
                    "{id}: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                Err(String::from_utf8_lossy(&out.stderr).into_owned())
            };
            check(failures, &format!("script {id}"), got, &want);
        }
    });
    assert!(
        failures.is_empty(),
        "{} tag vectors fail:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
