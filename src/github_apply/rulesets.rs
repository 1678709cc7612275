//! The default branch's protection (classic, or a ruleset when the repository already
//! uses branch rulesets) and the ruleset of the release tags.

use std::path::Path;

use serde_json::{json, Value};

use super::{Request, Run};
use crate::policy::Policy;
use crate::remote::{BranchProtection, RemoteError, Ruleset, RulesetDetail};

/// The name of the ruleset pyrel keeps for the default branch (ruleset mode).
pub(crate) const BRANCH_RULESET: &str = "pyrel: default branch";
use crate::render::deploy::tag_ruleset_body;

fn flag(v: &Value, key: &str) -> bool {
    match &v[key] {
        Value::Bool(b) => *b,
        Value::Object(o) => o.get("enabled").and_then(Value::as_bool).unwrap_or(false),
        _ => false,
    }
}

/// The status check names of the file, `checks` then `contexts`, sorted.
pub(crate) fn wanted_checks(want: &Value) -> Vec<String> {
    let rsc = &want["required_status_checks"];
    let mut out: Vec<String> = rsc["checks"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|c| c["context"].as_str().map(str::to_owned))
        .chain(
            rsc["contexts"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c.as_str().map(str::to_owned)),
        )
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Why the live classic protection differs from the file; empty when it matches.
fn classic_differences(want: &Value, live: Option<&BranchProtection>) -> Vec<String> {
    let Some(live) = live else {
        return vec!["not protected".into()];
    };
    let mut why = Vec::new();
    let rsc = &want["required_status_checks"];
    match (&live.required_status_checks, rsc.is_object()) {
        (None, true) => why.push("status checks not required".into()),
        (Some(_), false) => why.push("status checks required, the file asks none".into()),
        (Some(l), true) => {
            let mut names: Vec<String> = l.names().into_iter().map(str::to_owned).collect();
            names.sort();
            names.dedup();
            if names != wanted_checks(want) {
                why.push("required status checks differ".into());
            }
            if l.strict != rsc["strict"].as_bool().unwrap_or(false) {
                why.push("`strict` differs".into());
            }
        }
        (None, false) => {}
    }
    let reviews = &want["required_pull_request_reviews"];
    match (&live.required_pull_request_reviews, reviews.is_object()) {
        (None, true) => why.push("pull request reviews not required".into()),
        (Some(_), false) => why.push("reviews required, the file asks none".into()),
        (Some(l), true) => {
            let n = reviews["required_approving_review_count"]
                .as_u64()
                .unwrap_or(0);
            if u64::from(l.required_approving_review_count) != n
                || l.dismiss_stale_reviews != flag(reviews, "dismiss_stale_reviews")
                || l.require_code_owner_reviews != flag(reviews, "require_code_owner_reviews")
                || l.require_last_push_approval != flag(reviews, "require_last_push_approval")
            {
                why.push("review settings differ".into());
            }
        }
        (None, false) => {}
    }
    let on = |e: Option<crate::remote::Enabled>| e.is_some_and(|e| e.enabled);
    for (key, live_value) in [
        ("enforce_admins", on(live.enforce_admins)),
        ("required_linear_history", on(live.required_linear_history)),
        ("allow_force_pushes", on(live.allow_force_pushes)),
        ("allow_deletions", on(live.allow_deletions)),
        ("block_creations", on(live.block_creations)),
        (
            "required_conversation_resolution",
            on(live.required_conversation_resolution),
        ),
        ("lock_branch", on(live.lock_branch)),
    ] {
        if flag(want, key) != live_value {
            why.push(format!("`{key}` differs"));
        }
    }
    why
}

/// The ruleset equivalent of the protection file, for repositories on rulesets.
fn branch_ruleset_body(policy: &Policy, want: &Value) -> Value {
    let mut rules = Vec::new();
    if !flag(want, "allow_deletions") {
        rules.push(json!({"type": "deletion"}));
    }
    if !flag(want, "allow_force_pushes") {
        rules.push(json!({"type": "non_fast_forward"}));
    }
    if flag(want, "required_linear_history") {
        rules.push(json!({"type": "required_linear_history"}));
    }
    let reviews = &want["required_pull_request_reviews"];
    if reviews.is_object() {
        rules.push(json!({
            "type": "pull_request",
            "parameters": {
                "required_approving_review_count": reviews["required_approving_review_count"].as_u64().unwrap_or(0),
                "dismiss_stale_reviews_on_push": flag(reviews, "dismiss_stale_reviews"),
                "require_code_owner_review": flag(reviews, "require_code_owner_reviews"),
                "require_last_push_approval": flag(reviews, "require_last_push_approval"),
                "required_review_thread_resolution": flag(want, "required_conversation_resolution"),
            }
        }));
    }
    let checks = wanted_checks(want);
    if want["required_status_checks"].is_object() && !checks.is_empty() {
        rules.push(json!({
            "type": "required_status_checks",
            "parameters": {
                "strict_required_status_checks_policy": want["required_status_checks"]["strict"].as_bool().unwrap_or(false),
                "required_status_checks": checks.iter().map(|c| json!({"context": c})).collect::<Vec<_>>(),
            }
        }));
    }
    json!({
        "name": BRANCH_RULESET,
        "target": "branch",
        "enforcement": "active",
        "bypass_actors": [],
        "conditions": {"ref_name": {"include": [format!("refs/heads/{}", policy.default_branch)], "exclude": []}},
        "rules": rules,
    })
}

/// Whether `live` has every rule of `want` with the wanted parameters (GitHub adds
/// parameters of its own; extra rules only make the ruleset stricter).
fn rules_cover(want: &Value, live: &RulesetDetail) -> bool {
    let target_ok = live.target.as_deref() == want["target"].as_str();
    let conditions_ok = live.conditions.as_ref().is_some_and(|c| {
        let sorted = |v: &Value| {
            let mut l: Vec<String> = v
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|x| x.as_str().map(str::to_owned))
                .collect();
            l.sort();
            l
        };
        let (w, l) = (&want["conditions"]["ref_name"], &c["ref_name"]);
        sorted(&w["include"]) == sorted(&l["include"])
            && sorted(&w["exclude"]) == sorted(&l["exclude"])
    });
    let enforcement_ok = live.enforcement == "active";
    let rules_ok = want["rules"].as_array().into_iter().flatten().all(|w| {
        live.rules.iter().any(|l| {
            l["type"] == w["type"]
                && w["parameters"]
                    .as_object()
                    .into_iter()
                    .flatten()
                    .all(|(k, v)| same_parameter(v, &l["parameters"][k]))
        })
    });
    target_ok && conditions_ok && enforcement_ok && rules_ok
}

/// The bypass actors of `live` that `want` does not ask for, described (`admin role
/// (always)`). A ruleset whose bypass list the token cannot see counts as one unknown
/// actor: the write that sets the list is sent rather than a pass assumed.
fn extra_bypass(want: &Value, live: &RulesetDetail) -> Vec<String> {
    let wanted = want["bypass_actors"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let Some(actors) = &live.bypass_actors else {
        return vec!["(not visible to the token)".into()];
    };
    actors
        .iter()
        .filter(|a| {
            !wanted.iter().any(|w| {
                w["actor_type"] == a["actor_type"]
                    && w["actor_id"] == a["actor_id"]
                    && w["bypass_mode"] == a["bypass_mode"]
            })
        })
        .map(describe_actor)
        .collect()
}

fn describe_actor(actor: &Value) -> String {
    let kind = actor["actor_type"].as_str().unwrap_or("actor");
    let who = match (kind, actor["actor_id"].as_u64()) {
        ("RepositoryRole", Some(5)) => "admin role".to_owned(),
        ("RepositoryRole", Some(4)) => "write role".to_owned(),
        ("RepositoryRole", Some(2)) => "maintain role".to_owned(),
        ("OrganizationAdmin", _) => "organization admins".to_owned(),
        (kind, Some(id)) => format!("{kind} {id}"),
        (kind, None) => kind.to_owned(),
    };
    match actor["bypass_mode"].as_str() {
        Some(mode) => format!("{who} ({mode})"),
        None => who,
    }
}

/// Parameters compare as JSON, except lists of status checks, which compare by context
/// whatever their order and integration ids.
fn same_parameter(want: &Value, live: &Value) -> bool {
    match (want.as_array(), live.as_array()) {
        (Some(w), Some(l)) => {
            let names = |a: &Vec<Value>| {
                let mut n: Vec<String> = a
                    .iter()
                    .map(|x| {
                        x["context"]
                            .as_str()
                            .map_or_else(|| x.to_string(), str::to_owned)
                    })
                    .collect();
                n.sort();
                n
            };
            names(w) == names(l)
        }
        _ => want == live,
    }
}

/// Creates the ruleset named like `want`, or updates it when it lacks something.
fn ensure_ruleset(
    run: &mut Run<'_>,
    existing: &[Ruleset],
    want: Value,
    what: &str,
) -> Result<(), RemoteError> {
    let gh = run.gh;
    let name = want["name"].as_str().unwrap_or_default().to_owned();
    let mine = existing
        .iter()
        .find(|r| r.name == name && r.source_type != "Organization");
    match mine {
        None => run.write(
            format!("{what} ruleset `{name}` created"),
            Request {
                method: "POST",
                path: gh.repo_endpoint("/rulesets"),
                body: want,
            },
            |gh, body| gh.create_ruleset(body).map(|_| ()),
        ),
        Some(r) => {
            let live = gh.ruleset(r.id)?;
            let extra = extra_bypass(&want, &live);
            if rules_cover(&want, &live) && extra.is_empty() {
                return Ok(());
            }
            let id = r.id;
            let mut text = format!("{what} ruleset `{name}` updated");
            if !extra.is_empty() {
                text.push_str(&format!(" (bypass actor(s) removed: {})", extra.join(", ")));
            }
            run.write(
                text,
                Request {
                    method: "PUT",
                    path: gh.repo_endpoint(&format!("/rulesets/{id}")),
                    body: want,
                },
                move |gh, body| gh.update_ruleset(id, body).map(|_| ()),
            )
        }
    }
}

fn list_rulesets(run: &Run<'_>) -> Result<Vec<Ruleset>, RemoteError> {
    let mut list = match run.gh.rulesets() {
        Ok(r) => r,
        // No ruleset ever created: some GitHub versions answer 404.
        Err(RemoteError::NotFound { .. }) => Vec::new(),
        Err(e) => return Err(e),
    };
    // Older list answers leave out `target`: read it from the ruleset itself.
    for r in list.iter_mut().filter(|r| r.target.is_none()) {
        r.target = run.gh.ruleset(r.id)?.target;
    }
    Ok(list)
}

/// Classic protection from the file, or the equivalent ruleset when the repository
/// already protects branches with rulesets.
pub(super) fn branch_protection(
    run: &mut Run<'_>,
    policy: &Policy,
    rel: &Path,
    want: &Value,
) -> Result<(), RemoteError> {
    let existing = list_rulesets(run)?;
    let uses_rulesets = existing
        .iter()
        .any(|r| r.target.as_deref() == Some("branch") && r.source_type != "Organization");
    if uses_rulesets {
        return ensure_ruleset(run, &existing, branch_ruleset_body(policy, want), "branch");
    }
    let branch = &policy.default_branch;
    let live = run.gh.branch_protection(branch)?;
    let why = classic_differences(want, live.as_ref());
    if why.is_empty() {
        return Ok(());
    }
    let path = run
        .gh
        .repo_endpoint(&format!("/branches/{branch}/protection"));
    let branch = branch.clone();
    run.write(
        format!(
            "classic protection set from {} ({})",
            crate::workspace_fs::slash(rel),
            why.join(", ")
        ),
        Request {
            method: "PUT",
            path,
            body: want.clone(),
        },
        move |gh, body| gh.update_branch_protection(&branch, body).map(|_| ()),
    )
}

pub(super) fn tag_ruleset(run: &mut Run<'_>, patterns: &[String]) -> Result<(), RemoteError> {
    let existing = list_rulesets(run)?;
    ensure_ruleset(run, &existing, tag_ruleset_body(patterns), "tag")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_protection_file_maps_to_an_equivalent_ruleset() {
        let want = json!({
            "required_status_checks": {"strict": true, "checks": [{"context": "test (3.12)"}]},
            "enforce_admins": true,
            "required_pull_request_reviews": {"required_approving_review_count": 2, "dismiss_stale_reviews": true},
            "allow_force_pushes": false,
            "allow_deletions": false,
        });
        let body = branch_ruleset_body(&Policy::default(), &want);
        let types: Vec<&str> = body["rules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "deletion",
                "non_fast_forward",
                "pull_request",
                "required_status_checks"
            ]
        );
        assert_eq!(
            body["rules"][2]["parameters"]["required_approving_review_count"],
            2
        );
        assert_eq!(
            body["conditions"]["ref_name"]["include"],
            json!(["refs/heads/main"])
        );
    }

    #[test]
    fn github_added_parameters_do_not_count_as_a_difference() {
        let want = tag_ruleset_body(&["v*".into()]);
        let mut live: RulesetDetail = serde_json::from_value(want.clone()).unwrap();
        live.source_type = "Repository".into();
        assert!(rules_cover(&want, &live));
        live.rules.retain(|r| r["type"] != "update");
        assert!(!rules_cover(&want, &live));
    }
}
