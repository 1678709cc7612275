//! What a repository's own files say about which projects it releases: the workflows
//! that upload to PyPI and the directories they build, and directory names that say a
//! project is test, example or internal material.
//!
//! Read once per discovery; only used to settle what metadata alone leaves open (two
//! manifests with one name, a project whose metadata says it is not built).

use std::path::{Path, PathBuf};

use crate::workspace_fs::{read_text_opt, slash};

/// The text of every workflow that uploads to PyPI, with the repository scripts it runs.
/// Read on first use: most repositories never need the evidence, and discovery runs on
/// every verb (the pre-commit hook included), so the workflows and the scripts they run
/// are not read up front.
#[derive(Debug, Default)]
pub(crate) struct Publishing {
    root: PathBuf,
    workflows: Vec<PathBuf>,
    texts: std::sync::OnceLock<Vec<String>>,
}

impl Publishing {
    /// The evidence of `workflows` (relative to `root`), read when first asked.
    pub(crate) fn read(root: &Path, workflows: &[PathBuf]) -> Self {
        Self {
            root: root.to_path_buf(),
            workflows: workflows.to_vec(),
            texts: std::sync::OnceLock::new(),
        }
    }

    /// The text of every publishing workflow (with the scripts it runs) and of every
    /// workflow calling one; an unreadable workflow is no evidence.
    fn texts(&self) -> &[String] {
        self.texts
            .get_or_init(|| read_texts(&self.root, &self.workflows))
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
        self.texts().iter().any(|t| names_path(t, &d))
    }

    /// Whether a publishing workflow runs `tool` (`maturin`: PyO3's maturin action or the
    /// command).
    pub(crate) fn runs(&self, tool: &str) -> bool {
        self.texts().iter().any(|t| t.contains(tool))
    }

    /// Project directories the publishing workflows name by path (`working-directory:
    /// plugins/acme-x`, `packages-dir: plugins/acme-x/dist`): each a directory below
    /// `root` with a `pyproject.toml` or `setup.py`, its path a plain package directory.
    pub(crate) fn named_dirs(&self, root: &Path) -> Vec<PathBuf> {
        let mut out: Vec<PathBuf> = Vec::new();
        for t in self.texts() {
            for word in t.split(|c: char| {
                c.is_whitespace()
                    || matches!(
                        c,
                        '"' | '\''
                            | '='
                            | ','
                            | '['
                            | ']'
                            | '('
                            | ')'
                            | '{'
                            | '}'
                            | ';'
                            | '&'
                            | '|'
                    )
            }) {
                let w = word.trim_start_matches("./").trim_end_matches('/');
                if !w.contains('/') || w.len() > 200 || crate::grammar::repo_path(w).is_err() {
                    continue;
                }
                // The path or one of its ancestors (`plugins/acme-x/dist`).
                let mut p = PathBuf::from(w);
                loop {
                    let dir = root.join(&p);
                    let project =
                        dir.join("pyproject.toml").is_file() || dir.join("setup.py").is_file();
                    if project
                        && !out.contains(&p)
                        && crate::grammar::package_dir(&slash(&p)).is_ok()
                    {
                        out.push(p.clone());
                        break;
                    }
                    if !p.pop() || p.as_os_str().is_empty() {
                        break;
                    }
                }
            }
        }
        out.sort();
        out
    }

    /// Whether a publishing workflow builds at the checkout: one runs a build command
    /// ([`BUILD_COMMANDS`]) and names none of `others` (the root is what such a workflow
    /// builds: `uv build`, `python -m build`).
    pub(crate) fn builds_at_root(&self, others: &[&Path]) -> bool {
        self.texts().iter().any(|t| {
            BUILD_COMMANDS.iter().any(|c| t.contains(c))
                && others
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

/// Whether a path component of `dir` names test, example or fixture material
/// (`truth/`, `uv-examples/`, `python-monorepo-example/`, `sample-app`,
/// `integration-tests`): its words, split at `-`, `_` and `.`, include one. Used where
/// two projects declare one name.
pub(crate) fn is_material(dir: &Path) -> bool {
    dir.components().any(|c| {
        let name = c.as_os_str().to_string_lossy().to_ascii_lowercase();
        name.split(['-', '_', '.'])
            .any(|w| MATERIAL_WORDS.contains(&w))
    })
}

/// Whether the name of the project's own directory says it is no release, by itself
/// (`sample-app`, `acme-examples`, `integration-tests`, `e2e-suite`, `internal-tools`,
/// `devtools`): narrower than [`is_material`], because a project alone in its name is
/// often a published one (`acme-testing`, `pytest-acme`, `acme-tools`).
pub(crate) fn says_not_released(dir: &Path) -> bool {
    let Some(name) = dir.file_name() else {
        return false;
    };
    let name = name.to_string_lossy().to_ascii_lowercase();
    let words: Vec<&str> = name.split(['-', '_', '.']).collect();
    let has = |ws: &[&str]| words.iter().any(|w| ws.contains(w));
    has(&[
        "sample",
        "samples",
        "example",
        "examples",
        "demo",
        "demos",
        "playground",
        "e2e",
    ]) || has(&["integration", "functional", "system", "smoke", "acceptance"])
        && has(&["test", "tests", "testing"])
        || has(&["internal"])
        || matches!(
            name.as_str(),
            "tooling" | "devtools" | "dev-tools" | "dev_tools"
        )
}

/// Build commands: a publishing workflow that runs one at the checkout builds the root.
const BUILD_COMMANDS: &[&str] = &[
    "maturin",
    "uv build",
    "python -m build",
    "pyproject-build",
    "hatch build",
    "poetry build",
    "pdm build",
    "flit build",
    "cibuildwheel",
    "pip wheel",
];

fn read_texts(root: &Path, workflows: &[PathBuf]) -> Vec<String> {
    let mut texts = Vec::new();
    let mut others: Vec<String> = Vec::new();
    let mut publishers: Vec<String> = Vec::new();
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
            publishers.push(slash(wf));
        } else {
            others.push(text);
        }
    }
    // A workflow that calls a publishing reusable workflow (`uses:
    // ./.github/workflows/publish.yml` with `build_dir: clients/acme`) names what
    // that one builds.
    for text in others {
        if publishers.iter().any(|p| text.contains(&format!("./{p}"))) {
            texts.push(text);
        }
    }
    texts
}

/// Commands that upload distributions to PyPI: a workflow holding one (or running a
/// repository script that does) is a publishing workflow for this evidence.
const PUBLISH_MARKERS: &[&str] = &[
    "pypa/gh-action-pypi-publish",
    "twine upload",
    "uv publish",
    "poetry publish",
    "flit publish",
    "hatch publish",
    "pdm publish",
];

/// The text of repository scripts a workflow runs (`run: ./scripts/release.sh`,
/// `python scripts/publish.py`), so a publish hidden in a script is seen.
fn local_scripts(root: &Path, workflow: &str) -> String {
    let mut out = String::new();
    let mut read = std::collections::HashSet::new();
    for word in workflow.split(|c: char| c.is_whitespace() || c == '"' || c == '\'') {
        let w = word.trim_start_matches("./");
        let plausible = (w.ends_with(".sh") || w.ends_with(".py"))
            && !w.contains("..")
            && !w.starts_with('/')
            && w.len() < 200;
        if plausible && read.insert(w) {
            if let Ok(t) = crate::workspace_fs::read_regular_string(root.join(w)) {
                out.push_str(&t);
            }
        }
    }
    out
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
    fn a_caller_of_a_publishing_reusable_workflow_is_evidence_too() {
        let t = tempfile::tempdir().unwrap();
        let wf = t.path().join(".github/workflows");
        std::fs::create_dir_all(&wf).unwrap();
        std::fs::write(
            wf.join("publish-reusable.yml"),
            "on: workflow_call\njobs:\n  p:\n    steps:\n      - uses: pypa/gh-action-pypi-publish@release/v1\n",
        )
        .unwrap();
        std::fs::write(
            wf.join("release.yml"),
            "jobs:\n  api:\n    uses: ./.github/workflows/publish-reusable.yml\n    with:\n      build_dir: clients/v2/acme_http\n",
        )
        .unwrap();
        std::fs::write(
            wf.join("ci.yml"),
            "jobs:\n  t:\n    run: cd clients/v1/acme_http\n",
        )
        .unwrap();
        let files: Vec<PathBuf> = ["ci.yml", "publish-reusable.yml", "release.yml"]
            .iter()
            .map(|f| PathBuf::from(".github/workflows").join(f))
            .collect();
        let p = Publishing::read(t.path(), &files);
        assert!(p.builds(Path::new("clients/v2/acme_http")));
        assert!(!p.builds(Path::new("clients/v1/acme_http")));
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
        for d in [
            "apps/sample-app",
            "integration-tests",
            "internal-tools",
            "devtools",
            "acme-examples",
        ] {
            assert!(says_not_released(Path::new(d)), "{d}");
        }
        for d in [
            "acme-testing",
            "pytest-acme",
            "acme-tools",
            "libs/testkit",
            "src/integrations/slack",
            "examples/x/acme-core",
        ] {
            assert!(!says_not_released(Path::new(d)), "{d}");
        }
    }
}
