use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::{self, AckKind, consumer::pull, stream};
use bytes::{BufMut, Bytes, BytesMut};
use futures::StreamExt;
use sha2::{Digest, Sha256};
use tokio::sync::watch;

use super::FabricConfig;
use crate::actor::{Route, Router};
use crate::events::error_chain;
use crate::message::{Frame, Rejected, Stage};
use crate::net::Backoff;

/// Errors of the fabric.
#[derive(Debug, thiserror::Error)]
pub enum FabricError {
    /// The NATS server cannot be reached.
    #[error("cannot connect to the fabric at {url}")]
    Connect {
        /// Server URL.
        url: String,
        /// Cause.
        #[source]
        source: async_nats::ConnectError,
    },
    /// The stream or the consumer cannot be created.
    #[error("cannot set up JetStream {what}: {reason}")]
    Setup {
        /// `stream X` or `consumer Y`.
        what: String,
        /// The server's or client's words.
        reason: String,
    },
    /// A frame was not published or its publish not acknowledged.
    #[error("JetStream did not take the frame: {0}")]
    Publish(String),
    /// A message of the stream is not a frame.
    #[error("not a fabric frame: {0}")]
    NotAFrame(String),
}

/// The metadata of a frame on the fabric (its payload follows it, as received).
#[derive(serde::Serialize, serde::Deserialize)]
struct Meta<'a> {
    #[serde(borrow)]
    device: std::borrow::Cow<'a, str>,
    #[serde(borrow)]
    devicetype: std::borrow::Cow<'a, str>,
    port: u8,
    received_ms: i64,
    #[serde(borrow)]
    connector: std::borrow::Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    firmware: Option<std::borrow::Cow<'a, str>>,
}

/// A frame as a fabric message: the length of its metadata (4 bytes, big-endian), the metadata
/// as JSON, then the payload exactly as received.
pub fn encode_frame(frame: &Frame) -> Bytes {
    let meta = Meta {
        device: (&*frame.device).into(),
        devicetype: (&*frame.devicetype).into(),
        port: frame.port,
        received_ms: frame.received_ms,
        connector: (&*frame.connector).into(),
        firmware: frame.firmware.as_deref().map(Into::into),
    };
    let json = serde_json::to_vec(&meta).unwrap_or_default();
    let mut out = BytesMut::with_capacity(4 + json.len() + frame.payload.len());
    out.put_u32(u32::try_from(json.len()).unwrap_or(u32::MAX));
    out.put_slice(&json);
    out.put_slice(&frame.payload);
    out.freeze()
}

/// A fabric message back as a frame (the payload shares the message's bytes).
///
/// # Errors
/// [`FabricError::NotAFrame`].
pub fn decode_frame(message: &Bytes) -> Result<Frame, FabricError> {
    let bad = |why: &str| FabricError::NotAFrame(why.to_string());
    let head: [u8; 4] =
        message.get(..4).and_then(|h| h.try_into().ok()).ok_or_else(|| bad("shorter than 4 bytes"))?;
    let len = usize::try_from(u32::from_be_bytes(head)).map_err(|_| bad("metadata length"))?;
    let end =
        4usize.checked_add(len).filter(|e| *e <= message.len()).ok_or_else(|| bad("metadata cut short"))?;
    let json = message.get(4..end).ok_or_else(|| bad("metadata cut short"))?;
    let meta: Meta<'_> = serde_json::from_slice(json).map_err(|e| FabricError::NotAFrame(e.to_string()))?;
    Ok(Frame {
        device: Arc::from(&*meta.device),
        devicetype: Arc::from(&*meta.devicetype),
        port: meta.port,
        payload: message.slice(end..),
        received_ms: meta.received_ms,
        connector: Arc::from(&*meta.connector),
        firmware: meta.firmware.as_deref().map(Arc::from),
    })
}

/// The subject of a frame: `<prefix>.<devicetype>`, or `<prefix>.<devicetype>.<k>` in
/// partition `k` of an ordered route (a `.`, `*`, `>` or white space in the devicetype becomes
/// `_`, an empty one `_`).
pub fn subject(prefix: &str, frame: &Frame, partition: Option<u16>) -> String {
    let t = &*frame.devicetype;
    let token = if t.is_empty() {
        "_".to_string()
    } else {
        t.replace(|c: char| matches!(c, '.' | '*' | '>') || c.is_whitespace(), "_")
    };
    match partition {
        Some(k) => format!("{prefix}.{token}.{k}"),
        None => format!("{prefix}.{token}"),
    }
}

/// The partition of a device among `partitions` (FNV-1a of its id): the same in every process.
pub fn partition(device: &str, partitions: u16) -> u16 {
    let hash = device
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    u16::try_from(hash % u64::from(partitions.max(1))).unwrap_or(0)
}

/// The durable consumer the workers share: the unordered frames (`partition` none: subjects
/// `<prefix>.<devicetype>`), or partition `k` of the ordered ones, with one frame in flight.
/// A work-queue stream takes consumers whose subjects do not overlap, which these never do.
pub fn consumer_config(config: &FabricConfig, partition: Option<u16>) -> pull::Config {
    let (name, filter, in_flight) = match partition {
        None => (config.consumer.clone(), format!("{}.*", config.subject_prefix), 0),
        Some(k) => (format!("{}-{k}", config.consumer), format!("{}.*.{k}", config.subject_prefix), 1),
    };
    pull::Config {
        durable_name: Some(name),
        filter_subject: filter,
        ack_policy: jetstream::consumer::AckPolicy::Explicit,
        ack_wait: Duration::from_millis(config.ack_wait_ms),
        max_ack_pending: in_flight,
        ..Default::default()
    }
}

/// The `Nats-Msg-Id` of a frame: SHA-256 (hex) of everything it carries, so a unit the source
/// delivers again (its ack was lost) is dropped by JetStream within the duplicate window.
pub fn message_id(frame: &Frame) -> String {
    let mut h = Sha256::new();
    for part in [&*frame.connector, &*frame.device, &*frame.devicetype] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    h.update([frame.port]);
    h.update(frame.received_ms.to_be_bytes());
    h.update(&frame.payload);
    passerelle_vectors::to_hex(&h.finalize())
}

/// Connects to the fabric's server and creates its stream if missing.
async fn connect(
    config: &FabricConfig,
    token: Option<String>,
    label: &str,
) -> Result<jetstream::Context, FabricError> {
    let key = label.to_string();
    let mut options =
        async_nats::ConnectOptions::new().name(label).reconnect_delay_callback(move |attempts| {
            let mut backoff = Backoff::default().with_key(&key);
            let mut wait = backoff.next();
            for _ in 1..attempts.min(32) {
                wait = backoff.next();
            }
            wait
        });
    if let Some(token) = token {
        options = options.token(token);
    }
    let client = options
        .connect(config.url.as_str())
        .await
        .map_err(|source| FabricError::Connect { url: config.url.clone(), source })?;
    let js = jetstream::new(client);
    js.get_or_create_stream(stream::Config {
        name: config.stream.clone(),
        subjects: vec![format!("{}.>", config.subject_prefix)],
        retention: stream::RetentionPolicy::WorkQueue,
        storage: stream::StorageType::File,
        ..Default::default()
    })
    .await
    .map_err(|e| FabricError::Setup { what: format!("stream {}", config.stream), reason: e.to_string() })?;
    Ok(js)
}

/// The connector side: publishes frames and waits for JetStream's acks.
pub struct Publisher {
    js: jetstream::Context,
    prefix: String,
    partitions: u16,
}

impl std::fmt::Debug for Publisher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Publisher").field("prefix", &self.prefix).finish()
    }
}

impl Publisher {
    /// Connects and creates the stream if missing.
    ///
    /// # Errors
    /// [`FabricError::Connect`] or [`FabricError::Setup`].
    pub async fn connect(config: &FabricConfig, token: Option<String>) -> Result<Self, FabricError> {
        let js = connect(config, token, "passerelle-connector").await?;
        Ok(Self { js, prefix: config.subject_prefix.clone(), partitions: config.partitions })
    }

    /// Publishes the frames (pipelined, in order) and resolves once JetStream acknowledged
    /// every one; the frames `ordered` picks go to their device's partition.
    ///
    /// # Errors
    /// [`FabricError::Publish`]: the source must not be acknowledged.
    pub async fn publish(
        &self,
        frames: &[Frame],
        ordered: impl Fn(&Frame) -> bool,
    ) -> Result<(), FabricError> {
        let mut acks = Vec::with_capacity(frames.len());
        for f in frames {
            let k = ordered(f).then(|| partition(&f.device, self.partitions));
            let mut headers = async_nats::HeaderMap::new();
            headers.insert(async_nats::header::NATS_MESSAGE_ID, message_id(f).as_str());
            let ack = self
                .js
                .publish_with_headers(subject(&self.prefix, f, k), headers, encode_frame(f))
                .await
                .map_err(|e| FabricError::Publish(e.to_string()))?;
            acks.push(ack);
        }
        for ack in acks {
            ack.await.map_err(|e| FabricError::Publish(e.to_string()))?;
        }
        Ok(())
    }
}

/// The worker side: takes batches of frames from the shared durable consumers (the unordered
/// one and one per partition of the ordered routes), routes them (decode, commit to the
/// sinks), then acks them; a batch that did not commit is nak'ed with the router's retry delay.
/// Runs until `stop` turns true.
///
/// # Errors
/// [`FabricError::Connect`] or [`FabricError::Setup`] before the first batch.
pub(crate) async fn worker(
    config: FabricConfig,
    token: Option<String>,
    router: Router,
    stop: watch::Receiver<bool>,
) -> Result<tokio::task::JoinHandle<()>, FabricError> {
    let js = connect(&config, token, "passerelle-worker").await?;
    let stream = js.get_stream(&config.stream).await.map_err(|e| FabricError::Setup {
        what: format!("stream {}", config.stream),
        reason: e.to_string(),
    })?;
    let mut loops = Vec::new();
    for k in std::iter::once(None).chain((0..config.partitions).map(Some)) {
        let wanted = consumer_config(&config, k);
        let name = wanted.durable_name.clone().unwrap_or_default();
        let consumer: jetstream::consumer::PullConsumer = stream
            .get_or_create_consumer(&name, wanted.clone())
            .await
            .map_err(|e| FabricError::Setup { what: format!("consumer {name}"), reason: e.to_string() })?;
        let source = Source { stream: stream.clone(), wanted, connection: js.client().statistics() };
        loops.push(fetch_loop(consumer, source, name, config.batch, router.clone(), stop.clone()));
    }
    Ok(tokio::spawn(async move {
        tracing::info!(
            stream = config.stream,
            consumer = config.consumer,
            partitions = config.partitions,
            "Fabric worker started."
        );
        futures::future::join_all(loops).await;
        tracing::info!(consumer = config.consumer, "Fabric worker stopped.");
    }))
}

/// Where a consumer comes from, to make it again, and its client's connection counts.
struct Source {
    stream: jetstream::stream::Stream,
    wanted: pull::Config,
    connection: Arc<async_nats::Statistics>,
}

/// A work-queue stream that was empty when its server was killed can come back with its
/// sequence reset to 0 (nats-server #2068, #6881, seen here with 2.9.10 under the ten-kill
/// test): the durable consumer still waits for sequences past the ones it delivered, so new
/// frames would sit in the stream unseen until the sequence caught up. When the stream's last
/// sequence is below what the consumer delivered, the consumer is made again: it delivers what
/// the stream holds (all unacknowledged: nothing committed is stored twice, and the sinks are
/// idempotent anyway). Checked once per connection (a reset needs a server restart, which
/// the client sees as a new connection), when the consumer is idle. Returns the consumer to
/// fetch from, and whether the check was made (the server may not answer yet).
async fn after_a_stream_reset(
    consumer: jetstream::consumer::PullConsumer,
    source: &Source,
    name: &str,
) -> (jetstream::consumer::PullConsumer, bool) {
    let (Ok(delivered), Ok(stream)) = (consumer.get_info().await, source.stream.get_info().await) else {
        return (consumer, false);
    };
    let (last, delivered) = (stream.state.last_sequence, delivered.delivered.stream_sequence);
    if last >= delivered {
        return (consumer, true);
    }
    tracing::warn!(
        consumer = name,
        stream_last_sequence = last,
        consumer_delivered = delivered,
        "Fabric stream sequence went back (its server lost it in a crash); making the consumer again."
    );
    if let Err(e) = source.stream.delete_consumer(name).await {
        tracing::warn!(consumer = name, error = %e, "Deleting the stale fabric consumer failed.");
        return (consumer, false);
    }
    match source.stream.get_or_create_consumer(name, source.wanted.clone()).await {
        Ok(fresh) => (fresh, true),
        Err(e) => {
            tracing::warn!(consumer = name, error = %e, "Making the fabric consumer again failed; retrying.");
            (consumer, false)
        }
    }
}

/// Takes batches of one consumer until `stop` turns true.
async fn fetch_loop(
    mut consumer: jetstream::consumer::PullConsumer,
    source: Source,
    name: String,
    batch: usize,
    router: Router,
    mut stop: watch::Receiver<bool>,
) {
    let mut backoff = Backoff::default().with_key(&name);
    // The connection the stream was last checked on (0: none yet, connections count from 1).
    let mut checked_on = 0;
    while !*stop.borrow() {
        let fetch = consumer.fetch().max_messages(batch).expires(Duration::from_millis(500)).messages();
        let fetched = tokio::select! {
            _ = stop.changed() => break,
            f = fetch => f,
        };
        let mut messages = match fetched {
            Ok(m) => m,
            Err(e) => {
                let wait = backoff.next();
                tracing::warn!(consumer = name, error = %e, retry_in_ms = wait.as_millis() as u64, "Fabric fetch failed; trying again.");
                tokio::time::sleep(wait).await;
                continue;
            }
        };
        let mut taken = Vec::with_capacity(batch);
        while let Some(m) = messages.next().await {
            match m {
                Ok(m) => taken.push(m),
                Err(e) => {
                    tracing::warn!(consumer = name, error = %e, "Fabric fetch cut short.");
                    break;
                }
            }
        }
        if taken.is_empty() {
            let connection = source.connection.connects.load(std::sync::atomic::Ordering::Relaxed);
            if connection != checked_on {
                let (current, checked) = after_a_stream_reset(consumer, &source, &name).await;
                consumer = current;
                if checked {
                    checked_on = connection;
                }
            }
            continue;
        }
        backoff.reset();
        let mut route = Route::default();
        for m in &taken {
            match decode_frame(&m.payload) {
                Ok(frame) => route.frames.push(frame),
                Err(e) => {
                    // Not a frame: into the dead letter as it came, never lost or retried.
                    let frame = Frame {
                        device: Arc::from(""),
                        devicetype: Arc::from(""),
                        port: 0,
                        payload: m.payload.clone(),
                        received_ms: 0,
                        connector: Arc::from("fabric"),
                        firmware: None,
                    };
                    route.rejected.push(Rejected {
                        frame,
                        stage: Stage::Route,
                        error: e.to_string(),
                        plugin: None,
                    });
                }
            }
        }
        let kind = match router.route(route).await {
            Ok(_) => AckKind::Ack,
            Err(e) => {
                tracing::warn!(consumer = name, error = %error_chain(&e), frames = taken.len(), "Fabric batch not committed; it comes back later.");
                AckKind::Nak(Some(e.retry_after()))
            }
        };
        for m in &taken {
            if let Err(e) = m.ack_with(kind).await {
                tracing::warn!(consumer = name, error = %e, "Fabric ack lost; the frame comes back and is stored once.");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::{decode_frame, encode_frame, message_id, partition, subject};
    use crate::message::Frame;

    fn frame(payload: &[u8]) -> Frame {
        Frame {
            device: Arc::from("dev \"1\"\n"),
            devicetype: Arc::from("em300.th *"),
            port: 85,
            payload: payload.to_vec().into(),
            received_ms: -5,
            connector: Arc::from("energisme"),
            firmware: None,
        }
    }

    #[test]
    fn a_frame_survives_the_fabric_byte_for_byte() {
        for payload in [&b""[..], &[0, 1, 2, 255][..], b"{\"a\":1}"] {
            let f = frame(payload);
            assert_eq!(decode_frame(&encode_frame(&f)).unwrap(), f);
        }
        assert_eq!(subject("p.frames", &frame(b""), None), "p.frames.em300_th__");
        assert_eq!(subject("p.frames", &frame(b""), Some(3)), "p.frames.em300_th__.3");
        assert_ne!(message_id(&frame(b"a")), message_id(&frame(b"b")));
        assert_eq!(message_id(&frame(b"a")), message_id(&frame(b"a")));
    }

    #[test]
    fn a_device_keeps_its_partition_and_devices_spread() {
        assert_eq!(partition("70b3d5e75e0012ab", 8), partition("70b3d5e75e0012ab", 8));
        assert_eq!(partition("anything", 1), 0);
        let used: std::collections::BTreeSet<u16> =
            (0..200).map(|i| partition(&format!("dev-{i}"), 8)).collect();
        assert_eq!(used.len(), 8, "{used:?}");
        assert!((0..200).all(|i| partition(&format!("d{i}"), 5) < 5));
    }

    #[test]
    fn what_is_not_a_frame_is_refused() {
        for bad in
            [&b""[..], &[0, 0, 0, 9, b'{'][..], &[0, 0, 0, 2, b'{', b'}'][..], &[255, 255, 255, 255][..]]
        {
            assert!(decode_frame(&bytes::Bytes::copy_from_slice(bad)).is_err(), "{bad:?}");
        }
    }
}
