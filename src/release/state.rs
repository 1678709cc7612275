//! Where a release stands, kept in the git directory (`pyrel-release.json`, never in the
//! work tree) so `pyrel release --resume` continues from the step it stopped at and can
//! tell whether the tag or the release branch moved since.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const FILE: &str = "pyrel-release.json";
const SCHEMA: &str = "pyrel-release-state/1";

/// How the release commit reaches the default branch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Mode {
    /// A release branch, a pull request, the merge; the tag on the merge commit.
    PullRequest,
    /// `--direct`: the release commit and the tag pushed together.
    Direct,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Package {
    pub(crate) name: String,
    pub(crate) version: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct State {
    pub(crate) schema: String,
    pub(crate) mode: Mode,
    pub(crate) tag: String,
    /// The tag's message and the pull request's title (`Release 1.5.0`).
    pub(crate) subject: String,
    pub(crate) packages: Vec<Package>,
    /// The default branch the release goes to.
    pub(crate) base: String,
    /// The release branch (pull request mode).
    pub(crate) branch: Option<String>,
    /// The bump commit pyrel made.
    pub(crate) release_commit: String,
    pub(crate) pull_number: Option<u64>,
    pub(crate) pull_url: Option<String>,
    /// The commit the tag goes on: the merge commit (pull request mode), the release
    /// commit (direct).
    pub(crate) tag_commit: Option<String>,
    /// The pull request's body (the changelog section), kept for a resume that opens it.
    #[serde(default)]
    pub(crate) notes: String,
}

impl State {
    pub(crate) fn new(
        mode: Mode,
        tag: &str,
        subject: &str,
        base: &str,
        release_commit: &str,
    ) -> Self {
        State {
            schema: SCHEMA.to_owned(),
            mode,
            tag: tag.to_owned(),
            subject: subject.to_owned(),
            packages: Vec::new(),
            base: base.to_owned(),
            branch: None,
            release_commit: release_commit.to_owned(),
            pull_number: None,
            pull_url: None,
            tag_commit: None,
            notes: String::new(),
        }
    }
}

fn path(root: &Path) -> Result<PathBuf, String> {
    Ok(super::git::git_dir(root)?.join(FILE))
}

/// The saved state; `Ok(None)` when no release is under way.
pub(crate) fn load(root: &Path) -> Result<Option<State>, String> {
    let path = path(root)?;
    let text = match crate::workspace_fs::read_regular_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
    };
    let state: State = serde_json::from_str(&text)
        .map_err(|e| format!("{}: line {}: {e}", path.display(), e.line()))?;
    if state.schema != SCHEMA {
        return Err(format!(
            "{}: schema `{}` is not `{SCHEMA}`",
            path.display(),
            state.schema
        ));
    }
    state
        .validate()
        .map_err(|why| format!("{}: {why}", path.display()))?;
    Ok(Some(state))
}

/// A full commit id: 40 (SHA-1) or 64 (SHA-256) lowercase hex digits.
fn commit_id(s: &str) -> bool {
    matches!(s.len(), 40 | 64) && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

impl State {
    /// Every value that reaches a git command or a request is checked where it enters:
    /// refs by git's ref grammar, commits as full ids, the release branch as pyrel names
    /// it. A file that does not match is refused, never repaired.
    fn validate(&self) -> Result<(), String> {
        crate::grammar::branch_name(&self.tag).map_err(|e| format!("`tag`: {e}"))?;
        crate::grammar::branch_name(&self.base).map_err(|e| format!("`base`: {e}"))?;
        if let Some(b) = &self.branch {
            if *b != branch_name(&self.tag) {
                return Err(format!(
                    "`branch` is `{}`, not the release branch of {} (`{}`)",
                    crate::grammar::shown(b),
                    self.tag,
                    branch_name(&self.tag)
                ));
            }
        }
        for (key, value) in [
            ("release_commit", Some(&self.release_commit)),
            ("tag_commit", self.tag_commit.as_ref()),
        ] {
            if let Some(v) = value.filter(|v| !commit_id(v)) {
                return Err(format!(
                    "`{key}` is `{}`, not a full commit id",
                    crate::grammar::shown(v)
                ));
            }
        }
        crate::grammar::printable_text(&self.subject, 200)
            .map_err(|e| format!("`subject`: {e}"))?;
        Ok(())
    }
}

/// Saves the state in one atomic write.
pub(crate) fn save(root: &Path, state: &State) -> Result<(), String> {
    let path = path(root)?;
    let text = serde_json::to_string_pretty(state).map_err(|e| e.to_string())?;
    crate::workspace_fs::atomic_write(&path, format!("{text}\n").as_bytes(), false)
        .map_err(|e| e.to_string())
}

/// Forgets the release once it is done.
pub(crate) fn clear(root: &Path) -> Result<(), String> {
    let path = path(root)?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(format!("cannot remove {}: {e}", path.display())),
    }
}

/// The release branch of a tag (kept with the state that records it; `pr` uses it too).
pub(crate) fn branch_name(tag: &str) -> String {
    format!("release/{tag}")
}
