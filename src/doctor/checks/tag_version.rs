//! PR104 tag-version: a release tag on HEAD names the version in the files.

use std::process::Command;

use super::Check;
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};
use crate::project::{Package, VersionScheme};

pub const CHECK: Check = Check {
    code: Code::TagVersion,
    online: false,
    summary: "When HEAD carries a release tag, the tag matches the version.",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  Lists the tags on HEAD (`git tag --points-at HEAD`). Each tag shaped like the policy's
  tag-format (`v{version}`, or `{name}-v{version}` with independent versioning) must name
  the version in the package's files, by PEP 440 equality (`v1.2` matches `1.2.0`).

Why it matters
  The release workflow refuses to publish when the pushed tag and the version disagree,
  or worse (hand-written workflows) publishes a version nobody tagged.

How to fix
  Delete the wrong tag (`git tag -d TAG`, and `git push origin :refs/tags/TAG` if it was
  pushed), bump the version (`pyrel bump`), commit, then tag again.
";

/// The tags on HEAD; `Ok(None)` when this is not a git repository or HEAD has no commit.
fn tags_at_head(root: &std::path::Path) -> Result<Option<Vec<String>>, String> {
    let output = Command::new("git")
        .args(["tag", "--points-at", "HEAD"])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    if !output.status.success() {
        return Ok(None);
    }
    Ok(Some(
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map(str::to_owned)
            .collect(),
    ))
}

/// The version part of `tag` under `format` for `pkg`, when the tag has the format's shape.
fn version_part<'t>(tag: &'t str, format: &str, pkg: &Package) -> Option<&'t str> {
    let names = [pkg.name.as_str(), pkg.normalized.as_str()];
    names.iter().find_map(|name| {
        let f = format.replace("{name}", name);
        let (prefix, suffix) = f.split_once("{version}")?;
        let middle = tag.strip_prefix(prefix)?.strip_suffix(suffix)?;
        (!middle.is_empty()).then_some(middle)
    })
}

fn run(ctx: &Context) -> Outcome {
    if !ctx.project.root.join(".git").exists()
        && crate::project::git::toplevel(&ctx.project.root).is_none()
    {
        return Outcome::Skip("not a git repository".into());
    }
    let tags = match tags_at_head(&ctx.project.root) {
        Ok(Some(t)) => t,
        Ok(None) => return Outcome::Skip("HEAD has no commit yet".into()),
        Err(e) => return Outcome::Unknown(e),
    };
    if tags.is_empty() {
        return Outcome::ran(Vec::new(), "HEAD is not tagged");
    }
    let format = &ctx.policy.tag_format;
    let mut out: Vec<FindingBuilder> = Vec::new();
    let mut release_tags = 0;
    for tag in &tags {
        for pkg in &ctx.project.packages {
            let Some(part) = version_part(tag, format, pkg) else {
                continue;
            };
            release_tags += 1;
            if matches!(pkg.scheme, VersionScheme::Vcs { .. }) {
                continue;
            }
            let Some(src) = pkg.version_sources.first() else {
                continue;
            };
            let tagged = crate::version::parse(part);
            let current = crate::version::parse(&src.value);
            match (tagged, current) {
                (Ok(t), Ok(c)) if t == c => {}
                (Ok(t), _) => out.push(
                    finding(
                        Code::TagVersion,
                        Severity::Error,
                        format!("HEAD is tagged {tag} (version {t}) but {} is at {}", pkg.name, src.value),
                    )
                    .at(src.path.clone(), Some(src.line))
                    .hint(format!("move the tag (`git tag -d {tag}`), or set the version to {t} with `pyrel bump --to {t}`")),
                ),
                (Err(e), _) => out.push(
                    finding(
                        Code::TagVersion,
                        Severity::Error,
                        format!("HEAD is tagged {tag}, whose version part is not PEP 440: {e}"),
                    )
                    .at(src.path.clone(), Some(src.line))
                    .hint(format!("delete the tag (`git tag -d {tag}`) and tag `{}`", format.replace("{version}", &src.value).replace("{name}", &pkg.name))),
                ),
            }
        }
    }
    Outcome::from_builders(
        out,
        format!(
            "{} tag(s) on HEAD, {release_tags} shaped like `{format}`",
            tags.len()
        ),
    )
}
