//! `pyrel version`: the current version of every package.

use std::fmt::Write as _;
use std::path::Path;

use super::Outcome;
use crate::cli::{Format, VersionArgs};
use crate::error::{Error, Result};
use crate::policy;
use crate::project;

pub(crate) fn run(dir: &Path, args: &VersionArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    if let Some(tag) = &args.check_tag {
        return check_tag(&project, tag);
    }
    if args.short {
        return short(&project, args.package.as_deref());
    }
    match args.format {
        Format::Human => {
            let width = project
                .packages
                .iter()
                .map(|p| p.name.len())
                .max()
                .unwrap_or(0);
            // One write for the whole table (a line per write is slow at 10,000 packages).
            let mut out = String::new();
            for p in &project.packages {
                let v = match (&p.scheme, p.version()) {
                    (project::VersionScheme::Vcs { .. }, _) => "(from git tags)",
                    (_, Some(v)) => v,
                    (_, None) => "(no version)",
                };
                let _ = writeln!(out, "{:<width$}  {v}", p.name);
            }
            out!("{out}");
        }
        Format::Json => {
            let doc = crate::report::documents::version(&project);
            out!("{}", crate::report::documents::to_string(&doc));
        }
    }
    Ok(Outcome::Success)
}

/// `--short`: the one version of record, for scripts. Packages versioned by git tags give
/// their newest release tag's version.
fn short(project: &project::Project, package: Option<&str>) -> Result<Outcome> {
    let (policy, _) = policy::load(project)?;
    let chosen: Vec<&project::Package> = match package {
        Some(name) => vec![project.package_named(name)?],
        None => project.packages.iter().collect(),
    };
    let mut versions: Vec<crate::version::Version> = Vec::new();
    for p in &chosen {
        let v = crate::bump::version_of_record(&project.root, &policy, p)?;
        if !versions.contains(&v) {
            versions.push(v);
        }
    }
    match versions.as_slice() {
        [one] => {
            outln!("{one}");
            Ok(Outcome::Success)
        }
        _ => Err(Error::usage(
            format!(
                "the packages have different versions ({})",
                versions
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some("name one with `--package NAME`"),
        )),
    }
}

/// `--check-tag REF`: the tag must name the version of every package it releases (every
/// version source, PEP 440 equality, in the policy's tag format). The same decision as
/// doctor's tag check and the release workflow's `check-tag`.
fn check_tag(project: &project::Project, reference: &str) -> Result<Outcome> {
    let (policy, _) = policy::load(project)?;
    let (route_policy, packages) = crate::bump::release_state(project, &policy)?;
    let tag = reference.strip_prefix("refs/tags/").unwrap_or(reference);
    let problems = match crate::version::check_tag(tag, &route_policy.tag_format, &packages) {
        Ok(check) => check.problems,
        Err(e) => vec![e],
    };
    if problems.is_empty() {
        outln!("tag {tag} matches the version of every package it releases");
        return Ok(Outcome::Success);
    }
    errln!("error: tag {tag} does not match the package versions:");
    for p in &problems {
        errln!("  - {p}");
    }
    errln!("  hint: tag the commit whose versions match (`pyrel bump patch --tag` bumps and tags)");
    Ok(Outcome::Failure)
}
