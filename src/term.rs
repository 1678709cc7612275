//! Everything pyrel prints goes through here, at the bottom of the house so that every
//! layer can print without reaching up: the `outln!`/`out!`/`errln!`/`step!` macros that
//! never panic on a closed pipe or a full disk, the one redaction and terminal escaping
//! of every line (docs/security.md), the capture of stdout for `--format json`, and how
//! much the human output says (`--quiet`, normal, `--verbose`) with the progress line.
//!
//! `println!` panics when stdout is gone (`pyrel doctor | head -1`, `> /dev/full`).
//! Every verb writes through these macros instead: the first stdout error is
//! remembered, later output is dropped, and `main` turns it into a quiet end (closed
//! pipe) or a one-line error (anything else) with the right exit code.

use std::fmt::Write as _;
use std::io::Write;
use std::sync::atomic::{AtomicU8, Ordering};
use std::sync::Mutex;

/// The first error writing stdout, if any.
static STDOUT_FAILURE: Mutex<Option<std::io::Error>> = Mutex::new(None);

/// Text as it may reach a terminal or a CI log: values from a repository (a version, a
/// name, a file name, a file's lines in a diff) can hold escape sequences that retitle the
/// window, move the cursor over a warning or write the clipboard, and bidi or invisible
/// characters that show text other than what is there. Each such character is written
/// `\uXXXX`, which reads plainly on a terminal and is the same character inside a JSON
/// string (the json and sarif outputs stay valid). Kept: line feeds, tabs, a carriage
/// return before a line feed (CRLF files in diffs), and colour sequences (`ESC [ digits
/// m`), which are pyrel's own styling.
///
/// The same text is read by the GitHub Actions runner when pyrel runs in a workflow or a
/// pre-commit hook there: a line that starts with `::` after leading white space is a
/// workflow command (`::stop-commands::`, `::add-mask::` …), and `##[` anywhere in a line
/// is one in the runner's older syntax. A file named `x\n::stop-commands::t` would thus
/// turn off the annotations of the rest of the job. So the first `:` of such a line start
/// is written `\u003a` and the `[` of `##[` is written `\u005b`; every chunk of text is
/// taken to start a line. Only `pyrel doctor --format github` writes commands, through
/// [`workflow_commands_safe`].
pub fn terminal_safe(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s, false)
}

/// Like [`terminal_safe`] for the output of `--format github`, whose lines are workflow
/// commands on purpose (its renderer percent-encodes every value inside them, so no
/// value starts a line of its own): line starts are left as they are.
pub(crate) fn workflow_commands_safe(s: &str) -> std::borrow::Cow<'_, str> {
    escape(s, true)
}

/// Whether the runner would read a workflow command at the start of `line` (its
/// `TrimStart`, .NET's white space, then `::`).
fn starts_command(line: &str) -> bool {
    line.trim_start_matches(char::is_whitespace)
        .starts_with("::")
}

fn escape(s: &str, commands: bool) -> std::borrow::Cow<'_, str> {
    let unsafe_char = |c: char| {
        (c.is_control() && !matches!(c, '\n' | '\t' | '\r' | '\u{1b}'))
            || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}' | '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    let needs = s
        .chars()
        .any(|c| unsafe_char(c) || matches!(c, '\r' | '\u{1b}'))
        || s.contains("##[")
        || (!commands && s.split('\n').any(starts_command));
    if !needs {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    let mut rest = s;
    // Whether `rest` starts a line (or only white space of it has been written).
    let mut line_start = true;
    while let Some(c) = rest.chars().next() {
        let len = c.len_utf8();
        if c == '\u{1b}' {
            // `ESC [` then digits and `;`, then `m`: a colour, kept whole.
            let body = &rest[1..];
            let sgr = body.strip_prefix('[').and_then(|b| {
                let n = b.find(|c: char| !(c.is_ascii_digit() || c == ';'))?;
                (b[n..].starts_with('m')).then_some(n + 3)
            });
            if let Some(n) = sgr {
                out.push_str(&rest[..n]);
                rest = &rest[n..];
                continue;
            }
        }
        let lone_cr = c == '\r' && !rest[len..].starts_with('\n');
        let command = (!commands && line_start && rest.starts_with("::"))
            || (c == '[' && out.ends_with("##"));
        let keep = !unsafe_char(c) && c != '\u{1b}' && !lone_cr && !command;
        if keep {
            out.push(c);
        } else {
            let _ = write!(out, "\\u{:04x}", u32::from(c));
        }
        line_start = c == '\n' || (line_start && keep && c.is_whitespace());
        rest = &rest[len..];
    }
    std::borrow::Cow::Owned(out)
}

/// While set, stdout is collected here instead of written (`--format json` of the verbs
/// whose steps print as they go: the JSON document then carries them as its log).
static CAPTURE: Mutex<Option<String>> = Mutex::new(None);

/// Collects stdout from now on, until [`capture_take`].
pub(crate) fn capture_start() {
    let mut c = CAPTURE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if c.is_none() {
        *c = Some(String::new());
    }
}

/// Whether stdout is being collected.
pub(crate) fn capturing() -> bool {
    CAPTURE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .is_some()
}

/// Ends the collection; the lines written meanwhile.
pub(crate) fn capture_take() -> Vec<String> {
    CAPTURE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .take()
        .map(|text| text.lines().map(str::to_owned).collect())
        .unwrap_or_default()
}

/// Writes to stdout; after the first failure everything is dropped. Every text is
/// redacted (the tokens of the run, any token shape) and made terminal-safe here: the
/// one exit of pyrel's output (docs/security.md).
pub(crate) fn write_out(args: std::fmt::Arguments<'_>) {
    {
        let mut c = CAPTURE
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(buffer) = c.as_mut() {
            // Collected lines reach the JSON document: redacted like every other output.
            let text = args
                .as_str()
                .map_or_else(|| args.to_string(), str::to_owned);
            buffer.push_str(&crate::remote::redact_known(&text));
            return;
        }
    }
    let mut failed = STDOUT_FAILURE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if failed.is_some() {
        return;
    }
    let text = args
        .as_str()
        .map_or_else(|| args.to_string(), str::to_owned);
    let text = crate::remote::redact_known(&text);
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(terminal_safe(&text).as_bytes()) {
        *failed = Some(e);
    }
}

/// Writes the workflow commands of `--format github` to stdout, like [`write_out`] but
/// with line starts kept (see [`workflow_commands_safe`]).
pub(crate) fn write_commands(text: &str) {
    let mut failed = STDOUT_FAILURE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if failed.is_some() {
        return;
    }
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(workflow_commands_safe(text).as_bytes()) {
        *failed = Some(e);
    }
}

/// Writes raw bytes to stdout, like [`write_out`].
pub(crate) fn write_bytes(bytes: &[u8]) {
    let mut failed = STDOUT_FAILURE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if failed.is_some() {
        return;
    }
    if let Err(e) = std::io::stdout().lock().write_all(bytes) {
        *failed = Some(e);
    }
}

/// Writes to stderr, ignoring failures (there is nowhere left to report them).
pub(crate) fn write_err(args: std::fmt::Arguments<'_>) {
    let text = args
        .as_str()
        .map_or_else(|| args.to_string(), str::to_owned);
    let text = crate::remote::redact_known(&text);
    let _ = std::io::stderr()
        .lock()
        .write_all(terminal_safe(&text).as_bytes());
}

/// Flushes stdout and returns the first error writing it, if any.
pub fn stdout_failure() -> Option<std::io::Error> {
    let mut failed = STDOUT_FAILURE
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if failed.is_none() {
        if let Err(e) = std::io::stdout().lock().flush() {
            *failed = Some(e);
        }
    }
    failed.take()
}

/// `println!` that never panics (see the module docs).
macro_rules! outln {
    () => { $crate::term::write_out(format_args!("\n")) };
    ($($arg:tt)*) => {{
        $crate::term::write_out(format_args!($($arg)*));
        $crate::term::write_out(format_args!("\n"));
    }};
}

/// A progress line of a long verb (`release`): dropped with `--quiet`, kept in the log
/// of `--format json`.
macro_rules! step {
    ($($arg:tt)*) => {{
        if !$crate::term::quiet() || $crate::term::capturing() {
            outln!($($arg)*);
        }
    }};
}

/// `print!` that never panics.
macro_rules! out {
    ($($arg:tt)*) => { $crate::term::write_out(format_args!($($arg)*)) };
}

/// `eprintln!` that never panics.
macro_rules! errln {
    () => { $crate::term::write_err(format_args!("\n")) };
    ($($arg:tt)*) => {{
        $crate::term::write_err(format_args!($($arg)*));
        $crate::term::write_err(format_args!("\n"));
    }};
}

/// How much the human output says: `--quiet`, normal, `--verbose`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

static VERBOSITY: AtomicU8 = AtomicU8::new(1);

/// Set once, from the global flags, before a command runs.
pub(crate) fn set_verbosity(v: Verbosity) {
    VERBOSITY.store(v as u8, Ordering::Relaxed);
}

pub(crate) fn verbosity() -> Verbosity {
    match VERBOSITY.load(Ordering::Relaxed) {
        0 => Verbosity::Quiet,
        1 => Verbosity::Normal,
        _ => Verbosity::Verbose,
    }
}

pub(crate) fn quiet() -> bool {
    verbosity() == Verbosity::Quiet
}

/// A `--verbose` line on stderr (stdout stays the report, for pipes).
pub(crate) fn verbose(message: impl std::fmt::Display) {
    if verbosity() == Verbosity::Verbose {
        errln!("pyrel: {message}");
    }
}

/// A progress line on stderr while something slow runs (the online checks), shown only
/// when stderr is a terminal and not `--quiet`; cleared when dropped.
pub(crate) struct Progress {
    term: Option<console::Term>,
}

impl Progress {
    pub(crate) fn start(message: &str) -> Progress {
        let term = console::Term::stderr();
        if quiet() || !term.is_term() {
            return Progress { term: None };
        }
        let _ = term.write_str(&format!("{message}…"));
        Progress { term: Some(term) }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(t) = &self.term {
            let _ = t.clear_line();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::terminal_safe;

    #[test]
    fn terminal_safe_escapes_all_but_line_ends_tabs_and_colours() {
        for (raw, shown) in [
            ("plain ✓ text\n\tindented", "plain ✓ text\n\tindented"),
            ("crlf\r\nline", "crlf\r\nline"),
            ("\u{1b}[31mred\u{1b}[0m", "\u{1b}[31mred\u{1b}[0m"),
            ("over\rwrite", "over\\u000dwrite"),
            ("\u{1b}]0;title\u{7}", "\\u001b]0;title\\u0007"),
            ("\u{1b}[2J\u{1b}[1A", "\\u001b[2J\\u001b[1A"),
            ("csi\u{9b}2J", "csi\\u009b2J"),
            ("a\u{202e}b\u{2028}c\u{200b}", "a\\u202eb\\u2028c\\u200b"),
            ("\u{1b}", "\\u001b"),
        ] {
            assert_eq!(terminal_safe(raw), shown, "{raw:?}");
        }
        // In a JSON string the escape is the same character.
        let json = serde_json::to_string("a\u{202e}\u{85}b").unwrap();
        let back: String = serde_json::from_str(&terminal_safe(&json)).unwrap();
        assert_eq!(back, "a\u{202e}\u{85}b");
    }

    #[test]
    fn workflow_commands_at_line_starts_are_escaped_except_for_the_github_format() {
        use super::workflow_commands_safe;
        for (raw, shown) in [
            ("x\n::stop-commands::t\ny", "x\n\\u003a:stop-commands::t\ny"),
            ("::error::x", "\\u003a:error::x"),
            (
                "a\r\n \t\u{a0}\u{3000}::warning::x",
                "a\r\n \t\u{a0}\u{3000}\\u003a:warning::x",
            ),
            ("a ::b::c", "a ::b::c"),
            ("  hint: x::y", "  hint: x::y"),
            ("error: ##[add-mask]x", "error: ##\\u005badd-mask]x"),
            ("#[a] # [b]", "#[a] # [b]"),
        ] {
            assert_eq!(terminal_safe(raw), shown, "{raw:?}");
        }
        // A line start behind an escaped white space is no line start for the runner.
        assert_eq!(terminal_safe("\u{b}::x::y"), "\\u000b::x::y");
        assert_eq!(
            workflow_commands_safe("::error file=a::m%0A::x\n::notice::n"),
            "::error file=a::m%0A::x\n::notice::n"
        );
        assert_eq!(
            workflow_commands_safe("::error::\u{1b}]0;t\u{7}"),
            "::error::\\u001b]0;t\\u0007"
        );
        // In a JSON string the escape is the same character.
        let json = serde_json::to_string("##[x\n::y").unwrap();
        let back: String = serde_json::from_str(&terminal_safe(&json)).unwrap();
        assert_eq!(back, "##[x\n::y");
    }
}
