//! Daily life with pyrel (issue 23): bots that move action pins, runners the pinned tools
//! cannot serve, changelogs in the repository's own style, a release guide that is true,
//! quiet and scriptable output. Every case runs the real binary on a small fixture.

use crate::common;

use std::path::Path;

use common::{fixture, pyrel, snapshot_tree};

fn stderr(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn stdout(o: &std::process::Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn run(dir: &Path, args: &[&str]) -> std::process::Output {
    pyrel(dir)
        .env("PYREL_TODAY", "2026-11-02")
        .args(args)
        .output()
        .unwrap()
}

fn read(dir: &Path, rel: &str) -> String {
    std::fs::read_to_string(dir.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

// ---------------------------------------------------------------------------------------
// 2. Runners pyrel's pinned tools cannot serve are refused where they enter.

#[test]
fn a_macos_or_windows_runner_is_refused_at_load_naming_the_key_and_line() {
    for label in ["macos-latest", "windows-latest", "macos-14", "Windows-2022"] {
        let repo = fixture("single-flat");
        write(
            repo.path(),
            "pyrel.toml",
            &format!("publish = \"trusted\"\n\nrunner = \"{label}\"\n"),
        );
        let before = snapshot_tree(repo.path());
        for args in [&["generate"][..], &["bump", "patch"]] {
            let out = run(repo.path(), args);
            assert_eq!(
                out.status.code(),
                Some(2),
                "{label} {args:?}: {}",
                stderr(&out)
            );
            let err = stderr(&out);
            assert!(err.contains("pyrel.toml:3"), "{label}: {err}");
            assert!(
                err.contains(label) && err.contains("Linux"),
                "{label}: {err}"
            );
            assert!(!err.contains("panicked"), "{err}");
        }
        assert!(
            snapshot_tree(repo.path()) == before,
            "{label}: tree changed"
        );
    }
    // The same refusal through `init --set`: exit 2, nothing written.
    let repo = fixture("single-flat");
    let before = snapshot_tree(repo.path());
    let out = run(
        repo.path(),
        &["init", "--yes", "--set", "runner=macos-latest"],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("runner"), "{}", stderr(&out));
    assert!(snapshot_tree(repo.path()) == before, "init wrote something");
    // Linux labels, GitHub-hosted or self-hosted, still render.
    for label in ["ubuntu-24.04-arm", "self-hosted-linux"] {
        let repo = fixture("single-flat");
        let set = format!("runner={label}");
        let out = run(repo.path(), &["init", "--yes", "--set", &set]);
        assert!(out.status.success(), "{label}: {}", stderr(&out));
        let wf = read(repo.path(), ".github/workflows/release.yml");
        assert!(wf.contains(&format!("runs-on: \"{label}\"")), "{label}");
    }
}

// ---------------------------------------------------------------------------------------
// 1. A bot (Dependabot, Renovate) moves an action pyrel pins.

const CHECKOUT: &str = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1";
// pyrel's pin of actions/upload-artifact and the release before it, both from
// shared/data/action-pins.toml (`sha` / `previous_sha`).
const UPLOAD_NEW: &str =
    "actions/upload-artifact@043fb46d1a93c77aae656e7c1c64a875d1fc6a0a # v7.0.1";
const UPLOAD_OLD: &str =
    "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0";

/// What a bot's pull request does: every `uses:` of `from` becomes `to`, in every workflow.
fn bot_moves(dir: &Path, from: &str, to: &str) -> usize {
    let mut n = 0;
    for entry in std::fs::read_dir(dir.join(".github/workflows")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        n += text.matches(from).count();
        std::fs::write(&path, text.replace(from, to)).unwrap();
    }
    n
}

fn doctor_drift(dir: &Path) -> (Option<i32>, Vec<serde_json::Value>) {
    let out = run(dir, &["doctor", "--offline", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let findings = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "PR001")
        .cloned()
        .collect();
    (out.status.code(), findings)
}

#[test]
fn generate_adopts_a_newer_pin_a_bot_moved_and_doctor_explains_it() {
    let repo = fixture("single-flat");
    let dir = repo.path();
    let out = run(dir, &["init", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(doctor_drift(dir).1.is_empty());
    // No release of actions/checkout newer than pyrel's v7.0.1 is known to the shared
    // data, so the bot's SHA here is a made-up one; pyrel cannot (and does not) check a
    // SHA offline: a full SHA with a newer version comment is what a bot writes.
    let newer = "actions/checkout@00000000000000000000000000000000000000c7 # v7.1.0";
    assert!(bot_moves(dir, CHECKOUT, newer) >= 2);

    let (_, findings) = doctor_drift(dir);
    assert!(!findings.is_empty());
    for f in &findings {
        let hint = f["hint"].as_str().unwrap();
        assert!(
            hint.contains("actions/checkout to v7.1.0 (was v7.0.1)")
                && hint.contains("pyrel generate")
                && hint.contains("action-pins")
                && !hint.contains("other hand edits")
                && !hint.contains('\n'),
            "{hint}"
        );
    }

    // --check reports it without writing; --dry-run says what it would adopt.
    let before = snapshot_tree(dir);
    let out = run(dir, &["generate", "--check"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("`pyrel generate` adopts it"),
        "{}",
        stdout(&out)
    );
    let out = run(dir, &["generate", "--dry-run"]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("would adopt actions/checkout v7.1.0 (was v7.0.1"));
    assert!(snapshot_tree(dir) == before, "check or dry run wrote");

    let out = run(dir, &["generate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = stdout(&out);
    assert!(
        said.contains("adopted actions/checkout v7.1.0 (was v7.0.1, from .github/workflows/")
            && said.contains("into action-pins in pyproject.toml"),
        "{said}"
    );
    let pyproject = read(dir, "pyproject.toml");
    assert!(
        pyproject.contains(
            r#"action-pins = { "actions/checkout" = "00000000000000000000000000000000000000c7 # v7.1.0" }"#
        ),
        "{pyproject}"
    );
    // The workflows keep the bot's pin, and everything is clean again.
    assert!(read(dir, ".github/workflows/release.yml").contains(newer));
    let (code, findings) = doctor_drift(dir);
    assert!(findings.is_empty(), "{findings:?}");
    assert_eq!(code, Some(0));
    let out = run(dir, &["generate", "--check"]);
    assert!(out.status.success(), "{}", stdout(&out));
}

#[test]
fn a_newer_real_pin_over_a_policy_pin_is_adopted_in_pyrel_toml() {
    let repo = fixture("single-flat");
    let dir = repo.path();
    let pyproject_before = read(dir, "pyproject.toml");
    // A policy that held actions/upload-artifact back at v7.0.0, in pyrel.toml.
    write(
        dir,
        "pyrel.toml",
        &format!(
            "# our release policy\npublish = \"trusted\"\n# keep upload-artifact where it was\naction-pins = {{ \"actions/upload-artifact\" = \"{}\" }}\n",
            UPLOAD_OLD.split_once('@').unwrap().1
        ),
    );
    let out = run(dir, &["generate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(read(dir, ".github/workflows/release.yml").contains(UPLOAD_OLD));
    assert!(bot_moves(dir, UPLOAD_OLD, UPLOAD_NEW) >= 1);
    let out = run(dir, &["generate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("adopted actions/upload-artifact v7.0.1 (was v7.0.0"));
    assert_eq!(
        read(dir, "pyrel.toml"),
        format!(
            "# our release policy\npublish = \"trusted\"\n# keep upload-artifact where it was\naction-pins = {{ \"actions/upload-artifact\" = \"{}\" }}\n",
            UPLOAD_NEW.split_once('@').unwrap().1
        )
    );
    assert_eq!(read(dir, "pyproject.toml"), pyproject_before);
    assert!(doctor_drift(dir).1.is_empty());
}

#[test]
fn an_older_or_unknown_pin_is_still_a_hand_edit() {
    for (from, to) in [
        // Older than pyrel's (the release before, from the shared data).
        (UPLOAD_NEW, UPLOAD_OLD),
        // pyrel's version at a SHA that is not that release's.
        (
            CHECKOUT,
            "actions/checkout@1111111111111111111111111111111111111111 # v7.0.1",
        ),
        // A moving tag instead of a SHA.
        (CHECKOUT, "actions/checkout@v8 # v8.0.0"),
    ] {
        let repo = fixture("single-flat");
        let dir = repo.path();
        assert!(run(dir, &["init", "--yes"]).status.success());
        assert!(bot_moves(dir, from, to) >= 1);
        let (code, findings) = doctor_drift(dir);
        assert_eq!(code, Some(1), "{to}");
        assert!(!findings.is_empty());
        for f in &findings {
            let hint = f["hint"].as_str().unwrap();
            assert!(
                hint.contains("--force") && !hint.contains("action-pins"),
                "{to}: {hint}"
            );
        }
        let before = snapshot_tree(dir);
        let out = run(dir, &["generate"]);
        assert_eq!(out.status.code(), Some(1), "{to}: {}", stdout(&out));
        assert!(!stdout(&out).contains("adopt"), "{to}");
        assert!(snapshot_tree(dir) == before, "{to}: generate wrote");
    }
}

#[test]
fn init_offers_dependabot_for_actions_and_leaves_an_existing_one_alone() {
    // --yes: not written, and the summary says how to get it.
    let repo = fixture("single-flat");
    let out = run(repo.path(), &["init", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!repo.path().join(".github/dependabot.yml").exists());
    assert!(stdout(&out).contains("`pyrel init --dependabot` also writes .github/dependabot.yml"));

    // --dependabot: written in the same step as the rest, github-actions only.
    let repo = fixture("single-flat");
    let out = run(repo.path(), &["init", "--yes", "--dependabot", "--dry-run"]);
    assert!(stdout(&out).contains("would write .github/dependabot.yml"));
    assert!(!repo.path().join(".github/dependabot.yml").exists());
    let out = run(repo.path(), &["init", "--yes", "--dependabot"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = read(repo.path(), ".github/dependabot.yml");
    assert!(
        text.contains("package-ecosystem: \"github-actions\""),
        "{text}"
    );
    assert!(!text.contains("package-ecosystem: \"pip\""), "{text}");
    // zizmor's audit of this file is in tests/workflows.rs (the tools stage).
    // Later runs leave it alone: it is the user's file, not a managed one.
    std::fs::write(repo.path().join(".github/dependabot.yml"), "version: 2\n").unwrap();
    let out = run(repo.path(), &["generate", "--check"]);
    assert!(out.status.success(), "{}", stdout(&out));

    // A repository with its own configuration (Dependabot or Renovate) keeps it.
    for existing in [".github/dependabot.yml", "renovate.json"] {
        let repo = fixture("single-flat");
        write(repo.path(), existing, "{}\n");
        let out = run(repo.path(), &["init", "--yes", "--dependabot"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(read(repo.path(), existing), "{}\n");
        if existing != ".github/dependabot.yml" {
            assert!(!repo.path().join(".github/dependabot.yml").exists());
        }
        assert!(
            stdout(&out).contains(&format!("{existing} exists and is left as it is")),
            "{}",
            stdout(&out)
        );
    }
}

// ---------------------------------------------------------------------------------------
// 3. Changelogs in the repository's own style, in pyrel bump and the bump script alike.

fn python() -> std::path::PathBuf {
    common::require_tool("python3").expect("python3")
}

fn script(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = std::process::Command::new(python());
    c.arg("scripts/bump_version.py")
        .args(args)
        .current_dir(dir)
        .env("PYREL_TODAY", "2026-11-02")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env_remove("GITHUB_REF_TYPE")
        .env_remove("GITHUB_REF_NAME")
        .env_remove("GITHUB_EVENT_NAME");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

/// A set-up repository with this changelog, bumped `minor` by pyrel and, in a copy, by the
/// rendered script: both trees must be the same. Returns (pyrel's changelog, stdout+stderr).
fn bump_both(changelog_path: &str, changelog: &str) -> (String, String, tempfile::TempDir) {
    let repo = fixture("single-flat");
    let dir = repo.path();
    write(dir, changelog_path, changelog);
    let set = format!("files.changelog={changelog_path}");
    let out = run(dir, &["init", "--yes", "--set", &set]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        read(dir, changelog_path),
        changelog,
        "init touched the changelog"
    );
    let twin = tempfile::tempdir().unwrap();
    common::copy_dir(dir, twin.path());
    let out = run(dir, &["bump", "minor"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let said = format!("{}{}", stdout(&out), stderr(&out));
    let s = script(twin.path(), &["bump", "minor"], &[]);
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    let mine = snapshot_tree(dir);
    let theirs = snapshot_tree(twin.path());
    assert!(mine == theirs, "pyrel bump and the script disagree");
    (read(dir, changelog_path), said, repo)
}

const PAREN_STYLE: &str = "# Changelog\n\n## 1.4.0 (2026-10-01)\n\n- Fixed the widget.\n\n## 1.3.0 (2026-09-01)\n\n- First.\n";

#[test]
fn a_parenthesised_date_style_gets_its_own_headings_and_notes() {
    // The draft of the release, as the maintainers write it: dated by the bump, in place.
    let draft = PAREN_STYLE.replace(
        "## 1.4.0",
        "## 1.5.0 (unreleased)\n\n- Added a gadget.\n\n## 1.4.0",
    );
    let (log, said, repo) = bump_both("CHANGELOG.md", &draft);
    assert!(
        log.starts_with(
            "# Changelog\n\n## 1.5.0 (2026-11-02)\n\n- Added a gadget.\n\n## 1.4.0 (2026-10-01)"
        ),
        "{log}"
    );
    assert!(
        !log.contains("[Unreleased]") && !log.contains("[1.5.0]"),
        "{log}"
    );
    assert!(!said.contains("Unreleased"), "{said}");
    // The release notes the workflow publishes come from that section.
    let tag = [("GITHUB_REF_TYPE", "tag"), ("GITHUB_REF_NAME", "v1.5.0")];
    let out = script(repo.path(), &["notes", "1.5.0"], &tag);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout(&out), "- Added a gadget.\n");

    // An undated `## 1.5.0` draft is dated the same way.
    let (log, _, _) = bump_both("CHANGELOG.md", &draft.replace(" (unreleased)", ""));
    assert!(
        log.contains("## 1.5.0 (2026-11-02)\n\n- Added a gadget."),
        "{log}"
    );

    // No draft: a new section in the file's style, and a warning in its own terms.
    let (log, said, _) = bump_both("CHANGELOG.md", PAREN_STYLE);
    assert!(
        log.starts_with("# Changelog\n\n## 1.5.0 (2026-11-02)\n\n## 1.4.0 (2026-10-01)"),
        "{log}"
    );
    assert!(
        said.contains("no [Unreleased] section nor a `1.5.0` draft: added `## 1.5.0 (2026-11-02)` with no entries"),
        "{said}"
    );
}

#[test]
fn month_name_dates_and_an_unreleased_heading_keep_their_spelling() {
    let log = "# History\n\n## Unreleased\n\n- Added a gadget.\n\n## v1.4.0 - October 1, 2026\n\n- Fixed the widget.\n";
    let (out, _, _) = bump_both("HISTORY.md", log);
    assert_eq!(
        out,
        "# History\n\n## Unreleased\n\n## v1.5.0 - November 2, 2026\n\n- Added a gadget.\n\n## v1.4.0 - October 1, 2026\n\n- Fixed the widget.\n"
    );
}

const PALLETS_STYLE: &str = ".. currentmodule:: widgets\n\nVersion 1.5.0\n-------------\n\nUnreleased\n\n-   Added a gadget.\n\n\nVersion 1.4.0\n-------------\n\nReleased 2026-10-01\n\n-   Fixed the widget.\n";

#[test]
fn a_changes_rst_is_found_by_init_and_released_in_its_own_style() {
    let repo = fixture("single-flat");
    let dir = repo.path();
    write(dir, "CHANGES.rst", PALLETS_STYLE);
    // Before any policy, doctor reads it as what it is.
    let out = run(dir, &["doctor", "--offline", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let check = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "PR105")
        .unwrap()
        .clone();
    assert_eq!(check["status"], "pass", "{check}");
    assert!(
        check["reason"]
            .as_str()
            .unwrap()
            .contains("CHANGES.rst (reStructuredText) parses"),
        "{check}"
    );
    // init proposes it (no CHANGELOG.md seeded next to it) and says so.
    let out = run(dir, &["init", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out)
            .contains("changelog: CHANGES.rst (reStructuredText), new sections in its own style"),
        "{}",
        stdout(&out)
    );
    assert!(!dir.join("CHANGELOG.md").exists());
    assert!(read(dir, "pyproject.toml").contains("changelog = \"CHANGES.rst\""));
    assert_eq!(read(dir, "CHANGES.rst"), PALLETS_STYLE);

    // pyrel bump and the script date the draft the same way.
    let twin = tempfile::tempdir().unwrap();
    common::copy_dir(dir, twin.path());
    let out = run(dir, &["bump", "minor"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let s = script(twin.path(), &["bump", "minor"], &[]);
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    assert!(
        snapshot_tree(dir) == snapshot_tree(twin.path()),
        "pyrel and the script disagree"
    );
    assert_eq!(
        read(dir, "CHANGES.rst"),
        PALLETS_STYLE.replace("Unreleased\n", "Released 2026-11-02\n")
    );
    let tag = [("GITHUB_REF_TYPE", "tag"), ("GITHUB_REF_NAME", "v1.5.0")];
    let out = script(dir, &["notes", "1.5.0"], &tag);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout(&out), "-   Added a gadget.\n");

    // The next bump, with no draft, writes the section the same way.
    let out = run(dir, &["bump", "patch"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        read(dir, "CHANGES.rst").contains(".. currentmodule:: widgets\n\nVersion 1.5.1\n-------------\n\nReleased 2026-11-02\n\nVersion 1.5.0\n"),
        "{}",
        read(dir, "CHANGES.rst")
    );
}

#[test]
fn a_changelog_under_another_name_is_found_and_named() {
    for name in ["HISTORY.md", "docs/changelog.md"] {
        let repo = fixture("single-flat");
        let dir = repo.path();
        write(dir, name, PAREN_STYLE);
        let out = run(dir, &["init", "--yes"]);
        assert!(out.status.success(), "{}", stderr(&out));
        assert!(
            stdout(&out).contains(&format!("changelog: {name} (Markdown)")),
            "{}",
            stdout(&out)
        );
        assert!(!dir.join("CHANGELOG.md").exists(), "{name}");
        assert_eq!(doctor_changelog(dir).0, "pass", "{name}");
    }
    // A policy that names CHANGELOG.md while the changelog is CHANGES.rst: named, not
    // just "does not exist".
    let repo = fixture("single-flat");
    let dir = repo.path();
    assert!(run(dir, &["init", "--yes"]).status.success());
    std::fs::remove_file(dir.join("CHANGELOG.md")).unwrap();
    write(dir, "CHANGES.rst", PALLETS_STYLE);
    let (_, findings) = doctor_changelog(dir);
    let f = &findings[0];
    assert!(
        f["message"]
            .as_str()
            .unwrap()
            .contains("the repository keeps its changelog in CHANGES.rst (reStructuredText)")
            && f["hint"]
                .as_str()
                .unwrap()
                .contains("changelog = \"CHANGES.rst\""),
        "{f}"
    );
}

/// PR105's status and findings.
fn doctor_changelog(dir: &Path) -> (String, Vec<serde_json::Value>) {
    let out = run(dir, &["doctor", "--offline", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let status = doc["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "PR105")
        .unwrap()["status"]
        .as_str()
        .unwrap()
        .to_string();
    let findings = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "PR105")
        .cloned()
        .collect();
    (status, findings)
}

#[test]
fn a_towncrier_repository_gets_no_changelog_edit_and_notes_from_its_built_section() {
    let repo = fixture("single-flat");
    let dir = repo.path();
    let pyproject = read(dir, "pyproject.toml");
    write(
        dir,
        "pyproject.toml",
        &format!("{pyproject}\n[tool.towncrier]\ndirectory = \"changelog.d\"\nfilename = \"CHANGELOG.md\"\n"),
    );
    let built = "# Changelog\n\n<!-- towncrier release notes start -->\n\n## 1.4.0 (2026-10-01)\n\n### Bugfixes\n\n- Fixed the widget. (#12)\n";
    write(dir, "CHANGELOG.md", built);
    write(dir, "changelog.d/.gitignore", "!.gitignore\n");
    let out = run(dir, &["init", "--yes"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("changelog: towncrier builds CHANGELOG.md from changelog.d/"),
        "{}",
        stdout(&out)
    );

    // No fragment and no section for 1.4.1: doctor says so in towncrier's terms.
    let (status, findings) = doctor_changelog(dir);
    assert_eq!(status, "pass", "a section for the current 1.4.0 exists");
    assert!(findings.is_empty());
    let twin = tempfile::tempdir().unwrap();
    common::copy_dir(dir, twin.path());
    let out = run(dir, &["bump", "patch"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("towncrier builds CHANGELOG.md from changelog.d/"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        read(dir, "CHANGELOG.md"),
        built,
        "bump wrote to towncrier's changelog"
    );
    let s = script(twin.path(), &["bump", "patch"], &[]);
    assert!(s.status.success(), "{}", String::from_utf8_lossy(&s.stderr));
    assert!(
        snapshot_tree(dir) == snapshot_tree(twin.path()),
        "pyrel and the script disagree"
    );

    let (status, findings) = doctor_changelog(dir);
    assert_eq!(status, "warn");
    let message = findings[0]["message"].as_str().unwrap();
    assert!(
        message.contains("no towncrier fragment in changelog.d/ and no section for 1.4.1"),
        "{message}"
    );
    assert!(!message.contains("Unreleased"), "{message}");
    write(dir, "changelog.d/12.bugfix.md", "Fixed the gadget.\n");
    assert_eq!(doctor_changelog(dir).0, "pass");

    // What `towncrier build --version 1.4.1` writes; the release notes come from it.
    std::fs::remove_file(dir.join("changelog.d/12.bugfix.md")).unwrap();
    write(
        dir,
        "CHANGELOG.md",
        &built.replace(
            "## 1.4.0",
            "## 1.4.1 (2026-11-02)\n\n### Bugfixes\n\n- Fixed the gadget. (#13)\n\n\n## 1.4.0",
        ),
    );
    let tag = [("GITHUB_REF_TYPE", "tag"), ("GITHUB_REF_NAME", "v1.4.1")];
    let out = script(dir, &["notes", "1.4.1"], &tag);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(stdout(&out), "### Bugfixes\n\n- Fixed the gadget. (#13)\n");
    assert_eq!(doctor_changelog(dir).0, "pass");
}

// ---------------------------------------------------------------------------------------
// 4. docs/RELEASING.md says what the workflow, the environments and the protection are.

/// The literal text of a glob before its first wildcard.
fn literal_prefix(glob: &str) -> &str {
    glob.split(['*', '?', '[']).next().unwrap_or_default()
}

#[test]
fn the_release_guide_matches_the_rendered_workflow_environments_and_protection() {
    for sets in [
        &[][..],
        &[
            "reviewers=[\"octocat\", \"acme/release-team\"]",
            "required-approvals=1",
        ],
        &["reviewers=[\"octocat\"]", "dev-builds=true"],
        &["testpypi=never"],
        &["tag-format=release-{version}", "testpypi=all"],
    ] {
        let repo = fixture("single-flat");
        let dir = repo.path();
        let mut args = vec!["init", "--yes"];
        for s in sets {
            args.extend(["--set", s]);
        }
        let out = run(dir, &args);
        assert!(out.status.success(), "{sets:?}: {}", stderr(&out));
        let guide = read(dir, "docs/RELEASING.md");
        let wf: serde_norway::Value =
            serde_norway::from_str(&read(dir, ".github/workflows/release.yml")).unwrap();
        let protection: serde_json::Value =
            serde_json::from_str(&read(dir, ".github/branch-protection.json")).unwrap();
        let ctx = format!("{sets:?}:\n{guide}");

        // Environments: exactly those the workflow's jobs deploy to, each with its rules.
        let mut envs: Vec<String> = wf["jobs"]
            .as_mapping()
            .unwrap()
            .values()
            .filter_map(|j| j["environment"]["name"].as_str().map(str::to_string))
            .collect();
        envs.sort();
        envs.dedup();
        let step1 = guide
            .split_once("### 1. GitHub environments")
            .unwrap()
            .1
            .split_once("### 2.")
            .unwrap()
            .0;
        let described: Vec<&str> = step1
            .lines()
            .filter_map(|l| l.strip_prefix("- **`"))
            .filter_map(|l| l.split_once("`**").map(|(n, _)| n))
            .collect();
        let mut sorted = described.clone();
        sorted.sort();
        assert_eq!(sorted, envs, "{ctx}");

        // Triggers: every release tag the workflow runs on is one the environments accept,
        // and a branch deploys only when the workflow runs on pushes to it.
        let tags: Vec<&str> = wf["on"]["push"]["tags"]
            .as_sequence()
            .unwrap()
            .iter()
            .map(|t| t.as_str().unwrap())
            .collect();
        let branches: Vec<&str> = wf["on"]["push"]["branches"]
            .as_sequence()
            .map(|b| b.iter().map(|t| t.as_str().unwrap()).collect())
            .unwrap_or_default();
        for line in step1.lines().filter(|l| l.starts_with("- **`")) {
            let rules = line.split_once("deployments only from tags").unwrap().1;
            let rule = rules.split('`').nth(1).unwrap();
            for t in &tags {
                assert!(
                    literal_prefix(t).starts_with(literal_prefix(rule)),
                    "{t} vs {rule}: {ctx}"
                );
            }
            let branch_rule = line.contains("and the branch");
            assert_eq!(
                branch_rule,
                line.contains("testpypi") && !branches.is_empty(),
                "{line}"
            );
        }
        for b in &branches {
            assert!(
                step1.contains(&format!("the branch `{b}` (development builds)")),
                "{ctx}"
            );
        }
        // No promise that a branch run uploads when the environment takes tags only.
        assert!(!guide.contains("on a branch uploads"), "{ctx}");

        // Approvals: the protection's count, and the environment reviewers of the policy.
        let approvals = protection["required_pull_request_reviews"]
            ["required_approving_review_count"]
            .as_u64()
            .unwrap();
        assert!(
            guide.contains(&format!(
                "a pull request with {approvals} approving review(s)"
            )),
            "{ctx}"
        );
        let reviewers = sets.iter().find(|s| s.starts_with("reviewers="));
        match reviewers {
            Some(_) => assert!(step1.contains("Required reviewers: `octocat`"), "{ctx}"),
            None => assert!(
                step1.contains("No required reviewers: the upload starts"),
                "{ctx}"
            ),
        }
        assert!(!guide.contains("second maintainer approves"), "{ctx}");

        // Concurrency: the group the workflow has.
        let group = wf["concurrency"]["group"].as_str().unwrap();
        assert!(guide.contains(&format!("(`{group}`)")), "{ctx}");

        // The commands that do it.
        assert!(
            guide.contains("`pyrel github apply`") && guide.contains("`pyrel release patch`"),
            "{ctx}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// 6. Quiet and scriptable.

#[test]
fn quiet_silences_every_verbs_own_messages() {
    let repo = fixture("single-flat");
    let dir = repo.path();
    for args in [
        &["-q", "init", "--yes"][..],
        &["-q", "init", "--yes"],
        &["-q", "generate"],
        &["-q", "generate", "--check"],
        &["-q", "generate", "--dry-run"],
    ] {
        let out = run(dir, args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let said = stdout(&out);
        assert!(said.trim().is_empty(), "{args:?} said:\n{said}");
    }
    assert!(
        dir.join("docs/RELEASING.md").is_file(),
        "quiet init wrote nothing"
    );
    // bump keeps its one result line and the final line, no diffs.
    let out = run(dir, &["-q", "bump", "patch", "--dry-run"]);
    assert!(out.status.success());
    assert_eq!(
        stdout(&out),
        "widgets 1.4.0 -> 1.4.1\ndry run: nothing written\n"
    );
    // Problems still show: a refused init says why.
    let repo = fixture("single-flat");
    write(repo.path(), "docs/RELEASING.md", "# ours\n");
    let out = run(repo.path(), &["-q", "init", "--yes"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stdout(&out).contains("docs/RELEASING.md"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn init_summary_is_available_as_json() {
    let repo = fixture("single-flat");
    let dir = repo.path();
    write(dir, "CHANGES.rst", PALLETS_STYLE);
    write(dir, "renovate.json", "{}\n");
    let before = snapshot_tree(dir);
    let out = run(dir, &["init", "--format", "json", "--dry-run"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    common::validate_json_schema(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/init-schema.json"),
        &text,
    );
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["status"], "dry-run");
    assert_eq!(doc["packages"][0]["name"], "widgets");
    assert_eq!(doc["packages"][0]["version"], "1.4.0");
    assert_eq!(doc["changelog"]["path"], "CHANGES.rst");
    assert_eq!(doc["changelog"]["source"], "existing");
    assert_eq!(doc["changelog"]["format"], "reStructuredText");
    assert_eq!(doc["action_updates"], "renovate.json");
    assert_eq!(
        doc["files"].as_array().unwrap().last().unwrap(),
        "pyproject.toml"
    );
    assert!(snapshot_tree(dir) == before, "dry run wrote");

    let out = run(dir, &["init", "--yes", "--format", "json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    common::validate_json_schema(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/init-schema.json"),
        &text,
    );
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["status"], "written");
    let files: Vec<&str> = doc["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        files.contains(&".github/workflows/release.yml") && files.contains(&"pyproject.toml"),
        "{files:?}"
    );
    assert!(!files.contains(&"CHANGELOG.md"), "{files:?}");

    let out = run(dir, &["init", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["status"], "already-set-up");
    assert_eq!(doc["policy"], "pyproject.toml");
}

#[test]
fn the_release_guide_describes_the_changelog_the_repository_keeps() {
    let repo = fixture("single-flat");
    let dir = repo.path();
    let pyproject = read(dir, "pyproject.toml");
    write(
        dir,
        "pyproject.toml",
        &format!(
            "{pyproject}\n[tool.towncrier]\ndirectory = \"changelog.d\"\nfilename = \"NEWS.rst\"\n"
        ),
    );
    assert!(run(dir, &["init", "--yes"]).status.success());
    let guide = read(dir, "docs/RELEASING.md");
    assert!(
        guide.contains("news fragment in `changelog.d/`") && guide.contains("into `NEWS.rst`"),
        "{guide}"
    );
    assert!(!guide.contains("[Unreleased]"), "{guide}");
    assert!(
        !dir.join("NEWS.rst").exists(),
        "a changelog towncrier builds is not seeded"
    );
}
