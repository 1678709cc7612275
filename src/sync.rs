//! Plan ⇄ disk: compare each planned file with what is on disk and with what pyrel
//! last wrote (the lock), then either report (check, dry run, doctor) or write.
//!
//! Every decision is made before anything is written, so a refusal writes nothing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::render::{FileKind, ManagedFile, Plan, BLOCK_BEGIN, BLOCK_END};
use crate::workspace_fs::{atomic_write, read_text_opt, safe_join, slash};

/// Where pyrel records the hash of every file it wrote.
pub const LOCK_PATH: &str = ".github/pyrel.lock";

/// What pyrel last wrote: path → sha256 of the contents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lock {
    pub files: BTreeMap<String, String>,
}

impl Lock {
    pub fn load(root: &Path) -> Result<Lock> {
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

    pub fn render(&self) -> String {
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
pub enum State {
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

/// One planned file compared with the disk.
#[derive(Debug, Clone)]
pub struct Entry {
    pub file: ManagedFile,
    pub state: State,
    /// What is on disk now (None when missing).
    pub on_disk: Option<String>,
    /// What pyrel would write (for a Block: the whole file with the block merged).
    pub desired: String,
}

/// A file pyrel wrote before but no longer manages (policy change).
#[derive(Debug, Clone)]
pub struct Orphan {
    pub path: PathBuf,
    /// True when the file is still exactly what pyrel wrote (safe to remove).
    pub untouched: bool,
    pub exists: bool,
}

#[derive(Debug, Clone)]
pub struct Status {
    pub entries: Vec<Entry>,
    pub orphans: Vec<Orphan>,
    pub lock: Lock,
}

impl Status {
    /// Files that are not current (what `--check` reports).
    pub fn stale(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.state != State::Current)
    }

    pub fn is_current(&self) -> bool {
        self.stale().next().is_none() && self.orphans.iter().all(|o| !o.exists)
    }

    /// Files that would be overwritten although pyrel does not own their content.
    pub fn blocked(&self) -> impl Iterator<Item = &Entry> {
        self.entries
            .iter()
            .filter(|e| matches!(e.state, State::HandEdited | State::Foreign))
    }
}

/// Compares the plan with the disk and the lock. Reads only.
pub fn status(root: &Path, plan: &Plan) -> Result<Status> {
    let lock = Lock::load(root)?;
    let mut entries = Vec::new();
    for file in &plan.files {
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
    let planned: Vec<String> = plan.files.iter().map(|f| slash(&f.path)).collect();
    let mut orphans = Vec::new();
    for (key, h) in &lock.files {
        if planned.contains(key) {
            continue;
        }
        let path = safe_join(root, Path::new(key))?;
        let on_disk = read_text_opt(&path)?;
        orphans.push(Orphan {
            path: PathBuf::from(key),
            untouched: on_disk.as_ref().is_some_and(|d| hash(d) == *h),
            exists: on_disk.is_some(),
        });
    }
    Ok(Status {
        entries,
        orphans,
        lock,
    })
}

/// Puts pyrel's block into a file's text: replaces an existing marked block in place,
/// or appends it. Everything outside the markers is kept byte for byte.
pub fn merge_block(existing: &str, block: &str) -> String {
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
pub struct Applied {
    pub written: Vec<(PathBuf, State)>,
    pub removed: Vec<PathBuf>,
    pub kept_orphans: Vec<PathBuf>,
}

/// Writes every non-current entry (hand-edited and foreign ones only with `force`),
/// removes untouched orphans, and records the new hashes in the lock.
/// Callers check [`Status::blocked`] first; without `force` a blocked entry is an error.
pub fn apply(root: &Path, status: &Status, force: bool) -> Result<Applied> {
    if !force {
        if let Some(e) = status.blocked().next() {
            return Err(Error::usage(
                format!(
                    "{} was edited by hand; refusing to overwrite it",
                    e.file.path.display()
                ),
                Some("re-run with --force to overwrite, or move your changes into the policy"),
            ));
        }
    }
    let mut lock = status.lock.clone();
    let mut applied = Applied::default();
    for e in &status.entries {
        let key = slash(&e.file.path);
        if e.state != State::Current {
            let path = safe_join(root, &e.file.path)?;
            atomic_write(&path, e.desired.as_bytes(), e.file.executable)?;
            applied.written.push((e.file.path.clone(), e.state));
        }
        if e.file.kind == FileKind::Managed {
            lock.files.insert(key, hash(&e.desired));
        }
    }
    for o in &status.orphans {
        let key = slash(&o.path);
        if o.exists && o.untouched {
            let path = safe_join(root, &o.path)?;
            std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))?;
            applied.removed.push(o.path.clone());
        } else if o.exists {
            applied.kept_orphans.push(o.path.clone());
        }
        lock.files.remove(&key);
    }
    if lock != status.lock || !root.join(LOCK_PATH).exists() {
        atomic_write(&root.join(LOCK_PATH), lock.render().as_bytes(), false)?;
    }
    Ok(applied)
}

/// A unified diff from `old` to `new`, labelled with the path.
pub fn unified_diff(path: &Path, old: &str, new: &str) -> String {
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
