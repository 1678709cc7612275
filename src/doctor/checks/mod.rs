//! One file per check; each starts with its metadata on one line (`pub const CHECK`),
//! and [`REGISTRY`] lists them in report order.

use super::{Code, Context, Outcome};

mod branch_protection;
mod changelog;
mod committed_credential;
pub(crate) use committed_credential::{scan as scan_credentials, Scanned};
mod drift;
mod github_environments;
mod github_secrets;
mod gitignore_credentials;
mod policy;
mod pypi_version;
mod release_workflow;
mod sibling_pins;
mod tag_version;
mod version_format;
mod version_sync;

/// A check: its code, a one-line summary, whether it needs the network, its
/// documentation (what it checks / why it matters / how to fix, shown by `--explain`
/// and in SARIF help), and the function that runs it.
#[derive(Debug)]
pub struct Check {
    pub code: Code,
    pub(crate) summary: &'static str,
    pub(crate) online: bool,
    pub(crate) docs: &'static str,
    pub(crate) run: fn(&Context) -> Outcome,
}

impl Check {
    /// The `--explain` text: title line, summary, then the documentation.
    pub(crate) fn explain(&self) -> String {
        format!(
            "{} {}{}\n\n{}\n\n{}\n",
            self.code.id(),
            self.code.name(),
            if self.online { " (online)" } else { "" },
            self.summary,
            self.docs.trim()
        )
    }
}

/// Every check, in report order (the order of [`Code::ALL`]).
pub const REGISTRY: &[Check] = &[
    drift::CHECK,
    policy::CHECK,
    release_workflow::CHECK,
    version_format::CHECK,
    version_sync::CHECK,
    sibling_pins::CHECK,
    tag_version::CHECK,
    changelog::CHECK,
    committed_credential::CHECK,
    gitignore_credentials::CHECK,
    github_environments::CHECK,
    github_secrets::CHECK,
    branch_protection::CHECK,
    pypi_version::CHECK,
];

/// The check of a code.
pub(crate) fn check(code: Code) -> Option<&'static Check> {
    REGISTRY.iter().find(|c| c.code == code)
}

/// The GitHub client, or the `unknown` outcome saying why there is none.
fn github(ctx: &Context) -> Result<&crate::remote::GithubClient, Outcome> {
    ctx.online
        .github
        .as_ref()
        .map_err(|why| Outcome::Unknown(why.clone()))
}

/// A failed request is an `unknown`, never a pass; the reason carries the hint.
fn unknown(e: &crate::remote::RemoteError) -> Outcome {
    Outcome::Unknown(match e.hint() {
        Some(h) => format!("{e}; hint: {h}"),
        None => e.to_string(),
    })
}

/// Where remote findings point: the release workflow on disk, else the policy file,
/// at the first line mentioning `needle`.
fn workflow_location(ctx: &Context, needles: &[String]) -> (std::path::PathBuf, Option<usize>) {
    if let Some(rw) = &ctx.policy.files.release_workflow {
        if let Some(text) = ctx.read(rw) {
            let line = needles.iter().find_map(|n| super::find_line(&text, n, 1));
            return (rw.clone(), line);
        }
    }
    (ctx.policy_path(), None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_has_every_code_once_in_order() {
        let codes: Vec<Code> = REGISTRY.iter().map(|c| c.code).collect();
        assert_eq!(codes, Code::ALL);
    }

    #[test]
    fn every_check_is_documented_with_the_three_headings() {
        for c in REGISTRY {
            assert!(
                !c.summary.is_empty() && !c.summary.contains('\n'),
                "{}",
                c.code
            );
            for heading in ["What it checks", "Why it matters", "How to fix"] {
                assert!(c.docs.contains(heading), "{} lacks `{heading}`", c.code);
            }
        }
        let online: Vec<&str> = REGISTRY
            .iter()
            .filter(|c| c.online)
            .map(|c| c.code.name())
            .collect();
        assert_eq!(
            online,
            [
                "github-environments",
                "github-secrets",
                "branch-protection",
                "pypi-version"
            ]
        );
    }
}
