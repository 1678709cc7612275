//! `pyrel init`: detect, ask (or --yes), write the policy and every managed file.

use std::io::IsTerminal;
use std::path::Path;

use console::Style;

use super::generate::report_applied;
use super::output::{print_diff, state_word};
use super::Outcome;
use crate::cli::InitArgs;
use crate::error::{Error, Result};
use crate::policy::{self, Policy, PublishMode, TestPypi, Versioning};
use crate::project::{self, Project};
use crate::workspace_fs::atomic_write;
use crate::{render, sync};

/// Python versions with upstream support on the day this pyrel was released.
const SUPPORTED_PYTHONS: &[&str] = &["3.11", "3.12", "3.13", "3.14"];

pub fn run(dir: &Path, args: &InitArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    if let Some((source, _)) = policy::locate(&project.root)? {
        if !args.set.is_empty() {
            return Err(Error::usage(
                format!(
                    "pyrel is already set up here (policy in {}); --set only applies to a new policy",
                    source.path().display()
                ),
                Some("edit the policy file, then run `pyrel generate`"),
            ));
        }
        println!(
            "pyrel is already set up here (policy in {}). Nothing to do; after changing the policy run `pyrel generate`.",
            source.path().display()
        );
        return Ok(Outcome::Success);
    }

    let mut policy = detect_defaults(&project);
    for assignment in &args.set {
        policy::apply_override(&mut policy, assignment)?;
    }
    policy::check_overrides(&policy)?;
    if !args.yes && !args.dry_run && std::io::stdin().is_terminal() {
        ask(&project, &mut policy)?;
    }

    // The policy goes through the same loader `generate` uses, so what init writes is
    // exactly what later runs read back.
    let (policy_path, policy_text) = policy::render_into(&project.root, &policy)?;
    let source = if policy_path == Path::new("pyproject.toml") {
        policy::PolicySource::Pyproject(policy_path.clone())
    } else {
        policy::PolicySource::PyrelToml(policy_path.clone())
    };
    let reread = policy::parse(&source, &policy_text)?;
    let plan = render::plan(&project, &reread)?;
    let status = sync::status(&project.root, &plan)?;

    let blocked: Vec<_> = status.blocked().collect();
    if !blocked.is_empty() && !args.force {
        for e in &blocked {
            println!(
                "{} {} exists and was {}; pyrel would replace it with:",
                Style::new().red().bold().apply_to("refused:"),
                e.file.path.display(),
                state_word(e.state)
            );
            print_diff(e);
        }
        println!(
            "Nothing was written. Re-run with --force to replace {} (keep a copy first), or point the policy elsewhere with --set files.KEY=PATH.",
            if blocked.len() == 1 { "it" } else { "them" }
        );
        return Ok(Outcome::Failure);
    }

    if args.dry_run {
        println!(
            "Dry run: would write the policy to {}:",
            policy_path.display()
        );
        for e in status.stale() {
            println!(
                "would write {} ({})",
                e.file.path.display(),
                state_word(e.state)
            );
            print_diff(e);
        }
        println!("Nothing was written.");
        return Ok(Outcome::Success);
    }

    atomic_write(
        &project.root.join(&policy_path),
        policy_text.as_bytes(),
        false,
    )?;
    println!(
        "{:>10} {} (policy)",
        Style::new().green().apply_to("wrote"),
        policy_path.display()
    );
    let applied = sync::apply(&project.root, &status, args.force)?;
    report_applied(&applied);
    println!(
        "\nNext: read {}, then commit. `pyrel doctor` checks the setup.",
        reread
            .files
            .releasing_guide
            .as_deref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "the generated files".into())
    );
    Ok(Outcome::Success)
}

/// The policy pyrel proposes for this repository.
fn detect_defaults(project: &Project) -> Policy {
    let mut policy = Policy::default();
    if let Some(branch) = project::git::default_branch(&project.root) {
        if !branch.is_empty() && !branch.chars().any(char::is_control) {
            policy.default_branch = branch;
        }
    }
    if let Some(min) = min_python(project) {
        let versions: Vec<String> = SUPPORTED_PYTHONS
            .iter()
            .filter(|v| minor(v) >= Some(min))
            .map(|v| v.to_string())
            .collect();
        if !versions.is_empty() {
            policy.python_versions = versions;
        }
    }
    let mut versions: Vec<&str> = project
        .packages
        .iter()
        .filter_map(|p| p.version())
        .collect();
    versions.sort_unstable();
    versions.dedup();
    if versions.len() > 1 {
        policy.versioning = Versioning::Independent;
        policy.tag_format = "{name}-v{version}".into();
    }
    policy
}

fn minor(v: &str) -> Option<u32> {
    v.strip_prefix("3.")?.parse().ok()
}

/// The lowest Python minor any package allows (`requires-python = ">=3.11"` → 11).
fn min_python(project: &Project) -> Option<u32> {
    project
        .packages
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(project.root.join(&p.manifest)).ok()?;
            let doc: toml_edit::DocumentMut = text.parse().ok()?;
            let spec = doc
                .get("project")?
                .get("requires-python")?
                .as_str()?
                .to_string();
            spec.split(',').find_map(|clause| {
                let c = clause.trim();
                let (op, v) = if let Some(v) = c.strip_prefix(">=") {
                    (">=", v)
                } else if let Some(v) = c.strip_prefix('>') {
                    (">", v)
                } else if let Some(v) = c.strip_prefix("~=") {
                    (">=", v)
                } else {
                    return None;
                };
                let m = minor(v.trim().trim_end_matches(".*")).or_else(|| {
                    minor(&v.trim().split('.').take(2).collect::<Vec<_>>().join("."))
                })?;
                Some(if op == ">" { m + 1 } else { m })
            })
        })
        .min()
}

/// Interactive questions, with the detected values as defaults.
fn ask(project: &Project, policy: &mut Policy) -> Result<()> {
    use dialoguer::{Input, Select};
    let io = |e: dialoguer::Error| Error::usage(format!("prompt failed: {e}"), None);
    println!(
        "pyrel found {} package{} in {}:",
        project.packages.len(),
        if project.packages.len() == 1 { "" } else { "s" },
        project.root.display()
    );
    for p in &project.packages {
        println!(
            "  {} {}",
            p.name,
            p.version().unwrap_or("(version from git tags)")
        );
    }
    let branch: String = Input::new()
        .with_prompt("Default branch")
        .default(policy.default_branch.clone())
        .interact_text()
        .map_err(io)?;
    policy::apply_override(
        policy,
        &format!("default-branch={}", toml_edit::Value::from(branch)),
    )?;
    let pythons: String = Input::new()
        .with_prompt("Python versions to test (comma-separated)")
        .default(policy.python_versions.join(", "))
        .interact_text()
        .map_err(io)?;
    let list: Vec<String> = pythons
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    policy::apply_override(
        policy,
        &format!(
            "python-versions={}",
            toml_edit::Value::Array(list.iter().map(String::as_str).collect())
        ),
    )?;
    let modes = [
        "trusted (Trusted Publishing, recommended)",
        "token (API tokens)",
    ];
    let pick = Select::new()
        .with_prompt("How should releases authenticate to PyPI?")
        .items(&modes)
        .default(usize::from(policy.publish == PublishMode::Token))
        .interact()
        .map_err(io)?;
    policy.publish = if pick == 0 {
        PublishMode::Trusted
    } else {
        PublishMode::Token
    };
    let options = [
        "prereleases: pre-releases to TestPyPI only",
        "all: TestPyPI before every PyPI upload",
        "never",
    ];
    let current = match policy.testpypi {
        TestPypi::Prereleases => 0,
        TestPypi::All => 1,
        TestPypi::Never => 2,
    };
    let pick = Select::new()
        .with_prompt("TestPyPI")
        .items(&options)
        .default(current)
        .interact()
        .map_err(io)?;
    policy.testpypi = [TestPypi::Prereleases, TestPypi::All, TestPypi::Never][pick];
    Ok(())
}
