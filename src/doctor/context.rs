//! What the checks look at: the project on disk, its policy, and the remote clients.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use crate::error::Error;
use crate::policy::{Policy, PolicySource};
use crate::project::choices::Workflow;
use crate::project::Project;
use crate::remote::{GithubClient, PypiClient};

/// Read-only input of every check. `Sync`: online checks share it across threads.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) project: Project,
    /// The policy in force: the repo's, or the defaults when it has none or it does not
    /// load (the `policy` check reports why), so the other checks still say something.
    pub(crate) policy: Policy,
    pub(crate) policy_source: Option<PolicySource>,
    /// Why the policy did not load.
    pub(crate) policy_error: Option<Error>,
    pub(crate) online: Online,
    /// The credential scan, when it was started before discovery.
    pub(crate) credential_scan: CredentialScan,
    /// Workflows read and parsed so far, by path relative to the root.
    pub(crate) workflows: Mutex<HashMap<PathBuf, Option<Arc<Workflow>>>>,
}

/// The credential scan of the repository, started on a thread of its own as soon as the
/// root is known: it reads only files below the root, so it runs while discovery reads the
/// packages (on 1,000 packages it is the longest check). `default()` when not started:
/// the check then scans when it runs.
#[derive(Debug, Default)]
pub(crate) struct CredentialScan(Mutex<Option<JoinHandle<ScanResult>>>);

type ScanResult = Result<super::checks::Scanned, String>;

impl CredentialScan {
    /// Starts scanning `root` (when no thread can be started, the check scans when it runs).
    pub(crate) fn start(root: &Path) -> Self {
        let root = root.to_path_buf();
        let handle = std::thread::Builder::new()
            .name("credential-scan".into())
            .spawn(move || super::checks::scan_credentials(&root))
            .ok();
        CredentialScan(Mutex::new(handle))
    }
}

/// The remote side. Built even with `--offline` (no request is made until an online
/// check runs, and those are skipped then).
#[derive(Debug)]
pub(crate) struct Online {
    /// The client, or why GitHub cannot be asked (no token, no GitHub remote): the
    /// GitHub checks answer `unknown` with this text.
    pub(crate) github: Result<GithubClient, String>,
    pub(crate) pypi: PypiClient,
}

impl Context {
    /// The file the policy lives in, or where it would go.
    pub(crate) fn policy_path(&self) -> PathBuf {
        match &self.policy_source {
            Some(s) => s.path().to_path_buf(),
            None if self.project.root.join("pyproject.toml").is_file() => "pyproject.toml".into(),
            None => "pyrel.toml".into(),
        }
    }

    /// The line of `key = ` in the policy file, to point findings at the setting.
    pub(crate) fn policy_line(&self, key: &str) -> Option<usize> {
        let text =
            crate::workspace_fs::read_regular_string(self.project.root.join(self.policy_path()))
                .ok()?;
        let mut in_pyrel = matches!(self.policy_source, Some(PolicySource::PyrelToml(_)));
        for (i, line) in text.lines().enumerate() {
            let t = line.trim_start();
            if t.starts_with('[') {
                in_pyrel = matches!(self.policy_source, Some(PolicySource::PyrelToml(_)))
                    || t.starts_with("[tool.pyrel");
            }
            if in_pyrel
                && t.strip_prefix(key)
                    .is_some_and(|rest| rest.trim_start().starts_with('='))
            {
                return Some(i + 1);
            }
        }
        None
    }

    /// What the credential scan found: the one started early, or a scan now.
    pub(crate) fn credential_scan(&self) -> ScanResult {
        let started = self
            .credential_scan
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        match started {
            Some(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            None => super::checks::scan_credentials(&self.project.root),
        }
    }

    /// A workflow relative to the root, read and parsed once for every check that asks.
    pub(crate) fn workflow(&self, rel: &Path) -> Option<Arc<Workflow>> {
        let mut cache = self.workflows.lock().unwrap_or_else(|e| e.into_inner());
        cache
            .entry(rel.to_path_buf())
            .or_insert_with(|| Workflow::read(&self.project.root, rel))
            .clone()
    }

    /// Every check name the repository's own workflows report, with where from.
    pub(crate) fn check_sources(&self) -> Vec<crate::project::choices::CheckSource> {
        crate::project::choices::check_sources(
            &self.project,
            |rel| self.workflow(rel),
            &self.policy.default_branch,
        )
    }

    /// The text of a file relative to the root, `None` when missing or unreadable.
    pub(crate) fn read(&self, rel: &std::path::Path) -> Option<String> {
        crate::workspace_fs::read_text_opt(&self.project.root.join(rel))
            .ok()
            .flatten()
    }
}
