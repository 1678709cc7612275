//! The bits of git pyrel reads: the top level and the `origin` remote.

use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remote {
    /// Host, e.g. `github.com` or a GitHub Enterprise host.
    pub host: String,
    pub owner: String,
    pub repo: String,
}

/// The enclosing git work tree's top level, found by walking up to a `.git` entry.
pub fn toplevel(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// The URL of `origin`, read from `.git/config` (no git process needed).
pub fn origin_url(root: &Path) -> Option<String> {
    let git = root.join(".git");
    let config = if git.is_dir() {
        git.join("config")
    } else {
        // A worktree or submodule: `.git` is a file `gitdir: PATH`.
        let text = std::fs::read_to_string(&git).ok()?;
        let dir = text.strip_prefix("gitdir:")?.trim();
        let dir = root.join(dir);
        let common = std::fs::read_to_string(dir.join("commondir"))
            .ok()
            .map(|c| dir.join(c.trim()))
            .unwrap_or(dir);
        common.join("config")
    };
    let text = std::fs::read_to_string(config).ok()?;
    let mut in_origin = false;
    for line in text.lines() {
        let l = line.trim();
        if l.starts_with('[') {
            in_origin = l == "[remote \"origin\"]";
        } else if in_origin {
            if let Some((k, v)) = l.split_once('=') {
                if k.trim() == "url" {
                    return Some(v.trim().to_string());
                }
            }
        }
    }
    None
}

/// Parses `https://host/owner/repo(.git)`, `git@host:owner/repo(.git)` and
/// `ssh://git@host(:port)/owner/repo(.git)`.
pub fn parse_remote(url: &str) -> Option<Remote> {
    let url = url.trim();
    let (host, path) = if let Some(rest) = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .or_else(|| url.strip_prefix("ssh://"))
        .or_else(|| url.strip_prefix("git://"))
    {
        let (host, path) = rest.split_once('/')?;
        let host = host.rsplit('@').next()?;
        let host = host.split(':').next()?;
        (host, path)
    } else {
        // scp-like: git@github.com:owner/repo.git
        let (userhost, path) = url.split_once(':')?;
        let host = userhost.rsplit('@').next()?;
        (host, path)
    };
    let path = path.trim_end_matches('/');
    let path = path.strip_suffix(".git").unwrap_or(path);
    let mut parts = path.split('/');
    let owner = parts.next()?.to_string();
    let repo = parts.next()?.to_string();
    if parts.next().is_some() || owner.is_empty() || repo.is_empty() || host.is_empty() {
        return None;
    }
    let ok = |s: &str| {
        s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    };
    if !ok(&owner) || !ok(&repo) {
        return None;
    }
    Some(Remote {
        host: host.to_string(),
        owner,
        repo,
    })
}

/// The default branch: `origin/HEAD` when known, else the checked-out branch.
pub fn default_branch(root: &Path) -> Option<String> {
    let git = root.join(".git");
    if !git.is_dir() {
        return None;
    }
    let read = |p: &str| std::fs::read_to_string(git.join(p)).ok();
    if let Some(head) = read("refs/remotes/origin/HEAD") {
        if let Some(b) = head.trim().strip_prefix("ref: refs/remotes/origin/") {
            return Some(b.to_string());
        }
    }
    read("HEAD")?
        .trim()
        .strip_prefix("ref: refs/heads/")
        .map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_forms() {
        for u in [
            "https://github.com/acme/widgets.git",
            "https://github.com/acme/widgets",
            "git@github.com:acme/widgets.git",
            "ssh://git@github.com/acme/widgets.git",
            "https://user@github.com/acme/widgets/",
        ] {
            let r = parse_remote(u).unwrap_or_else(|| panic!("{u}"));
            assert_eq!(
                (r.host.as_str(), r.owner.as_str(), r.repo.as_str()),
                ("github.com", "acme", "widgets"),
                "{u}"
            );
        }
        assert!(parse_remote("https://github.com/acme").is_none());
        assert!(parse_remote("https://github.com/a/b\"c").is_none());
    }
}
