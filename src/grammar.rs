//! Strict grammars for every value that enters pyrel from a repository or a policy and
//! can reach a workflow, a shell line, the bump script or a git command.
//!
//! A value that does not match is refused where it enters (policy load, discovery) with
//! exit 2 naming the file and line; it is never escaped. Escaping is no defence for
//! GitHub Actions: the YAML escape `$\u007b{` is decoded *before* expressions are
//! evaluated, so any `${{` that reaches a workflow is live. Each validator returns the
//! reason as one sentence; the caller adds the location.

use std::fmt;
use std::str::FromStr;

/// The reason a value was refused, as one sentence without a location.
pub(crate) type Invalid = String;

/// A `${{` anywhere, in any value, is refused: it would be a live GitHub expression.
pub(crate) fn no_expression(s: &str) -> Result<(), Invalid> {
    if s.contains("${{") {
        return Err(format!(
            "`{}` contains `${{{{`, which GitHub Actions would evaluate as an expression",
            shown(s)
        ));
    }
    Ok(())
}

/// Characters that end or hide a line in YAML, a terminal or an editor.
fn is_invisible_or_break(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// A value as shown in a message: control characters visible, long values cut.
pub(crate) fn shown(s: &str) -> String {
    let escaped: String = s.chars().flat_map(char::escape_debug).collect();
    if escaped.chars().count() > 80 {
        let cut: String = escaped.chars().take(80).collect();
        format!("{cut}…")
    } else {
        escaped
    }
}

/// A path inside the repository, as policy paths and package directories are written:
/// relative, `/`-separated, made of `[A-Za-z0-9._-]` components, none empty, `.`, `..`
/// or starting with `-`, and not inside `.git/`. The empty path (the root) is refused;
/// use [`package_dir`] where the root is allowed.
pub(crate) fn repo_path(s: &str) -> Result<(), Invalid> {
    let bad = |why: &str| {
        Err(format!(
            "`{}` must be a relative path inside the repository, of ASCII letters, digits, `.`, `_`, `-` and `/`: {why}",
            shown(s)
        ))
    };
    if s.is_empty() {
        return bad("it is empty");
    }
    if s.len() > 255 {
        return bad("longer than 255 characters");
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/')))
    {
        return bad(&format!(
            "`{}` is not allowed (only ASCII letters, digits, `.`, `_`, `-` and `/`)",
            c.escape_debug()
        ));
    }
    if s.starts_with('/') {
        return bad("it must be relative to the repository root");
    }
    for comp in s.split('/') {
        match comp {
            "" => return bad("it has an empty component (`//` or a trailing `/`)"),
            "." | ".." => return bad("`.` and `..` components are not allowed"),
            c if c.starts_with('-') => return bad("a component must not start with `-`"),
            _ => {}
        }
    }
    // At any depth: `vendor/.git/hooks/post-checkout` is a nested repository's hook.
    if s.split('/').any(|c| c.eq_ignore_ascii_case(".git")) {
        return bad("it is inside `.git/`");
    }
    Ok(())
}

/// A package directory: the repository root (empty) or a [`repo_path`].
pub(crate) fn package_dir(s: &str) -> Result<(), Invalid> {
    if s.is_empty() {
        Ok(())
    } else {
        repo_path(s)
    }
}

/// Two managed paths that are the same file, or one inside the other.
pub(crate) fn overlapping<'a>(paths: &[(&'a str, &'a str)]) -> Option<(&'a str, &'a str)> {
    let key = |p: &str| p.to_ascii_lowercase();
    for (i, (ka, a)) in paths.iter().enumerate() {
        for (kb, b) in &paths[i + 1..] {
            let (la, lb) = (key(a), key(b));
            if la == lb || la.starts_with(&format!("{lb}/")) || lb.starts_with(&format!("{la}/")) {
                return Some((ka, kb));
            }
        }
    }
    None
}

/// A branch name: git's `check-ref-format --branch` rules within a conservative charset
/// (`[A-Za-z0-9._/-]`), at most 255 bytes.
pub(crate) fn branch_name(s: &str) -> Result<(), Invalid> {
    // git refuses a branch named `HEAD`; one under `refs/` would be `refs/heads/refs/...`.
    let named = if s == "HEAD" {
        Err("`HEAD` names the checked-out commit, not a branch")
    } else if s.starts_with("refs/") {
        Err("give the branch name without `refs/heads/`")
    } else {
        ref_name(s)
    };
    named.map_err(|why| format!("`{}` is not a valid branch name: {why}", shown(s)))
}

/// The rules a git ref name (branch or tag, without `refs/...`) must follow, in the
/// conservative charset `[A-Za-z0-9._/+!-]` (`+` and `!` occur in PEP 440 versions).
fn ref_name(s: &str) -> Result<(), &'static str> {
    if s.is_empty() {
        return Err("it is empty");
    }
    if s.len() > 255 {
        return Err("it is longer than 255 characters");
    }
    if !s.chars().all(|c| {
        c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | '+' | '!' | '@' | '=')
    }) {
        return Err(
            "only ASCII letters, digits, `.`, `_`, `-`, `+`, `!`, `@`, `=` and `/` are allowed",
        );
    }
    if s.starts_with('-') {
        return Err("it must not start with `-`");
    }
    if s == "@" || s.contains("..") || s.contains("@{") {
        return Err("`..` and `@{` are not allowed");
    }
    if s.ends_with('.') || s.ends_with('/') {
        return Err("it must not end with `.` or `/`");
    }
    for comp in s.split('/') {
        if comp.is_empty() {
            return Err("it has an empty component (`//`)");
        }
        if comp.starts_with('.') {
            return Err("a component must not start with `.`");
        }
        if comp.ends_with(".lock") {
            return Err("a component must not end with `.lock`");
        }
    }
    Ok(())
}

/// A distribution name in its PEP 503 normal form (`Foo.Bar__baz` → `foo-bar-baz`), by
/// `pep508_rs::PackageName`, the normalization uv uses. A string that is no valid name
/// (refused wherever it would be used) is only lowercased: it never equals a valid one.
pub(crate) fn normalized_dist_name(name: &str) -> String {
    let name = name.trim();
    pep508_rs::PackageName::new(name.to_owned())
        .map_or_else(|_| name.to_lowercase(), |n| n.to_string())
}

/// A status check name (`required-checks`): printable, no `${{`, at most 255 characters.
pub(crate) fn check_name(s: &str) -> Result<(), Invalid> {
    printable_text(s, 255).map_err(|why| format!("check name `{}`: {why}", shown(s)))
}

/// Free text that reaches a workflow (a pre-build command, a check name): printable,
/// one line, no `${{`, bounded.
pub(crate) fn printable_text(s: &str, max: usize) -> Result<(), String> {
    if s.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if s.chars().count() > max {
        return Err(format!("longer than {max} characters"));
    }
    if s.chars().any(is_invisible_or_break) {
        return Err(
            "must not contain control characters, line breaks or invisible characters".into(),
        );
    }
    if s.contains("${{") {
        return Err(
            "must not contain `${{`: GitHub Actions would evaluate it as an expression".into(),
        );
    }
    Ok(())
}

/// A value of a workflow mapping (a test job's environment variable): may be empty,
/// but no control, line-breaking or invisible character (U+2028 ends a line for some
/// YAML readers; bidi controls hide text from a reviewer) and no `${{`.
pub(crate) fn workflow_value(s: &str) -> Result<(), String> {
    if s.chars().any(is_invisible_or_break) {
        return Err(
            "must not contain control characters, line breaks or invisible characters".into(),
        );
    }
    no_expression(s)
}

/// A runner label (`ubuntu-24.04`, `self-hosted`): `[A-Za-z0-9._-]`, at most 100
/// characters, not starting with `-` or `.`.
pub(crate) fn runner_label(s: &str) -> Result<(), Invalid> {
    let ok = !s.is_empty()
        && s.len() <= 100
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        && !s.starts_with(['-', '.']);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a valid runner label (ASCII letters, digits, `.`, `_` and `-`, at most 100)",
            shown(s)
        ))
    }
}

/// A deployment environment name: `[A-Za-z0-9._-]`, at most 255 characters.
pub(crate) fn environment_name(s: &str) -> Result<(), Invalid> {
    let ok = !s.is_empty()
        && s.len() <= 255
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !s.starts_with(['-', '.']);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a valid environment name (letters, digits, `-`, `_`, `.`)",
            shown(s)
        ))
    }
}

/// A GitHub secret name: `[A-Za-z_][A-Za-z0-9_]*`, not starting with `GITHUB_`.
pub(crate) fn secret_name(s: &str) -> Result<(), Invalid> {
    let ok = s
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && s.len() <= 255
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !s.to_ascii_uppercase().starts_with("GITHUB_");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a valid GitHub secret name (letters, digits and `_`, not starting with a digit or GITHUB_)",
            shown(s)
        ))
    }
}

/// `owner/repo` on GitHub: owner `[A-Za-z0-9-]` (at most 39), repo `[A-Za-z0-9._-]`
/// (at most 100, not `.` or `..`).
pub(crate) fn github_repo(s: &str) -> Result<(), Invalid> {
    let bad = || Err(format!("`{}` is not an owner/repo name", shown(s)));
    let Some((owner, repo)) = s.split_once('/') else {
        return bad();
    };
    let owner_ok = !owner.is_empty()
        && owner.len() <= 39
        && owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        && !owner.starts_with('-');
    let repo_ok = !repo.is_empty()
        && repo.len() <= 100
        && repo != "."
        && repo != ".."
        && repo
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if owner_ok && repo_ok {
        Ok(())
    } else {
        bad()
    }
}

/// A host name as a git remote names it (`github.com`, `git.example.com`): dot-separated
/// labels of `[A-Za-z0-9-]`, none empty or at an end `-`, at most 253 characters. The
/// host reaches the changelog links and the bump script.
pub(crate) fn host_name(s: &str) -> Result<(), Invalid> {
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    if !s.is_empty() && s.len() <= 253 && s.split('.').all(label_ok) {
        Ok(())
    } else {
        Err(format!("`{}` is not a host name", shown(s)))
    }
}

/// One piece of a tag format.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Piece {
    Text(String),
    /// The normalized distribution name.
    Name,
    /// The last component of the package directory.
    Dir,
    Version,
}

/// A release tag format such as `v{version}` or `{name}-v{version}`: parsed and checked
/// once when the policy loads, then the only way tags are made ([`TagFormat::render`])
/// and read back ([`TagFormat::parse`]).
///
/// Placeholders: `{version}` (required, once), `{name}` (the normalized distribution
/// name) and `{dir}` (the last component of the package directory), each at most once.
/// The text around them is `[A-Za-z0-9._/-]` and the whole must make a tag git accepts.
#[derive(Clone, PartialEq, Eq)]
pub struct TagFormat {
    source: String,
    pieces: Vec<Piece>,
}

impl fmt::Debug for TagFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TagFormat({:?})", self.source)
    }
}

impl fmt::Display for TagFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

impl serde::Serialize for TagFormat {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.source)
    }
}

impl Default for TagFormat {
    fn default() -> Self {
        TagFormat {
            source: "v{version}".into(),
            pieces: vec![Piece::Text("v".into()), Piece::Version],
        }
    }
}

impl std::str::FromStr for TagFormat {
    type Err = Invalid;
    fn from_str(s: &str) -> Result<Self, Invalid> {
        TagFormat::new(s)
    }
}

impl TagFormat {
    /// Parses and checks a tag format.
    pub(crate) fn new(s: &str) -> Result<TagFormat, Invalid> {
        let bad = |why: String| Err(format!("`tag-format` = \"{}\": {why}", shown(s)));
        let mut pieces = Vec::new();
        let mut rest = s;
        while !rest.is_empty() {
            if let Some(after) = rest.strip_prefix('{') {
                let Some((word, tail)) = after.split_once('}') else {
                    return bad("an unclosed `{`".into());
                };
                let piece = match word {
                    "version" => Piece::Version,
                    "name" => Piece::Name,
                    "dir" => Piece::Dir,
                    other => {
                        return bad(format!(
                            "unknown placeholder `{{{}}}` (use {{name}}, {{dir}} and {{version}})",
                            shown(other)
                        ))
                    }
                };
                if pieces.contains(&piece) {
                    return bad(format!("`{{{word}}}` appears more than once"));
                }
                pieces.push(piece);
                rest = tail;
            } else {
                let end = rest.find('{').unwrap_or(rest.len());
                let text = &rest[..end];
                if let Some(c) = text.chars().find(|c| {
                    !(c.is_ascii_alphanumeric()
                        || matches!(c, '.' | '_' | '-' | '/' | '@' | '+' | '='))
                }) {
                    return bad(format!(
                        "`{}` is not allowed in a tag (only ASCII letters, digits, `.`, `_`, `-`, `/`, `@`, `+`, `=` and the placeholders {{name}}, {{dir}}, {{version}})",
                        c.escape_debug()
                    ));
                }
                pieces.push(Piece::Text(text.to_string()));
                rest = &rest[end..];
            }
        }
        if !pieces.contains(&Piece::Version) {
            return bad("must contain {version}".into());
        }
        let format = TagFormat {
            source: s.to_string(),
            pieces,
        };
        // The placeholders' values are checked where they enter; with sample values the
        // whole must be a tag git can create.
        for (name, dir) in [("a", "a"), ("a.b-c_d", "a_b")] {
            for version in ["0", "1.0.0", "1!2.0rc1.post1.dev3"] {
                let tag = format.render(name, dir, version);
                if let Err(e) = ref_name(&tag) {
                    return bad(format!("would not make a valid git tag (`{tag}`: {e})"));
                }
            }
        }
        Ok(format)
    }

    /// The usual format of independent versioning: `{name}-v{version}`.
    pub(crate) fn per_package() -> TagFormat {
        TagFormat {
            source: "{name}-v{version}".into(),
            pieces: vec![Piece::Name, Piece::Text("-v".into()), Piece::Version],
        }
    }

    /// The format an existing tag follows: `v1.2.3` → `v{version}`; `core-lib-v1.2.3` →
    /// `{name}-v{version}` when `core-lib` is one of `names` (the longest named in the
    /// tag); `integrations/chroma-v1.0` → `integrations/{dir}-v{version}` when no name is
    /// in it but `chroma`, one of `dirs` (the words `{dir}` stands for), stands between
    /// separators. The version is the first PEP 440 version starting at a digit; `None`
    /// when there is none or the text around it would not make a valid format.
    pub(crate) fn of_tag(tag: &str, names: &[String], dirs: &[String]) -> Option<TagFormat> {
        let start = tag
            .char_indices()
            .filter(|(i, c)| {
                c.is_ascii_digit() && (*i == 0 || !tag.as_bytes()[i - 1].is_ascii_digit())
            })
            .map(|(i, _)| i)
            .find(|&i| pep440_rs::Version::from_str(&tag[i..]).is_ok())?;
        let prefix = &tag[..start];
        if !prefix
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/' | '@' | '='))
        {
            return None;
        }
        let lower = prefix.to_ascii_lowercase();
        let mut best: Option<&String> = None;
        for n in names {
            if lower.contains(n.as_str()) && best.is_none_or(|b| n.len() > b.len()) {
                best = Some(n);
            }
        }
        // A directory word counts only as a whole word (`core` is no word of `scored-v`).
        let word_at = |w: &str| -> Option<usize> {
            let sep = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
            prefix.match_indices(w).map(|(at, _)| at).find(|&at| {
                sep(prefix[..at].chars().next_back()) && sep(prefix[at + w.len()..].chars().next())
            })
        };
        let dir = if best.is_none() {
            dirs.iter()
                .filter(|d| !d.is_empty())
                .filter_map(|d| word_at(d).map(|at| (at, d.len())))
                .max_by_key(|&(_, len)| len)
        } else {
            None
        };
        let source = match best.and_then(|n| lower.find(n.as_str()).map(|at| (at, n.len()))) {
            Some((at, len)) => format!(
                "{}{{name}}{}{{version}}",
                &prefix[..at],
                &prefix[at + len..]
            ),
            None => match dir {
                Some((at, len)) => {
                    format!("{}{{dir}}{}{{version}}", &prefix[..at], &prefix[at + len..])
                }
                None => format!("{prefix}{{version}}"),
            },
        };
        TagFormat::new(&source).ok()
    }

    /// The text as written in the policy.
    pub(crate) fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the format names the package (`{name}` or `{dir}`).
    pub(crate) fn names_package(&self) -> bool {
        self.pieces
            .iter()
            .any(|p| matches!(p, Piece::Name | Piece::Dir))
    }

    fn fill(&self, name: &str, dir: &str, version: &str) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Name => out.push_str(name),
                Piece::Dir => out.push_str(dir),
                Piece::Version => out.push_str(version),
            }
        }
        out
    }

    /// The tag of `version` of the package `name` (normalized) in directory `dir`
    /// (relative to the root; its last component is used, the root's is `name`).
    pub(crate) fn render(&self, name: &str, dir: &str, version: &str) -> String {
        self.fill(name, dir_word(name, dir), version)
    }

    /// The text before and after the version for one package: every tag of it is
    /// `prefix + version + suffix`.
    pub(crate) fn affixes(&self, name: &str, dir: &str) -> (String, String) {
        let p = self.package(name, dir);
        (p.prefix, p.suffix)
    }

    /// The format filled in for one package (`{name}-v{version}` for `core` gives the
    /// tags `core-v…`): what makes and reads that package's tags.
    pub(crate) fn package(&self, name: &str, dir: &str) -> PackageTag {
        let word = dir_word(name, dir);
        let (mut prefix, mut suffix) = (String::new(), String::new());
        let mut after = false;
        for p in &self.pieces {
            let out = if after { &mut suffix } else { &mut prefix };
            match p {
                Piece::Text(t) => out.push_str(t),
                Piece::Name => out.push_str(name),
                Piece::Dir => out.push_str(word),
                Piece::Version => after = true,
            }
        }
        PackageTag { prefix, suffix }
    }

    /// The one format shared by every package (lockstep), or `None` when the format
    /// names the package: such a format has no tag that stands for all packages.
    pub(crate) fn shared(&self) -> Option<PackageTag> {
        (!self.names_package()).then(|| self.package("", ""))
    }

    /// The fixed text every tag starts with (`v` of `v{version}`, `release/` of
    /// `release/{name}/{version}`).
    pub(crate) fn lead(&self) -> &str {
        match self.pieces.first() {
            Some(Piece::Text(t)) => t,
            _ => "",
        }
    }

    /// Which package a tag belongs to and the text where its version stands, without
    /// judging that text. `packages` are `(normalized name, dir)`; with a format that
    /// names no package the index is `None`. When several packages match, the one whose
    /// text around the version is longest wins (packages `a` and `a-v`, format
    /// `{name}-v{version}`: `a-v-v1.0.0` is `a-v`'s); on a tie, the first.
    pub(crate) fn split<'t>(
        &self,
        tag: &'t str,
        packages: &[(impl AsRef<str>, impl AsRef<str>)],
    ) -> Option<(Option<usize>, &'t str)> {
        if !self.names_package() {
            return self.package("", "").version_in(tag).map(|v| (None, v));
        }
        let mut best: Option<(usize, usize, &'t str)> = None;
        for (i, (name, dir)) in packages.iter().enumerate() {
            let p = self.package(name.as_ref(), dir.as_ref());
            if let Some(v) = p.version_in(tag) {
                let len = p.prefix.len() + p.suffix.len();
                if best.is_none_or(|(l, _, _)| len > l) {
                    best = Some((len, i, v));
                }
            }
        }
        best.map(|(_, i, v)| (Some(i), v))
    }

    /// The shell-style glob of a package's tags with the version as `pattern`
    /// (`v{version}` with `[0-9]*` → `v[0-9]*`).
    pub(crate) fn glob(
        &self,
        name: Option<(&str, &str)>,
        version_pattern: &str,
        any: &str,
    ) -> String {
        let mut out = String::new();
        for p in &self.pieces {
            match (p, name) {
                (Piece::Text(t), _) => out.push_str(t),
                (Piece::Name, Some((n, _))) => out.push_str(n),
                (Piece::Dir, Some((n, d))) => out.push_str(dir_word(n, d)),
                (Piece::Name | Piece::Dir, None) => out.push_str(any),
                (Piece::Version, _) => out.push_str(version_pattern),
            }
        }
        out
    }
}

/// One package's tags: `prefix + version + suffix` ([`TagFormat::package`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PackageTag {
    prefix: String,
    suffix: String,
}

impl PackageTag {
    /// The tag of `version`.
    pub(crate) fn tag(&self, version: &str) -> String {
        [self.prefix.as_str(), version, self.suffix.as_str()].concat()
    }

    /// The text where the version stands in `tag`, when `tag` has this shape and that
    /// text is not empty (whether it is a version is the caller's question).
    pub(crate) fn version_in<'t>(&self, tag: &'t str) -> Option<&'t str> {
        let v = tag
            .strip_prefix(self.prefix.as_str())?
            .strip_suffix(self.suffix.as_str())?;
        (!v.is_empty()).then_some(v)
    }

    /// The tags as a pattern: the version replaced by `version_pattern` (`v*`,
    /// `vVERSION`).
    pub(crate) fn pattern(&self, version_pattern: &str) -> String {
        self.tag(version_pattern)
    }

    /// The text before and after the version.
    pub(crate) fn affixes(&self) -> (&str, &str) {
        (&self.prefix, &self.suffix)
    }
}

/// The word `{dir}` stands for: the last component of the package directory (relative to
/// the root), or the package's name for the root package.
pub(crate) fn dir_word<'a>(name: &'a str, dir: &'a str) -> &'a str {
    dir.rsplit('/').find(|c| !c.is_empty()).unwrap_or(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        for ok in ["a", "libs/a-b", ".github/workflows/release.yml", "a_b/c.d"] {
            repo_path(ok).unwrap();
        }
        for bad in [
            "",
            "/etc/x",
            "a/../b",
            "a//b",
            "a/",
            "./a",
            ".git/config",
            ".GIT/x",
            "vendor/.git/hooks/post-checkout",
            "a b",
            "a${{ x }}",
            "a\nb",
            "-rf",
            "x/\"\"\"y.py",
            "a\\b",
        ] {
            assert!(repo_path(bad).is_err(), "{bad:?}");
        }
        assert!(package_dir("").is_ok());
    }

    #[test]
    fn overlaps() {
        assert_eq!(
            overlapping(&[("a", "docs"), ("b", "docs/x.md"), ("c", "y")]),
            Some(("a", "b"))
        );
        assert_eq!(
            overlapping(&[("a", "x.md"), ("b", "X.md")]),
            Some(("a", "b"))
        );
        assert_eq!(overlapping(&[("a", "docs"), ("b", "docs2")]), None);
    }

    #[test]
    fn branches_and_tags() {
        for ok in ["main", "release/1.x", "feat_a-b.c"] {
            branch_name(ok).unwrap();
        }
        for bad in [
            "",
            "-x",
            "a..b",
            "a/",
            "a.",
            ".a",
            "a/.b",
            "a.lock",
            "a b",
            "a~1",
            "a^",
            "a:b",
            "a?",
            "a*",
            "a[",
            "a\\b",
            "@",
            "a@{b",
            "a\nb",
            "x${{ y }}",
            "a//b",
        ] {
            assert!(branch_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn check_names_and_labels() {
        check_name("CI / test (3.12)").unwrap();
        for bad in [
            "",
            "a\nb",
            "a${{ github.token }}",
            "a\u{2028}b",
            "a\u{202e}b",
        ] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        runner_label("ubuntu-24.04").unwrap();
        for bad in ["", "a b", "a${{x}}", "-x", "a:b"] {
            assert!(runner_label(bad).is_err(), "{bad:?}");
        }
        environment_name("pypi").unwrap();
        assert!(environment_name("py pi").is_err());
        secret_name("PYPI_TOKEN").unwrap();
        assert!(secret_name("GITHUB_X").is_err());
        assert!(secret_name("1X").is_err());
        github_repo("acme/widgets").unwrap();
        for bad in ["acme", "a/b/c", "a/..", "a b/c", "a/b${{"] {
            assert!(github_repo(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tag_formats() {
        for ok in [
            "v{version}",
            "{version}",
            "{name}-v{version}",
            "release/{dir}/{version}",
        ] {
            TagFormat::new(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
        }
        for bad in [
            "release",
            "v{version} x",
            "v{version}{version}",
            "{nam}-{version}",
            "v{version",
            "v{version}.lock",
            "../{version}",
            "-{version}",
            "{version}/",
            "a..{version}",
            "${{ x }}{version}",
            "v{version}\n",
        ] {
            assert!(TagFormat::new(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn tags_render_with_name_and_dir() {
        let f = TagFormat::new("{name}-v{version}").unwrap();
        assert_eq!(f.render("a-v", "libs/a-v", "1.0.0"), "a-v-v1.0.0");
        let d = TagFormat::new("{dir}/{version}").unwrap();
        assert_eq!(d.render("x", "libs/core", "2.0"), "core/2.0");
        assert_eq!(d.render("x", "", "2.0"), "x/2.0");
        let v = TagFormat::default();
        assert_eq!(v.affixes("", ""), ("v".into(), String::new()));
        assert_eq!(f.glob(Some(("core", "")), "[0-9]*", "*"), "core-v[0-9]*");
        assert_eq!(f.affixes("dashboard-api", "libs/api").0, "dashboard-api-v");
        let r = TagFormat::new("release/{name}/{version}").unwrap();
        assert_eq!(r.affixes("a", "").0, "release/a/");
        assert_eq!(f.glob(None, "*", "*"), "*-v*");
    }

    #[test]
    fn a_package_fills_name_and_dir_and_reads_its_tags_back() {
        let f = TagFormat::new("{name}-v{version}").unwrap();
        let core = f.package("core", "libs/core");
        assert_eq!(core.tag("1.2.3"), "core-v1.2.3");
        assert_eq!(core.affixes(), ("core-v", ""));
        assert_eq!(core.version_in("core-v1.2.3"), Some("1.2.3"));
        assert_eq!(core.version_in("core-v"), None);
        assert_eq!(core.version_in("api-v1.2.3"), None);
        assert_eq!(core.pattern("*"), "core-v*");
        assert_eq!(core.pattern("VERSION"), "core-vVERSION");
        // `{dir}`: the last component of the directory; the root package's is its name.
        let d = TagFormat::new("pkg/{dir}@{version}.final").unwrap();
        let api = d.package("acme-api", "services/api");
        assert_eq!(api.tag("2.0"), "pkg/api@2.0.final");
        assert_eq!(api.affixes(), ("pkg/api@", ".final"));
        assert_eq!(api.version_in("pkg/api@2.0rc1.final"), Some("2.0rc1"));
        assert_eq!(d.package("acme", "").tag("1"), "pkg/acme@1.final");
        // `name==version`.
        let eq = TagFormat::new("{name}=={version}").unwrap();
        assert_eq!(eq.package("core-lib", "").tag("0.3.1"), "core-lib==0.3.1");
        assert_eq!(
            eq.package("core-lib", "").version_in("core-lib==0.3.1"),
            Some("0.3.1")
        );
    }

    #[test]
    fn names_package_and_shared_tags() {
        assert!(!TagFormat::default().names_package());
        assert!(TagFormat::new("{name}-v{version}").unwrap().names_package());
        assert!(TagFormat::new("{dir}/{version}").unwrap().names_package());
        assert!(TagFormat::new("{name}=={version}").unwrap().names_package());
        assert_eq!(
            TagFormat::default().shared().map(|s| s.tag("1.0")),
            Some("v1.0".to_string())
        );
        assert_eq!(
            TagFormat::new("release-{version}")
                .unwrap()
                .shared()
                .map(|s| s.pattern("*")),
            Some("release-*".to_string())
        );
        assert_eq!(TagFormat::new("{dir}/{version}").unwrap().shared(), None);
        assert_eq!(
            TagFormat::per_package(),
            TagFormat::new("{name}-v{version}").unwrap()
        );
        assert!(TagFormat::per_package().names_package());
    }

    #[test]
    fn the_lead_is_the_text_before_the_first_placeholder() {
        assert_eq!(TagFormat::default().lead(), "v");
        assert_eq!(TagFormat::new("{version}").unwrap().lead(), "");
        assert_eq!(TagFormat::new("{name}-v{version}").unwrap().lead(), "");
        assert_eq!(
            TagFormat::new("release/{dir}/{version}").unwrap().lead(),
            "release/"
        );
    }

    #[test]
    fn split_finds_the_package_and_the_version_text() {
        let none: [(&str, &str); 0] = [];
        let v = TagFormat::default();
        assert_eq!(v.split("v1.2.3", &none), Some((None, "1.2.3")));
        // The text is not judged: the caller decides whether it is a version.
        assert_eq!(v.split("vnext", &none), Some((None, "next")));
        assert_eq!(v.split("v", &none), None);
        assert_eq!(v.split("1.2.3", &none), None);
        let f = TagFormat::new("{name}-v{version}").unwrap();
        let pkgs = [("a", "libs/a".to_string()), ("a-v", "libs/a-v".to_string())];
        assert_eq!(f.split("a-v-v1.0", &pkgs), Some((Some(1), "1.0")));
        assert_eq!(f.split("a-v1.0", &pkgs), Some((Some(0), "1.0")));
        assert_eq!(f.split("b-v1.0", &pkgs), None);
        // A format that names the package matches nothing without packages.
        assert_eq!(f.split("a-v1.0", &none), None);
        // `{dir}`: the package in that directory.
        let d = TagFormat::new("{dir}/{version}").unwrap();
        let dirs = [("acme-core", "libs/core"), ("acme-api", "services/api")];
        assert_eq!(d.split("api/2.0", &dirs), Some((Some(1), "2.0")));
        assert_eq!(d.split("core/1.0", &dirs), Some((Some(0), "1.0")));
        assert_eq!(d.split("acme-api/1.0", &dirs), None);
        // `name==version`; the longest text around the version wins, also after it.
        let eq = TagFormat::new("{name}=={version}").unwrap();
        let names = [("core", ""), ("core-lib", "")];
        assert_eq!(
            eq.split("core-lib==0.3.1", &names),
            Some((Some(1), "0.3.1"))
        );
        let after = TagFormat::new("{version}-{name}").unwrap();
        let names = [("a", ""), ("b-a", "")];
        assert_eq!(after.split("1.0-b-a", &names), Some((Some(1), "1.0")));
    }

    #[test]
    fn a_format_is_read_off_an_existing_tag() {
        let names = vec!["core-lib".to_string(), "core_lib".to_string()];
        let dirs = vec!["chroma".to_string(), "core".to_string()];
        let of = |t: &str| TagFormat::of_tag(t, &names, &dirs).map(|f| f.to_string());
        assert_eq!(of("v1.2.3").as_deref(), Some("v{version}"));
        assert_eq!(of("1.2.3").as_deref(), Some("{version}"));
        assert_eq!(of("core-lib-v1.2.3").as_deref(), Some("{name}-v{version}"));
        assert_eq!(
            of("integrations/core-lib-v0.1.0").as_deref(),
            Some("integrations/{name}-v{version}")
        );
        // `name==1.2.3`, as langchain-style monorepos tag.
        assert_eq!(of("core-lib==0.3.1").as_deref(), Some("{name}=={version}"));
        // A directory's word, between separators, when no name is in the tag.
        assert_eq!(
            of("integrations/chroma-v1.0.0").as_deref(),
            Some("integrations/{dir}-v{version}")
        );
        assert_eq!(of("scored-v1.0.0").as_deref(), Some("scored-v{version}"));
        assert_eq!(of("nightly"), None);
        assert_eq!(of("x$(id)1.0"), None);
        assert_eq!(of("{dir}1.0"), None);
        assert_eq!(of("-x1.0"), None, "a format git could not tag with");
    }
}
