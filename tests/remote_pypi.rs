//! The PyPI client against a fake index.

use crate::fake;

use std::time::{Duration, Instant};

use fake::pypi;
use pyrel::testing::remote::{PypiAnswer, PypiClient, RemoteError};

fn client(server: &fake::FakeServer) -> PypiClient {
    PypiClient::new(server.url(), Duration::from_secs(5))
}

#[test]
fn existing_versions_compare_by_pep440() {
    let server = pypi::project_with_versions("pyrel-demo", &["0.9.0", "1.0.0", "2.0.0rc1"]).start();
    let c = client(&server);
    assert_eq!(
        c.release_exists("pyrel-demo", "1.0.0").unwrap(),
        PypiAnswer::VersionExists
    );
    // PEP 440: trailing zeros and spelling variants are the same version.
    assert_eq!(
        c.release_exists("pyrel-demo", "1.0").unwrap(),
        PypiAnswer::VersionExists
    );
    assert_eq!(
        c.release_exists("pyrel-demo", "v1.0.0.0").unwrap(),
        PypiAnswer::VersionExists
    );
    assert_eq!(
        c.release_exists("pyrel-demo", "2.0.0-RC.1").unwrap(),
        PypiAnswer::VersionExists
    );
    assert_eq!(
        c.release_exists("pyrel-demo", "1.0.1").unwrap(),
        PypiAnswer::VersionAbsent {
            latest: Some("2.0.0rc1".into())
        }
    );
    assert_eq!(
        c.release_exists("pyrel-demo", "2.0.0").unwrap(),
        PypiAnswer::VersionAbsent {
            latest: Some("2.0.0rc1".into())
        }
    );
    // Each version's own document first (PEP 440 normal form), then the project's.
    let urls: Vec<String> = server.requests().iter().map(|r| r.url.clone()).collect();
    assert_eq!(
        urls[..4],
        [
            "/pypi/pyrel-demo/1.0.0/json",
            "/pypi/pyrel-demo/json",
            "/pypi/pyrel-demo/1.0/json",
            "/pypi/pyrel-demo/json"
        ]
    );
    assert!(
        urls.contains(&"/pypi/pyrel-demo/2.0.0rc1/json".to_owned()),
        "{urls:?}"
    );
    for r in server.requests() {
        assert_eq!(
            r.header("authorization"),
            None,
            "no credentials go to the index"
        );
        assert!(r.header("user-agent").unwrap().starts_with("pyrel/"));
    }
}

#[test]
fn project_names_are_normalized_before_asking() {
    let server = pypi::project_with_versions("pyrel-demo", &["1.0.0"]).start();
    assert_eq!(
        client(&server)
            .release_exists("Pyrel_Demo", "1.0.0")
            .unwrap(),
        PypiAnswer::VersionExists
    );
    assert_eq!(server.requests()[0].url, "/pypi/pyrel-demo/1.0.0/json");
    assert_eq!(server.requests()[1].url, "/pypi/pyrel-demo/json");
}

#[test]
fn unparsable_versions_compare_as_text() {
    let server = pypi::project_with_versions("legacy", &["2004d", "1.0"]).start();
    let c = client(&server);
    assert_eq!(
        c.release_exists("legacy", "2004d").unwrap(),
        PypiAnswer::VersionExists
    );
    assert!(matches!(
        c.release_exists("legacy", "2005d").unwrap(),
        PypiAnswer::VersionAbsent { .. }
    ));
}

#[test]
fn missing_project_means_first_release() {
    let server = pypi::project_missing().start();
    assert_eq!(
        client(&server)
            .release_exists("brand-new", "0.1.0")
            .unwrap(),
        PypiAnswer::ProjectMissing
    );
}

#[test]
fn server_error_names_the_endpoint() {
    let server = pypi::server_500().start();
    let err = client(&server)
        .release_exists("pyrel-demo", "1.0.0")
        .unwrap_err();
    assert_eq!(
        err,
        RemoteError::Server {
            endpoint: "GET /pypi/pyrel-demo/1.0.0/json".into(),
            status: 500,
            // An HTML error page is not worth quoting.
            message: String::new(),
        }
    );
    assert_eq!(
        err.to_string(),
        "GET /pypi/pyrel-demo/1.0.0/json: server error 500"
    );
}

#[test]
fn slow_index_times_out_fast() {
    let server = pypi::project_with_versions("pyrel-demo", &["1.0.0"])
        .delay_all(Duration::from_secs(2))
        .start();
    let start = Instant::now();
    let err = PypiClient::new(server.url(), Duration::from_millis(300))
        .release_exists("pyrel-demo", "1.0.0")
        .unwrap_err();
    assert_eq!(
        err,
        RemoteError::Timeout {
            endpoint: "GET /pypi/pyrel-demo/1.0.0/json".into(),
            after: Duration::from_millis(300)
        }
    );
    drop(server);
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
}

#[test]
fn base_url_trailing_slash_is_tolerated() {
    let server = pypi::project_with_versions("pyrel-demo", &["1.0.0"]).start();
    let c = PypiClient::new(format!("{}/", server.url()), Duration::from_secs(5));
    assert_eq!(
        c.release_exists("pyrel-demo", "1.0.0").unwrap(),
        PypiAnswer::VersionExists
    );
}

/// A provenance object as the Integrity API answers it, one bundle by this publisher.
fn provenance(repository: &str, workflow: &str) -> serde_json::Value {
    serde_json::json!({
        "version": 1,
        "attestation_bundles": [{
            "publisher": {"kind": "GitHub", "claims": null, "repository": repository,
                          "workflow": workflow, "environment": "pypi"},
            "attestations": [{"version": 1, "verification_material": {}, "envelope": {}}]
        }]
    })
}

#[test]
fn provenance_names_each_file_not_published_by_this_workflow() {
    let wheel = "acme_widgets-1.5.0-py3-none-any.whl";
    let sdist = "acme_widgets-1.5.0.tar.gz";
    let mut version = pypi::version_body("acme-widgets", "1.5.0");
    version["urls"] = serde_json::json!([{"filename": wheel}, {"filename": sdist}]);
    let routes = fake::Routes::new().route(
        "GET",
        "/pypi/acme-widgets/1.5.0/json",
        fake::Reply::json(200, &version),
    );
    let integrity = |file: &str| format!("/integrity/acme-widgets/1.5.0/{file}/provenance");

    // Both files attested by the repository's release workflow (any case of the name).
    let server = routes
        .clone()
        .route(
            "GET",
            &integrity(wheel),
            fake::Reply::json(200, &provenance("Acme/Widgets", "release.yml")),
        )
        .route(
            "GET",
            &integrity(sdist),
            fake::Reply::json(200, &provenance("acme/widgets", "release.yml")),
        )
        .start();
    let c = client(&server);
    assert_eq!(
        c.provenance_problems("acme_widgets", "1.5.0", "acme/widgets", "release.yml")
            .unwrap(),
        Vec::<String>::new()
    );
    let asked = server
        .requests()
        .into_iter()
        .find(|r| r.path() == integrity(wheel))
        .unwrap();
    assert_eq!(
        asked.header("accept"),
        Some("application/vnd.pypi.integrity.v1+json")
    );

    // The wheel from another workflow, the sdist without any attestation (404).
    let server = routes
        .route(
            "GET",
            &integrity(wheel),
            fake::Reply::json(200, &provenance("acme/widgets", "other.yml")),
        )
        .start();
    assert_eq!(
        client(&server)
            .provenance_problems("acme-widgets", "1.5.0", "acme/widgets", "release.yml")
            .unwrap(),
        [
            format!("{wheel}: no attestation published by acme/widgets's release.yml (publishers: GitHub acme/widgets other.yml)"),
            format!("{sdist}: no provenance (the file was uploaded without a publish attestation)"),
        ]
    );
}
