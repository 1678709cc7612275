//! GitHub scenarios, built from GitHub's documented examples.
//!
//! The repository is `octocat/Hello-World` (as in the examples), its default branch
//! `main`, and it has the two environments a pyrel release workflow uses: `pypi` and
//! `testpypi`. In [`all_good`] both require a reviewer, allow deployments only from
//! custom policies, and have a tag policy `v*` (TestPyPI also a branch policy `main`,
//! for dev builds; a publishing environment open to a branch is a failure); the
//! default branch is protected (reviews, status checks, admins included, no force
//! pushes, no deletions).

use serde_json::{json, Value};

use super::{Reply, Routes};

pub const OWNER: &str = "octocat";
pub const REPO: &str = "Hello-World";
pub const BRANCH: &str = "main";
pub const ENVIRONMENTS: [&str; 2] = ["pypi", "testpypi"];
/// Obviously fake; tests assert it never appears in any message.
pub const TOKEN: &str = "ghp_FAKE0000000000000000000000000000000000";
/// Secret names the environments hold in [`all_good`] (token-mode publishing).
pub const PYPI_SECRET: &str = "PYPI_API_TOKEN";
pub const TESTPYPI_SECRET: &str = "TEST_PYPI_API_TOKEN";
/// The required status check in [`all_good`]'s branch protection.
pub const REQUIRED_CHECK: &str = "build";

/// `/repos/octocat/Hello-World` + `suffix`.
pub fn path(suffix: &str) -> String {
    format!("/repos/{OWNER}/{REPO}{suffix}")
}

/// The documented example response of an operation, e.g.
/// `example("GET /repos/{owner}/{repo}/tags")`.
pub fn example(operation: &str) -> Value {
    let all: Value = serde_json::from_str(include_str!("../data/github-api-examples.json"))
        .expect("tests/data/github-api-examples.json is JSON");
    all.get(operation)
        .and_then(|op| op.get("example_response"))
        .cloned()
        .unwrap_or_else(|| panic!("no example for {operation}"))
}

fn ok(body: Value) -> Reply {
    Reply::json(200, &body)
}

/// The repository: the documented example with `main` as default branch and an
/// admin token (secrets and protection are only readable by admins).
pub fn repo_body() -> Value {
    let mut repo = example("GET /repos/{owner}/{repo}");
    repo["default_branch"] = json!(BRANCH);
    repo["permissions"] =
        json!({"admin": true, "maintain": true, "push": true, "triage": true, "pull": true});
    repo
}

/// An environment shaped like the documented one, renamed.
pub fn environment_body(name: &str) -> Value {
    let mut env = example("GET /repos/{owner}/{repo}/environments/{environment_name}");
    env["name"] = json!(name);
    env["url"] = json!(format!(
        "https://api.github.com/repos/{OWNER}/{REPO}/environments/{name}"
    ));
    env["html_url"] = json!(format!(
        "https://github.com/{OWNER}/{REPO}/deployments/activity_log?environments_filter={name}"
    ));
    env
}

pub fn environments_body(names: &[&str]) -> Value {
    let envs: Vec<Value> = names.iter().map(|n| environment_body(n)).collect();
    json!({"total_count": envs.len(), "environments": envs})
}

/// `{"total_count", "secrets": [...]}` with the documented timestamps.
pub fn secrets_body(names: &[&str]) -> Value {
    let template = example("GET /repos/{owner}/{repo}/actions/secrets")["secrets"][0].clone();
    let secrets: Vec<Value> = names
        .iter()
        .map(|n| {
            let mut s = template.clone();
            s["name"] = json!(n);
            s
        })
        .collect();
    json!({"total_count": secrets.len(), "secrets": secrets})
}

/// Deployment policies from `(name, type)` pairs, ids and node ids as documented.
pub fn branch_policies_body(policies: &[(&str, &str)]) -> Value {
    let template = example(
        "GET /repos/{owner}/{repo}/environments/{environment_name}/deployment-branch-policies",
    )["branch_policies"][0]
        .clone();
    let list: Vec<Value> = policies
        .iter()
        .enumerate()
        .map(|(i, (name, kind))| {
            let mut p = template.clone();
            p["id"] = json!(361471 + i as u64);
            p["name"] = json!(name);
            p["type"] = json!(kind);
            p
        })
        .collect();
    json!({"total_count": list.len(), "branch_policies": list})
}

/// The documented protection, tightened to what pyrel expects: strict status check
/// [`REQUIRED_CHECK`], 1 approval, admins included, no force pushes, no deletions.
pub fn protection_body() -> Value {
    let mut p = example("GET /repos/{owner}/{repo}/branches/{branch}/protection");
    p["required_status_checks"]["strict"] = json!(true);
    p["required_status_checks"]["contexts"] = json!([REQUIRED_CHECK]);
    p["required_status_checks"]["checks"] = json!([{"context": REQUIRED_CHECK, "app_id": null}]);
    p["required_pull_request_reviews"]["required_approving_review_count"] = json!(1);
    p["enforce_admins"]["enabled"] = json!(true);
    p["allow_force_pushes"]["enabled"] = json!(false);
    p["allow_deletions"]["enabled"] = json!(false);
    p
}

/// Weaker than pyrel expects: the documented example as is (force pushes and
/// deletions allowed, a Travis context instead of [`REQUIRED_CHECK`]), with admins
/// exempt and no review required.
pub fn weaker_protection_body() -> Value {
    let mut p = example("GET /repos/{owner}/{repo}/branches/{branch}/protection");
    p["enforce_admins"]["enabled"] = json!(false);
    p["required_pull_request_reviews"]["required_approving_review_count"] = json!(0);
    p
}

/// Everything in place.
pub fn all_good() -> Routes {
    let mut routes = Routes::new()
        .route("GET", &path(""), ok(repo_body()))
        .route(
            "GET",
            &path("/actions/secrets"),
            ok(example("GET /repos/{owner}/{repo}/actions/secrets")),
        )
        .route(
            "GET",
            &path("/actions/variables"),
            ok(example("GET /repos/{owner}/{repo}/actions/variables")),
        )
        .route(
            "GET",
            &path("/environments"),
            ok(environments_body(&ENVIRONMENTS)),
        )
        .route(
            "GET",
            &path(&format!("/branches/{BRANCH}/protection")),
            ok(protection_body()),
        )
        .route(
            "PUT",
            &path(&format!("/branches/{BRANCH}/protection")),
            ok(example(
                "PUT /repos/{owner}/{repo}/branches/{branch}/protection",
            )),
        )
        .route(
            "GET",
            &path("/rulesets"),
            ok(example("GET /repos/{owner}/{repo}/rulesets")),
        )
        .route(
            "GET",
            &path(&format!("/rules/branches/{BRANCH}")),
            ok(example("GET /repos/{owner}/{repo}/rules/branches/{branch}")),
        )
        .route(
            "GET",
            &path("/git/matching-refs/heads/*"),
            ok(example("GET /repos/{owner}/{repo}/git/matching-refs/{ref}")),
        )
        .route(
            "GET",
            &path("/git/matching-refs/tags/*"),
            ok(tag_refs_body(&["v0.1"])),
        )
        .route(
            "GET",
            &path("/tags"),
            ok(example("GET /repos/{owner}/{repo}/tags")),
        );
    for (env, secret) in ENVIRONMENTS.iter().zip([PYPI_SECRET, TESTPYPI_SECRET]) {
        routes = routes
            .route(
                "GET",
                &path(&format!("/environments/{env}")),
                ok(environment_body(env)),
            )
            .route(
                "GET",
                &path(&format!("/environments/{env}/secrets")),
                ok(secrets_body(&[secret])),
            )
            .route(
                "GET",
                &path(&format!("/environments/{env}/deployment-branch-policies")),
                ok(if *env == "pypi" {
                    branch_policies_body(&[("v*", "tag")])
                } else {
                    branch_policies_body(&[("v*", "tag"), (BRANCH, "branch")])
                }),
            );
    }
    routes
}

/// `refs/tags/NAME` refs shaped like the documented matching-refs items.
pub fn tag_refs_body(names: &[&str]) -> Value {
    let template = example("GET /repos/{owner}/{repo}/git/matching-refs/{ref}")[0].clone();
    Value::Array(
        names
            .iter()
            .map(|n| {
                let mut r = template.clone();
                r["ref"] = json!(format!("refs/tags/{n}"));
                r["url"] = json!(format!(
                    "https://api.github.com/repos/{OWNER}/{REPO}/git/refs/tags/{n}"
                ));
                r
            })
            .collect(),
    )
}

/// The `pypi` environment does not exist (only `testpypi` does).
pub fn environment_missing() -> Routes {
    all_good()
        .route(
            "GET",
            &path("/environments"),
            ok(environments_body(&["testpypi"])),
        )
        .remove("GET", &path("/environments/pypi"))
        .remove("GET", &path("/environments/pypi/secrets"))
        .remove(
            "GET",
            &path("/environments/pypi/deployment-branch-policies"),
        )
}

/// The `pypi` environment's only rule is a tag rule for other tags (`docs-*`): none
/// matches the release tags, so a tag-triggered release cannot deploy.
pub fn no_tag_policy() -> Routes {
    all_good().route(
        "GET",
        &path("/environments/pypi/deployment-branch-policies"),
        ok(branch_policies_body(&[("docs-*", "tag")])),
    )
}

/// No repository or environment secrets at all.
pub fn secrets_missing() -> Routes {
    let mut routes = all_good().route("GET", &path("/actions/secrets"), ok(secrets_body(&[])));
    for env in ENVIRONMENTS {
        routes = routes.route(
            "GET",
            &path(&format!("/environments/{env}/secrets")),
            ok(secrets_body(&[])),
        );
    }
    routes
}

/// The default branch has no protection: GitHub's 404 "Branch not protected".
pub fn branch_unprotected() -> Routes {
    all_good().route(
        "GET",
        &path(&format!("/branches/{BRANCH}/protection")),
        Reply::json(
            404,
            &json!({
                "message": "Branch not protected",
                "documentation_url": "https://docs.github.com/rest/branches/branch-protection#get-branch-protection",
                "status": "404",
            }),
        ),
    )
}

/// Protection exists but is weaker than pyrel expects ([`weaker_protection_body`]).
pub fn protection_weaker() -> Routes {
    all_good().route(
        "GET",
        &path(&format!("/branches/{BRANCH}/protection")),
        ok(weaker_protection_body()),
    )
}

/// Every request: 401 "Bad credentials" (revoked or expired token).
pub fn unauthorized_401() -> Routes {
    all_good().always(Reply::error(401, "Bad credentials"))
}

/// A fine-grained token without `secrets=read` (secrets endpoints) and without
/// `administration=read` (branch protection): 403 "Resource not accessible by
/// integration" with `X-Accepted-GitHub-Permissions` naming what is missing.
pub fn forbidden_missing_permission_403() -> Routes {
    let denied = |permission: &str| {
        Reply::error(403, "Resource not accessible by integration")
            .header("X-Accepted-GitHub-Permissions", permission)
    };
    let mut routes = all_good()
        .route("GET", &path("/actions/secrets"), denied("secrets=read"))
        .route(
            "GET",
            &path(&format!("/branches/{BRANCH}/protection")),
            denied("administration=read"),
        );
    for env in ENVIRONMENTS {
        routes = routes.route(
            "GET",
            &path(&format!("/environments/{env}/secrets")),
            denied("secrets=read"),
        );
    }
    routes
}

/// A private repository on the free plan: branch protection answers 403 "Upgrade to
/// GitHub Pro or make this repository public to enable this feature."
pub fn plan_required_403() -> Routes {
    all_good().route(
        "GET",
        &path(&format!("/branches/{BRANCH}/protection")),
        Reply::error(
            403,
            "Upgrade to GitHub Pro or make this repository public to enable this feature.",
        ),
    )
}

/// The repository does not exist, or the token cannot see it: 404 everywhere.
pub fn repo_404() -> Routes {
    Routes::new()
}

/// The first request is rate limited (429 with `Retry-After: retry_after_secs`,
/// `x-ratelimit-remaining: 0`), later ones succeed as in [`all_good`].
pub fn rate_limited_429(retry_after_secs: u64) -> Routes {
    all_good().first_requests(vec![rate_limit_reply(429, Some(retry_after_secs))])
}

/// Primary quota exhausted: 403 with `x-ratelimit-remaining: 0` and a reset time,
/// no `Retry-After`, on every request.
pub fn rate_limited_403() -> Routes {
    all_good().always(rate_limit_reply(403, None))
}

/// Unix time the fake quota resets at (2023-11-14T22:13:20Z).
pub const RATE_LIMIT_RESET: u64 = 1_700_000_000;

fn rate_limit_reply(status: u16, retry_after: Option<u64>) -> Reply {
    let mut reply = Reply::error(status, "API rate limit exceeded for user ID 1.")
        .header("x-ratelimit-limit", "5000")
        .header("x-ratelimit-remaining", "0")
        .header("x-ratelimit-used", "5000")
        .header("x-ratelimit-reset", &RATE_LIMIT_RESET.to_string());
    if let Some(secs) = retry_after {
        reply = reply.header("Retry-After", &secs.to_string());
    }
    reply
}

/// Every request: 500.
pub fn server_500() -> Routes {
    all_good().always(Reply::error(500, "Server Error"))
}

/// Every reply comes after `delay` (use more than the client timeout, e.g. 2 s
/// against 300 ms).
pub fn slow(delay: std::time::Duration) -> Routes {
    all_good().delay_all(delay)
}

/// The documented request body of an operation (only PUT protection has one).
pub fn example_request(operation: &str) -> Value {
    let all: Value = serde_json::from_str(include_str!("../data/github-api-examples.json"))
        .expect("tests/data/github-api-examples.json is JSON");
    all.get(operation)
        .and_then(|op| op.get("request_body_example"))
        .cloned()
        .unwrap_or_else(|| panic!("no request example for {operation}"))
}
