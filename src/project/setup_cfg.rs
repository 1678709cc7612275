//! Reading `setup.cfg` (configparser's INI dialect) with the line and byte span of
//! every value, so versions and requirements can be edited in place later.

use std::ops::Range;

/// One value line: the first line after `key =`, or a continuation line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    pub(crate) text: String,
    pub(crate) line: usize,
    pub(crate) span: Range<usize>,
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    /// Lowercased, `-` turned into `_` (setuptools accepts both spellings).
    pub(crate) key: String,
    /// The key as written (extra names in `[options.extras_require]` keep their spelling).
    pub(crate) raw_key: String,
    /// Non-empty, trimmed value lines, without comment lines.
    pub(crate) parts: Vec<Part>,
}

#[derive(Debug, Clone)]
pub(crate) struct Section {
    pub(crate) name: String,
    pub(crate) entries: Vec<Entry>,
}

#[derive(Debug, Clone, Default)]
pub(crate) struct SetupCfg {
    pub(crate) sections: Vec<Section>,
}

impl SetupCfg {
    pub(crate) fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    pub(crate) fn get(&self, section: &str, key: &str) -> Option<&Entry> {
        self.section(section)?.entries.iter().find(|e| e.key == key)
    }
}

/// Parses leniently: configparser would refuse some oddities (a value line before any
/// section), which are skipped here since they cannot hold anything pyrel reads.
pub(crate) fn parse(text: &str) -> SetupCfg {
    let mut cfg = SetupCfg::default();
    let mut offset = 0;
    for (idx, raw_line) in text.split_inclusive('\n').enumerate() {
        let line_no = idx + 1;
        let start = offset;
        offset += raw_line.len();
        let line = raw_line.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        let indented = line.starts_with([' ', '\t']);
        let lead = line.len() - line.trim_start().len();
        let trimmed_span = start + lead..start + lead + trimmed.len();
        if !indented && trimmed.starts_with('[') && trimmed.ends_with(']') {
            cfg.sections.push(Section {
                name: trimmed[1..trimmed.len() - 1].trim().to_string(),
                entries: Vec::new(),
            });
            continue;
        }
        let Some(section) = cfg.sections.last_mut() else {
            continue;
        };
        if indented {
            if let Some(entry) = section.entries.last_mut() {
                entry.parts.push(Part {
                    text: trimmed.to_string(),
                    line: line_no,
                    span: trimmed_span,
                });
            }
            continue;
        }
        let Some(sep) = line.find(['=', ':']) else {
            continue;
        };
        let raw_key = line[..sep].trim().to_string();
        let key = raw_key.to_ascii_lowercase().replace('-', "_");
        let value = &line[sep + 1..];
        let vlead = value.len() - value.trim_start().len();
        let vtrim = value.trim();
        let mut parts = Vec::new();
        if !vtrim.is_empty() {
            let s = start + sep + 1 + vlead;
            parts.push(Part {
                text: vtrim.to_string(),
                line: line_no,
                span: s..s + vtrim.len(),
            });
        }
        section.entries.push(Entry {
            key,
            raw_key,
            parts,
        });
    }
    cfg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_have_exact_spans() {
        let t = "[metadata]\nname = gamma\nversion=0.9.0\n\n[options]\ninstall-requires =\n    alpha==0.9.0\n    # a comment\n    beta>=0.9\n[options.extras_require]\ntest = pytest\n";
        let c = parse(t);
        let n = &c.get("metadata", "name").unwrap().parts[0];
        assert_eq!((&t[n.span.clone()], n.line), ("gamma", 2));
        let v = &c.get("metadata", "version").unwrap().parts[0];
        assert_eq!((&t[v.span.clone()], v.line), ("0.9.0", 3));
        let r = &c.get("options", "install_requires").unwrap().parts;
        let got: Vec<(&str, usize)> = r.iter().map(|p| (&t[p.span.clone()], p.line)).collect();
        assert_eq!(got, [("alpha==0.9.0", 7), ("beta>=0.9", 9)]);
        assert_eq!(
            c.get("options.extras_require", "test").unwrap().parts[0].text,
            "pytest"
        );
    }

    #[test]
    fn crlf_and_colon_separator() {
        let t = "[metadata]\r\nversion: attr: pkg.__version__\r\n";
        let c = parse(t);
        let v = &c.get("metadata", "version").unwrap().parts[0];
        assert_eq!(&t[v.span.clone()], "attr: pkg.__version__");
    }
}
