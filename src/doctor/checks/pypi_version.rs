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
  When the name exists on PyPI, whose it is: a warning when none of its project URLs
  points at this repository and none of the versions this repository tagged (the newest
  five) is on PyPI: the name most likely belongs to another project.

Why it matters
  PyPI never accepts the same version twice, even after deletion: a release of an
  existing version fails with \"File already exists\" after the tag is pushed. Catching it
  before tagging saves a broken release and a burnt tag.

How to fix
  Bump the version (`pyrel bump patch`, or an explicit `pyrel bump X`) before tagging.
";

/// Released versions asked one by one at most, newest first, to tell whether a PyPI
/// project of the same name is this repository's.
const OWNERSHIP_PROBES: usize = 5;

/// Whether a URL of a PyPI project points at this repository (`host/owner/repo`, any
/// scheme, case, `www.`, `.git` or deeper path).
fn points_here(url: &str, host: &str, owner: &str, repo: &str) -> bool {
    let u = url.trim().to_ascii_lowercase();
    let u = u
        .strip_prefix("https://")
        .or_else(|| u.strip_prefix("http://"))
        .or_else(|| u.strip_prefix("git+https://"))
        .unwrap_or(&u);
    let u = u.strip_prefix("www.").unwrap_or(u);
    let want = format!("{host}/{owner}/{repo}").to_ascii_lowercase();
    let Some(rest) = u.strip_prefix(&want) else {
        return false;
    };
    rest.is_empty()
        || rest == ".git"
        || rest.starts_with(['/', '#', '?'])
        || rest.starts_with(".git/")
}

/// `Some(latest)` when the project of this name on the index is someone else's: its URLs
/// do not point at this repository and none of the versions this repository released
/// (its release tags, newest first, at most [`OWNERSHIP_PROBES`]) is there.
fn foreign_project(
    pypi: &crate::remote::PypiClient,
    name: &str,
    here: &(String, String, String),
    released: &[String],
) -> Result<Option<String>, crate::remote::RemoteError> {
    let Some(info) = pypi.project_info(name)? else {
        return Ok(None);
    };
    let (host, owner, repo) = here;
    let urls = info
        .project_urls
        .iter()
        .flatten()
        .filter_map(|(_, u)| u.as_deref())
        .chain(info.home_page.as_deref());
    if urls.into_iter().any(|u| points_here(u, host, owner, repo)) {
        return Ok(None);
    }
    for version in released.iter().take(OWNERSHIP_PROBES) {
        if pypi.version_listed(name, version)? {
            return Ok(None);
        }
    }
    Ok(Some(info.version))
}

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
    // Whose is a name: the repository pyrel releases from, and the versions it tagged.
    let here = ctx.policy.github_repo(&ctx.project).map(|(owner, repo)| {
        let host = ctx
            .project
            .remote
            .as_ref()
            .map_or("github.com".to_owned(), |r| r.host.clone());
        (host, owner, repo)
    });
    let tags = match crate::project::git::all_tags(&ctx.project.root) {
        Ok(t) => t,
        Err(e) => return Outcome::Unknown(e),
    };
    let jobs: Vec<Job<'_, _>> = packages
        .iter()
        .map(|(p, s)| {
            let name = p.name.clone();
            let value = s.value.clone();
            let here = here.clone();
            let package_tag = crate::bump::package_tag(&ctx.policy, p);
            let mut released: Vec<crate::version::Version> = tags
                .iter()
                .filter_map(|t| package_tag.version_in(t))
                .filter_map(|v| crate::version::parse(v).ok())
                .collect();
            released.sort();
            released.dedup();
            let released: Vec<String> = released.iter().rev().map(ToString::to_string).collect();
            Box::new(move || {
                let answer = pypi.release_exists(&name, &value)?;
                let foreign = match (&answer, &here) {
                    (PypiAnswer::ProjectMissing, _) | (_, None) => None,
                    (_, Some(here)) => foreign_project(pypi, &name, here, &released)?,
                };
                Ok((answer, foreign))
            }) as Job<'_, Result<_, crate::remote::RemoteError>>
        })
        .collect();
    let answers = run_concurrently(jobs);
    let mut out: Vec<FindingBuilder> = Vec::new();
    let mut first_error = None;
    for ((pkg, src), answer) in packages.iter().zip(answers) {
        let (answer, foreign) = match answer {
            Ok(a) => a,
            Err(e) => {
                first_error.get_or_insert(e);
                continue;
            }
        };
        if let (Some(latest), Some((host, owner, repo))) = (&foreign, &here) {
            out.push(
                finding(Code::PypiVersion, Severity::Warning, format!("the name {} on PyPI looks like another project's (latest {latest}): its project URLs do not point at {host}/{owner}/{repo} and none of the versions this repository tagged is there", pkg.name))
                    .at(src.path.clone(), Some(src.line))
                    .hint("if the PyPI project is not yours, choose another distribution name (`name` in [project]; the import name can stay); if it is, add this repository to its project URLs ([project.urls])"),
            );
        }
        match answer {
            PypiAnswer::VersionExists => out.push(
                finding(Code::PypiVersion, Severity::Error, format!("{} {} is already on PyPI: uploading it again fails with \"File already exists\"", pkg.name, src.value))
                    .at(src.path.clone(), Some(src.line))
                    .hint("bump the version before tagging (`pyrel bump patch`)"),
            ),
            PypiAnswer::ProjectMissing => out.push(
                finding(Code::PypiVersion, Severity::Info, format!("{} is not on PyPI yet: {} will be its first release", pkg.name, src.value))
                    .at(src.path.clone(), Some(src.line))
                    .hint("with Trusted Publishing, add a pending publisher on PyPI before the first release"),
            ),
            PypiAnswer::VersionAbsent { .. } => {}
        }
    }
    if let Some(e) = first_error {
        return unknown(&e);
    }
    Outcome::from_builders(out, format!("{} package(s) looked up", packages.len()))
}
