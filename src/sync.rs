//! Plan ⇄ disk: compare each planned file with what is on disk and with what pyrel
//! last wrote (the lock), then either report (check, dry run, doctor) or write.
//!
//! Every decision is made before anything is written, so a refusal writes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::render::{FileKind, ManagedFile, Plan, BLOCK_BEGIN, BLOCK_END};
use crate::workspace_fs::{read_text_opt, safe_join, slash, write_in};

pub(crate) use crate::workspace_fs::LOCK_PATH;

/// What pyrel last wrote: path → sha256 of the contents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Lock {
    pub(crate) files: BTreeMap<String, String>,
}

impl Lock {
    pub(crate) fn load(root: &Path) -> Result<Lock> {
        // pyrel owns the lock like a managed file: a symlink on the way would show
        // (in a parse error) and trust the hashes of a file elsewhere.
        crate::workspace_fs::no_symlink_below(root, Path::new(LOCK_PATH)).map_err(|m| {
            Error::Usage {
                message: format!("refusing {LOCK_PATH}: {m}; nothing was written"),
                hint: Some(
                    "replace the symlink with a real file inside the repository (or remove it: pyrel writes it again)"
                        .into(),
                ),
            }
        })?;
        let path = root.join(LOCK_PATH);
        let Some(text) = read_text_opt(&path)? else {
            return Ok(Lock::default());
        };
        let doc = crate::toml_util::parse(Path::new(LOCK_PATH), &text)?;
        let mut files = BTreeMap::new();
        if let Some(table) = doc.get("files").and_then(|i| i.as_table_like()) {
            for (k, v) in table.iter() {
                if let Some(h) = v.as_str() {
                    files.insert(k.to_string(), h.to_string());
                }
            }
        }
        Ok(Lock { files })
    }

    pub(crate) fn render(&self) -> String {
        let mut out = String::from(
            "# Written by pyrel: a hash of every file pyrel generated, so it can tell its own\n\
             # output from a hand edit. Commit this file; do not edit it.\n\n[files]\n",
        );
        for (k, v) in &self.files {
            out.push_str(&format!(
                "{} = {}\n",
                toml_edit::Value::from(k.as_str()),
                toml_edit::Value::from(v.as_str())
            ));
        }
        out
    }
}

pub fn hash(text: &str) -> String {
    let digest = Sha256::digest(text.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// The state of one planned file on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    /// On disk exactly as planned.
    Current,
    /// Not on disk.
    Missing,
    /// pyrel wrote it and nobody touched it since; the plan changed.
    Stale,
    /// pyrel wrote it, then someone edited it.
    HandEdited,
    /// A file pyrel never wrote is where a managed file should go.
    Foreign,
}

/// The one vocabulary of a managed file's state: the word of the human output, and the
/// name in the JSON documents (`pyrel generate --check --format json`, a versioned schema).
impl State {
    pub(crate) fn word(self) -> &'static str {
        match self {
            State::Current => "unchanged",
            State::Missing => "missing",
            State::Stale => "stale",
            State::HandEdited => "edited by hand",
            State::Foreign => "not written by pyrel",
        }
    }

    pub(crate) fn json_name(self) -> &'static str {
        match self {
            State::Current => "current",
            State::Missing => "missing",
            State::Stale => "stale",
            State::HandEdited => "hand-edited",
            State::Foreign => "foreign",
        }
    }
}

/// One planned file compared with the disk.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub(crate) file: ManagedFile,
    pub(crate) state: State,
    /// What is on disk now (None when missing).
    pub(crate) on_disk: Option<String>,
    /// What pyrel would write (for a Block: the whole file with the block merged).
    pub(crate) desired: String,
}

/// A file pyrel wrote before but no longer manages (policy change).
#[derive(Debug, Clone)]
pub(crate) struct Orphan {
    pub(crate) path: PathBuf,
    /// True when the file is still exactly what pyrel wrote and is one of pyrel's own
    /// generated files (safe to remove; see [`removable`]).
    pub(crate) untouched: bool,
    pub(crate) exists: bool,
}

#[derive(Debug, Clone)]
pub struct Status {
    pub(crate) entries: Vec<Entry>,
    pub(crate) orphans: Vec<Orphan>,
    pub(crate) lock: Lock,
}

impl Status {
    /// Files that are not current (what `--check` reports).
    pub(crate) fn stale(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.state != State::Current)
    }

    /// Files that would be overwritten although pyrel does not own their content.
    pub(crate) fn blocked(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| matches!(e.state, State::HandEdited | State::Foreign))
    }

    /// The blocked files a write may not replace: a workflow pyrel did not write unless
    /// `replace` names it (`--force` is never enough for one), any other blocked file
    /// unless `force` or `replace` names it.
    /// A workflow of the user's that runs CI is refused even when named with `--replace`:
    /// pyrel never replaces CI (issue 19), in `init` and `generate` alike.
    pub(crate) fn refused(&self, force: bool, replace: &[PathBuf]) -> Vec<&Entry> {
        self.blocked()
            .filter(|e| {
                let named = replace
                    .iter()
                    .any(|r| slash(r).trim_start_matches("./") == slash(&e.file.path));
                !named || (protected(e) && e.on_disk.as_deref().is_some_and(runs_ci))
            })
            .filter(|e| !force || protected(e))
            .collect()
    }
}

/// A workflow on disk that pyrel did not write (no lock entry, no pyrel header): the
/// user's, never replaced unless they name it.
pub(crate) fn protected(e: &Entry) -> bool {
    e.state == State::Foreign
        && is_workflow(&e.file.path)
        && !e.on_disk.as_deref().is_some_and(generated)
}

/// Whether a workflow's text runs as CI (pull requests, the merge queue, a schedule).
pub(crate) fn runs_ci(text: &str) -> bool {
    serde_norway::from_str(text).ok().is_some_and(|doc| {
        crate::project::choices::triggers(&doc)
            .iter()
            .any(|t| t.is_ci())
    })
}

/// A path under `.github/workflows/`.
pub(crate) fn is_workflow(path: &Path) -> bool {
    slash(path).starts_with(".github/workflows/")
}

/// Text pyrel generated: its header says so in the first lines.
pub(crate) fn generated(text: &str) -> bool {
    text.lines()
        .take(3)
        .any(|l| l.contains("Generated by pyrel"))
}

/// Compares the plan with the disk and the lock. Reads only.
pub fn status(root: &Path, plan: &Plan) -> Result<Status> {
    let lock = Lock::load(root)?;
    let mut entries = Vec::new();
    for file in &plan.files {
        // pyrel owns these paths: a symlink anywhere on the way is refused by name (a
        // write would be refused anyway, and a diff must not show a file elsewhere).
        crate::workspace_fs::no_symlink_below(root, &file.path).map_err(|m| Error::Usage {
            message: format!(
                "refusing managed file {}: {m}; nothing was written",
                slash(&file.path)
            ),
            hint: Some(
                "replace the symlink with a real file or directory inside the repository".into(),
            ),
        })?;
        let path = safe_join(root, &file.path)?;
        let on_disk = read_text_opt(&path)?;
        let key = slash(&file.path);
        let (state, desired) = match file.kind {
            FileKind::Managed => {
                let state = match &on_disk {
                    None => State::Missing,
                    Some(d) if *d == file.contents => State::Current,
                    Some(d) => match lock.files.get(&key) {
                        Some(h) if *h == hash(d) => State::Stale,
                        Some(_) => State::HandEdited,
                        None => State::Foreign,
                    },
                };
                (state, file.contents.clone())
            }
            FileKind::Seeded => match &on_disk {
                None => (State::Missing, file.contents.clone()),
                Some(d) => (State::Current, d.clone()),
            },
            FileKind::Block => {
                let merged = merge_block(on_disk.as_deref().unwrap_or(""), &file.contents);
                let state = match &on_disk {
                    None => State::Missing,
                    Some(d) if *d == merged => State::Current,
                    Some(_) => State::Stale,
                };
                (state, merged)
            }
        };
        entries.push(Entry {
            file: file.clone(),
            state,
            on_disk,
            desired,
        });
    }
    let planned: std::collections::HashSet<String> =
        plan.files.iter().map(|f| slash(&f.path)).collect();
    let mut orphans = Vec::new();
    for (key, h) in &lock.files {
        if planned.contains(key) {
            continue;
        }
        // The lock is a file in the repository anyone can edit: an entry that is not a
        // plain repository path is ignored, never followed.
        if crate::grammar::repo_path(key).is_err() {
            continue;
        }
        let rel = PathBuf::from(key);
        let on_disk = if crate::workspace_fs::no_symlink_below(root, &rel).is_ok() {
            read_text_opt(&root.join(&rel))?
        } else {
            None
        };
        orphans.push(Orphan {
            untouched: on_disk
                .as_ref()
                .is_some_and(|d| hash(d) == *h && removable(key, d)),
            exists: on_disk.is_some(),
            path: rel,
        });
    }
    Ok(Status {
        entries,
        orphans,
        lock,
    })
}

/// Whether a no-longer-managed file may be removed: only pyrel's own generated files
/// (a workflow, script or guide with pyrel's "Generated by pyrel" header, or the branch
/// protection JSON), never a project file pyrel reads (pyproject.toml, setup.py, ...),
/// never anything under `.git/`. A hash in the lock alone proves nothing: the lock is
/// committed, and anyone can write a matching hash.
pub(crate) fn removable(key: &str, contents: &str) -> bool {
    let name = key.rsplit('/').next().unwrap_or(key).to_ascii_lowercase();
    let reserved = [
        "pyproject.toml",
        "pyrel.toml",
        "setup.py",
        "setup.cfg",
        "uv.lock",
        "pyrel.lock",
        ".gitignore",
        "changelog.md",
    ];
    if reserved.contains(&name.as_str())
        || key.split('/').any(|c| c.eq_ignore_ascii_case(".git"))
        || crate::grammar::repo_path(key).is_err()
    {
        return false;
    }
    let generated = contents
        .lines()
        .take(3)
        .any(|l| l.contains("Generated by pyrel"));
    let protection = name.ends_with(".json")
        && serde_json::from_str::<serde_json::Value>(contents)
            .is_ok_and(|v| v.get("required_status_checks").is_some());
    generated || protection
}

/// Puts pyrel's block into a file's text: replaces an existing marked block in place,
/// or appends it. Everything outside the markers is kept byte for byte.
pub(crate) fn merge_block(existing: &str, block: &str) -> String {
    let block = block.trim_end_matches('\n');
    if let Some(start) = existing.find(BLOCK_BEGIN) {
        if let Some(end_rel) = existing[start..].find(BLOCK_END) {
            let end = start + end_rel + BLOCK_END.len();
            return format!("{}{}{}", &existing[..start], block, &existing[end..]);
        }
    }
    let mut out = existing.to_string();
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out.push_str(block);
    out.push('\n');
    out
}

/// What `apply` did, for the summary.
#[derive(Debug, Default)]
pub(crate) struct Applied {
    pub(crate) written: Vec<(PathBuf, State)>,
    pub(crate) removed: Vec<PathBuf>,
    pub(crate) kept_orphans: Vec<PathBuf>,
}

/// Writes every non-current entry (hand-edited and foreign ones only with `force`, a
/// workflow pyrel did not write only when `replace` names it),
/// removes untouched orphans, records the new hashes in the lock, then writes `last`
/// (init's policy and the files it seeds once, generate's adopted pins), all or nothing: every change is staged first, and when any write
/// fails the files already written get their old contents back (new files are removed).
/// Callers check [`Status::blocked`] first; without `force` a blocked entry is an error.
pub(crate) fn apply(
    root: &Path,
    status: &Status,
    force: bool,
    replace: &[PathBuf],
    last: &[(&Path, &str)],
) -> Result<Applied> {
    if let Some(e) = status.refused(force, replace).first() {
        return Err(Error::usage(
            format!(
                "{} was {}; refusing to overwrite it",
                e.file.path.display(),
                if e.state == State::Foreign {
                    "not written by pyrel"
                } else {
                    "edited by hand"
                }
            ),
            Some(
                "name it with --replace PATH to overwrite it, or move your changes into the policy",
            ),
        ));
    }
    let mut lock = status.lock.clone();
    let mut applied = Applied::default();
    // (path, new contents or None to remove, executable)
    let mut steps: Vec<(PathBuf, Option<String>, bool)> = Vec::new();
    for e in &status.entries {
        let key = slash(&e.file.path);
        if e.state != State::Current {
            steps.push((
                e.file.path.clone(),
                Some(e.desired.clone()),
                e.file.executable,
            ));
            applied.written.push((e.file.path.clone(), e.state));
        }
        if e.file.kind == FileKind::Managed {
            lock.files.insert(key, hash(&e.desired));
        }
    }
    for o in &status.orphans {
        let key = slash(&o.path);
        if o.exists && o.untouched {
            steps.push((o.path.clone(), None, false));
            applied.removed.push(o.path.clone());
        } else if o.exists {
            applied.kept_orphans.push(o.path.clone());
        }
        lock.files.remove(&key);
    }
    let lock_exists = root.join(LOCK_PATH).exists();
    if lock != status.lock || !lock_exists {
        steps.push((PathBuf::from(LOCK_PATH), Some(lock.render()), false));
        let state = if lock_exists {
            State::Stale
        } else {
            State::Missing
        };
        applied.written.push((PathBuf::from(LOCK_PATH), state));
    }
    for (path, text) in last {
        steps.push((path.to_path_buf(), Some(text.to_string()), false));
    }
    apply_steps(root, &steps)?;
    Ok(applied)
}

/// Removes the temp files (`.pyrel-tmp-` and 10 letters or digits, regular files only) a
/// killed pyrel left beside the files it manages: in the directory of every managed file,
/// orphan and the lock, reached without a symlink. Run by every writing `init` and
/// `generate` under the write lock, also when nothing else changes, so the next run
/// cleans up after a killed one. Nothing else is touched: a user's file never has that
/// exact name shape by accident, and other directories are not looked at.
pub(crate) fn sweep_leftovers(root: &Path, status: &Status) {
    let mut dirs = std::collections::BTreeSet::new();
    let paths = status
        .entries
        .iter()
        .map(|e| e.file.path.as_path())
        .chain(status.orphans.iter().map(|o| o.path.as_path()))
        .chain(std::iter::once(Path::new(LOCK_PATH)));
    for p in paths {
        dirs.insert(p.parent().unwrap_or(Path::new("")).to_path_buf());
    }
    for d in dirs {
        if crate::workspace_fs::no_symlink_below(root, &d).is_ok() {
            crate::workspace_fs::sweep_temp_files(&root.join(&d));
        }
    }
}

/// Test-only hook: fail before the step with this 0-based index, to prove the rollback
/// of init and generate. Never set it outside tests.
pub(crate) const FAIL_AT_ENV: &str = "PYREL_SYNC_FAIL_AT";

/// Runs the staged writes and removals; on the first failure puts back every file
/// already changed, and says whether that worked.
fn apply_steps(root: &Path, steps: &[(PathBuf, Option<String>, bool)]) -> Result<()> {
    let fail_at: Option<usize> = std::env::var(FAIL_AT_ENV).ok().and_then(|v| v.parse().ok());
    // Every path is checked before anything is written: a symlink anywhere refuses the
    // whole run with nothing written.
    let mut before: Vec<Option<Vec<u8>>> = Vec::new();
    for (rel, _, _) in steps {
        crate::workspace_fs::no_symlink_below(root, rel).map_err(|m| Error::Usage {
            message: format!("refusing to write {}: {m}; nothing was written", slash(rel)),
            hint: Some(
                "replace the symlink with a real file or directory inside the repository".into(),
            ),
        })?;
        let full = root.join(rel);
        before.push(match std::fs::read(&full) {
            Ok(b) => Some(b),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&full, e)),
        });
    }
    // Directories that do not exist yet: a rollback removes them again (deepest first).
    let mut new_dirs: Vec<PathBuf> = Vec::new();
    for (rel, _, _) in steps {
        let mut dir = rel.parent();
        while let Some(d) = dir.filter(|d| !d.as_os_str().is_empty()) {
            if !root.join(d).exists() && !new_dirs.iter().any(|x| x == d) {
                new_dirs.push(d.to_path_buf());
            }
            dir = d.parent();
        }
    }
    new_dirs.sort_by_key(|d| std::cmp::Reverse(d.components().count()));
    for (n, (rel, new, executable)) in steps.iter().enumerate() {
        let result = if fail_at == Some(n) {
            Err(Error::io(
                rel,
                std::io::Error::other(format!("write refused by {FAIL_AT_ENV} (test hook)")),
            ))
        } else {
            match new {
                Some(text) => write_in(root, rel, text.as_bytes(), *executable),
                None => crate::workspace_fs::remove_in(root, rel),
            }
        };
        if let Err(err) = result {
            let mut lost = Vec::new();
            for (i, (rel, _, executable)) in steps[..n].iter().enumerate().rev() {
                let undo = match &before[i] {
                    Some(old) => write_in(root, rel, old, *executable),
                    None => crate::workspace_fs::remove_in(root, rel),
                };
                if undo.is_err() {
                    lost.push(slash(rel));
                }
            }
            for d in &new_dirs {
                let _ = std::fs::remove_dir(root.join(d));
            }
            return Err(crate::workspace_fs::rolled_back(err, &lost));
        }
    }
    Ok(())
}

/// A unified diff from `old` to `new`, labelled with the path.
pub(crate) fn unified_diff(path: &Path, old: &str, new: &str) -> String {
    let label = slash(path);
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{label}"), &format!("b/{label}"))
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_is_appended_then_replaced_in_place() {
        let block = format!("{BLOCK_BEGIN}\n.pypirc\n{BLOCK_END}\n");
        let once = merge_block("*.pyc\n", &block);
        assert_eq!(
            once,
            format!("*.pyc\n\n{BLOCK_BEGIN}\n.pypirc\n{BLOCK_END}\n")
        );
        let user_after = format!("{once}build/\n");
        let new_block = format!("{BLOCK_BEGIN}\n.pypirc\n.env\n{BLOCK_END}\n");
        let twice = merge_block(&user_after, &new_block);
        assert_eq!(
            twice,
            format!("*.pyc\n\n{BLOCK_BEGIN}\n.pypirc\n.env\n{BLOCK_END}\nbuild/\n")
        );
        assert_eq!(merge_block(&twice, &new_block), twice);
    }

    #[test]
    fn lock_round_trips() {
        let d = tempfile::tempdir().unwrap();
        let mut lock = Lock::default();
        lock.files.insert("a \"b\".yml".into(), hash("x"));
        std::fs::create_dir_all(d.path().join(".github")).unwrap();
        std::fs::write(d.path().join(LOCK_PATH), lock.render()).unwrap();
        assert_eq!(Lock::load(d.path()).unwrap(), lock);
    }
}
