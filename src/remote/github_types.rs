//! Typed views of the GitHub REST responses pyrel reads, shaped after GitHub's
//! documented examples (`shared/data/github-api-examples.json`).
//!
//! Every struct is `#[serde(default)]` and ignores unknown fields: GitHub adds fields
//! all the time and omits some for some token types, and doctor would rather see an
//! empty value than fail to decode a whole answer.

use serde::Deserialize;

/// `GET /repos/{owner}/{repo}` (full-repository), the fields doctor uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Repository {
    pub name: String,
    pub full_name: String,
    pub private: bool,
    /// `public`, `private` or `internal`.
    pub visibility: Option<String>,
    pub default_branch: String,
    pub archived: bool,
    pub fork: bool,
    pub html_url: String,
    /// The token's permissions on the repository (absent for anonymous requests).
    pub permissions: Option<RepoPermissions>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RepoPermissions {
    pub admin: bool,
    pub maintain: bool,
    pub push: bool,
    pub triage: bool,
    pub pull: bool,
}

/// An Actions variable (`GET .../actions/variables`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Variable {
    pub name: String,
    pub value: String,
}

/// A deployment environment (`GET .../environments[/{name}]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Environment {
    pub id: u64,
    pub name: String,
    pub protection_rules: Vec<ProtectionRule>,
    /// `None` (JSON null): any branch or tag may deploy.
    pub deployment_branch_policy: Option<DeploymentBranchPolicySetting>,
}

impl Environment {
    /// The reviewers of the `required_reviewers` rule; empty when there is none.
    pub fn required_reviewers(&self) -> Vec<&Reviewer> {
        self.protection_rules
            .iter()
            .filter(|r| r.rule_type == "required_reviewers")
            .flat_map(|r| r.reviewers.iter())
            .collect()
    }

    /// Minutes of the `wait_timer` rule, when set.
    pub fn wait_timer(&self) -> Option<u64> {
        self.protection_rules
            .iter()
            .find(|r| r.rule_type == "wait_timer")
            .and_then(|r| r.wait_timer)
    }
}

/// One entry of `protection_rules`: `wait_timer`, `required_reviewers` or `branch_policy`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ProtectionRule {
    pub id: u64,
    #[serde(rename = "type")]
    pub rule_type: String,
    pub wait_timer: Option<u64>,
    pub prevent_self_review: Option<bool>,
    pub reviewers: Vec<Reviewer>,
}

/// A required reviewer: a user (`login`) or a team (`slug`, `name`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Reviewer {
    /// `User` or `Team`.
    #[serde(rename = "type")]
    pub reviewer_type: String,
    pub reviewer: ReviewerIdentity,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct ReviewerIdentity {
    pub id: u64,
    pub login: Option<String>,
    pub slug: Option<String>,
    pub name: Option<String>,
}

impl Reviewer {
    /// `octocat` for a user, `justice-league` (the slug) for a team.
    pub fn display_name(&self) -> &str {
        let r = &self.reviewer;
        r.login
            .as_deref()
            .or(r.slug.as_deref())
            .or(r.name.as_deref())
            .unwrap_or("")
    }
}

/// Which refs may deploy to an environment.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct DeploymentBranchPolicySetting {
    /// Only branches with branch protection may deploy.
    pub protected_branches: bool,
    /// Only refs matching the custom policies (see
    /// [`crate::remote::GithubClient::deployment_branch_policies`]) may deploy.
    pub custom_branch_policies: bool,
}

/// A custom deployment branch or tag policy (name pattern such as `v*`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct DeploymentBranchPolicy {
    pub id: u64,
    pub name: String,
    /// `branch` or `tag`; GitHub omits it for policies created before tag policies
    /// existed, and those are branch policies.
    #[serde(rename = "type")]
    pub policy_type: Option<String>,
}

impl DeploymentBranchPolicy {
    pub fn is_tag(&self) -> bool {
        self.policy_type.as_deref() == Some("tag")
    }

    pub fn is_branch(&self) -> bool {
        !self.is_tag()
    }
}

/// `enabled` flags of branch protection (`{"enabled": true}`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Enabled {
    pub enabled: bool,
}

/// `GET .../branches/{branch}/protection` (branch-protection). A missing section
/// means that protection is off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct BranchProtection {
    pub required_status_checks: Option<RequiredStatusChecks>,
    pub required_pull_request_reviews: Option<RequiredReviews>,
    pub enforce_admins: Option<Enabled>,
    pub required_signatures: Option<Enabled>,
    pub required_linear_history: Option<Enabled>,
    pub allow_force_pushes: Option<Enabled>,
    pub allow_deletions: Option<Enabled>,
    pub block_creations: Option<Enabled>,
    pub required_conversation_resolution: Option<Enabled>,
    pub lock_branch: Option<Enabled>,
}

fn on(flag: Option<Enabled>) -> bool {
    flag.is_some_and(|f| f.enabled)
}

impl BranchProtection {
    pub fn enforces_admins(&self) -> bool {
        on(self.enforce_admins)
    }

    pub fn allows_force_pushes(&self) -> bool {
        on(self.allow_force_pushes)
    }

    pub fn allows_deletions(&self) -> bool {
        on(self.allow_deletions)
    }

    /// Approvals a pull request needs; 0 when reviews are not required.
    pub fn required_approvals(&self) -> u32 {
        self.required_pull_request_reviews
            .as_ref()
            .map_or(0, |r| r.required_approving_review_count)
    }

    /// Names of the required status checks, from `checks` and the older `contexts`.
    pub fn required_checks(&self) -> Vec<&str> {
        self.required_status_checks
            .as_ref()
            .map(RequiredStatusChecks::names)
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RequiredStatusChecks {
    /// Branches must be up to date before merging.
    pub strict: bool,
    pub contexts: Vec<String>,
    pub checks: Vec<StatusCheck>,
}

impl RequiredStatusChecks {
    /// Check names, deduplicated, in the order GitHub lists them.
    pub fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = Vec::new();
        for name in self
            .checks
            .iter()
            .map(|c| c.context.as_str())
            .chain(self.contexts.iter().map(String::as_str))
        {
            if !names.contains(&name) {
                names.push(name);
            }
        }
        names
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StatusCheck {
    pub context: String,
    pub app_id: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RequiredReviews {
    pub required_approving_review_count: u32,
    pub dismiss_stale_reviews: bool,
    pub require_code_owner_reviews: bool,
    pub require_last_push_approval: bool,
}

/// A ruleset summary (`GET .../rulesets`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Ruleset {
    pub id: u64,
    pub name: String,
    /// `branch`, `tag` or `push` (absent in the list view of older API versions).
    pub target: Option<String>,
    /// `Repository` or `Organization`.
    pub source_type: String,
    pub source: String,
    /// `disabled`, `active`/`enabled` or `evaluate`.
    pub enforcement: String,
}

/// The kinds of ruleset rules doctor understands; the rest are kept as `Other`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RuleKind {
    Creation,
    Update,
    Deletion,
    NonFastForward,
    RequiredLinearHistory,
    RequiredSignatures,
    PullRequest,
    RequiredStatusChecks,
    Other(String),
}

/// A rule that applies to a branch (`GET .../rules/branches/{branch}`,
/// repository-rule-detailed): which ruleset it comes from and its parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct BranchRule {
    #[serde(rename = "type")]
    pub rule_type: String,
    pub ruleset_source_type: String,
    pub ruleset_source: String,
    pub ruleset_id: u64,
    /// Kept raw: each rule type has its own parameters; see the typed accessors.
    pub parameters: Option<serde_json::Value>,
}

impl BranchRule {
    pub fn kind(&self) -> RuleKind {
        match self.rule_type.as_str() {
            "creation" => RuleKind::Creation,
            "update" => RuleKind::Update,
            "deletion" => RuleKind::Deletion,
            "non_fast_forward" => RuleKind::NonFastForward,
            "required_linear_history" => RuleKind::RequiredLinearHistory,
            "required_signatures" => RuleKind::RequiredSignatures,
            "pull_request" => RuleKind::PullRequest,
            "required_status_checks" => RuleKind::RequiredStatusChecks,
            other => RuleKind::Other(other.to_owned()),
        }
    }

    /// Parameters of a `pull_request` rule.
    pub fn pull_request(&self) -> Option<PullRequestParameters> {
        (self.kind() == RuleKind::PullRequest).then(|| self.parameters_as())
    }

    /// Parameters of a `required_status_checks` rule.
    pub fn status_checks(&self) -> Option<StatusCheckParameters> {
        (self.kind() == RuleKind::RequiredStatusChecks).then(|| self.parameters_as())
    }

    fn parameters_as<T: Default + serde::de::DeserializeOwned>(&self) -> T {
        self.parameters
            .clone()
            .and_then(|p| serde_json::from_value(p).ok())
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PullRequestParameters {
    pub required_approving_review_count: u32,
    pub dismiss_stale_reviews_on_push: bool,
    pub require_code_owner_review: bool,
    pub require_last_push_approval: bool,
    pub required_review_thread_resolution: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct StatusCheckParameters {
    pub required_status_checks: Vec<RulesetStatusCheck>,
    pub strict_required_status_checks_policy: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RulesetStatusCheck {
    pub context: String,
    pub integration_id: Option<i64>,
}

/// A git reference (`GET .../git/matching-refs/{ref}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct GitRef {
    /// Full name, e.g. `refs/tags/v1.2.0`.
    #[serde(rename = "ref")]
    pub name: String,
    pub object: GitObject,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct GitObject {
    /// `commit` (lightweight tag, branch) or `tag` (annotated tag object).
    #[serde(rename = "type")]
    pub object_type: String,
    pub sha: String,
}

/// A tag (`GET .../tags`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Tag {
    pub name: String,
    pub commit: TagCommit,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct TagCommit {
    pub sha: String,
}

/// A user or organization account (`GET /users/{username}`), the fields `github apply`
/// needs to name a required reviewer by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Account {
    pub id: u64,
    pub login: String,
    /// `User`, `Organization` or `Bot`.
    #[serde(rename = "type")]
    pub account_type: String,
}

/// A team (`GET /orgs/{org}/teams/{team_slug}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Team {
    pub id: u64,
    pub slug: String,
    pub name: String,
}

/// A ruleset with its conditions and rules (`GET /repos/{owner}/{repo}/rulesets/{id}`).
/// Conditions and rules are kept as JSON: `github apply` compares them with the ones it
/// wants, and each rule type has its own parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RulesetDetail {
    pub id: u64,
    pub name: String,
    pub target: Option<String>,
    pub source_type: String,
    pub enforcement: String,
    pub conditions: Option<serde_json::Value>,
    pub rules: Vec<serde_json::Value>,
    pub bypass_actors: Option<Vec<serde_json::Value>>,
}

/// A check run of a commit (`GET .../commits/{ref}/check-runs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CheckRun {
    pub id: u64,
    pub name: String,
    pub head_sha: String,
    /// `queued`, `in_progress`, `completed` (and `waiting`, `requested`, `pending`).
    pub status: String,
    /// Set once completed: `success`, `failure`, `neutral`, `cancelled`, `skipped`,
    /// `timed_out`, `action_required`, `stale`.
    pub conclusion: Option<String>,
    pub html_url: Option<String>,
    pub completed_at: Option<String>,
}

impl CheckRun {
    /// Completed with a conclusion that lets a merge through (GitHub counts `neutral`
    /// and `skipped` as passing for required checks).
    pub fn passed(&self) -> bool {
        self.status == "completed"
            && matches!(
                self.conclusion.as_deref(),
                Some("success" | "neutral" | "skipped")
            )
    }
}

/// A workflow run (`GET .../actions/runs`, `GET .../actions/runs/{id}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct WorkflowRun {
    pub id: u64,
    pub name: Option<String>,
    /// The branch, or the tag for a tag push.
    pub head_branch: Option<String>,
    pub head_sha: String,
    pub event: String,
    /// `queued`, `in_progress`, `completed`, `waiting` (an environment awaits approval),
    /// `requested`, `pending`.
    pub status: Option<String>,
    pub conclusion: Option<String>,
    pub html_url: String,
    pub path: String,
    pub run_attempt: Option<u64>,
}

/// A deployment waiting for an environment's protection rules
/// (`GET .../actions/runs/{id}/pending_deployments`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PendingDeployment {
    pub environment: PendingEnvironment,
    pub wait_timer: u64,
    pub current_user_can_approve: bool,
    pub reviewers: Vec<Reviewer>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct PendingEnvironment {
    pub id: u64,
    pub name: String,
    pub html_url: String,
}

/// A GitHub Release (`GET .../releases/tags/{tag}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Release {
    pub id: u64,
    pub tag_name: String,
    pub name: Option<String>,
    pub html_url: String,
    pub draft: bool,
    pub prerelease: bool,
}

/// A commit status (`GET .../commits/{ref}/status`, the `statuses` of the combined
/// status): external CI reports through these rather than check runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct CommitStatus {
    pub context: String,
    /// `success`, `pending`, `failure` or `error`.
    pub state: String,
    pub target_url: Option<String>,
}
