//! Output renderers: terminal, json, sarif. Output is kept apart from the checks: a
//! renderer only reads a [`crate::doctor::Report`].
//!
//! Every rendered text passes through [`crate::remote::redact`] with the secrets of the
//! run before it is returned: a last line of defence, so that no token reaches any output
//! even if a message somewhere quoted one.

pub(crate) mod docs;
pub(crate) mod documents;
pub(crate) mod github;
pub(crate) mod json;
pub(crate) mod sarif;
pub(crate) mod terminal;

use crate::doctor::Report;
use crate::remote::Secret;
pub(crate) use crate::term::{quiet, set_verbosity, verbose, Progress, Verbosity};

/// An output format of `pyrel doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Format {
    Terminal,
    Json,
    Sarif,
    Github,
}

/// The report in `format`, redacted.
pub(crate) fn render(report: &Report, format: Format, secrets: &[&Secret]) -> String {
    let text = match format {
        Format::Terminal => terminal::render(report),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
    };
    crate::remote::redact(&text, secrets)
}

/// The `--verbose` lines every verb starts with: the repository root and the policy file.
pub(crate) fn verbose_where(root: &std::path::Path, policy: Option<&crate::policy::PolicySource>) {
    verbose(format_args!("root {}", root.display()));
    match policy {
        Some(crate::policy::PolicySource::Pyproject(p)) => {
            verbose(format_args!("policy [tool.pyrel] in {}", p.display()))
        }
        Some(crate::policy::PolicySource::PyrelToml(p)) => {
            verbose(format_args!("policy {}", p.display()))
        }
        None => verbose("no policy: defaults"),
    }
}
