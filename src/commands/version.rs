//! `pyrel version`: the current version of every package.

use std::path::Path;

use super::Outcome;
use crate::cli::{Format, VersionArgs};
use crate::error::{Error, Result};
use crate::project;
use crate::workspace_fs::slash;

pub fn run(dir: &Path, args: &VersionArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    match args.format {
        Format::Human => {
            let width = project
                .packages
                .iter()
                .map(|p| p.name.len())
                .max()
                .unwrap_or(0);
            for p in &project.packages {
                let v = match (&p.scheme, p.version()) {
                    (project::VersionScheme::Vcs { .. }, _) => "(from git tags)".to_string(),
                    (_, Some(v)) => v.to_string(),
                    (_, None) => "(no version)".to_string(),
                };
                println!("{:<width$}  {v}", p.name);
            }
        }
        Format::Json => {
            let packages: Vec<_> = project
                .packages
                .iter()
                .map(|p| {
                    serde_json::json!({
                        "name": p.name,
                        "version": p.version(),
                        "dir": slash(&p.dir),
                        "scheme": p.scheme,
                        "sources": p.version_sources.iter().map(|s| serde_json::json!({
                            "kind": s.kind, "path": slash(&s.path), "line": s.line, "value": s.value,
                        })).collect::<Vec<_>>(),
                    })
                })
                .collect();
            let out = serde_json::json!({ "packages": packages });
            println!(
                "{}",
                serde_json::to_string_pretty(&out)
                    .map_err(|e| Error::usage(format!("internal error: {e}"), None))?
            );
        }
    }
    Ok(Outcome::Success)
}
