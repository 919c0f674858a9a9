//! A bounded door to a pool of `SyncArbiter` actors.
//!
//! actix hands a `SyncArbiter`'s messages to its threads through an unbounded queue; a
//! [`Pool`] puts a semaphore in front, so at most [`MAILBOX_CAPACITY`] messages wait or run at
//! once, and a caller beyond that waits for room: backpressure, not memory growth.

use std::sync::Arc;

use actix::dev::ToEnvelope;
use actix::{Actor, Addr, Handler, Message};
use tokio::sync::Semaphore;

/// Messages one pool holds at most, waiting or running: 64.
pub const MAILBOX_CAPACITY: usize = 64;

/// The pool is stopped (the runtime is shutting down, or the pool was replaced and drained).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the actor pool is stopped")]
pub struct Stopped;

/// A bounded handle on a pool of actors; cheap to clone.
#[derive(Debug)]
pub(crate) struct Pool<A: Actor> {
    addr: Addr<A>,
    room: Arc<Semaphore>,
}

impl<A: Actor> Clone for Pool<A> {
    fn clone(&self) -> Self {
        Self { addr: self.addr.clone(), room: Arc::clone(&self.room) }
    }
}

impl<A: Actor> Pool<A> {
    pub(crate) fn new(addr: Addr<A>, capacity: usize) -> Self {
        Self { addr, room: Arc::new(Semaphore::new(capacity.max(1))) }
    }

    /// Sends a message and waits for its answer, after waiting for room in the mailbox.
    ///
    /// # Errors
    /// [`Stopped`] when the pool is gone.
    pub(crate) async fn call<M>(&self, msg: M) -> Result<M::Result, Stopped>
    where
        M: Message + Send + 'static,
        M::Result: Send,
        A: Handler<M>,
        A::Context: ToEnvelope<A, M>,
    {
        let _room = self.room.acquire().await.map_err(|_| Stopped)?;
        self.addr.send(msg).await.map_err(|_| Stopped)
    }
}
