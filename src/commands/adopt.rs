//! `pyrel init` in a repository that already has workflows: what happens to each
//! existing publisher and to a workflow at a path pyrel would write.
//!
//! A workflow pyrel did not write is the user's: it is replaced only when the user names
//! it (`--replace PATH`, or "yes" to a prompt naming it), never one that runs CI, never
//! one with jobs pyrel's release workflow does not do. A CI workflow that also publishes
//! stays; pyrel writes its own beside it and says which job to remove.

use std::path::{Path, PathBuf};

use crate::cli::InitArgs;
use crate::error::{Error, Result};
use crate::policy::{Policy, TestsMode};
use crate::project::choices::{Choices, Publisher};
use crate::project::Project;
use crate::workspace_fs::slash;

/// What init does about the repository's own workflows.
#[derive(Debug, Default)]
pub(crate) struct Adoption {
    /// Workflows the user named: pyrel's release workflow may replace them.
    pub(crate) replace: Vec<PathBuf>,
    /// Lines for the summary (what stays, what moved, what to remove).
    pub(crate) notes: Vec<String>,
}

/// Decides, before anything is written. `Ok(Err(lines))` is a refusal to print.
pub(crate) fn decide(
    project: &Project,
    policy: &mut Policy,
    c: &Choices,
    args: &InitArgs,
    interactive: bool,
) -> Result<std::result::Result<Adoption, Vec<String>>> {
    let mut a = Adoption::default();
    let Some(release_path) = policy.files.release_workflow.clone() else {
        return Ok(Ok(a));
    };
    let planned = policy.release_triggers();
    let acknowledged = |p: &Publisher| {
        policy
            .other_publishers
            .iter()
            .any(|o| o.as_str() == slash(&p.path))
    };
    let mut others: Vec<&Publisher> = Vec::new();
    for p in c.publishers.iter().filter(|p| !p.generated) {
        if acknowledged(p) {
            a.notes.push(format!(
                "{} also publishes to PyPI, acknowledged in other-publishers: left as it is",
                slash(&p.path)
            ));
        } else if p.beside(&planned) {
            others.push(p);
        } else if !p.triggers.is_empty() {
            a.notes.push(format!(
                "{} publishes on {}, apart from pyrel's release tags: left as it is",
                slash(&p.path),
                p.on()
            ));
        }
    }

    // Every path the user named must be a workflow pyrel may replace.
    let replace: Vec<String> = args
        .replace
        .iter()
        .map(|r| slash(r).trim_start_matches("./").to_string())
        .collect();
    let mut chosen: Option<&Publisher> = None;
    for r in &replace {
        if let Some(p) = others.iter().find(|p| slash(&p.path) == *r) {
            if let Some(why) = not_replaceable(p) {
                return Err(Error::usage(
                    format!("refusing --replace {r}: {why}; nothing was written"),
                    Some(&format!(
                        "keep it and remove only the upload ({} of {r}), then run `pyrel init` again",
                        p.jobs_described()
                    )),
                ));
            }
            if chosen.is_some() {
                return Err(Error::usage(
                    "--replace names two publishers; pyrel's release workflow replaces one",
                    Some("name one with --replace, and remove the upload from the other"),
                ));
            }
            chosen = Some(p);
            continue;
        }
        let managed = [&policy.files.release_workflow, &policy.files.test_workflow]
            .iter()
            .any(|f| f.as_deref().is_some_and(|f| slash(f) == *r));
        if !managed {
            return Err(Error::usage(
                format!("--replace {r}: pyrel writes no workflow there; nothing was written"),
                Some("name a workflow that publishes to PyPI, or the path of a managed workflow"),
            ));
        }
        if runs_ci(project, Path::new(r)) {
            return Err(Error::usage(
                format!("refusing --replace {r}: it runs CI (pull requests, the merge queue or a schedule) and pyrel never replaces CI; nothing was written"),
                Some("point the policy elsewhere with --set files.release-workflow=PATH (or files.test-workflow)"),
            ));
        }
        a.replace.push(PathBuf::from(r));
    }

    // Consent at a prompt naming the file.
    if chosen.is_none() && interactive {
        for p in others.iter().filter(|p| not_replaceable(p).is_none()) {
            let question = format!(
                "{} already publishes to PyPI ({}). Replace it with pyrel's release workflow ({} dropped)?",
                slash(&p.path),
                p.jobs_described(),
                jobs_named(&p.job_ids)
            );
            let yes = dialoguer::Confirm::new()
                .with_prompt(question)
                .default(false)
                .interact()
                .map_err(|e| Error::usage(format!("prompt failed: {e}"), None))?;
            if yes {
                chosen = Some(p);
                break;
            }
        }
    }

    let waiting: Vec<&&Publisher> = others
        .iter()
        .filter(|p| {
            not_replaceable(p).is_none()
                && Some(p.path.as_path()) != chosen.map(|c| c.path.as_path())
        })
        .collect();
    if !waiting.is_empty() {
        return Ok(Err(refusal(&waiting, &others, &release_path)));
    }

    if let Some(p) = chosen {
        policy.files.release_workflow = Some(p.path.clone());
        a.replace.push(p.path.clone());
        a.notes.push(format!(
            "{} already publishes to PyPI: pyrel's release workflow replaces it at that path (as you asked); {} dropped, pyrel's release workflow builds and uploads the same distributions",
            slash(&p.path),
            jobs_named(&p.job_ids)
        ));
    }

    // A workflow of the user's at a path pyrel would write: pyrel's goes to a free one.
    let set_by_user = |key: &str| args.set.iter().any(|s| s.trim_start().starts_with(key));
    let named = |p: &Path| a.replace.iter().any(|r| slash(r) == slash(p));
    if let Some(path) = policy.files.release_workflow.clone() {
        if users_workflow(project, &path) && !named(&path) && !set_by_user("files.release-workflow")
        {
            let free = free_path(
                project,
                &["pypi-release.yml", "pyrel-release.yml"],
                "pyrel-release",
            );
            a.notes.push(format!(
                "{} is yours (pyrel did not write it) and stays; pyrel's release workflow goes to {}",
                slash(&path),
                slash(&free)
            ));
            policy.files.release_workflow = Some(free);
        }
    }
    if policy.tests == TestsMode::Generate {
        if let Some(path) = policy.files.test_workflow.clone() {
            if users_workflow(project, &path)
                && !named(&path)
                && !set_by_user("files.test-workflow")
            {
                let free = free_path(
                    project,
                    &["pyrel-test.yml", "pyrel-tests.yml"],
                    "pyrel-test",
                );
                a.notes.push(format!(
                    "{} is yours (pyrel did not write it) and stays; pyrel's test workflow goes to {}",
                    slash(&path),
                    slash(&free)
                ));
                policy.files.test_workflow = Some(free);
            }
        }
    }

    // CI workflows (and release workflows with jobs pyrel does not do) that publish stay.
    for p in others.iter().filter(|p| not_replaceable(p).is_some()) {
        a.notes.push(format!(
            "{} also publishes to PyPI ({}; on {}; {}) and stays, since {}",
            slash(&p.path),
            p.jobs_described(),
            p.on(),
            p.auth(),
            not_replaceable(p).unwrap_or_default()
        ));
        a.notes.push(format!(
            "  keep one publisher: remove {} from {} (and the `needs:` on {} of other jobs); until then `pyrel doctor` reports two publishers",
            p.jobs_described(),
            slash(&p.path),
            if p.jobs.len() == 1 { "it" } else { "them" }
        ));
    }
    Ok(Ok(a))
}

/// Why pyrel's release workflow may not replace a publisher, `None` when it may.
fn not_replaceable(p: &Publisher) -> Option<String> {
    if p.ci {
        let ci: Vec<String> = p
            .triggers
            .iter()
            .filter(|t| t.is_ci())
            .map(|t| t.describe())
            .collect();
        return Some(format!(
            "it runs CI (on {}) and pyrel never replaces CI",
            ci.join(", ")
        ));
    }
    if !p.foreign.is_empty() {
        let jobs: Vec<String> = p
            .foreign
            .iter()
            .map(|(id, what)| format!("job `{id}` {what}"))
            .collect();
        return Some(format!(
            "pyrel's release workflow cannot do what it also does ({})",
            jobs.join("; ")
        ));
    }
    None
}

/// The short refusal: each publisher, what pyrel would do, the commands to proceed.
fn refusal(waiting: &[&&Publisher], all: &[&Publisher], release_path: &Path) -> Vec<String> {
    let names: Vec<String> = waiting.iter().map(|p| slash(&p.path)).collect();
    let mut out = vec![format!(
        "{} already publish{} to PyPI; pyrel will not add a second publisher beside {}.",
        names.join(" and "),
        if waiting.len() == 1 { "es" } else { "" },
        if waiting.len() == 1 { "it" } else { "them" }
    )];
    for p in all.iter().take(10) {
        out.push(format!(
            "  {}: {}, on {}, {} ({})",
            slash(&p.path),
            p.jobs_described(),
            p.on(),
            p.jobs.first().map(|j| j.how.as_str()).unwrap_or_default(),
            p.auth()
        ));
    }
    if all.len() > 10 {
        out.push(format!("  ... and {} more", all.len() - 10));
    }
    out.push(format!(
        "pyrel would write its release workflow (build, test gate, upload, GitHub Release) at {}, replacing {} only if you name it.",
        slash(
            waiting
                .first()
                .map(|p| p.path.as_path())
                .unwrap_or(release_path)
        ),
        if waiting.len() == 1 { "it" } else { "the one you name" }
    ));
    out.push("To proceed, one of:".into());
    for n in names.iter().take(5) {
        out.push(format!(
            "  pyrel init --yes --replace {n}    (drops its jobs; pyrel's release workflow does them)"
        ));
    }
    out.push(format!(
        "  remove the upload from {}, then `pyrel init --yes`",
        names.join(" and ")
    ));
    let list: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
    out.push(format!(
        "  pyrel init --yes --set 'other-publishers=[{}]'    (keep both on purpose)",
        list.join(", ")
    ));
    out
}

/// A workflow on disk at `rel` that pyrel did not write.
fn users_workflow(project: &Project, rel: &Path) -> bool {
    crate::workspace_fs::read_text_opt(&project.root.join(rel))
        .ok()
        .flatten()
        .is_some_and(|t| !crate::sync::generated(&t))
}

/// Whether the workflow at `rel` runs on pull requests, the merge queue or a schedule.
fn runs_ci(project: &Project, rel: &Path) -> bool {
    crate::project::choices::Workflow::read(&project.root, rel)
        .is_some_and(|w| crate::sync::runs_ci(&w.text))
}

/// The first of `names` (then `stem-2.yml`, ...) free in `.github/workflows/`.
fn free_path(project: &Project, names: &[&str], stem: &str) -> PathBuf {
    let dir = Path::new(".github/workflows");
    let taken = |n: &str| {
        let lower = n.to_ascii_lowercase();
        project.root.join(dir).join(n).exists()
            || project.workflows.iter().any(|w| {
                w.file_name()
                    .is_some_and(|f| f.to_string_lossy().to_ascii_lowercase() == lower)
            })
    };
    names
        .iter()
        .map(|n| n.to_string())
        .chain((2..).map(|i| format!("{stem}-{i}.yml")))
        .find(|n| !taken(n))
        .map(|n| dir.join(n))
        .unwrap_or_else(|| dir.join(format!("{stem}.yml")))
}

/// `job `a` is` / `jobs `a`, `b` are`.
fn jobs_named(ids: &[String]) -> String {
    let named: Vec<String> = ids.iter().map(|i| format!("`{i}`")).collect();
    if named.len() == 1 {
        format!("its job {} is", named[0])
    } else {
        format!("its jobs {} are", named.join(", "))
    }
}
