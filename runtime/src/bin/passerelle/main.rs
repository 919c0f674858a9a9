//! The `passerelle` command line: one file per verb group.

mod check;
mod connector;
mod decode;
mod plugin;
mod run;
mod scaffold;
mod show;
mod status;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Passerelle: a plugin-based actor runtime for smart-building and energy data.
#[derive(Debug, Parser)]
#[command(name = "passerelle", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the runtime described by a config file until Ctrl-C or SIGTERM.
    Run {
        /// The config file (RON).
        config: PathBuf,
        /// What this process does: `all` (everything in-process, the default), `connector`
        /// (transports, frames published to the fabric) or `worker` (decoders and sinks fed by
        /// the fabric). The last two need the config's `fabric` section.
        #[arg(long, default_value = "all")]
        role: String,
    },
    /// Checks a config file and prints every error with line:column, then loads every plugin
    /// it names as a start would (file, world, codec, own vectors, route models) and prints
    /// each that fails (exit 1 on any error).
    Check {
        /// The config file (RON).
        config: PathBuf,
        /// Only the config text: parse and validate, without loading the plugins.
        #[arg(long)]
        no_plugins: bool,
    },
    /// Decodes one hex frame with a decoder plugin and prints its readings as JSON.
    Decode(decode::Args),
    /// Prints the readings stored by a config's SQLite sink as a table.
    Readings(show::Args),
    /// Makes a running runtime read its config file again and apply the difference.
    Reload {
        /// The config the runtime runs.
        config: PathBuf,
    },
    /// Shows the status of a running runtime (through its operator endpoint).
    Status {
        /// The config the runtime runs (its `admin` section says where to ask).
        config: PathBuf,
        /// Print the raw JSON.
        #[arg(long)]
        json: bool,
    },
    /// The plugin author's kit: new, test, fuzz, bench, inspect.
    Plugin {
        #[command(subcommand)]
        command: plugin::PluginCommand,
    },
    /// What connectors keep across restarts: `status` prints their notes to the operator.
    Connector {
        #[command(subcommand)]
        command: connector::ConnectorCommand,
    },
    /// Dead-letter entries.
    Deadletter {
        #[command(subcommand)]
        command: show::DeadLetterCommand,
    },
}

/// Exit status of a process ended by SIGPIPE, as a shell reports it (128 + 13).
const BROKEN_PIPE_EXIT: i32 = 141;

/// `passerelle readings CONFIG | head`: once the reader is gone, the CLI stops quietly as a
/// program killed by SIGPIPE would, instead of a panic message (Rust ignores SIGPIPE, so
/// `println!` panics on the closed pipe). Any other panic keeps the default report.
fn quiet_on_broken_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let payload = info.payload();
        let text = payload
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| payload.downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if text.starts_with("failed printing to std") && text.contains("Broken pipe") {
            std::process::exit(BROKEN_PIPE_EXIT);
        }
        default(info);
    }));
}

fn main() -> ExitCode {
    quiet_on_broken_pipe();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run { config, role } => run::run(&config, &role),
        Command::Check { config, no_plugins } => check::check(&config, !no_plugins),
        Command::Decode(args) => decode::decode(&args),
        Command::Readings(args) => show::readings(&args),
        Command::Deadletter { command } => show::dead_letter(&command),
        Command::Plugin { command } => plugin::run(&command),
        Command::Connector { command } => connector::run(&command),
        Command::Status { config, json } => status::status(&config, json),
        Command::Reload { config } => status::reload_config(&config),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to stderr, filtered by `RUST_LOG` (default `info`).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}
