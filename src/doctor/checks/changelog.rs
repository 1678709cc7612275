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
  The changelog of the policy (CHANGELOG.md by default) exists, parses as Keep a
  Changelog 1.1.0, and has either a section for the current version or entries under
  `## [Unreleased]`.

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
    let Some(text) = ctx.read(&path) else {
        out.push(
            finding(
                Code::Changelog,
                Severity::Error,
                format!("{} does not exist", path.display()),
            )
            .at(path.clone(), None)
            .hint("run `pyrel generate` to create it"),
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
    let unreleased_empty = crate::changelog::unreleased_is_empty(&text).unwrap_or(true);
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
            .hint("add entries under `## [Unreleased]` before releasing"),
        );
    }
    Outcome::from_builders(
        out,
        format!(
            "{} parses: {} release section(s)",
            path.display(),
            log.releases().len()
        ),
    )
}
