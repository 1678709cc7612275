//! The size of the team, for protection that does not lock a lone maintainer out:
//! with `enforce_admins` and one required approval, a repository with one maintainer
//! can merge nothing (nobody may approve their own pull request).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Distinct author emails in the history of HEAD, or `None` without a history.
pub(crate) fn committers(root: &Path) -> Option<usize> {
    let out = Command::new("git")
        .args(["log", "--format=%ae", "HEAD"])
        .current_dir(root)
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let emails: BTreeSet<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.trim().to_ascii_lowercase())
        .filter(|l| !l.is_empty())
        .collect();
    (!emails.is_empty()).then_some(emails.len())
}

/// Approvals to require: none for a lone maintainer (or no history yet), one otherwise.
pub(crate) fn default_approvals(committers: Option<usize>) -> u32 {
    match committers {
        Some(n) if n >= 2 => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_maintainer_needs_no_approval() {
        assert_eq!(default_approvals(None), 0);
        assert_eq!(default_approvals(Some(1)), 0);
        assert_eq!(default_approvals(Some(2)), 1);
        assert_eq!(default_approvals(Some(40)), 1);
    }
}
