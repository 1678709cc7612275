//! The PyPI JSON API client: does this release already exist, and whose is the name?

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

/// The documented project document: `info` (with `version`) is required, so a 200 of
/// `{}` or another shape is a decode error (`unknown`), never a "version absent" that
/// would pass. `releases` is deprecated and may go: read when present, never required.
#[derive(Deserialize)]
struct ProjectJson {
    info: ProjectInfo,
    #[serde(default)]
    releases: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    /// The files of the version (of the latest one, in the project document).
    #[serde(default)]
    urls: Vec<FileEntry>,
}

#[derive(Deserialize)]
struct FileEntry {
    filename: String,
}

/// The Integrity API's provenance of one file (`version` 1): attestation bundles, each
/// with the Trusted Publisher that produced it.
#[derive(Deserialize)]
struct Provenance {
    attestation_bundles: Vec<AttestationBundle>,
}

#[derive(Deserialize)]
struct AttestationBundle {
    publisher: Publisher,
    #[serde(default)]
    attestations: Vec<serde_json::Value>,
}

#[derive(Deserialize)]
struct Publisher {
    kind: String,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    workflow: Option<String>,
}

#[derive(Deserialize)]
pub(crate) struct ProjectInfo {
    pub(crate) version: String,
    #[serde(default)]
    pub(crate) project_urls: Option<std::collections::BTreeMap<String, Option<String>>>,
    #[serde(default)]
    pub(crate) home_page: Option<String>,
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

    /// One `GET {base}{path}` decoded as `T`; `Ok(None)` on 404. A 200 must be a JSON
    /// object of the documented shape.
    fn get_json<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
    ) -> Result<Option<T>, RemoteError> {
        self.get_json_as(path, "application/json")
    }

    fn get_json_as<T: serde::de::DeserializeOwned>(
        &self,
        path: &str,
        accept: &str,
    ) -> Result<Option<T>, RemoteError> {
        let url = format!("{}{path}", self.base);
        let endpoint = format!("GET {path}");
        let answer = match self.http.0.call(&Call {
            method: "GET",
            url: &url,
            endpoint: &endpoint,
            headers: &[("Accept", accept.to_owned())],
            body: None,
            secrets: &[],
            authenticated: false,
        }) {
            Ok(answer) => answer,
            Err(RemoteError::NotFound { .. }) => return Ok(None),
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
        serde_json::from_value(value)
            .map(Some)
            .map_err(|e| decode_error(e.to_string()))
    }

    /// Whether `project` already has `version` on the index. Asks the version's own
    /// document first (`GET {base}/pypi/{name}/{version}/json`: 200 is there, yanked
    /// or not; 404 is not), then the project's (`GET {base}/pypi/{name}/json`: 404 is a
    /// project that does not exist yet, else its current version). The project
    /// document's deprecated `releases` is read when the index still sends it (a
    /// PEP 440-equal spelling there counts), and never required. Versions compare by
    /// PEP 440 (`1.0` equals `1.0.0`, `1.0RC1` equals `1.0rc1`); a version that does not
    /// parse compares as text.
    pub fn release_exists(&self, project: &str, version: &str) -> Result<PypiAnswer, RemoteError> {
        let name = super::github::encode_segment(&normalize_project_name(project));
        let wanted = pep440_rs::Version::from_str(version.trim()).ok();
        let matches = |candidate: &str| match (&wanted, pep440_rs::Version::from_str(candidate)) {
            (Some(wanted), Ok(candidate)) => *wanted == candidate,
            _ => candidate.trim() == version.trim(),
        };
        let version_path = format!(
            "/pypi/{name}/{}/json",
            super::github::encode_segment(&normalize_version(version))
        );
        if let Some(doc) = self.get_json::<ProjectJson>(&version_path)? {
            if !matches(&doc.info.version) {
                return Err(RemoteError::Decode {
                    endpoint: format!("GET {version_path}"),
                    message: format!(
                        "the document of version {} names version {}",
                        version.trim(),
                        doc.info.version
                    ),
                });
            }
            return Ok(PypiAnswer::VersionExists);
        }
        let Some(json) = self.get_json::<ProjectJson>(&format!("/pypi/{name}/json"))? else {
            return Ok(PypiAnswer::ProjectMissing);
        };
        let listed = json
            .releases
            .as_ref()
            .is_some_and(|r| r.keys().any(|k| matches(k)));
        Ok(if listed || matches(&json.info.version) {
            PypiAnswer::VersionExists
        } else {
            PypiAnswer::VersionAbsent {
                latest: Some(json.info.version),
            }
        })
    }

    /// The project's document (`GET {base}/pypi/{name}/json`): its current version and
    /// the URLs it names; `Ok(None)` when the index has no such project.
    pub(crate) fn project_info(&self, project: &str) -> Result<Option<ProjectInfo>, RemoteError> {
        let name = super::github::encode_segment(&normalize_project_name(project));
        Ok(self
            .get_json::<ProjectJson>(&format!("/pypi/{name}/json"))?
            .map(|p| p.info))
    }

    /// What keeps a published version from being this repository's release, by the
    /// Integrity API (PEP 740): each file of the version (its document's `urls`) must
    /// have a provenance (`GET {base}/integrity/{name}/{version}/{file}/provenance`) with
    /// an attestation bundle of the GitHub publisher `repository` (`owner/repo`, any
    /// case) and `workflow` (the workflow's file name). One line per file that fails;
    /// empty when every file passes. The attestations' signatures are the index's to
    /// verify at upload; this reads which publisher it recorded.
    pub fn provenance_problems(
        &self,
        project: &str,
        version: &str,
        repository: &str,
        workflow: &str,
    ) -> Result<Vec<String>, RemoteError> {
        let name = super::github::encode_segment(&normalize_project_name(project));
        let version = super::github::encode_segment(&normalize_version(version));
        let Some(doc) = self.get_json::<ProjectJson>(&format!("/pypi/{name}/{version}/json"))?
        else {
            return Ok(vec![format!("{project} {version} is not on the index")]);
        };
        if doc.urls.is_empty() {
            return Ok(vec![format!("{project} {version} has no files")]);
        }
        let mut problems = Vec::new();
        for file in &doc.urls {
            let path = format!(
                "/integrity/{name}/{version}/{}/provenance",
                super::github::encode_segment(&file.filename)
            );
            let provenance =
                self.get_json_as::<Provenance>(&path, "application/vnd.pypi.integrity.v1+json")?;
            let Some(provenance) = provenance else {
                problems.push(format!(
                    "{}: no provenance (the file was uploaded without a publish attestation)",
                    file.filename
                ));
                continue;
            };
            let ours = provenance.attestation_bundles.iter().any(|b| {
                !b.attestations.is_empty()
                    && b.publisher.kind.eq_ignore_ascii_case("GitHub")
                    && b.publisher
                        .repository
                        .as_deref()
                        .is_some_and(|r| r.eq_ignore_ascii_case(repository))
                    && b.publisher.workflow.as_deref() == Some(workflow)
            });
            if !ours {
                let seen: Vec<String> = provenance
                    .attestation_bundles
                    .iter()
                    .map(|b| {
                        format!(
                            "{} {} {}",
                            b.publisher.kind,
                            b.publisher.repository.as_deref().unwrap_or("?"),
                            b.publisher.workflow.as_deref().unwrap_or("?")
                        )
                    })
                    .collect();
                problems.push(format!(
                    "{}: no attestation published by {repository}'s {workflow} (publishers: {})",
                    file.filename,
                    if seen.is_empty() {
                        "none".to_owned()
                    } else {
                        seen.join(", ")
                    }
                ));
            }
        }
        Ok(problems)
    }

    /// Whether `version` of `project` is on the index (the version's document answers).
    pub(crate) fn version_listed(&self, project: &str, version: &str) -> Result<bool, RemoteError> {
        let name = super::github::encode_segment(&normalize_project_name(project));
        let path = format!(
            "/pypi/{name}/{}/json",
            super::github::encode_segment(&normalize_version(version))
        );
        Ok(self.get_json::<ProjectJson>(&path)?.is_some())
    }
}

/// The PEP 440 normal form of a version (`v1.0-RC.1` → `1.0rc1`), the spelling the
/// index files versions under; a version that does not parse is sent as written.
fn normalize_version(version: &str) -> String {
    pep440_rs::Version::from_str(version.trim())
        .map_or_else(|_| version.trim().to_owned(), |v| v.to_string())
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
