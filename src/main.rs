//! Parse the command line, run, map the outcome to an exit code. The only place that exits.

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;
use pyrel::cli::{Cli, ColorChoice};
use pyrel::commands::{self, Outcome};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // clap: help and version are successes, anything else a usage error.
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::from(2),
            };
        }
    };
    let colors = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    console::set_colors_enabled(colors);
    console::set_colors_enabled_stderr(colors && std::io::stderr().is_terminal());

    match commands::run(cli) {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Err(e) => {
            let red = console::Style::new().red().bold();
            eprintln!("{} {e}", red.apply_to("error:"));
            if let Some(hint) = e.hint() {
                eprintln!(
                    "  {} {hint}",
                    console::Style::new().cyan().apply_to("hint:")
                );
            }
            ExitCode::from(2)
        }
    }
}
