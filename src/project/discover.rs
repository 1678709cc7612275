//! Finding the root, the packages and their version sources and sibling dependencies.
//!
//! Where packages are looked for, the way build tools are pointed at them:
//! - a uv workspace (`[tool.uv.workspace]` in the root `pyproject.toml`): the root and
//!   every directory matching `members` and not `exclude`, exactly as uv resolves them;
//! - otherwise: the root plus a walk of the whole tree that respects `.gitignore` and
//!   skips hidden directories, virtual environments (any directory with `pyvenv.cfg`),
//!   git submodules, `node_modules`, build output, vendored code, project templates and
//!   test/docs/example/benchmark material (a `setup.py` there is a fixture, not a
//!   release). A uv workspace found below the root (`python/pyproject.toml`) contributes
//!   exactly its members.
//!
//! A directory is a project when its `pyproject.toml` has a `[project]` or
//! `[tool.poetry]` name, or its `setup.py` / `setup.cfg` declare a name. A project is
//! released unless it is virtual for uv (`[tool.uv] package = false`, or no
//! `[build-system]` inside a uv workspace; a standalone project without one is built by
//! the PEP 517 fallback), marked `Private :: Do Not Upload`, or excluded by the policy's
//! `packages` globs. What cannot be read in one package is a [`Problem`] of that package;
//! the rest of the repository still works.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use globset::{GlobSet, GlobSetBuilder};

use super::pyfile::{self, Literal};
use super::pyproject::{self, DepLit, PyVersion, Workspace};
use super::{
    git, is_valid_dist_name, normalize_name, setup_cfg, setup_py, Layout, Package, Problem,
    Project, SiblingDep, SkipReason, Skipped, SourceKind, VcsTool, VersionScheme, VersionSource,
    WheelTool,
};
use crate::error::{Error, Result};
use crate::workspace_fs::read_text_opt;

/// Files whose presence marks a Python project directory.
const MARKERS: [&str; 4] = ["pyproject.toml", "setup.py", "setup.cfg", "pyrel.toml"];

/// Directory names never searched for packages.
const SKIP_DIRS: &[&str] = &[
    "node_modules",
    "venv",
    "env",
    "virtualenv",
    "build",
    "dist",
    "site-packages",
    "__pycache__",
    "tests",
    "test",
    "testing",
    "docs",
    "doc",
    "examples",
    "example",
    "fixtures",
    "testdata",
    "test_data",
    "target",
    "_vendor",
    "vendor",
    "vendored",
    "third_party",
    "thirdparty",
    "templates",
    "template",
    "benchmarks",
    "benchmark",
    "bench",
    "subprojects",
    "asv_bench",
    "demo",
    "demos",
    "sample",
    "samples",
    "tutorial",
    "tutorials",
    "notebooks",
    "playground",
    "e2e",
    "integration_tests",
    "integration-tests",
    // Sample projects a tool's own tests build (`scripts/packages/*`), a Rust crate's
    // test data (`crates/*/resources`), other projects checked out to try a tool on.
    "scripts",
    "resources",
    "ecosystem",
];

/// Modules that hold a `__version__` users import.
const DUNDER_FILES: [&str; 3] = ["__init__.py", "__about__.py", "_version.py"];

/// Finds the project enclosing `start`: the git top level when there is one (falling
/// back to the outermost directory with Python metadata below it when the top level
/// holds no Python project), else the outermost ancestor with Python metadata.
pub fn discover(start: &Path) -> Result<Project> {
    locate(start)?.scan()
}

/// Where a project is, found from the directory pyrel runs in before any package is read:
/// what a check that needs only the root (the credential scan) can start from while
/// discovery reads the packages.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    /// The project's root directory (canonical).
    pub(crate) root: PathBuf,
    /// The git top level, or the root outside git.
    top: PathBuf,
    /// Called at an unmarked git top level: a project only if packages are found below.
    need_packages: bool,
    start: PathBuf,
}

impl Located {
    /// Reads the packages below the root.
    pub(crate) fn scan(&self) -> Result<Project> {
        let project = scan(&self.root, &self.top)?;
        if self.need_packages && project.packages.is_empty() {
            return Err(Error::NotPythonProject {
                dir: self.start.clone(),
            });
        }
        Ok(project)
    }
}

/// The root [`discover`] would scan from `start`, without reading any package.
pub(crate) fn locate(start: &Path) -> Result<Located> {
    let start = start.canonicalize().map_err(|e| Error::io(start, e))?;
    let marked = |d: &Path| MARKERS.iter().any(|m| d.join(m).is_file());
    let toplevel = git::toplevel(&start);
    let outermost_marked = |stop: Option<&Path>| -> Option<PathBuf> {
        let mut found = None;
        for d in start.ancestors() {
            if marked(d) {
                found = Some(d.to_path_buf());
            }
            if Some(d) == stop {
                break;
            }
        }
        found
    };
    let at = |root: PathBuf, top: &Path, need_packages: bool| Located {
        root,
        top: top.to_path_buf(),
        need_packages,
        start: start.clone(),
    };
    if let Some(top) = &toplevel {
        // A project inside a directory the top level's scan never searches (`examples/`,
        // `tests/`, `fixtures/` …) is a project of its own, even when the top level is a
        // Python project too: `pyrel -C examples/demo` in a repo that ships a wheel.
        if let Some(skipped) = skipped_ancestor(&start, top) {
            if let Some(root) = outermost_marked(Some(&skipped)) {
                return Ok(at(root, top, false));
            }
        }
        if marked(top) {
            return Ok(at(top.clone(), top, false));
        }
        // Called inside a Python project that lives in a subdirectory of the repository
        // (e.g. `examples/demo`): that project is the root.
        if let Some(root) = outermost_marked(Some(top)) {
            return Ok(at(root, top, false));
        }
        // Called at an unmarked top level: packages in subdirectories (setup.py layouts).
        return Ok(at(top.clone(), top, true));
    }
    match outermost_marked(None) {
        Some(root) => Ok(at(root.clone(), &root, false)),
        None => Err(Error::NotPythonProject { dir: start }),
    }
}

/// The outermost directory strictly between `top` and `start` (or `start` itself) whose
/// name is one discovery never searches ([`skipped_dir_name`]).
fn skipped_ancestor(start: &Path, top: &Path) -> Option<PathBuf> {
    let rel = start.strip_prefix(top).ok()?;
    let mut dir = top.to_path_buf();
    for c in rel.components() {
        dir.push(c);
        if let Component::Normal(name) = c {
            if name.to_str().is_some_and(skipped_dir_name) {
                return Some(dir);
            }
        }
    }
    None
}

/// A package as read from its manifests, before siblings are matched.
struct Draft {
    name: String,
    name_path: PathBuf,
    name_line: usize,
    dir: PathBuf,
    manifest: PathBuf,
    scheme: VersionScheme,
    sources: Vec<VersionSource>,
    deps: Vec<(PathBuf, DepLit)>,
    import_name: Option<String>,
    wheels: Option<(WheelTool, &'static str)>,
    /// Normalized names of computed requirements (`f"core{pin}"`): order only.
    computed_requires: Vec<String>,
    /// A uv workspace root or member.
    in_workspace: bool,
}

fn scan(root: &Path, git_root: &Path) -> Result<Project> {
    let root_pyproject = pyproject::load(&root.join("pyproject.toml"))?;
    let workflows = workflows(root)?;
    let publishing = super::evidence::Publishing::read(root, &workflows);
    let filter = PackageFilter::load(root, root_pyproject.as_ref())?;
    let workspace = root_pyproject
        .as_ref()
        .and_then(pyproject::Pyproject::workspace);
    // Directories found not to be symlinks (each workspace member is checked once).
    let mut known = HashSet::new();
    // (directory, whether it belongs to a uv workspace), root first.
    let mut dirs: Vec<(PathBuf, bool)> = vec![(PathBuf::new(), workspace.is_some())];
    // Projects a workspace's `exclude` took out: read, and released only when the
    // policy's `packages.include` names them (uv excludes a package that needs its own
    // environment, and also a directory that is no real package).
    let mut ws_excluded: BTreeSet<PathBuf> = BTreeSet::new();
    // Projects outside the root's uv workspace found through a publishing workflow.
    let mut outside_ws: Vec<PathBuf> = Vec::new();
    let layout = if let Some(ws) = &workspace {
        let (members, excluded) = workspace_members(root, Path::new(""), ws, &mut known)?;
        dirs.extend(
            members
                .into_iter()
                .filter(|d| !d.as_os_str().is_empty())
                .map(|d| (d, true)),
        );
        for d in excluded {
            dirs.push((d.clone(), false));
            ws_excluded.insert(d);
        }
        // A project outside the workspace that a publishing workflow builds (a plugin
        // with its own publish job), or that the policy's `packages.include` names by
        // its path, is the repository's too.
        for d in publishing.named_dirs(root) {
            if !dirs.iter().any(|(x, _)| *x == d) {
                outside_ws.push(d.clone());
                dirs.push((d, false));
            }
        }
        for d in filter.literal_includes(root) {
            if !dirs.iter().any(|(x, _)| *x == d) {
                dirs.push((d, false));
            }
        }
        Layout::UvWorkspace
    } else {
        let walked = project_dirs(root)?;
        // A uv workspace below the root (`python/pyproject.toml`): its members exactly as
        // uv resolves them, and nothing else under it.
        let mut ws_roots: Vec<(PathBuf, BTreeSet<PathBuf>)> = Vec::new();
        for rel in &walked {
            if let Ok(Some(pp)) = pyproject::load(&root.join(rel).join("pyproject.toml")) {
                if let Some(ws) = pp.workspace() {
                    let (members, excluded) = workspace_members(root, rel, &ws, &mut known)?;
                    let mut members: BTreeSet<PathBuf> = members.into_iter().collect();
                    members.insert(rel.clone());
                    ws_excluded.extend(excluded);
                    ws_roots.push((rel.clone(), members));
                }
            }
        }
        let mut seen = BTreeSet::new();
        for rel in walked {
            let owner = ws_roots
                .iter()
                .filter(|(w, _)| rel.starts_with(w))
                .max_by_key(|(w, _)| w.components().count());
            match owner {
                Some(_) if ws_excluded.contains(&rel) => dirs.push((rel.clone(), false)),
                Some((_, members)) if !members.contains(&rel) => continue,
                Some(_) => dirs.push((rel.clone(), true)),
                None => dirs.push((rel.clone(), false)),
            }
            seen.insert(rel);
        }
        for (_, members) in &ws_roots {
            for m in members {
                if seen.insert(m.clone()) {
                    dirs.push((m.clone(), true));
                }
            }
        }
        if ws_roots.is_empty() {
            Layout::Multi
        } else {
            Layout::UvWorkspace
        }
    };
    let Found {
        drafts,
        mut skipped,
        mut problems,
        mut by_workflow,
        ignored_requires,
    } = read_dirs(
        root,
        &dirs,
        root_pyproject.as_ref(),
        known,
        &publishing,
        &filter,
    )?;
    let (drafts, left_out): (Vec<Draft>, Vec<Draft>) = drafts.into_iter().partition(|d| {
        if ws_excluded.contains(&d.dir) {
            filter.names(&d.dir)
        } else {
            filter.allows(&d.dir)
        }
    });
    skipped.extend(left_out.into_iter().map(|d| Skipped {
        reason: if ws_excluded.contains(&d.dir) {
            SkipReason::WorkspaceExcluded
        } else {
            SkipReason::Excluded
        },
        name: d.name,
        dir: d.dir,
        manifest: d.manifest,
    }));
    let drafts = settle_duplicates(
        root,
        drafts,
        &publishing,
        &mut skipped,
        &mut problems,
        &mut by_workflow,
    );
    let drafts = leave_out_material(drafts, &publishing, &filter, &mut skipped);
    by_workflow.extend(
        outside_ws
            .into_iter()
            .filter(|d| drafts.iter().any(|x| x.dir == *d) && !filter.names(d)),
    );
    by_workflow.sort();
    by_workflow.dedup();
    skipped.sort_by(|a, b| a.dir.cmp(&b.dir));
    problems.sort_by(|a, b| (&a.path, a.line).cmp(&(&b.path, b.line)));
    let layout = match (layout, drafts.as_slice()) {
        (Layout::UvWorkspace, _) => Layout::UvWorkspace,
        (_, [one]) if one.dir.as_os_str().is_empty() => Layout::Single,
        (_, []) => Layout::Single,
        _ => Layout::Multi,
    };
    let packages = order(link(drafts)?)?;
    // Only for packages that are released.
    let ignored_requires: Vec<Problem> = ignored_requires
        .into_iter()
        .filter(|i| {
            packages
                .iter()
                .any(|p| Some(p.name.as_str()) == i.package.as_deref())
        })
        .collect();
    let remote = git::origin_url(git_root).and_then(|u| git::parse_remote(&u));
    Ok(Project {
        root: root.to_path_buf(),
        layout,
        packages,
        root_pyproject: root_pyproject.map(|_| PathBuf::from("pyproject.toml")),
        pyrel_toml: root
            .join("pyrel.toml")
            .is_file()
            .then(|| PathBuf::from("pyrel.toml")),
        remote,
        workflows,
        skipped,
        problems,
        by_workflow,
        ignored_requires,
        changelogs: super::changelogs::existing(root),
        towncrier: super::changelogs::towncrier(root),
    })
}

/// What reading the candidate directories produced.
#[derive(Default)]
struct Found {
    drafts: Vec<Draft>,
    skipped: Vec<Skipped>,
    problems: Vec<Problem>,
    /// Directories released only because a publishing workflow builds them.
    by_workflow: Vec<PathBuf>,
    /// setup.py requirements setuptools overrides with a static `[project]`.
    ignored_requires: Vec<Problem>,
}

/// Reads every candidate directory ([`read_package_dir`]), in order; the first error in
/// that order wins. Thousands of directories are read on every core, in contiguous
/// slices whose results are joined in order: the same answer as one loop.
fn read_dirs(
    root: &Path,
    dirs: &[(PathBuf, bool)],
    root_pyproject: Option<&pyproject::Pyproject>,
    known: HashSet<PathBuf>,
    publishing: &super::evidence::Publishing,
    filter: &PackageFilter,
) -> Result<Found> {
    let read = |slice: &[(PathBuf, bool)], mut known: HashSet<PathBuf>| -> Result<Found> {
        let mut found = Found::default();
        for (rel, in_ws) in slice {
            let preloaded = if rel.as_os_str().is_empty() {
                root_pyproject
            } else {
                None
            };
            read_package_dir(
                root,
                rel,
                preloaded,
                *in_ws,
                (publishing, filter),
                &mut found,
                &mut known,
            )?;
        }
        Ok(found)
    };
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    // Below this a thread costs more than it saves.
    const PER_THREAD: usize = 64;
    if threads < 2 || dirs.len() < 2 * PER_THREAD {
        return read(dirs, known);
    }
    let size = dirs.len().div_ceil(threads.min(dirs.len() / PER_THREAD));
    let parts: Vec<Result<Found>> = std::thread::scope(|s| {
        let mut slices = dirs.chunks(size);
        let first = slices.next().unwrap_or_default();
        // A slice whose thread cannot be started is read here, in its place in the order.
        let handles: Vec<_> = slices
            .map(|slice| {
                let theirs = known.clone();
                let thread =
                    std::thread::Builder::new().spawn_scoped(s, move || read(slice, theirs));
                (slice, thread.ok())
            })
            .collect();
        let mut parts = vec![read(first, known.clone())];
        for (slice, thread) in handles {
            parts.push(match thread {
                // A panic in discovery is a bug: fail as loudly as it would have inline.
                Some(t) => t.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                None => read(slice, known.clone()),
            });
        }
        parts
    });
    let mut all = Found::default();
    for part in parts {
        let part = part?;
        all.drafts.extend(part.drafts);
        all.skipped.extend(part.skipped);
        all.problems.extend(part.problems);
        all.by_workflow.extend(part.by_workflow);
        all.ignored_requires.extend(part.ignored_requires);
    }
    Ok(all)
}

/// The policy's `packages = { include = [...], exclude = [...] }`: globs over package
/// directories (relative to the root, `/`-separated; `""` or `.` is the root).
#[derive(Debug, Default)]
pub(crate) struct PackageFilter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    /// The `include` entries without a wildcard: directories named outright.
    literal: Vec<String>,
}

impl PackageFilter {
    /// Reads the key from `pyrel.toml`, else `[tool.pyrel]` of the root pyproject.
    fn load(root: &Path, root_pp: Option<&pyproject::Pyproject>) -> Result<Self> {
        // The policy is `[tool.pyrel]` when the root pyproject has one, else pyrel.toml.
        let (path, lists) = match root_pp.filter(|p| p.has_pyrel_table()) {
            Some(pp) => match pp.pyrel_packages()? {
                Some(lists) => (pp.path.clone(), lists),
                None => return Ok(Self::default()),
            },
            None => match pyproject::load_pyrel_toml_packages(root)? {
                Some(x) => x,
                None => return Ok(Self::default()),
            },
        };
        let build = |pats: &Option<(Vec<String>, usize)>| -> Result<Option<GlobSet>> {
            let Some((pats, line)) = pats else {
                return Ok(None);
            };
            let mut b = GlobSetBuilder::new();
            for p in pats {
                let clean = p.trim_start_matches("./").trim_end_matches('/');
                let clean = if clean.is_empty() { "." } else { clean };
                let g = globset::GlobBuilder::new(clean)
                    .literal_separator(true)
                    .build()
                    .map_err(|e| Error::Parse {
                        path: path.clone(),
                        line: Some(*line),
                        column: None,
                        message: format!("invalid `packages` glob `{p}`: {e}"),
                        hint: Some("use globs over package directories, e.g. `libs/*`".into()),
                    })?;
                b.add(g);
            }
            b.build().map(Some).map_err(|e| Error::Parse {
                path: path.clone(),
                line: Some(*line),
                column: None,
                message: format!("invalid `packages` globs: {e}"),
                hint: None,
            })
        };
        let literal = lists
            .0
            .as_ref()
            .map(|(pats, _)| {
                pats.iter()
                    .map(|p| p.trim_start_matches("./").trim_end_matches('/').to_string())
                    .filter(|p| !p.contains(['*', '?', '[', '{']))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Self {
            include: build(&lists.0)?,
            exclude: build(&lists.1)?,
            literal,
        })
    }

    /// Whether `include` names `dir` (and `exclude` does not): what a project outside
    /// the usual places needs to be released.
    fn names(&self, dir: &Path) -> bool {
        self.include.is_some() && self.allows(dir)
    }

    /// Project directories the `include` globs name literally (no wildcard), when they
    /// hold a `pyproject.toml` or `setup.py`.
    fn literal_includes(&self, root: &Path) -> Vec<PathBuf> {
        self.literal
            .iter()
            .map(PathBuf::from)
            .filter(|d| {
                !d.as_os_str().is_empty()
                    && is_inside(d)
                    && (root.join(d).join("pyproject.toml").is_file()
                        || root.join(d).join("setup.py").is_file())
                    && crate::grammar::package_dir(&crate::workspace_fs::slash(d)).is_ok()
            })
            .collect()
    }

    fn allows(&self, dir: &Path) -> bool {
        let s = crate::workspace_fs::slash(dir);
        let s = if s.is_empty() { ".".to_string() } else { s };
        self.include.as_ref().is_none_or(|g| g.is_match(&s))
            && !self.exclude.as_ref().is_some_and(|g| g.is_match(&s))
    }
}

/// Every directory below `root` (not the root itself) holding Python project metadata,
/// found by a walk that respects `.gitignore` and skips hidden directories, virtual
/// environments, `node_modules`, build output, vendored code, project templates and
/// test/docs/example material. Sorted.
fn project_dirs(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = BTreeSet::new();
    if let Some(bad) = crate::workspace_fs::irregular_ignore_file(root) {
        return Err(crate::workspace_fs::irregular_ignore_error(root, &bad));
    }
    let irregular: std::sync::Arc<std::sync::Mutex<Option<PathBuf>>> = Default::default();
    let found_irregular = std::sync::Arc::clone(&irregular);
    let walk = ignore::WalkBuilder::new(root)
        .hidden(true)
        .parents(false)
        // The repository's own ignore rules, never the user's global ones: discovery
        // must find the same packages on every machine.
        .git_global(false)
        .require_git(false)
        .follow_links(false)
        .filter_entry(move |e| {
            if e.depth() == 0 || !e.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            let name = e.file_name().to_string_lossy();
            // A virtualenv of any name, or a git submodule (another repository).
            if skipped_dir_name(&name)
                || e.path().join("pyvenv.cfg").exists()
                || e.path().join(".git").exists()
            {
                return false;
            }
            // Asked before the walker opens the directory's ignore files.
            match crate::workspace_fs::irregular_ignore_file(e.path()) {
                Some(bad) => {
                    *found_irregular.lock().unwrap_or_else(|e| e.into_inner()) = Some(bad);
                    false
                }
                None => true,
            }
        })
        .build();
    for entry in walk {
        let entry = match entry {
            Ok(e) => e,
            Err(e) => {
                if let Some(io) = e.io_error() {
                    if io.kind() == std::io::ErrorKind::PermissionDenied {
                        continue;
                    }
                }
                continue;
            }
        };
        if entry.depth() < 2 || !entry.file_type().is_some_and(|t| t.is_file()) {
            continue;
        }
        let name = entry.file_name().to_string_lossy();
        if !matches!(name.as_ref(), "pyproject.toml" | "setup.py" | "setup.cfg") {
            continue;
        }
        if let Some(dir) = entry.path().parent() {
            if let Ok(rel) = dir.strip_prefix(root) {
                out.insert(rel.to_path_buf());
            }
        }
    }
    let bad = irregular.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(bad) = bad {
        return Err(crate::workspace_fs::irregular_ignore_error(root, &bad));
    }
    Ok(out.into_iter().collect())
}

fn skipped_dir_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    name.starts_with('.')
        || name.ends_with(".egg-info")
        || name.contains("{{")
        || name.contains("{%")
        || lower.contains("template")
        || lower.starts_with("vendored")
        || lower.starts_with("_vendor")
        // Documentation sources under another name: `docs_src`, `docs-site`, `documentation`.
        || lower.starts_with("docs_")
        || lower.starts_with("docs-")
        || lower.starts_with("documentation")
        || SKIP_DIRS.contains(&lower.as_str())
}

/// Immediate subdirectories of `dir` whose name `keep` accepts, sorted by name.
fn subdirs_where(dir: &Path, keep: impl Fn(&str) -> bool) -> Result<Vec<String>> {
    Ok(subdirs_and_links(dir, keep)?.0)
}

/// Immediate subdirectories of `dir` whose name `keep` accepts, sorted by name, and the
/// names of every symlink in `dir` (whatever they point to), from one listing.
fn subdirs_and_links(
    dir: &Path,
    keep: impl Fn(&str) -> bool,
) -> Result<(Vec<String>, Vec<std::ffi::OsString>)> {
    let mut out = Vec::new();
    let mut links = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((out, links)),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let file_type = entry.file_type().map_err(|e| Error::io(entry.path(), e))?;
        if file_type.is_symlink() {
            links.push(entry.file_name());
        }
        // Symlinked directories are not followed: they could loop or leave the repo.
        if !file_type.is_dir() {
            continue;
        }
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if !keep(&name) {
            continue;
        }
        out.push(name);
    }
    out.sort();
    Ok((out, links))
}

/// Directories matching the workspace's `members` globs and none of its `exclude`
/// globs, walking only as deep as the patterns reach; then the projects its `exclude`
/// globs took out (directories a member glob matches, with a `pyproject.toml`).
fn workspace_members(
    repo_root: &Path,
    ws_dir: &Path,
    ws: &Workspace,
    known: &mut HashSet<PathBuf>,
) -> Result<(Vec<PathBuf>, Vec<PathBuf>)> {
    let root = &repo_root.join(ws_dir);
    let clean = |p: &str| p.trim_start_matches("./").trim_end_matches('/').to_string();
    let build = |pats: &[String]| -> Result<GlobSet> {
        let mut b = GlobSetBuilder::new();
        for p in pats {
            let g = globset::GlobBuilder::new(&clean(p))
                .literal_separator(true)
                .build()
                .map_err(|e| Error::Parse {
                    path: root.join("pyproject.toml"),
                    line: Some(ws.line),
                    column: None,
                    message: format!("invalid workspace glob `{p}`: {e}"),
                    hint: None,
                })?;
            b.add(g);
        }
        b.build().map_err(|e| Error::Parse {
            path: root.join("pyproject.toml"),
            line: Some(ws.line),
            column: None,
            message: format!("invalid workspace globs: {e}"),
            hint: None,
        })
    };
    let members = build(&ws.members)?;
    let exclude = build(&ws.exclude)?;
    let mut found = BTreeSet::new();
    let mut excluded = BTreeSet::new();
    for raw in &ws.members {
        let pat = clean(raw);
        let before = found.len();
        let comps: Vec<&str> = pat.split('/').filter(|c| !c.is_empty()).collect();
        let literal = comps
            .iter()
            .take_while(|c| !c.contains(['*', '?', '[', '{']))
            .count();
        let base: PathBuf = comps[..literal].iter().collect();
        let depth = if comps[literal..].contains(&"**") {
            8
        } else {
            comps.len() - literal
        };
        let outside = raw.starts_with('/') || pat.split('/').any(|c| c == "..");
        if !outside {
            walk_dirs(root, &base, depth, &mut |rel: &Path| {
                let s = crate::workspace_fs::slash(rel);
                if members.is_match(&s) {
                    if exclude.is_match(&s) {
                        excluded.insert(rel.to_path_buf());
                    } else {
                        found.insert(rel.to_path_buf());
                    }
                }
            })?;
        }
        // A member that points outside the repository, or matches no directory, is a
        // mistake to report, not to skip silently.
        if outside || found.len() == before && !exclude.is_match(&pat) {
            return Err(Error::Parse {
                path: ws_dir.join("pyproject.toml"),
                line: Some(ws.line),
                column: None,
                message: if outside {
                    format!("workspace member `{raw}` points outside the repository")
                } else {
                    format!("workspace member `{raw}` matches no directory")
                },
                hint: Some(
                    "list member directories inside the repository, relative to the root".into(),
                ),
            });
        }
    }
    let projects = |dirs: BTreeSet<PathBuf>| -> Vec<PathBuf> {
        dirs.into_iter()
            .filter(|rel: &PathBuf| root.join(rel).join("pyproject.toml").is_file())
            .map(|rel| ws_dir.join(rel))
            .collect()
    };
    let members = projects(found);
    let excluded = projects(excluded);
    for m in &members {
        check_package_dir(
            repo_root,
            m,
            &ws_dir.join("pyproject.toml"),
            Some(ws.line),
            known,
        )?;
    }
    Ok((members, excluded))
}

fn walk_dirs(root: &Path, rel: &Path, depth: usize, f: &mut dyn FnMut(&Path)) -> Result<()> {
    if !root.join(rel).is_dir() {
        return Ok(());
    }
    walk_known_dir(root, rel, depth, f)
}

/// [`walk_dirs`] below a directory known to exist (listed by its parent as a directory):
/// one listing per directory, no `stat` per child.
fn walk_known_dir(root: &Path, rel: &Path, depth: usize, f: &mut dyn FnMut(&Path)) -> Result<()> {
    f(rel);
    if depth == 0 {
        return Ok(());
    }
    // Globs expand the way uv's do: every directory, whatever its name (a member named
    // `testing` or `examples/demo` is a member when the globs say so); only hidden
    // directories and `node_modules` are never looked into.
    let (dirs, links) = subdirs_and_links(&root.join(rel), |n| {
        !n.starts_with('.') && n != "node_modules"
    })?;
    for name in dirs {
        walk_known_dir(root, &rel.join(name), depth - 1, f)?;
    }
    // Symlinked directories are not walked into, but one that matches a member is
    // reported (and then refused by `check_package_dir`), never silently skipped.
    for name in links {
        let link = rel.join(name);
        if root.join(&link).is_dir() {
            f(&link);
        }
    }
    Ok(())
}

/// A package directory's path must match the strict path grammar (it reaches workflows
/// and the bump script) and must not pass through a symlink (pyrel writes there).
/// `listed_in` is the file that names the directory, for the error.
/// `known` holds the directories already found not to be symlinks (a package checked
/// once as a workspace member is not looked at again when it is read).
fn check_package_dir(
    root: &Path,
    rel: &Path,
    listed_in: &Path,
    line: Option<usize>,
    known: &mut HashSet<PathBuf>,
) -> Result<()> {
    let text = crate::workspace_fs::slash(rel);
    let bad = |message: String| {
        Error::Parse {
        path: listed_in.to_path_buf(),
        line,
        column: None,
        message,
        hint: Some("rename the directory to ASCII letters, digits, `.`, `_` and `-`, or leave it out of the workspace".into()),
    }
    };
    if rel.to_str() != Some(text.as_str()) && !rel.as_os_str().is_empty() {
        return Err(bad(format!(
            "package directory `{}` is not a plain relative path",
            rel.display()
        )));
    }
    crate::grammar::package_dir(&text).map_err(|m| bad(format!("package directory: {m}")))?;
    crate::workspace_fs::no_symlink_below_known(root, rel, known).map_err(|message| {
        // The name is fine; the link is the problem: renaming would not help.
        Error::Parse {
            path: listed_in.to_path_buf(),
            line,
            column: None,
            message,
            hint: Some("move the package's directory itself there instead of a symbolic link (pyrel writes into package directories and never through a link), or leave it out of the workspace".into()),
        }
    })?;
    Ok(())
}

/// A parse problem in one package becomes a [`Problem`] (file relative to the root);
/// any other error (I/O, not UTF-8) stays an error.
fn as_problem(root: &Path, package: Option<&str>, e: Error) -> Result<Problem> {
    match e {
        Error::Parse {
            path,
            line,
            message,
            hint,
            ..
        } => Ok(Problem {
            package: package.map(str::to_owned),
            path: path.strip_prefix(root).unwrap_or(&path).to_path_buf(),
            line,
            message,
            hint,
        }),
        other => Err(other),
    }
}

/// A path from a manifest that a bump later edits: it must stay inside the package.
fn inside(root: &Path, manifest: &Path, key: &str, p: &str) -> Result<()> {
    let ok = Path::new(p)
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
    if ok {
        return Ok(());
    }
    Err(Error::Parse {
        path: root.join(manifest),
        line: None,
        column: None,
        message: format!("{key} `{p}` leaves the package directory"),
        hint: Some("use a path relative to the package, without `..`".into()),
    })
}

/// Reads the project declared in `rel` (relative to `root`), if there is one, into
/// `found`: a released package, a skipped project, or a problem naming file and line.
/// `preloaded` is the already parsed `pyproject.toml` of that directory; `in_workspace`
/// says the directory is a uv workspace root or member.
fn read_package_dir(
    root: &Path,
    rel: &Path,
    preloaded: Option<&pyproject::Pyproject>,
    in_workspace: bool,
    (publishing, filter): (&super::evidence::Publishing, &PackageFilter),
    found: &mut Found,
    known: &mut HashSet<PathBuf>,
) -> Result<()> {
    let dir = root.join(rel);
    let loaded;
    let pp = match preloaded {
        Some(p) => Some(p),
        None => match pyproject::load(&dir.join("pyproject.toml")) {
            Ok(p) => {
                loaded = p;
                loaded.as_ref()
            }
            Err(e) => {
                found.problems.push(as_problem(root, None, e)?);
                return Ok(());
            }
        },
    };
    let cfg_text = read_text_opt(&dir.join("setup.cfg"))?;
    let cfg = cfg_text.as_deref().map(setup_cfg::parse);
    let setup_path = dir.join("setup.py");
    let setup_text = read_text_opt(&setup_path)?;
    let setup = match setup_text.as_deref() {
        Some(t) => match setup_py::parse(t, &setup_path) {
            Ok(s) => s,
            Err(e) => {
                found.problems.push(as_problem(root, None, e)?);
                return Ok(());
            }
        },
        None => None,
    };
    let legacy = Legacy {
        root,
        rel,
        cfg: cfg.as_ref(),
        setup: setup.as_ref(),
        pp,
    };

    let identity = pp.and_then(|p| p.identity().map(|(l, k)| (p, l, k)));
    let (name, name_path, manifest) = if let Some((pp, name, _)) = &identity {
        (name.clone(), pp.path.clone(), rel.join("pyproject.toml"))
    } else if let Some(name) = setup.as_ref().and_then(|s| s.name.clone()) {
        (name, setup_path.clone(), rel.join("setup.py"))
    } else if let Some(name) = cfg.as_ref().and_then(|c| part_lit(c, "metadata", "name")) {
        (name, dir.join("setup.cfg"), rel.join("setup.cfg"))
    } else if let Some(src) = match setup.as_ref().and_then(|s| s.name_key.clone()) {
        Some(key) => legacy.setup_read_literal(&[key.as_str()])?,
        None => None,
    } {
        let lit = Literal {
            value: src.value.clone(),
            line: src.line,
            span: src.span.clone(),
        };
        (lit, root.join(&src.path), rel.join("setup.py"))
    } else {
        if let Some(e) = setup
            .as_ref()
            .and_then(|s| s.computed_error("name", &setup_path))
        {
            found.problems.push(as_problem(root, None, e)?);
        }
        return Ok(());
    };
    if !is_valid_dist_name(&name.value) {
        let e = Error::Parse {
            path: name_path,
            line: Some(name.line),
            column: None,
            message: format!("`{}` is not a valid distribution name", name.value),
            hint: Some(
                "use ASCII letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (PEP 508)"
                    .into(),
            ),
        };
        // The root and uv workspace members are the repository's own: refused. A project
        // the walk found deeper (a project template with `name = "__package_name__"`) is
        // left out, named as a problem; its name never reaches a workflow.
        if rel.as_os_str().is_empty() || in_workspace {
            return Err(e);
        }
        found.problems.push(as_problem(root, None, e)?);
        return Ok(());
    }

    // Which projects are released at all.
    if let Some((pp, _, _)) = &identity {
        // `[tool.uv] package = false` only keeps uv from installing the project into the
        // development environment: one the repository's publishing workflow builds (a
        // maturin package the wheel job builds) is released all the same.
        let named = filter.names(rel);
        let published = pp.has_build_system()
            && if rel.as_os_str().is_empty() {
                pp.build_backend() == Some("maturin") && publishing.runs("maturin")
            } else {
                publishing.builds(rel)
            };
        let not_built = pp.uv_package() == Some(false);
        if not_built && published && !named {
            found.by_workflow.push(rel.to_path_buf());
        }
        let reason = if match pp.uv_package() {
            Some(package) => !package && !published && !named,
            None => in_workspace && !pp.has_build_system(),
        } {
            Some(SkipReason::Virtual)
        } else if pp.is_private() {
            Some(SkipReason::Private)
        } else {
            None
        };
        if let Some(reason) = reason {
            found.skipped.push(Skipped {
                name: name.value,
                dir: rel.to_path_buf(),
                manifest,
                reason,
            });
            return Ok(());
        }
    }

    let package_root = legacy.package_root();
    let mut problem: Option<Error> = None;
    let (scheme, sources, deps) = if let Some((pp, _, kind)) = &identity {
        let (scheme, sources) = match pp.version(*kind) {
            PyVersion::Literal(k, lit) => (VersionScheme::Static, vec![source(k, &manifest, lit)]),
            PyVersion::Vcs(t) => (VersionScheme::Vcs { tool: t }, vec![]),
            PyVersion::HatchPath(p) => {
                inside(root, &manifest, "[tool.hatch.version] path", &p)?;
                module_version(root, &rel.join(&p), SourceKind::HatchPath, &mut problem)
            }
            PyVersion::HatchPattern(p, pattern) => {
                inside(root, &manifest, "[tool.hatch.version] path", &p)?;
                hatch_pattern(root, &rel.join(&p), &pattern, &mut problem)?
            }
            PyVersion::HatchCode {
                path,
                expression,
                search_paths,
            } => {
                inside(root, &manifest, "[tool.hatch.version] path", &path)?;
                hatch_code(root, rel, &path, &expression, &search_paths, &mut problem)?
            }
            PyVersion::PdmPath(p) => {
                inside(root, &manifest, "[tool.pdm.version] path", &p)?;
                module_version(root, &rel.join(&p), SourceKind::PdmPath, &mut problem)
            }
            PyVersion::File(files) => match files.first() {
                Some(f) => {
                    inside(root, &manifest, "[tool.setuptools.dynamic] version file", f)?;
                    version_file(root, &rel.join(f), &mut problem)?
                }
                None => (VersionScheme::Missing, vec![]),
            },
            PyVersion::Maturin(m) => {
                let cargo = m.as_deref().unwrap_or("Cargo.toml");
                inside(root, &manifest, "[tool.maturin] manifest-path", cargo)?;
                cargo_version(root, &rel.join(cargo), &mut problem)?
            }
            PyVersion::Flit(module) => {
                let module =
                    module.unwrap_or_else(|| normalize_name(&name.value).replace('-', "_"));
                // A dotted name is a module inside a namespace package
                // (`sphinxcontrib.serializinghtml` is `sphinxcontrib/serializinghtml`);
                // only identifiers, so the path stays inside the package.
                let parts: Vec<&str> = module.split('.').collect();
                let identifiers = parts.iter().all(|p| {
                    !p.is_empty()
                        && !p.starts_with(|c: char| c.is_ascii_digit())
                        && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                });
                let path: PathBuf = parts.iter().collect();
                let target = [rel.join(&path), rel.join("src").join(&path)]
                    .into_iter()
                    .map(|d| d.join("__init__.py"))
                    .chain([
                        rel.join(&path).with_extension("py"),
                        rel.join("src").join(&path).with_extension("py"),
                    ])
                    .filter(|_| identifiers)
                    .find(|f| root.join(f).is_file());
                match target {
                    Some(f) => module_version(root, &f, SourceKind::FlitModule, &mut problem),
                    None => {
                        problem = Some(Error::Parse {
                            path: root.join(&manifest),
                            line: None,
                            column: None,
                            message: format!("flit reads the version from module `{module}`, which is not in the package"),
                            hint: Some("set [tool.flit.module] name, or a static version in [project]".into()),
                        });
                        (VersionScheme::Missing, vec![])
                    }
                }
            }
            PyVersion::Attr(spec) => {
                static_or_missing(resolve_attr(root, rel, package_root.as_deref(), &spec)?)
            }
            PyVersion::Unreadable(message, path, line) => {
                problem = Some(Error::Parse {
                    path,
                    line: Some(line),
                    column: None,
                    message,
                    hint: Some("set a static `version` in [project], or read it from a file pyrel can edit ([tool.hatch.version] path)".into()),
                });
                (VersionScheme::Missing, vec![])
            }
            // versioneer with meson-python computes the version in meson.build from
            // git tags (`run_command(['generate_version.py', '--print'])`).
            PyVersion::Dynamic if pp.build_backend() == Some("mesonpy") && pp.uses_versioneer() => {
                (
                    VersionScheme::Vcs {
                        tool: VcsTool::Versioneer,
                    },
                    vec![],
                )
            }
            PyVersion::Dynamic if pp.build_backend() == Some("mesonpy") => {
                meson_version(root, rel, &mut problem)?
            }
            PyVersion::Dynamic => legacy.version(&mut problem)?,
            PyVersion::Missing => (VersionScheme::Missing, vec![]),
        };
        let mut deps: Vec<(PathBuf, DepLit)> = pp
            .deps()
            .into_iter()
            .map(|d| (manifest.clone(), d))
            .collect();
        if pp.dynamic("dependencies") || pp.dynamic("optional-dependencies") {
            deps.extend(legacy.deps());
        } else if let (Some(s), true) = (setup.as_ref(), pp.table_exists("project")) {
            // setuptools overrides setup.py's requirements with a static `[project]`
            // ("`install_requires` overwritten in `pyproject.toml`"): the published
            // metadata lacks them. They are the maintainers' declared intent all the same:
            // they order the release and move on bump; doctor names them.
            let setuptools = pp
                .build_backend()
                .is_none_or(|b| b.starts_with("setuptools"));
            if setuptools && !s.requires_lines.is_empty() {
                let legacy_deps = legacy.deps();
                let from_setup: Vec<(PathBuf, DepLit)> = legacy_deps
                    .into_iter()
                    .filter(|(p, _)| p.file_name().is_some_and(|n| n == "setup.py"))
                    .collect();
                for (key, line) in &s.requires_lines {
                    let extras = key == "extras_require";
                    let mut kept: Vec<String> = deps
                        .iter()
                        .filter(|(_, d)| {
                            if extras {
                                d.section.starts_with("optional-dependencies.")
                            } else {
                                d.section == "dependencies"
                            }
                        })
                        .map(|(_, d)| {
                            if extras {
                                d.section["optional-dependencies.".len()..].to_string()
                            } else {
                                format!("`{}`", d.lit.value)
                            }
                        })
                        .collect();
                    kept.dedup();
                    let published = match (kept.is_empty(), extras) {
                        (true, false) => "no requirement".to_string(),
                        (true, true) => "no extra".to_string(),
                        (false, false) => format!("only {}", kept.join(", ")),
                        (false, true) => format!("only the extras {}", kept.join(", ")),
                    };
                    found.ignored_requires.push(Problem {
                        package: Some(name.value.clone()),
                        path: rel.join("setup.py"),
                        line: Some(*line),
                        message: format!(
                            "package {}: setuptools ignores setup.py's `{key}` because pyproject.toml's [project] is static; the published metadata has {published}",
                            name.value
                        ),
                        hint: Some(format!(
                            "move the requirements into [project] in {}, or list `dependencies` in [project] `dynamic`",
                            crate::workspace_fs::slash(&manifest)
                        )),
                    });
                }
                deps.extend(from_setup);
            }
        }
        deps.extend(requirement_file_deps(root, rel, &pp.requirement_files())?);
        (scheme, sources, deps)
    } else {
        let (scheme, sources) = legacy.version(&mut problem)?;
        (scheme, sources, legacy.deps())
    };
    if scheme == VersionScheme::Missing {
        if let Some(e) = problem {
            found.problems.push(as_problem(root, Some(&name.value), e)?);
        }
    }
    check_package_dir(root, rel, &name_path, Some(name.line), known)?;
    let mut sources = sources;
    let targets = import_targets(
        root,
        rel,
        &name.value,
        pp,
        setup.as_ref(),
        package_root.as_deref(),
    );
    if scheme == VersionScheme::Static {
        for (_, target) in &targets {
            add_dunder_sources(root, target, &mut sources)?;
        }
        // The `__init__.py` beside the manifest: a project directory that is itself the
        // import package (`vendors/aws/__init__.py` next to `vendors/aws/setup.py`)
        // keeps the version there too.
        if !rel.as_os_str().is_empty() {
            add_dunder_sources(root, &rel.join("__init__.py"), &mut sources)?;
        }
    }
    // Every file a bump writes reaches the bump script's data and pyrel's writes: it
    // must be a plain repository path too (a crafted hatch `path` is refused here).
    for src in &sources {
        let text = crate::workspace_fs::slash(&src.path);
        let plain = src.path.to_str().is_some()
            && src
                .path
                .components()
                .all(|c| matches!(c, Component::Normal(_) | Component::CurDir));
        if !plain {
            return Err(Error::Parse {
                path: src.path.clone(),
                line: Some(src.line),
                column: None,
                message: format!(
                    "version file `{}` is not a plain relative path",
                    src.path.display()
                ),
                hint: None,
            });
        }
        crate::grammar::repo_path(&text).map_err(|m| Error::Parse {
            path: name_path.clone(),
            line: Some(name.line),
            column: None,
            message: format!("version file: {m}"),
            hint: Some("keep version files at plain paths inside the repository".into()),
        })?;
    }
    found.drafts.push(Draft {
        name: name.value,
        name_path,
        name_line: name.line,
        dir: rel.to_path_buf(),
        manifest,
        scheme,
        sources,
        deps,
        import_name: targets.into_iter().next().map(|(n, _)| n),
        wheels: wheel_build(pp, setup_text.as_deref()),
        in_workspace,
        computed_requires: setup
            .as_ref()
            .map(|s| {
                s.computed_requires
                    .iter()
                    .map(|n| normalize_name(n))
                    .collect()
            })
            .unwrap_or_default(),
    });
    Ok(())
}

/// How a package's wheels are built when it has compiled code: what its
/// `pyproject.toml` says ([`pyproject::Pyproject::wheel_build`]), else extension modules
/// or Cython in its `setup.py`.
fn wheel_build(
    pp: Option<&pyproject::Pyproject>,
    setup_py: Option<&str>,
) -> Option<(WheelTool, &'static str)> {
    if let Some(found) = pp.and_then(pyproject::Pyproject::wheel_build) {
        return Some(found);
    }
    ["ext_modules", "Extension(", "cythonize("]
        .iter()
        .any(|needle| setup_py.is_some_and(|t| t.contains(needle)))
        .then_some((WheelTool::Cibuildwheel, "setuptools extension modules"))
}

/// The literal `__version__` (or `VERSION`) of a Python file a backend reads.
fn module_version(
    root: &Path,
    file: &Path,
    kind: SourceKind,
    problem: &mut Option<Error>,
) -> (VersionScheme, Vec<VersionSource>) {
    // hatch's regex source matches `__version__` or `version` in any case
    // (`(?i)^(__version__|VERSION) *= *...`): dbt-style `version = "1.2.3"` files.
    let names: &[&str] = if kind == SourceKind::HatchPath {
        &["__version__", "VERSION", "version", "Version"]
    } else {
        &["__version__", "VERSION"]
    };
    match literal_in(root, file, names) {
        Ok(Some(l)) => (VersionScheme::Static, vec![source(kind, file, l)]),
        Ok(None) => {
            *problem = Some(Error::Parse {
                path: root.join(file),
                line: None,
                column: None,
                message: if root.join(file).is_file() {
                    format!("{} has no literal `__version__ = \"...\"`", file.display())
                } else {
                    format!("the version file {} does not exist", file.display())
                },
                hint: Some(
                    "write the version as a string literal: `__version__ = \"1.2.3\"`".into(),
                ),
            });
            (VersionScheme::Missing, vec![])
        }
        Err(e) => {
            *problem = Some(e);
            (VersionScheme::Missing, vec![])
        }
    }
}

/// The requirement lines of the requirements files that fill a package's dynamic
/// dependencies (`gradio_client==2.6.0` in `requirements.txt`): each with its section and
/// the span a bump edits. A file outside the package, at a path that is no plain
/// repository path, or missing gives nothing.
fn requirement_file_deps(
    root: &Path,
    rel: &Path,
    files: &[(String, String)],
) -> Result<Vec<(PathBuf, DepLit)>> {
    let mut out = Vec::new();
    for (section, f) in files {
        let f = f.trim_start_matches("./");
        let file = rel.join(f);
        if !is_inside(Path::new(f))
            || crate::grammar::repo_path(&crate::workspace_fs::slash(&file)).is_err()
        {
            continue;
        }
        let Some(text) = read_text_opt(&root.join(&file))? else {
            continue;
        };
        for lit in requirement_lines(&text) {
            out.push((
                file.clone(),
                DepLit {
                    section: section.clone(),
                    lit,
                    poetry_name: None,
                    unpinned: false,
                },
            ));
        }
    }
    Ok(out)
}

/// The requirements of a requirements file, as pip reads the plain ones: a line without
/// its comment (`#` at the start or after a space), trimmed; options (`-r`, `-e`,
/// `--hash`), paths, URLs and continued lines (`\` at the end) are left out. The bump
/// script reads the file the same way.
fn requirement_lines(text: &str) -> Vec<Literal> {
    let mut out = Vec::new();
    let mut at = 0;
    for (i, line) in text.split('\n').enumerate() {
        let start = at;
        at += line.len() + 1;
        let body = line.strip_suffix('\r').unwrap_or(line);
        let cut = body
            .char_indices()
            .find(|&(k, c)| c == '#' && (k == 0 || body[..k].ends_with(char::is_whitespace)))
            .map_or(body.len(), |(k, _)| k);
        let body = &body[..cut];
        let value = body.trim();
        if value.is_empty()
            || value.starts_with(['-', '.', '/'])
            || value.contains("://")
            || value.ends_with('\\')
        {
            continue;
        }
        let lead = body.len() - body.trim_start().len();
        out.push(Literal {
            line: i + 1,
            span: start + lead..start + lead + value.len(),
            value: value.to_string(),
        });
    }
    out
}

/// The `version` group of a hatch `pattern` in `file` (hatch searches the whole file
/// with `re.MULTILINE`; so does the bump script).
fn hatch_pattern(
    root: &Path,
    file: &Path,
    pattern: &str,
    problem: &mut Option<Error>,
) -> Result<(VersionScheme, Vec<VersionSource>)> {
    let fail = |problem: &mut Option<Error>, line: Option<usize>, message: String| {
        *problem = Some(Error::Parse {
            path: root.join(file),
            line,
            column: None,
            message,
            hint: Some("write a `pattern` with a `(?P<version>...)` group that matches the file, without look-around".into()),
        });
        Ok((VersionScheme::Missing, vec![]))
    };
    if let Err(m) = crate::grammar::hatch_pattern(pattern) {
        return fail(problem, None, format!("[tool.hatch.version] pattern: {m}"));
    }
    let Some(text) = read_text_opt(&root.join(file))? else {
        return fail(
            problem,
            None,
            format!("the version file {} does not exist", file.display()),
        );
    };
    let re = regex::RegexBuilder::new(pattern)
        .multi_line(true)
        .build()
        .ok();
    let found = re
        .as_ref()
        .and_then(|re| re.captures(&text))
        .and_then(|c| c.name("version"));
    let Some(m) = found else {
        return fail(
            problem,
            None,
            format!(
                "the [tool.hatch.version] pattern matches nothing in {}",
                file.display()
            ),
        );
    };
    Ok((
        VersionScheme::Static,
        vec![VersionSource {
            kind: SourceKind::HatchPattern,
            path: file.to_path_buf(),
            line: text[..m.start()].matches('\n').count() + 1,
            span: m.range(),
            value: m.as_str().to_string(),
            locator: Some(pattern.to_string()),
        }],
    ))
}

/// hatch's code source: the literal of the variable `expression` names in the module at
/// `path`, or in the module it imports it from (`from acme._version import __version__`,
/// found beside the module or under one of `search_paths`).
fn hatch_code(
    root: &Path,
    rel: &Path,
    path: &str,
    expression: &str,
    search_paths: &[String],
    problem: &mut Option<Error>,
) -> Result<(VersionScheme, Vec<VersionSource>)> {
    let file = rel.join(path);
    let code = |file: &Path, l: Literal| VersionSource {
        locator: Some(expression.to_string()),
        ..source(SourceKind::HatchCode, file, l)
    };
    if let Some(l) = literal_in(root, &file, &[expression])? {
        return Ok((VersionScheme::Static, vec![code(&file, l)]));
    }
    if let Some(text) = read_text_opt(&root.join(&file))? {
        if let Some((module, original)) = imported_from(&text, expression) {
            let (dots, name) = (
                module.len() - module.trim_start_matches('.').len(),
                module.trim_start_matches('.'),
            );
            let parts: Vec<&str> = name.split('.').filter(|p| !p.is_empty()).collect();
            let safe = parts
                .iter()
                .all(|p| p.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
            let mut bases: Vec<PathBuf> = Vec::new();
            if dots > 0 {
                let mut b = file.parent().map(Path::to_path_buf).unwrap_or_default();
                for _ in 1..dots {
                    b = b.parent().map(Path::to_path_buf).unwrap_or_default();
                }
                bases.push(b);
            } else {
                for sp in search_paths {
                    if is_inside(Path::new(sp.trim_start_matches("./"))) {
                        bases.push(rel.join(sp.trim_start_matches("./")));
                    }
                }
                bases.push(rel.to_path_buf());
                bases.push(rel.join("src"));
            }
            for base in bases.iter().filter(|b| safe && b.starts_with(rel)) {
                let m: PathBuf = parts.iter().fold(base.clone(), |p, c| p.join(c));
                for f in [m.with_extension("py"), m.join("__init__.py")] {
                    if let Some(l) = literal_in(root, &f, &[original.as_str()])? {
                        return Ok((
                            VersionScheme::Static,
                            vec![VersionSource {
                                locator: Some(original.clone()),
                                ..source(SourceKind::HatchCode, &f, l)
                            }],
                        ));
                    }
                }
            }
        }
    }
    *problem = Some(Error::Parse {
        path: root.join(&file),
        line: None,
        column: None,
        message: if root.join(&file).is_file() {
            format!(
                "{} has no literal `{expression} = \"...\"` for hatch's code source",
                file.display()
            )
        } else {
            format!("the version file {} does not exist", file.display())
        },
        hint: Some(format!(
            "write the version as a string literal: `{expression} = \"1.2.3\"`"
        )),
    });
    Ok((VersionScheme::Missing, vec![]))
}

/// The module a top-level `from MODULE import NAME` (or `... import X as NAME`) takes
/// `name` from, and the name it has there.
fn imported_from(text: &str, name: &str) -> Option<(String, String)> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix("from ")?;
        let (module, names) = rest.split_once(" import ")?;
        let names = names.trim().trim_start_matches('(').trim_end_matches(')');
        names.split(',').find_map(|n| {
            let n = n.trim();
            let original = match n.rsplit_once(" as ") {
                Some((o, a)) if a.trim() == name => o.trim(),
                None if n == name => n,
                _ => return None,
            };
            Some((module.trim().to_string(), original.to_string()))
        })
    })
}

/// A plain text file holding the version (`VERSION`, `version.txt`).
fn version_file(
    root: &Path,
    file: &Path,
    problem: &mut Option<Error>,
) -> Result<(VersionScheme, Vec<VersionSource>)> {
    let Some(text) = read_text_opt(&root.join(file))? else {
        *problem = Some(Error::Parse {
            path: root.join(file),
            line: None,
            column: None,
            message: format!("the version file {} does not exist", file.display()),
            hint: None,
        });
        return Ok((VersionScheme::Missing, vec![]));
    };
    let lead = text.len() - text.trim_start().len();
    let value = text.trim();
    if value.is_empty() || value.contains(char::is_whitespace) {
        *problem = Some(Error::Parse {
            path: root.join(file),
            line: Some(1),
            column: None,
            message: format!("{} does not hold just a version", file.display()),
            hint: Some("keep only the version in the file, e.g. `1.2.3`".into()),
        });
        return Ok((VersionScheme::Missing, vec![]));
    }
    let line = text[..lead].matches('\n').count() + 1;
    Ok((
        VersionScheme::Static,
        vec![VersionSource {
            kind: SourceKind::VersionFile,
            path: file.to_path_buf(),
            line,
            span: lead..lead + value.len(),
            value: value.to_string(),
            locator: None,
        }],
    ))
}

/// The version of a meson-python project with a dynamic version: meson-python takes it
/// from `project(..., version: ...)` in `meson.build`. A literal is the source; with
/// `files('VERSION')` that file is; a version a script computes
/// (`run_command('pkg/_build_utils/version.py')`) is the one import package's literal
/// `__version__` next to `meson.build`, which such scripts read.
fn meson_version(
    root: &Path,
    rel: &Path,
    problem: &mut Option<Error>,
) -> Result<(VersionScheme, Vec<VersionSource>)> {
    let file = rel.join("meson.build");
    let text = read_text_opt(&root.join(&file))?.unwrap_or_default();
    let unreadable = |problem: &mut Option<Error>, line: Option<usize>| {
        *problem = Some(Error::Parse {
            path: root.join(&file),
            line,
            column: None,
            message: "meson.build's project() has no version pyrel can read".into(),
            hint: Some(
                "write `version: '1.2.3'` in project(), or `version: files('VERSION')`".into(),
            ),
        });
        Ok((VersionScheme::Missing, vec![]))
    };
    let Some(arg) = meson_project_version(&text) else {
        return unreadable(problem, None);
    };
    let line_of = |at: usize| text[..at].matches('\n').count() + 1;
    match arg {
        MesonVersion::Literal(span) => Ok((
            VersionScheme::Static,
            vec![VersionSource {
                kind: SourceKind::MesonBuild,
                path: file.clone(),
                line: line_of(span.start),
                value: text[span.clone()].to_string(),
                span,
                locator: None,
            }],
        )),
        MesonVersion::File(name) => {
            let f = rel.join(&name);
            if !is_inside(&f) {
                return unreadable(problem, None);
            }
            version_file(root, &f, problem)
        }
        MesonVersion::Computed(at) => {
            let mut found = Vec::new();
            for dir in subdirs_where(&root.join(rel), |n| !skipped_dir_name(n))? {
                let init = rel.join(&dir).join("__init__.py");
                if let Some(l) = literal_in(root, &init, &["__version__"])? {
                    found.push(source(SourceKind::Attr, &init, l));
                }
            }
            if found.len() == 1 {
                return Ok((VersionScheme::Static, found));
            }
            unreadable(problem, Some(line_of(at)))
        }
    }
}

fn is_inside(p: &Path) -> bool {
    p.components().all(|c| matches!(c, Component::Normal(_)))
}

enum MesonVersion {
    /// Byte range of the version inside its quotes.
    Literal(Range<usize>),
    /// `files('VERSION')`.
    File(String),
    /// Anything else, at this byte offset.
    Computed(usize),
}

/// The `version:` argument of the first `project(...)` call of a meson.build.
fn meson_project_version(text: &str) -> Option<MesonVersion> {
    // Meson comments start with `#`; strings are single-quoted.
    let b = text.as_bytes();
    let mut i = 0;
    let mut depth = 0usize;
    let mut in_project = false;
    while i < b.len() {
        match b[i] {
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'\'' => {
                let triple = text[i..].starts_with("'''");
                let close = if triple { "'''" } else { "'" };
                let start = i + close.len();
                let end = text[start..].find(close).map(|j| start + j)?;
                i = end + close.len();
                continue;
            }
            b'(' => {
                if !in_project && depth == 0 && text[..i].trim_end().ends_with("project") {
                    in_project = true;
                }
                depth += 1;
            }
            b')' => {
                depth = depth.saturating_sub(1);
                if in_project && depth == 0 {
                    return None;
                }
            }
            _ if in_project
                && depth == 1
                && text[i..].starts_with("version")
                && (i == 0 || !(b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) =>
            {
                let rest = &text[i + "version".len()..];
                let after = rest.trim_start();
                if let Some(value) = after.strip_prefix(':') {
                    let value_at = text.len() - value.trim_start().len();
                    let v = value.trim_start();
                    if let Some(inner) = v.strip_prefix('\'') {
                        let end = inner.find('\'')?;
                        let after_lit = inner[end + 1..].trim_start();
                        if after_lit.starts_with(',') || after_lit.starts_with(')') {
                            return Some(MesonVersion::Literal(value_at + 1..value_at + 1 + end));
                        }
                        return Some(MesonVersion::Computed(value_at));
                    }
                    if let Some(args) = v.strip_prefix("files(") {
                        let args = args.trim_start();
                        if let Some(inner) = args.strip_prefix('\'') {
                            let end = inner.find('\'')?;
                            if inner[end + 1..].trim_start().starts_with(')') {
                                return Some(MesonVersion::File(inner[..end].to_string()));
                            }
                        }
                    }
                    return Some(MesonVersion::Computed(value_at));
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The version of a maturin project: `[package].version` of its `Cargo.toml`, or with
/// `version.workspace = true` the `[workspace.package].version` of the nearest Cargo
/// workspace root above it (inside the repository).
fn cargo_version(
    root: &Path,
    cargo: &Path,
    problem: &mut Option<Error>,
) -> Result<(VersionScheme, Vec<VersionSource>)> {
    let fail = |problem: &mut Option<Error>, path: &Path, message: String| {
        *problem = Some(Error::Parse {
            path: root.join(path),
            line: None,
            column: None,
            message,
            hint: Some("set `version` in Cargo.toml's [package] (maturin reads it), or a static version in [project]".into()),
        });
        Ok((VersionScheme::Missing, vec![]))
    };
    let doc = match pyproject::CargoToml::load(&root.join(cargo)) {
        Ok(Some(d)) => d,
        Ok(None) => {
            return fail(
                problem,
                cargo,
                format!(
                    "maturin reads the version from {}, which does not exist",
                    cargo.display()
                ),
            )
        }
        Err(e) => {
            *problem = Some(e);
            return Ok((VersionScheme::Missing, vec![]));
        }
    };
    match doc.package_version() {
        pyproject::CargoVersion::Literal(l) => {
            return Ok((
                VersionScheme::Static,
                vec![source(SourceKind::Cargo, cargo, l)],
            ))
        }
        pyproject::CargoVersion::Missing => {
            return fail(
                problem,
                cargo,
                format!("{} has no [package] version", cargo.display()),
            )
        }
        pyproject::CargoVersion::Workspace => {}
    }
    let mut dir = cargo.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        let Some(parent) = d.parent().map(Path::to_path_buf) else {
            break;
        };
        let candidate = parent.join("Cargo.toml");
        if let Ok(Some(ws)) = pyproject::CargoToml::load(&root.join(&candidate)) {
            if let Some(l) = ws.workspace_version() {
                return Ok((
                    VersionScheme::Static,
                    vec![source(SourceKind::CargoWorkspace, &candidate, l)],
                ));
            }
        }
        if d.as_os_str().is_empty() {
            break;
        }
        dir = Some(parent);
    }
    fail(
        problem,
        cargo,
        format!(
            "{} inherits its version from a Cargo workspace pyrel cannot find",
            cargo.display()
        ),
    )
}

/// The top-level import packages (or modules) the distribution ships, each with the
/// file or directory that holds its `__version__`: what the backend is configured to
/// ship, else the normalised distribution name. Never a sub-package.
fn import_targets(
    root: &Path,
    rel: &Path,
    dist: &str,
    pp: Option<&pyproject::Pyproject>,
    setup: Option<&setup_py::SetupPy>,
    package_root: Option<&str>,
) -> Vec<(String, PathBuf)> {
    let mut named: Vec<(String, Vec<PathBuf>)> = Vec::new();
    let bases = |extra: &str| -> Vec<PathBuf> {
        let mut b = Vec::new();
        if !extra.is_empty() {
            b.push(rel.join(extra));
        }
        if let Some(r) = package_root {
            b.push(rel.join(r));
        }
        b.push(rel.join("src"));
        b.push(rel.to_path_buf());
        b
    };
    if let Some(pp) = pp {
        for (name, base) in pp.import_packages() {
            named.push((name, bases(&base)));
        }
    }
    if let Some(s) = setup {
        for name in &s.packages {
            named.push((name.clone(), bases("")));
        }
    }
    let guessed = named.is_empty();
    if guessed {
        named.push((normalize_name(dist).replace('-', "_"), bases("")));
    }
    let mut out = Vec::new();
    for (name, bases) in named {
        let safe = !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !safe {
            continue;
        }
        for base in bases {
            let d = base.join(&name);
            if root.join(&d).join("__init__.py").is_file() {
                out.push((name.clone(), d));
                break;
            }
            let m = base.join(format!("{name}.py"));
            if root.join(&m).is_file() {
                out.push((name.clone(), m));
                break;
            }
        }
    }
    // The distribution's own package inside a namespace package, named by its words:
    // `acme-ns-widgets` ships `acme_ns/widgets` (or `acme/ns/widgets`, ...), the words
    // joined by `/` where the namespace ends and by `_` inside a name.
    if guessed && out.is_empty() {
        out.extend(namespace_target(root, &bases(""), dist));
    }
    out
}

/// The first `A/B/.../__init__.py` below one of `bases` whose path is the words of the
/// distribution name with some separators turned into `/` (at least one), the rest `_`;
/// fewer levels first. At most 5 words are tried (16 paths).
fn namespace_target(root: &Path, bases: &[PathBuf], dist: &str) -> Option<(String, PathBuf)> {
    let normalized = normalize_name(dist);
    let words: Vec<&str> = normalized.split('-').collect();
    if words.len() < 2
        || words.len() > 5
        || !words
            .iter()
            .all(|w| !w.is_empty() && w.chars().all(|c| c.is_ascii_alphanumeric()))
    {
        return None;
    }
    let gaps = words.len() - 1;
    let mut splits: Vec<u32> = (1..(1u32 << gaps)).collect();
    splits.sort_by_key(|m| (m.count_ones(), std::cmp::Reverse(*m)));
    for mask in splits {
        let mut parts: Vec<String> = vec![words[0].to_string()];
        for (i, w) in words[1..].iter().enumerate() {
            if mask & (1 << (gaps - 1 - i)) != 0 {
                parts.push((*w).to_string());
            } else if let Some(last) = parts.last_mut() {
                last.push('_');
                last.push_str(w);
            }
        }
        let rel: PathBuf = parts.iter().collect();
        for base in bases {
            let d = base.join(&rel);
            if root.join(&d).join("__init__.py").is_file() {
                return Some((parts.join("."), d));
            }
        }
    }
    None
}

fn source(kind: SourceKind, path: &Path, lit: Literal) -> VersionSource {
    VersionSource {
        kind,
        path: path.to_path_buf(),
        line: lit.line,
        span: lit.span,
        value: lit.value,
        locator: None,
    }
}

fn static_or_missing(src: Option<VersionSource>) -> (VersionScheme, Vec<VersionSource>) {
    match src {
        Some(s) => (VersionScheme::Static, vec![s]),
        None => (VersionScheme::Missing, vec![]),
    }
}

/// The single-line value of `[section] key` in setup.cfg.
fn part_lit(cfg: &setup_cfg::SetupCfg, section: &str, key: &str) -> Option<Literal> {
    let e = cfg.get(section, key)?;
    match e.parts.as_slice() {
        [p] => Some(Literal {
            line: p.line,
            span: p.span.clone(),
            value: p.text.clone(),
        }),
        _ => None,
    }
}

/// The setuptools sources of a package directory: `setup.py` and `setup.cfg`, which
/// setuptools reads when pyproject leaves a field dynamic (or there is no pyproject).
struct Legacy<'a> {
    root: &'a Path,
    rel: &'a Path,
    cfg: Option<&'a setup_cfg::SetupCfg>,
    setup: Option<&'a setup_py::SetupPy>,
    pp: Option<&'a pyproject::Pyproject>,
}

impl Legacy<'_> {
    /// Where setuptools finds the import packages: pyproject's `package-dir`/`where`,
    /// setup.py's `package_dir={"": ...}`, setup.cfg's `package_dir = =lib` or
    /// `[options.packages.find] where`.
    fn package_root(&self) -> Option<String> {
        let clean = |s: &str| {
            s.trim()
                .trim_start_matches("./")
                .trim_end_matches('/')
                .to_string()
        };
        if let Some(r) = self
            .pp
            .and_then(pyproject::Pyproject::setuptools_package_root)
        {
            return Some(clean(&r));
        }
        if let Some(r) = self.setup.and_then(|s| s.package_root.clone()) {
            return Some(clean(&r));
        }
        let cfg = self.cfg?;
        if let Some(e) = cfg.get("options", "package_dir") {
            for p in &e.parts {
                if let Some(r) = p.text.trim().strip_prefix('=') {
                    return Some(clean(r));
                }
            }
        }
        part_lit(cfg, "options.packages.find", "where").map(|l| clean(&l.value))
    }

    /// A computed `name=`/`version=` of setup.py read from a `.py` file it names by
    /// literal path (`exec` of `pkg/__version__.py`, a regex over `pkg/__init__.py`): the
    /// first such file in the package directory with a literal assignment of one of
    /// `names` is where the value lives, and what a bump edits.
    fn setup_read_literal(&self, names: &[&str]) -> Result<Option<VersionSource>> {
        let Some(setup) = self.setup else {
            return Ok(None);
        };
        // A bare file name is joined to a folder computed from the name
        // (`PACKAGE_NAME.replace("-", "/")`): the namespace path, or the import name.
        let dist = setup.name.as_ref().map(|l| l.value.as_str());
        for f in &setup.read_files {
            let mut candidates = vec![self.rel.join(f)];
            if let (false, Some(dist)) = (f.contains('/'), dist) {
                let norm = normalize_name(dist);
                candidates.push(self.rel.join(norm.replace('-', "/")).join(f));
                candidates.push(self.rel.join(norm.replace('-', "_")).join(f));
            }
            for file in candidates {
                if let Some(l) = literal_in(self.root, &file, names)? {
                    return Ok(Some(source(SourceKind::Attr, &file, l)));
                }
            }
        }
        Ok(None)
    }

    /// setup.py's `version=` wins over setup.cfg, as in setuptools.
    fn version(&self, problem: &mut Option<Error>) -> Result<(VersionScheme, Vec<VersionSource>)> {
        if let Some(v) = self.setup.and_then(|s| s.version.clone()) {
            return Ok((
                VersionScheme::Static,
                vec![source(SourceKind::SetupPy, &self.rel.join("setup.py"), v)],
            ));
        }
        let scm = self.setup.is_some_and(|s| s.use_scm_version)
            || self
                .pp
                .is_some_and(pyproject::Pyproject::uses_setuptools_scm);
        let tool = if scm {
            Some(VcsTool::SetuptoolsScm)
        } else if self.setup.is_some_and(|s| s.pbr) {
            Some(VcsTool::Pbr)
        } else if self.setup.is_some_and(|s| s.versioneer)
            || self.pp.is_some_and(pyproject::Pyproject::uses_versioneer)
        {
            Some(VcsTool::Versioneer)
        } else {
            None
        };
        if let Some(tool) = tool {
            return Ok((VersionScheme::Vcs { tool }, vec![]));
        }
        if let Some(src) = self.setup_read_literal(&["__version__", "VERSION", "version"])? {
            return Ok((VersionScheme::Static, vec![src]));
        }
        if let Some(e) = self
            .setup
            .and_then(|s| s.computed_error("version", &self.root.join(self.rel).join("setup.py")))
        {
            *problem = Some(e);
            return Ok((VersionScheme::Missing, vec![]));
        }
        if let Some(v) = self.cfg.and_then(|c| part_lit(c, "metadata", "version")) {
            if let Some(spec) = v.value.strip_prefix("attr:") {
                let root = self.package_root();
                return Ok(static_or_missing(resolve_attr(
                    self.root,
                    self.rel,
                    root.as_deref(),
                    spec,
                )?));
            }
            if let Some(file) = v.value.strip_prefix("file:") {
                let file = file.split(',').next().unwrap_or("").trim();
                inside(
                    self.root,
                    &self.rel.join("setup.cfg"),
                    "setup.cfg version file",
                    file,
                )?;
                return version_file(self.root, &self.rel.join(file), problem);
            }
            return Ok((
                VersionScheme::Static,
                vec![source(SourceKind::SetupCfg, &self.rel.join("setup.cfg"), v)],
            ));
        }
        Ok((VersionScheme::Missing, vec![]))
    }

    fn deps(&self) -> Vec<(PathBuf, DepLit)> {
        let mut out = Vec::new();
        let dep = |section: String, lit: Literal| DepLit {
            section,
            lit,
            poetry_name: None,
            unpinned: false,
        };
        if let Some(s) = self.setup {
            let path = self.rel.join("setup.py");
            for l in &s.install_requires {
                out.push((path.clone(), dep("install_requires".into(), l.clone())));
            }
            for (extra, l) in &s.extras_require {
                out.push((
                    path.clone(),
                    dep(format!("extras_require.{extra}"), l.clone()),
                ));
            }
        }
        if let Some(c) = self.cfg {
            let path = self.rel.join("setup.cfg");
            let parts = |e: &setup_cfg::Entry| -> Vec<Literal> {
                e.parts
                    .iter()
                    .filter(|p| !p.text.starts_with("file:"))
                    .map(|p| Literal {
                        line: p.line,
                        span: p.span.clone(),
                        value: p.text.clone(),
                    })
                    .collect()
            };
            if let Some(e) = c.get("options", "install_requires") {
                for l in parts(e) {
                    out.push((path.clone(), dep("install_requires".into(), l)));
                }
            }
            if let Some(sec) = c.section("options.extras_require") {
                for e in &sec.entries {
                    for l in parts(e) {
                        out.push((
                            path.clone(),
                            dep(format!("extras_require.{}", e.raw_key), l),
                        ));
                    }
                }
            }
        }
        out
    }
}

/// The literal assigned to one of `names` at module level in `file` (relative).
fn literal_in(root: &Path, file: &Path, names: &[&str]) -> Result<Option<Literal>> {
    let abs = root.join(file);
    match read_text_opt(&abs)? {
        Some(text) => pyfile::find_assigned_literal(&text, &abs, names),
        None => Ok(None),
    }
}

/// Resolves a setuptools `attr` spec (`pkg.__version__`, `pkg.sub.VERSION`) to the
/// literal it names, looking in `src/` then the package directory. When the package's
/// `__init__.py` only re-exports it, the conventional submodules are tried.
fn resolve_attr(
    root: &Path,
    rel: &Path,
    package_root: Option<&str>,
    spec: &str,
) -> Result<Option<VersionSource>> {
    let spec = spec.trim();
    let Some((module, attr)) = spec.rsplit_once('.') else {
        return Ok(None);
    };
    let parts: Vec<&str> = module.split('.').collect();
    if parts
        .iter()
        .any(|p| p.is_empty() || p.contains(['/', '\\']))
    {
        return Ok(None);
    }
    let mut bases = Vec::new();
    if let Some(r) = package_root.filter(|r| !r.is_empty() && !r.contains("..")) {
        bases.push(rel.join(r));
    }
    bases.extend([rel.join("src"), rel.to_path_buf()]);
    for base in bases {
        let module_dir: PathBuf = parts.iter().fold(base.clone(), |p, c| p.join(c));
        let candidates = [
            module_dir.join("__init__.py"),
            module_dir.with_extension("py"),
        ];
        for file in candidates {
            if !root.join(&file).is_file() {
                continue;
            }
            if let Some(l) = literal_in(root, &file, &[attr])? {
                return Ok(Some(source(SourceKind::Attr, &file, l)));
            }
            if file.ends_with("__init__.py") {
                for sub in ["_version.py", "__about__.py", "version.py"] {
                    let f = module_dir.join(sub);
                    if let Some(l) = literal_in(root, &f, &[attr])? {
                        return Ok(Some(source(SourceKind::Attr, &f, l)));
                    }
                }
            }
            return Ok(None);
        }
    }
    Ok(None)
}

/// Adds the `__version__` literals of the import package as extra sources, unless the
/// same file and line already is a source.
fn add_dunder_sources(root: &Path, target: &Path, sources: &mut Vec<VersionSource>) -> Result<()> {
    let files: Vec<PathBuf> = if target.extension().is_some_and(|e| e == "py") {
        vec![target.to_path_buf()]
    } else {
        DUNDER_FILES.iter().map(|f| target.join(f)).collect()
    };
    for file in files {
        if let Some(l) = literal_in(root, &file, &["__version__"])? {
            if !sources.iter().any(|s| s.path == file && s.line == l.line) {
                sources.push(source(SourceKind::DunderVersion, &file, l));
            }
        }
    }
    Ok(())
}

/// Name and version specifier of a requirement string. PEP 508 first; when that fails
/// (a typo, an unusual form), a conservative parse of the leading name, so discovery
/// still finds the sibling and never panics.
fn parse_requirement(req: &str) -> Option<(String, String)> {
    use std::str::FromStr;
    let name = match pep508_rs::Requirement::<pep508_rs::VerbatimUrl>::from_str(req) {
        Ok(r) => r.name.to_string(),
        Err(_) => pyproject::name_prefix(req).to_string(),
    };
    if name.is_empty() {
        return None;
    }
    // The specifier as written: after the name and extras, before markers or a URL.
    let rest = req.trim_start();
    let after_name = rest[pyproject::name_prefix(rest).len()..].trim_start();
    let after_extras = match after_name.strip_prefix('[') {
        Some(r) => r.split_once(']').map_or("", |(_, a)| a),
        None => after_name,
    };
    let spec = after_extras.split([';', '#']).next().unwrap_or("").trim();
    let spec = if spec.starts_with('@') {
        ""
    } else {
        spec.trim_start_matches('(').trim_end_matches(')').trim()
    };
    Some((normalize_name(&name), spec.to_string()))
}

/// Two or more projects declaring one distribution name: the evidence decides which one
/// is released (test/example material never is; then one a publishing workflow builds;
/// then a uv workspace member), the others are skipped. When nothing decides, none is
/// released and the pair is one problem naming every manifest; the rest of the
/// repository is not held up (`packages.exclude` settles it).
fn settle_duplicates(
    root: &Path,
    drafts: Vec<Draft>,
    publishing: &super::evidence::Publishing,
    skipped: &mut Vec<Skipped>,
    problems: &mut Vec<Problem>,
    by_workflow: &mut Vec<PathBuf>,
) -> Vec<Draft> {
    let mut groups: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, d) in drafts.iter().enumerate() {
        groups.entry(normalize_name(&d.name)).or_default().push(i);
    }
    // (index, reason) of every draft that is not released.
    let mut out: HashMap<usize, SkipReason> = HashMap::new();
    for group in groups.values().filter(|g| g.len() > 1) {
        let dirs: Vec<&Path> = group.iter().map(|&i| drafts[i].dir.as_path()).collect();
        let built = |i: usize| {
            let d = &drafts[i].dir;
            if d.as_os_str().is_empty() {
                publishing.builds_at_root(&dirs)
            } else {
                publishing.builds(d)
            }
        };
        let mut left: Vec<usize> = group.clone();
        let narrow = |left: &mut Vec<usize>,
                      out: &mut HashMap<usize, SkipReason>,
                      keep: &dyn Fn(usize) -> bool,
                      all_out: Option<SkipReason>| {
            let (kept, dropped): (Vec<usize>, Vec<usize>) = left.iter().partition(|&&i| keep(i));
            if kept.is_empty() {
                if let Some(reason) = all_out {
                    for &i in &dropped {
                        out.insert(i, reason);
                    }
                    left.clear();
                }
                return;
            }
            for &i in &dropped {
                out.insert(i, SkipReason::Duplicate);
            }
            *left = kept;
        };
        // Material is never released, even when every copy is material.
        narrow(
            &mut left,
            &mut out,
            &|i| !super::evidence::is_material(&drafts[i].dir),
            Some(SkipReason::Material),
        );
        let before = left.len();
        narrow(&mut left, &mut out, &built, None);
        if left.len() == 1 && before > 1 {
            by_workflow.push(drafts[left[0]].dir.clone());
        }
        narrow(&mut left, &mut out, &|i| drafts[i].in_workspace, None);
        if left.len() > 1 {
            let first = &drafts[left[0]];
            let others: Vec<String> = left[1..]
                .iter()
                .map(|&i| crate::workspace_fs::slash(&drafts[i].manifest))
                .collect();
            problems.push(Problem {
                package: None,
                path: first
                    .name_path
                    .strip_prefix(root)
                    .unwrap_or(&first.name_path)
                    .to_path_buf(),
                line: Some(first.name_line),
                message: format!(
                    "package `{}` is also declared in {}, and nothing says which one is released (neither is a uv workspace member or built by a publishing workflow)",
                    first.name,
                    others.join(", ")
                ),
                hint: Some(
                    "name the one not released in the policy's `packages.exclude` (e.g. `packages = { exclude = [\"path/to/dir\"] }`)".into(),
                ),
            });
            for &i in &left {
                out.insert(i, SkipReason::Ambiguous);
            }
        }
    }
    let mut kept = Vec::with_capacity(drafts.len());
    for (i, d) in drafts.into_iter().enumerate() {
        match out.get(&i) {
            Some(&reason) => skipped.push(Skipped {
                reason,
                name: d.name,
                dir: d.dir,
                manifest: d.manifest,
            }),
            None => kept.push(d),
        }
    }
    kept
}

/// A project whose directory name says it is no release (`sample-app`,
/// `integration-tests`, `internal-tools`), that no publishing workflow builds and the
/// policy's `packages.include` does not name, next to packages that are released: left
/// out, listed in init's summary with how to release it.
fn leave_out_material(
    drafts: Vec<Draft>,
    publishing: &super::evidence::Publishing,
    filter: &PackageFilter,
    skipped: &mut Vec<Skipped>,
) -> Vec<Draft> {
    let material = |d: &Draft| {
        !d.dir.as_os_str().is_empty()
            && super::evidence::says_not_released(&d.dir)
            && !publishing.builds(&d.dir)
            && !filter.names(&d.dir)
    };
    if drafts.iter().all(material) {
        return drafts;
    }
    let (out, kept): (Vec<Draft>, Vec<Draft>) = drafts.into_iter().partition(material);
    skipped.extend(out.into_iter().map(|d| Skipped {
        reason: SkipReason::Material,
        name: d.name,
        dir: d.dir,
        manifest: d.manifest,
    }));
    kept
}

/// Turns drafts into packages: siblings matched by normalized name, import names found.
fn link(drafts: Vec<Draft>) -> Result<Vec<Package>> {
    let mut by_name: HashMap<String, usize> = HashMap::new();
    for (i, d) in drafts.iter().enumerate() {
        if let Some(&j) = by_name.get(&normalize_name(&d.name)) {
            return Err(Error::Parse {
                path: d.name_path.clone(),
                line: Some(d.name_line),
                column: None,
                message: format!(
                    "package `{}` is also declared in {}",
                    d.name,
                    drafts[j].manifest.display()
                ),
                hint: Some("each package of the repository needs its own name".into()),
            });
        }
        by_name.insert(normalize_name(&d.name), i);
    }
    let mut out = Vec::with_capacity(drafts.len());
    for d in drafts {
        let normalized = normalize_name(&d.name);
        let mut siblings = Vec::new();
        for (path, dep) in d.deps {
            let (name, specifier) = match &dep.poetry_name {
                Some(n) if dep.unpinned => (normalize_name(n), String::new()),
                Some(n) => (normalize_name(n), dep.lit.value.clone()),
                None => match parse_requirement(&dep.lit.value) {
                    Some(x) => x,
                    None => continue,
                },
            };
            if name == normalized || !by_name.contains_key(&name) {
                continue;
            }
            siblings.push(SiblingDep {
                name,
                requirement: dep.lit.value,
                specifier,
                section: dep.section,
                path,
                line: dep.lit.line,
                span: dep.lit.span,
            });
        }
        let mut order_after: Vec<String> = d
            .computed_requires
            .into_iter()
            .filter(|n| *n != normalized && by_name.contains_key(n))
            .collect();
        order_after.dedup();
        out.push(Package {
            normalized,
            dir: d.dir,
            manifest: d.manifest,
            import_name: d.import_name,
            scheme: d.scheme,
            version_sources: d.sources,
            siblings,
            order_after,
            name: d.name,
            wheels: d.wheels,
        });
    }
    Ok(out)
}

/// The normalized extras of a requirement: `core[evals, cli]>=1` → `evals`, `cli`.
fn requirement_extras(req: &str) -> Vec<String> {
    let rest = req.trim_start();
    let after = rest[pyproject::name_prefix(rest).len()..].trim_start();
    match after.strip_prefix('[').and_then(|r| r.split_once(']')) {
        Some((inner, _)) => inner
            .split(',')
            .map(|e| normalize_name(e.trim()))
            .filter(|e| !e.is_empty())
            .collect(),
        None => Vec::new(),
    }
}

/// Whether a dependency section only adds order when it does not close a cycle:
/// extras, dependency groups and poetry's dev/group dependencies.
fn is_soft(section: &str) -> bool {
    section.starts_with("optional-dependencies.")
        || section.starts_with("extras_require.")
        || section.starts_with("dependency-groups.")
        || section.starts_with("tool.poetry.dev-dependencies")
        || section.starts_with("tool.poetry.group.")
}

/// Dependencies before dependents; among packages that are ready at the same time,
/// by normalized name. Hard dependencies always give order; an extra or a dependency
/// group gives order unless it closes a cycle (`a -> b -> a[extra]` is a valid
/// repository). A cycle of hard dependencies is an error naming the whole cycle.
/// Linear in packages + edges (plus a log factor for the name tie-break).
pub fn order(pkgs: Vec<Package>) -> Result<Vec<Package>> {
    let n = pkgs.len();
    let index: HashMap<&str, usize> = pkgs
        .iter()
        .enumerate()
        .map(|(i, p)| (p.normalized.as_str(), i))
        .collect();
    // deps[i]: (j, hard) for every sibling j that i depends on.
    let mut deps: Vec<Vec<(usize, bool)>> = vec![Vec::new(); n];
    for (i, p) in pkgs.iter().enumerate() {
        // Computed requirements (`f"core{pin}"` in setup.py): their pin is unknown, so
        // they order the release as softly as an extra and never close a cycle.
        for name in &p.order_after {
            if let Some(&j) = index.get(name.as_str()) {
                if j != i {
                    deps[i].push((j, false));
                }
            }
        }
        for s in &p.siblings {
            if let Some(&j) = index.get(s.name.as_str()) {
                if j != i {
                    deps[i].push((j, !is_soft(&s.section)));
                }
                // `sibling[extra]` also needs what that extra of the sibling pulls in
                // (`app -> core[evals]`, `core: evals = [evals-pkg]`): order only, as
                // soft as an extra, so it never closes a cycle.
                for extra in requirement_extras(&s.requirement) {
                    for t in &pkgs[j].siblings {
                        let of_extra = t
                            .section
                            .strip_prefix("optional-dependencies.")
                            .or_else(|| t.section.strip_prefix("extras_require."))
                            .is_some_and(|e| normalize_name(e) == extra);
                        if let (true, Some(&k)) = (of_extra, index.get(t.name.as_str())) {
                            if k != i {
                                deps[i].push((k, false));
                            }
                        }
                    }
                }
            }
        }
    }
    // Soft edges inside a strongly connected component of the whole graph are what
    // closes a cycle: drop them. Across components they can never close one.
    let comp = tarjan(n, &deps);
    let mut edges: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, ds) in deps.iter().enumerate() {
        let mut seen: Vec<usize> = Vec::new();
        for &(j, hard) in ds {
            if (hard || comp[i] != comp[j]) && !seen.contains(&j) {
                seen.push(j);
            }
        }
        edges[i] = seen;
    }
    // Kahn: remaining[i] = unreleased dependencies of i; dependents[j] = who waits on j.
    let mut remaining: Vec<usize> = edges.iter().map(Vec::len).collect();
    let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); n];
    for (i, es) in edges.iter().enumerate() {
        for &j in es {
            dependents[j].push(i);
        }
    }
    let mut ready: std::collections::BinaryHeap<std::cmp::Reverse<(&str, usize)>> = (0..n)
        .filter(|&i| remaining[i] == 0)
        .map(|i| std::cmp::Reverse((pkgs[i].normalized.as_str(), i)))
        .collect();
    let mut sequence = Vec::with_capacity(n);
    while let Some(std::cmp::Reverse((_, i))) = ready.pop() {
        sequence.push(i);
        for &d in &dependents[i] {
            remaining[d] -= 1;
            if remaining[d] == 0 {
                ready.push(std::cmp::Reverse((pkgs[d].normalized.as_str(), d)));
            }
        }
    }
    if sequence.len() < n {
        // Every unfinished package waits on an unfinished one: follow those until one
        // repeats; the loop from there is a cycle of hard dependencies.
        let mut done = vec![false; n];
        for &i in &sequence {
            done[i] = true;
        }
        let mut pos: Vec<Option<usize>> = vec![None; n];
        let mut path: Vec<usize> = Vec::new();
        let mut cur = (0..n).find(|&i| !done[i]).unwrap_or(0);
        while pos[cur].is_none() {
            pos[cur] = Some(path.len());
            path.push(cur);
            cur = edges[cur]
                .iter()
                .copied()
                .find(|&d| !done[d])
                .unwrap_or(cur);
        }
        let start = pos[cur].unwrap_or(0);
        let mut cycle: Vec<String> = path[start..]
            .iter()
            .map(|&i| pkgs[i].name.clone())
            .collect();
        cycle.push(pkgs[cur].name.clone());
        return Err(Error::DependencyCycle { cycle });
    }
    let mut slots: Vec<Option<Package>> = pkgs.into_iter().map(Some).collect();
    Ok(sequence
        .into_iter()
        .filter_map(|i| slots[i].take())
        .collect())
}

/// Strongly connected components (Tarjan, iterative so deep chains cannot overflow the
/// stack): the component number of every node.
fn tarjan(n: usize, deps: &[Vec<(usize, bool)>]) -> Vec<usize> {
    const UNSEEN: usize = usize::MAX;
    let mut index = vec![UNSEEN; n];
    let mut low = vec![0; n];
    let mut on_stack = vec![false; n];
    let mut comp = vec![UNSEEN; n];
    let mut stack: Vec<usize> = Vec::new();
    let mut next_index = 0;
    let mut next_comp = 0;
    for root in 0..n {
        if index[root] != UNSEEN {
            continue;
        }
        // (node, position in its edge list)
        let mut work: Vec<(usize, usize)> = vec![(root, 0)];
        index[root] = next_index;
        low[root] = next_index;
        next_index += 1;
        stack.push(root);
        on_stack[root] = true;
        while let Some(&mut (v, ref mut k)) = work.last_mut() {
            if let Some(&(w, _)) = deps[v].get(*k) {
                *k += 1;
                if index[w] == UNSEEN {
                    index[w] = next_index;
                    low[w] = next_index;
                    next_index += 1;
                    stack.push(w);
                    on_stack[w] = true;
                    work.push((w, 0));
                } else if on_stack[w] {
                    low[v] = low[v].min(index[w]);
                }
                continue;
            }
            work.pop();
            if let Some(&(parent, _)) = work.last() {
                low[parent] = low[parent].min(low[v]);
            }
            if low[v] == index[v] {
                while let Some(w) = stack.pop() {
                    on_stack[w] = false;
                    comp[w] = next_comp;
                    if w == v {
                        break;
                    }
                }
                next_comp += 1;
            }
        }
    }
    comp
}

/// `.github/workflows/*.yml|yaml`, relative and sorted.
fn workflows(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join(".github/workflows");
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(Error::io(&dir, e)),
    };
    let mut out = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(&dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if (name.ends_with(".yml") || name.ends_with(".yaml")) && entry.path().is_file() {
            out.push(PathBuf::from(".github/workflows").join(name.as_ref()));
        }
    }
    out.sort();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str) -> Option<String> {
        match meson_project_version(text)? {
            MesonVersion::Literal(r) => Some(text[r].to_string()),
            MesonVersion::File(f) => Some(format!("file:{f}")),
            MesonVersion::Computed(_) => Some("computed".into()),
        }
    }

    #[test]
    fn meson_project_version_forms() {
        assert_eq!(
            lit("project('a', 'c', version: '1.2.3')").as_deref(),
            Some("1.2.3")
        );
        assert_eq!(
            lit("# version: '9.9'\nproject('a',\n  meson_version: '>=1.1',\n  version : '0.1.0',\n)")
                .as_deref(),
            Some("0.1.0")
        );
        assert_eq!(
            lit("project('a', version: files('VERSION'))").as_deref(),
            Some("file:VERSION")
        );
        assert_eq!(
            lit("project('a', version: '1.0' + suffix)").as_deref(),
            Some("computed")
        );
        assert_eq!(lit("project('a', 'c')\nversion: '1.0'"), None);
        assert_eq!(lit("executable('version', 'x.c')"), None);
        assert_eq!(lit("project('unterminated"), None);
    }
}
