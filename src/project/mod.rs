//! Discovery: from any directory inside a repository, find its root and every Python
//! package in it, with each package's version sources and sibling dependencies.
//!
//! Discovery only reads. Every path stored here is relative to [`Project::root`].

use std::ops::Range;
use std::path::PathBuf;

use serde::Serialize;

pub(crate) mod changelogs;
pub(crate) mod choices;
mod discover;
pub(crate) mod evidence;
pub(crate) mod git;
pub(crate) mod publishing;
pub(crate) mod pyfile;
pub(crate) mod pyproject;
pub(crate) mod setup_cfg;
pub(crate) mod setup_py;

pub(crate) use discover::locate;
pub use discover::{discover, order};

/// A Python repository as found on disk.
#[derive(Debug, Clone, Serialize)]
pub struct Project {
    /// Absolute path of the repository root (the git top level, or the outermost
    /// directory with Python project metadata when there is no git).
    pub root: PathBuf,
    pub layout: Layout,
    /// Every package, ordered so that a dependency always comes before its dependents.
    pub packages: Vec<Package>,
    /// `pyproject.toml` at the root, when there is one (it may or may not be a package).
    pub root_pyproject: Option<PathBuf>,
    /// `pyrel.toml` at the root, when there is one.
    pub pyrel_toml: Option<PathBuf>,
    /// owner/repo of the `origin` remote, when it is a GitHub-style URL.
    pub remote: Option<git::Remote>,
    /// Workflow files already in `.github/workflows/` (relative paths, sorted).
    pub workflows: Vec<PathBuf>,
    /// Projects found but not released (virtual uv projects, `Private :: Do Not Upload`,
    /// excluded by the policy), in path order.
    pub skipped: Vec<Skipped>,
    /// What discovery could not read, one entry per package: the rest of the repository
    /// still works, and doctor reports each as a finding naming file and line.
    pub problems: Vec<Problem>,
    /// Package directories released on the evidence of a publishing workflow alone (a
    /// project outside the uv workspace, `[tool.uv] package = false`, one of two with one
    /// name): init writes them down, as the workflow may be the one pyrel replaces.
    pub(crate) by_workflow: Vec<PathBuf>,
    /// Requirements a package declares where its build backend ignores them (setup.py's
    /// `install_requires` next to a static `[project]`): still ordering the release and
    /// moved on bump, and named by doctor as missing from the published metadata.
    pub(crate) ignored_requires: Vec<Problem>,
    /// Changelogs under common names (CHANGELOG.md, CHANGES.rst, docs/changelog.md, ...).
    pub changelogs: Vec<PathBuf>,
    /// towncrier's configuration, when the repository builds its changelog from fragments.
    pub towncrier: Option<changelogs::Towncrier>,
}

impl Project {
    /// The package a user named (`--package NAME`, compared by normalized name); a usage
    /// error listing the packages when there is none.
    pub(crate) fn package_named(&self, name: &str) -> crate::error::Result<&Package> {
        let wanted = normalize_name(name);
        self.packages
            .iter()
            .find(|p| p.normalized == wanted)
            .ok_or_else(|| {
                crate::error::Error::usage(
                    format!("no package named `{name}` in this repository"),
                    Some(&format!(
                        "packages: {}",
                        self.packages
                            .iter()
                            .map(|p| p.name.as_str())
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                )
            })
    }
}

/// A project pyrel found and deliberately does not release.
#[derive(Debug, Clone, Serialize)]
pub struct Skipped {
    pub name: String,
    pub(crate) dir: PathBuf,
    pub(crate) manifest: PathBuf,
    pub reason: SkipReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    /// A virtual project, never built: `[tool.uv] package = false`, poetry's
    /// `package-mode = false`, or no `[build-system]` inside a uv workspace (a virtual
    /// workspace root is the workspace itself).
    Virtual,
    /// The classifier `Private :: Do Not Upload`: PyPI refuses the upload.
    Private,
    /// Left out by the policy's `packages` include/exclude globs.
    Excluded,
    /// Taken out of its uv workspace by `[tool.uv.workspace] exclude`, and not named by
    /// the policy's `packages.include`.
    WorkspaceExcluded,
    /// Declares the name of a project with more evidence of being the release (a uv
    /// workspace member, built by one of the repository's publishing workflows, not
    /// under test or example material).
    Duplicate,
    /// Declares the same name as another project and nothing says which one is
    /// released: a problem of the repository until `packages.exclude` names one.
    Ambiguous,
    /// Test, example, sample or internal-tool material by its directory's name, next to
    /// the packages the repository publishes, and built by none of its publishing
    /// workflows.
    Material,
}

impl SkipReason {
    pub fn describe(self) -> &'static str {
        match self {
            SkipReason::Virtual => "virtual project (not built)",
            SkipReason::Private => "classifier `Private :: Do Not Upload`",
            SkipReason::Excluded => "excluded by the policy's `packages` globs",
            SkipReason::WorkspaceExcluded => {
                "excluded from the uv workspace (name its directory in the policy's `packages.include` to release it)"
            }
            SkipReason::Duplicate => {
                "another project declares the same name and is the one released (workspace member, built by a publishing workflow, or not test/example material)"
            }
            SkipReason::Ambiguous => {
                "another project declares the same name and nothing says which is released (name one in the policy's `packages.exclude`)"
            }
            SkipReason::Material => {
                "test, example or internal-tool material that no publishing workflow builds (name its directory in the policy's `packages.include` to release it)"
            }
        }
    }
}

/// Something discovery could not read in one package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// The package's name when it could be read.
    pub package: Option<String>,
    /// File relative to the root.
    pub path: PathBuf,
    pub line: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Layout {
    /// One package at the root (flat or `src/` layout).
    Single,
    /// A uv workspace: `[tool.uv.workspace] members`.
    UvWorkspace,
    /// Several packages in subdirectories (e.g. `setup.py` packages), possibly with a
    /// root meta-package.
    Multi,
}

/// One distribution that gets published.
#[derive(Debug, Clone, Serialize)]
pub struct Package {
    /// The name as declared.
    pub name: String,
    /// PEP 503 normalized name (lowercase, runs of `-_.` become `-`).
    pub normalized: String,
    /// Directory of the package relative to the root (`""` for the root).
    pub dir: PathBuf,
    /// The file that declares the package: `pyproject.toml`, `setup.py` or `setup.cfg`.
    pub manifest: PathBuf,
    /// The top-level import name, when it could be found (`src/foo/__init__.py` → `foo`).
    pub import_name: Option<String>,
    /// How the version is defined.
    pub scheme: VersionScheme,
    /// Every place that holds a literal version of this package. The first one is the
    /// primary (the one build backends read).
    pub version_sources: Vec<VersionSource>,
    /// Dependencies on other packages of this repository.
    pub siblings: Vec<SiblingDep>,
    /// Packages of this repository it requires through a computed requirement
    /// (`f"core{pin}"` in setup.py), normalized: released after them, no pin to check.
    #[serde(skip)]
    pub order_after: Vec<String>,
    /// How its wheels are built when it has compiled code (`None`: pure Python), and what
    /// gave that away; read from the manifests discovery already parsed.
    pub wheels: Option<(WheelTool, &'static str)>,
}

/// How a compiled package's wheels are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WheelTool {
    /// pypa/cibuildwheel: C, C++, Cython (setuptools, scikit-build-core, meson-python).
    Cibuildwheel,
    /// PyO3/maturin-action: Rust.
    Maturin,
}

impl Package {
    /// The version build backends would read, when it is a literal in the repo.
    pub fn version(&self) -> Option<&str> {
        self.version_sources.first().map(|s| s.value.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum VersionScheme {
    /// A literal version in a file (pyproject, setup.py, setup.cfg, or a file a dynamic
    /// version points to).
    Static,
    /// Derived from git tags at build time: nothing to write on a bump.
    Vcs { tool: VcsTool },
    /// No version could be found.
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum VcsTool {
    HatchVcs,
    SetuptoolsScm,
    PdmScm,
    PoetryDynamic,
    Versioningit,
    UvDynamicVersioning,
    Dunamai,
    /// OpenStack's pbr (`setup(pbr=True)`): the version comes from git tags.
    Pbr,
    /// versioneer (`version=versioneer.get_version()`): from git tags.
    Versioneer,
}

/// A literal version token in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VersionSource {
    pub kind: SourceKind,
    /// File relative to the root.
    pub path: PathBuf,
    /// 1-based line of the token.
    pub line: usize,
    /// Byte range of the version text itself (inside the quotes) in the file, so a bump
    /// replaces exactly that token and nothing else.
    pub span: Range<usize>,
    /// The version text as written.
    pub value: String,
    /// What finds the version in the file when its kind alone does not: the hatch
    /// `pattern` of a [`SourceKind::HatchPattern`], the variable of a
    /// [`SourceKind::HatchCode`].
    #[serde(skip_serializing_if = "Option::is_none")]
    pub locator: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SourceKind {
    /// `[project].version` in pyproject.toml.
    Project,
    /// `[tool.poetry].version`.
    Poetry,
    /// `[metadata] version` in setup.cfg.
    SetupCfg,
    /// `setup(version="...")` in setup.py.
    SetupPy,
    /// The file `[tool.hatch.version] path` points to.
    HatchPath,
    /// The `version` group of `[tool.hatch.version] pattern` in the file `path` points
    /// to (any file: `package.json`).
    HatchPattern,
    /// The variable `[tool.hatch.version] expression` names, with `source = "code"`.
    HatchCode,
    /// The attribute a setuptools `version = {attr = "..."}` / `attr:` points to.
    Attr,
    /// A `__version__ = "..."` literal in `__init__.py`, `__about__.py` or `_version.py`
    /// that build backends do not read but users import.
    DunderVersion,
    /// The file `[tool.pdm.version] path` points to (`source = "file"`).
    PdmPath,
    /// `__version__` of the module flit builds (flit reads it for a dynamic version).
    FlitModule,
    /// `[package].version` in the `Cargo.toml` of a maturin project.
    Cargo,
    /// `[workspace.package].version` in the Cargo workspace root a maturin project
    /// inherits from (`version.workspace = true`).
    CargoWorkspace,
    /// `version: '1.2.3'` in the `project()` call of a meson-python project's `meson.build`.
    MesonBuild,
    /// A plain text file holding only the version (`version = {file = "VERSION"}`,
    /// `version = file: VERSION`).
    VersionFile,
}

/// A dependency of one package on another package of the same repository.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SiblingDep {
    /// Normalized name of the sibling.
    pub name: String,
    /// The requirement string as written, e.g. `core-lib>=1.2,<2`. For a poetry
    /// table entry it is the constraint string (`^1.2`), or the key when the entry has
    /// no version. Always the text at `span`, unless the TOML string has escapes.
    pub requirement: String,
    /// The version specifier part (`>=1.2,<2`), empty when unpinned.
    pub specifier: String,
    /// Where: `dependencies`, `optional-dependencies.NAME`, `install_requires`,
    /// `extras_require.NAME`, `tool.poetry.dependencies`.
    pub section: String,
    /// File relative to the root.
    pub path: PathBuf,
    pub line: usize,
    /// Byte range of the requirement text inside its quotes.
    pub span: Range<usize>,
}

/// PEP 503 normalization: [`crate::grammar::normalized_dist_name`].
pub(crate) fn normalize_name(name: &str) -> String {
    crate::grammar::normalized_dist_name(name)
}

/// A PEP 508 distribution name: ASCII letters and digits, with `-_.` inside.
/// Anything else (quotes, spaces, `${{`) is refused before it reaches YAML or a shell.
pub(crate) fn is_valid_dist_name(name: &str) -> bool {
    let b = name.as_bytes();
    !b.is_empty()
        && b.first().is_some_and(u8::is_ascii_alphanumeric)
        && b.last().is_some_and(u8::is_ascii_alphanumeric)
        && b.iter()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503() {
        assert_eq!(normalize_name("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(normalize_name("a-_-b"), "a-b");
    }

    #[test]
    fn dist_names() {
        assert!(is_valid_dist_name("my_pkg.core-2"));
        assert!(!is_valid_dist_name("x\"; rm -rf /"));
        assert!(!is_valid_dist_name("-x"));
        assert!(!is_valid_dist_name("a${{b}}"));
    }
}
