use std::time::Duration;

use futures::future::BoxFuture;
use rumqttc::{
    AsyncClient, Event, EventLoop, MqttOptions, Outgoing, Packet, Publish, QoS, SubscribeReasonCode,
};
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{MqttConfig, valid_filter};
use crate::actor::{Ingest, error_chain};
use crate::net::Backoff;
use crate::transport::{Running, Transport, TransportContext, TransportError};

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
            let task = tokio::spawn(run(client, eventloop, topics, cx.ingest, cx.shutdown, backoff));
            Ok(Running { local_addr: None, task })
        })
    }
}

/// The poller: keeps the event loop turning, subscribes after each CONNACK, reconnects with
/// backoff, and hands publishes to [`deliver`].
///
/// One [`Backoff`] paces every reconnect. It is reset by a CONNACK, unless commits are failing
/// (then each reconnect for a redelivery waits longer: the sink is likely still down), and by a
/// committed message.
async fn run(
    client: AsyncClient,
    mut eventloop: EventLoop,
    topics: Vec<String>,
    ingest: Ingest,
    mut shutdown: watch::Receiver<bool>,
    mut backoff: Backoff,
) -> Result<(), TransportError> {
    let connector = ingest.connector().to_string();
    let mut in_flight = JoinSet::new();
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
            Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => match joined {
                Ok(true) => {
                    failures = 0;
                    backoff.reset();
                }
                // MQTT 3.1.1 redelivers only on a new connection: drop this one (the session
                // stays), with a backoff that grows while commits keep failing.
                Ok(false) if stopping.is_none() && !reconnecting => {
                    failures = failures.saturating_add(1);
                    reconnecting = true;
                    tracing::warn!(connector, failures, "MQTT message not committed; reconnecting so the broker redelivers it.");
                    let _ = client.try_disconnect();
                }
                _ => {}
            },
            _ = tokio::time::sleep(Duration::from_millis(100)), if stopping.is_some() => {}
            event = eventloop.poll() => match event {
                Ok(Event::Incoming(Packet::ConnAck(ack))) => {
                    if failures == 0 {
                        backoff.reset();
                    }
                    reconnecting = false;
                    tracing::info!(connector, session_present = ack.session_present, "MQTT connected.");
                    // Always subscribe again: the broker may have lost the session.
                    let filters = topics.iter().map(|t| rumqttc::SubscribeFilter::new(t.clone(), QoS::AtLeastOnce));
                    if let Err(e) = client.try_subscribe_many(filters.collect::<Vec<_>>()) {
                        tracing::warn!(connector, error = %e, "MQTT subscribe could not be queued.");
                    }
                }
                Ok(Event::Incoming(Packet::SubAck(ack))) => {
                    let failed = ack.return_codes.iter().filter(|c| matches!(c, SubscribeReasonCode::Failure)).count();
                    if failed > 0 {
                        tracing::error!(connector, failed, "MQTT broker refused subscriptions; their messages will not arrive.");
                    }
                }
                Ok(Event::Incoming(Packet::Publish(publish))) => {
                    if stopping.is_none() {
                        in_flight.spawn(deliver(ingest.clone(), client.clone(), publish));
                    }
                }
                Ok(_) => {}
                Err(e) => {
                    if stopping.is_some() {
                        in_flight.abort_all();
                        return Ok(());
                    }
                    let wait = backoff.next();
                    tracing::warn!(connector, error = %e, retry_in_ms = wait.as_millis() as u64, "MQTT connection lost; reconnecting.");
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

/// Resolves once the runtime shuts down (or the sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Submits one publish and acknowledges it once committed (2xx) or refused and dead-lettered
/// (4xx). Anything else leaves it unacknowledged (returns false): the broker redelivers it
/// after a reconnect.
async fn deliver(ingest: Ingest, client: AsyncClient, publish: Publish) -> bool {
    let topic = publish.topic.clone();
    let connector = ingest.connector().to_string();
    match ingest.submit(topic.clone(), Vec::new(), publish.payload.to_vec()).await {
        Ok(ack) if (200..500).contains(&ack.status) => {
            if let Err(e) = client.ack(&publish).await {
                tracing::warn!(connector, topic, error = %e, "MQTT acknowledgement could not be queued; the broker will redeliver.");
            }
            true
        }
        Ok(ack) => {
            tracing::error!(
                connector,
                topic,
                status = ack.status,
                "MQTT message not acknowledged; the broker will redeliver it after a reconnect."
            );
            false
        }
        Err(e) => {
            tracing::error!(connector, topic, error = %error_chain(&e), "MQTT message not committed; the broker will redeliver it after a reconnect.");
            false
        }
    }
}
