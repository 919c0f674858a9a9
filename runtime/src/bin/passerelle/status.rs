//! `passerelle status` and the commands that talk to a running runtime's operator endpoint.

// serde_json's `value["key"]` gives `Null` when missing; it never panics.
#![allow(clippy::indexing_slicing)]

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use passerelle::config::Config;

/// A request to the operator endpoint of the runtime a config describes. Plain HTTP/1.1 on
/// loopback: no client library needed.
fn request(config_path: &Path, method: &str, path: &str) -> anyhow::Result<(u16, String)> {
    request_with(config_path, method, path, "")
}

fn request_with(config_path: &Path, method: &str, path: &str, body: &str) -> anyhow::Result<(u16, String)> {
    let config = Config::from_file(config_path)?;
    let admin = config
        .admin
        .as_ref()
        .with_context(|| format!("{} has no `admin` endpoint configured", config_path.display()))?;
    let token = std::env::var(&admin.token_env).with_context(|| format!("{} is not set", admin.token_env))?;
    let mut stream = TcpStream::connect(&admin.listen)
        .with_context(|| format!("no runtime answers on {} (is `passerelle run` running?)", admin.listen))?;
    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        admin.listen,
        body.len()
    )?;
    let mut raw = String::new();
    stream.read_to_string(&mut raw)?;
    let (head, body) = raw.split_once("\r\n\r\n").context("malformed HTTP answer")?;
    let status =
        head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).context("malformed status line")?;
    let chunked = head.to_ascii_lowercase().contains("transfer-encoding: chunked");
    Ok((status, if chunked { dechunk(body) } else { body.to_string() }))
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(n) = usize::from_str_radix(size.trim(), 16) else { break };
        if n == 0 {
            break;
        }
        out.push_str(rest.get(..n).unwrap_or(rest));
        body = rest.get(n + 2..).unwrap_or("");
    }
    out
}

/// Prints the status of a running runtime.
pub(crate) fn status(config: &Path, as_json: bool) -> anyhow::Result<ExitCode> {
    let (code, body) = request(config, "GET", "/status")?;
    anyhow::ensure!(code == 200, "operator endpoint answered {code}: {}", body.trim());
    if as_json {
        println!("{body}");
        return Ok(ExitCode::SUCCESS);
    }
    let v: serde_json::Value = serde_json::from_str(&body)?;
    println!(
        "{:<14} {:<22} {:<14} {:>7} {:>7} {:>8}  LAST REFUSAL",
        "DECODER", "PLUGIN", "HASH", "RELOADS", "REFUSED", "PREVIOUS"
    );
    for d in v["decoders"].as_array().into_iter().flatten() {
        let hash = d["hash"].as_str().unwrap_or_default();
        println!(
            "{:<14} {:<22} {:<14} {:>7} {:>7} {:>8}  {}",
            d["name"].as_str().unwrap_or_default(),
            d["plugin"].as_str().unwrap_or_default(),
            hash.get(..12).unwrap_or(hash),
            d["reloads"].as_u64().unwrap_or(0),
            d["refused"].as_u64().unwrap_or(0),
            d["previous"].as_array().map_or(0, Vec::len),
            d["last_error"].as_str().unwrap_or("-")
        );
    }
    for d in v["decoders"].as_array().into_iter().flatten().filter(|d| d["quarantined_ms"].is_u64()) {
        println!(
            "  QUARANTINED {}: its plugin keeps failing; frames go to the dead letter for {} s more (quarantines: {})",
            d["name"].as_str().unwrap_or_default(),
            d["quarantined_ms"].as_u64().unwrap_or(0).div_ceil(1000),
            d["quarantines"].as_u64().unwrap_or(0)
        );
    }
    for d in v["decoders"].as_array().into_iter().flatten().filter(|d| d["shadow"].is_object()) {
        let s = &d["shadow"];
        println!(
            "  shadow of {}: {} compared {} agreed {}",
            d["name"].as_str().unwrap_or_default(),
            s["plugin"].as_str().unwrap_or_default(),
            s["compared"].as_u64().unwrap_or(0),
            s["agreed"].as_u64().unwrap_or(0)
        );
        for diff in s["differences"].as_array().into_iter().flatten() {
            println!("    differs: {}", diff.as_str().unwrap_or_default());
        }
    }
    let per_devicetype: Vec<_> = v["decoders"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|d| d["devicetypes"].as_array().into_iter().flatten().map(move |t| (d, t)))
        .collect();
    if !per_devicetype.is_empty() {
        println!();
        println!(
            "{:<20} {:<14} {:>9} {:>9} {:>10} {:>10} {:>8}",
            "DEVICETYPE", "DECODER", "FRAMES", "READINGS", "BAD DATA", "PLUGIN ERR", "MEAN µs"
        );
        for (d, t) in per_devicetype {
            println!(
                "{:<20} {:<14} {:>9} {:>9} {:>10} {:>10} {:>8}",
                t["devicetype"].as_str().unwrap_or_default(),
                d["name"].as_str().unwrap_or_default(),
                t["frames"].as_u64().unwrap_or(0),
                t["readings"].as_u64().unwrap_or(0),
                t["decode_errors"].as_u64().unwrap_or(0),
                t["plugin_errors"].as_u64().unwrap_or(0),
                t["mean_decode_us"].as_u64().unwrap_or(0)
            );
        }
    }
    println!();
    println!("{:<14} {:<12} {:<10} {:<22} LAST ERROR", "CONNECTOR", "TRANSPORT", "STATE", "LISTEN");
    for c in v["connectors"].as_array().into_iter().flatten() {
        println!(
            "{:<14} {:<12} {:<10} {:<22} {}",
            c["name"].as_str().unwrap_or_default(),
            c["transport"].as_str().unwrap_or_default(),
            if c["connected"].as_bool() == Some(true) { "up" } else { "down" },
            c["listen"].as_str().unwrap_or("-"),
            c["last_error"].as_str().unwrap_or("-")
        );
        if let Some(left) = c["quarantined_ms"].as_u64() {
            println!(
                "  QUARANTINED {}: its plugin keeps overrunning its deadline; units are answered retry-later for {} s more (quarantines: {})",
                c["name"].as_str().unwrap_or_default(),
                left.div_ceil(1000),
                c["quarantines"].as_u64().unwrap_or(0)
            );
        }
        for (note, text) in c["notes"].as_object().into_iter().flatten() {
            println!("  {note}: {}", text.as_str().unwrap_or_default());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Asks a running runtime to reload or roll back a decoder.
pub(crate) fn decoder_action(config: &Path, name: &str, action: &str) -> anyhow::Result<ExitCode> {
    let (code, body) = request(config, "POST", &format!("/decoders/{name}/{action}"))?;
    println!("{}", body.trim());
    Ok(if code == 200 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Asks a running runtime to reload its config file; prints what changed or every error.
pub(crate) fn reload_config(config: &Path) -> anyhow::Result<ExitCode> {
    let (code, body) = request(config, "POST", "/config/reload")?;
    let v: serde_json::Value = serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body));
    if code == 200 {
        println!("config reloaded: {v}");
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("config reload refused ({code}):\n{}", v["error"].as_str().unwrap_or_default());
        Ok(ExitCode::FAILURE)
    }
}

/// Starts a shadow run of a candidate plugin file in a running runtime.
pub(crate) fn shadow(config: &Path, name: &str, plugin: &Path) -> anyhow::Result<ExitCode> {
    let plugin = plugin.canonicalize().with_context(|| format!("{}", plugin.display()))?;
    let body = serde_json::json!({ "plugin": plugin }).to_string();
    let (code, body) = request_with(config, "POST", &format!("/decoders/{name}/shadow"), &body)?;
    println!("{}", body.trim());
    Ok(if code == 200 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}
