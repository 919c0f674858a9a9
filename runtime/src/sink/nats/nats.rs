use std::sync::Arc;
use std::time::{Duration, Instant};

use async_nats::jetstream;
use bytes::Bytes;
use futures::future::BoxFuture;
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use super::NatsSinkConfig;
use crate::message::{DEFAULT_RETRY_AFTER, Reading};
use crate::net::Backoff;
use crate::sink::{Batch, Sink, SinkError};

/// Errors of the NATS sink, below [`SinkError`].
#[derive(Debug, thiserror::Error)]
pub enum NatsError {
    /// The server cannot be reached.
    #[error("cannot connect to {url}")]
    Connect {
        /// Server URL.
        url: String,
        /// Cause.
        #[source]
        source: async_nats::ConnectError,
    },
    /// The stream cannot be created or read.
    #[error("cannot create JetStream stream {stream}")]
    Stream {
        /// Stream name.
        stream: String,
        /// Cause.
        #[source]
        source: jetstream::context::CreateStreamError,
    },
    /// Some publishes were not acknowledged in time.
    #[error("{unacked} of {total} publishes not acknowledged by JetStream within {timeout:?}: {last}")]
    Unacked {
        /// Publishes without an ack.
        unacked: usize,
        /// Publishes of the batch.
        total: usize,
        /// The commit timeout.
        timeout: Duration,
        /// The last error seen.
        last: String,
    },
}

/// The NATS sink: publishes a batch's readings pipelined, then waits for every publish ack.
pub struct NatsSink {
    name: String,
    js: jetstream::Context,
    template: String,
    timeout: Duration,
    /// Batches publishing now, bounded: when none is left, a write fails as full.
    queue: Arc<Semaphore>,
    capacity: usize,
}

impl std::fmt::Debug for NatsSink {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NatsSink").field("name", &self.name).field("template", &self.template).finish()
    }
}

/// The subject of a reading: the template with `{device}` and `{name}` replaced (a `.`, `*`,
/// `>` or white space in them becomes `_`, an empty one `_`, so each stays one token).
pub fn subject(template: &str, reading: &Reading) -> String {
    let token = |s: &str| {
        if s.is_empty() {
            "_".to_string()
        } else {
            s.replace(|c: char| matches!(c, '.' | '*' | '>') || c.is_whitespace(), "_")
        }
    };
    template.replace("{device}", &token(&reading.device)).replace("{name}", &token(&reading.name))
}

/// The JSON payload of a reading: [`crate::sink::reading_json`].
pub use crate::sink::reading_json as payload;

/// The `Nats-Msg-Id` of a reading: SHA-256 (hex) of its device, name and time, so JetStream
/// drops a reading published again within the stream's duplicate window.
pub fn message_id(reading: &Reading) -> String {
    let mut h = Sha256::new();
    h.update(reading.device.as_bytes());
    h.update([0]);
    h.update(reading.name.as_bytes());
    h.update([0]);
    h.update(reading.time_ms.to_be_bytes());
    passerelle_vectors::to_hex(&h.finalize())
}

impl NatsSink {
    /// Connects and, when the config names a stream, creates it if missing.
    ///
    /// # Errors
    /// [`SinkError::Open`] with a [`NatsError`].
    pub async fn connect(
        name: &str,
        config: &NatsSinkConfig,
        password: Option<String>,
        token: Option<String>,
    ) -> Result<Self, SinkError> {
        let open_err = |e: NatsError| SinkError::Open { sink: name.to_string(), source: e.into() };
        let key = name.to_string();
        let mut options = async_nats::ConnectOptions::new()
            .name(format!("passerelle-sink-{name}"))
            .reconnect_delay_callback(move |attempts| reconnect_delay(&key, attempts));
        if let Some(user) = &config.username {
            options = options.user_and_password(user.clone(), password.unwrap_or_default());
        }
        if let Some(token) = token {
            options = options.token(token);
        }
        let client = options
            .connect(config.url.as_str())
            .await
            .map_err(|source| open_err(NatsError::Connect { url: config.url.clone(), source }))?;
        let js = jetstream::new(client);
        if let Some(stream) = &config.stream {
            let subjects = config
                .subject
                .split('.')
                .map(|t| if t.starts_with('{') { "*" } else { t })
                .collect::<Vec<_>>()
                .join(".");
            js.get_or_create_stream(jetstream::stream::Config {
                name: stream.clone(),
                subjects: vec![subjects],
                ..Default::default()
            })
            .await
            .map_err(|source| open_err(NatsError::Stream { stream: stream.clone(), source }))?;
        }
        let capacity = config.queue_batches.max(1);
        Ok(Self {
            name: name.to_string(),
            js,
            template: config.subject.clone(),
            timeout: Duration::from_millis(config.commit_timeout_ms),
            queue: Arc::new(Semaphore::new(capacity)),
            capacity,
        })
    }
}

/// The client's reconnect delay after `attempts` failed attempts: the shared backoff's.
fn reconnect_delay(key: &str, attempts: usize) -> Duration {
    let mut backoff = Backoff::default().with_key(key);
    let mut wait = backoff.next();
    for _ in 1..attempts.min(32) {
        wait = backoff.next();
    }
    wait
}

/// One publish of a batch.
struct Publish {
    subject: String,
    headers: async_nats::HeaderMap,
    payload: Bytes,
}

impl Sink for NatsSink {
    fn write(&self, batch: Batch) -> BoxFuture<'static, Result<(), SinkError>> {
        let permit = Arc::clone(&self.queue).try_acquire_owned();
        let (name, js, timeout, capacity) = (self.name.clone(), self.js.clone(), self.timeout, self.capacity);
        let publishes: Vec<Publish> = batch
            .readings
            .iter()
            .map(|r| {
                let mut headers = async_nats::HeaderMap::new();
                headers.insert(async_nats::header::NATS_MESSAGE_ID, message_id(r).as_str());
                Publish { subject: subject(&self.template, r), headers, payload: Bytes::from(payload(r)) }
            })
            .collect();
        Box::pin(async move {
            let Ok(_permit) = permit else {
                return Err(SinkError::Full { sink: name, capacity, retry_after: DEFAULT_RETRY_AFTER });
            };
            let total = publishes.len();
            let deadline = Instant::now() + timeout;
            let mut backoff = Backoff::default().with_key(&name);
            let mut pending: Vec<&Publish> = publishes.iter().collect();
            loop {
                // Every pending publish goes out first; then their acks are awaited.
                let mut acks = Vec::with_capacity(pending.len());
                let (mut failed, mut last) = (Vec::new(), String::new());
                for p in pending {
                    match js
                        .publish_with_headers(p.subject.clone(), p.headers.clone(), p.payload.clone())
                        .await
                    {
                        Ok(ack) => acks.push((p, ack)),
                        Err(e) => {
                            last = e.to_string();
                            failed.push(p);
                        }
                    }
                }
                for (p, ack) in acks {
                    if let Err(e) = ack.await {
                        last = e.to_string();
                        failed.push(p);
                    }
                }
                if failed.is_empty() {
                    return Ok(());
                }
                let wait = backoff.next();
                if Instant::now() + wait > deadline {
                    let e = NatsError::Unacked { unacked: failed.len(), total, timeout, last };
                    return Err(SinkError::Write { sink: name, source: e.into() });
                }
                tracing::warn!(
                    sink = name,
                    unacked = failed.len(),
                    error = last,
                    retry_in_ms = wait.as_millis() as u64,
                    "NATS publishes not acknowledged; publishing them again."
                );
                tokio::time::sleep(wait).await;
                pending = failed;
            }
        })
    }
}
