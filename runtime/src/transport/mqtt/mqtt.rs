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

/// Capacity of the request channel between the client handle and the event loop.
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
            let (client, eventloop) = AsyncClient::new(options, REQUEST_CAPACITY);
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
/// to [`deliver`], at most `max_in_flight` at a time. Past it, publishes wait in a queue (the
/// broker's in-flight window bounds it; beyond [`WAITING_PER_IN_FLIGHT`] times the cap they are
/// left unacknowledged and the connection is reopened, so the broker sends them again). The
/// event loop is polled all the time: the PUBACKs of finished deliveries and the keep-alive go
/// through it, and a loop that stopped reading while deliveries wait to queue their PUBACK
/// would never turn again (the broker drops the silent client, and nothing reconnects).
/// Publishes that may wait for a delivery slot, per slot.
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
    let connector = ingest.connector().to_string();
    let mut connected = false;
    let mut in_flight = JoinSet::new();
    let mut waiting: std::collections::VecDeque<Publish> = std::collections::VecDeque::new();
    // A second receiver for the backoff sleep (the select below holds the first).
    let mut shutdown_backoff = shutdown.clone();
    let mut stopping: Option<tokio::time::Instant> = None;
    // Consecutive uncommitted messages, and whether a reconnect for redelivery is under way.
    let mut failures: u32 = 0;
    let mut reconnecting = false;
    loop {
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
            let _ = client.try_disconnect();
            // Give the DISCONNECT (and any last PUBACK) a chance to leave.
            let _ = tokio::time::timeout(Duration::from_millis(500), async {
                while let Ok(event) = eventloop.poll().await {
                    if matches!(event, Event::Outgoing(Outgoing::Disconnect)) {
                        break;
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
                    in_flight.spawn(deliver(ingest.clone(), client.clone(), next));
                }
                settle(joined, stopping.is_some(), &mut failures, &mut reconnecting, &mut backoff, &client, &connector);
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
            event = eventloop.poll() => match event {
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
                        // waiting queue with publishes that free slots could take, and the overflow
                        // below reconnects again and again.
                        while let Some(joined) = in_flight.try_join_next() {
                            if let Some(next) = waiting.pop_front() {
                                in_flight.spawn(deliver(ingest.clone(), client.clone(), next));
                            }
                            settle(joined, false, &mut failures, &mut reconnecting, &mut backoff, &client, &connector);
                        }
                        if in_flight.len() < max_in_flight {
                            in_flight.spawn(deliver(ingest.clone(), client.clone(), publish));
                        } else if waiting.len() < max_in_flight.saturating_mul(WAITING_PER_IN_FLIGHT) {
                            waiting.push_back(publish);
                        } else if !reconnecting {
                            reconnecting = true;
                            tracing::warn!(connector, waiting = waiting.len(), "MQTT publishes arrive faster than they commit; reconnecting so the broker sends the rest again.");
                            let _ = client.try_disconnect();
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
fn settle(
    joined: Result<bool, tokio::task::JoinError>,
    stopping: bool,
    failures: &mut u32,
    reconnecting: &mut bool,
    backoff: &mut Backoff,
    client: &AsyncClient,
    connector: &str,
) {
    match joined {
        Ok(true) => {
            *failures = 0;
            backoff.reset();
        }
        Ok(false) if !stopping && !*reconnecting => {
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

/// Submits one publish and acknowledges it (PUBACK) once committed or refused (refused units
/// are already dead-lettered). Otherwise it is left unacknowledged (returns false): the broker
/// redelivers it after a reconnect.
async fn deliver(ingest: Ingest, client: AsyncClient, publish: Publish) -> bool {
    let topic = publish.topic.clone();
    let connector = ingest.connector().to_string();
    let disposition = ingest.submit(topic.clone(), Vec::new(), publish.payload.clone()).await;
    if disposition.acknowledge() {
        if let Err(e) = client.ack(&publish).await {
            tracing::warn!(connector, topic, error = %e, "MQTT acknowledgement could not be queued; the broker will redeliver.");
        }
        return true;
    }
    if let Disposition::RetryLater { reason, .. } = &disposition {
        tracing::warn!(
            connector,
            topic,
            reason,
            "MQTT message not committed; the broker will redeliver it after a reconnect."
        );
    }
    false
}
