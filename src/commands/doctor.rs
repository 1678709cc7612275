//! `pyrel doctor`: discover, load the policy, build the clients, run the checks, render.

use std::path::Path;
use std::time::Duration;

use super::Outcome;
use crate::cli::{DoctorArgs, DoctorFormat};
use crate::doctor::{self, checks, Code, Context, Online, Selection};
use crate::error::{Error, Result};
use crate::remote::{self, GithubClient, GithubConfig, PypiClient, Secret};
use crate::report::{self, Format};
use crate::{policy, project};

pub(crate) fn run(dir: &Path, args: &DoctorArgs) -> Result<Outcome> {
    if let Some(name) = &args.explain {
        return explain(name);
    }
    let select = doctor::parse_codes(&args.select, "--select")?;
    let ignore = doctor::parse_codes(&args.ignore, "--ignore")?;
    let located = project::locate(dir)?;
    // The credential scan needs only the root: it starts now and reads files while
    // discovery reads the packages (a policy that ignores the check drops its result).
    let scan = (select.is_empty() || select.contains(&Code::CommittedCredential))
        && !ignore.contains(&Code::CommittedCredential);
    let credential_scan = if scan {
        doctor::CredentialScan::start(&located.root)
    } else {
        doctor::CredentialScan::default()
    };
    let project = located.scan()?;
    let (policy, policy_source, policy_error) = match policy::load(&project) {
        Ok((p, Some(s))) => (p, Some(s), None),
        // Before `pyrel init`: judge the repository as init would set it up.
        Ok((_, None)) => (crate::policy::proposed(&project).0, None, None),
        Err(e @ (Error::Policy { .. } | Error::Parse { .. })) => {
            let source = policy::locate(&project.root).ok().flatten().map(|(s, _)| s);
            (policy::Policy::default(), source, Some(e))
        }
        Err(e) => return Err(e),
    };
    let timeout = args
        .timeout
        .map(Duration::from_millis)
        .unwrap_or(remote::DEFAULT_TIMEOUT);
    let offline = args.offline;
    let (github, token) = github_client(&project, &policy, timeout, offline);
    let mut pypi = PypiClient::from_env();
    pypi = PypiClient::new(pypi.base().to_owned(), timeout);
    let policy_ignores = policy
        .doctor_ignore
        .iter()
        .filter_map(|i| Code::lookup(&i.check).map(|c| (c, i.reason.clone())))
        .collect();
    let ctx = Context {
        project,
        policy,
        policy_source,
        policy_error,
        online: Online { github, pypi },
        credential_scan,
        workflows: Default::default(),
    };
    let selection = Selection {
        select,
        ignore,
        policy_ignores,
        offline,
    };
    report::verbose_where(&ctx.project.root, ctx.policy_source.as_ref());
    let format = match args.format {
        DoctorFormat::Human => Format::Terminal,
        DoctorFormat::Json => Format::Json,
        DoctorFormat::Sarif => Format::Sarif,
        DoctorFormat::Github => Format::Github,
    };
    let started = std::time::Instant::now();
    let mut report = {
        let _progress = (!offline && format == Format::Terminal)
            .then(|| report::Progress::start("pyrel doctor: asking GitHub and PyPI"));
        doctor::run(&ctx, &selection)
    };
    if ctx.policy_source.is_none() {
        // Without a policy `pyrel generate` refuses: every hint points at `pyrel init`,
        // which writes the policy and the same files.
        for f in report.checks.iter_mut().flat_map(|c| c.findings.iter_mut()) {
            if let Some(h) = &mut f.hint {
                if h.contains("pyrel generate") {
                    *h = h
                        .replace("`pyrel generate --force`", "`pyrel init --force`")
                        .replace("`pyrel generate`", "`pyrel init`");
                }
            }
        }
    }
    report::verbose(format_args!(
        "{} checks in {} ms",
        report.checks.len(),
        started.elapsed().as_millis()
    ));
    let secrets: Vec<&Secret> = token.iter().collect();
    let text = report::render(&report, format, &secrets);
    if format == Format::Github {
        // Workflow commands on purpose: the one output whose line starts are kept.
        crate::term::write_commands(&text);
    } else {
        out!("{text}");
    }
    Ok(if report.failed(args.strict) {
        Outcome::Failure
    } else {
        Outcome::Success
    })
}

/// The GitHub client, or why the GitHub checks cannot be answered. No token is looked up
/// offline (`gh auth token` is a subprocess, and offline means fast).
fn github_client(
    project: &project::Project,
    policy: &policy::Policy,
    timeout: Duration,
    offline: bool,
) -> (std::result::Result<GithubClient, String>, Option<Secret>) {
    if offline {
        return (Err("offline".into()), None);
    }
    // The policy's `repository` wins over the origin remote, as in the rendered files.
    let Some((owner, repo)) = policy.github_repo(project) else {
        return (
            Err("no GitHub `origin` remote, so the repository on GitHub is unknown; hint: `git remote add origin https://github.com/OWNER/REPO.git`".into()),
            None,
        );
    };
    let Some((token, _source)) = remote::token_from_env() else {
        return (
            Err("no GitHub token; hint: set GH_TOKEN (or GITHUB_TOKEN), or log in with `gh auth login`".into()),
            None,
        );
    };
    let mut config = GithubConfig::new(owner, repo);
    config.token = Some(token.clone());
    config.timeout = timeout;
    (Ok(GithubClient::new(config)), Some(token))
}

fn explain(name: &str) -> Result<Outcome> {
    if name.trim().is_empty() {
        for c in checks::REGISTRY {
            outln!(
                "{} {:<22} {}{}",
                c.code.id(),
                c.code.name(),
                c.summary,
                if c.online { " (online)" } else { "" }
            );
        }
        return Ok(Outcome::Success);
    }
    let code = doctor::parse_codes(&[name.to_owned()], "--explain")?;
    for code in code {
        if let Some(c) = checks::check(code) {
            out!("{}", c.explain());
        }
    }
    Ok(Outcome::Success)
}
