use std::collections::VecDeque;
use std::time::Duration;

use futures::future::BoxFuture;
use rumqttc::{
    AsyncClient, Event, EventLoop, MqttOptions, Outgoing, Packet, PubAck, Publish, QoS, SubscribeReasonCode,
};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::{MqttConfig, valid_filter};
use crate::actor::{InboundUnit, Ingest};
use crate::events::{ChannelsSubscribed, TransportConnected, TransportDisconnected, TransportMetrics};
use crate::message::Disposition;
use crate::net::Backoff;
use crate::plugin::bindings::{Answer, RequestError};
use crate::transport::{Control, Running, Transport, TransportContext, TransportError};

/// Capacity of the request channel between the client handle and the event loop (subscribes,
/// the driver's publishes; PUBACKs do not take it), beyond one per message in flight.
const REQUEST_CAPACITY: usize = 256;
/// How long writing the PUBACKs of a batch may wait for room in the socket.
const ACK_WRITE_TIMEOUT: Duration = Duration::from_secs(5);
/// How long shutdown waits for in-flight messages to commit and be acknowledged.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The MQTT client transport. Polls the event loop in its own task; the publishes read meanwhile
/// are handed to the connector together, in a task per batch, and each is acknowledged (PUBACK)
/// only once it is committed.
pub struct Mqtt {
    pub(super) config: MqttConfig,
    pub(super) password: Option<String>,
    #[cfg(feature = "transport-mqtt-tls")]
    pub(super) tls: Option<std::sync::Arc<rustls::ClientConfig>>,
}

impl std::fmt::Debug for Mqtt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mqtt")
            .field("config", &self.config)
            .field("password", &self.password.as_ref().map(|_| "***"))
            .finish()
    }
}

impl Transport for Mqtt {
    fn start(self: Box<Self>, cx: TransportContext) -> BoxFuture<'static, Result<Running, TransportError>> {
        Box::pin(async move {
            let mut topics = self.config.topics.clone();
            for t in &cx.subscriptions {
                if !topics.contains(t) {
                    topics.push(t.clone());
                }
            }
            if let Some(bad) = topics.iter().find(|t| !valid_filter(t)) {
                return Err(TransportError::Config(format!("{bad:?} is not a valid MQTT topic filter")));
            }
            if topics.is_empty() {
                return Err(TransportError::Config(
                    "no topic to subscribe to (neither `topics` nor the connector's start)".into(),
                ));
            }
            let c = &self.config;
            // Over WebSocket, rumqttc takes the whole URL as the broker address.
            let address = match &c.websocket_path {
                Some(path) => {
                    let scheme = if c.tls.is_some() { "wss" } else { "ws" };
                    format!("{scheme}://{}:{}{path}", c.host, c.port)
                }
                None => c.host.clone(),
            };
            let mut options = MqttOptions::new(c.client_id.clone(), address, c.port);
            options
                .set_keep_alive(Duration::from_secs(c.keep_alive_secs))
                .set_clean_session(false)
                .set_manual_acks(true);
            #[cfg(feature = "transport-mqtt-tls")]
            if let Some(tls) = &self.tls {
                let tls = rumqttc::TlsConfiguration::Rustls(std::sync::Arc::clone(tls));
                options.set_transport(match &c.websocket_path {
                    #[cfg(feature = "transport-mqtt-ws")]
                    Some(_) => rumqttc::Transport::wss_with_config(tls),
                    _ => rumqttc::Transport::tls_with_config(tls),
                });
            }
            #[cfg(feature = "transport-mqtt-ws")]
            if c.websocket_path.is_some() && c.tls.is_none() {
                options.set_transport(rumqttc::Transport::Ws);
            }
            if let Some(user) = &c.username {
                options.set_credentials(user.clone(), self.password.clone().unwrap_or_default());
            }
            let (client, eventloop) = AsyncClient::new(options, REQUEST_CAPACITY + c.max_in_flight.max(1));
            tracing::info!(connector = cx.ingest.connector(), host = %c.host, port = c.port, topics = topics.len(), "MQTT client starting.");
            // Jitter seeded by the client id: sites restarted together spread their reconnects.
            let backoff = Backoff::new(
                Duration::from_millis(c.reconnect_min_ms),
                Duration::from_millis(c.reconnect_max_ms),
            )
            .with_key(&c.client_id);
            let io = Io {
                client,
                ingest: cx.ingest,
                metrics: cx.metrics,
                max_in_flight: c.max_in_flight.max(1),
                peer: format!("{}:{}", c.host, c.port),
            };
            let task = tokio::spawn(run(io, eventloop, topics, cx.control, cx.shutdown, backoff));
            Ok(Running { local_addr: None, task })
        })
    }
}

/// What the poller works with.
struct Io {
    client: AsyncClient,
    ingest: Ingest,
    metrics: TransportMetrics,
    max_in_flight: usize,
    peer: String,
}

/// The poller: keeps the event loop turning, subscribes after each CONNACK (and live, when the
/// driver asks), publishes the driver's requests, reconnects with backoff, and hands publishes
/// to [`deliver`] in batches, acknowledging (PUBACK) each one committed.
///
/// Publishes read while [`BATCHES_IN_FLIGHT`] batches are with the connector wait, and go
/// together as the next batch once one finishes: one task, one connector hand-off, one routing
/// and one sink commit for all of them (`scripts/bench-mqtt` drain profile: per-message tasks,
/// calls and commits were most of the transport's time). A lone message goes at once, alone.
/// At most `max_in_flight` messages are with the connector; once [`WAITING_PER_IN_FLIGHT`]
/// times that wait, the event loop is not polled until a batch finishes: the socket is not
/// read and TCP holds the broker back. The PUBACKs are written by this task, never by a
/// delivery, a batch's in one flush ([`write_acks`]). A broker's in-flight window alone is not
/// relied on, and a full queue does not reconnect: that made the broker send everything
/// again, many times a second (`scripts/bench-mqtt`: 444 to 750 messages/s).
/// Publishes that may wait, per message allowed in flight, before reading pauses.
const WAITING_PER_IN_FLIGHT: usize = 4;
/// Batches with the connector at a time, each of at most a quarter of `max_in_flight` messages:
/// one is decoded while others commit.
const BATCHES_IN_FLIGHT: usize = 4;

/// The batches handed to the connector, and how many messages they hold.
struct InFlight {
    batches: JoinSet<Vec<Delivered>>,
    /// Messages per batch, by task.
    sizes: std::collections::HashMap<tokio::task::Id, usize>,
    messages: usize,
    max_messages: usize,
    ingest: std::sync::Arc<Ingest>,
}

impl InFlight {
    /// Hands the waiting publishes to the connector as one batch, if a batch may start (as
    /// many as the cap on messages in flight lets through; the rest wait for the next).
    fn launch(&mut self, waiting: &mut VecDeque<Publish>) {
        if waiting.is_empty() || self.batches.len() >= BATCHES_IN_FLIGHT || self.messages >= self.max_messages
        {
            return;
        }
        let n = waiting.len().min(self.max_messages - self.messages).min(self.max_batch());
        let batch: Vec<Publish> = waiting.drain(..n).collect();
        self.messages += n;
        let task = self.batches.spawn(deliver(std::sync::Arc::clone(&self.ingest), batch));
        self.sizes.insert(task.id(), n);
    }

    /// Messages per batch at most: a share of `max_messages`, so that the batches in flight
    /// overlap (one decoded while another commits) rather than one big batch at a time.
    fn max_batch(&self) -> usize {
        (self.max_messages / BATCHES_IN_FLIGHT).max(1)
    }

    /// Accounts for a joined batch; returns how many messages it held.
    fn joined(&mut self, task: tokio::task::Id) -> usize {
        let n = self.sizes.remove(&task).unwrap_or(0);
        self.messages = self.messages.saturating_sub(n);
        n
    }
}

async fn run(
    io: Io,
    mut eventloop: EventLoop,
    mut topics: Vec<String>,
    mut control: mpsc::Receiver<Control>,
    mut shutdown: watch::Receiver<bool>,
    backoff: Backoff,
) -> Result<(), TransportError> {
    let Io { client, ingest, metrics, max_in_flight, peer } = io;
    let connector = ingest.connector().to_string();
    // Shared by the deliveries: one reference count per batch, not a clone of each handle.
    let mut in_flight = InFlight {
        batches: JoinSet::new(),
        sizes: std::collections::HashMap::new(),
        messages: 0,
        max_messages: max_in_flight,
        ingest: std::sync::Arc::new(ingest),
    };
    let mut connected = false;
    let waiting_cap = max_in_flight.saturating_mul(WAITING_PER_IN_FLIGHT);
    let mut waiting: VecDeque<Publish> = VecDeque::new();
    let mut acking = Acking { acks: VecDeque::new(), failures: 0, reconnecting: false, backoff };
    // A second receiver for the backoff sleep (the select below holds the first).
    let mut shutdown_backoff = shutdown.clone();
    let mut stopping: Option<tokio::time::Instant> = None;
    loop {
        write_acks(&mut eventloop, &mut acking.acks, &connector).await;
        // Publishes rumqttc read in the same go are returned by the next polls without waiting:
        // they join the batch first (up to the waiting cap).
        if stopping.is_none() && (eventloop.state.events.is_empty() || waiting.len() >= waiting_cap) {
            in_flight.launch(&mut waiting);
        }
        if let Some(since) = stopping
            && (in_flight.batches.is_empty() || since.elapsed() > SHUTDOWN_GRACE)
        {
            if !in_flight.batches.is_empty() {
                tracing::warn!(
                    connector,
                    pending = in_flight.messages,
                    "MQTT messages still in flight at shutdown; the broker will redeliver them."
                );
            }
            in_flight.batches.abort_all();
            // Give the last PUBACKs and the DISCONNECT a chance to leave.
            let _ = tokio::time::timeout(Duration::from_millis(500), async {
                let mut disconnecting = false;
                loop {
                    write_acks(&mut eventloop, &mut acking.acks, &connector).await;
                    if acking.acks.is_empty() && !disconnecting {
                        disconnecting = client.try_disconnect().is_ok();
                    }
                    match eventloop.poll().await {
                        Ok(Event::Outgoing(Outgoing::Disconnect)) | Err(_) => break,
                        Ok(_) => {}
                    }
                }
            })
            .await;
            return Ok(());
        }
        tokio::select! {
            _ = stopped(&mut shutdown), if stopping.is_none() => {
                tracing::info!(connector, in_flight = in_flight.messages, "MQTT client stopping.");
                stopping = Some(tokio::time::Instant::now());
            }
            Some(joined) = in_flight.batches.join_next_with_id(), if !in_flight.batches.is_empty() => {
                acking.settle(joined, &mut in_flight, stopping.is_some(), &client, &connector);
            },
            _ = tokio::time::sleep(Duration::from_millis(100)), if stopping.is_some() => {}
            Some(command) = control.recv(), if stopping.is_none() => match command {
                Control::Subscribe(topic) => {
                    if !valid_filter(&topic) {
                        tracing::warn!(connector, topic, "Subscription refused: not a valid MQTT topic filter.");
                    } else if !topics.contains(&topic) {
                        topics.push(topic.clone());
                        // Subscribed now if connected; after the next CONNACK otherwise.
                        if connected {
                            match client.try_subscribe(topic.clone(), QoS::AtLeastOnce) {
                                Ok(()) => ChannelsSubscribed { metrics: &metrics, channels: &[topic] }.emit(),
                                Err(e) => tracing::warn!(connector, error = %e, "MQTT subscribe could not be queued."),
                            }
                        }
                    }
                }
                Control::Request { request, reply } => {
                    let result = publish(&client, &request.target, request.body).await;
                    let _ = reply.send(result);
                }
            },
            // Paused while the waiting queue is full (a batch's end resumes it), unless PUBACKs
            // wait for a connection, which only a turn of the loop makes.
            event = eventloop.poll(), if waiting.len() < waiting_cap || !acking.acks.is_empty() => match event {
                Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                    acking.connected();
                    connected = true;
                    TransportConnected { metrics: &metrics, peer: &peer }.emit();
                    tracing::debug!(connector, session_present = ack.session_present, "MQTT session.");
                    // Always subscribe again: the broker may have lost the session.
                    let filters = topics.iter().map(|t| rumqttc::SubscribeFilter::new(t.clone(), QoS::AtLeastOnce));
                    match client.try_subscribe_many(filters.collect::<Vec<_>>()) {
                        Ok(()) => ChannelsSubscribed { metrics: &metrics, channels: &topics }.emit(),
                        Err(e) => tracing::warn!(connector, error = %e, "MQTT subscribe could not be queued."),
                    }
                }
                Ok(Event::Incoming(Packet::SubAck(ack))) => {
                    let failed = ack.return_codes.iter().filter(|c| matches!(c, SubscribeReasonCode::Failure)).count();
                    if failed > 0 {
                        tracing::error!(connector, failed, "MQTT broker refused subscriptions; their messages will not arrive.");
                    }
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    // While stopping, not acknowledged: the broker sends it again to the next
                    // session.
                    if stopping.is_none() {
                        // Batches that finished still count until joined: reap them first.
                        while let Some(joined) = in_flight.batches.try_join_next_with_id() {
                            acking.settle(joined, &mut in_flight, false, &client, &connector);
                        }
                        waiting.push_back(publish);
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    if stopping.is_some() {
                        in_flight.batches.abort_all();
                        return Ok(());
                    }
                    connected = false;
                    // The broker sends them again to the next session.
                    waiting.clear();
                    // The backoff grows while commits keep failing: the sink is likely still down.
                    let wait = acking.backoff.next();
                    let error = e.to_string();
                    let retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                    TransportDisconnected { metrics: &metrics, error: &error, retry_in_ms }.emit();
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stopped(&mut shutdown_backoff) => {
                            in_flight.batches.abort_all();
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
}

/// What the broker is owed and how the client reconnects: the PUBACKs of committed publishes,
/// and the failures that make it reconnect for redelivery.
struct Acking {
    /// Packet ids of committed publishes to acknowledge, in order. Kept across a reconnect:
    /// the resumed session redelivers those publishes under the same ids.
    acks: VecDeque<u16>,
    /// Consecutive batches that left messages uncommitted.
    failures: u32,
    /// Whether a reconnect for redelivery is under way.
    reconnecting: bool,
    /// The wait before a reconnect, growing while commits keep failing.
    backoff: Backoff,
}

impl Acking {
    /// A session is up: a reconnect for redelivery is over, and the backoff starts again
    /// unless commits are still failing.
    fn connected(&mut self) {
        if self.failures == 0 {
            self.backoff.reset();
        }
        self.reconnecting = false;
    }

    /// Accounts for a finished batch: each committed message resets the failure count and the
    /// backoff and is acknowledged; one left unacknowledged drops the connection (MQTT 3.1.1
    /// redelivers only on a new one; the session stays), once, with a backoff that grows while
    /// commits keep failing.
    fn settle(
        &mut self,
        joined: Result<(tokio::task::Id, Vec<Delivered>), tokio::task::JoinError>,
        in_flight: &mut InFlight,
        stopping: bool,
        client: &AsyncClient,
        connector: &str,
    ) {
        let mut unacknowledged = 0_usize;
        match joined {
            Ok((task, delivered)) => {
                in_flight.joined(task);
                for d in delivered {
                    match d {
                        Delivered::Acknowledge(pkid) => {
                            self.failures = 0;
                            self.backoff.reset();
                            self.acks.push_back(pkid);
                        }
                        Delivered::Unacknowledged => unacknowledged += 1,
                    }
                }
            }
            // Aborted at shutdown, or panicked (a bug): not acknowledged, redelivered.
            Err(e) => {
                unacknowledged = in_flight.joined(e.id());
                if e.is_panic() {
                    tracing::error!(connector, messages = unacknowledged, "MQTT delivery panicked (a bug).");
                }
            }
        }
        if unacknowledged > 0 && !stopping && !self.reconnecting {
            self.failures = self.failures.saturating_add(1);
            self.reconnecting = true;
            tracing::warn!(
                connector,
                failures = self.failures,
                unacknowledged,
                "MQTT messages not committed; reconnecting so the broker redelivers them."
            );
            let _ = client.try_disconnect();
        }
    }
}

/// Resolves once the runtime shuts down (or the sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Publishes a driver's request to the topic it targets, QoS 1; answered (status 0) once the
/// publish is queued for the broker (the client retries it until the broker acknowledges).
async fn publish(client: &AsyncClient, topic: &str, body: Vec<u8>) -> Result<Answer, RequestError> {
    if topic.is_empty() || topic.contains(['+', '#', '\0']) {
        return Err(RequestError::Refused(format!("{topic:?} is not an MQTT topic name to publish to")));
    }
    match client.try_publish(topic, QoS::AtLeastOnce, false, body) {
        Ok(()) => Ok(Answer { status: 0, headers: Vec::new(), body: Vec::new() }),
        Err(e) => Err(RequestError::Other(format!("publish could not be queued: {e}"))),
    }
}

/// Writes the PUBACKs of committed publishes, in order and in one flush, to the connection
/// rumqttc holds between two polls: its request channel takes one request per turn of its loop
/// and flushes each on its own, a turn and a write per message (`scripts/bench-mqtt`). While
/// disconnected they wait: the resumed session redelivers those publishes under the same ids.
/// A write that fails loses them, and the broker redelivers those publishes (stored already:
/// sinks are idempotent).
async fn write_acks(eventloop: &mut EventLoop, acks: &mut VecDeque<u16>, connector: &str) {
    if acks.is_empty() {
        return;
    }
    let Some(network) = eventloop.network.as_mut() else { return };
    let n = acks.len();
    let written = tokio::time::timeout(ACK_WRITE_TIMEOUT, async {
        while let Some(pkid) = acks.pop_front() {
            network.write(Packet::PubAck(PubAck::new(pkid))).await?;
        }
        network.flush().await
    })
    .await;
    let error = match written {
        Ok(Ok(())) => return,
        Ok(Err(e)) => e.to_string(),
        Err(_) => format!("no room to write them for {} s", ACK_WRITE_TIMEOUT.as_secs()),
    };
    tracing::warn!(
        connector,
        acks = n,
        error,
        "MQTT PUBACKs not written; the broker will redeliver those messages."
    );
}

/// How a delivery ended.
enum Delivered {
    /// Committed or refused (refused units are already dead-lettered): acknowledge it, by its
    /// packet id.
    Acknowledge(u16),
    /// Not committed: left unacknowledged, the broker redelivers it after a reconnect.
    Unacknowledged,
}

/// Submits a batch of publishes to the connector: one disposition each, in order.
async fn deliver(ingest: std::sync::Arc<Ingest>, batch: Vec<Publish>) -> Vec<Delivered> {
    let (pkids, units): (Vec<u16>, Vec<InboundUnit>) = batch
        .into_iter()
        .map(|p| (p.pkid, InboundUnit { channel: p.topic, headers: Vec::new(), body: p.payload }))
        .unzip();
    let dispositions = ingest.submit_all(units).await;
    let mut later = None;
    let delivered = pkids
        .into_iter()
        .zip(dispositions)
        .map(|(pkid, disposition)| match disposition {
            Disposition::RetryLater { reason, .. } => {
                later.get_or_insert((0_usize, reason)).0 += 1;
                Delivered::Unacknowledged
            }
            Disposition::Committed { .. } | Disposition::Refused { .. } => Delivered::Acknowledge(pkid),
        })
        .collect();
    if let Some((messages, reason)) = later {
        tracing::warn!(
            connector = ingest.connector(),
            messages,
            reason,
            "MQTT messages not committed; the broker will redeliver them after a reconnect."
        );
    }
    delivered
}
