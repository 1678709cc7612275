//! PR303 branch-protection: the default branch is protected at least as
//! `.github/branch-protection.json` asks.

use serde_json::Value;

use super::{github, unknown, Check};
use crate::doctor::{find_line, finding, Code, Context, FindingBuilder, Outcome, Severity};
use crate::remote::{BranchRule, RemoteError, RuleKind, RulesetDetail};

pub(crate) const CHECK: Check = Check { code: Code::BranchProtection, online: true, summary: "The default branch's live protection (classic or rulesets) is at least what .github/branch-protection.json asks.", docs: DOCS, run };

const DOCS: &str = "
What it checks
  Reads .github/branch-protection.json (the protection pyrel expects) and the live
  protection of the default branch on GitHub, classic branch protection and rulesets
  together, and reports each thing the live side lacks: a required status check, the
  number of approving reviews, admins included, force pushes and deletions blocked.
  Each ruleset is read whole for its bypass actors: a rule the admin role or the
  organization admins may bypass (in any bypass mode) does not count as applying to
  admins, and a bypass list the token cannot see makes the check unknown. Rulesets in
  `evaluate` mode enforce nothing and do not count.

Why it matters
  The release trusts the default branch: tags are cut from it and the release gates on
  its checks. Without protection, anyone with push access can put unreviewed, untested
  code into a release.

How to fix
  Apply the file: `gh api -X PUT repos/OWNER/REPO/branches/BRANCH/protection
  --input .github/branch-protection.json`, or configure a ruleset with the same rules.
  Reading protection needs a token with the `administration=read` permission.
";

/// What the JSON file asks for.
struct Expected {
    checks: Vec<String>,
    approvals: u32,
    admins: bool,
    no_force_push: bool,
    no_deletion: bool,
}

fn expected(v: &Value) -> Expected {
    let rsc = &v["required_status_checks"];
    let mut checks: Vec<String> = rsc["checks"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|c| c["context"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    for c in rsc["contexts"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
    {
        if !checks.iter().any(|x| x == c) {
            checks.push(c.to_owned());
        }
    }
    let flag = |key: &str| match &v[key] {
        Value::Bool(b) => *b,
        Value::Object(o) => o.get("enabled").and_then(Value::as_bool).unwrap_or(false),
        _ => false,
    };
    Expected {
        checks,
        approvals: v["required_pull_request_reviews"]["required_approving_review_count"]
            .as_u64()
            .unwrap_or(0) as u32,
        admins: flag("enforce_admins"),
        no_force_push: !flag("allow_force_pushes"),
        no_deletion: !flag("allow_deletions"),
    }
}

/// Whether a ruleset's bypass actor lets repository or organization admins past its
/// rules, in any bypass mode (`always` and `pull_request` both exempt them from what a
/// pull request must satisfy): the admin repository role (id 5) or the organization
/// admin.
pub(crate) fn is_admin_bypass(actor: &Value) -> bool {
    match actor["actor_type"].as_str() {
        Some("OrganizationAdmin") => true,
        Some("RepositoryRole") => actor["actor_id"].as_u64() == Some(5),
        _ => false,
    }
}

fn run(ctx: &Context) -> Outcome {
    let Some(rel) = ctx.policy.files.branch_protection.clone() else {
        return Outcome::Skip("the policy manages no branch-protection.json".into());
    };
    let Some(text) = ctx.read(&rel) else {
        return Outcome::Skip(format!(
            "{} does not exist (run `pyrel generate`)",
            rel.display()
        ));
    };
    let want: Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(e) => {
            return Outcome::from_builders(
                vec![finding(
                    Code::BranchProtection,
                    Severity::Error,
                    format!("{} is not valid JSON: {e}", rel.display()),
                )
                .at(rel.clone(), Some(e.line()))
                .hint("regenerate it with `pyrel generate`")],
                "the expected protection does not parse",
            )
        }
    };
    let want = expected(&want);
    let gh = match github(ctx) {
        Ok(c) => c,
        Err(o) => return o,
    };
    let branch = &ctx.policy.default_branch;
    let classic = match gh.branch_protection(branch) {
        Ok(c) => c,
        Err(e) => return unknown(&e),
    };
    let rules = match gh.rules_for_branch(branch) {
        Ok(r) => r,
        Err(RemoteError::NotFound { .. }) => Vec::new(),
        Err(e) => return unknown(&e),
    };
    let line = |key: &str| find_line(&text, &format!("\"{key}\""), 1);
    let mut out: Vec<FindingBuilder> = Vec::new();
    let relevant_rules = rules
        .iter()
        .any(|r| !matches!(r.kind(), RuleKind::Other(_)));
    if classic.is_none() && !relevant_rules {
        out.push(
            finding(Code::BranchProtection, Severity::Error, format!("the default branch `{branch}` is not protected"))
                .at(rel.clone(), Some(1))
                .hint(format!("apply {}: `gh api -X PUT repos/{{owner}}/{{repo}}/branches/{branch}/protection --input {}`", rel.display(), rel.display())),
        );
        return Outcome::from_builders(out, format!("`{branch}` has no protection"));
    }
    // Each ruleset a rule comes from, read whole: the rules-for-a-branch answer carries
    // no bypass list, the ruleset does. A rule bypassed by admins holds for everyone
    // else only.
    let mut rulesets: Vec<RulesetDetail> = Vec::new();
    for rule in rules
        .iter()
        .filter(|r| !matches!(r.kind(), RuleKind::Other(_)))
    {
        if rulesets.iter().any(|r| r.id == rule.ruleset_id) {
            continue;
        }
        match gh.ruleset(rule.ruleset_id) {
            Ok(r) => rulesets.push(r),
            Err(e) => return unknown(&e),
        }
    }
    let ruleset_of = |rule: &BranchRule| rulesets.iter().find(|r| r.id == rule.ruleset_id);
    let mut live_checks: Vec<String> = classic
        .as_ref()
        .map(|c| c.required_checks().into_iter().map(str::to_owned).collect())
        .unwrap_or_default();
    let mut approvals = classic.as_ref().map_or(0, |c| c.required_approvals());
    let mut admins = classic.as_ref().is_some_and(|c| c.enforces_admins());
    let mut no_force = classic.as_ref().is_some_and(|c| !c.allows_force_pushes());
    let mut no_delete = classic.as_ref().is_some_and(|c| !c.allows_deletions());
    // A ruleset whose bypass list the token cannot see may exempt admins or not.
    let mut admins_unknown = false;
    for rule in &rules {
        let Some(set) = ruleset_of(rule) else {
            continue;
        };
        // An `evaluate` (or disabled) ruleset reports, it enforces nothing.
        if !matches!(set.enforcement.as_str(), "active" | "enabled") {
            continue;
        }
        let holds_for_admins = match set.bypass_actors.as_deref() {
            Some(actors) => !actors.iter().any(is_admin_bypass),
            None => {
                admins_unknown = true;
                false
            }
        };
        match rule.kind() {
            RuleKind::PullRequest => {
                if let Some(pr) = rule.pull_request() {
                    approvals = approvals.max(pr.required_approving_review_count);
                }
                admins |= holds_for_admins;
            }
            RuleKind::RequiredStatusChecks => {
                if let Some(sc) = rule.status_checks() {
                    live_checks.extend(sc.required_status_checks.into_iter().map(|c| c.context));
                }
                admins |= holds_for_admins;
            }
            RuleKind::NonFastForward => no_force = true,
            RuleKind::Deletion => no_delete = true,
            _ => {}
        }
    }
    if want.admins && !admins && admins_unknown {
        return Outcome::Unknown(format!(
            "`{branch}`'s rules come from a ruleset whose bypass actors the token cannot see: whether they apply to admins is unknown; use a token with the `administration: read` permission"
        ));
    }
    let shortfall = |msg: String, key: &str, hint: &str| {
        finding(Code::BranchProtection, Severity::Error, msg)
            .at(rel.clone(), line(key))
            .hint(hint.to_owned())
    };
    for c in &want.checks {
        if !live_checks.contains(c) {
            out.push(shortfall(
                format!("`{branch}` does not require the status check `{c}`"),
                "required_status_checks",
                "add it to the required status checks of the branch protection or ruleset",
            ));
        }
    }
    // A required check from a path-filtered or conditional job: pull requests that do
    // not run it wait forever ("Expected — Waiting for status to be reported").
    let sources = ctx.check_sources();
    let mut seen = std::collections::HashSet::new();
    for c in live_checks.iter().filter(|c| seen.insert(c.as_str())) {
        if let Some(why) = crate::project::choices::unfit_reason(&sources, c) {
            out.push(shortfall(
                format!("`{branch}` requires the status check `{c}`, but {why}"),
                "required_status_checks",
                "require only checks of jobs that run on every push and pull request to the branch (no paths filter, no job-level `if:`)",
            ));
        }
    }
    if approvals < want.approvals {
        out.push(shortfall(
            format!(
                "`{branch}` requires {approvals} approving review(s), {} asked",
                want.approvals
            ),
            "required_approving_review_count",
            "raise the required approvals in the branch protection or ruleset",
        ));
    }
    if want.admins && !admins {
        let bypassed: Vec<String> = rulesets
            .iter()
            .filter(|r| r.bypass_actors.iter().flatten().any(is_admin_bypass))
            .map(|r| format!("`{}`", r.name))
            .collect();
        let message = if bypassed.is_empty() {
            format!("`{branch}`'s protection does not apply to admins")
        } else {
            format!(
                "`{branch}`'s protection does not apply to admins: ruleset {} lets the admin role bypass it",
                bypassed.join(", ")
            )
        };
        out.push(shortfall(
            message,
            "enforce_admins",
            "enable \"Do not allow bypassing the above settings\" (enforce_admins), or remove the admin role from the ruleset's bypass list (`pyrel github apply` does so for its own rulesets)",
        ));
    }
    if want.no_force_push && !no_force {
        out.push(shortfall(
            format!("`{branch}` allows force pushes"),
            "allow_force_pushes",
            "disable force pushes (or add a ruleset blocking non-fast-forward pushes)",
        ));
    }
    if want.no_deletion && !no_delete {
        out.push(shortfall(
            format!("`{branch}` can be deleted"),
            "allow_deletions",
            "disable branch deletion",
        ));
    }
    Outcome::from_builders(
        out,
        format!(
            "`{branch}`: {} protection, {} ruleset rule(s)",
            if classic.is_some() {
                "classic"
            } else {
                "no classic"
            },
            rules.len()
        ),
    )
}
