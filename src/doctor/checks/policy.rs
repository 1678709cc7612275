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
  gated on the repo's own checks names those checks, and each of them comes from a job
  that runs on every commit of the default branch (no paths filter, no branch filter
  leaving it out, no job-level `if:`), tag formats suit the versioning, and no other
  workflow uploads to PyPI beside pyrel's release workflow (unless `other-publishers`
  acknowledges it): each is named with its upload jobs and their lines.

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
    out.extend(second_publishers(ctx));
    // A required check from a job that may not run on a release commit: the gate waits,
    // then fails (and branch protection waits forever on such a pull request).
    if ctx.policy.tests == crate::policy::TestsMode::Existing {
        let sources = ctx.check_sources();
        for name in &ctx.policy.required_checks {
            if let Some(why) = crate::project::choices::unfit_reason(&sources, name) {
                out.push(
                    finding(
                        Code::Policy,
                        Severity::Error,
                        format!("required check `{name}`: {why}; the release gate would wait for it, then fail"),
                    )
                    .at(path.clone(), ctx.policy_line("required-checks"))
                    .hint("require only checks of jobs that run on every push to the default branch or every pull request to it (no paths filter, no branch filter leaving it out, no job-level `if:`), or set tests = \"generate\""),
                );
            }
        }
    }
    let n = ctx.project.packages.len();
    Outcome::from_builders(
        out,
        format!("policy in {} loads; {n} package(s)", path.display()),
    )
}

/// Two publishers: a release would upload twice (the second upload fails, or one
/// publishes what the other did not check). Beside pyrel's release workflow, every other
/// workflow that uploads counts unless it runs only on tags of other releases or the
/// policy acknowledges it (`other-publishers`); without it, two that can run on the same
/// event.
fn second_publishers(ctx: &Context) -> Vec<FindingBuilder> {
    use crate::project::choices;
    use crate::workspace_fs::slash;
    let publishers = choices::publishers(&ctx.project, |rel| ctx.workflow(rel));
    let ours_path = ctx.policy.files.release_workflow.as_deref();
    let acknowledged = |p: &choices::Publisher| {
        ctx.policy
            .other_publishers
            .iter()
            .any(|o| o.as_str() == slash(&p.path))
    };
    let others: Vec<&choices::Publisher> = publishers
        .iter()
        .filter(|p| Some(p.path.as_path()) != ours_path && !acknowledged(p))
        .filter(|p| !p.triggers.is_empty())
        .collect();
    let line = |p: &choices::Publisher| p.jobs.first().and_then(|j| j.lines).map(|l| l.0);
    let hint = |p: &choices::Publisher| {
        format!(
            "keep one publisher: remove {} from {}; a deliberate second channel is acknowledged with other-publishers = [\"{}\"] in the policy",
            p.jobs_described(),
            slash(&p.path),
            slash(&p.path)
        )
    };
    let mut out = Vec::new();
    if let Some(ours) = publishers
        .iter()
        .find(|p| Some(p.path.as_path()) == ours_path)
    {
        let planned = ctx.policy.release_triggers();
        for b in others.iter().filter(|b| b.beside(&planned)) {
            out.push(
                finding(
                    Code::Policy,
                    Severity::Error,
                    format!(
                        "2 workflows publish to PyPI: {} ({}) and {} ({}, on {})",
                        slash(&ours.path),
                        ours.jobs_described(),
                        slash(&b.path),
                        b.jobs_described(),
                        b.on()
                    ),
                )
                .at(b.path.clone(), line(b))
                .hint(hint(b)),
            );
        }
        return out;
    }
    let clash = others.iter().enumerate().find_map(|(i, a)| {
        others[i + 1..]
            .iter()
            .find_map(|b| choices::shared_trigger(&a.triggers, &b.triggers).map(|t| (a, b, t)))
    });
    if let Some((a, b, trigger)) = clash {
        out.push(
            finding(
                Code::Policy,
                Severity::Error,
                format!(
                    "2 workflows publish to PyPI: {} ({}) and {} ({}), both on {}",
                    slash(&a.path),
                    a.jobs_described(),
                    slash(&b.path),
                    b.jobs_described(),
                    trigger.describe()
                ),
            )
            .at(b.path.clone(), line(b))
            .hint(hint(b)),
        );
    }
    out
}
