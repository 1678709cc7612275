//! The GitHub client against a fake GitHub serving the documented example shapes.

use crate::fake;

use std::time::{Duration, Instant};

use fake::github::{self as gh, path, BRANCH, TOKEN};
use fake::{FakeServer, Reply};
use pyrel::testing::remote::{
    run_concurrently, GithubClient, GithubConfig, Job, RemoteError, RuleKind, Secret,
};
use serde_json::json;

fn config(server: &FakeServer, timeout: Duration) -> GithubConfig {
    let mut config = GithubConfig::new(gh::OWNER, gh::REPO);
    config.api_base = server.url().to_owned();
    config.token = Some(Secret::new(TOKEN));
    config.timeout = timeout;
    config
}

fn client(server: &FakeServer) -> GithubClient {
    GithubClient::new(config(server, Duration::from_secs(5)))
}

/// The error names the endpoint and shows the token in neither Display nor Debug.
fn assert_clean(error: &RemoteError, endpoint: &str) {
    let display = error.to_string();
    let debug = format!("{error:?}");
    assert!(display.starts_with(&format!("{endpoint}: ")), "{display}");
    for text in [&display, &debug, &error.hint().unwrap_or_default()] {
        assert!(!text.contains(TOKEN), "token leaked: {text}");
        assert!(!text.contains("FAKE0000"), "token leaked: {text}");
        assert!(!text.contains("127.0.0.1"), "host in message: {text}");
    }
}

#[test]
fn all_good_answers_are_typed() {
    let server = gh::all_good().start();
    let c = client(&server);

    let repo = c.repo().unwrap();
    assert_eq!(repo.full_name, "octocat/Hello-World");
    assert_eq!(repo.default_branch, BRANCH);
    assert!(!repo.private);
    assert_eq!(repo.visibility.as_deref(), Some("public"));
    assert!(repo.permissions.unwrap().admin);

    assert_eq!(c.repo_secrets().unwrap(), ["GH_TOKEN", "GIST_ID"]);

    let envs = c.environments().unwrap();
    let names: Vec<&str> = envs.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["pypi", "testpypi"]);
    let pypi = &envs[0];
    let reviewers: Vec<(&str, &str)> = pypi
        .required_reviewers()
        .iter()
        .map(|r| (r.reviewer_type.as_str(), r.display_name()))
        .collect();
    assert_eq!(reviewers, [("User", "octocat"), ("Team", "justice-league")]);
    assert_eq!(pypi.wait_timer(), Some(30));
    let policy = pypi.deployment_branch_policy.clone().unwrap();
    assert!(policy.custom_branch_policies);
    assert!(!policy.protected_branches);
    assert_eq!(c.environment("pypi").unwrap().as_ref(), Some(pypi));

    assert_eq!(c.environment_secrets("pypi").unwrap(), [gh::PYPI_SECRET]);
    assert_eq!(
        c.environment_secrets("testpypi").unwrap(),
        [gh::TESTPYPI_SECRET]
    );
    let policies = c.deployment_branch_policies("pypi").unwrap();
    assert_eq!(policies.len(), 2);
    assert_eq!(policies[0].name, "v*");
    assert!(policies[0].is_tag());
    assert!(policies[1].is_branch());

    let protection = c.branch_protection(BRANCH).unwrap().expect("protected");
    assert_eq!(protection.required_checks(), [gh::REQUIRED_CHECK]);
    assert!(protection.required_status_checks.as_ref().unwrap().strict);
    assert_eq!(protection.required_approvals(), 1);
    let reviews = protection.required_pull_request_reviews.as_ref().unwrap();
    assert!(reviews.dismiss_stale_reviews && reviews.require_code_owner_reviews);
    assert!(protection.enforces_admins());
    assert!(!protection.allows_force_pushes());
    assert!(!protection.allows_deletions());

    let rulesets = c.rulesets().unwrap();
    assert_eq!(rulesets.iter().map(|r| r.id).collect::<Vec<_>>(), [42, 314]);
    assert_eq!(rulesets[0].enforcement, "enabled");

    let rules = c.rules_for_branch(BRANCH).unwrap();
    assert_eq!(
        rules.iter().map(|r| r.kind()).collect::<Vec<_>>(),
        [
            RuleKind::Other("commit_message_pattern".into()),
            RuleKind::Other("commit_author_email_pattern".into())
        ]
    );
    assert_eq!(rules[1].ruleset_source_type, "Organization");
    assert_eq!(rules[1].ruleset_id, 73);
    assert_eq!(rules[0].pull_request(), None);

    let requests = server.requests();
    assert_eq!(requests.len(), 10);
    for r in &requests {
        assert_eq!(
            r.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert_eq!(r.header("accept"), Some("application/vnd.github+json"));
        assert_eq!(r.header("x-github-api-version"), Some("2022-11-28"));
        assert_eq!(
            r.header("user-agent"),
            Some(format!("pyrel/{}", env!("CARGO_PKG_VERSION")).as_str())
        );
    }
    assert!(requests
        .iter()
        .any(|r| r.url == path("/actions/secrets?per_page=100")));
}

#[test]
fn missing_environment() {
    let server = gh::environment_missing().start();
    let c = client(&server);
    let envs = c.environments().unwrap();
    assert!(envs.iter().all(|e| e.name != "pypi"));
    assert_eq!(c.environment("pypi").unwrap(), None);
    let err = c.environment_secrets("pypi").unwrap_err();
    assert!(matches!(err, RemoteError::NotFound { .. }), "{err:?}");
    assert_clean(
        &err,
        "GET /repos/octocat/Hello-World/environments/pypi/secrets",
    );
}

#[test]
fn no_tag_policy() {
    let server = gh::no_tag_policy().start();
    let policies = client(&server).deployment_branch_policies("pypi").unwrap();
    assert_eq!(policies.len(), 1);
    assert!(policies.iter().all(|p| !p.is_tag()));
}

#[test]
fn missing_secrets_are_empty_lists() {
    let server = gh::secrets_missing().start();
    let c = client(&server);
    assert!(c.repo_secrets().unwrap().is_empty());
    assert!(c.environment_secrets("pypi").unwrap().is_empty());
    assert!(c.environment_secrets("testpypi").unwrap().is_empty());
}

#[test]
fn unprotected_branch_is_an_answer_not_an_error() {
    let server = gh::branch_unprotected().start();
    assert_eq!(client(&server).branch_protection(BRANCH).unwrap(), None);
}

#[test]
fn weaker_protection_is_visible_in_the_typed_answer() {
    let server = gh::protection_weaker().start();
    let p = client(&server).branch_protection(BRANCH).unwrap().unwrap();
    assert!(p.allows_force_pushes());
    assert!(p.allows_deletions());
    assert!(!p.enforces_admins());
    assert_eq!(p.required_approvals(), 0);
    assert_eq!(p.required_checks(), ["continuous-integration/travis-ci"]);
    // The documented GET example has no `strict`: absent means off.
    assert!(!p.required_status_checks.unwrap().strict);
}

#[test]
fn bad_token_is_unauthorized() {
    let server = gh::unauthorized_401().start();
    let err = client(&server).repo().unwrap_err();
    assert!(
        matches!(&err, RemoteError::Unauthorized { authenticated: true, message, .. } if message == "Bad credentials"),
        "{err:?}"
    );
    assert_clean(&err, "GET /repos/octocat/Hello-World");
    assert!(err.to_string().contains("invalid or expired"), "{err}");
}

#[test]
fn no_token_sends_no_authorization_and_says_so() {
    let server = gh::unauthorized_401().start();
    let mut config = config(&server, Duration::from_secs(5));
    config.token = None;
    let err = GithubClient::new(config).repo_secrets().unwrap_err();
    assert!(
        matches!(
            err,
            RemoteError::Unauthorized {
                authenticated: false,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("none was sent"), "{err}");
    assert_clean(&err, "GET /repos/octocat/Hello-World/actions/secrets");
    assert_eq!(server.requests()[0].header("authorization"), None);
}

#[test]
fn missing_permission_is_named() {
    let server = gh::forbidden_missing_permission_403().start();
    let c = client(&server);
    // Endpoints the token may read still work.
    assert_eq!(c.repo().unwrap().default_branch, BRANCH);

    let err = c.repo_secrets().unwrap_err();
    match &err {
        RemoteError::Forbidden {
            permission,
            plan_required,
            message,
            ..
        } => {
            assert_eq!(permission.as_deref(), Some("secrets=read"));
            assert!(!plan_required);
            assert_eq!(message, "Resource not accessible by integration");
        }
        other => panic!("expected Forbidden, got {other:?}"),
    }
    assert_clean(&err, "GET /repos/octocat/Hello-World/actions/secrets");
    assert!(
        err.to_string()
            .contains("lacks the `secrets=read` permission"),
        "{err}"
    );
    assert!(err.hint().unwrap().contains("secrets=read"));

    let err = c.environment_secrets("pypi").unwrap_err();
    assert!(
        matches!(&err, RemoteError::Forbidden { permission: Some(p), .. } if p == "secrets=read")
    );

    let err = c.branch_protection(BRANCH).unwrap_err();
    assert!(
        matches!(&err, RemoteError::Forbidden { permission: Some(p), .. } if p == "administration=read")
    );
    assert_clean(
        &err,
        "GET /repos/octocat/Hello-World/branches/main/protection",
    );
}

#[test]
fn plan_limit_is_named() {
    let server = gh::plan_required_403().start();
    let err = client(&server).branch_protection(BRANCH).unwrap_err();
    assert!(
        matches!(
            err,
            RemoteError::Forbidden {
                plan_required: true,
                permission: None,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("GitHub plan"), "{err}");
    assert!(err.to_string().contains("Upgrade to GitHub Pro"), "{err}");
    assert_clean(
        &err,
        "GET /repos/octocat/Hello-World/branches/main/protection",
    );
}

#[test]
fn missing_repo_is_not_found_everywhere() {
    let server = gh::repo_404().start();
    let c = client(&server);
    let err = c.repo().unwrap_err();
    assert!(matches!(err, RemoteError::NotFound { .. }), "{err:?}");
    assert_clean(&err, "GET /repos/octocat/Hello-World");
    // A 404 that is not "Branch not protected" stays an error.
    let err = c.branch_protection(BRANCH).unwrap_err();
    assert!(matches!(err, RemoteError::NotFound { .. }), "{err:?}");
    assert_clean(
        &err,
        "GET /repos/octocat/Hello-World/branches/main/protection",
    );
}

#[test]
fn short_rate_limit_is_waited_out_once() {
    let server = gh::rate_limited_429(1).start();
    let start = Instant::now();
    let repo = client(&server).repo().unwrap();
    assert_eq!(repo.default_branch, BRANCH);
    assert!(
        start.elapsed() >= Duration::from_secs(1),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(server.hits("GET", &path("")), 2);
}

#[test]
fn long_rate_limit_is_reported_without_waiting() {
    let server = gh::rate_limited_429(60).start();
    let start = Instant::now();
    let err = client(&server).repo().unwrap_err();
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        err,
        RemoteError::RateLimited {
            endpoint: "GET /repos/octocat/Hello-World".into(),
            retry_after: Some(Duration::from_secs(60)),
            reset: Some(gh::RATE_LIMIT_RESET),
        }
    );
    assert!(err.to_string().contains("retry after 60 s"), "{err}");
    assert_clean(&err, "GET /repos/octocat/Hello-World");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn exhausted_quota_403_is_a_rate_limit_not_a_permission_problem() {
    let server = gh::rate_limited_403().start();
    let err = client(&server).repo_secrets().unwrap_err();
    assert!(
        matches!(
            err,
            RemoteError::RateLimited {
                retry_after: None,
                reset: Some(gh::RATE_LIMIT_RESET),
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("2023-11-14T22:13:20Z"), "{err}");
    assert_clean(&err, "GET /repos/octocat/Hello-World/actions/secrets");
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn server_error() {
    let server = gh::server_500().start();
    let err = client(&server).environments().unwrap_err();
    assert!(
        matches!(err, RemoteError::Server { status: 500, .. }),
        "{err:?}"
    );
    assert_clean(&err, "GET /repos/octocat/Hello-World/environments");
}

#[test]
fn slow_server_times_out_fast() {
    let server = gh::slow(Duration::from_secs(2)).start();
    let start = Instant::now();
    let err = GithubClient::new(config(&server, Duration::from_millis(300)))
        .repo()
        .unwrap_err();
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(
        err,
        RemoteError::Timeout {
            endpoint: "GET /repos/octocat/Hello-World".into(),
            after: Duration::from_millis(300),
        }
    );
    assert_clean(&err, "GET /repos/octocat/Hello-World");
    drop(server);
    assert!(
        start.elapsed() < Duration::from_millis(1500),
        "drop waited for the slow reply"
    );
}

#[test]
fn connection_refused_is_a_network_error() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut config = GithubConfig::new(gh::OWNER, gh::REPO);
    config.api_base = format!("http://127.0.0.1:{port}");
    config.token = Some(Secret::new(TOKEN));
    config.timeout = Duration::from_secs(2);
    let err = GithubClient::new(config).repo().unwrap_err();
    assert!(matches!(err, RemoteError::Network { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("GET /repos/octocat/Hello-World: network error"),
        "{err}"
    );
    let text = format!("{err} {err:?}");
    assert!(!text.contains(TOKEN), "{text}");
}

#[test]
fn malformed_body_is_a_decode_error() {
    let server = gh::all_good()
        .route(
            "GET",
            &path(""),
            Reply::json(200, &json!("not a repository")),
        )
        .start();
    let err = client(&server).repo().unwrap_err();
    assert!(matches!(err, RemoteError::Decode { .. }), "{err:?}");
    assert_clean(&err, "GET /repos/octocat/Hello-World");
}

#[test]
fn tokens_echoed_by_the_server_are_redacted() {
    let server = gh::all_good()
        .route(
            "GET",
            &path(""),
            Reply::error(401, &format!("Bad credentials: {TOKEN}")),
        )
        .route(
            "GET",
            &path("/actions/secrets"),
            Reply::error(403, &format!("token {TOKEN} is not allowed")).header(
                "X-Accepted-GitHub-Permissions",
                &format!("secrets=read; {TOKEN}"),
            ),
        )
        .start();
    let c = client(&server);
    let err = c.repo().unwrap_err();
    assert_clean(&err, "GET /repos/octocat/Hello-World");
    assert!(err.to_string().contains("Bad credentials: ***"), "{err}");
    let err = c.repo_secrets().unwrap_err();
    assert_clean(&err, "GET /repos/octocat/Hello-World/actions/secrets");
}

#[test]
fn pages_are_followed_on_the_same_host_only() {
    let page1 = Reply::json(200, &gh::environments_body(&["pypi"])).header(
        "Link",
        &format!(
            "<{{base}}{}?per_page=100&page=2>; rel=\"next\", <{{base}}{}?per_page=100&page=2>; rel=\"last\"",
            path("/environments"),
            path("/environments")
        ),
    );
    let page2 = Reply::json(200, &gh::environments_body(&["testpypi"]));
    let server = gh::all_good()
        .route_seq("GET", &path("/environments"), vec![page1, page2])
        .start();
    let envs = client(&server).environments().unwrap();
    assert_eq!(
        envs.iter().map(|e| e.name.as_str()).collect::<Vec<_>>(),
        ["pypi", "testpypi"]
    );
    let urls: Vec<String> = server.requests().iter().map(|r| r.url.clone()).collect();
    assert_eq!(
        urls,
        [
            path("/environments?per_page=100"),
            path("/environments?per_page=100&page=2")
        ]
    );

    // A next link to another host is not followed: the token stays home.
    let elsewhere = Reply::json(200, &gh::environments_body(&["pypi"])).header(
        "Link",
        "<http://elsewhere.invalid/environments?page=2>; rel=\"next\"",
    );
    let server = gh::all_good()
        .route("GET", &path("/environments"), elsewhere)
        .start();
    assert_eq!(client(&server).environments().unwrap().len(), 1);
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn names_are_percent_encoded() {
    let server = gh::all_good()
        .route(
            "GET",
            &path("/environments/release%2Fpypi/secrets"),
            Reply::json(200, &gh::secrets_body(&["X"])),
        )
        .route(
            "GET",
            &path("/branches/release/1.x/protection"),
            Reply::json(200, &gh::protection_body()),
        )
        .start();
    let c = client(&server);
    assert_eq!(c.environment_secrets("release/pypi").unwrap(), ["X"]);
    assert!(c.branch_protection("release/1.x").unwrap().is_some());
}

#[test]
fn update_branch_protection_sends_the_documented_body() {
    let server = gh::all_good().start();
    let body = gh::example_request("PUT /repos/{owner}/{repo}/branches/{branch}/protection");
    let applied = client(&server)
        .update_branch_protection(BRANCH, &body)
        .unwrap();
    assert_eq!(
        applied.required_checks(),
        ["continuous-integration/travis-ci"]
    );
    assert_eq!(applied.required_approvals(), 2);
    let request = &server.requests()[0];
    assert_eq!(request.method, "PUT");
    assert_eq!(request.path(), path("/branches/main/protection"));
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&request.body).unwrap(),
        body
    );
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
}

#[test]
fn ruleset_rules_have_typed_parameters() {
    // Rule shapes per GitHub's repository-rule schemas (pull_request,
    // required_status_checks, non_fast_forward, deletion).
    let rules = json!([
        {"type": "pull_request", "ruleset_source_type": "Repository", "ruleset_source": "octocat/Hello-World", "ruleset_id": 7,
         "parameters": {"required_approving_review_count": 2, "dismiss_stale_reviews_on_push": true,
                        "require_code_owner_review": false, "require_last_push_approval": true,
                        "required_review_thread_resolution": false, "allowed_merge_methods": ["squash"]}},
        {"type": "required_status_checks", "ruleset_source_type": "Repository", "ruleset_source": "octocat/Hello-World", "ruleset_id": 7,
         "parameters": {"strict_required_status_checks_policy": true,
                        "required_status_checks": [{"context": "build", "integration_id": 15368}]}},
        {"type": "non_fast_forward", "ruleset_source_type": "Repository", "ruleset_source": "octocat/Hello-World", "ruleset_id": 7},
        {"type": "deletion", "ruleset_source_type": "Organization", "ruleset_source": "octo-org", "ruleset_id": 9}
    ]);
    let server = gh::all_good()
        .route(
            "GET",
            &path("/rules/branches/main"),
            Reply::json(200, &rules),
        )
        .start();
    let rules = client(&server).rules_for_branch(BRANCH).unwrap();
    let kinds: Vec<RuleKind> = rules.iter().map(|r| r.kind()).collect();
    assert_eq!(
        kinds,
        [
            RuleKind::PullRequest,
            RuleKind::RequiredStatusChecks,
            RuleKind::NonFastForward,
            RuleKind::Deletion
        ]
    );
    let pr = rules[0].pull_request().unwrap();
    assert_eq!(pr.required_approving_review_count, 2);
    assert!(pr.dismiss_stale_reviews_on_push && pr.require_last_push_approval);
    let checks = rules[1].status_checks().unwrap();
    assert!(checks.strict_required_status_checks_policy);
    assert_eq!(checks.required_status_checks[0].context, "build");
    assert_eq!(checks.required_status_checks[0].integration_id, Some(15368));
    assert_eq!(rules[3].ruleset_source, "octo-org");
}

#[test]
fn requests_run_concurrently_on_one_shared_client() {
    let server = gh::slow(Duration::from_millis(300)).start();
    let c = client(&server);
    let start = Instant::now();
    let jobs: Vec<Job<'_, Result<usize, RemoteError>>> = vec![
        Box::new(|| c.repo().map(|_| 1)),
        Box::new(|| c.repo_secrets().map(|s| s.len())),
        Box::new(|| c.environments().map(|e| e.len())),
        Box::new(|| c.environment_secrets("pypi").map(|s| s.len())),
        Box::new(|| c.deployment_branch_policies("pypi").map(|p| p.len())),
        Box::new(|| {
            c.branch_protection(BRANCH)
                .map(|p| usize::from(p.is_some()))
        }),
    ];
    let results: Vec<usize> = run_concurrently(jobs)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(results, [1, 2, 2, 1, 2, 1]);
    // Six 300 ms replies one after the other would take 1.8 s.
    assert!(
        start.elapsed() < Duration::from_millis(1200),
        "{:?}",
        start.elapsed()
    );
}
