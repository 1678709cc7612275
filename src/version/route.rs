//! Which index a pushed release tag publishes to. The release workflow asks pyrel rather than
//! matching the tag with a shell pattern, because a pattern like `*rc*` misses `1.0c1`,
//! `1.0-preview2` and `1.0.dev3`, and would send a pre-release to the real PyPI.

use super::{parse, Version, VersionError};

/// Where a release goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Route {
    /// Finals and post-releases of finals (`1.2.3`, `1.2.3.post1`).
    Pypi,
    /// Every alpha, beta, release candidate and dev release.
    Testpypi,
}

impl Route {
    /// The name used in workflow outputs and GitHub environments.
    pub fn as_str(self) -> &'static str {
        match self {
            Route::Pypi => "pypi",
            Route::Testpypi => "testpypi",
        }
    }
}

impl std::fmt::Display for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The version part of a tag: `refs/tags/` (as in `GITHUB_REF`) and the prefix removed.
fn strip_tag<'a>(tag: &'a str, tag_prefix: &str) -> Result<&'a str, VersionError> {
    let name = tag.strip_prefix("refs/tags/").unwrap_or(tag);
    name.strip_prefix(tag_prefix)
        .ok_or_else(|| VersionError::MissingPrefix {
            tag: tag.to_string(),
            prefix: tag_prefix.to_string(),
        })
}

/// Parses a release tag (`v1.2.3-rc.1` with prefix `v`) in any PEP 440 spelling and says where
/// it is published: pre-releases and dev releases to TestPyPI, everything else to PyPI. A tag
/// without the prefix, a malformed version and a local version are errors, so the workflow
/// stops before building.
pub fn route_tag(tag: &str, tag_prefix: &str) -> Result<(Version, Route), VersionError> {
    let version = parse(strip_tag(tag, tag_prefix)?)?;
    if version.is_local() {
        return Err(VersionError::Local {
            input: tag.to_string(),
            local: version.local_label(),
        });
    }
    let route = if version.is_prerelease() {
        Route::Testpypi
    } else {
        Route::Pypi
    };
    Ok((version, route))
}

/// Whether `tag` (with `tag_prefix`) names `version` by PEP 440 equality, so `v1.2.3-RC.1`
/// matches a project at `1.2.3rc1` and `v1.2` matches `1.2.0`. A tag without the prefix or
/// that is not a version matches nothing.
pub fn tag_matches(tag: &str, tag_prefix: &str, version: &Version) -> bool {
    strip_tag(tag, tag_prefix)
        .and_then(parse)
        .is_ok_and(|v| v == *version)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn route(tag: &str) -> Route {
        route_tag(tag, "v")
            .unwrap_or_else(|e| panic!("{tag}: {e}"))
            .1
    }

    #[test]
    fn finals_and_posts_go_to_pypi() {
        for tag in [
            "v1.2.3",
            "v1.2",
            "v1",
            "v1!2.0",
            "v01.02.03",
            "v1.2.3.post1",
            "v1.2.3-post1",
            "v1.2.3-1",
            "v1.2.3_post_2",
            "v1.2.3.rev3",
            "v1.2.3-r4",
            "v1.2.3POST5",
            "refs/tags/v1.2.3",
        ] {
            assert_eq!(route(tag), Route::Pypi, "{tag}");
        }
        let (v, _) = route_tag("v1.2.3-1", "v").unwrap();
        assert_eq!(v.to_string(), "1.2.3.post1");
    }

    #[test]
    fn every_prerelease_spelling_goes_to_testpypi() {
        let cases = [
            ("v1.2.3a1", "1.2.3a1"),
            ("v1.2.3-alpha.0", "1.2.3a0"),
            ("v1.2.3.ALPHA2", "1.2.3a2"),
            ("v1.2.3_a", "1.2.3a0"),
            ("v1.2.3b1", "1.2.3b1"),
            ("v1.2.3-beta.2", "1.2.3b2"),
            ("v1.2.3Beta", "1.2.3b0"),
            ("v1.2.3rc1", "1.2.3rc1"),
            ("v1.2.3-rc.1", "1.2.3rc1"),
            ("v1.2.3RC1", "1.2.3rc1"),
            ("v1.2.3c1", "1.2.3rc1"),
            ("v1.2.3-pre.1", "1.2.3rc1"),
            ("v1.2.3preview2", "1.2.3rc2"),
            ("v1.2.3.dev4", "1.2.3.dev4"),
            ("v1.2.3-dev", "1.2.3.dev0"),
            ("v1.2.3DEV_5", "1.2.3.dev5"),
            ("v1.2.3.post1.dev1", "1.2.3.post1.dev1"),
            ("v1.2.3rc1.post1", "1.2.3rc1.post1"),
            ("v2!1.0a1", "2!1.0a1"),
        ];
        for (tag, norm) in cases {
            let (v, r) = route_tag(tag, "v").unwrap_or_else(|e| panic!("{tag}: {e}"));
            assert_eq!(r, Route::Testpypi, "{tag}");
            assert_eq!(v.to_string(), norm, "{tag}");
        }
    }

    #[test]
    fn malformed_local_and_unprefixed_tags_are_errors() {
        for tag in [
            "v1.2.3-foo",
            "vnext",
            "v",
            "v1.2.3.",
            "v1..2",
            "v1.2.3-rc.1.2",
            "latest",
        ] {
            assert!(route_tag(tag, "v").is_err(), "{tag}");
        }
        let e = route_tag("v1.2.3+build.5", "v").unwrap_err();
        assert!(matches!(e, VersionError::Local { .. }), "{e:?}");
        assert!(e.to_string().contains("+build.5"), "{e}");
        let e = route_tag("1.2.3", "release-").unwrap_err();
        assert!(matches!(e, VersionError::MissingPrefix { .. }), "{e:?}");
        assert!(e.hint().contains("release-1.2.3"));
        // A tag written with the prefix but an empty prefix configured: still PEP 440 (`v` is allowed).
        assert_eq!(route_tag("v1.0", "").unwrap().1, Route::Pypi);
        assert_eq!(route_tag("pkg-1.0rc1", "pkg-").unwrap().1, Route::Testpypi);
    }

    #[test]
    fn tags_match_by_pep440_equality() {
        let v = parse("1.2.3rc1").unwrap();
        assert!(tag_matches("v1.2.3rc1", "v", &v));
        assert!(tag_matches("v1.2.3-RC.1", "v", &v));
        assert!(tag_matches("v1.2.3.0c1", "v", &v));
        assert!(!tag_matches("v1.2.3rc2", "v", &v));
        assert!(!tag_matches("1.2.3rc1", "x", &v));
        assert!(!tag_matches("vjunk", "v", &v));
        assert!(tag_matches("v1.2", "v", &parse("1.2.0").unwrap()));
    }
}
