//! What a repository's own files say about which projects it releases: the workflows
//! that upload to PyPI and the directories they build, and directory names that say a
//! project is test, example or internal material.
//!
//! Read once per discovery; only used to settle what metadata alone leaves open (two
//! manifests with one name, a project whose metadata says it is not built).

use std::path::{Path, PathBuf};

use super::choices::{local_scripts, PUBLISH_MARKERS};
use crate::workspace_fs::{read_text_opt, slash};

/// The text of every workflow that uploads to PyPI, with the repository scripts it runs.
#[derive(Debug, Default)]
pub(crate) struct Publishing {
    texts: Vec<String>,
}

impl Publishing {
    /// Reads `workflows` (relative to `root`); an unreadable one is no evidence.
    pub(crate) fn read(root: &Path, workflows: &[PathBuf]) -> Self {
        let mut texts = Vec::new();
        for wf in workflows {
            let Ok(Some(text)) = read_text_opt(&root.join(wf)) else {
                continue;
            };
            let publishes = PUBLISH_MARKERS.iter().any(|m| text.contains(m));
            let scripts = if publishes {
                String::new()
            } else {
                local_scripts(root, &text)
            };
            if publishes || PUBLISH_MARKERS.iter().any(|m| scripts.contains(m)) {
                texts.push(format!("{text}\n{scripts}"));
            }
        }
        Self { texts }
    }

    /// Whether a publishing workflow names the project directory `dir` as a path (`cd
    /// plugins/acme-x`, `working-directory: crates/acme-py`, `maturin build -m
    /// crates/acme-py/Cargo.toml`, `packages-dir: plugins/acme-x/dist`). The root is
    /// never named this way: see [`Publishing::builds_root`].
    pub(crate) fn builds(&self, dir: &Path) -> bool {
        let d = slash(dir);
        if d.is_empty() {
            return false;
        }
        self.texts.iter().any(|t| names_path(t, &d))
    }

    /// Whether a publishing workflow exists that names none of `others` (the root is what
    /// such a workflow builds: `uv build`, `python -m build` at the checkout).
    pub(crate) fn builds_root(&self, others: &[&Path]) -> bool {
        self.texts.iter().any(|t| {
            others
                .iter()
                .all(|o| slash(o).is_empty() || !names_path(t, &slash(o)))
        })
    }
}

/// `path` occurs in `text` as a whole path: not inside a longer name on either side.
fn names_path(text: &str, path: &str) -> bool {
    let part = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-');
    text.match_indices(path).any(|(i, _)| {
        // `./plugins/x` and `${{ github.workspace }}/plugins/x` name it; `myplugins/x` does not.
        let starts = text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !part(c) && c != '.' || text[..i].ends_with("./"));
        let ends = text[i + path.len()..]
            .chars()
            .next()
            .is_none_or(|c| !part(c));
        starts && ends
    })
}

/// Words in a directory name that say its project is not a release: test suites and
/// their fixtures, examples, samples and demos, the ground truth a test compares with.
const MATERIAL_WORDS: &[&str] = &[
    "test",
    "tests",
    "testing",
    "fixture",
    "fixtures",
    "example",
    "examples",
    "sample",
    "samples",
    "demo",
    "demos",
    "truth",
    "mock",
    "mocks",
    "e2e",
    "integration",
    "benchmark",
    "benchmarks",
    "playground",
    "tutorial",
    "tutorials",
];

/// Words that, in a directory name next to a published package, say internal tooling.
const TOOLING_WORDS: &[&str] = &["internal", "tools", "tooling", "dev", "devtools", "ci"];

/// Whether a path component of `dir` names test, example or fixture material
/// (`truth/`, `uv-examples/`, `python-monorepo-example/`, `sample-app`,
/// `integration-tests`): its words, split at `-`, `_` and `.`, include one.
pub(crate) fn is_material(dir: &Path) -> bool {
    dir.components().any(|c| {
        let name = c.as_os_str().to_string_lossy().to_ascii_lowercase();
        name.split(['-', '_', '.'])
            .any(|w| MATERIAL_WORDS.contains(&w))
    })
}

/// Whether the last component of `dir` says internal tooling (`internal-tools`,
/// `dev_tools`, `ci`).
pub(crate) fn is_tooling(dir: &Path) -> bool {
    dir.file_name().is_some_and(|n| {
        let name = n.to_string_lossy().to_ascii_lowercase();
        name.split(['-', '_', '.'])
            .any(|w| TOOLING_WORDS.contains(&w))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_paths_only() {
        assert!(names_path(
            "cd plugins/acme-x && uv build",
            "plugins/acme-x"
        ));
        assert!(names_path(
            "working-directory: ./plugins/acme-x\n",
            "plugins/acme-x"
        ));
        assert!(names_path("-m plugins/acme-x/Cargo.toml", "plugins/acme-x"));
        assert!(!names_path("cd plugins/acme-xy", "plugins/acme-x"));
        assert!(!names_path("cd myplugins/acme-x", "plugins/acme-x"));
        assert!(names_path("dir: plugins/acme-x.", "plugins/acme-x"));
    }

    #[test]
    fn material_and_tooling_names() {
        for d in [
            "tests/truth/a",
            "uv-examples/agent",
            "python-monorepo-example/agent",
            "sample-app",
            "integration-tests",
        ] {
            assert!(is_material(Path::new(d)), "{d}");
        }
        for d in ["libs/acme-core", "crates/acme-py", "contest", "latest"] {
            assert!(!is_material(Path::new(d)), "{d}");
        }
        assert!(is_tooling(Path::new("internal-tools")));
        assert!(!is_tooling(Path::new("acme-toolbox")));
    }
}
