use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use passerelle::message::{Frame, Value, now_ms};
use passerelle::plugin::{DecoderPlugin, Engine, Limits, PluginError};

/// Arguments of `passerelle decode`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The decoder plugin (`.wasm`).
    #[arg(long)]
    plugin: PathBuf,
    /// The vendor model id (`em300-th`, `ers-co2`).
    #[arg(long)]
    devicetype: String,
    /// LoRaWAN fPort (0 where there is none).
    #[arg(long, default_value_t = 0)]
    port: u8,
    /// Receive time in ms since the epoch (default: now).
    #[arg(long)]
    received_ms: Option<i64>,
    /// Output: `json` (reading name -> value) or `readings` (one line per reading, with units).
    #[arg(long, default_value = "json")]
    format: Format,
    /// The payload in hex.
    hex: String,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum Format {
    Json,
    Readings,
}

/// The per-user compile cache, so repeated decodes skip Cranelift.
pub(crate) fn cache_dir() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))?;
    let dir = base.join("passerelle");
    std::fs::create_dir_all(&dir).ok()?;
    Some(dir)
}

pub(crate) fn decode(args: &Args) -> anyhow::Result<ExitCode> {
    let payload = passerelle_vectors::hex(&args.hex).map_err(|e| anyhow::anyhow!("HEX: {e}"))?;
    let engine = Engine::new(cache_dir().as_deref())?;
    let compiled = engine.compile_file(&args.plugin)?;
    let plugin = DecoderPlugin::new(&engine, &compiled, Limits::default())
        .with_context(|| format!("loading {}", args.plugin.display()))?;
    let frame = Frame {
        device: Arc::from("cli"),
        devicetype: Arc::from(args.devicetype.as_str()),
        port: args.port,
        payload: payload.into(),
        received_ms: args.received_ms.unwrap_or_else(now_ms),
        connector: Arc::from("cli"),
        firmware: None,
    };
    let mut instance = plugin.instance();
    match instance.decode(&frame, &args.devicetype) {
        Ok(readings) => {
            match args.format {
                Format::Json => {
                    let mut map = serde_json::Map::new();
                    for r in &readings {
                        map.insert(r.name.to_string(), json_value(&r.value));
                    }
                    println!("{}", serde_json::Value::Object(map));
                }
                Format::Readings => {
                    for r in &readings {
                        let value = json_value(&r.value);
                        println!(
                            "{:<40} {:>14} {}",
                            r.name,
                            value.to_string(),
                            r.unit.as_deref().unwrap_or("")
                        );
                    }
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Err(
            e @ (PluginError::Decode(_) | PluginError::Trap { .. } | PluginError::TooManyReadings { .. }),
        ) => {
            eprintln!(
                "{}",
                anyhow::Error::from(e).chain().map(ToString::to_string).collect::<Vec<_>>().join(": ")
            );
            Ok(ExitCode::FAILURE)
        }
        Err(e) => Err(e.into()),
    }
}

pub(crate) fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Number(n) => {
            serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, serde_json::Value::Number)
        }
        Value::Text(s) => serde_json::Value::String(s.clone()),
        Value::Boolean(b) => serde_json::Value::Bool(*b),
        Value::Bytes(b) => serde_json::Value::String(b.iter().map(|x| format!("{x:02x}")).collect()),
    }
}
