//! Policy tables that feed the rendered workflows without forking them: environment
//! variables and service containers for the test job, and action pins the user moves
//! ahead of pyrel's (Dependabot/Renovate). Parsed strictly here; `policy.rs` only wires
//! the keys. Every value is refused when it could not sit safely in a workflow.

use std::collections::BTreeMap;

use serde::Serialize;
use toml_edit::{InlineTable, Value};

pub(crate) use super::pins::{parse_version, ActionPin};

type Res<T> = std::result::Result<T, String>;

/// One service container of the test job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct Service {
    pub(crate) image: String,
    pub(crate) ports: Vec<String>,
    pub(crate) env: BTreeMap<String, String>,
}

fn table<'a>(v: &'a Value, what: &str) -> Res<&'a InlineTable> {
    v.as_inline_table()
        .ok_or_else(|| format!("expected an inline table of {what}"))
}

/// A value that may appear in a workflow: no control characters, no GitHub expression.
fn plain(s: &str, what: &str) -> Res<String> {
    if super::engine::has_expression(s) {
        return Err(format!(
            "{what} holds a GitHub expression (`${{{{`); no quoting makes one inert in a workflow"
        ));
    }
    crate::grammar::workflow_value(s).map_err(|why| format!("{what} {why}"))?;
    Ok(s.to_string())
}

/// Environment variable names as a shell and GitHub accept them.
fn env_name(s: &str) -> Res<String> {
    let ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.to_ascii_uppercase().starts_with("GITHUB_");
    if ok {
        Ok(s.to_string())
    } else {
        Err(format!(
            "`{s}` is not an environment variable name (letters, digits, `_`; not GITHUB_*)"
        ))
    }
}

fn env_table(v: &Value) -> Res<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (k, v) in table(v, "NAME = \"value\"")?.iter() {
        let value = v
            .as_str()
            .ok_or_else(|| format!("`{k}`: expected a string"))?;
        out.insert(env_name(k)?, plain(value, &format!("`{k}`"))?);
    }
    Ok(out)
}

/// `test-env = { DATABASE_URL = "postgresql://localhost/test" }`.
pub(crate) fn parse_test_env(v: &Value) -> Res<BTreeMap<String, String>> {
    env_table(v)
}

pub(crate) fn show_test_env(env: &BTreeMap<String, String>) -> Value {
    let mut t = InlineTable::new();
    for (k, v) in env {
        t.insert(k, Value::from(v.as_str()));
    }
    Value::InlineTable(t)
}

/// `test-services = { postgres = { image = "postgres:17@sha256:<digest>", ports = ["5432:5432"],
/// env = { POSTGRES_PASSWORD = "test" } } }`.
pub(crate) fn parse_test_services(v: &Value) -> Res<BTreeMap<String, Service>> {
    let mut out = BTreeMap::new();
    for (name, spec) in table(v, "NAME = { image = \"...\" }")?.iter() {
        let valid_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            && name.chars().next().is_some_and(|c| c.is_ascii_alphabetic());
        if !valid_name {
            return Err(format!(
                "`{name}` is not a service name (letters, digits, `-`, `_`)"
            ));
        }
        let spec = table(spec, "image, ports, env")?;
        let mut service = Service {
            image: String::new(),
            ports: Vec::new(),
            env: BTreeMap::new(),
        };
        for (k, v) in spec.iter() {
            match k {
                "image" => {
                    let s = v
                        .as_str()
                        .ok_or_else(|| format!("`{name}.image`: expected a string"))?;
                    let ok = !s.is_empty()
                        && s.chars().all(|c| {
                            c.is_ascii_alphanumeric()
                                || matches!(c, '.' | '-' | '_' | '/' | ':' | '@')
                        });
                    if !ok {
                        return Err(format!(
                            "`{name}.image` = `{s}` is not a container image reference"
                        ));
                    }
                    // Pinned like the actions: by content, not by a tag that can move.
                    let digest_ok = s.split_once("@sha256:").is_some_and(|(_, d)| {
                        d.len() == 64
                            && d.chars()
                                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
                    });
                    if !digest_ok {
                        return Err(format!(
                            "`{name}.image` = `{s}` must be pinned by digest, e.g. \"postgres:17@sha256:<64 hex>\""
                        ));
                    }
                    service.image = s.to_string();
                }
                "ports" => {
                    for p in v
                        .as_array()
                        .ok_or_else(|| format!("`{name}.ports`: expected an array"))?
                        .iter()
                    {
                        let s = p.as_str().ok_or_else(|| {
                            format!("`{name}.ports`: expected strings like \"5432:5432\"")
                        })?;
                        let ok = !s.is_empty()
                            && s.split(':').count() <= 2
                            && s.split(':')
                                .all(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()));
                        if !ok {
                            return Err(format!(
                                "`{name}.ports`: `{s}` is not a port mapping like \"5432:5432\""
                            ));
                        }
                        service.ports.push(s.to_string());
                    }
                }
                "env" => service.env = env_table(v)?,
                other => return Err(format!("`{name}.{other}`: unknown key (image, ports, env)")),
            }
        }
        if service.image.is_empty() {
            return Err(format!("`{name}` needs an image"));
        }
        out.insert(name.to_string(), service);
    }
    Ok(out)
}

pub(crate) fn show_test_services(services: &BTreeMap<String, Service>) -> Value {
    let mut t = InlineTable::new();
    for (name, s) in services {
        let mut spec = InlineTable::new();
        spec.insert("image", Value::from(s.image.as_str()));
        if !s.ports.is_empty() {
            spec.insert(
                "ports",
                Value::Array(s.ports.iter().map(String::as_str).collect()),
            );
        }
        if !s.env.is_empty() {
            spec.insert("env", show_test_env(&s.env));
        }
        t.insert(name, Value::InlineTable(spec));
    }
    Value::InlineTable(t)
}

/// `action-pins = { "actions/checkout" = "<40 hex> # v7.0.2" }`: the `uses:` line's own
/// form, so a Renovate regex manager can move it as it moves a workflow pin.
pub(crate) fn parse_action_pins(v: &Value) -> Res<BTreeMap<String, ActionPin>> {
    let mut out = BTreeMap::new();
    for (action, pin) in table(v, "\"owner/action\" = \"<sha> # vX.Y.Z\"")?.iter() {
        if !super::pins::PINS.iter().any(|(a, _, _)| *a == action) {
            let known: Vec<&str> = super::pins::PINS.iter().map(|(a, _, _)| *a).collect();
            return Err(format!(
                "`{action}` is not an action the workflows use ({})",
                known.join(", ")
            ));
        }
        let s = pin
            .as_str()
            .ok_or_else(|| format!("`{action}`: expected \"<40-hex sha> # vX.Y.Z\""))?;
        let (sha, version) = s
            .split_once(" # ")
            .map(|(a, b)| (a.trim(), b.trim()))
            .ok_or_else(|| format!("`{action}` = \"{s}\": expected \"<40-hex sha> # vX.Y.Z\""))?;
        let sha_ok = sha.len() == 40
            && sha
                .chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
        if !sha_ok {
            return Err(format!(
                "`{action}`: `{sha}` is not a full commit SHA (40 lowercase hex digits)"
            ));
        }
        if parse_version(version).is_none() {
            return Err(format!(
                "`{action}`: `{version}` is not a version comment like v7.0.2"
            ));
        }
        out.insert(
            action.to_string(),
            ActionPin {
                sha: sha.to_string(),
                version: version.to_string(),
            },
        );
    }
    Ok(out)
}

pub(crate) fn show_action_pins(pins: &BTreeMap<String, ActionPin>) -> Value {
    let mut t = InlineTable::new();
    for (action, p) in pins {
        t.insert(action, Value::from(format!("{} # {}", p.sha, p.version)));
    }
    Value::InlineTable(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Value {
        s.parse().unwrap()
    }

    #[test]
    fn action_pins_need_a_full_sha_and_a_version() {
        let ok = parse_action_pins(&v(
            r#"{ "actions/checkout" = "0123456789abcdef0123456789abcdef01234567 # v7.1.0" }"#,
        ))
        .unwrap();
        assert_eq!(ok["actions/checkout"].version, "v7.1.0");
        for bad in [
            r#"{ "actions/checkout" = "0123456 # v7" }"#,
            r#"{ "actions/checkout" = "0123456789abcdef0123456789abcdef01234567" }"#,
            r#"{ "actions/checkout" = "0123456789ABCDEF0123456789abcdef01234567 # v7" }"#,
            r#"{ "actions/checkout" = "0123456789abcdef0123456789abcdef01234567 # seven" }"#,
            r#"{ "evil/action" = "0123456789abcdef0123456789abcdef01234567 # v1" }"#,
        ] {
            assert!(parse_action_pins(&v(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn test_env_and_services_are_strict() {
        assert!(parse_test_env(&v(r#"{ A_B = "x y" }"#)).is_ok());
        for bad in [
            r#"{ "A-B" = "x" }"#,
            r#"{ GITHUB_TOKEN = "x" }"#,
            r#"{ A = "${{ secrets.X }}" }"#,
            r#"{ A = 1 }"#,
            r#"{ A = "x\u2028y: z" }"#,
            r#"{ A = "x\u202ey" }"#,
        ] {
            assert!(parse_test_env(&v(bad)).is_err(), "{bad}");
        }
        let s = parse_test_services(&v(
            r#"{ postgres = { image = "postgres:17@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef", ports = ["5432:5432"], env = { POSTGRES_PASSWORD = "test" } } }"#,
        ))
        .unwrap();
        assert_eq!(s["postgres"].ports, ["5432:5432"]);
        for bad in [
            r#"{ pg = { image = "postgres:17 && rm" } }"#,
            r#"{ pg = { ports = ["1:2"] } }"#,
            r#"{ pg = { image = "p", ports = ["x:1"] } }"#,
            r#"{ pg = { image = "postgres:17" } }"#,
            r#"{ pg = { image = "p", volumes = [] } }"#,
        ] {
            assert!(parse_test_services(&v(bad)).is_err(), "{bad}");
        }
    }
}
