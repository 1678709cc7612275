//! The terminal report: grouped by check, every finding with file:line and a hint, a
//! one-line summary. Colours come from `console`, which `main` enables only on a terminal
//! without NO_COLOR.

use std::fmt::Write;

use console::Style;

use crate::doctor::{display_path, Report, Severity, Status};

fn status_style(s: Status) -> Style {
    match s {
        Status::Pass => Style::new().green(),
        Status::Fail => Style::new().red().bold(),
        Status::Warn => Style::new().yellow().bold(),
        Status::Skip => Style::new().dim(),
        Status::Unknown => Style::new().yellow(),
    }
}

fn severity_style(s: Severity) -> Style {
    match s {
        Severity::Error => Style::new().red().bold(),
        Severity::Warning => Style::new().yellow().bold(),
        Severity::Info => Style::new().cyan(),
    }
}

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    let dim = Style::new().dim();
    let quiet = crate::report::quiet();
    for c in &report.checks {
        // --quiet: only the checks that need attention.
        if quiet && matches!(c.status, Status::Pass | Status::Skip) {
            continue;
        }
        let _ = writeln!(
            out,
            "{:<7} {} {}  {}",
            status_style(c.status).apply_to(c.status.as_str()),
            c.code.id(),
            Style::new().bold().apply_to(c.code.name()),
            dim.apply_to(&c.reason)
        );
        for f in &c.findings {
            let loc = match f.location.line {
                Some(l) => format!("{}:{l}", display_path(&f.location.path)),
                None => display_path(&f.location.path),
            };
            let _ = writeln!(
                out,
                "  {}: {loc}: {}",
                severity_style(f.severity).apply_to(f.severity.as_str()),
                f.message
            );
            if let Some(h) = &f.hint {
                let _ = writeln!(out, "    {} {h}", Style::new().cyan().apply_to("hint:"));
            }
            if let Some(d) = f.detail.as_ref().filter(|_| !quiet) {
                for line in d.lines() {
                    let _ = writeln!(out, "    {}", dim.apply_to(line));
                }
            }
        }
    }
    let s = report.summary();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    let _ = writeln!(
        out,
        "{}{}: {}, {}, {}; checks: {} passed, {} failed, {} warned, {} unknown, {} skipped",
        if out.is_empty() { "" } else { "\n" },
        if report.failed(false) {
            Style::new().red().bold().apply_to("doctor found problems")
        } else {
            Style::new().green().bold().apply_to("doctor")
        },
        plural(s.errors, "error"),
        plural(s.warnings, "warning"),
        plural(s.infos, "note"),
        report.count(Status::Pass),
        report.count(Status::Fail),
        report.count(Status::Warn),
        report.count(Status::Unknown),
        report.count(Status::Skip),
    );
    out
}
