//! Errors that stop a command. Every user-fixable variant carries a hint.
//!
//! Any `Error` maps to exit code 2 ("usage or input error, nothing was written").

use std::path::PathBuf;

pub(crate) type Result<T, E = Error> = std::result::Result<T, E>;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// A file is not valid UTF-8.
    #[error("{path}: not valid UTF-8 (invalid byte at offset {offset})")]
    NotUtf8 { path: PathBuf, offset: usize },

    /// A file could not be parsed (TOML, setup.py, setup.cfg, YAML, ...).
    /// `line`/`column` are 1-based when known.
    #[error("{}: {message}", location(path, *line, *column))]
    Parse {
        path: PathBuf,
        line: Option<usize>,
        column: Option<usize>,
        message: String,
        hint: Option<String>,
    },

    /// The directory is not inside a Python project.
    #[error("{dir}: not a Python project (no pyproject.toml, setup.py, setup.cfg or pyrel.toml found here or in any parent up to the repository root)")]
    NotPythonProject { dir: PathBuf },

    /// The policy is invalid (unknown key, wrong type, inconsistent value).
    #[error("{}: {message}", location(path, *line, None))]
    Policy {
        path: PathBuf,
        line: Option<usize>,
        message: String,
        hint: Option<String>,
    },

    /// Sibling dependencies form a cycle.
    #[error("dependency cycle between packages: {}", cycle.join(" -> "))]
    DependencyCycle { cycle: Vec<String> },

    /// A path would leave the repository root.
    #[error("refusing path outside the repository root: {path}")]
    PathEscape { path: PathBuf },

    /// A bug in pyrel, not something the user did: a state the code believes impossible.
    #[error("internal error (this is a bug in pyrel, not in your repository): {message}")]
    Internal { message: String },

    /// Anything else the user can fix, with a message and a hint.
    #[error("{message}")]
    Usage {
        message: String,
        hint: Option<String>,
    },
}

fn location(path: &std::path::Path, line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("{}:{l}:{c}", path.display()),
        (Some(l), None) => format!("{}:{l}", path.display()),
        _ => path.display().to_string(),
    }
}

impl Error {
    /// A line telling the user how to fix the problem, when there is one.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Parse { hint, .. } | Error::Policy { hint, .. } | Error::Usage { hint, .. } => {
                hint.clone()
            }
            Error::NotUtf8 { .. } => Some("save the file as UTF-8".into()),
            Error::NotPythonProject { .. } => Some(
                "run pyrel inside a Python repository, or point at one with `pyrel -C DIR doctor` (any verb)".into(),
            ),
            Error::DependencyCycle { .. } => Some(
                "remove one of the dependencies so the packages can be released in order".into(),
            ),
            Error::PathEscape { .. } => Some(
                "managed file paths in the policy must be relative and stay inside the repository"
                    .into(),
            ),
            Error::Internal { .. } => Some(
                "please report it with the command you ran and `pyrel --version`; nothing was written".into(),
            ),
            Error::Io { .. } => None,
        }
    }

    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// A bug in pyrel (see [`Error::Internal`]).
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        Error::Internal {
            message: message.into(),
        }
    }

    pub(crate) fn usage(message: impl Into<String>, hint: Option<&str>) -> Self {
        Error::Usage {
            message: message.into(),
            hint: hint.map(str::to_owned),
        }
    }

    pub(crate) fn parse(
        path: impl Into<PathBuf>,
        line: Option<usize>,
        column: Option<usize>,
        message: impl Into<String>,
    ) -> Self {
        Error::Parse {
            path: path.into(),
            line,
            column,
            message: message.into(),
            hint: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_errors_say_they_are_bugs() {
        let e = Error::internal("the plan lost a file");
        assert!(e.to_string().contains("this is a bug in pyrel"), "{e}");
        assert!(e.to_string().contains("the plan lost a file"));
        assert!(e.hint().is_some_and(|h| h.contains("report")));
        assert!(!matches!(e, Error::Usage { .. }));
    }
}
