//! Which packages compile code, and with what: they need platform wheels built on
//! Linux, macOS and Windows, not one `ubuntu-latest` wheel.
//!
//! The only file reads of the plan: each package's `pyproject.toml` (build backend, build
//! requirements, setuptools `ext-modules`) and `setup.py` (extension modules, Cython).
//! A file that cannot be read or parsed is a pure package here; discovery reports it.

use std::path::Path;

use serde::Serialize;

use crate::project::{Package, Project};

/// How a compiled package's wheels are built.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum WheelTool {
    /// pypa/cibuildwheel: C, C++, Cython (setuptools, scikit-build-core, meson-python).
    Cibuildwheel,
    /// PyO3/maturin-action: Rust.
    Maturin,
}

/// One package with compiled code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Compiled {
    /// Normalized distribution name (the `dist/<name>/` directory).
    pub(crate) name: String,
    /// Directory relative to the root, `.` for the root.
    pub(crate) dir: String,
    pub(crate) tool: WheelTool,
    /// What gave it away, for the workflow's comment.
    pub(crate) backend: String,
}

fn read(root: &Path, rel: &Path) -> Option<String> {
    std::fs::read_to_string(root.join(rel)).ok()
}

/// The build of one package, from its files.
fn detect_one(root: &Path, p: &Package) -> Option<(WheelTool, String)> {
    let pyproject = read(root, &p.dir.join("pyproject.toml"))
        .and_then(|t| t.parse::<toml_edit::DocumentMut>().ok());
    if let Some(doc) = &pyproject {
        let backend = doc
            .get("build-system")
            .and_then(|b| b.get("build-backend"))
            .and_then(|b| b.as_str())
            .unwrap_or("");
        match backend {
            "maturin" => return Some((WheelTool::Maturin, "maturin".into())),
            "scikit_build_core.build" => {
                return Some((WheelTool::Cibuildwheel, "scikit-build-core".into()))
            }
            "mesonpy" => return Some((WheelTool::Cibuildwheel, "meson-python".into())),
            _ => {}
        }
        let requires: Vec<String> = doc
            .get("build-system")
            .and_then(|b| b.get("requires"))
            .and_then(|r| r.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .map(|r| {
                        r.split(|c: char| {
                            !(c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
                        })
                        .next()
                        .unwrap_or("")
                        .to_ascii_lowercase()
                    })
                    .collect()
            })
            .unwrap_or_default();
        if requires.iter().any(|r| r == "cython") {
            return Some((WheelTool::Cibuildwheel, "Cython".into()));
        }
        let ext_modules = doc
            .get("tool")
            .and_then(|t| t.get("setuptools"))
            .and_then(|s| s.get("ext-modules"))
            .is_some();
        if ext_modules {
            return Some((WheelTool::Cibuildwheel, "setuptools ext-modules".into()));
        }
    }
    let setup_py = read(root, &p.dir.join("setup.py"))?;
    ["ext_modules", "Extension(", "cythonize("]
        .iter()
        .any(|needle| setup_py.contains(needle))
        .then(|| {
            (
                WheelTool::Cibuildwheel,
                "setuptools extension modules".into(),
            )
        })
}

/// Every package with compiled code, in the project's order.
pub(crate) fn detect(project: &Project) -> Vec<Compiled> {
    project
        .packages
        .iter()
        .filter_map(|p| {
            let (tool, backend) = detect_one(&project.root, p)?;
            Some(Compiled {
                name: p.normalized.clone(),
                dir: if p.dir.as_os_str().is_empty() {
                    ".".into()
                } else {
                    crate::workspace_fs::slash(&p.dir)
                },
                tool,
                backend,
            })
        })
        .collect()
}
