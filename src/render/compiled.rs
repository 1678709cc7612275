//! Which packages compile code, and with what: they need platform wheels built on
//! Linux, macOS and Windows, not one `ubuntu-latest` wheel.
//!
//! What gives compiled code away (the build backend, build requirements, setuptools
//! `ext-modules`, extension modules or Cython in `setup.py`) is read by discovery from
//! the manifests it parses anyway ([`crate::project::Package::wheels`]): the plan reads
//! no file.

use serde::Serialize;

use crate::project::Project;

pub use crate::project::WheelTool;

/// One package with compiled code.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Compiled {
    /// Normalized distribution name (the `dist/<name>/` directory).
    pub name: String,
    /// Directory relative to the root, `.` for the root.
    pub dir: String,
    pub tool: WheelTool,
    /// What gave it away, for the workflow's comment.
    pub backend: String,
}

/// Every package with compiled code, in the project's order.
pub fn detect(project: &Project) -> Vec<Compiled> {
    project
        .packages
        .iter()
        .filter_map(|p| {
            let (tool, backend) = p.wheels?;
            Some(Compiled {
                name: p.normalized.clone(),
                dir: if p.dir.as_os_str().is_empty() {
                    ".".into()
                } else {
                    crate::workspace_fs::slash(&p.dir)
                },
                tool,
                backend: backend.into(),
            })
        })
        .collect()
}
