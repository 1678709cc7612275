//! `pyrel check`: know before you tag. Every package the next release publishes, in
//! release order, is built as the release workflow builds it (`uv build --no-sources`,
//! SOURCE_DATE_EPOCH from HEAD), checked with the release's own twine (`twine check
//! --strict`), inspected ([`inspect`]), installed into a fresh virtual environment from
//! the built files, and run or imported by the workflow's own install check
//! (`templates/partials/verify_installed.py`).
//!
//! The build happens in a scratch checkout of HEAD with the work tree's changes laid over
//! it, after the policy's `pre-build` steps (as the build job runs them): a build backend
//! writes next to the sources (`*.egg-info`, `build/`), and the user's repository is never
//! written to.

pub(crate) mod archive;
pub(crate) mod inspect;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Serialize;

use crate::error::{Error, Result};
use crate::policy::Policy;
use crate::project::{Package, Project, VersionScheme};
use crate::workspace_fs::slash;

/// One problem with what a release would upload.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub(crate) struct Finding {
    /// A stable kebab-case id (`empty-wheel`, `twine-check`, ...).
    pub(crate) id: &'static str,
    /// The repository file to fix, relative to the root, when there is one.
    pub(crate) path: Option<String>,
    pub(crate) line: Option<usize>,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

impl Finding {
    pub(crate) fn new(id: &'static str, message: String) -> Finding {
        Finding {
            id,
            path: None,
            line: None,
            message,
            hint: None,
        }
    }

    pub(crate) fn at(mut self, path: &str, line: Option<usize>) -> Finding {
        self.path = Some(path.to_owned());
        self.line = line;
        self
    }

    pub(crate) fn hint(mut self, hint: &str) -> Finding {
        self.hint = Some(hint.to_owned());
        self
    }
}

/// What was built and found for one package.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct PackageReport {
    pub(crate) name: String,
    pub(crate) dir: String,
    /// The version of record; `null` when it comes from git tags.
    pub(crate) version: Option<String>,
    /// The built files' names.
    pub(crate) files: Vec<String>,
    /// How the install check ran it (`imports `acme`"), when it did.
    pub(crate) install: Option<String>,
    pub(crate) findings: Vec<Finding>,
}

/// What to check.
pub(crate) struct Options<'a> {
    /// Only these packages (by name); all of them when empty.
    pub(crate) packages: &'a [String],
    /// Install and import each package (needs its dependencies from the configured index).
    pub(crate) install: bool,
}

/// `uv` on PATH, or a usage error that says how to get it.
pub(crate) fn find_uv() -> Result<PathBuf> {
    let exe = if cfg!(windows) { "uv.exe" } else { "uv" };
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|d| d.join(exe))
        .find(|p| p.is_file())
        .ok_or_else(|| {
            Error::usage(
                "pyrel check needs uv, and uv is not on PATH",
                Some(
                    "install uv (https://docs.astral.sh/uv/getting-started/installation/: \
                     `curl -LsSf https://astral.sh/uv/install.sh | sh`, `pipx install uv` or \
                     `pip install uv`), then run pyrel check again",
                ),
            )
        })
}

/// The last `n` lines of a tool's output, for a finding's message.
fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

/// Text with ANSI escape sequences removed (twine colours its output even in a pipe).
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

struct Ran {
    ok: bool,
    stdout: String,
    stderr: String,
}

fn run(cmd: &mut Command) -> Result<Ran> {
    let program = cmd.get_program().to_string_lossy().into_owned();
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::io(program, e))?;
    Ok(Ran {
        ok: out.status.success(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

fn git(root: &Path, args: &[&str]) -> Option<String> {
    let out = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Copies one file of the work tree into the scratch tree (a symlink as its target's
/// bytes: the scratch tree is only read by the build).
fn copy_into(root: &Path, rel: &str, dst_root: &Path) -> Result<()> {
    let src = root.join(rel);
    if !src.is_file() {
        return Ok(());
    }
    let dst = dst_root.join(rel);
    if let Some(parent) = dst.parent() {
        std::fs::create_dir_all(parent).map_err(|e| Error::io(parent, e))?;
    }
    let _ = std::fs::remove_file(&dst);
    std::fs::copy(&src, &dst).map_err(|e| Error::io(&src, e))?;
    Ok(())
}

/// The scratch tree the build runs in: a clone of HEAD sharing the repository's objects,
/// with the work tree's modified, new (not ignored) and deleted files applied; without
/// git, the files `.gitignore` does not exclude.
fn scratch_tree(root: &Path, dst: &Path) -> Result<()> {
    let head =
        git(root, &["rev-parse", "--verify", "--quiet", "HEAD"]).map(|s| s.trim().to_owned());
    if let Some(head) = head.filter(|h| !h.is_empty()) {
        let cloned = Command::new("git")
            .args(["clone", "--quiet", "--shared", "--no-checkout"])
            .arg(root)
            .arg(dst)
            .env("GIT_TERMINAL_PROMPT", "0")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
            && git(
                dst,
                &[
                    "-c",
                    "advice.detachedHead=false",
                    "checkout",
                    "--quiet",
                    &head,
                ],
            )
            .is_some();
        if cloned {
            let changed = git(
                root,
                &[
                    "ls-files",
                    "-z",
                    "--modified",
                    "--others",
                    "--exclude-standard",
                ],
            )
            .unwrap_or_default();
            for rel in changed.split('\0').filter(|s| !s.is_empty()) {
                copy_into(root, rel, dst)?;
            }
            let deleted = git(root, &["ls-files", "-z", "--deleted"]).unwrap_or_default();
            for rel in deleted.split('\0').filter(|s| !s.is_empty()) {
                let _ = std::fs::remove_file(dst.join(rel));
            }
            return Ok(());
        }
    }
    std::fs::create_dir_all(dst).map_err(|e| Error::io(dst, e))?;
    let walk = ignore::WalkBuilder::new(root)
        .hidden(false)
        .require_git(false)
        .filter_entry(|e| e.file_name() != ".git")
        .build();
    for entry in walk.flatten() {
        if entry.file_type().is_some_and(|t| t.is_file()) {
            if let Ok(rel) = entry.path().strip_prefix(root) {
                copy_into(root, &slash(rel), dst)?;
            }
        }
    }
    Ok(())
}

/// License files of a package: those next to its manifest, else those at the root.
fn license_files(root: &Path, p: &Package) -> Vec<(String, String)> {
    let is_license = |n: &str| {
        let up = n.to_ascii_uppercase();
        ["LICENSE", "LICENCE", "COPYING", "NOTICE"]
            .iter()
            .any(|w| up.starts_with(w))
    };
    let list = |dir: &Path| -> Vec<(String, String)> {
        let Ok(rd) = std::fs::read_dir(root.join(dir)) else {
            return Vec::new();
        };
        let mut out: Vec<(String, String)> = rd
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .filter_map(|e| e.file_name().to_str().map(str::to_owned))
            .filter(|n| is_license(n))
            .map(|n| (n.clone(), slash(&dir.join(&n))))
            .collect();
        out.sort();
        out
    };
    let here = list(&p.dir);
    if here.is_empty() && !p.dir.as_os_str().is_empty() {
        list(Path::new(""))
    } else {
        here
    }
}

/// The import packages a package's wheel must ship: the one discovery read from the build
/// configuration, and the package directory named after the project when the repository
/// has one (`src/acme_widgets/__init__.py` for `acme-widgets`).
fn expected_imports(root: &Path, p: &Package) -> Vec<String> {
    let mut out: Vec<String> = p.import_name.iter().cloned().collect();
    let own = p.normalized.replace('-', "_");
    let dir = root.join(&p.dir);
    let exists = ["src", ""]
        .iter()
        .any(|base| dir.join(base).join(&own).join("__init__.py").is_file());
    if exists && !out.contains(&own) {
        out.push(own);
    }
    out
}

/// The line of the manifest that sets the long description (`readme`, `long_description`),
/// where twine's findings point.
fn description_line(root: &Path, manifest: &Path) -> Option<usize> {
    let text = std::fs::read_to_string(root.join(manifest)).ok()?;
    let keys = [
        "long_description",
        "readme",
        "description-file",
        "long-description",
    ];
    // The last one: in setup.py the keyword of the `setup()` call, after any read.
    let lines: Vec<&str> = text.lines().collect();
    lines
        .iter()
        .rposition(|l| {
            let t = l.trim_start();
            keys.iter().any(|k| t.starts_with(k))
        })
        .map(|i| i + 1)
        .or_else(|| {
            text.lines()
                .position(|l| l.trim() == "[project]")
                .map(|i| i + 1)
        })
}

/// `twine check --strict` on the built files, with the twine the release installs,
/// through uv: one finding per distinct message.
fn twine_check(
    uv: &Path,
    files: &[PathBuf],
    at: (&str, Option<usize>),
    env: &[(String, String)],
) -> Result<Vec<Finding>> {
    let twine = crate::render::release_tool_version("twine")
        .map_or_else(|| "twine".to_owned(), |v| format!("twine=={v}"));
    let mut cmd = Command::new(uv);
    cmd.args([
        "tool", "run", "--from", &twine, "twine", "check", "--strict",
    ])
    .args(files)
    .env("NO_COLOR", "1")
    .envs(env.iter().map(|(k, v)| (k, v)));
    let ran = run(&mut cmd)?;
    if ran.ok {
        return Ok(Vec::new());
    }
    let text = strip_ansi(&format!("{}\n{}", ran.stdout, ran.stderr));
    let mut messages: Vec<String> = Vec::new();
    for line in text.lines() {
        let t = line.trim();
        for level in ["ERROR", "WARNING"] {
            if let Some(rest) = t.strip_prefix(level) {
                let m = format!("{} {}", level.to_lowercase(), rest.trim());
                if !messages.contains(&m) {
                    messages.push(m);
                }
            }
        }
    }
    let hint = "set the long description and its content type: in pyproject.toml \
                `readme = \"README.md\"` with a README that is not empty; in setup.py \
                `long_description_content_type=\"text/markdown\"` next to `long_description`";
    if messages.is_empty() {
        return Ok(vec![Finding::new(
            "twine-check",
            format!("twine check --strict failed:\n{}", tail(&text, 12)),
        )
        .at(at.0, at.1)
        .hint(hint)]);
    }
    // One finding: the same messages come from every file of the package.
    Ok(vec![Finding::new(
        "twine-check",
        format!("twine check --strict: {}", messages.join("; ")),
    )
    .at(at.0, at.1)
    .hint(hint)])
}

/// Runs the check. `progress` is told each step ("building acme-widgets (1/3)").
pub(crate) fn check(
    project: &Project,
    policy: &Policy,
    opts: &Options<'_>,
    progress: &dyn Fn(&str),
) -> Result<Vec<PackageReport>> {
    let uv = find_uv()?;
    let chosen: Vec<&Package> = if opts.packages.is_empty() {
        project.packages.iter().collect()
    } else {
        let wanted = opts
            .packages
            .iter()
            .map(|n| project.package_named(n).map(|p| p.normalized.clone()))
            .collect::<Result<Vec<_>>>()?;
        // In release order, whatever the order asked.
        project
            .packages
            .iter()
            .filter(|p| wanted.contains(&p.normalized))
            .collect()
    };
    if chosen.is_empty() {
        return Err(Error::usage(
            "no package to check: the repository releases none",
            None,
        ));
    }
    let root = &project.root;
    let scratch = tempfile::Builder::new()
        .prefix("pyrel-check-")
        .tempdir()
        .map_err(|e| Error::io(std::env::temp_dir(), e))?;
    let src = scratch.path().join("src");
    progress("copying the work tree");
    scratch_tree(root, &src)?;
    // The policy's pre-build steps, as the build job runs them before building.
    for (i, step) in policy.pre_build.iter().enumerate() {
        progress(&format!("pre-build step {i}"));
        let ran = run(Command::new("bash")
            .args(["-euo", "pipefail", "-c", step])
            .current_dir(&src))?;
        if !ran.ok {
            return Err(Error::usage(
                format!(
                    "pre-build step {i} of the policy failed in a scratch copy of the work tree:\n{}",
                    tail(&format!("{}\n{}", ran.stdout, ran.stderr), 10)
                ),
                Some("the release's build job runs the same step first: fix it, or the policy's `pre-build`"),
            ));
        }
    }
    let mut env: Vec<(String, String)> = Vec::new();
    if let Some(epoch) = git(root, &["log", "-1", "--format=%ct"]) {
        if !epoch.trim().is_empty() {
            env.push(("SOURCE_DATE_EPOCH".into(), epoch.trim().to_owned()));
        }
    }

    let mut reports = Vec::new();
    let mut dists: Vec<PathBuf> = Vec::new();
    let total = chosen.len();
    for (i, p) in chosen.iter().enumerate() {
        let dir = slash(&p.dir);
        let manifest = slash(&p.manifest);
        let version = match p.scheme {
            VersionScheme::Vcs { .. } => None,
            _ => crate::bump::version_of_record(root, policy, p)
                .ok()
                .map(|v| v.to_string()),
        };
        let mut report = PackageReport {
            name: p.name.clone(),
            dir: if dir.is_empty() {
                ".".into()
            } else {
                dir.clone()
            },
            version: version.clone(),
            files: Vec::new(),
            install: None,
            findings: Vec::new(),
        };
        progress(&format!("building {} ({}/{total})", p.name, i + 1));
        let out = scratch.path().join("dist").join(&p.normalized);
        let target = if dir.is_empty() {
            ".".to_owned()
        } else {
            format!("./{dir}")
        };
        let built = run(Command::new(&uv)
            .args(["build", "--no-sources", "--out-dir"])
            .arg(&out)
            .arg(&target)
            .current_dir(&src)
            .envs(env.iter().map(|(k, v)| (k, v))))?;
        if !built.ok {
            let stderr = strip_ansi(&built.stderr);
            // uv builds the wheel from the sdist and compares their versions: a file the
            // version is read from that the sdist lacks shows up here.
            let finding = match stderr
                .lines()
                .find(|l| l.contains("but the wheel declares version"))
            {
                Some(line) => Finding::new(
                    "version-mismatch",
                    format!("sdist and wheel disagree: {}", line.trim().trim_start_matches("cause: ")),
                )
                .at(&manifest, None)
                .hint(
                    "the wheel is built from the sdist: the sdist must carry every file the \
                     version is read from (MANIFEST.in, the backend's include settings)",
                ),
                None => Finding::new(
                    "build-failed",
                    format!("uv build --no-sources failed:\n{}", tail(&stderr, 15)),
                )
                .at(&manifest, None)
                .hint("run `uv build --no-sources` in the package's directory to see the whole output"),
            };
            report.findings.push(finding);
            reports.push(report);
            continue;
        }
        let mut files: Vec<PathBuf> = std::fs::read_dir(&out)
            .map_err(|e| Error::io(&out, e))?
            .flatten()
            .map(|e| e.path())
            .filter(|f| {
                let n = f.to_string_lossy();
                n.ends_with(".whl") || n.ends_with(".tar.gz") || n.ends_with(".zip")
            })
            .collect();
        files.sort();
        report.files = files
            .iter()
            .filter_map(|f| f.file_name().map(|n| n.to_string_lossy().into_owned()))
            .collect();

        progress(&format!("twine check {} ({}/{total})", p.name, i + 1));
        let at_line = description_line(root, &p.manifest);
        report
            .findings
            .extend(twine_check(&uv, &files, (&manifest, at_line), &env)?);

        let version_at = p
            .version_sources
            .first()
            .filter(|_| version.is_some())
            .map(|s| (slash(&s.path), s.line));
        let expect = inspect::Expect {
            normalized: p.normalized.clone(),
            version: version.clone(),
            version_at,
            manifest: manifest.clone(),
            imports: expected_imports(root, p),
            compiled: p.wheels.is_some(),
            licenses: license_files(root, p),
        };
        let mut opened = Vec::new();
        for f in &files {
            let file_name = f
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            match archive::Archive::open(f) {
                Ok(archive) => opened.push(inspect::Built { file_name, archive }),
                Err(e) => report
                    .findings
                    .push(Finding::new("unreadable", format!("{file_name}: {e}"))),
            }
        }
        report.findings.extend(inspect::inspect(&expect, &opened));
        dists.push(out);
        reports.push(report);
    }

    if opts.install {
        install(&uv, scratch.path(), &dists, &mut reports, progress)?;
    }
    Ok(reports)
}

/// Installs each built package into one fresh virtual environment (the built files alone
/// for the package itself, its dependencies from the configured index), then runs the
/// workflow's install check on it.
fn install(
    uv: &Path,
    scratch: &Path,
    dists: &[PathBuf],
    reports: &mut [PackageReport],
    progress: &dyn Fn(&str),
) -> Result<()> {
    let venv = scratch.join("venv");
    progress("creating a virtual environment");
    let made = run(Command::new(uv).args(["venv", "--quiet"]).arg(&venv))?;
    if !made.ok {
        let message = format!(
            "uv venv failed, nothing was installed:\n{}",
            tail(&made.stderr, 8)
        );
        if let Some(r) = reports.first_mut() {
            r.findings.push(Finding::new("install-failed", message));
        }
        return Ok(());
    }
    let python = if cfg!(windows) {
        venv.join("Scripts").join("python.exe")
    } else {
        venv.join("bin").join("python")
    };
    // The built files, and the user's own UV_FIND_LINKS (a `--find-links` on the command
    // line replaces the variable's list, it does not add to it).
    let user_links: Vec<std::ffi::OsString> = std::env::var("UV_FIND_LINKS")
        .unwrap_or_default()
        .split([' ', ','])
        .filter(|l| !l.is_empty())
        .map(std::ffi::OsString::from)
        .collect();
    let links: Vec<std::ffi::OsString> = dists
        .iter()
        .map(|d| d.clone().into_os_string())
        .chain(user_links)
        .flat_map(|d| [std::ffi::OsString::from("--find-links"), d])
        .collect();
    let script = format!(
        "{}\nimport json\nfor name in json.loads(os.environ[\"PACKAGES\"]):\n    print(verify(name))\n",
        crate::render::partial_text("verify_installed")?
    );
    let total = reports.len();
    for (i, r) in reports.iter_mut().enumerate() {
        if r.files.is_empty() {
            continue;
        }
        progress(&format!("installing {} ({}/{total})", r.name, i + 1));
        let req = match &r.version {
            Some(v) => format!("{}=={v}", r.name),
            None => r.name.clone(),
        };
        // The package from the built files only, then its dependencies from the index.
        let steps: [&[&str]; 2] = [&["--no-deps", "--no-index"], &[]];
        let mut failed = None;
        for extra in steps {
            let ran = run(Command::new(uv)
                .args(["pip", "install", "--quiet", "--python"])
                .arg(&python)
                .args(extra)
                .args(&links)
                .arg(&req))?;
            if !ran.ok {
                failed = Some(tail(&strip_ansi(&ran.stderr), 10));
                break;
            }
        }
        if let Some(why) = failed {
            r.findings.push(
                Finding::new(
                    "install-failed",
                    format!("`uv pip install {req}` failed:\n{why}"),
                )
                .hint("the release's install check would fail the same way"),
            );
            continue;
        }
        progress(&format!("running {} ({}/{total})", r.name, i + 1));
        let ran = run(Command::new(&python)
            .args(["-c", &script])
            .env("PACKAGES", serde_json::json!([r.name]).to_string()))?;
        if ran.ok {
            r.install = ran.stdout.lines().last().map(str::to_owned);
        } else {
            r.findings.push(
                Finding::new(
                    "import-failed",
                    format!(
                        "installed, but it does not run or import:\n{}",
                        tail(&strip_ansi(&ran.stderr), 10)
                    ),
                )
                .hint("the release's install check runs the package's command or imports its modules the same way"),
            );
        }
    }
    Ok(())
}

/// `pyrel release`'s preflight step: `pyrel check` on the packages the release publishes.
/// `Err` holds what stopped it and one line per finding.
pub(crate) fn preflight(
    project: &Project,
    policy: &Policy,
    packages: &[String],
) -> std::result::Result<String, (String, Vec<String>)> {
    let progress = std::cell::RefCell::new(None);
    let step = |s: &str| {
        progress.replace(None);
        progress.replace(Some(crate::term::Progress::start(&format!(
            "preflight: package check: {s}"
        ))));
    };
    let reports = check(
        project,
        policy,
        &Options {
            packages,
            install: true,
        },
        &step,
    );
    progress.replace(None);
    let reports = reports.map_err(|e| {
        let mut details = Vec::new();
        if let Some(h) = e.hint() {
            details.push(h);
        }
        (format!("pyrel check could not run: {e}"), details)
    })?;
    let details: Vec<String> = reports
        .iter()
        .flat_map(|r| {
            r.findings.iter().map(move |f| {
                let at = match (&f.path, f.line) {
                    (Some(p), Some(l)) => format!("{p}:{l}: "),
                    (Some(p), None) => format!("{p}: "),
                    _ => String::new(),
                };
                // The first line, and the tool's last one when it says more.
                let mut lines = f.message.lines().filter(|l| !l.trim().is_empty());
                let first = lines.next().unwrap_or("");
                let last = lines
                    .next_back()
                    .map(|l| format!(" … {}", l.trim()))
                    .unwrap_or_default();
                format!("{}: {at}{first}{last} [{}]", r.name, f.id)
            })
        })
        .collect();
    if details.is_empty() {
        let files: usize = reports.iter().map(|r| r.files.len()).sum();
        Ok(format!(
            "{} package(s) built, {files} file(s) checked, installed and imported",
            reports.len()
        ))
    } else {
        Err((
            format!(
                "pyrel check found {} problem(s) in what this release would upload",
                details.len()
            ),
            details,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_is_stripped() {
        assert_eq!(
            strip_ansi("\u{1b}[33mWARNING \u{1b}[0m `x` missing."),
            "WARNING  `x` missing."
        );
    }
}
