//! PR201 committed-credential: no PyPI token, `.pypirc` password or `.env` token in any
//! file git tracks or would track.

use std::collections::HashSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{LazyLock, Mutex};

use super::Check;
use crate::doctor::{finding, Code, Context, FindingBuilder, Outcome, Severity};

pub(crate) const CHECK: Check = Check {
    code: Code::CommittedCredential,
    online: false,
    summary: "No PyPI token or password is in a file git tracks or would track.",
    docs: DOCS,
    run,
};

const DOCS: &str = "
What it checks
  Every file git tracks, and every file it would track (not ignored), for a PyPI API
  token (`pypi-AgE...`), a `.pypirc` with a password, and a `.env` assigning a token or
  password. Only a short redacted prefix of what was found is ever shown.

Why it matters
  A token in a repository is public the moment it is pushed (and stays in history): anyone
  can upload a malicious release of your package. PyPI revokes tokens it finds in public
  repositories, which then breaks your releases too.

How to fix
  Revoke the token on PyPI at once (Account settings > API tokens), remove the file
  (`git rm --cached FILE`), make sure `.pypirc` and `.env` are in .gitignore, and use
  Trusted Publishing or an environment secret instead. Rewrite history if it was pushed.
";

/// Files larger than this are not scanned (build output, data): tokens live in small
/// config files.
const MAX_SIZE: u64 = 1024 * 1024;

/// Shortest tail after `pypi-AgE` that is treated as a token.
const MIN_TAIL: usize = 16;

/// What may be shown of a credential: never more than its well-known prefix.
pub(crate) fn redacted_prefix(secret: &str) -> String {
    if secret.starts_with("pypi-") {
        let shown: String = secret.chars().take(8).collect();
        return format!("{shown}…");
    }
    match GITHUB_PREFIXES.iter().find(|(p, _)| secret.starts_with(p)) {
        Some((p, _)) => format!("{p}…"),
        None => "…".to_string(),
    }
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

/// Byte offsets of PyPI tokens in a line.
fn pypi_tokens(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = line[from..].find(PYPI_PREFIX) {
        let start = from + i;
        let tail = &line[start + 8..];
        let len = tail.find(|c| !is_token_char(c)).unwrap_or(tail.len());
        let glued = line[..start].chars().next_back().is_some_and(is_token_char);
        if len >= MIN_TAIL && !glued {
            out.push(&line[start..start + 8 + len]);
        }
        from = start + 8 + len;
    }
    out
}

/// GitHub token prefixes and the shortest body after them that is a real token:
/// classic tokens are the prefix plus 36 base62 characters, fine-grained ones
/// `github_pat_` plus 82.
/// What every PyPI API token starts with.
const PYPI_PREFIX: &str = "pypi-AgE";

const GITHUB_PREFIXES: &[(&str, usize)] = &[
    ("github_pat_", 50),
    ("ghp_", 36),
    ("gho_", 36),
    ("ghu_", 36),
    ("ghs_", 36),
    ("ghr_", 36),
];

/// GitHub tokens in a line: a known prefix, not glued to a word before it, followed by
/// enough token characters.
fn github_tokens(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    for (prefix, min) in GITHUB_PREFIXES {
        let mut from = 0;
        while let Some(i) = line[from..].find(prefix) {
            let start = from + i;
            let body = &line[start + prefix.len()..];
            let len = body
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(body.len());
            let glued = line[..start]
                .chars()
                .next_back()
                .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
            if len >= *min
                && !glued
                && !out
                    .iter()
                    .any(|t: &&str| t.contains(&line[start..start + prefix.len() + len]))
            {
                out.push(&line[start..start + prefix.len() + len]);
            }
            from = start + prefix.len() + len;
        }
    }
    out
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("")
}

fn is_env_file(path: &Path) -> bool {
    let name = file_name(path);
    name == ".env" || name.starts_with(".env.") || name.ends_with(".env")
}

/// `.env.example`, `example.env`, `.env.sample`, `.env.template`, `.env.dist`: files
/// that document variables. Only real token shapes are findings there.
fn is_env_template(path: &Path) -> bool {
    let name = file_name(path).to_ascii_lowercase();
    ["example", "sample", "template", "dist", "tmpl", "defaults"]
        .iter()
        .any(|w| name.contains(w))
}

/// A `.pypirc` password that is not one: empty, a reference, or a placeholder word.
fn is_pypirc_placeholder(value: &str) -> bool {
    let v = value.trim().trim_matches(['"', '\'']);
    let lower = v.to_ascii_lowercase();
    v.is_empty()
        || v.starts_with('$')
        || v.starts_with('<')
        || v.starts_with("%(")
        || v.starts_with("{{")
        || v.contains("${")
        || v.chars().all(|c| matches!(c, '*' | 'x' | 'X' | '.'))
        || [
            "secret",
            "password",
            "token",
            "changeme",
            "change-me",
            "your-token",
            "your-password",
            "none",
        ]
        .contains(&lower.as_str())
}

/// A value that is clearly not a credential: empty, a reference to a variable or a
/// secret store (`$VAR`, `${VAR}`, `<your-token>`, `{{ x }}`), a placeholder word
/// (`secret`, `changeme`, `xxx`, `your-token-here`), or a class name such as
/// `DefaultAzureCredential` (a credential *provider*, not a credential).
fn is_placeholder(value: &str) -> bool {
    let v = value
        .split(" #")
        .next()
        .unwrap_or("")
        .trim()
        .trim_matches(['"', '\'']);
    let lower = v.to_ascii_lowercase();
    let class_name = v.len() > 3
        && v.starts_with(|c: char| c.is_ascii_uppercase())
        && v.chars().all(|c| c.is_ascii_alphabetic())
        && v.chars().filter(char::is_ascii_uppercase).count() >= 2
        && v.chars().any(|c| c.is_ascii_lowercase());
    v.is_empty()
        || v.starts_with('$')
        || v.starts_with('<')
        || v.starts_with("%(")
        || v.starts_with("{{")
        || v.contains("${")
        || v.chars()
            .all(|c| matches!(c, '*' | 'x' | 'X' | '.' | '-' | '_'))
        || class_name
        || PLACEHOLDER_WORDS.contains(&lower.as_str())
        || lower.starts_with("your")
        || [
            "changeme",
            "change-me",
            "change_me",
            "replace",
            "placeholder",
            "-here",
            "_here",
        ]
        .iter()
        .any(|w| lower.contains(w))
}

/// Values that only say "put the secret here".
const PLACEHOLDER_WORDS: &[&str] = &[
    "secret", "password", "passwd", "token", "apikey", "api-key", "api_key", "key", "none", "null",
    "nil", "todo", "tbd", "example", "dummy", "test", "testing", "sample", "xxx", "default",
    "redacted", "hidden", "empty", "unset", "required", "optional",
];

/// Findings of one file's text.
pub(crate) fn scan_text(rel: &Path, text: &str) -> Vec<FindingBuilder> {
    let mut out = Vec::new();
    let pypirc = file_name(rel) == ".pypirc";
    let env = is_env_file(rel) && !is_env_template(rel);
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        if let Some(token) = github_tokens(line).first() {
            out.push(
                finding(
                    Code::CommittedCredential,
                    Severity::Error,
                    format!("a GitHub token ({}) is in {}", redacted_prefix(token), crate::doctor::display_path(rel)),
                )
                .at(rel, Some(n))
                .hint("revoke the token on GitHub now (Settings > Developer settings), remove it from the file and from git history"),
            );
            continue;
        }
        let tokens = pypi_tokens(line);
        if let Some(token) = tokens.first() {
            out.push(
                finding(
                    Code::CommittedCredential,
                    Severity::Error,
                    format!("a PyPI API token ({}) is in {}", redacted_prefix(token), crate::doctor::display_path(rel)),
                )
                .at(rel, Some(n))
                .hint("revoke the token on PyPI now, remove it from the file and from git history, and publish with Trusted Publishing or an environment secret"),
            );
            continue;
        }
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if pypirc {
            if let Some((key, value)) = trimmed.split_once(['=', ':']) {
                if key.trim().eq_ignore_ascii_case("password") && !is_pypirc_placeholder(value) {
                    out.push(
                        finding(
                            Code::CommittedCredential,
                            Severity::Error,
                            format!("{} holds a password", crate::doctor::display_path(rel)),
                        )
                        .at(rel, Some(n))
                        .hint("revoke it on PyPI, `git rm --cached .pypirc`, and keep .pypirc in your home directory only"),
                    );
                }
            }
        }
        if env {
            let assignment = trimmed.strip_prefix("export ").unwrap_or(trimmed);
            if let Some((key, value)) = assignment.split_once('=') {
                let upper = key.trim().to_ascii_uppercase();
                let sensitive = ["TOKEN", "PASSWORD", "SECRET"]
                    .iter()
                    .any(|w| upper.contains(w));
                if sensitive && !is_placeholder(value) {
                    out.push(
                        finding(
                            Code::CommittedCredential,
                            Severity::Error,
                            format!("{} sets {} to a credential", crate::doctor::display_path(rel), key.trim()),
                        )
                        .at(rel, Some(n))
                        .hint("revoke the credential, `git rm --cached` the file, and keep .env out of git (.gitignore)"),
                    );
                }
            }
        }
    }
    out
}

/// Whether [`scan_text`] could find anything in a file: the cheap test every file's bytes
/// pass first (one SIMD search for every token prefix), so that only candidates are read as text line by
/// line. It must accept every file `scan_text` can report on.
pub(crate) fn may_hold_credential(rel: &Path, bytes: &[u8]) -> bool {
    static TOKENS: LazyLock<Option<aho_corasick::AhoCorasick>> = LazyLock::new(|| {
        let prefixes = GITHUB_PREFIXES.iter().map(|(p, _)| *p).chain([PYPI_PREFIX]);
        aho_corasick::AhoCorasick::new(prefixes).ok()
    });
    file_name(rel) == ".pypirc"
        || is_env_file(rel)
        || TOKENS.as_ref().is_none_or(|t| t.is_match(bytes))
}

/// What the scan of a repository found.
#[derive(Debug)]
pub(crate) struct Scanned {
    /// Findings, file by file in path order.
    findings: Vec<FindingBuilder>,
    /// Files read (not over the size cap, not binary).
    files: usize,
}

/// Scans every file git tracks or would track, relative to `root`: a parallel
/// .gitignore-honouring walk reads each file as it is found (untracked files git would
/// track; a repository without git is covered too), then the files of the index (read
/// from `.git`) the walk did not see (tracked files ignored since) are read. Only regular
/// files: a symlink is scanned where it points inside the repository.
pub(crate) fn scan(root: &Path) -> Result<Scanned, String> {
    let files = AtomicUsize::new(0);
    let found: Mutex<Vec<(PathBuf, Vec<FindingBuilder>)>> = Mutex::new(Vec::new());
    let seen: Mutex<HashSet<PathBuf>> = Mutex::new(HashSet::new());
    let read = |rel: &Path| {
        if let Some(f) = scan_file(root, rel) {
            files.fetch_add(1, Ordering::Relaxed);
            if !f.is_empty() {
                found
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .push((rel.to_path_buf(), f));
            }
        }
    };
    let visit = |entry: ignore::DirEntry| {
        if entry.file_type().is_some_and(|t| t.is_file()) {
            if let Ok(rel) = entry.path().strip_prefix(root) {
                read(rel);
                seen.lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(rel.to_path_buf());
            }
        }
    };
    // The walker reads the ignore files of the root and its parents (up to the git top
    // level) before any filter runs.
    let top = crate::project::git::toplevel(root);
    for dir in root.ancestors() {
        if let Some(bad) = crate::workspace_fs::irregular_ignore_file(dir) {
            return Err(crate::workspace_fs::irregular_ignore_error(root, &bad).to_string());
        }
        if top.as_deref().is_none_or(|t| t == dir) {
            break;
        }
    }
    let irregular: std::sync::Arc<Mutex<Option<PathBuf>>> = Default::default();
    let found_irregular = std::sync::Arc::clone(&irregular);
    let mut walk = ignore::WalkBuilder::new(root);
    walk.hidden(false)
        .ignore(false)
        .git_ignore(true)
        .git_exclude(true)
        .git_global(false)
        .require_git(false)
        .filter_entry(move |e| {
            if e.file_name() == ".git" {
                return false;
            }
            if !e.file_type().is_some_and(|t| t.is_dir()) {
                return true;
            }
            // Asked before the walker opens the directory's ignore file. Below the root it
            // reads `.gitignore` only: `.ignore` is not git's, and a nested repository's
            // `.git/info/exclude` is not in any commit.
            match crate::workspace_fs::irregular_file_in(e.path(), &[".gitignore"]) {
                Some(bad) => {
                    *found_irregular.lock().unwrap_or_else(|e| e.into_inner()) = Some(bad);
                    false
                }
                None => true,
            }
        });
    let threads = threads();
    if threads > 1 && can_start(threads) {
        walk.threads(threads).build_parallel().run(|| {
            let visit = &visit;
            Box::new(move |entry| {
                if let Ok(entry) = entry {
                    visit(entry);
                }
                ignore::WalkState::Continue
            })
        });
    } else {
        walk.build().flatten().for_each(visit);
    }
    let bad = irregular.lock().unwrap_or_else(|e| e.into_inner()).take();
    if let Some(bad) = bad {
        return Err(crate::workspace_fs::irregular_ignore_error(root, &bad).to_string());
    }
    let seen = seen.into_inner().unwrap_or_else(|e| e.into_inner());
    if let Some(git) = crate::project::git::git_dir(root) {
        let tracked = match crate::project::git::tracked_files(&git) {
            Ok(t) => t,
            Err(_) => ls_files(root)?,
        };
        // Index paths are relative to the top level; the root may be below it.
        let prefix = root.strip_prefix(&git.top).unwrap_or(Path::new(""));
        for path in tracked {
            let Ok(rel) = path.strip_prefix(prefix) else {
                continue;
            };
            if !seen.contains(rel)
                && std::fs::symlink_metadata(root.join(rel)).is_ok_and(|m| m.is_file())
            {
                read(rel);
            }
        }
    }
    let mut found = found.into_inner().unwrap_or_else(|e| e.into_inner());
    found.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(Scanned {
        findings: found.into_iter().flat_map(|(_, f)| f).collect(),
        files: files.into_inner(),
    })
}

/// `git ls-files`, for an index layout that is not read directly (a split index).
fn ls_files(root: &Path) -> Result<Vec<PathBuf>, String> {
    let output = std::process::Command::new("git")
        .args(["ls-files", "-z", "--cached"])
        .current_dir(root)
        .stdin(std::process::Stdio::null())
        .output()
        .map_err(|e| format!("could not run git: {e}"))?;
    // A failed `git ls-files` (a corrupt index) lists nothing or part of the index:
    // scanning only the walked files would be reported as a pass over the whole index.
    if !output.status.success() {
        let why = String::from_utf8_lossy(&output.stderr);
        let why = why
            .lines()
            .find(|l| !l.trim().is_empty())
            .unwrap_or("")
            .trim();
        return Err(format!(
            "the git index could not be read (git ls-files failed{}{}): tracked files were not scanned",
            if why.is_empty() { "" } else { ": " },
            why
        ));
    }
    Ok(output
        .stdout
        .split(|b| *b == 0)
        .filter(|n| !n.is_empty())
        .map(|n| PathBuf::from(String::from_utf8_lossy(n).into_owned()))
        .collect())
}

/// Whether `n` threads can be started now, with room to spare. The parallel walk panics
/// when one of its threads cannot be started, and then waits forever for it: it runs only
/// where the per-user process limit (`ulimit -u`, which counts threads) is generous and
/// `n` threads start; the walk is one thread elsewhere. (A probe alone is not enough:
/// a joined thread may still count against the limit for a moment.)
fn can_start(n: usize) -> bool {
    if !process_limit_is_generous() {
        return false;
    }
    std::thread::scope(|s| {
        let started: Vec<_> = (0..n)
            .map_while(|_| std::thread::Builder::new().spawn_scoped(s, || ()).ok())
            .collect();
        started.len() == n
    })
}

/// The soft `RLIMIT_NPROC` is unlimited or at least 1,024.
#[cfg(unix)]
fn process_limit_is_generous() -> bool {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` through a pointer to a live local.
    let rc = unsafe { libc::getrlimit(libc::RLIMIT_NPROC, &mut limit) };
    rc == 0 && (limit.rlim_cur == libc::RLIM_INFINITY || limit.rlim_cur >= 1024)
}

#[cfg(not(unix))]
fn process_limit_is_generous() -> bool {
    true
}

fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get().min(8))
}

/// Findings of one file, or `None` when it is not scanned (unreadable, over the size
/// cap, binary).
fn scan_file(root: &Path, rel: &Path) -> Option<Vec<FindingBuilder>> {
    let mut file = std::fs::File::open(root.join(rel)).ok()?;
    let len = file.metadata().ok()?.len();
    if len > MAX_SIZE {
        return None;
    }
    // One read of the size the file had, asking one byte more: a file read to its end
    // needs no second call to learn it (thousands of files per scan). A short read, or a
    // file that grew since, reads the rest as before.
    let mut bytes = vec![0u8; len as usize + 1];
    let n = loop {
        match file.read(&mut bytes) {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            other => break other.ok()?,
        }
    };
    bytes.truncate(n);
    if n as u64 != len {
        (&mut file)
            .take(MAX_SIZE + 1 - n as u64)
            .read_to_end(&mut bytes)
            .ok()?;
    }
    if bytes.len() as u64 > MAX_SIZE || memchr::memchr(0, &bytes).is_some() {
        return None;
    }
    if !may_hold_credential(rel, &bytes) {
        return Some(Vec::new());
    }
    Some(scan_text(rel, &String::from_utf8_lossy(&bytes)))
}

fn run(ctx: &Context) -> Outcome {
    match ctx.credential_scan() {
        Ok(s) => Outcome::from_builders(s.findings, format!("{} file(s) scanned", s.files)),
        Err(e) => Outcome::Unknown(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAKE: &str = "pypi-AgEIcHlwaS5vcmcFAKEFAKEFAKEFAKEFAKEFAKE";

    #[test]
    fn tokens_are_found_and_never_shown() {
        let text = format!("# config\nTOKEN = \"{FAKE}\"\n");
        let found: Vec<_> = scan_text(Path::new("settings.py"), &text)
            .into_iter()
            .map(|b| b.build().unwrap())
            .collect();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].location.line, Some(2));
        assert!(
            found[0].message.contains("pypi-AgE…"),
            "{}",
            found[0].message
        );
        assert!(
            !found[0].message.contains("cHlwaS5"),
            "{}",
            found[0].message
        );
    }

    #[test]
    fn a_file_is_read_to_its_end_and_one_over_the_cap_is_skipped() {
        let dir = tempfile::tempdir().unwrap();
        // The token is in the last line of a file larger than any single read buffer.
        let mut text = "x = 1\n".repeat(50_000);
        text.push_str(&format!("TOKEN = \"{FAKE}\"\n"));
        std::fs::write(dir.path().join("big.py"), &text).unwrap();
        let found = scan_file(dir.path(), Path::new("big.py")).unwrap();
        assert_eq!(found.len(), 1);
        assert_eq!(
            found[0].clone().build().unwrap().location.line,
            Some(50_001)
        );
        std::fs::write(dir.path().join("empty.py"), "").unwrap();
        assert!(scan_file(dir.path(), Path::new("empty.py"))
            .unwrap()
            .is_empty());
        let over = "a".repeat(MAX_SIZE as usize + 1);
        std::fs::write(dir.path().join("over.txt"), over).unwrap();
        assert!(scan_file(dir.path(), Path::new("over.txt")).is_none());
    }

    #[test]
    fn ordinary_words_are_not_tokens() {
        assert!(pypi_tokens("uses: pypa/gh-action-pypi-publish@v1").is_empty());
        assert!(pypi_tokens("xpypi-AgEIcHlwaS5vcmcFAKEFAKEFAKE").is_empty());
        assert!(pypi_tokens("pypi-AgEshort").is_empty());
    }

    #[test]
    fn placeholders_are_not_credentials() {
        let env = "API_TOKEN=secret\nPASSWORD=changeme\nSECRET_KEY=xxx\nGITHUB_TOKEN=<your-token>\n\
                   AZURE_CREDENTIAL=DefaultAzureCredential\nDB_PASSWORD=${DB_PASSWORD}\nTOKEN=your-token-here\n\
                   SECRET=\"\"\nPYPI_PASSWORD=$PYPI_PASSWORD\n";
        assert!(scan_text(Path::new(".env"), env).is_empty());
        assert!(scan_text(Path::new(".env.example"), "PASSWORD=hunter2hunter2\n").is_empty());
        assert!(scan_text(Path::new(".pypirc"), "[pypi]\npassword = <your-token>\n").is_empty());
        assert!(scan_text(Path::new(".pypirc"), "[pypi]\npassword = secret\n").is_empty());
        // A real-looking password in .pypirc stays an error, even without digits.
        assert_eq!(
            scan_text(
                Path::new(".pypirc"),
                "[pypi]\npassword = correcthorsebattery\n"
            )
            .len(),
            1
        );
    }

    #[test]
    fn github_tokens_are_errors_and_never_shown() {
        let classic = format!("ghp_{}", "FAKEfake0123456789FAKEfake0123456789");
        let pat = format!(
            "github_pat_{}",
            "FAKE0123456789fake0123456789FAKE0123456789fake0123456789"
        );
        for (file, text) in [
            (".env.example", format!("GH_TOKEN={classic}\n")),
            ("ci/config.yml", format!("token: \"{pat}\"\n")),
            (
                "notes.md",
                format!("oauth gho_{}\n", "FAKEfake0123456789FAKEfake0123456789"),
            ),
        ] {
            let f = scan_text(Path::new(file), &text);
            assert_eq!(f.len(), 1, "{file}");
            let f = f[0].clone().build().unwrap();
            assert!(!f.message.contains("FAKE"), "{}", f.message);
            assert!(f.message.contains("GitHub token (g"), "{}", f.message);
        }
        // Prose, short values and words glued to the prefix are not tokens.
        assert!(github_tokens("set ghp_ to your token").is_empty());
        assert!(github_tokens("ghp_short").is_empty());
        assert!(github_tokens(&format!("xghp_{}", "a".repeat(40))).is_empty());
    }

    #[test]
    fn the_prefilter_lets_through_every_file_the_matcher_reports() {
        let token = format!("x = \"{FAKE}\"\n");
        let cases = [
            ("settings.py", token.as_str()),
            ("docs/notes.md", token.as_str()),
            (".pypirc", "[pypi]\npassword = hunter2hunter2\n"),
            ("app/.env", "export TWINE_PASSWORD=hunter2hunter2\n"),
            ("prod.env", "API_TOKEN=abcdefabcdef\n"),
            (".env.local", "SECRET=abcdefabcdef\n"),
            (
                "ci/config.yml",
                "token: ghp_FAKEfake0123456789FAKEfake0123456789\n",
            ),
        ];
        for (path, text) in cases {
            let path = Path::new(path);
            assert!(!scan_text(path, text).is_empty(), "{path:?}");
            assert!(may_hold_credential(path, text.as_bytes()), "{path:?}");
        }
        let plain = "uses: pypa/gh-action-pypi-publish@v1\nPASSWORD=x\n";
        assert!(!may_hold_credential(
            Path::new("README.md"),
            plain.as_bytes()
        ));
        assert!(scan_text(Path::new("README.md"), plain).is_empty());
    }

    #[test]
    fn pypirc_and_env_files() {
        let pypirc = "[pypi]\nusername = __token__\npassword = hunter2hunter2\n";
        let f = scan_text(Path::new(".pypirc"), pypirc);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].clone().build().unwrap().location.line, Some(3));
        assert!(scan_text(Path::new(".pypirc"), "[pypi]\npassword = $PYPI_TOKEN\n").is_empty());
        let env = "DEBUG=1\nexport TWINE_PASSWORD=hunter2hunter2\nAPI_TOKEN=\n";
        let f = scan_text(Path::new("app/.env"), env);
        assert_eq!(f.len(), 1);
        let f = f[0].clone().build().unwrap();
        assert!(!f.message.contains("hunter2"));
        assert_eq!(f.location.line, Some(2));
    }
}
