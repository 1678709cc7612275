//! The typed render context. These fields are load-bearing: every template reads them,
//! and strict mode turns a misspelt one into an error.

use serde::Serialize;

use crate::error::{Error, Result};
use crate::indexes;
use crate::policy::{BuildTool, Policy, PublishMode, TestPypi, TestsMode, Versioning};
use crate::project::{Project, SourceKind, VersionScheme};
use crate::workspace_fs::slash;

#[derive(Debug, Clone, Serialize)]
pub(crate) struct Context {
    pub(crate) pyrel_version: &'static str,
    /// The owner/repo of the origin remote, or placeholders when there is none.
    pub(crate) owner: String,
    pub(crate) repo: String,
    pub(crate) repo_known: bool,
    /// The repository's web address ([`Policy::repository_url`]); empty when unknown.
    pub(crate) repository_url: String,
    pub(crate) default_branch: String,
    pub(crate) python_versions: Vec<String>,
    /// The newest Python of the policy: builds and the release tooling run on it.
    pub(crate) python_release: String,
    pub(crate) trusted: bool,
    pub(crate) token: bool,
    /// "prereleases" | "all" | "never".
    pub(crate) testpypi: &'static str,
    pub(crate) uses_testpypi: bool,
    pub(crate) dev_builds: bool,
    pub(crate) tag_format: String,
    /// Glob patterns for `on.push.tags`.
    pub(crate) tag_globs: Vec<String>,
    /// The guide's example tag: the tag format with the placeholder version `X.Y.Z`
    /// (no real version, so the guide does not change with every release).
    pub(crate) example_tag: String,
    pub(crate) example_version: String,
    pub(crate) lockstep: bool,
    /// Independent versioning: a tag releases one package, the one whose prefix it has.
    pub(crate) independent: bool,
    pub(crate) generate_tests: bool,
    pub(crate) required_checks: Vec<String>,
    /// `{check name: workflow path}` as JSON: where the release gate expects each
    /// required check from, named when one never reports.
    pub(crate) check_sources: String,
    pub(crate) required_approvals: u32,
    pub(crate) uv: bool,
    pub(crate) runner: String,
    pub(crate) pre_build: Vec<String>,
    pub(crate) pypi_environment: String,
    pub(crate) testpypi_environment: String,
    pub(crate) pypi_token_secret: String,
    pub(crate) testpypi_token_secret: String,
    pub(crate) pypi_base: &'static str,
    pub(crate) testpypi_base: &'static str,
    pub(crate) testpypi_upload_url: &'static str,
    pub(crate) packages: Vec<PackageCtx>,
    /// More than one package: a first release creates several projects, one at a time
    /// (PyPI takes one pending publisher per workflow identity).
    pub(crate) several_packages: bool,
    /// Any package whose version comes from git tags (nothing to bump in files).
    pub(crate) any_vcs: bool,
    pub(crate) files: FilesCtx,
    pub(crate) pins: super::pins::Pins,
    /// The packages the test workflow tests: directory and import name.
    pub(crate) test_packages: Vec<TestPackage>,
    pub(crate) test_env: std::collections::BTreeMap<String, String>,
    pub(crate) test_services: std::collections::BTreeMap<String, super::overrides::Service>,
    /// Packages with compiled code: a wheel matrix over Linux, macOS and Windows.
    pub(crate) compiled: Vec<super::compiled::Compiled>,
    /// Their names, as JSON, for the build job (it builds only their sdist).
    pub(crate) compiled_names: String,
    pub(crate) any_cibuildwheel: bool,
    pub(crate) any_maturin: bool,
    /// The body of GitHub's create-ruleset request for the release tags (in the guide):
    /// the one `pyrel github apply` sends.
    pub(crate) tag_ruleset: String,
    /// The `gh api` commands that set up the environments, with the bodies
    /// `pyrel github apply` sends (`render::deploy::guide_requests`).
    pub(crate) environment_setup: String,
    /// The deployment environments as `pyrel github apply` sets them up
    /// (`render::deploy::deployments`, which `environment_setup` is built from too).
    pub(crate) deployments: Vec<super::deploy::Deployment>,
    /// The release workflow's concurrency group.
    pub(crate) concurrency_group: &'static str,
    /// towncrier's fragment directory, when towncrier builds the changelog.
    pub(crate) changelog_fragments: Option<String>,
    /// The uv release pinned in setup-uv.
    pub(crate) uv_version: &'static str,
    /// The release tools' requirement lines (version and hashes), for `--require-hashes`.
    pub(crate) release_requirements: Vec<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct TestPackage {
    pub(crate) dir: String,
    #[serde(rename = "import", skip_serializing_if = "Option::is_none")]
    pub(crate) import_name: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct PackageCtx {
    pub(crate) name: String,
    pub(crate) normalized: String,
    /// Directory relative to the root, `.` for the root.
    pub(crate) dir: String,
    pub(crate) import_name: Option<String>,
    pub(crate) version: Option<String>,
    pub(crate) vcs: bool,
    pub(crate) pypi_url: String,
    pub(crate) testpypi_url: String,
    /// What this package's release tags start with (`{name}` filled, up to `{version}`):
    /// with independent versioning a tag releases only the package it names.
    pub(crate) tag_prefix: String,
    /// Version sources for the bump script: kind, path, line.
    pub(crate) sources: Vec<SourceCtx>,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct SourceCtx {
    pub(crate) kind: SourceKind,
    pub(crate) path: String,
}

#[derive(Debug, Clone, Serialize)]
pub(crate) struct FilesCtx {
    pub(crate) release_workflow: Option<String>,
    /// File name only: what a Trusted Publisher is registered with.
    pub(crate) release_workflow_name: Option<String>,
    pub(crate) test_workflow: Option<String>,
    pub(crate) test_workflow_name: Option<String>,
    pub(crate) bump_script: Option<String>,
    pub(crate) releasing_guide: Option<String>,
    pub(crate) branch_protection: Option<String>,
    pub(crate) changelog: Option<String>,
}

impl Context {
    pub(crate) fn new(project: &Project, policy: &Policy) -> Result<Context> {
        let (owner, repo, repo_known) = match policy.github_repo(project) {
            Some((o, r)) => (o, r, true),
            None => ("OWNER".to_string(), "REPO".to_string(), false),
        };
        let generate_tests =
            policy.tests == TestsMode::Generate && policy.files.test_workflow.is_some();
        let required_checks = if !policy.required_checks.is_empty() {
            policy.required_checks.clone()
        } else if generate_tests {
            policy
                .python_versions
                .iter()
                .map(|v| format!("test ({v})"))
                .collect()
        } else {
            return Err(Error::usage(
                "the policy has tests = \"existing\" but no required-checks to gate releases on",
                Some("list the check names of your test workflow in required-checks, e.g. [\"test (3.12)\"]"),
            ));
        };
        let check_sources = check_sources(project, policy, generate_tests, &required_checks);
        let lockstep = policy.versioning == Versioning::Lockstep;
        // One glob whatever the number of packages (the workflow's size must not grow with
        // them): with independent versioning `{name}` matches any name, and the plan job
        // refuses a tag that names no package.
        let tag_globs = vec![policy.tag_format.glob(None, "[0-9]*", "*")];
        let packages = project
            .packages
            .iter()
            .map(|p| PackageCtx {
                name: p.name.clone(),
                normalized: p.normalized.clone(),
                dir: if p.dir.as_os_str().is_empty() {
                    ".".into()
                } else {
                    slash(&p.dir)
                },
                import_name: p.import_name.clone(),
                version: p.version().map(str::to_owned),
                vcs: matches!(p.scheme, VersionScheme::Vcs { .. }),
                pypi_url: format!("{}/p/{}", indexes::PYPI_BASE, p.normalized),
                testpypi_url: format!("{}/p/{}", indexes::TESTPYPI_BASE, p.normalized),
                tag_prefix: policy.tag_format.affixes(&p.normalized, &slash(&p.dir)).0,
                sources: p
                    .version_sources
                    .iter()
                    .map(|s| SourceCtx {
                        kind: s.kind,
                        path: slash(&s.path),
                    })
                    .collect(),
            })
            .collect::<Vec<_>>();
        // Generated files carry no version: a version written here would be stale after the
        // next bump, and the release commit would fail its own `pyrel doctor`.
        let example_version = "X.Y.Z".to_string();
        let example_tag = match project.packages.first() {
            Some(p) => policy
                .tag_format
                .render(&p.normalized, &slash(&p.dir), &example_version),
            None => policy.tag_format.render("", "", &example_version),
        };
        let name_of = |p: &Option<std::path::PathBuf>| {
            p.as_ref()
                .and_then(|p| p.file_name())
                .map(|n| n.to_string_lossy().into_owned())
        };
        let f = &policy.files;
        if f.release_workflow.is_some() && f.bump_script.is_none() {
            // The workflow's plan job runs the script's `route`, and the release job its
            // `notes`: without the script the workflow could not decide anything.
            return Err(Error::usage(
                "the release workflow needs the bump script (files.bump-script = false)",
                Some("set files.bump-script to a path (default \"scripts/bump_version.py\"), or set files.release-workflow = false"),
            ));
        }
        refuse_expressions(project, policy)?;
        let test_packages = packages
            .iter()
            .map(|p| TestPackage {
                dir: p.dir.clone(),
                import_name: p.import_name.clone(),
            })
            .collect();
        let compiled = super::compiled::detect(project);
        let compiled_names =
            serde_json::to_string(&compiled.iter().map(|c| c.name.as_str()).collect::<Vec<_>>())
                .unwrap_or_else(|_| "[]".into());
        Ok(Context {
            any_cibuildwheel: compiled
                .iter()
                .any(|c| c.tool == super::compiled::WheelTool::Cibuildwheel),
            any_maturin: compiled
                .iter()
                .any(|c| c.tool == super::compiled::WheelTool::Maturin),
            tag_ruleset: tag_ruleset_json(project, policy)?,
            environment_setup: environment_setup(project, policy, &owner, &repo)?,
            deployments: super::deploy::deployments(project, policy),
            concurrency_group: super::deploy::CONCURRENCY_GROUP,
            changelog_fragments: project.towncrier.as_ref().map(|t| slash(&t.directory)),
            compiled,
            compiled_names,
            pyrel_version: env!("CARGO_PKG_VERSION"),
            owner,
            repo,
            repo_known,
            repository_url: policy.repository_url(project).unwrap_or_default(),
            default_branch: policy.default_branch.clone(),
            python_versions: policy.python_versions.clone(),
            python_release: policy
                .python_versions
                .last()
                .cloned()
                .unwrap_or_else(|| "3.13".into()),
            trusted: policy.publish == PublishMode::Trusted,
            token: policy.publish == PublishMode::Token,
            testpypi: match policy.testpypi {
                TestPypi::Prereleases => "prereleases",
                TestPypi::All => "all",
                TestPypi::Never => "never",
            },
            uses_testpypi: policy.testpypi != TestPypi::Never || policy.dev_builds,
            dev_builds: policy.dev_builds,
            tag_format: policy.tag_format.to_string(),
            tag_globs,
            example_tag,
            example_version,
            lockstep,
            independent: !lockstep,
            generate_tests,
            required_checks,
            check_sources,
            required_approvals: policy.required_approvals,
            uv: policy.build_tool == BuildTool::Uv,
            runner: policy.runner.clone(),
            pre_build: policy.pre_build.clone(),
            pypi_environment: policy.pypi_environment.clone(),
            testpypi_environment: policy.testpypi_environment.clone(),
            pypi_token_secret: policy.pypi_token_secret.clone(),
            testpypi_token_secret: policy.testpypi_token_secret.clone(),
            pypi_base: indexes::PYPI_BASE,
            testpypi_base: indexes::TESTPYPI_BASE,
            testpypi_upload_url: indexes::TESTPYPI_UPLOAD,
            any_vcs: packages.iter().any(|p| p.vcs),
            several_packages: packages.len() > 1,
            packages,
            files: FilesCtx {
                release_workflow: f.release_workflow.as_deref().map(slash),
                release_workflow_name: name_of(&f.release_workflow),
                test_workflow: f.test_workflow.as_deref().map(slash),
                test_workflow_name: name_of(&f.test_workflow),
                bump_script: f.bump_script.as_deref().map(slash),
                releasing_guide: f.releasing_guide.as_deref().map(slash),
                branch_protection: f.branch_protection.as_deref().map(slash),
                changelog: f.changelog.as_deref().map(slash),
            },
            test_packages,
            test_env: policy.test_env.clone(),
            test_services: policy.test_services.clone(),
            pins: super::pins::pins(&policy.action_pins),
            uv_version: super::pins::UV_VERSION,
            release_requirements: super::engine::release_requirements()?,
        })
    }
}

/// Refuses any policy or repository value that would reach a workflow holding a GitHub
/// expression (`${{`). No quoting defuses one: GitHub decodes YAML escapes first, and
/// evaluates expressions in names, `runs-on`, `env` and `with` values alike.
fn refuse_expressions(project: &Project, policy: &Policy) -> Result<()> {
    let mut values: Vec<(String, &str)> = vec![
        ("default-branch".into(), &policy.default_branch),
        ("runner".into(), &policy.runner),
        ("tag-format".into(), policy.tag_format.as_str()),
        ("pypi-environment".into(), &policy.pypi_environment),
        ("testpypi-environment".into(), &policy.testpypi_environment),
        ("pypi-token-secret".into(), &policy.pypi_token_secret),
        (
            "testpypi-token-secret".into(),
            &policy.testpypi_token_secret,
        ),
    ];
    values.extend(
        policy
            .required_checks
            .iter()
            .map(|c| ("required-checks".into(), c.as_str())),
    );
    values.extend(
        policy
            .pre_build
            .iter()
            .map(|c| ("pre-build".into(), c.as_str())),
    );
    values.extend(
        policy
            .python_versions
            .iter()
            .map(|c| ("python-versions".into(), c.as_str())),
    );
    let f = &policy.files;
    for (key, path) in [
        ("files.release-workflow", &f.release_workflow),
        ("files.test-workflow", &f.test_workflow),
        ("files.bump-script", &f.bump_script),
    ] {
        if let Some(p) = path.as_deref().and_then(|p| p.to_str()) {
            values.push((key.into(), p));
        }
    }
    for p in &project.packages {
        values.push((
            format!("the package directory of {}", p.name),
            p.dir.to_str().unwrap_or(""),
        ));
        values.push(("a package name".into(), &p.name));
        if let Some(m) = &p.import_name {
            values.push((format!("the import name of {}", p.name), m));
        }
    }
    match values.iter().find(|(_, v)| super::engine::has_expression(v)) {
        Some((key, value)) => Err(Error::usage(
            format!("{key} = {value:?} holds a GitHub expression (`${{{{`), which would run in the release workflow"),
            Some("remove the `${{` from that value: no quoting makes an expression inert in a workflow"),
        )),
        None => Ok(()),
    }
}

/// The body of `POST /repos/{owner}/{repo}/rulesets` for the release tags, as
/// `pyrel github apply` sends it.
pub(crate) fn tag_ruleset_json(project: &Project, policy: &Policy) -> Result<String> {
    let patterns = super::deploy::tag_patterns(project, policy);
    serde_json::to_string_pretty(&super::deploy::tag_ruleset_body(&patterns))
        .map_err(|e| Error::usage(format!("internal error: {e}"), None))
}

/// The guide's environment commands: each request of `render::deploy::guide_requests`
/// but the ruleset's (shown apart), as `gh api` with its JSON body on standard input.
/// Names and patterns are checked by the policy's grammar; the heredoc is quoted, so
/// the shell expands nothing in the body.
fn environment_setup(
    project: &Project,
    policy: &Policy,
    owner: &str,
    repo: &str,
) -> Result<String> {
    let mut out = String::new();
    for (method, path, body) in super::deploy::guide_requests(project, policy) {
        if path == "/rulesets" {
            continue;
        }
        let body = serde_json::to_string_pretty(&body)
            .map_err(|e| Error::usage(format!("internal error: {e}"), None))?;
        out.push_str(&format!(
            "gh api -X {method} repos/{owner}/{repo}{path} --input - <<'JSON'\n{body}\nJSON\n"
        ));
    }
    Ok(out.trim_end().to_owned())
}

/// The body of `PUT /repos/{owner}/{repo}/branches/{branch}/protection`.
pub(crate) fn branch_protection_json(ctx: &Context) -> Result<String> {
    #[derive(Serialize)]
    struct Body<'a> {
        required_status_checks: Checks<'a>,
        enforce_admins: bool,
        required_pull_request_reviews: Reviews,
        restrictions: Option<()>,
        required_linear_history: bool,
        allow_force_pushes: bool,
        allow_deletions: bool,
        block_creations: bool,
        required_conversation_resolution: bool,
        lock_branch: bool,
        allow_fork_syncing: bool,
    }
    #[derive(Serialize)]
    struct Checks<'a> {
        strict: bool,
        checks: Vec<Check<'a>>,
    }
    #[derive(Serialize)]
    struct Check<'a> {
        context: &'a str,
    }
    #[derive(Serialize)]
    struct Reviews {
        dismiss_stale_reviews: bool,
        require_code_owner_reviews: bool,
        required_approving_review_count: u32,
        require_last_push_approval: bool,
    }
    let body = Body {
        required_status_checks: Checks {
            strict: true,
            checks: ctx
                .required_checks
                .iter()
                .map(|c| Check { context: c })
                .collect(),
        },
        enforce_admins: true,
        required_pull_request_reviews: Reviews {
            dismiss_stale_reviews: true,
            require_code_owner_reviews: false,
            required_approving_review_count: ctx.required_approvals,
            require_last_push_approval: false,
        },
        restrictions: None,
        required_linear_history: false,
        allow_force_pushes: false,
        allow_deletions: false,
        block_creations: false,
        required_conversation_resolution: true,
        lock_branch: false,
        allow_fork_syncing: false,
    };
    let mut out =
        serde_json::to_string_pretty(&body).map_err(|e| Error::internal(e.to_string()))?;
    out.push('\n');
    Ok(out)
}

/// Which workflow each required check comes from, as a JSON object: pyrel's test
/// workflow when it writes one, else the repository's own workflow that reports it (one
/// that runs on every commit first). Only plain repository paths enter.
fn check_sources(
    project: &Project,
    policy: &Policy,
    generate_tests: bool,
    required: &[String],
) -> String {
    let mut map = serde_json::Map::new();
    if generate_tests {
        if let Some(path) = policy.files.test_workflow.as_deref() {
            for name in required {
                map.insert(name.clone(), crate::workspace_fs::slash(path).into());
            }
        }
    } else {
        let sources = crate::project::choices::check_sources(
            project,
            |rel| crate::project::choices::Workflow::read(&project.root, rel),
            &policy.default_branch,
        );
        for name in required {
            let mut of: Vec<_> = sources.iter().filter(|s| &s.name == name).collect();
            of.sort_by_key(|s| s.unfit.is_some());
            if let Some(s) = of.first() {
                let path = crate::workspace_fs::slash(&s.workflow);
                if crate::grammar::repo_path(&path).is_ok() {
                    map.insert(name.clone(), path.into());
                }
            }
        }
    }
    serde_json::Value::Object(map).to_string()
}

#[cfg(test)]
mod tests {
    use crate::grammar::TagFormat;

    fn format(f: &str) -> TagFormat {
        TagFormat::new(f).expect("valid tag format")
    }

    #[test]
    fn tag_prefix_is_the_literal_start_of_a_packages_tags() {
        let prefix = |f: &str, name: &str, dir: &str| format(f).affixes(name, dir).0;
        assert_eq!(
            prefix("{name}-v{version}", "dashboard-api", "libs/api"),
            "dashboard-api-v"
        );
        assert_eq!(prefix("v{version}", "x", ""), "v");
        assert_eq!(prefix("release/{name}/{version}", "a", "a"), "release/a/");
        assert_eq!(
            prefix("libs/{dir}-v{version}", "dashboard-api", "libs/api"),
            "libs/api-v"
        );
    }

    #[test]
    fn globs_match_the_tag_format() {
        assert_eq!(format("v{version}").glob(None, "[0-9]*", "*"), "v[0-9]*");
        assert_eq!(
            format("{name}-v{version}").glob(Some(("core", "libs/core")), "[0-9]*", "*"),
            "core-v[0-9]*"
        );
        assert_eq!(
            format("{name}-v{version}").glob(None, "[0-9]*", "*"),
            "*-v[0-9]*"
        );
        assert_eq!(
            format("libs/{dir}-v{version}").glob(None, "[0-9]*", "*"),
            "libs/*-v[0-9]*"
        );
    }
}
