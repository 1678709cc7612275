//! Everything that touches the disk on the way in or out: UTF-8 reads that name the
//! file, atomic writes, and paths that can never leave the repository root.

use std::io::Write;
use std::path::{Component, Path, PathBuf};

use crate::error::{Error, Result};

/// Reads a file as UTF-8; a non-UTF-8 file is an error naming the file and the offset.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    String::from_utf8(bytes).map_err(|e| Error::NotUtf8 {
        path: path.to_path_buf(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Like [`read_text`], but a missing file is `Ok(None)`.
pub fn read_text_opt(path: &Path) -> Result<Option<String>> {
    match std::fs::metadata(path) {
        Ok(m) if m.is_file() => read_text(path).map(Some),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let col = before.rfind('\n').map_or(offset, |i| offset - i - 1) + 1;
    (line, col)
}

/// Joins a relative path to the root, refusing absolute paths, `..` and anything else
/// that would leave the root. Symlinked parents that point outside are refused too.
pub fn safe_join(root: &Path, rel: &Path) -> Result<PathBuf> {
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

/// Writes `contents` to `path` atomically: a temp file in the same directory, fsync,
/// then rename over the target. Parent directories are created. The mode of an
/// existing file is kept; `executable` adds the x bits on Unix.
pub fn atomic_write(path: &Path, contents: &[u8], executable: bool) -> Result<()> {
    let dir = path.parent().unwrap_or_else(|| Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".pyrel-")
        .tempfile_in(dir)
        .map_err(|e| Error::io(dir, e))?;
    tmp.write_all(contents).map_err(|e| Error::io(path, e))?;
    tmp.as_file().sync_all().map_err(|e| Error::io(path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mut mode = std::fs::metadata(path)
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

/// Relative path as a forward-slash string, for output and lock files.
pub fn slash(path: &Path) -> String {
    path.components()
        .filter_map(|c| match c {
            Component::Normal(s) => Some(s.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

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
