//! The reference pages under docs/, generated from the text the CLI itself shows: one page
//! per doctor check from its `--explain` documentation, an index from `--explain`'s list,
//! the policy reference from the commented keys `pyrel init` writes, and the man pages.
//! `tests/docs.rs` fails when a committed page differs; `UPDATE_DOCS=1 cargo test --test
//! cli docs::` rewrites them.

use std::fmt::Write;

use crate::doctor::checks::{Check, REGISTRY};
use crate::policy::{self, Policy};

const REGENERATE: &str = "UPDATE_DOCS=1 cargo test --test cli docs::";

/// Every generated page: its path under docs/ and its contents.
pub fn pages() -> crate::Result<Vec<(String, Vec<u8>)>> {
    let mut out: Vec<(String, Vec<u8>)> = REGISTRY
        .iter()
        .map(|c| (check_path(c), check_page(c).into_bytes()))
        .collect();
    out.push(("checks/README.md".into(), checks_index().into_bytes()));
    out.push(("policy.md".into(), policy_reference().into_bytes()));
    out.push(("man/pyrel.1".into(), crate::man::page(None)?));
    for verb in crate::man::verbs() {
        out.push((
            format!("man/pyrel-{verb}.1"),
            crate::man::page(Some(&verb))?,
        ));
    }
    Ok(out)
}

pub fn check_path(c: &Check) -> String {
    format!("checks/{}-{}.md", c.code.id(), c.code.name())
}

fn header(source: &str) -> String {
    format!("<!-- Generated from {source}; do not edit: `{REGENERATE}` rewrites it. -->\n\n")
}

/// A check's page: its `--explain` text, headings as Markdown headings.
pub(crate) fn check_page(c: &Check) -> String {
    let mut out = header(&format!("`pyrel doctor --explain {}`", c.code.id()));
    let _ = writeln!(out, "# {} {}\n", c.code.id(), c.code.name());
    let _ = writeln!(out, "{}\n", c.summary);
    for line in c.docs.trim().lines() {
        if line.trim().is_empty() {
            out.push('\n');
        } else if let Some(body) = line.strip_prefix("  ") {
            let _ = writeln!(out, "{body}");
        } else {
            let _ = writeln!(out, "## {}\n", line.trim());
        }
    }
    let _ = writeln!(
        out,
        "\n{}",
        if c.online {
            "Online: asks GitHub or PyPI; skipped with `--offline`."
        } else {
            "Offline: reads the repository only."
        }
    );
    let _ = writeln!(
        out,
        "\nSelect it with `--select {id}` (or `{name}`), skip it with `--ignore {id}`, or for\ngood with `doctor-ignore = [{{ check = \"{name}\", reason = \"...\" }}]` in the policy.",
        id = c.code.id(),
        name = c.code.name()
    );
    out
}

fn checks_index() -> String {
    let mut out = header("`pyrel doctor --explain`");
    out.push_str("# Doctor checks\n\n| id | name | what it checks | needs |\n|---|---|---|---|\n");
    for c in REGISTRY {
        let _ = writeln!(
            out,
            "| {} | [{}]({}) | {} | {} |",
            c.code.id(),
            c.code.name(),
            check_path(c).trim_start_matches("checks/"),
            c.summary.replace('|', "\\|"),
            if c.online { "network" } else { "repository" }
        );
    }
    out
}

/// The policy reference: every key with its default and the comment `pyrel init` writes.
pub(crate) fn policy_reference() -> String {
    let defaults = Policy::default();
    let mut out = header("the policy `pyrel init` writes");
    out.push_str(
        "# Policy reference\n\n\
         The policy lives in `[tool.pyrel]` of the root `pyproject.toml`, or in `pyrel.toml`.\n\
         Change a value, then run `pyrel generate`; `pyrel init --set KEY=VALUE` sets one at\n\
         init. Defaults are shown for a repository where nothing was detected.\n\n\
         | key | default | meaning |\n|---|---|---|\n",
    );
    let body = policy::render_body(&defaults);
    let mut comment = String::new();
    for line in body.lines() {
        if let Some(key_line) = line.strip_prefix("# ").filter(|l| l.contains(" = ")) {
            // An optional key without a value, written commented out.
            if let Some((key, _)) = key_line.split_once(" = ") {
                if !key.contains(' ') {
                    row(&mut out, key, "(unset)", &comment);
                    comment.clear();
                    continue;
                }
            }
        }
        if let Some(c) = line.strip_prefix("# ") {
            comment = c.to_owned();
        } else if let Some((key, value)) = line.split_once(" = ") {
            row(&mut out, key, value, &comment);
            comment.clear();
        }
    }
    // `packages` is read by discovery (every verb discovers first), not written by init.
    row(
        &mut out,
        "packages",
        "(unset)",
        "Which package directories are released: { include = [...], exclude = [...] }, see below.",
    );
    out.push_str(
        "\n## `packages`\n\n\
         Globs over package directories, relative to the repository root and `/`-separated\n\
         (`.` is the root; `*` does not cross a `/`). Unset, pyrel releases every package it\n\
         finds. `include` keeps only the packages whose directory matches one of its globs,\n\
         and also releases a project found outside the usual places (for instance one a uv\n\
         workspace's `exclude` took out); `exclude` drops the packages whose directory matches.\n\
         A glob with `..`, a leading `/` or a control character is refused.\n\n\
         ```toml\n[tool.pyrel]\npackages = { include = [\"libs/*\"], exclude = [\"libs/internal\"] }\n```\n\n\
         | key | default | meaning |\n|---|---|---|\n",
    );
    row(
        &mut out,
        "include",
        "(unset)",
        "Only these package directories are released (and those outside the usual places too).",
    );
    row(
        &mut out,
        "exclude",
        "(unset)",
        "These package directories are not released.",
    );
    out.push_str(
        "\n## `[tool.pyrel.files]`\n\nWhere each managed file goes; `false` stops managing it.\n\n\
         | key | default | file |\n|---|---|---|\n",
    );
    for line in policy::render_files(&defaults).lines() {
        let Some((key, rest)) = line.split_once(" = ") else {
            continue;
        };
        let (value, comment) = rest.split_once("  # ").unwrap_or((rest, ""));
        row(&mut out, key, value, comment);
    }
    out
}

fn row(out: &mut String, key: &str, value: &str, comment: &str) {
    let cell = |s: &str| s.replace('|', "\\|");
    let _ = writeln!(
        out,
        "| `{}` | `{}` | {} |",
        key.trim(),
        cell(value.trim()),
        cell(comment.trim())
    );
}
