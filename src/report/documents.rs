//! The JSON documents of `version`, `bump --dry-run` and `generate --check|--dry-run`:
//! versioned like doctor's (`pyrel-version/1` …), each with a JSON Schema under docs/,
//! filled from the internal types so an internal refactor never changes what scripts read.

use std::path::Path;

use serde::Serialize;

use crate::bump::{Plan, Refusal};
use crate::project::{Project, VersionScheme};
use crate::sync::{unified_diff, Status};
use crate::workspace_fs::slash;

pub(crate) const VERSION_SCHEMA: &str = "pyrel-version/1";
pub(crate) const BUMP_SCHEMA: &str = "pyrel-bump/1";
pub(crate) const GENERATE_SCHEMA: &str = "pyrel-generate/1";

#[derive(Debug, Serialize)]
pub(crate) struct VersionDoc {
    pub(crate) schema: &'static str,
    pub(crate) root: String,
    pub(crate) packages: Vec<VersionPackage>,
    /// Projects found but not released, so a script sees why a directory is missing.
    pub(crate) skipped: Vec<SkippedDoc>,
    /// What pyrel could not read (a package whose version or name is computed).
    pub(crate) problems: Vec<ProblemDoc>,
}

#[derive(Debug, Serialize)]
pub(crate) struct SkippedDoc {
    pub(crate) name: String,
    pub(crate) dir: String,
    pub(crate) reason: crate::project::SkipReason,
    pub(crate) why: &'static str,
}

#[derive(Debug, Serialize)]
pub(crate) struct ProblemDoc {
    pub(crate) package: Option<String>,
    pub(crate) path: String,
    pub(crate) line: Option<usize>,
    pub(crate) message: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct VersionPackage {
    pub(crate) name: String,
    /// `null` when the version comes from git tags or none was found.
    pub(crate) version: Option<String>,
    pub(crate) dir: String,
    pub(crate) scheme: VersionScheme,
    pub(crate) sources: Vec<VersionSourceDoc>,
}

#[derive(Debug, Serialize)]
pub(crate) struct VersionSourceDoc {
    pub(crate) kind: crate::project::SourceKind,
    pub(crate) path: String,
    pub(crate) line: usize,
    pub(crate) value: String,
}

pub(crate) fn version(project: &Project) -> VersionDoc {
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
pub(crate) struct BumpDoc {
    pub(crate) schema: &'static str,
    pub(crate) root: String,
    /// Always true: JSON is the plan of `--dry-run`; nothing was written.
    pub(crate) dry_run: bool,
    /// `null` when the bump was refused.
    pub(crate) version: Option<String>,
    pub(crate) tag: Option<String>,
    pub(crate) packages: Vec<BumpPackage>,
    pub(crate) edits: Vec<EditDoc>,
    pub(crate) warnings: Vec<String>,
    /// Why the bump was refused (exit 1), or `null`.
    pub(crate) refused: Option<RefusalDoc>,
}

#[derive(Debug, Serialize)]
pub(crate) struct BumpPackage {
    pub(crate) name: String,
    /// `null`: a package versioned by git tags, without a tag yet.
    pub(crate) old: Option<String>,
    pub(crate) new: String,
    /// The version comes from git tags: nothing is written for it.
    pub(crate) vcs: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct EditDoc {
    pub(crate) path: String,
    /// Unified diff of the planned edit.
    pub(crate) diff: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct RefusalDoc {
    pub(crate) message: String,
    pub(crate) details: Vec<String>,
    pub(crate) hint: Option<String>,
}

pub(crate) fn bump(root: &Path, plan: &Plan) -> BumpDoc {
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

pub(crate) fn bump_refused(root: &Path, refusal: &Refusal) -> BumpDoc {
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
pub(crate) struct GenerateDoc {
    pub(crate) schema: &'static str,
    pub(crate) root: String,
    /// How many managed files there are.
    pub(crate) managed: usize,
    /// Every file that is not what `pyrel generate` would write.
    pub(crate) stale: Vec<StaleDoc>,
}

#[derive(Debug, Serialize)]
pub(crate) struct StaleDoc {
    pub(crate) path: String,
    /// missing, stale, hand-edited, foreign (exists, not written by pyrel), orphan
    /// (no longer managed).
    pub(crate) state: &'static str,
    /// Unified diff from the file on disk to what pyrel would write; `null` for an orphan.
    pub(crate) diff: Option<String>,
    /// For an orphan: whether `pyrel generate` removes it (untouched) or leaves it.
    pub(crate) removable: Option<bool>,
}

pub(crate) fn generate(root: &Path, status: &Status) -> GenerateDoc {
    let mut stale: Vec<StaleDoc> = status
        .stale()
        .map(|e| StaleDoc {
            path: slash(&e.file.path),
            state: e.state.json_name(),
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

/// `pyrel init --format json`: what init found, chose and did, kept apart from internal
/// types like every other document.
#[derive(Debug, Serialize, Default)]
pub(crate) struct InitDoc {
    pub(crate) schema: &'static str,
    pub(crate) root: String,
    /// written | dry-run | already-set-up | refused
    pub(crate) status: &'static str,
    /// Why init stopped (refused), or what it says about an existing policy.
    pub(crate) message: Option<String>,
    /// The policy file, written (or to be written), or the existing one.
    pub(crate) policy: Option<String>,
    /// lockstep | independent
    pub(crate) versioning: Option<&'static str>,
    pub(crate) tag_format: Option<String>,
    pub(crate) packages: Vec<InitPackage>,
    pub(crate) not_released: Vec<SkippedDoc>,
    pub(crate) unreadable: Vec<ProblemDoc>,
    pub(crate) python_versions: Vec<String>,
    /// The existing workflows' checks the release waits for (tests = "existing").
    pub(crate) existing_checks: Vec<String>,
    pub(crate) changelog: Option<InitChangelog>,
    /// The repository's Dependabot or Renovate configuration, when it has one.
    pub(crate) action_updates: Option<String>,
    /// Existing workflows that publish to PyPI with token secrets.
    pub(crate) token_publishers: Vec<String>,
    /// The publishing workflow pyrel's release workflow replaces at its path.
    pub(crate) takeover: Option<String>,
    /// Files written (or that a dry run would write), the policy last.
    pub(crate) files: Vec<String>,
}

#[derive(Debug, Serialize)]
pub(crate) struct InitPackage {
    pub(crate) name: String,
    /// `null` when the version comes from git tags or is unreadable.
    pub(crate) version: Option<String>,
    pub(crate) dir: String,
    pub(crate) vcs: bool,
}

#[derive(Debug, Serialize)]
pub(crate) struct InitChangelog {
    pub(crate) path: String,
    /// existing | seeded | towncrier
    pub(crate) source: &'static str,
    /// Markdown | reStructuredText | text
    pub(crate) format: &'static str,
    /// towncrier's fragment directory.
    pub(crate) fragments: Option<String>,
}

pub(crate) const INIT_SCHEMA: &str = "pyrel-init/1";

/// A document as printed: pretty JSON and a final newline.
pub(crate) fn to_string<T: Serialize>(doc: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(doc).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
