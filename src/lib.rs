//! pyrel: release engineering for Python repositories that publish to PyPI from GitHub Actions.
//!
//! Data flows one way: discover → policy → plan → apply/diff → report.
//!
//! Every module is `pub(crate)`: the compiler sees what nothing uses. The binary uses
//! [`run`]; the integration tests and benches use exactly what [`testing`] re-exports.

#[macro_use]
pub(crate) mod term;
pub(crate) mod bump;
pub(crate) mod changelog;
pub(crate) mod check;
pub(crate) mod cli;
pub(crate) mod codes;
#[macro_use]
pub(crate) mod commands;
pub(crate) mod doctor;
pub(crate) mod error;
pub(crate) mod github_apply;
pub(crate) mod grammar;
pub(crate) mod hints;
pub(crate) mod indexes;
pub(crate) mod man;
pub(crate) mod policy;
pub(crate) mod project;
pub(crate) mod release;
pub(crate) mod remote;
pub(crate) mod render;
pub(crate) mod report;
pub(crate) mod sync;
pub(crate) mod toml_util;
pub(crate) mod version;
pub(crate) mod workspace_fs;

pub(crate) use error::{Error, Result};

/// What the binary (`src/main.rs`) runs.
#[doc(hidden)]
pub mod run {
    pub use crate::cli::{Cli, ColorChoice};
    pub use crate::commands::{run, stdout_failure, Outcome};
    pub use crate::term::terminal_safe;
}

/// The internals the integration tests and benches call, under their module paths
/// (`pyrel::testing::project::discover`). Not a stable API.
#[doc(hidden)]
pub mod testing {
    pub use crate::error::Error;

    pub mod bump {
        pub use crate::bump::release_state;
        pub mod git {
            pub use crate::bump::git::tags;
        }
        pub mod script {
            pub use crate::bump::script::with_data;
        }
    }
    pub mod changelog {
        pub use crate::changelog::{parse, release, section_notes, Changelog, RepoLinks};
    }
    pub mod cli {
        pub use crate::cli::Cli;
    }
    pub mod doctor {
        pub use crate::doctor::REGISTRY;
    }
    pub mod policy {
        pub use crate::policy::load;
    }
    pub mod project {
        pub use crate::project::{
            discover, order, Layout, Package, Project, SiblingDep, SourceKind, VcsTool,
            VersionScheme,
        };
    }
    pub mod remote {
        pub use crate::remote::{
            run_concurrently, token_from_env, GithubClient, GithubConfig, Job, PypiAnswer,
            PypiClient, RemoteError, RuleKind, Secret, TokenSource,
        };
    }
    pub mod render {
        pub use crate::render::plan;
        pub mod pins {
            pub use crate::render::pins::UV_VERSION;
        }
    }
    pub mod report {
        pub mod docs {
            pub use crate::report::docs::{check_path, pages};
        }
    }
    pub mod sync {
        pub use crate::sync::{hash, status};
    }
    pub mod version {
        pub use crate::version::{
            bump, check_tag, dev_version, is_normalized, normalize, parse, parse_bump_spec, route,
            BumpError, BumpPart, Version,
        };
    }
}
