//! PR102 version-sync: the version sources agree (all of them, across packages, in lockstep).

use std::collections::{BTreeMap, HashMap};

use super::Check;
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};
use crate::policy::Versioning;
use crate::project::{Package, VersionSource};

pub(crate) const CHECK: Check = Check {
    code: Code::VersionSync,
    online: false,
    summary: "Every version source agrees (across all packages with lockstep versioning).",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  Within each package, every place that holds its version (pyproject.toml, setup.py,
  setup.cfg, `__version__` in the package) says the same version. With lockstep
  versioning every package of the repository has that same version too. The version most
  sources agree on is taken as the reference; each outlier is a finding at its file and
  line. Versions compare by PEP 440 (`1.0` equals `1.0.0`).

Why it matters
  A stale `__version__` makes the installed package lie about itself; a package left
  behind in a lockstep workspace is released with the wrong version or fails the
  release workflow's tag check.

How to fix
  Run `pyrel bump VERSION` to write one version to every source, or fix the line
  named in the finding by hand.
";

fn key(value: &str) -> String {
    crate::version::normalize(value).unwrap_or_else(|_| value.trim().to_string())
}

/// The value most sources agree on; ties go to the first primary source.
fn reference(sources: &[&VersionSource]) -> Option<String> {
    let mut counts: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (i, s) in sources.iter().enumerate() {
        let e = counts.entry(key(&s.value)).or_insert((0, i));
        e.0 += 1;
    }
    counts
        .into_iter()
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then(b.1 .1.cmp(&a.1 .1)))
        .map(|(k, _)| k)
}

fn outliers(group: &[(&Package, &VersionSource)], scope: &str, out: &mut Vec<FindingBuilder>) {
    let sources: Vec<&VersionSource> = group.iter().map(|(_, s)| *s).collect();
    let Some(reference) = reference(&sources) else {
        return;
    };
    let agreeing: Vec<String> = group
        .iter()
        .filter(|(_, s)| key(&s.value) == reference)
        .map(|(_, s)| format!("{}:{}", crate::doctor::display_path(&s.path), s.line))
        .take(3)
        .collect();
    for (pkg, s) in group {
        if key(&s.value) != reference {
            out.push(
                finding(
                    Code::VersionSync,
                    Severity::Error,
                    format!(
                        "{} of {} is {}, but {scope} is at {reference} ({})",
                        kind_name(s),
                        pkg.name,
                        s.value,
                        agreeing.join(", ")
                    ),
                )
                .at(s.path.clone(), Some(s.line))
                .hint(format!(
                    "run `{}`, or change this line to {reference}",
                    crate::hints::Hint::bump(&reference.to_string())
                )),
            );
        }
    }
}

fn kind_name(s: &VersionSource) -> &'static str {
    use crate::project::SourceKind::*;
    match s.kind {
        Project => "[project].version",
        Poetry => "[tool.poetry].version",
        SetupCfg => "setup.cfg version",
        SetupPy => "setup(version=...)",
        HatchPath | Attr | PdmPath | HatchCode => "the version attribute",
        HatchPattern => "the hatch version pattern",
        DunderVersion | FlitModule => "__version__",
        Cargo => "Cargo.toml [package].version",
        CargoWorkspace => "Cargo.toml [workspace.package].version",
        VersionFile => "the version file",
        MesonBuild => "meson.build project() version",
    }
}

fn run(ctx: &Context) -> Outcome {
    let mut out = Vec::new();
    let all: Vec<(&Package, &VersionSource)> = ctx
        .project
        .packages
        .iter()
        .flat_map(|p| p.version_sources.iter().map(move |s| (p, s)))
        .collect();
    if all.is_empty() {
        return Outcome::Skip(
            "no literal version in the repository (versions come from tags or are missing)".into(),
        );
    }
    match ctx.policy.versioning {
        Versioning::Lockstep => outliers(&all, "the repository (lockstep)", &mut out),
        Versioning::Independent => {
            // Each package's sources, grouped in one pass (by name, as declared): the
            // same groups, in the same order, as filtering all sources per package.
            let mut groups: HashMap<&str, Vec<(&Package, &VersionSource)>> = HashMap::new();
            for &(p, s) in &all {
                groups.entry(p.name.as_str()).or_default().push((p, s));
            }
            for pkg in &ctx.project.packages {
                let group = groups.get(pkg.name.as_str()).map_or(&[][..], Vec::as_slice);
                outliers(group, "the package", &mut out);
            }
        }
    }
    Outcome::from_builders(out, format!("{} version source(s) compared", all.len()))
}
