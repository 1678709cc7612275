//! PR105 changelog: the changelog exists, parses, and has notes for the next release.

use std::path::PathBuf;

use super::Check;
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};

pub(crate) const CHECK: Check = Check {
    code: Code::Changelog,
    online: false,
    summary:
        "The changelog exists, parses, and has notes for the current version or under [Unreleased].",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  The changelog of the policy (CHANGELOG.md by default) exists, parses (Keep a
  Changelog 1.1.0, other markdown release headings, or reStructuredText such as
  CHANGES.rst), and has either a section for the current version or entries under
  `## [Unreleased]` (or a draft section of the next release). A changelog kept under
  another common name (CHANGES.rst, HISTORY.md, docs/changelog.md) is named as what it
  is. In a repository whose changelog towncrier builds, a news fragment waiting in the
  fragment directory is what counts instead of an [Unreleased] entry.

Why it matters
  The release workflow takes the GitHub Release notes from the changelog; a release with
  neither section ships without notes, and a malformed changelog breaks `pyrel bump`.

How to fix
  Add entries under `## [Unreleased]` (### Added, ### Fixed, ...), fix the line named in
  the finding, or create the file with `pyrel generate`.
";

fn run(ctx: &Context) -> Outcome {
    let path: PathBuf = match &ctx.policy.files.changelog {
        Some(p) => p.clone(),
        None if ctx.project.root.join("CHANGELOG.md").is_file() => "CHANGELOG.md".into(),
        None => {
            return Outcome::Skip(
                "the policy manages no changelog (files.changelog = false)".into(),
            )
        }
    };
    let mut out: Vec<FindingBuilder> = Vec::new();
    let towncrier = ctx.project.towncrier.as_ref();
    let text = ctx.read(&path);
    if let (None, Some(t)) = (&text, towncrier) {
        // towncrier writes its file at the first release: the fragments are the notes.
        return fragments_outcome(ctx, t, &path, out);
    }
    let Some(text) = text else {
        // Under another common name or format, the changelog is reported as what it is.
        let (message, hint) = match ctx.project.changelogs.iter().find(|c| **c != path) {
            Some(other) => (
                format!(
                    "{} does not exist; the repository keeps its changelog in {} ({})",
                    path.display(),
                    crate::workspace_fs::slash(other),
                    crate::project::changelogs::format_of(other)
                ),
                format!(
                    "set `changelog = \"{}\"` under the policy's files table, then run `pyrel generate`",
                    crate::workspace_fs::slash(other)
                ),
            ),
            None => (
                format!("{} does not exist", path.display()),
                "run `pyrel generate` to create it".to_string(),
            ),
        };
        out.push(
            finding(Code::Changelog, Severity::Error, message)
                .at(path.clone(), None)
                .hint(hint),
        );
        return Outcome::from_builders(out, "no changelog");
    };
    let log = match crate::changelog::parse(&text) {
        Ok(log) => log,
        Err(e) => {
            let mut b = finding(Code::Changelog, Severity::Error, e.message.clone())
                .at(path.clone(), e.line);
            if let Some(h) = &e.hint {
                b = b.hint(h.clone());
            }
            out.push(b);
            return Outcome::from_builders(out, "the changelog does not parse");
        }
    };
    let versions: Vec<&str> = ctx
        .project
        .packages
        .iter()
        .filter_map(|p| p.version())
        .collect();
    let has_section = versions.iter().any(|v| log.section(v).is_some());
    if let (false, Some(t)) = (has_section, towncrier) {
        return fragments_outcome(ctx, t, &path, out);
    }
    let unreleased_empty = crate::changelog::unreleased_is_empty(&text).unwrap_or(true);
    let format = crate::project::changelogs::format_of(&path);
    if !has_section && unreleased_empty {
        let line = log.unreleased().map(|s| s.line);
        let current = versions.first().copied().unwrap_or("the current version");
        out.push(
            finding(
                Code::Changelog,
                Severity::Warning,
                format!("no section for {current} and nothing under [Unreleased]: the next release would have no notes"),
            )
            .at(path.clone(), line)
            .hint(if format == "reStructuredText" {
                "write the next release's section (its title, then its entries) above the newest one before releasing"
            } else {
                "add entries under `## [Unreleased]` before releasing"
            }),
        );
    }
    Outcome::from_builders(
        out,
        format!(
            "{} ({format}) parses: {} release section(s)",
            path.display(),
            log.releases().len()
        ),
    )
}

/// A towncrier repository: the next release's notes are the fragments waiting in its
/// fragment directory (towncrier builds the section), not an [Unreleased] entry.
fn fragments_outcome(
    ctx: &Context,
    t: &crate::project::changelogs::Towncrier,
    path: &std::path::Path,
    mut out: Vec<FindingBuilder>,
) -> Outcome {
    let dir = crate::workspace_fs::slash(&t.directory);
    let n = crate::project::changelogs::fragments(&ctx.project.root, t).len();
    if n == 0 {
        let current = ctx
            .project
            .packages
            .iter()
            .find_map(|p| p.version())
            .unwrap_or("the current version");
        out.push(
            finding(
                Code::Changelog,
                Severity::Warning,
                format!(
                    "no towncrier fragment in {dir}/ and no section for {current} in {}: the next release would have no notes",
                    path.display()
                ),
            )
            .at(t.directory.clone(), None)
            .hint(format!(
                "add a fragment for the release's changes to {dir}/ (e.g. `towncrier create`)"
            )),
        );
    }
    Outcome::from_builders(
        out,
        format!(
            "towncrier builds {} from {dir}/ ({n} fragment(s) waiting)",
            path.display()
        ),
    )
}
