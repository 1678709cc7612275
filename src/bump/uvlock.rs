//! `uv.lock`: the version of each workspace member is recorded in its `[[package]]` entry,
//! and `uv lock --check` (and `uv sync --locked` in CI) fails until it matches the
//! pyproject. Requirements between members are recorded without specifiers (uv writes
//! `{ name = ..., editable = ... }`), so the version lines are all a bump has to move.
//!
//! A line-based edit keeps uv's own formatting byte for byte; the rendered bump script does
//! the same edit the same way.

use std::collections::BTreeMap;

/// `text` with the `version = "..."` line of every member `[[package]]` entry (a `source` of
/// `editable` or `virtual`, i.e. a workspace member) whose normalized name is a key of
/// `versions` set to the new version. Registry packages are never touched, even when one
/// has the same name.
pub(crate) fn update(text: &str, versions: &BTreeMap<String, String>) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        if lines[i].trim_end() != "[[package]]" {
            out.push_str(lines[i]);
            i += 1;
            continue;
        }
        let end = (i + 1..lines.len())
            .find(|&j| lines[j].trim_start().starts_with('['))
            .unwrap_or(lines.len());
        let block = &lines[i..end];
        let field = |key: &str| {
            block.iter().position(|l| {
                l.strip_prefix(key)
                    .is_some_and(|r| r.trim_start().starts_with('='))
            })
        };
        let name = field("name").and_then(|k| quoted(block[k]));
        let member = field("source").is_some_and(|k| {
            let l = block[k];
            l.contains("editable =") || l.contains("virtual =")
        });
        let target = name
            .map(|n| crate::project::normalize_name(&n))
            .filter(|_| member)
            .and_then(|n| versions.get(&n));
        let version_line = field("version");
        for (k, line) in block.iter().enumerate() {
            match (target, version_line) {
                (Some(new), Some(v)) if v == k => out.push_str(&replace_quoted(line, new)),
                _ => out.push_str(line),
            }
        }
        i = end;
    }
    out
}

/// The text between the first pair of double quotes.
fn quoted(line: &str) -> Option<String> {
    let start = line.find('"')? + 1;
    let len = line[start..].find('"')?;
    Some(line[start..start + len].to_owned())
}

fn replace_quoted(line: &str, new: &str) -> String {
    let Some(start) = line.find('"').map(|s| s + 1) else {
        return line.to_owned();
    };
    let Some(len) = line[start..].find('"') else {
        return line.to_owned();
    };
    format!("{}{new}{}", &line[..start], &line[start + len..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = "version = 1\nrevision = 5\n\n[[package]]\nname = \"wapp\"\nversion = \"1.0.0\"\nsource = { editable = \"libs/app\" }\ndependencies = [\n    { name = \"wcore\" },\n]\n\n[[package]]\nname = \"ruff\"\nversion = \"1.0.0\"\nsource = { registry = \"https://example.invalid/simple\" }\n\n[[package]]\nname = \"w_root\"\nversion = \"1.0.0\"\nsource = { virtual = \".\" }\n";

    #[test]
    fn moves_members_only() {
        let mut v = BTreeMap::new();
        v.insert("wapp".to_string(), "1.1.0".to_string());
        v.insert("ruff".to_string(), "9.9.9".to_string());
        v.insert("w-root".to_string(), "1.1.0".to_string());
        let out = update(LOCK, &v);
        assert_eq!(
            out,
            LOCK.replacen(
                "version = \"1.0.0\"\nsource = { editable",
                "version = \"1.1.0\"\nsource = { editable",
                1
            )
            .replacen(
                "version = \"1.0.0\"\nsource = { virtual",
                "version = \"1.1.0\"\nsource = { virtual",
                1
            )
        );
        assert!(out.contains("name = \"ruff\"\nversion = \"1.0.0\""));
    }
}
