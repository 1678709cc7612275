//! The GitHub calls of a release through a pull request: the branch's protection as
//! anyone with read access sees it, the repository's merge settings, and pull requests
//! (create, read, merge). A child module of the client, so it shares its one request
//! path (`send`: timeouts, rate limits, redirects, redaction) without widening its API.

use serde::Deserialize;

use super::{encode_multi_segment, GithubClient, Shape};
use crate::remote::RemoteError;

/// `GET /repos/{owner}/{repo}/branches/{branch}` (branch-with-protection), the fields a
/// release reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct Branch {
    pub(crate) name: String,
    /// Classic branch protection is on for the branch.
    pub(crate) protected: bool,
    pub(crate) commit: BranchCommit,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct BranchCommit {
    pub(crate) sha: String,
}

/// The merge settings of `GET /repos/{owner}/{repo}`: optional in the schema (absent
/// for tokens without push access), `None` then.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct MergeSettings {
    pub(crate) allow_merge_commit: Option<bool>,
    pub(crate) allow_squash_merge: Option<bool>,
    pub(crate) allow_rebase_merge: Option<bool>,
}

/// A pull request (`POST/GET /repos/{owner}/{repo}/pulls[/{n}]`), the fields a release
/// reads.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct PullRequest {
    pub(crate) number: u64,
    pub(crate) html_url: String,
    /// `open` or `closed`.
    pub(crate) state: String,
    pub(crate) merged: Option<bool>,
    pub(crate) merge_commit_sha: Option<String>,
    /// `clean`, `blocked` (reviews or checks missing), `behind`, `dirty`, `unstable`...
    pub(crate) mergeable_state: Option<String>,
    pub(crate) head: PullRef,
    pub(crate) base: PullRef,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct PullRef {
    #[serde(rename = "ref")]
    pub(crate) name: String,
    pub(crate) sha: String,
}

/// The answer of `PUT .../pulls/{n}/merge`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct Merged {
    pub(crate) sha: String,
    pub(crate) merged: bool,
    pub(crate) message: String,
}

impl GithubClient {
    fn pulls_path(&self) -> String {
        format!("{}/pulls", self.repo_path())
    }

    fn call_object<T: serde::de::DeserializeOwned>(
        &self,
        method: &'static str,
        path: &str,
        body: Option<&serde_json::Value>,
        required: &'static [&'static str],
    ) -> Result<T, RemoteError> {
        let url = format!("{}{path}", self.config.api_base);
        let answer = self.send(method, &url, path, body)?;
        Self::decode(path, method, &answer.body, Shape::Object(required))
    }

    /// `GET /repos/{owner}/{repo}/branches/{branch}`: readable with read access, unlike
    /// the protection endpoint (admin only).
    pub(crate) fn branch(&self, branch: &str) -> Result<Branch, RemoteError> {
        let path = format!(
            "{}/branches/{}",
            self.repo_path(),
            encode_multi_segment(branch)
        );
        self.call_object("GET", &path, None, &["name", "protected"])
    }

    /// The merge settings of the repository (`GET /repos/{owner}/{repo}`).
    pub(crate) fn merge_settings(&self) -> Result<MergeSettings, RemoteError> {
        self.call_object("GET", &self.repo_path(), None, &["name"])
    }

    /// `POST /repos/{owner}/{repo}/pulls` with `{title, head, base, body}`.
    pub(crate) fn create_pull(
        &self,
        title: &str,
        head: &str,
        base: &str,
        body: &str,
    ) -> Result<PullRequest, RemoteError> {
        let request = serde_json::json!({
            "title": title, "head": head, "base": base, "body": body,
            "maintainer_can_modify": false,
        });
        self.call_object(
            "POST",
            &self.pulls_path(),
            Some(&request),
            &["number", "html_url", "state", "head", "base"],
        )
    }

    /// `GET /repos/{owner}/{repo}/pulls/{pull_number}`.
    pub(crate) fn pull(&self, number: u64) -> Result<PullRequest, RemoteError> {
        self.call_object(
            "GET",
            &format!("{}/{number}", self.pulls_path()),
            None,
            &["number", "html_url", "state", "head", "base"],
        )
    }

    /// `PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge` with the head SHA the merge
    /// must see (GitHub answers 409 when the head moved) and the merge method. 405: not
    /// mergeable (reviews or checks missing).
    pub(crate) fn merge_pull(
        &self,
        number: u64,
        head_sha: &str,
        method: &str,
        title: &str,
    ) -> Result<Merged, RemoteError> {
        let request = serde_json::json!({
            "sha": head_sha, "merge_method": method, "commit_title": title,
        });
        let merged: Merged = self.call_object(
            "PUT",
            &format!("{}/{number}/merge", self.pulls_path()),
            Some(&request),
            &["sha", "merged"],
        )?;
        Ok(merged)
    }
}
