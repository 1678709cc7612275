//! The bits of git pyrel reads from `.git` itself, without a git process: the top level,
//! the `origin` remote and the default branch, the tags on HEAD (loose refs, packed-refs,
//! and loose or packed objects, deltas applied, to peel annotated tags) and the paths in
//! the index. `git` runs only for a layout this reader does not cover ([`NeedsGit`]) and
//! for [`committed_unmodified`].

use std::path::{Path, PathBuf};

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Remote {
    /// Host, e.g. `github.com` or a GitHub Enterprise host.
    pub(crate) host: String,
    pub owner: String,
    pub repo: String,
}

/// The enclosing git work tree's top level, found by walking up to a `.git` entry.
pub(crate) fn toplevel(start: &Path) -> Option<PathBuf> {
    start
        .ancestors()
        .find(|d| d.join(".git").exists())
        .map(Path::to_path_buf)
}

/// Where a repository keeps its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GitDir {
    /// The work tree's top level.
    pub(crate) top: PathBuf,
    /// `HEAD` and the index: `.git`, or a linked worktree's own directory.
    pub(crate) dir: PathBuf,
    /// Refs, `packed-refs`, objects and config (the same as `dir` outside a linked worktree).
    pub(crate) common: PathBuf,
}

/// The git directories of the work tree enclosing `start`, read from disk (a `.git`
/// directory, or a `.git` file `gitdir: PATH` in a worktree or submodule).
pub(crate) fn git_dir(start: &Path) -> Option<GitDir> {
    let top = toplevel(start)?;
    let dot = top.join(".git");
    let dir = if dot.is_dir() {
        dot
    } else {
        let text = crate::workspace_fs::read_regular_string(&dot).ok()?;
        top.join(text.strip_prefix("gitdir:")?.trim())
    };
    let common = crate::workspace_fs::read_regular_string(dir.join("commondir"))
        .ok()
        .map(|c| dir.join(c.trim()))
        .unwrap_or_else(|| dir.clone());
    Some(GitDir { top, dir, common })
}

/// The URL of `origin`, read from `.git/config` (no git process needed).
pub(crate) fn origin_url(root: &Path) -> Option<String> {
    let text =
        crate::workspace_fs::read_regular_string(git_dir(root)?.common.join("config")).ok()?;
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
pub(crate) fn parse_remote(url: &str) -> Option<Remote> {
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
            && !s.starts_with('-')
            && s != "."
            && s != ".."
    };
    // The host and path reach the changelog links and the bump script: a remote that
    // is not a plain host and owner/repo is no remote pyrel knows.
    if !ok(&owner) || !ok(&repo) || crate::grammar::host_name(host).is_err() {
        return None;
    }
    Some(Remote {
        host: host.to_string(),
        owner,
        repo,
    })
}

/// The default branch: `origin/HEAD` when known, else the checked-out branch.
pub(crate) fn default_branch(root: &Path) -> Option<String> {
    let git = root.join(".git");
    if !git.is_dir() {
        return None;
    }
    let read = |p: &str| crate::workspace_fs::read_regular_string(git.join(p)).ok();
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

/// Why refs could not be read from disk, so the caller asks `git` instead: a layout this
/// reader does not cover (reftable, alternates, a split index, a pack index other than
/// version 2) or an object it will not read (over 64 KiB, a delta chain over 64 deep).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct NeedsGit(pub(crate) String);

fn is_oid(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64) && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What a `packed-refs` line says about the object a tag points at.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Peeled {
    /// An annotated tag; the commit (or other object) it finally points at.
    To(String),
    /// Known not to be an annotated tag: the ref points at its target directly.
    Itself,
    /// The file does not say (written without the `peeled` trait): read the object.
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PackedRef {
    name: String,
    oid: String,
    peeled: Peeled,
}

/// Parses `packed-refs`: `OID NAME` lines, each optionally followed by `^OID`, the
/// object an annotated tag peels to. With the `peeled` trait (every git since 1.6), a
/// tag without a `^` line is not annotated.
fn parse_packed_refs(text: &str) -> Vec<PackedRef> {
    let mut out: Vec<PackedRef> = Vec::new();
    let mut peeled_trait = false;
    for line in text.lines() {
        if let Some(traits) = line.strip_prefix("# pack-refs with:") {
            peeled_trait = traits
                .split_whitespace()
                .any(|t| t == "peeled" || t == "fully-peeled");
        } else if let Some(oid) = line.strip_prefix('^') {
            if let Some(last) = out.last_mut() {
                if is_oid(oid.trim()) {
                    last.peeled = Peeled::To(oid.trim().to_ascii_lowercase());
                }
            }
        } else if let Some((oid, name)) = line.split_once(' ') {
            if is_oid(oid) {
                let known = peeled_trait && name.starts_with("refs/tags/");
                out.push(PackedRef {
                    name: name.trim().to_owned(),
                    oid: oid.to_ascii_lowercase(),
                    peeled: if known {
                        Peeled::Itself
                    } else {
                        Peeled::Unknown
                    },
                });
            }
        }
    }
    out
}

/// The refs of a repository as stored on disk: loose files and `packed-refs`.
struct Refs {
    git: GitDir,
    packed: Vec<PackedRef>,
}

impl Refs {
    fn open(git: GitDir) -> Result<Refs, NeedsGit> {
        if git.common.join("reftable").is_dir() {
            return Err(NeedsGit("the repository stores refs in a reftable".into()));
        }
        let packed = match crate::workspace_fs::read_regular_string(git.common.join("packed-refs"))
        {
            Ok(text) => parse_packed_refs(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(e) => return Err(NeedsGit(format!("packed-refs: {e}"))),
        };
        Ok(Refs { git, packed })
    }

    /// The contents of a loose ref file, trimmed; per-worktree refs (`HEAD`) live in
    /// the worktree's own directory, the others in the common one.
    fn loose(&self, name: &str) -> Option<String> {
        let base = if name == "HEAD" {
            &self.git.dir
        } else {
            &self.git.common
        };
        crate::workspace_fs::read_regular_string(base.join(name))
            .ok()
            .map(|t| t.trim().to_owned())
    }

    /// The object a ref names, following symbolic refs; `None` for a ref that does not
    /// exist (an unborn branch).
    fn resolve(&self, name: &str) -> Option<String> {
        let mut name = name.to_owned();
        for _ in 0..8 {
            let value = match self.loose(&name) {
                Some(v) => v,
                None => {
                    return self
                        .packed
                        .iter()
                        .find(|r| r.name == name)
                        .map(|r| r.oid.clone())
                }
            };
            match value.strip_prefix("ref:") {
                Some(target) => name = target.trim().to_owned(),
                None => return is_oid(&value).then(|| value.to_ascii_lowercase()),
            }
        }
        None
    }

    /// Every tag: name (without `refs/tags/`), object, and what packed-refs says it
    /// peels to. Loose refs win over packed ones, as in git. Sorted by name.
    fn tags(&self) -> Vec<PackedRef> {
        let mut tags: std::collections::BTreeMap<String, PackedRef> = self
            .packed
            .iter()
            .filter_map(|r| {
                let short = r.name.strip_prefix("refs/tags/")?;
                Some((
                    short.to_owned(),
                    PackedRef {
                        name: short.to_owned(),
                        ..r.clone()
                    },
                ))
            })
            .collect();
        let base = self.git.common.join("refs/tags");
        let mut stack = vec![base.clone()];
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                if entry.file_type().is_ok_and(|t| t.is_dir()) {
                    stack.push(path);
                    continue;
                }
                let Some(name) = path
                    .strip_prefix(&base)
                    .ok()
                    .and_then(|p| p.to_str())
                    .map(|p| p.replace(std::path::MAIN_SEPARATOR, "/"))
                else {
                    continue;
                };
                if name.ends_with(".lock") {
                    continue;
                }
                let Some(oid) = self.resolve(&format!("refs/tags/{name}")) else {
                    continue;
                };
                tags.insert(
                    name.clone(),
                    PackedRef {
                        name,
                        oid,
                        peeled: Peeled::Unknown,
                    },
                );
            }
        }
        tags.into_values().collect()
    }
}

/// Every tag of the repository, as `git tag --list` lists them, sorted by name; empty
/// outside a git repository. Read from `.git` directly; `git` is asked only for layouts
/// this reader does not cover.
pub(crate) fn all_tags(start: &Path) -> Result<Vec<String>, String> {
    let Some(git) = git_dir(start) else {
        return Ok(Vec::new());
    };
    if let Ok(refs) = Refs::open(git) {
        return Ok(refs.tags().into_iter().map(|t| t.name).collect());
    }
    let output = std::process::Command::new("git")
        .args(["tag", "--list"])
        .current_dir(start)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    if !output.status.success() {
        return Err("`git tag --list` failed".into());
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
        .collect())
}

/// The tags on HEAD (annotated tags peeled), as `git tag --points-at HEAD` lists them,
/// sorted by name; `Ok(None)` when this is not a git repository or HEAD has no commit.
/// Read from `.git` directly; `git` is asked only for layouts this reader does not cover.
pub(crate) fn tags_at_head(start: &Path) -> Result<Option<Vec<String>>, String> {
    let Some(git) = git_dir(start) else {
        return Ok(None);
    };
    match tags_at_head_on_disk(git) {
        Ok(tags) => Ok(tags),
        Err(NeedsGit(_)) => tags_at_head_by_git(start),
    }
}

fn tags_at_head_on_disk(git: GitDir) -> Result<Option<Vec<String>>, NeedsGit> {
    let refs = Refs::open(git)?;
    let Some(head) = refs.resolve("HEAD") else {
        return Ok(None);
    };
    let mut objects = objects::Store::new(&refs.git.common);
    let mut out = Vec::new();
    for tag in refs.tags() {
        let at_head = tag.oid == head
            || match &tag.peeled {
                Peeled::To(target) => *target == head,
                Peeled::Itself => false,
                Peeled::Unknown => objects.peels_to(&tag.oid, &head)?,
            };
        if at_head {
            out.push(tag.name);
        }
    }
    Ok(Some(out))
}

/// `git tag --points-at HEAD`, for the layouts [`tags_at_head`] does not read itself.
fn tags_at_head_by_git(start: &Path) -> Result<Option<Vec<String>>, String> {
    let output = std::process::Command::new("git")
        .args(["tag", "--points-at", "HEAD"])
        .current_dir(start)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    if !output.status.success() {
        return Ok(None);
    }
    Ok(Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
    ))
}

/// The paths git tracks (its index), relative to the work tree's top level, read from
/// `.git/index` directly (versions 2 to 4). A split index asks for `git` instead.
pub(crate) fn tracked_files(git: &GitDir) -> Result<Vec<PathBuf>, NeedsGit> {
    let data = match crate::workspace_fs::read_regular(git.dir.join("index")) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(NeedsGit(format!("index: {e}"))),
    };
    let sha256 =
        crate::workspace_fs::read_regular_string(git.common.join("config")).is_ok_and(|c| {
            c.lines().any(|l| {
                let l = l.trim().to_ascii_lowercase();
                l.starts_with("objectformat") && l.ends_with("sha256")
            })
        });
    parse_index(&data, if sha256 { 32 } else { 20 }).map(|names| {
        names
            .into_iter()
            .map(|n| PathBuf::from(String::from_utf8_lossy(&n).into_owned()))
            .collect()
    })
}

/// The path names of a git index (`DIRC`, versions 2-4), without gitlinks (submodules)
/// and sparse directory entries.
fn parse_index(data: &[u8], oid_len: usize) -> Result<Vec<Vec<u8>>, NeedsGit> {
    let bad = |what: &str| NeedsGit(format!("index: {what}"));
    let u32_at = |i: usize| -> Result<u32, NeedsGit> {
        data.get(i..i + 4)
            .map(|b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
            .ok_or_else(|| bad("truncated"))
    };
    if data.get(..4) != Some(b"DIRC") {
        return Err(bad("no DIRC signature"));
    }
    let version = u32_at(4)?;
    if !(2..=4).contains(&version) {
        return Err(bad("unknown version"));
    }
    let count = u32_at(8)? as usize;
    // The count is not trusted to size anything: an entry takes at least 42 bytes plus
    // the object id, so a corrupt count cannot ask for more room than the file could fill.
    let mut names: Vec<Vec<u8>> = Vec::with_capacity(count.min(data.len() / (42 + oid_len)));
    let mut previous: Vec<u8> = Vec::new();
    let mut at = 12;
    // ctime, mtime (8 each), dev, ino, mode, uid, gid, size (4 each), then the object id.
    for _ in 0..count {
        let start = at;
        let mode = u32_at(at + 24)?;
        let flags_at = at + 40 + oid_len;
        let flags = data
            .get(flags_at..flags_at + 2)
            .map(|b| u16::from_be_bytes([b[0], b[1]]))
            .ok_or_else(|| bad("truncated"))?;
        at = flags_at + 2;
        if version >= 3 && flags & 0x4000 != 0 {
            at += 2;
        }
        let name = if version == 4 {
            // The name is the previous one, less N bytes, plus a NUL-terminated suffix.
            let mut strip: usize = 0;
            loop {
                let b = *data.get(at).ok_or_else(|| bad("truncated"))?;
                at += 1;
                strip = (strip << 7) | usize::from(b & 0x7f);
                if b & 0x80 == 0 {
                    break;
                }
                strip += 1;
            }
            let end = memchr::memchr(0, data.get(at..).ok_or_else(|| bad("truncated"))?)
                .ok_or_else(|| bad("unterminated name"))?;
            let keep = previous
                .len()
                .checked_sub(strip)
                .ok_or_else(|| bad("bad name compression"))?;
            let mut name = previous[..keep].to_vec();
            name.extend_from_slice(&data[at..at + end]);
            at += end + 1;
            name
        } else {
            let end = memchr::memchr(0, data.get(at..).ok_or_else(|| bad("truncated"))?)
                .ok_or_else(|| bad("unterminated name"))?;
            let name = data[at..at + end].to_vec();
            // Entries are padded with 1 to 8 NULs to a multiple of 8 bytes.
            at = start + ((at + end - start) / 8 + 1) * 8;
            name
        };
        previous.clone_from(&name);
        let kind = mode >> 12;
        // 0o16 (gitlink: a submodule) and 0o04 (a sparse directory) are not files.
        if kind != 0o16 && kind != 0o04 {
            names.push(name);
        }
    }
    // Extensions: a split index keeps most entries in another file.
    let end = data.len().saturating_sub(oid_len);
    while at + 8 <= end {
        let sig = &data[at..at + 4];
        if sig == b"link" {
            return Err(bad("split index"));
        }
        at += 8 + u32_at(at + 4)? as usize;
    }
    Ok(names)
}

/// Just enough of git's object store to peel a tag: the type of an object and, for an
/// annotated tag, the object it points at. Loose objects, and objects in packs whole or
/// as deltas (offset or reference deltas, applied to their base): `git gc --aggressive`
/// stores most tag objects as deltas of one another. Anything else asks for `git`.
/// Why this is not the `gix` crates: docs/performance.md, "Reading git without gix".
mod objects {
    use std::io::{Read, Seek, SeekFrom};
    use std::path::{Path, PathBuf};

    use super::NeedsGit;

    /// The most of a tag object that is inflated: its header lines come first.
    const HEAD_BYTES: usize = 512;

    pub(super) struct Store {
        objects: PathBuf,
        /// The packs, opened on first use and kept open: a repository with thousands of
        /// loose tags reads thousands of objects from the same pack.
        packs: Option<Vec<Pack>>,
    }

    #[derive(Debug, PartialEq, Eq)]
    enum Object {
        /// An annotated tag and the object it points at.
        Tag(String),
        /// A commit, tree or blob.
        Other,
    }

    impl Store {
        pub(super) fn new(common: &Path) -> Store {
            Store {
                objects: common.join("objects"),
                packs: None,
            }
        }

        /// Whether `oid` is, or is a chain of annotated tags ending at, `target`.
        pub(super) fn peels_to(&mut self, oid: &str, target: &str) -> Result<bool, NeedsGit> {
            let mut oid = oid.to_owned();
            for _ in 0..16 {
                if oid == target {
                    return Ok(true);
                }
                match self.read(&oid)? {
                    Object::Tag(next) => oid = next,
                    Object::Other => return Ok(false),
                }
            }
            Ok(false)
        }

        fn read(&mut self, oid: &str) -> Result<Object, NeedsGit> {
            let loose = self.objects.join(&oid[..2]).join(&oid[2..]);
            if let Ok(bytes) = crate::workspace_fs::read_regular(&loose) {
                let data = inflate_prefix(&bytes)
                    .ok_or_else(|| NeedsGit(format!("loose object {oid} does not inflate")))?;
                return parse_loose(&data).ok_or_else(|| NeedsGit(format!("loose object {oid}")));
            }
            self.read_packed(oid)
        }

        fn read_packed(&mut self, oid: &str) -> Result<Object, NeedsGit> {
            let want = hex(oid).ok_or_else(|| NeedsGit(format!("bad object id {oid}")))?;
            if self.packs.is_none() {
                self.packs = Some(self.open_packs()?);
            }
            for pack in self.packs.iter_mut().flatten() {
                if let Some(offset) = pack.idx.find(&want).map_err(|e| NeedsGit(e.to_string()))? {
                    return pack
                        .peel_object(offset)
                        .map_err(|e| NeedsGit(e.to_string()))?
                        .ok_or_else(|| NeedsGit(format!("object {oid}: unreadable pack entry")));
                }
            }
            Err(NeedsGit(format!("object {oid} not found")))
        }

        fn open_packs(&self) -> Result<Vec<Pack>, NeedsGit> {
            if self.objects.join("info/alternates").is_file() {
                return Err(NeedsGit(
                    "the repository borrows objects (alternates)".into(),
                ));
            }
            let mut idx: Vec<PathBuf> = std::fs::read_dir(self.objects.join("pack"))
                .into_iter()
                .flatten()
                .flatten()
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "idx"))
                // An index whose pack is gone (a repack in progress) is skipped, as git does.
                .filter(|p| p.with_extension("pack").is_file())
                .collect();
            idx.sort();
            idx.iter()
                .map(|p| Pack::open(p).map_err(|e| NeedsGit(format!("{}: {e}", p.display()))))
                .collect()
        }
    }

    fn hex(oid: &str) -> Option<Vec<u8>> {
        (0..oid.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(oid.get(i..i + 2)?, 16).ok())
            .collect()
    }

    /// The first bytes of a zlib stream (all of it when shorter than [`HEAD_BYTES`]).
    fn inflate_prefix(compressed: &[u8]) -> Option<Vec<u8>> {
        use miniz_oxide::inflate::core::{decompress, inflate_flags, DecompressorOxide};
        use miniz_oxide::inflate::TINFLStatus;
        let mut state = DecompressorOxide::new();
        let mut out = vec![0u8; HEAD_BYTES];
        let flags = inflate_flags::TINFL_FLAG_PARSE_ZLIB_HEADER
            | inflate_flags::TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF
            | inflate_flags::TINFL_FLAG_HAS_MORE_INPUT;
        let (status, _, written) = decompress(&mut state, compressed, &mut out, 0, flags);
        match status {
            TINFLStatus::Done | TINFLStatus::HasMoreOutput | TINFLStatus::NeedsMoreInput => {
                out.truncate(written);
                Some(out)
            }
            _ => None,
        }
    }

    /// `TYPE SIZE\0BODY` of a loose object.
    fn parse_loose(data: &[u8]) -> Option<Object> {
        let nul = data.iter().position(|b| *b == 0)?;
        let header = std::str::from_utf8(&data[..nul]).ok()?;
        let kind = header.split(' ').next()?;
        Some(if kind == "tag" {
            Object::Tag(tag_target(&data[nul + 1..])?)
        } else {
            Object::Other
        })
    }

    /// The `object OID` line that starts a tag object's body.
    fn tag_target(body: &[u8]) -> Option<String> {
        let line = body.split(|b| *b == b'\n').next()?;
        let oid = std::str::from_utf8(line)
            .ok()?
            .strip_prefix("object ")?
            .trim();
        super::is_oid(oid).then(|| oid.to_ascii_lowercase())
    }

    /// The most of a pack index's names read at once: a binary search narrows the range
    /// on disk to this many bytes, then reads it whole.
    const WINDOW: u64 = 4096;

    /// A version-2 pack index, searched on disk (the index of a large repository is tens
    /// of megabytes: it is never read whole); only its fan-out table is kept.
    struct Index {
        file: std::fs::File,
        fanout: [u32; 256],
    }

    impl Index {
        fn open(path: &Path) -> std::io::Result<Index> {
            let bad = |m: &str| std::io::Error::new(std::io::ErrorKind::InvalidData, m.to_owned());
            let mut file = std::fs::File::open(path)?;
            let mut head = [0u8; 8 + 256 * 4];
            file.read_exact(&mut head)?;
            if head[..8] != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
                return Err(bad("pack index is not version 2"));
            }
            let mut fanout = [0u32; 256];
            for (i, f) in fanout.iter_mut().enumerate() {
                let at = 8 + i * 4;
                *f = u32::from_be_bytes([head[at], head[at + 1], head[at + 2], head[at + 3]]);
            }
            Ok(Index { file, fanout })
        }

        /// The offset of `want` in the pack, by binary search on disk.
        fn find(&mut self, want: &[u8]) -> std::io::Result<Option<u64>> {
            let Some(&first) = want.first() else {
                return Ok(None);
            };
            let fanout = |i: usize| u64::from(self.fanout[i]);
            let total = fanout(255);
            let first = usize::from(first);
            let (mut lo, mut hi) = (
                if first == 0 { 0 } else { fanout(first - 1) },
                fanout(first),
            );
            let width = want.len() as u64;
            let names = (8 + 256 * 4) as u64;
            if lo >= hi {
                // Not there, or a fan-out table that does not ascend.
                return Ok(None);
            }
            let f = &mut self.file;
            // Halve on disk while the range is wide, then read what is left in one go.
            let mut buf = vec![0u8; want.len()];
            while (hi - lo) * width > WINDOW {
                let mid = (lo + hi) / 2;
                f.seek(SeekFrom::Start(names + mid * width))?;
                f.read_exact(&mut buf)?;
                match buf.as_slice().cmp(want) {
                    std::cmp::Ordering::Less => lo = mid + 1,
                    std::cmp::Ordering::Greater => hi = mid,
                    std::cmp::Ordering::Equal => (lo, hi) = (mid, mid + 1),
                }
            }
            let mut window = vec![0u8; ((hi - lo) * width) as usize];
            f.seek(SeekFrom::Start(names + lo * width))?;
            f.read_exact(&mut window)?;
            let Ok(at) = window
                .chunks_exact(want.len())
                .collect::<Vec<_>>()
                .binary_search(&want)
            else {
                return Ok(None);
            };
            let mid = lo + at as u64;
            // After the names: one CRC32 per object, then one 4-byte offset each.
            let offsets = names + total * width + total * 4;
            let mut o = [0u8; 4];
            f.seek(SeekFrom::Start(offsets + mid * 4))?;
            f.read_exact(&mut o)?;
            let off = u32::from_be_bytes(o);
            if off & 0x8000_0000 == 0 {
                return Ok(Some(u64::from(off)));
            }
            let large = offsets + total * 4 + u64::from(off & 0x7fff_ffff) * 8;
            let mut o = [0u8; 8];
            f.seek(SeekFrom::Start(large))?;
            f.read_exact(&mut o)?;
            Ok(Some(u64::from_be_bytes(o)))
        }
    }

    /// Tag objects larger than this (a long signed message) are left to `git`.
    const MAX_OBJECT: usize = 64 * 1024;

    /// Objects kept inflated per pack (delta bases and tag objects, each at most
    /// [`MAX_OBJECT`]): `git gc --aggressive` chains tag objects up to 50 deltas deep,
    /// and the tags of one chain share their bases.
    const CACHED: usize = 1024;

    /// One pack file and its index, to read an object and the delta bases it needs.
    struct Pack {
        file: std::fs::File,
        idx: Index,
        /// Inflated objects by offset, deltas applied.
        cache: std::collections::HashMap<u64, Vec<u8>>,
        /// The type at the end of each delta chain walked, by the offsets on it.
        kinds: std::collections::HashMap<u64, u8>,
    }

    /// An entry header: the type (1-4 objects, 6 offset delta, 7 reference delta), the
    /// inflated size, where the zlib data starts, and the delta's base.
    struct Entry {
        kind: u8,
        size: usize,
        data: u64,
        base: Option<u64>,
    }

    impl Pack {
        fn open(idx: &Path) -> std::io::Result<Pack> {
            Ok(Pack {
                file: std::fs::File::open(idx.with_extension("pack"))?,
                idx: Index::open(idx)?,
                cache: std::collections::HashMap::new(),
                kinds: std::collections::HashMap::new(),
            })
        }

        fn bytes_at(&mut self, offset: u64, len: usize) -> std::io::Result<Vec<u8>> {
            self.file.seek(SeekFrom::Start(offset))?;
            let mut buf = Vec::with_capacity(len);
            (&mut self.file).take(len as u64).read_to_end(&mut buf)?;
            Ok(buf)
        }

        fn entry(&mut self, offset: u64) -> std::io::Result<Option<Entry>> {
            let head = self.bytes_at(offset, 32)?;
            let mut i = 0;
            let mut next = || {
                let b = head.get(i).copied();
                i += 1;
                b
            };
            let Some(first) = next() else {
                return Ok(None);
            };
            let kind = (first >> 4) & 7;
            let mut size = usize::from(first & 0x0f);
            let mut shift = 4;
            let mut b = first;
            while b & 0x80 != 0 {
                let Some(n) = next() else { return Ok(None) };
                b = n;
                if shift > 56 {
                    return Ok(None);
                }
                size |= usize::from(b & 0x7f) << shift;
                shift += 7;
            }
            let base = match kind {
                6 => {
                    // The base is this far back: a big-endian varint with an offset of
                    // one added per continuation byte.
                    let Some(mut c) = next() else { return Ok(None) };
                    let mut back = u64::from(c & 0x7f);
                    while c & 0x80 != 0 {
                        let Some(n) = next() else { return Ok(None) };
                        c = n;
                        // Checked: a corrupt entry's varint would overflow.
                        let Some(next) = back.checked_add(1).and_then(|b| b.checked_mul(128))
                        else {
                            return Ok(None);
                        };
                        back = next | u64::from(c & 0x7f);
                    }
                    offset.checked_sub(back)
                }
                7 => {
                    let oid = head.get(i..i + 20).map(<[u8]>::to_vec);
                    i += 20;
                    match oid {
                        Some(oid) => self.idx.find(&oid)?,
                        None => None,
                    }
                }
                _ => None,
            };
            if matches!(kind, 6 | 7) && base.is_none() {
                return Ok(None);
            }
            Ok(Some(Entry {
                kind,
                size,
                data: offset + i as u64,
                base,
            }))
        }

        /// The inflated data of an entry (for a delta: the delta itself).
        fn inflate(&mut self, e: &Entry) -> std::io::Result<Option<Vec<u8>>> {
            if e.size > MAX_OBJECT {
                return Ok(None);
            }
            // Deflate never grows data by more than a few bytes per 16 KiB block.
            let compressed = self.bytes_at(e.data, e.size + 256)?;
            Ok(
                miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&compressed, e.size)
                    .ok()
                    .filter(|d| d.len() == e.size),
            )
        }

        /// The type at the end of an entry's delta chain.
        fn kind(&mut self, offset: u64) -> std::io::Result<Option<u8>> {
            let mut chain = Vec::new();
            let mut at = offset;
            for _ in 0..64 {
                let kind = match self.kinds.get(&at) {
                    Some(&k) => k,
                    None => {
                        let Some(e) = self.entry(at)? else {
                            return Ok(None);
                        };
                        if let Some(base) = e.base {
                            chain.push(at);
                            at = base;
                            continue;
                        }
                        chain.push(at);
                        e.kind
                    }
                };
                if self.kinds.len() + chain.len() > CACHED * 16 {
                    self.kinds.clear();
                }
                self.kinds.extend(chain.into_iter().map(|o| (o, kind)));
                return Ok(Some(kind));
            }
            Ok(None)
        }

        /// The full contents of the object at `offset`, deltas applied.
        fn contents(&mut self, offset: u64, depth: usize) -> std::io::Result<Option<Vec<u8>>> {
            if let Some(known) = self.cache.get(&offset) {
                return Ok(Some(known.clone()));
            }
            let Some(e) = self.entry(offset)? else {
                return Ok(None);
            };
            let Some(data) = self.inflate(&e)? else {
                return Ok(None);
            };
            let object = match e.base {
                None => data,
                Some(_) if depth > 64 => return Ok(None),
                Some(base) => match self.contents(base, depth + 1)? {
                    Some(b) => match apply_delta(&b, &data) {
                        Some(o) => o,
                        None => return Ok(None),
                    },
                    None => return Ok(None),
                },
            };
            if self.cache.len() >= CACHED {
                self.cache.clear();
            }
            self.cache.insert(offset, object.clone());
            Ok(Some(object))
        }

        /// What the object at `offset` is, for peeling: `None` when it cannot be read.
        fn peel_object(&mut self, offset: u64) -> std::io::Result<Option<Object>> {
            match self.kind(offset)? {
                Some(1..=3) => Ok(Some(Object::Other)),
                Some(4) => Ok(self
                    .contents(offset, 0)?
                    .and_then(|body| tag_target(&body))
                    .map(Object::Tag)),
                _ => Ok(None),
            }
        }
    }

    /// Applies a git delta (source size, target size, then copy and insert
    /// instructions) to `base`.
    fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
        let mut i = 0;
        let varint = |i: &mut usize| -> Option<usize> {
            let mut v = 0usize;
            let mut shift = 0;
            loop {
                let b = *delta.get(*i)?;
                *i += 1;
                v |= usize::from(b & 0x7f).checked_shl(shift)?;
                shift += 7;
                if b & 0x80 == 0 {
                    return Some(v);
                }
            }
        };
        if varint(&mut i)? != base.len() {
            return None;
        }
        let size = varint(&mut i)?;
        if size > MAX_OBJECT {
            return None;
        }
        let mut out = Vec::with_capacity(size);
        while let Some(&op) = delta.get(i) {
            i += 1;
            if op & 0x80 != 0 {
                let (mut off, mut len) = (0usize, 0usize);
                for k in 0..4 {
                    if op & (1 << k) != 0 {
                        off |= usize::from(*delta.get(i)?) << (8 * k);
                        i += 1;
                    }
                }
                for k in 0..3 {
                    if op & (0x10 << k) != 0 {
                        len |= usize::from(*delta.get(i)?) << (8 * k);
                        i += 1;
                    }
                }
                if len == 0 {
                    len = 0x10000;
                }
                out.extend_from_slice(base.get(off..off.checked_add(len)?)?);
            } else if op != 0 {
                let n = usize::from(op);
                out.extend_from_slice(delta.get(i..i + n)?);
                i += n;
            } else {
                return None;
            }
            if out.len() > size {
                return None;
            }
        }
        (out.len() == size).then_some(out)
    }
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
        for bad in [
            "https://gh.ex${{ github.token }}ample.com/acme/widgets.git",
            "https://a b/acme/widgets.git",
            "https://gh.exa%0amples.com/acme/widgets.git",
            "git@-oProxyCommand=x:acme/widgets.git",
            "https://github.com/acme/-x.git",
            "https://github.com/acme/...git",
        ] {
            assert!(parse_remote(bad).is_none(), "{bad}");
        }
    }
}
