//! The speed benchmark of issue 12: every verb timed as a whole process on generated uv
//! workspaces of 5, 100, 1,000 and 10,000 packages, peak memory of each, the rendered
//! workflow size per package count, and `sp-repo-review` side by side on 5 packages.
//!
//! ```text
//! cargo bench --bench speed                     # 5, 100, 1,000, 10,000 packages, 10 runs each
//! cargo bench --bench speed -- --quick          # 5 and 100 packages, 3 runs (what CI runs)
//! cargo bench --bench speed -- --sizes 1000 --runs 20 --bin /path/to/other/pyrel
//! ```
//!
//! `cargo bench` builds the release binary (the bench profile inherits `release`). No
//! timing is asserted here: the figures go to `docs/performance.md`.

mod run;

fn main() {
    let opts = match run::Options::parse(std::env::args().skip(1), env!("CARGO_BIN_EXE_pyrel")) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("speed: {e}");
            std::process::exit(2);
        }
    };
    let report = run::run(&opts);
    print!("{}", report.table());
}
