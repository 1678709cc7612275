//! `cargo bench --bench pipeline`: how long discovery, planning and the drift check take
//! on a 100-package uv workspace (what `pyrel generate --check` and a pre-commit hook do).
//! Prints the median of several runs per stage; no timing assertions.

use std::path::Path;
use std::time::{Duration, Instant};

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn make_workspace(root: &Path, n: usize) {
    write(
        &root.join("pyproject.toml"),
        "[tool.uv.workspace]\nmembers = [\"libs/*\"]\n",
    );
    for i in 0..n {
        let name = format!("pkg-{i:03}");
        let module = name.replace('-', "_");
        let dep = if i > 0 {
            format!("\"pkg-{:03}=={}\"", i - 1, "1.0.0")
        } else {
            String::new()
        };
        write(
            &root.join(format!("libs/{name}/pyproject.toml")),
            &format!(
                "[project]\nname = \"{name}\"\nversion = \"1.0.0\"\ndependencies = [{dep}]\n\n[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n"
            ),
        );
        write(
            &root.join(format!("libs/{name}/src/{module}/__init__.py")),
            "__version__ = \"1.0.0\"\n",
        );
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    make_workspace(root, 100);
    let runs = 21;

    let mut discover = Vec::new();
    let mut plan = Vec::new();
    let mut status = Vec::new();
    for _ in 0..runs {
        let t = Instant::now();
        let project = pyrel::testing::project::discover(root).expect("discover");
        discover.push(t.elapsed());
        let (policy, _) = pyrel::testing::policy::load(&project).expect("policy");
        let t = Instant::now();
        let p = pyrel::testing::render::plan(&project, &policy).expect("plan");
        plan.push(t.elapsed());
        let t = Instant::now();
        pyrel::testing::sync::status(&project.root, &p).expect("status");
        status.push(t.elapsed());
    }
    println!("100-package uv workspace, median of {runs} runs:");
    println!("  discover  {:>10.2?}", median(discover));
    println!("  plan      {:>10.2?}", median(plan));
    println!("  status    {:>10.2?}", median(status));
}
