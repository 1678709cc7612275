//! PR002 policy: the policy parses and fits the repository.

use super::Check;
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};
use crate::error::Error;
use crate::policy::Level;

pub(crate) const CHECK: Check = Check {
    code: Code::Policy,
    online: false,
    summary: "The pyrel policy parses and is consistent with the repository.",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  That there is a policy ([tool.pyrel] in pyproject.toml, or pyrel.toml), that every key
  is known and well-typed, and that it fits the repository: packages exist, a release
  gated on the repo's own checks names those checks, tag formats suit the versioning.

Why it matters
  Every generated file and every other doctor check is derived from the policy. A typo
  in a key would otherwise silently fall back to a default.

How to fix
  Run `pyrel init` when there is no policy. Otherwise fix the key named in the finding
  (the hint suggests the closest known key); `pyrel doctor --explain policy` lists what
  is checked.
";

fn run(ctx: &Context) -> Outcome {
    let mut out: Vec<FindingBuilder> = Vec::new();
    if let Some(e) = &ctx.policy_error {
        let (path, line) = match e {
            Error::Policy { path, line, .. } | Error::Parse { path, line, .. } => {
                (path.clone(), *line)
            }
            _ => (ctx.policy_path(), None),
        };
        let message = match e {
            Error::Policy { message, .. } | Error::Parse { message, .. } => message.clone(),
            other => other.to_string(),
        };
        let mut b = finding(Code::Policy, Severity::Error, message).at(path, line);
        if let Some(h) = e.hint() {
            b = b.hint(h);
        }
        out.push(b);
        return Outcome::from_builders(out, "the policy does not load");
    }
    let Some(source) = &ctx.policy_source else {
        out.push(
            finding(
                Code::Policy,
                Severity::Error,
                "no pyrel policy in this repository",
            )
            .at(ctx.policy_path(), None)
            .hint("run `pyrel init` to detect the setup and write one"),
        );
        return Outcome::from_builders(out, "no policy");
    };
    let path = source.path().to_path_buf();
    // The same validator `pyrel generate` and `pyrel bump` load the policy with.
    for problem in crate::policy::problems(&ctx.policy, &ctx.project) {
        let severity = match problem.level {
            Level::Error => Severity::Error,
            Level::Warning => Severity::Warning,
            Level::Info => Severity::Info,
        };
        let line = problem
            .key
            .and_then(|k| ctx.policy_line(k.rsplit('.').next().unwrap_or(k)));
        let mut b = finding(Code::Policy, severity, problem.message).at(path.clone(), line);
        if let Some(h) = problem.hint {
            b = b.hint(h);
        }
        out.push(b);
    }
    // Two publishers: a release would upload twice (the second upload fails, or one
    // publishes what the other did not check).
    // Only publishers that can run on the same event: a manual-only upload next to a
    // tag-triggered release, or two workflows for tags of different packages, is fine.
    let publishers = crate::project::choices::publishers(&ctx.project, |rel| ctx.workflow(rel));
    let clash = publishers.iter().enumerate().find_map(|(i, a)| {
        publishers[i + 1..].iter().find_map(|b| {
            crate::project::choices::shared_trigger(&a.triggers, &b.triggers).map(|t| (a, b, t))
        })
    });
    if let Some((a, b, trigger)) = clash {
        let (a_name, b_name) = (
            crate::workspace_fs::slash(&a.path),
            crate::workspace_fs::slash(&b.path),
        );
        out.push(
            finding(
                Code::Policy,
                Severity::Error,
                format!(
                    "2 workflows publish to PyPI: {a_name} and {b_name}, both on {}",
                    trigger.describe()
                ),
            )
            .at(b.path.clone(), None)
            .hint("keep one publisher: remove the upload from the others, or point files.release-workflow at the one pyrel should manage"),
        );
    }
    let n = ctx.project.packages.len();
    Outcome::from_builders(
        out,
        format!("policy in {} loads; {n} package(s)", path.display()),
    )
}
