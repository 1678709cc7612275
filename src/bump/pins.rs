//! Sibling pins: how a requirement on a package of this repo follows that package's bump.
//!
//! Only the version token of a clause changes, so the rest of the requirement (extras,
//! markers, spacing, other clauses) stays byte for byte. The rendered bump script carries a
//! line-for-line port of [`rewrite_requirement`]: keep the two in step.

use std::str::FromStr;

use crate::version::{self, Version};

/// What [`rewrite_requirement`] did to one requirement string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PinRewrite {
    /// The requirement with every `==old`, `>=old` and `~=old` clause moved to the new version.
    pub(crate) text: String,
    /// Whether the new version is outside the (rewritten) specifier: a pin the bump breaks.
    pub(crate) broken: bool,
}

const OPERATORS: [&str; 8] = ["===", "~=", "==", "!=", "<=", ">=", "<", ">"];

/// Byte range of the version-specifier part of a PEP 508 requirement (after the name and the
/// extras, before a `;` marker), or `None` for a URL requirement (`name @ url`).
fn specifier_range(req: &str) -> Option<std::ops::Range<usize>> {
    let b = req.as_bytes();
    let mut i = 0;
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    while i < b.len() && (b[i].is_ascii_alphanumeric() || matches!(b[i], b'.' | b'_' | b'-')) {
        i += 1;
    }
    while i < b.len() && b[i].is_ascii_whitespace() {
        i += 1;
    }
    if i < b.len() && b[i] == b'[' {
        i = req[i..].find(']').map_or(b.len(), |j| i + j + 1);
    }
    let start = i;
    let end = req[start..].find(';').map_or(req.len(), |j| start + j);
    if req[start..end].trim_start().starts_with('@') {
        return None;
    }
    Some(start..end)
}

/// Moves the pins of `req` (a requirement on the package being bumped) from `old` to `new`:
/// `==old` becomes `==new`, a `>=old` or `~=old` floor moves to `new`, every other clause
/// is kept as written. `new_text` is the version as it will be written in the sources.
pub(crate) fn rewrite_requirement(
    req: &str,
    old: &Version,
    new: &Version,
    new_text: &str,
) -> PinRewrite {
    let Some(range) = specifier_range(req) else {
        return PinRewrite {
            text: req.to_owned(),
            broken: false,
        };
    };
    let mut out = String::with_capacity(req.len() + 8);
    out.push_str(&req[..range.start]);
    let spec = &req[range.clone()];
    let mut clauses = Vec::new();
    for (n, clause) in spec.split(',').enumerate() {
        if n > 0 {
            out.push(',');
        }
        let lead = clause.len() - clause.trim_start_matches([' ', '\t', '(']).len();
        let body = &clause[lead..];
        let op = OPERATORS.iter().find(|op| body.starts_with(**op));
        let Some(op) = op else {
            out.push_str(clause);
            continue;
        };
        let after_op = &body[op.len()..];
        let ws = after_op.len() - after_op.trim_start().len();
        let token_and_tail = &after_op[ws..];
        let token_len = token_and_tail
            .find(|c: char| c.is_whitespace() || c == ')')
            .unwrap_or(token_and_tail.len());
        let token = &token_and_tail[..token_len];
        let moves = matches!(*op, "==" | ">=" | "~=")
            && !token.contains('*')
            && version::parse(token).is_ok_and(|v| v == *old);
        let written = if moves { new_text } else { token };
        out.push_str(&clause[..lead]);
        out.push_str(op);
        out.push_str(&after_op[..ws]);
        out.push_str(written);
        out.push_str(&token_and_tail[token_len..]);
        clauses.push(format!("{op}{written}"));
    }
    out.push_str(&req[range.end..]);
    let broken = !clauses.is_empty()
        && pep440_rs::VersionSpecifiers::from_str(&clauses.join(","))
            .is_ok_and(|s| !s.contains(new.as_pep440()));
    PinRewrite { text: out, broken }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rw(req: &str, old: &str, new: &str) -> (String, bool) {
        let o = version::parse(old).unwrap();
        let n = version::parse(new).unwrap();
        let r = rewrite_requirement(req, &o, &n, new);
        (r.text, r.broken)
    }

    #[test]
    fn exact_and_floor_pins_move() {
        assert_eq!(
            rw("core==2.0.0", "2.0.0", "2.0.1"),
            ("core==2.0.1".into(), false)
        );
        assert_eq!(
            rw("core >= 2.0.0", "2.0.0", "2.1.0"),
            ("core >= 2.1.0".into(), false)
        );
        assert_eq!(
            rw("core~=2.0", "2.0.0", "2.1.0"),
            ("core~=2.1.0".into(), false)
        );
        assert_eq!(
            rw("alpha>=0.9.0,<1", "0.9.0", "0.9.1"),
            ("alpha>=0.9.1,<1".into(), false)
        );
        assert_eq!(
            rw("core[x] (==1.0) ; python_version >= \"3.9\"", "1.0", "1.1"),
            ("core[x] (==1.1) ; python_version >= \"3.9\"".into(), false)
        );
    }

    #[test]
    fn other_constraints_are_kept_or_reported() {
        assert_eq!(rw("core", "1.0", "1.1"), ("core".into(), false));
        assert_eq!(
            rw("core>=0.5,<2", "1.0", "1.1"),
            ("core>=0.5,<2".into(), false)
        );
        assert_eq!(
            rw("alpha>=0.9.0,<1", "0.9.0", "1.0.0"),
            ("alpha>=1.0.0,<1".into(), true)
        );
        assert_eq!(rw("core==1.9", "2.0", "2.1"), ("core==1.9".into(), true));
        assert!(!rw("core @ https://x/y.whl", "1.0", "1.1").1);
    }
}
