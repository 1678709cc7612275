//! `--format json`: the versioned `pyrel-doctor/1` document of DESIGN.md, filled from the
//! internal report so internal refactors never change what scripts read.
//! `docs/doctor-schema.json` is its JSON Schema.

use serde::Serialize;

use crate::doctor::{display_path, Report, Summary};

/// The schema id; bumped only on an incompatible change.
pub const SCHEMA: &str = "pyrel-doctor/1";

#[derive(Debug, Serialize)]
pub struct JsonReport {
    pub schema: &'static str,
    pub root: String,
    pub checks: Vec<JsonCheck>,
    pub findings: Vec<JsonFinding>,
    pub summary: Summary,
}

#[derive(Debug, Serialize)]
pub struct JsonCheck {
    pub id: &'static str,
    pub name: &'static str,
    pub status: &'static str,
    pub reason: String,
}

#[derive(Debug, Serialize)]
pub struct JsonFinding {
    pub id: &'static str,
    pub name: &'static str,
    pub severity: &'static str,
    pub path: String,
    /// 1-based; `null` when the finding is about a whole file.
    pub line: Option<usize>,
    pub message: String,
    /// `null` when there is nothing more to say than the message.
    pub hint: Option<String>,
}

pub fn to_json(report: &Report) -> JsonReport {
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

pub fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&to_json(report))
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    s.push('\n');
    s
}
