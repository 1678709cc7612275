//! The repository's own changelog: a file under a common name and format, and towncrier's
//! news fragments. Read once at discovery; `init` proposes what it finds (Keep a Changelog
//! only when there is nothing), `bump` and `doctor` follow it, and the bump script gets the
//! fragment directory in its data block.

use std::path::{Path, PathBuf};

use serde::Serialize;

/// Common changelog names, in the order `init` prefers them.
const NAMES: &[&str] = &[
    "CHANGELOG.md",
    "CHANGES.md",
    "HISTORY.md",
    "NEWS.md",
    "CHANGELOG.rst",
    "CHANGES.rst",
    "HISTORY.rst",
    "NEWS.rst",
    "docs/changelog.md",
    "docs/changes.md",
    "docs/history.md",
    "docs/changelog.rst",
    "docs/changes.rst",
    "docs/history.rst",
    "docs/source/changelog.rst",
];

/// towncrier's configuration: where the fragments are and the file it builds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Towncrier {
    /// `pyproject.toml` or `towncrier.toml`.
    pub config: PathBuf,
    /// The fragment directory (`changelog.d`, `newsfragments`, ...).
    pub directory: PathBuf,
    /// The changelog towncrier writes (`filename`, NEWS.rst by default).
    pub filename: PathBuf,
}

/// The changelogs under common names that exist, as their names are spelled on disk
/// (`Changelog.md` matches `CHANGELOG.md`), in the order of [`NAMES`].
pub(crate) fn existing(root: &Path) -> Vec<PathBuf> {
    // Each directory is read once (discovery runs in the pre-commit hook).
    let mut listed: Vec<(&str, Vec<String>)> = Vec::new();
    let mut out = Vec::new();
    for name in NAMES {
        let (dir, file) = name.rsplit_once('/').unwrap_or(("", name));
        if !listed.iter().any(|(d, _)| *d == dir) {
            let files = std::fs::read_dir(root.join(dir))
                .map(|entries| {
                    entries
                        .flatten()
                        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
                        .map(|e| e.file_name().to_string_lossy().into_owned())
                        .collect()
                })
                .unwrap_or_default();
            listed.push((dir, files));
        }
        let Some((_, files)) = listed.iter().find(|(d, _)| *d == dir) else {
            continue;
        };
        for on_disk in files.iter().filter(|f| f.eq_ignore_ascii_case(file)) {
            let rel = Path::new(dir).join(on_disk);
            if crate::grammar::repo_path(&crate::workspace_fs::slash(&rel)).is_ok()
                && !out.contains(&rel)
            {
                out.push(rel);
            }
        }
    }
    out
}

/// towncrier's settings from `[tool.towncrier]` in pyproject.toml or towncrier.toml; a
/// fragment directory (`changelog.d/`, `newsfragments/`) without one is read with
/// towncrier's defaults. Paths that are not plain repository paths are not followed.
pub(crate) fn towncrier(root: &Path) -> Option<Towncrier> {
    for config in ["towncrier.toml", "pyproject.toml"] {
        let Ok(text) = crate::workspace_fs::read_regular_string(root.join(config)) else {
            continue;
        };
        let Ok(doc) = text.parse::<toml_edit::DocumentMut>() else {
            continue;
        };
        let Some(t) = doc
            .get("tool")
            .and_then(|t| t.get("towncrier"))
            .and_then(|t| t.as_table_like())
        else {
            continue;
        };
        let get = |k: &str| t.get(k).and_then(|v| v.as_str()).map(str::to_string);
        let directory = match (get("directory"), get("package")) {
            (Some(d), _) => d,
            (None, Some(package)) => {
                let base = get("package_dir").unwrap_or_else(|| ".".into());
                format!("{}/{package}/newsfragments", base.trim_end_matches('/'))
            }
            (None, None) => "newsfragments".into(),
        };
        let directory = directory.trim_start_matches("./").to_string();
        let filename = get("filename").unwrap_or_else(|| "NEWS.rst".into());
        let plain = |p: &str| crate::grammar::repo_path(p).is_ok();
        if plain(&directory) && plain(&filename) {
            return Some(Towncrier {
                config: config.into(),
                directory: directory.into(),
                filename: filename.into(),
            });
        }
        return None;
    }
    None
}

/// The news fragments waiting for the next release: the files in the fragment directory
/// (and its type subdirectories), without towncrier's own template, READMEs and dotfiles.
pub(crate) fn fragments(root: &Path, t: &Towncrier) -> Vec<PathBuf> {
    fn walk(root: &Path, rel: &Path, depth: usize, out: &mut Vec<PathBuf>) {
        let Ok(entries) = std::fs::read_dir(root.join(rel)) else {
            return;
        };
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let lower = name.to_ascii_lowercase();
            if name.starts_with(['.', '_'])
                || lower.starts_with("readme")
                || lower.starts_with("template")
            {
                continue;
            }
            match e.file_type() {
                Ok(ft) if ft.is_file() => out.push(rel.join(&name)),
                Ok(ft) if ft.is_dir() && depth == 0 => walk(root, &rel.join(&name), 1, out),
                _ => {}
            }
        }
    }
    let mut out = Vec::new();
    walk(root, &t.directory, 0, &mut out);
    out.sort();
    out
}

/// What kind of file a changelog is, for messages.
pub(crate) fn format_of(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()) {
        Some(e) if e.eq_ignore_ascii_case("rst") => "reStructuredText",
        Some(e) if e.eq_ignore_ascii_case("md") => "Markdown",
        _ => "text",
    }
}
