//! `pyrel version`: the current version of every package.

use std::path::Path;

use super::Outcome;
use crate::cli::{Format, VersionArgs};
use crate::error::Result;
use crate::policy;
use crate::project;
use crate::workspace_fs::slash;

pub fn run(dir: &Path, args: &VersionArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    if let Some(tag) = &args.check_tag {
        return check_tag(&project, tag);
    }
    match args.format {
        Format::Human => {
            let width = project
                .packages
                .iter()
                .map(|p| p.name.len())
                .max()
                .unwrap_or(0);
            for p in &project.packages {
                let v = match (&p.scheme, p.version()) {
                    (project::VersionScheme::Vcs { .. }, _) => "(from git tags)".to_string(),
                    (_, Some(v)) => v.to_string(),
                    (_, None) => "(no version)".to_string(),
                };
                println!("{:<width$}  {v}", p.name);
            }
        }
        Format::Json => {
            let doc = crate::report::documents::version(&project);
            print!("{}", crate::report::documents::to_string(&doc));
        }
    }
    Ok(Outcome::Success)
}

/// `--check-tag REF`: the tag must name the version of every (static) package it covers, in
/// the policy's tag format. Vcs-versioned packages take their version from the tag, so they
/// always match.
fn check_tag(project: &project::Project, reference: &str) -> Result<Outcome> {
    let (policy, _) = policy::load(project)?;
    let tag = reference.strip_prefix("refs/tags/").unwrap_or(reference);
    let mut covered = 0;
    let mut problems = Vec::new();
    for p in &project.packages {
        let format = crate::bump::tag_format_for(&policy, &p.normalized);
        let Some((prefix, suffix)) = format.split_once("{version}") else {
            continue;
        };
        let Some(text) = tag
            .strip_prefix(prefix)
            .and_then(|t| t.strip_suffix(suffix))
        else {
            continue;
        };
        covered += 1;
        let tagged = match crate::version::parse(text) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("{tag}: {e}"));
                continue;
            }
        };
        if tagged.is_local() {
            problems.push(format!(
                "{tag}: {tagged} is a local version; PyPI refuses those"
            ));
        }
        if matches!(p.scheme, project::VersionScheme::Vcs { .. }) {
            continue;
        }
        for s in &p.version_sources {
            match crate::version::parse(&s.value) {
                Ok(v) if v == tagged => {}
                _ => problems.push(format!(
                    "{}:{}: {} is at {}, but the tag says {tagged}",
                    slash(&s.path),
                    s.line,
                    p.name,
                    s.value
                )),
            }
        }
    }
    if covered == 0 {
        problems.push(format!(
            "tag {tag} does not match the tag format `{}`",
            policy.tag_format
        ));
    }
    if problems.is_empty() {
        println!("tag {tag} matches the version of every package it covers");
        return Ok(Outcome::Success);
    }
    eprintln!("error: tag {tag} does not match the package versions:");
    for p in &problems {
        eprintln!("  - {p}");
    }
    eprintln!("  hint: tag the commit whose versions match (pyrel bump ... --tag does both)");
    Ok(Outcome::Failure)
}
