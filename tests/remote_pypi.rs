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
    for r in server.requests() {
        assert_eq!(r.url, "/pypi/pyrel-demo/json");
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
    assert_eq!(server.requests()[0].url, "/pypi/pyrel-demo/json");
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
            endpoint: "GET /pypi/pyrel-demo/json".into(),
            status: 500,
            // An HTML error page is not worth quoting.
            message: String::new(),
        }
    );
    assert_eq!(
        err.to_string(),
        "GET /pypi/pyrel-demo/json: server error 500"
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
            endpoint: "GET /pypi/pyrel-demo/json".into(),
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
