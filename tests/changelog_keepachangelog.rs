//! What pyrel writes into CHANGELOG.md must read back the same way in `keepachangelog`
//! (the PyPI package), the parser Python projects use to pull release notes: each step of a
//! changelog's life (seed, first release, a release with Added/Fixed, a pre-release) is fed
//! to `keepachangelog.to_dict(..., show_unreleased=True)` and compared with what we expect
//! and with our own parser.

use crate::common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use pyrel::testing::changelog::{self, Changelog, RepoLinks};
use serde_json::Value;

const BASE: &str = "https://github.com/acme/widgets";

fn links() -> RepoLinks {
    RepoLinks {
        base_url: BASE.into(),
        tag_affixes: ("v".into(), String::new()),
    }
}

/// `keepachangelog.to_dict` and `to_raw_dict` of `text`, as JSON: `{"dict": ..., "raw": ...}`.
fn keepachangelog(python: &Path, text: &str) -> Value {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("CHANGELOG.md");
    std::fs::write(&path, text).unwrap();
    let out = Command::new(python)
        .args([
            "-c",
            "import json, sys, keepachangelog\n\
             print(json.dumps({\n\
                 'dict': keepachangelog.to_dict(sys.argv[1], show_unreleased=True),\n\
                 'raw': keepachangelog.to_raw_dict(sys.argv[1]),\n\
             }))",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "keepachangelog failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Adds markdown under the `## [Unreleased]` heading, as a person editing the file would.
fn add_unreleased(text: &str, entries: &str) -> String {
    let heading = "## [Unreleased]\n";
    assert!(text.contains(heading));
    text.replacen(heading, &format!("{heading}\n{entries}"), 1)
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| s.to_string()).collect()
}

/// keepachangelog and our parser agree on every section, date, change type, entry and link,
/// and keepachangelog sees nothing we don't (a stray key would mean it misread a line).
fn assert_same_reading(ours: &Changelog, theirs: &Value) {
    let mut expected_keys = BTreeSet::new();
    let sections = ours.unreleased().into_iter().chain(ours.releases());
    for s in sections {
        let key = s
            .version
            .as_deref()
            .map_or("unreleased".to_owned(), str::to_lowercase);
        let entry = &theirs[&key];
        assert!(entry.is_object(), "keepachangelog has no {key}: {theirs:#}");
        let date = s.date.as_ref().map(|d| {
            if s.yanked {
                format!("{d} [yanked]")
            } else {
                d.clone()
            }
        });
        assert_eq!(
            entry["metadata"]["release_date"],
            date.map_or(Value::Null, Value::String),
            "date of {key}"
        );
        let mut categories = set(&["metadata"]);
        for (name, entries) in &s.change_types {
            let name = name.to_lowercase();
            assert_eq!(entry[&name], serde_json::json!(entries), "{key} {name}");
            categories.insert(name);
        }
        assert_eq!(keys(entry), categories, "categories of {key}");
        expected_keys.insert(key);
    }
    for link in ours.links() {
        let key = link.label.to_lowercase();
        assert_eq!(
            theirs[&key]["metadata"]["url"].as_str(),
            Some(link.url.as_str()),
            "url of {key}"
        );
        expected_keys.insert(key);
    }
    assert_eq!(keys(theirs), expected_keys);
}

/// Our release notes are keepachangelog's raw section text (which drops blank lines).
fn assert_same_notes(text: &str, raw: &Value, version: &str) {
    let ours = changelog::section_notes(text, version).unwrap();
    let ours: Vec<&str> = ours.lines().filter(|l| !l.trim().is_empty()).collect();
    let theirs = raw[version]["raw"].as_str().unwrap();
    let theirs: Vec<&str> = theirs.lines().collect();
    assert_eq!(ours, theirs, "notes of {version}");
}

#[test]
fn keepachangelog_reads_every_step_the_way_we_do() {
    let Some(python) = common::require_tools_python() else {
        return;
    };

    // (a) The seeded file `pyrel init` writes (origin acme/widgets on GitHub): only
    // [Unreleased], pointing at the history of HEAD. The intro's inline links must not turn
    // into versions.
    let repo = common::fixture("single-src");
    common::pyrel(repo.path())
        .args(["init", "--yes"])
        .assert()
        .success();
    let seeded = std::fs::read_to_string(repo.path().join("CHANGELOG.md")).unwrap();
    let kac = keepachangelog(&python, &seeded);
    let d = &kac["dict"];
    assert_eq!(keys(d), set(&["unreleased"]), "{d:#}");
    assert_eq!(d["unreleased"]["metadata"]["release_date"], Value::Null);
    assert_eq!(
        d["unreleased"]["metadata"]["url"],
        format!("{BASE}/commits/HEAD")
    );
    assert_eq!(keys(&d["unreleased"]), set(&["metadata"]));
    assert_same_reading(&changelog::parse(&seeded).unwrap(), d);

    // (b) First release.
    let edited = add_unreleased(&seeded, "### Added\n\n- Initial release.\n");
    let first = changelog::release(&edited, "1.0.0", "2024-01-15", Some(&links())).unwrap();
    assert!(!first.unreleased_was_empty);
    let kac = keepachangelog(&python, &first.text);
    let d = &kac["dict"];
    assert_eq!(keys(d), set(&["unreleased", "1.0.0"]), "{d:#}");
    assert_eq!(d["1.0.0"]["metadata"]["release_date"], "2024-01-15");
    assert_eq!(d["1.0.0"]["added"], serde_json::json!(["Initial release."]));
    assert_eq!(
        d["1.0.0"]["metadata"]["url"],
        format!("{BASE}/releases/tag/v1.0.0")
    );
    assert_eq!(d["1.0.0"]["metadata"]["semantic_version"]["major"], 1);
    assert_eq!(keys(&d["unreleased"]), set(&["metadata"]));
    assert_eq!(
        d["unreleased"]["metadata"]["url"],
        format!("{BASE}/compare/v1.0.0...HEAD")
    );
    assert_same_reading(&changelog::parse(&first.text).unwrap(), d);
    assert_same_notes(&first.text, &kac["raw"], "1.0.0");

    // (c) Second release with Added and Fixed.
    let edited = add_unreleased(
        &first.text,
        "### Added\n\n- Export widgets to CSV.\n- A `--quiet` flag.\n\n### Fixed\n\n- Crash on empty input (#12).\n",
    );
    let second = changelog::release(&edited, "1.1.0", "2024-02-20", Some(&links())).unwrap();
    let kac = keepachangelog(&python, &second.text);
    let d = &kac["dict"];
    assert_eq!(keys(d), set(&["unreleased", "1.1.0", "1.0.0"]), "{d:#}");
    assert_eq!(d["1.1.0"]["metadata"]["release_date"], "2024-02-20");
    assert_eq!(
        d["1.1.0"]["added"],
        serde_json::json!(["Export widgets to CSV.", "A `--quiet` flag."])
    );
    assert_eq!(
        d["1.1.0"]["fixed"],
        serde_json::json!(["Crash on empty input (#12)."])
    );
    assert_eq!(
        d["1.1.0"]["metadata"]["url"],
        format!("{BASE}/compare/v1.0.0...v1.1.0")
    );
    // The first release is untouched.
    assert_eq!(d["1.0.0"]["added"], serde_json::json!(["Initial release."]));
    assert_eq!(
        d["1.0.0"]["metadata"]["url"],
        format!("{BASE}/releases/tag/v1.0.0")
    );
    assert_eq!(
        d["unreleased"]["metadata"]["url"],
        format!("{BASE}/compare/v1.1.0...HEAD")
    );
    assert_same_reading(&changelog::parse(&second.text).unwrap(), d);
    assert_same_notes(&second.text, &kac["raw"], "1.1.0");
    assert_same_notes(&second.text, &kac["raw"], "1.0.0");

    // The same step on a CRLF file reads identically.
    let crlf = changelog::release(
        &edited.replace('\n', "\r\n"),
        "1.1.0",
        "2024-02-20",
        Some(&links()),
    )
    .unwrap();
    assert_eq!(crlf.text, second.text.replace('\n', "\r\n"));
    assert_eq!(keepachangelog(&python, &crlf.text), kac);

    // (d) A pre-release.
    let edited = add_unreleased(&second.text, "### Changed\n\n- Drop Python 3.8.\n");
    let rc = changelog::release(&edited, "2.0.0rc1", "2024-03-01", Some(&links())).unwrap();
    let kac = keepachangelog(&python, &rc.text);
    let d = &kac["dict"];
    assert_eq!(
        keys(d),
        set(&["unreleased", "2.0.0rc1", "1.1.0", "1.0.0"]),
        "{d:#}"
    );
    let meta = &d["2.0.0rc1"]["metadata"];
    assert_eq!(meta["release_date"], "2024-03-01");
    assert_eq!(meta["semantic_version"]["major"], 2);
    assert_eq!(meta["semantic_version"]["prerelease"], "rc1");
    assert_eq!(meta["url"], format!("{BASE}/compare/v1.1.0...v2.0.0rc1"));
    assert_eq!(
        d["2.0.0rc1"]["changed"],
        serde_json::json!(["Drop Python 3.8."])
    );
    assert_eq!(
        d["unreleased"]["metadata"]["url"],
        format!("{BASE}/compare/v2.0.0rc1...HEAD")
    );
    assert_same_reading(&changelog::parse(&rc.text).unwrap(), d);
    assert_same_notes(&rc.text, &kac["raw"], "2.0.0rc1");

    // And the final release after the candidate compares with the candidate's tag.
    let fin = changelog::release(&rc.text, "2.0.0", "2024-03-15", Some(&links())).unwrap();
    assert!(fin.unreleased_was_empty);
    let kac = keepachangelog(&python, &fin.text);
    assert_eq!(
        kac["dict"]["2.0.0"]["metadata"]["url"],
        format!("{BASE}/compare/v2.0.0rc1...v2.0.0")
    );
    assert_same_reading(&changelog::parse(&fin.text).unwrap(), &kac["dict"]);
}

#[test]
fn keepachangelog_reads_yanked_releases_and_real_world_headings_like_we_do() {
    let Some(python) = common::require_tools_python() else {
        return;
    };
    let text = "# Changelog\n\n## [Unreleased]\n\n### Security\n\n- Pin the TLS backend.\n\n\
                ## [0.3.0] - 2024-04-01 [YANKED]\n\n### Removed\n\n- The legacy API.\n\n\
                ## [0.2.0] - 2024-03-01\n\n### Deprecated\n\n- `load()`; use `read()`.\n\n\
                ## [0.1.0] - 2024-02-01\n\n- Uncategorised notes are kept in the body.\n";
    let kac = keepachangelog(&python, text);
    let d = &kac["dict"];
    assert_eq!(
        d["0.3.0"]["metadata"]["release_date"],
        "2024-04-01 [yanked]"
    );
    assert_eq!(
        d["0.1.0"]["uncategorized"],
        serde_json::json!(["Uncategorised notes are kept in the body."])
    );
    let ours = changelog::parse(text).unwrap();
    assert!(ours.section("0.3.0").unwrap().yanked);
    // Our change types skip uncategorised lines (they stay in the body), so compare the rest.
    let mut without_uncategorized = d.clone();
    without_uncategorized["0.1.0"]
        .as_object_mut()
        .unwrap()
        .remove("uncategorized");
    assert_same_reading(&ours, &without_uncategorized);
    assert_same_notes(text, &kac["raw"], "0.1.0");
    assert_same_notes(text, &kac["raw"], "0.3.0");
}
