//! The CLI tests: the binary run on fixture repositories in temp dirs, fake GitHub and
//! PyPI servers on 127.0.0.1. One test binary (each file below is a module), so the crate
//! is linked once for all of them; the tests that run the slow real tools are in
//! `tests/tools.rs`, the process-environment test in `tests/remote_token.rs`.
//!
//! A new test file is declared here; `every_test_file_is_in_a_test_binary` fails otherwise.

mod common;
mod fake;

mod adopt;
mod bump;
mod cli_text;
mod daily_life;
mod discovery;
mod docs;
mod doctor_offline;
mod doctor_online;
mod doctor_output;
mod formats;
mod git_refs;
mod github_apply;
mod hostile;
mod hostile3;
mod hostile_io;
mod hostile_remote;
mod init_generate;
mod install_names;
mod pypi_index;
mod release;
mod release_flow;
mod remote_enforced;
mod remote_github;
mod remote_guide;
mod remote_pypi;
mod remote_text;
mod speed_paths;

/// Every `tests/*.rs` file is a module of one test binary (`autotests = false` in
/// `Cargo.toml`): a file that is declared nowhere would never be compiled or run.
#[test]
fn every_test_file_is_in_a_test_binary() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let declared = |root: &str| -> Vec<String> {
        std::fs::read_to_string(dir.join(root))
            .unwrap()
            .lines()
            .filter_map(|l| l.strip_prefix("mod ")?.strip_suffix(';').map(str::to_owned))
            .collect()
    };
    let (cli, tools) = (declared("cli.rs"), declared("tools.rs"));
    let manifest = std::fs::read_to_string(dir.parent().unwrap().join("Cargo.toml")).unwrap();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let name = entry.unwrap().file_name().into_string().unwrap();
        let Some(stem) = name.strip_suffix(".rs") else {
            continue;
        };
        if matches!(stem, "cli" | "tools") {
            assert!(
                manifest.contains(&format!("path = \"tests/{name}\"")),
                "{name}"
            );
            continue;
        }
        let places = usize::from(cli.iter().any(|m| m == stem))
            + usize::from(tools.iter().any(|m| m == stem))
            + usize::from(manifest.contains(&format!("path = \"tests/{name}\"")));
        assert_eq!(
            places, 1,
            "tests/{name} must be declared in exactly one test binary"
        );
    }
}
