//! Which jobs of a workflow upload to PyPI, and how: read step by step from the parsed
//! workflow (so a YAML comment is no command), following what a step runs inside the
//! repository: a local composite action, a local reusable workflow, a script, a Makefile
//! target. Shell comments in `run:` blocks and scripts are not commands either.
//!
//! Reads only files inside the repository, by plain relative paths.

use std::path::Path;

use serde_norway::Value;

/// Commands that upload distributions to PyPI, as they appear in a shell line.
const UPLOAD_COMMANDS: &[&str] = &[
    "twine upload",
    "uv publish",
    "poetry publish",
    "flit publish",
    "hatch publish",
    "pdm publish",
    "maturin publish",
    "maturin upload",
];

/// Environment variables the upload tools read their credentials from: a secret put in
/// one of them reaches an upload.
const UPLOAD_VARS: &[&str] = &[
    "TWINE_PASSWORD",
    "TWINE_USERNAME",
    "UV_PUBLISH_TOKEN",
    "UV_PUBLISH_PASSWORD",
    "POETRY_PYPI_TOKEN_",
    "POETRY_HTTP_BASIC_",
    "FLIT_PASSWORD",
    "HATCH_INDEX_AUTH",
    "PDM_PUBLISH_PASSWORD",
    "MATURIN_PYPI_TOKEN",
    "MATURIN_PASSWORD",
];

/// How deep local actions, reusable workflows, scripts and make targets are followed.
const MAX_DEPTH: usize = 4;

/// One job that uploads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PublishJob {
    /// The job's id under `jobs:`.
    pub(crate) id: String,
    /// First and last line of the job in the workflow file (1-based), when found.
    pub(crate) lines: Option<(usize, usize)>,
    /// What uploads, e.g. `twine upload` or `./.github/actions/publish (twine upload)`.
    pub(crate) how: String,
    /// Secrets that reach the upload (`secrets.NAME`), sorted.
    pub(crate) secrets: Vec<String>,
    /// The job may request an OIDC token (`id-token: write`): Trusted Publishing.
    pub(crate) oidc: bool,
}

impl PublishJob {
    /// How the job authenticates, in words.
    pub(crate) fn auth(&self) -> String {
        if !self.secrets.is_empty() {
            format!("token secret {}", self.secrets.join(", "))
        } else if self.oidc {
            "Trusted Publishing".into()
        } else {
            "no credential in the workflow".into()
        }
    }

    /// `job `publish` (lines 40-58)`.
    pub(crate) fn describe(&self) -> String {
        match self.lines {
            Some((a, b)) => format!("job `{}` (lines {a}-{b})", self.id),
            None => format!("job `{}`", self.id),
        }
    }
}

/// The upload jobs of a parsed workflow (`text` is its source, for line numbers).
pub(crate) fn publish_jobs(root: &Path, text: &str, doc: &Value) -> Vec<PublishJob> {
    let Some(jobs) = doc.get("jobs").and_then(Value::as_mapping) else {
        return Vec::new();
    };
    let lines = job_lines(text);
    let workflow_oidc = id_token(doc.get("permissions"));
    let workflow_env = doc.get("env");
    let mut out = Vec::new();
    for (id, job) in jobs {
        let Some(id) = id.as_str() else { continue };
        let Some((how, mut secrets)) = job_uploads(root, job, 0) else {
            continue;
        };
        secrets.extend(env_secrets(job.get("env")));
        secrets.extend(env_secrets(workflow_env));
        secrets.retain(|s| s != "GITHUB_TOKEN");
        secrets.sort();
        secrets.dedup();
        let oidc = match job.get("permissions") {
            Some(p) => id_token(Some(p)),
            None => workflow_oidc,
        };
        out.push(PublishJob {
            id: id.to_string(),
            lines: lines.iter().find(|(j, _)| j == id).map(|(_, r)| *r),
            how,
            secrets,
            oidc,
        });
    }
    out
}

/// Whether a job uploads: what does it, and the secrets its upload step is given.
fn job_uploads(root: &Path, job: &Value, depth: usize) -> Option<(String, Vec<String>)> {
    // A reusable workflow of this repository: its jobs are read.
    if let Some(uses) = job.get("uses").and_then(Value::as_str) {
        let rel = local_path(uses)?;
        let text = read(root, rel)?;
        let doc: Value = serde_norway::from_str(&text).ok()?;
        let inner = doc.get("jobs")?.as_mapping()?;
        if depth >= MAX_DEPTH {
            return None;
        }
        let (how, inner_secrets) = inner
            .values()
            .find_map(|j| job_uploads(root, j, depth + 1))?;
        let mut secrets = secrets_in(&yaml_text(job.get("secrets")));
        // `secrets: inherit`: the called workflow reads the caller's secrets by name.
        if job.get("secrets").and_then(Value::as_str) == Some("inherit") {
            secrets.extend(inner_secrets);
        }
        secrets.extend(secrets_in(&yaml_text(job.get("with"))));
        return Some((format!("reusable workflow {rel} ({how})"), secrets));
    }
    let steps = job.get("steps")?.as_sequence()?;
    for step in steps {
        if let Some(how) = step_uploads(root, step, depth) {
            let mut secrets = secrets_in(&yaml_text(step.get("with")));
            secrets.extend(secrets_in(&yaml_text(step.get("env"))));
            if let Some(run) = step.get("run").and_then(Value::as_str) {
                secrets.extend(secrets_in(&strip_shell_comments(run)));
            }
            // A credential configured by an earlier step (`poetry config pypi-token.pypi
            // ${{ secrets.X }}`) reaches the upload too.
            for other in steps {
                if let Some(run) = other.get("run").and_then(Value::as_str) {
                    let run = strip_shell_comments(run);
                    if run.to_ascii_lowercase().contains("pypi") && run.contains("config") {
                        secrets.extend(secrets_in(&run));
                    }
                }
            }
            return Some((how, secrets));
        }
    }
    None
}

/// Whether one step uploads, and what does it.
fn step_uploads(root: &Path, step: &Value, depth: usize) -> Option<String> {
    if let Some(uses) = step.get("uses").and_then(Value::as_str) {
        let lower = uses.to_ascii_lowercase();
        let with = |k: &str| {
            step.get("with")
                .and_then(|w| w.get(k))
                .and_then(Value::as_str)
                .map(str::trim)
        };
        if lower.starts_with("pypa/gh-action-pypi-publish") {
            return Some("pypa/gh-action-pypi-publish".into());
        }
        if lower.contains("/maturin-action") {
            let command = with("command").unwrap_or("build");
            return matches!(command, "upload" | "publish")
                .then(|| format!("maturin-action {command}"));
        }
        if (lower.contains("jupyter_releaser") || lower.contains("jupyter-releaser"))
            && lower.contains("publish-release")
        {
            return Some("jupyter-releaser publish-release".into());
        }
        let rel = local_path(uses)?;
        if depth >= MAX_DEPTH {
            return None;
        }
        let dir = rel.trim_end_matches('/');
        let text = read(root, &format!("{dir}/action.yml"))
            .or_else(|| read(root, &format!("{dir}/action.yaml")))?;
        let doc: Value = serde_norway::from_str(&text).ok()?;
        let steps = doc.get("runs")?.get("steps")?.as_sequence()?;
        let how = steps
            .iter()
            .find_map(|s| step_uploads(root, s, depth + 1))?;
        return Some(format!("{dir} ({how})"));
    }
    let run = step.get("run").and_then(Value::as_str)?;
    shell_uploads(root, &strip_shell_comments(run), depth)
}

/// Whether shell text (comments already stripped) uploads, directly or through a
/// script or a make target it runs.
fn shell_uploads(root: &Path, shell: &str, depth: usize) -> Option<String> {
    if let Some(cmd) = UPLOAD_COMMANDS.iter().find(|c| contains_command(shell, c)) {
        return Some((*cmd).to_string());
    }
    // The same command as a Python argument list (`["twine", "upload", ...]`), as a
    // script run by `python -c` or a heredoc spells it.
    let listed = shell
        .replace(['\'', '"'], "")
        .replace(", ", " ")
        .replace(',', " ");
    if let Some(cmd) = UPLOAD_COMMANDS
        .iter()
        .find(|c| contains_command(&listed, c))
    {
        return Some((*cmd).to_string());
    }
    if depth >= MAX_DEPTH {
        return None;
    }
    let words: Vec<&str> = shell
        .split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | ';' | '&' | '|' | '(' | ')'))
        .filter(|w| !w.is_empty())
        .collect();
    for w in &words {
        let w = w.trim_start_matches("./");
        if !(w.ends_with(".sh") || w.ends_with(".py") || w.ends_with(".bash")) {
            continue;
        }
        if let Some(text) = read(root, w) {
            if let Some(how) = shell_uploads(root, &strip_shell_comments(&text), depth + 1) {
                return Some(format!("{w} ({how})"));
            }
        }
    }
    // `make TARGET`, `make -C DIR TARGET`, `$(MAKE) TARGET`.
    for (i, w) in words.iter().enumerate() {
        if !(*w == "make" || *w == "$(MAKE)" || *w == "gmake") {
            continue;
        }
        let mut dir = String::new();
        let mut targets = Vec::new();
        let mut rest = words[i + 1..].iter();
        while let Some(a) = rest.next() {
            if *a == "-C" {
                dir = rest
                    .next()
                    .map(|d| d.trim_end_matches('/').to_string())
                    .unwrap_or_default();
            } else if a.starts_with('-') || a.contains('=') {
                continue;
            } else if a
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
            {
                targets.push(*a);
            } else {
                break;
            }
        }
        let makefile = if dir.is_empty() {
            "Makefile".to_string()
        } else {
            format!("{dir}/Makefile")
        };
        let Some(text) = read(root, &makefile) else {
            continue;
        };
        for t in targets {
            let recipe = make_recipe(&text, t);
            if let Some(how) = shell_uploads(root, &recipe, depth + 1) {
                return Some(format!("make {t} ({how})"));
            }
        }
    }
    None
}

/// The recipe lines of a make target (tab-indented lines after `target:`), comments
/// and the `@`/`-` prefixes removed.
fn make_recipe(makefile: &str, target: &str) -> String {
    let mut out = String::new();
    let mut inside = false;
    for line in makefile.lines() {
        if let Some(recipe) = line.strip_prefix('\t') {
            if inside {
                let r = recipe.trim_start_matches(['@', '-', '+']);
                out.push_str(&strip_shell_comments(r));
                out.push('\n');
            }
            continue;
        }
        if line.trim().is_empty() || line.trim_start().starts_with('#') {
            continue;
        }
        inside = line
            .split_once(':')
            .filter(|(_, after)| !after.starts_with('='))
            .is_some_and(|(names, _)| names.split_whitespace().any(|n| n == target));
    }
    out
}

/// `command` as a command of `shell`: at a word boundary (not inside another word).
fn contains_command(shell: &str, command: &str) -> bool {
    shell.match_indices(command).any(|(i, _)| {
        let before = shell[..i].chars().next_back();
        let after = shell[i + command.len()..].chars().next();
        before.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
            && after.is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '-'))
    })
}

/// Shell text without its comments: whole `#` lines and ` # ...` tails.
pub(crate) fn strip_shell_comments(shell: &str) -> String {
    let mut out = String::with_capacity(shell.len());
    for line in shell.lines() {
        let t = line.trim_start();
        if t.starts_with('#') {
            continue;
        }
        let cut = line
            .match_indices(" #")
            .chain(line.match_indices("\t#"))
            .map(|(i, _)| i)
            .min()
            .unwrap_or(line.len());
        out.push_str(&line[..cut]);
        out.push('\n');
    }
    out
}

/// A `uses:` naming a path of this repository (`./.github/actions/publish`), as a plain
/// relative path; `None` for a remote action or workflow, or a path that leaves the
/// repository.
fn local_path(uses: &str) -> Option<&str> {
    let rel = uses.strip_prefix("./")?.trim_end_matches('/');
    crate::grammar::repo_path(rel).ok()?;
    Some(rel)
}

/// A repository file by its relative path (plain paths only), `None` when missing.
fn read(root: &Path, rel: &str) -> Option<String> {
    crate::grammar::repo_path(rel).ok()?;
    crate::workspace_fs::read_regular_string(root.join(rel)).ok()
}

fn yaml_text(v: Option<&Value>) -> String {
    v.and_then(|v| serde_norway::to_string(v).ok())
        .unwrap_or_default()
}

/// Every `secrets.NAME` in a text.
pub(crate) fn secrets_in(text: &str) -> Vec<String> {
    text.match_indices("secrets.")
        .map(|(i, _)| {
            text[i + 8..]
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect::<String>()
        })
        .filter(|s| !s.is_empty() && s != "GITHUB_TOKEN")
        .collect()
}

/// Secrets an `env:` block puts into a variable an upload tool reads.
fn env_secrets(env: Option<&Value>) -> Vec<String> {
    let Some(map) = env.and_then(Value::as_mapping) else {
        return Vec::new();
    };
    map.iter()
        .filter(|(k, _)| {
            k.as_str()
                .is_some_and(|k| UPLOAD_VARS.iter().any(|u| k.starts_with(u)))
        })
        .flat_map(|(_, v)| secrets_in(v.as_str().unwrap_or_default()))
        .collect()
}

/// Whether a `permissions:` value grants `id-token: write`.
fn id_token(permissions: Option<&Value>) -> bool {
    match permissions {
        Some(Value::String(s)) => s == "write-all",
        Some(Value::Mapping(m)) => m
            .get("id-token")
            .and_then(Value::as_str)
            .is_some_and(|v| v == "write"),
        _ => false,
    }
}

/// Every job id under the top-level `jobs:` with its first and last line (1-based),
/// found in the text (a parsed document keeps no positions). The last line is the last
/// non-blank, non-comment line before the next job or top-level key.
pub(crate) fn job_lines(text: &str) -> Vec<(String, (usize, usize))> {
    let lines: Vec<&str> = text.lines().collect();
    let Some(start) = lines
        .iter()
        .position(|l| l.trim_end() == "jobs:" || l.starts_with("jobs:"))
    else {
        return Vec::new();
    };
    let mut out: Vec<(String, (usize, usize))> = Vec::new();
    let mut indent: Option<usize> = None;
    let mut last_content = start;
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let ind = line.len() - t.len();
        if ind == 0 {
            break;
        }
        let job_indent = *indent.get_or_insert(ind);
        if ind == job_indent {
            if let Some(last) = out.last_mut() {
                last.1 .1 = last_content + 1;
            }
            let key = t.split(':').next().unwrap_or_default();
            let key = key.trim_matches(|c| c == '"' || c == '\'').to_string();
            out.push((key, (i + 1, i + 1)));
        }
        last_content = i;
    }
    if let Some(last) = out.last_mut() {
        last.1 .1 = last_content + 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_not_commands_and_words_must_match_whole() {
        let s =
            strip_shell_comments("# twine upload dist/*\npython -m build  # then twine upload\n");
        assert!(!contains_command(&s, "twine upload"), "{s}");
        assert!(contains_command(
            "python -m twine upload dist/*",
            "twine upload"
        ));
        assert!(!contains_command("mytwine uploader", "twine upload"));
    }

    #[test]
    fn actions_that_upload() {
        let root = Path::new("/nonexistent");
        let step = |y: &str| step_uploads(root, &serde_norway::from_str(y).unwrap(), 0);
        assert_eq!(
            step("uses: PyO3/maturin-action@v1\nwith:\n  command: upload\n  args: --skip-existing dist/*\n").as_deref(),
            Some("maturin-action upload")
        );
        assert_eq!(
            step("uses: PyO3/maturin-action@v1\nwith:\n  command: build\n"),
            None
        );
        assert_eq!(
            step("uses: jupyter-server/jupyter_releaser/.github/actions/publish-release@v2\n")
                .as_deref(),
            Some("jupyter-releaser publish-release")
        );
        assert_eq!(
            step("uses: pypa/gh-action-pypi-publish@release/v1\n").as_deref(),
            Some("pypa/gh-action-pypi-publish")
        );
        for cmd in [
            "poetry publish --build",
            "flit publish",
            "hatch publish",
            "pdm publish",
            "maturin publish",
            "uv publish",
        ] {
            assert!(step(&format!("run: {cmd}\n")).is_some(), "{cmd}");
        }
        assert_eq!(step("run: poetry build\n"), None);
        // A path that leaves the repository is never read.
        assert_eq!(step("uses: ./../outside\n"), None);
    }

    #[test]
    fn make_targets_and_job_lines() {
        let mk = "build:\n\tuv build\n\n# release\nrelease: build\n\t@twine upload dist/*\nclean:\n\trm -rf dist\n";
        assert!(make_recipe(mk, "release").contains("twine upload"));
        assert!(!make_recipe(mk, "clean").contains("twine"));
        let wf = "on: push\njobs:\n  test:\n    runs-on: x\n\n  publish:\n    runs-on: x\n    steps:\n      - run: twine upload\n# end\n";
        assert_eq!(
            job_lines(wf),
            [
                ("test".to_string(), (3, 4)),
                ("publish".to_string(), (6, 9))
            ]
        );
    }
}
