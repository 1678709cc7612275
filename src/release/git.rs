//! The git commands of a release, through the git CLI (the user's credentials and hooks
//! apply to the push, as with any push they make).

use std::path::Path;
use std::process::Command;

/// Runs git; the error is git's own message.
fn git(root: &Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("cannot run git: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    } else {
        Err(format!(
            "`git {}` failed: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    }
}

/// The checked-out branch, `None` on a detached HEAD.
pub(crate) fn current_branch(root: &Path) -> Option<String> {
    git(root, &["symbolic-ref", "--short", "-q", "HEAD"])
        .ok()
        .filter(|b| !b.is_empty())
}

/// The commit of HEAD.
pub(crate) fn head(root: &Path) -> Result<String, String> {
    git(root, &["rev-parse", "HEAD"])
}

/// The commit a tag points at (peeled).
pub(crate) fn tag_commit(root: &Path, tag: &str) -> Result<String, String> {
    git(root, &["rev-parse", &format!("refs/tags/{tag}^{{commit}}")])
}

/// Fetches `branch` from origin into `FETCH_HEAD`.
pub(crate) fn fetch(root: &Path, branch: &str) -> Result<(), String> {
    git(
        root,
        &[
            "fetch",
            "-q",
            "--no-tags",
            "origin",
            &format!("refs/heads/{branch}"),
        ],
    )
    .map(|_| ())
}

/// Commits HEAD has that `FETCH_HEAD` lacks, and the other way round.
pub(crate) fn ahead_behind(root: &Path) -> Result<(u64, u64), String> {
    let out = git(
        root,
        &["rev-list", "--left-right", "--count", "HEAD...FETCH_HEAD"],
    )?;
    let mut parts = out
        .split_whitespace()
        .map(|n| n.parse::<u64>().unwrap_or(0));
    Ok((parts.next().unwrap_or(0), parts.next().unwrap_or(0)))
}

/// Pushes the branch and the tag together: both land, or neither.
pub(crate) fn push(root: &Path, branch: &str, tag: &str) -> Result<(), String> {
    git(
        root,
        &[
            "push",
            "-q",
            "--atomic",
            "origin",
            &format!("refs/heads/{branch}:refs/heads/{branch}"),
            &format!("refs/tags/{tag}:refs/tags/{tag}"),
        ],
    )
    .map(|_| ())
}

/// Whether origin has the tag.
pub(crate) fn remote_has_tag(root: &Path, tag: &str) -> Result<bool, String> {
    git(
        root,
        &["ls-remote", "--tags", "origin", &format!("refs/tags/{tag}")],
    )
    .map(|o| !o.is_empty())
}

/// The tags pointing at HEAD.
pub(crate) fn tags_at_head(root: &Path) -> Vec<String> {
    git(root, &["tag", "--points-at", "HEAD"])
        .map(|o| o.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}
