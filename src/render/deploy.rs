//! What the deployment environments accept and who approves: one definition that
//! `pyrel github apply` applies and the release guide describes, so the guide cannot
//! promise a deployment the environment refuses. Also the release workflow's concurrency
//! group, which the workflow uses and the guide explains.

use serde::Serialize;
use serde_json::{json, Value};

use crate::policy::{Policy, TestPypi};
use crate::project::Project;

/// The release workflow's concurrency group: one per event and ref, so a tag's run is never
/// replaced by a development build or a dry run, and two tags release side by side.
pub(crate) const CONCURRENCY_GROUP: &str = "release-${{ github.event_name }}-${{ github.ref }}";

/// One deployment environment as pyrel sets it up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Deployment {
    pub(crate) name: String,
    /// "PyPI" or "TestPyPI".
    pub(crate) index: &'static str,
    /// Deployment tag rules (GitHub's fnmatch patterns).
    pub(crate) tags: Vec<String>,
    /// Deployment branch rules.
    pub(crate) branches: Vec<String>,
    /// Required reviewers from the policy (logins, `org/team`); empty: none are set.
    pub(crate) reviewers: Vec<String>,
    /// Someone other than the one who started the run must approve.
    pub(crate) prevent_self_review: bool,
}

/// The environments the release workflow deploys to, PyPI first: TestPyPI when the
/// policy publishes there or builds development releases.
pub(crate) fn deployments(project: &Project, policy: &Policy) -> Vec<Deployment> {
    let mut out = vec![deployment(project, policy, false)];
    if policy.testpypi != TestPypi::Never || policy.dev_builds {
        out.push(deployment(project, policy, true));
    }
    out
}

/// One publishing environment, PyPI's or TestPyPI's: the one place that decides its tag
/// and branch rules and its reviewers (`pyrel github apply`, doctor's PR301 and the
/// guide all read them from here).
pub(crate) fn deployment(project: &Project, policy: &Policy, testpypi: bool) -> Deployment {
    let tags = tag_patterns(project, policy);
    if testpypi {
        return Deployment {
            name: policy.testpypi_environment.clone(),
            index: "TestPyPI",
            tags,
            // Development builds deploy from pushes to the default branch.
            branches: if policy.dev_builds {
                vec![policy.default_branch.clone()]
            } else {
                Vec::new()
            },
            reviewers: Vec::new(),
            prevent_self_review: false,
        };
    }
    let prevent = policy.reviewers.len() > 1 || policy.reviewers.iter().any(|r| r.contains('/'));
    Deployment {
        name: policy.pypi_environment.clone(),
        index: "PyPI",
        tags,
        branches: Vec::new(),
        reviewers: policy.reviewers.clone(),
        prevent_self_review: prevent,
    }
}

impl Deployment {
    /// The deployment rules, `(pattern, "tag" | "branch")`: the tags, then the branches.
    pub(crate) fn rules(&self) -> Vec<(String, &'static str)> {
        self.tags
            .iter()
            .map(|t| (t.clone(), "tag"))
            .chain(self.branches.iter().map(|b| (b.clone(), "branch")))
            .collect()
    }

    /// TestPyPI's environment (no reviewers set by pyrel).
    pub(crate) fn is_testpypi(&self) -> bool {
        self.index == "TestPyPI"
    }
}

/// The deployment tag patterns of the release tags: `v*` for all packages, or one
/// pattern per package when the tag format names the package.
pub(crate) fn tag_patterns(project: &Project, policy: &Policy) -> Vec<String> {
    let mut out: Vec<String> = match policy.tag_format.shared() {
        Some(shared) => vec![shared.pattern("*")],
        None => project
            .packages
            .iter()
            .map(|p| crate::bump::package_tag(policy, p).pattern("*"))
            .collect(),
    };
    out.sort();
    out.dedup();
    out
}

/// The name of the ruleset pyrel keeps for the release tags.
pub(crate) const TAG_RULESET: &str = "pyrel: release tags";

/// The ruleset that keeps release tags from being moved or deleted, by anyone: no
/// bypass actor, admins included. Creating a release tag stays open (the release
/// manager pushes it; the environment's reviewers gate the upload). The one definition
/// `github apply` sends and docs/RELEASING.md renders.
pub(crate) fn tag_ruleset_body(patterns: &[String]) -> Value {
    json!({
        "name": TAG_RULESET,
        "target": "tag",
        "enforcement": "active",
        "bypass_actors": [],
        "conditions": {"ref_name": {
            "include": patterns.iter().map(|p| format!("refs/tags/{p}")).collect::<Vec<_>>(),
            "exclude": [],
        }},
        "rules": [{"type": "deletion"}, {"type": "non_fast_forward"}, {"type": "update"}],
    })
}

/// The body of `PUT /repos/{owner}/{repo}/environments/{name}` pyrel starts from for a
/// publishing environment: deployments only from the selected refs (the rules of
/// [`deployment_rules`]). `github apply` adds the reviewers and keeps a wait timer; the
/// guide (docs/RELEASING.md) shows this body as is. One definition for both.
pub(crate) fn environment_body() -> Value {
    json!({
        "deployment_branch_policy": {"protected_branches": false, "custom_branch_policies": true},
    })
}

/// The body of `POST .../environments/{name}/deployment-branch-policies`.
pub(crate) fn deployment_rule_body(pattern: &str, kind: &str) -> Value {
    json!({"name": pattern, "type": kind})
}

/// The requests that set a fresh repository up as pyrel wants it, `(method, path after
/// /repos/{owner}/{repo}, body)`, in the order `github apply` sends them when the policy
/// names no reviewer: what docs/RELEASING.md renders, so following the guide and running
/// apply end in the same state (tests/remote_guide.rs proves the bodies equal).
pub(crate) fn guide_requests(
    project: &Project,
    policy: &Policy,
) -> Vec<(&'static str, String, Value)> {
    let mut out = Vec::new();
    for d in deployments(project, policy) {
        let segment = remote_segment(&d.name);
        out.push((
            "PUT",
            format!("/environments/{segment}"),
            environment_body(),
        ));
        for (pattern, kind) in d.rules() {
            out.push((
                "POST",
                format!("/environments/{segment}/deployment-branch-policies"),
                deployment_rule_body(&pattern, kind),
            ));
        }
    }
    out.push((
        "POST",
        "/rulesets".to_owned(),
        tag_ruleset_body(&tag_patterns(project, policy)),
    ));
    out
}

/// Environment names are checked by the policy (letters, digits, `-_.`), so they are
/// path-safe as they are; this keeps the printed path equal to the one sent.
pub(crate) fn remote_segment(name: &str) -> String {
    name.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
