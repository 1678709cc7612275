//! One thin file per verb: orchestration only.

#[macro_use]
pub(crate) mod output;
mod adopt;
mod bump;
mod check;
mod doctor;
mod generate;
mod github;
mod init;
mod release;
mod version;

pub use crate::term::stdout_failure;

use std::path::PathBuf;

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};
use crate::workspace_fs::{LockError, WriteLock};

/// How a command ended, when it did not fail with an [`Error`] (exit 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Exit 0.
    Success,
    /// Exit 1: drift found, an error finding, a refused write.
    Failure,
}

pub fn run(cli: Cli) -> Result<Outcome> {
    crate::report::set_verbosity(match (cli.quiet, cli.verbose) {
        (true, _) => crate::report::Verbosity::Quiet,
        (_, true) => crate::report::Verbosity::Verbose,
        _ => crate::report::Verbosity::Normal,
    });
    // The two that describe pyrel itself need no repository.
    match &cli.command {
        Command::Completions(args) => return completions(args.shell),
        Command::Man(args) => return write_stdout(&crate::man::page(args.verb.as_deref())?),
        _ => {}
    }
    let dir = working_dir(cli.directory)?;
    match cli.command {
        Command::Init(args) => init::run(&dir, &args),
        Command::Generate(args) => generate::run(&dir, &args),
        Command::Version(args) => version::run(&dir, &args),
        Command::Doctor(args) => doctor::run(&dir, &args),
        Command::Bump(args) => bump::run(&dir, &args),
        Command::Github(command) => github::run(&dir, &command),
        Command::Release(args) => release::run(&dir, &args),
        Command::Check(args) => check::run(&dir, &args),
        Command::Completions(_) | Command::Man(_) => Ok(Outcome::Success),
    }
}

fn completions(shell: clap_complete::Shell) -> Result<Outcome> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut cmd, "pyrel", &mut out);
    write_stdout(&out)
}

/// Raw output (completions, man pages) through the same never-panicking stdout as
/// every verb: a closed pipe ends quietly, a full disk is reported by `main`.
fn write_stdout(bytes: &[u8]) -> Result<Outcome> {
    output::write_bytes(bytes);
    Ok(Outcome::Success)
}

/// Takes the repository's one-writer lock ([`WriteLock`]) for a verb that writes
/// (`writes`; a check or a dry run takes none: `Ok(Ok(None))`). `Ok(Err(outcome))`:
/// another pyrel is writing; the message is printed and the verb must end with
/// `outcome` (exit 1) having written nothing.
fn write_lock(
    root: &std::path::Path,
    writes: bool,
) -> Result<std::result::Result<Option<WriteLock>, Outcome>> {
    if !writes {
        return Ok(Ok(None));
    }
    match WriteLock::acquire(root) {
        Ok(lock) => Ok(Ok(Some(lock))),
        Err(LockError::Busy(path)) => {
            errln!(
                "error: another pyrel is writing in this repository (it holds {}); nothing was written",
                path.display()
            );
            errln!("  hint: run the command again when the other one has finished");
            Ok(Err(Outcome::Failure))
        }
        Err(LockError::Other(e)) => Err(e),
    }
}

fn working_dir(directory: Option<PathBuf>) -> Result<PathBuf> {
    let cwd = std::env::current_dir().map_err(|e| Error::io(".", e))?;
    let dir = match directory {
        Some(d) if d.is_absolute() => d,
        Some(d) => cwd.join(d),
        None => cwd,
    };
    if !dir.is_dir() {
        return Err(Error::usage(
            format!("-C {}: not a directory", dir.display()),
            None,
        ));
    }
    dir.canonicalize().map_err(|e| Error::io(&dir, e))
}
