//! `pyrel doctor`: checks, findings, registry.
//!
//! A check is a free function over a read-only [`Context`] that returns an [`Outcome`];
//! its metadata (code, summary, online or not, documentation) sits on one line at the top
//! of its file under `checks/`, and [`checks::REGISTRY`] lists them all. Checks never
//! print: [`run`] collects a [`Report`] and `crate::report` renders it.
//!
//! A [`Finding`] can only be built with a location ([`FindingBuilder::build`] fails
//! without one), so every finding points at a file the user can open.

pub(crate) mod checks;
pub(crate) use crate::codes;
mod context;

use std::path::{Path, PathBuf};

use serde::Serialize;

pub(crate) use checks::Check;
pub use checks::REGISTRY;
pub(crate) use codes::Code;
pub(crate) use context::{Context, CredentialScan, Online};

/// How bad a finding is. Errors fail the run (exit 1); warnings only with `--strict`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Severity {
    Error,
    Warning,
    Info,
}

impl Severity {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        }
    }
}

/// The answer of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Status {
    /// Ran and found no error or warning.
    Pass,
    /// Ran and found at least one error.
    Fail,
    /// Ran and found warnings but no error: exit 0 unless `--strict`.
    Warn,
    /// Not run: `--offline`, not selected, ignored, or nothing to check.
    Skip,
    /// Could not be answered (no token, 403, network down). Never a pass.
    Unknown,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Warn => "warn",
            Status::Skip => "skip",
            Status::Unknown => "unknown",
        }
    }
}

/// Where a finding points: a file relative to the root, and a 1-based line when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Location {
    pub(crate) path: PathBuf,
    pub(crate) line: Option<usize>,
}

/// One problem (or note) found by a check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    pub(crate) code: Code,
    pub(crate) severity: Severity,
    pub(crate) location: Location,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
    /// Extra text for the terminal only, e.g. the unified diff of a drifted file.
    pub(crate) detail: Option<String>,
}

/// A finding under construction: `finding(code, severity, message).at(path, line).build()`.
#[derive(Debug, Clone)]
#[must_use]
pub(crate) struct FindingBuilder {
    code: Code,
    severity: Severity,
    message: String,
    hint: Option<String>,
    detail: Option<String>,
    location: Option<Location>,
}

/// A finding without a location: a bug in the check that built it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: a finding needs a location (\"{message}\")")]
pub(crate) struct MissingLocation {
    pub(crate) code: Code,
    pub(crate) message: String,
}

/// Starts a finding.
pub(crate) fn finding(
    code: Code,
    severity: Severity,
    message: impl Into<String>,
) -> FindingBuilder {
    FindingBuilder {
        code,
        severity,
        message: message.into(),
        hint: None,
        detail: None,
        location: None,
    }
}

impl FindingBuilder {
    /// The primary location: a path relative to the repository root and a 1-based line.
    pub(crate) fn at(mut self, path: impl Into<PathBuf>, line: Option<usize>) -> Self {
        self.location = Some(Location {
            path: path.into(),
            line: line.filter(|l| *l > 0),
        });
        self
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    /// The finding; fails when no location was given.
    pub(crate) fn build(self) -> Result<Finding, MissingLocation> {
        let Some(location) = self.location else {
            return Err(MissingLocation {
                code: self.code,
                message: self.message,
            });
        };
        Ok(Finding {
            code: self.code,
            severity: self.severity,
            location,
            message: self.message,
            hint: self.hint,
            detail: self.detail,
        })
    }
}

/// What a check function returns.
#[derive(Debug, Clone)]
pub(crate) enum Outcome {
    /// The check ran. No error or warning among the findings means pass; `reason` says
    /// what was looked at ("4 managed files are current").
    Ran {
        findings: Vec<Finding>,
        reason: String,
    },
    /// Nothing to check here (no git tag at HEAD, no packages with a static version).
    Skip(String),
    /// The question could not be answered; the text says why and how to get an answer.
    Unknown(String),
}

impl Outcome {
    pub(crate) fn ran(findings: Vec<Finding>, reason: impl Into<String>) -> Self {
        Outcome::Ran {
            findings,
            reason: reason.into(),
        }
    }

    /// Findings built with [`FindingBuilder`]; a builder without a location becomes an
    /// `unknown` naming the bug rather than a crash.
    pub(crate) fn from_builders(builders: Vec<FindingBuilder>, reason: impl Into<String>) -> Self {
        let mut findings = Vec::with_capacity(builders.len());
        for b in builders {
            match b.build() {
                Ok(f) => findings.push(f),
                Err(e) => return Outcome::Unknown(format!("internal error: {e}")),
            }
        }
        Outcome::ran(findings, reason)
    }
}

/// The result of one check in the report.
#[derive(Debug, Clone)]
pub(crate) struct CheckResult {
    pub(crate) code: Code,
    pub(crate) status: Status,
    pub(crate) reason: String,
    pub(crate) findings: Vec<Finding>,
}

/// Everything one doctor run found.
#[derive(Debug, Clone)]
pub(crate) struct Report {
    /// Absolute path of the repository root.
    pub(crate) root: PathBuf,
    /// One per registered check, in registry order.
    pub(crate) checks: Vec<CheckResult>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Summary {
    pub(crate) errors: usize,
    pub(crate) warnings: usize,
    pub(crate) infos: usize,
}

impl Report {
    pub(crate) fn findings(&self) -> impl Iterator<Item = &Finding> {
        self.checks.iter().flat_map(|c| c.findings.iter())
    }

    pub(crate) fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for f in self.findings() {
            match f.severity {
                Severity::Error => s.errors += 1,
                Severity::Warning => s.warnings += 1,
                Severity::Info => s.infos += 1,
            }
        }
        s
    }

    /// Exit status 1 is due: an error finding, or a warning under `--strict`.
    pub(crate) fn failed(&self, strict: bool) -> bool {
        let s = self.summary();
        s.errors > 0 || (strict && s.warnings > 0)
    }

    pub(crate) fn count(&self, status: Status) -> usize {
        self.checks.iter().filter(|c| c.status == status).count()
    }
}

/// Which checks run, and why the others do not.
#[derive(Debug, Clone, Default)]
pub(crate) struct Selection {
    /// Empty: every check.
    pub(crate) select: Vec<Code>,
    /// From `--ignore`.
    pub(crate) ignore: Vec<Code>,
    /// From the policy's `doctor-ignore`, with the reason given there.
    pub(crate) policy_ignores: Vec<(Code, String)>,
    /// `--offline`: online checks are skipped.
    pub(crate) offline: bool,
}

impl Selection {
    /// Why a check does not run, or `None` when it does.
    fn skip_reason(&self, check: &Check) -> Option<String> {
        if !self.select.is_empty() && !self.select.contains(&check.code) {
            return Some("not selected (--select)".into());
        }
        if self.ignore.contains(&check.code) {
            return Some("ignored (--ignore)".into());
        }
        if let Some((_, reason)) = self.policy_ignores.iter().find(|(c, _)| *c == check.code) {
            return Some(format!("ignored by the policy: {reason}"));
        }
        if self.offline && check.online {
            return Some("offline (--offline)".into());
        }
        None
    }
}

/// Parses `--select` / `--ignore` values (ids or names, comma-separated allowed).
pub(crate) fn parse_codes(values: &[String], flag: &str) -> crate::Result<Vec<Code>> {
    let mut out = Vec::new();
    for value in values.iter().flat_map(|v| v.split(',')) {
        let value = value.trim();
        if value.is_empty() {
            continue;
        }
        match Code::lookup(value) {
            Some(c) => out.push(c),
            None => {
                let hint = Code::suggest(value)
                    .map(|c| format!("did you mean `{}`?", c.name()))
                    .unwrap_or_else(|| "see `pyrel doctor --explain` for the list".into());
                return Err(crate::Error::Usage {
                    message: format!("{flag} {value}: no such check"),
                    hint: Some(hint),
                });
            }
        }
    }
    Ok(out)
}

/// Runs every registered check: the offline ones in order with the credential scan beside
/// them, the online ones concurrently (each makes its own HTTP round trips, so the total
/// wait is the slowest one). The report keeps the registry's order.
pub(crate) fn run(ctx: &Context, selection: &Selection) -> Report {
    let mut results: Vec<Option<CheckResult>> = REGISTRY.iter().map(|_| None).collect();
    let mut online_jobs: Vec<(usize, &Check)> = Vec::new();
    let mut offline_jobs: Vec<(usize, &Check)> = Vec::new();
    for (i, check) in REGISTRY.iter().enumerate() {
        if let Some(reason) = selection.skip_reason(check) {
            results[i] = Some(CheckResult {
                code: check.code,
                status: Status::Skip,
                reason,
                findings: Vec::new(),
            });
        } else if check.online {
            online_jobs.push((i, check));
        } else {
            offline_jobs.push((i, check));
        }
    }
    // The credential scan (file I/O, little memory) runs beside the other offline checks,
    // which run one after the other: each of those holds a whole rendered plan or parsed
    // workflow, and side by side their peaks would add up.
    let (beside, inline): (Vec<_>, Vec<_>) = offline_jobs
        .into_iter()
        .partition(|(_, check)| check.code == Code::CommittedCredential);
    std::thread::scope(|s| {
        // A thread that cannot be started leaves its check to run inline, after the others.
        let running: Vec<_> = beside
            .iter()
            .map(|&(i, check)| {
                let thread =
                    std::thread::Builder::new().spawn_scoped(s, move || evaluate(check, ctx));
                (i, check, thread.ok())
            })
            .collect();
        for (i, check) in inline {
            results[i] = Some(evaluate(check, ctx));
        }
        for (i, check, thread) in running {
            results[i] = Some(match thread {
                // A check that panics is a bug: fail as loudly as it would have inline.
                Some(t) => t
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                None => evaluate(check, ctx),
            });
        }
    });
    let jobs: Vec<crate::remote::Job<'_, CheckResult>> = online_jobs
        .iter()
        .map(|(_, check)| {
            let check: &Check = check;
            Box::new(move || evaluate(check, ctx)) as crate::remote::Job<'_, CheckResult>
        })
        .collect();
    for ((i, _), result) in online_jobs
        .iter()
        .zip(crate::remote::run_concurrently(jobs))
    {
        results[*i] = Some(result);
    }
    Report {
        root: ctx.project.root.clone(),
        checks: results.into_iter().flatten().collect(),
    }
}

fn evaluate(check: &Check, ctx: &Context) -> CheckResult {
    let started = std::time::Instant::now();
    let outcome = (check.run)(ctx);
    // `pyrel -v doctor` says where the time goes, check by check.
    crate::term::verbose(format_args!(
        "{} {} in {:.1} ms",
        check.code.id(),
        check.code.name(),
        started.elapsed().as_secs_f64() * 1000.0
    ));
    match outcome {
        Outcome::Ran {
            mut findings,
            reason,
        } => {
            findings.sort_by(|a, b| {
                (a.severity, &a.location.path, a.location.line).cmp(&(
                    b.severity,
                    &b.location.path,
                    b.location.line,
                ))
            });
            let worst = findings.iter().map(|f| f.severity).min();
            CheckResult {
                code: check.code,
                status: match worst {
                    Some(Severity::Error) => Status::Fail,
                    Some(Severity::Warning) => Status::Warn,
                    Some(Severity::Info) | None => Status::Pass,
                },
                reason,
                findings,
            }
        }
        Outcome::Skip(reason) => CheckResult {
            code: check.code,
            status: Status::Skip,
            reason,
            findings: Vec::new(),
        },
        Outcome::Unknown(reason) => CheckResult {
            code: check.code,
            status: Status::Unknown,
            reason,
            findings: Vec::new(),
        },
    }
}

/// The 1-based line of the first line of `text` containing `needle`, at or after line
/// `from` (1-based). Checks use it to point into files they parsed without spans (YAML).
pub(crate) fn find_line(text: &str, needle: &str, from: usize) -> Option<usize> {
    text.lines()
        .enumerate()
        .skip(from.saturating_sub(1))
        .find(|(_, l)| l.contains(needle))
        .map(|(i, _)| i + 1)
}

/// A path for display and JSON: forward slashes, relative to the root.
pub(crate) fn display_path(path: &Path) -> String {
    crate::workspace_fs::slash(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_finding_without_location_does_not_build() {
        let e = finding(Code::Policy, Severity::Error, "x")
            .build()
            .unwrap_err();
        assert_eq!(e.code, Code::Policy);
        let f = finding(Code::Policy, Severity::Error, "x")
            .at("pyrel.toml", Some(3))
            .hint("h")
            .build()
            .unwrap();
        assert_eq!(f.location.line, Some(3));
        let o = Outcome::from_builders(vec![finding(Code::Policy, Severity::Error, "x")], "r");
        assert!(matches!(o, Outcome::Unknown(m) if m.contains("needs a location")));
    }

    #[test]
    fn codes_parse_by_id_or_name_and_typos_are_usage_errors() {
        let codes =
            parse_codes(&["PR001,version-sync".into(), "policy".into()], "--select").unwrap();
        assert_eq!(
            codes,
            [Code::ManagedFileDrift, Code::VersionSync, Code::Policy]
        );
        let e = parse_codes(&["version-synk".into()], "--select").unwrap_err();
        assert!(e.hint().unwrap().contains("version-sync"));
    }

    #[test]
    fn find_line_is_one_based() {
        assert_eq!(find_line("a\nb\nc\nb\n", "b", 1), Some(2));
        assert_eq!(find_line("a\nb\nc\nb\n", "b", 3), Some(4));
        assert_eq!(find_line("a\n", "z", 1), None);
    }
}
