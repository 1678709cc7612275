//! `pyrel bump`: compute every edit a version bump needs, then write them all or none.
//!
//! Planning ([`plan`]) only reads: it finds the current version, computes the next one, and
//! splices the new version into each version source at the byte span discovery found
//! (never a search-and-replace, so `ruff==2.0.0` in a dependency list stays as it is). It
//! moves the pins siblings have on each other, the member versions of `uv.lock`, and rolls
//! the changelog. [`apply`] writes the planned files one by one with atomic writes, keeping
//! the originals in memory, and puts every file back when a write fails midway.
//!
//! The rendered `scripts/bump_version.py` makes the same edits (see `script`); the tests
//! in `tests/bump.rs` hold both to byte-identical trees.

pub(crate) mod git;
pub(crate) mod pins;
pub(crate) mod script;
pub(crate) mod uvlock;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::changelog::{self, RepoLinks};
use crate::error::{Error, Result};
use crate::grammar::PackageTag;
use crate::policy::{Policy, Versioning};
use crate::project::{Package, Project, VersionScheme};
use crate::version::{self, BumpError, BumpSpec, Version};
use crate::workspace_fs::{line_col, read_for_write, read_text, read_text_opt, slash, write_in};

/// Environment variable that fixes "today" for the changelog date (`YYYY-MM-DD`), for
/// reproducible builds and tests. The rendered bump script honours it too.
pub(crate) const TODAY_ENV: &str = "PYREL_TODAY";

/// Test-only hook: make [`apply`] fail before writing the file with this 0-based index, to
/// prove the rollback. Never set it outside tests.
pub(crate) const FAIL_AFTER_ENV: &str = "PYREL_FAIL_AFTER";

/// What to bump to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Target {
    /// Parts as `uv version --bump` takes them, or `prerelease --pre K`.
    Spec(BumpSpec),
    /// An explicit version (`pyrel bump 2.1.0`).
    Explicit(String),
    /// The current version as it is (`pyrel bump release`): the first release of a repository
    /// that already carries its version rolls the changelog and tags, without changing it.
    Release,
}

/// A bump as the user asked for it.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) target: Target,
    /// The package to bump (independent versioning).
    pub(crate) package: Option<String>,
    /// Accept an explicit version that is not greater than the current one.
    pub(crate) allow_downgrade: bool,
    /// Leave a sibling pin that the new version breaks as it is instead of refusing.
    pub(crate) force: bool,
    /// Refuse when `[Unreleased]` has no entries.
    pub(crate) require_changelog: bool,
    /// Roll the changelog (off with `--no-changelog`).
    pub(crate) changelog: bool,
    /// The release date written to the changelog (`YYYY-MM-DD`).
    pub(crate) today: String,
}

/// One package moving from `old` to `new`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PackageBump {
    pub(crate) name: String,
    pub(crate) normalized: String,
    /// The current version (for a git-tag versioned package: the latest tag's, if any).
    pub(crate) old: Option<String>,
    /// The new version, normalized: what is written.
    pub(crate) new: String,
    /// The version comes from git tags: nothing is written for it.
    pub(crate) vcs: bool,
}

/// The whole new contents of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct FileEdit {
    /// Relative to the root.
    pub(crate) path: PathBuf,
    pub(crate) before: String,
    pub(crate) after: String,
}

/// Everything a bump will do, computed before anything is written.
#[derive(Debug, Clone)]
pub(crate) struct Plan {
    pub(crate) bumps: Vec<PackageBump>,
    /// The new version (normalized).
    pub(crate) version: String,
    /// The release tag of the new version in the policy's tag format.
    pub(crate) tag: String,
    /// Changed files, sorted by path.
    pub(crate) edits: Vec<FileEdit>,
    /// Things the user should know (empty changelog, pins left alone, ...).
    pub(crate) warnings: Vec<String>,
    /// Every bumped package takes its version from git tags: no version file is written.
    pub(crate) vcs_only: bool,
    /// The subject of the release commit and the message of the tag: `Release 1.2.0`, or
    /// `Release NAME 1.2.0` for one package with independent versioning.
    pub(crate) subject: String,
}

/// Why a bump was refused (exit 1): the repository is not in a state to bump.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) message: String,
    /// One line per problem (each outlier with its file, each broken pin).
    pub(crate) details: Vec<String>,
    pub(crate) hint: Option<String>,
}

/// A failed plan: refused (exit 1) or an input error (exit 2).
#[derive(Debug)]
pub(crate) enum Failure {
    Refused(Refusal),
    Error(Error),
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Failure::Error(e)
    }
}

fn refuse(message: impl Into<String>, details: Vec<String>, hint: Option<String>) -> Failure {
    Failure::Refused(Refusal {
        message: message.into(),
        details,
        hint,
    })
}

/// A bump error as a failure: the version rules refusing a bump (not greater, local) are a
/// refused bump; a malformed request is a usage error.
fn bump_failure(e: BumpError) -> Failure {
    match e {
        BumpError::NotIncreased { .. }
        | BumpError::NotGreater { .. }
        | BumpError::ExplicitLocal { .. } => {
            let hint = e.hint();
            refuse(e.to_string(), Vec::new(), hint)
        }
        other => Failure::Error(other.into()),
    }
}

/// Parses the command-line target: anything with a digit is an explicit version (no part
/// name has one), the rest is a comma-separated part list or `prerelease` with `pre`.
pub(crate) fn parse_target(spec: &str, pre: Option<&str>) -> Result<Target> {
    if spec.trim().eq_ignore_ascii_case("release") {
        if let Some(pre) = pre {
            return Err(Error::usage(
                format!("`--pre {pre}` only goes with `prerelease`, not with `release`"),
                None,
            ));
        }
        return Ok(Target::Release);
    }
    if spec.bytes().any(|b| b.is_ascii_digit()) {
        if let Some(pre) = pre {
            return Err(Error::usage(
                format!("`--pre {pre}` only goes with `prerelease`, not with an explicit version"),
                Some("write the pre-release into the version, e.g. `pyrel bump 2.0.0a1`"),
            ));
        }
        return Ok(Target::Explicit(spec.trim().to_owned()));
    }
    Ok(Target::Spec(version::parse_bump_spec(spec, pre)?))
}

/// The date to write into the changelog: `PYREL_TODAY` when set, else today's local date.
pub(crate) fn today() -> Result<String> {
    match std::env::var(TODAY_ENV) {
        Ok(v) if !v.is_empty() => {
            let ok = v.len() == 10 && v.parse::<jiff::civil::Date>().is_ok();
            if ok {
                Ok(v)
            } else {
                Err(Error::usage(
                    format!("{TODAY_ENV}={v} is not a date in the form YYYY-MM-DD"),
                    Some("unset it to use today's date"),
                ))
            }
        }
        _ => Ok(jiff::Zoned::now().date().to_string()),
    }
}

/// One package's tags: the policy's tag format filled in for it.
pub(crate) fn package_tag(policy: &Policy, package: &Package) -> PackageTag {
    policy
        .tag_format
        .package(&package.normalized, &slash(&package.dir))
}

/// What `{dir}` stands for for this package.
pub(crate) fn dir_word_of(package: &Package) -> String {
    crate::grammar::dir_word(&package.normalized, &slash(&package.dir)).to_string()
}

/// The changelog of a bump: the policy's for lockstep; for an independent package in a
/// subdirectory, the file of the same name in its directory (when there is one), so each
/// package keeps its own release notes.
pub(crate) fn changelog_path(policy: &Policy, package: Option<&Package>) -> Option<PathBuf> {
    let log = policy.files.changelog.as_ref()?;
    match package {
        Some(p)
            if policy.versioning == Versioning::Independent && !p.dir.as_os_str().is_empty() =>
        {
            Some(p.dir.join(log.file_name()?))
        }
        _ => Some(log.clone()),
    }
}

/// The facts the release decisions ([`version::check_tag`], [`version::route`]) need: the
/// policy's, and each package's version sources and changelog (read from disk).
pub fn release_state(
    project: &Project,
    policy: &Policy,
) -> Result<(version::RoutePolicy, Vec<version::PackageState>)> {
    let route_policy = version::RoutePolicy {
        tag_format: policy.tag_format.clone(),
        lockstep: policy.versioning == Versioning::Lockstep,
        testpypi: policy.testpypi,
        dev_builds: policy.dev_builds,
    };
    let mut packages = Vec::new();
    for p in &project.packages {
        let changelog = match changelog_path(policy, Some(p)) {
            Some(path) => Some((slash(&path), read_text_opt(&project.root.join(&path))?)),
            None => None,
        };
        packages.push(version::PackageState {
            name: p.name.clone(),
            normalized: p.normalized.clone(),
            dir_word: dir_word_of(p),
            vcs: matches!(p.scheme, VersionScheme::Vcs { .. }),
            sources: p
                .version_sources
                .iter()
                .map(|s| (slash(&s.path), s.line, s.value.clone()))
                .collect(),
            changelog,
        });
    }
    Ok((route_policy, packages))
}

/// One file's original text and the replacements of its byte ranges.
type FileSplices = (String, Vec<(Range<usize>, String)>);

/// Collects the splices of each file, then builds the edits (sorted by path). Hashed,
/// not a `BTreeMap`: with thousands of packages, ordered `Path` comparisons (component
/// by component) were a third of a bump.
#[derive(Default)]
struct Splices {
    files: HashMap<PathBuf, FileSplices>,
    /// Directories found not to be symlinks: thousands of files share their parents.
    known_dirs: HashSet<PathBuf>,
}

impl Splices {
    fn text(&mut self, root: &Path, path: &Path) -> Result<&str> {
        if !self.files.contains_key(path) {
            let text = crate::workspace_fs::read_for_write_known(root, path, &mut self.known_dirs)?
                .ok_or_else(|| Error::io(path, std::io::ErrorKind::NotFound.into()))?;
            self.files.insert(path.to_path_buf(), (text, Vec::new()));
        }
        Ok(self.files.get(path).map_or("", |(t, _)| t.as_str()))
    }

    fn add(&mut self, path: &Path, span: Range<usize>, new: String) {
        if let Some((_, list)) = self.files.get_mut(path) {
            if !list.iter().any(|(s, _)| *s == span) {
                list.push((span, new));
            }
        }
    }

    fn into_edits(self) -> Result<Vec<FileEdit>> {
        let mut out = Vec::new();
        let mut files: Vec<(PathBuf, FileSplices)> = self.files.into_iter().collect();
        files.sort_by(|a, b| a.0.cmp(&b.0));
        for (path, (before, mut list)) in files {
            list.sort_by_key(|(s, _)| s.start);
            if list.windows(2).any(|w| w[0].0.end > w[1].0.start) {
                return Err(Error::usage(
                    format!("{}: two version edits overlap", slash(&path)),
                    Some("report this as a pyrel bug, with the file"),
                ));
            }
            let mut after = before.clone();
            for (span, new) in list.iter().rev() {
                after.replace_range(span.clone(), new);
            }
            if after != before {
                out.push(FileEdit {
                    path,
                    before,
                    after,
                });
            }
        }
        Ok(out)
    }
}

/// A version source's value, parsed; a malformed one is an input error at its line.
pub(crate) fn parse_source(s: &crate::project::VersionSource) -> Result<Version> {
    version::parse(&s.value).map_err(|e| Error::Parse {
        path: s.path.clone(),
        line: Some(s.line),
        column: None,
        message: e.to_string(),
        hint: Some(e.hint()),
    })
}

/// The version of record of one package: its first version source (what the build
/// backend reads), or its newest release tag when its version comes from git tags. An
/// error names the file and line of a source that is not PEP 440, or says what is missing.
pub(crate) fn version_of_record(root: &Path, policy: &Policy, p: &Package) -> Result<Version> {
    match (&p.scheme, p.version_sources.first()) {
        (VersionScheme::Vcs { .. }, _) => git::latest_tag_version(root, &package_tag(policy, p))
            .ok_or_else(|| {
                Error::usage(
                    format!(
                        "{} takes its version from git tags, and no release tag exists yet",
                        p.name
                    ),
                    None,
                )
            }),
        (_, Some(s)) => parse_source(s),
        (_, None) => Err(Error::usage(
            format!("{}: no version found in {}", p.name, slash(&p.manifest)),
            None,
        )),
    }
}

/// The current version of the packages in scope.
struct Current {
    version: Option<Version>,
    /// Sources that disagree with their package's version of record (its first source, what
    /// the build backend reads): the bump repairs them. One line each.
    stale: Vec<String>,
    /// Something disagrees (stale sources, or lockstep packages among themselves): an explicit
    /// version equal to the current one is accepted to align them.
    aligning: bool,
}

/// Each package's version is its version of record; the packages in scope must agree with
/// each other unless an explicit version brings them in line.
fn current_version(packages: &[&Package], explicit: bool) -> std::result::Result<Current, Failure> {
    let mut seen: Vec<(Version, Vec<String>)> = Vec::new();
    let mut stale = Vec::new();
    for p in packages {
        let Some((record, others)) = p.version_sources.split_first() else {
            continue;
        };
        let v = parse_source(record)?;
        for s in others {
            if version::parse(&s.value).ok().as_ref() != Some(&v) {
                stale.push(format!(
                    "{} {} in {}:{}",
                    p.name,
                    s.value,
                    slash(&s.path),
                    s.line
                ));
            }
        }
        let place = format!(
            "{} {} in {}:{}",
            p.name,
            record.value,
            slash(&record.path),
            record.line
        );
        match seen.iter_mut().find(|(x, _)| *x == v) {
            Some((_, places)) => places.push(place),
            None => seen.push((v, vec![place])),
        }
    }
    let aligning = seen.len() > 1 || !stale.is_empty();
    if seen.len() <= 1 || explicit {
        // An explicit version brings every package in line: it only has to reach the greatest.
        return Ok(Current {
            version: seen.into_iter().map(|(v, _)| v).max(),
            stale,
            aligning,
        });
    }
    // The most common version is the reference; ties go to the greatest.
    let reference = seen
        .iter()
        .max_by(|a, b| a.1.len().cmp(&b.1.len()).then(a.0.cmp(&b.0)))
        .map(|(v, _)| v.clone());
    let greatest = seen.iter().map(|(v, _)| v.clone()).max();
    let mut details = Vec::new();
    for (v, places) in &seen {
        if Some(v) != reference.as_ref() {
            details.extend(places.iter().map(|p| {
                format!(
                    "{p} (expected {})",
                    reference
                        .as_ref()
                        .map_or(String::new(), ToString::to_string)
                )
            }));
        }
    }
    Err(refuse(
        format!(
            "the packages disagree on the version (most have {})",
            reference.map_or(String::new(), |v| v.to_string())
        ),
        details,
        Some(format!(
            "bring every package in line with an explicit version, e.g. `{}`",
            crate::hints::Hint::bump(
                &greatest
                    .and_then(|g| version::bump(&g, &[version::BumpPart::Patch]).ok())
                    .map_or("X.Y.Z".to_string(), |v| v.to_string())
            )
        )),
    ))
}

/// Computes every edit of the bump. Reads files, writes nothing.
pub(crate) fn plan(
    project: &Project,
    policy: &Policy,
    req: &Request,
) -> std::result::Result<Plan, Failure> {
    let root = &project.root;
    let scope: Vec<&Package> = match (&req.package, policy.versioning) {
        (Some(name), _) => {
            let p = project.package_named(name)?;
            if policy.versioning == Versioning::Lockstep && project.packages.len() > 1 {
                return Err(Error::usage(
                    "`--package` needs independent versioning: with lockstep every package moves together",
                    Some("drop --package, or set versioning = \"independent\" in the pyrel policy"),
                )
                .into());
            }
            vec![p]
        }
        (None, Versioning::Independent) if project.packages.len() > 1 => {
            return Err(Error::usage(
                "with independent versioning, say which package to bump",
                Some("add `--package NAME`"),
            )
            .into())
        }
        _ => project.packages.iter().collect(),
    };
    if scope.is_empty() {
        return Err(Error::usage("no package to bump", None).into());
    }
    let statics: Vec<&Package> = scope
        .iter()
        .copied()
        .filter(|p| p.scheme == VersionScheme::Static)
        .collect();
    if let Some(p) = scope.iter().find(|p| p.scheme == VersionScheme::Missing) {
        // A version that is there but unreadable says why (a multi-line string, say).
        if let Some(problem) = project.problems.iter().find(|q| q.path == p.manifest) {
            let at = match problem.line {
                Some(line) => format!("{}:{line}", slash(&problem.path)),
                None => slash(&problem.path),
            };
            return Err(Error::usage(
                format!(
                    "{}: no version pyrel can edit: {at}: {}",
                    p.name, problem.message
                ),
                problem.hint.as_deref(),
            )
            .into());
        }
        return Err(Error::usage(
            format!("{}: no version found in {}", p.name, slash(&p.manifest)),
            Some("add `version = \"0.1.0\"` to [project] (or your build backend's equivalent)"),
        )
        .into());
    }
    let vcs_only = statics.is_empty();
    let single = (scope.len() == 1).then(|| scope[0]);
    let package_tag = package_tag(policy, single.unwrap_or(scope[0]));
    let tag_pattern = package_tag.pattern("VERSION");

    let Current {
        version: current,
        stale,
        aligning,
    } = if vcs_only {
        Current {
            version: git::latest_tag_version(root, &package_tag),
            stale: Vec::new(),
            aligning: false,
        }
    } else {
        current_version(&statics, matches!(req.target, Target::Explicit(_)))?
    };
    let new = match (&req.target, &current) {
        (Target::Explicit(text), Some(cur)) => {
            match version::parse(text) {
                // Equal to the current version: accepted when it aligns what disagrees.
                Ok(v) if aligning && v == *cur && !v.is_local() => v,
                _ => version::bump_to_explicit(cur, text, req.allow_downgrade)
                    .map_err(bump_failure)?,
            }
        }
        (Target::Release, Some(cur)) => {
            if cur.is_local() {
                return Err(bump_failure(BumpError::ExplicitLocal {
                    new: cur.to_string(),
                }));
            }
            let tag = package_tag.tag(&cur.to_string());
            if git::tag_exists(root, &tag) {
                return Err(refuse(
                    format!("{cur} is already released: the tag {tag} exists"),
                    Vec::new(),
                    Some(format!(
                        "bump to the next version instead, e.g. `{}`",
                        crate::hints::Hint::bump("patch")
                    )),
                ));
            }
            cur.clone()
        }
        (Target::Explicit(text), None) => {
            let v = version::parse(text).map_err(|e| Failure::Error(e.into()))?;
            if v.is_local() {
                return Err(bump_failure(BumpError::ExplicitLocal {
                    new: v.to_string(),
                }));
            }
            v
        }
        (Target::Spec(spec), Some(cur)) => spec.apply(cur).map_err(bump_failure)?,
        (Target::Spec(_) | Target::Release, None) => {
            return Err(refuse(
                format!(
                    "no release tag matching `{tag_pattern}` yet, so there is no version to bump"
                ),
                Vec::new(),
                Some("give the first version explicitly, e.g. `pyrel bump 0.1.0 --tag`".into()),
            ))
        }
    };
    let new_text = new.to_string();
    let mut warnings: Vec<String> = stale
        .iter()
        .map(|place| format!("repaired a stale version source: {place} (now {new_text})"))
        .collect();
    let mut splices = Splices::default();

    for p in &statics {
        for s in &p.version_sources {
            splices.text(root, &s.path)?;
            // Cargo.toml holds Cargo's spelling of the version (maturin reads it back).
            let text = if matches!(
                s.kind,
                crate::project::SourceKind::Cargo | crate::project::SourceKind::CargoWorkspace
            ) {
                match new.cargo_spelling() {
                    Some(t) => t,
                    None => {
                        return Err(refuse(
                            format!("{} cannot hold {new_text}: Cargo versions are SemVer", slash(&s.path)),
                            Vec::new(),
                            Some("bump to a version with at most three numbers and an alpha, beta, rc or dev part".into()),
                        ))
                    }
                }
            } else {
                new_text.clone()
            };
            splices.add(&s.path, s.span.clone(), text);
        }
    }

    // Sibling pins, in every package (an unbumped package may depend on a bumped one).
    let mut broken = Vec::new();
    let old = current.clone();
    if let Some(old) = &old {
        // Hashed: each of thousands of dependencies is looked up among thousands of names.
        let bumped: HashSet<&str> = statics.iter().map(|p| p.normalized.as_str()).collect();
        for q in &project.packages {
            for dep in q
                .siblings
                .iter()
                .filter(|d| bumped.contains(&d.name.as_str()))
            {
                if dep.section.starts_with("tool.poetry") {
                    warnings.push(format!(
                        "{}:{}: Poetry constraint `{}` on {} left as written; check it allows {new_text}",
                        slash(&dep.path), dep.line, dep.requirement, dep.name
                    ));
                    continue;
                }
                let text = splices.text(root, &dep.path)?;
                let Some(req_text) = text.get(dep.span.clone()) else {
                    continue;
                };
                let rw = pins::rewrite_requirement(req_text, old, &new, &new_text);
                if rw.broken {
                    broken.push(format!(
                        "{}:{}: `{}` does not allow {} {new_text}",
                        slash(&dep.path),
                        line_col(text, dep.span.start).0,
                        req_text,
                        dep.name
                    ));
                    continue;
                }
                if rw.text != req_text {
                    splices.add(&dep.path, dep.span.clone(), rw.text);
                }
            }
        }
    }
    if !broken.is_empty() {
        if req.force {
            warnings.extend(
                broken
                    .into_iter()
                    .map(|b| format!("{b} (left as written: --force)")),
            );
        } else {
            return Err(refuse(
                format!("the new version {new_text} breaks sibling requirements"),
                broken,
                Some(
                    "widen those requirements first, or pass --force to leave them as they are"
                        .into(),
                ),
            ));
        }
    }

    let mut edits = splices.into_edits()?;

    // uv.lock member versions.
    if !vcs_only {
        let lock_path = PathBuf::from("uv.lock");
        if let Some(text) = read_for_write(root, &lock_path)? {
            // An invalid uv.lock is reported (exit 2, file and line), never edited.
            crate::toml_util::parse(&lock_path, &text)?;
            let versions: BTreeMap<String, String> = statics
                .iter()
                .map(|p| (p.normalized.clone(), new_text.clone()))
                .collect();
            let after = uvlock::update(&text, &versions);
            if after != text {
                edits.push(FileEdit {
                    path: lock_path,
                    before: text,
                    after,
                });
            }
        }
    }

    // Changelog. towncrier builds it from fragments: pyrel writes nothing of its own to it.
    if let (true, Some(t)) = (req.changelog, &project.towncrier) {
        warnings.push(format!(
            "changelog: towncrier builds {} from {}/; pyrel wrote nothing to it (run `towncrier build --version {new_text}` before tagging)",
            slash(&t.filename),
            slash(&t.directory)
        ));
    }
    if req.changelog && project.towncrier.is_none() {
        if let Some(path) = changelog_path(policy, single) {
            match read_for_write(root, &path)? {
                None => warnings.push(format!(
                    "no {} to roll; release notes skipped",
                    slash(&path)
                )),
                Some(text) => {
                    let links = policy.repository_url(project).map(|base_url| RepoLinks {
                        base_url,
                        tag_affixes: {
                            let (prefix, suffix) = package_tag.affixes();
                            (prefix.to_string(), suffix.to_string())
                        },
                    });
                    let out = changelog::release(&text, &new_text, &req.today, links.as_ref())
                        .map_err(|e| Failure::Error(e.into_error(&path)))?;
                    // Said in the file's own terms: one without an [Unreleased] section
                    // got a new, empty section in its style.
                    let no_notes = if out.added_empty {
                        format!(
                            "{}: no [Unreleased] section nor a `{}` draft: added `{}` with no entries",
                            slash(&path),
                            new_text,
                            out.heading
                        )
                    } else {
                        format!("{}: [Unreleased] has no entries", slash(&path))
                    };
                    if out.unreleased_was_empty {
                        if req.require_changelog {
                            return Err(refuse(
                                no_notes,
                                Vec::new(),
                                Some(
                                    "add the changes of this release under ## [Unreleased] first"
                                        .into(),
                                ),
                            ));
                        }
                        warnings.push(format!("{no_notes}; {new_text} is released without notes"));
                    }
                    edits.push(FileEdit {
                        path,
                        before: text,
                        after: out.text,
                    });
                }
            }
        }
    }
    edits.sort_by(|a, b| a.path.cmp(&b.path));

    let bumps: Vec<PackageBump> = scope
        .iter()
        .map(|p| PackageBump {
            name: p.name.clone(),
            normalized: p.normalized.clone(),
            old: current.as_ref().map(ToString::to_string),
            new: new_text.clone(),
            vcs: p.scheme != VersionScheme::Static,
        })
        .collect();
    let subject = match (policy.versioning, bumps.as_slice()) {
        (Versioning::Independent, [b]) => format!("Release {} {new_text}", b.name),
        _ => format!("Release {new_text}"),
    };
    Ok(Plan {
        bumps,
        tag: package_tag.tag(&new_text),
        version: new_text,
        edits,
        warnings,
        vcs_only,
        subject,
    })
}

/// What must hold before a bump commits or tags, checked before anything is written: a
/// clean work tree (unless `allow_dirty`), a release tag that does not exist yet (with
/// `tag`), and an identity git can commit and tag with.
pub(crate) fn check_git(
    root: &Path,
    plan: &Plan,
    commit: bool,
    tag: bool,
    allow_dirty: bool,
) -> std::result::Result<(), Failure> {
    if !commit && !tag {
        return Ok(());
    }
    if !allow_dirty {
        let dirty = git::dirty(root)?;
        if !dirty.is_empty() {
            return Err(refuse(
                "the work tree has uncommitted changes",
                dirty,
                Some("commit or stash them first, or pass --allow-dirty".into()),
            ));
        }
    }
    if tag && git::tag_exists(root, &plan.tag) {
        return Err(refuse(
            format!("the tag {} already exists", plan.tag),
            Vec::new(),
            Some("pick another version".into()),
        ));
    }
    if let Err(why) = git::identity(root, commit) {
        return Err(refuse(
            format!("git has no author identity, so it could not commit or tag: {why}"),
            Vec::new(),
            Some("set it with `git config user.name \"Your Name\"` and `git config user.email you@example.com`, then run the bump again".into()),
        ));
    }
    Ok(())
}

/// Commits the written files (when there are any) with the plan's subject. Whether it
/// committed.
pub(crate) fn commit(root: &Path, plan: &Plan) -> Result<bool> {
    if plan.edits.is_empty() {
        return Ok(false);
    }
    let paths: Vec<_> = plan.edits.iter().map(|e| e.path.clone()).collect();
    git::commit(root, &paths, &plan.subject)?;
    Ok(true)
}

/// Creates the plan's annotated release tag.
pub(crate) fn tag(root: &Path, plan: &Plan) -> Result<()> {
    git::tag(root, &plan.tag, &plan.subject)
}

/// Where the release workflow publishes when `tag` is pushed: the same decision its plan
/// job makes ([`version::route`]), so a tag the workflow would refuse is known now, not in
/// CI. `Ok(Ok((version, places)))`, or the workflow's refusal.
pub(crate) fn where_the_tag_goes(
    project: &Project,
    policy: &Policy,
    tag: &str,
) -> Result<std::result::Result<(String, Vec<&'static str>), version::RouteError>> {
    let project = crate::project::discover(&project.root)?;
    let (route_policy, packages) = release_state(&project, policy)?;
    let env = |k: &str| match k {
        "GITHUB_EVENT_NAME" => Some("push".to_string()),
        "GITHUB_REF_TYPE" => Some("tag".to_string()),
        "GITHUB_REF_NAME" => Some(tag.to_string()),
        _ => None,
    };
    let tags = git::tags(&project.root);
    Ok(
        version::route(&env, &route_policy, &packages, &tags).map(|out| {
            let on = |k: &str| out.get(k).is_some_and(|v| v == "true");
            let places = [
                ("testpypi", "TestPyPI"),
                ("pypi", "PyPI"),
                ("github-release", "a GitHub Release"),
            ]
            .into_iter()
            .filter(|(k, _)| on(k))
            .map(|(_, place)| place)
            .collect();
            (out.get("version").cloned().unwrap_or_default(), places)
        }),
    )
}

/// Writes every edit, or none: each file is checked to be unchanged since planning, written
/// atomically, and when any write fails the files already written get their original
/// contents back. The error names the file that failed (and any that could not be restored).
pub(crate) fn apply(root: &Path, edits: &[FileEdit]) -> Result<()> {
    let fail_at: Option<usize> = std::env::var(FAIL_AFTER_ENV)
        .ok()
        .and_then(|v| v.parse().ok());
    // No write may follow a symlink (a member linked outside, a symlinked `src/<pkg>`,
    // a changelog in a symlinked directory): every path is checked before the first
    // write, so a refusal writes nothing.
    for e in edits {
        crate::workspace_fs::no_symlink_below(root, &e.path).map_err(|m| Error::Usage {
            message: format!(
                "refusing to write {}: {m}; nothing was written",
                slash(&e.path)
            ),
            hint: Some(
                "replace the symlink with a real file or directory inside the repository".into(),
            ),
        })?;
    }
    let mut written: Vec<&FileEdit> = Vec::new();
    for (n, e) in edits.iter().enumerate() {
        let full = root.join(&e.path);
        let result = if fail_at == Some(n) {
            Err(Error::io(
                &e.path,
                std::io::Error::other(format!("write refused by {FAIL_AFTER_ENV} (test hook)")),
            ))
        } else {
            match read_text(&full) {
                Ok(now) if now == e.before => write_in(root, &e.path, e.after.as_bytes(), false),
                Ok(_) => Err(Error::usage(
                    format!("{} changed while pyrel was bumping", slash(&e.path)),
                    Some("run the bump again"),
                )),
                Err(err) => Err(err),
            }
        };
        if let Err(err) = result {
            let mut lost = Vec::new();
            for w in written.iter().rev() {
                if write_in(root, &w.path, w.before.as_bytes(), false).is_err() {
                    lost.push(slash(&w.path));
                }
            }
            return Err(crate::workspace_fs::rolled_back(err, &lost));
        }
        written.push(e);
    }
    Ok(())
}
