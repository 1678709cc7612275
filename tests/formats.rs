//! One set of `--format` names across verbs, and what each prints: `--format github`
//! (workflow commands GitHub turns into annotations), the versioned JSON of `version`,
//! `bump --dry-run` and `generate --check`, each validated against its schema under docs/
//! with Python's `jsonschema`; `--quiet` / `--verbose`; and issue 11.15's `warn` label.

use crate::common;

use std::path::Path;

use common::{fixture, git, pyrel};
use serde_json::Value;

const FAKE_PYPI_TOKEN: &str = "pypi-AgEIcHlwaS5vcmcFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKEFAKE";

fn stdout(cmd: &mut assert_cmd::Command) -> (String, i32) {
    let out = cmd.output().unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "exit {code}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    (String::from_utf8(out.stdout).unwrap(), code)
}

/// The JSON of a run, with the temp root replaced for snapshots.
fn scrub(text: &str, root: &Path) -> String {
    let root = root.canonicalize().unwrap();
    text.replace(&root.display().to_string(), "[ROOT]")
}

fn validate(schema: &str, instance: &str) {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(schema);
    common::validate_json_schema(&schema, instance);
}

/// A fixture set up with `pyrel init --yes` and committed.
fn initialized(name: &str) -> tempfile::TempDir {
    let dir = fixture(name);
    pyrel(dir.path()).args(["init", "--yes"]).assert().success();
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "init"]);
    dir
}

/// The credentials fixture plus a committed file whose name holds every character that
/// GitHub's property syntax reserves (`,` `:` `%`).
fn leaky_repo() -> tempfile::TempDir {
    let dir = fixture("doctor-credentials");
    std::fs::write(
        dir.path().join("notes, v1: 100% draft.cfg"),
        format!("token = \"{FAKE_PYPI_TOKEN}\"\n"),
    )
    .unwrap();
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "leaky"]);
    dir
}

/// GitHub's decoding of a workflow command (the runner's `ActionCommand.Unescape`).
fn unescape(text: &str, property: bool) -> String {
    let mut s = text.replace("%0D", "\r").replace("%0A", "\n");
    if property {
        s = s.replace("%3A", ":").replace("%2C", ",");
    }
    s.replace("%25", "%")
}

#[test]
fn github_format_annotates_every_finding_where_json_puts_it() {
    let dir = leaky_repo();
    let (text, code) =
        stdout(pyrel(dir.path()).args(["doctor", "--offline", "--format", "github"]));
    assert_eq!(code, 1);
    insta::assert_snapshot!("doctor_github", text);

    let (json, _) = stdout(pyrel(dir.path()).args(["doctor", "--offline", "--format", "json"]));
    let report: Value = serde_json::from_str(&json).unwrap();
    let findings = report["findings"].as_array().unwrap();
    let commands: Vec<&str> = text
        .lines()
        .filter(|l| l.starts_with("::") && l.contains(" file="))
        .collect();
    assert_eq!(commands.len(), findings.len(), "{text}");
    for (line, f) in commands.iter().zip(findings) {
        let rest = &line[2..];
        let (head, message) = rest.split_once("::").unwrap();
        let (cmd, props) = head.split_once(' ').unwrap();
        let expected_cmd = match f["severity"].as_str().unwrap() {
            "error" => "error",
            "warning" => "warning",
            _ => "notice",
        };
        assert_eq!(cmd, expected_cmd);
        // Each property splits on `,` and `=` only after escaping: none leaks.
        let props: std::collections::BTreeMap<&str, String> = props
            .split(',')
            .map(|p| {
                let (k, v) = p.split_once('=').unwrap();
                (k, unescape(v, true))
            })
            .collect();
        assert_eq!(props["file"], f["path"].as_str().unwrap());
        match f["line"].as_u64() {
            Some(l) => assert_eq!(props["line"], l.to_string()),
            None => assert!(!props.contains_key("line")),
        }
        assert_eq!(
            props["title"],
            format!(
                "{} {}",
                f["id"].as_str().unwrap(),
                f["name"].as_str().unwrap()
            )
        );
        let mut want = f["message"].as_str().unwrap().to_owned();
        if let Some(h) = f["hint"].as_str() {
            want.push_str("\nhint: ");
            want.push_str(h);
        }
        assert_eq!(unescape(message, false), want);
        assert!(!message.contains('\n') && !message.contains('\r'));
    }
    // The file whose name needs every escape is among them, escaped.
    assert!(
        text.contains("file=notes%2C v1%3A 100%25 draft.cfg,line=1,"),
        "{text}"
    );
    // The token itself never shows.
    assert!(!text.contains(FAKE_PYPI_TOKEN));
}

#[test]
fn every_verb_takes_the_same_format_names() {
    let dir = initialized("single-flat");
    for format in ["human", "json", "sarif", "github", "terminal"] {
        pyrel(dir.path())
            .args(["doctor", "--offline", "--format", format])
            .assert()
            .code(0);
    }
    for verb in [
        &["version"][..],
        &["generate", "--check"],
        &["bump", "patch", "--dry-run"],
    ] {
        for format in ["human", "json"] {
            pyrel(dir.path())
                .args(verb)
                .args(["--format", format])
                .assert()
                .code(0);
        }
        // An unknown name is a usage error (exit 2) that lists the names.
        pyrel(dir.path())
            .args(verb)
            .args(["--format", "terminal"])
            .assert()
            .code(2)
            .stderr(predicates::str::contains("human, json"));
    }
    // JSON of a writing verb describes a plan: it needs the flag that writes nothing.
    pyrel(dir.path())
        .args(["bump", "patch", "--format", "json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--dry-run"));
    pyrel(dir.path())
        .args(["generate", "--format", "json"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("--check"));
}

#[test]
fn version_json_is_versioned_and_validates() {
    // The real-* fixtures carry every version source kind, tag tool, skipped project
    // and unreadable package discovery knows: all of them validate.
    for name in [
        "uv-workspace",
        "hatch-vcs",
        "setup-py-multi",
        "real-version-sources",
        "real-uv-virtual",
        "real-setup-reads",
        "real-meson",
        "real-tag-tools",
    ] {
        let dir = fixture(name);
        let (text, code) = stdout(pyrel(dir.path()).args(["version", "--format", "json"]));
        assert_eq!(code, 0);
        let doc: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(doc["schema"], "pyrel-version/1");
        assert!(!doc["packages"].as_array().unwrap().is_empty(), "{name}");
        validate("version-schema.json", &text);
        if name == "uv-workspace" {
            insta::assert_snapshot!("version_json_uv_workspace", scrub(&text, dir.path()));
        }
    }
}

#[test]
fn bump_dry_run_json_lists_the_planned_edits_and_validates() {
    let dir = initialized("single-flat");
    let before = common::snapshot_tree(dir.path());
    let (text, code) = stdout(
        pyrel(dir.path())
            .args(["bump", "minor", "--dry-run", "--format", "json"])
            .env("PYREL_TODAY", "2026-01-02"),
    );
    assert_eq!(code, 0);
    validate("bump-schema.json", &text);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["schema"], "pyrel-bump/1");
    assert_eq!(doc["version"], "1.5.0");
    assert_eq!(doc["packages"][0]["old"], "1.4.0");
    let paths: Vec<&str> = doc["edits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert!(paths.contains(&"pyproject.toml"), "{paths:?}");
    assert!(
        doc["edits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["diff"].as_str().unwrap().contains("+version = \"1.5.0\"")),
        "{text}"
    );
    insta::assert_snapshot!("bump_dry_run_json", scrub(&text, dir.path()));
    assert_eq!(common::snapshot_tree(dir.path()), before, "nothing written");

    // A refused bump is a document too, with exit 1.
    let (text, code) = stdout(
        pyrel(dir.path())
            .args(["bump", "1.0.0", "--dry-run", "--format", "json"])
            .env("PYREL_TODAY", "2026-01-02"),
    );
    assert_eq!(code, 1);
    validate("bump-schema.json", &text);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(
        doc["refused"]["message"].as_str().unwrap().len() > 3,
        "{text}"
    );
    assert!(doc["version"].is_null());
}

#[test]
fn generate_check_json_lists_every_stale_file_and_validates() {
    let dir = initialized("single-flat");
    let (text, code) = stdout(pyrel(dir.path()).args(["generate", "--check", "--format", "json"]));
    assert_eq!(code, 0);
    validate("generate-schema.json", &text);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["schema"], "pyrel-generate/1");
    assert_eq!(doc["stale"].as_array().unwrap().len(), 0);
    assert!(doc["managed"].as_u64().unwrap() > 3);

    // Two files wrong at once: both reported, each with its diff.
    let wf = dir.path().join(".github/workflows/release.yml");
    let edited = std::fs::read_to_string(&wf).unwrap() + "# edited\n";
    std::fs::write(&wf, edited).unwrap();
    std::fs::remove_file(dir.path().join("docs/RELEASING.md")).unwrap();
    let (text, code) = stdout(pyrel(dir.path()).args(["generate", "--check", "--format", "json"]));
    assert_eq!(code, 1);
    validate("generate-schema.json", &text);
    let doc: Value = serde_json::from_str(&text).unwrap();
    let stale: Vec<(String, String)> = doc["stale"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["path"].as_str().unwrap().to_owned(),
                s["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(
        stale.contains(&(".github/workflows/release.yml".into(), "hand-edited".into())),
        "{stale:?}"
    );
    assert!(
        stale.contains(&("docs/RELEASING.md".into(), "missing".into())),
        "{stale:?}"
    );
    assert!(text.contains("-# edited"), "{text}");
    // --dry-run reports the same, exit 0.
    let (_, code) = stdout(pyrel(dir.path()).args(["generate", "--dry-run", "--format", "json"]));
    assert_eq!(code, 0);
}

#[test]
fn a_warnings_only_run_labels_the_check_warn() {
    // After `init`, the seeded changelog has no section for 1.4.0 and nothing under
    // [Unreleased]: a warning, and nothing else.
    let dir = initialized("single-flat");
    let (text, code) = stdout(pyrel(dir.path()).args(["doctor", "--offline", "--format", "json"]));
    assert_eq!(code, 0);
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["summary"]["errors"], 0);
    assert_eq!(doc["summary"]["warnings"], 1);
    let status = |name: &str| {
        doc["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()["status"]
            .clone()
    };
    assert_eq!(status("changelog"), "warn");
    assert!(doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["status"] != "fail"));
    validate("doctor-schema.json", &text);
    let (human, _) = stdout(pyrel(dir.path()).args(["doctor", "--offline"]));
    assert!(human.contains("warn    PR105 changelog"), "{human}");
    assert!(human.contains("0 failed, 1 warned"), "{human}");
    // --strict still fails on it.
    pyrel(dir.path())
        .args(["doctor", "--offline", "--strict"])
        .assert()
        .code(1);
}

#[test]
fn quiet_shows_only_what_needs_attention_and_verbose_says_where_it_looked() {
    let dir = initialized("single-flat");
    let (quiet, _) = stdout(pyrel(dir.path()).args(["--quiet", "doctor", "--offline"]));
    assert!(!quiet.contains("pass "), "{quiet}");
    assert!(!quiet.contains("skip "), "{quiet}");
    assert!(quiet.contains("warn    PR105 changelog"), "{quiet}");
    assert!(
        quiet
            .lines()
            .last()
            .unwrap()
            .starts_with("doctor: 0 errors"),
        "{quiet}"
    );
    let (normal, _) = stdout(pyrel(dir.path()).args(["doctor", "--offline"]));
    assert!(normal.contains("pass    PR102 version-sync"), "{normal}");

    // generate --check: silent when current, names without diffs when not.
    let (text, code) = stdout(pyrel(dir.path()).args(["-q", "generate", "--check"]));
    assert_eq!((text.as_str(), code), ("", 0));
    let wf = dir.path().join(".github/workflows/release.yml");
    std::fs::write(&wf, std::fs::read_to_string(&wf).unwrap() + "# edited\n").unwrap();
    let (text, code) = stdout(pyrel(dir.path()).args(["generate", "--check", "-q"]));
    assert_eq!(code, 1);
    assert!(
        text.contains("stale: .github/workflows/release.yml"),
        "{text}"
    );
    assert!(!text.contains("-# edited"), "{text}");

    let out = pyrel(dir.path())
        .args(["--verbose", "doctor", "--offline"])
        .output()
        .unwrap();
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("pyrel: root "), "{stderr}");
    assert!(
        stderr.contains("pyrel: policy [tool.pyrel] in pyproject.toml"),
        "{stderr}"
    );
    assert!(stderr.contains(" checks in "), "{stderr}");
    for verb in [
        &["generate", "--check"][..],
        &["bump", "patch", "--dry-run"],
    ] {
        let out = pyrel(dir.path()).arg("-v").args(verb).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        assert!(stderr.contains("pyrel: root "), "{verb:?}: {stderr}");
        assert!(
            stderr.contains("pyrel: policy [tool.pyrel] in pyproject.toml"),
            "{verb:?}: {stderr}"
        );
    }
    // Not a terminal: no progress line, even online (the checks answer unknown here).
    let out = pyrel(dir.path())
        .args(["doctor", "--timeout", "500"])
        .env("PYREL_PYPI_URL", "http://127.0.0.1:9")
        .output()
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("asking GitHub"),
        "progress on a pipe"
    );
    pyrel(dir.path())
        .args(["-q", "-v", "version"])
        .assert()
        .code(2);
}

/// On a terminal (a pseudo-terminal from util-linux's `script`), the online checks show a
/// progress line on stderr, erased before the report.
#[test]
fn progress_shows_on_a_terminal_and_is_erased() {
    let Some(script) = common::require_tool("script") else {
        return;
    };
    let dir = initialized("single-flat");
    let bin = assert_cmd::cargo::cargo_bin("pyrel");
    let command = format!("'{}' doctor --timeout 300 2>&1 >/dev/null", bin.display());
    let out = std::process::Command::new(script)
        .args(["-qec", &command, "/dev/null"])
        .current_dir(dir.path())
        .env("PYREL_PYPI_URL", "http://127.0.0.1:9")
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("PYREL_NO_GH", "1")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    let tty = String::from_utf8_lossy(&out.stdout);
    assert!(
        tty.contains("pyrel doctor: asking GitHub and PyPI"),
        "{tty:?}"
    );
    assert!(tty.contains("\r\u{1b}[2K"), "the line is erased: {tty:?}");
    // --quiet: no progress even on a terminal.
    let out = std::process::Command::new(common::find_tool("script").unwrap())
        .args([
            "-qec",
            &format!(
                "'{}' -q doctor --timeout 300 2>&1 >/dev/null",
                bin.display()
            ),
            "/dev/null",
        ])
        .current_dir(dir.path())
        .env("PYREL_PYPI_URL", "http://127.0.0.1:9")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("PYREL_NO_GH", "1")
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&out.stdout).contains("asking GitHub"));
}
