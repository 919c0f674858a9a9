use std::path::Path;
use std::process::ExitCode;

use passerelle::config::Config;
use passerelle::{ConfigReloadReport, Handle};

/// Starts the runtime and serves until Ctrl-C or SIGTERM, then shuts down cleanly. SIGHUP, or
/// `passerelle reload` through the operator endpoint, reads the config file again and applies
/// the difference.
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
        tracing::info!(config = %path.display(), "Passerelle running; Ctrl-C to stop, SIGHUP to reload the config.");
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        loop {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => break,
                _ = term.recv() => break,
                _ = hangup.recv() => {
                    let _ = reload(&handle, path).await;
                }
                Some(request) = handle.config_reload_requested() => {
                    request.answer(reload(&handle, path).await);
                }
            }
        }
        tracing::info!("Shutting down.");
        handle.shutdown().await?;
        Ok(ExitCode::SUCCESS)
    })
}

/// Reads the config file again and applies it; an invalid file is refused whole.
async fn reload(handle: &Handle, path: &Path) -> Result<ConfigReloadReport, String> {
    // File I/O stays off the executor threads.
    let owned = path.to_path_buf();
    let read = tokio::task::spawn_blocking(move || Config::from_file(&owned)).await;
    let result = match read.map_err(|e| e.to_string()).and_then(|r| r.map_err(|e| e.to_string())) {
        Ok(config) => handle.reload_config(config).await.map_err(|e| e.to_string()),
        Err(errors) => Err(errors),
    };
    match &result {
        Ok(report) => tracing::info!(?report, "Config reloaded."),
        Err(e) => tracing::error!(error = %e, "Config reload refused; the running config stays."),
    }
    result
}
