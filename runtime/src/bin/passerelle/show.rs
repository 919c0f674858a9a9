use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use passerelle::config::Config;
use passerelle::quantity::{QUANTITY_TAG, Quantity};
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
    /// Only the readings whose `quantity` tag is this (`air_temperature`, `co2`, ...: the
    /// labels of `passerelle::quantity::Quantity`, or a source's own).
    #[arg(long)]
    quantity: Option<String>,
}

/// `passerelle deadletter ...`
#[derive(Debug, clap::Subcommand)]
pub(crate) enum DeadLetterCommand {
    /// Lists the dead-letter entries of the config's dead-letter sink.
    List {
        /// The config file.
        config: PathBuf,
    },
    /// Runs the entries through the current decoders again and stores what now decodes, once.
    Replay {
        /// The config file.
        config: PathBuf,
        /// Only the entries routed to this decoder.
        #[arg(long)]
        decoder: Option<String>,
    },
}

fn sqlite_path(config_path: &Path, sink: Option<&str>) -> anyhow::Result<PathBuf> {
    let config = Config::from_file(config_path)?;
    let found = config.sinks.iter().find(|(name, s)| {
        matches!(s, SinkConfig::Sqlite(_)) && sink.is_none_or(|want| want == name.as_str())
    });
    match found {
        Some((_, SinkConfig::Sqlite(c))) => Ok(config.resolve(&c.path)),
        _ => anyhow::bail!(
            "{} has no SQLite sink{}",
            config_path.display(),
            sink.map(|s| format!(" named {s:?}")).unwrap_or_default()
        ),
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

/// A value as a person reads it: integers without `.0`, text without quotes.
fn show_value(v: &passerelle::message::Value) -> String {
    match json_value(v) {
        serde_json::Value::String(s) => s,
        serde_json::Value::Number(n) => match n.as_f64() {
            Some(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{f:.0}"),
            _ => n.to_string(),
        },
        v => v.to_string(),
    }
}

/// Prints rows as a table whose columns fit their content; the last column is left free.
fn table(header: &[&str], rows: &[Vec<String>], right: &[usize]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        let out: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = widths.get(i).copied().unwrap_or(0);
                if i == last {
                    (*c).to_string()
                } else if right.contains(&i) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        println!("{}", out.join("  ").trim_end());
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
}

pub(crate) fn readings(args: &Args) -> anyhow::Result<ExitCode> {
    let path = sqlite_path(&args.config, args.sink.as_deref())?;
    let mut rows = read_readings(&path).with_context(|| format!("reading {}", path.display()))?;
    if let Some(want) = &args.quantity {
        rows.retain(|r| r.tags.get(QUANTITY_TAG) == Some(want));
    }
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.device.clone(),
                time(r.time_ms),
                r.name.clone(),
                show_value(&r.value),
                r.unit.clone().unwrap_or_default(),
                r.tags.get(QUANTITY_TAG).cloned().unwrap_or_default(),
            ]
        })
        .collect();
    table(&["DEVICE", "TIME", "NAME", "VALUE", "UNIT", "QUANTITY"], &cells, &[3]);
    match &args.quantity {
        Some(q) => {
            println!("{} readings of quantity {q} in {}", rows.len(), path.display());
            if rows.is_empty()
                && let Err(e) = q.parse::<Quantity>()
            {
                println!("note: {e}");
            }
        }
        None => println!("{} readings in {}", rows.len(), path.display()),
    }
    Ok(ExitCode::SUCCESS)
}

fn replay(config: &Path, decoder: Option<&str>) -> anyhow::Result<ExitCode> {
    crate::init_logging();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let handle = passerelle::Builder::from_file(config)?.offline().start().await?;
        let report = handle.replay_dead_letters(decoder).await?;
        handle.shutdown().await?;
        println!(
            "replayed {}: {} stored now (entries deleted), {} still failing; {} refused by a connector left as they are",
            report.replayed, report.stored, report.still_failing, report.skipped
        );
        Ok(ExitCode::SUCCESS)
    })
}

pub(crate) fn dead_letter(command: &DeadLetterCommand) -> anyhow::Result<ExitCode> {
    let config = match command {
        DeadLetterCommand::List { config } => config,
        DeadLetterCommand::Replay { config, decoder } => return replay(config, decoder.as_deref()),
    };
    let cfg = Config::from_file(config)?;
    let path = sqlite_path(config, Some(cfg.dead_letter.as_str()))?;
    let rows = read_dead_letters(&path).with_context(|| format!("reading {}", path.display()))?;
    let cells: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            let hex = passerelle_vectors::to_hex(r.payload.get(..12).unwrap_or(&r.payload));
            let hex =
                if r.payload.len() > 12 { format!("{hex}… ({} bytes)", r.payload.len()) } else { hex };
            vec![
                r.id.to_string(),
                time(r.received_ms),
                r.stage.clone(),
                r.connector.clone(),
                r.device.clone(),
                r.devicetype.clone(),
                r.plugin.clone().unwrap_or_else(|| "-".into()),
                hex,
                r.error.clone(),
            ]
        })
        .collect();
    table(
        &["ID", "RECEIVED", "STAGE", "CONNECTOR", "DEVICE", "DEVICETYPE", "PLUGIN", "PAYLOAD", "ERROR"],
        &cells,
        &[0],
    );
    println!("{} dead-letter entries in {}", rows.len(), path.display());
    Ok(ExitCode::SUCCESS)
}
