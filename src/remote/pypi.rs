//! The PyPI JSON API client: does this release already exist?

use std::str::FromStr;
use std::time::Duration;

use serde::Deserialize;

use super::http::{Call, Http};
use super::{RemoteError, DEFAULT_RETRY_CAP, DEFAULT_TIMEOUT};

/// The public index; TestPyPI, mirrors and tests override it with `PYREL_PYPI_URL`.
pub(crate) const DEFAULT_PYPI_BASE: &str = "https://pypi.org";

/// What the index says about a version of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PypiAnswer {
    /// A release with this version (PEP 440-equal) is on the index: uploading it again
    /// would be refused, even if it was yanked or its files deleted.
    VersionExists,
    /// The project exists without this version. `latest` is the index's current version.
    VersionAbsent { latest: Option<String> },
    /// 404: no such project yet, i.e. this would be its first release.
    ProjectMissing,
}

/// A PyPI JSON API client. `Sync`: share it by reference across threads.
#[derive(Debug, Clone)]
pub struct PypiClient {
    /// No trailing slash, e.g. `https://pypi.org`.
    base: String,
    http: HttpDebug,
}

/// `Http` holds a ureq agent without `Debug`; this wrapper keeps `PypiClient: Debug`.
#[derive(Clone)]
struct HttpDebug(Http);

impl std::fmt::Debug for HttpDebug {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Http")
    }
}

/// The documented project document: `info` (with `version`) and `releases` are
/// required, so a 200 of `{}` or another shape is a decode error (`unknown`), never a
/// "version absent" that would pass.
#[derive(Deserialize)]
struct ProjectJson {
    info: ProjectInfo,
    releases: std::collections::BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct ProjectInfo {
    version: String,
}

impl PypiClient {
    /// A client for `base` (e.g. `https://test.pypi.org`).
    pub fn new(base: impl Into<String>, timeout: Duration) -> Self {
        let base = base.into().trim().trim_end_matches('/').to_owned();
        PypiClient {
            base,
            http: HttpDebug(Http::new(timeout, DEFAULT_RETRY_CAP)),
        }
    }

    /// The base from `PYREL_PYPI_URL`, else PyPI, with [`DEFAULT_TIMEOUT`].
    pub(crate) fn from_env() -> Self {
        let base = std::env::var("PYREL_PYPI_URL")
            .ok()
            .filter(|v| !v.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_PYPI_BASE.to_owned());
        Self::new(base, DEFAULT_TIMEOUT)
    }

    pub(crate) fn base(&self) -> &str {
        &self.base
    }

    /// Whether `project` already has `version` on the index, via
    /// `GET {base}/pypi/{name}/json`. Versions compare by PEP 440 (`1.0` equals
    /// `1.0.0`, `1.0RC1` equals `1.0rc1`); a version that does not parse compares as text.
    pub fn release_exists(&self, project: &str, version: &str) -> Result<PypiAnswer, RemoteError> {
        let path = format!(
            "/pypi/{}/json",
            super::github::encode_segment(&normalize_project_name(project))
        );
        let url = format!("{}{path}", self.base);
        let endpoint = format!("GET {path}");
        let answer = match self.http.0.call(&Call {
            method: "GET",
            url: &url,
            endpoint: &endpoint,
            headers: &[("Accept", "application/json".to_owned())],
            body: None,
            secrets: &[],
            authenticated: false,
        }) {
            Ok(answer) => answer,
            Err(RemoteError::NotFound { .. }) => return Ok(PypiAnswer::ProjectMissing),
            Err(e) => return Err(e),
        };
        let decode_error = |message: String| RemoteError::Decode {
            endpoint: endpoint.clone(),
            message,
        };
        let value: serde_json::Value =
            serde_json::from_str(&answer.body).map_err(|e| decode_error(e.to_string()))?;
        if !value.is_object() {
            return Err(decode_error(
                "the answer is not a JSON object as documented".into(),
            ));
        }
        let json: ProjectJson =
            serde_json::from_value(value).map_err(|e| decode_error(e.to_string()))?;
        let wanted = pep440_rs::Version::from_str(version.trim()).ok();
        let matches = |candidate: &str| match (&wanted, pep440_rs::Version::from_str(candidate)) {
            (Some(wanted), Ok(candidate)) => *wanted == candidate,
            _ => candidate.trim() == version.trim(),
        };
        let exists = json.releases.keys().any(|k| matches(k)) || matches(&json.info.version);
        Ok(if exists {
            PypiAnswer::VersionExists
        } else {
            PypiAnswer::VersionAbsent {
                latest: Some(json.info.version),
            }
        })
    }
}

/// PEP 503 normalization (`Foo.Bar_baz` → `foo-bar-baz`): the index redirects other
/// spellings, and one request is cheaper than two.
pub(crate) fn normalize_project_name(name: &str) -> String {
    crate::grammar::normalized_dist_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pep503_names() {
        assert_eq!(normalize_project_name("Foo.Bar__baz"), "foo-bar-baz");
        assert_eq!(normalize_project_name("pyrel"), "pyrel");
        assert_eq!(normalize_project_name("A-_-B"), "a-b");
    }
}
