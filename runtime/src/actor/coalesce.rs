//! A pool door that merges the calls of concurrent callers into fewer, larger ones.
//!
//! Each inbound unit (one HTTP request, one MQTT message) makes its own connector call and
//! routes its own frames: under load, many small calls reach the same pool together, each a
//! hand-off to a pool thread (an envelope, a wake-up, an answer) for a unit or a frame or two.
//! A [`Coalescing`] door queues them; whichever caller finds a pool thread free takes every
//! queued call (up to a cap) into one message, and each caller gets its own part of the answer.
//! One caller alone pays a queue push and a task spawn more than a direct call; many callers
//! share one hand-off, and a decoder decodes their frames in one batched call into the plugin.
//! The merged call runs in a task of its own, so a caller that goes away (a client that hangs
//! up) never takes the other callers' parts with it.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};

use actix::dev::ToEnvelope;
use actix::{Actor, Handler, Message};
use tokio::sync::{Semaphore, oneshot};

use super::pool::{Pool, Stopped};

/// A message made of parts, answered with one result per part, in order; parts of several
/// messages can be merged into one.
pub(crate) trait Parts: Message<Result = Vec<Self::Answer>> + Send + Sized + 'static {
    /// One part (a frame to decode, an inbound unit).
    type Part: Send + 'static;
    /// The answer to one part.
    type Answer: Send + 'static;
    /// The message of these parts.
    fn of(parts: Vec<Self::Part>) -> Self;
    /// The parts of this message.
    fn parts(self) -> Vec<Self::Part>;
}

/// A caller's parts waiting to be merged into a call.
struct Job<M: Parts> {
    parts: Vec<M::Part>,
    reply: oneshot::Sender<Result<Vec<M::Answer>, Stopped>>,
}

/// A [`Pool`] behind a queue that merges concurrent calls; cheap to clone.
pub(crate) struct Coalescing<A: Actor, M: Parts> {
    pool: Pool<A>,
    queue: Arc<Mutex<VecDeque<Job<M>>>>,
    /// One permit per pool thread: a merged call is made only when a thread can take it, so
    /// calls queue (and merge) while every thread is busy.
    threads: Arc<Semaphore>,
    /// Parts merged into one call at most; one caller's larger message still goes whole.
    max_parts: usize,
}

impl<A: Actor, M: Parts> Clone for Coalescing<A, M> {
    fn clone(&self) -> Self {
        Self {
            pool: self.pool.clone(),
            queue: Arc::clone(&self.queue),
            threads: Arc::clone(&self.threads),
            max_parts: self.max_parts,
        }
    }
}

impl<A: Actor, M: Parts> std::fmt::Debug for Coalescing<A, M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Coalescing")
            .field("queued", &self.lock().len())
            .field("threads", &self.threads.available_permits())
            .field("max_parts", &self.max_parts)
            .finish_non_exhaustive()
    }
}

impl<A, M> Coalescing<A, M>
where
    A: Actor + Handler<M>,
    A::Context: ToEnvelope<A, M>,
    M: Parts,
{
    /// Puts a merging queue in front of `pool` (of `threads` actors); a merged call holds at
    /// most `max_parts` parts.
    pub(crate) fn new(pool: Pool<A>, threads: usize, max_parts: usize) -> Self {
        Self {
            pool,
            queue: Arc::new(Mutex::new(VecDeque::new())),
            threads: Arc::new(Semaphore::new(threads.max(1))),
            max_parts: max_parts.max(1),
        }
    }

    /// Answers `msg`, possibly in one call with other callers' parts: one answer per part, in
    /// order, as the actor answers `msg` alone.
    ///
    /// # Errors
    /// [`Stopped`] when the pool is gone.
    pub(crate) async fn call(&self, msg: M) -> Result<Vec<M::Answer>, Stopped> {
        let parts = msg.parts();
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        let (reply, mut answer) = oneshot::channel();
        self.lock().push_back(Job { parts, reply });
        loop {
            tokio::select! {
                biased;
                answered = &mut answer => return answered.map_err(|_| Stopped)?,
                permit = Arc::clone(&self.threads).acquire_owned() => {
                    let permit = permit.map_err(|_| Stopped)?;
                    let jobs = self.take();
                    if jobs.is_empty() {
                        // Another caller took these parts into its call: the answer comes from it.
                        drop(permit);
                        return answer.await.map_err(|_| Stopped)?;
                    }
                    let pool = self.pool.clone();
                    tokio::spawn(async move {
                        let _thread = permit;
                        run(&pool, jobs).await;
                    });
                }
            }
        }
    }

    /// The queued jobs of the next call: in order, up to `max_parts` parts (at least one job).
    fn take(&self) -> Vec<Job<M>> {
        let mut queue = self.lock();
        let mut jobs = Vec::new();
        let mut parts = 0;
        while let Some(job) = queue.front() {
            if !jobs.is_empty() && parts + job.parts.len() > self.max_parts {
                break;
            }
            parts += job.parts.len();
            jobs.extend(queue.pop_front());
        }
        jobs
    }
}

impl<A: Actor, M: Parts> Coalescing<A, M> {
    fn lock(&self) -> std::sync::MutexGuard<'_, VecDeque<Job<M>>> {
        // A panic while holding this lock leaves the queue whole (push and pop only).
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Makes one call for `jobs` and answers each with its own parts' answers.
async fn run<A, M>(pool: &Pool<A>, jobs: Vec<Job<M>>)
where
    A: Actor + Handler<M>,
    A::Context: ToEnvelope<A, M>,
    M: Parts,
{
    let mut parts = Vec::with_capacity(jobs.iter().map(|j| j.parts.len()).sum());
    let mut replies = Vec::with_capacity(jobs.len());
    for job in jobs {
        replies.push((job.reply, job.parts.len()));
        parts.extend(job.parts);
    }
    match pool.call(M::of(parts)).await {
        Ok(answers) => {
            let mut answers = answers.into_iter();
            for (reply, n) in replies {
                let _ = reply.send(Ok(answers.by_ref().take(n).collect()));
            }
        }
        Err(stopped) => {
            for (reply, _) in replies {
                let _ = reply.send(Err(stopped));
            }
        }
    }
}
