//! What a release would upload, inspected: pure functions from the built files (their
//! names and member lists) and what the repository declares to findings. No I/O here.

use std::collections::BTreeSet;

use super::archive::Archive;
use super::Finding;

/// What the repository says one package's files must be.
#[derive(Debug, Clone)]
pub(crate) struct Expect {
    /// PEP 503 normalized name.
    pub(crate) normalized: String,
    /// The version of record; `None` when the version comes from git tags (then the
    /// files must only agree with each other).
    pub(crate) version: Option<String>,
    /// Where the version of record is written (file, line), for the finding.
    pub(crate) version_at: Option<(String, usize)>,
    /// The file that declares the package (relative to the root).
    pub(crate) manifest: String,
    /// The import packages the wheel must ship: the one the build configuration declares,
    /// and the directory named after the project (`src/acme_widgets/`) when there is one.
    pub(crate) imports: Vec<String>,
    /// Built by a compiled backend: its wheel must be a platform wheel.
    pub(crate) compiled: bool,
    /// License files found in the repository (basenames) and where (relative path), which
    /// every built file must carry.
    pub(crate) licenses: Vec<(String, String)>,
}

/// One built file.
pub(crate) struct Built {
    pub(crate) file_name: String,
    pub(crate) archive: Archive,
}

/// Top-level names that are never an import package of a library: a wheel that installs
/// one shadows every other project's (`import tests`) or ships what was meant to stay in
/// the repository.
const STRAY: &[&str] = &[
    "benchmarks",
    "benches",
    "build",
    "dist",
    "doc",
    "docs",
    "example",
    "examples",
    "scripts",
    "src",
];

/// The (name, version) a distribution's file name gives: `name-1.0.tar.gz`,
/// `name-1.0(-build)-py3-none-any.whl`.
pub(crate) fn name_version(file_name: &str) -> Option<(String, String)> {
    if let Some(stem) = file_name.strip_suffix(".whl") {
        let mut parts = stem.split('-');
        let name = parts.next()?;
        let version = parts.next()?;
        return Some((name.to_owned(), version.to_owned()));
    }
    let stem = file_name
        .strip_suffix(".tar.gz")
        .or_else(|| file_name.strip_suffix(".zip"))?;
    let (name, version) = stem.rsplit_once('-')?;
    Some((name.to_owned(), version.to_owned()))
}

fn same_version(a: &str, b: &str) -> bool {
    match (crate::version::parse(a), crate::version::parse(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => a == b,
    }
}

/// The `Version:` field of core metadata (METADATA, PKG-INFO).
fn metadata_version(text: &str) -> Option<String> {
    text.lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Version:"))
        .map(|v| v.trim().to_owned())
}

fn basename(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or(path)
}

/// The import names a wheel installs at the top level: directories, and modules
/// (`name.py`, `name.cpython-312-x86_64-linux-gnu.so`), also under `*.data/purelib|platlib/`.
fn wheel_top_levels(members: &[&str]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for m in members {
        let mut parts: Vec<&str> = m.split('/').collect();
        if parts.first().is_some_and(|p| p.ends_with(".data")) {
            // Only purelib and platlib land on the import path; scripts, headers and data
            // go elsewhere.
            if !parts
                .get(1)
                .is_some_and(|p| *p == "purelib" || *p == "platlib")
            {
                continue;
            }
            parts.drain(..2);
        }
        match parts.as_slice() {
            [] => {}
            [file] => {
                if let Some((stem, ext)) = file.split_once('.') {
                    let ext_ok =
                        ext == "py" || ext.ends_with("so") || ext.ends_with("pyd") || ext == "pyi";
                    if ext_ok && !stem.is_empty() {
                        out.insert(stem.to_owned());
                    }
                }
            }
            [dir, ..] => {
                out.insert((*dir).to_owned());
            }
        }
    }
    out
}

/// Every finding on one package's built files.
pub(crate) fn inspect(expect: &Expect, built: &[Built]) -> Vec<Finding> {
    let mut out = Vec::new();
    let at_manifest = |id: &'static str, message: String, hint: &str| {
        Finding::new(id, message)
            .at(&expect.manifest, None)
            .hint(hint)
    };
    let sdists: Vec<&Built> = built
        .iter()
        .filter(|b| !b.file_name.ends_with(".whl"))
        .collect();
    let wheels: Vec<&Built> = built
        .iter()
        .filter(|b| b.file_name.ends_with(".whl"))
        .collect();
    if sdists.is_empty() {
        out.push(at_manifest(
            "no-sdist",
            "the build gave no source distribution".into(),
            "the release uploads an sdist with every wheel: check the build backend's sdist settings",
        ));
    }
    if wheels.is_empty() {
        out.push(at_manifest(
            "no-wheel",
            "the build gave no wheel".into(),
            "check the build backend's wheel settings",
        ));
    }

    // File names: the project's name and one version, the version of record.
    let mut first_version: Option<(String, String)> = None;
    for b in built {
        let Some((name, version)) = name_version(&b.file_name) else {
            out.push(Finding::new(
                "file-name",
                format!("{}: not a distribution file name", b.file_name),
            ));
            continue;
        };
        if crate::project::normalize_name(&name) != expect.normalized {
            out.push(
                Finding::new(
                    "file-name",
                    format!(
                        "{} is named for `{name}`, the package is `{}`",
                        b.file_name, expect.normalized
                    ),
                )
                .at(&expect.manifest, None)
                .hint(
                    "the name in the manifest and the one the build backend reads must be the same",
                ),
            );
        }
        let wanted = match (&expect.version, &first_version) {
            (Some(v), _) => Some((v.clone(), "the version of record".to_owned())),
            (None, Some((v, from))) => Some((v.clone(), from.clone())),
            (None, None) => None,
        };
        match wanted {
            Some((want, from)) if !same_version(&version, &want) => {
                let mut f = Finding::new(
                    "version-mismatch",
                    format!("{} has version {version}, {from} is {want}", b.file_name),
                )
                .hint(
                    "the sdist must carry every file the version is read from, and the wheel \
                     is built from the sdist: check what the sdist includes (MANIFEST.in, the \
                     backend's include settings)",
                );
                if let Some((path, line)) = &expect.version_at {
                    f = f.at(path, Some(*line));
                }
                out.push(f);
            }
            _ => {}
        }
        // The metadata inside must say the same as the file name.
        let meta_name = b
            .archive
            .members()
            .into_iter()
            .map(|m| m.name.as_str())
            .find(|n| {
                let parts: Vec<&str> = n.split('/').collect();
                matches!(parts.as_slice(), [d, "METADATA"] if d.ends_with(".dist-info"))
                    || matches!(parts.as_slice(), [_, "PKG-INFO"])
            })
            .map(str::to_owned);
        let inner = meta_name.as_deref().and_then(|n| b.archive.read_text(n));
        if let Some(inner) = inner.as_deref().and_then(metadata_version) {
            if !same_version(&inner, &version) {
                out.push(Finding::new(
                    "version-mismatch",
                    format!(
                        "{}: its metadata says version {inner}, its name {version}",
                        b.file_name
                    ),
                ));
            }
        }
        if first_version.is_none() {
            first_version = Some((version, b.file_name.clone()));
        }
    }

    for w in &wheels {
        let files: Vec<&str> = w
            .archive
            .members()
            .into_iter()
            .filter(|m| !m.is_dir)
            .map(|m| m.name.as_str())
            .collect();
        let payload: Vec<&str> = files
            .iter()
            .copied()
            .filter(|f| {
                !f.split('/')
                    .next()
                    .is_some_and(|top| top.ends_with(".dist-info"))
            })
            .collect();
        if payload.is_empty() {
            out.push(at_manifest(
                "empty-wheel",
                format!(
                    "{} installs nothing: it holds only its metadata",
                    w.file_name
                ),
                "tell the build backend where the package is (hatch: \
                 `[tool.hatch.build.targets.wheel] packages = [\"src/NAME\"]`; setuptools: \
                 `packages`/`package-dir` or `[tool.setuptools.packages.find]`)",
            ));
            continue;
        }
        let tops = wheel_top_levels(&payload);
        for import in &expect.imports {
            if !tops.contains(import) {
                out.push(at_manifest(
                    "missing-package",
                    format!(
                        "{} does not ship the package `{import}` (it installs: {})",
                        w.file_name,
                        tops.iter().cloned().collect::<Vec<_>>().join(", ")
                    ),
                    "tell the build backend where the package is, or rename it to match",
                ));
            }
        }
        for t in &tops {
            if t == "tests" || t == "test" {
                out.push(at_manifest(
                    "tests-in-wheel",
                    format!("{} installs a top-level `{t}` package", w.file_name),
                    "exclude the test suite from the wheel (setuptools: \
                     `find_packages(exclude=[\"tests*\"])`; hatch: \
                     `[tool.hatch.build.targets.wheel] packages`)",
                ));
            } else if STRAY.contains(&t.as_str()) && !expect.imports.contains(t) {
                out.push(at_manifest(
                    "stray-top-level",
                    format!("{} installs a top-level `{t}`", w.file_name),
                    "list only the import package in the wheel's build settings",
                ));
            }
        }
        if expect.compiled {
            let platform = w
                .file_name
                .strip_suffix(".whl")
                .and_then(|s| s.rsplit('-').next());
            if platform == Some("any") {
                out.push(at_manifest(
                    "pure-wheel",
                    format!(
                        "{} is a pure wheel, but the package has compiled code",
                        w.file_name
                    ),
                    "the extension was not built: check the build backend's extension settings",
                ));
            }
        }
    }

    // License files: every file the repository has must travel in each built file.
    for b in built {
        let names: BTreeSet<&str> = b
            .archive
            .members()
            .into_iter()
            .filter(|m| !m.is_dir)
            .map(|m| basename(&m.name))
            .collect();
        let missing: Vec<&(String, String)> = expect
            .licenses
            .iter()
            .filter(|(base, _)| !names.contains(base.as_str()))
            .collect();
        if !missing.is_empty() {
            out.push(at_manifest(
                "missing-license",
                format!(
                    "{} does not carry {}",
                    b.file_name,
                    missing
                        .iter()
                        .map(|(_, path)| path.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                "a license file outside the package's directory is not packaged, and \
                 `license-files` cannot name a path outside it: copy the file next to the \
                 manifest, or force it into the sdist (hatch: \
                 `[tool.hatch.build.targets.sdist.force-include]`; the wheel is built from the \
                 sdist and finds it there)",
            ));
        }
    }

    // The sdist must be buildable on its own: its metadata and its manifest.
    for s in &sdists {
        let members = s.archive.members();
        let top_files: BTreeSet<String> = members
            .iter()
            .filter_map(|m| {
                let mut parts = m.name.split('/');
                let _top = parts.next()?;
                let rest: Vec<&str> = parts.collect();
                (rest.len() == 1).then(|| rest[0].to_owned())
            })
            .collect();
        for needed in ["PKG-INFO"] {
            if !top_files.contains(needed) {
                out.push(at_manifest(
                    "sdist-incomplete",
                    format!("{} has no {needed} at its top", s.file_name),
                    "build the sdist with the backend's own sdist command (`uv build --sdist`)",
                ));
            }
        }
        if !["pyproject.toml", "setup.py", "setup.cfg"]
            .iter()
            .any(|m| top_files.contains(*m))
        {
            out.push(at_manifest(
                "sdist-incomplete",
                format!(
                    "{} has no pyproject.toml, setup.py or setup.cfg: it cannot be built",
                    s.file_name
                ),
                "include the build configuration in the sdist",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(
            name_version("acme_widgets-1.2.0-py3-none-any.whl"),
            Some(("acme_widgets".into(), "1.2.0".into()))
        );
        assert_eq!(
            name_version("acme_widgets-1.2.0rc1.tar.gz"),
            Some(("acme_widgets".into(), "1.2.0rc1".into()))
        );
        assert_eq!(name_version("README"), None);
    }

    #[test]
    fn top_levels_of_a_wheel() {
        let tops = wheel_top_levels(&[
            "acme/__init__.py",
            "acme_single.py",
            "fast.cpython-312-x86_64-linux-gnu.so",
            "acme-1.0.data/purelib/extra/__init__.py",
            "acme-1.0.data/scripts/tool",
        ]);
        let tops: Vec<&str> = tops.iter().map(String::as_str).collect();
        assert_eq!(tops, ["acme", "acme_single", "extra", "fast"]);
    }
}
