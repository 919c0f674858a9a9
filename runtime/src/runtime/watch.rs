//! Watches the decoder plugin files and reloads a decoder when its file changes.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Duration;

use notify::event::{AccessKind, AccessMode, ModifyKind};
use notify::{EventKind, RecursiveMode, Watcher};

use super::decoders::Decoders;

/// Changed paths waiting to be looked at, at most.
const WATCH_CAPACITY: usize = 1024;

/// Quiet time after the last event on a file before it is loaded (writers finish first).
pub(crate) const DEBOUNCE: Duration = Duration::from_millis(20);

fn relevant(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Create(_)
            | EventKind::Modify(ModifyKind::Data(_) | ModifyKind::Name(_) | ModifyKind::Any)
            | EventKind::Access(AccessKind::Close(AccessMode::Write))
    )
}

/// Starts watching the folders of the decoder plugins; the watcher stops when dropped.
/// Reloads run on the current tokio runtime, one at a time.
///
/// # Errors
/// The operating system's watcher could not be set up.
pub(crate) fn watch(registry: Decoders) -> notify::Result<notify::RecommendedWatcher> {
    let (tx, mut rx) = tokio::sync::mpsc::channel::<PathBuf>(WATCH_CAPACITY);
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event.map_err(drop).and_then(|e| if relevant(&e.kind) { Ok(e) } else { Err(()) }) {
            for path in event.paths {
                // The watcher calls from its own thread: waiting for room is fine there.
                let _ = tx.blocking_send(path);
            }
        }
    })?;
    let dirs: BTreeSet<PathBuf> =
        registry.paths().iter().filter_map(|p| p.parent().map(Path::to_path_buf)).collect();
    for dir in &dirs {
        watcher.watch(dir, RecursiveMode::NonRecursive)?;
        tracing::debug!(dir = %dir.display(), "Watching plugins.");
    }
    tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            let mut changed = BTreeSet::from([first]);
            while let Ok(Some(path)) = tokio::time::timeout(DEBOUNCE, rx.recv()).await {
                changed.insert(path);
            }
            for path in changed {
                for name in registry.decoders_at(&path) {
                    match registry.reload(&name).await {
                        Ok(outcome) => tracing::debug!(decoder = %name, ?outcome, "Plugin file changed."),
                        Err(e) => {
                            tracing::debug!(decoder = %name, error = %e, "Plugin file changed; refused.")
                        }
                    }
                }
            }
        }
    });
    Ok(watcher)
}
