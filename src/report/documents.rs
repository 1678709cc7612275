//! The JSON documents of `version`, `bump --dry-run` and `generate --check|--dry-run`:
//! versioned like doctor's (`pyrel-version/1` …), each with a JSON Schema under docs/,
//! filled from the internal types so an internal refactor never changes what scripts read.

use std::path::Path;

use serde::Serialize;

use crate::bump::{Plan, Refusal};
use crate::project::{Project, VersionScheme};
use crate::sync::{unified_diff, Status};
use crate::workspace_fs::slash;

pub const VERSION_SCHEMA: &str = "pyrel-version/1";
pub const BUMP_SCHEMA: &str = "pyrel-bump/1";
pub const GENERATE_SCHEMA: &str = "pyrel-generate/1";

#[derive(Debug, Serialize)]
pub struct VersionDoc {
    pub schema: &'static str,
    pub root: String,
    pub packages: Vec<VersionPackage>,
    /// Projects found but not released, so a script sees why a directory is missing.
    pub skipped: Vec<SkippedDoc>,
    /// What pyrel could not read (a package whose version or name is computed).
    pub problems: Vec<ProblemDoc>,
}

#[derive(Debug, Serialize)]
pub struct SkippedDoc {
    pub name: String,
    pub dir: String,
    pub reason: crate::project::SkipReason,
    pub why: &'static str,
}

#[derive(Debug, Serialize)]
pub struct ProblemDoc {
    pub package: Option<String>,
    pub path: String,
    pub line: Option<usize>,
    pub message: String,
}

#[derive(Debug, Serialize)]
pub struct VersionPackage {
    pub name: String,
    /// `null` when the version comes from git tags or none was found.
    pub version: Option<String>,
    pub dir: String,
    pub scheme: VersionScheme,
    pub sources: Vec<VersionSourceDoc>,
}

#[derive(Debug, Serialize)]
pub struct VersionSourceDoc {
    pub kind: crate::project::SourceKind,
    pub path: String,
    pub line: usize,
    pub value: String,
}

pub fn version(project: &Project) -> VersionDoc {
    VersionDoc {
        schema: VERSION_SCHEMA,
        root: project.root.display().to_string(),
        packages: project
            .packages
            .iter()
            .map(|p| VersionPackage {
                name: p.name.clone(),
                version: p.version().map(str::to_owned),
                dir: slash(&p.dir),
                scheme: p.scheme.clone(),
                sources: p
                    .version_sources
                    .iter()
                    .map(|s| VersionSourceDoc {
                        kind: s.kind,
                        path: slash(&s.path),
                        line: s.line,
                        value: s.value.clone(),
                    })
                    .collect(),
            })
            .collect(),
        skipped: project
            .skipped
            .iter()
            .map(|s| SkippedDoc {
                name: s.name.clone(),
                dir: slash(&s.dir),
                reason: s.reason,
                why: s.reason.describe(),
            })
            .collect(),
        problems: project
            .problems
            .iter()
            .map(|p| ProblemDoc {
                package: p.package.clone(),
                path: slash(&p.path),
                line: p.line,
                message: p.message.clone(),
            })
            .collect(),
    }
}

#[derive(Debug, Serialize)]
pub struct BumpDoc {
    pub schema: &'static str,
    pub root: String,
    /// Always true: JSON is the plan of `--dry-run`; nothing was written.
    pub dry_run: bool,
    /// `null` when the bump was refused.
    pub version: Option<String>,
    pub tag: Option<String>,
    pub packages: Vec<BumpPackage>,
    pub edits: Vec<EditDoc>,
    pub warnings: Vec<String>,
    /// Why the bump was refused (exit 1), or `null`.
    pub refused: Option<RefusalDoc>,
}

#[derive(Debug, Serialize)]
pub struct BumpPackage {
    pub name: String,
    /// `null`: a package versioned by git tags, without a tag yet.
    pub old: Option<String>,
    pub new: String,
    /// The version comes from git tags: nothing is written for it.
    pub vcs: bool,
}

#[derive(Debug, Serialize)]
pub struct EditDoc {
    pub path: String,
    /// Unified diff of the planned edit.
    pub diff: String,
}

#[derive(Debug, Serialize)]
pub struct RefusalDoc {
    pub message: String,
    pub details: Vec<String>,
    pub hint: Option<String>,
}

pub fn bump(root: &Path, plan: &Plan) -> BumpDoc {
    BumpDoc {
        schema: BUMP_SCHEMA,
        root: root.display().to_string(),
        dry_run: true,
        version: Some(plan.version.clone()),
        tag: Some(plan.tag.clone()),
        packages: plan
            .bumps
            .iter()
            .map(|b| BumpPackage {
                name: b.name.clone(),
                old: b.old.clone(),
                new: b.new.clone(),
                vcs: b.vcs,
            })
            .collect(),
        edits: plan
            .edits
            .iter()
            .map(|e| EditDoc {
                path: slash(&e.path),
                diff: unified_diff(&e.path, &e.before, &e.after),
            })
            .collect(),
        warnings: plan.warnings.clone(),
        refused: None,
    }
}

pub fn bump_refused(root: &Path, refusal: &Refusal) -> BumpDoc {
    BumpDoc {
        schema: BUMP_SCHEMA,
        root: root.display().to_string(),
        dry_run: true,
        version: None,
        tag: None,
        packages: Vec::new(),
        edits: Vec::new(),
        warnings: Vec::new(),
        refused: Some(RefusalDoc {
            message: refusal.message.clone(),
            details: refusal.details.clone(),
            hint: refusal.hint.clone(),
        }),
    }
}

#[derive(Debug, Serialize)]
pub struct GenerateDoc {
    pub schema: &'static str,
    pub root: String,
    /// How many managed files there are.
    pub managed: usize,
    /// Every file that is not what `pyrel generate` would write.
    pub stale: Vec<StaleDoc>,
}

#[derive(Debug, Serialize)]
pub struct StaleDoc {
    pub path: String,
    /// missing, stale, hand-edited, foreign (exists, not written by pyrel), orphan
    /// (no longer managed).
    pub state: &'static str,
    /// Unified diff from the file on disk to what pyrel would write; `null` for an orphan.
    pub diff: Option<String>,
    /// For an orphan: whether `pyrel generate` removes it (untouched) or leaves it.
    pub removable: Option<bool>,
}

pub fn generate(root: &Path, status: &Status) -> GenerateDoc {
    use crate::sync::State;
    let mut stale: Vec<StaleDoc> = status
        .stale()
        .map(|e| StaleDoc {
            path: slash(&e.file.path),
            state: match e.state {
                State::Current => "current",
                State::Missing => "missing",
                State::Stale => "stale",
                State::HandEdited => "hand-edited",
                State::Foreign => "foreign",
            },
            diff: Some(unified_diff(
                &e.file.path,
                e.on_disk.as_deref().unwrap_or(""),
                &e.desired,
            )),
            removable: None,
        })
        .collect();
    stale.extend(
        status
            .orphans
            .iter()
            .filter(|o| o.exists)
            .map(|o| StaleDoc {
                path: slash(&o.path),
                state: "orphan",
                diff: None,
                removable: Some(o.untouched),
            }),
    );
    GenerateDoc {
        schema: GENERATE_SCHEMA,
        root: root.display().to_string(),
        managed: status.entries.len(),
        stale,
    }
}

/// A document as printed: pretty JSON and a final newline.
pub fn to_string<T: Serialize>(doc: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
