//! The policy: `[tool.pyrel]` in the root `pyproject.toml`, or `pyrel.toml` at the root.
//!
//! Loading is strict: an unknown key is an error naming the key (with a did-you-mean),
//! a wrong type or value names the file and line. Missing keys take the defaults below.
//! Writing (by `pyrel init`) appends one commented block and never touches the rest of
//! the user's file.

use std::path::{Path, PathBuf};

use serde::Serialize;
use toml_edit::{ImDocument, Item, Table, Value};

use crate::error::{Error, Result};
use crate::grammar::{self, TagFormat};
use crate::project::{choices, Project};
use crate::toml_util;
use crate::workspace_fs::{read_text, read_text_opt};

/// Where the policy lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum PolicySource {
    /// `[tool.pyrel]` in this pyproject.toml (relative to the root).
    Pyproject(PathBuf),
    /// A standalone `pyrel.toml`.
    PyrelToml(PathBuf),
}

impl PolicySource {
    pub(crate) fn path(&self) -> &Path {
        match self {
            PolicySource::Pyproject(p) | PolicySource::PyrelToml(p) => p,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum PublishMode {
    /// Trusted Publishing (OIDC): no long-lived secret anywhere.
    Trusted,
    /// API tokens stored as environment secrets.
    Token,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum TestPypi {
    /// Pre-releases go to TestPyPI only; finals go to PyPI.
    Prereleases,
    /// Every release goes to TestPyPI first, finals then go on to PyPI.
    All,
    /// TestPyPI is never used; pre-releases go to PyPI like finals.
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Versioning {
    /// One version for every package.
    Lockstep,
    /// Each package has its own version and its own tags (`{name}-v{version}`).
    Independent,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum BuildTool {
    Uv,
    Build,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum TestsMode {
    /// pyrel renders a test workflow; the release workflow calls it.
    Generate,
    /// The repo has its own test workflow; the release gates on its required checks.
    Existing,
}

/// The policy words of an enum key, written once: loading, `init`'s writing, messages
/// and the doctor's policy check all read them from here.
pub(crate) trait Words: Copy + PartialEq + 'static {
    const WORDS: &'static [(&'static str, Self)];

    /// The word of this value as the policy spells it.
    fn word(self) -> &'static str {
        Self::WORDS
            .iter()
            .find(|(_, v)| *v == self)
            .map_or("", |(w, _)| *w)
    }
}

impl Words for PublishMode {
    const WORDS: &'static [(&'static str, Self)] = &[
        ("trusted", PublishMode::Trusted),
        ("token", PublishMode::Token),
    ];
}

impl Words for TestPypi {
    const WORDS: &'static [(&'static str, Self)] = &[
        ("prereleases", TestPypi::Prereleases),
        ("all", TestPypi::All),
        ("never", TestPypi::Never),
    ];
}

impl Words for Versioning {
    const WORDS: &'static [(&'static str, Self)] = &[
        ("lockstep", Versioning::Lockstep),
        ("independent", Versioning::Independent),
    ];
}

impl Words for BuildTool {
    const WORDS: &'static [(&'static str, Self)] =
        &[("uv", BuildTool::Uv), ("build", BuildTool::Build)];
}

impl Words for TestsMode {
    const WORDS: &'static [(&'static str, Self)] = &[
        ("generate", TestsMode::Generate),
        ("existing", TestsMode::Existing),
    ];
}

/// Paths of the managed files; `None` means "not managed" (set to `false` in the policy).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ManagedPaths {
    pub(crate) release_workflow: Option<PathBuf>,
    pub(crate) test_workflow: Option<PathBuf>,
    pub(crate) bump_script: Option<PathBuf>,
    pub(crate) releasing_guide: Option<PathBuf>,
    pub(crate) branch_protection: Option<PathBuf>,
    pub(crate) changelog: Option<PathBuf>,
    pub(crate) gitignore: Option<PathBuf>,
}

/// The validated policy, defaults filled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Policy {
    /// `owner/repo` on GitHub, when set; else the origin remote decides.
    pub(crate) repository: Option<String>,
    pub(crate) default_branch: String,
    pub(crate) python_versions: Vec<String>,
    pub(crate) publish: PublishMode,
    pub(crate) testpypi: TestPypi,
    pub(crate) dev_builds: bool,
    pub(crate) tag_format: TagFormat,
    pub(crate) versioning: Versioning,
    pub(crate) tests: TestsMode,
    /// Status checks the branch protection requires and the release gates on. Empty
    /// means "derived": the job names of the generated test workflow.
    pub(crate) required_checks: Vec<String>,
    pub(crate) required_approvals: u32,
    pub(crate) build_tool: BuildTool,
    pub(crate) runner: String,
    pub(crate) pre_build: Vec<String>,
    pub(crate) pypi_environment: String,
    pub(crate) testpypi_environment: String,
    pub(crate) pypi_token_secret: String,
    pub(crate) testpypi_token_secret: String,
    /// Required reviewers of the PyPI environments (`pyrel github apply`): user logins
    /// and `org/team` slugs, checked by [`reviewer_grammar`].
    pub(crate) reviewers: Vec<String>,
    /// Doctor checks turned off for this repository, each with the reason why.
    pub(crate) doctor_ignore: Vec<DoctorIgnore>,
    /// Workflows that upload to PyPI on purpose beside pyrel's release workflow (a
    /// nightly index, a second channel): doctor does not report them as a second
    /// publisher. Repository paths.
    pub(crate) other_publishers: Vec<String>,
    /// Environment variables of the generated test job (see `crate::render::overrides`).
    pub(crate) test_env: std::collections::BTreeMap<String, String>,
    /// Service containers of the generated test job.
    pub(crate) test_services: std::collections::BTreeMap<String, crate::render::overrides::Service>,
    /// Action pins the user moved ahead of pyrel's (full SHA and version).
    pub(crate) action_pins: std::collections::BTreeMap<String, crate::render::overrides::ActionPin>,
    pub(crate) files: ManagedPaths,
}

/// One `doctor-ignore` entry: `{ check = "pypi-version", reason = "..." }`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct DoctorIgnore {
    /// A check id or name, as `pyrel doctor --explain` lists them.
    pub(crate) check: String,
    /// Why: shown in every doctor report, so an ignore never goes unexplained.
    pub(crate) reason: String,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            repository: None,
            default_branch: "main".into(),
            python_versions: ["3.11", "3.12", "3.13", "3.14"].map(String::from).to_vec(),
            publish: PublishMode::Trusted,
            testpypi: TestPypi::Prereleases,
            dev_builds: false,
            tag_format: TagFormat::default(),
            versioning: Versioning::Lockstep,
            tests: TestsMode::Generate,
            required_checks: Vec::new(),
            required_approvals: 1,
            build_tool: BuildTool::Uv,
            runner: "ubuntu-latest".into(),
            pre_build: Vec::new(),
            pypi_environment: "pypi".into(),
            testpypi_environment: "testpypi".into(),
            pypi_token_secret: "PYPI_API_TOKEN".into(),
            testpypi_token_secret: "TEST_PYPI_API_TOKEN".into(),
            reviewers: Vec::new(),
            doctor_ignore: Vec::new(),
            other_publishers: Vec::new(),
            test_env: Default::default(),
            test_services: Default::default(),
            action_pins: Default::default(),
            files: ManagedPaths {
                release_workflow: Some(".github/workflows/release.yml".into()),
                test_workflow: Some(".github/workflows/test.yml".into()),
                bump_script: Some("scripts/bump_version.py".into()),
                releasing_guide: Some("docs/RELEASING.md".into()),
                branch_protection: Some(".github/branch-protection.json".into()),
                changelog: Some("CHANGELOG.md".into()),
                gitignore: Some(".gitignore".into()),
            },
        }
    }
}

impl Policy {
    /// owner/repo on GitHub: the policy's `repository`, else the origin remote.
    pub(crate) fn github_repo(&self, project: &Project) -> Option<(String, String)> {
        self.repository
            .as_deref()
            .and_then(|s| s.split_once('/'))
            .map(|(owner, repo)| (owner.to_string(), repo.to_string()))
            .or_else(|| {
                project
                    .remote
                    .as_ref()
                    .map(|r| (r.owner.clone(), r.repo.clone()))
            })
    }

    /// The events pyrel's release workflow runs on: its release tags (by their fixed
    /// lead), and default-branch pushes with dev builds.
    pub(crate) fn release_triggers(&self) -> Vec<choices::Trigger> {
        let mut planned = vec![choices::Trigger::Tag(self.tag_format.lead().to_string())];
        if self.dev_builds {
            planned.push(choices::Trigger::Branch(self.default_branch.clone()));
        }
        planned
    }

    /// The web address of the repository, the one source of changelog links (bump's and
    /// the seeded changelog's): [`Policy::github_repo`] on the origin's host (GitHub
    /// otherwise).
    pub(crate) fn repository_url(&self, project: &Project) -> Option<String> {
        let (owner, repo) = self.github_repo(project)?;
        let host = project
            .remote
            .as_ref()
            .map_or("github.com", |r| r.host.as_str());
        Some(format!("https://{host}/{owner}/{repo}"))
    }
}

/// One key of the schema: its name, a one-line comment written by `init`, and how to
/// read it. The order here is the order `init` writes.
struct KeySpec {
    key: &'static str,
    comment: &'static str,
    apply: fn(&mut Policy, &Value) -> std::result::Result<(), String>,
    show: fn(&Policy) -> Option<Value>,
}

const KEYS: &[KeySpec] = &[
    KeySpec {
        key: "repository",
        comment: "GitHub owner/repo; by default read from the `origin` remote.",
        apply: |p, v| {
            let s = v.as_str().ok_or("expected \"owner/repo\"")?;
            grammar::github_repo(s)?;
            p.repository = Some(s.to_string());
            Ok(())
        },
        show: |p| p.repository.as_deref().map(Value::from),
    },
    KeySpec {
        key: "default-branch",
        comment: "Branch releases are cut from; branch protection applies to it.",
        apply: |p, v| set_checked(&mut p.default_branch, v, grammar::branch_name),
        show: |p| Some(Value::from(p.default_branch.as_str())),
    },
    KeySpec {
        key: "python-versions",
        comment: "Python versions the tests run on; the last one builds the release.",
        apply: |p, v| {
            let list = string_list(v)?;
            if list.is_empty() {
                return Err("needs at least one Python version".into());
            }
            for s in &list {
                if !is_python_version(s) {
                    return Err(format!(
                        "`{s}` is not a Python version like \"3.12\" (or \"3.13t\", \"pypy3.10\")"
                    ));
                }
            }
            p.python_versions = list;
            Ok(())
        },
        show: |p| Some(string_array(&p.python_versions)),
    },
    KeySpec {
        key: "publish",
        comment: "\"trusted\" (Trusted Publishing, no secrets) or \"token\" (API tokens in environment secrets).",
        apply: |p, v| {
            p.publish = one_of(v, PublishMode::WORDS)?;
            Ok(())
        },
        show: |p| Some(Value::from(p.publish.word())),
    },
    KeySpec {
        key: "testpypi",
        comment: "\"prereleases\" (pre-releases to TestPyPI only), \"all\" (TestPyPI before every PyPI upload) or \"never\".",
        apply: |p, v| {
            p.testpypi = one_of(v, TestPypi::WORDS)?;
            Ok(())
        },
        show: |p| Some(Value::from(p.testpypi.word())),
    },
    KeySpec {
        key: "dev-builds",
        comment: "Publish a .devN build to TestPyPI on every push to the default branch.",
        apply: |p, v| {
            p.dev_builds = v.as_bool().ok_or("expected true or false")?;
            Ok(())
        },
        show: |p| Some(Value::from(p.dev_builds)),
    },
    KeySpec {
        key: "tag-format",
        comment: "Release tag; {version} is the PEP 440 version ({name}, the package, or {dir}, its directory, too with independent versioning).",
        apply: |p, v| {
            p.tag_format = TagFormat::new(v.as_str().ok_or("expected a string")?)?;
            Ok(())
        },
        show: |p| Some(Value::from(p.tag_format.as_str())),
    },
    KeySpec {
        key: "versioning",
        comment: "\"lockstep\" (one version for all packages) or \"independent\".",
        apply: |p, v| {
            p.versioning = one_of(v, Versioning::WORDS)?;
            Ok(())
        },
        show: |p| Some(Value::from(p.versioning.word())),
    },
    KeySpec {
        key: "tests",
        comment: "\"generate\" (pyrel writes the test workflow) or \"existing\" (gate on the repo's own checks).",
        apply: |p, v| {
            p.tests = one_of(v, TestsMode::WORDS)?;
            Ok(())
        },
        show: |p| Some(Value::from(p.tests.word())),
    },
    KeySpec {
        key: "required-checks",
        comment: "Status checks required on the default branch and before publishing ([] = the generated test jobs).",
        apply: |p, v| {
            let list = string_list(v)?;
            for s in &list {
                grammar::check_name(s)?;
            }
            p.required_checks = list;
            Ok(())
        },
        show: |p| Some(string_array(&p.required_checks)),
    },
    KeySpec {
        key: "required-approvals",
        comment: "Approving reviews required on pull requests to the default branch.",
        apply: |p, v| {
            let n = v.as_integer().ok_or("expected a whole number")?;
            p.required_approvals = u32::try_from(n)
                .ok()
                .filter(|n| *n <= 6)
                .ok_or("expected a number from 0 to 6 (GitHub's range)")?;
            Ok(())
        },
        show: |p| Some(Value::from(i64::from(p.required_approvals))),
    },
    KeySpec {
        key: "build-tool",
        comment: "\"uv\" (uv build) or \"build\" (python -m build).",
        apply: |p, v| {
            p.build_tool = one_of(v, BuildTool::WORDS)?;
            Ok(())
        },
        show: |p| Some(Value::from(p.build_tool.word())),
    },
    KeySpec {
        key: "runner",
        comment: "GitHub Actions runner label for every job: a Linux runner (macOS and Windows are refused).",
        apply: |p, v| set_checked(&mut p.runner, v, runner_grammar),
        show: |p| Some(Value::from(p.runner.as_str())),
    },
    KeySpec {
        key: "pre-build",
        comment: "Shell commands run in the build job before building (e.g. generating files).",
        apply: |p, v| {
            let list = string_list(v)?;
            for s in &list {
                grammar::printable_text(s, 1000)
                    .map_err(|why| format!("command `{}`: {why}", grammar::shown(s)))?;
            }
            p.pre_build = list;
            Ok(())
        },
        show: |p| Some(string_array(&p.pre_build)),
    },
    KeySpec {
        key: "pypi-environment",
        comment: "GitHub deployment environment of the PyPI upload job.",
        apply: |p, v| set_checked(&mut p.pypi_environment, v, grammar::environment_name),
        show: |p| Some(Value::from(p.pypi_environment.as_str())),
    },
    KeySpec {
        key: "testpypi-environment",
        comment: "GitHub deployment environment of the TestPyPI upload job.",
        apply: |p, v| set_checked(&mut p.testpypi_environment, v, grammar::environment_name),
        show: |p| Some(Value::from(p.testpypi_environment.as_str())),
    },
    KeySpec {
        key: "pypi-token-secret",
        comment: "Token mode: the secret holding the PyPI API token (in the PyPI environment).",
        apply: |p, v| set_checked(&mut p.pypi_token_secret, v, grammar::secret_name),
        show: |p| Some(Value::from(p.pypi_token_secret.as_str())),
    },
    KeySpec {
        key: "testpypi-token-secret",
        comment: "Token mode: the secret holding the TestPyPI API token (in the TestPyPI environment).",
        apply: |p, v| set_checked(&mut p.testpypi_token_secret, v, grammar::secret_name),
        show: |p| Some(Value::from(p.testpypi_token_secret.as_str())),
    },
    KeySpec {
        key: "reviewers",
        comment: "Required reviewers of the PyPI environments (`pyrel github apply`): logins and \"org/team\" slugs.",
        apply: |p, v| {
            let list = string_list(v)?;
            if list.len() > 6 {
                return Err("GitHub allows at most 6 required reviewers".into());
            }
            for r in &list {
                reviewer_grammar(r)?;
            }
            p.reviewers = list;
            Ok(())
        },
        show: |p| Some(string_array(&p.reviewers)),
    },
    KeySpec {
        key: "other-publishers",
        comment: "Workflows that upload to PyPI on purpose beside pyrel's release workflow (a nightly index), e.g. [\".github/workflows/nightly.yml\"].",
        apply: |p, v| {
            let list = string_list(v)?;
            for s in &list {
                grammar::repo_path(s)?;
            }
            p.other_publishers = list;
            Ok(())
        },
        show: |p| Some(string_array(&p.other_publishers)),
    },
    KeySpec {
        key: "doctor-ignore",
        comment: "Doctor checks to skip, each with a reason, e.g. [{ check = \"pypi-version\", reason = \"private index\" }].",
        apply: |p, v| {
            p.doctor_ignore = doctor_ignores(v)?;
            Ok(())
        },
        show: |p| {
            let mut arr = toml_edit::Array::new();
            for i in &p.doctor_ignore {
                let mut t = toml_edit::InlineTable::new();
                t.insert("check", Value::from(i.check.as_str()));
                t.insert("reason", Value::from(i.reason.as_str()));
                arr.push(Value::InlineTable(t));
            }
            Some(Value::Array(arr))
        },
    },
    KeySpec {
        key: "test-env",
        comment: "Environment variables of the generated test job (no name the runner reserves or the workflow sets itself), e.g. { DATABASE_URL = \"postgresql://localhost/test\" }.",
        apply: |p, v| {
            p.test_env = crate::render::overrides::parse_test_env(v)?;
            Ok(())
        },
        show: |p| Some(crate::render::overrides::show_test_env(&p.test_env)),
    },
    KeySpec {
        key: "test-services",
        comment: "Service containers of the test job, e.g. { postgres = { image = \"postgres:17@sha256:...\", ports = [\"5432:5432\"] } }.",
        apply: |p, v| {
            p.test_services = crate::render::overrides::parse_test_services(v)?;
            Ok(())
        },
        show: |p| Some(crate::render::overrides::show_test_services(&p.test_services)),
    },
    KeySpec {
        key: "action-pins",
        comment: "Pins that replace pyrel's, e.g. { \"actions/checkout\" = \"<40-hex sha> # v7.1.0\" }.",
        apply: |p, v| {
            p.action_pins = crate::render::overrides::parse_action_pins(v)?;
            Ok(())
        },
        show: |p| Some(crate::render::overrides::show_action_pins(&p.action_pins)),
    },
];

/// `doctor-ignore`: an array of `{ check, reason }` tables (inline, or `[[...doctor-ignore]]`).
fn doctor_ignores(v: &Value) -> std::result::Result<Vec<DoctorIgnore>, String> {
    let arr = v
        .as_array()
        .ok_or("expected an array of { check = \"NAME\", reason = \"WHY\" } tables")?;
    let mut out = Vec::new();
    for item in arr.iter() {
        let t = item
            .as_inline_table()
            .ok_or("expected an array of { check = \"NAME\", reason = \"WHY\" } tables")?;
        for (k, _) in t.iter() {
            if k != "check" && k != "reason" {
                return Err(format!(
                    "unknown key `{k}` in a doctor-ignore entry (expected check and reason)"
                ));
            }
        }
        let check = t
            .get("check")
            .and_then(Value::as_str)
            .ok_or("each doctor-ignore entry needs `check = \"NAME\"`")?;
        let Some(code) = crate::codes::Code::lookup(check) else {
            return Err(match crate::codes::Code::suggest(check) {
                Some(c) => format!("no doctor check `{check}`; did you mean `{}`?", c.name()),
                None => format!("no doctor check `{check}` (see `pyrel doctor --explain`)"),
            });
        };
        let reason = t.get("reason").and_then(Value::as_str).unwrap_or("").trim();
        if reason.is_empty() {
            return Err(format!(
                "doctor-ignore of `{}` needs a non-empty `reason`",
                code.name()
            ));
        }
        if reason.chars().any(char::is_control) {
            return Err(
                "a doctor-ignore reason must not contain control characters or newlines".into(),
            );
        }
        out.push(DoctorIgnore {
            check: check.to_string(),
            reason: reason.to_string(),
        });
    }
    Ok(out)
}

/// `files.KEY` for each file key, as problem locations.
const FILE_PROBLEM_KEYS: &[&str] = &[
    "files.release-workflow",
    "files.test-workflow",
    "files.bump-script",
    "files.releasing-guide",
    "files.branch-protection",
    "files.changelog",
    "files.gitignore",
];

/// Keys of the `files` sub-table: the managed files and where they go (`false`: not managed).
const FILE_KEYS: &[(&str, &str)] = &[
    (
        "release-workflow",
        "build, gate on tests, publish, GitHub Release",
    ),
    ("test-workflow", "only written when tests = \"generate\""),
    (
        "bump-script",
        "stdlib-only version bump script for teammates and CI",
    ),
    ("releasing-guide", "this repo's release guide"),
    (
        "branch-protection",
        "the protection the default branch should have",
    ),
    ("changelog", "seeded once, then yours"),
    (
        "gitignore",
        "pyrel keeps a marked block of credential ignores here",
    ),
];

fn file_slot<'a>(files: &'a mut ManagedPaths, key: &str) -> Option<&'a mut Option<PathBuf>> {
    Some(match key {
        "release-workflow" => &mut files.release_workflow,
        "test-workflow" => &mut files.test_workflow,
        "bump-script" => &mut files.bump_script,
        "releasing-guide" => &mut files.releasing_guide,
        "branch-protection" => &mut files.branch_protection,
        "changelog" => &mut files.changelog,
        "gitignore" => &mut files.gitignore,
        _ => return None,
    })
}

/// A string key checked by its grammar.
fn set_checked(
    slot: &mut String,
    v: &Value,
    check: fn(&str) -> std::result::Result<(), String>,
) -> std::result::Result<(), String> {
    let s = v.as_str().ok_or("expected a string")?;
    check(s)?;
    *slot = s.to_string();
    Ok(())
}

/// A runner label the rendered workflows can run on. Their release tools are pinned by
/// hash for Linux wheels and their steps are bash, so a GitHub-hosted macOS or Windows
/// label would render a workflow that fails on release day: refused where it enters.
/// Any other label (Ubuntu images, self-hosted labels) is taken to be a Linux runner.
pub(crate) fn runner_grammar(s: &str) -> std::result::Result<(), String> {
    grammar::runner_label(s)?;
    let lower = s.to_ascii_lowercase();
    if ["macos", "windows"].iter().any(|os| lower.starts_with(os)) {
        return Err(format!(
            "`{s}` is not a runner pyrel's workflows can use: their release tools are pinned by hash for Linux and their steps are bash; use an Ubuntu runner (`ubuntu-latest`, `ubuntu-24.04`, `ubuntu-24.04-arm`) or a Linux self-hosted label"
        ));
    }
    Ok(())
}

/// A required reviewer: a GitHub login (`octocat`: letters, digits and single hyphens,
/// at most 39) or a team as `org/team-slug`. These reach API paths, so nothing else passes.
pub(crate) fn reviewer_grammar(s: &str) -> std::result::Result<(), String> {
    fn login(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 39
            && !s.starts_with('-')
            && !s.contains("--")
            && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
    }
    fn slug(s: &str) -> bool {
        !s.is_empty()
            && s.len() <= 100
            && s.starts_with(|c: char| c.is_ascii_alphanumeric())
            && s.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
    }
    let ok = match s.split_once('/') {
        Some((org, team)) => login(org) && slug(team),
        None => login(s),
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not a GitHub login or an \"org/team\" slug"
        ))
    }
}

fn string_list(v: &Value) -> std::result::Result<Vec<String>, String> {
    let arr = v.as_array().ok_or("expected an array of strings")?;
    arr.iter()
        .map(|x| {
            let s = x.as_str().ok_or("expected an array of strings")?;
            if s.chars().any(|c| c.is_control()) {
                return Err("entries must not contain control characters or newlines".to_string());
            }
            Ok(s.to_string())
        })
        .collect()
}

fn string_array(list: &[String]) -> Value {
    Value::Array(list.iter().map(String::as_str).collect())
}

fn one_of<T: Copy>(v: &Value, options: &[(&str, T)]) -> std::result::Result<T, String> {
    let names = || {
        options
            .iter()
            .map(|(n, _)| format!("\"{n}\""))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let s = v
        .as_str()
        .ok_or_else(|| format!("expected one of {}", names()))?;
    options
        .iter()
        .find(|(n, _)| *n == s)
        .map(|(_, t)| *t)
        .ok_or_else(|| format!("`{s}` is not one of {}", names()))
}

fn is_python_version(s: &str) -> bool {
    let s = s.strip_prefix("pypy").unwrap_or(s);
    let s = s.strip_suffix('t').unwrap_or(s);
    let mut parts = s.split('.');
    matches!((parts.next(), parts.next(), parts.next()),
        (Some(a), Some(b), None) if a == "3" && !b.is_empty() && b.chars().all(|c| c.is_ascii_digit()))
}

/// The closest known key, for "did you mean".
fn did_you_mean<'a>(key: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (strsim::jaro_winkler(key, k), k))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, k)| k)
}

/// Finds the policy of a project: `[tool.pyrel]` in the root pyproject.toml, else
/// `pyrel.toml`. `Ok(None)` when there is none.
pub(crate) fn locate(root: &Path) -> Result<Option<(PolicySource, String)>> {
    let pyproject = root.join("pyproject.toml");
    if let Some(text) = read_text_opt(&pyproject)? {
        let doc = toml_util::parse(Path::new("pyproject.toml"), &text)?;
        if doc
            .get("tool")
            .and_then(Item::as_table_like)
            .and_then(|t| t.get("pyrel"))
            .is_some()
        {
            return Ok(Some((
                PolicySource::Pyproject("pyproject.toml".into()),
                text,
            )));
        }
    }
    let pyrel_toml = root.join("pyrel.toml");
    if let Some(text) = read_text_opt(&pyrel_toml)? {
        return Ok(Some((PolicySource::PyrelToml("pyrel.toml".into()), text)));
    }
    Ok(None)
}

/// Loads the project's policy; a repo without one gets the defaults. Every key is
/// checked while parsing; then [`problems`] checks the keys together and against the
/// repository, and its first error stops the load (exit 2, file and line).
pub fn load(project: &Project) -> Result<(Policy, Option<PolicySource>)> {
    match locate(&project.root)? {
        Some((source, text)) => {
            let policy = parse(&source, &text)?;
            if let Some(p) = problems(&policy, project)
                .into_iter()
                .find(|p| p.level == Level::Error)
            {
                return Err(Error::Policy {
                    path: source.path().to_path_buf(),
                    line: p.key.and_then(|k| key_line(&source, &text, k)),
                    message: p.message,
                    hint: p.hint,
                });
            }
            Ok((policy, Some(source)))
        }
        None => Ok((Policy::default(), None)),
    }
}

/// How serious a policy problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Level {
    /// The policy cannot be used: loading fails.
    Error,
    Warning,
    Info,
}

/// A problem of a loaded policy, located at a key (`files.changelog` for a file key).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Problem {
    pub(crate) level: Level,
    pub(crate) key: Option<&'static str>,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

/// The one validator of a parsed policy: how its keys fit together and the repository.
/// Loading fails on the first error; `pyrel doctor`'s policy check reports every
/// problem as a finding. (Each key's own grammar is checked while parsing.)
pub(crate) fn problems(policy: &Policy, project: &Project) -> Vec<Problem> {
    let mut out = Vec::new();
    let mut add = |level, key, message: &str, hint: &str| {
        out.push(Problem {
            level,
            key,
            message: message.to_string(),
            hint: Some(hint.to_string()),
        })
    };
    if project.packages.is_empty() {
        add(
            Level::Error,
            None,
            "the repository has no Python package to release",
            "add a [project] table with a name and a version to a pyproject.toml",
        );
    }
    if policy.tests == TestsMode::Existing && policy.required_checks.is_empty() {
        add(
            Level::Error,
            Some("tests"),
            "tests = \"existing\" but required-checks is empty: the release would gate on nothing",
            "list the names of your test jobs in required-checks, e.g. [\"test (3.12)\"], or set tests = \"generate\"",
        );
    }
    if policy.files.release_workflow.is_some() && policy.files.bump_script.is_none() {
        add(
            Level::Error,
            Some("files.bump-script"),
            "the release workflow needs the bump script (files.bump-script = false): its jobs run the script's `route` and `notes`",
            "set files.bump-script to a path (default \"scripts/bump_version.py\"), or set files.release-workflow = false",
        );
    }
    if policy.versioning == Versioning::Independent && project.packages.len() < 2 {
        add(
            Level::Info,
            Some("versioning"),
            "versioning = \"independent\" with a single package: tags carry the package name for nothing",
            "versioning = \"lockstep\" with tag-format = \"v{version}\" is simpler",
        );
    }
    if policy.publish == PublishMode::Token {
        add(
            Level::Info,
            Some("publish"),
            "publish = \"token\": long-lived PyPI tokens are stored as secrets",
            "Trusted Publishing (publish = \"trusted\") needs no secret at all",
        );
    }
    if policy.files.release_workflow.is_none() {
        add(
            Level::Warning,
            Some("files.release-workflow"),
            "files.release-workflow = false: pyrel does not manage the release workflow",
            "the release-workflow check still inspects the workflows on disk",
        );
    }
    // A managed path must never be a file pyrel reads as input: a manifest or a
    // version file of a package.
    let inputs: Vec<String> = project
        .packages
        .iter()
        .flat_map(|p| {
            std::iter::once(crate::workspace_fs::slash(&p.manifest)).chain(
                p.version_sources
                    .iter()
                    .map(|s| crate::workspace_fs::slash(&s.path)),
            )
        })
        .collect();
    let mut files = policy.files.clone();
    for (key, _) in FILE_KEYS {
        let Some(Some(path)) = file_slot(&mut files, key).map(|s| s.clone()) else {
            continue;
        };
        let path = crate::workspace_fs::slash(&path);
        if inputs.iter().any(|i| i.eq_ignore_ascii_case(&path)) {
            out.push(Problem {
                level: Level::Error,
                key: FILE_PROBLEM_KEYS.iter().copied().find(|k| k.ends_with(key)),
                message: format!(
                    "files.{key} = \"{path}\" is a file of a package (its manifest or version file); pyrel would overwrite it"
                ),
                hint: Some("pick a path of its own for the managed file".into()),
            });
        }
    }
    out
}

/// The 1-based line of a policy key (`files.KEY` for a file key) in the policy text.
pub(crate) fn key_line(source: &PolicySource, text: &str, key: &str) -> Option<usize> {
    let doc = ImDocument::parse(text.to_owned()).ok()?;
    let mut table = match source {
        PolicySource::Pyproject(_) => doc.get("tool")?.get("pyrel")?.as_table_like()?,
        PolicySource::PyrelToml(_) => doc.as_table() as &dyn toml_edit::TableLike,
    };
    let mut parts = key.split('.').peekable();
    while let Some(part) = parts.next() {
        if parts.peek().is_none() {
            let span = table.key(part).and_then(|k| k.span())?;
            return toml_util::line_of(text, Some(span));
        }
        table = table.get(part)?.as_table_like()?;
    }
    None
}

/// The policy text with `action-pins` set to `pins` (the pins `generate` adopts from a
/// bot's pull request). Only that key's value changes: comments, order and every other
/// key stay as the user wrote them.
pub(crate) fn with_action_pins(
    source: &PolicySource,
    text: &str,
    pins: &std::collections::BTreeMap<String, crate::render::overrides::ActionPin>,
) -> Result<String> {
    let path = source.path();
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        Error::usage(format!("{}: {}", path.display(), e.message()), None)
    })?;
    let table: &mut dyn toml_edit::TableLike = match source {
        PolicySource::Pyproject(_) => doc
            .get_mut("tool")
            .and_then(|t| t.get_mut("pyrel"))
            .and_then(Item::as_table_like_mut)
            .ok_or_else(|| {
                Error::usage(format!("{}: no [tool.pyrel] table", path.display()), None)
            })?,
        PolicySource::PyrelToml(_) => doc.as_table_mut(),
    };
    let value = crate::render::overrides::show_action_pins(pins);
    match table.get_mut("action-pins").and_then(Item::as_value_mut) {
        Some(v) => {
            let decor = v.decor().clone();
            *v = value;
            *v.decor_mut() = decor;
        }
        None => {
            table.insert("action-pins", Item::Value(value));
        }
    }
    Ok(doc.to_string())
}

/// Parses the policy text of a source (the whole pyproject.toml or pyrel.toml).
pub(crate) fn parse(source: &PolicySource, text: &str) -> Result<Policy> {
    let path = source.path();
    let doc: ImDocument<String> = toml_util::parse(path, text)?;
    let table: &Table = match source {
        PolicySource::Pyproject(_) => {
            match doc
                .get("tool")
                .and_then(|t| t.get("pyrel"))
                .map(|i| (i, i.as_table()))
            {
                Some((_, Some(t))) => t,
                Some((item, None)) => {
                    return Err(policy_err(
                        path,
                        text,
                        item.span(),
                        "[tool.pyrel] must be a table".into(),
                        None,
                    ))
                }
                None => return Ok(Policy::default()),
            }
        }
        PolicySource::PyrelToml(_) => doc.as_table(),
    };
    let mut policy = Policy::default();
    for (key, item) in table.iter() {
        let span = table
            .key(key)
            .and_then(|k| k.span())
            .or_else(|| item.span());
        if let Some(m) = expression_in(item) {
            return Err(policy_err(path, text, span, format!("`{key}`: {m}"), None));
        }
        if key == "files" {
            let Some(files) = item.as_table_like() else {
                return Err(policy_err(
                    path,
                    text,
                    span,
                    "`files` must be a table".into(),
                    None,
                ));
            };
            for (fkey, fitem) in files.iter() {
                let fspan = files
                    .key(fkey)
                    .and_then(|k| k.span())
                    .or_else(|| fitem.span());
                let Some(slot) = file_slot(&mut policy.files, fkey) else {
                    let hint = did_you_mean(fkey, FILE_KEYS.iter().map(|(k, _)| *k))
                        .map(|k| format!("did you mean `files.{k}`?"));
                    return Err(policy_err(
                        path,
                        text,
                        fspan,
                        format!("unknown policy key `files.{fkey}`"),
                        hint,
                    ));
                };
                *slot = match fitem.as_value() {
                    Some(Value::Boolean(b)) if !*b.value() => None,
                    Some(Value::String(s)) if !s.value().trim().is_empty() => {
                        grammar::repo_path(s.value()).map_err(|m| {
                            policy_err(path, text, fspan, format!("`files.{fkey}`: {m}"), None)
                        })?;
                        Some(PathBuf::from(s.value()))
                    }
                    _ => {
                        return Err(policy_err(
                            path,
                            text,
                            fspan,
                            format!("`files.{fkey}`: expected a relative path or false"),
                            None,
                        ))
                    }
                };
            }
            continue;
        }
        if key == "packages" {
            // Package include/exclude globs: discovery reads and validates them (every
            // verb discovers first), so the policy only has to accept the key.
            continue;
        }
        let Some(spec) = KEYS.iter().find(|k| k.key == key) else {
            let hint = did_you_mean(key, accepted_keys()).map(|k| format!("did you mean `{k}`?"));
            return Err(policy_err(
                path,
                text,
                span,
                format!("unknown policy key `{key}`"),
                hint.or_else(|| Some(format!("known keys: {}", known_keys()))),
            ));
        };
        // `[[tool.pyrel.doctor-ignore]]` is an array of tables: read it as the
        // equivalent array of inline tables.
        let converted = item
            .as_array_of_tables()
            .and_then(|_| item.clone().into_value().ok());
        let Some(value) = item.as_value().or(converted.as_ref()) else {
            return Err(policy_err(
                path,
                text,
                span,
                format!("`{key}` must be a value, not a table"),
                None,
            ));
        };
        (spec.apply)(&mut policy, value)
            .map_err(|m| policy_err(path, text, span, format!("`{key}`: {m}"), None))?;
    }
    check_tag_format(&policy).map_err(|m| {
        let span = table.key("tag-format").and_then(|k| k.span());
        policy_err(path, text, span, m, None)
    })?;
    check_files(&policy).map_err(|m| {
        let span = table.key("files").and_then(|k| k.span());
        policy_err(path, text, span, m, None)
    })?;
    Ok(policy)
}

/// A `${{` in any string of a policy value, however deep: refused, never escaped.
fn expression_in(item: &Item) -> Option<String> {
    fn value(v: &Value) -> Option<String> {
        match v {
            Value::String(s) => grammar::no_expression(s.value()).err(),
            Value::Array(a) => a.iter().find_map(value),
            Value::InlineTable(t) => t
                .iter()
                .find_map(|(k, v)| grammar::no_expression(k).err().or_else(|| value(v))),
            _ => None,
        }
    }
    match item {
        Item::Value(v) => value(v),
        Item::Table(t) => t
            .iter()
            .find_map(|(k, i)| grammar::no_expression(k).err().or_else(|| expression_in(i))),
        Item::ArrayOfTables(a) => a.iter().find_map(|t| {
            t.iter()
                .find_map(|(k, i)| grammar::no_expression(k).err().or_else(|| expression_in(i)))
        }),
        Item::None => None,
    }
}

/// Managed paths never overlap each other, and never name a file pyrel reads as input
/// or keeps for itself (the policy, `pyproject.toml`, the lock).
fn check_files(policy: &Policy) -> std::result::Result<(), String> {
    let mut files = policy.files.clone();
    let mut named: Vec<(&str, String)> = Vec::new();
    for (key, _) in FILE_KEYS {
        if let Some(Some(p)) = file_slot(&mut files, key).map(|s| s.clone()) {
            named.push((key, crate::workspace_fs::slash(&p)));
        }
    }
    for (key, p) in &named {
        let last = p.rsplit('/').next().unwrap_or(p);
        if [
            "pyproject.toml",
            "pyrel.toml",
            "uv.lock",
            "setup.py",
            "setup.cfg",
        ]
        .iter()
        .any(|r| last.eq_ignore_ascii_case(r))
            || p.eq_ignore_ascii_case(crate::workspace_fs::LOCK_PATH)
        {
            return Err(format!(
                "`files.{key}` = \"{p}\" names a file pyrel reads or keeps for itself; pick another path"
            ));
        }
    }
    let pairs: Vec<(&str, &str)> = named.iter().map(|(k, p)| (*k, p.as_str())).collect();
    let lock = [("(pyrel's lock)", crate::workspace_fs::LOCK_PATH)];
    let all: Vec<(&str, &str)> = pairs.iter().copied().chain(lock).collect();
    if let Some((a, b)) = grammar::overlapping(&all) {
        return Err(format!(
            "`files.{a}` and `files.{b}` overlap: two managed files cannot share a path or be inside one another"
        ));
    }
    Ok(())
}

fn check_tag_format(policy: &Policy) -> std::result::Result<(), String> {
    if policy.dev_builds && policy.versioning == Versioning::Independent {
        return Err(
            "`dev-builds` needs versioning = \"lockstep\": a push to the default branch has no single version to publish"
                .into(),
        );
    }
    let f = &policy.tag_format;
    if policy.versioning == Versioning::Lockstep && f.names_package() {
        return Err(format!(
            "`tag-format` = \"{f}\" names the package ({{name}} or {{dir}}) but versioning is \"lockstep\" (one tag for all packages): use \"v{{version}}\", or set versioning = \"independent\""
        ));
    }
    if policy.versioning == Versioning::Independent && !f.names_package() {
        return Err(format!(
            "`tag-format` = \"{f}\" must contain {{name}} (or {{dir}}) with independent versioning, e.g. \"{{name}}-v{{version}}\""
        ));
    }
    Ok(())
}

fn policy_err(
    path: &Path,
    text: &str,
    span: Option<std::ops::Range<usize>>,
    message: String,
    hint: impl Into<Option<String>>,
) -> Error {
    let hint: Option<String> = hint.into();
    Error::Policy {
        path: path.to_path_buf(),
        line: toml_util::line_of(text, span),
        message,
        hint,
    }
}

/// Every top-level key the policy accepts: the schema, the `files` table and the
/// `packages` globs (read by discovery).
pub(crate) fn accepted_keys() -> impl Iterator<Item = &'static str> {
    KEYS.iter().map(|k| k.key).chain(["files", "packages"])
}

fn known_keys() -> String {
    accepted_keys().collect::<Vec<_>>().join(", ")
}

/// Applies a `--set key=value` override. The value is TOML (`true`, `["3.12"]`,
/// `"token"`); a bare word is taken as a string.
pub(crate) fn apply_override(policy: &mut Policy, assignment: &str) -> Result<()> {
    let (key, raw) = assignment.split_once('=').ok_or_else(|| {
        Error::usage(
            format!("--set {assignment}: expected KEY=VALUE"),
            Some("e.g. --set publish=token or --set 'python-versions=[\"3.12\",\"3.13\"]'"),
        )
    })?;
    let key = key.trim();
    let raw = raw.trim();
    let value: Value = raw.parse::<Value>().unwrap_or_else(|_| Value::from(raw));
    if let Some(fkey) = key.strip_prefix("files.") {
        let slot = file_slot(&mut policy.files, fkey)
            .ok_or_else(|| Error::usage(format!("--set: unknown policy key `{key}`"), None))?;
        *slot = match &value {
            Value::Boolean(b) if !*b.value() => None,
            Value::String(s) => {
                grammar::repo_path(s.value())
                    .map_err(|m| Error::usage(format!("--set {key}: {m}"), None))?;
                Some(PathBuf::from(s.value()))
            }
            _ => {
                return Err(Error::usage(
                    format!("--set {key}: expected a path or false"),
                    None,
                ))
            }
        };
        return Ok(());
    }
    let spec = KEYS.iter().find(|k| k.key == key).ok_or_else(|| {
        let hint = did_you_mean(key, KEYS.iter().map(|k| k.key))
            .map(|k| format!("did you mean `{k}`?"))
            .unwrap_or_else(|| format!("known keys: {}", known_keys()));
        Error::Usage {
            message: format!("--set: unknown policy key `{key}`"),
            hint: Some(hint),
        }
    })?;
    (spec.apply)(policy, &value).map_err(|m| Error::usage(format!("--set {key}: {m}"), None))
}

/// The policy pyrel proposes for a repository without one: the detection layer decides
/// ([`crate::project::choices`]), this maps the choices onto policy keys. What `init`
/// writes, and what `doctor` judges by before there is a policy.
pub(crate) fn proposed(project: &Project) -> (Policy, choices::Choices) {
    let mut policy = Policy::default();
    if let Some(branch) = crate::project::git::default_branch(&project.root) {
        // A branch name from git enters like a policy value: only a valid one is kept.
        if grammar::branch_name(&branch).is_ok() {
            policy.default_branch = branch;
        }
    }
    // The repository's own changelog: the file towncrier builds, or one under a common
    // name; Keep a Changelog's CHANGELOG.md only when there is none.
    if let Some(t) = &project.towncrier {
        policy.files.changelog = Some(t.filename.clone());
    } else if let Some(found) = project.changelogs.first() {
        policy.files.changelog = Some(found.clone());
    }
    let today = jiff::Zoned::now().date().to_string();
    let c = choices::choose(project, &today, &policy.default_branch);
    if let Some(versions) = &c.python_versions {
        policy.python_versions = versions.clone();
    }
    if c.independent {
        policy.versioning = Versioning::Independent;
        policy.tag_format = TagFormat::per_package();
    }
    if let Some(format) = &c.tag_format {
        let mut candidate = policy.clone();
        let assignment = format!("tag-format={}", toml_edit::Value::from(format.as_str()));
        if apply_override(&mut candidate, &assignment).is_ok()
            && check_overrides(&candidate).is_ok()
        {
            policy = candidate;
        }
    }
    if !c.existing_checks.is_empty() {
        policy.tests = TestsMode::Existing;
        policy.required_checks = c.existing_checks.clone();
    }
    (policy, c)
}

/// The default branch git names (origin's HEAD, else the checked-out branch) when pyrel
/// cannot use it, with why: a name outside [`grammar::branch_name`] never reaches a
/// workflow. [`proposed`] then keeps pyrel's default, and `init` refuses unless the user
/// names the branch with `--set default-branch=`.
pub(crate) fn unusable_default_branch(project: &Project) -> Option<(String, String)> {
    let branch = crate::project::git::default_branch(&project.root)?;
    grammar::branch_name(&branch).err().map(|why| (branch, why))
}

/// Checks between keys, after every `--set` is applied (their order does not matter).
pub(crate) fn check_overrides(policy: &Policy) -> Result<()> {
    check_tag_format(policy)
        .and_then(|()| check_files(policy))
        .map_err(|m| Error::usage(format!("--set: {m}"), None))
}

/// The policy as the commented TOML body `init` writes (keys only, no table header).
pub(crate) fn render_body(policy: &Policy) -> String {
    let mut out = String::new();
    for spec in KEYS {
        match (spec.show)(policy) {
            Some(v) => out.push_str(&format!("# {}\n{} = {}\n", spec.comment, spec.key, v)),
            // Unset optional keys are written commented out, so users see they exist.
            None => out.push_str(&format!("# {}\n# {} = \"\"\n", spec.comment, spec.key)),
        }
    }
    out
}

/// The `packages` key init writes, or nothing: `include` lists every released package
/// directory when a publishing workflow alone decided one of them, `exclude` the
/// directories of duplicate names it left out.
pub(crate) fn render_packages(include: &[String], exclude: &[String]) -> String {
    let list = |dirs: &[String]| -> String {
        dirs.iter()
            .map(|d| Value::from(if d.is_empty() { "." } else { d.as_str() }).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = Vec::new();
    if !include.is_empty() {
        parts.push(format!("include = [{}]", list(include)));
    }
    if !exclude.is_empty() {
        parts.push(format!("exclude = [{}]", list(exclude)));
    }
    if parts.is_empty() {
        return String::new();
    }
    format!(
        "# What `pyrel init` decided from the repository's publishing workflows and duplicate names.\npackages = {{ {} }}\n",
        parts.join(", ")
    )
}

/// The `files` sub-table body.
pub(crate) fn render_files(policy: &Policy) -> String {
    let mut files = policy.files.clone();
    let mut out = String::new();
    for (key, comment) in FILE_KEYS {
        let value = file_slot(&mut files, key)
            .and_then(|s| {
                s.as_ref()
                    .map(|p| Value::from(crate::workspace_fs::slash(p)))
            })
            .unwrap_or_else(|| Value::from(false));
        out.push_str(&format!("{key} = {value}  # {comment}\n"));
    }
    out
}

/// Writes the policy into its file: a new `[tool.pyrel]` block appended to the root
/// pyproject.toml (everything else byte-identical), or a new `pyrel.toml`. Returns the
/// path (relative) and the new full text.
/// `include` and `exclude` are what init decided from evidence a replaced workflow may
/// take away (see [`render_packages`]): written down, the decision outlives it.
pub(crate) fn render_into(
    root: &Path,
    policy: &Policy,
    (include, exclude): (&[String], &[String]),
) -> Result<(PathBuf, String)> {
    let pyproject = root.join("pyproject.toml");
    let header = "# pyrel: release policy. Change a value, then run `pyrel generate`.\n";
    if pyproject.is_file() {
        let text = read_text(&pyproject)?;
        toml_util::parse(Path::new("pyproject.toml"), &text)?;
        let mut out = text.clone();
        if !out.is_empty() && !out.ends_with('\n') {
            out.push('\n');
        }
        if !out.is_empty() && !out.ends_with("\n\n") {
            out.push('\n');
        }
        out.push_str(header);
        out.push_str("[tool.pyrel]\n");
        out.push_str(&render_body(policy));
        out.push_str(&render_packages(include, exclude));
        out.push_str("\n[tool.pyrel.files]\n");
        out.push_str(&render_files(policy));
        Ok(("pyproject.toml".into(), out))
    } else {
        let mut out = String::from(header);
        out.push_str(&render_body(policy));
        out.push_str(&render_packages(include, exclude));
        out.push_str("\n[files]\n");
        out.push_str(&render_files(policy));
        Ok(("pyrel.toml".into(), out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_pyrel(text: &str) -> Result<Policy> {
        parse(&PolicySource::PyrelToml("pyrel.toml".into()), text)
    }

    #[test]
    fn defaults_round_trip_through_the_written_block() {
        let p = Policy::default();
        let text = format!("{}\n[files]\n{}", render_body(&p), render_files(&p));
        assert_eq!(parse_pyrel(&text).unwrap(), p);
    }

    #[test]
    fn reviewers_are_logins_or_org_team_slugs() {
        let p = parse_pyrel("reviewers = [\"octocat\", \"acme/release-team\"]\n").unwrap();
        assert_eq!(p.reviewers, ["octocat", "acme/release-team"]);
        for bad in [
            "\"-x\"",
            "\"a/b/c\"",
            "\"x y\"",
            "\"${{ github.token }}\"",
            "\"a/\"",
        ] {
            let e = parse_pyrel(&format!("\n\nreviewers = [{bad}]\n")).unwrap_err();
            assert!(e.to_string().contains("pyrel.toml:3"), "{bad}: {e}");
        }
    }

    #[test]
    fn every_key_round_trips_with_non_default_values() {
        let mut p = Policy::default();
        for set in [
            "repository=acme/widgets",
            "default-branch=develop",
            "python-versions=[\"3.12\", \"3.13t\"]",
            "publish=token",
            "testpypi=all",
            "tag-format={name}-v{version}",
            "versioning=independent",
            "tests=existing",
            "required-checks=[\"CI / test (3.12)\"]",
            "required-approvals=2",
            "reviewers=[\"octocat\", \"acme/release-team\"]",
            "build-tool=build",
            "runner=ubuntu-24.04",
            "pre-build=[\"make assets\"]",
            "pypi-environment=release",
            "testpypi-environment=staging",
            "pypi-token-secret=PYPI_TOKEN",
            "testpypi-token-secret=TESTPYPI_TOKEN",
            "doctor-ignore=[{ check = \"pypi-version\", reason = \"published to a private index\" }]",
            "files.test-workflow=false",
            "files.bump-script=tools/bump.py",
        ] {
            apply_override(&mut p, set).unwrap_or_else(|e| panic!("{set}: {e}"));
        }
        check_overrides(&p).unwrap();
        let mut lockstep = Policy::default();
        apply_override(&mut lockstep, "dev-builds=true").unwrap();
        check_overrides(&lockstep).unwrap();
        let text = format!(
            "{}\n[files]\n{}",
            render_body(&lockstep),
            render_files(&lockstep)
        );
        assert_eq!(parse_pyrel(&text).unwrap(), lockstep);
        // Dev builds need one version for the whole repo.
        apply_override(&mut p, "dev-builds=true").unwrap();
        assert!(check_overrides(&p).is_err());
        p.dev_builds = false;
        let text = format!("{}\n[files]\n{}", render_body(&p), render_files(&p));
        assert_eq!(parse_pyrel(&text).unwrap(), p);
    }

    #[test]
    fn unknown_key_names_key_line_and_suggestion() {
        let e = parse_pyrel("publish = \"trusted\"\ndefault-brnach = \"main\"\n").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("pyrel.toml:2"), "{msg}");
        assert!(msg.contains("default-brnach"), "{msg}");
        assert_eq!(e.hint().as_deref(), Some("did you mean `default-branch`?"));
    }

    #[test]
    fn wrong_values_are_errors_with_lines() {
        for (text, needle) in [
            ("publish = \"oidc\"\n", "not one of"),
            ("python-versions = [\"2.7\"]\n", "not a Python version"),
            ("required-approvals = 9\n", "0 to 6"),
            ("tag-format = \"release\"\n", "{version}"),
            ("pypi-token-secret = \"GITHUB_TOKEN\"\n", "secret name"),
            (
                "[files]\nrelease-workflow = \"../x.yml\"\n",
                "relative path inside the repository",
            ),
            (
                "[files]\nrelase-workflow = \"x.yml\"\n",
                "files.relase-workflow",
            ),
        ] {
            let e = parse_pyrel(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text:?} -> {e}");
            assert!(e.starts_with("pyrel.toml:"), "{e}");
        }
    }

    #[test]
    fn pyproject_without_table_is_defaults() {
        let src = PolicySource::Pyproject("pyproject.toml".into());
        assert_eq!(
            parse(&src, "[project]\nname = \"x\"\n").unwrap(),
            Policy::default()
        );
        let p = parse(&src, "[tool.pyrel]\npublish = \"token\"\n").unwrap();
        assert_eq!(p.publish, PublishMode::Token);
    }

    #[test]
    fn doctor_ignore_as_inline_tables_or_array_of_tables() {
        let inline =
            parse_pyrel("doctor-ignore = [{ check = \"PR304\", reason = \"private index\" }]\n")
                .unwrap();
        let tables =
            parse_pyrel("[[doctor-ignore]]\ncheck = \"PR304\"\nreason = \"private index\"\n")
                .unwrap();
        assert_eq!(inline, tables);
        assert_eq!(inline.doctor_ignore[0].reason, "private index");
        for (text, needle) in [
            (
                "doctor-ignore = [{ check = \"pypi-versoin\", reason = \"x\" }]\n",
                "did you mean `pypi-version`",
            ),
            (
                "doctor-ignore = [{ check = \"policy\" }]\n",
                "non-empty `reason`",
            ),
            (
                "doctor-ignore = [{ check = \"policy\", reason = \"x\", why = 1 }]\n",
                "unknown key `why`",
            ),
            (
                "[[doctor-ignore]]\ncheck = \"policy\"\nreason = \"\"\n",
                "pyrel.toml:1",
            ),
        ] {
            let e = parse_pyrel(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text:?} -> {e}");
        }
    }

    #[test]
    fn crafted_values_are_kept_exactly_or_refused() {
        let p = parse_pyrel("required-checks = [\"it's: \\\"quoted\\\" (3.12)\"]\n").unwrap();
        assert_eq!(
            p.required_checks,
            vec!["it's: \"quoted\" (3.12)".to_string()]
        );
        for (text, needle) in [
            (
                "default-branch = \"x${{ github.token }}\"\n",
                "pyrel.toml:1",
            ),
            ("default-branch = \"a\\nb\"\n", "branch name"),
            ("runner = \"ubuntu-latest\\n  evil: 1\"\n", "runner label"),
            (
                "required-checks = [\"ok\", \"t${{ github.event.pull_request.title }}\"]\n",
                "${{",
            ),
            ("pre-build = [\"make ${{ github.head_ref }}\"]\n", "${{"),
            (
                "doctor-ignore = [{ check = \"policy\", reason = \"${{ x }}\" }]\n",
                "${{",
            ),
            (
                "[files]\nbump-script = \"scripts/x\\\"\\\"\\\"+str(1)+\\\"\\\"\\\"y.py\"\n",
                "not allowed",
            ),
            (
                "[files]\nrelease-workflow = \".git/hooks/pre-commit\"\n",
                ".git/",
            ),
            (
                "[files]\nchangelog = \"pyproject.toml\"\n",
                "reads or keeps",
            ),
            (
                "[files]\nchangelog = \"docs\"\nreleasing-guide = \"docs/R.md\"\n",
                "overlap",
            ),
            (
                "[files]\nchangelog = \".github/pyrel.lock\"\n",
                "reads or keeps",
            ),
            ("tag-format = \"v{version}..\"\n", "git tag"),
            ("tag-format = \"{name}/{version}\"\n", "lockstep"),
            ("repository = \"acme/w${{x}}\"\n", "${{"),
        ] {
            let e = parse_pyrel(text).unwrap_err().to_string();
            assert!(e.contains(needle), "{text:?} -> {e}");
            assert!(e.starts_with("pyrel.toml"), "{e}");
        }
    }
}
