//! pyrel: release engineering for Python repositories that publish to PyPI from GitHub Actions.
//!
//! Data flows one way: discover → policy → plan → apply/diff → report.

pub mod bump;
pub mod changelog;
pub mod cli;
pub mod codes;
pub mod commands;
pub mod doctor;
pub mod error;
pub mod github_apply;
pub mod grammar;
pub mod hints;
pub mod indexes;
pub mod policy;
pub mod project;
pub mod release;
pub mod remote;
pub mod render;
pub mod report;
pub mod sync;
pub mod toml_util;
pub mod version;
pub mod workspace_fs;

pub use error::{Error, Result};
