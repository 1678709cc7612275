//! `pyrel github apply`: make the live repository match what pyrel expects (and what
//! `pyrel doctor` checks): the PyPI environments limited to release tags with their
//! reviewers, the default branch's protection from `.github/branch-protection.json`,
//! and a ruleset that keeps release tags from moving or disappearing.
//!
//! Every item is read first and compared with what is wanted; only the difference is
//! written, so a second run sends no write. Inputs (the protection file, the policy's
//! reviewers) are checked before the first request. The first failed request stops the
//! run, and the summary says what was changed and what was not.

mod rulesets;
pub(crate) use rulesets::wanted_checks;

use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::error::{Error, Result};
use crate::policy::{Policy, PublishMode};
use crate::project::Project;
use crate::remote::{self, Environment, GithubClient, GithubConfig, RemoteError, Secret};
use crate::render::deploy::{deployment, deployments, Deployment};

/// Where the summary and the dry-run requests go (stdout in the CLI, a buffer in tests).
pub(crate) trait Out {
    fn line(&mut self, text: &str);
}

impl Out for std::io::Stdout {
    fn line(&mut self, text: &str) {
        outln!("{text}");
    }
}

/// A GitHub client for the policy's repository with the token from the environment, or
/// a usage error saying what is missing.
pub(crate) fn client(project: &Project, policy: &Policy) -> Result<(GithubClient, Secret)> {
    let (owner, repo) = policy.github_repo(project).ok_or_else(|| {
        Error::usage(
            "the repository on GitHub is unknown: no `repository` in the policy and no GitHub `origin` remote",
            Some("set `repository = \"OWNER/REPO\"` in the policy, or `git remote add origin https://github.com/OWNER/REPO.git`"),
        )
    })?;
    let (token, _) = remote::token_from_env().ok_or_else(|| {
        Error::usage(
            "no GitHub token",
            Some("export GH_TOKEN (or GITHUB_TOKEN), or log in with `gh auth login`"),
        )
    })?;
    let mut config = GithubConfig::new(owner, repo);
    config.token = Some(token.clone());
    if let Some(ms) = std::env::var("PYREL_HTTP_TIMEOUT_MS")
        .ok()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        config.timeout = std::time::Duration::from_millis(ms);
    }
    Ok((GithubClient::new(config), token))
}

/// How one item ended.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Done {
    Changed(String),
    WouldChange(String),
    Unchanged(String),
}

/// The result of a run: what changed, what did not, the failure that stopped it.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    items: Vec<(String, Done)>,
    /// Items not reached because an earlier request failed.
    pub(crate) not_attempted: Vec<String>,
    pub(crate) failure: Option<(String, RemoteError)>,
    /// `(environment, secret)` pairs missing in token mode.
    pub(crate) missing_secrets: Vec<(String, String)>,
    /// Writes sent (or, with `--dry-run`, printed).
    pub(crate) writes: usize,
    /// With `--dry-run`: each write that would be sent, `{method, path, body}`.
    pub(crate) requests: Vec<Value>,
}

impl Summary {
    pub(crate) fn failed(&self) -> bool {
        self.failure.is_some()
    }
}

/// One write: shown with `--dry-run`, sent otherwise.
struct Request {
    method: &'static str,
    path: String,
    body: Value,
}

struct Run<'a> {
    gh: &'a GithubClient,
    dry_run: bool,
    out: &'a mut dyn Out,
    summary: Summary,
    /// Changes of the item in progress.
    changes: Vec<String>,
}

impl Run<'_> {
    /// Sends a write, or prints it under `--dry-run`. `send` performs it.
    fn write(
        &mut self,
        what: String,
        request: Request,
        send: impl FnOnce(&GithubClient, &Value) -> std::result::Result<(), RemoteError>,
    ) -> std::result::Result<(), RemoteError> {
        if self.dry_run {
            self.summary.requests.push(json!({
                "method": request.method, "path": request.path, "body": request.body,
            }));
            self.out
                .line(&format!("would send {} {}", request.method, request.path));
            if !request.body.is_null() {
                let body = serde_json::to_string_pretty(&request.body).unwrap_or_default();
                for l in body.lines() {
                    self.out.line(&format!("  {l}"));
                }
            }
        } else {
            send(self.gh, &request.body)?;
        }
        // Counted once sent (or shown): a refused write is the failure, not a write.
        self.summary.writes += 1;
        self.changes.push(what);
        Ok(())
    }

    /// Closes the item in progress.
    fn finish(&mut self, item: &str) {
        let changes = std::mem::take(&mut self.changes);
        let done = if changes.is_empty() {
            Done::Unchanged("already as expected".into())
        } else if self.dry_run {
            Done::WouldChange(changes.join("; "))
        } else {
            Done::Changed(changes.join("; "))
        };
        let (word, text) = match &done {
            Done::Changed(t) => ("changed", t),
            Done::WouldChange(t) => ("would change", t),
            Done::Unchanged(t) => ("unchanged", t),
        };
        if !crate::term::quiet() {
            self.out.line(&format!("{word:<12} {item}: {text}"));
        }
        self.summary.items.push((item.to_owned(), done));
    }
}

/// What `apply` needs besides the client: checked and loaded before any request.
pub(crate) struct Inputs {
    /// The protection file's path (relative) and its JSON, when the policy manages one.
    pub(crate) protection: Option<(PathBuf, Value)>,
}

/// Reads and checks the local inputs: `.github/branch-protection.json` must exist and be
/// JSON (an error names the file and line; nothing is sent).
pub(crate) fn inputs(root: &Path, policy: &Policy) -> Result<Inputs> {
    let protection = match &policy.files.branch_protection {
        None => None,
        Some(rel) => {
            let text = crate::workspace_fs::read_text_opt(&root.join(rel))?.ok_or_else(|| {
                Error::usage(
                    format!("{}: missing", crate::workspace_fs::slash(rel)),
                    Some("run `pyrel generate` to write it"),
                )
            })?;
            let value: Value = serde_json::from_str(&text).map_err(|e| Error::Parse {
                path: rel.clone(),
                line: Some(e.line()),
                column: Some(e.column()),
                message: format!("not valid JSON: {e}"),
                hint: Some("regenerate it with `pyrel generate`".into()),
            })?;
            if !value.is_object() {
                return Err(Error::parse(
                    rel.clone(),
                    Some(1),
                    None,
                    "expected a JSON object (the body of GitHub's update-branch-protection request)",
                ));
            }
            Some((rel.clone(), value))
        }
    };
    Ok(Inputs { protection })
}

pub(crate) use crate::render::deploy::{
    deployment_rule_body, environment_body, remote_segment, tag_patterns,
};

/// The deployment rules a publishing environment gets, `(pattern, "tag" | "branch")`: the
/// release tags, and on TestPyPI the default branch when the policy builds dev releases.
/// Read from [`crate::render::deploy::deployment`], the one definition the guide and the
/// workflow use too.
pub(crate) fn deployment_rules(
    project: &Project,
    policy: &Policy,
    is_testpypi: bool,
) -> Vec<(String, &'static str)> {
    deployment(project, policy, is_testpypi).rules()
}

/// Tags no release has: a tag rule of a publishing environment matching one of them
/// lets more than the release tags deploy.
const NOT_RELEASE_TAGS: &[&str] = &["latest", "nightly", "0", "x"];

/// Why a deployment policy does not belong on a publishing environment, if it does not:
/// a branch rule (a publishing environment deploys from release tags only; the one
/// exception is the default branch on TestPyPI when the policy builds dev releases), or
/// a tag rule that also matches tags no release has. The one rule for `pyrel doctor`
/// (PR301) and `pyrel github apply`, which removes what this names.
pub(crate) fn unwanted_policy(
    project: &Project,
    policy: &Policy,
    is_testpypi: bool,
    rule: &crate::remote::DeploymentBranchPolicy,
) -> Option<String> {
    // What pyrel itself asks for is never unwanted (with tag-format "{version}" the
    // release tag rule is `*`).
    let kind = if rule.is_tag() { "tag" } else { "branch" };
    if deployment_rules(project, policy, is_testpypi)
        .iter()
        .any(|(pattern, k)| *pattern == rule.name && *k == kind)
    {
        return None;
    }
    if rule.is_branch() {
        return Some(format!("branch rule `{}` lets a branch deploy", rule.name));
    }
    let glob = globset::Glob::new(&rule.name).ok()?.compile_matcher();
    NOT_RELEASE_TAGS
        .iter()
        .find(|t| glob.is_match(t))
        .map(|t| format!("tag rule `{}` also lets a tag like `{t}` deploy", rule.name))
}

/// The environment labels and the protection and ruleset labels, in the order applied.
fn item_labels(project: &Project, policy: &Policy, inputs: &Inputs) -> Vec<String> {
    let mut items: Vec<String> = deployments(project, policy)
        .iter()
        .map(|d| format!("environment `{}`", d.name))
        .collect();
    if inputs.protection.is_some() {
        items.push(format!("protection of `{}`", policy.default_branch));
    }
    items.push("release tag ruleset".into());
    items
}

/// Applies the expected settings. A failed request is reported in the summary (never
/// a panic, never silently skipped); input errors were caught by [`inputs`] already.
pub(crate) fn apply(
    project: &Project,
    policy: &Policy,
    inputs: &Inputs,
    gh: &GithubClient,
    dry_run: bool,
    out: &mut dyn Out,
) -> Result<Summary> {
    let mut run = Run {
        gh,
        dry_run,
        out,
        summary: Summary::default(),
        changes: Vec::new(),
    };
    let labels = item_labels(project, policy, inputs);
    let result = steps(project, policy, inputs, &mut run, &labels);
    if let Err(Stop::Remote(item, e)) = result {
        let done: Vec<String> = run.summary.items.iter().map(|(i, _)| i.clone()).collect();
        run.summary.not_attempted = labels
            .iter()
            .filter(|l| **l != item && !done.contains(l))
            .cloned()
            .collect();
        // Part of the failed item may have been applied already: say so.
        if !run.changes.is_empty() {
            let partial = std::mem::take(&mut run.changes).join("; ");
            let (word, done) = if run.dry_run {
                ("would change", Done::WouldChange(partial.clone()))
            } else {
                ("changed", Done::Changed(partial.clone()))
            };
            run.out.line(&format!("{word:<12} {item}: {partial}"));
            run.summary.items.push((item.clone(), done));
        }
        run.summary.failure = Some((item, e));
    } else if let Err(Stop::Input(e)) = result {
        return Err(e);
    }
    Ok(run.summary)
}

enum Stop {
    /// A request failed while working on this item.
    Remote(String, RemoteError),
    /// The live state shows an input problem (an unknown reviewer).
    Input(Error),
}

fn at(item: &str) -> impl Fn(RemoteError) -> Stop + '_ {
    move |e| Stop::Remote(item.to_owned(), e)
}

fn steps(
    project: &Project,
    policy: &Policy,
    inputs: &Inputs,
    run: &mut Run<'_>,
    labels: &[String],
) -> std::result::Result<(), Stop> {
    let gh = run.gh;
    let first = labels.first().cloned().unwrap_or_default();
    gh.repo().map_err(at(&first))?;
    let reviewers = resolve_reviewers(gh, policy, &first)?;
    let patterns = tag_patterns(project, policy);
    // The one definition the release guide describes too.
    for d in deployments(project, policy) {
        let item = format!("environment `{}`", d.name);
        // Approvals gate the PyPI upload; TestPyPI's reviewers are left as they are.
        let reviewers = if d.is_testpypi() {
            None
        } else {
            reviewers.as_deref()
        };
        environment(run, project, policy, &d, reviewers).map_err(at(&item))?;
        run.finish(&item);
    }
    if let Some((rel, want)) = &inputs.protection {
        let item = format!("protection of `{}`", policy.default_branch);
        rulesets::branch_protection(run, policy, rel, want).map_err(at(&item))?;
        run.finish(&item);
    }
    let item = "release tag ruleset".to_owned();
    rulesets::tag_ruleset(run, &patterns).map_err(at(&item))?;
    run.finish(&item);
    Ok(())
}

/// A required reviewer as the environments API takes it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct ReviewerId {
    kind: &'static str,
    id: u64,
}

/// `None` when the policy names no reviewer: existing reviewers are then left alone
/// (removing them would weaken a gate someone set up by hand).
fn resolve_reviewers(
    gh: &GithubClient,
    policy: &Policy,
    item: &str,
) -> std::result::Result<Option<Vec<ReviewerId>>, Stop> {
    if policy.reviewers.is_empty() {
        return Ok(None);
    }
    let mut out = Vec::new();
    for r in &policy.reviewers {
        let mut is_org = false;
        let found = match r.split_once('/') {
            Some((org, slug)) => gh.team(org, slug).map(|t| ReviewerId {
                kind: "Team",
                id: t.id,
            }),
            None => gh.user(r).map(|u| {
                is_org = u.account_type == "Organization";
                ReviewerId {
                    kind: "User",
                    id: u.id,
                }
            }),
        };
        match found {
            Ok(_) if is_org => {
                return Err(Stop::Input(Error::usage(
                    format!("policy `reviewers`: `{r}` is an organization, not a user"),
                    Some("name one of its teams as `org/team-slug` instead"),
                )));
            }
            Ok(id) => out.push(id),
            Err(RemoteError::NotFound { .. }) => {
                let what = if r.contains('/') {
                    "no such team visible to the token"
                } else {
                    "no such GitHub user"
                };
                return Err(Stop::Input(Error::usage(
                    format!("policy `reviewers`: `{r}`: {what}"),
                    Some("fix the login or `org/team` slug in the policy's `reviewers`; reading a team needs the token's `members: read` organization permission"),
                )));
            }
            Err(e) => return Err(Stop::Remote(item.to_owned(), e)),
        }
    }
    Ok(Some(out))
}

/// The existing reviewers of an environment, as ids.
fn live_reviewers(env: &Environment) -> Vec<ReviewerId> {
    let mut ids: Vec<ReviewerId> = env
        .required_reviewers()
        .iter()
        .map(|r| ReviewerId {
            kind: if r.reviewer_type == "Team" {
                "Team"
            } else {
                "User"
            },
            id: r.reviewer.id,
        })
        .collect();
    ids.sort();
    ids
}

fn environment(
    run: &mut Run<'_>,
    project: &Project,
    policy: &Policy,
    d: &Deployment,
    reviewers: Option<&[ReviewerId]>,
) -> std::result::Result<(), RemoteError> {
    let name = d.name.as_str();
    let is_testpypi = d.is_testpypi();
    let gh = run.gh;
    let live = gh.environment(name)?;
    let live_ids = live.as_ref().map(live_reviewers).unwrap_or_default();
    let live_prevent = live
        .as_ref()
        .and_then(|e| {
            e.protection_rules
                .iter()
                .find(|r| r.rule_type == "required_reviewers")
                .and_then(|r| r.prevent_self_review)
        })
        .unwrap_or(false);
    // Sent in the policy's order, compared as sets.
    let want_ids = reviewers.map_or_else(|| live_ids.clone(), <[ReviewerId]>::to_vec);
    let mut want_sorted = want_ids.clone();
    want_sorted.sort();
    // Someone else must approve when there is more than one maintainer: several
    // reviewers, or a team.
    let want_prevent = match reviewers {
        Some(r) => r.len() > 1 || r.iter().any(|x| x.kind == "Team"),
        None => live_prevent,
    };
    let tags_only = live
        .as_ref()
        .and_then(|e| e.deployment_branch_policy.as_ref())
        .is_some_and(|p| p.custom_branch_policies && !p.protected_branches);
    let mut why = Vec::new();
    if live.is_none() {
        why.push("created".to_owned());
    }
    if !tags_only {
        why.push("deployments limited to selected tags".to_owned());
    }
    if want_sorted != live_ids {
        why.push(format!(
            "required reviewers set to {}",
            if want_ids.is_empty() {
                "none".to_owned()
            } else {
                policy.reviewers.join(", ")
            }
        ));
    }
    if !want_ids.is_empty() && want_prevent != live_prevent {
        why.push(format!("prevent_self_review {want_prevent}"));
    }
    if !why.is_empty() {
        let mut body = environment_body();
        if let Some(wait) = live.as_ref().and_then(Environment::wait_timer) {
            body["wait_timer"] = json!(wait);
        }
        if !want_ids.is_empty() {
            body["prevent_self_review"] = json!(want_prevent);
            body["reviewers"] = Value::Array(
                want_ids
                    .iter()
                    .map(|r| json!({"type": r.kind, "id": r.id}))
                    .collect(),
            );
        }
        let path = gh.repo_endpoint(&format!("/environments/{}", remote_segment(name)));
        run.write(
            why.join(", "),
            Request {
                method: "PUT",
                path,
                body,
            },
            |gh, body| gh.put_environment(name, body).map(|_| ()),
        )?;
    }
    // The policies of an environment that does not exist yet (dry run) are none.
    let existing = if live.is_none() && run.dry_run {
        Vec::new()
    } else {
        match gh.deployment_branch_policies(name) {
            Ok(p) => p,
            Err(RemoteError::NotFound { .. }) if run.dry_run => Vec::new(),
            Err(e) => return Err(e),
        }
    };
    for rule in &existing {
        let Some(why) = unwanted_policy(project, policy, is_testpypi, rule) else {
            continue;
        };
        let Some(id) = rule.id else {
            return Err(RemoteError::Decode {
                endpoint: format!(
                    "GET {}",
                    gh.repo_endpoint(&format!(
                        "/environments/{}/deployment-branch-policies",
                        remote_segment(name)
                    ))
                ),
                message: format!("the {why}, and GitHub gave it no `id` to remove it by"),
            });
        };
        let path = gh.repo_endpoint(&format!(
            "/environments/{}/deployment-branch-policies/{id}",
            remote_segment(name)
        ));
        run.write(
            format!("{why}: removed"),
            Request {
                method: "DELETE",
                path,
                body: Value::Null,
            },
            |gh, _| gh.delete_deployment_branch_policy(name, id),
        )?;
    }
    for (pattern, kind) in d.rules() {
        let present = existing.iter().any(|p| {
            p.name == pattern
                && (if kind == "tag" {
                    p.is_tag()
                } else {
                    p.is_branch()
                })
        });
        if present {
            continue;
        }
        let path = gh.repo_endpoint(&format!(
            "/environments/{}/deployment-branch-policies",
            remote_segment(name)
        ));
        run.write(
            format!("{kind} rule `{pattern}` added"),
            Request {
                method: "POST",
                path,
                body: deployment_rule_body(&pattern, kind),
            },
            |gh, body| gh.create_deployment_branch_policy(name, body).map(|_| ()),
        )?;
    }
    if policy.publish == PublishMode::Token {
        let secret = if is_testpypi {
            &policy.testpypi_token_secret
        } else {
            &policy.pypi_token_secret
        };
        let names = match gh.environment_secrets(name) {
            Ok(n) => n,
            Err(RemoteError::NotFound { .. }) => Vec::new(),
            Err(e) => return Err(e),
        };
        if !names.contains(secret) {
            run.summary
                .missing_secrets
                .push((name.to_owned(), secret.clone()));
        }
    }
    Ok(())
}

/// Prints the closing lines: missing secrets with the command that sets each, the
/// failure with its hint, and what was not applied (docs/security.md: a stop after a
/// partial remote change).
pub(crate) fn report(summary: &Summary, gh: &GithubClient, dry_run: bool, out: &mut dyn Out) {
    let config = gh.config();
    for (env, secret) in &summary.missing_secrets {
        out.line(&format!(
            "{:<12} secret {secret} in environment `{env}`: set it with `gh secret set {secret} --env {env} --repo {}/{}` (gh asks for the value; pyrel never reads it)",
            "missing", config.owner, config.repo
        ));
    }
    if let Some((item, e)) = &summary.failure {
        out.line(&format!("{:<12} {item}: {}", "failed", failure_text(e)));
        if let Some(hint) = failure_hint(e) {
            out.line(&format!("  hint: {hint}"));
        }
        for n in &summary.not_attempted {
            out.line(&format!("{:<12} {n}", "not applied"));
        }
    }
    let changed = summary
        .items
        .iter()
        .filter(|(_, d)| !matches!(d, Done::Unchanged(_)))
        .count();
    let unchanged = summary.items.len() - changed;
    let mut line = if dry_run {
        format!(
            "dry run: {} write(s) not sent; {changed} item(s) would change, {unchanged} already as expected",
            summary.writes
        )
    } else {
        format!(
            "summary: {changed} item(s) changed ({} write(s)), {unchanged} unchanged",
            summary.writes
        )
    };
    if summary.failure.is_some() {
        line.push_str(&format!(
            ", 1 failed, {} not applied",
            summary.not_attempted.len()
        ));
    }
    if !summary.missing_secrets.is_empty() {
        line.push_str(&format!(
            ", {} secret(s) to set",
            summary.missing_secrets.len()
        ));
    }
    out.line(&line);
}

/// The failure, worded for apply: a 403 names the permission writes need.
fn failure_text(e: &RemoteError) -> String {
    match e {
        RemoteError::Forbidden {
            endpoint,
            permission,
            plan_required: false,
            message,
        } => {
            let named = permission
                .as_deref()
                .map(|p| format!("; GitHub names `{p}`"))
                .unwrap_or_default();
            let said = if message.is_empty() {
                String::new()
            } else {
                format!(" (GitHub said: {message})")
            };
            format!("{endpoint}: 403 Forbidden: the token lacks the `administration: write` repository permission{named}{said}")
        }
        RemoteError::Status {
            endpoint,
            status: 422,
            message,
        } => format!("{endpoint}: 422 Unprocessable Entity: GitHub refused the request: {message}"),
        other => other.to_string(),
    }
}

fn failure_hint(e: &RemoteError) -> Option<String> {
    match e {
        RemoteError::Forbidden {
            plan_required: false,
            ..
        } => Some("use a fine-grained token with the `administration: write` repository permission (or a repository admin's token), then run `pyrel github apply` again".into()),
        RemoteError::NotFound { .. } => Some("check the policy's `repository` (or the `origin` remote) and that the token can see the repository".into()),
        RemoteError::RateLimited { .. } => Some("wait for the quota, then run `pyrel github apply` again: it only sends what is still missing".into()),
        RemoteError::Status { status: 422, .. } => Some("fix what GitHub names in the policy or .github/branch-protection.json, then run `pyrel github apply` again".into()),
        other => other.hint(),
    }
}

/// The run as `pyrel github apply --format json` prints it (schema `pyrel-github-apply/1`,
/// docs/github-apply-schema.json): the same facts as [`report`]'s lines.
pub(crate) fn summary_json(summary: &Summary, gh: &GithubClient, dry_run: bool) -> Value {
    let config = gh.config();
    let items: Vec<Value> = summary
        .items
        .iter()
        .map(|(item, done)| {
            let (status, detail) = match done {
                Done::Changed(t) => ("changed", t),
                Done::WouldChange(t) => ("would_change", t),
                Done::Unchanged(t) => ("unchanged", t),
            };
            json!({"item": item, "status": status, "detail": detail})
        })
        .collect();
    let failure = summary.failure.as_ref().map(
        |(item, e)| json!({"item": item, "message": failure_text(e), "hint": failure_hint(e)}),
    );
    let secrets: Vec<Value> = summary
        .missing_secrets
        .iter()
        .map(|(env, secret)| {
            json!({
                "environment": env, "secret": secret,
                "command": format!("gh secret set {secret} --env {env} --repo {}/{}", config.owner, config.repo),
            })
        })
        .collect();
    json!({
        "schema": "pyrel-github-apply/1",
        "repository": format!("{}/{}", config.owner, config.repo),
        "dry_run": dry_run,
        "items": items,
        "writes": summary.writes,
        "requests": summary.requests,
        "failure": failure,
        "not_attempted": summary.not_attempted,
        "missing_secrets": secrets,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_reach_paths_percent_encoded() {
        assert_eq!(remote_segment("pypi"), "pypi");
        assert_eq!(remote_segment("a/b c"), "a%2Fb%20c");
    }
}
