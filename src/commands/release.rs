//! `pyrel release`: see `crate::release`.

use std::path::Path;

use super::Outcome;
use crate::cli::ReleaseArgs;
use crate::error::Result;

pub fn run(_dir: &Path, _args: &ReleaseArgs) -> Result<Outcome> {
    Ok(Outcome::Failure)
}
