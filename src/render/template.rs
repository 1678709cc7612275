//! pyrel's template language: the small subset of Handlebars its templates use, parsed in
//! one linear pass and rendered over a JSON value.
//!
//! Syntax: `{{path}}`, `{{helper arg…}}` with `(helper arg…)` subexpressions and string,
//! number, `true`/`false`/`null` literals; blocks `{{#if x}}`, `{{#unless x}}`,
//! `{{#each x}}` with an optional `{{else}}`; partials `{{> name}}`; `\{{` for a literal
//! `{{`. Paths are `name`, `a.b`, `this`, `../name` (one `../` per enclosing `each`) and
//! `@index`, `@key`, `@first`, `@last`.
//!
//! Whitespace follows Handlebars' rule for standalone tags: a block, `else` or partial tag
//! alone on its line takes the line with it, and a standalone partial is indented by the
//! tag's indentation on every line.
//!
//! Strict: a path that names nothing is an error, except as the condition of `if` or
//! `unless`, where it is false. Helpers are Rust functions from values to a value.

use std::borrow::Cow;

use serde_json::Value;

/// A template error: what went wrong and where (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for TemplateError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

/// A helper: the values of its arguments to its value.
pub type Helper = fn(&[Value]) -> Result<Value, String>;

/// A parsed template.
#[derive(Debug, Clone)]
pub struct Template {
    nodes: Vec<Node>,
}

#[derive(Debug, Clone)]
enum Node {
    Text(String),
    /// A value or a helper call, written as text. `at` is the tag's byte offset.
    Value {
        expr: Expr,
        at: usize,
    },
    If {
        cond: Expr,
        negate: bool,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Each {
        over: Expr,
        at: usize,
        body: Vec<Node>,
        otherwise: Vec<Node>,
    },
    Partial {
        name: String,
        indent: String,
        at: usize,
    },
}

#[derive(Debug, Clone)]
enum Expr {
    Literal(Value),
    Path(Path),
    Call(String, Vec<Expr>),
}

#[derive(Debug, Clone)]
struct Path {
    /// How many enclosing `each` blocks to go up (`../`).
    up: usize,
    /// `@index`, `@key`, `@first`, `@last`.
    data: Option<String>,
    /// Fields from the scope's value (`this` is no field).
    fields: Vec<String>,
    text: String,
}

/// One `{{…}}` tag or a run of text, before the tree is built.
#[derive(Debug)]
enum Token {
    Text(String),
    Tag { kind: TagKind, start: usize },
}

#[derive(Debug)]
enum TagKind {
    Value(Expr),
    Open { name: String, arg: Expr },
    Else,
    Close(String),
    Partial { name: String, indent: String },
}

impl TagKind {
    /// Block, `else` and partial tags take their line when they stand alone on it.
    fn standalone_kind(&self) -> bool {
        !matches!(self, TagKind::Value(_))
    }
}

fn position(src: &str, at: usize) -> (usize, usize) {
    let before = &src[..at.min(src.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

fn error(src: &str, at: usize, message: impl Into<String>) -> TemplateError {
    let (line, column) = position(src, at);
    TemplateError {
        line,
        column,
        message: message.into(),
    }
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// Whether the text before a tag ends a line: only blanks since the last newline, or
/// since the start of the template.
fn ends_with_empty_line(text: &str) -> bool {
    let t = text.trim_end_matches(is_blank);
    t.is_empty() || t.ends_with('\n')
}

fn starts_with_empty_line(text: &str) -> bool {
    text.trim_start_matches(is_blank).starts_with(['\n', '\r'])
}

fn strip_first_newline(s: &str) -> &str {
    s.strip_prefix("\r\n")
        .or_else(|| s.strip_prefix('\n'))
        .unwrap_or(s)
}

impl Template {
    /// Parses a template. `partial` marks a partial's text, where the end of the text does
    /// not end a line for the standalone rule.
    pub fn parse(src: &str, partial: bool) -> Result<Template, TemplateError> {
        let tokens = tokenize(src, partial)?;
        let mut tokens = tokens.into_iter().peekable();
        let (nodes, end) = build(src, &mut tokens, None)?;
        match end {
            End::Eof => Ok(Template { nodes }),
            End::Else(at) => Err(error(src, at, "`{{else}}` outside a block")),
            End::Close(name, at) => {
                Err(error(src, at, format!("`{{{{/{name}}}}}` closes no block")))
            }
        }
    }

    /// Renders the template over `root`. `partial` gives the text of a partial by name.
    pub fn render(
        &self,
        root: &Value,
        helper: &dyn Fn(&str) -> Option<Helper>,
        partial: &dyn Fn(&str) -> Option<&'static str>,
        src: &str,
    ) -> Result<String, TemplateError> {
        let mut out = String::with_capacity(src.len() * 2);
        let r = Renderer {
            helper,
            partial,
            src,
        };
        let mut scopes = vec![Scope {
            value: root,
            index: None,
            key: None,
            last: false,
        }];
        r.nodes(&self.nodes, &mut scopes, &mut out)?;
        Ok(out)
    }
}

fn tokenize(src: &str, partial: bool) -> Result<Vec<Token>, TemplateError> {
    let mut tokens: Vec<Token> = Vec::new();
    let mut text = String::new();
    // After a standalone tag: the next text loses its leading blanks and first newline.
    let mut trim_next = false;
    let mut i = 0;
    let bytes = src.as_bytes();
    while i < src.len() {
        let Some(off) = src[i..].find("{{") else {
            text.push_str(&src[i..]);
            break;
        };
        let open = i + off;
        if open > 0 && bytes[open - 1] == b'\\' {
            // `\{{`: a literal `{{`, the backslash dropped.
            text.push_str(&src[i..open - 1]);
            text.push_str("{{");
            i = open + 2;
            continue;
        }
        text.push_str(&src[i..open]);
        let close = src[open..]
            .find("}}")
            .map(|c| open + c)
            .ok_or_else(|| error(src, open, "`{{` is never closed"))?;
        let inner = &src[open + 2..close];
        let end = close + 2;
        let mut kind = parse_tag(src, open, inner)?;
        // A block, `else` or partial tag alone on its line (the start of the template
        // counts as a line start, its end as a line end) takes the line with it.
        let after = &src[end..];
        let standalone = kind.standalone_kind()
            && ends_with_empty_line(&src[..open])
            && (starts_with_empty_line(after) || (!partial && after.is_empty()));
        if standalone {
            let trimmed = text.trim_end_matches(is_blank).len();
            if let TagKind::Partial { indent, .. } = &mut kind {
                *indent = text[trimmed..].to_owned();
            }
            text.truncate(trimmed);
        }
        flush(&mut tokens, &mut text, &mut trim_next);
        trim_next = standalone;
        tokens.push(Token::Tag { kind, start: open });
        i = end;
    }
    flush(&mut tokens, &mut text, &mut trim_next);
    Ok(tokens)
}

fn flush(tokens: &mut Vec<Token>, text: &mut String, trim_next: &mut bool) {
    if *trim_next {
        let t = strip_first_newline(text.trim_start_matches(is_blank)).to_owned();
        *text = t;
        *trim_next = false;
    }
    if !text.is_empty() {
        tokens.push(Token::Text(std::mem::take(text)));
    }
}

fn parse_tag(src: &str, at: usize, inner: &str) -> Result<TagKind, TemplateError> {
    let err = |m: String| error(src, at, m);
    if inner.starts_with(['~', '!', '{', '&', '*', '^']) || inner.ends_with('~') {
        return Err(err(format!(
            "`{{{{{inner}}}}}`: not in pyrel's template language"
        )));
    }
    let body = inner.trim();
    if let Some(rest) = body.strip_prefix('#') {
        let mut p = ExprParser::new(rest, src, at);
        let name = p
            .word()
            .ok_or_else(|| err(format!("`{{{{{inner}}}}}`: no block name")))?;
        if !matches!(name.as_str(), "if" | "unless" | "each") {
            return Err(err(format!("unknown block `{name}`")));
        }
        let arg = p.expr()?;
        p.end()?;
        return Ok(TagKind::Open { name, arg });
    }
    if let Some(rest) = body.strip_prefix('/') {
        return Ok(TagKind::Close(rest.trim().to_owned()));
    }
    if body == "else" {
        return Ok(TagKind::Else);
    }
    if let Some(rest) = body.strip_prefix('>') {
        let name = rest.trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(err(format!("`{{{{{inner}}}}}`: bad partial name")));
        }
        return Ok(TagKind::Partial {
            name: name.to_owned(),
            indent: String::new(),
        });
    }
    let mut p = ExprParser::new(body, src, at);
    let first = p.expr()?;
    let expr = match first {
        Expr::Path(path) if !p.at_end() => {
            // `helper arg…`
            if path.up != 0 || path.data.is_some() || path.fields.len() != 1 {
                return Err(err(format!("`{}` is not a helper name", path.text)));
            }
            let mut args = Vec::new();
            while !p.at_end() {
                args.push(p.expr()?);
            }
            Expr::Call(path.text, args)
        }
        other => other,
    };
    p.end()?;
    Ok(TagKind::Value(expr))
}

struct ExprParser<'a> {
    s: &'a str,
    pos: usize,
    src: &'a str,
    at: usize,
}

impl<'a> ExprParser<'a> {
    fn new(s: &'a str, src: &'a str, at: usize) -> Self {
        ExprParser { s, pos: 0, src, at }
    }

    fn err(&self, m: impl Into<String>) -> TemplateError {
        error(
            self.src,
            self.at,
            format!("`{}`: {}", self.s.trim(), m.into()),
        )
    }

    fn skip_ws(&mut self) {
        let rest = &self.s[self.pos..];
        self.pos += rest.len() - rest.trim_start().len();
    }

    fn at_end(&mut self) -> bool {
        self.skip_ws();
        self.pos >= self.s.len() || self.s[self.pos..].starts_with(')')
    }

    fn end(&mut self) -> Result<(), TemplateError> {
        self.skip_ws();
        if self.pos == self.s.len() {
            Ok(())
        } else {
            Err(self.err(format!("unexpected `{}`", &self.s[self.pos..])))
        }
    }

    fn word(&mut self) -> Option<String> {
        self.skip_ws();
        let rest = &self.s[self.pos..];
        let n = rest
            .find(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .unwrap_or(rest.len());
        if n == 0 {
            return None;
        }
        self.pos += n;
        Some(rest[..n].to_owned())
    }

    fn expr(&mut self) -> Result<Expr, TemplateError> {
        self.skip_ws();
        let rest = &self.s[self.pos..];
        if rest.starts_with('(') {
            self.pos += 1;
            let name = self
                .word()
                .ok_or_else(|| self.err("a subexpression needs a helper name"))?;
            let mut args = Vec::new();
            loop {
                self.skip_ws();
                if self.s[self.pos..].starts_with(')') {
                    self.pos += 1;
                    break;
                }
                if self.pos >= self.s.len() {
                    return Err(self.err("unclosed `(`"));
                }
                args.push(self.expr()?);
            }
            return Ok(Expr::Call(name, args));
        }
        if rest.starts_with('"') {
            // A JSON string literal.
            let mut escaped = false;
            let mut end = None;
            for (i, c) in rest.char_indices().skip(1) {
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    end = Some(i);
                    break;
                }
            }
            let end = end.ok_or_else(|| self.err("unclosed string"))?;
            let value: Value = serde_json::from_str(&rest[..=end])
                .map_err(|e| self.err(format!("bad string: {e}")))?;
            self.pos += end + 1;
            return Ok(Expr::Literal(value));
        }
        let word = self
            .word()
            .ok_or_else(|| self.err("an expression is missing"))?;
        if word.starts_with(|c: char| c.is_ascii_digit() || c == '-')
            || matches!(word.as_str(), "true" | "false" | "null")
        {
            let value: Value = serde_json::from_str(&word)
                .map_err(|_| self.err(format!("bad literal `{word}`")))?;
            return Ok(Expr::Literal(value));
        }
        Ok(Expr::Path(self.path(word)?))
    }

    fn path(&self, text: String) -> Result<Path, TemplateError> {
        let mut rest = text.as_str();
        let mut up = 0;
        while let Some(r) = rest.strip_prefix("../") {
            up += 1;
            rest = r;
        }
        let mut data = None;
        let mut fields = Vec::new();
        if let Some(name) = rest.strip_prefix('@') {
            if !matches!(name, "index" | "key" | "first" | "last") {
                return Err(self.err(format!("unknown `@{name}`")));
            }
            data = Some(name.to_owned());
        } else {
            let rest = rest.strip_prefix("this").map_or(rest, |r| {
                if r.is_empty() {
                    r
                } else {
                    r.strip_prefix('.').unwrap_or(rest)
                }
            });
            for f in rest.split('.').filter(|f| !f.is_empty()) {
                if !f
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    return Err(self.err(format!("bad path `{text}`")));
                }
                fields.push(f.to_owned());
            }
            if fields.is_empty() && !text.ends_with("this") {
                return Err(self.err(format!("bad path `{text}`")));
            }
        }
        Ok(Path {
            up,
            data,
            fields,
            text,
        })
    }
}

enum End {
    Eof,
    Else(usize),
    Close(String, usize),
}

fn build(
    src: &str,
    tokens: &mut std::iter::Peekable<std::vec::IntoIter<Token>>,
    block: Option<&str>,
) -> Result<(Vec<Node>, End), TemplateError> {
    let mut nodes = Vec::new();
    while let Some(t) = tokens.next() {
        match t {
            Token::Text(s) => nodes.push(Node::Text(s)),
            Token::Tag { kind, start } => match kind {
                TagKind::Value(expr) => nodes.push(Node::Value { expr, at: start }),
                TagKind::Partial { name, indent } => nodes.push(Node::Partial {
                    name,
                    indent,
                    at: start,
                }),
                TagKind::Else => {
                    if block.is_none() {
                        return Err(error(src, start, "`{{else}}` outside a block"));
                    }
                    return Ok((nodes, End::Else(start)));
                }
                TagKind::Close(name) => return Ok((nodes, End::Close(name, start))),
                TagKind::Open { name, arg } => {
                    let (body, end) = build(src, tokens, Some(&name))?;
                    let (otherwise, end) = match end {
                        End::Else(_) => build(src, tokens, Some(&name))?,
                        other => (Vec::new(), other),
                    };
                    match end {
                        End::Close(closed, _) if closed == name => {}
                        End::Close(closed, at) => {
                            return Err(error(
                                src,
                                at,
                                format!("`{{{{/{closed}}}}}` closes `{{{{#{name}}}}}`"),
                            ))
                        }
                        End::Else(at) => return Err(error(src, at, "a second `{{else}}`")),
                        End::Eof => {
                            return Err(error(
                                src,
                                start,
                                format!("`{{{{#{name}}}}}` is never closed"),
                            ))
                        }
                    }
                    nodes.push(match name.as_str() {
                        "each" => Node::Each {
                            over: arg,
                            at: start,
                            body,
                            otherwise,
                        },
                        _ => Node::If {
                            cond: arg,
                            negate: name == "unless",
                            then: body,
                            otherwise,
                        },
                    });
                }
            },
        }
    }
    Ok((nodes, End::Eof))
}

struct Scope<'v> {
    value: &'v Value,
    index: Option<usize>,
    key: Option<&'v str>,
    last: bool,
}

struct Renderer<'a> {
    helper: &'a dyn Fn(&str) -> Option<Helper>,
    partial: &'a dyn Fn(&str) -> Option<&'static str>,
    src: &'a str,
}

/// Handlebars' truth: false, null, 0, "", [] and {} are false.
fn truthy(v: &Value) -> bool {
    match v {
        Value::Null => false,
        Value::Bool(b) => *b,
        Value::Number(n) => n.as_f64().is_some_and(f64::is_normal),
        Value::String(s) => !s.is_empty(),
        Value::Array(a) => !a.is_empty(),
        Value::Object(o) => !o.is_empty(),
    }
}

/// A value as text, as Handlebars writes it.
fn write_value(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => out.push_str(s),
        Value::Null => {}
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::Array(a) => {
            out.push('[');
            for (i, x) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_value(x, out);
            }
            out.push(']');
        }
        Value::Object(_) => out.push_str("[object]"),
    }
}

impl<'a> Renderer<'a> {
    fn err(&self, at: usize, m: impl Into<String>) -> TemplateError {
        error(self.src, at, m)
    }

    fn nodes<'v>(
        &self,
        nodes: &'v [Node],
        scopes: &mut Vec<Scope<'v>>,
        out: &mut String,
    ) -> Result<(), TemplateError>
    where
        'a: 'v,
    {
        for node in nodes {
            match node {
                Node::Text(s) => out.push_str(s),
                Node::Value { expr, at } => match expr {
                    Expr::Path(p) => match lookup(p, scopes) {
                        Some(v) => write_value(&v, out),
                        None => return Err(self.err(*at, format!("`{}` names nothing", p.text))),
                    },
                    other => write_value(&self.eval(other, scopes, *at)?, out),
                },
                Node::If {
                    cond,
                    negate,
                    then,
                    otherwise,
                } => {
                    let v = match cond {
                        Expr::Path(p) => lookup(p, scopes).is_some_and(|v| truthy(&v)),
                        other => truthy(&self.eval(other, scopes, 0)?),
                    };
                    self.nodes(if v != *negate { then } else { otherwise }, scopes, out)?;
                }
                Node::Each {
                    over,
                    at,
                    body,
                    otherwise,
                } => {
                    let Expr::Path(p) = over else {
                        return Err(self.err(*at, "`each` takes a path"));
                    };
                    let Some(Cow::Borrowed(value)) = lookup(p, scopes) else {
                        return Err(self.err(*at, format!("`{}` is not a list", p.text)));
                    };
                    let mut any = false;
                    match value {
                        Value::Array(items) => {
                            for (i, item) in items.iter().enumerate() {
                                any = true;
                                scopes.push(Scope {
                                    value: item,
                                    index: Some(i),
                                    key: None,
                                    last: i + 1 == items.len(),
                                });
                                let r = self.nodes(body, scopes, out);
                                scopes.pop();
                                r?;
                            }
                        }
                        Value::Object(map) => {
                            let n = map.len();
                            for (i, (k, item)) in map.iter().enumerate() {
                                any = true;
                                scopes.push(Scope {
                                    value: item,
                                    index: Some(i),
                                    key: Some(k),
                                    last: i + 1 == n,
                                });
                                let r = self.nodes(body, scopes, out);
                                scopes.pop();
                                r?;
                            }
                        }
                        Value::Null | Value::Bool(false) => {}
                        _ => return Err(self.err(*at, format!("`{}` is not a list", p.text))),
                    }
                    if !any {
                        self.nodes(otherwise, scopes, out)?;
                    }
                }
                Node::Partial { name, indent, at } => {
                    let text = (self.partial)(name)
                        .ok_or_else(|| self.err(*at, format!("no partial `{name}`")))?;
                    if text.is_empty() {
                        continue;
                    }
                    if !text.starts_with('\n') {
                        out.push_str(indent);
                    }
                    let mut rest = text;
                    while let Some(nl) = rest.find('\n') {
                        out.push_str(&rest[..=nl]);
                        rest = &rest[nl + 1..];
                        if rest.is_empty() {
                            break;
                        }
                        out.push_str(indent);
                    }
                    out.push_str(rest);
                }
            }
        }
        Ok(())
    }

    fn eval(&self, expr: &Expr, scopes: &[Scope<'_>], at: usize) -> Result<Value, TemplateError> {
        match expr {
            Expr::Literal(v) => Ok(v.clone()),
            Expr::Path(p) => lookup(p, scopes)
                .map(Cow::into_owned)
                .ok_or_else(|| self.err(at, format!("`{}` names nothing", p.text))),
            Expr::Call(name, args) => {
                let f = (self.helper)(name)
                    .ok_or_else(|| self.err(at, format!("no helper `{name}`")))?;
                let values = args
                    .iter()
                    .map(|a| self.eval(a, scopes, at))
                    .collect::<Result<Vec<_>, _>>()?;
                f(&values).map_err(|m| self.err(at, format!("{name}: {m}")))
            }
        }
    }
}

fn lookup<'v>(p: &Path, scopes: &[Scope<'v>]) -> Option<Cow<'v, Value>> {
    let i = scopes.len().checked_sub(1 + p.up)?;
    let scope = &scopes[i];
    if let Some(d) = &p.data {
        let index = scope.index?;
        return Some(Cow::Owned(match d.as_str() {
            "index" => Value::from(index),
            "first" => Value::Bool(index == 0),
            "last" => Value::Bool(scope.last),
            _ => Value::String(scope.key?.to_owned()),
        }));
    }
    let mut v = scope.value;
    for f in &p.fields {
        v = match v {
            Value::Object(m) => m.get(f)?,
            Value::Array(a) => a.get(f.parse::<usize>().ok()?)?,
            _ => return None,
        };
    }
    Some(Cow::Borrowed(v))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn helper(name: &str) -> Option<Helper> {
        match name {
            "eq" => Some(|a: &[Value]| Ok(Value::Bool(a[0] == a[1]))),
            _ => None,
        }
    }

    fn partial(name: &str) -> Option<&'static str> {
        (name == "p").then_some("a = 1\n\nb = 2\n")
    }

    fn render(src: &str, data: Value) -> Result<String, TemplateError> {
        Template::parse(src, false)?.render(&data, &helper, &partial, src)
    }

    #[test]
    fn standalone_block_tags_take_their_line() {
        let src = "x:\n  {{#if a}}\n  y: {{b}}\n  {{else}}\n  z\n  {{/if}}\nend\n";
        assert_eq!(
            render(src, json!({"a": true, "b": 1})).unwrap(),
            "x:\n  y: 1\nend\n"
        );
        assert_eq!(
            render(src, json!({"a": false, "b": 1})).unwrap(),
            "x:\n  z\nend\n"
        );
        // Not alone on the line: the whitespace stays.
        assert_eq!(
            render("- {{#if a}}y{{/if}} -\n", json!({"a": 1})).unwrap(),
            "- y -\n"
        );
    }

    #[test]
    fn each_gives_index_parent_and_this() {
        let src = "{{#each xs}}{{@index}}={{this}}{{#if ../sep}}{{#unless @last}},{{/unless}}{{/if}}{{/each}}";
        let out = render(src, json!({"xs": ["a", "b", "c"], "sep": true})).unwrap();
        assert_eq!(out, "0=a,1=b,2=c");
        let out = render(
            "{{#each m}}{{@key}}:{{v}};{{/each}}",
            json!({"m": {"k": {"v": 2}}}),
        );
        assert_eq!(out.unwrap(), "k:2;");
    }

    #[test]
    fn standalone_partials_are_indented_on_every_line() {
        let src = "run: |\n    {{> p}}\n    done\n";
        assert_eq!(
            render(src, json!({})).unwrap(),
            "run: |\n    a = 1\n    \n    b = 2\n    done\n"
        );
    }

    #[test]
    fn escapes_subexpressions_and_literals() {
        let src = "$\\{{ secrets.{{name}} }} {{#if (eq n 0)}}zero{{/if}}";
        assert_eq!(
            render(src, json!({"name": "T", "n": 0})).unwrap(),
            "${{ secrets.T }} zero"
        );
    }

    #[test]
    fn strict_paths_and_bad_syntax_are_located_errors() {
        let e = render("a\n  {{missing}}", json!({})).unwrap_err();
        assert_eq!((e.line, e.column), (2, 3), "{e}");
        // A missing condition is false, as in Handlebars.
        assert_eq!(render("{{#if nope}}x{{/if}}", json!({})).unwrap(), "");
        for bad in [
            "{{#if a}}x",
            "{{/if}}",
            "{{#with a}}{{/with}}",
            "{{~a}}",
            "{{a",
            "{{#if a}}{{/each}}",
        ] {
            assert!(Template::parse(bad, false).is_err(), "{bad}");
        }
    }
}
