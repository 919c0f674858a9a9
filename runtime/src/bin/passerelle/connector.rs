//! `passerelle connector ...`: what connectors keep in their state files, read offline (the
//! runtime need not run).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Subcommand;
use passerelle::actor::state::{STATUS_PREFIX, read_state_file};
use passerelle::config::Config;

/// Connector commands.
#[derive(Debug, Subcommand)]
pub(crate) enum ConnectorCommand {
    /// Prints the notes connectors leave for the operator (their saved `status/*` keys), such
    /// as the Quoalise consent URI: `<connector> <note>: <text>`, one per line.
    Status {
        /// The config the runtime runs.
        config: PathBuf,
        /// Only this connector.
        #[arg(long)]
        connector: Option<String>,
        /// Only this note (`authorize_uri`); its text alone is printed.
        #[arg(long)]
        note: Option<String>,
    },
}

/// Runs a connector command.
pub(crate) fn run(command: &ConnectorCommand) -> anyhow::Result<ExitCode> {
    match command {
        ConnectorCommand::Status { config, connector, note } => {
            status(config, connector.as_deref(), note.as_deref())
        }
    }
}

fn status(path: &Path, only: Option<&str>, note: Option<&str>) -> anyhow::Result<ExitCode> {
    let config = Config::from_file(path)?;
    if let Some(name) = only {
        anyhow::ensure!(config.connectors.contains_key(name), "{} has no connector {name:?}", path.display());
    }
    let mut found = false;
    for name in config.connectors.keys().filter(|n| only.is_none_or(|o| o == n.as_str())) {
        let file = config.state_file(name);
        let entries = read_state_file(&file).with_context(|| format!("connector {name}"))?;
        for (key, value) in entries.iter().filter_map(|(k, v)| Some((k.strip_prefix(STATUS_PREFIX)?, v))) {
            let text = String::from_utf8_lossy(value);
            match note {
                Some(n) if n == key => println!("{text}"),
                Some(_) => continue,
                None => println!("{name} {key}: {text}"),
            }
            found = true;
        }
    }
    if !found {
        eprintln!("no connector note yet (a connector writes them once it runs)");
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
