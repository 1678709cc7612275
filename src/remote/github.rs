//! The GitHub REST client: repository, Actions secrets and variables, environments,
//! branch protection, rulesets, refs and tags.

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Deserialize;

use super::github_types::{
    BranchProtection, BranchRule, DeploymentBranchPolicy, Environment, Repository, Ruleset,
};
use super::http::{Answer, Call, Http};
use super::{RemoteError, Secret, DEFAULT_RETRY_CAP, DEFAULT_TIMEOUT};

// The calls of `github apply` and `release` (child modules: they share `send`).
mod pulls;
pub(crate) use pulls::{MergeSettings, PullRequest};
mod write;

/// The public API base; GitHub Enterprise and tests override it with `GITHUB_API_URL`.
pub(crate) const DEFAULT_API_BASE: &str = "https://api.github.com";

/// Pages followed for one list. 20 pages of 100 covers any sane repository and keeps
/// a misbehaving server (an endless `Link: rel=next` chain) from running forever; a
/// list longer than that is [`RemoteError::Incomplete`], never taken as complete.
const MAX_PAGES: usize = 20;

/// Where to reach GitHub and as whom.
#[derive(Debug, Clone)]
pub struct GithubConfig {
    /// No trailing slash, e.g. `https://api.github.com`.
    pub api_base: String,
    /// `None`: anonymous requests (public reads only, 60 requests an hour).
    pub token: Option<Secret>,
    pub(crate) owner: String,
    pub(crate) repo: String,
    /// Per request, connecting included.
    pub timeout: Duration,
    /// A rate limit asking to wait at most this long is waited out and retried once.
    pub(crate) retry_cap: Duration,
}

impl GithubConfig {
    /// Defaults for `owner/repo`: API base from `GITHUB_API_URL`, no token (see
    /// [`token_from_env`]), [`DEFAULT_TIMEOUT`], [`DEFAULT_RETRY_CAP`].
    pub fn new(owner: impl Into<String>, repo: impl Into<String>) -> Self {
        let api_base = std::env::var("GITHUB_API_URL")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_API_BASE.to_owned());
        GithubConfig {
            api_base: api_base.trim().trim_end_matches('/').to_owned(),
            token: None,
            owner: owner.into(),
            repo: repo.into(),
            timeout: DEFAULT_TIMEOUT,
            retry_cap: DEFAULT_RETRY_CAP,
        }
    }
}

/// Where the token came from, so doctor can say which one was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    GhTokenEnv,
    GithubTokenEnv,
    GhCli,
}

impl std::fmt::Display for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TokenSource::GhTokenEnv => "GH_TOKEN",
            TokenSource::GithubTokenEnv => "GITHUB_TOKEN",
            TokenSource::GhCli => "`gh auth token`",
        })
    }
}

/// The token to use, in the order the GitHub CLI itself uses: `GH_TOKEN`,
/// `GITHUB_TOKEN`, then `gh auth token` when `gh` is installed. Setting `PYREL_NO_GH`
/// skips the `gh` call (tests, and users who do not want pyrel to ask gh).
pub fn token_from_env() -> Option<(Secret, TokenSource)> {
    for (var, source) in [
        ("GH_TOKEN", TokenSource::GhTokenEnv),
        ("GITHUB_TOKEN", TokenSource::GithubTokenEnv),
    ] {
        if let Ok(value) = std::env::var(var) {
            let value = value.trim();
            if !value.is_empty() {
                return Some((Secret::new(value), source));
            }
        }
    }
    if std::env::var_os("PYREL_NO_GH").is_some() {
        return None;
    }
    let output = std::process::Command::new("gh")
        .args(["auth", "token"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let token = String::from_utf8(output.stdout).ok()?;
    let token = token.trim();
    (!token.is_empty()).then(|| (Secret::new(token), TokenSource::GhCli))
}

/// The token of `GH_TOKEN` / `GITHUB_TOKEN`, without asking `gh` (for redaction).
pub(crate) fn token_from_env_only() -> Option<Secret> {
    ["GH_TOKEN", "GITHUB_TOKEN"].iter().find_map(|var| {
        let value = std::env::var(var).ok()?;
        let value = value.trim();
        (!value.is_empty()).then(|| Secret::new(value))
    })
}

/// A GitHub REST client for one repository. `Sync`: share it by reference across
/// doctor's threads.
#[derive(Clone)]
pub struct GithubClient {
    config: GithubConfig,
    http: Http,
    headers: Vec<(&'static str, String)>,
}

impl std::fmt::Debug for GithubClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The headers hold the token; the config prints it as `***`.
        f.debug_struct("GithubClient")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct SecretsPage {
    #[serde(default)]
    secrets: Vec<NamedItem>,
}

#[derive(Deserialize)]
struct NamedItem {
    name: String,
}

#[derive(Deserialize)]
struct EnvironmentsPage {
    #[serde(default)]
    environments: Vec<Environment>,
}

#[derive(Deserialize)]
struct BranchPoliciesPage {
    #[serde(default)]
    branch_policies: Vec<DeploymentBranchPolicy>,
}

impl GithubClient {
    pub fn new(config: GithubConfig) -> Self {
        let mut headers = vec![
            ("Accept", "application/vnd.github+json".to_owned()),
            ("X-GitHub-Api-Version", "2022-11-28".to_owned()),
        ];
        if let Some(token) = &config.token {
            super::remember(token);
            headers.push(("Authorization", format!("Bearer {}", token.expose())));
        }
        let http = Http::new(config.timeout, config.retry_cap);
        GithubClient {
            config,
            http,
            headers,
        }
    }

    pub(crate) fn config(&self) -> &GithubConfig {
        &self.config
    }

    /// `/repos/{owner}/{repo}` with both parts percent-encoded.
    fn repo_path(&self) -> String {
        format!(
            "/repos/{}/{}",
            encode_segment(&self.config.owner),
            encode_segment(&self.config.repo)
        )
    }

    /// One request; `path` starts with `/` and may carry a query string, which the
    /// endpoint shown in messages leaves out.
    fn send(
        &self,
        method: &'static str,
        url: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<Answer, RemoteError> {
        let endpoint = format!("{method} {}", path.split('?').next().unwrap_or(path));
        let secrets: Vec<&Secret> = self.config.token.iter().collect();
        self.http.call(&Call {
            method,
            url,
            endpoint: &endpoint,
            headers: &self.headers,
            body,
            secrets: &secrets,
            authenticated: self.config.token.is_some(),
        })
    }

    /// Decodes an answer that must have the documented shape: `required` keys present
    /// in the object (or in every object of an array). A 200 that is `{}`, `[]` where
    /// an object is documented, or lacks a documented key is a decode error, which
    /// doctor reports as `unknown`, never as pass or fail.
    fn decode<T: DeserializeOwned>(
        path: &str,
        method: &str,
        body: &str,
        shape: Shape,
    ) -> Result<T, RemoteError> {
        let fail = |message: String| RemoteError::Decode {
            endpoint: format!("{method} {}", path.split('?').next().unwrap_or(path)),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(body).map_err(|e| fail(e.to_string()))?;
        check_shape(&value, shape).map_err(fail)?;
        serde_json::from_value(value).map_err(|e| fail(e.to_string()))
    }

    fn get<T: DeserializeOwned>(&self, path: &str, shape: Shape) -> Result<T, RemoteError> {
        let url = format!("{}{path}", self.config.api_base);
        let answer = self.send("GET", &url, path, None)?;
        Self::decode(path, "GET", &answer.body, shape)
    }

    /// Every page of a list endpoint, each decoded as `P` and flattened by `items`,
    /// read to its end or not at all: a `next` link that leaves the configured API base
    /// (where the token must not go), that comes back to a page already read, or that
    /// still follows after [`MAX_PAGES`] pages, and a list shorter than the
    /// `total_count` its pages announce, are [`RemoteError::Incomplete`]. Doctor makes
    /// that `unknown`, `github apply` and `release` stop: nothing decides on part of a
    /// list (docs/security.md, Lists).
    pub(super) fn get_all<P: DeserializeOwned, T>(
        &self,
        path: &str,
        shape: Shape,
        items: impl Fn(P) -> Vec<T>,
    ) -> Result<Vec<T>, RemoteError> {
        let sep = if path.contains('?') { '&' } else { '?' };
        let path = format!("{path}{sep}per_page=100");
        let mut url = format!("{}{path}", self.config.api_base);
        let endpoint = format!("GET {}", path.split('?').next().unwrap_or(&path));
        let incomplete = |reason: String| RemoteError::Incomplete {
            endpoint: endpoint.clone(),
            reason,
        };
        let mut all = Vec::new();
        let mut seen = vec![url.clone()];
        let mut announced: Option<u64> = None;
        for _ in 0..MAX_PAGES {
            let answer = self.send("GET", &url, &path, None)?;
            let value: serde_json::Value = Self::decode(&path, "GET", &answer.body, shape)?;
            if let Some(n) = value.get("total_count").and_then(serde_json::Value::as_u64) {
                announced = Some(announced.map_or(n, |a| a.max(n)));
            }
            let page: P = serde_json::from_value(value).map_err(|e| RemoteError::Decode {
                endpoint: endpoint.clone(),
                message: e.to_string(),
            })?;
            all.extend(items(page));
            match answer.next {
                None => {
                    return match announced {
                        Some(n) if (all.len() as u64) < n => Err(incomplete(format!(
                            "`total_count` is {n}, the pages held {}",
                            all.len()
                        ))),
                        _ => Ok(all),
                    };
                }
                Some(next) if !next.starts_with(&format!("{}/", self.config.api_base)) => {
                    return Err(incomplete("a `next` page link leaves the API base".into()));
                }
                Some(next) if seen.contains(&next) => {
                    return Err(incomplete(
                        "a `next` page link leads back to a page already read".into(),
                    ));
                }
                Some(next) => {
                    seen.push(next.clone());
                    url = next;
                }
            }
        }
        Err(incomplete(format!("more than {MAX_PAGES} pages of 100")))
    }

    /// `GET /repos/{owner}/{repo}`.
    pub fn repo(&self) -> Result<Repository, RemoteError> {
        self.get(&self.repo_path(), Shape::Object(&["name", "full_name"]))
    }

    /// `GET /repos/{owner}/{repo}/actions/secrets`: names only (values are never
    /// readable through the API).
    pub fn repo_secrets(&self) -> Result<Vec<String>, RemoteError> {
        let path = format!("{}/actions/secrets", self.repo_path());
        self.get_all(
            &path,
            Shape::Page("secrets", &["name"]),
            |p: SecretsPage| p.secrets.into_iter().map(|s| s.name).collect(),
        )
    }

    /// `GET /repos/{owner}/{repo}/environments`.
    pub fn environments(&self) -> Result<Vec<Environment>, RemoteError> {
        let path = format!("{}/environments", self.repo_path());
        self.get_all(
            &path,
            Shape::Page("environments", &["id", "name"]),
            |p: EnvironmentsPage| p.environments,
        )
    }

    /// `GET /repos/{owner}/{repo}/environments/{name}`; `Ok(None)` on 404. GitHub
    /// also answers 404 when the repository is invisible, so call [`Self::repo`]
    /// first to tell the two apart.
    pub fn environment(&self, name: &str) -> Result<Option<Environment>, RemoteError> {
        let path = format!("{}/environments/{}", self.repo_path(), encode_segment(name));
        match self.get(&path, Shape::Object(&["id", "name"])) {
            Ok(env) => Ok(Some(env)),
            Err(RemoteError::NotFound { .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// `GET /repos/{owner}/{repo}/environments/{name}/secrets`: names only.
    pub fn environment_secrets(&self, environment: &str) -> Result<Vec<String>, RemoteError> {
        let path = format!(
            "{}/environments/{}/secrets",
            self.repo_path(),
            encode_segment(environment)
        );
        self.get_all(
            &path,
            Shape::Page("secrets", &["name"]),
            |p: SecretsPage| p.secrets.into_iter().map(|s| s.name).collect(),
        )
    }

    /// `GET /repos/{owner}/{repo}/environments/{name}/deployment-branch-policies`.
    pub fn deployment_branch_policies(
        &self,
        environment: &str,
    ) -> Result<Vec<DeploymentBranchPolicy>, RemoteError> {
        let path = format!(
            "{}/environments/{}/deployment-branch-policies",
            self.repo_path(),
            encode_segment(environment)
        );
        self.get_all(
            &path,
            // `id` and `name` are optional in the schema: a policy without a name
            // matches nothing and is still a policy (see the environments check).
            Shape::Page("branch_policies", &[]),
            |p: BranchPoliciesPage| p.branch_policies,
        )
    }

    /// `GET /repos/{owner}/{repo}/branches/{branch}/protection`. An unprotected branch
    /// is an answer, not a failure: GitHub's 404 "Branch not protected" is `Ok(None)`.
    /// Any other 404 (repository or branch invisible) stays an error.
    pub fn branch_protection(&self, branch: &str) -> Result<Option<BranchProtection>, RemoteError> {
        let path = format!(
            "{}/branches/{}/protection",
            self.repo_path(),
            encode_multi_segment(branch)
        );
        // The schema of the GET requires no field (`url` included); an empty object
        // is still refused, as everywhere.
        match self.get(&path, Shape::Object(&[])) {
            Ok(protection) => Ok(Some(protection)),
            Err(RemoteError::NotFound { message, .. })
                if message.contains("Branch not protected") =>
            {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// `PUT /repos/{owner}/{repo}/branches/{branch}/protection` with a body shaped like
    /// `.github/branch-protection.json`; returns the protection GitHub now applies.
    pub fn update_branch_protection(
        &self,
        branch: &str,
        body: &serde_json::Value,
    ) -> Result<BranchProtection, RemoteError> {
        let path = format!(
            "{}/branches/{}/protection",
            self.repo_path(),
            encode_multi_segment(branch)
        );
        let url = format!("{}{path}", self.config.api_base);
        let answer = self.send("PUT", &url, &path, Some(body))?;
        Self::decode(&path, "PUT", &answer.body, Shape::Object(&["url"]))
    }

    /// `GET /repos/{owner}/{repo}/rulesets` (including rulesets inherited from the org).
    pub fn rulesets(&self) -> Result<Vec<Ruleset>, RemoteError> {
        let path = format!("{}/rulesets", self.repo_path());
        self.get_all(&path, Shape::List(&["id", "name"]), |p: Vec<Ruleset>| p)
    }

    /// `GET /repos/{owner}/{repo}/rules/branches/{branch}`: every active rule that
    /// applies to the branch, whichever ruleset it comes from.
    pub fn rules_for_branch(&self, branch: &str) -> Result<Vec<BranchRule>, RemoteError> {
        let path = format!(
            "{}/rules/branches/{}",
            self.repo_path(),
            encode_multi_segment(branch)
        );
        self.get_all(&path, Shape::List(&["type"]), |p: Vec<BranchRule>| p)
    }
}

/// The documented shape of an answer: an object with these keys, or a list of such
/// objects.
#[derive(Debug, Clone, Copy)]
pub(super) enum Shape {
    Object(&'static [&'static str]),
    List(&'static [&'static str]),
    /// `{"total_count": N, "<list>": [ {<keys>}, ... ]}`, `total_count` optional.
    Page(&'static str, &'static [&'static str]),
}

/// Whether an answer has the documented shape (see [`GithubClient::decode`]).
fn check_shape(value: &serde_json::Value, shape: Shape) -> Result<(), String> {
    use serde_json::Value;
    let object = |o: &serde_json::Map<String, Value>, required: &[&str]| -> Result<(), String> {
        if let Some(k) = required.iter().find(|k| !o.contains_key(**k)) {
            return Err(if o.is_empty() {
                "the answer is an empty object `{}`, not the documented shape".to_string()
            } else {
                format!("the answer lacks the documented field `{k}`")
            });
        }
        Ok(())
    };
    match (shape, value) {
        (Shape::Object(_), Value::Object(o)) if o.is_empty() => {
            Err("the answer is an empty object `{}`, not the documented shape".into())
        }
        (Shape::Object(required), Value::Object(o)) => object(o, required),
        (Shape::Object(_), _) => Err("the answer is not a JSON object as documented".into()),
        (Shape::List(required), Value::Array(items)) => {
            items.iter().try_for_each(|item| match item {
                Value::Object(o) => object(o, required),
                _ => Err("a list item is not an object".to_string()),
            })
        }
        (Shape::List(_), _) => Err("the answer is not a JSON list as documented".into()),
        (Shape::Page(list, required), Value::Object(o)) => {
            if o.is_empty() {
                return Err("the answer is an empty object `{}`, not the documented shape".into());
            }
            // `total_count` is optional in some list schemas (environments); when
            // present it must be a count, and `get_all` holds the list to it.
            if o.get("total_count").is_some_and(|n| !n.is_u64()) {
                return Err("`total_count` is not a number as documented".into());
            }
            match o.get(list) {
                Some(Value::Array(items)) => items.iter().try_for_each(|item| match item {
                    Value::Object(i) => object(i, required),
                    _ => Err(format!("an item of `{list}` is not an object")),
                }),
                Some(_) => Err(format!("`{list}` is not a list as documented")),
                None => Err(format!("the answer lacks the documented list `{list}`")),
            }
        }
        (Shape::Page(..), _) => Err("the answer is not a JSON object as documented".into()),
    }
}

/// Percent-encodes one path segment (RFC 3986 unreserved characters stay). Environment
/// names may contain `/`, which GitHub wants as `%2F`.
pub(crate) fn encode_segment(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Percent-encodes a multi-segment parameter (branch names, ref prefixes): `/` stays.
fn encode_multi_segment(text: &str) -> String {
    text.split('/')
        .map(encode_segment)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_encoding() {
        assert_eq!(encode_segment("release/pypi env"), "release%2Fpypi%20env");
        assert_eq!(encode_multi_segment("release/1.x"), "release/1.x");
        assert_eq!(encode_multi_segment("feat/ü"), "feat/%C3%BC");
    }

    #[test]
    fn debug_of_client_and_config_hides_the_token() {
        let mut config = GithubConfig::new("o", "r");
        config.token = Some(Secret::new("ghp_FAKE0000000000000000000000000000000000"));
        let client = GithubClient::new(config);
        let debug = format!("{client:?}");
        assert!(!debug.contains("FAKE"), "{debug}");
        assert!(debug.contains("***"), "{debug}");
    }

    #[test]
    fn clients_are_sync() {
        fn assert_sync<T: Sync + Send>() {}
        assert_sync::<GithubClient>();
        assert_sync::<crate::remote::PypiClient>();
    }
}
