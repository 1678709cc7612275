//! Reading literals out of Python source without running Python.
//!
//! A small tokenizer that knows exactly what matters to find a literal safely: string
//! literals (all quote styles, prefixes and escapes), comments, bracket nesting and
//! logical lines. `setup.py` reading and `__version__` lookups are built on it, so a
//! `version=` inside a comment or a string can never be mistaken for the real thing.

use std::ops::Range;
use std::path::Path;

use crate::error::{Error, Result};

/// A string literal as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PyStr {
    /// The raw text between the quotes (escapes not decoded), i.e. `text[inner]`.
    pub(crate) raw: String,
    /// The value with the common escapes decoded.
    pub(crate) value: String,
    /// Byte range of the text between the quotes.
    pub(crate) inner: Range<usize>,
    /// The lowercased prefix (`r`, `b`, `f`, `rb`, ...), empty for a plain string.
    pub(crate) prefix: String,
}

impl PyStr {
    /// A plain text literal: no f-string (which is computed) and no bytes.
    pub(crate) fn is_text(&self) -> bool {
        !self.prefix.contains('f') && !self.prefix.contains('b')
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tok {
    Name(String),
    Str(PyStr),
    /// Punctuation and operators; multi-character operators (`==`, `**`, `+=`) are one token.
    Op(String),
    /// Numbers and anything else that is not interesting.
    Other,
    /// The end of a logical line (only emitted outside brackets).
    Newline,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Token {
    pub(crate) tok: Tok,
    /// 1-based line of the token's first byte.
    pub(crate) line: usize,
    /// Byte column from the start of the physical line (0 = no indentation).
    pub(crate) col: usize,
}

impl Token {
    pub(crate) fn is_op(&self, op: &str) -> bool {
        matches!(&self.tok, Tok::Op(o) if o == op)
    }
    pub(crate) fn name(&self) -> Option<&str> {
        match &self.tok {
            Tok::Name(n) => Some(n),
            _ => None,
        }
    }
    /// The literal text of an f-string before its first `{` (`f"core{pin}"` → `core`).
    pub(crate) fn fstring_head(&self) -> Option<&str> {
        match &self.tok {
            Tok::Str(s) if s.prefix.contains('f') && !s.prefix.contains('b') => {
                s.raw.split('{').next()
            }
            _ => None,
        }
    }
    pub(crate) fn text_str(&self) -> Option<&PyStr> {
        match &self.tok {
            Tok::Str(s) if s.is_text() => Some(s),
            _ => None,
        }
    }
}

/// Tokenizes Python source. The only error is an unterminated string, reported with its line.
pub(crate) fn tokenize(text: &str, path: &Path) -> Result<Vec<Token>> {
    let b = text.as_bytes();
    let mut out: Vec<Token> = Vec::new();
    // A UTF-8 byte order mark is not part of the first line (Python ignores it too);
    // byte offsets stay those of the file, so edits keep the mark.
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut i = bom;
    let mut line = 1;
    let mut line_start = bom;
    let mut depth: usize = 0;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                if depth == 0 && out.last().is_some_and(|t| t.tok != Tok::Newline) {
                    out.push(Token {
                        tok: Tok::Newline,
                        line,
                        col: i - line_start,
                    });
                }
                i += 1;
                line += 1;
                line_start = i;
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'\\' if b.get(i + 1) == Some(&b'\n') => {
                // Explicit line continuation: no logical newline.
                i += 2;
                line += 1;
                line_start = i;
            }
            b'\\' if b.get(i + 1) == Some(&b'\r') && b.get(i + 2) == Some(&b'\n') => {
                i += 3;
                line += 1;
                line_start = i;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'"' | b'\'' => {
                let start_line = line;
                let col = i - line_start;
                let (s, end, newlines, last_nl) = read_string(text, i, i, path, line)?;
                if let Some(nl) = last_nl {
                    line_start = nl + 1;
                }
                line += newlines;
                out.push(Token {
                    tok: Tok::Str(s),
                    line: start_line,
                    col,
                });
                i = end;
            }
            _ if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] >= 0x80)
                {
                    i += 1;
                }
                let word = &text[start..i];
                let col = start - line_start;
                let is_prefix = word.len() <= 2
                    && word
                        .chars()
                        .all(|ch| matches!(ch.to_ascii_lowercase(), 'r' | 'b' | 'u' | 'f'));
                if is_prefix && matches!(b.get(i), Some(b'"' | b'\'')) {
                    let start_line = line;
                    let (s, end, newlines, last_nl) = read_string(text, start, i, path, line)?;
                    if let Some(nl) = last_nl {
                        line_start = nl + 1;
                    }
                    line += newlines;
                    out.push(Token {
                        tok: Tok::Str(s),
                        line: start_line,
                        col,
                    });
                    i = end;
                } else {
                    out.push(Token {
                        tok: Tok::Name(word.to_string()),
                        line,
                        col,
                    });
                }
            }
            _ if c.is_ascii_digit() => {
                let col = i - line_start;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'_' | b'.')) {
                    i += 1;
                }
                out.push(Token {
                    tok: Tok::Other,
                    line,
                    col,
                });
            }
            _ => {
                let col = i - line_start;
                let two = text.get(i..i + 2).unwrap_or("");
                let len = if matches!(
                    two,
                    "==" | "!=" | "<=" | ">=" | ":=" | "->" | "**" | "//" | "<<" | ">>"
                ) || (two.len() == 2
                    && two.ends_with('=')
                    && "+-*/%&|^@~".contains(&two[..1]))
                {
                    2
                } else {
                    // A single (possibly multi-byte) character.
                    text[i..].chars().next().map_or(1, char::len_utf8)
                };
                let op = &text[i..i + len];
                match op {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => depth = depth.saturating_sub(1),
                    _ => {}
                }
                out.push(Token {
                    tok: Tok::Op(op.to_string()),
                    line,
                    col,
                });
                i += len;
            }
        }
    }
    if out.last().is_some_and(|t| t.tok != Tok::Newline) {
        out.push(Token {
            tok: Tok::Newline,
            line,
            col: i - line_start,
        });
    }
    Ok(out)
}

/// Reads a string literal whose prefix starts at `start` and whose quote is at `q`.
/// Returns the literal, the end offset, the number of newlines inside, and the offset
/// of the last newline inside (to keep columns right after a multi-line string).
fn read_string(
    text: &str,
    start: usize,
    q: usize,
    path: &Path,
    line: usize,
) -> Result<(PyStr, usize, usize, Option<usize>)> {
    let b = text.as_bytes();
    let quote = b[q];
    let prefix = text[start..q].to_ascii_lowercase();
    let triple = b.get(q + 1) == Some(&quote) && b.get(q + 2) == Some(&quote);
    let qlen = if triple { 3 } else { 1 };
    let inner_start = q + qlen;
    let mut i = inner_start;
    let mut newlines = 0;
    let mut last_nl = None;
    loop {
        let Some(&c) = b.get(i) else {
            return Err(Error::Parse {
                path: path.to_path_buf(),
                line: Some(line),
                column: None,
                message: "unterminated string literal".into(),
                hint: None,
            });
        };
        if c == b'\\' {
            if b.get(i + 1) == Some(&b'\n') {
                newlines += 1;
                last_nl = Some(i + 1);
            }
            i += 2;
            continue;
        }
        if c == b'\n' {
            if !triple {
                return Err(Error::Parse {
                    path: path.to_path_buf(),
                    line: Some(line),
                    column: None,
                    message: "unterminated string literal".into(),
                    hint: None,
                });
            }
            newlines += 1;
            last_nl = Some(i);
        }
        if c == quote && (!triple || (b.get(i + 1) == Some(&quote) && b.get(i + 2) == Some(&quote)))
        {
            break;
        }
        i += 1;
    }
    let raw = &text[inner_start..i];
    let value = if prefix.contains('r') {
        raw.to_string()
    } else {
        unescape(raw)
    };
    Ok((
        PyStr {
            raw: raw.to_string(),
            value,
            inner: inner_start..i,
            prefix,
        },
        i + qlen,
        newlines,
        last_nl,
    ))
}

/// Decodes the escapes that can appear in names, versions and requirements; anything
/// unusual is kept as written.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\\') => out.push('\\'),
            Some('\'') => out.push('\''),
            Some('"') => out.push('"'),
            Some('\n') => {}
            Some(o) => {
                out.push('\\');
                out.push(o);
            }
            None => out.push('\\'),
        }
    }
    out
}

/// A module-level assignment `NAME = value` (also `NAME: type = value` and chains
/// `a = b = value`). Indented assignments (inside `if`, functions, classes) are not
/// module-level and are never returned.
#[derive(Debug, Clone)]
pub(crate) struct Assign<'t> {
    pub(crate) name: String,
    pub(crate) line: usize,
    /// The tokens of the value expression.
    pub(crate) value: &'t [Token],
}

/// Every module-level assignment, in file order.
pub(crate) fn module_assignments(tokens: &[Token]) -> Vec<Assign<'_>> {
    let mut out = Vec::new();
    for logical in tokens.split(|t| t.tok == Tok::Newline) {
        let Some(first) = logical.first() else {
            continue;
        };
        if first.col != 0 || first.name().is_none() {
            continue;
        }
        // Top-level `=` positions of this line (brackets are balanced within it).
        let mut depth = 0usize;
        let mut eqs = Vec::new();
        for (k, t) in logical.iter().enumerate() {
            if let Tok::Op(o) = &t.tok {
                match o.as_str() {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" => depth = depth.saturating_sub(1),
                    "=" if depth == 0 => eqs.push(k),
                    _ => {}
                }
            }
        }
        let Some(&last) = eqs.last() else {
            continue;
        };
        let value = &logical[last + 1..];
        let mut from = 0;
        for &eq in &eqs {
            let target = &logical[from..eq];
            let name = match target {
                [t] => t.name(),
                // An annotated assignment: `NAME: type = value`.
                [t, colon, ..] if colon.is_op(":") => t.name(),
                _ => None,
            };
            if let Some(name) = name {
                out.push(Assign {
                    name: name.to_string(),
                    line: target[0].line,
                    value,
                });
            }
            from = eq + 1;
        }
    }
    out
}

/// The value tokens as one plain string literal, if that is what they are.
pub(crate) fn single_str(value: &[Token]) -> Option<&PyStr> {
    match value {
        [t] => t.text_str(),
        _ => None,
    }
}

/// A literal found in a file: where it is and what it says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Literal {
    pub(crate) line: usize,
    pub(crate) span: Range<usize>,
    pub(crate) value: String,
}

/// The last module-level assignment of one of `names` to a plain string literal.
/// A non-literal assignment (e.g. `importlib.metadata.version(...)`) is not a literal:
/// when the last assignment is computed, there is no literal to report.
pub(crate) fn find_assigned_literal(
    text: &str,
    path: &Path,
    names: &[&str],
) -> Result<Option<Literal>> {
    let tokens = tokenize(text, path)?;
    let assigns = module_assignments(&tokens);
    let Some(mut at) = assigns
        .iter()
        .rposition(|a| names.contains(&a.name.as_str()))
    else {
        return Ok(None);
    };
    // `VERSION = "1.2.3"` then `__version__ = VERSION`: follow a plain name to the
    // literal it was last assigned before (a few hops at most, never in a loop).
    for _ in 0..4 {
        let a = &assigns[at];
        if let Some(s) = single_str(a.value) {
            return Ok(Some(Literal {
                line: a.line,
                span: s.inner.clone(),
                value: s.raw.clone(),
            }));
        }
        let [t] = a.value else { return Ok(None) };
        let Some(alias) = t.name() else {
            return Ok(None);
        };
        match assigns[..at].iter().rposition(|b| b.name == alias) {
            Some(i) => at = i,
            None => return Ok(None),
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lit(text: &str, names: &[&str]) -> Option<Literal> {
        find_assigned_literal(text, Path::new("x.py"), names).unwrap()
    }

    #[test]
    fn follows_an_alias_to_its_literal() {
        let t = "VERSION = \"1.2.3\"\n__version__ = VERSION\n";
        let l = lit(t, &["__version__"]).unwrap();
        assert_eq!((l.line, &t[l.span.clone()]), (1, "1.2.3"));
        assert!(lit("__version__ = get()\n", &["__version__"]).is_none());
        assert!(lit("__version__ = V\n", &["__version__"]).is_none());
    }

    #[test]
    fn finds_module_level_dunder_version() {
        let t = "\"\"\"Doc with __version__ = '9.9'\"\"\"\n# __version__ = \"0.0\"\n__version__ = \"1.2.3\"\n";
        let l = lit(t, &["__version__"]).unwrap();
        assert_eq!(
            (l.line, &t[l.span.clone()], l.value.as_str()),
            (3, "1.2.3", "1.2.3")
        );
    }

    #[test]
    fn single_quotes_annotation_and_chains() {
        let t = "from x import y\n__version__: str = '0.1.0'\n";
        let l = lit(t, &["__version__"]).unwrap();
        assert_eq!((l.line, &t[l.span]), (2, "0.1.0"));
        let t = "__version__ = version = '4.5.6'\n";
        assert_eq!(&t[lit(t, &["__version__"]).unwrap().span], "4.5.6");
        assert_eq!(&t[lit(t, &["version"]).unwrap().span], "4.5.6");
    }

    #[test]
    fn computed_and_indented_are_not_literals() {
        assert!(lit(
            "import importlib.metadata\n__version__ = importlib.metadata.version(\"x\")\n",
            &["__version__"]
        )
        .is_none());
        assert!(lit("if True:\n    __version__ = \"1.0\"\n", &["__version__"]).is_none());
        assert!(lit("__version__ = f\"{1}.0\"\n", &["__version__"]).is_none());
        assert!(lit("__version__ = \"1\" + \"0\"\n", &["__version__"]).is_none());
        assert!(lit("__version__ == \"1.0\"\n", &["__version__"]).is_none());
    }

    #[test]
    fn lines_stay_right_after_triple_quotes_and_continuations() {
        let t = "X = '''a\nb\nc'''\nY = \\\n  1\n__version__ = 'v'\n";
        let toks = tokenize(t, Path::new("x.py")).unwrap();
        let l = lit(t, &["__version__"]).unwrap();
        assert_eq!(l.line, 6);
        assert!(toks
            .iter()
            .any(|t| t.name() == Some("__version__") && t.col == 0));
    }

    #[test]
    fn escapes_and_prefixes() {
        let t = r#"a = "x\"y"
b = r'\d'
c = b"bytes"
"#;
        let toks = tokenize(t, Path::new("x.py")).unwrap();
        let strs: Vec<&PyStr> = toks
            .iter()
            .filter_map(|t| match &t.tok {
                Tok::Str(s) => Some(s),
                _ => None,
            })
            .collect();
        assert_eq!(strs[0].value, "x\"y");
        assert_eq!(&t[strs[0].inner.clone()], r#"x\"y"#);
        assert_eq!(strs[1].value, r"\d");
        assert!(!strs[2].is_text());
    }

    #[test]
    fn unterminated_string_is_a_parse_error_with_line() {
        let e = tokenize("a = 1\nb = 'oops\n", Path::new("x.py")).unwrap_err();
        assert!(matches!(e, Error::Parse { line: Some(2), .. }), "{e:?}");
    }
}
