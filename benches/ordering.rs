//! `cargo bench --bench ordering`: release ordering and discovery at 1,250 to 10,000
//! packages, to show both grow linearly (time per package + edge stays flat as the
//! repository doubles). Prints the median of several runs per size; no timing assertions.
//!
//! The graph mixes what real monorepos have: a chain of hard dependencies, fan-in to a
//! few core packages, and extras that point back up the chain (they close cycles, so
//! they add no order, as `crewai -> crewai-tools -> crewai[tools]`).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use pyrel::testing::project::{order, Package, SiblingDep, VersionScheme};

fn dep(name: &str, section: &str) -> SiblingDep {
    SiblingDep {
        name: name.to_string(),
        requirement: name.to_string(),
        specifier: String::new(),
        section: section.to_string(),
        path: PathBuf::from("pyproject.toml"),
        line: 1,
        span: 0..0,
    }
}

fn name(i: usize) -> String {
    format!("pkg-{i:05}")
}

/// `n` packages; returns them and the number of edges.
fn graph(n: usize) -> (Vec<Package>, usize) {
    let mut edges = 0;
    // Declared in reverse, so the order has real work to do.
    let pkgs = (0..n)
        .rev()
        .map(|i| {
            let mut siblings = Vec::new();
            if i > 0 {
                siblings.push(dep(&name(i - 1), "dependencies"));
            }
            if i > 10 {
                siblings.push(dep(&name(i % 10), "dependencies"));
            }
            if i + 5 < n {
                siblings.push(dep(&name(i + 5), "optional-dependencies.all"));
            }
            edges += siblings.len();
            Package {
                name: name(i),
                normalized: name(i),
                dir: PathBuf::from(format!("libs/{}", name(i))),
                manifest: PathBuf::from(format!("libs/{}/pyproject.toml", name(i))),
                import_name: None,
                scheme: VersionScheme::Static,
                version_sources: Vec::new(),
                siblings,
                order_after: Vec::new(),
                wheels: None,
            }
        })
        .collect();
    (pkgs, edges)
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

/// A uv workspace of `n` members, each depending on the previous one.
fn workspace(root: &Path, n: usize) {
    write(
        &root.join("pyproject.toml"),
        "[tool.uv.workspace]\nmembers = [\"libs/*\"]\n",
    );
    for i in 0..n {
        let dep = if i > 0 {
            format!("\"{}==1.0.0\"", name(i - 1))
        } else {
            String::new()
        };
        write(
            &root.join(format!("libs/{}/pyproject.toml", name(i))),
            &format!(
                "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n[project]\nname = \"{}\"\nversion = \"1.0.0\"\ndependencies = [{dep}]\n",
                name(i)
            ),
        );
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() {
    println!("ordering (in memory)");
    println!(
        "{:>8} {:>8} {:>12} {:>16}",
        "packages", "edges", "median", "ns/(pkg+edge)"
    );
    for n in [1_250, 2_500, 5_000, 10_000] {
        let mut times = Vec::new();
        let mut edges = 0;
        for _ in 0..11 {
            let (pkgs, e) = graph(n);
            edges = e;
            let t = Instant::now();
            let ordered = order(pkgs).expect("no hard cycle");
            times.push(t.elapsed());
            assert_eq!(ordered.len(), n);
            assert_eq!(ordered[0].name, name(0));
        }
        let m = median(times);
        println!(
            "{n:>8} {edges:>8} {:>12.3?} {:>16.1}",
            m,
            m.as_nanos() as f64 / (n + edges) as f64
        );
    }
    println!("\ndiscovery of a uv workspace (on disk)");
    println!("{:>8} {:>12} {:>12}", "packages", "median", "µs/pkg");
    for n in [1_250, 2_500, 5_000, 10_000] {
        let tmp = tempfile::tempdir().expect("tempdir");
        workspace(tmp.path(), n);
        let mut times = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            let p = pyrel::testing::project::discover(tmp.path()).expect("discover");
            times.push(t.elapsed());
            assert_eq!(p.packages.len(), n);
        }
        let m = median(times);
        println!(
            "{n:>8} {:>12.3?} {:>12.1}",
            m,
            m.as_micros() as f64 / n as f64
        );
    }
}
