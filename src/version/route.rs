//! The release decisions, in Rust: which packages a tag releases and whether it names their
//! versions ([`check_tag`], used by `pyrel version --check-tag TAG` and doctor's tag check),
//! and where a workflow run publishes ([`route`], used by `pyrel bump patch --tag` and every
//! other tagging bump to say what pushing the tag will do). `scripts/bump_version.py` makes
//! the same decisions in CI; the shared vectors in `tests/vectors/` hold both to the same
//! answers.

use std::collections::BTreeMap;

use super::{parse, Version};
use crate::grammar::{PackageTag, TagFormat};
use crate::policy::TestPypi;

/// The policy facts a route needs.
#[derive(Debug, Clone)]
pub struct RoutePolicy {
    pub tag_format: TagFormat,
    pub(crate) lockstep: bool,
    pub(crate) testpypi: TestPypi,
    pub(crate) dev_builds: bool,
}

/// One package as the release decisions see it.
#[derive(Debug, Clone)]
pub struct PackageState {
    pub name: String,
    pub(crate) normalized: String,
    /// What `{dir}` stands for in the tag format (see [`crate::grammar::dir_word`]).
    pub(crate) dir_word: String,
    /// The version comes from git tags.
    pub(crate) vcs: bool,
    /// Every version source: (path, line, value as written), the version of record first.
    pub(crate) sources: Vec<(String, usize, String)>,
    /// The text of the changelog this package's releases are noted in (the policy's for
    /// lockstep), when there is one: `(path, text)`.
    pub(crate) changelog: Option<(String, Option<String>)>,
}

/// What a tag names: the packages it releases and its version.
#[derive(Debug, Clone)]
pub struct TagCheck {
    /// Indexes into the packages given to [`check_tag`].
    pub packages: Vec<usize>,
    pub version: Version,
    /// Each source that disagrees with the tag (and a local version), one line each.
    pub problems: Vec<String>,
}

/// Whether git could create this tag (`git check-ref-format`): no whitespace or control
/// characters, none of `~^:?*[\`, no `..`, `@{` or `//`, no component starting with `.` or
/// ending with `.lock`, not starting with `-`, `/` or `.`, not ending with `/` or `.`.
pub(crate) fn valid_tag_name(tag: &str) -> bool {
    !(tag.is_empty()
        || tag == "@"
        || tag
            .chars()
            .any(|c| c <= ' ' || c == '\u{7f}' || "~^:?*[\\".contains(c))
        || ["..", "@{", "//", "/."].iter().any(|s| tag.contains(s))
        || tag.ends_with(".lock")
        || tag.contains(".lock/")
        || tag.starts_with(['-', '/', '.'])
        || tag.ends_with(['/', '.']))
}

/// The packages a release tag releases and the version it names. With `{name}` in the tag
/// format a tag releases one package: the one whose tag prefix is the longest match (with
/// packages `a` and `a-v`, `a-v-v1.0` is `a-v`'s). Errors: a tag git could not create, a tag
/// of another shape, a version that is not PEP 440.
pub fn check_tag(
    tag: &str,
    format: &TagFormat,
    packages: &[PackageState],
) -> Result<TagCheck, String> {
    if !valid_tag_name(tag) {
        return Err(format!(
            "{} is not a tag name git could create (whitespace, control characters, `..`, `@{{`, or one of ~^:?*[\\)",
            serde_json::Value::from(tag)
        ));
    }
    let named: Vec<(&str, &str)> = packages
        .iter()
        .map(|p| (p.normalized.as_str(), p.dir_word.as_str()))
        .collect();
    let matched = format.split(tag, &named).map(|(i, m)| match i {
        Some(i) => (vec![i], m),
        None => ((0..packages.len()).collect(), m),
    });
    let Some((indexes, text)) = matched else {
        return Err(format!("tag {tag} does not match the tag format {format}"));
    };
    let version = parse(text).map_err(|e| e.to_string())?;
    let mut problems = Vec::new();
    if version.is_local() {
        problems.push(format!("{version} is a local version; PyPI refuses those"));
    }
    for &i in &indexes {
        let p = &packages[i];
        if p.vcs {
            continue;
        }
        for (path, line, value) in &p.sources {
            if parse(value).ok().as_ref() != Some(&version) {
                problems.push(format!(
                    "{path}:{line}: {} is at {value}, but the tag says {version}",
                    p.name
                ));
            }
        }
    }
    Ok(TagCheck {
        packages: indexes,
        version,
        problems,
    })
}

/// The greatest non-local version among `tags` of one package (`package_tag`), if any.
pub(crate) fn latest_tag_version<'a>(
    tags: impl IntoIterator<Item = &'a str>,
    package_tag: &PackageTag,
) -> Option<Version> {
    tags.into_iter()
        .filter_map(|t| package_tag.version_in(t))
        .filter_map(|m| parse(m).ok())
        .filter(|v| !v.is_local())
        .max()
}

/// A dev release that sorts above `base` and below its next release: `1.2.3` gives
/// `1.2.4.devN` (never `1.2.3.devN`, which sorts below the release that is out), `1.3.0rc1`
/// gives `1.3.0rc2.devN`, `1.3.0.dev0` gives `1.3.0.devN`. The local label is dropped.
pub fn dev_version(base: &Version, n: u64) -> Version {
    let v = base.as_pep440().clone().without_local();
    let v = if v.dev().is_some() {
        v
    } else if let Some(pre) = v.pre() {
        v.with_pre(Some(pep440_rs::Prerelease {
            kind: pre.kind,
            number: pre.number.saturating_add(1),
        }))
        .with_post(None)
    } else {
        let mut release = v.release().to_vec();
        release.resize(release.len().max(3), 0);
        release[2] = release[2].saturating_add(1);
        for r in release.iter_mut().skip(3) {
            *r = 0;
        }
        v.with_release(release).with_pre(None).with_post(None)
    };
    Version::from(v.with_dev(Some(n)))
}

/// Why a run must not go on, with the message CI prints.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct RouteError(pub(crate) String);

/// The outputs of the release workflow's plan step, from the variables GitHub sets
/// (`GITHUB_EVENT_NAME`, `GITHUB_REF_TYPE`, `GITHUB_REF_NAME`, `GITHUB_RUN_NUMBER`,
/// `GITHUB_RUN_ATTEMPT`) and the dispatch inputs the workflow passes (`DISPATCH_TARGET`,
/// `DISPATCH_DRY_RUN`), read through `env`. `tags` are the repository's tags (for packages
/// versioned by git tags).
///
/// - A tag must name the version of every package it releases, not be local, and have its
///   changelog section.
/// - A pushed tag: `testpypi = "prereleases"` sends pre-releases to TestPyPI and finals to
///   PyPI; `"all"` sends finals to both, pre-releases to TestPyPI; `"never"` sends all to PyPI.
///   A GitHub Release is made.
/// - A manual run publishes nothing unless `dry-run` is `false`; `target = pypi` needs a tag,
///   and a pre-release goes where a pushed tag would send it.
/// - A push to a branch with dev builds publishes a dev release above the last one to TestPyPI.
pub fn route(
    env: &dyn Fn(&str) -> Option<String>,
    policy: &RoutePolicy,
    packages: &[PackageState],
    tags: &[String],
) -> Result<BTreeMap<&'static str, String>, RouteError> {
    let get = |k: &str| env(k).unwrap_or_default();
    let event = get("GITHUB_EVENT_NAME");
    let ref_type = get("GITHUB_REF_TYPE");
    let ref_name = get("GITHUB_REF_NAME");
    let dispatch = event == "workflow_dispatch";
    let dry_run = get("DISPATCH_DRY_RUN") != "false";
    let target = get("DISPATCH_TARGET");
    if dispatch && target != "testpypi" && target != "pypi" {
        return Err(RouteError(format!(
            "the dispatch input target is {}; expected testpypi or pypi",
            serde_json::Value::from(target)
        )));
    }
    let (mut testpypi, mut pypi, mut github_release) = (false, false, false);
    let mut tag = String::new();
    let mut version = if ref_type == "tag" {
        if ref_name.chars().count() > 255 {
            // No tag pyrel makes or accepts is that long (its ref names stop at 255).
            return Err(RouteError(format!(
                "the tag {} is {} characters long; a release tag has at most 255",
                crate::grammar::shown(&ref_name),
                ref_name.chars().count()
            )));
        }
        let check = check_tag(&ref_name, &policy.tag_format, packages).map_err(RouteError)?;
        if !check.problems.is_empty() {
            return Err(RouteError(format!(
                "the tag {ref_name} does not match the package versions:\n  {}",
                check.problems.join("\n  ")
            )));
        }
        let one = (check.packages.len() == 1).then(|| &packages[check.packages[0]]);
        let log = match one {
            Some(p) => p.changelog.as_ref(),
            None => packages.first().and_then(|p| p.changelog.as_ref()),
        };
        if let Some((path, text)) = log {
            let has = text.as_deref().is_some_and(|t| {
                crate::changelog::section_notes(t, &check.version.to_string()).is_some()
            });
            if !has {
                return Err(RouteError(format!(
                    "{path} has no section for {}: roll the changelog before tagging (bump does)",
                    check.version
                )));
            }
        }
        tag = ref_name.clone();
        check.version
    } else {
        let records: Vec<(&PackageState, &str)> = packages
            .iter()
            .filter(|p| !p.vcs)
            .filter_map(|p| p.sources.first().map(|s| (p, s.2.as_str())))
            .collect();
        if let Some((_, first)) = records.first() {
            let parsed: Vec<Version> = records
                .iter()
                .map(|(_, v)| parse(v))
                .collect::<Result<_, _>>()
                .map_err(|e| RouteError(e.to_string()))?;
            if policy.lockstep && parsed.iter().any(|v| *v != parsed[0]) {
                return Err(RouteError(format!(
                    "the packages disagree on the version: {}",
                    records
                        .iter()
                        .map(|(p, v)| format!("{} {v}", p.name))
                        .collect::<Vec<_>>()
                        .join(", ")
                )));
            }
            parse(first).map_err(|e| RouteError(e.to_string()))?
        } else {
            // A format that names the package has no tag shared by all packages.
            policy
                .tag_format
                .shared()
                .and_then(|shared| latest_tag_version(tags.iter().map(String::as_str), &shared))
                .unwrap_or_else(|| Version::from(pep440_rs::Version::new([0, 0, 0])))
        }
    };
    let mut prerelease = version.is_prerelease();
    if dispatch && !dry_run {
        if target == "pypi" && ref_type != "tag" {
            return Err(RouteError(
                "publishing to PyPI by hand needs a release tag: run the workflow on the tag"
                    .into(),
            ));
        }
        if target == "testpypi" || (prerelease && policy.testpypi != TestPypi::Never) {
            if policy.testpypi == TestPypi::Never && !policy.dev_builds {
                return Err(RouteError(
                    "this repository does not publish to TestPyPI (testpypi = \"never\")".into(),
                ));
            }
            testpypi = true;
        } else {
            pypi = true;
        }
        github_release = pypi;
    } else if event == "push" && ref_type == "tag" {
        testpypi = policy.testpypi == TestPypi::All
            || (prerelease && policy.testpypi == TestPypi::Prereleases);
        pypi = match policy.testpypi {
            TestPypi::Never => true,
            TestPypi::Prereleases | TestPypi::All => !prerelease,
        };
        github_release = true;
    } else if event == "push" && ref_type == "branch" && policy.dev_builds {
        let number = get("GITHUB_RUN_NUMBER");
        let attempt = get("GITHUB_RUN_ATTEMPT");
        let n = match (number.parse::<u64>(), attempt.parse::<u64>()) {
            (Ok(n), Ok(a))
                if number.bytes().all(|b| b.is_ascii_digit())
                    && attempt.bytes().all(|b| b.is_ascii_digit()) =>
            {
                n.saturating_mul(100).saturating_add(a)
            }
            _ => {
                return Err(RouteError(
                    "GITHUB_RUN_NUMBER and GITHUB_RUN_ATTEMPT must be numbers for a dev build"
                        .into(),
                ))
            }
        };
        version = dev_version(&version, n);
        testpypi = true;
        prerelease = true;
    }
    let b = |x: bool| if x { "true" } else { "false" }.to_string();
    Ok(BTreeMap::from([
        ("github-release", b(github_release)),
        ("prerelease", b(prerelease)),
        ("pypi", b(pypi)),
        ("tag", tag),
        ("testpypi", b(testpypi)),
        ("version", version.to_string()),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_names_git_refuses() {
        for t in [
            "v1.0 ", "v1\n0", "v1..0", "v1~0", "v1^0", "v1:0", "v1?", "v1*", "v1[0", "v1\\0", "",
            "-v1", "v1/", "v1.", "a/.b", "v1.lock", "a@{b", "@",
        ] {
            assert!(!valid_tag_name(t), "{t:?}");
        }
        for t in ["v1.0", "pkg-v1.0rc1", "release/1.0", "v1.0+local"] {
            assert!(valid_tag_name(t), "{t:?}");
        }
    }

    #[test]
    fn dev_versions_sort_above_the_last_release() {
        for (base, want) in [
            ("1.2.3", "1.2.4.dev7"),
            ("1.2", "1.2.1.dev7"),
            ("1.2.3.post1", "1.2.4.dev7"),
            ("1.3.0rc1", "1.3.0rc2.dev7"),
            ("1.3.0.dev0", "1.3.0.dev7"),
            ("1!2.0.0+loc", "1!2.0.1.dev7"),
        ] {
            let b = parse(base).unwrap();
            let d = dev_version(&b, 7);
            assert_eq!(d.to_string(), want);
            if b.as_pep440().dev().is_none() {
                assert!(d > b, "{d} > {b}");
            }
        }
    }
}
