//! `--format sarif`: SARIF 2.1.0, as GitHub code scanning loads it. One rule per check
//! (its documentation is the rule's help), one result per finding.

use serde_json::{json, Value};

use crate::doctor::{checks::check, display_path, Code, Report, Severity};

const SCHEMA_URI: &str = "https://json.schemastore.org/sarif-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

fn rule(code: Code) -> Value {
    let (summary, docs) = check(code).map_or(("", ""), |c| (c.summary, c.docs.trim()));
    json!({
        "id": code.id(),
        "name": code.name(),
        "shortDescription": {"text": summary},
        "fullDescription": {"text": summary},
        "help": {"text": docs},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["release-engineering"]},
    })
}

pub(crate) fn to_sarif(report: &Report) -> Value {
    let rules: Vec<Value> = Code::ALL.iter().map(|c| rule(*c)).collect();
    let results: Vec<Value> = report
        .findings()
        .map(|f| {
            let index = Code::ALL.iter().position(|c| *c == f.code).unwrap_or(0);
            let mut physical = json!({
                "artifactLocation": {"uri": display_path(&f.location.path), "uriBaseId": "%SRCROOT%"},
            });
            if let Some(line) = f.location.line {
                physical["region"] = json!({"startLine": line});
            }
            let text = match &f.hint {
                Some(h) => format!("{} (hint: {h})", f.message),
                None => f.message.clone(),
            };
            json!({
                "ruleId": f.code.id(),
                "ruleIndex": index,
                "level": level(f.severity),
                "message": {"text": text},
                "locations": [{"physicalLocation": physical}],
            })
        })
        .collect();
    let invocation_ok = !report.failed(false);
    json!({
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "pyrel",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/pyrel/pyrel",
                "rules": rules,
            }},
            "originalUriBaseIds": {"%SRCROOT%": {"uri": root_uri(report)}},
            "invocations": [{"executionSuccessful": true, "exitCode": if invocation_ok { 0 } else { 1 }}],
            "results": results,
        }],
    })
}

/// `file:///abs/root/` (SARIF wants the base to end with a slash).
fn root_uri(report: &Report) -> String {
    let mut path = display_path(&report.root);
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    if !path.ends_with('/') {
        path.push('/');
    }
    let encoded: String = path
        .chars()
        .map(|c| match c {
            ' ' => "%20".to_string(),
            '#' => "%23".to_string(),
            '%' => "%25".to_string(),
            '?' => "%3F".to_string(),
            c => c.to_string(),
        })
        .collect();
    format!("file://{encoded}")
}

pub(crate) fn render(report: &Report) -> String {
    let mut s = serde_json::to_string_pretty(&to_sarif(report)).unwrap_or_default();
    s.push('\n');
    s
}
