//! The running connectors of a runtime, each with its own stop signal, so a config reload can
//! stop or start one connector without touching the others.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::actor::Ingest;
use crate::events::TransportMetrics;
use crate::operator::ConnectorStatus;
use crate::transport::TransportError;

/// One running connector: its door, its transport's and its driver's tasks.
#[derive(Debug)]
pub(crate) struct RunningConnector {
    pub(crate) kind: &'static str,
    pub(crate) ingest: Ingest,
    pub(crate) stop: watch::Sender<bool>,
    pub(crate) transport: JoinHandle<Result<(), TransportError>>,
    pub(crate) driver: JoinHandle<()>,
    pub(crate) addr: Option<SocketAddr>,
    pub(crate) metrics: TransportMetrics,
}

impl RunningConnector {
    /// Stops it: the transport answers its units in flight first, then the driver stops.
    async fn finish(self, name: &str) {
        let _ = self.stop.send(true);
        match self.transport.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::warn!(connector = %name, error = %crate::actor::error_chain(&e), "Transport stopped with an error.");
            }
            Err(e) => tracing::warn!(connector = %name, error = %e, "Transport task failed."),
        }
        let _ = self.driver.await;
    }
}

/// The running connectors, by name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Connectors(Arc<Mutex<BTreeMap<String, RunningConnector>>>);

impl Connectors {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, RunningConnector>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn insert(&self, name: &str, running: RunningConnector) {
        if let Some(old) = self.lock().insert(name.to_string(), running) {
            let _ = old.stop.send(true);
        }
    }

    /// Stops one connector and waits for it.
    pub(crate) async fn stop(&self, name: &str) {
        let running = self.lock().remove(name);
        if let Some(running) = running {
            running.finish(name).await;
        }
    }

    /// Stops every connector, all at once, and waits for them.
    pub(crate) async fn stop_all(&self) {
        let all = std::mem::take(&mut *self.lock());
        for running in all.values() {
            let _ = running.stop.send(true);
        }
        for (name, running) in all {
            running.finish(&name).await;
        }
    }

    /// Tells every connector to stop, without waiting (for `Drop`).
    pub(crate) fn signal_all(&self) {
        for running in self.lock().values() {
            let _ = running.stop.send(true);
        }
    }

    /// Where a connector's server transport listens.
    pub(crate) fn addr(&self, name: &str) -> Option<SocketAddr> {
        self.lock().get(name).and_then(|r| r.addr)
    }

    /// A connector's door.
    pub(crate) fn ingest(&self, name: &str) -> Option<Ingest> {
        self.lock().get(name).map(|r| r.ingest.clone())
    }

    /// Every running connector, for the operator.
    pub(crate) fn status(&self) -> Vec<ConnectorStatus> {
        self.lock()
            .iter()
            .map(|(name, r)| {
                let health = r.metrics.health();
                let (quarantined_ms, quarantines) = r.ingest.breaker.status();
                ConnectorStatus {
                    name: name.clone(),
                    transport: r.kind.to_string(),
                    listen: r.addr.map(|a| a.to_string()),
                    connected: health.connected,
                    last_error: health.last_error,
                    notes: r.ingest.state.notes(),
                    quarantined_ms,
                    quarantines,
                }
            })
            .collect()
    }
}
