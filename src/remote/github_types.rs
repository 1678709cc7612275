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
    pub(crate) name: String,
    pub full_name: String,
    pub private: bool,
    /// `public`, `private` or `internal`.
    pub visibility: Option<String>,
    pub default_branch: String,
    pub(crate) archived: bool,
    pub(crate) fork: bool,
    pub(crate) html_url: String,
    /// The token's permissions on the repository (absent for anonymous requests).
    pub permissions: Option<RepoPermissions>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RepoPermissions {
    pub admin: bool,
    pub(crate) maintain: bool,
    pub(crate) push: bool,
    pub(crate) triage: bool,
    pub(crate) pull: bool,
}

/// A deployment environment (`GET .../environments[/{name}]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Environment {
    pub(crate) id: u64,
    pub name: String,
    pub(crate) protection_rules: Vec<ProtectionRule>,
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
pub(crate) struct ProtectionRule {
    pub(crate) id: u64,
    #[serde(rename = "type")]
    pub(crate) rule_type: String,
    pub(crate) wait_timer: Option<u64>,
    pub(crate) prevent_self_review: Option<bool>,
    pub(crate) reviewers: Vec<Reviewer>,
}

/// A required reviewer: a user (`login`) or a team (`slug`, `name`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Reviewer {
    /// `User` or `Team`.
    #[serde(rename = "type")]
    pub reviewer_type: String,
    pub(crate) reviewer: ReviewerIdentity,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct ReviewerIdentity {
    pub(crate) id: u64,
    pub(crate) login: Option<String>,
    pub(crate) slug: Option<String>,
    pub(crate) name: Option<String>,
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
    /// Optional in the schema (and so is `name`): a policy without an id cannot be
    /// removed by `github apply`, one without a name matches no ref.
    pub(crate) id: Option<u64>,
    pub name: String,
    /// `branch` or `tag`; GitHub omits it for policies created before tag policies
    /// existed, and those are branch policies.
    #[serde(rename = "type")]
    pub(crate) policy_type: Option<String>,
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
pub(crate) struct Enabled {
    pub(crate) enabled: bool,
}

/// `GET .../branches/{branch}/protection` (branch-protection). A missing section
/// means that protection is off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct BranchProtection {
    /// Optional in the schema, like every field here; typed so that an answer giving
    /// them another type is a decode error rather than "protected with nothing".
    #[allow(dead_code)]
    pub(crate) url: Option<String>,
    #[allow(dead_code)]
    pub(crate) name: Option<String>,
    pub required_status_checks: Option<RequiredStatusChecks>,
    pub required_pull_request_reviews: Option<RequiredReviews>,
    pub(crate) enforce_admins: Option<Enabled>,
    pub(crate) required_signatures: Option<Enabled>,
    pub(crate) required_linear_history: Option<Enabled>,
    pub(crate) allow_force_pushes: Option<Enabled>,
    pub(crate) allow_deletions: Option<Enabled>,
    pub(crate) block_creations: Option<Enabled>,
    pub(crate) required_conversation_resolution: Option<Enabled>,
    pub(crate) lock_branch: Option<Enabled>,
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
    pub(crate) contexts: Vec<String>,
    pub(crate) checks: Vec<StatusCheck>,
}

impl RequiredStatusChecks {
    /// Check names, deduplicated, in the order GitHub lists them.
    pub(crate) fn names(&self) -> Vec<&str> {
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
pub(crate) struct StatusCheck {
    pub(crate) context: String,
    pub(crate) app_id: Option<i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct RequiredReviews {
    pub(crate) required_approving_review_count: u32,
    pub dismiss_stale_reviews: bool,
    pub require_code_owner_reviews: bool,
    pub(crate) require_last_push_approval: bool,
}

/// A ruleset summary (`GET .../rulesets`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub struct Ruleset {
    pub id: u64,
    pub(crate) name: String,
    /// `branch`, `tag` or `push` (absent in the list view of older API versions).
    pub(crate) target: Option<String>,
    /// `Repository` or `Organization`.
    pub(crate) source_type: String,
    pub(crate) source: String,
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
    pub(crate) rule_type: String,
    pub ruleset_source_type: String,
    pub ruleset_source: String,
    pub ruleset_id: u64,
    /// Kept raw: each rule type has its own parameters; see the typed accessors.
    pub(crate) parameters: Option<serde_json::Value>,
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
    pub(crate) require_code_owner_review: bool,
    pub require_last_push_approval: bool,
    pub(crate) required_review_thread_resolution: bool,
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

/// A user or organization account (`GET /users/{username}`), the fields `github apply`
/// needs to name a required reviewer by id.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct Account {
    pub(crate) id: u64,
    pub(crate) login: String,
    /// `User`, `Organization` or `Bot`.
    #[serde(rename = "type")]
    pub(crate) account_type: String,
}

/// A team (`GET /orgs/{org}/teams/{team_slug}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct Team {
    pub(crate) id: u64,
    pub(crate) slug: String,
    pub(crate) name: String,
}

/// A ruleset with its conditions and rules (`GET /repos/{owner}/{repo}/rulesets/{id}`).
/// Conditions and rules are kept as JSON: `github apply` compares them with the ones it
/// wants, and each rule type has its own parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct RulesetDetail {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) target: Option<String>,
    pub(crate) source_type: String,
    pub(crate) enforcement: String,
    pub(crate) conditions: Option<serde_json::Value>,
    pub(crate) rules: Vec<serde_json::Value>,
    pub(crate) bypass_actors: Option<Vec<serde_json::Value>>,
}

/// A check run of a commit (`GET .../commits/{ref}/check-runs`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct CheckRun {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) head_sha: String,
    /// `queued`, `in_progress`, `completed` (and `waiting`, `requested`, `pending`).
    pub(crate) status: String,
    /// Set once completed: `success`, `failure`, `neutral`, `cancelled`, `skipped`,
    /// `timed_out`, `action_required`, `stale`.
    pub(crate) conclusion: Option<String>,
    pub(crate) html_url: Option<String>,
    pub(crate) completed_at: Option<String>,
}

impl CheckRun {
    /// Completed with a conclusion that lets a merge through (GitHub counts `neutral`
    /// and `skipped` as passing for required checks).
    pub(crate) fn passed(&self) -> bool {
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
pub(crate) struct WorkflowRun {
    pub(crate) id: u64,
    pub(crate) name: Option<String>,
    /// The branch, or the tag for a tag push.
    pub(crate) head_branch: Option<String>,
    pub(crate) head_sha: String,
    pub(crate) event: String,
    /// `queued`, `in_progress`, `completed`, `waiting` (an environment awaits approval),
    /// `requested`, `pending`.
    pub(crate) status: Option<String>,
    pub(crate) conclusion: Option<String>,
    pub(crate) html_url: String,
    pub(crate) path: String,
    pub(crate) run_attempt: Option<u64>,
}

/// A deployment waiting for an environment's protection rules
/// (`GET .../actions/runs/{id}/pending_deployments`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct PendingDeployment {
    pub(crate) environment: PendingEnvironment,
    pub(crate) wait_timer: u64,
    pub(crate) current_user_can_approve: bool,
    pub(crate) reviewers: Vec<Reviewer>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct PendingEnvironment {
    pub(crate) id: u64,
    pub(crate) name: String,
    pub(crate) html_url: String,
}

/// A GitHub Release (`GET .../releases/tags/{tag}`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct Release {
    pub(crate) id: u64,
    pub(crate) tag_name: String,
    pub(crate) name: Option<String>,
    pub(crate) html_url: String,
    pub(crate) draft: bool,
    pub(crate) prerelease: bool,
}

/// A commit status (`GET .../commits/{ref}/status`, the `statuses` of the combined
/// status): external CI reports through these rather than check runs.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(default)]
pub(crate) struct CommitStatus {
    pub(crate) context: String,
    /// `success`, `pending`, `failure` or `error`.
    pub(crate) state: String,
    pub(crate) target_url: Option<String>,
}
