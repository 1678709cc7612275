//! The speed benchmark's quick mode (`cargo bench --bench speed -- --quick`) runs here
//! with the test binary, so it cannot rot: every verb it times succeeds on the generated
//! workspaces, peak memory is measured, and sp-repo-review really runs beside pyrel.
//! No timing is asserted (targets are proved by the benchmark, not by timed tests).

use crate::common;

#[path = "../benches/speed/run.rs"]
mod run;

#[test]
fn the_quick_benchmark_times_every_verb_and_sp_repo_review() {
    let tool = common::require_tool("sp-repo-review");
    let mut opts = run::Options::parse(["--quick".to_owned()], env!("CARGO_BIN_EXE_pyrel"))
        .expect("--quick parses");
    assert_eq!(opts.sizes, [5, 100]);
    opts.reference = tool;
    let report = run::run(&opts);
    assert_eq!(report.sizes.len(), 2);
    for size in &report.sizes {
        assert!(size.files > size.packages * 4, "{size:?}");
        assert!(size.workflow_bytes > 0, "{size:?}");
        assert_eq!(size.timings.len(), run::VERBS.len());
        for t in &size.timings {
            assert_eq!(t.code, Some(0), "{} on {} packages", t.verb, size.packages);
            assert!(
                t.peak_kib > 0 && t.median > std::time::Duration::ZERO,
                "{t:?}"
            );
        }
    }
    let (files, scan) = report.scan.as_ref().expect("the scan repository ran");
    assert!(*files > 1_000, "{files} tracked files");
    assert_eq!(scan.code, Some(0), "{scan:?}");
    let reference = report.reference.as_ref().expect("sp-repo-review ran");
    assert!(reference.code.is_some(), "{reference:?}");
    let table = report.table();
    assert!(table.contains("sp-repo-review on 5 packages"), "{table}");
    assert!(table.contains("| 100 |"), "{table}");
    assert!(
        table.contains("Credential scan of a repository of"),
        "{table}"
    );
}
