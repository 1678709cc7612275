//! A release through a pull request, and the checks that keep `--resume` honest.
//!
//! On a protected default branch a push of the release commit is refused, so the
//! release commit goes on a release branch, a pull request takes it to the default
//! branch once its required checks pass (and its reviews, when the protection asks for
//! them), and the annotated tag goes on the merge commit: only the tag is pushed, with
//! the user's own git credentials (a tag pushed with a workflow token would not start
//! the release workflow).
//!
//! "Protected" is what GitHub enforces for anyone with read access to see:
//! `GET /repos/{o}/{r}/branches/{branch}` (`protected`: classic branch protection) and
//! `GET /repos/{o}/{r}/rules/branches/{branch}` (every active ruleset rule on the
//! branch). The branch is protected when classic protection is on or a rule forbids a
//! plain push: `pull_request`, `required_status_checks`, `update`,
//! `required_deployments` or `merge_queue`.
//!
//! Every step compares what it finds with where pyrel left it ([`State`]): a tag or a
//! branch that moved is a stop naming both commits, never adopted.

use std::path::Path;
use std::time::Instant;

pub(crate) use super::state::branch_name;
use super::state::{self, Mode, State};
use super::{git, remote_stop, Step, Stopped, Timing};
use crate::remote::{GithubClient, RemoteError};

const RESUME: &str = "`pyrel release --resume`";

/// The rule types that refuse a plain push to the branch.
const BLOCKING_RULES: [&str; 5] = [
    "pull_request",
    "required_status_checks",
    "update",
    "required_deployments",
    "merge_queue",
];

/// What GitHub enforces on the default branch, as far as a release needs to know.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Protection {
    /// Why a direct push would be refused; empty: it would not.
    pub(crate) reasons: Vec<String>,
    /// Status checks the rulesets require.
    pub(crate) required_checks: Vec<String>,
    /// A ruleset requires a linear history: no merge commit.
    pub(crate) linear: bool,
    /// Merge methods the rulesets' `pull_request` rules allow (`None`: any).
    pub(crate) allowed_methods: Option<Vec<String>>,
}

impl Protection {
    pub(crate) fn protected(&self) -> bool {
        !self.reasons.is_empty()
    }
}

/// Reads the branch's classic protection and the ruleset rules that apply to it. The
/// protection endpoint needs admin access: without it (403, or GitHub's 404 for what a
/// token may not see), the branch's own `protected` flag says whether there is one.
pub(crate) fn protection(gh: &GithubClient, branch: &str) -> Result<Protection, RemoteError> {
    let mut p = Protection::default();
    let classic = match gh.branch_protection(branch) {
        Ok(Some(classic)) => {
            for c in classic.required_checks() {
                if !p.required_checks.iter().any(|k| k == c) {
                    p.required_checks.push(c.to_owned());
                }
            }
            p.linear = classic.required_linear_history.is_some_and(|f| f.enabled);
            true
        }
        Ok(None) => false,
        Err(RemoteError::Forbidden { .. } | RemoteError::NotFound { .. }) => {
            gh.branch(branch)?.protected
        }
        Err(e) => return Err(e),
    };
    if classic {
        p.reasons.push("classic branch protection".into());
    }
    for rule in gh.rules_for_branch(branch)? {
        let kind = rule.rule_type.as_str();
        if BLOCKING_RULES.contains(&kind) {
            let reason = format!("ruleset rule `{kind}`");
            if !p.reasons.contains(&reason) {
                p.reasons.push(reason);
            }
        }
        if kind == "required_linear_history" {
            p.linear = true;
        }
        if let Some(checks) = rule.status_checks() {
            for c in checks.required_status_checks {
                if !p.required_checks.contains(&c.context) {
                    p.required_checks.push(c.context);
                }
            }
        }
        if kind == "pull_request" {
            let allowed: Option<Vec<String>> = rule
                .parameters
                .as_ref()
                .and_then(|v| v.get("allowed_merge_methods"))
                .and_then(|v| serde_json::from_value(v.clone()).ok());
            if let Some(allowed) = allowed {
                p.allowed_methods = Some(match p.allowed_methods.take() {
                    None => allowed,
                    Some(before) => before.into_iter().filter(|m| allowed.contains(m)).collect(),
                });
            }
        }
    }
    Ok(p)
}

/// The merge method: a merge commit where allowed, else squash, else rebase; `None`
/// when the repository and its rules leave none.
#[cfg(test)]
fn merge_method(
    settings: &crate::remote::MergeSettings,
    protection: &Protection,
) -> Option<&'static str> {
    merge_methods(settings, protection).first().copied()
}

/// Every merge method the settings and the rules leave, in pyrel's order of preference
/// (a merge commit, squash, rebase). The settings are optional in GitHub's schema
/// (absent for a token without push access): absent means "try it", and GitHub's 405
/// "... are not allowed on this repository" moves on to the next one.
pub(crate) fn merge_methods(
    settings: &crate::remote::MergeSettings,
    protection: &Protection,
) -> Vec<&'static str> {
    let candidates = [
        ("merge", settings.allow_merge_commit, !protection.linear),
        ("squash", settings.allow_squash_merge, true),
        ("rebase", settings.allow_rebase_merge, true),
    ];
    candidates
        .into_iter()
        .filter(|(name, allowed, rules_ok)| {
            *rules_ok
                && allowed.unwrap_or(true)
                && protection
                    .allowed_methods
                    .as_ref()
                    .is_none_or(|a| a.iter().any(|m| m == name))
        })
        .map(|(name, _, _)| name)
        .collect()
}

/// GitHub's 405 for a merge method the repository turned off ("Merge commits are not
/// allowed on this repository."), as opposed to a pull request that is not mergeable yet.
fn method_refused(message: &str) -> bool {
    message
        .to_ascii_lowercase()
        .contains("not allowed on this repository")
}

fn short(sha: &str) -> &str {
    &sha[..sha.len().min(12)]
}

fn save(root: &Path, s: &State) -> Step {
    state::save(root, s).map_err(|e| {
        Stopped::new(
            format!("cannot save where the release stands: {e}"),
            format!("fix the cause, then {RESUME}"),
        )
    })
}

/// What the pull request flow needs.
pub(crate) struct Flow<'a> {
    pub(crate) root: &'a Path,
    pub(crate) gh: &'a GithubClient,
    pub(crate) timing: &'a Timing,
    /// The checks the release commit needs before the merge.
    pub(crate) required: Vec<String>,
    pub(crate) protection: Protection,
}

/// From wherever the state stands to the tag pushed on the merge commit: push the
/// release branch, open the pull request, wait for its checks, merge, tag, push the tag.
/// Returns the commit the tag is on.
pub(crate) fn drive(f: &Flow<'_>, s: &mut State) -> Step<String> {
    if s.tag_commit.is_none() {
        let branch = s.branch.clone().unwrap_or_else(|| branch_name(&s.tag));
        push_release_branch(f, s, &branch)?;
        let pull = open_pull(f, s, &branch)?;
        let merged = match pull.merged {
            Some(true) => pull.merge_commit_sha.clone().unwrap_or_default(),
            _ => {
                if pull.state == "closed" {
                    return Err(Stopped::new(
                        format!("pull request #{} was closed without a merge", pull.number),
                        format!(
                            "reopen it ({}) and {RESUME}, or delete {} (the state file in the git directory) and release again",
                            pull.html_url, state_file_hint()
                        ),
                    ));
                }
                if pull.head.sha != s.release_commit {
                    return Err(moved(
                        &format!("the head of pull request #{}", pull.number),
                        &pull.head.sha,
                        &s.release_commit,
                    ));
                }
                wait_checks(f, &s.release_commit)?;
                merge(f, s, &pull)?
            }
        };
        if merged.is_empty() {
            return Err(Stopped::new(
                format!(
                    "pull request #{} is merged but GitHub names no merge commit",
                    pull.number
                ),
                format!("look at {} and tag its merge commit by hand", pull.html_url),
            ));
        }
        s.tag_commit = Some(merged);
        save(f.root, s)?;
    }
    let commit = s.tag_commit.clone().unwrap_or_default();
    super::note(|n| n.tag_commit = Some(commit.clone()));
    // Right after a merge, a fetch may not see it yet: asked again a few times.
    let mut wait = f.timing.poll;
    let mut tries = f.timing.verify_tries;
    while let Err(stop) = on_base(f.root, s, &commit) {
        tries -= 1;
        if tries == 0 {
            return Err(stop);
        }
        std::thread::sleep(wait);
        wait = f.timing.next(wait);
    }
    tag_and_push(f.root, s, &commit, false)?;
    Ok(commit)
}

fn state_file_hint() -> &'static str {
    "pyrel-release.json"
}

/// A ref that no longer points where pyrel left it.
pub(crate) fn moved(what: &str, now: &str, ours: &str) -> Stopped {
    Stopped::new(
        format!(
            "{what} is at {} but pyrel left it at {}: someone else moved it",
            short(now),
            short(ours)
        ),
        "find out who moved it and why; pyrel will not release a commit it did not make",
    )
    .details(vec![format!("now: {now}"), format!("ours: {ours}")])
}

fn push_release_branch(f: &Flow<'_>, s: &mut State, branch: &str) -> Step {
    let on_origin = git::remote_branch_commit(f.root, branch).map_err(|e| {
        Stopped::new(
            format!("cannot ask origin for {branch}: {e}"),
            format!("check the network and the `origin` remote, then {RESUME}"),
        )
    })?;
    match on_origin {
        Some(sha) if sha == s.release_commit => Ok(()),
        Some(sha) => Err(moved(
            &format!("the branch {branch} on origin"),
            &sha,
            &s.release_commit,
        )),
        // Merged and deleted: the pull request says so below.
        None if s.pull_number.is_some() => Ok(()),
        None => {
            match git::branch_commit(f.root, branch) {
                Some(sha) if sha == s.release_commit => {}
                Some(sha) => return Err(moved(&format!("the local branch {branch}"), &sha, &s.release_commit)),
                None => {
                    return Err(Stopped::new(
                        format!("the release branch {branch} is neither local nor on origin"),
                        format!(
                            "recreate it at the release commit (`git branch {branch} {}`), then {RESUME}",
                            s.release_commit
                        ),
                    ))
                }
            }
            git::push_branch(f.root, branch).map_err(|e| {
                Stopped::new(
                    format!("the push of {branch} failed: {e}"),
                    format!("fix the cause, then {RESUME}"),
                )
            })?;
            step!("pushed: {branch} to origin");
            Ok(())
        }
    }
}

/// Text from a successful answer, before it is printed or kept: the token (and any
/// token shape) masked, as error bodies are.
fn clean(gh: &GithubClient, text: &str) -> String {
    let secrets: Vec<&crate::remote::Secret> = gh.config().token.iter().collect();
    crate::remote::redact(text, &secrets)
}

fn open_pull(f: &Flow<'_>, s: &mut State, branch: &str) -> Step<crate::remote::PullRequest> {
    if let Some(n) = s.pull_number {
        let mut pull = f.gh.pull(n).map_err(|e| remote_stop(&e, RESUME))?;
        pull.html_url = clean(f.gh, &pull.html_url);
        return Ok(pull);
    }
    let mut pull =
        f.gh.create_pull(&s.subject, branch, &s.base, &s.notes)
            .map_err(|e| remote_stop(&e, RESUME))?;
    pull.html_url = clean(f.gh, &pull.html_url);
    super::note(|f| f.pull_request = Some(pull.html_url.clone()));
    step!("pull request: #{} {}", pull.number, pull.html_url);
    s.pull_number = Some(pull.number);
    s.pull_url = Some(pull.html_url.clone());
    s.branch = Some(branch.to_owned());
    save(f.root, s)?;
    Ok(pull)
}

/// Polls the check runs (and commit statuses) of the release commit until every
/// required check passed; stops at the first failure or at the timeout.
fn wait_checks(f: &Flow<'_>, sha: &str) -> Step {
    if f.required.is_empty() {
        step!("checks: none required");
        return Ok(());
    }
    let started = Instant::now();
    let mut wait = f.timing.poll;
    let mut announced = false;
    loop {
        let runs = f.gh.check_runs(sha).map_err(|e| remote_stop(&e, RESUME))?;
        let mut pending = Vec::new();
        let mut failed = Vec::new();
        let mut statuses = None;
        for name in &f.required {
            let latest = runs.iter().filter(|r| r.name == *name).max_by_key(|r| r.id);
            match latest {
                Some(r) if r.passed() => {}
                Some(r) if r.status != "completed" => pending.push(name.clone()),
                Some(r) => failed.push(format!(
                    "`{name}`: {}{}",
                    r.conclusion.as_deref().unwrap_or("no conclusion"),
                    r.html_url
                        .as_deref()
                        .map(|u| format!(" ({u})"))
                        .unwrap_or_default()
                )),
                None => {
                    if statuses.is_none() {
                        statuses = Some(
                            f.gh.commit_statuses(sha)
                                .map_err(|e| remote_stop(&e, RESUME))?,
                        );
                    }
                    match statuses.iter().flatten().find(|st| st.context == *name) {
                        Some(st) if st.state == "success" => {}
                        Some(st) if st.state == "pending" => pending.push(name.clone()),
                        Some(st) => failed.push(format!(
                            "`{name}`: {}{}",
                            st.state,
                            st.target_url
                                .as_deref()
                                .map(|u| format!(" ({u})"))
                                .unwrap_or_default()
                        )),
                        None => pending.push(name.clone()),
                    }
                }
            }
        }
        if !failed.is_empty() {
            return Err(Stopped::new(
                format!("the required checks failed on the release commit ({})", short(sha)),
                format!("re-run them once the cause is fixed (a new commit needs a new release), then {RESUME}"),
            )
            .details(failed));
        }
        if pending.is_empty() {
            step!("checks: {} green on {}", f.required.join(", "), short(sha));
            return Ok(());
        }
        if !announced {
            step!(
                "checks: waiting for {} on {}",
                pending.join(", "),
                short(sha)
            );
            announced = true;
        }
        if started.elapsed() >= f.timing.timeout {
            return Err(Stopped::new(
                format!(
                    "the required checks have not finished on the release commit after {} s: {}",
                    f.timing.timeout.as_secs(),
                    pending.join(", ")
                ),
                format!("{RESUME} to keep waiting"),
            ));
        }
        std::thread::sleep(wait);
        wait = f.timing.next(wait);
    }
}

fn merge(f: &Flow<'_>, s: &State, pull: &crate::remote::PullRequest) -> Step<String> {
    let settings = f.gh.merge_settings().map_err(|e| remote_stop(&e, RESUME))?;
    for method in merge_methods(&settings, &f.protection) {
        match f
            .gh
            .merge_pull(pull.number, &s.release_commit, method, &s.subject)
        {
            Ok(m) if m.merged && !m.sha.is_empty() => {
                step!(
                    "merged: #{} into {} as {} ({method})",
                    pull.number,
                    s.base,
                    short(&m.sha)
                );
                return Ok(m.sha);
            }
            Ok(m) => return Err(not_merged(pull, &clean(f.gh, &m.message))),
            // This method is off for the repository: the next one.
            Err(RemoteError::Status {
                status: 405,
                message,
                ..
            }) if method_refused(&message) => continue,
            Err(RemoteError::Status {
                status: 405 | 409 | 422,
                message,
                ..
            })
            | Err(RemoteError::Forbidden { message, .. }) => {
                return Err(not_merged(pull, &message))
            }
            Err(e) => return Err(remote_stop(&e, RESUME)),
        }
    }
    Err(Stopped::new(
        "the repository allows no merge method pyrel can use for the pull request",
        format!(
            "merge {} yourself, then {RESUME} (it tags the merge commit)",
            pull.html_url
        ),
    ))
}

fn not_merged(pull: &crate::remote::PullRequest, said: &str) -> Stopped {
    Stopped::new(
        format!(
            "pull request #{} cannot be merged yet{}",
            pull.number,
            if said.is_empty() {
                String::new()
            } else {
                format!(" (GitHub: {said})")
            }
        ),
        format!(
            "get it reviewed and approved at {}, then {RESUME} (it merges, tags the merge commit and pushes the tag)",
            pull.html_url
        ),
    )
    .details(vec![format!("pull request: {}", pull.html_url)])
}

/// The commit the tag goes on must be on origin's default branch.
fn on_base(root: &Path, s: &State, commit: &str) -> Step {
    git::fetch(root, &s.base).map_err(|e| {
        Stopped::new(
            format!("cannot fetch `{}` from origin: {e}", s.base),
            format!("check the network and the `origin` remote, then {RESUME}"),
        )
    })?;
    if git::fetched_contains(root, commit) {
        return Ok(());
    }
    Err(Stopped::new(
        format!(
            "the {} {} is not on `{}` of origin",
            match s.mode {
                Mode::Direct => "release commit",
                Mode::PullRequest => "merge commit",
            },
            short(commit),
            s.base
        ),
        match s.mode {
            Mode::Direct => format!(
                "push it (`git push origin {}`), or release through a pull request, then {RESUME}",
                s.base
            ),
            Mode::PullRequest => format!(
                "GitHub named it as the merge of the release pull request{}: wait until a fetch of `{}` shows it (`git fetch origin {}`), then {RESUME}",
                s.pull_url
                    .as_deref()
                    .map(|u| format!(" ({u})"))
                    .unwrap_or_default(),
                s.base,
                s.base
            ),
        },
    ))
}

/// Creates the annotated tag on `commit` (or checks the one there) and pushes only the
/// tag. A tag, local or on origin, on another commit is a stop naming both.
pub(crate) fn tag_and_push(root: &Path, s: &State, commit: &str, atomic_branch: bool) -> Step {
    let tag = &s.tag;
    match git::local_tag_commit(root, tag) {
        Some(sha) if sha == commit => {}
        Some(sha) => return Err(moved(&format!("the local tag {tag}"), &sha, commit)),
        None => {
            git::tag_commit_at(root, tag, &s.subject, commit).map_err(|e| {
                Stopped::new(
                    format!("cannot create the tag {tag}: {e}"),
                    format!("fix the cause, then {RESUME}"),
                )
            })?;
            step!("tagged {tag} on {} (annotated)", short(commit));
        }
    }
    let on_origin = git::remote_tag_commit(root, tag).map_err(|e| {
        Stopped::new(
            format!("cannot ask origin for the tag: {e}"),
            format!("check the network and the `origin` remote, then {RESUME}"),
        )
    })?;
    match on_origin {
        Some(sha) if sha == commit => {
            step!("resume: {tag} is on origin at {}", short(commit));
            Ok(())
        }
        Some(sha) => Err(moved(&format!("the tag {tag} on origin"), &sha, commit)),
        None if atomic_branch => super::push(root, &s.base, tag),
        None => {
            git::push_tag(root, tag).map_err(|e| {
                Stopped::new(
                    format!("the push of the tag {tag} failed: {e}; the tag exists only locally"),
                    format!("fix the cause (a tag ruleset must let you create release tags), then {RESUME}"),
                )
            })?;
            step!("pushed: {tag} to origin (the tag only)");
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::remote::MergeSettings;

    #[test]
    fn the_merge_method_follows_the_settings_and_the_rules() {
        let any = MergeSettings::default();
        let p = Protection::default();
        assert_eq!(merge_method(&any, &p), Some("merge"));
        let linear = Protection {
            linear: true,
            ..Protection::default()
        };
        assert_eq!(merge_method(&any, &linear), Some("squash"));
        let only_rebase = MergeSettings {
            allow_merge_commit: Some(false),
            allow_squash_merge: Some(false),
            allow_rebase_merge: Some(true),
        };
        assert_eq!(merge_method(&only_rebase, &p), Some("rebase"));
        let rule_squash = Protection {
            allowed_methods: Some(vec!["squash".into()]),
            ..Protection::default()
        };
        assert_eq!(merge_method(&any, &rule_squash), Some("squash"));
        let none = MergeSettings {
            allow_merge_commit: Some(false),
            allow_squash_merge: Some(false),
            allow_rebase_merge: Some(false),
        };
        assert_eq!(merge_method(&none, &p), None);
    }
}
