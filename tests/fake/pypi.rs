//! PyPI JSON API scenarios (`GET /pypi/{name}/json`), shaped like pypi.org's answers
//! (`info`, `last_serial`, `releases`, `urls`, `vulnerabilities`).

use serde_json::{json, Value};

use super::{Reply, Routes};

/// A project JSON document with the given releases; the last one is `info.version`. Its
/// project URLs name the fake GitHub's repository (`octocat/Hello-World`).
pub fn project_body(name: &str, versions: &[&str]) -> Value {
    let releases: serde_json::Map<String, Value> = versions
        .iter()
        .map(|v| {
            let file = json!({
                "filename": format!("{}-{v}-py3-none-any.whl", name.replace('-', "_")),
                "packagetype": "bdist_wheel",
                "python_version": "py3",
                "requires_python": ">=3.9",
                "size": 12345,
                "upload_time_iso_8601": "2024-01-01T00:00:00.000000Z",
                "url": format!("https://files.example.invalid/{name}-{v}-py3-none-any.whl"),
                "yanked": false,
                "yanked_reason": null,
                "digests": {"sha256": "0".repeat(64)},
            });
            ((*v).to_owned(), json!([file]))
        })
        .collect();
    json!({
        "info": {
            "name": name,
            "version": versions.last().copied(),
            "summary": "A fake project",
            "requires_python": ">=3.9",
            "yanked": false,
            // The project of the fake GitHub's repository: the name is ours.
            "project_urls": {"Source": "https://github.com/octocat/Hello-World"},
        },
        "last_serial": 1,
        "releases": releases,
        "urls": [],
        "vulnerabilities": [],
    })
}

/// `project` exists with these versions; any other project is 404.
pub fn project_with_versions(project: &str, versions: &[&str]) -> Routes {
    Routes::new().route(
        "GET",
        &format!("/pypi/{project}/json"),
        Reply::json(200, &project_body(project, versions)),
    )
}

/// No project at all: PyPI's 404 `{"message": "Not Found"}`.
pub fn project_missing() -> Routes {
    Routes::new().always(Reply::json(404, &json!({"message": "Not Found"})))
}

/// Every request: 500 with an HTML page, as a broken proxy would send.
pub fn server_500() -> Routes {
    Routes::new().always(Reply {
        status: 500,
        headers: vec![("Content-Type".into(), "text/html".into())],
        body: "<html><body><h1>500 Internal Server Error</h1></body></html>".into(),
        delay: std::time::Duration::ZERO,
    })
}

/// The project document as the JSON API documents it today: `info` and `urls` of the
/// latest version, no deprecated `releases` key. `project_urls` as given.
pub fn project_body_documented(name: &str, latest: &str, project_urls: Value) -> Value {
    json!({
        "info": {
            "name": name,
            "version": latest,
            "summary": "A fake project",
            "requires_python": ">=3.9",
            "home_page": null,
            "project_urls": project_urls,
            "yanked": false,
        },
        "last_serial": 1,
        "urls": [],
        "vulnerabilities": [],
    })
}

/// `GET /pypi/{name}/{version}/json`: the document of one version.
pub fn version_body(name: &str, version: &str) -> Value {
    let mut body = project_body_documented(name, version, Value::Null);
    body["urls"] = json!([{
        "filename": format!("{}-{version}-py3-none-any.whl", name.replace('-', "_")),
        "packagetype": "bdist_wheel",
        "url": format!("https://files.example.invalid/{name}-{version}-py3-none-any.whl"),
        "yanked": false,
        "digests": {"sha256": "0".repeat(64)},
    }]);
    body
}

/// An index that follows the documented API only: the project documents without
/// `releases`, each of `versions` at its own endpoint, anything else 404.
pub fn documented_index(projects: &[(&str, &[&str], Value)]) -> Routes {
    let mut routes = Routes::new();
    for (name, versions, urls) in projects {
        let latest = versions.last().copied().unwrap_or("0");
        routes = routes.route(
            "GET",
            &format!("/pypi/{name}/json"),
            Reply::json(200, &project_body_documented(name, latest, urls.clone())),
        );
        for v in *versions {
            routes = routes.route(
                "GET",
                &format!("/pypi/{name}/{v}/json"),
                Reply::json(200, &version_body(name, v)),
            );
        }
    }
    routes
}
