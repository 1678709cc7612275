//! PR101 version-format: every version is valid PEP 440, in its normalized spelling.

use super::Check;
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};
use crate::project::{SkipReason, SourceKind, VersionScheme};
use crate::version;

pub(crate) const CHECK: Check = Check {
    code: Code::VersionFormat,
    online: false,
    summary: "Every version is valid PEP 440 and written in its normalized form.",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  Every literal version of every package (pyproject, setup.py, setup.cfg, __version__,
  hatch version files) parses as a PEP 440 version, is not a local version (`+abc`),
  and is written in the normalized spelling (`1.0.0rc1`, not `1.0.0-RC1`). A package
  without any version is reported too, and so is a version file reached through a
  symbolic link, which a bump refuses to write.

Why it matters
  PyPI refuses invalid and local versions, so the release fails after the tag is pushed.
  A non-normalized spelling works, but PyPI, wheel file names and tags then disagree
  with what is in the repo.

How to fix
  Use `pyrel bump patch` (or an explicit `pyrel bump X`) to set a valid version everywhere, or write
  the normalized form shown in the finding.
";

fn run(ctx: &Context) -> Outcome {
    let mut out: Vec<FindingBuilder> = Vec::new();
    let mut seen = 0;
    // Directories found not to be symlinks: packages share their parents.
    let mut dirs = std::collections::HashSet::new();
    for pkg in &ctx.project.packages {
        let problem = ctx
            .project
            .problems
            .iter()
            .find(|p| p.package.as_deref() == Some(pkg.name.as_str()));
        if let (VersionScheme::Missing, Some(pr)) = (&pkg.scheme, problem) {
            let mut b = finding(
                Code::VersionFormat,
                Severity::Error,
                format!("package {}: version unreadable: {}", pkg.name, pr.message),
            )
            .at(pr.path.clone(), pr.line);
            if let Some(h) = &pr.hint {
                b = b.hint(h.clone());
            }
            out.push(b);
        } else if pkg.scheme == VersionScheme::Missing {
            out.push(
                finding(
                    Code::VersionFormat,
                    Severity::Error,
                    format!("package {} has no version", pkg.name),
                )
                .at(pkg.manifest.clone(), None)
                .hint("set `version = \"0.1.0\"` in [project], or configure a dynamic version"),
            );
        }
        for src in &pkg.version_sources {
            seen += 1;
            let at = |b: FindingBuilder| b.at(src.path.clone(), Some(src.line));
            // A version file shared through a symlink (every package's VERSION.txt
            // pointing at one file) reads fine, but a bump never writes through a link.
            if let Err(m) =
                crate::workspace_fs::no_symlink_below_known(&ctx.project.root, &src.path, &mut dirs)
            {
                out.push(
                    at(finding(
                        Code::VersionFormat,
                        Severity::Error,
                        format!(
                            "package {}: {m}, so `pyrel bump` and the bump script refuse to write its version",
                            pkg.name
                        ),
                    ))
                    .hint("replace the symlink with a real file (one per package), then `pyrel bump` keeps them in step"),
                );
            }
            match version::parse(&src.value) {
                Err(e) => out.push(
                    at(finding(Code::VersionFormat, Severity::Error, e.to_string())).hint(e.hint()),
                ),
                Ok(v) if v.is_local() => out.push(
                    at(finding(
                        Code::VersionFormat,
                        Severity::Error,
                        format!(
                            "`{}` is a local version; PyPI refuses local versions",
                            src.value
                        ),
                    ))
                    .hint("drop the `+...` part"),
                ),
                // Cargo.toml holds Cargo's (SemVer) spelling, which maturin turns into
                // PEP 440 (`1.0.0-beta.1` is `1.0.0b1`): no spelling to fix there.
                Ok(v)
                    if !version::is_normalized(&src.value)
                        && !matches!(src.kind, SourceKind::Cargo | SourceKind::CargoWorkspace) =>
                {
                    out.push(
                        at(finding(
                            Code::VersionFormat,
                            Severity::Warning,
                            format!(
                                "`{}` is not in normalized form; PyPI will show `{v}`",
                                src.value
                            ),
                        ))
                        .hint(format!("write `{v}`")),
                    )
                }
                Ok(_) => {}
            }
        }
    }
    // Projects discovery could not read at all (malformed manifest, computed name).
    for pr in ctx.project.problems.iter().filter(|p| p.package.is_none()) {
        let mut b = finding(
            Code::VersionFormat,
            Severity::Error,
            format!("project unreadable: {}", pr.message),
        )
        .at(pr.path.clone(), pr.line);
        if let Some(h) = &pr.hint {
            b = b.hint(h.clone());
        }
        out.push(b);
    }
    for sk in &ctx.project.skipped {
        if sk.reason == SkipReason::Private {
            out.push(
                finding(
                    Code::VersionFormat,
                    Severity::Info,
                    format!(
                        "package {} is marked `Private :: Do Not Upload`: pyrel does not release it",
                        sk.name
                    ),
                )
                .at(sk.manifest.clone(), None),
            );
        }
    }
    Outcome::from_builders(out, format!("{seen} version source(s) checked"))
}
