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
    /// The tag format the repository's existing tags use, when they agree on one.
    pub(crate) tag_format: Option<TagFormat>,
    /// The Python test matrix, when the packages' `requires-python` say something.
    pub(crate) python_versions: Option<Vec<String>>,
    /// Check names of existing workflows that run the tests on push or pull request.
    pub(crate) existing_checks: Vec<String>,
    /// Workflows that already upload to PyPI, with the token secrets they use.
    pub(crate) publishers: Vec<Publisher>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Publisher {
    pub(crate) path: PathBuf,
    /// `secrets.NAME` used by the workflow (token mode), sorted.
    pub(crate) secrets: Vec<String>,
    /// The events that run it (manual runs and reusable calls left out).
    pub(crate) triggers: Vec<Trigger>,
}

/// An event that runs a workflow by itself. Patterns are kept as their literal prefix
/// (the text before the first glob character): two patterns can match the same ref
/// when one prefix starts with the other.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Trigger {
    /// A tag push matching the prefix, or a GitHub release (`""`: any tag).
    Tag(String),
    /// A branch push matching the prefix (`""`: any branch), or another workflow's run.
    Branch(String),
    PullRequest,
    Schedule,
}

impl Trigger {
    fn overlaps(&self, other: &Trigger) -> bool {
        let prefixes = |a: &str, b: &str| a.starts_with(b) || b.starts_with(a);
        match (self, other) {
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
            Trigger::Branch(p) => format!("branch `{p}*` pushes"),
            Trigger::PullRequest => "pull requests".into(),
            Trigger::Schedule => "a schedule".into(),
        }
    }
}

/// The first trigger of `a` that can fire together with one of `b`.
pub(crate) fn shared_trigger<'a>(a: &'a [Trigger], b: &[Trigger]) -> Option<&'a Trigger> {
    a.iter().find(|t| b.iter().any(|u| t.overlaps(u)))
}

/// The publishers other than pyrel's own workflow (`ours`), split into those that can run
/// on one of pyrel's release triggers (`planned`: they would upload twice) and those that
/// run apart from them (a manual or nightly upload).
pub(crate) fn publishers_beside<'a>(
    publishers: &'a [Publisher],
    ours: Option<&Path>,
    planned: &[Trigger],
) -> (Vec<&'a Publisher>, Vec<&'a Publisher>) {
    publishers
        .iter()
        .filter(|p| Some(p.path.as_path()) != ours)
        .partition(|p| shared_trigger(&p.triggers, planned).is_some())
}

/// The triggers of a workflow's `on:`. `workflow_dispatch` and `workflow_call` runs are
/// started by hand or by another workflow's job: they never fire by themselves.
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
        "release" => out.push(Trigger::Tag(String::new())),
        "workflow_run" => out.push(Trigger::Branch(String::new())),
        "pull_request" | "pull_request_target" => out.push(Trigger::PullRequest),
        "schedule" => out.push(Trigger::Schedule),
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

/// Decides every choice for `project`; `today` is `YYYY-MM-DD`.
pub(crate) fn choose(project: &Project, today: &str) -> Choices {
    let mut versions: Vec<&str> = project
        .packages
        .iter()
        .filter(|p| p.scheme == VersionScheme::Static)
        .filter_map(|p| p.version())
        .collect();
    versions.sort_unstable();
    versions.dedup();
    let formats = tag_formats(project);
    // Versions that differ make the packages independent. Without a literal version
    // to compare (every version from git tags), the tags say it: tags that name the
    // package (`integrations/{dir}-v{version}`) are one package's releases each.
    let independent = versions.len() > 1
        || (versions.is_empty()
            && project.packages.len() > 1
            && most_common(&formats, |_| true).is_some_and(TagFormat::names_package));
    let (existing_checks, publishers) =
        workflows(project, |rel| Workflow::read(&project.root, rel));
    Choices {
        independent,
        tag_format: most_common(&formats, |f| f.names_package() == independent).cloned(),
        python_versions: python_matrix(project, today),
        existing_checks,
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

/// Commands that upload distributions to PyPI.
const PUBLISH_MARKERS: &[&str] = &[
    "pypa/gh-action-pypi-publish",
    "twine upload",
    "uv publish",
    "poetry publish",
    "flit publish",
    "hatch publish",
    "pdm publish",
];

/// Commands that run a test suite.
const TEST_MARKERS: &[&str] = &[
    "pytest",
    "tox",
    "nox",
    "hatch test",
    "unittest",
    "make test",
];

/// Every workflow that uploads to PyPI (pyrel's own included), with its token secrets.
pub(crate) fn publishers(
    project: &Project,
    load: impl Fn(&Path) -> Option<Arc<Workflow>>,
) -> Vec<Publisher> {
    workflows(project, load).1
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
}

/// Reads the existing workflows (each through `load`): check names of jobs that run tests
/// on push or pull request, and the workflows that publish to PyPI.
fn workflows(
    project: &Project,
    load: impl Fn(&Path) -> Option<Arc<Workflow>>,
) -> (Vec<String>, Vec<Publisher>) {
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
        let ours = text.starts_with("# Generated by pyrel");
        // The scripts it runs are read only when the workflow itself does not upload.
        let publishes = PUBLISH_MARKERS.iter().any(|m| text.contains(m)) || {
            let scripts = local_scripts(&project.root, text);
            PUBLISH_MARKERS.iter().any(|m| scripts.contains(m))
        };
        if publishes {
            let mut secrets: Vec<String> = text
                .match_indices("secrets.")
                .map(|(i, _)| {
                    text[i + 8..]
                        .chars()
                        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                        .collect::<String>()
                })
                .filter(|s| !s.is_empty() && s != "GITHUB_TOKEN")
                .collect();
            secrets.sort();
            secrets.dedup();
            publishers.push(Publisher {
                path: wf.clone(),
                secrets,
                triggers: triggers(doc),
            });
        }
        if ours || !on_push_or_pr(doc) {
            continue;
        }
        let Some(jobs) = doc.get("jobs").and_then(|j| j.as_mapping()) else {
            continue;
        };
        for (id, job) in jobs {
            let Some(id) = id.as_str() else { continue };
            let steps =
                serde_norway::to_string(job.get("steps").unwrap_or(&serde_norway::Value::Null))
                    .unwrap_or_default();
            let runs_tests = TEST_MARKERS.iter().any(|m| steps.contains(m));
            if !runs_tests {
                continue;
            }
            // A name GitHub only knows at run time (`${{ ... }}` outside a matrix) or one
            // no policy could hold (a line break, an invisible character) is not a check
            // pyrel can require: it is left out here, where it enters, not refused later
            // as if the user had written it.
            checks.extend(
                check_names(id, job)
                    .into_iter()
                    .filter(|n| crate::grammar::check_name(n).is_ok()),
            );
        }
    }
    checks.dedup();
    (checks, publishers)
}

/// The text of repository scripts a workflow runs (`run: ./scripts/release.sh`,
/// `python scripts/publish.py`), so a publish hidden in a script is seen.
fn local_scripts(root: &Path, workflow: &str) -> String {
    let mut out = String::new();
    let mut read = std::collections::HashSet::new();
    for word in workflow.split(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        let w = word.trim_start_matches("./");
        let plausible = (w.ends_with(".sh") || w.ends_with(".py"))
            && !w.contains("..")
            && !w.starts_with('/')
            && w.len() < 200;
        if plausible && read.insert(w) {
            if let Ok(t) = crate::workspace_fs::read_regular_string(root.join(w)) {
                out.push_str(&t);
            }
        }
    }
    out
}

fn on_push_or_pr(doc: &serde_norway::Value) -> bool {
    // YAML 1.1 reads a bare `on:` key as the boolean true.
    let on = doc.get("on").or_else(|| {
        doc.as_mapping()
            .and_then(|m| m.get(serde_norway::Value::Bool(true)))
    });
    let has = |k: &str| match on {
        Some(serde_norway::Value::String(s)) => s == k,
        Some(serde_norway::Value::Sequence(s)) => s.iter().any(|v| v.as_str() == Some(k)),
        Some(serde_norway::Value::Mapping(m)) => m.contains_key(k),
        _ => false,
    };
    has("push") || has("pull_request")
}

/// The check names GitHub reports for a job: its name (or id), and with a matrix one
/// per combination, `name (v1, v2)` unless the name uses `${{ matrix.* }}` itself.
fn check_names(id: &str, job: &serde_norway::Value) -> Vec<String> {
    let name = job.get("name").and_then(|n| n.as_str()).unwrap_or(id);
    let matrix = job
        .get("strategy")
        .and_then(|s| s.get("matrix"))
        .and_then(|m| m.as_mapping());
    let Some(matrix) = matrix else {
        return vec![name.to_string()];
    };
    let mut combos: Vec<Vec<(String, String)>> = vec![Vec::new()];
    for (k, v) in matrix {
        let (Some(k), Some(values)) = (k.as_str(), v.as_sequence()) else {
            continue;
        };
        if k == "include" || k == "exclude" {
            continue;
        }
        let values: Vec<String> = values.iter().filter_map(scalar).collect();
        if values.is_empty() {
            // A matrix from an expression: the names are not knowable statically.
            return Vec::new();
        }
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
    combos
        .into_iter()
        .map(|c| {
            if name.contains("${{") {
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
            }
        })
        .filter(|n| !n.contains("${{"))
        .collect()
}

fn scalar(v: &serde_norway::Value) -> Option<String> {
    match v {
        serde_norway::Value::String(s) => Some(s.clone()),
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
            [Tag(String::new()), Branch(String::new())]
        );
        assert_eq!(
            t("on:\n  push:\n    tags: ['v[0-9]*', 'cli-v*']"),
            [Tag("v".into()), Tag("cli-v".into())]
        );
        assert_eq!(
            t("on:\n  push:\n    branches: [main]\n  pull_request:"),
            [Branch("main".into()), PullRequest]
        );
        assert_eq!(t("on:\n  workflow_dispatch:\n  workflow_call:"), []);
        assert!(shared_trigger(&t("on: release"), &t("on:\n  push:\n    tags: ['v*']")).is_some());
        assert!(shared_trigger(
            &t("on:\n  push:\n    tags: ['docs-*']"),
            &t("on:\n  push:\n    tags: ['v*']")
        )
        .is_none());
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
