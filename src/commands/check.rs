//! `pyrel check`: build, twine-check, inspect, install and import every package the next
//! release publishes, as the release workflow does (the steps live in `crate::check`).

use std::path::Path;

use serde::Serialize;

use super::Outcome;
use crate::check::{self, Options, PackageReport};
use crate::cli::{CheckArgs, Format};
use crate::error::Result;
use crate::{policy, project};

/// The `pyrel-check/1` document (docs/check-schema.json).
#[derive(Serialize)]
struct CheckDoc<'a> {
    schema: &'static str,
    root: String,
    packages: &'a [PackageReport],
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    packages: usize,
    problems: usize,
}

pub(crate) fn run(dir: &Path, args: &CheckArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    let policy = match policy::load(&project)? {
        (p, Some(_)) => p,
        // Before `pyrel init`: check the release init would set up.
        (_, None) => policy::proposed(&project).0,
    };
    let human = args.format == Format::Human;
    let reports = {
        // One line on a terminal that each step replaces (none in a pipe or with --quiet).
        let current = std::cell::RefCell::new(None);
        let progress = |step: &str| {
            if human {
                current.replace(None);
                current.replace(Some(crate::term::Progress::start(&format!(
                    "pyrel check: {step}"
                ))));
            }
        };
        check::check(
            &project,
            &policy,
            &Options {
                packages: &args.package.iter().cloned().collect::<Vec<_>>(),
                install: !args.no_install,
            },
            &progress,
        )?
    };
    let problems: usize = reports.iter().map(|r| r.findings.len()).sum();
    match args.format {
        Format::Json => {
            let doc = CheckDoc {
                schema: "pyrel-check/1",
                root: project.root.display().to_string(),
                packages: &reports,
                summary: Summary {
                    packages: reports.len(),
                    problems,
                },
            };
            out!("{}", crate::report::documents::to_string(&doc));
        }
        Format::Human => print_human(&reports, problems, args.no_install),
    }
    Ok(if problems == 0 {
        Outcome::Success
    } else {
        Outcome::Failure
    })
}

fn print_human(reports: &[PackageReport], problems: usize, no_install: bool) {
    let red = console::Style::new().red().bold();
    let green = console::Style::new().green();
    for r in reports {
        let version = r.version.as_deref().unwrap_or("(version set by the build)");
        if r.findings.is_empty() {
            let how = match (&r.install, no_install) {
                (_, true) => "install not checked (--no-install)".to_owned(),
                (Some(how), _) => format!("installs and {how}"),
                (None, _) => "installs".to_owned(),
            };
            outln!(
                "{} {} {version}: {}; {how}",
                green.apply_to("ok"),
                r.name,
                r.files.join(", ")
            );
            continue;
        }
        outln!("{} {} {version} ({})", red.apply_to("FAIL"), r.name, r.dir);
        for f in &r.findings {
            let at = match (&f.path, f.line) {
                (Some(p), Some(l)) => format!("{p}:{l}: "),
                (Some(p), None) => format!("{p}: "),
                _ => String::new(),
            };
            let mut lines = f.message.lines();
            outln!("  {at}{} [{}]", lines.next().unwrap_or(""), f.id);
            for l in lines {
                outln!("      {l}");
            }
            if let Some(h) = &f.hint {
                outln!("    hint: {h}");
            }
        }
    }
    if problems == 0 {
        outln!("{} package(s) ready to release", reports.len());
    } else {
        outln!(
            "{problems} problem(s) in {} of {} package(s): a release now would fail or publish them",
            reports.iter().filter(|r| !r.findings.is_empty()).count(),
            reports.len()
        );
    }
}
