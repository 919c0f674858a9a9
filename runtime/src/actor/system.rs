//! The actix `System`, on its own thread, so that a host that owns its tokio runtime can embed
//! Passerelle: pools are started on it, and their [`Pool`] handles are usable from any runtime.

use actix::{Actor, SyncArbiter, SyncContext};
use tokio::sync::oneshot;

use super::pool::{MAILBOX_CAPACITY, Pool, Stopped};

/// The running actor system; cheap to clone.
#[derive(Debug, Clone)]
pub(crate) struct ActorSystem {
    system: actix::System,
    arbiter: actix::ArbiterHandle,
    thread: std::sync::Arc<std::sync::Mutex<Option<std::thread::JoinHandle<()>>>>,
}

impl ActorSystem {
    /// Starts the system on a thread of its own.
    pub(crate) async fn start() -> std::io::Result<Self> {
        let (tx, rx) = oneshot::channel();
        let thread = std::thread::Builder::new().name("passerelle-actors".into()).spawn(move || {
            let sys = actix::System::new();
            let _ = tx.send((actix::System::current(), actix::Arbiter::current()));
            if let Err(e) = sys.run() {
                tracing::error!(error = %e, "Actor system stopped with an error.");
            }
        })?;
        let (system, arbiter) =
            rx.await.map_err(|_| std::io::Error::other("the actor system thread died while starting"))?;
        Ok(Self { system, arbiter, thread: std::sync::Arc::new(std::sync::Mutex::new(Some(thread))) })
    }

    /// Starts a pool of `instances` actors (each on its own thread), made by `factory`: the one
    /// place pools start, for decoders and connectors, at start-up and on every reload.
    ///
    /// # Errors
    /// [`Stopped`] when the system is stopping.
    pub(crate) async fn pool<A, F>(&self, instances: usize, factory: F) -> Result<Pool<A>, Stopped>
    where
        A: Actor<Context = SyncContext<A>>,
        F: Fn() -> A + Send + Sync + 'static,
    {
        let (tx, rx) = oneshot::channel();
        let spawned = self.arbiter.spawn_fn(move || {
            let _ = tx.send(SyncArbiter::start(instances.max(1), factory));
        });
        if !spawned {
            return Err(Stopped);
        }
        let addr = rx.await.map_err(|_| Stopped)?;
        Ok(Pool::new(addr, MAILBOX_CAPACITY))
    }

    /// Tells the system to stop, without waiting (for `Drop`).
    pub(crate) fn signal_stop(&self) {
        self.system.stop();
    }

    /// Stops the system and waits for its thread.
    pub(crate) async fn stop(&self) {
        self.system.stop();
        let thread = self.thread.lock().ok().and_then(|mut t| t.take());
        if let Some(thread) = thread {
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }
}
