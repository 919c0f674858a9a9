use std::path::Path;
use std::process::ExitCode;

use passerelle::config::Config;

/// Parses and validates; prints every error, one per line, `file:line:column: message`.
pub(crate) fn check(path: &Path) -> anyhow::Result<ExitCode> {
    let result = Config::from_file(path).and_then(|c| c.validate().map(|()| c));
    match result {
        Ok(c) => {
            println!(
                "{}: OK ({} connectors, {} decoders, {} routes, {} sinks)",
                path.display(),
                c.connectors.len(),
                c.decoders.len(),
                c.routes.len(),
                c.sinks.len()
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{e}");
            }
            eprintln!(
                "{}: {} error{}",
                path.display(),
                errors.0.len(),
                if errors.0.len() == 1 { "" } else { "s" }
            );
            Ok(ExitCode::FAILURE)
        }
    }
}
