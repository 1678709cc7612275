//! The GitHub calls of `pyrel github apply` and `pyrel release`: environment and ruleset
//! writes, users and teams, check runs and commit statuses, workflow runs, pending
//! deployments, releases. A child module of the client, so it shares its one request
//! path (`send`: timeouts, rate limits, redaction) without widening its API.
//!
//! Every answer is checked against the documented shape before it is used: a 200 `{}`
//! is a decode error, never an empty (and falsely reassuring) value.

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::{encode_multi_segment, encode_segment, GithubClient, Shape};
use crate::remote::github_types::{
    Account, CheckRun, CommitStatus, DeploymentBranchPolicy, Environment, PendingDeployment,
    Release, RulesetDetail, Team, WorkflowRun,
};
use crate::remote::RemoteError;

impl GithubClient {
    /// Decodes an answer of `github apply` / `release` that must be a JSON object with
    /// the `required` documented keys: a 200 `{}` is a decode error, never an empty
    /// (and falsely reassuring) value.
    fn documented<T: DeserializeOwned>(
        path: &str,
        method: &str,
        body: &str,
        required: &[&str],
    ) -> Result<T, RemoteError> {
        let fail = |message: String| RemoteError::Decode {
            endpoint: format!("{method} {}", path.split('?').next().unwrap_or(path)),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(body).map_err(|e| fail(e.to_string()))?;
        match value.as_object() {
            None => return Err(fail("the answer is not a JSON object as documented".into())),
            Some(o) if o.is_empty() => {
                return Err(fail(
                    "the answer is an empty object `{}`, not the documented shape".into(),
                ))
            }
            Some(_) => {}
        }
        if let Some(key) = required.iter().find(|k| value.get(**k).is_none()) {
            return Err(fail(format!(
                "the answer lacks the documented field `{key}`"
            )));
        }
        serde_json::from_value(value).map_err(|e| fail(e.to_string()))
    }

    /// A `GET` whose answer is an object with the `required` keys.
    fn read<T: DeserializeOwned>(&self, path: &str, required: &[&str]) -> Result<T, RemoteError> {
        let url = format!("{}{path}", self.config.api_base);
        let answer = self.send("GET", &url, path, None)?;
        Self::documented(path, "GET", &answer.body, required)
    }

    /// A write (`POST`, `PUT`) with a JSON body; the answer is an object with the
    /// `required` keys.
    fn write<T: DeserializeOwned>(
        &self,
        method: &'static str,
        path: &str,
        body: &serde_json::Value,
        required: &[&str],
    ) -> Result<T, RemoteError> {
        let url = format!("{}{path}", self.config.api_base);
        let answer = self.send(method, &url, path, Some(body))?;
        Self::documented(path, method, &answer.body, required)
    }

    /// `/repos/{owner}/{repo}` + `suffix`, for callers that print the requests they
    /// would send (`github apply --dry-run`).
    pub(crate) fn repo_endpoint(&self, suffix: &str) -> String {
        format!("{}{suffix}", self.repo_path())
    }

    /// `PUT /repos/{owner}/{repo}/environments/{name}`: creates or updates an environment
    /// (reviewers, `prevent_self_review`, `wait_timer`, `deployment_branch_policy`).
    pub(crate) fn put_environment(
        &self,
        name: &str,
        body: &serde_json::Value,
    ) -> Result<Environment, RemoteError> {
        let path = format!("{}/environments/{}", self.repo_path(), encode_segment(name));
        self.write("PUT", &path, body, &["id", "name"])
    }

    /// `POST /repos/{owner}/{repo}/environments/{name}/deployment-branch-policies` with
    /// `{"name": pattern, "type": "branch"|"tag"}`.
    pub(crate) fn create_deployment_branch_policy(
        &self,
        environment: &str,
        body: &serde_json::Value,
    ) -> Result<DeploymentBranchPolicy, RemoteError> {
        let path = format!(
            "{}/environments/{}/deployment-branch-policies",
            self.repo_path(),
            encode_segment(environment)
        );
        // The schema requires no field of a policy; `{}` is still refused.
        self.write("POST", &path, body, &[])
    }

    /// `DELETE /repos/{owner}/{repo}/environments/{name}/deployment-branch-policies/{id}`
    /// (204, no body).
    pub(crate) fn delete_deployment_branch_policy(
        &self,
        environment: &str,
        id: u64,
    ) -> Result<(), RemoteError> {
        let path = format!(
            "{}/environments/{}/deployment-branch-policies/{id}",
            self.repo_path(),
            encode_segment(environment)
        );
        let url = format!("{}{path}", self.config.api_base);
        self.send("DELETE", &url, &path, None).map(|_| ())
    }

    /// `GET /users/{username}`.
    pub(crate) fn user(&self, login: &str) -> Result<Account, RemoteError> {
        self.read(
            &format!("/users/{}", encode_segment(login)),
            &["id", "login", "type"],
        )
    }

    /// `GET /orgs/{org}/teams/{team_slug}`.
    pub(crate) fn team(&self, org: &str, slug: &str) -> Result<Team, RemoteError> {
        self.read(
            &format!(
                "/orgs/{}/teams/{}",
                encode_segment(org),
                encode_segment(slug)
            ),
            &["id", "slug"],
        )
    }

    /// `GET /repos/{owner}/{repo}/rulesets/{id}`: one ruleset with its rules.
    pub(crate) fn ruleset(&self, id: u64) -> Result<RulesetDetail, RemoteError> {
        self.read(
            &format!("{}/rulesets/{id}", self.repo_path()),
            &["id", "name", "enforcement"],
        )
    }

    /// `POST /repos/{owner}/{repo}/rulesets`.
    pub(crate) fn create_ruleset(
        &self,
        body: &serde_json::Value,
    ) -> Result<RulesetDetail, RemoteError> {
        self.write(
            "POST",
            &format!("{}/rulesets", self.repo_path()),
            body,
            &["id", "name"],
        )
    }

    /// `PUT /repos/{owner}/{repo}/rulesets/{id}`.
    pub(crate) fn update_ruleset(
        &self,
        id: u64,
        body: &serde_json::Value,
    ) -> Result<RulesetDetail, RemoteError> {
        self.write(
            "PUT",
            &format!("{}/rulesets/{id}", self.repo_path()),
            body,
            &["id", "name"],
        )
    }

    /// `GET /repos/{owner}/{repo}/commits/{ref}/check-runs`: every check run of a commit,
    /// every page (a commit with more than 100 check runs is common in a matrix).
    pub(crate) fn check_runs(&self, git_ref: &str) -> Result<Vec<CheckRun>, RemoteError> {
        let path = format!(
            "{}/commits/{}/check-runs",
            self.repo_path(),
            encode_multi_segment(git_ref)
        );
        self.get_all(
            &path,
            Shape::Page("check_runs", &["id", "name", "status"]),
            |p: CheckRunsPage| p.check_runs,
        )
    }

    /// `GET /repos/{owner}/{repo}/commits/{ref}/status`: the latest status of each
    /// context (the combined status's `statuses`, every page).
    pub(crate) fn commit_statuses(&self, git_ref: &str) -> Result<Vec<CommitStatus>, RemoteError> {
        let path = format!(
            "{}/commits/{}/status",
            self.repo_path(),
            encode_multi_segment(git_ref)
        );
        self.get_all(
            &path,
            Shape::Page("statuses", &["context", "state"]),
            |s: CombinedStatus| s.statuses,
        )
    }

    /// `GET /repos/{owner}/{repo}/actions/runs?event=push&branch={tag}`: the runs a pushed
    /// tag started (for a tag push, GitHub reports the tag as `head_branch`), every page.
    pub(crate) fn runs_for_tag(&self, tag: &str) -> Result<Vec<WorkflowRun>, RemoteError> {
        let path = format!(
            "{}/actions/runs?event=push&branch={}",
            self.repo_path(),
            encode_segment(tag)
        );
        self.get_all(
            &path,
            Shape::Page("workflow_runs", &["id", "head_sha"]),
            |p: WorkflowRunsPage| p.workflow_runs,
        )
    }

    /// `GET /repos/{owner}/{repo}/actions/runs/{run_id}`.
    pub(crate) fn workflow_run(&self, id: u64) -> Result<WorkflowRun, RemoteError> {
        self.read(
            &format!("{}/actions/runs/{id}", self.repo_path()),
            &["id", "status", "html_url"],
        )
    }

    /// `GET /repos/{owner}/{repo}/actions/runs/{run_id}/pending_deployments`.
    pub(crate) fn pending_deployments(
        &self,
        run_id: u64,
    ) -> Result<Vec<PendingDeployment>, RemoteError> {
        let path = format!(
            "{}/actions/runs/{run_id}/pending_deployments",
            self.repo_path()
        );
        let url = format!("{}{path}", self.config.api_base);
        let answer = self.send("GET", &url, &path, None)?;
        let fail = |message: String| RemoteError::Decode {
            endpoint: format!("GET {path}"),
            message,
        };
        // A JSON array; each item is a documented object with its environment.
        let value: serde_json::Value =
            serde_json::from_str(&answer.body).map_err(|e| fail(e.to_string()))?;
        let Some(items) = value.as_array() else {
            return Err(fail("the answer is not a JSON array as documented".into()));
        };
        if items.iter().any(|i| i.get("environment").is_none()) {
            return Err(fail(
                "an item lacks the documented field `environment`".into(),
            ));
        }
        serde_json::from_value(value).map_err(|e| fail(e.to_string()))
    }

    /// `GET /repos/{owner}/{repo}/releases/tags/{tag}`; `Ok(None)` on 404.
    pub(crate) fn release_by_tag(&self, tag: &str) -> Result<Option<Release>, RemoteError> {
        let path = format!(
            "{}/releases/tags/{}",
            self.repo_path(),
            encode_multi_segment(tag)
        );
        match self.read(&path, &["id", "tag_name", "html_url"]) {
            Ok(release) => Ok(Some(release)),
            Err(RemoteError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

#[derive(Deserialize)]
struct CheckRunsPage {
    #[serde(default)]
    check_runs: Vec<CheckRun>,
}

#[derive(Deserialize)]
struct CombinedStatus {
    #[serde(default)]
    statuses: Vec<CommitStatus>,
}

#[derive(Deserialize)]
struct WorkflowRunsPage {
    #[serde(default)]
    workflow_runs: Vec<WorkflowRun>,
}
