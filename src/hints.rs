//! Commands that hints and messages tell the user to run, as typed values: each is an
//! argument list that a test parses with the real CLI definition, so a hint can never name a
//! flag or verb that does not exist (five hints once named a `--to` flag that bump never had).
//!
//! Literal hints elsewhere in `src/` are checked by the same test: every backticked
//! `` `pyrel ...` `` in the source must parse.

use std::fmt;

/// A pyrel command line, for a hint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hint {
    args: Vec<String>,
}

impl Hint {
    fn of(args: &[&str]) -> Hint {
        Hint {
            args: args.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    /// `pyrel bump TARGET`: TARGET is a part list, an explicit version or `release`.
    pub(crate) fn bump(target: &str) -> Hint {
        Hint::of(&["bump", target])
    }

    /// The argument list after `pyrel`.
    #[cfg(test)]
    pub(crate) fn args(&self) -> &[String] {
        &self.args
    }
}

impl fmt::Display for Hint {
    /// `pyrel ARGS`, each argument shell-quoted when it needs it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("pyrel")?;
        for a in &self.args {
            let plain = !a.is_empty()
                && a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.,=/+:@".contains(&b));
            if plain {
                write!(f, " {a}")?;
            } else {
                write!(f, " '{}'", a.replace('\'', "'\\''"))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    fn parses(args: &[String]) -> Result<(), String> {
        let argv = std::iter::once("pyrel".to_string()).chain(args.iter().cloned());
        match crate::cli::Cli::try_parse_from(argv) {
            Ok(_) => Ok(()),
            Err(e)
                if matches!(
                    e.kind(),
                    clap::error::ErrorKind::DisplayHelp
                        | clap::error::ErrorKind::DisplayVersion
                        // A global option named in prose (`pyrel -C DIR`).
                        | clap::error::ErrorKind::MissingSubcommand
                        | clap::error::ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
                ) =>
            {
                Ok(())
            }
            Err(e) => Err(e.to_string()),
        }
    }

    #[test]
    fn every_typed_hint_parses_with_the_real_cli() {
        for h in [
            Hint::bump("patch"),
            Hint::bump("1.2.3"),
            Hint::bump("release"),
            Hint::bump("minor,beta"),
        ] {
            parses(h.args()).unwrap_or_else(|e| panic!("`{h}`: {e}"));
        }
        assert_eq!(Hint::bump("1.2.3").to_string(), "pyrel bump 1.2.3");
        assert_eq!(Hint::bump("a b").to_string(), "pyrel bump 'a b'");
    }

    /// Every backticked `pyrel ...` in the sources, templates, docs and README must parse, with
    /// placeholders (`X`, `VERSION`, `{t}`, `DIR`, ...) given sample values.
    #[test]
    fn every_literal_pyrel_command_in_the_source_parses() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = vec![root.join("README.md")];
        let mut stack = vec![root.join("src"), root.join("templates"), root.join("docs")];
        while let Some(d) = stack.pop() {
            for e in std::fs::read_dir(&d).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if !p.ends_with("hints.rs") {
                    files.push(p);
                }
            }
        }
        let mut checked = 0;
        let mut bad = Vec::new();
        for f in files {
            let Ok(text) = std::fs::read_to_string(&f) else {
                continue;
            };
            let mut rest = text.as_str();
            while let Some(at) = rest.find("`pyrel ") {
                let after = &rest[at + 1..];
                let Some(end) = after.find('`') else { break };
                let cmd = &after[..end];
                rest = &after[end + 1..];
                // `pyrel VERB` and `pyrel <verb>` name the verbs in general.
                if cmd.contains("...")
                    || cmd.contains('\n')
                    || cmd.contains('<')
                    || cmd.contains("VERB")
                {
                    continue;
                }
                // The command ends where a shell operator starts (`pyrel man > FILE`).
                let args: Vec<String> = cmd
                    .split_whitespace()
                    .skip(1)
                    .take_while(|w| ![">", "|", "&&", ";", "2>&1"].contains(w))
                    .map(|w| match w {
                        "X" | "X.Y.Z" | "VERSION" => "1.0.0".to_string(),
                        "TAG" | "REF" => "v1.0.0".to_string(),
                        "DIR" => ".".to_string(),
                        w if w.starts_with('{') && w.ends_with('}') => "1.0.0".to_string(),
                        w if w.starts_with('"') || w.starts_with('$') => "1.0.0".to_string(),
                        // roff (docs/man) escapes every `-` as `\-`.
                        w => w.replace("\\-", "-"),
                    })
                    .collect();
                checked += 1;
                // A verb named on its own (`pyrel bump` in prose) must be a real verb.
                if let [verb] = args.as_slice() {
                    if crate::cli::Cli::command().find_subcommand(verb).is_some() {
                        continue;
                    }
                }
                if let Err(e) = parses(&args) {
                    let first = e.lines().next().unwrap_or_default().to_string();
                    bad.push(format!("{}: `{cmd}`: {first}", f.display()));
                }
            }
        }
        assert!(checked > 20, "only {checked} commands found");
        assert!(
            bad.is_empty(),
            "hints naming commands that do not parse:\n{}",
            bad.join("\n")
        );
    }
}
