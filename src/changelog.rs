//! Keep a Changelog 1.1.0: read, seed, roll `[Unreleased]` into a release, compare links.
//!
//! Everything here is pure text in, text out: the commands own the I/O, so the same code
//! serves `pyrel init` (seed), `pyrel bump` (release) and the release workflow's notes.
//!
//! The parser is tolerant of the heading forms found in real changelogs (`## [1.0.0] - 2024-01-01`,
//! `## 1.0.0 (2024-01-01)`, `## v1.0.0`, `## [1.0.0](url) - ...`, `[YANKED]`), but a structure
//! that would make a release ambiguous (two sections for one version, a release heading whose
//! version is not PEP 440, a second or misplaced `[Unreleased]`) is an error with a line number.
//!
//! Edits never re-render the file: they insert or replace whole lines and leave every other
//! byte as it was, line endings and the (missing) final newline included.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use pep440_rs::Version;

#[path = "changelog_rst.rs"]
mod rst;

/// Where the compare and release links of a changelog point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepoLinks {
    /// The repository's web address, e.g. `https://github.com/owner/repo` (a trailing `/` is ignored).
    pub base_url: String,
    /// The text around the version in this package's tags (from
    /// [`crate::grammar::TagFormat::affixes`]): `("v", "")`, `("dashboard-v", "")`.
    pub tag_affixes: (String, String),
}

impl RepoLinks {
    fn base(&self) -> &str {
        self.base_url.trim_end_matches('/')
    }

    /// The git tag of `version` under this repository's tag format.
    pub(crate) fn tag(&self, version: &str) -> String {
        format!("{}{version}{}", self.tag_affixes.0, self.tag_affixes.1)
    }

    /// What `[unreleased]` points at before the first tag exists: the history of HEAD.
    #[cfg(test)]
    pub(crate) fn commits_url(&self) -> String {
        format!("{}/commits/HEAD", self.base())
    }

    /// The diff between two refs (tags or `HEAD`).
    pub(crate) fn compare_url(&self, from: &str, to: &str) -> String {
        format!("{}/compare/{from}...{to}", self.base())
    }

    /// The page of a first release, which has nothing to compare against.
    pub(crate) fn release_url(&self, version: &str) -> String {
        format!("{}/releases/tag/{}", self.base(), self.tag(version))
    }
}

/// A changelog that cannot be read or edited safely. `line` is 1-based, `None` when the
/// problem is not in the file (e.g. the version asked for is not PEP 440).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangelogError {
    pub(crate) line: Option<usize>,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

impl fmt::Display for ChangelogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "line {line}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for ChangelogError {}

impl ChangelogError {
    fn at(line: usize, message: impl Into<String>, hint: Option<&str>) -> Self {
        ChangelogError {
            line: Some(line),
            message: message.into(),
            hint: hint.map(str::to_owned),
        }
    }

    fn input(message: impl Into<String>, hint: Option<&str>) -> Self {
        ChangelogError {
            line: None,
            message: message.into(),
            hint: hint.map(str::to_owned),
        }
    }

    /// The crate error for a changelog at `path`, so commands report file:line and the hint.
    pub(crate) fn into_error(self, path: &Path) -> crate::Error {
        match self.line {
            Some(line) => crate::Error::Parse {
                path: path.to_path_buf(),
                line: Some(line),
                column: None,
                message: self.message,
                hint: self.hint,
            },
            None => crate::Error::Usage {
                message: format!("{}: {}", path.display(), self.message),
                hint: self.hint,
            },
        }
    }
}

/// One `## ` section: `[Unreleased]` (no version) or a release.
#[derive(Debug, Clone, PartialEq)]
pub struct Section {
    /// The version as written in the heading (without brackets); `None` for `[Unreleased]`.
    pub version: Option<String>,
    /// The date as written after the version (`2024-01-01`), when there is one.
    pub date: Option<String>,
    /// The heading ends with `[YANKED]`: the release was pulled.
    pub yanked: bool,
    /// The markdown under the heading, trimmed, lines joined with `\n` whatever the file uses
    /// (it feeds GitHub Release notes). The link definitions at the end of the file are not
    /// part of the last section.
    pub(crate) body: String,
    /// 1-based line of the heading.
    pub(crate) line: usize,
    /// The heading text as written (after `## `), the model of new headings' style.
    heading: String,
    /// `### Added` etc. in file order, each with its list entries (markers stripped,
    /// continuation lines joined with a space).
    pub change_types: Vec<(String, Vec<String>)>,
    parsed: Option<Version>,
}

impl Section {
    /// The entries under a change type (`"Added"`, case-insensitive), all such headings merged.
    #[cfg(test)]
    pub(crate) fn entries(&self, change_type: &str) -> Vec<&str> {
        self.change_types
            .iter()
            .filter(|(name, _)| name.eq_ignore_ascii_case(change_type))
            .flat_map(|(_, entries)| entries.iter().map(String::as_str))
            .collect()
    }
}

/// A link reference definition (`[1.0.0]: https://...`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkRef {
    /// The label as written (markdown matches labels case-insensitively).
    pub label: String,
    pub url: String,
    /// 1-based line.
    pub(crate) line: usize,
}

/// A parsed changelog.
#[derive(Debug, Clone, PartialEq)]
pub struct Changelog {
    unreleased: Option<Section>,
    releases: Vec<Section>,
    links: Vec<LinkRef>,
    /// 1-based line where the final run of link definitions starts, if the file ends with one.
    trailing_links: Option<usize>,
    /// Release headings are underlined (reStructuredText, setext): see `changelog_rst.rs`.
    underlined: bool,
}

impl Changelog {
    /// The `[Unreleased]` section, if the file has one.
    pub fn unreleased(&self) -> Option<&Section> {
        self.unreleased.as_ref()
    }

    /// The releases in file order, which Keep a Changelog defines as newest first.
    pub fn releases(&self) -> &[Section] {
        &self.releases
    }

    /// The release whose version is PEP 440-equal to `version` (`1.0` finds `1.0.0`,
    /// `2.0.0-rc1` finds `2.0.0rc1`). `None` also when `version` is not PEP 440.
    pub fn section(&self, version: &str) -> Option<&Section> {
        let wanted = Version::from_str(version.trim()).ok()?;
        self.releases
            .iter()
            .find(|s| s.parsed.as_ref() == Some(&wanted))
    }

    /// Every link reference definition in the file, in order.
    pub fn links(&self) -> &[LinkRef] {
        &self.links
    }

    /// The URL of the link definition with this label (case-insensitive, like markdown).
    pub(crate) fn link(&self, label: &str) -> Option<&LinkRef> {
        self.links
            .iter()
            .find(|l| l.label.eq_ignore_ascii_case(label))
    }
}

#[cfg(test)]
const INTRO: &str = "All notable changes to this project will be documented in this file.

The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),
and the version numbers follow [PEP 440](https://peps.python.org/pep-0440/).";

/// A freshly seeded CHANGELOG.md, for the tests of this module (what users get is
/// rendered from `templates/CHANGELOG.md.hbs`). The intro uses inline links on purpose: a
/// reference-style `[Keep a Changelog]: ...` definition would be read as a version by
/// `keepachangelog` (the PyPI package) and by other tools keyed on link labels.
#[cfg(test)]
pub(crate) fn seed(links: Option<&RepoLinks>) -> String {
    seed_since(links, None)
}

/// [`seed`] for a repository that already has releases: `[unreleased]` compares the tag of
/// `last_version` with HEAD, and the first [`release`] links from that tag.
#[cfg(test)]
pub(crate) fn seed_since(links: Option<&RepoLinks>, last_version: Option<&str>) -> String {
    let mut out = format!("# Changelog\n\n{INTRO}\n\n## [Unreleased]\n");
    if let Some(links) = links {
        let url = match last_version {
            Some(v) => links.compare_url(&links.tag(v), "HEAD"),
            None => links.commits_url(),
        };
        out.push_str(&format!("\n[unreleased]: {url}\n"));
    }
    out
}

/// Reads a changelog. See the module documentation for what is accepted.
pub fn parse(text: &str) -> Result<Changelog, ChangelogError> {
    let lines = split_lines(text);
    let kinds = classify(&lines);

    let trailing_links = trailing_link_block(&kinds);
    let body_end = trailing_links.unwrap_or(lines.len());

    let mut links = Vec::new();
    for (i, kind) in kinds.iter().enumerate() {
        if let Kind::Link { label, url } = kind {
            links.push(LinkRef {
                label: label.clone(),
                url: url.clone(),
                line: i + 1,
            });
        }
    }

    let heading_idx: Vec<usize> = kinds
        .iter()
        .enumerate()
        .filter(|(_, k)| matches!(k, Kind::Section(_)))
        .map(|(i, _)| i)
        .collect();

    let mut unreleased: Option<Section> = None;
    let mut releases: Vec<Section> = Vec::new();
    // Line of the section of each version seen, PEP 440-ordered (so `1.0` finds `1.0.0`):
    // a search of every earlier section per heading was quadratic, and a changelog of
    // 60 000 headings held doctor for minutes.
    let mut seen: std::collections::BTreeMap<Version, usize> = std::collections::BTreeMap::new();
    for (n, &start) in heading_idx.iter().enumerate() {
        let end = heading_idx
            .get(n + 1)
            .copied()
            .unwrap_or(body_end)
            .max(start + 1);
        let Kind::Section(heading) = &kinds[start] else {
            continue;
        };
        let line_no = start + 1;
        let head = match parse_heading(heading) {
            Ok(h) => h,
            // An old heading that is not a release (`## Changed`, `## 0.15.x`,
            // `## Version 1.44.0/0.65b0 (2026-05-01)`) is text: it never blocks a bump.
            // A bracketed heading is meant as a release and stays strict.
            Err(_) if !heading.trim_start().starts_with('[') => continue,
            Err(msg) => return Err(ChangelogError::at(
                line_no,
                msg,
                Some(
                    "write release headings as `## [1.2.3] - 2024-01-31` (Keep a Changelog 1.1.0)",
                ),
            )),
        };
        let (body, change_types) = section_body(&lines[start + 1..end], &kinds[start + 1..end]);
        let section = Section {
            version: head.version.clone(),
            date: head.date,
            yanked: head.yanked,
            body,
            line: line_no,
            heading: heading.clone(),
            change_types,
            parsed: head.parsed,
        };
        if section.version.is_none() {
            if let Some(first) = &unreleased {
                return Err(ChangelogError::at(
                    line_no,
                    format!(
                        "a second [Unreleased] section (the first is on line {})",
                        first.line
                    ),
                    Some("merge the two [Unreleased] sections into one"),
                ));
            }
            if let Some(newest) = releases.first() {
                return Err(ChangelogError::at(
                    line_no,
                    format!(
                        "[Unreleased] comes after the release on line {}; it must be the first section",
                        newest.line
                    ),
                    Some("move the [Unreleased] section above the newest release"),
                ));
            }
            unreleased = Some(section);
        } else {
            if let Some(v) = &section.parsed {
                if let Some(first) = seen.get(v) {
                    return Err(ChangelogError::at(
                        line_no,
                        format!(
                            "a second section for version {} (the first is on line {first})",
                            section.version.as_deref().unwrap_or_default(),
                        ),
                        Some("merge the two sections: each version has exactly one"),
                    ));
                }
                seen.insert(v.clone(), section.line);
            }
            releases.push(section);
        }
    }

    if unreleased.is_none() && releases.is_empty() {
        if let Some(log) = rst::parse(text) {
            return log;
        }
    }
    Ok(Changelog {
        unreleased,
        releases,
        links,
        trailing_links: trailing_links.map(|i| i + 1),
        underlined: false,
    })
}

/// The markdown body of the release `version` (PEP 440-equal match), for GitHub Release
/// notes. `None` when there is no such section or the changelog does not parse (call
/// [`parse`] to learn why).
pub fn section_notes(text: &str, version: &str) -> Option<String> {
    parse(text).ok()?.section(version).map(|s| s.body.clone())
}

/// Whether the `[Unreleased]` section is missing or has nothing but blank lines and empty
/// `###` headings: releasing now would publish a section with no notes.
pub(crate) fn unreleased_is_empty(text: &str) -> Result<bool, ChangelogError> {
    let log = parse(text)?;
    Ok(log.unreleased().is_none_or(section_is_empty))
}

fn section_is_empty(s: &Section) -> bool {
    s.body
        .lines()
        .all(|l| l.trim().is_empty() || is_subheading(l))
}

/// The result of [`release`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseOutcome {
    /// The whole new changelog.
    pub text: String,
    /// The release section is empty: `[Unreleased]` was missing or had no entries. Callers
    /// usually warn (or refuse) because the release would ship without notes.
    pub unreleased_was_empty: bool,
    /// The release heading written (`## 1.5.0 (2024-05-01)`), in the file's own style.
    pub heading: String,
    /// The file has no `[Unreleased]` section (nor a draft section of the next release):
    /// the new section was added empty, above the newest release.
    pub added_empty: bool,
}

/// Rolls `[Unreleased]` into `## [version] - date`, with a fresh empty `## [Unreleased]`
/// above it, and (when `links` is given) points `[unreleased]` at
/// `compare/TAG...HEAD` and adds `[version]` as `compare/PREV...TAG`, or `releases/tag/TAG`
/// for the first release. PREV is the greatest released version below `version`; without
/// one, the tag `[unreleased]` currently compares from (as [`seed_since`] writes it).
///
/// Without an `[Unreleased]` section the new, empty section goes above the newest release
/// (and no `[Unreleased]` is invented). Without `links` the link definitions are left alone.
/// The version is written as given; every line not named above stays byte-identical.
pub fn release(
    text: &str,
    version: &str,
    date: &str,
    links: Option<&RepoLinks>,
) -> Result<ReleaseOutcome, ChangelogError> {
    let new_version = Version::from_str(version.trim()).map_err(|e| {
        ChangelogError::input(
            format!("`{version}` is not a PEP 440 version: {e}"),
            Some("use a version such as 1.2.3, 2.0.0rc1 or 1.0.post1"),
        )
    })?;
    let version = version.trim();
    if !is_iso_date(date) {
        return Err(ChangelogError::input(
            format!("`{date}` is not a date in the form YYYY-MM-DD"),
            Some("Keep a Changelog dates are ISO 8601, e.g. 2024-01-31"),
        ));
    }
    let log = parse(text)?;
    if log.underlined {
        return rst::release(text, &log, version, date);
    }
    if let Some(existing) = log.section(version) {
        // `## 1.5.0` with no date, the newest section: the draft of this release, dated now.
        let newest = log.releases().first().map(|s| s.line) == Some(existing.line);
        if newest && existing.date.is_none() && !existing.yanked && log.unreleased().is_none() {
            let src = split_lines(text);
            let mut edits = Edits::default();
            let heading = format!(
                "## {}",
                HeadingStyle::of(&log.releases()[1..]).render(version, date)
            );
            edits.replace(existing.line - 1, heading.clone());
            return Ok(ReleaseOutcome {
                text: edits.apply(&src, dominant_eol(text), text.ends_with('\n')),
                unreleased_was_empty: section_is_empty(existing),
                heading,
                added_empty: false,
            });
        }
        return Err(ChangelogError::at(
            existing.line,
            format!(
                "the changelog already has a section for {}",
                existing.version.as_deref().unwrap_or(version)
            ),
            Some("pick a version that has not been released, or edit the existing section by hand"),
        ));
    }

    let src = split_lines(text);
    let eol = dominant_eol(text);
    let mut edits = Edits::default();
    let style = HeadingStyle::of(log.releases());
    let heading = format!("## {}", style.render(version, date));
    let mut added_empty = false;

    let unreleased_was_empty = match log.unreleased() {
        // `## 1.5.0 (unreleased)`: the draft of the next release becomes the release.
        Some(u) if names_a_version(&u.heading) => {
            edits.replace(u.line - 1, heading.clone());
            section_is_empty(u)
        }
        Some(u) => {
            edits.insert_after(u.line - 1, vec![String::new(), heading.clone()]);
            section_is_empty(u)
        }
        None => {
            match log.releases().first() {
                Some(newest) => {
                    edits.insert_before(newest.line - 1, vec![heading.clone(), String::new()])
                }
                None => {
                    let at = log.trailing_links.map(|l| l - 1).unwrap_or(src.len());
                    let mut block = Vec::new();
                    if at > 0 && !src[at - 1].text.trim().is_empty() {
                        block.push(String::new());
                    }
                    block.push(heading.clone());
                    if at < src.len() {
                        block.push(String::new());
                    }
                    edits.insert_before(at, block);
                }
            }
            added_empty = true;
            true
        }
    };

    // A changelog without link definitions whose headings are not bracketed keeps none.
    let linked = !log.links().is_empty() || log.releases().is_empty() || style.bracketed();
    if let (Some(links), true) = (links, linked) {
        plan_links(&log, &src, links, version, &new_version, &mut edits);
    }

    Ok(ReleaseOutcome {
        text: edits.apply(&src, eol, text.ends_with('\n')),
        unreleased_was_empty,
        heading,
        added_empty,
    })
}

fn plan_links(
    log: &Changelog,
    src: &[RawLine<'_>],
    links: &RepoLinks,
    version: &str,
    new_version: &Version,
    edits: &mut Edits,
) {
    let tag = links.tag(version);
    let unreleased_link = log.link("unreleased");

    let previous = log
        .releases()
        .iter()
        .filter_map(|s| Some((s.parsed.as_ref()?, s.version.as_deref()?)))
        .filter(|(v, _)| *v < new_version)
        .max_by(|a, b| a.0.cmp(b.0))
        .map(|(_, written)| links.tag(written));
    let previous = previous.or_else(|| {
        let url = &unreleased_link?.url;
        let rest = url.strip_prefix(&format!("{}/compare/", links.base()))?;
        let (from, to) = rest.split_once("...")?;
        (to == "HEAD" && !from.is_empty()).then(|| from.to_owned())
    });
    let version_url = match &previous {
        Some(prev) => links.compare_url(prev, &tag),
        None => links.release_url(version),
    };
    let version_line = format!("[{version}]: {version_url}");

    let mut new_lines = Vec::new();
    if log.unreleased().is_some() || unreleased_link.is_some() {
        let unreleased_url = links.compare_url(&tag, "HEAD");
        match unreleased_link {
            Some(l) => {
                let idx = l.line - 1;
                edits.replace(idx, replace_link_url(src[idx].text, &unreleased_url));
            }
            None => new_lines.push(format!("[unreleased]: {unreleased_url}")),
        }
    }
    match log.link(version) {
        Some(existing) => {
            let idx = existing.line - 1;
            edits.replace(idx, replace_link_url(src[idx].text, &version_url));
        }
        None => new_lines.push(version_line),
    }
    if new_lines.is_empty() {
        return;
    }

    // Newest first, like the sections: right under `[unreleased]`, else above the first
    // link labelled with a version, else after the last link at the end, else a new block.
    if let Some(l) = unreleased_link {
        edits.insert_after(l.line - 1, new_lines);
    } else if let Some(l) = log
        .links()
        .iter()
        .find(|l| Version::from_str(l.label.trim()).is_ok())
    {
        edits.insert_before(l.line - 1, new_lines);
    } else if let Some(start) = log.trailing_links {
        let last = log
            .links()
            .iter()
            .filter(|l| l.line >= start)
            .map(|l| l.line)
            .max()
            .unwrap_or(start);
        edits.insert_after(last - 1, new_lines);
    } else {
        let mut block = Vec::new();
        if src.last().is_some_and(|l| !l.text.trim().is_empty()) {
            block.push(String::new());
        }
        block.extend(new_lines);
        edits.insert_before(src.len(), block);
    }
}

/// Keeps everything up to and including `]:` and the spacing after it, swaps the URL, and
/// keeps an optional title.
fn replace_link_url(line: &str, url: &str) -> String {
    let Some(colon) = line.find("]:") else {
        return line.to_owned();
    };
    let (head, rest) = line.split_at(colon + 2);
    let spaces = rest.len() - rest.trim_start().len();
    let after = rest.trim_start();
    let old_url_len = after.find(char::is_whitespace).unwrap_or(after.len());
    format!("{head}{}{url}{}", &rest[..spaces], &after[old_url_len..])
}

fn is_iso_date(date: &str) -> bool {
    let b = date.as_bytes();
    b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
        && jiff::civil::Date::from_str(date).is_ok()
}

// ----- the file's own heading style -----

/// How a changelog writes its release headings, read from its newest dated release:
/// `[1.4.2] - 2026-10-01`, `1.4.2 (2026-10-01)`, `v1.4.2 - October 1, 2026`, `Version 1.4.2`.
/// New headings are written the same way; a changelog with no release (or a heading that
/// links its version) gets Keep a Changelog's `[1.5.0] - 2026-11-02`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct HeadingStyle {
    prefix: String,
    /// Between the version and the date (`] - `, ` (`); the date is left out when `None`.
    date: Option<(String, DateFormat)>,
    suffix: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DateFormat {
    /// 2026-10-01
    Iso,
    /// October 1, 2026
    MonthDayYear,
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

impl HeadingStyle {
    fn keep_a_changelog() -> Self {
        HeadingStyle {
            prefix: "[".into(),
            date: Some(("] - ".into(), DateFormat::Iso)),
            suffix: String::new(),
        }
    }

    /// The style of the newest release that has a date (else of the newest release).
    fn of(releases: &[Section]) -> Self {
        let usable: Vec<&Section> = releases.iter().filter(|s| !s.yanked).collect();
        usable
            .iter()
            .find_map(|s| Self::from_heading(&s.heading, true))
            .or_else(|| {
                usable
                    .first()
                    .and_then(|s| Self::from_heading(&s.heading, false))
            })
            .unwrap_or_else(Self::keep_a_changelog)
    }

    fn from_heading(heading: &str, dated: bool) -> Option<Self> {
        if heading.contains("](") || heading.contains("][") {
            return None;
        }
        let (pos, len) = heading_version(heading)?;
        let prefix = heading[..pos].to_string();
        let rest = &heading[pos + len..];
        if !dated {
            // `## [1.0.0]` is Keep a Changelog's form, which dates releases.
            return (!prefix.ends_with('[')).then_some(HeadingStyle {
                prefix,
                date: None,
                suffix: String::new(),
            });
        }
        let (at, n, format) = find_date(rest)?;
        let suffix = &rest[at + n..];
        let suffix = if suffix.chars().any(char::is_alphanumeric) {
            ""
        } else {
            suffix
        };
        Some(HeadingStyle {
            prefix,
            date: Some((rest[..at].to_string(), format)),
            suffix: suffix.to_string(),
        })
    }

    fn bracketed(&self) -> bool {
        self.prefix.ends_with('[')
    }

    fn render(&self, version: &str, iso_date: &str) -> String {
        match &self.date {
            Some((mid, format)) => format!(
                "{}{version}{mid}{}{}",
                self.prefix,
                format_date(*format, iso_date),
                self.suffix
            ),
            None => format!("{}{version}{}", self.prefix, self.suffix),
        }
    }
}

/// Where the version of a release heading is: after an optional `[`, `Version `,
/// `Release ` or `v`, the first word that is a PEP 440 version.
fn heading_version(heading: &str) -> Option<(usize, usize)> {
    let mut at = 0;
    for word in heading.split_inclusive(char::is_whitespace) {
        let token = word.trim_end();
        let lead = token.len() - token.trim_start_matches(['[', 'v', 'V']).len();
        let inner = token[lead..].trim_end_matches([']', ':', ',']);
        if !inner.is_empty()
            && inner.starts_with(|c: char| c.is_ascii_digit())
            && Version::from_str(inner).is_ok()
        {
            return Some((at + lead, inner.len()));
        }
        at += word.len();
    }
    None
}

/// Whether an unreleased heading names the version it drafts (`1.5.0 (unreleased)`).
fn names_a_version(heading: &str) -> bool {
    heading_version(heading).is_some()
}

/// The first date in a heading's text after the version: (offset, length, format).
fn find_date(rest: &str) -> Option<(usize, usize, DateFormat)> {
    for (i, _) in rest.char_indices() {
        if rest.get(i..i + 10).is_some_and(is_iso_date) {
            return Some((i, 10, DateFormat::Iso));
        }
        for month in MONTHS {
            let Some(after) = rest[i..]
                .strip_prefix(month)
                .and_then(|r| r.strip_prefix(' '))
            else {
                continue;
            };
            let day = after.chars().take_while(char::is_ascii_digit).count();
            let tail = &after[day..];
            let year_ok = tail
                .strip_prefix(", ")
                .and_then(|y| y.get(..4))
                .is_some_and(|y| y.chars().all(|c| c.is_ascii_digit()));
            if (1..=2).contains(&day) && year_ok {
                return Some((i, month.len() + 1 + day + 6, DateFormat::MonthDayYear));
            }
        }
    }
    None
}

fn format_date(format: DateFormat, iso: &str) -> String {
    match format {
        DateFormat::Iso => iso.to_string(),
        DateFormat::MonthDayYear => {
            let month: usize = iso.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
            let day: u32 = iso.get(8..10).and_then(|d| d.parse().ok()).unwrap_or(1);
            format!(
                "{} {day}, {}",
                MONTHS[month.clamp(1, 12) - 1],
                iso.get(..4).unwrap_or_default()
            )
        }
    }
}

// ----- lines -----

/// One line without its ending, and the ending itself (`\n`, `\r\n`, or `""` for a last
/// line without a newline), so untouched lines are written back byte for byte.
#[derive(Debug, Clone, Copy)]
struct RawLine<'a> {
    text: &'a str,
    ending: &'a str,
}

fn split_lines(text: &str) -> Vec<RawLine<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        match rest.find('\n') {
            Some(nl) => {
                let (line, ending) = if nl > 0 && rest.as_bytes()[nl - 1] == b'\r' {
                    (&rest[..nl - 1], &rest[nl - 1..=nl])
                } else {
                    (&rest[..nl], &rest[nl..=nl])
                };
                out.push(RawLine { text: line, ending });
                rest = &rest[nl + 1..];
            }
            None => {
                out.push(RawLine {
                    text: rest,
                    ending: "",
                });
                rest = "";
            }
        }
    }
    out
}

/// The ending new lines get: the file's first line ending (CRLF files stay CRLF).
fn dominant_eol(text: &str) -> &'static str {
    match text.find('\n') {
        Some(nl) if nl > 0 && text.as_bytes()[nl - 1] == b'\r' => "\r\n",
        _ => "\n",
    }
}

/// Line insertions and replacements against the original lines, applied in one pass so the
/// indices of a plan never shift under each other.
#[derive(Default)]
struct Edits {
    before: Vec<(usize, Vec<String>)>,
    after: Vec<(usize, Vec<String>)>,
    replace: Vec<(usize, String)>,
}

impl Edits {
    fn insert_before(&mut self, idx: usize, lines: Vec<String>) {
        self.before.push((idx, lines));
    }
    fn insert_after(&mut self, idx: usize, lines: Vec<String>) {
        self.after.push((idx, lines));
    }
    fn replace(&mut self, idx: usize, line: String) {
        self.replace.push((idx, line));
    }

    fn apply(&self, src: &[RawLine<'_>], eol: &str, ends_with_newline: bool) -> String {
        let mut out: Vec<(String, String)> = Vec::new();
        let push_all = |out: &mut Vec<(String, String)>, map: &[(usize, Vec<String>)], i| {
            for (_, lines) in map.iter().filter(|(at, _)| *at == i) {
                out.extend(lines.iter().map(|l| (l.clone(), eol.to_owned())));
            }
        };
        for (i, line) in src.iter().enumerate() {
            push_all(&mut out, &self.before, i);
            let text = self
                .replace
                .iter()
                .find(|(at, _)| *at == i)
                .map_or_else(|| line.text.to_owned(), |(_, l)| l.clone());
            out.push((text, line.ending.to_owned()));
            push_all(&mut out, &self.after, i);
        }
        push_all(&mut out, &self.before, src.len());

        // Every line but the last ends with a newline; the last keeps the file's choice.
        let n = out.len();
        for (i, (_, ending)) in out.iter_mut().enumerate() {
            if i + 1 < n && ending.is_empty() {
                *ending = eol.to_owned();
            } else if i + 1 == n && !ends_with_newline {
                ending.clear();
            } else if i + 1 == n && ending.is_empty() {
                *ending = eol.to_owned();
            }
        }
        out.into_iter().map(|(t, e)| t + &e).collect()
    }
}

// ----- structure -----

#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Blank,
    Text,
    /// Inside a fenced code block (or its fence): never a heading or a link.
    Code,
    /// `## ` heading text, trailing `#`s removed.
    Section(String),
    /// `### ` (or deeper) heading text.
    Subsection(String),
    Link {
        label: String,
        url: String,
    },
}

fn classify(lines: &[RawLine<'_>]) -> Vec<Kind> {
    let mut fence: Option<(char, usize)> = None;
    lines
        .iter()
        .map(|l| {
            let t = l.text;
            let indent = t.len() - t.trim_start_matches(' ').len();
            let body = t.trim_start_matches(' ');
            if let Some((ch, len)) = fence {
                let run = body.chars().take_while(|c| *c == ch).count();
                if indent < 4 && run >= len && body[run..].trim().is_empty() {
                    fence = None;
                }
                return Kind::Code;
            }
            if t.trim().is_empty() {
                return Kind::Blank;
            }
            if indent >= 4 {
                return Kind::Text;
            }
            for ch in ['`', '~'] {
                let run = body.chars().take_while(|c| *c == ch).count();
                if run >= 3 {
                    fence = Some((ch, run));
                    return Kind::Code;
                }
            }
            if let Some(level) = atx_level(body) {
                let text = body[level..].trim();
                let text = text.trim_end_matches('#').trim_end().to_owned();
                return match level {
                    1 => Kind::Text,
                    2 => Kind::Section(text),
                    _ => Kind::Subsection(text),
                };
            }
            if let Some((label, url)) = link_definition(body) {
                return Kind::Link { label, url };
            }
            Kind::Text
        })
        .collect()
}

/// `##` followed by a space, tab or end of line, like CommonMark ATX headings.
fn atx_level(s: &str) -> Option<usize> {
    let level = s.chars().take_while(|c| *c == '#').count();
    if !(1..=6).contains(&level) {
        return None;
    }
    match s[level..].chars().next() {
        None | Some(' ') | Some('\t') => Some(level),
        _ => None,
    }
}

/// `[label]: url` or `[label]: <url> "title"`.
fn link_definition(s: &str) -> Option<(String, String)> {
    let rest = s.strip_prefix('[')?;
    let close = rest.find(']')?;
    let label = &rest[..close];
    if label.trim().is_empty() || label.contains('[') {
        return None;
    }
    let after = rest[close + 1..].strip_prefix(':')?.trim();
    let url = after.split_whitespace().next()?;
    let url = url
        .strip_prefix('<')
        .and_then(|u| u.strip_suffix('>'))
        .unwrap_or(url);
    if url.is_empty() {
        return None;
    }
    Some((label.to_owned(), url.to_owned()))
}

/// Index of the first line of the run of link definitions (and blank lines) that ends the file.
fn trailing_link_block(kinds: &[Kind]) -> Option<usize> {
    let mut start = None;
    for (i, k) in kinds.iter().enumerate().rev() {
        match k {
            Kind::Blank => {}
            Kind::Link { .. } => start = Some(i),
            _ => break,
        }
    }
    start
}

/// The version a tag name ends with: `integrations/chroma-v0.20.1` → `0.20.1`. The
/// text before it is a tag prefix (letters, digits, `-`, `_`, `.`, `/`, `@`, `=`) that
/// does not end in a digit.
fn tag_version(tag: &str) -> Option<&str> {
    let start = tag
        .char_indices()
        .filter(|&(i, c)| c.is_ascii_digit() && i > 0 && !tag.as_bytes()[i - 1].is_ascii_digit())
        .map(|(i, _)| i)
        .find(|&i| Version::from_str(&tag[i..]).is_ok())?;
    let prefix = &tag[..start];
    let tag_like = prefix
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '@' | '='));
    let separated = prefix.ends_with(['-', '_', '/', '@', '=', 'v', 'V']);
    (tag_like && separated).then(|| &tag[start..])
}

struct Heading {
    version: Option<String>,
    parsed: Option<Version>,
    date: Option<String>,
    yanked: bool,
}

/// `[1.0.0] - 2024-01-01 [YANKED]`, `1.0.0 (2024-01-01)`, `[Unreleased]`, `[1.0.0](url) - ...`,
/// `[1.0.0][] - ...`, `v1.0.0`, `Version 1.0.0 - ...`.
fn parse_heading(text: &str) -> Result<Heading, String> {
    let mut rest = text.trim();
    let mut yanked = false;
    let upper = rest.to_ascii_uppercase();
    if upper.ends_with("[YANKED]") {
        yanked = true;
        rest = rest[..rest.len() - "[YANKED]".len()].trim_end();
    }

    let (version, after) = if let Some(inner) = rest.strip_prefix('[') {
        let close = inner
            .find(']')
            .ok_or_else(|| format!("heading `## {text}` has an unclosed `[`"))?;
        let mut after = &inner[close + 1..];
        // `[1.0.0](https://...)` or `[1.0.0][]` / `[1.0.0][label]`: skip the link target.
        for (open, shut) in [('(', ')'), ('[', ']')] {
            if let Some(target) = after.strip_prefix(open) {
                if let Some(end) = target.find(shut) {
                    after = &target[end + 1..];
                }
            }
        }
        (inner[..close].trim(), after)
    } else {
        let mut words = rest.splitn(2, char::is_whitespace);
        let mut first = words.next().unwrap_or_default();
        let mut after = words.next().unwrap_or_default();
        if ["version", "release"]
            .iter()
            .any(|w| first.eq_ignore_ascii_case(w))
        {
            let mut again = after.trim_start().splitn(2, char::is_whitespace);
            first = again.next().unwrap_or_default();
            after = again.next().unwrap_or_default();
        }
        // towncrier's `{name} {version} ({date})`: the project's name before the version.
        if Version::from_str(first).is_err() && tag_version(first).is_none() {
            let mut again = after.trim_start().splitn(2, char::is_whitespace);
            let second = again.next().unwrap_or_default();
            let tail = again.next().unwrap_or_default();
            let dated = tail.trim().is_empty() || tail.trim_start().starts_with('(');
            if !second.is_empty() && dated && Version::from_str(second).is_ok() {
                first = second;
                after = tail;
            }
        }
        (first, after)
    };

    let date = after
        .trim()
        .trim_start_matches(['-', '\u{2013}', '\u{2014}', ':'])
        .trim();
    let date = date
        .strip_prefix('(')
        .map(|d| d.trim_end().trim_end_matches(')'))
        .unwrap_or(date)
        .trim();
    // `## 1.32.1 (Unreleased)` (the Azure SDK's style, among others): the section of the
    // next release, not a release.
    if version.eq_ignore_ascii_case("unreleased") || date.eq_ignore_ascii_case("unreleased") {
        return Ok(Heading {
            version: None,
            parsed: None,
            date: None,
            yanked,
        });
    }
    let (version, parsed) = match Version::from_str(version) {
        Ok(v) => (version, v),
        // A tag as the heading, as git-cliff writes in a monorepo
        // (`[integrations/chroma-v0.20.1]`): the version it ends with.
        Err(e) => tag_version(version)
            .and_then(|v| Version::from_str(v).ok().map(|p| (v, p)))
            .ok_or_else(|| {
                format!("release heading `## {text}`: `{version}` is not a PEP 440 version ({e})")
            })?,
    };

    // `2024-01-01 - Codename`: the date is the ISO part.
    let date = match date.get(..10) {
        Some(iso) if is_iso_date(iso) => iso,
        _ => date,
    };
    Ok(Heading {
        version: Some(version.to_owned()),
        parsed: Some(parsed),
        date: (!date.is_empty()).then(|| date.to_owned()),
        yanked,
    })
}

fn is_subheading(line: &str) -> bool {
    atx_level(line.trim_start()).is_some_and(|l| l >= 3)
}

/// The trimmed markdown of a section and its `###` change types with their entries.
fn section_body(lines: &[RawLine<'_>], kinds: &[Kind]) -> (String, Vec<(String, Vec<String>)>) {
    let first = kinds.iter().position(|k| *k != Kind::Blank);
    let last = kinds.iter().rposition(|k| *k != Kind::Blank);
    let body = match (first, last) {
        (Some(a), Some(b)) => lines[a..=b]
            .iter()
            .map(|l| l.text)
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    };

    let mut change_types: Vec<(String, Vec<String>)> = Vec::new();
    // Whether the previous line belongs to an entry a following line may continue.
    let mut in_entry = false;
    let mut after_blank = false;
    for (line, kind) in lines.iter().zip(kinds) {
        match kind {
            Kind::Subsection(name) => {
                change_types.push((name.clone(), Vec::new()));
                in_entry = false;
            }
            Kind::Blank => after_blank = true,
            // Code inside an entry is not entry text; it neither ends nor extends it.
            Kind::Code => {}
            Kind::Text => {
                let Some((_, entries)) = change_types.last_mut() else {
                    continue;
                };
                let indent = line.text.len() - line.text.trim_start().len();
                let body = line.text.trim();
                let item = (indent < 2).then(|| list_item(body)).flatten();
                if let Some(item) = item {
                    entries.push(item.to_owned());
                    in_entry = true;
                } else if in_entry && (indent >= 2 || !after_blank) {
                    if let Some(last) = entries.last_mut() {
                        last.push(' ');
                        last.push_str(body);
                    }
                } else {
                    in_entry = false;
                }
                after_blank = false;
            }
            Kind::Link { .. } | Kind::Section(_) => {
                in_entry = false;
                after_blank = false;
            }
        }
    }
    (body, change_types)
}

fn list_item(s: &str) -> Option<&str> {
    ["- ", "* ", "+ "]
        .iter()
        .find_map(|m| s.strip_prefix(m))
        .map(str::trim)
        .or_else(|| ["-", "*", "+"].contains(&s).then_some(""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gh() -> RepoLinks {
        RepoLinks {
            base_url: "https://github.com/acme/widgets/".into(),
            tag_affixes: ("v".into(), String::new()),
        }
    }

    const KAC: &str = "# Changelog

All notable changes to this project will be documented in this file.

## [Unreleased]

### Added

- v1.1 Brazilian Portuguese translation.
- v1.1 German Translation

## [1.1.1] - 2023-03-05

### Added

- Arabic translation (#444).
- Version navigation. This is a long entry
  that wraps onto a second line.

### Fixed

- Improve French translation (#377).

## [1.0.0] - 2017-06-20

### Removed

- Section about \"changelog\" vs \"CHANGELOG\".

## [0.0.5] - 2014-12-13 [YANKED]

### Added

- Markdown links to version tags on release headings.

[unreleased]: https://github.com/acme/widgets/compare/v1.1.1...HEAD
[1.1.1]: https://github.com/acme/widgets/compare/v1.0.0...v1.1.1
[1.0.0]: https://github.com/acme/widgets/compare/v0.0.5...v1.0.0
[0.0.5]: https://github.com/acme/widgets/releases/tag/v0.0.5
";

    #[test]
    fn seed_without_links_is_title_intro_and_unreleased() {
        let s = seed(None);
        assert_eq!(
            s,
            "# Changelog\n\nAll notable changes to this project will be documented in this file.\n\n\
             The format is based on [Keep a Changelog](https://keepachangelog.com/en/1.1.0/),\n\
             and the version numbers follow [PEP 440](https://peps.python.org/pep-0440/).\n\n\
             ## [Unreleased]\n"
        );
        let log = parse(&s).unwrap();
        assert!(log.unreleased().is_some());
        assert!(log.releases().is_empty());
        assert!(log.links().is_empty());
        assert!(unreleased_is_empty(&s).unwrap());
    }

    #[test]
    fn seed_with_links_points_unreleased_at_history_or_last_tag() {
        let s = seed(Some(&gh()));
        assert!(s.ends_with(
            "## [Unreleased]\n\n[unreleased]: https://github.com/acme/widgets/commits/HEAD\n"
        ));
        let log = parse(&s).unwrap();
        assert_eq!(
            log.link("Unreleased").unwrap().url,
            "https://github.com/acme/widgets/commits/HEAD"
        );
        assert_eq!(log.unreleased().unwrap().body, "");

        let s = seed_since(Some(&gh()), Some("0.4.0"));
        assert!(
            s.ends_with("[unreleased]: https://github.com/acme/widgets/compare/v0.4.0...HEAD\n")
        );
    }

    #[test]
    fn parses_the_keep_a_changelog_shape() {
        let log = parse(KAC).unwrap();
        let u = log.unreleased().unwrap();
        assert_eq!(u.line, 5);
        assert_eq!(
            u.entries("added"),
            [
                "v1.1 Brazilian Portuguese translation.",
                "v1.1 German Translation"
            ]
        );
        let versions: Vec<_> = log
            .releases()
            .iter()
            .map(|s| s.version.as_deref().unwrap())
            .collect();
        assert_eq!(versions, ["1.1.1", "1.0.0", "0.0.5"]);

        let r = &log.releases()[0];
        assert_eq!(r.date.as_deref(), Some("2023-03-05"));
        assert_eq!(r.line, 12);
        assert!(!r.yanked);
        assert_eq!(
            r.change_types,
            vec![
                (
                    "Added".to_owned(),
                    vec![
                        "Arabic translation (#444).".to_owned(),
                        "Version navigation. This is a long entry that wraps onto a second line."
                            .to_owned()
                    ]
                ),
                (
                    "Fixed".to_owned(),
                    vec!["Improve French translation (#377).".to_owned()]
                ),
            ]
        );
        assert!(r.body.starts_with("### Added\n\n- Arabic"));
        assert!(r.body.ends_with("- Improve French translation (#377)."));

        let yanked = &log.releases()[2];
        assert!(yanked.yanked);
        assert_eq!(yanked.date.as_deref(), Some("2014-12-13"));
        // The link block at the end is not part of the last section.
        assert_eq!(
            yanked.body,
            "### Added\n\n- Markdown links to version tags on release headings."
        );

        assert_eq!(log.links().len(), 4);
        assert_eq!(log.links()[0].label, "unreleased");
        assert_eq!(log.links()[0].line, 36);
        assert_eq!(
            log.link("0.0.5").unwrap().url,
            "https://github.com/acme/widgets/releases/tag/v0.0.5"
        );
        assert!(!unreleased_is_empty(KAC).unwrap());
    }

    #[test]
    fn section_matches_by_pep440_equality() {
        let text = "## [2.0.0rc1] - 2024-05-01\n\n- rc\n\n## [1.0] - 2024-01-01\n\n- one\n";
        let log = parse(text).unwrap();
        assert_eq!(log.section("2.0.0-RC1").unwrap().line, 1);
        assert_eq!(log.section("2.0.0rc1").unwrap().body, "- rc");
        assert_eq!(
            log.section("1.0.0").unwrap().version.as_deref(),
            Some("1.0")
        );
        assert!(log.section("1.0.1").is_none());
        assert!(log.section("not a version").is_none());
        assert_eq!(section_notes(text, "1").as_deref(), Some("- one"));
        assert_eq!(section_notes(text, "3.0"), None);
    }

    #[test]
    fn tolerates_real_world_heading_forms() {
        let text = "# Changes\n\n## [Unreleased][]\n\n## v3.0.0 - 2024-03-01\n\n\
                    ## 2.0.0 (2024-02-01)\n\n## [1.5.0](https://x.invalid/1.5.0) - 2024-01-15\n\n\
                    ## Version 1.2.0 – 2023-12-01\n\n## 1.1.0\n\n## [1.0.0] - 2023-01-01 - Genesis\n\n\
                    ## [0.9.0] - 2022-01-01 [yanked]\n";
        let log = parse(text).unwrap();
        assert_eq!(log.unreleased().unwrap().line, 3);
        let got: Vec<_> = log
            .releases()
            .iter()
            .map(|s| (s.version.clone().unwrap(), s.date.clone(), s.yanked))
            .collect();
        let d = |s: &str| Some(s.to_owned());
        assert_eq!(
            got,
            vec![
                ("v3.0.0".into(), d("2024-03-01"), false),
                ("2.0.0".into(), d("2024-02-01"), false),
                ("1.5.0".into(), d("2024-01-15"), false),
                ("1.2.0".into(), d("2023-12-01"), false),
                ("1.1.0".into(), None, false),
                ("1.0.0".into(), d("2023-01-01"), false),
                ("0.9.0".into(), d("2022-01-01"), true),
            ]
        );
        assert!(log.section("3").is_some());
    }

    #[test]
    fn headings_and_links_inside_code_fences_are_text() {
        let text = "## [Unreleased]\n\n### Added\n\n- A fence:\n\n  ```md\n  ## [9.9.9] - 2020-01-01\n  [x]: https://x.invalid\n  ```\n\n## [1.0.0] - 2024-01-01\n";
        let log = parse(text).unwrap();
        assert_eq!(log.releases().len(), 1);
        assert!(log.links().is_empty());
        assert_eq!(log.unreleased().unwrap().entries("Added"), ["A fence:"]);
    }

    #[test]
    fn duplicate_versions_are_an_error_with_both_lines() {
        let text =
            "# Changelog\n\n## [1.0.0] - 2024-02-01\n\n- b\n\n## [1.0] - 2024-01-01\n\n- a\n";
        let err = parse(text).unwrap_err();
        assert_eq!(err.line, Some(7));
        assert!(err.message.contains("first is on line 3"), "{err}");
        assert!(err.hint.is_some());
        assert!(section_notes(text, "1.0.0").is_none());
    }

    #[test]
    fn a_tag_as_the_heading_names_the_version_it_ends_with() {
        for (tag, version) in [
            ("integrations/chroma-v0.20.1", Some("0.20.1")),
            ("release/1.2.3rc1", Some("1.2.3rc1")),
            ("acme-core==0.3.1", Some("0.3.1")),
            ("v2", Some("2")),
            ("python3.10", None),
            ("a b-1.0", None),
            ("banana", None),
        ] {
            assert_eq!(tag_version(tag), version, "{tag}");
        }
        let log = parse("# C\n\n## [integrations/chroma-v0.20.1] - 2024-07-15\n\n- x\n").unwrap();
        assert_eq!(log.releases[0].version.as_deref(), Some("0.20.1"));
        assert_eq!(log.releases[0].date.as_deref(), Some("2024-07-15"));
    }

    #[test]
    fn broken_structure_is_reported_with_its_line() {
        let err = parse("# C\n\n## [Unreleased]\n\n## [banana] - 2024-01-01\n").unwrap_err();
        assert_eq!(err.line, Some(5));
        assert!(
            err.message.contains("`banana` is not a PEP 440 version"),
            "{err}"
        );

        let err = parse("## [Unreleased]\n\n## [unreleased]\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("second [Unreleased]"), "{err}");

        let err = parse("## [1.0.0] - 2024-01-01\n\n## [Unreleased]\n").unwrap_err();
        assert_eq!(err.line, Some(3));
        assert!(err.message.contains("must be the first section"), "{err}");

        let err = parse("## [1.0.0 - 2024-01-01\n").unwrap_err();
        assert_eq!(err.line, Some(1));

        let e = err.into_error(Path::new("CHANGELOG.md"));
        assert_eq!(
            e.to_string(),
            "CHANGELOG.md:1: heading `## [1.0.0 - 2024-01-01` has an unclosed `[`"
        );
        assert!(e.hint().is_some());
    }

    #[test]
    fn first_release_from_the_seed() {
        let seeded = seed(Some(&gh())).replace(
            "## [Unreleased]\n",
            "## [Unreleased]\n\n### Added\n\n- First cut.\n",
        );
        let out = release(&seeded, "1.0.0", "2024-06-01", Some(&gh())).unwrap();
        assert!(!out.unreleased_was_empty);
        let expected = seeded
            .replace(
                "## [Unreleased]\n",
                "## [Unreleased]\n\n## [1.0.0] - 2024-06-01\n",
            )
            .replace(
                "[unreleased]: https://github.com/acme/widgets/commits/HEAD\n",
                "[unreleased]: https://github.com/acme/widgets/compare/v1.0.0...HEAD\n\
                 [1.0.0]: https://github.com/acme/widgets/releases/tag/v1.0.0\n",
            );
        assert_eq!(out.text, expected);
        let log = parse(&out.text).unwrap();
        assert_eq!(log.unreleased().unwrap().body, "");
        assert_eq!(
            log.section("1.0.0").unwrap().entries("Added"),
            ["First cut."]
        );
    }

    #[test]
    fn second_release_keeps_older_links_and_compares_with_the_previous_tag() {
        let out = release(KAC, "1.2.0", "2024-06-01", Some(&gh())).unwrap();
        let expected = KAC
            .replace(
                "## [Unreleased]\n",
                "## [Unreleased]\n\n## [1.2.0] - 2024-06-01\n",
            )
            .replace(
                "[unreleased]: https://github.com/acme/widgets/compare/v1.1.1...HEAD\n",
                "[unreleased]: https://github.com/acme/widgets/compare/v1.2.0...HEAD\n\
                 [1.2.0]: https://github.com/acme/widgets/compare/v1.1.1...v1.2.0\n",
            );
        assert_eq!(out.text, expected);
        assert!(!out.unreleased_was_empty);
        let log = parse(&out.text).unwrap();
        assert_eq!(
            log.section("1.2.0").unwrap().entries("Added"),
            [
                "v1.1 Brazilian Portuguese translation.",
                "v1.1 German Translation"
            ]
        );
        assert_eq!(log.releases()[1].version.as_deref(), Some("1.1.1"));
    }

    #[test]
    fn crlf_files_stay_crlf() {
        let crlf = KAC.replace('\n', "\r\n");
        let out = release(&crlf, "1.2.0", "2024-06-01", Some(&gh())).unwrap();
        assert!(
            !out.text.replace("\r\n", "").contains('\n'),
            "a bare LF slipped in"
        );
        let lf = release(KAC, "1.2.0", "2024-06-01", Some(&gh())).unwrap();
        assert_eq!(out.text, lf.text.replace('\n', "\r\n"));
        // The parsed body uses \n whatever the file does.
        assert_eq!(
            section_notes(&crlf, "1.0.0").as_deref(),
            Some("### Removed\n\n- Section about \"changelog\" vs \"CHANGELOG\".")
        );
    }

    #[test]
    fn a_missing_final_newline_stays_missing() {
        let text = "# Changelog\n\n## [Unreleased]\n\n- thing\n\n## [0.1.0] - 2024-01-01";
        let out = release(text, "0.2.0", "2024-06-01", None).unwrap();
        assert_eq!(
            out.text,
            "# Changelog\n\n## [Unreleased]\n\n## [0.2.0] - 2024-06-01\n\n- thing\n\n## [0.1.0] - 2024-01-01"
        );

        // Links appended after a last line without newline: the old last line gets one.
        let out = release(text, "0.2.0", "2024-06-01", Some(&gh())).unwrap();
        assert!(
            out.text.ends_with(
                "## [0.1.0] - 2024-01-01\n\n\
             [unreleased]: https://github.com/acme/widgets/compare/v0.2.0...HEAD\n\
             [0.2.0]: https://github.com/acme/widgets/compare/v0.1.0...v0.2.0"
            ),
            "{}",
            out.text
        );

        // The heading itself last, without newline.
        let out = release("## [Unreleased]", "1.0.0", "2024-06-01", None).unwrap();
        assert_eq!(out.text, "## [Unreleased]\n\n## [1.0.0] - 2024-06-01");
        assert!(out.unreleased_was_empty);
    }

    #[test]
    fn without_links_the_link_definitions_are_untouched() {
        let out = release(KAC, "1.2.0", "2024-06-01", None).unwrap();
        assert_eq!(
            out.text,
            KAC.replace(
                "## [Unreleased]\n",
                "## [Unreleased]\n\n## [1.2.0] - 2024-06-01\n"
            )
        );
    }

    #[test]
    fn a_file_without_link_definitions_gets_a_block_at_the_end() {
        let text = "# Changelog\n\n## [Unreleased]\n\n### Fixed\n\n- bug\n";
        let out = release(text, "0.1.0", "2024-06-01", Some(&gh())).unwrap();
        assert_eq!(
            out.text,
            "# Changelog\n\n## [Unreleased]\n\n## [0.1.0] - 2024-06-01\n\n### Fixed\n\n- bug\n\n\
             [unreleased]: https://github.com/acme/widgets/compare/v0.1.0...HEAD\n\
             [0.1.0]: https://github.com/acme/widgets/releases/tag/v0.1.0\n"
        );
    }

    #[test]
    fn missing_unreleased_link_goes_above_the_version_links() {
        let text = "## [Unreleased]\n\n- x\n\n## [1.0.0] - 2024-01-01\n\n\
                    [1.0.0]: https://github.com/acme/widgets/releases/tag/v1.0.0\n";
        let out = release(text, "1.1.0", "2024-06-01", Some(&gh())).unwrap();
        assert!(
            out.text.ends_with(
                "\n[unreleased]: https://github.com/acme/widgets/compare/v1.1.0...HEAD\n\
             [1.1.0]: https://github.com/acme/widgets/compare/v1.0.0...v1.1.0\n\
             [1.0.0]: https://github.com/acme/widgets/releases/tag/v1.0.0\n"
            ),
            "{}",
            out.text
        );
    }

    #[test]
    fn existing_version_is_refused_with_its_line() {
        let err = release(KAC, "1.0", "2024-06-01", Some(&gh())).unwrap_err();
        assert_eq!(err.line, Some(24));
        assert!(
            err.message.contains("already has a section for 1.0.0"),
            "{err}"
        );
        let err = release(KAC, "0.0.5", "2024-06-01", None).unwrap_err();
        assert_eq!(err.line, Some(30));
    }

    #[test]
    fn bad_arguments_are_refused_without_a_line() {
        let err = release(KAC, "one", "2024-06-01", None).unwrap_err();
        assert_eq!(err.line, None);
        assert!(err.message.contains("not a PEP 440 version"));
        for date in ["2024-6-1", "2024-02-30", "20240601", "today"] {
            let err = release(KAC, "2.0.0", date, None).unwrap_err();
            assert_eq!(err.line, None, "{date}");
        }
        let e = release(KAC, "one", "2024-06-01", None)
            .unwrap_err()
            .into_error(Path::new("CHANGELOG.md"));
        assert!(e.to_string().starts_with("CHANGELOG.md: `one`"), "{e}");
    }

    #[test]
    fn without_unreleased_the_empty_release_goes_above_the_newest() {
        let text = "# Changelog\n\n## [1.0.0] - 2024-01-01\n\n- one\n";
        let out = release(text, "1.0.1", "2024-06-01", Some(&gh())).unwrap();
        assert!(out.unreleased_was_empty);
        assert_eq!(
            out.text,
            "# Changelog\n\n## [1.0.1] - 2024-06-01\n\n## [1.0.0] - 2024-01-01\n\n- one\n\n\
             [1.0.1]: https://github.com/acme/widgets/compare/v1.0.0...v1.0.1\n"
        );
        assert!(unreleased_is_empty(text).unwrap());

        // Nothing at all: the section goes after the intro.
        let out = release("# Changelog\n\nIntro.\n", "0.1.0", "2024-06-01", None).unwrap();
        assert_eq!(
            out.text,
            "# Changelog\n\nIntro.\n\n## [0.1.0] - 2024-06-01\n"
        );
    }

    #[test]
    fn unreleased_with_only_empty_change_types_counts_as_empty() {
        let text = "## [Unreleased]\n\n### Added\n\n### Fixed\n\n## [1.0.0] - 2024-01-01\n";
        assert!(unreleased_is_empty(text).unwrap());
        let out = release(text, "1.0.1", "2024-06-01", None).unwrap();
        assert!(out.unreleased_was_empty);
        assert!(
            !unreleased_is_empty(&KAC.replace("### Added\n\n- v1.1 B", "### Added\n\nSee B"))
                .unwrap()
        );
    }

    #[test]
    fn previous_tag_is_the_greatest_lower_release_yanked_included() {
        let text =
            "## [Unreleased]\n\n## [2.0.0rc1] - 2024-05-01 [YANKED]\n\n## [1.0.0] - 2024-01-01\n\n\
                    [unreleased]: https://github.com/acme/widgets/compare/v2.0.0rc1...HEAD\n";
        let out = release(text, "2.0.0", "2024-06-01", Some(&gh())).unwrap();
        assert!(out
            .text
            .contains("[2.0.0]: https://github.com/acme/widgets/compare/v2.0.0rc1...v2.0.0\n"));
        // A backport compares with the release it follows, not the newest one.
        let out = release(text, "1.0.1", "2024-06-01", Some(&gh())).unwrap();
        assert!(out
            .text
            .contains("[1.0.1]: https://github.com/acme/widgets/compare/v1.0.0...v1.0.1\n"));
    }

    #[test]
    fn first_release_after_seed_since_compares_with_the_old_tag() {
        let links = RepoLinks {
            base_url: "https://github.com/acme/mono".into(),
            tag_affixes: ("dashboard-v".into(), String::new()),
        };
        let s = seed_since(Some(&links), Some("0.9.0"));
        let out = release(&s, "1.0.0", "2024-06-01", Some(&links)).unwrap();
        assert!(
            out.text.ends_with(
                "[unreleased]: https://github.com/acme/mono/compare/dashboard-v1.0.0...HEAD\n\
             [1.0.0]: https://github.com/acme/mono/compare/dashboard-v0.9.0...dashboard-v1.0.0\n"
            ),
            "{}",
            out.text
        );
    }

    #[test]
    fn a_stale_link_for_the_new_version_is_updated_not_duplicated() {
        let text = "## [Unreleased]\n\n- x\n\n[unreleased]: https://github.com/acme/widgets/commits/HEAD\n\
                    [1.0.0]: https://example.invalid/old \"Old title\"\n";
        let out = release(text, "1.0.0", "2024-06-01", Some(&gh())).unwrap();
        assert!(
            out.text.ends_with(
                "[unreleased]: https://github.com/acme/widgets/compare/v1.0.0...HEAD\n\
             [1.0.0]: https://github.com/acme/widgets/releases/tag/v1.0.0 \"Old title\"\n"
            ),
            "{}",
            out.text
        );
        assert_eq!(parse(&out.text).unwrap().links().len(), 2);
    }

    #[test]
    fn mixed_line_endings_are_kept_line_by_line() {
        let text = "# C\r\n\r\n## [Unreleased]\n\n- x\r\n";
        let out = release(text, "1.0.0", "2024-06-01", None).unwrap();
        assert_eq!(
            out.text,
            "# C\r\n\r\n## [Unreleased]\n\r\n## [1.0.0] - 2024-06-01\r\n\n- x\r\n"
        );
    }
}
