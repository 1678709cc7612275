//! `--format json`: the versioned `pyrel-doctor/1` document of DESIGN.md, filled from the
//! internal report so internal refactors never change what scripts read.
//! `docs/doctor-schema.json` is its JSON Schema.

use serde::Serialize;

use crate::doctor::{display_path, Report, Summary};

/// The schema id; bumped only on an incompatible change.
pub(crate) const SCHEMA: &str = "pyrel-doctor/1";

#[derive(Debug, Serialize)]
pub(crate) struct JsonReport {
    pub(crate) schema: &'static str,
    pub(crate) root: String,
    pub(crate) checks: Vec<JsonCheck>,
    pub(crate) findings: Vec<JsonFinding>,
    pub(crate) summary: Summary,
}

#[derive(Debug, Serialize)]
pub(crate) struct JsonCheck {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) status: &'static str,
    pub(crate) reason: String,
}

#[derive(Debug, Serialize)]
pub(crate) struct JsonFinding {
    pub(crate) id: &'static str,
    pub(crate) name: &'static str,
    pub(crate) severity: &'static str,
    pub(crate) path: String,
    /// 1-based; `null` when the finding is about a whole file.
    pub(crate) line: Option<usize>,
    pub(crate) message: String,
    /// `null` when there is nothing more to say than the message.
    pub(crate) hint: Option<String>,
}

pub(crate) fn to_json(report: &Report) -> JsonReport {
    JsonReport {
        schema: SCHEMA,
        root: report.root.display().to_string(),
        checks: report
            .checks
            .iter()
            .map(|c| JsonCheck {
                id: c.code.id(),
                name: c.code.name(),
                status: c.status.as_str(),
                reason: c.reason.clone(),
            })
            .collect(),
        findings: report
            .findings()
            .map(|f| JsonFinding {
                id: f.code.id(),
                name: f.code.name(),
                severity: f.severity.as_str(),
                path: display_path(&f.location.path),
                line: f.location.line,
                message: f.message.clone(),
                hint: f.hint.clone(),
            })
            .collect(),
        summary: report.summary(),
    }
}

pub(crate) fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&to_json(report))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
