//! The running transports of a runtime, each with its own stop signal, so a config reload can
//! stop or start one connector's transport without touching the others.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::actor::Ingest;
use crate::transport::{Transport, TransportContext, TransportError};

#[derive(Debug)]
struct Run {
    stop: watch::Sender<bool>,
    task: JoinHandle<Result<(), TransportError>>,
    addr: Option<SocketAddr>,
}

/// The running transports, by connector name.
#[derive(Debug, Clone, Default)]
pub(crate) struct Transports(Arc<Mutex<BTreeMap<String, Run>>>);

impl Transports {
    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Run>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a connector's transport on the current tokio runtime.
    pub(crate) async fn start(
        &self,
        name: &str,
        transport: Box<dyn Transport>,
        ingest: Ingest,
        subscriptions: Vec<String>,
    ) -> Result<(), TransportError> {
        let (stop, shutdown) = watch::channel(false);
        let running = transport.start(TransportContext { ingest, shutdown, subscriptions }).await?;
        self.lock().insert(name.to_string(), Run { stop, task: running.task, addr: running.local_addr });
        Ok(())
    }

    async fn finish(name: &str, run: Run) {
        match run.task.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::warn!(connector = %name, error = %e, "Transport stopped with an error."),
            Err(e) => tracing::warn!(connector = %name, error = %e, "Transport task failed."),
        }
    }

    /// Stops one transport; in-flight units finish and are answered first.
    pub(crate) async fn stop(&self, name: &str) {
        let run = self.lock().remove(name);
        if let Some(run) = run {
            let _ = run.stop.send(true);
            Self::finish(name, run).await;
        }
    }

    /// Stops every transport, all at once, and waits for them.
    pub(crate) async fn stop_all(&self) {
        let all = std::mem::take(&mut *self.lock());
        for run in all.values() {
            let _ = run.stop.send(true);
        }
        for (name, run) in all {
            Self::finish(&name, run).await;
        }
    }

    /// Tells every transport to stop, without waiting (for `Drop`).
    pub(crate) fn signal_all(&self) {
        for run in self.lock().values() {
            let _ = run.stop.send(true);
        }
    }

    /// Where a connector's server transport listens.
    pub(crate) fn addr(&self, name: &str) -> Option<SocketAddr> {
        self.lock().get(name).and_then(|r| r.addr)
    }

    /// Every running transport and where it listens.
    pub(crate) fn listening(&self) -> BTreeMap<String, Option<SocketAddr>> {
        self.lock().iter().map(|(n, r)| (n.clone(), r.addr)).collect()
    }
}
