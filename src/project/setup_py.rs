//! Reading `setup.py` without executing it.
//!
//! Only the `setup(...)` call's keyword arguments are read, with the tokenizer of
//! [`super::pyfile`]. What is plainly static is evaluated ([`eval_static`]): literals,
//! module-level constants, f-strings, `+`, `%` and `.format` over them, `os.path.join`
//! of literals (`name=f"acmeplugins-{PLUGIN_NAME}"`). A version must come down to one
//! literal a bump can edit. Anything else computed is an error naming the line, because
//! pyrel could neither read nor bump it reliably.

use std::path::Path;

use super::pyfile::{module_assignments, tokenize, Literal, Tok, Token};
use crate::error::{Error, Result};

/// What pyrel needs from a `setup()` call.
#[derive(Debug, Clone, Default)]
pub(crate) struct SetupPy {
    pub(crate) name: Option<Literal>,
    pub(crate) version: Option<Literal>,
    /// `use_scm_version=...` is present: setuptools-scm derives the version.
    pub(crate) use_scm_version: bool,
    /// `pbr=True`: pbr derives the version from git tags.
    pub(crate) pbr: bool,
    /// `version=versioneer.get_version()`: versioneer derives it from git tags.
    pub(crate) versioneer: bool,
    pub(crate) install_requires: Vec<Literal>,
    /// Names of `install_requires` entries that are f-strings (`f"core{pin}"`): the
    /// requirement is computed, so only the name is known, for the release order.
    pub(crate) computed_requires: Vec<String>,
    /// `(extra, requirement)` pairs from `extras_require={...}`.
    pub(crate) extras_require: Vec<(String, Literal)>,
    /// Lines of the `install_requires=` and `extras_require=` keywords, when passed.
    pub(crate) requires_lines: Vec<(String, usize)>,
    /// `name=` / `version=` that are computed (an `exec` of `__about__.py`, an f-string,
    /// an imported constant): `(argument, line, column)`. Never executed; the package is
    /// then "version unreadable" and the rest of the repository still works.
    pub(crate) computed: Vec<(String, usize, usize)>,
    /// Literal `packages=[...]` and `py_modules=[...]` entries: the import packages the
    /// distribution ships.
    pub(crate) packages: Vec<String>,
    /// `package_dir={"": "lib"}`: where the import packages live.
    pub(crate) package_root: Option<String>,
    /// `python_requires=">=3.9"`, when a literal.
    pub(crate) python_requires: Option<String>,
    /// `.py` files setup.py names by literal path parts (`os.path.join(here, "pkg",
    /// "__version__.py")`, `"pkg/version.py"`), relative to its directory, in order of
    /// appearance: where a computed `version=` is read from by `exec` or a regex.
    pub(crate) read_files: Vec<String>,
    /// The key of a computed `name=about["__title__"]`: the module variable of a file
    /// setup.py `exec`s.
    pub(crate) name_key: Option<String>,
}

impl SetupPy {
    /// The error for a computed `name=` or `version=`, naming the line.
    pub(crate) fn computed_error(&self, key: &str, path: &Path) -> Option<Error> {
        let (_, line, col) = self.computed.iter().find(|(k, _, _)| k == key)?;
        let hint = if key == "version" {
            "use a literal version (`version=\"1.2.3\"` or a module-level `VERSION = \"1.2.3\"`), or a static `version` in pyproject.toml's [project]"
        } else {
            "use a literal name (`name=\"my-package\"`), or a static `name` in pyproject.toml's [project]"
        };
        Some(Error::Parse {
            path: path.to_path_buf(),
            line: Some(*line),
            column: Some(*col),
            message: format!(
                "setup() argument `{key}` is not a string literal; pyrel does not execute setup.py"
            ),
            hint: Some(hint.into()),
        })
    }
}

/// Reads the `setup(...)` call. `None` when the file has no such call.
pub(crate) fn parse(text: &str, path: &Path) -> Result<Option<SetupPy>> {
    let toks = tokenize(text, path)?;
    let assigns = module_assignments(&toks);
    // A module-level variable resolves to its last assignment before use; the last
    // one in the file is the same thing for the idioms setup.py files use.
    let resolve = |name: &str| -> Option<&[Token]> {
        assigns.iter().rfind(|a| a.name == name).map(|a| a.value)
    };
    let Some(open) = find_setup_call(&toks) else {
        return Ok(None);
    };
    let mut out = SetupPy::default();
    for (key, key_tok, value) in keyword_args(&toks, open) {
        match key.as_str() {
            "name" | "version" => {
                let lit = match literal_str(value) {
                    Some(l) => Some(l),
                    None => eval_static(value, &resolve, 0).and_then(|v| match v.literal {
                        // A version must be one literal a bump can edit; a name only
                        // has to be known.
                        Some(l) => Some(Literal {
                            value: if key == "name" {
                                v.value
                            } else {
                                l.value.clone()
                            },
                            ..l
                        }),
                        None if key == "name" => Some(Literal {
                            line: key_tok.line,
                            span: 0..0,
                            value: v.value,
                        }),
                        None => None,
                    }),
                };
                let Some(lit) = lit else {
                    if key == "version" && value.first().and_then(Token::name) == Some("versioneer")
                    {
                        out.versioneer = true;
                        continue;
                    }
                    if key == "name" {
                        out.name_key = subscript_key(value);
                    }
                    out.computed
                        .push((key.clone(), key_tok.line, key_tok.col + 1));
                    continue;
                };
                if key == "name" {
                    out.name = Some(lit);
                } else {
                    out.version = Some(lit);
                }
            }
            "pbr" => {
                out.pbr = matches!(value, [t] if t.name() == Some("True"));
            }
            "use_scm_version" => {
                out.use_scm_version = !matches!(value, [t] if t.name() == Some("False"));
            }
            "install_requires" => {
                out.requires_lines.push((key.clone(), key_tok.line));
                let value = indirect(value, &resolve);
                match string_list(value) {
                    Some(list) => out.install_requires = list,
                    None => {
                        let (list, computed) = requirement_list(value, &resolve);
                        out.install_requires = list;
                        out.computed_requires = computed;
                    }
                }
            }
            "extras_require" => {
                out.requires_lines.push((key.clone(), key_tok.line));
                let value = indirect(value, &resolve);
                out.extras_require = string_list_dict(value, &resolve);
            }
            "packages" | "py_modules" => {
                let value = indirect(value, &resolve);
                // Literal entries, or computed from constants (`f"acmeplugins.{NAME}"`).
                let entries: Vec<String> = match (value.first(), value.last()) {
                    (Some(f), Some(l))
                        if value.len() >= 2
                            && (f.is_op("[") && l.is_op("]") || f.is_op("(") && l.is_op(")")) =>
                    {
                        split_top(&value[1..value.len() - 1])
                            .into_iter()
                            .filter_map(|e| eval_static(e, &resolve, 0).map(|v| v.value))
                            .collect()
                    }
                    _ => Vec::new(),
                };
                for entry in entries {
                    // `pkg.sub` ships inside `pkg`: only the top level carries the version.
                    let top = entry.split('.').next().unwrap_or_default().to_string();
                    if !top.is_empty() && !out.packages.contains(&top) {
                        out.packages.push(top);
                    }
                }
            }
            "python_requires" => {
                out.python_requires = literal_str(indirect(value, &resolve)).map(|l| l.value);
            }
            "package_dir" => {
                let value = indirect(value, &resolve);
                if let (Some(first), Some(last)) = (value.first(), value.last()) {
                    if first.is_op("{") && last.is_op("}") && value.len() > 2 {
                        for entry in split_top(&value[1..value.len() - 1]) {
                            if let [k, colon, v] = entry {
                                let key = k.text_str().map(|s| s.value.as_str());
                                if colon.is_op(":") && key == Some("") {
                                    out.package_root = v.text_str().map(|s| s.value.clone());
                                }
                            }
                        }
                    }
                }
            }
            _ => {}
        }
    }
    if !out.computed.is_empty() {
        out.read_files = py_paths(&toks);
    }
    Ok(Some(out))
}

/// `about["__title__"]` → `__title__`.
fn subscript_key(value: &[Token]) -> Option<String> {
    match value {
        [v, open, key, close] if v.name().is_some() && open.is_op("[") && close.is_op("]") => {
            key.text_str().map(|s| s.value.clone())
        }
        _ => None,
    }
}

/// Relative paths of `.py` files built from string literals: a literal ending in `.py`
/// joined with the literals just before it (`"pkg", "__init__.py"` as `join` arguments,
/// or `/ "pkg/version.py"` after a `Path`). Absolute paths and `..` are never kept:
/// pyrel reads only inside the package directory.
fn py_paths(toks: &[Token]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for (i, t) in toks.iter().enumerate() {
        let Some(s) = t.text_str() else { continue };
        if !s.value.ends_with(".py") || s.value == "setup.py" {
            continue;
        }
        let mut parts = vec![s.value.clone()];
        let mut j = i;
        while j >= 2 && (toks[j - 1].is_op(",") || toks[j - 1].is_op("/")) {
            match toks[j - 2].text_str() {
                Some(p) => parts.insert(0, p.value.clone()),
                None => break,
            }
            j -= 2;
        }
        let joined = parts.join("/");
        let segments: Vec<&str> = joined
            .split(['/', '\\'])
            .filter(|p| !p.is_empty() && *p != ".")
            .collect();
        if joined.starts_with(['/', '\\'])
            || segments.is_empty()
            || segments.iter().any(|p| *p == ".." || p.contains(':'))
        {
            continue;
        }
        let rel = segments.join("/");
        if !out.contains(&rel) {
            out.push(rel);
        }
    }
    out
}

/// Follows one level of `NAME` to its module-level value.
fn indirect<'t>(value: &'t [Token], resolve: &impl Fn(&str) -> Option<&'t [Token]>) -> &'t [Token] {
    match value {
        [t] => t.name().and_then(resolve).unwrap_or(value),
        _ => value,
    }
}

/// Index of the `(` of the first `setup(` / `setuptools.setup(` call that is not a definition.
fn find_setup_call(toks: &[Token]) -> Option<usize> {
    (0..toks.len().saturating_sub(1)).find_map(|i| {
        let is_call = toks[i].name() == Some("setup")
            && toks[i + 1].is_op("(")
            && !(i > 0 && toks[i - 1].name() == Some("def"));
        is_call.then_some(i + 1)
    })
}

/// The `key=value` arguments at depth 1 of the call opened at `open`.
fn keyword_args(toks: &[Token], open: usize) -> Vec<(String, &Token, &[Token])> {
    let mut out = Vec::new();
    let mut i = open + 1;
    loop {
        // One argument: tokens until a `,` or the closing `)` at this depth.
        let start = i;
        let mut depth = 0usize;
        while let Some(t) = toks.get(i) {
            if let Tok::Op(o) = &t.tok {
                match o.as_str() {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" if depth == 0 => break,
                    ")" | "]" | "}" => depth -= 1,
                    "," if depth == 0 => break,
                    _ => {}
                }
            }
            i += 1;
        }
        let arg = &toks[start..i.min(toks.len())];
        if let [k, eq, value @ ..] = arg {
            if let (Some(name), true) = (k.name(), eq.is_op("=")) {
                out.push((name.to_string(), k, value));
            }
        }
        match toks.get(i) {
            Some(t) if t.is_op(",") => i += 1,
            _ => break,
        }
    }
    out
}

fn literal_str(value: &[Token]) -> Option<Literal> {
    match value {
        [t] => t.text_str().map(|s| Literal {
            line: t.line,
            span: s.inner.clone(),
            value: s.raw.clone(),
        }),
        _ => None,
    }
}

/// `["a", "b"]` or `("a", "b")` (trailing comma allowed): every element a string literal.
fn string_list(value: &[Token]) -> Option<Vec<Literal>> {
    let (first, rest) = value.split_first()?;
    let (last, inner) = rest.split_last()?;
    let closes = match () {
        _ if first.is_op("[") => last.is_op("]"),
        _ if first.is_op("(") => last.is_op(")"),
        _ => false,
    };
    if !closes {
        return None;
    }
    let mut out = Vec::new();
    for chunk in inner.split(|t| t.is_op(",")) {
        if chunk.is_empty() {
            continue;
        }
        let lit = literal_str(chunk)?;
        out.push(Literal {
            value: chunk[0].text_str().map(|s| s.value.clone())?,
            ..lit
        });
    }
    Some(out)
}

/// A requirement list with computed entries: the string literals (also a constant named or
/// wrapped in `f"{X}"`), the names of requirements computed from constants
/// ([`eval_static`]), and the names f-strings start with (`f"core{pin}"`,
/// `f"core=={VERSION}"`); any other entry is left out.
fn requirement_list<'t>(
    value: &'t [Token],
    resolve: &dyn Fn(&str) -> Option<&'t [Token]>,
) -> (Vec<Literal>, Vec<String>) {
    let (mut literals, mut computed) = (Vec::new(), Vec::new());
    let closes = match (value.first(), value.last()) {
        (Some(f), Some(l)) if value.len() >= 2 => {
            (f.is_op("[") && l.is_op("]")) || (f.is_op("(") && l.is_op(")"))
        }
        _ => false,
    };
    if !closes {
        return (literals, computed);
    }
    for chunk in value[1..value.len() - 1].split(|t| t.is_op(",")) {
        if let Some(lit) = literal_str(chunk) {
            if let Some(v) = chunk[0].text_str() {
                literals.push(Literal {
                    value: v.value.clone(),
                    ..lit
                });
            }
        } else if let Some(v) = eval_static(chunk, resolve, 0) {
            match v.literal {
                // One constant named twice is edited once.
                Some(l) if !literals.iter().any(|o: &Literal| o.span == l.span) => {
                    literals.push(Literal {
                        value: v.value,
                        ..l
                    });
                }
                _ => {
                    let name = super::pyproject::name_prefix(v.value.trim_start());
                    if !name.is_empty() {
                        computed.push(name.to_string());
                    }
                }
            }
        } else if let Some(name) = computed_head(chunk).and_then(computed_name) {
            computed.push(name.to_string());
        }
    }
    (literals, computed)
}

/// The literal text a computed requirement starts with, up to its first placeholder:
/// `f"core{pin}"`, `"core=={}".format(v)` and `"core==%s" % v` all start with `core`.
fn computed_head(chunk: &[Token]) -> Option<&str> {
    match chunk {
        [t] => t.fstring_head(),
        [s, dot, f, open, ..]
            if dot.is_op(".") && f.name() == Some("format") && open.is_op("(") =>
        {
            s.text_str().and_then(|s| s.value.split('{').next())
        }
        [s, pct, _, ..] if pct.is_op("%") => s.text_str().and_then(|s| s.value.split('%').next()),
        _ => None,
    }
}

/// The distribution name a computed requirement's head gives, when the placeholder comes
/// after the whole name: `core{pin}` and `core=={}` name `core`, but `acme-{}` names no
/// one (the placeholder completes the name).
fn computed_name(head: &str) -> Option<&str> {
    let head = head.trim_start();
    let name = super::pyproject::name_prefix(head);
    let rest = &head[name.len()..];
    (!name.is_empty() && !rest.starts_with(['-', '_', '.'])).then_some(name)
}

/// `{"extra": [...], ...}` or `dict(extra=[...])`; entries that are not literal lists
/// (e.g. computed from other lists) are skipped: they can name no sibling pyrel could edit.
fn string_list_dict<'t>(
    value: &'t [Token],
    resolve: &impl Fn(&str) -> Option<&'t [Token]>,
) -> Vec<(String, Literal)> {
    let mut out = Vec::new();
    let entries: Vec<(String, &[Token])> = if value.first().is_some_and(|t| t.is_op("{"))
        && value.last().is_some_and(|t| t.is_op("}"))
    {
        split_top(&value[1..value.len() - 1])
            .into_iter()
            .filter_map(|entry| match entry {
                [k, colon, v @ ..] if colon.is_op(":") => {
                    k.text_str().map(|s| (s.value.clone(), v))
                }
                _ => None,
            })
            .collect()
    } else if value.len() >= 3 && value[0].name() == Some("dict") && value[1].is_op("(") {
        keyword_args(value, 1)
            .into_iter()
            .map(|(k, _, v)| (k, v))
            .collect()
    } else {
        Vec::new()
    };
    for (extra, v) in entries {
        let v = indirect(v, resolve);
        let list = string_list(v).unwrap_or_else(|| requirement_list(v, resolve).0);
        for lit in list {
            out.push((extra.clone(), lit));
        }
    }
    out
}

/// A string setup.py computes from what is plainly static, evaluated without running it.
#[derive(Debug, Clone)]
pub(crate) struct Static {
    pub(crate) value: String,
    /// The one string literal the whole value is (followed through names and `f"{X}"`):
    /// what a bump can edit. `None` when the value is put together from parts.
    pub(crate) literal: Option<Literal>,
}

/// How many names deep an evaluation follows (a name to a name to ...).
const MAX_DEPTH: usize = 8;

/// Evaluates a string expression over module-level constants: string literals, names
/// assigned one, f-strings of names, `+`, `"..." % X` / `% (X, Y)` with `%s`,
/// `"...".format(X, key=Y)` and `os.path.join` of such values. Anything else (a call,
/// an attribute, a subscript, a number) is `None`: never guessed.
pub(crate) fn eval_static<'t>(
    value: &'t [Token],
    resolve: &dyn Fn(&str) -> Option<&'t [Token]>,
    depth: usize,
) -> Option<Static> {
    let budget = std::cell::Cell::new(MAX_STEPS);
    eval_inner(value, resolve, depth, &budget).filter(|v| v.value.len() <= MAX_LEN)
}

/// How many expressions one evaluation may look at, and how long its value may grow: a
/// crafted setup.py (`A = B + B`, `B = C + C`, ...) stays cheap.
const MAX_STEPS: usize = 4096;
const MAX_LEN: usize = 4096;

fn eval_inner<'t>(
    value: &'t [Token],
    resolve: &dyn Fn(&str) -> Option<&'t [Token]>,
    depth: usize,
    budget: &std::cell::Cell<usize>,
) -> Option<Static> {
    if depth > MAX_DEPTH || value.is_empty() || budget.get() == 0 {
        return None;
    }
    budget.set(budget.get() - 1);
    if let Some(inner) = parenthesized(value) {
        return eval_inner(inner, resolve, depth + 1, budget);
    }
    let terms = split_op(value, "+");
    if terms.len() > 1 {
        let mut out = String::new();
        for t in terms {
            out.push_str(&eval_inner(t, resolve, depth + 1, budget)?.value);
            if out.len() > MAX_LEN {
                return None;
            }
        }
        return Some(Static {
            value: out,
            literal: None,
        });
    }
    match value {
        [t] => {
            if let Some(s) = t.text_str() {
                return Some(Static {
                    value: s.value.clone(),
                    literal: Some(Literal {
                        line: t.line,
                        span: s.inner.clone(),
                        value: s.raw.clone(),
                    }),
                });
            }
            if let Some(name) = t.name() {
                return eval_inner(resolve(name)?, resolve, depth + 1, budget);
            }
            match &t.tok {
                Tok::Str(s) if s.prefix.contains('f') && !s.prefix.contains('b') => {
                    eval_fstring_inner(&s.raw, !s.prefix.contains('r'), resolve, depth, budget)
                }
                _ => None,
            }
        }
        [s, pct, rest @ ..] if pct.is_op("%") => {
            let fmt = s.text_str()?;
            let args: Vec<&[Token]> = match parenthesized(rest) {
                Some(inner) => split_top(inner),
                None => vec![rest],
            };
            let mut values = args
                .into_iter()
                .map(|a| eval_inner(a, resolve, depth + 1, budget).map(|v| v.value));
            let mut out = String::new();
            let mut chars = fmt.value.chars();
            while let Some(c) = chars.next() {
                if c != '%' {
                    out.push(c);
                    continue;
                }
                match chars.next()? {
                    '%' => out.push('%'),
                    's' => out.push_str(&values.next()??),
                    _ => return None,
                }
            }
            values.next().is_none().then_some(Static {
                value: out,
                literal: None,
            })
        }
        [s, dot, format, open, args @ .., close]
            if dot.is_op(".")
                && format.name() == Some("format")
                && open.is_op("(")
                && close.is_op(")") =>
        {
            let fmt = s.text_str()?;
            let mut positional = Vec::new();
            let mut named = Vec::new();
            for a in split_top(args) {
                match a {
                    [k, eq, v @ ..] if k.name().is_some() && eq.is_op("=") => {
                        named.push((
                            k.name()?.to_string(),
                            eval_inner(v, resolve, depth + 1, budget)?.value,
                        ));
                    }
                    _ => positional.push(eval_inner(a, resolve, depth + 1, budget)?.value),
                }
            }
            let mut next = 0;
            let value = substitute(&fmt.value, |field| {
                let v = if field.is_empty() {
                    next += 1;
                    positional.get(next - 1)
                } else if let Ok(i) = field.parse::<usize>() {
                    positional.get(i)
                } else {
                    named.iter().find(|(k, _)| k == field).map(|(_, v)| v)
                };
                v.cloned()
            })?;
            Some(Static {
                value,
                literal: None,
            })
        }
        [os, d1, path, d2, join, open, args @ .., close]
            if os.name() == Some("os")
                && d1.is_op(".")
                && path.name() == Some("path")
                && d2.is_op(".")
                && join.name() == Some("join")
                && open.is_op("(")
                && close.is_op(")") =>
        {
            let parts = split_top(args)
                .into_iter()
                .map(|a| eval_inner(a, resolve, depth + 1, budget).map(|v| v.value))
                .collect::<Option<Vec<String>>>()?;
            Some(Static {
                value: parts.join("/"),
                literal: None,
            })
        }
        _ => None,
    }
}

/// An f-string's value when every placeholder is a plain name (`{NAME}`, `{NAME!s}`);
/// `{{`/`}}` are braces. `escapes`: the string is not raw (a backslash is then refused,
/// as its decoding is not worth guessing).
fn eval_fstring_inner<'t>(
    raw: &str,
    escapes: bool,
    resolve: &dyn Fn(&str) -> Option<&'t [Token]>,
    depth: usize,
    budget: &std::cell::Cell<usize>,
) -> Option<Static> {
    if escapes && raw.contains('\\') {
        return None;
    }
    // `f"{X}"` is X itself: its literal stays editable.
    let whole = raw
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .filter(|n| is_identifier(n));
    if let Some(name) = whole {
        return eval_inner(resolve(name)?, resolve, depth + 1, budget);
    }
    let value = substitute(raw, |field| {
        let name = field.strip_suffix("!s").unwrap_or(field).trim();
        if !is_identifier(name) {
            return None;
        }
        eval_inner(resolve(name)?, resolve, depth + 1, budget).map(|v| v.value)
    })?;
    Some(Static {
        value,
        literal: None,
    })
}

fn is_identifier(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Replaces every `{field}` of a format string by `field_value(field)`; `{{` and `}}`
/// are braces. A field with a format spec or conversion other than `!s`, or one
/// `field_value` cannot give, makes the whole string unknown.
fn substitute(fmt: &str, mut field_value: impl FnMut(&str) -> Option<String>) -> Option<String> {
    let mut out = String::new();
    let mut rest = fmt;
    while let Some(i) = rest.find(['{', '}']) {
        out.push_str(&rest[..i]);
        let c = rest.as_bytes()[i];
        let after = &rest[i + 1..];
        if after.starts_with(c as char) {
            out.push(c as char);
            rest = &after[1..];
            continue;
        }
        if c == b'}' {
            return None;
        }
        let end = after.find('}')?;
        let field = &after[..end];
        if field.contains(['{', ':']) {
            return None;
        }
        out.push_str(&field_value(field)?);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Some(out)
}

/// The tokens inside `( ... )` when one pair of parentheses wraps the whole value.
fn parenthesized(value: &[Token]) -> Option<&[Token]> {
    let (first, rest) = value.split_first()?;
    let (last, inner) = rest.split_last()?;
    if !first.is_op("(") || !last.is_op(")") {
        return None;
    }
    // The first `(` must close at the last token, not earlier (`(a) + (b)`).
    let mut depth = 0usize;
    for t in inner {
        if let Tok::Op(o) = &t.tok {
            match o.as_str() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" if depth == 0 => return None,
                ")" | "]" | "}" => depth -= 1,
                _ => {}
            }
        }
    }
    // A one-element tuple `(X,)` is no string.
    (!inner.last().is_some_and(|t| t.is_op(","))).then_some(inner)
}

/// Splits at top-level occurrences of the operator `op`.
fn split_op<'t>(toks: &'t [Token], op: &str) -> Vec<&'t [Token]> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if let Tok::Op(o) = &t.tok {
            match o.as_str() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                o if o == op && depth == 0 => {
                    out.push(&toks[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
    }
    out.push(&toks[start..]);
    out
}

/// Splits tokens at top-level commas.
fn split_top(toks: &[Token]) -> Vec<&[Token]> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if let Tok::Op(o) = &t.tok {
            match o.as_str() {
                "(" | "[" | "{" => depth += 1,
                ")" | "]" | "}" => depth = depth.saturating_sub(1),
                "," if depth == 0 => {
                    out.push(&toks[start..i]);
                    start = i + 1;
                }
                _ => {}
            }
        }
    }
    if start < toks.len() {
        out.push(&toks[start..]);
    }
    out.retain(|c| !c.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(text: &str) -> SetupPy {
        parse(text, Path::new("setup.py")).unwrap().unwrap()
    }

    fn at<'a>(text: &'a str, l: &Literal) -> &'a str {
        &text[l.span.clone()]
    }

    #[test]
    fn double_and_single_quotes_across_lines() {
        let t = "from setuptools import setup\n\nsetup(\n    name=\"alpha\",\n    version='0.9.0',\n    install_requires=[\n        'beta>=0.9',  # pinned\n        \"requests\",\n    ],\n)\n";
        let s = p(t);
        let name = s.name.unwrap();
        let version = s.version.unwrap();
        assert_eq!((at(t, &name), name.line), ("alpha", 4));
        assert_eq!((at(t, &version), version.line), ("0.9.0", 5));
        let reqs: Vec<&str> = s.install_requires.iter().map(|l| at(t, l)).collect();
        assert_eq!(reqs, ["beta>=0.9", "requests"]);
        assert_eq!(s.install_requires[0].line, 7);
    }

    #[test]
    fn comments_and_strings_mentioning_version_are_ignored() {
        let t = "# setup(version=\"0.0.1\")\nDOC = \"\"\"\nsetup(name='nope', version='6.6.6')\n\"\"\"\nimport setuptools\nsetuptools.setup(\n    # version=\"0.0.2\",\n    name='real',  # version='7'\n    long_description=DOC,\n    version=\"1.0.0\",\n)\n";
        let s = p(t);
        assert_eq!(at(t, s.name.as_ref().unwrap()), "real");
        let v = s.version.unwrap();
        assert_eq!((at(t, &v), v.line), ("1.0.0", 10));
    }

    #[test]
    fn nested_calls_and_triple_quoted_values() {
        let t = "setup(\n    name='''tri''',\n    packages=find_packages(exclude=['tests', dict(version='x')]),\n    description=open('README').read(),\n    version=\"2.0\",\n)\n";
        let s = p(t);
        assert_eq!(at(t, s.name.as_ref().unwrap()), "tri");
        assert_eq!(at(t, s.version.as_ref().unwrap()), "2.0");
    }

    #[test]
    fn version_from_module_level_variable() {
        let t = "VERSION = '3.1.4'\n\ndef helper():\n    VERSION = 'inner'\n\nsetup(name='x', version=VERSION)\n";
        let v = p(t).version.unwrap();
        assert_eq!((at(t, &v), v.line), ("3.1.4", 1));
    }

    #[test]
    fn computed_version_is_an_error_with_line_and_hint() {
        let t = "about = {}\nexec(open('x/__about__.py').read(), about)\nsetup(\n    name='x',\n    version=about['__version__'],\n)\n";
        let s = p(t);
        assert!(s.version.is_none());
        match s.computed_error("version", Path::new("setup.py")) {
            Some(Error::Parse { line, hint, .. }) => {
                assert_eq!(line, Some(5));
                assert!(hint.unwrap().contains("literal"));
            }
            other => panic!("{other:?}"),
        }
        // A variable that is itself computed is not a literal either.
        let s = p("V = get()\nsetup(name='x', version=V)\n");
        assert_eq!(
            s.computed
                .iter()
                .map(|c| (c.0.as_str(), c.1))
                .collect::<Vec<_>>(),
            [("version", 2)]
        );
        let s = p("setup(name=NAME, version='1')\n");
        assert!(s.name.is_none() && s.computed_error("name", Path::new("s")).is_some());
    }

    #[test]
    fn f_string_requirements_give_their_name_and_plain_ones_stay() {
        let t = "pin = f'=={ver}'\nsetup(name='web', install_requires=[f\"core{pin}\", 'x>=1', EXTRA, f'pipes=={ver}', f'{dyn}'])\n";
        let s = p(t);
        let reqs: Vec<&str> = s.install_requires.iter().map(|l| at(t, l)).collect();
        assert_eq!(reqs, ["x>=1"]);
        assert_eq!(s.computed_requires, ["core", "pipes"]);
    }

    #[test]
    fn format_and_percent_requirements_give_their_name_unless_the_name_is_computed() {
        let t = "v = '1.0'\nsetup(name='meta', install_requires=['x>=1', 'acme-core=={}'.format(v), \"acme-pg==%s\" % v, '{}~=2.8'.format(PG), 'acme-{}'.format(ADAPTER), f'acme-{A}=={v}', 'plain'.upper()])\n";
        let s = p(t);
        let reqs: Vec<&str> = s.install_requires.iter().map(|l| at(t, l)).collect();
        assert_eq!(reqs, ["x>=1"]);
        assert_eq!(s.computed_requires, ["acme-core", "acme-pg"]);
    }

    #[test]
    fn extras_require_dict_and_variables() {
        let t = "REQS = ['alpha==0.9.0']\nsetup(\n    name='suite',\n    version='0.9.0',\n    install_requires=REQS,\n    extras_require={\n        'all': ['alpha==0.9.0', \"beta==0.9.0\"],\n        'docs': DOCS + ['x'],\n    },\n    use_scm_version=False,\n)\n";
        let s = p(t);
        assert_eq!(at(t, &s.install_requires[0]), "alpha==0.9.0");
        let extras: Vec<(&str, &str)> = s
            .extras_require
            .iter()
            .map(|(e, l)| (e.as_str(), at(t, l)))
            .collect();
        assert_eq!(extras, [("all", "alpha==0.9.0"), ("all", "beta==0.9.0")]);
        assert!(!s.use_scm_version);
        let s = p("setup(name='x', extras_require=dict(test=['pytest']), use_scm_version=True)");
        assert_eq!(s.extras_require[0].0, "test");
        assert!(s.use_scm_version && s.version.is_none());
    }

    #[test]
    fn truncated_and_garbled_input_never_panics() {
        let t = "VERSION = '1.0'\nsetup(\n    name=\"é-x\",  # c\n    version=VERSION,\n    install_requires=['a', \"b\"],\n    extras_require={'x': ['''c''']},\n)\n";
        for end in 0..=t.len() {
            if let Some(s) = t.get(..end) {
                let _ = parse(s, Path::new("setup.py"));
            }
        }
        for s in [
            "setup(",
            "setup(name=",
            "setup(name='x', version=)",
            "setup(**kw)",
            "\\",
            "r'''",
            "{]}",
        ] {
            let _ = parse(s, Path::new("setup.py"));
        }
    }

    fn eval(src: &str) -> Option<String> {
        let text = format!("{src}\n");
        let toks = tokenize(&text, Path::new("setup.py")).unwrap();
        let assigns = module_assignments(&toks);
        let resolve = |n: &str| assigns.iter().rfind(|a| a.name == n).map(|a| a.value);
        let value = assigns.iter().rfind(|a| a.name == "X")?.value;
        eval_static(value, &resolve, 0).map(|v| v.value)
    }

    #[test]
    fn static_strings_are_evaluated_and_everything_else_is_not() {
        let cases = [
            ("P = 'air'\nX = f'acme-{P}'", Some("acme-air")),
            ("P = 'air'\nX = f'acme-{P!s}-{{x}}'", Some("acme-air-{x}")),
            ("A = 'a'\nB = A + '-' + 'b'\nX = (B + 'c')", Some("a-bc")),
            ("A = 'a'\nX = 'acme-%s-%s%%' % (A, 'b')", Some("acme-a-b%")),
            ("A = 'a'\nX = 'acme-%s' % A", Some("acme-a")),
            ("A = 'a'\nX = '{}-{k}-{0}'.format(A, k='b')", Some("a-b-a")),
            ("X = os.path.join('pkg', 'v.py')", Some("pkg/v.py")),
            ("X = f'acme-{get()}'", None),
            ("X = 'acme-%d' % 3", None),
            ("X = '{:>3}'.format('a')", None),
            ("X = name.upper()", None),
            ("X = X + 'a'", None),
            ("X = f'acme-{MISSING}'", None),
            ("X = 'a' 'b' + 1", None),
        ];
        for (src, want) in cases {
            assert_eq!(eval(src).as_deref(), want, "{src}");
        }
    }

    #[test]
    fn crafted_expressions_stay_cheap() {
        // Each name doubles the one before: 2^30 terms unless the budget stops it.
        let mut src = String::from("A0 = 'xxxxxxxx'\n");
        for i in 1..=30 {
            src.push_str(&format!("A{i} = A{} + A{}\n", i - 1, i - 1));
        }
        src.push_str("X = A30");
        let start = std::time::Instant::now();
        assert_eq!(eval(&src), None);
        assert!(start.elapsed() < std::time::Duration::from_secs(2));
    }

    #[test]
    fn computed_names_and_versions_from_constants() {
        let t = "PLUGIN = 'air'\nV = '1.2.0'\nsetup(name=f'acme-{PLUGIN}', version=f'{V}', packages=[f'acmeplugins.{PLUGIN}'], install_requires=[f'acme-kit=={V}', 'acme-' + 'core', V])\n";
        let s = p(t);
        assert_eq!(s.name.as_ref().unwrap().value, "acme-air");
        let v = s.version.unwrap();
        assert_eq!((at(t, &v), v.line), ("1.2.0", 2));
        assert_eq!(s.packages, ["acmeplugins"]);
        assert_eq!(s.computed_requires, ["acme-kit", "acme-core"]);
        // A version put together from parts is readable but no one literal: unreadable.
        let s = p("MAJOR = '1'\nsetup(name='x', version=MAJOR + '.0')\n");
        assert!(s.version.is_none() && s.computed_error("version", Path::new("s")).is_some());
    }

    #[test]
    fn no_setup_call() {
        assert!(parse("def setup(x):\n    pass\n", Path::new("s"))
            .unwrap()
            .is_none());
        assert!(parse("print('hello')\n", Path::new("s")).unwrap().is_none());
    }
}
