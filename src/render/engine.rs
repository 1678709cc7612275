//! The handlebars registry: embedded templates, strict mode, no HTML escaping, and the
//! quoting helpers that keep user values from injecting YAML, shell or expressions.

use std::sync::OnceLock;

use handlebars::{
    Context as HbContext, Handlebars, Helper, HelperResult, Output, RenderContext, RenderError,
    RenderErrorReason,
};
use include_dir::{include_dir, Dir};

use super::Context;
use crate::error::{Error, Result};

static TEMPLATES: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/templates");

pub(crate) const RELEASE_WORKFLOW: &str = ".github/workflows/release.yml.hbs";
pub(crate) const TEST_WORKFLOW: &str = ".github/workflows/test.yml.hbs";
pub(crate) const RELEASING_GUIDE: &str = "docs/RELEASING.md.hbs";
pub(crate) const CHANGELOG: &str = "CHANGELOG.md.hbs";
pub(crate) const GITIGNORE_BLOCK: &str = "gitignore-block.hbs";

/// Partials (`{{> name}}`): Python run inside workflow steps, kept as real `.py` files.
pub(crate) const PARTIALS: &[(&str, &str)] = &[
    ("upload_loop", "partials/upload_loop.py"),
    ("install_check", "partials/install_check.py"),
    ("test_install", "partials/test_install.py"),
    ("test_run", "partials/test_run.py"),
];

/// The release tools' requirements (versions and hashes), rendered into the workflow.
pub(crate) const RELEASE_REQUIREMENTS: &str = ".github/release-requirements.txt";

/// Every template id; a test proves each exists and renders.
pub(crate) const TEMPLATE_IDS: &[&str] = &[
    RELEASE_WORKFLOW,
    TEST_WORKFLOW,
    RELEASING_GUIDE,
    CHANGELOG,
    GITIGNORE_BLOCK,
];

/// One registry per template, each compiled on first use: a verb compiles only the
/// templates it renders, and [`compile`] compiles several side by side (compiling is
/// most of the cost of a render: handlebars' parser is quadratic in template length).
fn registry(id: &str) -> Result<&'static Handlebars<'static>> {
    static REGS: [OnceLock<std::result::Result<Handlebars<'static>, String>>; TEMPLATE_IDS.len()] =
        [const { OnceLock::new() }; TEMPLATE_IDS.len()];
    let i = TEMPLATE_IDS
        .iter()
        .position(|t| *t == id)
        .ok_or_else(|| Error::internal(format!("no template {id}")))?;
    REGS[i]
        .get_or_init(|| build(TEMPLATE_IDS[i]))
        .as_ref()
        .map_err(|e| Error::internal(e.clone()))
}

fn build(id: &'static str) -> std::result::Result<Handlebars<'static>, String> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    hb.register_escape_fn(handlebars::no_escape);
    hb.register_helper("yaml", Box::new(yaml_helper));
    hb.register_helper("shell", Box::new(shell_helper));
    hb.register_helper("json", Box::new(json_helper));
    hb.register_helper("concat", Box::new(concat_helper));
    for (name, path) in PARTIALS {
        let text = TEMPLATES
            .get_file(path)
            .and_then(|f| f.contents_utf8())
            .ok_or_else(|| format!("partial {path} is not embedded"))?;
        hb.register_partial(name, text)
            .map_err(|e| format!("partial {path}: {e}"))?;
    }
    let file = TEMPLATES
        .get_file(id)
        .ok_or_else(|| format!("template {id} is not embedded"))?;
    let text = file
        .contents_utf8()
        .ok_or_else(|| format!("template {id} is not UTF-8"))?;
    hb.register_template_string(id, text)
        .map_err(|e| format!("template {id}: {e}"))?;
    Ok(hb)
}

/// Compiles the templates `ids` on parallel threads (each is compiled once per process;
/// the next render of it only renders).
pub(crate) fn compile(ids: &[&str]) {
    std::thread::scope(|s| {
        for id in ids.iter().skip(1) {
            s.spawn(move || {
                let _ = registry(id);
            });
        }
        if let Some(first) = ids.first() {
            let _ = registry(first);
        }
    });
}

/// The render context as handlebars reads it (JSON), converted once for all the
/// templates of a plan rather than once per template.
pub(crate) struct Data(HbContext);

impl Data {
    pub(crate) fn new(ctx: &Context) -> Result<Data> {
        HbContext::wraps(ctx)
            .map(Data)
            .map_err(|e| Error::internal(format!("converting the render context: {e}")))
    }

    /// Renders one template.
    pub(crate) fn render(&self, id: &str) -> Result<String> {
        registry(id)?
            .render_with_context(id, &self.0)
            .map_err(|e| Error::internal(format!("rendering {id}: {e}")))
    }
}

/// The requirement lines of [`RELEASE_REQUIREMENTS`], comments dropped.
pub(crate) fn release_requirements() -> Result<Vec<&'static str>> {
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

fn param_str<'a>(
    h: &'a Helper,
    name: &'static str,
) -> std::result::Result<&'a serde_json::Value, RenderError> {
    h.param(0)
        .map(|p| p.value())
        .ok_or_else(|| RenderErrorReason::ParamNotFoundForIndex(name, 0).into())
}

/// The first parameter as text: strings as they are, anything else as JSON.
fn param_text(h: &Helper, name: &'static str) -> std::result::Result<String, RenderError> {
    Ok(match param_str(h, name)? {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    })
}

/// `{{yaml value}}`: a YAML double-quoted scalar (JSON string syntax is valid YAML).
/// A value holding `${{` is refused: GitHub decodes YAML escapes before it evaluates
/// expressions, so no spelling of it is inert. [`super::context`] refuses such policy
/// values with a message first; reaching this is a bug.
fn yaml_helper(
    h: &Helper,
    _: &Handlebars,
    _: &HbContext,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let s = param_text(h, "yaml")?;
    let quoted = yaml_quote(&s).ok_or_else(|| {
        RenderErrorReason::Other(format!("a GitHub expression reached a workflow: {s:?}"))
    })?;
    out.write(&quoted)?;
    Ok(())
}

/// Quotes a string for YAML, or `None` when it holds a GitHub expression (`${{`).
pub(crate) fn yaml_quote(s: &str) -> Option<String> {
    if has_expression(s) {
        return None;
    }
    serde_json::to_string(s).ok()
}

/// Whether GitHub would read an expression in this text.
pub(crate) fn has_expression(s: &str) -> bool {
    s.contains("${{")
}

/// `{{shell value}}`: a POSIX single-quoted word.
fn shell_helper(
    h: &Helper,
    _: &Handlebars,
    _: &HbContext,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let s = param_text(h, "shell")?;
    out.write(&format!("'{}'", s.replace('\'', "'\\''")))?;
    Ok(())
}

/// `{{json value}}`: the value as JSON.
fn json_helper(
    h: &Helper,
    _: &Handlebars,
    _: &HbContext,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    let v = param_str(h, "json")?;
    out.write(&serde_json::to_string(v).unwrap_or_default())?;
    Ok(())
}

/// `(concat a b ...)`: the strings joined, for building paths in subexpressions.
fn concat_helper(
    h: &Helper,
    _: &Handlebars,
    _: &HbContext,
    _: &mut RenderContext,
    out: &mut dyn Output,
) -> HelperResult {
    for p in h.params() {
        match p.value() {
            serde_json::Value::String(s) => out.write(s)?,
            other => out.write(&other.to_string())?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_embedded_and_compiles() {
        compile(TEMPLATE_IDS);
        for (name, _) in PARTIALS {
            assert!(
                registry(RELEASE_WORKFLOW).unwrap().has_template(name),
                "{name}"
            );
        }
        assert!(!release_requirements().unwrap().is_empty());
        for id in TEMPLATE_IDS {
            assert!(registry(id).unwrap().has_template(id), "{id}");
        }
    }

    #[test]
    fn yaml_quote_round_trips_and_refuses_expressions() {
        for s in ["plain", "it's: \"q\"", "a\\b", "#c", "- d", "$HOME {x}"] {
            let q = yaml_quote(s).unwrap();
            let back: String = serde_yaml::from_str(&q).unwrap();
            assert_eq!(back, s);
        }
        assert_eq!(yaml_quote("x${{ github.token }}"), None);
    }
}
