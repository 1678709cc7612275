//! PEP 440 versions and the bump rules of `uv version --bump`.
//!
//! Parsing, normalization and ordering come from `pep440_rs` (astral's parser, the one uv
//! uses), so pyrel agrees with uv about what a version is. On top of it pyrel adds:
//!
//! - the whitespace rule of Python's `packaging` (see [`parse`]), so that pyrel agrees with the
//!   tools that build and upload the package as well;
//! - the bump rules of `uv version --bump` ([`bump`]), reimplemented because `pep440_rs` 0.7 has
//!   no bump, and checked against the real uv by `tests/version_differential.rs`;
//! - the release decisions: which packages a tag releases ([`check_tag`]), where a workflow run
//!   publishes ([`route`]) and the dev version of a branch build ([`dev_version`]).
//!
//! Known difference from `packaging`, by design of `pep440_rs`: a numeric component larger than
//! `u64::MAX` (18446744073709551615) is refused, where Python accepts any integer. No real
//! project uses such a version, and uv refuses it too.

mod bump;
mod route;

pub use bump::{bump, parse_bump_spec, BumpError, BumpPart};
pub(crate) use bump::{bump_to_explicit, BumpSpec};
pub use route::{check_tag, dev_version, route};
pub(crate) use route::{latest_tag_version, PackageState, RouteError, RoutePolicy};

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// A PEP 440 version. Displays in normalized form; compares, hashes and tests equality by
/// PEP 440 rules (`1.0 == 1.0.0`, `1.0a1 < 1.0`, `1.0+local > 1.0`).
///
/// A newtype rather than a re-export so that every version in pyrel goes through [`parse`]
/// and its whitespace rule, and so the underlying crate can change without touching callers.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Version(pep440_rs::Version);

/// A string that is not a PEP 440 version, or a version pyrel cannot use in this place.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// Not a PEP 440 version at all.
    #[error("`{input}` is not a valid PEP 440 version: {reason}")]
    Invalid { input: String, reason: String },
}

impl VersionError {
    /// A line telling the user how to fix the problem.
    pub(crate) fn hint(&self) -> String {
        match self {
            VersionError::Invalid { .. } => {
                "use a PEP 440 version such as `1.2.3`, `1.2.3rc1`, `1.2.3.post1` or `1.2.3.dev1` \
                 (https://packaging.python.org/en/latest/specifications/version-specifiers/)"
                    .into()
            }
        }
    }
}

impl From<VersionError> for crate::Error {
    fn from(e: VersionError) -> Self {
        let hint = Some(e.hint());
        crate::Error::Usage {
            message: e.to_string(),
            hint,
        }
    }
}

/// Whitespace as Python's `str.isspace` (and so `packaging`'s `\s`) sees it. Rust's
/// `char::is_whitespace` lacks the four ASCII separators U+001C..U+001F, and `pep440_rs` itself
/// only skips ASCII whitespace (not even the vertical tab), so pyrel trims before parsing.
fn is_python_space(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Parses a PEP 440 version in any spelling `packaging.version.Version` accepts: surrounding
/// whitespace, a leading `v`, any case, `-`/`_`/`.` separators, `alpha`/`beta`/`c`/`pre`/
/// `preview`/`rev`/`r` spellings, implicit post-releases (`1.0-1`), epochs and local versions.
pub fn parse(input: &str) -> Result<Version, VersionError> {
    let trimmed = input.trim_matches(is_python_space);
    let invalid = |reason: String| VersionError::Invalid {
        input: input.to_string(),
        reason,
    };
    if trimmed.is_empty() {
        return Err(invalid("the string is empty".into()));
    }
    pep440_rs::Version::from_str(trimmed)
        .map(Version)
        .map_err(|e| invalid(e.to_string()))
}

/// The normalized spelling of a version (`1.0.0-alpha.0` → `1.0.0a0`, `v1.0` → `1.0`,
/// `1.0-1` → `1.0.post1`), the same string as `str(packaging.version.Version(input))`.
pub fn normalize(input: &str) -> Result<String, VersionError> {
    parse(input).map(|v| v.to_string())
}

/// Whether `input` is a valid version already written in its normalized spelling.
/// PyPI shows and `uv build` names files with the normalized spelling, so pyrel wants the
/// version sources to use it too.
pub fn is_normalized(input: &str) -> bool {
    parse(input).is_ok_and(|v| v.to_string() == input)
}

impl Version {
    /// Whether a version is a pre-release for routing purposes: any alpha, beta, release
    /// candidate or dev release, including a dev release of a final or post release
    /// (`1.0.dev1`, `1.0.post1.dev1`), as `packaging`'s `Version.is_prerelease` says.
    pub fn is_prerelease(&self) -> bool {
        self.0.any_prerelease()
    }

    /// Whether the version has a local part (`+abc`), which PyPI refuses.
    pub fn is_local(&self) -> bool {
        self.0.is_local()
    }

    /// The underlying `pep440_rs` version, for specifier matching.
    /// The version as Cargo spells it (SemVer), which maturin reads back as this version:
    /// `1.2.0`, `1.2.0-alpha.1` (`1.2.0a1`), `1.2.0-beta.2`, `1.2.0-rc.1`, `1.2.0-dev.3`.
    /// `None` for what SemVer cannot say the same way (an epoch, a post release, a local
    /// part, more than three release numbers).
    pub fn cargo_spelling(&self) -> Option<String> {
        let v = &self.0;
        let release = v.release();
        if v.epoch() != 0
            || v.post().is_some()
            || !v.local().is_empty()
            || release.len() > 3
            || release.is_empty()
        {
            return None;
        }
        let mut parts: Vec<String> = release.iter().map(u64::to_string).collect();
        while parts.len() < 3 {
            parts.push("0".into());
        }
        let mut out = parts.join(".");
        let mut pre: Vec<String> = Vec::new();
        if let Some(p) = v.pre() {
            let word = match p.kind {
                pep440_rs::PrereleaseKind::Alpha => "alpha",
                pep440_rs::PrereleaseKind::Beta => "beta",
                pep440_rs::PrereleaseKind::Rc => "rc",
            };
            pre.push(format!("{word}.{}", p.number));
        }
        if let Some(d) = v.dev() {
            pre.push(format!("dev.{d}"));
        }
        if !pre.is_empty() {
            out.push('-');
            out.push_str(&pre.join("."));
        }
        Some(out)
    }

    pub(crate) fn as_pep440(&self) -> &pep440_rs::Version {
        &self.0
    }
}

impl From<pep440_rs::Version> for Version {
    fn from(v: pep440_rs::Version) -> Self {
        Version(v)
    }
}

impl FromStr for Version {
    type Err = VersionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse(s)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl fmt::Debug for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Version({})", self.0)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.0.cmp(&other.0)
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn cargo_spellings() {
        for (pep, cargo) in [
            ("1.2", Some("1.2.0")),
            ("1.2.3a1", Some("1.2.3-alpha.1")),
            ("1.2.3b2", Some("1.2.3-beta.2")),
            ("1.2.3rc1", Some("1.2.3-rc.1")),
            ("1.2.3.dev4", Some("1.2.3-dev.4")),
            ("1.2.3rc1.dev2", Some("1.2.3-rc.1.dev.2")),
            ("1.2.3.post1", None),
            ("1!1.2.3", None),
            ("1.2.3.4", None),
        ] {
            let v = parse(pep).unwrap();
            assert_eq!(v.cargo_spelling().as_deref(), cargo, "{pep}");
            // What maturin reads back from Cargo's spelling is the same version.
            if let Some(c) = cargo {
                assert_eq!(parse(c).unwrap(), v, "{c}");
            }
        }
    }
    use super::*;

    fn n(s: &str) -> String {
        normalize(s).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn normalizes_the_spellings_of_the_issue() {
        assert_eq!(n("1.0.0-alpha.0"), "1.0.0a0");
        assert_eq!(n("1.0-rc1"), "1.0rc1");
        assert_eq!(n("v1.0"), "1.0");
        assert_eq!(n("V1.0"), "1.0");
        assert_eq!(n("1.0-1"), "1.0.post1");
        assert_eq!(n("1!2.0-BETA_3"), "1!2.0b3");
        assert_eq!(n(" 1.0.dev\t"), "1.0.dev0");
        assert_eq!(n("1.0+Ubuntu-1_A"), "1.0+ubuntu.1.a");
        assert_eq!(n("1.0c1"), "1.0rc1");
        assert_eq!(n("1.0-preview.2"), "1.0rc2");
        assert_eq!(n("1.0-r5"), "1.0.post5");
        assert_eq!(n("01.002.0"), "1.2.0");
    }

    #[test]
    fn trims_whitespace_like_python() {
        assert_eq!(n("\u{b}1.0\u{1c}"), "1.0");
        assert_eq!(n("\u{a0}1.0\u{3000}"), "1.0");
        assert!(
            parse("\u{200b}1.0").is_err(),
            "zero-width space is not whitespace"
        );
    }

    #[test]
    fn invalid_versions_name_the_input() {
        let e = parse("1.0-foo").unwrap_err();
        let msg = e.to_string();
        assert!(msg.contains("`1.0-foo`"), "{msg}");
        assert!(msg.contains("not a valid PEP 440 version"), "{msg}");
        assert!(parse("").is_err());
        assert!(parse("   ").is_err());
        assert!(parse("1.0.*").is_err());
        assert!(parse("vv1.0").is_err());
        let as_crate: crate::Error = e.into();
        assert!(as_crate.hint().is_some());
    }

    #[test]
    fn normalized_check() {
        assert!(is_normalized("1.0.0a0"));
        assert!(is_normalized("1!1.0.post1.dev2+abc.1"));
        assert!(!is_normalized("1.0.0-alpha.0"));
        assert!(!is_normalized("v1.0"));
        assert!(!is_normalized(" 1.0"));
        assert!(!is_normalized("nope"));
    }

    #[test]
    fn prerelease_includes_dev_of_finals() {
        for s in [
            "1.0a1",
            "1.0b2",
            "1.0rc1",
            "1.0.dev1",
            "1.0.post1.dev1",
            "1.0rc1.post1",
        ] {
            assert!(parse(s).unwrap().is_prerelease(), "{s}");
        }
        for s in ["1.0", "1.0.post1", "1!1.0", "1.0+local"] {
            assert!(!parse(s).unwrap().is_prerelease(), "{s}");
        }
    }

    #[test]
    fn orders_by_pep440() {
        let order = [
            "1.0.dev456",
            "1.0a1",
            "1.0a2.dev456",
            "1.0a12.dev456",
            "1.0a12",
            "1.0b1.dev456",
            "1.0b2",
            "1.0b2.post345.dev456",
            "1.0b2.post345",
            "1.0rc1.dev456",
            "1.0rc1",
            "1.0",
            "1.0+abc.5",
            "1.0+abc.7",
            "1.0+5",
            "1.0.post456.dev34",
            "1.0.post456",
            "1.1.dev1",
            "1!0.1",
        ];
        let vs: Vec<Version> = order.iter().map(|s| parse(s).unwrap()).collect();
        for w in vs.windows(2) {
            assert!(w[0] < w[1], "{:?} < {:?}", w[0], w[1]);
        }
        assert_eq!(parse("1.0").unwrap(), parse("1.0.0").unwrap());
        assert_eq!(parse("1.0+01").unwrap(), parse("1.0+1").unwrap());
    }
}
