//! Actions the rendered workflows use, pinned to full commit SHAs. Taken from
//! `shared/data/action-pins.toml`; a test checks them against that file when present.
//! The policy's `action-pins` replaces any of them (a newer SHA from Dependabot/Renovate).

use std::collections::BTreeMap;

use serde::Serialize;

/// `owner/repo@sha # vX.Y.Z`, ready for a `uses:` line.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct Pins {
    pub(crate) checkout: String,
    pub(crate) setup_python: String,
    pub(crate) setup_uv: String,
    pub(crate) upload_artifact: String,
    pub(crate) download_artifact: String,
    pub(crate) pypi_publish: String,
    pub(crate) cibuildwheel: String,
    pub(crate) maturin: String,
}

/// The uv release setup-uv installs in the workflows (pinned by version; setup-uv
/// checks the download against the checksums it ships).
pub const UV_VERSION: &str = "0.13.9";

/// (action, full SHA, version): pyrel's own pins.
pub(crate) const PINS: &[(&str, &str, &str)] = &[
    (
        "actions/checkout",
        "3d3c42e5aac5ba805825da76410c181273ba90b1",
        "v7.0.1",
    ),
    (
        "actions/setup-python",
        "5fda3b95a4ea91299a34e894583c3862153e4b97",
        "v7.0.0",
    ),
    (
        "astral-sh/setup-uv",
        "20cfd1bf945f4377ade1205e4dbc17946fc9a30d",
        "v10.0.1",
    ),
    (
        "actions/upload-artifact",
        "043fb46d1a93c77aae656e7c1c64a875d1fc6a0a",
        "v7.0.1",
    ),
    (
        "actions/download-artifact",
        "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
        "v8.0.1",
    ),
    (
        "pypa/gh-action-pypi-publish",
        "dc37677b2e1c63e2034f94d8a5b11f265b73ba33",
        "v1.14.2",
    ),
    // Not in shared/data/action-pins.toml. Read from public workflows of 2026 that pin
    // `pypa/cibuildwheel@294735312765b09d24a2fbec22660ce817587d55 # v4.1.0` (several
    // independent repositories' release workflows and their tests).
    (
        "pypa/cibuildwheel",
        "294735312765b09d24a2fbec22660ce817587d55",
        "v4.1.0",
    ),
    // Not in shared/data/action-pins.toml. The pin PyO3/maturin-action's own README shows:
    // `PyO3/maturin-action@86b9d133d34bc1b40018696f782949dac11bd380 # v1.49.4`.
    (
        "PyO3/maturin-action",
        "86b9d133d34bc1b40018696f782949dac11bd380",
        "v1.49.4",
    ),
];

/// The `uses:` value of one action: the policy's pin when it has one, else pyrel's.
pub(crate) fn uses(action: &str, overrides: &BTreeMap<String, ActionPin>) -> String {
    if let Some(p) = overrides.get(action) {
        return format!("{action}@{} # {}", p.sha, p.version);
    }
    PINS.iter()
        .find(|(a, _, _)| *a == action)
        .map(|(a, sha, tag)| format!("{a}@{sha} # {tag}"))
        .unwrap_or_default()
}

pub(crate) fn pins(overrides: &BTreeMap<String, ActionPin>) -> Pins {
    Pins {
        checkout: uses("actions/checkout", overrides),
        setup_python: uses("actions/setup-python", overrides),
        setup_uv: uses("astral-sh/setup-uv", overrides),
        upload_artifact: uses("actions/upload-artifact", overrides),
        download_artifact: uses("actions/download-artifact", overrides),
        pypi_publish: uses("pypa/gh-action-pypi-publish", overrides),
        cibuildwheel: uses("pypa/cibuildwheel", overrides),
        maturin: uses("PyO3/maturin-action", overrides),
    }
}

/// Policy pins older than the ones pyrel ships: (action, policy version, pyrel version).
pub(crate) fn older_than_shipped(
    overrides: &BTreeMap<String, ActionPin>,
) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for (action, pin) in overrides {
        let Some((_, _, ours)) = PINS.iter().find(|(a, _, _)| a == action) else {
            continue;
        };
        if let (Some(theirs_v), Some(ours_v)) = (parse_version(&pin.version), parse_version(ours)) {
            if theirs_v < ours_v {
                out.push((action.clone(), pin.version.clone(), ours.to_string()));
            }
        }
    }
    out
}

/// An action pin chosen by the user: the full commit SHA and the version it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct ActionPin {
    pub(crate) sha: String,
    pub(crate) version: String,
}

/// `v7.0.1` → (7, 0, 1); missing parts are 0.
pub(crate) fn parse_version(v: &str) -> Option<(u64, u64, u64)> {
    let rest = v.strip_prefix('v')?;
    let mut parts = rest.split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().unwrap_or(Some(0))?;
    let patch = parts.next().unwrap_or(Some(0))?;
    if parts.next().is_some() {
        return None;
    }
    Some((major, minor, patch))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_match_the_shared_data_and_the_uses_lines() {
        let p = pins(&BTreeMap::new());
        let lines = [
            p.checkout,
            p.setup_python,
            p.setup_uv,
            p.upload_artifact,
            p.download_artifact,
            p.pypi_publish,
            p.cibuildwheel,
            p.maturin,
        ];
        for ((action, sha, tag), line) in PINS.iter().zip(lines) {
            assert_eq!(line, format!("{action}@{sha} # {tag}"));
            assert_eq!(sha.len(), 40);
        }
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/data/action-pins.toml");
        if let Ok(text) = std::fs::read_to_string(shared) {
            let doc: toml_edit::DocumentMut = text.parse().unwrap();
            for (action, sha, tag) in PINS {
                if doc["actions"].get(action).is_none() {
                    continue; // pinned from public workflows, see the comments above
                }
                let entry = &doc["actions"][action];
                assert_eq!(entry["sha"].as_str(), Some(*sha), "{action}");
                assert_eq!(entry["tag"].as_str(), Some(*tag), "{action}");
            }
        }
    }

    #[test]
    fn a_policy_pin_replaces_pyrels_and_an_older_one_is_reported() {
        let mut o = BTreeMap::new();
        o.insert(
            "actions/checkout".to_string(),
            ActionPin {
                sha: "0123456789abcdef0123456789abcdef01234567".into(),
                version: "v6.0.0".into(),
            },
        );
        assert_eq!(
            pins(&o).checkout,
            "actions/checkout@0123456789abcdef0123456789abcdef01234567 # v6.0.0"
        );
        assert_eq!(
            older_than_shipped(&o),
            [("actions/checkout".into(), "v6.0.0".into(), "v7.0.1".into())]
        );
    }
}
