//! TOML parsing that keeps spans, so every error can name the file, line and column.

use std::ops::Range;
use std::path::Path;

use toml_edit::ImDocument;

use crate::error::{Error, Result};
use crate::workspace_fs::line_col;

/// Parses TOML, keeping spans. A syntax error names the file, line and column.
pub(crate) fn parse(path: &Path, text: &str) -> Result<ImDocument<String>> {
    ImDocument::parse(text.to_owned()).map_err(|e| {
        let (line, column) = e
            .span()
            .map(|s| line_col(text, s.start))
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        let message = e.message().trim().to_string();
        Error::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: format!("invalid TOML: {message}"),
            hint: None,
        }
    })
}

/// The 1-based line of a span's start, when the span is known.
pub(crate) fn line_of(text: &str, span: Option<Range<usize>>) -> Option<usize> {
    span.map(|s| line_col(text, s.start).0)
}
