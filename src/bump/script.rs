//! What the rendered `scripts/bump_version.py` needs to know about the repository to make
//! the same edits as `pyrel bump`. Only facts that do not change with a bump go in here (no
//! current versions), so the script stays current after a release and `pyrel generate
//! --check` does not report it as drift.

use serde::Serialize;

use crate::policy::{Policy, Versioning};
use crate::project::{Project, SourceKind, VersionScheme};
use crate::workspace_fs::slash;

#[derive(Debug, Clone, Serialize)]
pub struct ScriptCtx {
    pub packages: Vec<ScriptPackage>,
    /// Web address of the repository for changelog links; `None` without a GitHub remote.
    pub repo_url: Option<String>,
    pub independent: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScriptPackage {
    pub name: String,
    pub normalized: String,
    pub vcs: bool,
    pub sources: Vec<ScriptSource>,
    /// Files that may hold requirements on siblings: the manifest, and `setup.cfg` next to a
    /// `setup.py` (read only when it exists).
    pub dep_files: Vec<String>,
    /// The changelog this package's independent releases roll (lockstep uses the policy's).
    pub changelog: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScriptSource {
    pub kind: SourceKind,
    pub path: String,
}

pub fn context(project: &Project, policy: &Policy) -> ScriptCtx {
    let packages = project
        .packages
        .iter()
        .map(|p| {
            let mut dep_files = vec![slash(&p.manifest)];
            if p.manifest.file_name().is_some_and(|n| n == "setup.py") {
                dep_files.push(slash(&p.dir.join("setup.cfg")));
            }
            ScriptPackage {
                name: p.name.clone(),
                normalized: p.normalized.clone(),
                vcs: matches!(p.scheme, VersionScheme::Vcs { .. }),
                sources: p
                    .version_sources
                    .iter()
                    .map(|s| ScriptSource {
                        kind: s.kind,
                        path: slash(&s.path),
                    })
                    .collect(),
                dep_files,
                changelog: super::changelog_path(policy, Some(p)).map(|c| slash(&c)),
            }
        })
        .collect();
    ScriptCtx {
        packages,
        repo_url: super::repo_url(project),
        independent: policy.versioning == Versioning::Independent,
    }
}
