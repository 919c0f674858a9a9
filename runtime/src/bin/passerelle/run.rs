use std::path::Path;
use std::process::ExitCode;

/// Starts the runtime and serves until Ctrl-C or SIGTERM, then shuts down cleanly. SIGHUP, or
/// `passerelle reload` through the operator endpoint, reads the config file again and applies
/// the difference.
pub(crate) fn run(path: &Path, role: &str) -> anyhow::Result<ExitCode> {
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
        #[cfg(feature = "fabric")]
        let builder = builder.role(role.parse::<passerelle::fabric::Role>().map_err(anyhow::Error::msg)?);
        #[cfg(not(feature = "fabric"))]
        if role != "all" {
            anyhow::bail!("role {role:?} needs the `fabric` feature, which this build lacks");
        }
        let handle = builder.start().await?;
        tracing::info!(config = %path.display(), role, "Passerelle running; Ctrl-C to stop, SIGHUP to reload the config.");
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                _ = term.recv() => break,
                _ = hangup.recv() => {
                    if let Ok(report) = handle.reload_config_file().await {
                        tracing::info!(?report, "Config reloaded.");
                    }
                }
            }
        }
        tracing::info!("Shutting down.");
        handle.shutdown().await?;
        Ok(ExitCode::SUCCESS)
    })
}
