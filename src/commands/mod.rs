//! One thin file per verb: orchestration only.

mod bump;
mod doctor;
mod generate;
mod init;
mod output;
mod version;

use std::path::PathBuf;

use crate::cli::{Cli, Command};
use crate::error::{Error, Result};

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
    let dir = working_dir(cli.directory)?;
    match cli.command {
        Command::Init(args) => init::run(&dir, &args),
        Command::Generate(args) => generate::run(&dir, &args),
        Command::Version(args) => version::run(&dir, &args),
        Command::Doctor(args) => doctor::run(&dir, &args),
        Command::Bump(args) => bump::run(&dir, &args),
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
