//! Documentation that cannot drift: docs/checks/*.md, docs/policy.md and docs/man/*.1 are
//! generated from the text the CLI shows (`doctor --explain`, the policy `init` writes,
//! the clap definition). This test fails when a committed page differs from what pyrel
//! generates; `UPDATE_DOCS=1 cargo test --test cli docs::` rewrites them. Also: shell
//! completions and the man page from the binary.

use crate::common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::pyrel;

fn docs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs")
}

#[test]
fn generated_docs_are_current() {
    let pages = pyrel::testing::report::docs::pages().unwrap();
    let update = std::env::var_os("UPDATE_DOCS").is_some_and(|v| v == "1");
    let mut stale = Vec::new();
    for (rel, contents) in &pages {
        let path = docs_dir().join(rel);
        if std::fs::read(&path).ok().as_deref() == Some(contents.as_slice()) {
            continue;
        }
        if update {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, contents).unwrap();
        } else {
            stale.push(rel.clone());
        }
    }
    // A page of a check that no longer exists is stale too.
    let wanted: BTreeSet<&str> = pages.iter().map(|(r, _)| r.as_str()).collect();
    for entry in std::fs::read_dir(docs_dir().join("checks")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        let rel = format!("checks/{name}");
        if !wanted.contains(rel.as_str()) {
            if update {
                std::fs::remove_file(docs_dir().join(&rel)).unwrap();
            } else {
                stale.push(rel);
            }
        }
    }
    assert!(
        stale.is_empty(),
        "docs/ out of date: {stale:?}; run `UPDATE_DOCS=1 cargo test --test cli docs::` and commit"
    );
}

/// The words of a text, for comparing the same text laid out for a terminal and as Markdown.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.trim_start_matches('#').to_owned())
        .filter(|w| !w.is_empty())
        .collect()
}

#[test]
fn each_check_page_says_what_explain_says() {
    let dir = tempfile::tempdir().unwrap();
    for check in pyrel::testing::doctor::REGISTRY {
        let out = pyrel(dir.path())
            .args(["doctor", "--explain", check.code.id()])
            .output()
            .unwrap();
        assert!(out.status.success());
        let explain = String::from_utf8(out.stdout).unwrap();
        let page = std::fs::read_to_string(
            docs_dir().join(pyrel::testing::report::docs::check_path(check)),
        )
        .unwrap();
        // The page holds the whole --explain text after its title line, word for word.
        let body: Vec<String> = words(explain.split_once('\n').unwrap().1);
        let page_words = words(&page);
        assert!(
            page_words.windows(body.len()).any(|w| w == body.as_slice()),
            "{}: the page does not hold --explain's text",
            check.code
        );
    }
}

#[test]
fn the_policy_reference_lists_every_key_init_writes() {
    let dir = common::fixture("single-flat");
    pyrel(dir.path()).args(["init", "--yes"]).assert().success();
    let pyproject = std::fs::read_to_string(dir.path().join("pyproject.toml")).unwrap();
    let reference = std::fs::read_to_string(docs_dir().join("policy.md")).unwrap();
    let policy = pyproject.split_once("[tool.pyrel]").unwrap().1;
    let mut n = 0;
    for line in policy.lines() {
        let line = line.trim_start_matches("# ");
        let Some((key, _)) = line.split_once(" = ") else {
            continue;
        };
        if key.contains(' ') || key.starts_with('[') {
            continue;
        }
        n += 1;
        assert!(
            reference.contains(&format!("| `{key}` |")),
            "`{key}` is not in docs/policy.md"
        );
    }
    assert!(n > 15, "{n} keys");
}

#[test]
fn completions_for_every_shell_and_a_man_page() {
    let dir = tempfile::tempdir().unwrap();
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = pyrel(dir.path())
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        for verb in [
            "init",
            "generate",
            "doctor",
            "bump",
            "version",
            "completions",
        ] {
            assert!(text.contains(verb), "{shell} completion lacks {verb}");
        }
        assert!(text.contains("--format"), "{shell}");
    }
    // bash loads the script and registers the completion.
    let out = pyrel(dir.path())
        .args(["completions", "bash"])
        .output()
        .unwrap();
    let script = dir.path().join("pyrel.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let registered = std::process::Command::new("bash")
        .args(["--noprofile", "--norc", "-c"])
        .arg(format!(
            "source '{}' && complete -p pyrel",
            script.display()
        ))
        .output()
        .unwrap();
    assert!(
        registered.status.success()
            && String::from_utf8_lossy(&registered.stdout).contains("pyrel"),
        "{}",
        String::from_utf8_lossy(&registered.stderr)
    );
    // An unknown shell is a usage error.
    pyrel(dir.path())
        .args(["completions", "tcsh"])
        .assert()
        .code(2);

    let man = pyrel(dir.path()).arg("man").output().unwrap();
    assert!(man.status.success());
    let committed = std::fs::read(docs_dir().join("man/pyrel.1")).unwrap();
    assert_eq!(man.stdout, committed, "`pyrel man` is docs/man/pyrel.1");
    // A page per verb, with that verb's options.
    let doctor = pyrel(dir.path()).args(["man", "doctor"]).output().unwrap();
    assert!(doctor.status.success());
    assert_eq!(
        doctor.stdout,
        std::fs::read(docs_dir().join("man/pyrel-doctor.1")).unwrap()
    );
    let page = String::from_utf8(doctor.stdout).unwrap();
    assert!(
        page.contains(r"pyrel\-doctor") && page.contains(r"\-\-offline"),
        "{page}"
    );
    pyrel(dir.path())
        .args(["man", "doctr"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no such verb"));
    let text = String::from_utf8(man.stdout).unwrap();
    assert!(
        text.starts_with(".ie") || text.contains(".TH pyrel"),
        "{}",
        &text[..200.min(text.len())]
    );
    for verb in ["init", "generate", "doctor", "bump", "version"] {
        assert!(text.contains(verb), "man page lacks {verb}");
    }
}

/// The keys the policy parser accepts, as its "known keys" hint names them.
fn accepted_policy_keys() -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"acme-keys\"\nversion = \"1.0.0\"\n\n[tool.pyrel]\nzzzz-not-a-key = 1\n",
    )
    .unwrap();
    let out = pyrel(dir.path())
        .args(["generate", "--check"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let list = stderr
        .split_once("known keys: ")
        .unwrap_or_else(|| panic!("no known keys in: {stderr}"))
        .1
        .lines()
        .next()
        .unwrap();
    list.split(", ").map(|k| k.trim().to_string()).collect()
}

#[test]
fn every_key_the_policy_accepts_is_documented_and_nothing_else() {
    let accepted = accepted_policy_keys();
    assert!(accepted.iter().any(|k| k == "packages"), "{accepted:?}");
    let reference = std::fs::read_to_string(docs_dir().join("policy.md")).unwrap();
    for key in &accepted {
        let documented = if key == "files" {
            reference.contains("## `[tool.pyrel.files]`")
        } else {
            reference.contains(&format!("| `{key}` |"))
        };
        assert!(documented, "policy key `{key}` is not in docs/policy.md");
    }
    // The main table documents no key the parser would refuse.
    let main = reference
        .split_once("| key | default | meaning |")
        .unwrap()
        .1
        .split_once("\n## ")
        .unwrap()
        .0;
    let rows: Vec<&str> = main
        .lines()
        .filter_map(|l| l.strip_prefix("| `")?.split_once("` |").map(|(k, _)| k))
        .collect();
    assert!(rows.len() > 15, "{rows:?}");
    for key in rows {
        assert!(
            accepted.iter().any(|k| k == key),
            "docs/policy.md documents `{key}`, which the policy refuses"
        );
    }
}
