//! Output renderers: terminal, json, sarif. Output is kept apart from the checks: a
//! renderer only reads a [`crate::doctor::Report`].
//!
//! Every rendered text passes through [`crate::remote::redact`] with the secrets of the
//! run before it is returned: a last line of defence, so that no token reaches any output
//! even if a message somewhere quoted one.

pub mod json;
pub mod sarif;
pub mod terminal;

use crate::doctor::Report;
use crate::remote::Secret;

/// An output format of `pyrel doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Terminal,
    Json,
    Sarif,
}

/// The report in `format`, redacted.
pub fn render(report: &Report, format: Format, secrets: &[&Secret]) -> String {
    let text = match format {
        Format::Terminal => terminal::render(report),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
    };
    crate::remote::redact(&text, secrets)
}
