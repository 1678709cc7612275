//! Action pins a bot moved ahead of the policy (Dependabot, Renovate): a `uses:` line of
//! a managed workflow that names an action pyrel pins, at a full commit SHA, with a
//! version comment newer than the pin in effect. `generate` adopts such pins into the
//! policy's `action-pins`; doctor names them in PR001's hint. An older version, the same
//! version at another SHA, a short SHA or a tag stay hand edits: only a move forward with
//! both halves of a pin is what a bot does.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::pins::{parse_version, ActionPin, PINS};

/// One pin to adopt: where it was found and the version it replaces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Adoption {
    pub(crate) action: String,
    pub(crate) pin: ActionPin,
    /// The version in effect before (the policy's pin, else pyrel's).
    pub(crate) replaces: String,
    pub(crate) path: PathBuf,
    pub(crate) line: usize,
}

/// The pin in effect for an action: the policy's, else pyrel's.
fn in_effect<'a>(action: &str, overrides: &'a BTreeMap<String, ActionPin>) -> Option<&'a str> {
    overrides
        .get(action)
        .map(|p| p.version.as_str())
        .or_else(|| {
            PINS.iter()
                .find(|(a, _, _)| *a == action)
                .map(|(_, _, v)| *v)
        })
}

/// `- uses: owner/action@<sha> # vX.Y.Z` → (action, sha, version).
fn uses_line(line: &str) -> Option<(&str, &str, &str)> {
    let rest = line.trim_start().trim_start_matches("- ").trim_start();
    let rest = rest.strip_prefix("uses:")?.trim_start();
    let (reference, comment) = rest.split_once(" #")?;
    let (action, sha) = reference.trim().split_once('@')?;
    let version = comment.split_whitespace().next()?;
    Some((action, sha, version))
}

/// Every newer pin in these workflow texts, the highest per action.
pub(crate) fn newer_pins(
    files: &[(&Path, &str)],
    overrides: &BTreeMap<String, ActionPin>,
) -> Vec<Adoption> {
    let mut best: BTreeMap<String, Adoption> = BTreeMap::new();
    for (path, text) in files {
        for (n, line) in text.lines().enumerate() {
            let Some((action, sha, version)) = uses_line(line) else {
                continue;
            };
            let Some(current) = in_effect(action, overrides) else {
                continue; // not an action pyrel pins
            };
            let full_sha = sha.len() == 40
                && sha
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
            let (Some(theirs), Some(ours)) = (parse_version(version), parse_version(current))
            else {
                continue;
            };
            if !full_sha || theirs <= ours {
                continue;
            }
            let higher = best
                .get(action)
                .and_then(|b| parse_version(&b.pin.version))
                .is_none_or(|b| theirs > b);
            if higher {
                best.insert(
                    action.to_string(),
                    Adoption {
                        action: action.to_string(),
                        pin: ActionPin {
                            sha: sha.to_string(),
                            version: version.to_string(),
                        },
                        replaces: current.to_string(),
                        path: path.to_path_buf(),
                        line: n + 1,
                    },
                );
            }
        }
    }
    best.into_values().collect()
}

/// One line about an adopted pin: `actions/checkout v7.1.0 (was v7.0.1, from
/// .github/workflows/release.yml:128)`.
pub(crate) fn describe(a: &Adoption) -> String {
    format!(
        "{} {} (was {}, from {}:{})",
        a.action,
        a.pin.version,
        a.replaces,
        crate::workspace_fs::slash(&a.path),
        a.line
    )
}

/// The overrides with the adopted pins in them.
pub(crate) fn with_adopted(
    overrides: &BTreeMap<String, ActionPin>,
    adopted: &[Adoption],
) -> BTreeMap<String, ActionPin> {
    let mut out = overrides.clone();
    for a in adopted {
        out.insert(a.action.clone(), a.pin.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const CHECKOUT: &str = "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1";

    fn found(text: &str) -> Vec<(String, String)> {
        newer_pins(&[(Path::new("w.yml"), text)], &BTreeMap::new())
            .into_iter()
            .map(|a| (a.action, a.pin.version))
            .collect()
    }

    #[test]
    fn only_a_full_sha_with_a_newer_version_is_adopted() {
        let newer =
            "      - uses: actions/checkout@1111111111111111111111111111111111111111 # v7.1.0\n";
        assert_eq!(found(newer), [("actions/checkout".into(), "v7.1.0".into())]);
        for kept in [
            format!("      - uses: {CHECKOUT}\n"),
            // older, same version at another SHA, short SHA, tag, unknown action
            "      - uses: actions/checkout@2222222222222222222222222222222222222222 # v6.0.0\n"
                .into(),
            "      - uses: actions/checkout@2222222222222222222222222222222222222222 # v7.0.1\n"
                .into(),
            "      - uses: actions/checkout@2222222 # v7.1.0\n".into(),
            "      - uses: actions/checkout@v8 # v8.0.0\n".into(),
            "      - uses: actions/checkout@1111111111111111111111111111111111111111\n".into(),
            "      - uses: acme/other@1111111111111111111111111111111111111111 # v9.0.0\n".into(),
        ] {
            assert!(found(&kept).is_empty(), "{kept}");
        }
    }
}
