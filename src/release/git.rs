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

/// The git directory of the work tree at `root` (`.git`, or a worktree's own).
pub(crate) fn git_dir(root: &Path) -> Result<std::path::PathBuf, String> {
    let dir = git(root, &["rev-parse", "--absolute-git-dir"])?;
    Ok(std::path::PathBuf::from(dir))
}

/// The commit a local branch points at, `None` when there is no such branch.
pub(crate) fn branch_commit(root: &Path, branch: &str) -> Option<String> {
    git(
        root,
        &[
            "rev-parse",
            "-q",
            "--verify",
            &format!("refs/heads/{branch}^{{commit}}"),
        ],
    )
    .ok()
    .filter(|s| !s.is_empty())
}

/// The local tag's commit, `None` when there is no such tag.
pub(crate) fn local_tag_commit(root: &Path, tag: &str) -> Option<String> {
    git(
        root,
        &[
            "rev-parse",
            "-q",
            "--verify",
            &format!("refs/tags/{tag}^{{commit}}"),
        ],
    )
    .ok()
    .filter(|s| !s.is_empty())
}

/// What origin has under `refs/heads/{branch}`: its commit, `None` when absent.
pub(crate) fn remote_branch_commit(root: &Path, branch: &str) -> Result<Option<String>, String> {
    let out = git(
        root,
        &[
            "ls-remote",
            "--heads",
            "origin",
            &format!("refs/heads/{branch}"),
        ],
    )?;
    Ok(out
        .lines()
        .find(|l| l.ends_with(&format!("\trefs/heads/{branch}")))
        .and_then(|l| l.split_whitespace().next())
        .map(str::to_owned))
}

/// The commit origin's tag points at (peeled through an annotated tag), `None` when
/// origin has no such tag.
pub(crate) fn remote_tag_commit(root: &Path, tag: &str) -> Result<Option<String>, String> {
    let name = format!("refs/tags/{tag}");
    // The peeled line (`refs/tags/T^{}`) is listed only when asked for by name.
    let peeled = format!("{name}^{{}}");
    let out = git(root, &["ls-remote", "--tags", "origin", &name, &peeled])?;
    let mut direct = None;
    for line in out.lines() {
        let mut parts = line.split_whitespace();
        let (Some(sha), Some(r)) = (parts.next(), parts.next()) else {
            continue;
        };
        if r == peeled {
            return Ok(Some(sha.to_owned()));
        }
        if r == name {
            direct = Some(sha.to_owned());
        }
    }
    Ok(direct)
}

/// Whether `commit` is reachable from `FETCH_HEAD` (after [`fetch`]).
pub(crate) fn fetched_contains(root: &Path, commit: &str) -> bool {
    Command::new("git")
        .args(["merge-base", "--is-ancestor", commit, "FETCH_HEAD"])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Creates and checks out `branch` at HEAD.
pub(crate) fn switch_new(root: &Path, branch: &str) -> Result<(), String> {
    git(root, &["switch", "-q", "-c", branch]).map(|_| ())
}

/// Checks out an existing branch.
pub(crate) fn switch(root: &Path, branch: &str) -> Result<(), String> {
    git(root, &["switch", "-q", branch]).map(|_| ())
}

/// Deletes a local branch that pyrel created and that is merged or abandoned.
pub(crate) fn delete_branch(root: &Path, branch: &str) -> Result<(), String> {
    git(root, &["branch", "-q", "-D", branch]).map(|_| ())
}

/// Pushes one branch to origin (no tag).
pub(crate) fn push_branch(root: &Path, branch: &str) -> Result<(), String> {
    git(
        root,
        &[
            "push",
            "-q",
            "origin",
            &format!("refs/heads/{branch}:refs/heads/{branch}"),
        ],
    )
    .map(|_| ())
}

/// Pushes only the tag: the user's own credentials, as any push they make.
pub(crate) fn push_tag(root: &Path, tag: &str) -> Result<(), String> {
    git(
        root,
        &[
            "push",
            "-q",
            "origin",
            &format!("refs/tags/{tag}:refs/tags/{tag}"),
        ],
    )
    .map(|_| ())
}

/// Creates the annotated tag on `commit`.
pub(crate) fn tag_commit_at(
    root: &Path,
    tag: &str,
    message: &str,
    commit: &str,
) -> Result<(), String> {
    git(root, &["tag", "-a", tag, "-m", message, commit]).map(|_| ())
}

/// Fast-forwards the checked-out branch to `FETCH_HEAD`.
pub(crate) fn fast_forward(root: &Path) -> Result<(), String> {
    git(root, &["merge", "-q", "--ff-only", "FETCH_HEAD"]).map(|_| ())
}
