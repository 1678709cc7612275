//! Templates → [`Plan`]: the single source of truth for what `init` and `generate` write
//! and what `generate --check` and `doctor` compare against. Pure: no I/O.

pub(crate) mod adopt;
pub(crate) mod compiled;
mod context;
pub(crate) mod deploy;
mod engine;
pub(crate) mod overrides;
pub(crate) mod pins;
pub(crate) mod team;
mod template;

use std::path::PathBuf;

pub(crate) use context::Context;
pub(crate) use engine::{partial_text, release_tool_version};

use crate::error::Result;
use crate::policy::{Policy, TestsMode};
use crate::project::Project;

/// How pyrel owns a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum FileKind {
    /// pyrel owns the whole file; a header says so.
    Managed,
    /// Created when missing, then the user's (CHANGELOG.md).
    Seeded,
    /// A marked block pyrel owns inside a user's file (.gitignore).
    Block,
}

/// One file of the plan.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ManagedFile {
    /// Relative to the repository root.
    pub(crate) path: PathBuf,
    /// Full contents (for `Block`: the block itself, markers included).
    pub(crate) contents: String,
    pub(crate) kind: FileKind,
    pub(crate) executable: bool,
}

/// Everything pyrel would write, in a stable order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub(crate) files: Vec<ManagedFile>,
}

/// Markers of the block pyrel owns inside `.gitignore`.
pub(crate) const BLOCK_BEGIN: &str =
    "# >>> pyrel: credentials and build output (kept by `pyrel generate`) >>>";
pub(crate) const BLOCK_END: &str = "# <<< pyrel <<<";

/// Computes the plan for a project under a policy.
pub fn plan(project: &Project, policy: &Policy) -> Result<Plan> {
    let ctx = Context::new(project, policy)?;
    let f = &policy.files;
    // Convert the context once for every template of the plan.
    let data = engine::Data::new(&ctx)?;
    let mut files = Vec::new();
    let mut managed = |path: &Option<PathBuf>, id: &str, executable: bool| -> Result<()> {
        if let Some(path) = path {
            files.push(ManagedFile {
                path: path.clone(),
                contents: data.render(id)?,
                kind: FileKind::Managed,
                executable,
            });
        }
        Ok(())
    };
    managed(&f.release_workflow, engine::RELEASE_WORKFLOW, false)?;
    if policy.tests == TestsMode::Generate {
        managed(&f.test_workflow, engine::TEST_WORKFLOW, false)?;
    }
    managed(&f.releasing_guide, engine::RELEASING_GUIDE, false)?;
    if let Some(path) = &f.bump_script {
        // A plain Python file with one generated data line, not a template.
        let script = ManagedFile {
            path: path.clone(),
            contents: crate::bump::script::render(project, policy, path)?,
            kind: FileKind::Managed,
            executable: true,
        };
        // Keep the script's place in the plan (after the workflows, before the guide).
        let at = files.len() - usize::from(f.releasing_guide.is_some());
        files.insert(at, script);
    }
    if let Some(path) = &f.branch_protection {
        files.push(ManagedFile {
            path: path.clone(),
            contents: context::branch_protection_json(&ctx)?,
            kind: FileKind::Managed,
            executable: false,
        });
    }
    // The seed is Keep a Changelog markdown: never for a changelog towncrier builds, nor
    // for one in another format.
    let seeded = f.changelog.as_ref().filter(|p| {
        project.towncrier.is_none()
            && crate::project::changelogs::format_of(p) != "reStructuredText"
    });
    if let Some(path) = seeded {
        let seed = data.render(engine::CHANGELOG)?;
        files.push(ManagedFile {
            path: path.clone(),
            contents: seed.clone(),
            kind: FileKind::Seeded,
            executable: false,
        });
        // Independent packages each keep their own changelog (next to their manifest):
        // bump rolls it and the release workflow takes the notes from it, so a package's
        // first release must not be refused for a changelog nobody created.
        if policy.versioning == crate::policy::Versioning::Independent {
            // Hashed: with thousands of packages, looking through the files planned so
            // far for each one was quadratic.
            let mut planned: std::collections::HashSet<PathBuf> =
                files.iter().map(|m| m.path.clone()).collect();
            for p in &project.packages {
                if let Some(own) = crate::bump::changelog_path(policy, Some(p)) {
                    if &own != path && planned.insert(own.clone()) {
                        files.push(ManagedFile {
                            path: own,
                            contents: seed.clone(),
                            kind: FileKind::Seeded,
                            executable: false,
                        });
                    }
                }
            }
        }
    }
    if let Some(path) = &f.gitignore {
        files.push(ManagedFile {
            path: path.clone(),
            contents: data.render(engine::GITIGNORE_BLOCK)?,
            kind: FileKind::Block,
            executable: false,
        });
    }
    Ok(Plan { files })
}
