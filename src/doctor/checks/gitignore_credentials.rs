//! PR202 gitignore-credentials: `.pypirc` and `.env` are ignored by the repository.

use std::path::PathBuf;

use ignore::gitignore::GitignoreBuilder;

use super::Check;
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};

pub(crate) const CHECK: Check = Check {
    code: Code::GitignoreCredentials,
    online: false,
    summary: "`.pypirc` and `.env` are ignored by the repository's .gitignore.",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  That the repository's own .gitignore (not a personal global excludes file, which your
  teammates do not have) ignores `.pypirc` and `.env` at the root and below.

Why it matters
  Both files conventionally hold upload credentials. If git does not ignore them, one
  `git add .` publishes a token.

How to fix
  Run `pyrel generate`: it keeps a marked block with these lines in .gitignore. Or add
  `.pypirc` and `.env` to .gitignore yourself.
";

const FILES: &[&str] = &[".pypirc", ".env"];

fn run(ctx: &Context) -> Outcome {
    let root = &ctx.project.root;
    let rel: PathBuf = ctx
        .policy
        .files
        .gitignore
        .clone()
        .unwrap_or_else(|| ".gitignore".into());
    let mut builder = GitignoreBuilder::new(root);
    let exists = root.join(&rel).is_file();
    if exists {
        if let Some(e) = builder.add(root.join(&rel)) {
            return Outcome::Unknown(format!("{} could not be read: {e}", rel.display()));
        }
    }
    let matcher = match builder.build() {
        Ok(m) => m,
        Err(e) => return Outcome::Unknown(format!("{}: {e}", rel.display())),
    };
    let mut out: Vec<FindingBuilder> = Vec::new();
    for name in FILES {
        for probe in [root.join(name), root.join("sub").join(name)] {
            if !matcher
                .matched_path_or_any_parents(&probe, false)
                .is_ignore()
            {
                let line = ctx.read(&rel).map(|t| t.lines().count()).filter(|n| *n > 0);
                out.push(
                    finding(
                        Code::GitignoreCredentials,
                        Severity::Error,
                        if exists {
                            format!("{name} is not ignored by {}", rel.display())
                        } else {
                            format!("there is no {} to ignore {name}", rel.display())
                        },
                    )
                    .at(rel.clone(), line)
                    .hint(format!(
                        "run `pyrel generate`, or add `{name}` to {}",
                        rel.display()
                    )),
                );
                break;
            }
        }
    }
    Outcome::from_builders(
        out,
        format!("{} checked in {}", FILES.join(" and "), rel.display()),
    )
}
