//! `--format github`: GitHub Actions workflow commands, one per finding, so that a doctor
//! run in a workflow annotates the pull request (`::error file=…,line=…,title=…::message`).
//!
//! Escaping follows GitHub's runner (`ActionCommand`): in the message `%`, `\r` and `\n`
//! are percent-encoded; in a property value `:` and `,` are too, since they delimit the
//! properties. Nothing else is touched, so the annotation shows the text as written.

use std::fmt::Write;

use crate::doctor::{display_path, Report, Severity, Status};

/// The message part of a workflow command.
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// A property value (`file=`, `title=` …) of a workflow command.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

fn command(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    }
}

pub(crate) fn render(report: &Report) -> String {
    let mut out = String::new();
    for f in report.findings() {
        let mut props = format!("file={}", escape_property(&display_path(&f.location.path)));
        if let Some(line) = f.location.line {
            let _ = write!(props, ",line={line}");
        }
        let _ = write!(
            props,
            ",title={}",
            escape_property(&format!("{} {}", f.code.id(), f.code.name()))
        );
        let message = match &f.hint {
            Some(h) => format!("{}\nhint: {h}", f.message),
            None => f.message.clone(),
        };
        let _ = writeln!(
            out,
            "::{} {props}::{}",
            command(f.severity),
            escape_data(&message)
        );
    }
    // A check that could not be answered is never a pass: say so where it is seen.
    for c in report.checks.iter().filter(|c| c.status == Status::Unknown) {
        let _ = writeln!(
            out,
            "::warning title={}::{}",
            escape_property(&format!("{} {} unknown", c.code.id(), c.code.name())),
            escape_data(&format!("could not be answered: {}", c.reason))
        );
    }
    let s = report.summary();
    let _ = writeln!(
        out,
        "pyrel doctor: {} error(s), {} warning(s), {} note(s)",
        s.errors, s.warnings, s.infos
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_and_properties_are_escaped_as_the_runner_decodes_them() {
        assert_eq!(escape_data("50% a:b,c\r\nd"), "50%25 a:b,c%0D%0Ad");
        assert_eq!(escape_property("50% a:b,c\r\nd"), "50%25 a%3Ab%2Cc%0D%0Ad");
        // `%` first: an already encoded sequence is not decoded by GitHub into a newline.
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
