//! Finding the root, the packages and their version sources and sibling dependencies.
//!
//! Where packages are looked for (never a blind walk of the tree):
//! - a uv workspace (`[tool.uv.workspace]` in the root `pyproject.toml`): the root when
//!   it has a `[project]` (it is then a package too; a "virtual" root is not), plus every
//!   directory matching `members` and not `exclude`, as uv does;
//! - otherwise: the root, every immediate subdirectory, and one level below a
//!   subdirectory that is neither a package nor a Python import package
//!   (`packages/*/`, `libs/*/`). Hidden directories, virtual environments,
//!   `node_modules`, `build`, `dist`, `__pycache__`, `*.egg-info` and the directories
//!   that hold test or documentation material (`tests`, `test`, `docs`, `examples`,
//!   `fixtures`) are skipped: a `setup.py` there is a fixture, not a release.
//!
//! A directory is a package when its `pyproject.toml` has a `[project]` or
//! `[tool.poetry]` name, or its `setup.py` / `setup.cfg` declare a name.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use globset::{GlobSet, GlobSetBuilder};

use super::pyfile::{self, Literal};
use super::pyproject::{self, DepLit, PyVersion, Workspace};
use super::{
    git, is_valid_dist_name, normalize_name, setup_cfg, setup_py, Layout, Package, Project,
    SiblingDep, SourceKind, VcsTool, VersionScheme, VersionSource,
};
use crate::error::{Error, Result};
use crate::workspace_fs::read_text_opt;

/// Files whose presence marks a Python project directory.
const MARKERS: [&str; 4] = ["pyproject.toml", "setup.py", "setup.cfg", "pyrel.toml"];

/// Directory names never searched for packages.
const SKIP_DIRS: [&str; 15] = [
    "node_modules",
    "venv",
    "env",
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
    "fixtures",
    "target",
];

/// Modules that hold a `__version__` users import.
const DUNDER_FILES: [&str; 3] = ["__init__.py", "__about__.py", "_version.py"];

/// Finds the project enclosing `start`: the git top level when there is one (falling
/// back to the outermost directory with Python metadata below it when the top level
/// holds no Python project), else the outermost ancestor with Python metadata.
pub fn discover(start: &Path) -> Result<Project> {
    let start = start.canonicalize().map_err(|e| Error::io(start, e))?;
    let not_python = || Error::NotPythonProject { dir: start.clone() };
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
    if let Some(top) = &toplevel {
        let project = scan(top, top)?;
        if marked(top) || !project.packages.is_empty() {
            return Ok(project);
        }
        // A repository whose Python project lives in a subdirectory we were called in.
        return match outermost_marked(Some(top)) {
            Some(root) => scan(&root, top),
            None => Err(not_python()),
        };
    }
    match outermost_marked(None) {
        Some(root) => scan(&root, &root),
        None => Err(not_python()),
    }
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
}

fn scan(root: &Path, git_root: &Path) -> Result<Project> {
    let root_pyproject = pyproject::load(&root.join("pyproject.toml"))?;
    let workspace = root_pyproject
        .as_ref()
        .and_then(pyproject::Pyproject::workspace);
    let mut drafts = Vec::new();
    if let Some(root_pkg) = read_package_dir(root, Path::new(""), root_pyproject.as_ref())? {
        drafts.push(root_pkg);
    }
    let layout = if let Some(ws) = &workspace {
        for rel in workspace_members(root, ws)? {
            if let Some(d) = read_package_dir(root, &rel, None)? {
                drafts.push(d);
            }
        }
        Layout::UvWorkspace
    } else {
        for rel in candidate_dirs(root)? {
            if let Some(d) = read_package_dir(root, &rel, None)? {
                drafts.push(d);
            } else {
                // Not a package itself: its children may be (`packages/*/`).
                let abs = root.join(&rel);
                if rel.components().count() == 1 && !abs.join("__init__.py").exists() {
                    for child in subdirs(&abs)? {
                        if let Some(d) = read_package_dir(root, &rel.join(child), None)? {
                            drafts.push(d);
                        }
                    }
                }
            }
        }
        match drafts.as_slice() {
            [one] if one.dir.as_os_str().is_empty() => Layout::Single,
            [] => Layout::Single,
            _ => Layout::Multi,
        }
    };
    let packages = order(link(drafts)?)?;
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
        workflows: workflows(root)?,
    })
}

/// Immediate subdirectories of `dir` worth looking into, sorted by name.
fn subdirs(dir: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let entries = match std::fs::read_dir(dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(Error::io(dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        // Symlinked directories are not followed: they could loop or leave the repo.
        if !entry
            .file_type()
            .map_err(|e| Error::io(entry.path(), e))?
            .is_dir()
        {
            continue;
        }
        let Ok(name) = entry.file_name().into_string() else {
            continue;
        };
        if name.starts_with('.')
            || name.ends_with(".egg-info")
            || SKIP_DIRS.contains(&name.as_str())
        {
            continue;
        }
        out.push(name);
    }
    out.sort();
    Ok(out)
}

/// The root's subdirectories, as relative paths.
fn candidate_dirs(root: &Path) -> Result<Vec<PathBuf>> {
    Ok(subdirs(root)?.into_iter().map(PathBuf::from).collect())
}

/// Directories matching the workspace's `members` globs and none of its `exclude`
/// globs, walking only as deep as the patterns reach.
fn workspace_members(root: &Path, ws: &Workspace) -> Result<Vec<PathBuf>> {
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
    for pat in &ws.members {
        let pat = clean(pat);
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
        walk_dirs(root, &base, depth, &mut |rel: &Path| {
            let s = crate::workspace_fs::slash(rel);
            if members.is_match(&s) && !exclude.is_match(&s) {
                found.insert(rel.to_path_buf());
            }
        })?;
    }
    Ok(found.into_iter().collect())
}

fn walk_dirs(root: &Path, rel: &Path, depth: usize, f: &mut dyn FnMut(&Path)) -> Result<()> {
    if !root.join(rel).is_dir() {
        return Ok(());
    }
    f(rel);
    if depth == 0 {
        return Ok(());
    }
    for name in subdirs(&root.join(rel))? {
        walk_dirs(root, &rel.join(name), depth - 1, f)?;
    }
    Ok(())
}

/// Reads the package declared in `rel` (relative to `root`), if there is one.
/// `preloaded` is the already parsed `pyproject.toml` of that directory.
fn read_package_dir(
    root: &Path,
    rel: &Path,
    preloaded: Option<&pyproject::Pyproject>,
) -> Result<Option<Draft>> {
    let dir = root.join(rel);
    let loaded;
    let pp = match preloaded {
        Some(p) => Some(p),
        None => {
            loaded = pyproject::load(&dir.join("pyproject.toml"))?;
            loaded.as_ref()
        }
    };
    let cfg_text = read_text_opt(&dir.join("setup.cfg"))?;
    let cfg = cfg_text.as_deref().map(setup_cfg::parse);
    let setup_path = dir.join("setup.py");
    let setup = match read_text_opt(&setup_path)? {
        Some(t) => setup_py::parse(&t, &setup_path)?,
        None => None,
    };
    let legacy = Legacy {
        root,
        rel,
        cfg: cfg.as_ref(),
        setup: setup.as_ref(),
        pp,
    };

    let (name, name_path, manifest, scheme, sources, mut deps) = if let Some((name, kind)) =
        pp.and_then(|p| p.identity())
    {
        let Some(pp) = pp else { return Ok(None) };
        let manifest = rel.join("pyproject.toml");
        let (scheme, sources) = match pp.version(kind) {
            PyVersion::Literal(k, lit) => (VersionScheme::Static, vec![source(k, &manifest, lit)]),
            PyVersion::Vcs(t) => (VersionScheme::Vcs { tool: t }, vec![]),
            PyVersion::HatchPath(p) => {
                let file = rel.join(&p);
                let found = literal_in(root, &file, &["__version__", "VERSION"])?;
                static_or_missing(found.map(|l| source(SourceKind::HatchPath, &file, l)))
            }
            PyVersion::Attr(spec) => static_or_missing(resolve_attr(root, rel, &spec)?),
            PyVersion::Dynamic => legacy.version()?,
            PyVersion::Missing => (VersionScheme::Missing, vec![]),
        };
        let mut deps: Vec<(PathBuf, DepLit)> = pp
            .deps()
            .into_iter()
            .map(|d| (manifest.clone(), d))
            .collect();
        if pp.dynamic("dependencies") || pp.dynamic("optional-dependencies") {
            deps.extend(legacy.deps());
        }
        (name, pp.path.clone(), manifest, scheme, sources, deps)
    } else if let Some(name) = setup.as_ref().and_then(|s| s.name.clone()) {
        let manifest = rel.join("setup.py");
        let (scheme, sources) = legacy.version()?;
        (
            name,
            setup_path.clone(),
            manifest,
            scheme,
            sources,
            legacy.deps(),
        )
    } else if let Some(name) = cfg.as_ref().and_then(|c| part_lit(c, "metadata", "name")) {
        let manifest = rel.join("setup.cfg");
        let (scheme, sources) = legacy.version()?;
        (
            name,
            dir.join("setup.cfg"),
            manifest,
            scheme,
            sources,
            legacy.deps(),
        )
    } else {
        return Ok(None);
    };

    if !is_valid_dist_name(&name.value) {
        return Err(Error::Parse {
            path: name_path,
            line: Some(name.line),
            column: None,
            message: format!("`{}` is not a valid distribution name", name.value),
            hint: Some(
                "use ASCII letters, digits, `-`, `_` and `.`, starting and ending with a letter or digit (PEP 508)"
                    .into(),
            ),
        });
    }
    deps.retain(|(_, d)| !d.lit.value.is_empty() || d.poetry_name.is_some());
    let mut sources = sources;
    let import = find_import(root, rel, &name.value)?;
    if scheme == VersionScheme::Static {
        if let Some((_, target)) = &import {
            add_dunder_sources(root, target, &mut sources)?;
        }
    }
    Ok(Some(Draft {
        name: name.value,
        name_path,
        name_line: name.line,
        dir: rel.to_path_buf(),
        manifest,
        scheme,
        sources,
        deps,
        import_name: import.map(|(n, _)| n),
    }))
}

fn source(kind: SourceKind, path: &Path, lit: Literal) -> VersionSource {
    VersionSource {
        kind,
        path: path.to_path_buf(),
        line: lit.line,
        span: lit.span,
        value: lit.value,
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
    /// setup.py's `version=` wins over setup.cfg, as in setuptools.
    fn version(&self) -> Result<(VersionScheme, Vec<VersionSource>)> {
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
        if scm {
            return Ok((
                VersionScheme::Vcs {
                    tool: VcsTool::SetuptoolsScm,
                },
                vec![],
            ));
        }
        if let Some(v) = self.cfg.and_then(|c| part_lit(c, "metadata", "version")) {
            if let Some(spec) = v.value.strip_prefix("attr:") {
                return Ok(static_or_missing(resolve_attr(self.root, self.rel, spec)?));
            }
            if v.value.starts_with("file:") {
                return Ok((VersionScheme::Missing, vec![]));
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
                        out.push((path.clone(), dep(format!("extras_require.{}", e.key), l)));
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
fn resolve_attr(root: &Path, rel: &Path, spec: &str) -> Result<Option<VersionSource>> {
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
    for base in [rel.join("src"), rel.to_path_buf()] {
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

/// The import package of a distribution: `src/<name>/` or `<name>/` (name with `-` and
/// `.` as `_`), a single module `<name>.py`, else the first directory with an
/// `__init__.py` under `src/` or the package directory. Returns the import name and the
/// relative directory (or module file).
pub(crate) fn find_import(
    root: &Path,
    rel: &Path,
    dist: &str,
) -> Result<Option<(String, PathBuf)>> {
    let guess = normalize_name(dist).replace('-', "_");
    for base in [rel.join("src"), rel.to_path_buf()] {
        let d = base.join(&guess);
        if root.join(&d).join("__init__.py").is_file() {
            return Ok(Some((guess, d)));
        }
        let m = base.join(format!("{guess}.py"));
        if root.join(&m).is_file() {
            return Ok(Some((guess, m)));
        }
    }
    for base in [rel.join("src"), rel.to_path_buf()] {
        for name in subdirs(&root.join(&base))? {
            if name == "src" {
                continue;
            }
            if root.join(&base).join(&name).join("__init__.py").is_file() {
                return Ok(Some((name.clone(), base.join(name))));
            }
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
        out.push(Package {
            normalized,
            dir: d.dir,
            manifest: d.manifest,
            import_name: d.import_name,
            scheme: d.scheme,
            version_sources: d.sources,
            siblings,
            name: d.name,
        });
    }
    Ok(out)
}

/// Dependencies before dependents; among packages that are ready at the same time,
/// by normalized name. A cycle is an error naming it.
fn order(pkgs: Vec<Package>) -> Result<Vec<Package>> {
    let names: Vec<String> = pkgs.iter().map(|p| p.normalized.clone()).collect();
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let deps: Vec<BTreeSet<usize>> = pkgs
        .iter()
        .map(|p| {
            p.siblings
                .iter()
                .filter_map(|s| index.get(s.name.as_str()).copied())
                .collect()
        })
        .collect();
    let mut remaining: Vec<usize> = deps.iter().map(BTreeSet::len).collect();
    let mut ready: BTreeSet<(&str, usize)> = (0..pkgs.len())
        .filter(|&i| remaining[i] == 0)
        .map(|i| (names[i].as_str(), i))
        .collect();
    let mut sequence = Vec::with_capacity(pkgs.len());
    while let Some(first) = ready.pop_first() {
        let i = first.1;
        sequence.push(i);
        for (j, d) in deps.iter().enumerate() {
            if d.contains(&i) {
                remaining[j] -= 1;
                if remaining[j] == 0 {
                    ready.insert((names[j].as_str(), j));
                }
            }
        }
    }
    if sequence.len() < pkgs.len() {
        // Walk unfinished dependencies from an unfinished package until one repeats.
        let done: BTreeSet<usize> = sequence.iter().copied().collect();
        let mut path: Vec<usize> = Vec::new();
        let mut cur = (0..pkgs.len()).find(|i| !done.contains(i)).unwrap_or(0);
        while !path.contains(&cur) {
            path.push(cur);
            cur = deps[cur]
                .iter()
                .copied()
                .find(|d| !done.contains(d))
                .unwrap_or(cur);
        }
        let start = path.iter().position(|&p| p == cur).unwrap_or(0);
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
