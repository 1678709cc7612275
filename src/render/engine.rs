//! The embedded templates, parsed by [`super::template`], and the
//! quoting helpers that keep user values from injecting YAML, shell or expressions.

use std::sync::OnceLock;

use include_dir::{include_dir, Dir};
use serde_json::Value;

use super::template::{Helper, Template};

use super::Context;
use crate::error::{Error, Result};

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

pub const RELEASE_WORKFLOW: &str = ".github/workflows/release.yml.hbs";
pub const TEST_WORKFLOW: &str = ".github/workflows/test.yml.hbs";
pub const RELEASING_GUIDE: &str = "docs/RELEASING.md.hbs";
pub const CHANGELOG: &str = "CHANGELOG.md.hbs";
pub const GITIGNORE_BLOCK: &str = "gitignore-block.hbs";

/// Partials (`{{> name}}`): Python run inside workflow steps, kept as real `.py` files.
pub const PARTIALS: &[(&str, &str)] = &[
    ("upload_loop", "partials/upload_loop.py"),
    ("install_check", "partials/install_check.py"),
    ("test_install", "partials/test_install.py"),
    ("test_run", "partials/test_run.py"),
];

/// The release tools' requirements (versions and hashes), rendered into the workflow.
pub const RELEASE_REQUIREMENTS: &str = ".github/release-requirements.txt";

/// Every template id; a test proves each exists and renders.
pub const TEMPLATE_IDS: &[&str] = &[
    RELEASE_WORKFLOW,
    TEST_WORKFLOW,
    RELEASING_GUIDE,
    CHANGELOG,
    GITIGNORE_BLOCK,
];

/// Each template parsed once per process, on first use (parsing is linear and takes
/// microseconds; the cache only saves doing it twice in one run).
fn template(id: &str) -> Result<&'static (Template, &'static str)> {
    static PARSED: [OnceLock<std::result::Result<(Template, &'static str), String>>;
        TEMPLATE_IDS.len()] = [const { OnceLock::new() }; TEMPLATE_IDS.len()];
    let i = TEMPLATE_IDS
        .iter()
        .position(|t| *t == id)
        .ok_or_else(|| Error::internal(format!("no template {id}")))?;
    PARSED[i]
        .get_or_init(|| {
            let text = embedded(TEMPLATE_IDS[i])?;
            Template::parse(text, false)
                .map(|t| (t, text))
                .map_err(|e| format!("template {id}: {e}"))
        })
        .as_ref()
        .map_err(|e| Error::internal(e.clone()))
}

fn embedded(path: &str) -> std::result::Result<&'static str, String> {
    TEMPLATES
        .get_file(path)
        .and_then(|f| f.contents_utf8())
        .ok_or_else(|| format!("{path} is not embedded as UTF-8"))
}

fn partial(name: &str) -> Option<&'static str> {
    let (_, path) = PARTIALS.iter().find(|(n, _)| *n == name)?;
    embedded(path).ok()
}

fn helper(name: &str) -> Option<Helper> {
    Some(match name {
        "yaml" => yaml_helper,
        "shell" => shell_helper,
        "json" => json_helper,
        "concat" => concat_helper,
        "eq" => eq_helper,
        _ => return None,
    })
}

/// The render context as the templates read it (JSON), converted once for all the
/// templates of a plan rather than once per template.
pub struct Data(serde_json::Value);

impl Data {
    pub fn new(ctx: &Context) -> Result<Data> {
        serde_json::to_value(ctx)
            .map(Data)
            .map_err(|e| Error::internal(format!("converting the render context: {e}")))
    }

    /// Renders one template.
    pub fn render(&self, id: &str) -> Result<String> {
        let (t, text) = template(id)?;
        t.render(&self.0, &helper, &partial, text)
            .map_err(|e| Error::internal(format!("rendering {id}: {e}")))
    }
}

/// The requirement lines of [`RELEASE_REQUIREMENTS`], comments dropped.
pub fn release_requirements() -> Result<Vec<&'static str>> {
    let text = TEMPLATES
        .get_file(RELEASE_REQUIREMENTS)
        .and_then(|f| f.contents_utf8())
        .ok_or_else(|| Error::usage(format!("{RELEASE_REQUIREMENTS} is not embedded"), None))?;
    Ok(text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect())
}

/// The first argument as text: strings as they are, anything else as JSON.
fn text_arg(args: &[Value], name: &str) -> std::result::Result<String, String> {
    match args {
        [Value::String(s)] => Ok(s.clone()),
        [other] => Ok(other.to_string()),
        _ => Err(format!("{name} takes one argument, not {}", args.len())),
    }
}

/// `{{yaml value}}`: a YAML double-quoted scalar (JSON string syntax is valid YAML).
/// A value holding `${{` is refused: GitHub decodes YAML escapes before it evaluates
/// expressions, so no spelling of it is inert. [`super::context`] refuses such policy
/// values with a message first; reaching this is a bug.
fn yaml_helper(args: &[Value]) -> std::result::Result<Value, String> {
    let s = text_arg(args, "yaml")?;
    yaml_quote(&s)
        .map(Value::String)
        .ok_or_else(|| format!("a GitHub expression reached a workflow: {s:?}"))
}

/// Quotes a string for YAML, or `None` when it holds a GitHub expression (`${{`).
pub fn yaml_quote(s: &str) -> Option<String> {
    if has_expression(s) {
        return None;
    }
    serde_json::to_string(s).ok()
}

/// Whether GitHub would read an expression in this text.
pub fn has_expression(s: &str) -> bool {
    s.contains("${{")
}

/// `{{shell value}}`: a POSIX single-quoted word.
fn shell_helper(args: &[Value]) -> std::result::Result<Value, String> {
    let s = text_arg(args, "shell")?;
    Ok(Value::String(format!("'{}'", s.replace('\'', "'\\''"))))
}

/// `{{json value}}`: the value as JSON.
fn json_helper(args: &[Value]) -> std::result::Result<Value, String> {
    match args {
        [v] => serde_json::to_string(v)
            .map(Value::String)
            .map_err(|e| e.to_string()),
        _ => Err(format!("json takes one argument, not {}", args.len())),
    }
}

/// `(concat a b ...)`: the strings joined, for building paths in subexpressions.
fn concat_helper(args: &[Value]) -> std::result::Result<Value, String> {
    let mut out = String::new();
    for v in args {
        match v {
            Value::String(s) => out.push_str(s),
            other => out.push_str(&other.to_string()),
        }
    }
    Ok(Value::String(out))
}

/// `(eq a b)`: whether two values are equal.
fn eq_helper(args: &[Value]) -> std::result::Result<Value, String> {
    match args {
        [a, b] => Ok(Value::Bool(a == b)),
        _ => Err(format!("eq takes two arguments, not {}", args.len())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_embedded_and_compiles() {
        for (name, _) in PARTIALS {
            assert!(partial(name).is_some(), "{name}");
        }
        assert!(!release_requirements().unwrap().is_empty());
        for id in TEMPLATE_IDS {
            template(id).unwrap();
        }
    }

    #[test]
    fn yaml_quote_round_trips_and_refuses_expressions() {
        for s in ["plain", "it's: \"q\"", "a\\b", "#c", "- d", "$HOME {x}"] {
            let q = yaml_quote(s).unwrap();
            let back: String = serde_norway::from_str(&q).unwrap();
            assert_eq!(back, s);
        }
        assert_eq!(yaml_quote("x${{ github.token }}"), None);
    }
}
