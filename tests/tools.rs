//! The tests that run slow real tools (zizmor, actionlint, maturin, pre-commit, uv,
//! packaging, keepachangelog, sp-repo-review) over what pyrel renders and bumps: a stage of
//! their own, run after the CLI tests (`tests/cli.rs`). Each file below is a module.

mod common;
mod fake;

mod adopt_tools;
mod bench_speed;
mod changelog_keepachangelog;
mod check;
mod dist;
mod precommit;
mod real_round3;
mod script;
mod self_release;
mod tls;
mod vectors;
mod version_differential;
mod workflow_scripts;
mod workflows;
