use std::collections::VecDeque;
use std::time::Duration;

use futures::future::BoxFuture;
use rumqttc::{
    AsyncClient, Event, EventLoop, MqttOptions, Outgoing, Packet, Publish, QoS, SubscribeReasonCode,
};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;

use super::{MqttConfig, valid_filter};
use crate::actor::Ingest;
use crate::events::{ChannelsSubscribed, TransportConnected, TransportDisconnected, TransportMetrics};
use crate::message::Disposition;
use crate::net::Backoff;
use crate::plugin::bindings::{Answer, RequestError};
use crate::transport::{Control, Running, Transport, TransportContext, TransportError};

/// Capacity of the request channel between the client handle and the event loop, beyond one
/// PUBACK per delivery slot.
const REQUEST_CAPACITY: usize = 256;
/// How long shutdown waits for in-flight messages to commit and be acknowledged.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The MQTT client transport. Polls the event loop in its own task; each publish is handed to
/// the connector in a task of its own and acknowledged (PUBACK) only once it is committed.
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
/// to [`deliver`], at most `max_in_flight` at a time, acknowledging (PUBACK) each one
/// committed.
///
/// Past `max_in_flight`, publishes wait in a queue; once it holds [`WAITING_PER_IN_FLIGHT`]
/// times the cap, the event loop is not polled until a delivery finishes: the socket is not
/// read and TCP holds the broker back. The PUBACKs are queued by this task, never by a
/// delivery, and those the request channel has no room for wait here: the event loop is
/// polled while any wait (rumqttc sends one request per turn of its loop and reads up to ten
/// packets in another, so the channel does fill), the publishes read meanwhile joining the
/// queue past its cap; what bounds them then is the broker's in-flight window. A broker's
/// window alone is not relied on, and a full queue no longer reconnects: that made the broker
/// send everything again, many times a second (`scripts/bench-mqtt`: 444 to 750 messages/s).
/// Publishes that may wait for a delivery slot, per slot, before reading pauses.
const WAITING_PER_IN_FLIGHT: usize = 4;

async fn run(
    io: Io,
    mut eventloop: EventLoop,
    mut topics: Vec<String>,
    mut control: mpsc::Receiver<Control>,
    mut shutdown: watch::Receiver<bool>,
    mut backoff: Backoff,
) -> Result<(), TransportError> {
    let Io { client, ingest, metrics, max_in_flight, peer } = io;
    // Shared by the deliveries: one reference count per message, not a clone of each handle
    // inside (`scripts/bench-mqtt` drain profile: 6% of the workers' samples in passerelle's own
    // code went to cloning and dropping them).
    let ingest = std::sync::Arc::new(ingest);
    let connector = ingest.connector().to_string();
    let mut connected = false;
    let mut in_flight = JoinSet::new();
    let waiting_cap = max_in_flight.saturating_mul(WAITING_PER_IN_FLIGHT);
    let mut waiting: VecDeque<Publish> = VecDeque::new();
    // PUBACKs of committed publishes that found the request channel full, in order. Kept
    // across a reconnect: the resumed session redelivers those publishes under the same ids.
    let mut acks: VecDeque<Publish> = VecDeque::new();
    // A second receiver for the backoff sleep (the select below holds the first).
    let mut shutdown_backoff = shutdown.clone();
    let mut stopping: Option<tokio::time::Instant> = None;
    // Consecutive uncommitted messages, and whether a reconnect for redelivery is under way.
    let mut failures: u32 = 0;
    let mut reconnecting = false;
    loop {
        queue_acks(&client, &mut acks);
        if let Some(since) = stopping
            && (in_flight.is_empty() || since.elapsed() > SHUTDOWN_GRACE)
        {
            if !in_flight.is_empty() {
                tracing::warn!(
                    connector,
                    pending = in_flight.len(),
                    "MQTT messages still in flight at shutdown; the broker will redeliver them."
                );
            }
            in_flight.abort_all();
            // Give the last PUBACKs and the DISCONNECT a chance to leave.
            let _ = tokio::time::timeout(Duration::from_millis(500), async {
                let mut disconnecting = false;
                loop {
                    queue_acks(&client, &mut acks);
                    if acks.is_empty() && !disconnecting {
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
                tracing::info!(connector, in_flight = in_flight.len(), "MQTT client stopping.");
                stopping = Some(tokio::time::Instant::now());
            }
            Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                if let Some(next) = waiting.pop_front().filter(|_| stopping.is_none()) {
                    in_flight.spawn(deliver(std::sync::Arc::clone(&ingest), next));
                }
                settle(joined, stopping.is_some(), &mut acks, &mut failures, &mut reconnecting, &mut backoff, &client, &connector);
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
            // Paused while the waiting queue is full (a delivery's end resumes it), unless
            // PUBACKs wait for room in the request channel, which only a turn of the loop makes.
            event = eventloop.poll(), if waiting.len() < waiting_cap || !acks.is_empty() => match event {
                Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                    if failures == 0 {
                        backoff.reset();
                    }
                    reconnecting = false;
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
                    if stopping.is_some() {
                        // Not acknowledged: the broker sends it again to the next session.
                    } else {
                        // Deliveries that finished (their PUBACK queued, so the broker sends the next
                        // publish) still hold their slot until joined: reap them first, their slots
                        // taking the waiting publishes in order. Otherwise a fast broker fills the
                        // waiting queue with publishes that free slots could take, and reading
                        // pauses sooner than it needs to.
                        while let Some(joined) = in_flight.try_join_next() {
                            if let Some(next) = waiting.pop_front() {
                                in_flight.spawn(deliver(std::sync::Arc::clone(&ingest), next));
                            }
                            settle(joined, false, &mut acks, &mut failures, &mut reconnecting, &mut backoff, &client, &connector);
                        }
                        if in_flight.len() < max_in_flight {
                            in_flight.spawn(deliver(std::sync::Arc::clone(&ingest), publish));
                        } else {
                            // Past the cap only while PUBACKs wait (see above).
                            waiting.push_back(publish);
                        }
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    if stopping.is_some() {
                        in_flight.abort_all();
                        return Ok(());
                    }
                    connected = false;
                    // The broker sends them again to the next session.
                    waiting.clear();
                    // The backoff grows while commits keep failing: the sink is likely still down.
                    let wait = backoff.next();
                    let error = e.to_string();
                    let retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                    TransportDisconnected { metrics: &metrics, error: &error, retry_in_ms }.emit();
                    tokio::select! {
                        _ = tokio::time::sleep(wait) => {}
                        _ = stopped(&mut shutdown_backoff) => {
                            in_flight.abort_all();
                            return Ok(());
                        }
                    }
                }
            }
        }
    }
}

/// Accounts for a finished delivery: a committed one resets the failure count and the backoff;
/// one left unacknowledged drops the connection (MQTT 3.1.1 redelivers only on a new one; the
/// session stays), once, with a backoff that grows while commits keep failing.
#[allow(clippy::too_many_arguments)]
fn settle(
    joined: Result<Delivered, tokio::task::JoinError>,
    stopping: bool,
    acks: &mut VecDeque<Publish>,
    failures: &mut u32,
    reconnecting: &mut bool,
    backoff: &mut Backoff,
    client: &AsyncClient,
    connector: &str,
) {
    match joined {
        Ok(Delivered::Acknowledge(publish)) => {
            *failures = 0;
            backoff.reset();
            acks.push_back(publish);
            queue_acks(client, acks);
        }
        Ok(Delivered::Unacknowledged) if !stopping && !*reconnecting => {
            *failures = failures.saturating_add(1);
            *reconnecting = true;
            tracing::warn!(
                connector,
                failures = *failures,
                "MQTT message not committed; reconnecting so the broker redelivers it."
            );
            let _ = client.try_disconnect();
        }
        _ => {}
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

/// Queues the waiting PUBACKs the request channel has room for, in order; the rest wait for
/// the next turn of the event loop.
fn queue_acks(client: &AsyncClient, acks: &mut VecDeque<Publish>) {
    while let Some(publish) = acks.front() {
        if client.try_ack(publish).is_err() {
            break;
        }
        acks.pop_front();
    }
}

/// How a delivery ended.
enum Delivered {
    /// Committed or refused (refused units are already dead-lettered): acknowledge it. The
    /// publish is kept for its packet id only (topic and payload dropped).
    Acknowledge(Publish),
    /// Not committed: left unacknowledged, the broker redelivers it after a reconnect.
    Unacknowledged,
}

/// Submits one publish to the connector.
async fn deliver(ingest: std::sync::Arc<Ingest>, publish: Publish) -> Delivered {
    let disposition = ingest.submit(publish.topic.clone(), Vec::new(), publish.payload.clone()).await;
    if disposition.acknowledge() {
        let mut publish = publish;
        publish.topic = String::new();
        publish.payload = bytes::Bytes::new();
        return Delivered::Acknowledge(publish);
    }
    if let Disposition::RetryLater { reason, .. } = &disposition {
        tracing::warn!(
            connector = ingest.connector(),
            topic = publish.topic,
            reason,
            "MQTT message not committed; the broker will redeliver it after a reconnect."
        );
    }
    Delivered::Unacknowledged
}
