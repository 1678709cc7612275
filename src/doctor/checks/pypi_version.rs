//! PR304 pypi-version: the current version of each package is not on PyPI yet.

use super::{unknown, Check};
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};
use crate::project::VersionScheme;
use crate::remote::{run_concurrently, Job, PypiAnswer};

pub(crate) const CHECK: Check = Check {
    code: Code::PypiVersion,
    online: true,
    summary: "Each package's current version is not already on PyPI.",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  Asks the PyPI JSON API (`PYREL_PYPI_URL` overrides the index) whether each package's
  current version already exists there: the version's own document
  (`/pypi/NAME/VERSION/json`, 404 = not there), then the project's (`/pypi/NAME/json`,
  404 = no such project). The deprecated `releases` key is read when the index still
  sends it and never required; versions compare by PEP 440. A package PyPI does not know
  yet is reported as a first release (info). Versions derived from tags are skipped.

Why it matters
  PyPI never accepts the same version twice, even after deletion: a release of an
  existing version fails with \"File already exists\" after the tag is pushed. Catching it
  before tagging saves a broken release and a burnt tag.

How to fix
  Bump the version (`pyrel bump patch`, or an explicit `pyrel bump X`) before tagging.
";

fn run(ctx: &Context) -> Outcome {
    let pypi = &ctx.online.pypi;
    let packages: Vec<_> = ctx
        .project
        .packages
        .iter()
        .filter(|p| !matches!(p.scheme, VersionScheme::Vcs { .. }))
        .filter_map(|p| p.version_sources.first().map(|s| (p, s)))
        .collect();
    if packages.is_empty() {
        return Outcome::Skip("no package with a literal version".into());
    }
    let jobs: Vec<Job<'_, _>> = packages
        .iter()
        .map(|(p, s)| {
            let name = p.name.clone();
            let value = s.value.clone();
            Box::new(move || pypi.release_exists(&name, &value)) as Job<'_, _>
        })
        .collect();
    let answers = run_concurrently(jobs);
    let mut out: Vec<FindingBuilder> = Vec::new();
    let mut first_error = None;
    for ((pkg, src), answer) in packages.iter().zip(answers) {
        match answer {
            Ok(PypiAnswer::VersionExists) => out.push(
                finding(Code::PypiVersion, Severity::Error, format!("{} {} is already on PyPI: uploading it again fails with \"File already exists\"", pkg.name, src.value))
                    .at(src.path.clone(), Some(src.line))
                    .hint("bump the version before tagging (`pyrel bump patch`)"),
            ),
            Ok(PypiAnswer::ProjectMissing) => out.push(
                finding(Code::PypiVersion, Severity::Info, format!("{} is not on PyPI yet: {} will be its first release", pkg.name, src.value))
                    .at(src.path.clone(), Some(src.line))
                    .hint("with Trusted Publishing, add a pending publisher on PyPI before the first release"),
            ),
            Ok(PypiAnswer::VersionAbsent { .. }) => {}
            Err(e) => {
                first_error.get_or_insert(e);
            }
        }
    }
    if let Some(e) = first_error {
        return unknown(&e);
    }
    Outcome::from_builders(out, format!("{} package(s) looked up", packages.len()))
}
