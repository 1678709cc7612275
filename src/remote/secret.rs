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
/// (e.g. a misconfigured proxy reflecting headers), so these are masked too. A PyPI
/// token is `pypi-` and a macaroon whose serialization always begins `AgE` (version 2,
/// then the location's short length): requiring it keeps package names such as
/// `pypi-simple-index-client` readable in everything pyrel prints.
const TOKEN_PREFIXES: &[&str] = &[
    "github_pat_",
    "ghp_",
    "gho_",
    "ghu_",
    "ghs_",
    "ghr_",
    "pypi-AgE",
];

/// Shortest run after a prefix that is treated as a token: keeps ordinary words such
/// as `pypi-publish` readable.
const MIN_TOKEN_TAIL: usize = 16;

/// Replaces every occurrence of the given secrets, and anything shaped like a GitHub
/// or PyPI token, by `***`. A secret is found in any spelling a server or a URL may
/// give it: raw, percent-encoded byte by byte (either case, whole or in part, as in a
/// query string `?t=…`) or form-encoded (`+` for a space). Applied to every
/// server-provided text where it enters ([`server_text`]) and to everything printed
/// (`commands::output`), the rules of docs/security.md.
pub(crate) fn redact(text: &str, secrets: &[&Secret]) -> String {
    let mut out = text.to_owned();
    for secret in secrets {
        if !secret.is_empty() {
            out = mask_secret(&out, secret.expose().as_bytes());
        }
    }
    mask_token_shapes(&out)
}

/// The end of a spelling of `secret` that starts at `at`, if one does.
fn secret_at(text: &[u8], at: usize, secret: &[u8]) -> Option<usize> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut j = at;
    for &want in secret {
        match text.get(j)? {
            &b if b == want => j += 1,
            b'%' => {
                let (hi, lo) = (hex(*text.get(j + 1)?)?, hex(*text.get(j + 2)?)?);
                if hi * 16 + lo != u32::from(want) {
                    return None;
                }
                j += 3;
            }
            b'+' if want == b' ' => j += 1,
            _ => return None,
        }
    }
    Some(j)
}

fn mask_secret(text: &str, secret: &[u8]) -> String {
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let (mut copied, mut from) = (0, 0);
    // A spelling starts with the secret's first byte, or with `%` (or `+`).
    let alt = if secret[0] == b' ' { b'+' } else { b'%' };
    while let Some(i) = memchr::memchr3(secret[0], b'%', alt, &bytes[from..]).map(|i| from + i) {
        from = i + 1;
        let Some(end) = secret_at(bytes, i, secret) else {
            continue;
        };
        if !text.is_char_boundary(i) || !text.is_char_boundary(end) {
            continue;
        }
        out.push_str(&text[copied..i]);
        out.push_str("***");
        copied = end;
        from = end;
    }
    out.push_str(&text[copied..]);
    out
}

/// Text from a server (a field of an answer, an error message, a header) as pyrel keeps
/// it: redacted, then every character that could steer a terminal or a CI log written
/// `\uXXXX`: control characters (line breaks, tabs and escape sequences included, so a
/// server can neither colour nor start a line of its own), and the bidi and invisible
/// characters that make text read as something else. What is left is one line of
/// printable text, safe inside any pyrel line.
pub(crate) fn server_text(text: &str, secrets: &[&Secret]) -> String {
    let text = redact(text, secrets);
    if !text.chars().any(steers_output) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if steers_output(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Characters [`server_text`] writes escaped.
fn steers_output(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Every string of a JSON answer (object keys included) through [`server_text`].
pub(crate) fn clean_json(value: &mut serde_json::Value, secrets: &[&Secret]) {
    use serde_json::Value;
    match value {
        Value::String(s) => {
            let clean = server_text(s, secrets);
            if clean != *s {
                *s = clean;
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|v| clean_json(v, secrets)),
        Value::Object(map) => {
            let dirty: Vec<String> = map
                .keys()
                .filter(|k| server_text(k, secrets) != **k)
                .cloned()
                .collect();
            for key in dirty {
                if let Some(v) = map.remove(&key) {
                    map.insert(server_text(&key, secrets), v);
                }
            }
            map.values_mut().for_each(|v| clean_json(v, secrets));
        }
        _ => {}
    }
}

/// Tokens this run holds, for the redaction of everything printed: the one of
/// `GH_TOKEN` / `GITHUB_TOKEN`, and any other a client was made with (`gh auth token`).
static KNOWN: std::sync::Mutex<Vec<Secret>> = std::sync::Mutex::new(Vec::new());

/// Remembers a token so that no output of this run can print it.
pub(crate) fn remember(secret: &Secret) {
    if secret.is_empty() {
        return;
    }
    let mut known = KNOWN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !known.contains(secret) {
        known.push(secret.clone());
    }
}

/// [`redact`] with every token this run holds (see [`remember`]) and the ones of the
/// environment: the last step of everything pyrel prints.
pub(crate) fn redact_known(text: &str) -> String {
    static FROM_ENV: std::sync::OnceLock<Option<Secret>> = std::sync::OnceLock::new();
    let env = FROM_ENV.get_or_init(super::token_from_env_only);
    let known = KNOWN
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let secrets: Vec<&Secret> = env.iter().chain(known.iter()).collect();
    redact(text, &secrets)
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
        assert_eq!(
            redact("pypi-simple-index-client-tools 1.0", &[]),
            "pypi-simple-index-client-tools 1.0"
        );
        assert_eq!(redact("naïve ✓ text", &[]), "naïve ✓ text");
    }

    #[test]
    fn a_secret_is_masked_in_every_spelling() {
        let s = Secret::new("fake token/+x");
        for spelling in [
            "fake token/+x",
            "fake%20token%2F%2Bx",
            "fake+token%2f%2bx",
            "%66%61%6B%65%20%74%6F%6B%65%6E%2F%2B%78",
            "%66%61%6b%65+%74%6f%6b%65%6e%2f%2b%78",
        ] {
            assert_eq!(
                redact(&format!("https://x/runs/77?t={spelling}&u=1"), &[&s]),
                "https://x/runs/77?t=***&u=1",
                "{spelling}"
            );
        }
        // A lone `%`, a broken escape or a near miss stay as they are.
        for text in ["100%", "%zz fake", "fake token/+", "%66ake tokeN/+x"] {
            assert_eq!(redact(text, &[&s]), text);
        }
        assert_eq!(redact("é fake token/+x é", &[&s]), "é *** é");
    }

    #[test]
    fn server_text_is_one_line_of_inert_text() {
        assert_eq!(
            server_text("ok\n\u{1b}[32mreleased\u{1b}[0m\r\t\u{202e}", &[]),
            "ok\\u000a\\u001b[32mreleased\\u001b[0m\\u000d\\u0009\\u202e"
        );
        assert_eq!(server_text("naïve ✓ text", &[]), "naïve ✓ text");
        let mut v =
            serde_json::json!({"a\nb": ["x\u{7}", 1, {"c": "ghp_FAKE0000000000000000000000"}]});
        clean_json(&mut v, &[]);
        assert_eq!(
            v,
            serde_json::json!({"a\\u000ab": ["x\\u0007", 1, {"c": "***"}]})
        );
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
