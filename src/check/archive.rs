//! Reading what a build produced: the member list of a wheel (zip) and of an sdist
//! (`.tar.gz`), and the text of a small member (METADATA, PKG-INFO).
//!
//! Only what the inspection needs: the zip central directory (stored and deflated
//! members, no zip64: a wheel over 4 GiB is refused), and ustar/pax/GNU tar headers over
//! a gzip stream. Inflating uses miniz_oxide, already a dependency, with a size cap so a
//! crafted archive cannot exhaust memory.

use std::path::Path;

/// The most an archive may inflate to before it is refused.
const MAX_INFLATED: usize = 512 * 1024 * 1024;

/// One member of an archive: its path inside and, for a tar, its bytes.
#[derive(Debug, Clone)]
pub(crate) struct Member {
    pub(crate) name: String,
    pub(crate) size: u64,
    pub(crate) is_dir: bool,
}

/// An archive read into memory with its members listed.
pub(crate) enum Archive {
    Zip {
        bytes: Vec<u8>,
        entries: Vec<ZipEntry>,
    },
    Tar {
        data: Vec<u8>,
        entries: Vec<TarEntry>,
    },
}

pub(crate) struct ZipEntry {
    member: Member,
    method: u16,
    compressed: usize,
    local_offset: usize,
}

pub(crate) struct TarEntry {
    member: Member,
    start: usize,
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}

impl Archive {
    /// Reads `path`: a zip when it ends in `.whl` or `.zip`, a gzipped tar otherwise.
    pub(crate) fn open(path: &Path) -> Result<Archive, String> {
        let bytes = std::fs::read(path).map_err(|e| e.to_string())?;
        let name = path.to_string_lossy();
        if name.ends_with(".whl") || name.ends_with(".zip") {
            Archive::zip(bytes)
        } else {
            Archive::tar_gz(&bytes)
        }
    }

    pub(crate) fn zip(bytes: Vec<u8>) -> Result<Archive, String> {
        const EOCD: u32 = 0x0605_4b50;
        let bad = || "not a zip archive (no central directory)".to_owned();
        // The end record is in the last 22 + 65535 (comment) bytes.
        let floor = bytes.len().saturating_sub(22 + 65535);
        let eocd = (floor..bytes.len().saturating_sub(21))
            .rev()
            .find(|&i| u32_at(&bytes, i) == Some(EOCD))
            .ok_or_else(bad)?;
        let count = usize::from(u16_at(&bytes, eocd + 10).ok_or_else(bad)?);
        let cd = u32_at(&bytes, eocd + 16).ok_or_else(bad)?;
        if count == 0xFFFF || cd == 0xFFFF_FFFF {
            return Err("a zip64 archive (over 65535 files or 4 GiB) is not inspected".into());
        }
        let mut at = cd as usize;
        let mut entries = Vec::with_capacity(count);
        for _ in 0..count {
            if u32_at(&bytes, at) != Some(0x0201_4b50) {
                return Err("corrupt zip central directory".into());
            }
            let field = |off: usize| u16_at(&bytes, at + off).ok_or_else(bad);
            let method = field(10)?;
            let compressed = u32_at(&bytes, at + 20).ok_or_else(bad)? as usize;
            let size = u64::from(u32_at(&bytes, at + 24).ok_or_else(bad)?);
            let (n, e, c) = (
                usize::from(field(28)?),
                usize::from(field(30)?),
                usize::from(field(32)?),
            );
            let local_offset = u32_at(&bytes, at + 42).ok_or_else(bad)? as usize;
            let raw = bytes.get(at + 46..at + 46 + n).ok_or_else(bad)?;
            let name = String::from_utf8_lossy(raw).into_owned();
            entries.push(ZipEntry {
                member: Member {
                    is_dir: name.ends_with('/'),
                    name,
                    size,
                },
                method,
                compressed,
                local_offset,
            });
            at += 46 + n + e + c;
        }
        Ok(Archive::Zip { bytes, entries })
    }

    pub(crate) fn tar_gz(bytes: &[u8]) -> Result<Archive, String> {
        let data = gunzip(bytes)?;
        let entries = tar_entries(&data)?;
        Ok(Archive::Tar { data, entries })
    }

    /// Every member, in archive order.
    pub(crate) fn members(&self) -> Vec<&Member> {
        match self {
            Archive::Zip { entries, .. } => entries.iter().map(|e| &e.member).collect(),
            Archive::Tar { entries, .. } => entries.iter().map(|e| &e.member).collect(),
        }
    }

    /// The text of the member named `name` (lossy UTF-8), when there is one.
    pub(crate) fn read_text(&self, name: &str) -> Option<String> {
        let bytes = match self {
            Archive::Zip { bytes, entries } => {
                let e = entries.iter().find(|e| e.member.name == name)?;
                let l = e.local_offset;
                if u32_at(bytes, l)? != 0x0403_4b50 {
                    return None;
                }
                let start = l
                    + 30
                    + usize::from(u16_at(bytes, l + 26)?)
                    + usize::from(u16_at(bytes, l + 28)?);
                let raw = bytes.get(start..start + e.compressed)?;
                match e.method {
                    0 => raw.to_vec(),
                    8 => miniz_oxide::inflate::decompress_to_vec_with_limit(raw, MAX_INFLATED)
                        .ok()?,
                    _ => return None,
                }
            }
            Archive::Tar { data, entries } => {
                let e = entries.iter().find(|e| e.member.name == name)?;
                let len = usize::try_from(e.member.size).ok()?;
                data.get(e.start..e.start + len)?.to_vec()
            }
        };
        Some(String::from_utf8_lossy(&bytes).into_owned())
    }
}

/// The payload of a gzip stream (RFC 1952): header fields skipped, the deflate inflated.
fn gunzip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let bad = || "not a gzip file".to_owned();
    if bytes.len() < 18 || bytes[0] != 0x1f || bytes[1] != 0x8b || bytes[2] != 8 {
        return Err(bad());
    }
    let flags = bytes[3];
    let mut at = 10;
    if flags & 4 != 0 {
        at += 2 + usize::from(u16_at(bytes, at).ok_or_else(bad)?);
    }
    for flag in [8u8, 16] {
        if flags & flag != 0 {
            let rest = bytes.get(at..).ok_or_else(bad)?;
            at += memchr::memchr(0, rest).ok_or_else(bad)? + 1;
        }
    }
    if flags & 2 != 0 {
        at += 2;
    }
    let body = bytes.get(at..).ok_or_else(bad)?;
    miniz_oxide::inflate::decompress_to_vec_with_limit(body, MAX_INFLATED)
        .map_err(|e| format!("cannot inflate the gzip stream ({:?})", e.status))
}

fn octal(field: &[u8]) -> Option<u64> {
    let s = std::str::from_utf8(field).ok()?;
    let s = s.trim_matches(|c: char| c == '\0' || c == ' ');
    if s.is_empty() {
        return Some(0);
    }
    u64::from_str_radix(s, 8).ok()
}

fn cstr(field: &[u8]) -> String {
    let end = memchr::memchr(0, field).unwrap_or(field.len());
    String::from_utf8_lossy(&field[..end]).into_owned()
}

/// The members of a tar: ustar names with their prefix, pax `path=` and GNU long names.
fn tar_entries(data: &[u8]) -> Result<Vec<TarEntry>, String> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut long_name: Option<String> = None;
    while at + 512 <= data.len() {
        let h = &data[at..at + 512];
        if h.iter().all(|&b| b == 0) {
            break;
        }
        let size = octal(&h[124..136]).ok_or("corrupt tar header (size)")?;
        let len = usize::try_from(size).map_err(|_| "tar member too large")?;
        let start = at + 512;
        let end = start
            .checked_add(len)
            .filter(|&e| e <= data.len())
            .ok_or("truncated tar member")?;
        let kind = h[156];
        match kind {
            b'L' => long_name = Some(cstr(&data[start..end])),
            b'x' => {
                // pax records: "LEN key=value\n".
                let text = String::from_utf8_lossy(&data[start..end]);
                for rec in text.split('\n') {
                    if let Some((_, kv)) = rec.split_once(' ') {
                        if let Some(p) = kv.strip_prefix("path=") {
                            long_name = Some(p.to_owned());
                        }
                    }
                }
            }
            b'g' => {}
            _ => {
                let name = long_name.take().unwrap_or_else(|| {
                    let base = cstr(&h[0..100]);
                    let prefix = if &h[257..262] == b"ustar" {
                        cstr(&h[345..500])
                    } else {
                        String::new()
                    };
                    if prefix.is_empty() {
                        base
                    } else {
                        format!("{prefix}/{base}")
                    }
                });
                out.push(TarEntry {
                    member: Member {
                        is_dir: kind == b'5' || name.ends_with('/'),
                        name,
                        size,
                    },
                    start,
                });
            }
        }
        at = start + len.div_ceil(512) * 512;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(Archive::zip(b"PK\x05\x06".to_vec()).is_err());
        assert!(Archive::zip(vec![0; 100]).is_err());
        assert!(Archive::tar_gz(b"\x1f\x8b\x08\x00rest").is_err());
        assert!(Archive::tar_gz(&[0; 64]).is_err());
        // A central directory that claims more entries than the file holds.
        let mut eocd = vec![0u8; 22];
        eocd[..4].copy_from_slice(&0x0605_4b50u32.to_le_bytes());
        eocd[10] = 3;
        assert!(Archive::zip(eocd).is_err());
    }

    #[test]
    fn tar_names_with_prefix_and_pax_path() {
        fn header(name: &str, size: usize, kind: u8) -> Vec<u8> {
            let mut h = vec![0u8; 512];
            h[..name.len()].copy_from_slice(name.as_bytes());
            let s = format!("{size:011o}\0");
            h[124..136].copy_from_slice(s.as_bytes());
            h[156] = kind;
            h
        }
        let mut tar = Vec::new();
        tar.extend(header("a/PKG-INFO", 5, b'0'));
        let mut body = b"hello".to_vec();
        body.resize(512, 0);
        tar.extend(body);
        let rec = "25 path=a/very/long/name\n";
        tar.extend(header("PaxHeader", rec.len(), b'x'));
        let mut body = rec.as_bytes().to_vec();
        body.resize(512, 0);
        tar.extend(body);
        tar.extend(header("ignored", 0, b'0'));
        tar.extend(vec![0u8; 1024]);
        let entries = tar_entries(&tar).expect("tar");
        let names: Vec<&str> = entries.iter().map(|e| e.member.name.as_str()).collect();
        assert_eq!(names, ["a/PKG-INFO", "a/very/long/name"]);
        let archive = Archive::Tar { data: tar, entries };
        assert_eq!(archive.read_text("a/PKG-INFO").as_deref(), Some("hello"));
    }
}
