use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use passerelle::config::Config;
use passerelle::sink::SinkConfig;
use passerelle::sink::sqlite::{read_dead_letters, read_readings};

use crate::decode::json_value;

/// Arguments of `passerelle readings`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The config file whose SQLite sink to read.
    config: PathBuf,
    /// The sink name (default: the first SQLite sink).
    #[arg(long)]
    sink: Option<String>,
}

/// `passerelle deadletter ...`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum DeadLetterCommand {
    /// Lists the dead-letter entries of the config's dead-letter sink.
    List {
        /// The config file.
        config: PathBuf,
    },
}

fn sqlite_path(config_path: &Path, sink: Option<&str>) -> anyhow::Result<PathBuf> {
    let config = Config::from_file(config_path)?;
    let found = config.sinks.iter().find(|(name, s)| {
        matches!(s, SinkConfig::Sqlite(_)) && sink.is_none_or(|want| want == name.as_str())
    });
    match found {
        Some((_, SinkConfig::Sqlite(c))) => Ok(config.resolve(&c.path)),
        _ => anyhow::bail!("{} has no SQLite sink{}", config_path.display(), sink.map(|s| format!(" named {s:?}")).unwrap_or_default()),
    }
}

fn time(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil_from_days (Howard Hinnant)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

pub(crate) fn readings(args: &Args) -> anyhow::Result<ExitCode> {
    let path = sqlite_path(&args.config, args.sink.as_deref())?;
    let rows = read_readings(&path).with_context(|| format!("reading {}", path.display()))?;
    println!("{:<18} {:<21} {:<40} {:>14} {}", "DEVICE", "TIME", "NAME", "VALUE", "UNIT");
    for r in &rows {
        let value = match json_value(&r.value) {
            serde_json::Value::String(s) => s,
            v => v.to_string(),
        };
        println!("{:<18} {:<21} {:<40} {:>14} {}", r.device, time(r.time_ms), r.name, value, r.unit.as_deref().unwrap_or(""));
    }
    println!("{} readings in {}", rows.len(), path.display());
    Ok(ExitCode::SUCCESS)
}

pub(crate) fn dead_letter(command: &DeadLetterCommand) -> anyhow::Result<ExitCode> {
    let DeadLetterCommand::List { config } = command;
    let cfg = Config::from_file(config)?;
    let path = sqlite_path(config, Some(cfg.dead_letter.as_str()))?;
    let rows = read_dead_letters(&path).with_context(|| format!("reading {}", path.display()))?;
    println!("{:>5} {:<10} {:<12} {:<14} {:<9} {:<24} ERROR", "ID", "STAGE", "DEVICE", "DEVICETYPE", "PLUGIN", "PAYLOAD");
    for r in &rows {
        let hex: String = r.payload.iter().take(12).map(|b| format!("{b:02x}")).collect();
        let hex = if r.payload.len() > 12 { format!("{hex}…") } else { hex };
        println!(
            "{:>5} {:<10} {:<12} {:<14} {:<9} {:<24} {}",
            r.id, r.stage, r.device, r.devicetype, r.plugin.as_deref().unwrap_or("-"), hex, r.error
        );
    }
    println!("{} dead-letter entries in {}", rows.len(), path.display());
    Ok(ExitCode::SUCCESS)
}
