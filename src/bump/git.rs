//! The git operations of a bump, through the git CLI (the user's config, hooks and signing
//! apply, as with any commit they make).

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::error::{Error, Result};
use crate::grammar::PackageTag;
use crate::version::{self, Version};

fn git(root: &Path, args: &[&str]) -> Result<String> {
    let out = Command::new("git")
        .args(args)
        .current_dir(root)
        .output()
        .map_err(|e| Error::io("git", e))?;
    if !out.status.success() {
        return Err(Error::usage(
            format!(
                "`git {}` failed: {}",
                args.join(" "),
                String::from_utf8_lossy(&out.stderr).trim()
            ),
            None,
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The uncommitted changes of the work tree (`git status --porcelain` lines), empty when clean.
pub(crate) fn dirty(root: &Path) -> Result<Vec<String>> {
    Ok(git(root, &["status", "--porcelain"])?
        .lines()
        .map(str::to_owned)
        .collect())
}

/// The author and committer identity git would use, or why it has none (checked before
/// any file is written, so `--commit`/`--tag` never fail after the bump is on disk).
/// A tag needs only the committer (tagger); a commit needs the author too.
pub(crate) fn identity(root: &Path, commit: bool) -> std::result::Result<(), String> {
    let vars: &[&str] = if commit {
        &["GIT_AUTHOR_IDENT", "GIT_COMMITTER_IDENT"]
    } else {
        &["GIT_COMMITTER_IDENT"]
    };
    for var in vars {
        let out = Command::new("git")
            .args(["var", var])
            .current_dir(root)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| format!("could not run git: {e}"))?;
        if !out.status.success() {
            let why = String::from_utf8_lossy(&out.stderr);
            let line = why
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("git has no identity")
                .trim()
                .to_string();
            return Err(line);
        }
    }
    Ok(())
}

/// Whether the tag exists.
pub(crate) fn tag_exists(root: &Path, tag: &str) -> bool {
    git(
        root,
        &["rev-parse", "-q", "--verify", &format!("refs/tags/{tag}")],
    )
    .is_ok()
}

/// The greatest version among one package's tags, for repositories whose version comes
/// from git tags.
pub(crate) fn latest_tag_version(root: &Path, package_tag: &PackageTag) -> Option<Version> {
    version::latest_tag_version(tags(root).iter().map(String::as_str), package_tag)
}

/// Every tag of the repository; empty when git cannot list them.
pub fn tags(root: &Path) -> Vec<String> {
    git(root, &["tag", "--list"])
        .map(|out| out.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Commits exactly `paths` with `message`.
pub(crate) fn commit(root: &Path, paths: &[PathBuf], message: &str) -> Result<()> {
    let mut add = vec!["add", "--"];
    let names: Vec<String> = paths
        .iter()
        .map(|p| crate::workspace_fs::slash(p))
        .collect();
    add.extend(names.iter().map(String::as_str));
    git(root, &add)?;
    let mut args = vec!["commit", "-q", "-m", message, "--"];
    args.extend(names.iter().map(String::as_str));
    git(root, &args)?;
    Ok(())
}

/// Creates the annotated tag `tag` on HEAD.
pub(crate) fn tag(root: &Path, tag: &str, message: &str) -> Result<()> {
    git(root, &["tag", "-a", tag, "-m", message]).map(|_| ())
}
