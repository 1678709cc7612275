//! Tokens as a type that cannot be printed by accident.

use std::fmt;

/// A credential (GitHub token). Display and Debug print `***`; the only way to the
/// value is [`Secret::expose`], which is called where the header is built and nowhere
/// else, so a `{:?}` of any struct holding a token stays safe.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The raw value, for the `Authorization` header and for [`redact`].
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("***")
    }
}

/// Prefixes of GitHub and PyPI credentials. A server may echo a token we never held
/// (e.g. a misconfigured proxy reflecting headers), so these are masked too.
const TOKEN_PREFIXES: &[&str] = &[
    "github_pat_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "pypi-",
];

/// Shortest run after a prefix that is treated as a token: keeps ordinary words such
/// as `pypi-publish` readable.
const MIN_TOKEN_TAIL: usize = 16;

/// Replaces every occurrence of the given secrets, and anything shaped like a GitHub
/// or PyPI token, by `***`. Applied to every server-provided text before it can reach
/// a message.
pub(crate) fn redact(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if !secret.is_empty() {
            out = out.replace(secret.expose(), "***");
        }
    }
    mask_token_shapes(&out)
}

fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-'
}

fn mask_token_shapes(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    'outer: while !rest.is_empty() {
        for prefix in TOKEN_PREFIXES {
            if rest.starts_with(prefix) {
                let tail = &rest[prefix.len()..];
                let tail_len = tail.find(|c| !is_token_char(c)).unwrap_or(tail.len());
                // A prefix glued to a preceding word (`xghp_...`) is not a token start.
                let glued = out.chars().next_back().is_some_and(is_token_char);
                if tail_len >= MIN_TOKEN_TAIL && !glued {
                    out.push_str("***");
                    rest = &tail[tail_len..];
                    continue 'outer;
                }
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const FAKE: &str = "ghp_FAKE0000000000000000000000000000000000";

    #[test]
    fn display_and_debug_hide_the_value() {
        let s = Secret::new(FAKE);
        assert_eq!(s.to_string(), "***");
        assert_eq!(format!("{s:?}"), "***");
        assert_eq!(format!("{:?}", Some(&s)), "Some(***)");
        assert_eq!(s.expose(), FAKE);
    }

    #[test]
    fn redact_masks_given_secrets_anywhere() {
        let s = Secret::new("s3cr3t-value");
        assert_eq!(
            redact("token s3cr3t-value and again s3cr3t-value.", &[&s]),
            "token *** and again ***."
        );
        assert_eq!(redact("nothing here", &[&Secret::new("")]), "nothing here");
    }

    #[test]
    fn redact_masks_token_shapes_it_was_not_given() {
        let text = format!("Bad credentials: {FAKE}, also pypi-AgEIcHlwaS5vcmcCJGFiY2RlZg end");
        assert_eq!(redact(&text, &[]), "Bad credentials: ***, also *** end");
        // Ordinary words with the same prefixes are left alone.
        assert_eq!(
            redact("uses pypa/gh-action-pypi-publish and ghp_short", &[]),
            "uses pypa/gh-action-pypi-publish and ghp_short"
        );
        assert_eq!(redact("naïve ✓ text", &[]), "naïve ✓ text");
    }
}
