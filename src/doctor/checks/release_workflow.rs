//! PR003 release-workflow: the release semantics of the workflow on disk, generated or
//! hand-written.

use std::path::{Path, PathBuf};

use serde_norway::Value;

use super::Check;
use crate::doctor::{find_line, finding, Code, Context, FindingBuilder, Outcome, Severity};
use crate::policy::{PublishMode, TestPypi};

pub(crate) const CHECK: Check = Check { code: Code::ReleaseWorkflow, online: false, summary: "The workflow that publishes is gated on tags, uses the policy's environments and secrets, and has id-token: write in trusted mode.", docs: DOCS, run };

const DOCS: &str = "
What it checks
  Reads every workflow under .github/workflows that uploads to PyPI (the
  pypa/gh-action-pypi-publish action, `twine upload`, `uv publish`, ...), hand-written or
  generated, and checks for each publishing job:
  - trusted mode: the job has `permissions: id-token: write`, and no password or token
    is passed to the upload;
  - token mode: the password comes from the secret the policy names;
  - the job runs in one of the policy's environments (`pypi`, `testpypi`);
  - publishing is gated on tags: the workflow only runs on tag pushes, releases or manual
    dispatch, or the job's `if:` restricts it to tags (or to a planning job's decision).

Why it matters
  Without id-token: write Trusted Publishing fails at upload time; without an environment
  PyPI's trusted publisher (and your reviewers) cannot tell a release from any other
  run; a publish job that runs on branch pushes or pull requests releases whatever was
  pushed.

How to fix
  Let pyrel manage the workflow (`pyrel generate`), or apply the change named in the
  finding to the job at that line.
";

const PUBLISH_COMMANDS: &[&str] = &[
    "twine upload",
    // twine driven from a Python loop (pyrel's own workflow): `[..., "twine", "upload", ...]`.
    "\"twine\", \"upload\"",
    "uv publish",
    "poetry publish",
    "flit publish",
    "hatch publish",
    "pdm publish",
];

/// Variables command-line uploaders read a password or token from.
const TOKEN_VARIABLES: &[&str] = &[
    "TWINE_PASSWORD",
    "UV_PUBLISH_TOKEN",
    "UV_PUBLISH_PASSWORD",
    "POETRY_PYPI_TOKEN_PYPI",
    "FLIT_PASSWORD",
    "HATCH_INDEX_AUTH",
    "PDM_PUBLISH_PASSWORD",
];

fn is_publish_step(step: &Value) -> bool {
    let uses = step.get("uses").and_then(Value::as_str).unwrap_or("");
    let run = step.get("run").and_then(Value::as_str).unwrap_or("");
    uses.starts_with("pypa/gh-action-pypi-publish")
        || PUBLISH_COMMANDS.iter().any(|c| run.contains(c))
}

fn steps(job: &Value) -> Vec<&Value> {
    job.get("steps")
        .and_then(Value::as_sequence)
        .map(|s| s.iter().collect())
        .unwrap_or_default()
}

/// The 1-based line of `name:` directly under `jobs:`.
fn job_line(text: &str, name: &str) -> Option<usize> {
    let jobs = find_line(text, "jobs:", 1)?;
    text.lines()
        .enumerate()
        .skip(jobs)
        .find(|(_, l)| {
            let t = l.trim_start();
            l.len() > t.len()
                && (t.strip_prefix(name).is_some_and(|r| r.trim_end() == ":")
                    || t.strip_prefix(&format!("\"{name}\""))
                        .is_some_and(|r| r.trim_end() == ":")
                    || t.strip_prefix(&format!("'{name}'"))
                        .is_some_and(|r| r.trim_end() == ":"))
        })
        .map(|(i, _)| i + 1)
}

fn grants_id_token(perms: Option<&Value>) -> Option<bool> {
    let perms = perms?;
    Some(match perms {
        Value::String(s) => s == "write-all",
        Value::Mapping(m) => m
            .get(Value::from("id-token"))
            .and_then(Value::as_str)
            .is_some_and(|v| v == "write"),
        _ => false,
    })
}

fn environment_name(job: &Value) -> Option<String> {
    match job.get("environment")? {
        Value::String(s) => Some(s.clone()),
        Value::Mapping(m) => m
            .get(Value::from("name"))
            .and_then(Value::as_str)
            .map(str::to_owned),
        _ => None,
    }
}

/// The events a workflow runs on, and whether its `push` trigger fires for branches.
struct Triggers {
    events: Vec<String>,
    push_on_branches: bool,
}

fn triggers(doc: &Value) -> Triggers {
    let on = doc.get("on").or_else(|| doc.get(Value::Bool(true)));
    let mut t = Triggers {
        events: Vec::new(),
        push_on_branches: false,
    };
    match on {
        Some(Value::String(s)) => t.events.push(s.clone()),
        Some(Value::Sequence(seq)) => t
            .events
            .extend(seq.iter().filter_map(Value::as_str).map(str::to_owned)),
        Some(Value::Mapping(m)) => {
            for (k, v) in m {
                if let Some(k) = k.as_str() {
                    t.events.push(k.to_owned());
                    if k == "push" {
                        let has = |key: &str| v.get(key).is_some();
                        t.push_on_branches = has("branches")
                            || has("branches-ignore")
                            || !(has("tags") || has("tags-ignore"));
                    }
                }
            }
        }
        _ => {}
    }
    if t.events.iter().any(|e| e == "push") && !matches!(on, Some(Value::Mapping(_))) {
        t.push_on_branches = true;
    }
    t
}

/// Events on which a publish job would run without a release tag.
fn ungated_events(t: &Triggers) -> Vec<String> {
    t.events
        .iter()
        .filter(|e| match e.as_str() {
            "release" | "workflow_dispatch" => false,
            "push" => t.push_on_branches,
            _ => true,
        })
        .cloned()
        .collect()
}

fn job_if_gates_on_tags(job: &Value) -> bool {
    let cond = match job.get("if") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Bool(b)) => b.to_string(),
        _ => return false,
    };
    [
        "refs/tags/",
        "ref_type",
        "startsWith(github.ref",
        "needs.",
        "github.event_name",
    ]
    .iter()
    .any(|n| cond.contains(n))
}

fn check_workflow(
    ctx: &Context,
    rel: &Path,
    text: &str,
    doc: &Value,
    out: &mut Vec<FindingBuilder>,
) -> usize {
    let p = &ctx.policy;
    let Some(jobs) = doc.get("jobs").and_then(Value::as_mapping) else {
        return 0;
    };
    let t = triggers(doc);
    let ungated = ungated_events(&t);
    let mut envs = vec![p.pypi_environment.clone()];
    if p.testpypi != TestPypi::Never {
        envs.push(p.testpypi_environment.clone());
    }
    let mut publishing = 0;
    for (name, job) in jobs {
        let Some(name) = name.as_str() else { continue };
        let publish_steps: Vec<&Value> = steps(job)
            .into_iter()
            .filter(|s| is_publish_step(s))
            .collect();
        if publish_steps.is_empty() {
            continue;
        }
        publishing += 1;
        let line = job_line(text, name);
        let at = |b: FindingBuilder| b.at(rel.to_path_buf(), line);
        let env = environment_name(job);
        match &env {
            None => out.push(
                at(finding(Code::ReleaseWorkflow, Severity::Error, format!("job `{name}` publishes to PyPI outside a deployment environment")))
                    .hint(format!("add `environment: {}` to the job (and the same environment to the trusted publisher on PyPI)", p.pypi_environment)),
            ),
            Some(e) if !e.contains("${{") && !envs.contains(e) => out.push(
                at(finding(
                    Code::ReleaseWorkflow,
                    Severity::Error,
                    format!("job `{name}` publishes in environment `{e}`, but the policy names {}", envs.iter().map(|e| format!("`{e}`")).collect::<Vec<_>>().join(" and ")),
                ))
                .hint("use the policy's environment, or change pypi-environment / testpypi-environment in the policy"),
            ),
            _ => {}
        }
        if !ungated.is_empty() && !job_if_gates_on_tags(job) {
            out.push(
                at(finding(
                    Code::ReleaseWorkflow,
                    Severity::Error,
                    format!("job `{name}` publishes on {} without being gated on a release tag", ungated.join(", ")),
                ))
                .hint("trigger the workflow on `push: tags:` only, or add `if: startsWith(github.ref, 'refs/tags/')` to the job"),
            );
        }
        // The credential of each upload: the action's `password` input, or the variable a
        // command-line uploader reads it from.
        let passwords: Vec<(&str, usize)> = publish_steps
            .iter()
            .filter_map(|s| {
                s.get("with")
                    .and_then(|w| w.get("password"))
                    .or_else(|| {
                        let env = s.get("env")?;
                        TOKEN_VARIABLES.iter().find_map(|k| env.get(*k))
                    })
                    .and_then(Value::as_str)
                    .map(|v| (v, 0usize))
            })
            .collect();
        let password_line = line.and_then(|l| find_line(text, "password:", l));
        match p.publish {
            PublishMode::Trusted => {
                let granted = grants_id_token(job.get("permissions"))
                    .or_else(|| grants_id_token(doc.get("permissions")))
                    .unwrap_or(false);
                if !granted {
                    out.push(
                        at(finding(Code::ReleaseWorkflow, Severity::Error, format!("job `{name}` lacks `id-token: write`: Trusted Publishing cannot mint a token")))
                            .hint("add `permissions: { id-token: write }` to this job (only to the publish jobs)"),
                    );
                }
                let env_secret = publish_steps.iter().any(|s| {
                    s.get("env").and_then(Value::as_mapping).is_some_and(|m| {
                        m.keys()
                            .filter_map(Value::as_str)
                            .any(|k| TOKEN_VARIABLES.contains(&k))
                    })
                });
                if !passwords.is_empty() || env_secret {
                    out.push(
                        finding(Code::ReleaseWorkflow, Severity::Error, format!("job `{name}` passes a password or token to the upload, but the policy publishes with Trusted Publishing"))
                            .at(rel.to_path_buf(), password_line.or(line))
                            .hint("remove the password input (and delete the token secret), or set publish = \"token\" in the policy"),
                    );
                }
            }
            PublishMode::Token => {
                let expected = if env.as_deref() == Some(p.testpypi_environment.as_str()) {
                    &p.testpypi_token_secret
                } else {
                    &p.pypi_token_secret
                };
                for (value, _) in &passwords {
                    let refs: Vec<&str> = value
                        .split("secrets.")
                        .skip(1)
                        .map(|r| {
                            r.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                                .next()
                                .unwrap_or("")
                        })
                        .collect();
                    if !refs.is_empty() && !refs.contains(&expected.as_str()) {
                        out.push(
                            finding(Code::ReleaseWorkflow, Severity::Error, format!("job `{name}` uploads with secrets.{}, but the policy names the secret {expected}", refs[0]))
                                .at(rel.to_path_buf(), password_line.or(line))
                                .hint(format!("use `password: ${{{{ secrets.{expected} }}}}`, or change the secret name in the policy")),
                        );
                    }
                }
                if passwords.is_empty() && publish_steps.iter().any(|s| s.get("uses").is_some()) {
                    out.push(
                        at(finding(Code::ReleaseWorkflow, Severity::Error, format!("job `{name}` uploads without a password, but the policy publishes with a token")))
                            .hint(format!("add `password: ${{{{ secrets.{expected} }}}}` to the upload step, or set publish = \"trusted\"")),
                    );
                }
            }
        }
    }
    publishing
}

fn run(ctx: &Context) -> Outcome {
    let mut files: Vec<PathBuf> = ctx.project.workflows.clone();
    if let Some(rw) = &ctx.policy.files.release_workflow {
        if ctx.project.root.join(rw).is_file() && !files.contains(rw) {
            files.push(rw.clone());
        }
    }
    let mut out = Vec::new();
    let mut publishing_jobs = 0;
    let mut publishing_files = 0;
    for rel in &files {
        let Some(parsed) = ctx.workflow(rel) else {
            continue;
        };
        let (text, doc) = match &parsed.doc {
            Ok(d) => (&parsed.text, d),
            Err(e) => {
                out.push(
                    finding(
                        Code::ReleaseWorkflow,
                        Severity::Error,
                        format!("{} is not valid YAML: {e}", rel.display()),
                    )
                    .at(rel.clone(), e.location().map(|l| l.line()))
                    .hint("fix the YAML, or regenerate it with `pyrel generate`"),
                );
                continue;
            }
        };
        let n = check_workflow(ctx, rel, text, doc, &mut out);
        if n > 0 {
            publishing_files += 1;
            publishing_jobs += n;
        }
    }
    if publishing_jobs == 0 && out.is_empty() {
        let path = ctx
            .policy
            .files
            .release_workflow
            .clone()
            .unwrap_or_else(|| ".github/workflows/release.yml".into());
        out.push(
            finding(
                Code::ReleaseWorkflow,
                Severity::Error,
                "no workflow publishes to PyPI",
            )
            .at(path, None)
            .hint("run `pyrel generate` to write the release workflow"),
        );
    }
    // Pins the policy moved: one older than pyrel's own goes backwards.
    for (action, theirs, ours) in crate::render::pins::older_than_shipped(&ctx.policy.action_pins) {
        out.push(
            finding(
                Code::ReleaseWorkflow,
                Severity::Warning,
                format!("action-pins holds {action} {theirs}, older than the {ours} pyrel ships"),
            )
            .at(ctx.policy_path(), ctx.policy_line("action-pins"))
            .hint(format!("remove the {action} entry from action-pins (pyrel's pin is newer), or pin a newer release")),
        );
    }
    Outcome::from_builders(
        out,
        format!("{publishing_jobs} publishing job(s) in {publishing_files} workflow(s)"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trig(yaml: &str) -> Vec<String> {
        ungated_events(&triggers(&serde_norway::from_str(yaml).unwrap()))
    }

    #[test]
    fn tag_only_triggers_are_gated() {
        assert!(trig("on:\n  push:\n    tags: ['v*']\n  workflow_dispatch: {}\n").is_empty());
        assert!(trig("on:\n  release:\n    types: [published]\n").is_empty());
        assert_eq!(trig("on: push\n"), ["push"]);
        assert_eq!(
            trig("on:\n  push:\n    branches: [main]\n    tags: ['v*']\n"),
            ["push"]
        );
        assert_eq!(trig("on: [pull_request, release]\n"), ["pull_request"]);
    }

    #[test]
    fn job_lines() {
        let text = "on: push\njobs:\n  build:\n    runs-on: x\n  publish:\n    steps: []\n";
        assert_eq!(job_line(text, "publish"), Some(5));
        assert_eq!(job_line(text, "nope"), None);
    }
}
