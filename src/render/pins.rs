//! Actions the rendered workflows use, pinned to full commit SHAs. Taken from
//! `shared/data/action-pins.toml`; a test checks them against that file when present.

use serde::Serialize;

/// `owner/repo@sha # vX.Y.Z`, ready for a `uses:` line.
#[derive(Debug, Clone, Serialize)]
pub struct Pins {
    pub checkout: &'static str,
    pub setup_python: &'static str,
    pub setup_uv: &'static str,
    pub upload_artifact: &'static str,
    pub download_artifact: &'static str,
    pub pypi_publish: &'static str,
}

pub const PINS: &[(&str, &str, &str)] = &[
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
        "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f",
        "v7.0.0",
    ),
    (
        "actions/download-artifact",
        "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
        "v8.0.1",
    ),
    (
        "pypa/gh-action-pypi-publish",
        "ba38be9e461d3875417946c167d0b5f3d385a247",
        "v1.14.1",
    ),
];

pub fn pins() -> Pins {
    Pins {
        checkout: "actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
        setup_python: "actions/setup-python@5fda3b95a4ea91299a34e894583c3862153e4b97 # v7.0.0",
        setup_uv: "astral-sh/setup-uv@20cfd1bf945f4377ade1205e4dbc17946fc9a30d # v10.0.1",
        upload_artifact:
            "actions/upload-artifact@bbbca2ddaa5d8feaa63e36b76fdaad77386f024f # v7.0.0",
        download_artifact:
            "actions/download-artifact@3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c # v8.0.1",
        pypi_publish:
            "pypa/gh-action-pypi-publish@ba38be9e461d3875417946c167d0b5f3d385a247 # v1.14.1",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pins_match_the_shared_data_and_the_uses_lines() {
        let p = pins();
        let lines = [
            p.checkout,
            p.setup_python,
            p.setup_uv,
            p.upload_artifact,
            p.download_artifact,
            p.pypi_publish,
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
                let entry = &doc["actions"][action];
                assert_eq!(entry["sha"].as_str(), Some(*sha), "{action}");
                assert_eq!(entry["tag"].as_str(), Some(*tag), "{action}");
            }
        }
    }
}
