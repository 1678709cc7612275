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
    // `text[..copied]` is in `out`.
    let (mut copied, mut from) = (0, 0);
    // Every prefix starts with `g` or `p`: only those bytes are looked at (a dry run's
    // diff of thousands of files passes through here).
    while let Some(i) = memchr::memchr2(b'g', b'p', &text.as_bytes()[from..]).map(|i| from + i) {
        from = i + 1;
        let rest = &text[i..];
        let Some(len) = TOKEN_PREFIXES.iter().find_map(|prefix| {
            let tail = rest.strip_prefix(prefix)?;
            let tail_len = tail.find(|c| !is_token_char(c)).unwrap_or(tail.len());
            (tail_len >= MIN_TOKEN_TAIL).then_some(prefix.len() + tail_len)
        }) else {
            continue;
        };
        // A prefix glued to a preceding word (`xghp_...`) is not a token start. (A mask
        // ends at a character that is not a token's, so what precedes is the text's.)
        if text[..i].chars().next_back().is_some_and(is_token_char) {
            continue;
        }
        out.push_str(&text[copied..i]);
        out.push_str("***");
        copied = i + len;
        from = copied;
    }
    out.push_str(&text[copied..]);
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

    /// The first implementation, character by character: the oracle for the one that
    /// jumps between `g` and `p` bytes.
    fn mask_slowly(text: &str) -> String {
        let mut out = String::with_capacity(text.len());
        let mut rest = text;
        'outer: while !rest.is_empty() {
            for prefix in TOKEN_PREFIXES {
                if let Some(tail) = rest.strip_prefix(prefix) {
                    let tail_len = tail.find(|c| !is_token_char(c)).unwrap_or(tail.len());
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

    #[test]
    fn masking_agrees_with_the_character_by_character_oracle() {
        let pieces = [
            "ghp_",
            "gho_",
            "github_pat_",
            "pypi-",
            "pypi-AgE",
            "x",
            "g",
            "p",
            "_",
            "-",
            " ",
            "\n",
            "é",
            "✓",
            "ABCDEFGHIJKLMNOP",
            "0123456789",
            "ghs",
            "pyp",
            "*",
        ];
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut masked = 0;
        for _ in 0..20_000 {
            let mut text = String::new();
            for _ in 0..(seed % 12) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                text.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let slow = mask_slowly(&text);
            masked += usize::from(slow.contains("***") && !text.contains('*'));
            assert_eq!(mask_token_shapes(&text), slow, "{text:?}");
        }
        // The texts exercise masking, not only copying.
        assert!(masked > 500, "{masked}");
    }
}
