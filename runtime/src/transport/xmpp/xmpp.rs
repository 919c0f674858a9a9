use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use futures::future::BoxFuture;
use rustls::ClientConfig;
use rustls::pki_types::ServerName;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio_xmpp::Stanza;
use tokio_xmpp::connect::ServerConnector;
use tokio_xmpp::jid::Jid;
use tokio_xmpp::minidom::Element;
use tokio_xmpp::parsers::iq::Iq;
use tokio_xmpp::parsers::presence::Presence;
use tokio_xmpp::parsers::stanza_error::{DefinedCondition, ErrorType, StanzaError};
use tokio_xmpp::stanzastream::{Connection, Event, StanzaStream, StreamEvent};
use tokio_xmpp::xmlstream::{StreamHeader, Timeouts};

use super::{StartTls, XmppConfig};
use crate::actor::Ingest;
use crate::events::{TransportConnected, TransportDisconnected, TransportMetrics};
use crate::message::Bytes;
use crate::net::Backoff;
use crate::plugin::bindings::{Answer, Request, RequestError};
use crate::transport::{Control, Running, Transport, TransportContext, TransportError};

/// The namespace of client stanzas.
const NS_CLIENT: &str = "jabber:client";
/// Requests made while logging in, held until the session is up (bounded).
const MAX_WAITING: usize = 64;

/// The XMPP client transport. Its task logs in, sends the driver's IQ requests and matches their
/// answers by id, hands inbound messages to the connector, and logs in again with backoff when
/// the connection is lost or a login fails.
pub struct Xmpp {
    pub(super) config: XmppConfig,
    pub(super) jid: Jid,
    pub(super) password: String,
    pub(super) tls: Arc<ClientConfig>,
    pub(super) server_name: ServerName<'static>,
}

impl std::fmt::Debug for Xmpp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Xmpp").field("config", &self.config).field("password", &"***").finish_non_exhaustive()
    }
}

impl Transport for Xmpp {
    fn start(self: Box<Self>, cx: TransportContext) -> BoxFuture<'static, Result<Running, TransportError>> {
        Box::pin(async move {
            let c = &self.config;
            let connector = StartTls::new(
                &self.jid,
                c.server.as_deref(),
                Arc::clone(&self.tls),
                self.server_name.clone(),
            );
            let backoff = Backoff::new(
                Duration::from_millis(c.reconnect_min_ms),
                Duration::from_millis(c.reconnect_max_ms),
            )
            .with_key(self.jid.as_str());
            if !cx.subscriptions.is_empty() {
                tracing::debug!(
                    connector = cx.ingest.connector(),
                    channels = cx.subscriptions.len(),
                    "XMPP has no channels to subscribe to; ignored."
                );
            }
            tracing::info!(connector = cx.ingest.connector(), jid = %self.jid, server = c.server.as_deref().unwrap_or("(DNS SRV)"), "XMPP client starting.");
            let peer = c.server.clone().unwrap_or_else(|| self.jid.domain().to_string());
            let io = Io {
                jid: self.jid,
                password: self.password,
                connector,
                presence: c.presence,
                ingest: cx.ingest,
                metrics: cx.metrics,
                max_in_flight: c.max_in_flight.max(1),
                peer,
                next_id: 0,
            };
            let task = tokio::spawn(run(io, cx.control, cx.shutdown, backoff));
            Ok(Running { local_addr: None, task })
        })
    }
}

/// What the I/O task works with.
struct Io {
    jid: Jid,
    password: String,
    connector: StartTls,
    presence: bool,
    ingest: Ingest,
    metrics: TransportMetrics,
    max_in_flight: usize,
    peer: String,
    next_id: u64,
}

/// Where an answer goes.
type Reply = oneshot::Sender<Result<Answer, RequestError>>;

/// A failed login: why, and when the next attempt is.
type LoginFailure = (String, u64);

/// Runs the stream until shutdown. tokio-xmpp's [`StanzaStream`] keeps the session (and
/// reconnects when it is lost) with logins made by [`reconnector`]; this loop sends the
/// driver's requests, matches answers by id and hands messages to the connector.
///
/// Requests made before the first login or while a reconnect is under way wait (up to
/// [`MAX_WAITING`]); once a login has failed, they are refused at once as unreachable, with
/// the reason, until a login succeeds.
async fn run(
    mut io: Io,
    mut control: mpsc::Receiver<Control>,
    mut shutdown: watch::Receiver<bool>,
    backoff: Backoff,
) -> Result<(), TransportError> {
    let connector_name = io.ingest.connector().to_string();
    let (failures_tx, mut failures) = mpsc::channel::<LoginFailure>(8);
    let login = reconnector(&io, backoff, failures_tx);
    let mut stream = StanzaStream::new(Box::new(login), 16);
    let mut in_flight: JoinSet<()> = JoinSet::new();
    let mut online = false;
    let mut last_error: Option<String> = None;
    // Requests made while logging in, sent once online.
    let mut waiting: Vec<(Request, Reply)> = Vec::new();
    // Requests sent, by the IQ id given to them.
    let mut pending: HashMap<String, Reply> = HashMap::new();
    loop {
        tokio::select! {
            () = stopped(&mut shutdown) => break,
            Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
            Some((error, retry_in_ms)) = failures.recv() => {
                TransportDisconnected { metrics: &io.metrics, error: &error, retry_in_ms }.emit();
                let why = format!("not connected to the XMPP server: {error}");
                for (_, reply) in waiting.drain(..) {
                    let _ = reply.send(Err(RequestError::Unreachable(why.clone())));
                }
                last_error = Some(error);
            }
            Some(command) = control.recv() => match command {
                Control::Request { request, reply } if online => {
                    send_request(&mut io, &stream, &mut pending, request, reply).await;
                }
                Control::Request { reply, .. } if last_error.is_some() => {
                    let why = format!("not connected to the XMPP server: {}", last_error.as_deref().unwrap_or_default());
                    let _ = reply.send(Err(RequestError::Unreachable(why)));
                }
                Control::Request { request, reply } if waiting.len() < MAX_WAITING => waiting.push((request, reply)),
                Control::Request { reply, .. } => {
                    let _ = reply.send(Err(RequestError::Refused("too many requests waiting for the XMPP login".into())));
                }
                subscribe @ Control::Subscribe(_) => subscribe.refuse(&connector_name, "XMPP has no channels"),
            },
            event = stream.next(), if in_flight.len() < io.max_in_flight => match event {
                Some(Event::Stream(StreamEvent::Reset { bound_jid, .. })) => {
                    online = true;
                    last_error = None;
                    TransportConnected { metrics: &io.metrics, peer: &io.peer }.emit();
                    tracing::debug!(connector = connector_name, jid = %bound_jid, "XMPP session open.");
                    // A new session: answers to what the old one sent will not come.
                    for (_, reply) in pending.drain() {
                        let _ = reply.send(Err(RequestError::Unreachable("the XMPP session was lost before the answer".into())));
                    }
                    if io.presence {
                        stream.send(Box::new(Stanza::Presence(Presence::available()))).await;
                    }
                    for (request, reply) in std::mem::take(&mut waiting) {
                        send_request(&mut io, &stream, &mut pending, request, reply).await;
                    }
                }
                Some(Event::Stream(StreamEvent::Resumed)) => {
                    online = true;
                    last_error = None;
                    TransportConnected { metrics: &io.metrics, peer: &io.peer }.emit();
                    for (request, reply) in std::mem::take(&mut waiting) {
                        send_request(&mut io, &stream, &mut pending, request, reply).await;
                    }
                }
                Some(Event::Stream(StreamEvent::Suspended)) => {
                    online = false;
                    tracing::info!(connector = connector_name, "XMPP connection lost; reconnecting.");
                }
                Some(Event::Stanza(stanza)) => inbound(&io, &stream, &mut pending, &mut in_flight, stanza).await,
                None => {
                    tracing::error!(connector = connector_name, "XMPP stream failed for good; the transport stops.");
                    break;
                }
            },
        }
    }
    tracing::info!(connector = connector_name, in_flight = in_flight.len(), "XMPP client stopping.");
    for reply in waiting.drain(..).map(|(_, r)| r).chain(pending.drain().map(|(_, r)| r)) {
        let _ = reply.send(Err(RequestError::Unreachable("the XMPP transport stopped".into())));
    }
    // Inbound messages being handled finish (committed or dead-lettered), briefly.
    let _ =
        tokio::time::timeout(SHUTDOWN_GRACE, async { while in_flight.join_next().await.is_some() {} }).await;
    in_flight.abort_all();
    let _ = tokio::time::timeout(SHUTDOWN_GRACE, stream.close()).await;
    Ok(())
}

/// Resolves once the runtime shuts down (or the sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// How long shutdown waits for messages being handled and for the stream's close.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// What tokio-xmpp calls for each new connection: a task that logs in (STARTTLS, SASL) until
/// it succeeds, waiting with `backoff` between attempts and reporting each failure.
fn reconnector(
    io: &Io,
    backoff: Backoff,
    failures: mpsc::Sender<LoginFailure>,
) -> impl FnMut(Option<String>, oneshot::Sender<Connection>) + Send + 'static {
    let (connector, jid, password) = (io.connector.clone(), io.jid.clone(), io.password.clone());
    let backoff = Arc::new(std::sync::Mutex::new(backoff));
    move |_, mut slot: oneshot::Sender<Connection>| {
        let (connector, jid, password) = (connector.clone(), jid.clone(), password.clone());
        let (backoff, failures) = (Arc::clone(&backoff), failures.clone());
        tokio::spawn(async move {
            while !slot.is_closed() {
                match login(&connector, &jid, &password).await {
                    Ok(connection) => {
                        if let Ok(mut b) = backoff.lock() {
                            b.reset();
                        }
                        let _ = slot.send(connection);
                        return;
                    }
                    Err(e) => {
                        let wait = backoff.lock().map_or(Duration::from_secs(30), |mut b| b.next());
                        let retry_in_ms = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
                        let _ = failures.try_send((describe(&e), retry_in_ms));
                        tokio::select! {
                            () = tokio::time::sleep(wait) => {}
                            () = slot.closed() => return,
                        }
                    }
                }
            }
        });
    }
}

/// One login: STARTTLS, SASL (SCRAM-SHA-256, SCRAM-SHA-1 or PLAIN over TLS), the stream opened
/// again; resource binding is the [`StanzaStream`]'s.
async fn login(connector: &StartTls, jid: &Jid, password: &str) -> Result<Connection, tokio_xmpp::Error> {
    let username = jid.node().map(|n| n.to_string()).ok_or(tokio_xmpp::Error::InvalidState)?;
    let timeouts = Timeouts::default();
    let (stream, binding) = connector.connect(jid, NS_CLIENT, timeouts).await?;
    let (features, stream) = stream.recv_features().await?;
    let credentials = sasl::common::Credentials::default()
        .with_username(username)
        .with_password(password)
        .with_channel_binding(binding);
    let stream = tokio_xmpp::client_login(stream, features.sasl_mechanisms, credentials).await?;
    let header = StreamHeader { to: Some(Cow::Owned(jid.domain().to_string())), from: None, id: None };
    let (features, stream) = stream.send_header(header).await?.recv_features().await?;
    Ok(Connection { stream: stream.box_stream(), features, identity: jid.clone() })
}

/// Words for a failed login; a refused password says so.
fn describe(e: &tokio_xmpp::Error) -> String {
    match e {
        tokio_xmpp::Error::Auth(_) => format!("login refused (check the JID and the password): {e}"),
        _ => e.to_string(),
    }
}

/// Sends a driver's request as an `<iq>` and remembers where its answer goes. A request that
/// cannot be an IQ is refused at once.
async fn send_request(
    io: &mut Io,
    stream: &StanzaStream,
    pending: &mut HashMap<String, Reply>,
    request: Request,
    reply: Reply,
) {
    io.next_id = io.next_id.wrapping_add(1);
    let id = format!("passerelle-{}-{}", request.id, io.next_id);
    let iq = match iq(&request, &id) {
        Ok(iq) => iq,
        Err(why) => {
            let _ = reply.send(Err(RequestError::Refused(why)));
            return;
        }
    };
    // Answers the driver gave up on (timed out) are forgotten.
    pending.retain(|_, r| !r.is_closed());
    pending.insert(id, reply);
    stream.send(Box::new(Stanza::Iq(iq))).await;
}

/// The `<iq>` of a request: type from the method (`get` or `set`), `to` from the target, the
/// body as its one child element.
fn iq(request: &Request, id: &str) -> Result<Iq, String> {
    let kind = request.method.to_ascii_lowercase();
    let to = Some(super::parse_jid(&request.target)?);
    let body = std::str::from_utf8(&request.body).map_err(|_| "the body is not UTF-8".to_string())?;
    let payload: Element =
        body.trim().parse().map_err(|e| format!("the body is not one XML element: {e}"))?;
    let id = id.to_string();
    match kind.as_str() {
        "get" => Ok(Iq::Get { from: None, to, id, payload }),
        "set" => Ok(Iq::Set { from: None, to, id, payload }),
        _ => Err(format!("method {:?}: an XMPP request is an IQ of type get or set", request.method)),
    }
}

/// Handles one inbound stanza: an IQ answer goes to its request, an IQ request is answered
/// `service-unavailable`, a message goes to the connector.
async fn inbound(
    io: &Io,
    stream: &StanzaStream,
    pending: &mut HashMap<String, Reply>,
    in_flight: &mut JoinSet<()>,
    stanza: Stanza,
) {
    let connector_name = io.ingest.connector();
    match stanza {
        Stanza::Iq(iq) => {
            let (kind, id, from) = match &iq {
                Iq::Result { id, from, .. } => ("result", id.clone(), from.clone()),
                Iq::Error { id, from, .. } => ("error", id.clone(), from.clone()),
                Iq::Get { id, from, .. } | Iq::Set { id, from, .. } => {
                    let error = StanzaError::new(
                        ErrorType::Cancel,
                        DefinedCondition::ServiceUnavailable,
                        "en",
                        "this client answers no requests",
                    );
                    let answer =
                        Iq::Error { from: None, to: from.clone(), id: id.clone(), error, payload: None };
                    stream.send(Box::new(Stanza::Iq(answer))).await;
                    return;
                }
            };
            match pending.remove(&id) {
                Some(reply) => {
                    let from = from.map(|j| j.to_string()).unwrap_or_default();
                    let headers = vec![("type".to_string(), kind.to_string()), ("from".to_string(), from)];
                    let body = String::from(&Element::from(iq)).into_bytes();
                    let _ = reply.send(Ok(Answer { status: 0, headers, body }));
                }
                None => {
                    tracing::debug!(
                        connector = connector_name,
                        id,
                        "IQ answer for no pending request (timed out?) dropped."
                    );
                }
            }
        }
        Stanza::Message(message) => {
            let element = Element::from(message);
            let from = element.attr("from").unwrap_or_default().to_string();
            let channel = super::parse_jid(&from).map_or_else(|_| from.clone(), |j| j.to_bare().to_string());
            let mut headers = vec![("from".to_string(), from)];
            for name in ["type", "id"] {
                if let Some(v) = element.attr(name) {
                    headers.push((name.to_string(), v.to_string()));
                }
            }
            let body = Bytes::from(String::from(&element).into_bytes());
            let ingest = io.ingest.clone();
            in_flight.spawn(async move {
                let disposition = ingest.submit(channel.clone(), headers, body).await;
                if !disposition.acknowledge() {
                    tracing::warn!(
                        connector = ingest.connector(),
                        channel,
                        ?disposition,
                        "XMPP message not committed; XMPP does not deliver it again."
                    );
                }
            });
        }
        Stanza::Presence(_) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::iq;
    use crate::plugin::bindings::Request;

    fn request(method: &str, target: &str, body: &str) -> Request {
        Request {
            id: 7,
            method: method.into(),
            target: target.into(),
            headers: Vec::new(),
            body: body.as_bytes().to_vec(),
            timeout_ms: None,
        }
    }

    #[test]
    fn a_request_becomes_an_iq_around_its_body() {
        let body =
            r#"<command xmlns="http://jabber.org/protocol/commands" node="get_daily" action="execute"/>"#;
        let iq = iq(&request("SET", "proxy@example.org/proxy", body), "p-1").unwrap();
        let xml = String::from(&tokio_xmpp::minidom::Element::from(iq));
        assert!(xml.starts_with("<iq xmlns='jabber:client' "), "{xml}");
        assert!(xml.contains("type='set'"), "{xml}");
        assert!(xml.contains("id='p-1'"), "{xml}");
        assert!(xml.contains("to='proxy@example.org/proxy'"), "{xml}");
        assert!(xml.contains("<command xmlns='http://jabber.org/protocol/commands'"), "{xml}");
        assert!(xml.contains("node='get_daily'"), "{xml}");
    }

    #[test]
    fn bad_requests_are_refused_with_the_reason() {
        let body = "<ping xmlns='urn:xmpp:ping'/>";
        assert!(iq(&request("POST", "a@b", body), "x").unwrap_err().contains("get or set"));
        assert!(iq(&request("get", "a@b@c", body), "x").unwrap_err().contains("not a JID"));
        assert!(iq(&request("get", "a@b", "<a><b></a>"), "x").unwrap_err().contains("not one XML element"));
    }
}
