use std::path::Path;
use std::process::ExitCode;

use passerelle::config::Config;

/// Parses and validates; prints every error, one per line, `file:line:column: message`. Then,
/// with `plugins`, loads every plugin the config names ([`passerelle::check_plugins`]) and prints
/// each failure with its cause chain. The counts are of the config as it runs (a route's own
/// codec counts as a decoder).
pub(crate) fn check(path: &Path, plugins: bool) -> anyhow::Result<ExitCode> {
    let config = match Config::from_file(path).and_then(Config::validated) {
        Ok(config) => config,
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{e}");
            }
            eprintln!("{}: {}", path.display(), count(errors.0.len(), "error"));
            return Ok(ExitCode::FAILURE);
        }
    };
    let summary = format!(
        "{} connectors, {} decoders, {} routes, {} sinks",
        config.connectors.len(),
        config.decoders.len(),
        config.routes.len(),
        config.sinks.len()
    );
    if !plugins {
        println!("{}: OK ({summary}; plugins not loaded)", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let failures = passerelle::check_plugins(&config);
    if failures.is_empty() {
        println!("{}: OK ({summary}; every plugin loads)", path.display());
        return Ok(ExitCode::SUCCESS);
    }
    for failure in &failures {
        let mut line = failure.to_string();
        let mut source = std::error::Error::source(failure);
        while let Some(cause) = source {
            line.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        eprintln!("{}: {line}", path.display());
    }
    eprintln!("{}: {}", path.display(), count(failures.len(), "plugin error"));
    Ok(ExitCode::FAILURE)
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}
