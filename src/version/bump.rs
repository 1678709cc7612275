//! The bump rules of `uv version --bump`, so that `pyrel bump minor` and `uv version --bump
//! minor` never disagree about the next version. `tests/version_differential.rs` runs the real
//! uv on hundreds of cases to keep it that way.
//!
//! uv's rules, in short:
//! - the parts form a hierarchy `major > minor > patch > stable > alpha|beta|rc > post > dev`;
//!   bumping one clears every lower one, and incrementing a missing one sets it to 1;
//! - several parts may be combined and are applied from the largest down, whatever order they
//!   were given in (`beta,patch` = `patch,beta`), but at most one release part (major, minor,
//!   patch), at most one of alpha/beta/rc/dev, and `stable` and `post` only alone;
//! - the result must be greater than the current version, or the bump is refused.
//!
//! A local label (`1.2.3+local.1`) is kept, as uv keeps it (`minor` gives `1.3.0+local.1`);
//! the release workflow refuses to publish a local version, not the bump.

use std::fmt;
use std::str::FromStr;

use pep440_rs::{Prerelease, PrereleaseKind};

use super::{parse, Version, VersionError};

/// One component that `uv version --bump` can bump.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BumpPart {
    // Declaration order is application order (largest first), as in uv.
    Major,
    Minor,
    Patch,
    Stable,
    Alpha,
    Beta,
    Rc,
    Post,
    Dev,
}

impl BumpPart {
    /// Every part, in application order.
    pub const ALL: [BumpPart; 9] = [
        BumpPart::Major,
        BumpPart::Minor,
        BumpPart::Patch,
        BumpPart::Stable,
        BumpPart::Alpha,
        BumpPart::Beta,
        BumpPart::Rc,
        BumpPart::Post,
        BumpPart::Dev,
    ];

    /// The spelling on the command line (and uv's).
    pub fn as_str(self) -> &'static str {
        match self {
            BumpPart::Major => "major",
            BumpPart::Minor => "minor",
            BumpPart::Patch => "patch",
            BumpPart::Stable => "stable",
            BumpPart::Alpha => "alpha",
            BumpPart::Beta => "beta",
            BumpPart::Rc => "rc",
            BumpPart::Post => "post",
            BumpPart::Dev => "dev",
        }
    }

    fn release_index(self) -> Option<usize> {
        match self {
            BumpPart::Major => Some(0),
            BumpPart::Minor => Some(1),
            BumpPart::Patch => Some(2),
            _ => None,
        }
    }

    /// uv counts `dev` with the pre-release parts when it limits combinations to one of them.
    fn is_pre_like(self) -> bool {
        matches!(
            self,
            BumpPart::Alpha | BumpPart::Beta | BumpPart::Rc | BumpPart::Dev
        )
    }
}

impl fmt::Display for BumpPart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for BumpPart {
    type Err = BumpError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        BumpPart::ALL
            .into_iter()
            .find(|p| p.as_str().eq_ignore_ascii_case(t))
            .ok_or_else(|| BumpError::UnknownPart {
                input: s.to_string(),
            })
    }
}

/// The pre-release stage named by `--pre` in `pyrel bump prerelease --pre alpha`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PreKind {
    Alpha,
    Beta,
    Rc,
}

impl PreKind {
    fn part(self) -> BumpPart {
        match self {
            PreKind::Alpha => BumpPart::Alpha,
            PreKind::Beta => BumpPart::Beta,
            PreKind::Rc => BumpPart::Rc,
        }
    }
}

impl FromStr for PreKind {
    type Err = BumpError;
    /// `alpha`/`a`, `beta`/`b`, `rc`/`c`, any case: the PEP 440 spellings people type.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "alpha" | "a" => Ok(PreKind::Alpha),
            "beta" | "b" => Ok(PreKind::Beta),
            "rc" | "c" => Ok(PreKind::Rc),
            _ => Err(BumpError::UnknownPreKind {
                input: s.to_string(),
            }),
        }
    }
}

/// What the user asked to bump, before the current version is known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BumpSpec {
    /// Parts as `uv version --bump` takes them (`patch`, `minor,beta`).
    Parts(Vec<BumpPart>),
    /// "The next pre-release of this stage" (`prerelease --pre alpha`): see [`BumpSpec::parts_for`].
    NextPrerelease(PreKind),
}

impl BumpSpec {
    /// The uv parts this spec means for `current`.
    ///
    /// `prerelease --pre K` starts a new pre-release cycle from a final (or post) release by
    /// also bumping the patch (`1.2.3` → `1.2.4a1`), and otherwise moves within the cycle:
    /// the next number of the same stage (`1.2.4a1` → `1.2.4a2`), a later stage
    /// (`1.2.4a2` → `1.2.4b1`), or out of a dev release (`1.2.4.dev3` → `1.2.4a1`). Going back
    /// to an earlier stage (`1.2.4rc1` with `--pre alpha`) gives a lower version, which [`bump`]
    /// refuses.
    pub(crate) fn parts_for(&self, current: &Version) -> Vec<BumpPart> {
        match self {
            BumpSpec::Parts(parts) => parts.clone(),
            BumpSpec::NextPrerelease(kind) => {
                if current.as_pep440().any_prerelease() {
                    vec![kind.part()]
                } else {
                    vec![BumpPart::Patch, kind.part()]
                }
            }
        }
    }

    /// Applies the spec to `current`: [`BumpSpec::parts_for`], then [`bump`].
    pub fn apply(&self, current: &Version) -> Result<Version, BumpError> {
        bump(current, &self.parts_for(current))
    }
}

/// A bump pyrel refuses, with the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BumpError {
    #[error("nothing to bump: give at least one of major, minor, patch, stable, alpha, beta, rc, post, dev")]
    NoParts,
    #[error("unknown version part `{input}`; expected one of major, minor, patch, stable, alpha, beta, rc, post, dev")]
    UnknownPart { input: String },
    #[error("unknown pre-release kind `{input}`; expected alpha, beta or rc")]
    UnknownPreKind { input: String },
    #[error("`prerelease` needs `--pre alpha`, `--pre beta` or `--pre rc`")]
    PrereleaseWithoutPre,
    #[error("`prerelease` cannot be combined with other parts, got: {input}")]
    PrereleaseCombined { input: String },
    #[error("`--pre {pre}` only goes with `prerelease`, not with `{kind}`")]
    PreWithoutPrerelease { kind: String, pre: String },
    /// A combination uv refuses (same wording as uv).
    #[error("{message}")]
    Combination { message: String },
    /// The result would not be greater than the current version (same wording as uv).
    #[error("{from} => {to} didn't increase the version; {advice}")]
    NotIncreased {
        from: String,
        to: String,
        advice: String,
    },
    #[error("cannot bump `{version}`: a version number would exceed {}", u64::MAX)]
    Overflow { version: String },
    #[error(transparent)]
    Invalid(#[from] VersionError),
    #[error("the new version {new} is a local version (`+...`), which PyPI refuses")]
    ExplicitLocal { new: String },
    #[error("the new version {new} is not greater than the current version {current}")]
    NotGreater { current: String, new: String },
}

impl BumpError {
    /// A line telling the user how to fix the problem.
    pub(crate) fn hint(&self) -> Option<String> {
        match self {
            BumpError::UnknownPart { input } if input.trim().eq_ignore_ascii_case("prerelease") => {
                Some("write `prerelease --pre alpha|beta|rc`, or name the stage: `alpha`, `beta`, `rc`".into())
            }
            BumpError::NoParts | BumpError::UnknownPart { .. } | BumpError::PrereleaseCombined { .. } => Some(
                "combine parts with commas, e.g. `patch,beta`; or pass an explicit version".into(),
            ),
            BumpError::NotGreater { current, new } if current == new => Some(
                "to release the current version as it is (a first release), run `pyrel bump release`"
                    .into(),
            ),
            BumpError::NotGreater { .. } => {
                Some("pass `--allow-downgrade` if you really mean to go back".into())
            }
            BumpError::ExplicitLocal { .. } => {
                Some("remove the `+...` part of the version first".into())
            }
            BumpError::Invalid(e) => Some(e.hint()),
            _ => None,
        }
    }
}

impl From<BumpError> for crate::Error {
    fn from(e: BumpError) -> Self {
        crate::Error::Usage {
            hint: e.hint(),
            message: e.to_string(),
        }
    }
}

/// Parses the guide's spellings of a bump: a comma-separated list of parts
/// (`patch`, `minor,beta`, `Major, RC`), or `prerelease` with `pre` naming the stage.
pub fn parse_bump_spec(kind: &str, pre: Option<&str>) -> Result<BumpSpec, BumpError> {
    let items: Vec<&str> = kind
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let has_prerelease = items.iter().any(|s| s.eq_ignore_ascii_case("prerelease"));
    if has_prerelease {
        if items.len() > 1 {
            return Err(BumpError::PrereleaseCombined {
                input: kind.to_string(),
            });
        }
        let pre = pre.ok_or(BumpError::PrereleaseWithoutPre)?;
        return Ok(BumpSpec::NextPrerelease(pre.parse()?));
    }
    if let Some(pre) = pre {
        return Err(BumpError::PreWithoutPrerelease {
            kind: kind.to_string(),
            pre: pre.to_string(),
        });
    }
    if items.is_empty() {
        return Err(BumpError::NoParts);
    }
    let parts = items
        .into_iter()
        .map(BumpPart::from_str)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(BumpSpec::Parts(parts))
}

fn join(parts: &[BumpPart]) -> String {
    parts
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The combinations uv refuses, checked in uv's order so the message names the same problem.
fn check_combination(parts: &[BumpPart]) -> Result<(), BumpError> {
    let refuse = |message: String| Err(BumpError::Combination { message });
    if parts.is_empty() {
        return Err(BumpError::NoParts);
    }
    if parts.len() > 1 && parts.contains(&BumpPart::Stable) {
        return refuse(format!(
            "`--bump stable` cannot be used with another `--bump` value, got: {}",
            join(parts)
        ));
    }
    if parts.len() > 1 && parts.contains(&BumpPart::Post) {
        return refuse(format!(
            "`--bump post` cannot be used with another `--bump` value, got: {}",
            join(parts)
        ));
    }
    let release: Vec<BumpPart> = parts
        .iter()
        .copied()
        .filter(|p| p.release_index().is_some())
        .collect();
    if release.len() > 1 {
        return refuse(format!(
            "Only one release version component can be provided to `--bump`, got: {}",
            join(&release)
        ));
    }
    let pre: Vec<BumpPart> = parts.iter().copied().filter(|p| p.is_pre_like()).collect();
    if pre.len() > 1 {
        return refuse(format!(
            "Only one pre-release version component can be provided to `--bump`, got: {}",
            join(&pre)
        ));
    }
    Ok(())
}

fn increment(n: Option<u64>, version: &Version) -> Result<u64, BumpError> {
    match n {
        None => Ok(1),
        Some(n) => n.checked_add(1).ok_or_else(|| BumpError::Overflow {
            version: version.to_string(),
        }),
    }
}

/// Applies one part: bump it and clear every lower component, as uv does.
fn apply(
    v: pep440_rs::Version,
    part: BumpPart,
    orig: &Version,
) -> Result<pep440_rs::Version, BumpError> {
    Ok(match part {
        BumpPart::Major | BumpPart::Minor | BumpPart::Patch => {
            let index = part.release_index().unwrap_or(0);
            let old = v.release().to_vec();
            // Keep the length when it is longer (`1.2.3.4` minor → `1.3.0.0`), pad when shorter
            // (`1.2` patch → `1.2.1`), as uv does.
            let len = old.len().max(index + 1);
            let mut release = Vec::with_capacity(len);
            for i in 0..len {
                let cur = old.get(i).copied().unwrap_or(0);
                release.push(match i.cmp(&index) {
                    std::cmp::Ordering::Less => cur,
                    std::cmp::Ordering::Equal => increment(Some(cur), orig)?,
                    std::cmp::Ordering::Greater => 0,
                });
            }
            v.with_release(release)
                .with_pre(None)
                .with_post(None)
                .with_dev(None)
        }
        BumpPart::Stable => v.with_pre(None).with_post(None).with_dev(None),
        BumpPart::Alpha | BumpPart::Beta | BumpPart::Rc => {
            let kind = match part {
                BumpPart::Alpha => PrereleaseKind::Alpha,
                BumpPart::Beta => PrereleaseKind::Beta,
                _ => PrereleaseKind::Rc,
            };
            let number = match v.pre() {
                Some(p) if p.kind == kind => increment(Some(p.number), orig)?,
                _ => 1,
            };
            v.with_pre(Some(Prerelease { kind, number }))
                .with_post(None)
                .with_dev(None)
        }
        BumpPart::Post => {
            let post = increment(v.post(), orig)?;
            v.with_post(Some(post)).with_dev(None)
        }
        BumpPart::Dev => {
            let dev = increment(v.dev(), orig)?;
            v.with_dev(Some(dev))
        }
    })
}

/// The next version after `current` for the given parts, exactly as
/// `uv version --bump P1 --bump P2 ...` computes it (see the module docs), or the reason it is
/// refused. The epoch and the local label are kept.
pub fn bump(current: &Version, parts: &[BumpPart]) -> Result<Version, BumpError> {
    check_combination(parts)?;
    let mut sorted = parts.to_vec();
    sorted.sort();
    let mut next = current.0.clone();
    for part in sorted {
        next = apply(next, part, current)?;
    }
    let next = Version(next);
    if next <= *current {
        let old = current.as_pep440();
        let new = next.as_pep440();
        let advice = if old.is_stable() && new.is_pre() {
            "when bumping to a pre-release version you also need to increase a release version component, e.g., with `--bump <major|minor|patch>`"
        } else if new.is_dev() && !old.is_dev() {
            "when bumping to a dev version you also need to increase another version component, e.g., with `--bump <major|minor|patch|alpha|beta|rc>`"
        } else {
            "provide the exact version to force an update"
        };
        return Err(BumpError::NotIncreased {
            from: current.to_string(),
            to: next.to_string(),
            advice: advice.to_string(),
        });
    }
    Ok(next)
}

/// Sets an explicit version (`pyrel bump 2.0.0rc1`). Unlike `uv version 2.0.0rc1`, which sets
/// anything, pyrel refuses a version that is not greater than the current one unless
/// `allow_downgrade` is set: re-releasing or going back is almost always a typo, and PyPI
/// never accepts the same version twice. Local versions are refused (PyPI refuses them).
pub(crate) fn bump_to_explicit(
    current: &Version,
    new: &str,
    allow_downgrade: bool,
) -> Result<Version, BumpError> {
    let next = parse(new)?;
    if next.is_local() {
        return Err(BumpError::ExplicitLocal {
            new: next.to_string(),
        });
    }
    if next <= *current && !allow_downgrade {
        return Err(BumpError::NotGreater {
            current: current.to_string(),
            new: next.to_string(),
        });
    }
    Ok(next)
}

#[cfg(test)]
mod tests {
    use super::*;
    use BumpPart::*;

    fn v(s: &str) -> Version {
        parse(s).unwrap_or_else(|e| panic!("{e}"))
    }

    fn b(cur: &str, parts: &[BumpPart]) -> Result<String, BumpError> {
        bump(&v(cur), parts).map(|x| x.to_string())
    }

    #[test]
    fn release_parts() {
        assert_eq!(b("1.2.3", &[Patch]).unwrap(), "1.2.4");
        assert_eq!(b("1.2.3", &[Minor]).unwrap(), "1.3.0");
        assert_eq!(b("1.2.3", &[Major]).unwrap(), "2.0.0");
        assert_eq!(b("1.2", &[Patch]).unwrap(), "1.2.1");
        assert_eq!(b("1.2", &[Major]).unwrap(), "2.0");
        assert_eq!(b("1", &[Patch]).unwrap(), "1.0.1");
        assert_eq!(b("1.2.3.4", &[Minor]).unwrap(), "1.3.0.0");
        assert_eq!(b("1!1.2", &[Major]).unwrap(), "1!2.0");
        assert_eq!(b("1.2.3rc2", &[Patch]).unwrap(), "1.2.4");
    }

    #[test]
    fn combined_parts_are_order_independent() {
        assert_eq!(b("1.2.3", &[Patch, Beta]).unwrap(), "1.2.4b1");
        assert_eq!(b("1.2.3", &[Beta, Patch]).unwrap(), "1.2.4b1");
        assert_eq!(b("1.2.3", &[Dev, Minor]).unwrap(), "1.3.0.dev1");
    }

    #[test]
    fn prerelease_counters() {
        assert_eq!(b("1.2.3a1", &[Alpha]).unwrap(), "1.2.3a2");
        assert_eq!(b("1.2.3a1", &[Beta]).unwrap(), "1.2.3b1");
        assert_eq!(b("1.2.3b1.dev2", &[Beta]).unwrap(), "1.2.3b2");
        assert_eq!(b("1.2.3b1.dev2", &[Dev]).unwrap(), "1.2.3b1.dev3");
        assert_eq!(b("1.2.3a1", &[Stable]).unwrap(), "1.2.3");
        assert_eq!(b("1.2.3.post1", &[Post]).unwrap(), "1.2.3.post2");
        assert_eq!(b("1.2.3", &[Post]).unwrap(), "1.2.3.post1");
    }

    #[test]
    fn refusals_like_uv() {
        let e = b("1.2.3", &[Alpha]).unwrap_err();
        assert!(
            e.to_string()
                .starts_with("1.2.3 => 1.2.3a1 didn't increase the version"),
            "{e}"
        );
        assert!(e.to_string().contains("--bump <major|minor|patch>"));
        assert!(b("1.2.3", &[Dev])
            .unwrap_err()
            .to_string()
            .contains("dev version"));
        assert!(b("1.2.3", &[Stable])
            .unwrap_err()
            .to_string()
            .contains("exact version"));
        assert!(b("1.2.3rc1", &[Alpha]).is_err());
        for parts in [
            &[Major, Major][..],
            &[Major, Minor],
            &[Beta, Dev],
            &[Alpha, Alpha],
            &[Post, Dev],
            &[Stable, Patch],
            &[],
        ] {
            assert!(b("1.2.3", parts).is_err(), "{parts:?}");
        }
        assert_eq!(b("1.2.3+local.1", &[Minor]).unwrap(), "1.3.0+local.1");
    }

    #[test]
    fn parts_parse_case_insensitively() {
        assert_eq!("PATCH".parse::<BumpPart>().unwrap(), Patch);
        assert_eq!(" rc ".parse::<BumpPart>().unwrap(), Rc);
        let e = "prerelease".parse::<BumpPart>().unwrap_err();
        assert!(e.hint().unwrap().contains("--pre"), "{e:?}");
        assert!("pre".parse::<BumpPart>().is_err());
    }

    #[test]
    fn guide_spellings() {
        assert_eq!(
            parse_bump_spec("minor, Beta", None).unwrap(),
            BumpSpec::Parts(vec![Minor, Beta])
        );
        let pre = parse_bump_spec("prerelease", Some("alpha")).unwrap();
        assert_eq!(pre, BumpSpec::NextPrerelease(PreKind::Alpha));
        assert_eq!(pre.apply(&v("1.2.3")).unwrap().to_string(), "1.2.4a1");
        assert_eq!(pre.apply(&v("1.2.3.post2")).unwrap().to_string(), "1.2.4a1");
        assert_eq!(pre.apply(&v("1.2.4a1")).unwrap().to_string(), "1.2.4a2");
        assert_eq!(pre.apply(&v("1.2.4.dev3")).unwrap().to_string(), "1.2.4a1");
        assert!(pre.apply(&v("1.2.4rc1")).is_err());
        let beta = parse_bump_spec("prerelease", Some("b")).unwrap();
        assert_eq!(beta.apply(&v("1.2.4a2")).unwrap().to_string(), "1.2.4b1");
        assert!(parse_bump_spec("prerelease", None).is_err());
        assert!(parse_bump_spec("prerelease", Some("gamma")).is_err());
        assert!(parse_bump_spec("patch,prerelease", Some("alpha")).is_err());
        assert!(parse_bump_spec("patch", Some("alpha")).is_err());
        assert!(parse_bump_spec(" , ", None).is_err());
        assert!(parse_bump_spec("patch,huge", None).is_err());
    }

    #[test]
    fn explicit_versions() {
        let cur = v("1.2.3");
        assert_eq!(
            bump_to_explicit(&cur, "v2.0-rc1", false)
                .unwrap()
                .to_string(),
            "2.0rc1"
        );
        assert!(matches!(
            bump_to_explicit(&cur, "1.2.3", false),
            Err(BumpError::NotGreater { .. })
        ));
        assert!(bump_to_explicit(&cur, "1.0", false).is_err());
        assert_eq!(
            bump_to_explicit(&cur, "1.0", true).unwrap().to_string(),
            "1.0"
        );
        assert!(matches!(
            bump_to_explicit(&cur, "2.0+abc", false),
            Err(BumpError::ExplicitLocal { .. })
        ));
        let e = bump_to_explicit(&cur, "two", false).unwrap_err();
        assert!(e.to_string().contains("`two`"), "{e}");
    }
}
