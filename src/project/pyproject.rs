//! Reading `pyproject.toml`: the package identity, how its version is defined, its
//! requirement strings, and a uv workspace declaration, each with exact spans.
//!
//! Parsed with `toml_edit`'s span-keeping document, so every string found here
//! carries the byte range of its text inside the quotes.

use std::path::{Path, PathBuf};

use toml_edit::{ImDocument, Item, TableLike, Value};

use super::pyfile::Literal;
use super::{normalize_name, SourceKind, VcsTool, WheelTool};
use crate::error::{Error, Result};
use crate::workspace_fs::{line_col, read_text_opt};

pub(crate) struct Pyproject {
    /// Absolute path, for error messages.
    pub(crate) path: PathBuf,
    text: String,
    doc: ImDocument<String>,
    /// `hatch.toml` beside it: hatch's own configuration file, whose tables are the
    /// `[tool.hatch]` ones without the prefix (`[version]` is `[tool.hatch.version]`).
    /// Hatchling reads it too, and its tables take precedence.
    hatch: Option<HatchToml>,
}

/// A parsed `hatch.toml`.
struct HatchToml {
    path: PathBuf,
    text: String,
    doc: ImDocument<String>,
}

/// How `pyproject.toml` says the version is defined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PyVersion {
    /// A literal right here (`[project].version` or `[tool.poetry].version`).
    Literal(SourceKind, Literal),
    Vcs(VcsTool),
    /// `[tool.hatch.version] path`, relative to the package directory.
    HatchPath(String),
    /// `[tool.hatch.version] path` and `pattern`: the regex's `version` group in that file
    /// (any file: a `package.json`'s `"version": "..."`).
    HatchPattern(String, String),
    /// `[tool.hatch.version] source = "code"`: the `path`, the variable `expression`
    /// names, and `search-paths` (directories the module's imports are found in).
    HatchCode {
        path: String,
        expression: String,
        search_paths: Vec<String>,
    },
    /// `[tool.setuptools.dynamic] version = {attr = "..."}`.
    Attr(String),
    /// `[tool.pdm.version] source = "file"`: the file's `__version__`.
    PdmPath(String),
    /// `[tool.setuptools.dynamic] version = {file = ...}`: plain text file(s).
    File(Vec<String>),
    /// A maturin project: the version is in `Cargo.toml` (the one `manifest-path` names).
    Maturin(Option<String>),
    /// flit: `__version__` of the module it builds (`[tool.flit.module] name`).
    Flit(Option<String>),
    /// A dynamic version pyrel cannot read (a hook that runs code): why, the file that
    /// configures it (`pyproject.toml` or `hatch.toml`) and the line.
    Unreadable(String, PathBuf, usize),
    /// Declared dynamic without a configuration pyrel knows: setuptools then reads
    /// `setup.cfg` / `setup.py`, which the caller looks at.
    Dynamic,
    Missing,
}

/// A requirement string (or a poetry dependency) found in a manifest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DepLit {
    pub(crate) section: String,
    /// `value` is the decoded string; `span` the raw text inside the quotes.
    pub(crate) lit: Literal,
    /// For poetry tables: the dependency name (the key); the literal is its constraint,
    /// or the key itself when there is no version (`{ path = "..." }`).
    pub(crate) poetry_name: Option<String>,
    /// A poetry dependency without a version constraint.
    pub(crate) unpinned: bool,
}

/// `[tool.uv.workspace]`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Workspace {
    pub(crate) members: Vec<String>,
    pub(crate) exclude: Vec<String>,
    /// Line of `members`, for glob errors.
    pub(crate) line: usize,
}

/// Loads and parses `path`; `Ok(None)` when there is no such file. Malformed TOML is
/// an error with the line and column of the problem.
pub(crate) fn load(path: &Path) -> Result<Option<Pyproject>> {
    let Some((text, doc)) = parse_toml(path)? else {
        return Ok(None);
    };
    // Only beside a project: a `hatch.toml` alone does not make a directory a project.
    let hatch = match path.parent() {
        Some(dir) => parse_toml(&dir.join("hatch.toml"))?.map(|(text, doc)| HatchToml {
            path: dir.join("hatch.toml"),
            text,
            doc,
        }),
        None => None,
    };
    Ok(Some(Pyproject {
        path: path.to_path_buf(),
        text,
        doc,
        hatch,
    }))
}

/// Reads and parses a TOML file; `Ok(None)` when there is no such file.
fn parse_toml(path: &Path) -> Result<Option<(String, ImDocument<String>)>> {
    let Some(text) = read_text_opt(path)? else {
        return Ok(None);
    };
    let doc = ImDocument::parse(text.clone()).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|s| line_col(&text, s.start))
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        Error::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: format!("invalid TOML: {}", e.message().trim()),
            hint: Some("fix the TOML syntax; pyrel never edits a file it cannot parse".into()),
        }
    })?;
    Ok(Some((text, doc)))
}

impl Pyproject {
    /// The table at a dotted path (`tool.hatch.version`), regular or inline. A
    /// `[tool.hatch...]` table comes from `hatch.toml` when that file has it.
    fn table(&self, dotted: &str) -> Option<&dyn TableLike> {
        self.located_table(dotted).map(|(t, _, _)| t)
    }

    /// [`Self::table`] with the text and path of the file it was found in.
    fn located_table(&self, dotted: &str) -> Option<(&dyn TableLike, &str, &Path)> {
        fn walk<'a>(doc: &'a ImDocument<String>, dotted: &str) -> Option<&'a dyn TableLike> {
            let mut cur: &dyn TableLike = doc.as_table();
            for key in dotted.split('.').filter(|k| !k.is_empty()) {
                cur = cur.get(key)?.as_table_like()?;
            }
            Some(cur)
        }
        if let (Some(h), Some(rest)) = (&self.hatch, dotted.strip_prefix("tool.hatch")) {
            if rest.is_empty() || rest.starts_with('.') {
                if let Some(t) = walk(&h.doc, rest) {
                    if !rest.is_empty() {
                        return Some((t, &h.text, &h.path));
                    }
                }
            }
        }
        walk(&self.doc, dotted).map(|t| (t, self.text.as_str(), self.path.as_path()))
    }

    fn value<'a>(&'a self, table: &'a dyn TableLike, key: &str) -> Option<&'a Value> {
        table.get(key)?.as_value()
    }

    /// The string at `key` with its exact span.
    fn str_lit(&self, v: &Value) -> Option<Literal> {
        toml_str(&self.text, v)
    }

    /// The declared name and where it came from: `[project]` first (PEP 621, also
    /// poetry 2), then `[tool.poetry]`.
    pub(crate) fn identity(&self) -> Option<(Literal, SourceKind)> {
        if let Some(p) = self.table("project") {
            if let Some(l) = self.value(p, "name").and_then(|v| self.str_lit(v)) {
                return Some((l, SourceKind::Project));
            }
        }
        let p = self.table("tool.poetry")?;
        let l = self.value(p, "name").and_then(|v| self.str_lit(v))?;
        Some((l, SourceKind::Poetry))
    }

    /// Whether `[project].dynamic` lists `field`.
    pub(crate) fn dynamic(&self, field: &str) -> bool {
        self.table("project")
            .and_then(|p| p.get("dynamic"))
            .and_then(Item::as_array)
            .is_some_and(|a| a.iter().any(|v| v.as_str() == Some(field)))
    }

    /// Normalized names in `[build-system].requires`.
    fn build_requires(&self) -> Vec<String> {
        self.table("build-system")
            .and_then(|b| b.get("requires"))
            .and_then(Item::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(|r| normalize_name(name_prefix(r)))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `[build-system].build-backend`, when declared.
    pub(crate) fn build_backend(&self) -> Option<&str> {
        self.table("build-system")?.get("build-backend")?.as_str()
    }

    /// What in this file gives compiled code away: the build backend, Cython among the
    /// build requirements, or setuptools `ext-modules`; with what its wheels are built.
    pub fn wheel_build(&self) -> Option<(WheelTool, &'static str)> {
        match self.build_backend().unwrap_or("") {
            "maturin" => return Some((WheelTool::Maturin, "maturin")),
            "scikit_build_core.build" => {
                return Some((WheelTool::Cibuildwheel, "scikit-build-core"))
            }
            "mesonpy" => return Some((WheelTool::Cibuildwheel, "meson-python")),
            _ => {}
        }
        let cython = self
            .table("build-system")
            .and_then(|b| b.get("requires"))
            .and_then(Item::as_array)
            .is_some_and(|a| {
                a.iter().filter_map(Value::as_str).any(|r| {
                    r.split(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
                        .next()
                        .is_some_and(|name| name.eq_ignore_ascii_case("cython"))
                })
            });
        if cython {
            return Some((WheelTool::Cibuildwheel, "Cython"));
        }
        self.table("tool.setuptools")
            .is_some_and(|s| s.get("ext-modules").is_some())
            .then_some((WheelTool::Cibuildwheel, "setuptools ext-modules"))
    }

    /// Whether there is a `[build-system]` table.
    /// Whether the file has the table at `dotted` (`project`).
    pub(crate) fn table_exists(&self, dotted: &str) -> bool {
        self.table(dotted).is_some()
    }

    pub(crate) fn has_build_system(&self) -> bool {
        self.table("build-system").is_some()
    }

    /// `[tool.uv] package = true|false`, when set; pdm's `[tool.pdm] distribution` and
    /// poetry's `[tool.poetry] package-mode` mean the same for their projects (a poetry
    /// monorepo's root that only holds the dev environment).
    pub(crate) fn uv_package(&self) -> Option<bool> {
        self.table("tool.uv")
            .and_then(|t| t.get("package"))
            .and_then(Item::as_bool)
            .or_else(|| self.table("tool.pdm")?.get("distribution")?.as_bool())
            .or_else(|| self.table("tool.poetry")?.get("package-mode")?.as_bool())
    }

    /// The classifier `Private :: Do Not Upload` is declared (PyPI refuses the upload).
    pub(crate) fn is_private(&self) -> bool {
        self.table("project")
            .and_then(|p| p.get("classifiers"))
            .and_then(Item::as_array)
            .is_some_and(|a| {
                a.iter().any(|v| {
                    v.as_str().is_some_and(|c| {
                        c.split_whitespace().collect::<Vec<_>>()
                            == ["Private", "::", "Do", "Not", "Upload"]
                    })
                })
            })
    }

    /// The file a dotted table is read from and the 1-based line of its `key`, for
    /// findings.
    fn line_of(&self, dotted: &str, key: &str) -> (PathBuf, usize) {
        match self.located_table(dotted) {
            Some((t, text, path)) => (
                path.to_path_buf(),
                t.get_key_value(key)
                    .and_then(|(k, _)| k.span())
                    .map_or(1, |s| line_col(text, s.start).0),
            ),
            None => (self.path.clone(), 1),
        }
    }

    /// [`PyVersion::Unreadable`] pointing at `key` of the dotted table.
    fn unreadable(&self, message: String, dotted: &str, key: &str) -> PyVersion {
        let (path, line) = self.line_of(dotted, key);
        // In hatch.toml the table is named without the `tool.hatch.` prefix.
        let message = if path.ends_with("hatch.toml") {
            message.replace("[tool.hatch.", "[")
        } else {
            message
        };
        PyVersion::Unreadable(message, path, line)
    }

    /// The top-level import packages or modules the build backend ships, as configured
    /// (`(name, base directory relative to the package dir)`); empty when the backend's
    /// default applies (the normalised distribution name).
    pub(crate) fn import_packages(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut push = |path: &str, base_default: &str| {
            let path = path.trim_start_matches("./").trim_end_matches('/');
            let (base, last) = match path.rsplit_once('/') {
                Some((b, l)) => (b.to_string(), l),
                None => (base_default.to_string(), path),
            };
            let name = last.trim_end_matches(".py").split('.').next().unwrap_or("");
            if !name.is_empty() && !out.iter().any(|(n, _): &(String, String)| n == name) {
                out.push((name.to_string(), base));
            }
        };
        let strings = |item: Option<&Item>| -> Vec<String> {
            item.and_then(Item::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        if let Some(w) = self.table("tool.hatch.build.targets.wheel") {
            for p in strings(w.get("packages")) {
                push(&p, "");
            }
        }
        let st_root = self.setuptools_package_root().unwrap_or_default();
        if let Some(st) = self.table("tool.setuptools") {
            for key in ["packages", "py-modules"] {
                for p in strings(st.get(key)) {
                    push(p.split('.').next().unwrap_or(""), &st_root);
                }
            }
        }
        // poetry: `packages = [{ include = "pkg", from = "src" }]`.
        if let Some(pkgs) = self
            .table("tool.poetry")
            .and_then(|p| p.get("packages"))
            .and_then(Item::as_array)
        {
            for entry in pkgs.iter() {
                let Some(t) = entry.as_inline_table() else {
                    continue;
                };
                if let Some(inc) = t.get("include").and_then(Value::as_str) {
                    let from = t.get("from").and_then(Value::as_str).unwrap_or("");
                    push(inc, from);
                }
            }
        }
        if let Some(m) = self
            .table("tool.flit.module")
            .and_then(|m| m.get("name"))
            .and_then(Item::as_str)
        {
            push(m.split('.').next().unwrap_or(""), "");
        }
        out
    }

    /// Where setuptools looks for import packages: `package-dir = {"" = "lib"}` or the
    /// first `packages.find.where`.
    pub(crate) fn setuptools_package_root(&self) -> Option<String> {
        let st = self.table("tool.setuptools")?;
        if let Some(root) = st
            .get("package-dir")
            .and_then(Item::as_table_like)
            .and_then(|t| t.get(""))
            .and_then(Item::as_str)
        {
            return Some(root.trim_end_matches('/').to_string());
        }
        st.get("packages")
            .and_then(Item::as_table_like)
            .and_then(|p| p.get("find"))
            .and_then(Item::as_table_like)
            .and_then(|f| f.get("where"))
            .and_then(Item::as_array)
            .and_then(|a| a.iter().find_map(Value::as_str))
            .map(|w| w.trim_start_matches("./").trim_end_matches('/').to_string())
    }

    /// setuptools-scm is configured for this project (table or build requirement).
    pub(crate) fn uses_setuptools_scm(&self) -> bool {
        self.table("tool.setuptools_scm").is_some()
            || self.table("tool.setuptools-scm").is_some()
            || self.build_requires().iter().any(|r| r == "setuptools-scm")
    }

    /// versioneer is configured (`[tool.versioneer]`, or in the build requirements).
    pub(crate) fn uses_versioneer(&self) -> bool {
        self.table("tool.versioneer").is_some()
            || self.build_requires().iter().any(|r| r == "versioneer")
    }

    /// The version string at `version` of the dotted table (`project`, `tool.poetry`), as a
    /// source pyrel edits, or [`PyVersion::Unreadable`] when its table is not a `[header]`
    /// of its own (a dotted key `project.version = …`, an inline `project = { … }`): the
    /// bump script, which finds tables by their headers, does not see it, and both must
    /// bump or both refuse. Any string form is read (multi-line, escapes decoded), as the
    /// script reads it. None: no string there.
    fn literal_version(&self, dotted: &str, kind: SourceKind) -> Option<PyVersion> {
        let v = self.table(dotted).and_then(|t| self.value(t, "version"))?;
        let l = self.str_lit(v)?;
        let mut item: Option<&Item> = None;
        for key in dotted.split('.') {
            item = match item {
                None => self.doc.as_table().get(key),
                Some(i) => i.as_table_like().and_then(|t| t.get(key)),
            };
        }
        let header = matches!(item, Some(Item::Table(t)) if !t.is_dotted() && !t.is_implicit());
        Some(if header {
            PyVersion::Literal(kind, l)
        } else {
            self.unreadable(
                format!(
                    "the version of [{dotted}] is not in a table of its own (a dotted key or an inline table); pyrel and the bump script edit a version written `version = \"{}\"` under a [{dotted}] header",
                    crate::grammar::shown(&l.value)
                ),
                dotted,
                "version",
            )
        })
    }

    /// How the version is defined, per the identity's kind.
    pub(crate) fn version(&self, kind: SourceKind) -> PyVersion {
        if kind == SourceKind::Poetry {
            let pdv = self
                .table("tool.poetry-dynamic-versioning")
                .and_then(|t| t.get("enable"))
                .and_then(Item::as_bool)
                .unwrap_or(false)
                || self
                    .build_requires()
                    .iter()
                    .any(|r| r == "poetry-dynamic-versioning");
            if pdv {
                return PyVersion::Vcs(VcsTool::PoetryDynamic);
            }
            return self
                .literal_version("tool.poetry", SourceKind::Poetry)
                .unwrap_or(PyVersion::Missing);
        }
        if let Some(v) = self.literal_version("project", SourceKind::Project) {
            return v;
        }
        if !self.dynamic("version") {
            // Poetry 2 keeps the version in [tool.poetry] with a PEP 621 name.
            return self
                .literal_version("tool.poetry", SourceKind::Poetry)
                .unwrap_or(PyVersion::Missing);
        }
        let requires = self.build_requires();
        let backend = self.build_backend().unwrap_or("");
        if let Some(h) = self.table("tool.hatch.version") {
            let source = h.get("source").and_then(Item::as_str);
            match source {
                Some("vcs") => return PyVersion::Vcs(VcsTool::HatchVcs),
                Some("uv-dynamic-versioning") => {
                    return PyVersion::Vcs(VcsTool::UvDynamicVersioning)
                }
                Some("versioningit") => return PyVersion::Vcs(VcsTool::Versioningit),
                // hatch's code source imports `path` and evaluates `expression`
                // (`__version__` by default): a variable's literal in that module (or in
                // the module it imports it from) is the version. A call or any other
                // expression runs code.
                Some("code") => {
                    let expression = h
                        .get("expression")
                        .and_then(Item::as_str)
                        .unwrap_or("__version__")
                        .trim()
                        .to_string();
                    let identifier = !expression.is_empty()
                        && !expression.starts_with(|c: char| c.is_ascii_digit())
                        && expression
                            .chars()
                            .all(|c| c.is_ascii_alphanumeric() || c == '_');
                    let path = h.get("path").and_then(Item::as_str);
                    return match path {
                        Some(path) if identifier => PyVersion::HatchCode {
                            path: path.to_string(),
                            expression,
                            search_paths: h
                                .get("search-paths")
                                .and_then(Item::as_array)
                                .map(|a| {
                                    a.iter()
                                        .filter_map(|v| v.as_str().map(str::to_owned))
                                        .collect()
                                })
                                .unwrap_or_default(),
                        },
                        Some(_) => self.unreadable(
                            "[tool.hatch.version] source = \"code\" runs Python to get the version"
                                .into(),
                            "tool.hatch.version",
                            "source",
                        ),
                        None => self.unreadable(
                            "[tool.hatch.version] source = \"code\" has no `path`".into(),
                            "tool.hatch.version",
                            "source",
                        ),
                    };
                }
                Some(other) if other != "regex" => {
                    return self.unreadable(
                        format!(
                        "[tool.hatch.version] source = \"{other}\" is a plugin pyrel does not know"
                    ),
                        "tool.hatch.version",
                        "source",
                    )
                }
                _ => {}
            }
            if let Some(p) = h.get("path").and_then(Item::as_str) {
                if let Some(pattern) = h.get("pattern").and_then(Item::as_str) {
                    return PyVersion::HatchPattern(p.to_string(), pattern.to_string());
                }
                return PyVersion::HatchPath(p.to_string());
            }
        }
        // pdm-pep517, pdm-backend's predecessor: `[tool.pdm] version = {use_scm = true}`
        // or `{from = "pkg/__init__.py"}` (its `__version__`).
        if let Some(v) = self
            .table("tool.pdm")
            .and_then(|p| p.get("version"))
            .and_then(Item::as_table_like)
        {
            if v.get("use_scm").and_then(Item::as_bool) == Some(true) {
                return PyVersion::Vcs(VcsTool::PdmScm);
            }
            if let Some(path) = v.get("from").and_then(Item::as_str) {
                return PyVersion::PdmPath(path.to_string());
            }
        }
        if let Some(p) = self.table("tool.pdm.version") {
            match p.get("source").and_then(Item::as_str) {
                Some("scm") => return PyVersion::Vcs(VcsTool::PdmScm),
                Some("file") => {
                    if let Some(path) = p.get("path").and_then(Item::as_str) {
                        return PyVersion::PdmPath(path.to_string());
                    }
                }
                Some("call") => {
                    return self.unreadable(
                        "[tool.pdm.version] source = \"call\" runs Python to get the version"
                            .into(),
                        "tool.pdm.version",
                        "source",
                    )
                }
                _ => {}
            }
        }
        if let Some(d) = self.table("tool.setuptools.dynamic") {
            let v = d.get("version").and_then(Item::as_table_like);
            if let Some(attr) = v.and_then(|v| v.get("attr")).and_then(Item::as_str) {
                return PyVersion::Attr(attr.to_string());
            }
            if let Some(file) = v.and_then(|v| v.get("file")) {
                let files: Vec<String> = match file.as_str() {
                    Some(f) => vec![f.to_string()],
                    None => file
                        .as_array()
                        .map(|a| {
                            a.iter()
                                .filter_map(|x| x.as_str().map(str::to_owned))
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                return PyVersion::File(files);
            }
        }
        if self.table("tool.versioningit").is_some() || requires.iter().any(|r| r == "versioningit")
        {
            return PyVersion::Vcs(VcsTool::Versioningit);
        }
        if self.table("tool.uv-dynamic-versioning").is_some()
            || requires.iter().any(|r| r == "uv-dynamic-versioning")
        {
            return PyVersion::Vcs(VcsTool::UvDynamicVersioning);
        }
        if requires.iter().any(|r| r == "dunamai") || self.table("tool.dunamai").is_some() {
            return PyVersion::Vcs(VcsTool::Dunamai);
        }
        if backend == "maturin" || requires.iter().any(|r| r == "maturin") {
            let manifest = self
                .table("tool.maturin")
                .and_then(|m| m.get("manifest-path"))
                .and_then(Item::as_str)
                .map(str::to_owned);
            return PyVersion::Maturin(manifest);
        }
        if backend.starts_with("flit_core") || backend == "flit.buildapi" {
            let module = self
                .table("tool.flit.module")
                .and_then(|m| m.get("name"))
                .and_then(Item::as_str)
                .map(str::to_owned);
            return PyVersion::Flit(module);
        }
        if self.uses_setuptools_scm() {
            return PyVersion::Vcs(VcsTool::SetuptoolsScm);
        }
        if self
            .build_requires()
            .iter()
            .any(|r| r == "poetry-dynamic-versioning")
        {
            return PyVersion::Vcs(VcsTool::PoetryDynamic);
        }
        PyVersion::Dynamic
    }

    /// Requirements files that fill dynamic dependencies, `(section, file)` with the file
    /// relative to the package: setuptools' `[tool.setuptools.dynamic] dependencies =
    /// {file = [...]}` (and `optional-dependencies.EXTRA`), and the hatch-requirements-txt
    /// metadata hook (`files`/`filename`, `requirements.txt` by default, and its
    /// `optional-dependencies` table).
    pub(crate) fn requirement_files(&self) -> Vec<(String, String)> {
        let strings = |item: Option<&Item>| -> Vec<String> {
            match item {
                Some(i) if i.as_str().is_some() => {
                    i.as_str().map(str::to_owned).into_iter().collect()
                }
                Some(i) => i
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|x| x.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default(),
                None => Vec::new(),
            }
        };
        let mut out = Vec::new();
        let deps = self.dynamic("dependencies");
        let extras = self.dynamic("optional-dependencies");
        if let Some(d) = self.table("tool.setuptools.dynamic") {
            if deps {
                let file = d
                    .get("dependencies")
                    .and_then(Item::as_table_like)
                    .and_then(|t| t.get("file"));
                for f in strings(file) {
                    out.push(("dependencies".to_string(), f));
                }
            }
            if let (true, Some(opt)) = (
                extras,
                d.get("optional-dependencies").and_then(Item::as_table_like),
            ) {
                for (extra, item) in opt.iter() {
                    let file = item.as_table_like().and_then(|t| t.get("file"));
                    for f in strings(file) {
                        out.push((format!("optional-dependencies.{extra}"), f));
                    }
                }
            }
        }
        if let Some(hook) = self.table("tool.hatch.metadata.hooks.requirements_txt") {
            if deps {
                let mut files = strings(hook.get("files"));
                files.extend(strings(hook.get("filename")));
                if files.is_empty() {
                    files.push("requirements.txt".to_string());
                }
                for f in files {
                    out.push(("dependencies".to_string(), f));
                }
            }
            if let (true, Some(opt)) = (
                extras,
                hook.get("optional-dependencies")
                    .and_then(Item::as_table_like),
            ) {
                for (extra, item) in opt.iter() {
                    for f in strings(Some(item)) {
                        out.push((format!("optional-dependencies.{extra}"), f));
                    }
                }
            }
        }
        out
    }

    /// Every requirement string of the package, with its section.
    pub(crate) fn deps(&self) -> Vec<DepLit> {
        let mut out = Vec::new();
        if let Some(p) = self.table("project") {
            self.push_array(&mut out, p.get("dependencies"), "dependencies");
            if let Some(opt) = p.get("optional-dependencies").and_then(Item::as_table_like) {
                for (extra, item) in opt.iter() {
                    self.push_array(
                        &mut out,
                        Some(item),
                        &format!("optional-dependencies.{extra}"),
                    );
                }
            }
        }
        // hatch's uv-dynamic-versioning metadata hook fills dynamic dependencies from
        // templates (`sibling=={{ version }}`): the same edges as `[project]`'s.
        if let Some(hook) = self.table("tool.hatch.metadata.hooks.uv-dynamic-versioning") {
            if self.dynamic("dependencies") {
                self.push_array(&mut out, hook.get("dependencies"), "dependencies");
            }
            if self.dynamic("optional-dependencies") {
                if let Some(opt) = hook
                    .get("optional-dependencies")
                    .and_then(Item::as_table_like)
                {
                    for (extra, item) in opt.iter() {
                        self.push_array(
                            &mut out,
                            Some(item),
                            &format!("optional-dependencies.{extra}"),
                        );
                    }
                }
            }
        }
        if let Some(groups) = self.table("dependency-groups") {
            for (group, item) in groups.iter() {
                self.push_array(&mut out, Some(item), &format!("dependency-groups.{group}"));
            }
        }
        for section in ["tool.poetry.dependencies", "tool.poetry.dev-dependencies"] {
            if let Some(t) = self.table(section) {
                self.push_poetry(&mut out, t, section);
            }
        }
        if let Some(groups) = self.table("tool.poetry.group") {
            for (group, item) in groups.iter() {
                if let Some(t) = item
                    .as_table_like()
                    .and_then(|g| g.get("dependencies"))
                    .and_then(Item::as_table_like)
                {
                    self.push_poetry(
                        &mut out,
                        t,
                        &format!("tool.poetry.group.{group}.dependencies"),
                    );
                }
            }
        }
        out
    }

    fn push_array(&self, out: &mut Vec<DepLit>, item: Option<&Item>, section: &str) {
        let Some(arr) = item.and_then(Item::as_array) else {
            return;
        };
        for v in arr.iter() {
            if let Some(lit) = self.str_lit(v) {
                out.push(DepLit {
                    section: section.to_string(),
                    lit,
                    poetry_name: None,
                    unpinned: false,
                });
            }
        }
    }

    fn push_poetry(&self, out: &mut Vec<DepLit>, table: &dyn TableLike, section: &str) {
        for (name, _) in table.iter() {
            if name == "python" {
                continue;
            }
            let Some((key, item)) = table.get_key_value(name) else {
                continue;
            };
            let lit = match item.as_value() {
                Some(v @ Value::String(_)) => self.str_lit(v),
                _ => item
                    .as_table_like()
                    .and_then(|t| t.get("version"))
                    .and_then(Item::as_value)
                    .and_then(|v| self.str_lit(v)),
            };
            let unpinned = lit.is_none();
            // A path/git dependency without a version: point at the key itself.
            let lit = lit.or_else(|| {
                let span = key.span()?;
                Some(Literal {
                    line: line_col(&self.text, span.start).0,
                    value: self.text.get(span.clone())?.to_string(),
                    span,
                })
            });
            if let Some(lit) = lit {
                out.push(DepLit {
                    section: section.to_string(),
                    lit,
                    poetry_name: Some(name.to_string()),
                    unpinned,
                });
            }
        }
    }

    /// `[tool.uv.workspace]`, when declared.
    pub(crate) fn workspace(&self) -> Option<Workspace> {
        let ws = self.table("tool.uv.workspace")?;
        let strings = |key: &str| -> Vec<String> {
            ws.get(key)
                .and_then(Item::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_str().map(str::to_owned))
                        .collect()
                })
                .unwrap_or_default()
        };
        let line = ws
            .get("members")
            .and_then(Item::span)
            .map_or(1, |s| line_col(&self.text, s.start).0);
        Some(Workspace {
            members: strings("members"),
            exclude: strings("exclude"),
            line,
        })
    }
}

/// Include and exclude globs of the policy's `packages` key, each with its line.
pub(crate) type PackageLists = (Option<(Vec<String>, usize)>, Option<(Vec<String>, usize)>);

/// `packages = { include = [...], exclude = [...] }` of a policy table. A value of the
/// wrong shape is an error naming the line.
fn package_lists(path: &Path, text: &str, table: &dyn TableLike) -> Result<Option<PackageLists>> {
    let Some((key, item)) = table.get_key_value("packages") else {
        return Ok(None);
    };
    let line = key
        .span()
        .or_else(|| item.span())
        .map_or(1, |s| line_col(text, s.start).0);
    let bad = |what: &str| Error::Parse {
        path: path.to_path_buf(),
        line: Some(line),
        column: None,
        message: format!("policy key `packages`: {what}"),
        hint: Some(
            "write `packages = { include = [\"libs/*\"], exclude = [\"libs/internal\"] }`".into(),
        ),
    };
    let t = item
        .as_table_like()
        .ok_or_else(|| bad("expected a table with `include` and/or `exclude`"))?;
    let mut lists: PackageLists = (None, None);
    for (k, v) in t.iter() {
        let arr = v
            .as_array()
            .ok_or_else(|| bad(&format!("`{k}` must be a list of globs")))?;
        let mut globs = Vec::new();
        for g in arr.iter() {
            let g = g
                .as_str()
                .ok_or_else(|| bad(&format!("`{k}` must be a list of strings")))?;
            if g.contains("..") || g.starts_with('/') || g.chars().any(char::is_control) {
                return Err(bad(&format!(
                    "`{g}` must be a relative glob inside the repository"
                )));
            }
            globs.push(g.to_string());
        }
        match k {
            "include" => lists.0 = Some((globs, line)),
            "exclude" => lists.1 = Some((globs, line)),
            other => return Err(bad(&format!("unknown key `{other}`"))),
        }
    }
    Ok(Some(lists))
}

/// The `packages` key of `pyrel.toml` at `root`, with the file's path.
pub(crate) fn load_pyrel_toml_packages(root: &Path) -> Result<Option<(PathBuf, PackageLists)>> {
    let path = root.join("pyrel.toml");
    let Some(pp) = load(&path)? else {
        return Ok(None);
    };
    Ok(package_lists(&path, &pp.text, pp.doc.as_table())?.map(|l| (path, l)))
}

impl Pyproject {
    /// `[tool.pyrel] packages`, when the policy lives in this pyproject.toml.
    pub(crate) fn pyrel_packages(&self) -> Result<Option<PackageLists>> {
        match self.table("tool.pyrel") {
            Some(t) => package_lists(&self.path, &self.text, t),
            None => Ok(None),
        }
    }

    /// Whether the policy lives here (`[tool.pyrel]`).
    pub(crate) fn has_pyrel_table(&self) -> bool {
        self.table("tool.pyrel").is_some()
    }
}

/// A `Cargo.toml`, for the version of maturin projects.
pub(crate) struct CargoToml(Pyproject);

/// What `[package] version` says.
pub(crate) enum CargoVersion {
    Literal(Literal),
    /// `version.workspace = true`.
    Workspace,
    Missing,
}

impl CargoToml {
    pub(crate) fn load(path: &Path) -> Result<Option<CargoToml>> {
        Ok(load(path)?.map(CargoToml))
    }

    pub(crate) fn package_version(&self) -> CargoVersion {
        let p = &self.0;
        let Some(v) = p.table("package").and_then(|t| t.get("version")) else {
            return CargoVersion::Missing;
        };
        if let Some(l) = v.as_value().and_then(|v| p.str_lit(v)) {
            return CargoVersion::Literal(l);
        }
        if v.as_table_like()
            .and_then(|t| t.get("workspace"))
            .and_then(Item::as_bool)
            == Some(true)
        {
            return CargoVersion::Workspace;
        }
        CargoVersion::Missing
    }

    pub(crate) fn workspace_version(&self) -> Option<Literal> {
        let p = &self.0;
        p.table("workspace.package")
            .and_then(|t| p.value(t, "version"))
            .and_then(|v| p.str_lit(v))
    }
}

/// A TOML string value's text inside its quotes, with its span and line. The value is
/// the raw text (what a later edit replaces); for requirement strings the caller
/// decodes via [`Value::as_str`] when it needs to.
fn toml_str(text: &str, v: &Value) -> Option<Literal> {
    let decoded = v.as_str()?;
    let span = v.span()?;
    let raw = text.get(span.clone())?;
    let q = if raw.starts_with("\"\"\"") || raw.starts_with("'''") {
        3
    } else {
        1
    };
    if span.len() < 2 * q {
        return None;
    }
    let mut start = span.start + q;
    let end = span.end - q;
    if q == 3 {
        // TOML trims a newline right after the opening delimiter.
        if text[start..end].starts_with("\r\n") {
            start += 2;
        } else if text[start..end].starts_with('\n') {
            start += 1;
        }
    }
    let inner = &text[start..end];
    // Requirement strings are matched on their decoded value; versions are spliced
    // raw, and never contain escapes in practice. Keep the decoded text only when it
    // differs (an escape), so `text[span] == value` holds for every plain string.
    let value = if inner == decoded { inner } else { decoded };
    Some(Literal {
        line: line_col(text, start).0,
        span: start..end,
        value: value.to_string(),
    })
}

/// The leading distribution name of a requirement string, for the build-system check
/// and as the conservative fallback when PEP 508 parsing fails.
pub(crate) fn name_prefix(req: &str) -> &str {
    let req = req.trim_start();
    let end = req
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')))
        .unwrap_or(req.len());
    req[..end].trim_end_matches(['.', '-', '_'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pp(text: &str) -> Pyproject {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pyproject.toml");
        std::fs::write(&p, text).unwrap();
        load(&p).unwrap().unwrap()
    }

    #[test]
    fn spans_of_plain_literal_and_multiline_strings() {
        let t = "[project]\nname = 'pkg'\nversion = \"1.0.0\"\ndependencies = [\n  \"\"\"core>=1\"\"\",\n  'x ; python_version < \"3.9\"',\n]\n";
        let p = pp(t);
        let (name, kind) = p.identity().unwrap();
        assert_eq!((&t[name.span.clone()], kind), ("pkg", SourceKind::Project));
        match p.version(kind) {
            PyVersion::Literal(SourceKind::Project, l) => {
                assert_eq!((&t[l.span.clone()], l.line), ("1.0.0", 3))
            }
            other => panic!("{other:?}"),
        }
        let deps = p.deps();
        assert_eq!(&t[deps[0].lit.span.clone()], "core>=1");
        assert_eq!(deps[0].lit.line, 5);
        assert_eq!(&t[deps[1].lit.span.clone()], "x ; python_version < \"3.9\"");
    }

    #[test]
    fn import_packages_as_the_backends_ship_them() {
        let got = |t: &str| pp(t).import_packages();
        let s = |v: &[(&str, &str)]| -> Vec<(String, String)> {
            v.iter()
                .map(|(a, b)| (a.to_string(), b.to_string()))
                .collect()
        };
        assert_eq!(
            got("[tool.hatch.build.targets.wheel]\npackages = [\"src/tool_core\", \"src/opentelemetry\"]\n"),
            s(&[("tool_core", "src"), ("opentelemetry", "src")])
        );
        assert_eq!(
            got("[tool.setuptools]\npackage-dir = {\"\" = \"lib\"}\npackages = [\"attrlib\", \"attrlib.sub\"]\n"),
            s(&[("attrlib", "lib")])
        );
        assert_eq!(
            got("[tool.poetry]\nname = \"x\"\npackages = [{ include = \"poetic\", from = \"src\" }]\n"),
            s(&[("poetic", "src")])
        );
        assert_eq!(
            got("[tool.flit.module]\nname = \"flitmod\"\n"),
            s(&[("flitmod", "")])
        );
        assert!(got("[project]\nname = \"x\"\n").is_empty());
    }

    #[test]
    fn virtual_private_and_backend() {
        let p = pp("[project]\nname = \"x\"\nclassifiers = [\"Private :: Do Not Upload\"]\n[tool.uv]\npackage = false\n");
        assert!(p.is_private() && p.uv_package() == Some(false) && !p.has_build_system());
        let p = pp("[build-system]\nbuild-backend = \"maturin\"\n[project]\nname = \"x\"\ndynamic = [\"version\"]\n");
        assert_eq!(p.version(SourceKind::Project), PyVersion::Maturin(None));
        assert!(!p.is_private() && p.uv_package().is_none());
        let p = pp("[project]\nname = \"app\"\n[tool.pdm]\ndistribution = false\n");
        assert_eq!(p.uv_package(), Some(false));
    }

    #[test]
    fn dynamic_version_configurations() {
        let base = "[project]\nname = \"p\"\ndynamic = [\"version\"]\n";
        let cases = [
            (
                "[tool.hatch.version]\nsource = \"vcs\"\n",
                PyVersion::Vcs(VcsTool::HatchVcs),
            ),
            (
                "[tool.hatch.version]\npath = \"src/p/__about__.py\"\n",
                PyVersion::HatchPath("src/p/__about__.py".into()),
            ),
            (
                "[tool.setuptools_scm]\n",
                PyVersion::Vcs(VcsTool::SetuptoolsScm),
            ),
            (
                "[build-system]\nrequires = [\"setuptools>=64\", \"setuptools-scm>=8\"]\n",
                PyVersion::Vcs(VcsTool::SetuptoolsScm),
            ),
            (
                "[tool.setuptools.dynamic]\nversion = {attr = \"p.__version__\"}\n",
                PyVersion::Attr("p.__version__".into()),
            ),
            (
                "[tool.pdm.version]\nsource = \"scm\"\n",
                PyVersion::Vcs(VcsTool::PdmScm),
            ),
            (
                "[tool.pdm]\nversion = {use_scm = true}\n",
                PyVersion::Vcs(VcsTool::PdmScm),
            ),
            (
                "[tool.pdm]\nversion = {from = \"p/__init__.py\"}\n",
                PyVersion::PdmPath("p/__init__.py".into()),
            ),
            ("", PyVersion::Dynamic),
        ];
        for (extra, want) in cases {
            let p = pp(&format!("{base}{extra}"));
            assert_eq!(p.version(SourceKind::Project), want, "{extra}");
        }
    }

    #[test]
    fn poetry_dependencies() {
        let t = "[tool.poetry]\nname = \"app\"\nversion = \"3.2.0\"\n[tool.poetry.dependencies]\npython = \"^3.9\"\nlib = \"^3.2.0\"\nlocal = { path = \"../local\", develop = true }\npinned = { version = \"==1.0\", extras = [\"x\"] }\n";
        let p = pp(t);
        let deps = p.deps();
        let got: Vec<(&str, &str)> = deps
            .iter()
            .map(|d| (d.poetry_name.as_deref().unwrap(), &t[d.lit.span.clone()]))
            .collect();
        assert_eq!(
            got,
            [("lib", "^3.2.0"), ("local", "local"), ("pinned", "==1.0")]
        );
        assert!(deps[1].unpinned && !deps[0].unpinned);
    }

    #[test]
    fn malformed_toml_has_line_and_column() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("pyproject.toml");
        std::fs::write(&p, "[project]\nname = \"x\"\nversion = = 1\n").unwrap();
        match load(&p) {
            Err(Error::Parse {
                line,
                column,
                message,
                ..
            }) => {
                assert_eq!(line, Some(3));
                assert!(column.is_some());
                assert!(message.contains("TOML"), "{message}");
            }
            other => panic!("{:?}", other.map(|_| ())),
        }
    }

    #[test]
    fn name_prefix_is_conservative() {
        assert_eq!(name_prefix("setuptools-scm>=8"), "setuptools-scm");
        assert_eq!(name_prefix("  a.b[x] ; os_name"), "a.b");
        assert_eq!(name_prefix("!!"), "");
    }
}
