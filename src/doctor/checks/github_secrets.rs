//! PR302 github-secrets: token secrets exist (token mode) or are gone (trusted mode).

use super::{github, unknown, workflow_location, Check};
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};
use crate::policy::{PublishMode, TestPypi};
use crate::remote::RemoteError;

pub(crate) const CHECK: Check = Check {
    code: Code::GithubSecrets,
    online: true,
    summary: "Token mode: the named secrets exist; trusted mode: no leftover PyPI token secrets.",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  Token mode: the secrets the policy names (PYPI_API_TOKEN, TEST_PYPI_API_TOKEN by
  default) exist in their environments (a repository-level secret works but is a
  warning). Trusted mode: no PyPI token secret is left at repository or environment
  level. Only names are read; GitHub never returns secret values.

Why it matters
  A missing secret fails the upload after the tag is pushed. A leftover token in trusted
  mode is a live credential nobody needs, readable by every workflow of the repository.

How to fix
  Token mode: add the secret under Settings > Environments > ENV > Environment secrets.
  Trusted mode: delete the secret and revoke the token on PyPI. Reading secrets needs a
  token with the `secrets=read` permission (or admin rights).
";

fn looks_like_pypi_token(name: &str) -> bool {
    let n = name.to_ascii_uppercase();
    n.contains("PYPI") && (n.contains("TOKEN") || n.contains("PASSWORD"))
}

fn run(ctx: &Context) -> Outcome {
    if ctx.policy_source.is_none() {
        return Outcome::Skip(
            "no pyrel policy yet: the secrets it names are checked after `pyrel init`".into(),
        );
    }
    let gh = match github(ctx) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let p = &ctx.policy;
    let repo = match gh.repo_secrets() {
        Ok(s) => s,
        Err(e) => return unknown(&e),
    };
    let mut envs = vec![(p.pypi_environment.clone(), p.pypi_token_secret.clone())];
    if p.testpypi != TestPypi::Never {
        envs.push((
            p.testpypi_environment.clone(),
            p.testpypi_token_secret.clone(),
        ));
    }
    let mut env_secrets = Vec::new();
    for (env, _) in &envs {
        match gh.environment_secrets(env) {
            Ok(s) => env_secrets.push(s),
            // The environment does not exist: github-environments reports that.
            Err(RemoteError::NotFound { .. }) => env_secrets.push(Vec::new()),
            Err(e) => return unknown(&e),
        }
    }
    let mut out: Vec<FindingBuilder> = Vec::new();
    match p.publish {
        PublishMode::Token => {
            for ((env, secret), in_env) in envs.iter().zip(&env_secrets) {
                let (path, line) = workflow_location(ctx, &[format!("secrets.{secret}")]);
                if in_env.contains(secret) {
                    continue;
                }
                if repo.contains(secret) {
                    out.push(
                        finding(Code::GithubSecrets, Severity::Warning, format!("secret {secret} is a repository secret, not an `{env}` environment secret"))
                            .at(path, line)
                            .hint(format!("move it into the `{env}` environment so only the publish job can read it")),
                    );
                } else {
                    out.push(
                        finding(Code::GithubSecrets, Severity::Error, format!("secret {secret} is missing (neither in environment `{env}` nor in the repository)"))
                            .at(path, line)
                            .hint(format!("add it under Settings > Environments > {env} > Environment secrets")),
                    );
                }
            }
        }
        PublishMode::Trusted => {
            let (path, line) = (ctx.policy_path(), ctx.policy_line("publish"));
            let leftovers = repo
                .iter()
                .map(|s| (s.clone(), "the repository".to_string()))
                .chain(envs.iter().zip(&env_secrets).flat_map(|((env, _), list)| {
                    list.iter()
                        .map(move |s| (s.clone(), format!("environment `{env}`")))
                }));
            for (secret, place) in leftovers {
                if looks_like_pypi_token(&secret) {
                    out.push(
                        finding(Code::GithubSecrets, Severity::Warning, format!("secret {secret} in {place} looks like a PyPI token, but publishing is trusted"))
                            .at(path.clone(), line)
                            .hint("delete the secret and revoke the token on PyPI"),
                    );
                }
            }
        }
    }
    let n = repo.len() + env_secrets.iter().map(Vec::len).sum::<usize>();
    Outcome::from_builders(out, format!("{n} secret name(s) read"))
}
