use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::watch;

use super::DropFolderConfig;
use crate::events::{TransportConnected, TransportDisconnected};
use crate::net::Backoff;
use crate::transport::files::{Delivered, FileMeta, Ledger, OnDone, Selector, Stability, deliver_file};
use crate::transport::{Running, Transport, TransportContext, TransportError};

/// The drop folder transport: lists its folder every `poll_ms`, and hands each file whose size
/// and time held still across two listings to the connector, chunk by chunk, once.
#[derive(Debug)]
pub struct DropFolder {
    pub(super) config: DropFolderConfig,
    pub(super) dir: PathBuf,
    pub(super) done_dir: PathBuf,
    pub(super) ledger: Arc<Mutex<Ledger>>,
    pub(super) selector: Selector,
}

impl Transport for DropFolder {
    fn start(self: Box<Self>, cx: TransportContext) -> BoxFuture<'static, Result<Running, TransportError>> {
        Box::pin(async move {
            let task = tokio::spawn(run(*self, cx));
            Ok(Running { local_addr: None, task })
        })
    }
}

/// Milliseconds since the Unix epoch of a file time (0 before 1970).
fn millis(t: std::io::Result<std::time::SystemTime>) -> i64 {
    t.ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The regular files of `dir` the selector wants: name, size, modification time.
fn list(dir: &Path, selector: &Selector) -> std::io::Result<Vec<(String, u64, i64)>> {
    let mut out = Vec::new();
    for item in std::fs::read_dir(dir)? {
        let item = item?;
        let Ok(meta) = item.metadata() else { continue };
        if !meta.is_file() {
            continue;
        }
        let Some(name) = item.file_name().to_str().map(str::to_string) else { continue };
        if selector.wants(&name) {
            out.push((name, meta.len(), millis(meta.modified())));
        }
    }
    Ok(out)
}

/// Moves a file done into the done folder (replacing a file of the same name there).
fn move_done(dir: &Path, done_dir: &Path, name: &str) -> std::io::Result<()> {
    std::fs::create_dir_all(done_dir)?;
    std::fs::rename(dir.join(name), done_dir.join(name))
}

async fn run(t: DropFolder, cx: TransportContext) -> Result<(), TransportError> {
    let TransportContext { ingest, mut shutdown, mut control, metrics, .. } = cx;
    let connector = ingest.connector().to_string();
    let peer = t.dir.display().to_string();
    // Connected once the folder is listed; again after a listing that failed.
    let mut listed = false;
    let mut stability = Stability::default();
    let mut backoff = Backoff::new(Duration::from_millis(200), Duration::from_secs(30)).with_key(&connector);
    let mut interval = tokio::time::interval(Duration::from_millis(t.config.poll_ms));
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = stopped(&mut shutdown) => return Ok(()),
            Some(c) = control.recv() => {
                c.refuse(&connector, "the drop_folder transport carries no requests or subscriptions");
                continue;
            }
            _ = interval.tick() => {}
        }
        let (dir, selector) = (t.dir.clone(), t.selector.clone());
        let listing = match tokio::task::spawn_blocking(move || list(&dir, &selector)).await {
            Ok(Ok(l)) => l,
            Ok(Err(e)) => {
                let error = format!("folder {peer} cannot be listed: {e}");
                TransportDisconnected { metrics: &metrics, error: &error, retry_in_ms: t.config.poll_ms }
                    .emit();
                listed = false;
                continue;
            }
            Err(e) => return Err(TransportError::Io(std::io::Error::other(e))),
        };
        if !listed {
            TransportConnected { metrics: &metrics, peer: &peer }.emit();
            listed = true;
        }
        let mut ready: Vec<&(String, u64, i64)> = {
            let names = stability.observe(&listing);
            listing.iter().filter(|(n, _, _)| names.contains(n)).collect()
        };
        // Oldest first, so files are read in the order they were dropped.
        ready.sort_by(|a, b| (a.2, &a.0).cmp(&(b.2, &b.0)));
        for (name, size, mtime_ms) in ready {
            let stopping = *shutdown.borrow();
            if stopping {
                return Ok(());
            }
            let done = t
                .ledger
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .is_done(name, *size, *mtime_ms);
            let delivered = if done {
                None
            } else {
                let file =
                    FileMeta { name: name.clone(), path: t.dir.join(name), size: *size, mtime_ms: *mtime_ms };
                match deliver_file(
                    &ingest,
                    &t.ledger,
                    &file,
                    t.config.chunking(),
                    &mut shutdown,
                    &mut backoff,
                )
                .await
                {
                    Ok(d) => Some(d),
                    Err(TransportError::Io(e)) => {
                        tracing::warn!(connector, file = name, error = %e, "File cannot be read; trying again at the next poll.");
                        continue;
                    }
                    Err(e) => return Err(e),
                }
            };
            match delivered {
                Some(Delivered::Stopped) => return Ok(()),
                Some(Delivered::Failed(_)) => continue,
                Some(Delivered::Done(_)) | None => {}
            }
            // Done, now or before a crash that came between the ledger and the move.
            if t.config.on_done == OnDone::Move {
                let (dir, done_dir, file) = (t.dir.clone(), t.done_dir.clone(), name.clone());
                match tokio::task::spawn_blocking(move || move_done(&dir, &done_dir, &file)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => {
                        tracing::warn!(connector, file = name, error = %e, "File done cannot be moved to the done folder; it stays marked done in the ledger.")
                    }
                    Err(e) => return Err(TransportError::Io(std::io::Error::other(e))),
                }
            }
        }
    }
}

/// Resolves once the runtime shuts down (or the sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}
