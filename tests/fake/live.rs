//! A stateful fake of one GitHub repository's settings: writes change what later reads
//! return, so `pyrel github apply` can be run twice, and `pyrel doctor` after it, against
//! the same server.
//!
//! Shapes follow GitHub's REST reference: environments as in the documented example
//! (`protection_rules` with `required_reviewers` / `branch_policy`), deployment branch
//! policies `{id, node_id, name, type}`, classic protection in its read shape
//! (`{"enabled": bool}` flags), rulesets with `conditions.ref_name` and `rules`, and
//! `GET .../rules/branches/{branch}` computed from the active branch rulesets. Requests
//! the real API would refuse get its 404 / 422 answers.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use serde_json::{json, Value};

use super::github::{environment_body, path, repo_body, secrets_body, BRANCH, OWNER, REPO};
use super::{Recorded, Reply, Routes};

/// A user the fake knows: `(login, id)`.
pub const USERS: [(&str, u64); 2] = [("octocat", 1), ("hubot", 2)];
/// An organization account (`GET /users/octo-org` answers `"type": "Organization"`).
pub const ORG: &str = "octo-org";
/// A team the fake knows: `("org/slug", id)`.
pub const TEAMS: [(&str, u64); 1] = [("octo-org/release-team", 7)];

#[derive(Debug, Clone, Default)]
pub struct Env {
    pub id: u64,
    /// `(type, id)`: `User` or `Team`.
    pub reviewers: Vec<(String, u64)>,
    pub prevent_self_review: bool,
    pub wait_timer: Option<u64>,
    /// `None`: any ref may deploy; else `(protected_branches, custom_branch_policies)`.
    pub policy: Option<(bool, bool)>,
    /// `(id, name, type)`.
    pub branch_policies: Vec<(u64, String, String)>,
    pub secrets: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct State {
    pub envs: BTreeMap<String, Env>,
    /// Classic protection of [`BRANCH`] in its read shape.
    pub protection: Option<Value>,
    /// Rulesets in their full read shape.
    pub rulesets: Vec<Value>,
    pub repo_secrets: Vec<String>,
    next_id: u64,
    /// `(method, path, reply)`: answered instead of the state (error statuses).
    pub errors: Vec<(String, String, Reply)>,
}

impl Default for State {
    fn default() -> Self {
        State {
            envs: BTreeMap::new(),
            protection: None,
            rulesets: Vec::new(),
            repo_secrets: Vec::new(),
            next_id: 1000,
            errors: Vec::new(),
        }
    }
}

/// The handle a test keeps: start the server from [`Live::routes`], look at the state.
#[derive(Clone, Default)]
pub struct Live {
    pub state: Arc<Mutex<State>>,
}

impl Live {
    /// A repository with no environment, no protection and no ruleset.
    pub fn fresh() -> Self {
        Self::default()
    }

    /// Routes answered from the state (start them with `.start()`).
    pub fn routes(&self) -> Routes {
        let state = Arc::clone(&self.state);
        Routes::new().handler(Arc::new(move |r: &Recorded| {
            let mut s = state.lock().unwrap();
            Some(handle(&mut s, r))
        }))
    }

    /// Makes `METHOD path` (path after `/repos/octocat/Hello-World`, or absolute when it
    /// starts with `/users` or `/orgs`) answer `reply`.
    pub fn fail(&self, method: &str, suffix: &str, reply: Reply) {
        let p = if suffix.starts_with("/users") || suffix.starts_with("/orgs") {
            suffix.to_owned()
        } else {
            path(suffix)
        };
        self.state
            .lock()
            .unwrap()
            .errors
            .push((method.into(), p, reply));
    }

    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }
}

fn ok(body: Value) -> Reply {
    Reply::json(200, &body)
}

fn not_found() -> Reply {
    Reply::error(404, "Not Found")
}

fn unprocessable(message: &str) -> Reply {
    Reply::json(
        422,
        &json!({"message": message, "documentation_url": "https://docs.github.com/rest", "status": "422"}),
    )
}

fn user_body(login: &str, id: u64) -> Value {
    json!({
        "login": login, "id": id, "node_id": format!("MDQ6VXNlcj{id}"),
        "url": format!("https://api.github.com/users/{login}"),
        "html_url": format!("https://github.com/{login}"),
        "type": "User", "site_admin": false,
    })
}

fn team_body(slug_path: &str, id: u64) -> Value {
    let (org, slug) = slug_path.split_once('/').unwrap();
    json!({
        "id": id, "node_id": format!("MDQ6VGVhbT{id}"), "name": slug, "slug": slug,
        "url": format!("https://api.github.com/teams/{id}"),
        "html_url": format!("https://github.com/orgs/{org}/teams/{slug}"),
        "privacy": "closed", "permission": "pull", "parent": null,
    })
}

fn env_json(name: &str, env: &Env) -> Value {
    let mut body = environment_body(name);
    body["id"] = json!(env.id);
    let mut rules = Vec::new();
    if let Some(wait) = env.wait_timer {
        rules.push(json!({"id": env.id + 1, "node_id": "GA_wait", "type": "wait_timer", "wait_timer": wait}));
    }
    if !env.reviewers.is_empty() {
        let reviewers: Vec<Value> = env
            .reviewers
            .iter()
            .map(|(kind, id)| {
                let reviewer = if kind == "User" {
                    let login = USERS.iter().find(|u| u.1 == *id).map_or("ghost", |u| u.0);
                    user_body(login, *id)
                } else {
                    let slug = TEAMS
                        .iter()
                        .find(|t| t.1 == *id)
                        .map_or("octo-org/ghost", |t| t.0);
                    team_body(slug, *id)
                };
                json!({"type": kind, "reviewer": reviewer})
            })
            .collect();
        rules.push(json!({
            "id": env.id + 2, "node_id": "GA_reviewers", "type": "required_reviewers",
            "prevent_self_review": env.prevent_self_review, "reviewers": reviewers,
        }));
    }
    if env.policy.is_some() {
        rules.push(json!({"id": env.id + 3, "node_id": "GA_branch", "type": "branch_policy"}));
    }
    body["protection_rules"] = Value::Array(rules);
    body["deployment_branch_policy"] = match env.policy {
        None => Value::Null,
        Some((protected, custom)) => {
            json!({"protected_branches": protected, "custom_branch_policies": custom})
        }
    };
    body
}

fn policy_json(id: u64, name: &str, kind: &str) -> Value {
    json!({"id": id, "node_id": format!("MDE2OkdhdGVCcmFuY2hQb2xpY3k{id}"), "name": name, "type": kind})
}

/// The read shape of classic protection from the update body.
fn protection_from_body(b: &Value) -> Value {
    let base = format!("https://api.github.com/repos/{OWNER}/{REPO}/branches/{BRANCH}/protection");
    let enabled = |key: &str| json!({"enabled": b[key].as_bool().unwrap_or(false)});
    let mut p = json!({
        "url": base,
        "enforce_admins": {"url": format!("{base}/enforce_admins"), "enabled": b["enforce_admins"].as_bool().unwrap_or(false)},
        "required_signatures": {"url": format!("{base}/required_signatures"), "enabled": false},
        "required_linear_history": enabled("required_linear_history"),
        "allow_force_pushes": enabled("allow_force_pushes"),
        "allow_deletions": enabled("allow_deletions"),
        "block_creations": enabled("block_creations"),
        "required_conversation_resolution": enabled("required_conversation_resolution"),
        "lock_branch": enabled("lock_branch"),
        "allow_fork_syncing": enabled("allow_fork_syncing"),
    });
    let rsc = &b["required_status_checks"];
    if rsc.is_object() {
        let mut names: Vec<Value> = rsc["checks"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|c| c["context"].clone())
            .collect();
        names.extend(rsc["contexts"].as_array().into_iter().flatten().cloned());
        p["required_status_checks"] = json!({
            "url": format!("{base}/required_status_checks"),
            "strict": rsc["strict"].as_bool().unwrap_or(false),
            "contexts": names,
            "checks": names.iter().map(|n| json!({"context": n, "app_id": null})).collect::<Vec<_>>(),
        });
    }
    let rev = &b["required_pull_request_reviews"];
    if rev.is_object() {
        p["required_pull_request_reviews"] = json!({
            "url": format!("{base}/required_pull_request_reviews"),
            "dismiss_stale_reviews": rev["dismiss_stale_reviews"].as_bool().unwrap_or(false),
            "require_code_owner_reviews": rev["require_code_owner_reviews"].as_bool().unwrap_or(false),
            "required_approving_review_count": rev["required_approving_review_count"].as_u64().unwrap_or(0),
            "require_last_push_approval": rev["require_last_push_approval"].as_bool().unwrap_or(false),
        });
    }
    p
}

fn ruleset_summary(r: &Value) -> Value {
    json!({
        "id": r["id"], "name": r["name"], "target": r["target"], "source_type": r["source_type"],
        "source": r["source"], "enforcement": r["enforcement"], "node_id": r["node_id"],
    })
}

fn ruleset_from_body(id: u64, b: &Value) -> Result<Value, Reply> {
    let name = b["name"]
        .as_str()
        .ok_or_else(|| unprocessable("Invalid request.\n\n\"name\" wasn't supplied."))?;
    let target = b["target"].as_str().unwrap_or("branch");
    if !matches!(target, "branch" | "tag" | "push") {
        return Err(unprocessable("Invalid target"));
    }
    let enforcement = b["enforcement"]
        .as_str()
        .ok_or_else(|| unprocessable("Invalid request.\n\n\"enforcement\" wasn't supplied."))?;
    Ok(json!({
        "id": id, "name": name, "target": target, "source_type": "Repository",
        "source": format!("{OWNER}/{REPO}"), "enforcement": enforcement,
        "node_id": format!("RRS_{id}"),
        "bypass_actors": b.get("bypass_actors").cloned().unwrap_or(json!([])),
        "conditions": b.get("conditions").cloned().unwrap_or(Value::Null),
        // GitHub adds defaults of its own to the parameters it stores.
        "rules": b["rules"].as_array().cloned().unwrap_or_default().into_iter().map(|mut r| {
            if r["type"] == "pull_request" {
                r["parameters"]["allowed_merge_methods"] = json!(["merge", "squash", "rebase"]);
            }
            r
        }).collect::<Vec<_>>(),
    }))
}

fn applies_to_branch(r: &Value, branch: &str) -> bool {
    r["target"] == "branch"
        && r["enforcement"] == "active"
        && r["conditions"]["ref_name"]["include"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|i| {
                i == "~ALL" || i == "~DEFAULT_BRANCH" || *i == json!(format!("refs/heads/{branch}"))
            })
}

/// The answer the state gives `r`, for a test's own handler around the live fake.
pub fn answer(s: &mut State, r: &Recorded) -> Reply {
    handle(s, r)
}

fn handle(s: &mut State, r: &Recorded) -> Reply {
    let full = r.path().to_owned();
    if let Some((_, _, reply)) = s
        .errors
        .iter()
        .find(|(m, p, _)| *m == r.method && *p == full)
    {
        return reply.clone();
    }
    let body: Value = serde_json::from_str(&r.body).unwrap_or(Value::Null);
    let method = r.method.as_str();
    if let Some(login) = full.strip_prefix("/users/") {
        if login == ORG && method == "GET" {
            let mut org = user_body(ORG, 9);
            org["type"] = json!("Organization");
            return ok(org);
        }
        return match USERS.iter().find(|u| u.0.eq_ignore_ascii_case(login)) {
            Some((l, id)) if method == "GET" => ok(user_body(l, *id)),
            _ => not_found(),
        };
    }
    if let Some(rest) = full.strip_prefix("/orgs/") {
        let key = rest.replacen("/teams/", "/", 1);
        return match TEAMS.iter().find(|t| t.0 == key) {
            Some((slug, id)) if method == "GET" => ok(team_body(slug, *id)),
            _ => not_found(),
        };
    }
    let Some(rest) = full.strip_prefix(&path("")) else {
        return not_found();
    };
    let segments: Vec<&str> = rest.split('/').filter(|x| !x.is_empty()).collect();
    match (method, segments.as_slice()) {
        ("GET", []) => ok(repo_body()),
        ("GET", ["actions", "secrets"]) => {
            let names: Vec<&str> = s.repo_secrets.iter().map(String::as_str).collect();
            ok(secrets_body(&names))
        }
        ("GET", ["environments"]) => {
            let envs: Vec<Value> = s.envs.iter().map(|(n, e)| env_json(n, e)).collect();
            ok(json!({"total_count": envs.len(), "environments": envs}))
        }
        ("GET", ["environments", name]) => match s.envs.get(*name) {
            Some(e) => ok(env_json(name, e)),
            None => not_found(),
        },
        ("PUT", ["environments", name]) => {
            let mut reviewers = Vec::new();
            for rv in body["reviewers"].as_array().into_iter().flatten() {
                let kind = rv["type"].as_str().unwrap_or_default().to_owned();
                let id = rv["id"].as_u64().unwrap_or(0);
                let known = match kind.as_str() {
                    "User" => USERS.iter().any(|u| u.1 == id),
                    "Team" => TEAMS.iter().any(|t| t.1 == id),
                    _ => false,
                };
                if !known {
                    return unprocessable(&format!("Reviewer {kind} {id} is not a collaborator"));
                }
                reviewers.push((kind, id));
            }
            let next = s.next_id;
            let env = s.envs.entry((*name).to_owned()).or_insert_with(|| Env {
                id: next,
                ..Env::default()
            });
            if body.get("reviewers").is_some() {
                env.reviewers = reviewers;
            }
            if let Some(p) = body["prevent_self_review"].as_bool() {
                env.prevent_self_review = p;
            }
            if let Some(w) = body["wait_timer"].as_u64() {
                env.wait_timer = Some(w);
            }
            if let Some(p) = body.get("deployment_branch_policy") {
                env.policy = if p.is_null() {
                    None
                } else {
                    let protected = p["protected_branches"].as_bool().unwrap_or(false);
                    let custom = p["custom_branch_policies"].as_bool().unwrap_or(false);
                    if protected == custom {
                        return unprocessable("Exactly one of protected_branches and custom_branch_policies must be true");
                    }
                    Some((protected, custom))
                };
            }
            let out = env_json(name, env);
            s.next_id += 10;
            ok(out)
        }
        ("GET", ["environments", name, "secrets"]) => match s.envs.get(*name) {
            Some(e) => {
                let names: Vec<&str> = e.secrets.iter().map(String::as_str).collect();
                ok(secrets_body(&names))
            }
            None => not_found(),
        },
        ("GET", ["environments", name, "deployment-branch-policies"]) => match s.envs.get(*name) {
            Some(e) => {
                let list: Vec<Value> = e
                    .branch_policies
                    .iter()
                    .map(|(id, n, k)| policy_json(*id, n, k))
                    .collect();
                ok(json!({"total_count": list.len(), "branch_policies": list}))
            }
            None => not_found(),
        },
        ("POST", ["environments", name, "deployment-branch-policies"]) => {
            let id = s.next_id;
            let Some(e) = s.envs.get_mut(*name) else {
                return not_found();
            };
            if e.policy != Some((false, true)) {
                return unprocessable(
                    "Custom branch policies are not enabled for this environment",
                );
            }
            let Some(pattern) = body["name"].as_str() else {
                return unprocessable("Invalid request.\n\n\"name\" wasn't supplied.");
            };
            let kind = body["type"].as_str().unwrap_or("branch");
            e.branch_policies
                .push((id, pattern.to_owned(), kind.to_owned()));
            s.next_id += 1;
            ok(policy_json(id, pattern, kind))
        }
        ("DELETE", ["environments", name, "deployment-branch-policies", id]) => {
            let Some(e) = s.envs.get_mut(*name) else {
                return not_found();
            };
            let before = e.branch_policies.len();
            e.branch_policies.retain(|(i, _, _)| i.to_string() != *id);
            if e.branch_policies.len() == before {
                return not_found();
            }
            Reply {
                status: 204,
                headers: Vec::new(),
                body: String::new(),
                delay: std::time::Duration::ZERO,
            }
        }
        ("GET", ["branches", branch, "protection"]) if *branch == BRANCH => match &s.protection {
            Some(p) => ok(p.clone()),
            None => Reply::json(
                404,
                &json!({"message": "Branch not protected", "documentation_url": "https://docs.github.com/rest/branches/branch-protection#get-branch-protection", "status": "404"}),
            ),
        },
        ("PUT", ["branches", branch, "protection"]) if *branch == BRANCH => {
            for key in [
                "required_status_checks",
                "enforce_admins",
                "required_pull_request_reviews",
                "restrictions",
            ] {
                if body.get(key).is_none() {
                    return unprocessable(&format!(
                        "Invalid request.\n\n\"{key}\" wasn't supplied."
                    ));
                }
            }
            let p = protection_from_body(&body);
            s.protection = Some(p.clone());
            ok(p)
        }
        ("GET", ["rules", "branches", branch]) => {
            let rules: Vec<Value> = s
                .rulesets
                .iter()
                .filter(|r| applies_to_branch(r, branch))
                .flat_map(|r| {
                    r["rules"]
                        .as_array()
                        .cloned()
                        .unwrap_or_default()
                        .into_iter()
                        .map(|mut rule| {
                            rule["ruleset_source_type"] = r["source_type"].clone();
                            rule["ruleset_source"] = r["source"].clone();
                            rule["ruleset_id"] = r["id"].clone();
                            rule
                        })
                })
                .collect();
            ok(Value::Array(rules))
        }
        ("GET", ["rulesets"]) => ok(Value::Array(
            s.rulesets.iter().map(ruleset_summary).collect(),
        )),
        ("GET", ["rulesets", id]) => match s
            .rulesets
            .iter()
            .find(|r| r["id"].as_u64().map(|n| n.to_string()).as_deref() == Some(*id))
        {
            Some(r) => ok(r.clone()),
            None => not_found(),
        },
        ("POST", ["rulesets"]) => {
            if s.rulesets.iter().any(|r| r["name"] == body["name"]) {
                return unprocessable("Validation Failed: Name must be unique");
            }
            let id = s.next_id;
            match ruleset_from_body(id, &body) {
                Ok(r) => {
                    s.next_id += 1;
                    s.rulesets.push(r.clone());
                    Reply::json(201, &r)
                }
                Err(reply) => reply,
            }
        }
        ("PUT", ["rulesets", id]) => {
            let Some(i) = s
                .rulesets
                .iter()
                .position(|r| r["id"].as_u64().map(|n| n.to_string()).as_deref() == Some(*id))
            else {
                return not_found();
            };
            let id = s.rulesets[i]["id"].as_u64().unwrap_or(0);
            let mut merged = s.rulesets[i].clone();
            for (k, v) in body.as_object().into_iter().flatten() {
                merged[k] = v.clone();
            }
            match ruleset_from_body(id, &merged) {
                Ok(r) => {
                    s.rulesets[i] = r.clone();
                    ok(r)
                }
                Err(reply) => reply,
            }
        }
        _ => not_found(),
    }
}
