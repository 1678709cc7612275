//! PR104 tag-version: a release tag on HEAD names the version in the files.

use super::Check;
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};

pub(crate) const CHECK: Check = Check {
    code: Code::TagVersion,
    online: false,
    summary: "When HEAD carries a release tag, the tag matches the version.",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  Lists the tags on HEAD as `git tag --points-at HEAD` does (read from `.git`). Each tag shaped like the policy's
  tag-format (`v{version}`, or `{name}-v{version}` with independent versioning, where the
  longest matching package name wins) must name the version in every version source of the
  packages it releases, by PEP 440 equality (`v1.2` matches `1.2.0`). The same decision as
  `pyrel version --check-tag TAG` and the release workflow's `check-tag`.

Why it matters
  The release workflow refuses to publish when the pushed tag and the version disagree,
  or worse (hand-written workflows) publishes a version nobody tagged.

How to fix
  Delete the wrong tag (`git tag -d TAG`, and `git push origin :refs/tags/TAG` if it was
  pushed), bump the version (`pyrel bump`), commit, then tag again.
";

fn run(ctx: &Context) -> Outcome {
    if !ctx.project.root.join(".git").exists()
        && crate::project::git::toplevel(&ctx.project.root).is_none()
    {
        return Outcome::Skip("not a git repository".into());
    }
    let tags = match crate::project::git::tags_at_head(&ctx.project.root) {
        Ok(Some(t)) => t,
        Ok(None) => return Outcome::Skip("HEAD has no commit yet".into()),
        Err(e) => return Outcome::Unknown(e),
    };
    if tags.is_empty() {
        return Outcome::ran(Vec::new(), "HEAD is not tagged");
    }
    let (route_policy, states) = match crate::bump::release_state(&ctx.project, &ctx.policy) {
        Ok(s) => s,
        Err(e) => return Outcome::Unknown(e.to_string()),
    };
    let format = &ctx.policy.tag_format;
    let mut out: Vec<FindingBuilder> = Vec::new();
    let mut release_tags = 0;
    for tag in &tags {
        // The decision `pyrel version --check-tag TAG` and the workflow's `check-tag` make.
        let Ok(check) = crate::version::check_tag(tag, &route_policy.tag_format, &states) else {
            continue;
        };
        release_tags += 1;
        for &i in &check.packages {
            let pkg = &ctx.project.packages[i];
            let t = &check.version;
            for src in &pkg.version_sources {
                if crate::version::parse(&src.value).ok().as_ref() == Some(t) || states[i].vcs {
                    continue;
                }
                out.push(
                    finding(
                        Code::TagVersion,
                        Severity::Error,
                        format!(
                            "HEAD is tagged {tag} (version {t}) but {} is at {}",
                            pkg.name, src.value
                        ),
                    )
                    .at(src.path.clone(), Some(src.line))
                    .hint(format!(
                        "move the tag (`git tag -d {tag}`), or set the version to {t} with `{}`",
                        crate::hints::Hint::bump(&t.to_string())
                    )),
                );
            }
        }
        let first = check
            .packages
            .first()
            .and_then(|&i| ctx.project.packages[i].version_sources.first());
        if let (true, Some(src)) = (check.version.is_local(), first) {
            out.push(
                finding(
                    Code::TagVersion,
                    Severity::Error,
                    format!("HEAD is tagged {tag}, a local version; PyPI refuses those"),
                )
                .at(src.path.clone(), Some(src.line))
                .hint(format!("delete the tag (`git tag -d {tag}`)")),
            );
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
