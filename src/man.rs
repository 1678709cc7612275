//! The man pages, from the clap definition: what `pyrel man [VERB]` prints and what
//! docs/man/ holds (written by `report::docs`). Below both `commands` and `report`.

use crate::cli::Cli;
use crate::error::{Error, Result};

/// A man page (roff) from the clap definition: pyrel's, or `pyrel-VERB`'s. What
/// `pyrel man [VERB]` prints and what docs/man/ holds.
pub(crate) fn page(verb: Option<&str>) -> Result<Vec<u8>> {
    let mut cmd = <Cli as clap::CommandFactory>::command();
    // Propagates the global options and the version into each verb's page.
    cmd.build();
    let page = match verb {
        None => cmd,
        Some(v) => {
            let verbs = || cmd.get_subcommands().map(|c| c.get_name().to_owned());
            let sub = cmd
                .find_subcommand(v)
                .cloned()
                .ok_or_else(|| Error::Usage {
                    message: format!("pyrel man {v}: no such verb"),
                    hint: Some(format!(
                        "one of: {}",
                        verbs().collect::<Vec<_>>().join(", ")
                    )),
                })?;
            let name = format!("pyrel-{}", sub.get_name());
            sub.name(name).bin_name(format!("pyrel {v}"))
        }
    };
    let mut out = Vec::new();
    clap_mangen::Man::new(page)
        .render(&mut out)
        .map_err(|e| Error::io("man page", e))?;
    Ok(out)
}

/// The verbs that have a man page of their own.
pub(crate) fn verbs() -> Vec<String> {
    <Cli as clap::CommandFactory>::command()
        .get_subcommands()
        .map(|c| c.get_name().to_owned())
        .collect()
}
