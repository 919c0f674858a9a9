use std::path::Path;
use std::process::ExitCode;

/// Starts the runtime and waits for Ctrl-C or SIGTERM, then shuts down cleanly.
pub(crate) fn run(path: &Path) -> anyhow::Result<ExitCode> {
    crate::init_logging();
    let rt = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    rt.block_on(async {
        let builder = match passerelle::Builder::from_file(path) {
            Ok(b) => b,
            Err(passerelle::Error::Config(errors)) => {
                for e in &errors.0 {
                    eprintln!("{e}");
                }
                return Ok(ExitCode::FAILURE);
            }
            Err(e) => return Err(e.into()),
        };
        let handle = builder.start().await?;
        tracing::info!(config = %path.display(), "Passerelle running; Ctrl-C to stop.");
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
        tracing::info!("Shutting down.");
        handle.shutdown().await?;
        Ok(ExitCode::SUCCESS)
    })
}
