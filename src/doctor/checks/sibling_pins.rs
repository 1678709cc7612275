//! PR103 sibling-pins: pins on packages of the same repository admit their current version.

use std::collections::HashMap;
use std::str::FromStr;

use super::Check;
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};
use crate::project::Package;

pub(crate) const CHECK: Check = Check {
    code: Code::SiblingPins,
    online: false,
    summary: "Dependencies between packages of this repository admit each other's current version.",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  For every dependency of one package on another package of this repository, that the
  version specifier admits the sibling's current version (error), and that a published
  package pins its siblings at all (warning). Also that requirements are declared where
  the build backend reads them: setup.py's `install_requires`/`extras_require` next to a
  pyproject.toml with a static [project] are ignored by setuptools (warning); pyrel still
  orders releases by them and moves their pins.

Why it matters
  A pin that excludes the sibling's current version makes the released packages
  uninstallable together. An unpinned sibling lets users combine releases that were
  never tested together.

How to fix
  `pyrel bump` rewrites sibling pins along with the versions. Otherwise change the
  specifier at the line named, e.g. `core-lib>=2.0.0`.
";

/// Sections that never reach the published metadata.
fn dev_only(section: &str) -> bool {
    section.starts_with("dependency-groups.")
        || section == "tool.poetry.dev-dependencies"
        || section.starts_with("tool.poetry.group.")
}

fn run(ctx: &Context) -> Outcome {
    let mut out: Vec<FindingBuilder> = Vec::new();
    let mut seen = 0;
    // By normalized name (the first package of a name, as a scan in order would find):
    // thousands of dependencies each look among thousands of packages.
    let mut by_name: HashMap<&str, &Package> = HashMap::new();
    for p in &ctx.project.packages {
        by_name.entry(p.normalized.as_str()).or_insert(p);
    }
    for ig in &ctx.project.ignored_requires {
        let mut b = finding(Code::SiblingPins, Severity::Warning, ig.message.clone())
            .at(ig.path.clone(), ig.line);
        if let Some(h) = &ig.hint {
            b = b.hint(h.clone());
        }
        out.push(b);
    }
    for pkg in &ctx.project.packages {
        for dep in &pkg.siblings {
            seen += 1;
            let Some(sibling) = by_name.get(dep.name.as_str()).copied() else {
                continue;
            };
            let at = |b: FindingBuilder| b.at(dep.path.clone(), Some(dep.line));
            if dep.specifier.trim().is_empty() {
                // Dependency groups and poetry dev groups are never in the published
                // metadata: a sibling in a test group is used from the workspace, unpinned.
                if dev_only(&dep.section) {
                    continue;
                }
                out.push(
                    at(finding(
                        Code::SiblingPins,
                        Severity::Warning,
                        format!(
                            "{} depends on {} without a version constraint",
                            pkg.name, sibling.name
                        ),
                    ))
                    .hint(match sibling.version() {
                        Some(v) => format!("pin it, e.g. `{}>={v}`", sibling.name),
                        None => format!("pin it, e.g. `{}>=X.Y`", sibling.name),
                    }),
                );
                continue;
            }
            let Some(current) = sibling.version() else {
                continue;
            };
            let (Ok(spec), Ok(version)) = (
                pep440_rs::VersionSpecifiers::from_str(&dep.specifier),
                pep440_rs::Version::from_str(current),
            ) else {
                continue;
            };
            if !spec.contains(&version) {
                out.push(
                    at(finding(
                        Code::SiblingPins,
                        Severity::Error,
                        format!(
                            "{} requires `{}`, which excludes {}'s current version {current}",
                            pkg.name, dep.requirement, sibling.name
                        ),
                    ))
                    .hint(format!(
                        "change the specifier to admit {current}, e.g. `{}>={current}`",
                        sibling.name
                    )),
                );
            }
        }
    }
    if seen == 0 {
        return Outcome::Skip("no package depends on another package of this repository".into());
    }
    Outcome::from_builders(out, format!("{seen} sibling dependenc(ies) checked"))
}
