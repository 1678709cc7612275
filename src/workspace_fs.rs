//! Everything that touches the disk on the way in or out: UTF-8 reads that name the
//! file, atomic writes, and paths that can never leave the repository root.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// Reads a file as UTF-8; a non-UTF-8 file is an error naming the file and the offset.
pub(crate) fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// The ignore files a walk of `dir` opens (`.gitignore`, `.ignore`, and
/// `.git/info/exclude` at a git top level) that are not regular files: a FIFO blocks the
/// open forever and a link to `/dev/zero` never ends, and git can commit the link. The
/// walkers (the `ignore` crate) open these without asking what they are, so each walk
/// asks first, for every directory it enters.
pub(crate) fn irregular_ignore_file(dir: &Path) -> Option<PathBuf> {
    irregular_file_in(dir, &[".gitignore", ".ignore", ".git/info/exclude"])
}

/// The first of `names` in `dir` that exists and is neither a regular file nor a directory
/// (followed through links). A walk that reads only `.gitignore` below its root asks only
/// about that (a stat per directory counts at thousands of packages).
pub(crate) fn irregular_file_in(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    names
        .iter()
        .map(|name| dir.join(name))
        // Through links: what the walker would open. A dangling link or a directory
        // fails the open at once, harmlessly.
        .find(|p| std::fs::metadata(p).is_ok_and(|m| !m.is_file() && !m.is_dir()))
}

/// The error for an [`irregular_ignore_file`], relative to `root`.
pub(crate) fn irregular_ignore_error(root: &Path, path: &Path) -> Error {
    let rel = path.strip_prefix(root).unwrap_or(path);
    Error::usage(
        format!(
            "`{}` is not a regular file (a FIFO, socket or device, or a link to one); pyrel does not read it",
            rel.display()
        ),
        Some("make it a regular file, or remove it"),
    )
}

/// Like [`read_text`], but a missing file (or anything that is not a regular file) is
/// `Ok(None)`.
pub(crate) fn read_text_opt(path: &Path) -> Result<Option<String>> {
    read_text_flags(path, 0)
}

/// `std::fs::read` for files a repository, a clone or a `.git` directory can hold: a
/// FIFO, a device or a socket (or a link to one) is `NotFound`, never opened to block or
/// read without end (a committed link to `/dev/zero`).
pub(crate) fn read_regular(path: impl AsRef<Path>) -> std::io::Result<Vec<u8>> {
    read_bytes_flags(path.as_ref(), 0)?
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::NotFound, "not a regular file"))
}

/// [`read_regular`] as UTF-8, like `std::fs::read_to_string`.
pub(crate) fn read_regular_string(path: impl AsRef<Path>) -> std::io::Result<String> {
    String::from_utf8(read_regular(path)?)
        .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

/// [`read_text_opt`] with more `open` flags (`O_NOFOLLOW`).
fn read_text_flags(path: &Path, flags: i32) -> Result<Option<String>> {
    let Some(bytes) = read_bytes_flags(path, flags).map_err(|e| Error::io(path, e))? else {
        return Ok(None);
    };
    String::from_utf8(bytes)
        .map(Some)
        .map_err(|e| Error::NotUtf8 {
            path: path.to_path_buf(),
            offset: e.utf8_error().valid_up_to(),
        })
}

fn read_bytes_flags(path: &Path, flags: i32) -> std::io::Result<Option<Vec<u8>>> {
    use std::io::Read;
    // One path lookup per file (discovery reads thousands): open, then ask the open file
    // what it is. `O_NONBLOCK` keeps a FIFO from blocking the open; it changes nothing
    // for a regular file.
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(&mut options, libc::O_NONBLOCK | flags);
    #[cfg(not(unix))]
    let _ = flags;
    let mut file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        #[cfg(unix)]
        Err(e) if flags & libc::O_NOFOLLOW != 0 && e.raw_os_error() == Some(libc::ELOOP) => {
            return Err(e)
        }
        // Something that cannot be opened for reading (a socket): decide as before, by
        // what it is.
        Err(e) => {
            return match std::fs::metadata(path) {
                Ok(m) if !m.is_file() => Ok(None),
                _ => Err(e),
            }
        }
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(None);
    }
    // The size sizes the buffer only up to a bound: a sparse file can claim a terabyte.
    let room = usize::try_from(meta.len().min(1 << 26)).unwrap_or(0) + 1;
    let mut bytes = Vec::with_capacity(room);
    // Through `Take`, not `File::read_to_end`: that one asks the size again (fstat and
    // lseek) although the buffer already has room for the whole file.
    Read::by_ref(&mut file)
        .take(u64::MAX)
        .read_to_end(&mut bytes)?;
    Ok(Some(bytes))
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |i| offset - i - 1) + 1;
    (line, col)
}

/// Joins a relative path to the root, refusing absolute paths, `..` and anything else
/// that would leave the root. Symlinked parents that point outside are refused too.
pub(crate) fn safe_join(root: &Path, rel: &Path) -> Result<PathBuf> {
    let escape = || Error::PathEscape {
        path: rel.to_path_buf(),
    };
    if rel.as_os_str().is_empty() {
        return Err(escape());
    }
    for c in rel.components() {
        match c {
            Component::Normal(_) | Component::CurDir => {}
            _ => return Err(escape()),
        }
    }
    let joined = root.join(rel);
    // Resolve the deepest existing ancestor: a symlink must not lead outside.
    let mut probe = joined.parent().map(Path::to_path_buf);
    while let Some(p) = probe {
        if p.exists() {
            let real = p.canonicalize().map_err(|e| Error::io(&p, e))?;
            let real_root = root.canonicalize().map_err(|e| Error::io(root, e))?;
            if !real.starts_with(&real_root) {
                return Err(escape());
            }
            break;
        }
        probe = p.parent().map(Path::to_path_buf);
    }
    if joined.is_symlink() {
        return Err(escape());
    }
    Ok(joined)
}

/// Temp files pyrel writes before a rename: `.pyrel-tmp-` and random characters.
/// Where pyrel records the hash of every file it wrote (read by `sync`, refused as a
/// policy path by `policy`: kept here, below both).
pub(crate) const LOCK_PATH: &str = ".github/pyrel.lock";

const TEMP_PREFIX: &str = ".pyrel-tmp-";
const TEMP_RAND: usize = 10;

/// Removes temp files a killed pyrel left in `dir` (regular files named exactly like
/// pyrel's temp files; never a symlink). Writers hold the [`WriteLock`], so no other
/// pyrel is using them.
fn sweep_temp_files(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else { continue };
        let is_ours = name
            .strip_prefix(TEMP_PREFIX)
            .is_some_and(|r| r.len() == TEMP_RAND && r.bytes().all(|b| b.is_ascii_alphanumeric()));
        if is_ours && entry.file_type().is_ok_and(|t| t.is_file()) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The one-writer lock of a repository, held while a writing verb (init, generate,
/// bump) plans and writes.
///
/// Protocol (the bump script follows the same one): the lock file is `pyrel.lock` in
/// the git directory (`.git/pyrel.lock`; for a worktree or submodule whose `.git` is a
/// `gitdir: PATH` file, `PATH/pyrel.lock`); without git it is
/// `TMPDIR/pyrel-<first 16 hex digits of sha256(absolute root path)>.lock`. The file is
/// opened (created if missing, never truncated, never deleted) and locked with
/// `flock(fd, LOCK_EX | LOCK_NB)` — Python: `fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)`.
/// The OS releases the lock when the process ends, even on kill -9, so there is no
/// stale lock. A writer that finds the lock taken retries for about 2 seconds, then
/// exits 1 with a message, having written nothing. The holder writes its pid into the
/// file for people who look; nobody reads it.
#[derive(Debug)]
pub(crate) struct WriteLock {
    _file: std::fs::File,
}

/// How long a second writer waits for the first.
pub(crate) const LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Why the lock could not be taken.
#[derive(Debug)]
pub(crate) enum LockError {
    /// Another pyrel holds it.
    Busy(PathBuf),
    Other(Error),
}

impl WriteLock {
    /// The path of the lock file of the repository at `root`.
    pub(crate) fn path(root: &Path) -> PathBuf {
        let dot_git = root.join(".git");
        match std::fs::symlink_metadata(&dot_git) {
            Ok(m) if m.is_dir() => return dot_git.join("pyrel.lock"),
            Ok(m) if m.is_file() => {
                if let Ok(text) = read_regular_string(&dot_git) {
                    if let Some(dir) = text.trim().strip_prefix("gitdir:") {
                        let dir = Path::new(dir.trim());
                        let dir = if dir.is_absolute() {
                            dir.to_path_buf()
                        } else {
                            root.join(dir)
                        };
                        // Only a git directory: a crafted `gitdir:` naming any other
                        // directory (a home, a system directory) would get a file
                        // created there. git itself refuses such a `.git` file.
                        if is_git_directory(&dir) {
                            return dir.join("pyrel.lock");
                        }
                    }
                }
            }
            _ => {}
        }
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(root.as_os_str().as_encoded_bytes());
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        std::env::temp_dir().join(format!("pyrel-{hex}.lock"))
    }

    /// Takes the lock, waiting up to [`LOCK_WAIT`] for another writer to finish.
    pub(crate) fn acquire(root: &Path) -> std::result::Result<WriteLock, LockError> {
        let path = Self::path(root);
        if std::fs::symlink_metadata(&path).is_ok_and(|m| !m.is_file()) {
            return Err(LockError::Other(Error::Usage {
                message: format!("{}: the lock file is not a regular file", path.display()),
                hint: Some("remove it, then run pyrel again".into()),
            }));
        }
        let mut options = std::fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.custom_flags(libc::O_NOFOLLOW | libc::O_CLOEXEC);
        }
        let file = options
            .open(&path)
            .map_err(|e| LockError::Other(Error::io(&path, e)))?;
        let start = std::time::Instant::now();
        loop {
            match try_lock(&file) {
                Ok(true) => break,
                Ok(false) if start.elapsed() < LOCK_WAIT => {
                    std::thread::sleep(std::time::Duration::from_millis(50));
                }
                Ok(false) => return Err(LockError::Busy(path)),
                Err(e) => return Err(LockError::Other(Error::io(&path, e))),
            }
        }
        let _ = file.set_len(0);
        let _ = (&file).write_all(format!("{}\n", std::process::id()).as_bytes());
        Ok(WriteLock { _file: file })
    }
}

/// Whether `dir` is a git directory as git tells one: a `HEAD` file, and an object
/// store of its own or a `commondir` file naming the shared one (a linked worktree).
fn is_git_directory(dir: &Path) -> bool {
    let is = |name: &str, dir_wanted: bool| {
        std::fs::symlink_metadata(dir.join(name)).is_ok_and(|m| {
            if dir_wanted {
                m.is_dir()
            } else {
                m.is_file()
            }
        })
    };
    is("HEAD", false) && (is("objects", true) || is("commondir", false))
}

#[cfg(unix)]
fn try_lock(file: &std::fs::File) -> std::io::Result<bool> {
    use std::os::unix::io::AsRawFd;
    // SAFETY: flock on a file descriptor we own; no memory is passed.
    let rc = unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
    if rc == 0 {
        return Ok(true);
    }
    let e = std::io::Error::last_os_error();
    if e.kind() == std::io::ErrorKind::WouldBlock {
        Ok(false)
    } else {
        Err(e)
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &std::fs::File) -> std::io::Result<bool> {
    Ok(true)
}

/// Writes `contents` to `path` atomically: a temp file in the same directory, fsync,
/// then rename over the target. Parent directories are created. The mode of an
/// existing file is kept; `executable` adds the x bits on Unix.
pub(crate) fn atomic_write(path: &Path, contents: &[u8], executable: bool) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    if std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink()) {
        return Err(Error::PathEscape {
            path: path.to_path_buf(),
        });
    }
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    sweep_temp_files(dir);
    let mut tmp = tempfile::Builder::new()
        .prefix(TEMP_PREFIX)
        .rand_bytes(TEMP_RAND)
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    tmp.write_all(contents).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut mode = std::fs::symlink_metadata(path)
            .map(|m| m.permissions().mode() & 0o7777)
            .unwrap_or(0o644);
        if executable {
            mode |= 0o111;
        }
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(mode))
            .map_err(|e| Error::io(path, e))?;
    }
    #[cfg(not(unix))]
    let _ = executable;
    tmp.persist(path).map_err(|e| Error::io(path, e.error))?;
    Ok(())
}

/// Checks that no component of `rel` below `root` is a symbolic link (components that do
/// not exist yet are fine). The message names the first symlink.
pub(crate) fn no_symlink_below(root: &Path, rel: &Path) -> std::result::Result<(), String> {
    no_symlink_below_known(root, rel, &mut std::collections::HashSet::new())
}

/// [`no_symlink_below`] for many paths under one root: `known` holds the directories
/// already found not to be symlinks (filled here), which are not asked again. Thousands of
/// packages share `libs/`; each is looked at once.
pub(crate) fn no_symlink_below_known(
    root: &Path,
    rel: &Path,
    known: &mut std::collections::HashSet<PathBuf>,
) -> std::result::Result<(), String> {
    let mut at = root.to_path_buf();
    for c in rel.components() {
        match c {
            Component::Normal(name) => at.push(name),
            Component::CurDir => continue,
            _ => return Err(format!("`{}` leaves the repository", rel.display())),
        }
        if known.contains(&at) {
            continue;
        }
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => {
                let shown = at.strip_prefix(root).unwrap_or(&at);
                return Err(format!(
                    "`{}` is a symbolic link; pyrel does not write through symlinks",
                    slash(shown)
                ));
            }
            Ok(m) => {
                if m.is_dir() {
                    known.insert(at.clone());
                }
            }
            Err(_) => break,
        }
    }
    Ok(())
}

/// The error of an all-or-nothing write that failed midway and put back what it had
/// written: `lost` names the files it could not restore.
pub(crate) fn rolled_back(err: Error, lost: &[String]) -> Error {
    if lost.is_empty() {
        return Error::Usage {
            message: format!("{err}; every file was restored, nothing changed"),
            hint: err.hint(),
        };
    }
    Error::usage(
        format!("{err}; could not restore {}", lost.join(", ")),
        Some("restore those files with `git checkout -- FILE`"),
    )
}

/// Writes `rel` (relative to `root`) atomically without ever following a symlink: every
/// existing component from the root down is checked with `lstat` (a symlinked directory
/// or target is refused), missing directories are created one at a time, and the
/// contents go to a temp file with a random name created exclusively in the target's
/// directory, which is then renamed over the target (removed again on failure).
pub(crate) fn write_in(root: &Path, rel: &Path, contents: &[u8], executable: bool) -> Result<()> {
    let refused = |m: String| {
        Error::Usage {
        message: format!("refusing to write {}: {m}", slash(rel)),
        hint: Some(
            "replace the symlink with a real file or directory inside the repository, then run pyrel again"
                .into(),
        ),
    }
    };
    if rel.as_os_str().is_empty()
        || !rel
            .components()
            .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(Error::PathEscape {
            path: rel.to_path_buf(),
        });
    }
    no_symlink_below(root, rel).map_err(refused)?;
    let target = root.join(rel);
    if let Some(parent) = rel.parent() {
        let mut at = root.to_path_buf();
        for c in parent.components() {
            let Component::Normal(name) = c else { continue };
            at.push(name);
            match std::fs::symlink_metadata(&at) {
                Ok(m) if m.is_dir() => {}
                Ok(_) => {
                    return Err(refused(format!(
                        "`{}` is not a directory",
                        slash(at.strip_prefix(root).unwrap_or(&at))
                    )))
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    match std::fs::create_dir(&at) {
                        Ok(()) => {}
                        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                        Err(e) => return Err(Error::io(&at, e)),
                    }
                    // Whatever is there now must be a real directory.
                    let m = std::fs::symlink_metadata(&at).map_err(|e| Error::io(&at, e))?;
                    if !m.is_dir() {
                        return Err(refused(format!(
                            "`{}` is not a directory",
                            slash(at.strip_prefix(root).unwrap_or(&at))
                        )));
                    }
                }
                Err(e) => return Err(Error::io(&at, e)),
            }
        }
    }
    if let Ok(m) = std::fs::symlink_metadata(&target) {
        if !m.is_file() {
            return Err(refused("the target is not a regular file".into()));
        }
    }
    atomic_write(&target, contents, executable)
}

/// Reads a file pyrel is about to rewrite: like [`read_text_opt`], but a symlink on the
/// way is refused up front (the write would be refused anyway, and a dry run must not
/// show a diff of a file outside the repository).
pub(crate) fn read_for_write(root: &Path, rel: &Path) -> Result<Option<String>> {
    read_for_write_known(root, rel, &mut std::collections::HashSet::new())
}

/// [`read_for_write`] of many files under one root: `known` holds the directories
/// already found not to be symlinks ([`no_symlink_below_known`]).
pub(crate) fn read_for_write_known(
    root: &Path,
    rel: &Path,
    known: &mut std::collections::HashSet<PathBuf>,
) -> Result<Option<String>> {
    let refuse = |m: String| Error::Usage {
        message: format!(
            "refusing to rewrite {}: {m}; nothing was written",
            slash(rel)
        ),
        hint: Some(
            "replace the symlink with a real file or directory inside the repository".into(),
        ),
    };
    // The directories are looked at once for all files; the file itself is opened with
    // `O_NOFOLLOW`, which refuses a symlink in the same path lookup as the read.
    let parent = rel.parent().unwrap_or(Path::new(""));
    no_symlink_below_known(root, parent, known).map_err(refuse)?;
    if rel.file_name().is_none() {
        no_symlink_below_known(root, rel, known).map_err(refuse)?;
    }
    #[cfg(unix)]
    let flags = libc::O_NOFOLLOW;
    #[cfg(not(unix))]
    let flags = 0;
    match read_text_flags(&root.join(rel), flags) {
        #[cfg(unix)]
        Err(Error::Io { source, .. }) if source.raw_os_error() == Some(libc::ELOOP) => {
            Err(refuse(format!(
                "`{}` is a symbolic link; pyrel does not write through symlinks",
                slash(rel)
            )))
        }
        #[cfg(not(unix))]
        Ok(_)
            if std::fs::symlink_metadata(root.join(rel))
                .is_ok_and(|m| m.file_type().is_symlink()) =>
        {
            Err(refuse(format!(
                "`{}` is a symbolic link; pyrel does not write through symlinks",
                slash(rel)
            )))
        }
        other => other,
    }
}

/// Removes `rel` (relative to `root`) when it is a regular file reached without symlinks.
pub(crate) fn remove_in(root: &Path, rel: &Path) -> Result<()> {
    no_symlink_below(root, rel).map_err(|m| Error::Usage {
        message: format!("refusing to remove {}: {m}", slash(rel)),
        hint: None,
    })?;
    let path = root.join(rel);
    std::fs::remove_file(&path).map_err(|e| Error::io(&path, e))
}

/// Relative path as a forward-slash string, for output and lock files.
pub(crate) fn slash(path: &Path) -> String {
    // One string, no list of parts: called for every path of every package when rendering.
    let mut out = String::with_capacity(path.as_os_str().len());
    for c in path.components() {
        if let Component::Normal(s) = c {
            if !out.is_empty() {
                out.push('/');
            }
            out.push_str(&s.to_string_lossy());
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slash_joins_the_normal_components_with_forward_slashes() {
        assert_eq!(slash(Path::new("")), "");
        assert_eq!(slash(Path::new(".")), "");
        assert_eq!(slash(Path::new("a")), "a");
        assert_eq!(slash(Path::new("./libs//pkg-1/./src/")), "libs/pkg-1/src");
        assert_eq!(slash(Path::new("/abs/x")), "abs/x");
        assert_eq!(slash(&Path::new("a").join("b").join("c.py")), "a/b/c.py");
    }

    #[test]
    fn line_col_counts_from_one() {
        let t = "ab\ncd\n";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 4), (2, 2));
    }

    #[test]
    fn safe_join_refuses_escapes() {
        let d = tempfile::tempdir().unwrap();
        assert!(safe_join(d.path(), Path::new("../x")).is_err());
        assert!(safe_join(d.path(), Path::new("/etc/passwd")).is_err());
        assert!(safe_join(d.path(), Path::new("a/../../x")).is_err());
        assert!(safe_join(d.path(), Path::new("a/b.yml")).is_ok());
    }

    #[test]
    fn non_utf8_names_the_file() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("bad.toml");
        std::fs::write(&p, b"a = \"\xff\"").unwrap();
        let e = read_text(&p).unwrap_err().to_string();
        assert!(e.contains("bad.toml") && e.contains("UTF-8"), "{e}");
    }
}
