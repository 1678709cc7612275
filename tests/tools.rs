//! The tests that run slow real tools (zizmor, actionlint, maturin, pre-commit, uv,
//! packaging, keepachangelog, sp-repo-review) over what pyrel renders and bumps: a stage of
//! their own, run after the CLI tests (`tests/cli.rs`). Each file below is a module.

mod common;
mod fake;

mod bench_speed;
mod changelog_keepachangelog;
mod dist;
mod precommit;
mod script;
mod self_release;
mod tls;
mod vectors;
mod version_differential;
mod workflows;
