//! The CLI surface reviewed like code: `--help` of pyrel and of every verb, and `--explain` of
//! every doctor check, are snapshots, so each wording change shows up as a diff.

use crate::common;

use clap::CommandFactory;

fn run(args: &[&str]) -> String {
    let tmp = tempfile::tempdir().unwrap();
    let out = common::pyrel(tmp.path())
        .env("COLUMNS", "100")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_of_every_verb() {
    insta::assert_snapshot!("help", run(&["--help"]));
    let cli = pyrel::testing::cli::Cli::command();
    let verbs: Vec<String> = cli
        .get_subcommands()
        .map(|c| c.get_name().to_string())
        .filter(|n| n != "help")
        .collect();
    assert!(verbs.len() >= 5, "{verbs:?}");
    for verb in verbs {
        insta::assert_snapshot!(format!("help_{verb}"), run(&[&verb, "--help"]));
    }
}

#[test]
fn explain_of_every_check() {
    let list = run(&["doctor", "--explain"]);
    insta::assert_snapshot!("explain", list);
    let ids: Vec<&str> = list
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| w.starts_with("PR"))
        .collect();
    assert!(ids.len() >= 10, "{ids:?}");
    for id in ids {
        insta::assert_snapshot!(format!("explain_{id}"), run(&["doctor", "--explain", id]));
    }
}

/// The whole output of the version commands on a fixture, paths scrubbed.
#[test]
fn output_of_the_version_commands() {
    let d = common::fixture("uv-workspace");
    let run = |args: &[&str]| {
        let out = common::pyrel(d.path())
            .env("PYREL_TODAY", "2024-05-01")
            .args(args)
            .output()
            .unwrap();
        let root = d.path().display().to_string();
        format!(
            "exit {:?}\n--- stdout\n{}--- stderr\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).replace(&root, "[ROOT]"),
            String::from_utf8_lossy(&out.stderr).replace(&root, "[ROOT]")
        )
    };
    insta::assert_snapshot!("out_version", run(&["version"]));
    insta::assert_snapshot!("out_version_short", run(&["version", "--short"]));
    insta::assert_snapshot!(
        "out_check_tag_ok",
        run(&["version", "--check-tag", "v2.0.0"])
    );
    insta::assert_snapshot!(
        "out_check_tag_bad",
        run(&["version", "--check-tag", "v2.0.1"])
    );
    insta::assert_snapshot!("out_bump_dry_run", run(&["bump", "minor", "--dry-run"]));
    insta::assert_snapshot!("out_bump_refused", run(&["bump", "1.0.0"]));
}
