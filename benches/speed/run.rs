//! The body of the speed benchmark, shared with `tests/bench_speed.rs` (which runs the
//! quick mode with the test binary, so the benchmark cannot rot unnoticed).
#![allow(dead_code)]

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The verbs timed on every workspace, as `pyrel` arguments.
pub const VERBS: &[(&str, &[&str])] = &[
    ("doctor --offline", &["doctor", "--offline"]),
    ("generate --check", &["generate", "--check"]),
    ("version", &["version"]),
    ("bump minor --dry-run", &["bump", "minor", "--dry-run"]),
    (
        "credential scan",
        &["doctor", "--offline", "--select", "committed-credential"],
    ),
];

#[derive(Debug, Clone)]
pub struct Options {
    pub sizes: Vec<usize>,
    /// Timed runs per verb, after one warm-up run.
    pub runs: usize,
    pub bin: PathBuf,
    /// `sp-repo-review`, run side by side on the smallest workspace; `None` skips it.
    pub reference: Option<PathBuf>,
    /// Tracked files of the credential-scan repository (a 5-package workspace plus that
    /// many small files); `None` skips it.
    pub scan_files: Option<usize>,
}

impl Options {
    /// Parses the benchmark's arguments (`cargo bench` adds `--bench`, ignored).
    pub fn parse(
        args: impl IntoIterator<Item = String>,
        default_bin: &str,
    ) -> Result<Options, String> {
        let mut opts = Options {
            sizes: vec![5, 100, 1000, 10000],
            runs: 10,
            bin: PathBuf::from(default_bin),
            reference: find_tool("sp-repo-review"),
            scan_files: Some(10_000),
        };
        let mut args = args.into_iter();
        while let Some(a) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match a.as_str() {
                "--bench" => {}
                "--quick" => {
                    opts.sizes = vec![5, 100];
                    opts.runs = 3;
                    opts.scan_files = Some(1_000);
                }
                "--scan-files" => {
                    opts.scan_files = match value("--scan-files")?.as_str() {
                        "0" | "none" => None,
                        n => Some(n.parse().map_err(|e| format!("--scan-files {n}: {e}"))?),
                    };
                }
                "--sizes" => {
                    opts.sizes = value("--sizes")?
                        .split(',')
                        .map(|s| s.trim().parse().map_err(|e| format!("--sizes {s}: {e}")))
                        .collect::<Result<_, _>>()?;
                }
                "--runs" => {
                    opts.runs = value("--runs")?
                        .parse()
                        .map_err(|e| format!("--runs: {e}"))?;
                }
                "--bin" => opts.bin = PathBuf::from(value("--bin")?),
                "--no-reference" => opts.reference = None,
                other => return Err(format!("unknown argument `{other}`")),
            }
        }
        if opts.runs == 0 || opts.sizes.is_empty() {
            return Err("--runs and --sizes must not be empty".into());
        }
        Ok(opts)
    }
}

/// `sp-repo-review` where `.ci/install-tools.sh` puts it, else on PATH.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    let tools = std::env::var_os("PYREL_TOOLS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".cache/pyrel-tools")
        });
    let cand = tools.join("venv/bin").join(name);
    if cand.is_file() {
        return Some(cand);
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

/// One verb on one workspace.
#[derive(Debug, Clone)]
pub struct Timing {
    pub verb: String,
    pub median: Duration,
    pub min: Duration,
    /// Median CPU time (user + system, all threads): steadier than wall time on a
    /// shared machine.
    pub cpu: Duration,
    /// Peak resident set of the process, the largest of all runs, in KiB.
    pub peak_kib: u64,
    /// Exit code of the last run (`None`: killed by a signal).
    pub code: Option<i32>,
}

#[derive(Debug, Clone)]
pub struct SizeResult {
    pub packages: usize,
    /// Files in the workspace (what the credential scan reads).
    pub files: usize,
    pub workflow_bytes: u64,
    pub setup: Duration,
    pub timings: Vec<Timing>,
}

#[derive(Debug, Clone)]
pub struct Report {
    pub runs: usize,
    pub sizes: Vec<SizeResult>,
    /// `sp-repo-review` on the smallest workspace, and pyrel's `doctor --offline` there.
    pub reference: Option<Timing>,
    /// The credential scan of the many-files repository: its tracked files, the timing.
    pub scan: Option<(usize, Timing)>,
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
    std::fs::write(path, text).expect("write");
}

fn git(dir: &Path, args: &[&str]) {
    let st = Command::new("git")
        .args(["-c", "commit.gpgsign=false", "-c", "tag.gpgsign=false"])
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Bench")
        .env("GIT_AUTHOR_EMAIL", "bench@example.invalid")
        .env("GIT_COMMITTER_NAME", "Bench")
        .env("GIT_COMMITTER_EMAIL", "bench@example.invalid")
        .stdout(Stdio::null())
        .status()
        .expect("git");
    assert!(st.success(), "git {args:?} failed in {}", dir.display());
}

/// A uv workspace of `n` packages under `libs/`, each with a `__version__`, a README and
/// a test, depending on its parent in a binary tree (pinned `==`), as large monorepos do.
pub fn make_workspace(root: &Path, n: usize) {
    write(
        &root.join("pyproject.toml"),
        "[tool.uv.workspace]\nmembers = [\"libs/*\"]\n\n[dependency-groups]\ndev = [\"pytest>=8\"]\n",
    );
    write(
        &root.join("README.md"),
        &format!("# bench\n\n{n} packages.\n"),
    );
    for i in 0..n {
        let name = format!("pkg-{i:05}");
        let module = name.replace('-', "_");
        let deps = if i > 0 {
            format!("\n    \"pkg-{:05}==1.0.0\",\n", (i - 1) / 2)
        } else {
            String::new()
        };
        write(
            &root.join(format!("libs/{name}/pyproject.toml")),
            &format!(
                "[build-system]\nrequires = [\"hatchling\"]\nbuild-backend = \"hatchling.build\"\n\n\
                 [project]\nname = \"{name}\"\nversion = \"1.0.0\"\ndescription = \"Package {i}\"\n\
                 readme = \"README.md\"\nrequires-python = \">=3.10\"\ndependencies = [{deps}]\n"
            ),
        );
        write(
            &root.join(format!("libs/{name}/README.md")),
            &format!("# {name}\n"),
        );
        write(
            &root.join(format!("libs/{name}/src/{module}/__init__.py")),
            "\"\"\"A package.\"\"\"\n\n__version__ = \"1.0.0\"\n",
        );
        write(
            &root.join(format!("libs/{name}/tests/test_{module}.py")),
            &format!("import {module}\n\n\ndef test_version():\n    assert {module}.__version__\n"),
        );
    }
}

fn pyrel(bin: &Path, dir: &Path) -> Command {
    let mut c = Command::new(bin);
    c.current_dir(dir)
        .env_remove("GH_TOKEN")
        .env_remove("GITHUB_TOKEN")
        .env("NO_COLOR", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("PYREL_NO_GH", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// One run: wall time, CPU time, peak RSS (KiB), exit code.
struct Run {
    wall: Duration,
    cpu: Duration,
    peak_kib: u64,
    code: Option<i32>,
}

fn timeval(t: libc::timeval) -> Duration {
    Duration::new(t.tv_sec.max(0) as u64, (t.tv_usec.max(0) as u32) * 1000)
}

/// Runs a command to completion and reads its resource use from `wait4`.
fn measure(cmd: &mut Command) -> Run {
    let start = Instant::now();
    let child = cmd.spawn().expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status: libc::c_int = 0;
    // SAFETY: an all-zero rusage is a valid value; wait4 fills it for our own child.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: `pid` is our child, not yet reaped (`Child` is dropped without waiting).
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let elapsed = start.elapsed();
    assert_eq!(r, pid, "wait4: {}", std::io::Error::last_os_error());
    drop(child);
    let code = libc::WIFEXITED(status).then(|| libc::WEXITSTATUS(status));
    Run {
        wall: elapsed,
        cpu: timeval(usage.ru_utime) + timeval(usage.ru_stime),
        peak_kib: usage.ru_maxrss.max(0) as u64,
        code,
    }
}

fn time(label: &str, runs: usize, mut make: impl FnMut() -> Command) -> Timing {
    measure(&mut make());
    let mut times = Vec::with_capacity(runs);
    let mut cpu = Vec::with_capacity(runs);
    let mut peak = 0;
    let mut code = None;
    for _ in 0..runs {
        let r = measure(&mut make());
        times.push(r.wall);
        cpu.push(r.cpu);
        peak = peak.max(r.peak_kib);
        code = r.code;
    }
    times.sort();
    cpu.sort();
    Timing {
        verb: label.to_owned(),
        median: times[times.len() / 2],
        min: times[0],
        cpu: cpu[cpu.len() / 2],
        peak_kib: peak,
        code,
    }
}

fn count_files(dir: &Path) -> usize {
    let mut n = 0;
    for e in std::fs::read_dir(dir).expect("read_dir").flatten() {
        let t = e.file_type().expect("type");
        if t.is_dir() {
            if e.file_name() != ".git" {
                n += count_files(&e.path());
            }
        } else {
            n += 1;
        }
    }
    n
}

/// Builds each workspace, times each verb, then `sp-repo-review` on the smallest one.
pub fn run(opts: &Options) -> Report {
    let mut report = Report {
        runs: opts.runs,
        sizes: Vec::new(),
        reference: None,
        scan: None,
    };
    let smallest = opts.sizes.iter().copied().min();
    for &n in &opts.sizes {
        let tmp = tempfile::tempdir().expect("tempdir");
        let root = tmp.path();
        // PYREL_BENCH_KEEP=DIR keeps each workspace (as DIR/N) for profiling.
        let kept =
            std::env::var_os("PYREL_BENCH_KEEP").map(|d| PathBuf::from(d).join(n.to_string()));
        let start = Instant::now();
        make_workspace(root, n);
        git(root, &["init", "-q", "-b", "main"]);
        git(
            root,
            &[
                "remote",
                "add",
                "origin",
                "https://github.com/acme/bench.git",
            ],
        );
        let code = measure(pyrel(&opts.bin, root).args(["init", "--yes"])).code;
        assert_eq!(code, Some(0), "pyrel init --yes failed on {n} packages");
        let changelog = root.join("CHANGELOG.md");
        let text = std::fs::read_to_string(&changelog).expect("CHANGELOG.md");
        std::fs::write(
            &changelog,
            text.replacen(
                "## [Unreleased]\n",
                "## [Unreleased]\n\n### Added\n\n- The packages.\n",
                1,
            ),
        )
        .expect("write CHANGELOG.md");
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "bench workspace"]);
        let setup = start.elapsed();
        let workflow_bytes = std::fs::metadata(root.join(".github/workflows/release.yml"))
            .map(|m| m.len())
            .unwrap_or(0);
        let timings = VERBS
            .iter()
            .map(|(label, args)| {
                time(label, opts.runs, || {
                    let mut c = pyrel(&opts.bin, root);
                    c.args(*args);
                    c
                })
            })
            .collect();
        let result = SizeResult {
            packages: n,
            files: count_files(root),
            workflow_bytes,
            setup,
            timings,
        };
        eprintln!("{}", result.line());
        report.sizes.push(result);
        if Some(n) == smallest {
            if let Some(tool) = &opts.reference {
                report.reference = Some(time("sp-repo-review", opts.runs, || {
                    let mut c = Command::new(tool);
                    c.arg("--format")
                        .arg("json")
                        .arg(root)
                        .stdin(Stdio::null())
                        .stdout(Stdio::null())
                        .stderr(Stdio::null());
                    c
                }));
            }
        }
        if let Some(dest) = kept {
            let _ = std::fs::remove_dir_all(&dest);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent).expect("PYREL_BENCH_KEEP");
            }
            let kept_dir = tmp.keep();
            std::fs::rename(&kept_dir, &dest).expect("PYREL_BENCH_KEEP: rename");
            eprintln!("kept {}", dest.display());
        }
    }
    if let Some(files) = opts.scan_files {
        report.scan = Some(scan_repository(opts, files));
    }
    report
}

/// The credential scan (`doctor --offline --select committed-credential`) of a
/// repository of about `files` tracked files: a 5-package workspace plus small Python
/// files, 100 to a directory, all committed.
fn scan_repository(opts: &Options, files: usize) -> (usize, Timing) {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path();
    make_workspace(root, 5);
    for i in 0..files {
        write(
            &root.join(format!("src/data/d{:03}/m{:03}.py", i / 100, i % 100)),
            &format!(
                "# module {i}
VALUE = {i}


def value():
    return VALUE
"
            ),
        );
    }
    git(root, &["init", "-q", "-b", "main"]);
    let code = measure(pyrel(&opts.bin, root).args(["init", "--yes"])).code;
    assert_eq!(
        code,
        Some(0),
        "pyrel init --yes failed on the scan repository"
    );
    git(root, &["add", "-A"]);
    git(root, &["commit", "-q", "-m", "scan repository"]);
    let tracked = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
        .map(|o| {
            o.stdout
                .split(|b| *b == 0)
                .filter(|f| !f.is_empty())
                .count()
        })
        .unwrap_or(0);
    let (label, args) = VERBS[VERBS.len() - 1];
    let timing = time(label, opts.runs, || {
        let mut c = pyrel(&opts.bin, root);
        c.args(args);
        c
    });
    eprintln!(
        "credential scan of {tracked} tracked files: {} {}",
        ms(timing.median),
        mib(timing.peak_kib)
    );
    (tracked, timing)
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

impl SizeResult {
    pub fn timing(&self, verb: &str) -> Option<&Timing> {
        self.timings.iter().find(|t| t.verb == verb)
    }

    fn line(&self) -> String {
        let mut s = format!("{} packages:", self.packages);
        for t in &self.timings {
            let _ = write!(s, " {} {} {};", t.verb, ms(t.median), mib(t.peak_kib));
        }
        s
    }
}

impl Report {
    /// The figures as Markdown tables, with the targets of issue 12 beside them.
    pub fn table(&self) -> String {
        let mut out = String::new();
        let _ = writeln!(
            out,
            "Median wall time of {} runs after a warm-up (whole process), peak RSS of the largest run.\n",
            self.runs
        );
        let _ = writeln!(
            out,
            "| packages | files | verb | median | min | CPU (median) | peak RSS | exit |\n|---:|---:|---|---:|---:|---:|---:|---:|"
        );
        for s in &self.sizes {
            for t in &s.timings {
                let _ = writeln!(
                    out,
                    "| {} | {} | `{}` | {} | {} | {} | {} | {} |",
                    s.packages,
                    s.files,
                    t.verb,
                    ms(t.median),
                    ms(t.min),
                    ms(t.cpu),
                    mib(t.peak_kib),
                    t.code.map_or("signal".into(), |c| c.to_string())
                );
            }
        }
        let _ = writeln!(
            out,
            "\n| packages | release.yml | per package | workspace setup (init + git commit) |\n|---:|---:|---:|---:|"
        );
        for s in &self.sizes {
            let _ = writeln!(
                out,
                "| {} | {:.1} KiB | {:.2} KiB | {:.1} s |",
                s.packages,
                s.workflow_bytes as f64 / 1024.0,
                s.workflow_bytes as f64 / 1024.0 / s.packages.max(1) as f64,
                s.setup.as_secs_f64()
            );
        }
        out.push('\n');
        if let (Some(r), Some(small)) = (
            &self.reference,
            self.sizes.iter().min_by_key(|s| s.packages),
        ) {
            if let Some(d) = small.timing("doctor --offline") {
                let _ = writeln!(
                    out,
                    "sp-repo-review on {} packages: {} median ({} CPU), {}; pyrel doctor --offline: {} ({} CPU) -> {:.1}x faster in wall time, {:.1}x in CPU time (target >= 25x)",
                    small.packages,
                    ms(r.median),
                    ms(r.cpu),
                    mib(r.peak_kib),
                    ms(d.median),
                    ms(d.cpu),
                    r.median.as_secs_f64() / d.median.as_secs_f64(),
                    r.cpu.as_secs_f64() / d.cpu.as_secs_f64().max(1e-6)
                );
            }
        } else {
            let _ = writeln!(
                out,
                "sp-repo-review: not run (install it with .ci/install-tools.sh)"
            );
        }
        if let Some((files, t)) = &self.scan {
            let _ = writeln!(
                out,
                "Credential scan of a repository of {files} tracked files (5 packages): {} median, {} min, {} CPU, {} (target < 100 ms: {})",
                ms(t.median),
                ms(t.min),
                ms(t.cpu),
                mib(t.peak_kib),
                if t.median < Duration::from_millis(100) { "ok" } else { "OVER" }
            );
        }
        let at = |n: usize| self.sizes.iter().find(|s| s.packages == n);
        if let (Some(a), Some(b)) = (at(1000), at(10000)) {
            let _ = writeln!(out, "10,000 / 1,000 packages (target <= 11):");
            for t in &b.timings {
                if let Some(base) = a.timing(&t.verb) {
                    let _ = writeln!(
                        out,
                        "  {:<22} wall {:.1}, CPU {:.1}",
                        t.verb,
                        t.median.as_secs_f64() / base.median.as_secs_f64(),
                        t.cpu.as_secs_f64() / base.cpu.as_secs_f64().max(1e-6)
                    );
                }
            }
        }
        if let Some(k) = at(1000) {
            let _ = writeln!(
                out,
                "1,000 packages (targets: < 100 ms each; doctor < 30 MB):"
            );
            for t in &k.timings {
                let _ = writeln!(
                    out,
                    "  {:<22} wall {} ({}), CPU {}, peak {}",
                    t.verb,
                    ms(t.median),
                    if t.median < Duration::from_millis(100) {
                        "ok"
                    } else {
                        "OVER"
                    },
                    ms(t.cpu),
                    mib(t.peak_kib)
                );
            }
        }
        out
    }
}
