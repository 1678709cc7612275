//! What `pyrel init` proposes for a repository, decided from what discovery found: the
//! detection layer behind init's defaults (and doctor's judgement before there is a
//! policy). Reads only: existing tags, existing workflows, `requires-python`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use super::{Project, VersionScheme};
use crate::grammar::TagFormat;

/// CPython minor versions with their end-of-life dates (PEP 602: five years after the
/// October release). The one place to update when a new CPython ships.
pub(crate) const CPYTHON: &[(u32, &str)] = &[
    (8, "2024-10-31"),
    (9, "2025-10-31"),
    (10, "2026-10-31"),
    (11, "2027-10-31"),
    (12, "2028-10-31"),
    (13, "2029-10-31"),
    (14, "2030-10-31"),
];

/// The oldest minor `actions/setup-python` still installs on GitHub's runners: a
/// project's lowest supported version is kept in the matrix down to this one.
const OLDEST_INSTALLABLE: u32 = 8;

/// What init proposes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Choices {
    /// The released packages do not share one version.
    pub(crate) independent: bool,
    /// Lockstep packages whose version of record differs from the others' while their
    /// other version sources agree with them: `(package, file, its version, the shared one)`.
    pub(crate) drift: Vec<(String, PathBuf, String, String)>,
    /// The tag format the repository's existing tags use, when they agree on one.
    pub(crate) tag_format: Option<TagFormat>,
    /// The Python test matrix, when the packages' `requires-python` say something.
    pub(crate) python_versions: Option<Vec<String>>,
    /// Check names of existing test jobs that report on every commit of the default
    /// branch (unique, as GitHub names them).
    pub(crate) existing_checks: Vec<String>,
    /// Test jobs left out of the gate, with why.
    pub(crate) unfit_checks: Vec<CheckSource>,
    /// Workflows that already upload to PyPI, with the token secrets they use.
    pub(crate) publishers: Vec<Publisher>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Publisher {
    pub(crate) path: PathBuf,
    /// Secrets that reach an upload (token publishing), sorted.
    pub(crate) secrets: Vec<String>,
    /// The events that run it (reusable calls left out).
    pub(crate) triggers: Vec<Trigger>,
    /// The jobs that upload.
    pub(crate) jobs: Vec<super::publishing::PublishJob>,
    /// It runs as CI too (pull requests, the merge queue, a schedule): never replaced.
    pub(crate) ci: bool,
    /// Every job id of the workflow.
    pub(crate) job_ids: Vec<String>,
    /// Jobs pyrel's release workflow would not do, with what they do.
    pub(crate) foreign: Vec<(String, String)>,
    /// pyrel generated it.
    pub(crate) generated: bool,
}

impl Publisher {
    /// `job `publish` (lines 40-58)` for each upload job.
    pub(crate) fn jobs_described(&self) -> String {
        self.jobs
            .iter()
            .map(|j| j.describe())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// How its upload jobs authenticate.
    pub(crate) fn auth(&self) -> String {
        let mut a: Vec<String> = self.jobs.iter().map(|j| j.auth()).collect();
        a.dedup();
        a.join("; ")
    }

    /// Its triggers in words.
    pub(crate) fn on(&self) -> String {
        if self.triggers.is_empty() {
            return "calls from other workflows".into();
        }
        let mut t: Vec<String> = self.triggers.iter().map(Trigger::describe).collect();
        t.dedup();
        t.join(", ")
    }

    /// It can upload what pyrel's release workflow (on `planned`) uploads: on the same
    /// tags, or on anything but tags of other packages (a manual run, a branch push, a
    /// schedule can all upload the same version).
    pub(crate) fn beside(&self, planned: &[Trigger]) -> bool {
        if self.triggers.is_empty() {
            return false;
        }
        self.triggers.iter().any(|t| {
            !matches!(t, Trigger::Tag(_))
                || shared_trigger(std::slice::from_ref(t), planned).is_some()
        })
    }
}

/// An event that runs a workflow by itself. Patterns are kept as their literal prefix
/// (the text before the first glob character): two patterns can match the same ref
/// when one prefix starts with the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// A tag push matching the prefix (`""`: any tag).
    Tag(String),
    /// A branch push matching the prefix (`""`: any branch), or another workflow's run.
    Branch(String),
    PullRequest,
    Schedule,
    /// A GitHub Release is published (or created): a tag of any name.
    Release,
    /// The merge queue (`merge_group`).
    MergeGroup,
    /// Run by hand (`workflow_dispatch`).
    Manual,
}

impl Trigger {
    fn overlaps(&self, other: &Trigger) -> bool {
        let prefixes = |a: &str, b: &str| a.starts_with(b) || b.starts_with(a);
        let any_tag = Trigger::Tag(String::new());
        let (this, other) = (
            if *self == Trigger::Release {
                &any_tag
            } else {
                self
            },
            if *other == Trigger::Release {
                &any_tag
            } else {
                other
            },
        );
        match (this, other) {
            (Trigger::Tag(a), Trigger::Tag(b)) | (Trigger::Branch(a), Trigger::Branch(b)) => {
                prefixes(a, b)
            }
            (a, b) => a == b,
        }
    }

    pub(crate) fn describe(&self) -> String {
        match self {
            Trigger::Tag(p) if p.is_empty() => "tag pushes / releases".into(),
            Trigger::Tag(p) => format!("tags `{p}*`"),
            Trigger::Branch(p) if p.is_empty() => "branch pushes".into(),
            Trigger::Branch(p) => format!("branch `{p}` pushes"),
            Trigger::PullRequest => "pull requests".into(),
            Trigger::Schedule => "a schedule".into(),
            Trigger::Release => "a published GitHub Release".into(),
            Trigger::MergeGroup => "the merge queue".into(),
            Trigger::Manual => "manual runs".into(),
        }
    }

    /// An event CI runs on: a workflow with one is never replaced.
    pub(crate) fn is_ci(&self) -> bool {
        matches!(
            self,
            Trigger::PullRequest | Trigger::Schedule | Trigger::MergeGroup
        )
    }
}

/// The first trigger of `a` that can fire together with one of `b`.
pub(crate) fn shared_trigger<'a>(a: &'a [Trigger], b: &[Trigger]) -> Option<&'a Trigger> {
    a.iter().find(|t| b.iter().any(|u| t.overlaps(u)))
}

/// The triggers of a workflow's `on:`. `workflow_call` runs are started by another
/// workflow's job (whose own triggers count); `workflow_dispatch` runs by hand.
pub(crate) fn triggers(doc: &serde_norway::Value) -> Vec<Trigger> {
    use serde_norway::Value;
    let on = doc
        .get("on")
        .or_else(|| doc.as_mapping().and_then(|m| m.get(Value::Bool(true))));
    let prefix = |v: &Value| -> Vec<String> {
        let pats: Vec<&str> = match v {
            Value::String(s) => vec![s.as_str()],
            Value::Sequence(s) => s.iter().filter_map(Value::as_str).collect(),
            _ => vec![],
        };
        let mut out: Vec<String> = pats
            .iter()
            .filter(|p| !p.starts_with('!'))
            .map(|p| {
                p.split(['*', '?', '[', '+', '{'])
                    .next()
                    .unwrap_or_default()
                    .to_string()
            })
            .collect();
        if out.is_empty() {
            out.push(String::new());
        }
        out
    };
    let mut out = Vec::new();
    let mut event = |name: &str, body: Option<&Value>| match name {
        "push" => {
            let filter = |k: &str| body.and_then(|b| b.get(k));
            let tags = filter("tags").or(filter("tags-ignore"));
            let branches = filter("branches").or(filter("branches-ignore"));
            // Only tag filters: branch pushes do not run it, and the other way round.
            if tags.is_some() || branches.is_none() {
                let pats = match filter("tags") {
                    Some(v) => prefix(v),
                    None => vec![String::new()],
                };
                out.extend(pats.into_iter().map(Trigger::Tag));
            }
            if branches.is_some() || tags.is_none() {
                let pats = match filter("branches") {
                    Some(v) => prefix(v),
                    None => vec![String::new()],
                };
                out.extend(pats.into_iter().map(Trigger::Branch));
            }
        }
        "release" => out.push(Trigger::Release),
        "workflow_run" => out.push(Trigger::Branch(String::new())),
        "pull_request" | "pull_request_target" => out.push(Trigger::PullRequest),
        "schedule" => out.push(Trigger::Schedule),
        "merge_group" => out.push(Trigger::MergeGroup),
        "workflow_dispatch" | "repository_dispatch" => out.push(Trigger::Manual),
        _ => {}
    };
    match on {
        Some(Value::String(s)) => event(s, None),
        Some(Value::Sequence(s)) => {
            for v in s.iter().filter_map(Value::as_str) {
                event(v, None);
            }
        }
        Some(Value::Mapping(m)) => {
            for (k, v) in m {
                if let Some(k) = k.as_str() {
                    event(k, Some(v));
                }
            }
        }
        _ => {}
    }
    out.dedup();
    out
}

/// Decides every choice for `project`; `today` is `YYYY-MM-DD`, `branch` the default
/// branch.
pub(crate) fn choose(project: &Project, today: &str, branch: &str) -> Choices {
    let mut versions: Vec<&str> = project
        .packages
        .iter()
        .filter(|p| p.scheme == VersionScheme::Static)
        .filter_map(|p| p.version())
        .collect();
    versions.sort_unstable();
    versions.dedup();
    // Only tag formats whose tags carry versions the package has had: a repository that
    // also releases something else (`dotnet-1.4.0` beside a Python package at 0.6) is
    // not read as the package's history.
    let formats = with_history(project, tag_formats(project));
    // A lockstep repository with one file left behind (its other sources agree with the
    // others): lockstep, the drift reported.
    let drift = lockstep_drift(project);
    // Versions that differ make the packages independent. So do two tag streams (tags
    // naming two packages each, `alpha-v…` and `beta-v…`). Without a literal version to
    // compare (every version from git tags), the tags say it: tags that name the
    // package (`integrations/{dir}-v{version}`) are one package's releases each.
    let best = most_common(&formats, |_| true);
    let streams = best.is_some_and(|f| {
        f.names_package() && (versions.is_empty() || packages_tagged(project, f) > 1)
    });
    let independent =
        (versions.len() > 1 && drift.is_empty()) || (project.packages.len() > 1 && streams);
    let (sources, publishers) =
        workflows(project, |rel| Workflow::read(&project.root, rel), branch);
    let existing_checks = gate_checks(&sources);
    let unfit_checks = sources
        .into_iter()
        .filter(|s| s.tests && s.unfit.is_some())
        .collect();
    Choices {
        independent,
        drift: if independent { Vec::new() } else { drift },
        tag_format: most_common(&formats, |f| f.names_package() == independent).cloned(),
        python_versions: python_matrix(project, today),
        existing_checks,
        unfit_checks,
        publishers,
    }
}

/// Whether the version `3.<minor>` (any patch) satisfies a `requires-python` spec.
fn allows(spec: &pep440_rs::VersionSpecifiers, minor: u32) -> bool {
    [format!("3.{minor}"), format!("3.{minor}.99")]
        .iter()
        .filter_map(|v| pep440_rs::Version::from_str(v).ok())
        .any(|v| spec.contains(&v))
}

/// The test matrix: the CPython versions inside every released package's
/// `requires-python` (both bounds) that are still supported on `today`, plus the lowest
/// version the project supports even past its end of life.
pub(crate) fn python_matrix(project: &Project, today: &str) -> Option<Vec<String>> {
    let mut specs = Vec::new();
    for p in &project.packages {
        let Some(spec) = requires_python(&project.root.join(&p.manifest)) else {
            continue;
        };
        if let Ok(s) = pep440_rs::VersionSpecifiers::from_str(&spec) {
            specs.push(s);
        }
    }
    if specs.is_empty() {
        return None;
    }
    let allowed: Vec<(u32, &str)> = CPYTHON
        .iter()
        .copied()
        .filter(|(m, _)| specs.iter().all(|s| allows(s, *m)))
        .collect();
    let mut out: Vec<String> = allowed
        .iter()
        .filter(|(_, eol)| *eol > today)
        .map(|(m, _)| format!("3.{m}"))
        .collect();
    if let Some((lowest, _)) = allowed.first() {
        let name = format!("3.{lowest}");
        if *lowest >= OLDEST_INSTALLABLE && !out.contains(&name) {
            out.insert(0, name);
        }
    }
    (!out.is_empty()).then_some(out)
}

/// The `requires-python` of a package as a PEP 440 specifier: `[project]`, poetry's
/// `python = "^3.9"`, setup.py's `python_requires`, or setup.cfg's.
///
/// setuptools merges setup.cfg and setup.py: a `setup.py` that names the package often
/// leaves `python_requires` to setup.cfg beside it (and the other way round), and a
/// pyproject.toml without `[project]` leaves all metadata to them. So when the manifest
/// does not say, the setuptools files of the same directory are asked.
fn requires_python(manifest: &Path) -> Option<String> {
    if let Some(spec) = requires_python_of(manifest) {
        return Some(spec);
    }
    if manifest.file_name().and_then(|n| n.to_str()) == Some("pyproject.toml")
        && pyproject_has_metadata(manifest)
    {
        return None;
    }
    let dir = manifest.parent()?;
    ["setup.cfg", "setup.py"]
        .iter()
        .map(|n| dir.join(n))
        .filter(|p| p != manifest)
        .find_map(|p| requires_python_of(&p))
}

/// A pyproject.toml whose `[project]` or `[tool.poetry]` holds the metadata: setuptools
/// then ignores setup.cfg's, so it is not asked.
fn pyproject_has_metadata(manifest: &Path) -> bool {
    let Ok(text) = crate::workspace_fs::read_regular_string(manifest) else {
        return false;
    };
    let Ok(doc) = toml_edit::ImDocument::parse(text) else {
        return false;
    };
    doc.get("project").is_some() || doc.get("tool").and_then(|t| t.get("poetry")).is_some()
}

fn requires_python_of(manifest: &Path) -> Option<String> {
    let text = crate::workspace_fs::read_regular_string(manifest).ok()?;
    let name = manifest.file_name()?.to_str()?;
    match name {
        "pyproject.toml" => {
            let doc: toml_edit::ImDocument<String> = toml_edit::ImDocument::parse(text).ok()?;
            if let Some(s) = doc
                .get("project")
                .and_then(|p| p.get("requires-python"))
                .and_then(|v| v.as_str())
            {
                return Some(s.to_string());
            }
            let poetry = doc
                .get("tool")?
                .get("poetry")?
                .get("dependencies")?
                .get("python")?
                .as_str()?;
            Some(poetry_constraint(poetry))
        }
        "setup.py" => super::setup_py::parse(&text, manifest)
            .ok()
            .flatten()
            .and_then(|s| s.python_requires),
        "setup.cfg" => super::setup_cfg::parse(&text)
            .get("options", "python_requires")
            .and_then(|e| e.parts.first())
            .map(|p| p.text.clone()),
        _ => None,
    }
}

/// poetry's `^3.9` / `~3.9` / `>=3.9,<4` as PEP 440.
fn poetry_constraint(c: &str) -> String {
    let c = c.trim();
    if let Some(v) = c.strip_prefix('^') {
        format!(">={}", v.trim())
    } else if let Some(v) = c.strip_prefix('~').filter(|v| !v.starts_with('=')) {
        format!("=={}.*", v.trim())
    } else {
        c.to_string()
    }
}

/// Every tag name of the repository, read from the refs on disk (no subprocess).
pub(crate) fn tags(root: &Path) -> Vec<String> {
    let mut git = root.join(".git");
    if git.is_file() {
        // A worktree: `gitdir: PATH`, tags live in the common directory.
        let Some(dir) = crate::workspace_fs::read_regular_string(&git)
            .ok()
            .and_then(|t| t.strip_prefix("gitdir:").map(|d| PathBuf::from(d.trim())))
        else {
            return Vec::new();
        };
        git = crate::workspace_fs::read_regular_string(dir.join("commondir"))
            .map(|c| dir.join(c.trim()))
            .unwrap_or(dir);
    }
    let mut out = Vec::new();
    fn walk(base: &Path, dir: &Path, out: &mut Vec<String>) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if let Ok(rel) = p.strip_prefix(base) {
                out.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let refs = git.join("refs/tags");
    walk(&refs, &refs, &mut out);
    if let Ok(packed) = crate::workspace_fs::read_regular_string(git.join("packed-refs")) {
        for line in packed.lines() {
            if let Some((_, name)) = line.split_once(' ') {
                if let Some(t) = name.strip_prefix("refs/tags/") {
                    out.push(t.to_string());
                }
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The formats existing tags follow, each with how many tags follow it: the tag with
/// its version replaced by `{version}`, a package name by `{name}`, or else the word of
/// a package directory by `{dir}` (only words that name one package's directory).
fn tag_formats(project: &Project) -> BTreeMap<String, (usize, TagFormat)> {
    let names: Vec<String> = project
        .packages
        .iter()
        .flat_map(|p| [p.normalized.clone(), p.normalized.replace('-', "_")])
        .collect();
    let mut words: BTreeMap<String, usize> = BTreeMap::new();
    for p in project
        .packages
        .iter()
        .filter(|p| !p.dir.as_os_str().is_empty())
    {
        let dir = crate::workspace_fs::slash(&p.dir);
        *words
            .entry(crate::grammar::dir_word(&p.name, &dir).to_string())
            .or_default() += 1;
    }
    let dirs: Vec<String> = words
        .into_iter()
        .filter(|(_, n)| *n == 1)
        .map(|(w, _)| w)
        .collect();
    let mut counts: BTreeMap<String, (usize, TagFormat)> = BTreeMap::new();
    for tag in tags(&project.root) {
        let Some(format) = TagFormat::of_tag(&tag, &names, &dirs) else {
            continue;
        };
        counts
            .entry(format.as_str().to_string())
            .or_insert((0, format))
            .0 += 1;
    }
    counts
}

/// How many packages have tags in the format `f` (for `{name}`/`{dir}` formats).
fn packages_tagged(project: &Project, f: &TagFormat) -> usize {
    let tags = tags(&project.root);
    project
        .packages
        .iter()
        .filter(|p| {
            name_variants(p).iter().any(|n| {
                let pt = f.package(n, &crate::workspace_fs::slash(&p.dir));
                tags.iter()
                    .any(|t| pt.version_in(t).is_some_and(is_version))
            })
        })
        .count()
}

fn name_variants(p: &super::Package) -> [String; 2] {
    [p.normalized.clone(), p.normalized.replace('-', "_")]
}

fn is_version(v: &str) -> bool {
    pep440_rs::Version::from_str(v).is_ok()
}

/// The lockstep packages left behind: when the static versions differ, the most common
/// one is shared, and every package with another version has a second source that
/// agrees with it. Empty when the versions agree, or when they really differ.
fn lockstep_drift(project: &Project) -> Vec<(String, PathBuf, String, String)> {
    let statics: Vec<&super::Package> = project
        .packages
        .iter()
        .filter(|p| p.scheme == VersionScheme::Static && p.version().is_some())
        .collect();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for p in &statics {
        *counts.entry(p.version().unwrap_or_default()).or_default() += 1;
    }
    if counts.len() < 2 {
        return Vec::new();
    }
    let Some((&shared, &n)) = counts.iter().max_by_key(|(_, n)| **n) else {
        return Vec::new();
    };
    if n * 2 <= statics.len() {
        return Vec::new();
    }
    let mut out = Vec::new();
    for p in statics.iter().filter(|p| p.version() != Some(shared)) {
        let agrees = p.version_sources.iter().skip(1).any(|s| s.value == shared);
        if !agrees {
            return Vec::new();
        }
        if let Some(first) = p.version_sources.first() {
            out.push((
                p.name.clone(),
                first.path.clone(),
                first.value.clone(),
                shared.to_string(),
            ));
        }
    }
    out
}

/// The formats whose tags carry versions the packages have had: for some package, the
/// latest tags of the format name a version that its version files held at that tag
/// (`git show TAG:FILE`). A format with no such tag is dropped; when git cannot tell
/// (no repository, no history), every format is kept.
fn with_history(
    project: &Project,
    formats: BTreeMap<String, (usize, TagFormat)>,
) -> BTreeMap<String, (usize, TagFormat)> {
    // A version from git tags is, by definition, what the tags say.
    if formats.len() < 2
        || project
            .packages
            .iter()
            .any(|p| matches!(p.scheme, VersionScheme::Vcs { .. }))
    {
        return formats;
    }
    let tags = tags(&project.root);
    let mut kept = BTreeMap::new();
    let mut answered = false;
    for (key, (n, f)) in &formats {
        let mut matched = false;
        'packages: for p in project
            .packages
            .iter()
            .filter(|p| p.scheme == VersionScheme::Static)
        {
            let mut files: Vec<&Path> =
                p.version_sources.iter().map(|s| s.path.as_path()).collect();
            files.push(&p.manifest);
            files.dedup();
            for name in name_variants(p) {
                let pt = f.package(&name, &crate::workspace_fs::slash(&p.dir));
                let mut own: Vec<(pep440_rs::Version, &String, &str)> = tags
                    .iter()
                    .filter_map(|t| {
                        let v = pt.version_in(t)?;
                        Some((pep440_rs::Version::from_str(v).ok()?, t, v))
                    })
                    .collect();
                own.sort_by(|a, b| b.0.cmp(&a.0));
                for (_, tag, version) in own.iter().take(3) {
                    for file in &files {
                        match file_at_tag(&project.root, tag, file) {
                            Some(text) => {
                                answered = true;
                                if text.contains(version) {
                                    matched = true;
                                    break 'packages;
                                }
                            }
                            None => continue,
                        }
                    }
                }
            }
        }
        if matched {
            kept.insert(key.clone(), (*n, f.clone()));
        }
    }
    if !answered || kept.is_empty() {
        return formats;
    }
    kept
}

/// The text of `file` (relative to the root) at the tag, `None` when git cannot say.
fn file_at_tag(root: &Path, tag: &str, file: &Path) -> Option<String> {
    let rel = crate::workspace_fs::slash(file);
    let out = std::process::Command::new("git")
        .arg("-C")
        .arg(root)
        .arg("show")
        .arg(format!("refs/tags/{tag}:{rel}"))
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The format most tags follow among those `keep` accepts (on a tie, the first in text
/// order). Lockstep needs a format without `{name}`/`{dir}`, independent versioning one
/// with it.
fn most_common(
    counts: &BTreeMap<String, (usize, TagFormat)>,
    keep: impl Fn(&TagFormat) -> bool,
) -> Option<&TagFormat> {
    counts
        .iter()
        .filter(|(_, (_, f))| keep(f))
        .max_by(|a, b| a.1 .0.cmp(&b.1 .0).then_with(|| b.0.cmp(a.0)))
        .map(|(_, (_, f))| f)
}

/// Commands that run a test suite.
const TEST_MARKERS: &[&str] = &[
    "pytest",
    "tox",
    "nox",
    "hatch test",
    "unittest",
    "make test",
];

/// Every workflow that uploads to PyPI (pyrel's own included), with its upload jobs.
pub(crate) fn publishers(
    project: &Project,
    load: impl Fn(&Path) -> Option<Arc<Workflow>>,
) -> Vec<Publisher> {
    workflows(project, load, "").1
}

/// A workflow file as read and parsed: shared by the checks that look at it (a release
/// workflow is parsed once per run).
#[derive(Debug)]
pub(crate) struct Workflow {
    pub(crate) text: String,
    pub(crate) doc: std::result::Result<serde_norway::Value, serde_norway::Error>,
}

impl Workflow {
    /// Reads and parses `rel` below `root`; `None` when it is missing or unreadable.
    pub(crate) fn read(root: &Path, rel: &Path) -> Option<Arc<Workflow>> {
        let text = crate::workspace_fs::read_text_opt(&root.join(rel)).ok()??;
        let doc = serde_norway::from_str(&text);
        Some(Arc::new(Workflow { text, doc }))
    }

    /// Whether pyrel generated it (its header says so).
    pub(crate) fn generated(&self) -> bool {
        self.text
            .lines()
            .take(3)
            .any(|l| l.contains("Generated by pyrel"))
    }
}

/// Where a check name comes from, and why it may not report on every commit of the
/// default branch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckSource {
    /// The check-run name, as GitHub shows it.
    pub(crate) name: String,
    pub(crate) workflow: PathBuf,
    pub(crate) job: String,
    /// Why the check can stay unreported (path filter, branch filter, `if:`); `None`
    /// when it runs on every push to the default branch or every pull request to it.
    pub(crate) unfit: Option<String>,
    /// The job runs a test suite.
    pub(crate) tests: bool,
}

/// Every check name of the repository's own workflows (pyrel's generated ones left
/// out), with where it comes from; `branch` is the default branch.
pub(crate) fn check_sources(
    project: &Project,
    load: impl Fn(&Path) -> Option<Arc<Workflow>>,
    branch: &str,
) -> Vec<CheckSource> {
    workflows(project, load, branch).0
}

/// When every job that reports the check `name` can stay unreported on a commit of the
/// default branch: which job, of which workflow, and why (`None` when one always
/// reports, or when no workflow of the repository names it).
pub(crate) fn unfit_reason(sources: &[CheckSource], name: &str) -> Option<String> {
    let of: Vec<&CheckSource> = sources.iter().filter(|s| s.name == name).collect();
    if of.is_empty() || of.iter().any(|s| s.unfit.is_none()) {
        return None;
    }
    let s = of[0];
    Some(format!(
        "job `{}` of {} may never report on a commit of the default branch: {}",
        s.job,
        crate::workspace_fs::slash(&s.workflow),
        s.unfit.as_deref().unwrap_or_default()
    ))
}

/// Unique check names of test jobs that report on every commit of the default branch,
/// in the order found.
pub(crate) fn gate_checks(sources: &[CheckSource]) -> Vec<String> {
    let mut seen = std::collections::HashSet::new();
    let unfit: std::collections::HashSet<&str> = sources
        .iter()
        .filter(|s| s.unfit.is_some())
        .map(|s| s.name.as_str())
        .collect();
    sources
        .iter()
        .filter(|s| s.tests && s.unfit.is_none())
        // A name a conditional job also reports under is ambiguous: left out.
        .filter(|s| !unfit.contains(s.name.as_str()))
        .filter(|s| seen.insert(s.name.clone()))
        .map(|s| s.name.clone())
        .collect()
}

/// Reads the existing workflows (each through `load`): the check names of their jobs
/// with where they come from, and the workflows that upload to PyPI.
fn workflows(
    project: &Project,
    load: impl Fn(&Path) -> Option<Arc<Workflow>>,
    branch: &str,
) -> (Vec<CheckSource>, Vec<Publisher>) {
    let compiled = project.packages.iter().any(|p| p.wheels.is_some());
    let mut checks = Vec::new();
    let mut publishers = Vec::new();
    for wf in &project.workflows {
        let Some(parsed) = load(wf) else {
            continue;
        };
        let Ok(doc) = &parsed.doc else {
            continue;
        };
        let text = &parsed.text;
        let ours = parsed.generated();
        let jobs = super::publishing::publish_jobs(&project.root, text, doc);
        let all_jobs: Vec<(String, &serde_norway::Value)> = doc
            .get("jobs")
            .and_then(|j| j.as_mapping())
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| k.as_str().map(|k| (k.to_string(), v)))
                    .collect()
            })
            .unwrap_or_default();
        if !jobs.is_empty() {
            let triggers = triggers(doc);
            let ci = triggers.iter().any(Trigger::is_ci);
            let mut secrets: Vec<String> = jobs
                .iter()
                .flat_map(|j| j.secrets.iter().cloned())
                .collect();
            secrets.sort();
            secrets.dedup();
            let foreign = all_jobs
                .iter()
                .filter_map(|(id, job)| release_job_gap(job, compiled).map(|w| (id.clone(), w)))
                .collect();
            publishers.push(Publisher {
                path: wf.clone(),
                secrets,
                triggers,
                jobs,
                ci,
                job_ids: all_jobs.iter().map(|(id, _)| id.clone()).collect(),
                foreign,
                generated: ours,
            });
        }
        if ours {
            continue;
        }
        let runs = every_commit(doc, branch);
        for (id, job) in &all_jobs {
            let steps =
                serde_norway::to_string(job.get("steps").unwrap_or(&serde_norway::Value::Null))
                    .unwrap_or_default();
            let tests = TEST_MARKERS.iter().any(|m| steps.contains(m));
            let unfit = runs.clone().err().or_else(|| {
                conditional(doc, id).map(|j| {
                    if j == *id {
                        "a job-level `if:` can skip it".to_string()
                    } else {
                        format!("it needs job `{j}`, whose `if:` can skip it")
                    }
                })
            });
            // A name GitHub only knows at run time (`${{ ... }}` outside a matrix) or one
            // no policy could hold (a line break, an invisible character) is not a check
            // pyrel can require: it is left out here, where it enters, not refused later
            // as if the user had written it.
            for name in check_names(id, job)
                .into_iter()
                .filter(|n| crate::grammar::check_name(n).is_ok())
            {
                checks.push(CheckSource {
                    name,
                    workflow: wf.clone(),
                    job: id.clone(),
                    unfit: unfit.clone(),
                    tests,
                });
            }
        }
    }
    (checks, publishers)
}

/// Actions a release workflow pyrel writes does the work of: checking out, setting up
/// Python, building, moving artifacts, attesting, uploading, creating the GitHub release.
const RELEASE_ACTIONS: &[&str] = &[
    "actions/checkout",
    "actions/setup-python",
    "astral-sh/setup-uv",
    "actions/upload-artifact",
    "actions/download-artifact",
    "actions/cache",
    "pypa/gh-action-pypi-publish",
    "softprops/action-gh-release",
    "ncipollo/release-action",
    "actions/create-release",
    "actions/attest-build-provenance",
    "sigstore/gh-action-sigstore-python",
    "hynek/build-and-inspect-python-package",
    "snok/install-poetry",
    "pdm-project/setup-pdm",
];

/// Actions that build compiled wheels: what pyrel does only for a compiled project.
const WHEEL_ACTIONS: &[&str] = &[
    "pypa/cibuildwheel",
    "pyo3/maturin-action",
    "messense/maturin-action",
];

/// Programs of a `run:` line a release workflow pyrel writes does the work of.
const RELEASE_PROGRAMS: &[&str] = &[
    "python",
    "python3",
    "pip",
    "pip3",
    "pipx",
    "uv",
    "uvx",
    "twine",
    "hatch",
    "poetry",
    "flit",
    "pdm",
    "build",
    "pytest",
    "tox",
    "nox",
    "ls",
    "echo",
    "cd",
    "mkdir",
    "rm",
    "cp",
    "mv",
    "cat",
    "export",
    "set",
    "test",
    "true",
    "find",
    "sha256sum",
    "gh",
    "git",
    "maturin",
    "cibuildwheel",
    "check-wheel-contents",
];

/// What in a job of a release workflow pyrel's release workflow does not do (a docker
/// image, a docs deploy, compiled wheels of a pure project), `None` when it does all.
pub(crate) fn release_job_gap(job: &serde_norway::Value, compiled: bool) -> Option<String> {
    if let Some(uses) = job.get("uses").and_then(|u| u.as_str()) {
        return Some(format!("calls {uses}"));
    }
    let steps = job.get("steps").and_then(|s| s.as_sequence())?;
    for step in steps {
        if let Some(uses) = step.get("uses").and_then(|u| u.as_str()) {
            let lower = uses.to_ascii_lowercase();
            let known = RELEASE_ACTIONS.iter().any(|a| lower.starts_with(a))
                || (compiled && WHEEL_ACTIONS.iter().any(|a| lower.starts_with(a)));
            if !known {
                return Some(format!("uses {}", uses.split('@').next().unwrap_or(uses)));
            }
        }
        if let Some(run) = step.get("run").and_then(|r| r.as_str()) {
            let run = super::publishing::strip_shell_comments(run);
            for cmd in run.split(['\n', ';', '|']).flat_map(|l| l.split("&&")) {
                let words: Vec<&str> = cmd
                    .split_whitespace()
                    .skip_while(|w| w.contains('='))
                    .collect();
                let mut word = words.first().copied().unwrap_or_default();
                // A runner runs another program: that one is judged (`uv run mkdocs`).
                let runner = word.rsplit('/').next().unwrap_or(word);
                if matches!(runner, "uvx" | "pipx" | "uv" | "hatch" | "poetry" | "pdm") {
                    let rest: Vec<&str> = words[1..]
                        .iter()
                        .copied()
                        .filter(|w| !w.starts_with('-'))
                        .collect();
                    let run = match (runner, rest.first()) {
                        ("uvx", Some(w)) => Some(*w),
                        (_, Some(&"run")) => rest.get(1).copied(),
                        _ => None,
                    };
                    if let Some(w) = run {
                        word = w;
                    }
                }
                let program = word.rsplit('/').next().unwrap_or(word);
                if !program.is_empty()
                    && !RELEASE_PROGRAMS.contains(&program)
                    && !matches!(
                        program,
                        "if" | "then" | "fi" | "else" | "do" | "done" | "for" | "{" | "}"
                    )
                {
                    return Some(format!("runs `{}`", program));
                }
                if program == "python" || program == "python3" {
                    if let Some(m) = cmd
                        .split("-m ")
                        .nth(1)
                        .and_then(|m| m.split_whitespace().next())
                    {
                        if !matches!(
                            m,
                            "build" | "pip" | "twine" | "pytest" | "tox" | "nox" | "cibuildwheel"
                        ) {
                            return Some(format!("runs `python -m {m}`"));
                        }
                    }
                }
            }
        }
    }
    None
}

/// Whether a workflow runs on every push to `branch` or every pull request to it; the
/// reason when it does not (empty `branch`: any branch counts).
fn every_commit(doc: &serde_norway::Value, branch: &str) -> std::result::Result<(), String> {
    use serde_norway::Value;
    let on = doc
        .get("on")
        .or_else(|| doc.as_mapping().and_then(|m| m.get(Value::Bool(true))));
    let events: Vec<(&str, Option<&Value>)> = match on {
        Some(Value::String(s)) => vec![(s.as_str(), None)],
        Some(Value::Sequence(s)) => s
            .iter()
            .filter_map(|v| v.as_str().map(|k| (k, None)))
            .collect(),
        Some(Value::Mapping(m)) => m
            .iter()
            .filter_map(|(k, v)| k.as_str().map(|k| (k, Some(v))))
            .collect(),
        _ => Vec::new(),
    };
    let mut reason = None;
    for (event, body) in events {
        if !matches!(event, "push" | "pull_request" | "pull_request_target") {
            continue;
        }
        let body = body.filter(|b| !b.is_null());
        let get = |k: &str| body.and_then(|b| b.get(k));
        let why = if get("paths").is_some() || get("paths-ignore").is_some() {
            Some(format!(
                "its `{event}` trigger has a paths filter: it does not run when other files change"
            ))
        } else if event == "push" && get("tags").is_some() && get("branches").is_none() {
            Some("it runs on tag pushes only".to_string())
        } else if !branch.is_empty()
            && !branch_filter_admits(get("branches"), get("branches-ignore"), branch)
        {
            Some(format!("its `{event}` branch filter leaves out `{branch}`"))
        } else {
            None
        };
        match why {
            None => return Ok(()),
            Some(w) => {
                reason.get_or_insert(w);
            }
        }
    }
    Err(reason.unwrap_or_else(|| "it does not run on pushes or pull requests".into()))
}

/// Whether a `branches` / `branches-ignore` filter lets `branch` through.
fn branch_filter_admits(
    branches: Option<&serde_norway::Value>,
    ignore: Option<&serde_norway::Value>,
    branch: &str,
) -> bool {
    let list = |v: &serde_norway::Value| -> Vec<String> {
        match v {
            serde_norway::Value::String(s) => vec![s.clone()],
            serde_norway::Value::Sequence(s) => s
                .iter()
                .filter_map(|x| x.as_str().map(String::from))
                .collect(),
            _ => Vec::new(),
        }
    };
    if let Some(b) = branches {
        // Patterns in order, a later `!pattern` undoing an earlier match.
        let mut admitted = false;
        for p in list(b) {
            match p.strip_prefix('!') {
                Some(neg) if glob_match(neg, branch) => admitted = false,
                None if glob_match(&p, branch) => admitted = true,
                _ => {}
            }
        }
        return admitted;
    }
    if let Some(i) = ignore {
        return !list(i).iter().any(|p| glob_match(p, branch));
    }
    true
}

/// GitHub's filter patterns: `*` any run of characters but `/`, `**` any run; other
/// characters literal (`?`, `+` and `[...]` are read as matching, erring to admit).
fn glob_match(pattern: &str, text: &str) -> bool {
    if pattern.contains(['?', '+', '[']) {
        return true;
    }
    fn go(p: &[u8], t: &[u8]) -> bool {
        match p.first() {
            None => t.is_empty(),
            Some(b'*') => {
                let (any_slash, rest) = if p.get(1) == Some(&b'*') {
                    (true, &p[2..])
                } else {
                    (false, &p[1..])
                };
                (0..=t.len())
                    .take_while(|&i| any_slash || i == 0 || t[i - 1] != b'/')
                    .any(|i| go(rest, &t[i..]))
            }
            Some(c) => t.first() == Some(c) && go(&p[1..], &t[1..]),
        }
    }
    go(pattern.as_bytes(), text.as_bytes())
}

/// The job (this one, or one it needs, transitively) whose `if:` can skip it.
fn conditional(doc: &serde_norway::Value, id: &str) -> Option<String> {
    let jobs = doc.get("jobs")?.as_mapping()?;
    let mut todo = vec![id.to_string()];
    let mut seen = std::collections::HashSet::new();
    while let Some(j) = todo.pop() {
        if !seen.insert(j.clone()) {
            continue;
        }
        let Some(job) = jobs.get(j.as_str()) else {
            continue;
        };
        if job.get("if").is_some() {
            return Some(j);
        }
        match job.get("needs") {
            Some(serde_norway::Value::String(n)) => todo.push(n.clone()),
            Some(serde_norway::Value::Sequence(s)) => {
                todo.extend(s.iter().filter_map(|n| n.as_str().map(String::from)))
            }
            _ => {}
        }
    }
    None
}

/// The check names GitHub reports for a job: its name (or id), and with a matrix one
/// per combination, `name (v1, v2)` unless the name uses `${{ matrix.* }}` itself.
/// Combinations as GitHub builds them: the product of the keys, minus `exclude`, then
/// each `include` entry added to every combination whose original values it does not
/// overwrite (or appended as a combination of its own).
fn check_names(id: &str, job: &serde_norway::Value) -> Vec<String> {
    let name = job.get("name").and_then(|n| n.as_str()).unwrap_or(id);
    let matrix = job
        .get("strategy")
        .and_then(|s| s.get("matrix"))
        .and_then(|m| m.as_mapping());
    let Some(matrix) = matrix else {
        return vec![name.to_string()];
    };
    type Combo = Vec<(String, String)>;
    let entries = |v: &serde_norway::Value| -> Option<Vec<Combo>> {
        v.as_sequence()?
            .iter()
            .map(|e| {
                e.as_mapping()?
                    .iter()
                    .map(|(k, v)| Some((k.as_str()?.to_string(), scalar(v)?)))
                    .collect::<Option<Combo>>()
            })
            .collect()
    };
    let mut combos: Vec<Combo> = vec![Vec::new()];
    let mut original: Vec<String> = Vec::new();
    for (k, v) in matrix {
        let Some(k) = k.as_str() else { continue };
        if k == "include" || k == "exclude" {
            continue;
        }
        // A matrix from an expression, or of objects: the names are not knowable.
        let Some(values) = v
            .as_sequence()
            .and_then(|s| s.iter().map(scalar).collect::<Option<Vec<String>>>())
            .filter(|v| !v.is_empty())
        else {
            return Vec::new();
        };
        original.push(k.to_string());
        combos = combos
            .into_iter()
            .flat_map(|c| {
                values.iter().map(move |v| {
                    let mut c = c.clone();
                    c.push((k.to_string(), v.clone()));
                    c
                })
            })
            .collect();
    }
    if original.is_empty() {
        combos.clear();
    }
    if let Some(ex) = matrix.get("exclude") {
        let Some(ex) = entries(ex) else {
            return Vec::new();
        };
        combos.retain(|c| {
            !ex.iter().any(|e| {
                e.iter()
                    .all(|(k, v)| c.iter().any(|(ck, cv)| ck == k && cv == v))
            })
        });
    }
    if let Some(inc) = matrix.get("include") {
        let Some(inc) = entries(inc) else {
            return Vec::new();
        };
        for e in inc {
            let mut added = false;
            for c in combos.iter_mut() {
                let fits = e.iter().all(|(k, v)| {
                    !original.contains(k) || c.iter().any(|(ck, cv)| ck == k && cv == v)
                });
                // Only combinations of the original product take an entry.
                if fits && !original.is_empty() && c.len() >= original.len() {
                    for (k, v) in &e {
                        match c.iter_mut().find(|(ck, _)| ck == k) {
                            Some(slot) if !original.contains(k) => slot.1 = v.clone(),
                            Some(_) => {}
                            None => c.push((k.clone(), v.clone())),
                        }
                    }
                    added = true;
                }
            }
            if !added {
                combos.push(e);
            }
        }
    }
    if combos.is_empty() {
        return vec![name.to_string()];
    }
    let mut out: Vec<String> = Vec::new();
    for c in combos {
        let n = if name.contains("${{") {
            let mut n = name.to_string();
            for (k, v) in &c {
                for form in [
                    format!("${{{{ matrix.{k} }}}}"),
                    format!("${{{{matrix.{k}}}}}"),
                ] {
                    n = n.replace(&form, v);
                }
            }
            n
        } else if c.is_empty() {
            name.to_string()
        } else {
            let vals: Vec<&str> = c.iter().map(|(_, v)| v.as_str()).collect();
            format!("{name} ({})", vals.join(", "))
        };
        if !n.contains("${{") && !out.contains(&n) {
            out.push(n);
        }
    }
    out
}

fn scalar(v: &serde_norway::Value) -> Option<String> {
    match v {
        serde_norway::Value::String(s) => Some(s.clone()),
        // GitHub shows a number as YAML wrote it: `3.10` stays `3.10` only as a string;
        // a bare 3.10 is the number 3.1.
        serde_norway::Value::Number(n) => Some(n.to_string()),
        serde_norway::Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_triggers() {
        let t = |y: &str| triggers(&serde_norway::from_str(y).unwrap());
        use Trigger::*;
        assert_eq!(
            t("on: [push, workflow_dispatch]"),
            [Tag(String::new()), Branch(String::new()), Manual]
        );
        assert_eq!(
            t("on:\n  push:\n    tags: ['v[0-9]*', 'cli-v*']"),
            [Tag("v".into()), Tag("cli-v".into())]
        );
        assert_eq!(
            t("on:\n  push:\n    branches: [main]\n  pull_request:"),
            [Branch("main".into()), PullRequest]
        );
        assert_eq!(t("on:\n  workflow_dispatch:\n  workflow_call:"), [Manual]);
        assert_eq!(t("on:\n  workflow_call:"), []);
        assert_eq!(t("on: [merge_group, release]"), [MergeGroup, Release]);
        assert!(shared_trigger(&t("on: release"), &t("on:\n  push:\n    tags: ['v*']")).is_some());
        assert!(shared_trigger(
            &t("on:\n  push:\n    tags: ['docs-*']"),
            &t("on:\n  push:\n    tags: ['v*']")
        )
        .is_none());
    }

    #[test]
    fn matrix_include_exclude_as_github_expands_them() {
        let job: serde_norway::Value = serde_norway::from_str(
            "strategy:\n  matrix:\n    py: ['3.11', '3.12']\n    os: [a, b]\n    exclude:\n      - {py: '3.11', os: b}\n    include:\n      - {py: '3.12', os: a, extra: x}\n      - {py: '3.13', os: a}\n",
        )
        .unwrap();
        assert_eq!(
            check_names("t", &job),
            [
                "t (3.11, a)",
                "t (3.12, a, x)",
                "t (3.12, b)",
                "t (3.13, a)"
            ]
        );
        let only_include: serde_norway::Value =
            serde_norway::from_str("strategy:\n  matrix:\n    include:\n      - {py: '3.12'}\n")
                .unwrap();
        assert_eq!(check_names("t", &only_include), ["t (3.12)"]);
    }

    #[test]
    fn jobs_pyrel_release_workflow_does_or_not() {
        let gap = |y: &str| release_job_gap(&serde_norway::from_str(y).unwrap(), false);
        assert_eq!(
            gap("steps:\n  - uses: actions/checkout@v4\n  - run: python -m build && twine upload dist/*\n"),
            None
        );
        assert_eq!(
            gap("steps:\n  - run: uv run mkdocs gh-deploy\n").as_deref(),
            Some("runs `mkdocs`")
        );
        assert_eq!(
            gap("steps:\n  - uses: docker/build-push-action@v6\n").as_deref(),
            Some("uses docker/build-push-action")
        );
        assert_eq!(
            gap("steps:\n  - uses: pypa/cibuildwheel@v2\n").as_deref(),
            Some("uses pypa/cibuildwheel")
        );
        assert_eq!(
            release_job_gap(
                &serde_norway::from_str("steps:\n  - uses: pypa/cibuildwheel@v2\n").unwrap(),
                true
            ),
            None
        );
    }

    #[test]
    fn branch_filters_and_globs() {
        let on = |y: &str| every_commit(&serde_norway::from_str(y).unwrap(), "main");
        assert!(on("on: [push]").is_ok());
        assert!(on("on:\n  push:\n    branches: ['release/**']\n").is_err());
        assert!(on("on:\n  push:\n    branches: ['**', '!main']\n").is_err());
        assert!(on("on:\n  push:\n    branches-ignore: [main]\n  pull_request:\n").is_ok());
        assert!(on("on:\n  pull_request:\n    paths: ['src/**']\n").is_err());
        assert!(on("on:\n  push:\n    tags: ['v*']\n").is_err());
        assert!(glob_match("ma*", "main") && !glob_match("*", "a/b") && glob_match("**", "a/b"));
    }

    #[test]
    fn poetry_python_constraints() {
        assert_eq!(poetry_constraint("^3.9"), ">=3.9");
        assert_eq!(poetry_constraint("~3.10"), "==3.10.*");
        assert_eq!(poetry_constraint(">=3.9,<3.13"), ">=3.9,<3.13");
        let spec = pep440_rs::VersionSpecifiers::from_str(&poetry_constraint("~3.10")).unwrap();
        assert!(allows(&spec, 10) && !allows(&spec, 11));
        let spec = pep440_rs::VersionSpecifiers::from_str(">=3.10,<3.12").unwrap();
        assert!(!allows(&spec, 9) && allows(&spec, 10) && allows(&spec, 11) && !allows(&spec, 12));
        let spec = pep440_rs::VersionSpecifiers::from_str("<=3.11").unwrap();
        assert!(allows(&spec, 11) && !allows(&spec, 12));
    }

    #[test]
    fn matrix_names() {
        let job: serde_norway::Value = serde_norway::from_str(
            "name: Test Suite\nstrategy:\n  matrix:\n    python-version: ['3.9', '3.10']\n",
        )
        .unwrap();
        assert_eq!(
            check_names("test", &job),
            ["Test Suite (3.9)", "Test Suite (3.10)"]
        );
        let job: serde_norway::Value = serde_norway::from_str(
            "name: py ${{ matrix.py }}\nstrategy:\n  matrix:\n    py: [3.11]\n",
        )
        .unwrap();
        assert_eq!(check_names("t", &job), ["py 3.11"]);
    }
}
