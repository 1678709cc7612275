//! `scripts/bump_version.py`: a plain Python file in the source tree
//! (`templates/scripts/bump_version.py`, importable and lintable as it is) plus ONE generated
//! line, `DATA_JSON = "..."`, holding everything specific to the repository as a JSON document.
//!
//! No value is ever spliced into code: the JSON text goes through [`py_string`], a strict
//! encoder that writes an ASCII-only Python string literal in which every quote, backslash,
//! control character and non-ASCII character is escaped, so no path or name can end the
//! string. Only facts that do not change with a bump go in here (no current versions), so the
//! script stays current after a release and `pyrel generate --check` does not report drift.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::policy::{Policy, TestPypi, Versioning};
use crate::project::{Project, SourceKind, VersionScheme};
use crate::workspace_fs::slash;

/// The script as it lives in the source tree.
pub(crate) const SOURCE: &str = include_str!("../../templates/scripts/bump_version.py");

/// The start of the one line pyrel replaces.
const DATA_LINE: &str = "DATA_JSON = ";

/// The data block: the script reads nothing else about the repository.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct ScriptData {
    /// Bumped when the shape changes, so a script and its data never disagree silently.
    pub(crate) schema: u32,
    /// The script's own path relative to the root: the script finds the root from it.
    pub(crate) script: String,
    pub(crate) tag_format: String,
    /// "lockstep" | "independent".
    pub(crate) versioning: &'static str,
    /// "prereleases" | "all" | "never".
    pub(crate) testpypi: &'static str,
    pub(crate) dev_builds: bool,
    /// The policy's changelog (lockstep releases, and the fallback).
    pub(crate) changelog: Option<String>,
    /// towncrier's fragment directory, when towncrier builds the changelog: the bump then
    /// writes nothing to it.
    pub(crate) changelog_fragments: Option<String>,
    /// Web address of the repository for changelog links; `None` when unknown.
    pub(crate) repository_url: Option<String>,
    /// Every package, in dependency order (a dependency before its dependents).
    pub(crate) packages: Vec<ScriptPackage>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ScriptPackage {
    pub(crate) name: String,
    pub(crate) normalized: String,
    /// Directory relative to the root, `.` for the root.
    pub(crate) dir: String,
    pub(crate) vcs: bool,
    /// The version sources, the version of record (what the build backend reads) first.
    pub(crate) sources: Vec<ScriptSource>,
    /// Files that may hold requirements on siblings: the manifest, and `setup.cfg` next to a
    /// `setup.py` (read only when it exists).
    pub(crate) dep_files: Vec<String>,
    /// The changelog this package's independent releases roll (lockstep uses the policy's).
    pub(crate) changelog: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct ScriptSource {
    pub(crate) kind: SourceKind,
    pub(crate) path: String,
    /// The hatch `pattern` or code `expression` variable that finds the version in the
    /// file (validated where discovery reads it); absent for every other kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) locator: Option<String>,
}

/// The data block of a project under a policy. `script` is the script's path.
pub(crate) fn data(project: &Project, policy: &Policy, script: &std::path::Path) -> ScriptData {
    let packages = project
        .packages
        .iter()
        .map(|p| {
            let mut dep_files = vec![slash(&p.manifest)];
            if p.manifest.file_name().is_some_and(|n| n == "setup.py") {
                dep_files.push(slash(&p.dir.join("setup.cfg")));
            }
            // Every other file holding a sibling requirement (a requirements file, a
            // setup.py next to a static pyproject).
            for s in &p.siblings {
                let f = slash(&s.path);
                if !dep_files.contains(&f) {
                    dep_files.push(f);
                }
            }
            let dir = slash(&p.dir);
            ScriptPackage {
                name: p.name.clone(),
                normalized: p.normalized.clone(),
                dir: if dir.is_empty() { ".".into() } else { dir },
                vcs: matches!(p.scheme, VersionScheme::Vcs { .. }),
                sources: p
                    .version_sources
                    .iter()
                    .map(|s| ScriptSource {
                        kind: s.kind,
                        path: slash(&s.path),
                        locator: s.locator.clone(),
                    })
                    .collect(),
                dep_files,
                changelog: super::changelog_path(policy, Some(p)).map(|c| slash(&c)),
            }
        })
        .collect();
    ScriptData {
        schema: 1,
        script: slash(script),
        tag_format: policy.tag_format.to_string(),
        versioning: match policy.versioning {
            Versioning::Lockstep => "lockstep",
            Versioning::Independent => "independent",
        },
        testpypi: match policy.testpypi {
            TestPypi::Prereleases => "prereleases",
            TestPypi::All => "all",
            TestPypi::Never => "never",
        },
        dev_builds: policy.dev_builds,
        changelog: policy.files.changelog.as_deref().map(slash),
        changelog_fragments: project.towncrier.as_ref().map(|t| slash(&t.directory)),
        repository_url: policy.repository_url(project),
        packages,
    }
}

/// The script for this repository: the source with its data line replaced.
pub(crate) fn render(
    project: &Project,
    policy: &Policy,
    script: &std::path::Path,
) -> Result<String> {
    let json = serde_json::to_string(&data(project, policy, script))
        .map_err(|e| Error::internal(format!("the bump script's data does not serialize: {e}")))?;
    with_data(&json)
}

/// [`SOURCE`] with `DATA_JSON` set to `json` (encoded by [`py_string`]).
pub fn with_data(json: &str) -> Result<String> {
    let mut out = String::with_capacity(SOURCE.len() + json.len() * 2);
    let mut replaced = 0;
    for line in SOURCE.split_inclusive('\n') {
        if line.starts_with(DATA_LINE) {
            replaced += 1;
            out.push_str(DATA_LINE);
            out.push_str(&py_string(json));
            out.push('\n');
        } else {
            out.push_str(line);
        }
    }
    if replaced != 1 {
        return Err(Error::internal(format!(
            "the bump script has {replaced} `{DATA_LINE}` lines; it must have exactly one"
        )));
    }
    Ok(out)
}

/// An ASCII-only, double-quoted Python string literal of `s`: printable ASCII other than `"`
/// and `\` as it is, everything else escaped (`\"`, `\\`, `\uXXXX`, `\UXXXXXXXX`). Nothing in
/// `s` can end the literal or start a line of code.
pub(crate) fn py_string(s: &str) -> String {
    use std::fmt::Write as _;
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    let mut rest = s;
    while !rest.is_empty() {
        // Runs of printable ASCII other than `"` and `\` go in as they are, in one copy.
        let run = rest
            .bytes()
            .position(|b| !(b' '..=b'~').contains(&b) || b == b'"' || b == b'\\')
            .unwrap_or(rest.len());
        out.push_str(&rest[..run]);
        rest = &rest[run..];
        let Some(c) = rest.chars().next() else {
            break;
        };
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) <= 0xFFFF => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => {
                let _ = write!(out, "\\U{:08x}", c as u32);
            }
        }
        rest = &rest[c.len_utf8()..];
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_string_is_ascii_and_escapes_every_delimiter() {
        let s = py_string("a\"\"\"b'''c\\d\ne\u{2028}f\u{1F600}\u{0}");
        assert!(s.is_ascii(), "{s}");
        assert!(!s[1..s.len() - 1].contains("\"\"\""));
        assert!(!s.contains('\n'));
        assert_eq!(
            s,
            "\"a\\\"\\\"\\\"b'''c\\\\d\\u000ae\\u2028f\\U0001f600\\u0000\""
        );
    }

    #[test]
    fn the_source_has_exactly_one_data_line() {
        let out = with_data("{}").unwrap();
        assert_eq!(out.lines().filter(|l| l.starts_with(DATA_LINE)).count(), 1);
        assert!(out.contains("DATA_JSON = \"{}\"\n"));
    }
}
