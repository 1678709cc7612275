//! `pyrel init`: detect, ask (or --yes), write the policy and every managed file.

use std::io::IsTerminal;
use std::path::Path;

use console::Style;

use super::generate::report_applied;
use super::output::{print_diff, print_refused_files, refusal_closing, show_diffs, state_word};
use super::Outcome;
use crate::cli::{Format, InitArgs};
use crate::error::{Error, Result};
use crate::policy::{self, Policy, PublishMode, TestPypi, TestsMode, Versioning};
use crate::project::{self, choices, Project};
use crate::report::documents::{self, InitChangelog, InitDoc, InitPackage};
use crate::workspace_fs::slash;
use crate::{render, sync};

pub(crate) fn run(dir: &Path, args: &InitArgs) -> Result<Outcome> {
    let project = project::discover(dir)?;
    let json = args.format == Format::Json;
    // The summary lines: not with -q, and not with --format json (the document says it all).
    let say = !json && !crate::report::quiet();
    let mut doc = InitDoc {
        schema: documents::INIT_SCHEMA,
        root: project.root.display().to_string(),
        ..InitDoc::default()
    };
    let _lock = match super::write_lock(&project.root, !args.dry_run)? {
        Ok(lock) => lock,
        Err(busy) => return Ok(busy),
    };
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
        let message = format!(
            "pyrel is already set up here (policy in {}). Nothing to do; after changing the policy run `pyrel generate`.",
            source.path().display()
        );
        if json {
            doc.status = "already-set-up";
            doc.policy = Some(slash(source.path()));
            doc.message = Some(message);
            out!("{}", documents::to_string(&doc));
        } else if say {
            outln!("{message}");
        }
        return Ok(Outcome::Success);
    }

    let (mut policy, choices) = policy::proposed(&project);
    // Sized to the team: one committer gets no required approval (else locked out). Only
    // here: doctor before init judges with pyrel's default and runs no git.
    policy.required_approvals =
        crate::render::team::default_approvals(crate::render::team::committers(&project.root));
    for assignment in &args.set {
        policy::apply_override(&mut policy, assignment)?;
    }
    policy::check_overrides(&policy)?;
    let branch_set = args.set.iter().any(|a| {
        a.split_once('=')
            .is_some_and(|(k, _)| k.trim() == "default-branch")
    });
    if let Some((_, why)) = policy::unusable_default_branch(&project).filter(|_| !branch_set) {
        return Err(Error::usage(
            format!("the repository's default branch cannot be used: {why}; nothing was written"),
            Some("name the branch releases come from: `pyrel init --set default-branch=NAME`, or rename the branch"),
        ));
    }
    // A version that is not PEP 440 (`1.0$(id)`) is refused here as `bump` refuses it,
    // before it reaches a rendered file: exit 2 naming the file and line, nothing written.
    for source in project.packages.iter().flat_map(|p| &p.version_sources) {
        crate::bump::parse_source(source)?;
    }
    let updater = action_updater(&project.root);
    doc.action_updates = updater.as_deref().map(slash);
    if project.packages.is_empty() {
        if say {
            summary(&project, &policy, &choices);
        }
        return Err(nothing_to_release(&project));
    }
    let interactive = !args.yes && !args.dry_run && !json && std::io::stdin().is_terminal();
    let adoption = match super::adopt::decide(&project, &mut policy, &choices, args, interactive)? {
        Ok(a) => a,
        Err(lines) => {
            if json {
                describe(&mut doc, &project, &policy, &choices);
                doc.status = "refused";
                doc.message = Some(lines.join("\n"));
                out!("{}", documents::to_string(&doc));
                return Ok(Outcome::Failure);
            }
            outln!(
                "pyrel found {} package{} to release.",
                project.packages.len(),
                if project.packages.len() == 1 { "" } else { "s" }
            );
            let mut lines = lines.into_iter();
            outln!(
                "{} {}",
                Style::new().red().bold().apply_to("refused:"),
                lines.next().unwrap_or_default()
            );
            for l in lines {
                outln!("{l}");
            }
            outln!("Nothing was written.");
            return Ok(Outcome::Failure);
        }
    };
    describe(&mut doc, &project, &policy, &choices);
    doc.takeover = adoption.replace.first().map(|p| slash(p));
    // The summary after the decision about existing workflows: a refusal stays short.
    if say {
        summary(&project, &policy, &choices);
        match &updater {
            Some(path) => outln!(
                "  action updates: {} exists and is left as it is; `pyrel generate` adopts a newer pin it moves",
                slash(path)
            ),
            None if !args.dependabot => outln!(
                "  action updates: none configured; `pyrel init --dependabot` also writes {DEPENDABOT_PATH}"
            ),
            None => {}
        }
        for note in &adoption.notes {
            outln!("  {note}");
        }
        migration(&policy, &choices, &adoption.replace);
    }
    let mut dependabot = args.dependabot && updater.is_none();
    if interactive {
        ask(&mut policy)?;
        if updater.is_none() && !dependabot {
            dependabot = dialoguer::Confirm::new()
                .with_prompt(format!(
                    "Write {DEPENDABOT_PATH} so Dependabot keeps the pinned actions current?"
                ))
                .default(true)
                .interact()
                .map_err(|e| Error::usage(format!("prompt failed: {e}"), None))?;
        }
    }
    let seeded: Vec<(&Path, &str)> = if dependabot {
        vec![(Path::new(DEPENDABOT_PATH), DEPENDABOT)]
    } else {
        Vec::new()
    };

    // The policy goes through the same loader `generate` uses, so what init writes is
    // exactly what later runs read back.
    // A duplicate name settled by evidence is written down: the workflow that settled it
    // may be the one pyrel's release workflow replaces.
    let exclude: Vec<String> = project
        .skipped
        .iter()
        .filter(|s| s.reason == project::SkipReason::Duplicate)
        .map(|s| slash(&s.dir))
        .collect();
    // A package released because a publishing workflow builds it: every released
    // directory is listed, so the release set stays when pyrel's workflow replaces that
    // one; so are the pairs nothing settled, which stay a problem for the user to decide.
    let include: Vec<String> = if project.by_workflow.is_empty() {
        Vec::new()
    } else {
        let mut dirs: Vec<String> = project.packages.iter().map(|p| slash(&p.dir)).collect();
        dirs.extend(
            project
                .skipped
                .iter()
                .filter(|s| s.reason == project::SkipReason::Ambiguous)
                .map(|s| slash(&s.dir)),
        );
        dirs
    };
    let (policy_path, policy_text) =
        policy::render_into(&project.root, &policy, (&include, &exclude))?;
    let source = if policy_path == Path::new("pyproject.toml") {
        policy::PolicySource::Pyproject(policy_path.clone())
    } else {
        policy::PolicySource::PyrelToml(policy_path.clone())
    };
    let reread = policy::parse(&source, &policy_text)?;
    // The same validator `load` applies: init never writes a policy later runs refuse.
    if let Some(p) = policy::problems(&reread, &project)
        .into_iter()
        .find(|p| p.level == policy::Level::Error)
    {
        return Err(Error::Usage {
            message: p.message,
            hint: p.hint,
        });
    }
    let plan = render::plan(&project, &reread)?;
    let status = sync::status(&project.root, &plan)?;

    let refused = status.refused(args.force, &adoption.replace);
    doc.policy = Some(slash(&policy_path));
    if !refused.is_empty() && json {
        doc.status = "refused";
        // A workflow pyrel did not write is replaced only when named (--replace); the
        // other files with --force.
        let (protected, other): (Vec<_>, Vec<_>) = refused.iter().partition(|e| sync::protected(e));
        let paths = |v: &[&&sync::Entry]| {
            v.iter()
                .map(|e| slash(&e.file.path))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut ways = Vec::new();
        if !protected.is_empty() {
            ways.push(format!(
                "name {} with --replace PATH to let pyrel's workflow replace it",
                paths(&protected)
            ));
        }
        if !other.is_empty() {
            ways.push(format!("re-run with --force to replace {}", paths(&other)));
        }
        doc.message = Some(format!(
            "{} exist{} and would be replaced; {}",
            paths(&refused.iter().collect::<Vec<_>>()),
            if refused.len() == 1 { "s" } else { "" },
            ways.join("; ")
        ));
        out!("{}", documents::to_string(&doc));
        return Ok(Outcome::Failure);
    }
    let refused = status.refused(args.force, &adoption.replace);
    if !refused.is_empty() {
        let diff = show_diffs(args.diff);
        let closing = refusal_closing(
            &refused,
            diff,
            "`pyrel init --yes --replace {}`, or point the policy elsewhere with --set files.KEY=PATH.",
            " Re-run with --force to replace the other files (keep a copy first), or point the policy elsewhere with --set files.KEY=PATH.",
        );
        print_refused_files(
            &refused,
            |e| {
                format!(
                    "{} exists and was {}; pyrel would replace it{}",
                    e.file.path.display(),
                    state_word(e.state),
                    if diff { " with:" } else { "" }
                )
            },
            &closing,
            diff,
        );
        return Ok(Outcome::Failure);
    }

    let to_write: Vec<String> = status
        .stale()
        .map(|e| slash(&e.file.path))
        .chain(seeded.iter().map(|(p, _)| slash(p)))
        .chain(std::iter::once(slash(&policy_path)))
        .collect();
    if args.dry_run && json {
        doc.status = "dry-run";
        doc.files = to_write;
        out!("{}", documents::to_string(&doc));
        return Ok(Outcome::Success);
    }
    if args.dry_run {
        outln!(
            "Dry run: would write the policy to {}:",
            policy_path.display()
        );
        outln!(
            "{}",
            format!(
                "{}{}",
                policy::render_body(&reread),
                policy::render_packages(&include, &exclude)
            )
            .trim_end()
        );
        for e in status.stale() {
            outln!(
                "would write {} ({})",
                e.file.path.display(),
                state_word(e.state)
            );
            print_diff(e);
        }
        for (path, _) in &seeded {
            outln!("would write {} (missing)", path.display());
        }
        outln!("Nothing was written.");
        return Ok(Outcome::Success);
    }

    // A writing run, under the lock: what a killed one left goes first.
    sync::sweep_leftovers(&project.root, &status);
    // The policy is written last, in the same all-or-nothing step as every managed file:
    // a failure anywhere leaves no policy behind, so the next init starts afresh.
    let mut last: Vec<(&Path, &str)> = seeded.clone();
    last.push((&policy_path, &policy_text));
    let applied = sync::apply(&project.root, &status, args.force, &adoption.replace, &last)?;
    if json {
        doc.status = "written";
        doc.files = applied
            .written
            .iter()
            .map(|(p, _)| slash(p))
            .chain(last.iter().map(|(p, _)| slash(p)))
            .collect();
        out!("{}", documents::to_string(&doc));
        return Ok(Outcome::Success);
    }
    report_applied(&applied);
    if !say {
        return Ok(Outcome::Success);
    }
    for (path, _) in &seeded {
        outln!(
            "{:>10} {} (yours from now on)",
            Style::new().green().apply_to("created"),
            path.display()
        );
    }
    outln!(
        "{:>10} {} (policy)",
        Style::new().green().apply_to("wrote"),
        policy_path.display()
    );
    let guide = reread
        .files
        .releasing_guide
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_else(|| "the generated files".into());
    outln!("\nNext: read {guide}, then commit. `pyrel doctor` checks the setup, `pyrel check` the packages.");
    if reread.publish == crate::policy::PublishMode::Trusted && project.packages.len() > 1 {
        // pypi/warehouse#16920: one pending publisher per (owner, repository, workflow,
        // environment) creates one project; the second upload is refused.
        outln!(
            "First release of {} new projects? PyPI lets one pending publisher create one project per workflow identity: create them one at a time, in release order ({}), as \"Several new projects\" in {guide} says.",
            project.packages.len(),
            project
                .packages
                .iter()
                .map(|p| p.normalized.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    Ok(Outcome::Success)
}

/// Where init writes the Dependabot configuration it offers.
const DEPENDABOT_PATH: &str = ".github/dependabot.yml";

/// The Dependabot configuration init offers: github-actions only (pyrel does not manage
/// the project's own dependencies), weekly, one grouped pull request, a 7-day cooldown
/// (zizmor's dependabot-cooldown). Seeded once; the user's file afterwards.
const DEPENDABOT: &str = "\
# Dependabot keeps the GitHub Actions of the workflows current. pyrel pins them by full
# commit SHA; `pyrel generate` adopts a newer pin Dependabot moves into the policy's
# `action-pins`. Written once by `pyrel init`: this file is yours.
version: 2
updates:
  - package-ecosystem: \"github-actions\"
    directory: \"/\"
    schedule:
      interval: \"weekly\"
    cooldown:
      default-days: 7
    groups:
      github-actions:
        patterns:
          - \"*\"
";

/// The repository's own Dependabot or Renovate configuration, if it has one.
fn action_updater(root: &Path) -> Option<std::path::PathBuf> {
    [
        ".github/dependabot.yml",
        ".github/dependabot.yaml",
        "renovate.json",
        "renovate.json5",
        ".github/renovate.json",
        ".github/renovate.json5",
        ".gitlab/renovate.json",
        ".renovaterc",
        ".renovaterc.json",
        ".renovaterc.json5",
    ]
    .into_iter()
    .map(std::path::PathBuf::from)
    .find(|rel| std::fs::symlink_metadata(root.join(rel)).is_ok())
}

/// Init with no package to release would write a release workflow that builds nothing:
/// refused, naming the first package pyrel could not read (file:line) when there is one.
fn nothing_to_release(project: &Project) -> Error {
    match project.problems.first() {
        Some(p) => Error::Parse {
            path: project.root.join(&p.path),
            line: p.line,
            column: None,
            message: format!("no package to release: {}", p.message),
            hint: p.hint.clone(),
        },
        None => Error::usage(
            "no package to release here: every Python project found is virtual or private",
            Some("give the project to release a [build-system] table (and no `Private :: Do Not Upload` classifier), then run `pyrel init` again"),
        ),
    }
}

/// What init found and chose, as the JSON document says it.
fn describe(doc: &mut InitDoc, project: &Project, policy: &Policy, c: &choices::Choices) {
    doc.versioning = Some(match policy.versioning {
        Versioning::Lockstep => "lockstep",
        Versioning::Independent => "independent",
    });
    doc.tag_format = Some(policy.tag_format.to_string());
    doc.packages = project
        .packages
        .iter()
        .map(|p| InitPackage {
            name: p.name.clone(),
            version: match p.scheme {
                project::VersionScheme::Vcs { .. } => None,
                _ => p.version().map(str::to_owned),
            },
            dir: if p.dir.as_os_str().is_empty() {
                ".".into()
            } else {
                slash(&p.dir)
            },
            vcs: matches!(p.scheme, project::VersionScheme::Vcs { .. }),
        })
        .collect();
    doc.not_released = project
        .skipped
        .iter()
        .map(|s| documents::SkippedDoc {
            name: s.name.clone(),
            dir: slash(&s.dir),
            reason: s.reason,
            why: s.reason.describe(),
        })
        .collect();
    doc.unreadable = project
        .problems
        .iter()
        .map(|p| documents::ProblemDoc {
            package: p.package.clone(),
            path: slash(&p.path),
            line: p.line,
            message: p.message.clone(),
        })
        .collect();
    doc.python_versions = policy.python_versions.clone();
    if policy.tests == TestsMode::Existing {
        doc.existing_checks = policy.required_checks.clone();
    }
    doc.changelog = match (&project.towncrier, &policy.files.changelog) {
        (Some(t), _) => Some(InitChangelog {
            path: slash(&t.filename),
            source: "towncrier",
            format: project::changelogs::format_of(&t.filename),
            fragments: Some(slash(&t.directory)),
        }),
        (None, Some(p)) => Some(InitChangelog {
            path: slash(p),
            source: if project.changelogs.contains(p) {
                "existing"
            } else {
                "seeded"
            },
            format: project::changelogs::format_of(p),
            fragments: None,
        }),
        (None, None) => None,
    };
    doc.token_publishers = c
        .publishers
        .iter()
        .filter(|p| !p.secrets.is_empty())
        .map(|p| slash(&p.path))
        .collect();
}

/// What init found and chose, said before anything is written.
fn summary(project: &Project, policy: &Policy, c: &choices::Choices) {
    let n = project.packages.len();
    outln!(
        "pyrel found {n} package{} to release ({}, tags `{}`):",
        if n == 1 { "" } else { "s" },
        match policy.versioning {
            Versioning::Lockstep => "lockstep: one shared version",
            Versioning::Independent => "independent versions",
        },
        policy.tag_format
    );
    for p in &project.packages {
        let v = match (&p.scheme, p.version()) {
            (project::VersionScheme::Vcs { .. }, _) => "(version from git tags)",
            (_, Some(v)) => v,
            (_, None) => "(version unreadable)",
        };
        let dir = slash(&p.dir);
        outln!(
            "  {} {v}{}",
            p.name,
            if dir.is_empty() {
                String::new()
            } else {
                format!(" ({dir})")
            }
        );
    }
    for s in &project.skipped {
        outln!(
            "  not released: {} ({}): {}",
            s.name,
            slash(&s.manifest),
            s.reason.describe()
        );
    }
    for pr in &project.problems {
        outln!(
            "  version unreadable: {}{}: {}",
            slash(&pr.path),
            pr.line.map(|l| format!(":{l}")).unwrap_or_default(),
            pr.message
        );
    }
    for (name, file, v, shared) in &c.drift {
        outln!(
            "  version drift: {name} is {v} in {}, but its other version sources and the other packages say {shared}: lockstep kept, `pyrel doctor` reports the file until it says {shared}",
            slash(file)
        );
    }
    outln!(
        "  python versions tested: {}",
        policy.python_versions.join(", ")
    );
    match (&project.towncrier, &policy.files.changelog) {
        (Some(t), _) => outln!(
            "  changelog: towncrier builds {} from {}/ (bump writes nothing to it)",
            slash(&t.filename),
            slash(&t.directory)
        ),
        (None, Some(p)) if project.changelogs.contains(p) => outln!(
            "  changelog: {} ({}), new sections in its own style",
            slash(p),
            project::changelogs::format_of(p)
        ),
        (None, Some(p)) => outln!(
            "  changelog: none yet; {} is seeded (Keep a Changelog)",
            slash(p)
        ),
        (None, None) => {}
    }
    if policy.tests == TestsMode::Existing {
        outln!(
            "  tests: your existing workflows ({}), no second test workflow",
            policy.required_checks.join(", ")
        );
    } else if !c.unfit_checks.is_empty() {
        outln!(
            "  tests: no existing test check runs on every commit of `{}`, so the release could never pass its gate on them: pyrel writes its test workflow",
            policy.default_branch
        );
    }
    // Each test job left out of the gate once, with why (a handful, then a count).
    let mut seen = std::collections::HashSet::new();
    let unfit: Vec<_> = c
        .unfit_checks
        .iter()
        .filter(|s| seen.insert((s.job.clone(), s.workflow.clone())))
        .collect();
    for s in unfit.iter().take(5) {
        outln!(
            "  not gated on `{}` ({}): {}",
            s.name,
            slash(&s.workflow),
            s.unfit.as_deref().unwrap_or_default()
        );
    }
    if unfit.len() > 5 {
        outln!("  ... and {} more test jobs not gated on", unfit.len() - 5);
    }
}

/// From token publishing to Trusted Publishing, for this repository: which secrets
/// reach an upload and where, what to register on PyPI, the trigger change, what to do
/// with the old workflow, then revoking the token and deleting the secret.
fn migration(policy: &Policy, c: &choices::Choices, replaced: &[std::path::PathBuf]) {
    if policy.publish != PublishMode::Trusted {
        return;
    }
    let olds: Vec<&choices::Publisher> = c
        .publishers
        .iter()
        .filter(|p| !p.generated && !p.secrets.is_empty())
        .collect();
    if olds.is_empty() {
        return;
    }
    let guide = policy
        .files
        .releasing_guide
        .as_deref()
        .map(slash)
        .unwrap_or_else(|| "RELEASING.md".into());
    outln!("  from API tokens to Trusted Publishing (the steps are in {guide}, \"Moving from API tokens\"):");
    for p in &olds {
        let jobs: Vec<String> = p.jobs.iter().map(|j| format!("`{}`", j.id)).collect();
        outln!(
            "    - token secret{} {} reach{} the upload in {} (job {}), run on {}",
            if p.secrets.len() == 1 { "" } else { "s" },
            p.secrets.join(", "),
            if p.secrets.len() == 1 { "es" } else { "" },
            slash(&p.path),
            jobs.join(", "),
            p.on()
        );
    }
    let workflow = policy
        .files
        .release_workflow
        .as_deref()
        .and_then(|p| p.file_name())
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    outln!(
        "    - on PyPI, add a Trusted Publisher (workflow `{workflow}`, environment `{}`) to each project that already exists; a pending publisher only for a new one",
        policy.pypi_environment
    );
    outln!(
        "    - releases start from a pushed tag (`{}`), no longer from the events above",
        policy.tag_format
    );
    for p in &olds {
        if replaced.iter().any(|r| slash(r) == slash(&p.path)) {
            outln!(
                "    - {} is replaced by pyrel's release workflow",
                slash(&p.path)
            );
        } else {
            outln!(
                "    - remove the upload from {} once pyrel's workflow has released",
                slash(&p.path)
            );
        }
    }
    let mut secrets: Vec<&str> = olds
        .iter()
        .flat_map(|p| p.secrets.iter().map(String::as_str))
        .collect();
    secrets.sort_unstable();
    secrets.dedup();
    let deletes: Vec<String> = secrets
        .iter()
        .map(|s| format!("`gh secret delete {s}`"))
        .collect();
    outln!(
        "    - then revoke the token on PyPI and delete the secret: {}",
        deletes.join(", ")
    );
}

/// Interactive questions, with the detected values as defaults.
fn ask(policy: &mut Policy) -> Result<()> {
    use dialoguer::{Input, Select};
    let io = |e: dialoguer::Error| Error::usage(format!("prompt failed: {e}"), None);
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
    let approvals: u32 = Input::new()
        .with_prompt(
            "Approving reviews required on pull requests (0 when you are the only maintainer)",
        )
        .default(policy.required_approvals)
        .interact_text()
        .map_err(io)?;
    policy::apply_override(policy, &format!("required-approvals={approvals}"))?;
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
