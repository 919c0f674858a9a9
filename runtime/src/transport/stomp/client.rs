//! The STOMP 1.2 over WebSocket client: one session at a time, reopened with backoff.

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::future::BoxFuture;
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep, timeout};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;

use super::config::{HEART_BEAT_GRACE, StompConfig, Target};
use super::{Command, Decoded, Decoder, Frame, FrameError, encode, heartbeat};
use crate::actor::Ingest;
use crate::events::{ChannelsSubscribed, TransportConnected, TransportDisconnected, TransportMetrics};
use crate::message::Disposition;
use crate::net::Backoff;
use crate::plugin::bindings::{Answer, RequestError};
use crate::transport::{Control, Running, Transport, TransportContext, TransportError};

/// How long shutdown waits for messages in flight to commit and be acknowledged.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);
/// How long shutdown waits for the broker to answer `DISCONNECT` (a RECEIPT, or the close of the
/// WebSocket: RabbitMQ's Web-STOMP closes without a RECEIPT).
const DISCONNECT_WAIT: Duration = Duration::from_secs(1);
/// The WebSocket subprotocol of STOMP 1.2.
const SUBPROTOCOL: &str = "v12.stomp";

/// The STOMP client transport.
pub struct Stomp {
    pub(super) config: StompConfig,
    /// Where to connect: from the config, or discovered by the plugin (a `CONNECT` request).
    pub(super) target: Option<Target>,
    pub(super) login: Option<String>,
    pub(super) connect_to: Option<(String, u16)>,
    pub(super) passcode: Option<String>,
    /// The rustls configuration and the settings that name the server (`server_name`).
    pub(super) tls: (Arc<rustls::ClientConfig>, crate::net::tls::TlsConfig),
}

impl std::fmt::Debug for Stomp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stomp")
            .field("config", &self.config)
            .field("passcode", &self.passcode.as_ref().map(|_| "***"))
            .finish_non_exhaustive()
    }
}

impl Transport for Stomp {
    fn start(self: Box<Self>, cx: TransportContext) -> BoxFuture<'static, Result<Running, TransportError>> {
        Box::pin(async move {
            let mut destinations = self.config.destinations.clone();
            for d in cx.subscriptions {
                if !destinations.contains(&d) {
                    destinations.push(d);
                }
            }
            let backoff = Backoff::new(
                Duration::from_millis(self.config.reconnect_min_ms),
                Duration::from_millis(self.config.reconnect_max_ms),
            )
            .with_key(cx.ingest.connector());
            tracing::info!(connector = cx.ingest.connector(), url = ?self.config.url, local = ?self.connect_to, destinations = destinations.len(), "STOMP client starting.");
            let client = Client {
                stomp: *self,
                ingest: std::sync::Arc::new(cx.ingest),
                metrics: cx.metrics,
                destinations,
                control: cx.control,
                shutdown: cx.shutdown,
                backoff,
            };
            Ok(Running { local_addr: None, task: tokio::spawn(client.run()) })
        })
    }
}

/// How a session ended.
#[derive(Debug)]
enum Ended {
    /// The runtime is stopping.
    Shutdown,
    /// The connection is gone or unusable; reconnect after a backoff.
    Lost(String),
    /// The broker refused the credentials (`ERROR` in answer to `CONNECT`): reconnect only after
    /// the longest backoff.
    Refused(String),
}

/// A byte stream a session runs on: TCP, or TLS over TCP.
trait Socket: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> Socket for T {}

type Ws = WebSocketStream<Box<dyn Socket>>;

struct Client {
    stomp: Stomp,
    /// Shared by the deliveries: one reference count per message, not a clone of each handle.
    ingest: std::sync::Arc<Ingest>,
    metrics: TransportMetrics,
    destinations: Vec<String>,
    control: mpsc::Receiver<Control>,
    shutdown: watch::Receiver<bool>,
    backoff: Backoff,
}

impl Client {
    /// Sessions one after the other until shutdown.
    async fn run(mut self) -> Result<(), TransportError> {
        let connector = self.ingest.connector().to_string();
        loop {
            if *self.shutdown.borrow() {
                return Ok(());
            }
            if self.stomp.target.is_none() && !self.wait_for_target().await {
                return Ok(());
            }
            let ended = match self.open().await {
                Ok(ws) => self.session(ws).await,
                Err(ended) => ended,
            };
            let (why, wait) = match ended {
                Ended::Shutdown => return Ok(()),
                Ended::Lost(why) => (why, self.backoff.next()),
                Ended::Refused(why) => {
                    tracing::error!(connector, url = %self.url(), error = %why, "STOMP broker refused the connection; check login and passcode.");
                    (why, self.backoff.max())
                }
            };
            let retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
            TransportDisconnected { metrics: &self.metrics, error: &why, retry_in_ms }.emit();
            let mut stop = self.shutdown.clone();
            tokio::select! {
                () = sleep(wait) => {}
                () = stopped(&mut stop) => return Ok(()),
            }
        }
    }

    /// The URL connected to, for logs.
    fn url(&self) -> String {
        self.stomp.target.as_ref().map_or_else(String::new, |t| t.url.clone())
    }

    /// Without a URL in the config: waits for the plugin's `CONNECT` request (subscriptions
    /// asked meanwhile are kept). False when the runtime stops first.
    async fn wait_for_target(&mut self) -> bool {
        tracing::info!(
            connector = self.ingest.connector(),
            "STOMP client waiting for the connector to discover its URL."
        );
        let mut stop = self.shutdown.clone();
        loop {
            tokio::select! {
                () = stopped(&mut stop) => return false,
                command = self.control.recv() => match command {
                    None => return false,
                    Some(Control::Subscribe(d)) => {
                        if !self.destinations.contains(&d) {
                            self.destinations.push(d);
                        }
                    }
                    Some(Control::Request { request, reply }) => {
                        let answer = self.retarget(&request);
                        let done = answer.is_ok() && request.method == "CONNECT";
                        let _ = reply.send(answer.map_err(RequestError::Refused).and_then(|()| {
                            if done { Ok(sent()) } else { Err(RequestError::Unreachable("not connected yet".into())) }
                        }));
                        if done {
                            return true;
                        }
                    }
                },
            }
        }
    }

    /// A `CONNECT` request sets the URL, login and local address of the next connection; any
    /// other request is not one.
    fn retarget(&mut self, request: &crate::plugin::bindings::Request) -> Result<(), String> {
        if request.method != "CONNECT" {
            return Ok(());
        }
        let target = super::config::parse_url(&request.target)?;
        let header = |name: &str| request.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone());
        let connect_to = header("connect-to").map(|c| super::config::parse_connect_to(&c)).transpose()?;
        if let Err(e) = self.stomp.tls.1.server_name(&target.host) {
            return Err(e.to_string());
        }
        tracing::info!(connector = self.ingest.connector(), url = %target.url, local = ?connect_to, "STOMP client target discovered.");
        self.stomp.target = Some(target);
        if let Some(login) = header("login") {
            self.stomp.login = Some(login);
        }
        if connect_to.is_some() {
            self.stomp.connect_to = connect_to;
        }
        Ok(())
    }

    /// Opens the socket, TLS and the WebSocket, then `CONNECT`s.
    async fn open(&self) -> Result<(Ws, Duration, Option<Duration>), Ended> {
        let limit = Duration::from_millis(self.stomp.config.connect_timeout_ms);
        let connecting = async {
            let ws = self.websocket().await.map_err(Ended::Lost)?;
            self.connect(ws).await
        };
        match timeout(limit, connecting).await {
            Ok(result) => result,
            Err(_) => Err(Ended::Lost(format!("no CONNECTED within {} ms", limit.as_millis()))),
        }
    }

    /// TCP (to `connect_to` in local mode), TLS with the URL's host name, WebSocket with
    /// exactly one `Host` header.
    async fn websocket(&self) -> Result<Ws, String> {
        let s = &self.stomp;
        let target = s.target.as_ref().ok_or("no URL to connect to")?;
        let (host, port) = match &s.connect_to {
            Some((h, p)) => (h.clone(), *p),
            None => (target.host.clone(), target.port),
        };
        let tcp = TcpStream::connect((host.as_str(), port))
            .await
            .map_err(|e| format!("cannot connect to {host}:{port}: {e}"))?;
        let _ = tcp.set_nodelay(true);
        let socket: Box<dyn Socket> = match target.secure {
            true => {
                let (config, settings) = &s.tls;
                let name = settings.server_name(&target.host).map_err(|e| e.to_string())?;
                let connector = tokio_rustls::TlsConnector::from(Arc::clone(config));
                let tls = connector.connect(name.clone(), tcp).await.map_err(|e| {
                    format!("TLS handshake with {host}:{port} as {} failed: {e}", name.to_str())
                })?;
                Box::new(tls)
            }
            false => Box::new(tcp),
        };
        let mut request =
            target.url.as_str().into_client_request().map_err(|e| format!("url {}: {e}", target.url))?;
        let headers = request.headers_mut();
        headers.insert("Sec-WebSocket-Protocol", HeaderValue::from_static(SUBPROTOCOL));
        if s.connect_to.is_some() {
            // The seed's local mode: the host name of the URL, alone, replacing the one
            // derived from the URL (a request has exactly one Host header).
            let host = HeaderValue::from_str(&target.host).map_err(|e| format!("host header: {e}"))?;
            headers.insert("Host", host);
        }
        let (ws, response) = tokio_tungstenite::client_async_with_config(request, socket, None)
            .await
            .map_err(|e| format!("WebSocket handshake with {} failed: {e}", target.url))?;
        let protocol = response.headers().get("sec-websocket-protocol").and_then(|v| v.to_str().ok());
        if protocol.is_some_and(|p| p != SUBPROTOCOL) {
            return Err(format!(
                "the server chose the WebSocket subprotocol {protocol:?}, not {SUBPROTOCOL}"
            ));
        }
        Ok(ws)
    }

    /// Sends `CONNECT` and waits for `CONNECTED`; gives the negotiated heart-beats.
    async fn connect(&self, mut ws: Ws) -> Result<(Ws, Duration, Option<Duration>), Ended> {
        let c = &self.stomp.config;
        let host = self.stomp.target.as_ref().map(|t| t.host.clone()).unwrap_or_default();
        let vhost = c.vhost.clone().unwrap_or(host);
        let mut frame = Frame::new(Command::Connect)
            .with_header("accept-version", "1.2")
            .with_header("host", vhost)
            .with_header("heart-beat", format!("{},{}", c.heart_beat_ms.0, c.heart_beat_ms.1));
        if let Some(login) = &self.stomp.login {
            frame = frame.with_header("login", login.clone());
        }
        if let Some(passcode) = &self.stomp.passcode {
            frame = frame.with_header("passcode", passcode.clone());
        }
        send(&mut ws, &frame).await.map_err(Ended::Lost)?;
        let mut decoder = Decoder::new().with_max_frame_bytes(c.max_frame_bytes);
        loop {
            let frame = match next_item(&mut ws, &mut decoder).await {
                Ok(Some(Decoded::Frame(f))) => f,
                Ok(Some(Decoded::Heartbeat)) => continue,
                Ok(None) => {
                    return Err(Ended::Lost("the server closed the connection before CONNECTED".into()));
                }
                Err(e) => return Err(Ended::Lost(e)),
            };
            match frame.command {
                Command::Connected => {
                    let (send_every, expect_every) =
                        heartbeat(c.heart_beat_ms, frame.header("heart-beat").unwrap_or("0,0"))
                            .map_err(|e| Ended::Lost(e.to_string()))?;
                    let version = frame.header("version").unwrap_or("1.0");
                    if version != "1.2" {
                        return Err(Ended::Lost(format!("the server speaks STOMP {version}, not 1.2")));
                    }
                    // No heart-beats to send: a timer that never fires in practice.
                    let send_every = send_every.unwrap_or(Duration::from_secs(86_400));
                    return Ok((ws, send_every, expect_every));
                }
                Command::Error => return Err(Ended::Refused(error_text(&frame))),
                other => {
                    return Err(Ended::Lost(format!(
                        "the server answered CONNECT with {other}, not CONNECTED"
                    )));
                }
            }
        }
    }

    /// One connected session: subscriptions, messages to the connector, ACK/NACK, heart-beats
    /// both ways, requests as SEND frames.
    async fn session(
        &mut self,
        (mut ws, send_every, expect_every): (Ws, Duration, Option<Duration>),
    ) -> Ended {
        let connector = self.ingest.connector().to_string();
        let c = &self.stomp.config;
        let peer = self.url();
        TransportConnected { metrics: &self.metrics, peer: &peer }.emit();
        // Ids follow the destinations' order, the same in every session (durable subscriptions
        // are found again by id).
        let mut next_sub = 0_u64;
        let extra = c.subscribe_headers.clone();
        let mut subscribe = |d: &str| {
            next_sub += 1;
            let mut frame = Frame::new(Command::Subscribe)
                .with_header("id", format!("sub-{next_sub}"))
                .with_header("destination", d)
                .with_header("ack", "client-individual")
                .with_header("receipt", format!("sub-{next_sub}"));
            for (k, v) in &extra {
                frame = frame.with_header(k.clone(), v.clone());
            }
            frame
        };
        for d in &self.destinations {
            if let Err(e) = send(&mut ws, &subscribe(d)).await {
                return Ended::Lost(e);
            }
        }
        let mut receipts_pending = self.destinations.len();
        let mut decoder = Decoder::new().with_max_frame_bytes(c.max_frame_bytes);
        let mut in_flight: JoinSet<(String, bool)> = JoinSet::new();
        let max_in_flight = c.max_in_flight.max(1);
        let mut beat = tokio::time::interval_at(Instant::now() + send_every, send_every);
        beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let silence = expect_every.map(|e| e * HEART_BEAT_GRACE);
        let mut last_rx = Instant::now();
        let mut stop = self.shutdown.clone();
        loop {
            let deadline = silence.map(|limit| last_rx + limit);
            let watchdog = async move {
                match deadline {
                    Some(deadline) => tokio::time::sleep_until(deadline).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                () = stopped(&mut stop) => {
                    return self.close(ws, &mut decoder, in_flight).await;
                }
                () = watchdog => {
                    let limit = silence.unwrap_or_default();
                    return Ended::Lost(format!("the server was silent for {} ms (heart-beats promised every {} ms)", limit.as_millis(), expect_every.unwrap_or_default().as_millis()));
                }
                _ = beat.tick() => {
                    if let Err(e) = ws.send(WsMessage::text("\n")).await {
                        return Ended::Lost(format!("heart-beat not sent: {e}"));
                    }
                }
                Some(joined) = in_flight.join_next(), if !in_flight.is_empty() => {
                    let Ok((ack, committed)) = joined else { continue };
                    let frame = Frame::new(if committed { Command::Ack } else { Command::Nack }).with_header("id", ack);
                    if let Err(e) = send(&mut ws, &frame).await {
                        return Ended::Lost(e);
                    }
                }
                Some(command) = self.control.recv() => match command {
                    Control::Subscribe(d) => {
                        if d.is_empty() || d.contains(['\n', '\r', '\0']) {
                            tracing::warn!(connector, destination = d, "Subscription refused: not a STOMP destination.");
                        } else if !self.destinations.contains(&d) {
                            self.destinations.push(d.clone());
                            receipts_pending += 1;
                            if let Err(e) = send(&mut ws, &subscribe(&d)).await {
                                return Ended::Lost(e);
                            }
                        }
                    }
                    Control::Request { request, reply } if request.method == "CONNECT" => {
                        let before = self.stomp.target.clone();
                        let answer = self.retarget(&request);
                        let changed = answer.is_ok() && self.stomp.target != before;
                        let _ = reply.send(answer.map(|()| sent()).map_err(RequestError::Refused));
                        if changed {
                            return Ended::Lost("the connector gave another URL".into());
                        }
                    }
                    Control::Request { request, reply } => {
                        let mut frame = Frame::new(Command::Send).with_header("destination", request.target.clone());
                        for (k, v) in request.headers {
                            if !matches!(k.as_str(), "destination" | "content-length" | "receipt") {
                                frame = frame.with_header(k, v);
                            }
                        }
                        let frame = frame.with_body(request.body);
                        let result = send(&mut ws, &frame).await;
                        let lost = result.is_err();
                        let _ = reply.send(match result {
                            Ok(()) => Ok(sent()),
                            Err(e) => Err(RequestError::Unreachable(e)),
                        });
                        if lost {
                            return Ended::Lost("the connection failed while sending".into());
                        }
                    }
                },
                item = next_item(&mut ws, &mut decoder), if in_flight.len() < max_in_flight => {
                    last_rx = Instant::now();
                    let frame = match item {
                        Ok(Some(Decoded::Frame(f))) => f,
                        Ok(Some(Decoded::Heartbeat)) => continue,
                        Ok(None) => return Ended::Lost("the server closed the connection".into()),
                        Err(e) => return Ended::Lost(e),
                    };
                    match frame.command {
                        Command::Message => match frame.header("ack").map(str::to_string) {
                            Some(ack) => {
                                in_flight.spawn(deliver(std::sync::Arc::clone(&self.ingest), frame, ack));
                            }
                            None => tracing::warn!(connector, "STOMP MESSAGE without an ack header ignored (not a client-individual subscription)."),
                        },
                        Command::Receipt => {
                            receipts_pending = receipts_pending.saturating_sub(1);
                            if receipts_pending == 0 {
                                // Subscribed: the session works, the next failure starts the
                                // backoff again from its shortest wait.
                                self.backoff.reset();
                                ChannelsSubscribed { metrics: &self.metrics, channels: &self.destinations }.emit();
                            }
                        }
                        Command::Error => return Ended::Lost(error_text(&frame)),
                        other => tracing::debug!(connector, command = %other, "STOMP frame ignored."),
                    }
                }
            }
        }
    }

    /// Shutdown: waits for the messages in flight (ACKing those committed), then `DISCONNECT`.
    async fn close(
        &self,
        mut ws: Ws,
        decoder: &mut Decoder,
        mut in_flight: JoinSet<(String, bool)>,
    ) -> Ended {
        let connector = self.ingest.connector();
        let deadline = Instant::now() + SHUTDOWN_GRACE;
        while !in_flight.is_empty() {
            match tokio::time::timeout_at(deadline, in_flight.join_next()).await {
                Ok(Some(Ok((ack, true)))) => {
                    let _ = send(&mut ws, &Frame::new(Command::Ack).with_header("id", ack)).await;
                }
                Ok(Some(_)) => {}
                Ok(None) => break,
                Err(_) => {
                    tracing::warn!(
                        connector,
                        pending = in_flight.len(),
                        "STOMP messages still in flight at shutdown; the broker will redeliver them."
                    );
                    in_flight.abort_all();
                    break;
                }
            }
        }
        let disconnect = Frame::new(Command::Disconnect).with_header("receipt", "bye");
        if send(&mut ws, &disconnect).await.is_ok() {
            let _ = timeout(DISCONNECT_WAIT, async {
                while let Ok(Some(item)) = next_item(&mut ws, decoder).await {
                    if matches!(item, Decoded::Frame(ref f) if f.command == Command::Receipt) {
                        break;
                    }
                }
            })
            .await;
        }
        let _ = ws.close(None).await;
        tracing::info!(connector, "STOMP client stopped.");
        Ended::Shutdown
    }
}

/// The answer to a request the transport carried out (status 0: no protocol status).
fn sent() -> Answer {
    Answer { status: 0, headers: Vec::new(), body: Vec::new() }
}

/// Resolves once the runtime stops (or the sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Hands one MESSAGE to the connector; gives back its ack id and whether to ACK (committed, or
/// refused and dead-lettered) or NACK (not committed: after the sinks' retry delay, so the
/// broker's redelivery does not spin).
async fn deliver(ingest: std::sync::Arc<Ingest>, frame: Frame, ack: String) -> (String, bool) {
    let destination = frame.header("destination").unwrap_or_default().to_string();
    let headers: Vec<(String, String)> =
        frame.headers.iter().map(|(k, v)| (k.to_ascii_lowercase(), v.clone())).collect();
    let disposition = ingest.submit(destination.clone(), headers, frame.body).await;
    if disposition.acknowledge() {
        return (ack, true);
    }
    if let Disposition::RetryLater { reason, retry_after } = &disposition {
        tracing::warn!(
            connector = ingest.connector(),
            destination,
            reason,
            "STOMP message not committed; NACKed for redelivery."
        );
        sleep(*retry_after).await;
    }
    (ack, false)
}

/// Sends one frame in a text message when it is UTF-8, else in a binary one.
async fn send(ws: &mut Ws, frame: &Frame) -> Result<(), String> {
    let bytes = encode(frame);
    let message = match String::from_utf8(bytes) {
        Ok(text) => WsMessage::text(text),
        Err(e) => WsMessage::binary(Bytes::from(e.into_bytes())),
    };
    ws.send(message).await.map_err(|e| format!("cannot send {}: {e}", frame.command))
}

/// The next frame or heart-beat; `None` when the WebSocket closed.
async fn next_item(ws: &mut Ws, decoder: &mut Decoder) -> Result<Option<Decoded>, String> {
    loop {
        match decoder.next() {
            Ok(Some(item)) => return Ok(Some(item)),
            Ok(None) => {}
            Err(e) => return Err(frame_error(&e)),
        }
        match ws.next().await {
            Some(Ok(WsMessage::Text(t))) => decoder.push(t.as_bytes()),
            Some(Ok(WsMessage::Binary(b))) => decoder.push(&b),
            Some(Ok(WsMessage::Close(close))) => {
                let why = close.map(|c| format!(" ({} {})", u16::from(c.code), c.reason)).unwrap_or_default();
                return Err(format!("the server closed the WebSocket{why}"));
            }
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(format!("WebSocket failed: {e}")),
            None => return Ok(None),
        }
    }
}

fn frame_error(e: &FrameError) -> String {
    format!("bad STOMP stream: {e}")
}

/// An ERROR frame's `message` header and body, for the log and the status.
fn error_text(frame: &Frame) -> String {
    let message = frame.header("message").unwrap_or("(no message header)");
    let body = String::from_utf8_lossy(&frame.body);
    let body = body.trim();
    if body.is_empty() {
        format!("STOMP ERROR: {message}")
    } else {
        format!("STOMP ERROR: {message}: {body}")
    }
}
