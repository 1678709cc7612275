//! GitHub REST and PyPI JSON API clients, used by `pyrel doctor`.
//!
//! The clients are blocking (ureq) and `Sync`, so doctor can run its remote checks
//! on plain threads ([`run_concurrently`]) without an async runtime. Every request
//! has a timeout, every failure is a [`RemoteError`] naming the endpoint, and no
//! message ever carries a token: every string of an answer passes through
//! [`server_text`] (redacted, escaped) where it enters, and [`Secret`] prints as `***`
//! in Display and Debug alike. The rules are stated in docs/security.md.
//!
//! Environment overrides (see DESIGN.md): `GITHUB_API_URL`, `GH_TOKEN` /
//! `GITHUB_TOKEN` (then `gh auth token` unless `PYREL_NO_GH` is set),
//! `PYREL_PYPI_URL`.

mod error;
mod github;
mod github_types;
mod http;
mod pypi;
mod secret;

pub use error::RemoteError;
pub(crate) use github::token_from_env_only;
pub use github::{token_from_env, GithubClient, GithubConfig, TokenSource};
pub(crate) use github::{MergeSettings, PullRequest};
pub use github_types::RuleKind;
pub(crate) use github_types::{
    BranchProtection, BranchRule, DeploymentBranchPolicy, Enabled, Environment, Ruleset,
    RulesetDetail, WorkflowRun,
};
pub(crate) use pypi::normalize_project_name;
pub use pypi::{PypiAnswer, PypiClient};
pub use secret::Secret;
pub(crate) use secret::{clean_json, redact, redact_known, remember, server_text};

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

/// Default timeout of one request: long enough for a slow API, short enough that
/// doctor never feels hung.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// A rate-limited request is retried once when the server asks to wait at most this
/// long; a longer wait is reported instead of blocking the user.
pub(crate) const DEFAULT_RETRY_CAP: Duration = Duration::from_secs(5);

/// Upper bound on threads started by [`run_concurrently`]: the jobs are network-bound,
/// and GitHub's secondary rate limits punish bursts of many concurrent requests.
pub(crate) const MAX_CONCURRENCY: usize = 8;

/// A job for [`run_concurrently`]; it may borrow from the caller (e.g. a client).
pub type Job<'a, T> = Box<dyn FnOnce() -> T + Send + 'a>;

/// Runs the jobs on at most [`MAX_CONCURRENCY`] scoped threads and returns their
/// results in the order of the jobs.
///
/// Doctor's remote checks are independent HTTP round trips; running them side by side
/// makes the total wait the slowest request instead of the sum. A panicking job is a
/// bug and propagates to the caller.
pub fn run_concurrently<'a, T: Send>(jobs: Vec<Job<'a, T>>) -> Vec<T> {
    let count = jobs.len();
    if count <= 1 {
        return jobs.into_iter().map(|job| job()).collect();
    }
    let queue: Mutex<VecDeque<(usize, Job<'a, T>)>> =
        Mutex::new(jobs.into_iter().enumerate().collect());
    let results: Mutex<Vec<Option<T>>> = Mutex::new((0..count).map(|_| None).collect());
    let work = || loop {
        // A poisoned lock means another job panicked; the scope re-raises that panic, so
        // this worker just takes the data and carries on.
        let next = queue
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop_front();
        let Some((index, job)) = next else { break };
        let value = job();
        results
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)[index] = Some(value);
    };
    std::thread::scope(|scope| {
        // The calling thread is one of the workers: when no other thread can be started
        // (a low process limit), the jobs still run, one after the other.
        for _ in 1..count.min(MAX_CONCURRENCY) {
            if std::thread::Builder::new()
                .spawn_scoped(scope, work)
                .is_err()
            {
                break;
            }
        }
        work();
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_order_of_the_jobs() {
        let jobs: Vec<Job<'_, usize>> = (0..20usize)
            .map(|i| {
                Box::new(move || {
                    std::thread::sleep(Duration::from_millis(((20 - i) % 5) as u64));
                    i * 2
                }) as Job<'_, usize>
            })
            .collect();
        assert_eq!(
            run_concurrently(jobs),
            (0..20usize).map(|i| i * 2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn jobs_run_side_by_side() {
        let start = std::time::Instant::now();
        let jobs: Vec<Job<'_, ()>> = (0..4)
            .map(|_| Box::new(|| std::thread::sleep(Duration::from_millis(200))) as Job<'_, ()>)
            .collect();
        run_concurrently(jobs);
        assert!(
            start.elapsed() < Duration::from_millis(700),
            "{:?}",
            start.elapsed()
        );
    }

    #[test]
    fn jobs_may_borrow() {
        let data = [1, 2, 3];
        let jobs: Vec<Job<'_, i32>> = vec![
            Box::new(|| data.iter().sum()),
            Box::new(|| data.iter().product()),
        ];
        assert_eq!(run_concurrently(jobs), vec![6, 6]);
        assert!(run_concurrently::<i32>(Vec::new()).is_empty());
    }
}
