//! Parse the command line, run, map the outcome to an exit code. The only place that exits.

use std::io::{IsTerminal, Write};
use std::process::ExitCode;

use clap::Parser;
use pyrel::run::{self as commands, Outcome};
use pyrel::run::{Cli, ColorChoice};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            // clap returns write errors instead of panicking: a closed pipe ends
            // quietly, any other failure (a full disk) is an error.
            if let Err(err) = e.print() {
                if err.kind() != std::io::ErrorKind::BrokenPipe {
                    let _ = writeln!(
                        std::io::stderr().lock(),
                        "error: could not write the output to stdout: {err}"
                    );
                    return ExitCode::from(2);
                }
            }
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

    // Safety net: a `println!` that slipped past `outln!` panics on a closed pipe or a
    // full disk; that is an output failure, not a crash, so its panic message is kept
    // quiet and the run ends like any other output failure.
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !is_output_panic(info.payload()) {
            default_hook(info);
        }
    }));
    let result = match std::panic::catch_unwind(|| commands::run(cli)) {
        Ok(result) => result,
        Err(payload) if is_output_panic(payload.as_ref()) => {
            return output_failure(ExitCode::from(1), None);
        }
        Err(payload) => std::panic::resume_unwind(payload),
    };
    let code = match result {
        Ok(Outcome::Success) => ExitCode::SUCCESS,
        Ok(Outcome::Failure) => ExitCode::from(1),
        Err(e) => {
            let red = console::Style::new().red().bold();
            let mut err = std::io::stderr().lock();
            let message = e.to_string();
            let _ = writeln!(
                err,
                "{} {}",
                red.apply_to("error:"),
                commands::terminal_safe(&message)
            );
            if let Some(hint) = e.hint() {
                let _ = writeln!(
                    err,
                    "  {} {}",
                    console::Style::new().cyan().apply_to("hint:"),
                    commands::terminal_safe(&hint)
                );
            }
            ExitCode::from(2)
        }
    };
    match commands::stdout_failure() {
        Some(e) => output_failure(code, Some(e)),
        None => code,
    }
}

/// Whether a panic is `println!`'s "failed printing to stdout/stderr".
fn is_output_panic(payload: &(dyn std::any::Any + Send)) -> bool {
    let text = payload
        .downcast_ref::<String>()
        .map(String::as_str)
        .or_else(|| payload.downcast_ref::<&str>().copied())
        .unwrap_or("");
    text.starts_with("failed printing to std")
}

/// The end of a run whose stdout could not be written: a closed pipe (the reader has
/// what it wanted, e.g. `| head -1`) ends quietly with the command's own exit code;
/// any other failure (a full disk) is reported on stderr and the exit code is 2 when
/// the command itself had succeeded.
fn output_failure(code: ExitCode, error: Option<std::io::Error>) -> ExitCode {
    match error {
        Some(e) if e.kind() == std::io::ErrorKind::BrokenPipe => code,
        None => code,
        Some(e) => {
            let _ = writeln!(
                std::io::stderr().lock(),
                "error: could not write the output to stdout: {e}"
            );
            if code == ExitCode::SUCCESS {
                ExitCode::from(2)
            } else {
                code
            }
        }
    }
}
