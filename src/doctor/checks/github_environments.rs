//! PR301 github-environments: the deployment environments exist and are locked down.

use globset::Glob;

use super::{github, unknown, workflow_location, Check};
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};
use crate::policy::TestPypi;

pub(crate) const CHECK: Check = Check { code: Code::GithubEnvironments, online: true, summary: "The `pypi` (and `testpypi`) environments exist, deploy only from release tags, and require a reviewer.", docs: DOCS, run };

const DOCS: &str = "
What it checks
  On GitHub: the policy's PyPI environment (and the TestPyPI one unless testpypi =
  \"never\") exists; the PyPI environment limits deployments to selected refs with a tag
  rule that matches the release tags (an environment open to every branch is an error,
  one without a tag rule cannot deploy a tag-triggered release); every one of its
  deployment rules is read, and a branch rule (even beside the tag rule) or a tag rule
  that also matches tags no release has (`*`) is an error; and it requires a reviewer
  (a warning when it does not).

Why it matters
  The environment is the gate between a pushed tag and PyPI. Trusted publishers on PyPI
  name it; without a tag rule any branch can publish; without a reviewer one compromised
  account is enough to release.

How to fix
  Repository Settings > Environments: create the environment, set Deployment branches
  and tags to \"Selected branches and tags\" with a tag rule like `v*`, and add required
  reviewers. `pyrel github apply` does all of this (reviewers from the policy's
  `reviewers`). Needs a token that can read the repository's administration settings.
";

fn run(ctx: &Context) -> Outcome {
    if ctx.policy_source.is_none() {
        return Outcome::Skip(
            "no pyrel policy yet: the environments it names are checked after `pyrel init`".into(),
        );
    }
    let gh = match github(ctx) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let envs = match gh.environments() {
        Ok(e) => e,
        Err(e) => return unknown(&e),
    };
    let p = &ctx.policy;
    let mut wanted = vec![p.pypi_environment.clone()];
    if p.testpypi != TestPypi::Never {
        wanted.push(p.testpypi_environment.clone());
    }
    let mut out: Vec<FindingBuilder> = Vec::new();
    for name in &wanted {
        let (path, line) = workflow_location(
            ctx,
            &[
                format!("name: {name}"),
                format!("name: \"{name}\""),
                format!("environment: {name}"),
            ],
        );
        let Some(env) = envs.iter().find(|e| e.name == *name) else {
            out.push(
                finding(
                    Code::GithubEnvironments,
                    Severity::Error,
                    format!("environment `{name}` does not exist on GitHub"),
                )
                .at(path, line)
                .hint(format!(
                    "run `pyrel github apply`, or create it under Settings > Environments > New environment (`{name}`)"
                )),
            );
            continue;
        };
        if *name != p.pypi_environment {
            continue;
        }
        match &env.deployment_branch_policy {
            None => out.push(
                finding(Code::GithubEnvironments, Severity::Error, format!("environment `{name}` lets any branch deploy"))
                    .at(path.clone(), line)
                    .hint("run `pyrel github apply`, or set Deployment branches and tags to \"Selected branches and tags\" with a tag rule for your release tags"),
            ),
            Some(setting) if setting.custom_branch_policies => {
                let policies = match gh.deployment_branch_policies(name) {
                    Ok(p) => p,
                    Err(e) => return unknown(&e),
                };
                let example = ctx.project.packages.first().map_or_else(
                    || p.tag_format.render("pkg", "", "1.2.3"),
                    |q| p.tag_format.render(&q.normalized, &crate::workspace_fs::slash(&q.dir), "1.2.3"),
                );
                let matches = policies.iter().filter(|pol| pol.is_tag()).any(|pol| {
                    Glob::new(&pol.name).is_ok_and(|g| g.compile_matcher().is_match(&example))
                });
                // Every rule counts: a tag rule for the releases does not make a branch
                // rule `*` beside it harmless.
                for why in policies
                    .iter()
                    .filter_map(|pol| {
                        crate::github_apply::unwanted_policy(&ctx.project, p, false, pol)
                    })
                {
                    out.push(
                        finding(
                            Code::GithubEnvironments,
                            Severity::Error,
                            format!("environment `{name}` deploys from more than release tags: its {why}"),
                        )
                        .at(path.clone(), line)
                        .hint("run `pyrel github apply` (it removes the rule), or remove it under the environment's deployment branches and tags"),
                    );
                }
                if !matches {
                    out.push(
                        finding(
                            Code::GithubEnvironments,
                            Severity::Error,
                            format!("environment `{name}` has no tag rule matching release tags like `{example}`: a tag-triggered release cannot deploy"),
                        )
                        .at(path.clone(), line)
                        .hint(format!("add a tag rule `{}` under the environment's deployment branches and tags", p.tag_format.glob(None, "*", "*"))),
                    );
                }
            }
            Some(_) => out.push(
                finding(Code::GithubEnvironments, Severity::Error, format!("environment `{name}` only allows protected branches: release tags cannot deploy"))
                    .at(path.clone(), line)
                    .hint("switch to \"Selected branches and tags\" and add a tag rule for your release tags"),
            ),
        }
        if env.required_reviewers().is_empty() {
            out.push(
                finding(
                    Code::GithubEnvironments,
                    Severity::Warning,
                    format!("environment `{name}` requires no reviewer"),
                )
                .at(path, line)
                .hint("list them in the policy's `reviewers` and run `pyrel github apply`, so a release needs a second person"),
            );
        }
    }
    Outcome::from_builders(
        out,
        format!(
            "{} environment(s) on GitHub, {} expected",
            envs.len(),
            wanted.len()
        ),
    )
}
