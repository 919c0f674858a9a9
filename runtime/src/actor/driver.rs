//! The connector driver: one per connector, it owns the plugin's life and executes the whole
//! connector world.
//!
//! ```text
//!            start, tick (the runtime's clock), response (matched by id)
//! driver  ------------------------------------------------------------->  connector plugin
//!         <-------------------------------------------------------------
//!            emit-frames / emit-readings: routed and committed before the next event
//!            subscribe: handed to the transport, live
//!            request: http(s):// to the driver's HTTP client, any other target to the
//!                     transport; the outcome comes back as a `response`, a time-out as
//!                     `request-error.timeout`
//! ```
//! Inbound units go from the transport straight to the plugin through [`super::Ingest`]; the
//! subscriptions and requests the plugin makes while handling one come here. The driver is an
//! async task: plugin calls run on the connector's pool threads, never on the executor.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;

use super::Router;
use super::connector::{ConnectorActor, ConnectorCall};
use super::ingest::Emitted;
use super::pool::Pool;
use super::state::ConnectorState;
use crate::component::Clock;
use crate::events::error_chain;
use crate::events::{ConnectorEventFailed, DriverMetrics, FrameDeadLettered, RequestFinished};
use crate::message::{Control, Stage};
use crate::net::Backoff;
use crate::plugin::PluginError;
use crate::plugin::bindings::{Answer, Command, Event, Request, RequestError, Response};

/// Default interval between two ticks: 1 second.
pub const DEFAULT_TICK_MS: u64 = 1_000;
/// Default time-out of a request: 10 seconds.
pub const DEFAULT_REQUEST_TIMEOUT_MS: u64 = 10_000;
/// Default number of requests of one connector in flight at once: 16. Past it, a request is
/// answered at once with `request-error.refused`.
pub const DEFAULT_MAX_REQUESTS: usize = 16;
/// Largest answer body the HTTP client reads: 16 MiB; a longer one is `request-error.other`.
pub const MAX_ANSWER_BYTES: usize = 16 * 1024 * 1024;
/// Capacity of the queue of commands from inbound units to the driver, and of the driver's
/// control queue to the transport: 64.
pub const COMMAND_CAPACITY: usize = 64;
/// First wait before routing a tick's or response's emits again after a failed commit.
const COMMIT_RETRY_MIN: Duration = Duration::from_millis(100);
/// Longest wait between two attempts.
const COMMIT_RETRY_MAX: Duration = Duration::from_secs(30);

/// How a driver runs, from the connector's config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct DriverSettings {
    /// Interval between ticks; none: no ticks.
    pub(crate) tick: Option<Duration>,
    /// Time-out of a request that sets none.
    pub(crate) request_timeout: Duration,
    /// Requests in flight at most.
    pub(crate) max_requests: usize,
}

/// One connector's driver.
#[derive(Debug)]
pub(crate) struct Driver {
    pub(crate) connector: Arc<str>,
    pub(crate) pool: Pool<ConnectorActor>,
    pub(crate) router: Router,
    pub(crate) readings_sinks: Arc<[Arc<str>]>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) http: Option<HttpClient>,
    /// The secrets the connector's config lists, by name, for `{secret:NAME}` in requests.
    pub(crate) secrets: Vec<(String, String)>,
    pub(crate) settings: Vec<(String, String)>,
    pub(crate) commands: mpsc::Receiver<Command>,
    pub(crate) transport: mpsc::Sender<Control>,
    pub(crate) metrics: DriverMetrics,
    pub(crate) config: DriverSettings,
    pub(crate) state: ConnectorState,
}

/// The driver's HTTP client (feature `http-client`).
#[cfg(feature = "http-client")]
pub(crate) type HttpClient = crate::net::http::HttpClient;
/// No HTTP client in this build: `http(s)://` requests are refused.
#[cfg(not(feature = "http-client"))]
pub(crate) type HttpClient = ();

/// What a request comes back as: its id, target, and outcome.
type Finished = (u64, String, Result<Answer, RequestError>);

/// What `start` asked for.
#[derive(Debug, Default)]
pub(crate) struct Started {
    /// Channels to subscribe to from the start.
    pub(crate) subscriptions: Vec<String>,
    /// Every other command, executed once the driver runs.
    pub(crate) pending: Vec<Command>,
}

impl Driver {
    /// Gives the plugin its `start`; returns the channels it subscribes to and the rest of its
    /// commands (executed once [`Driver::run`] runs, after the transport started).
    ///
    /// # Errors
    /// The plugin refuses its settings or fails.
    pub(crate) async fn start(&self) -> Result<Started, PluginError> {
        let start = ConnectorCall::Event(Event::Start(self.settings.clone()));
        let commands =
            self.pool.call(start).await.map_err(|e| PluginError::host("starting the connector", e))??;
        let mut started = Started::default();
        for c in commands {
            match c {
                Command::Subscribe(channel) => started.subscriptions.push(channel),
                other => started.pending.push(other),
            }
        }
        Ok(started)
    }

    /// Runs until `shutdown`: ticks, responses, and the commands of inbound units.
    pub(crate) async fn run(mut self, pending: Vec<Command>, shutdown: watch::Receiver<bool>) {
        let mut requests: JoinSet<Finished> = JoinSet::new();
        let mut ready: VecDeque<Response> = VecDeque::new();
        self.execute(pending, &mut requests, &mut ready, &shutdown).await;
        let period = self.config.tick.unwrap_or(Duration::from_secs(3600));
        let mut ticker = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut stop = shutdown.clone();
        loop {
            if *shutdown.borrow() {
                break;
            }
            if let Some(response) = ready.pop_front() {
                self.event(Event::Response(response), &mut requests, &mut ready, &shutdown).await;
                // A plugin that asks again at once for a refused request must not hold the
                // executor thread: let the other tasks run between two refusals.
                tokio::task::yield_now().await;
                continue;
            }
            tokio::select! {
                () = async { let _ = stop.wait_for(|stop| *stop).await; } => break,
                _ = ticker.tick(), if self.config.tick.is_some() => {
                    self.metrics.ticks.add(1);
                    let now = self.clock.now_ms();
                    self.event(Event::Tick(now), &mut requests, &mut ready, &shutdown).await;
                }
                Some(joined) = requests.join_next(), if !requests.is_empty() => {
                    let Ok((id, target, result)) = joined else { continue };
                    let connector = &self.connector;
                    RequestFinished { metrics: &self.metrics, connector, target: &target, result: &result }.emit();
                    self.event(Event::Response(Response { id, outcome: result }), &mut requests, &mut ready, &shutdown).await;
                }
                Some(command) = self.commands.recv() => {
                    self.execute(vec![command], &mut requests, &mut ready, &shutdown).await;
                }
            }
        }
        requests.abort_all();
        tracing::debug!(connector = %self.connector, "Connector driver stopped.");
    }

    /// Gives the plugin one event and executes what it asks.
    async fn event(
        &mut self,
        event: Event,
        requests: &mut JoinSet<Finished>,
        ready: &mut VecDeque<Response>,
        shutdown: &watch::Receiver<bool>,
    ) {
        let name = match &event {
            Event::Start(_) => "start",
            Event::Restore(_) => "restore",
            Event::Inbound(_) => "inbound",
            Event::Tick(_) => "tick",
            Event::Response(_) => "response",
        };
        match self.pool.call(ConnectorCall::Event(event)).await {
            Ok(Ok(commands)) => self.execute(commands, requests, ready, shutdown).await,
            Ok(Err(e)) => {
                let error = error_chain(&e);
                let connector = &self.connector;
                ConnectorEventFailed { metrics: &self.metrics, connector, event: name, error: &error }.emit();
            }
            Err(_) => {}
        }
    }

    /// Executes commands in order: emits are committed (retried until they are, or the driver
    /// stops), subscriptions go to the transport, requests start.
    async fn execute(
        &mut self,
        commands: Vec<Command>,
        requests: &mut JoinSet<Finished>,
        ready: &mut VecDeque<Response>,
        shutdown: &watch::Receiver<bool>,
    ) {
        let mut emitted = Emitted::default();
        let now = self.clock.now_ms();
        for command in commands {
            match emitted.take(&self.connector, now, command) {
                None => {}
                Some(Command::Subscribe(channel)) => self.subscribe(channel).await,
                Some(Command::Request(request)) => self.request(request, requests, ready),
                Some(Command::Accept(id)) => {
                    tracing::debug!(connector = %self.connector, id, "Accept outside an inbound unit ignored.");
                }
                Some(Command::Reject(r)) => {
                    tracing::debug!(connector = %self.connector, id = r.id, "Reject outside an inbound unit ignored.");
                }
                Some(
                    Command::EmitFrames(_)
                    | Command::EmitReadings(_)
                    | Command::EmitTaggedReadings(_)
                    | Command::DeadLetter(_)
                    | Command::Save(_),
                ) => {}
            }
        }
        if !emitted.is_empty() && !self.commit(&emitted, shutdown).await {
            return;
        }
        emitted.save(&self.connector, &self.state).await;
    }

    /// Hands a subscription to the transport.
    async fn subscribe(&self, channel: String) {
        if self.transport.send(Control::Subscribe(channel)).await.is_err() {
            tracing::warn!(connector = %self.connector, "Subscription dropped: the transport is stopped.");
        }
    }

    /// Routes what a tick or a response emitted; a failed commit is tried again with a growing
    /// wait (the driver gives the plugin no other event meanwhile: backpressure). False when the
    /// driver stopped first.
    async fn commit(&self, emitted: &Emitted, shutdown: &watch::Receiver<bool>) -> bool {
        let mut backoff = Backoff::new(COMMIT_RETRY_MIN, COMMIT_RETRY_MAX).with_key(&self.connector);
        for r in &emitted.rejected {
            let metrics = &self.router.metrics;
            FrameDeadLettered { metrics, stage: Stage::Connector, plugin: None, error: &r.error }.emit();
        }
        loop {
            let error = match self.router.route(emitted.route(&self.readings_sinks)).await {
                Ok(_) => return true,
                Err(e) => e,
            };
            if *shutdown.borrow() {
                tracing::error!(
                    connector = %self.connector,
                    frames = emitted.frames.len(),
                    readings = emitted.readings.len(),
                    error = %error_chain(&error),
                    "Emitted data not committed at shutdown; it is lost unless the source sends it again."
                );
                return false;
            }
            let pause = backoff.next().max(error.retry_after()).min(COMMIT_RETRY_MAX);
            tracing::warn!(connector = %self.connector, error = %error_chain(&error), retry_in_ms = pause.as_millis() as u64, "Commit failed; trying again.");
            let mut stop = shutdown.clone();
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        }
    }

    /// Starts a request: `http(s)://` targets on the HTTP client, the rest on the transport.
    fn request(
        &self,
        mut request: Request,
        requests: &mut JoinSet<Finished>,
        ready: &mut VecDeque<Response>,
    ) {
        let id = request.id;
        // Logged and reported as the plugin wrote it, never with a secret's value.
        let shown = request.target.clone();
        if let Err(why) = fill_secrets(&mut request, &self.secrets) {
            ready.push_back(Response { id, outcome: Err(RequestError::Refused(why)) });
            return;
        }
        if requests.len() >= self.config.max_requests {
            let why = format!("too many requests in flight (at most {})", self.config.max_requests);
            ready.push_back(Response { id, outcome: Err(RequestError::Refused(why)) });
            return;
        }
        let timeout =
            request.timeout_ms.map_or(self.config.request_timeout, |ms| Duration::from_millis(ms.into()));
        let timeout_ms = u32::try_from(timeout.as_millis()).unwrap_or(u32::MAX);
        let target = shown;
        let is_http = request.target.starts_with("http://") || request.target.starts_with("https://");
        let outcome: futures::future::BoxFuture<'static, Result<Answer, RequestError>> = if is_http {
            match &self.http {
                #[cfg(feature = "http-client")]
                Some(client) => Box::pin(http(client.clone(), request)),
                _ => Box::pin(async {
                    Err(RequestError::Refused("no HTTP client (cargo feature http-client)".into()))
                }),
            }
        } else {
            let (reply, answer) = oneshot::channel();
            match self.transport.try_send(Control::Request { request, reply }) {
                Ok(()) => Box::pin(async move {
                    answer.await.unwrap_or_else(|_| {
                        Err(RequestError::Other("the transport dropped the request".into()))
                    })
                }),
                Err(mpsc::error::TrySendError::Full(_)) => {
                    Box::pin(async { Err(RequestError::Refused("the transport's queue is full".into())) })
                }
                Err(mpsc::error::TrySendError::Closed(_)) => {
                    Box::pin(async { Err(RequestError::Refused("the transport is stopped".into())) })
                }
            }
        };
        requests.spawn(async move {
            let result = match tokio::time::timeout(timeout, outcome).await {
                Ok(result) => result,
                Err(_) => Err(RequestError::Timeout(timeout_ms)),
            };
            (id, target, result)
        });
    }
}

/// Replaces `{secret:NAME}` in the target and header values with the secrets' values.
///
/// # Errors
/// The name of a secret the connector's `secrets` does not list.
fn fill_secrets(request: &mut Request, secrets: &[(String, String)]) -> Result<(), String> {
    const OPEN: &str = "{secret:";
    let fill = |text: &mut String| -> Result<(), String> {
        if !text.contains(OPEN) {
            return Ok(());
        }
        let mut out = String::with_capacity(text.len());
        let mut rest = text.as_str();
        while let Some(start) = rest.find(OPEN) {
            out.push_str(rest.get(..start).unwrap_or_default());
            let after = rest.get(start + OPEN.len()..).unwrap_or_default();
            let end = after.find('}').ok_or_else(|| "an unclosed {secret: in the request".to_string())?;
            let name = after.get(..end).unwrap_or_default();
            let value = secrets
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v)
                .ok_or_else(|| format!("secret {name:?} is not in the connector's `secrets` list"))?;
            out.push_str(value);
            rest = after.get(end + 1..).unwrap_or_default();
        }
        out.push_str(rest);
        *text = out;
        Ok(())
    };
    fill(&mut request.target)?;
    for (_, value) in &mut request.headers {
        fill(value)?;
    }
    Ok(())
}

/// Executes an HTTP request; the body read is capped at [`MAX_ANSWER_BYTES`].
#[cfg(feature = "http-client")]
async fn http(client: HttpClient, request: Request) -> Result<Answer, RequestError> {
    use crate::net::http::HttpError;
    let Request { method, target, headers, body, .. } = request;
    match client.send(&method, &target, &headers, body, MAX_ANSWER_BYTES).await {
        Ok(a) => Ok(Answer { status: a.status, headers: a.headers, body: a.body }),
        Err(HttpError::Invalid(why)) => Err(RequestError::Refused(why)),
        Err(HttpError::Unreachable(why)) => Err(RequestError::Unreachable(why)),
        Err(e @ HttpError::Body(_)) => Err(RequestError::Other(e.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(target: &str, header: &str) -> Request {
        Request {
            id: 1,
            method: "GET".into(),
            target: target.into(),
            headers: vec![("authorization".into(), header.into())],
            body: Vec::new(),
            timeout_ms: None,
        }
    }

    #[test]
    fn listed_secrets_fill_the_target_and_headers_and_others_are_refused() {
        let secrets = vec![("TOKEN".to_string(), "s3cr3t".to_string()), ("KEY".to_string(), "k".to_string())];
        let mut r = request("https://api/v?key={secret:KEY}&a=1", "Bearer {secret:TOKEN}");
        fill_secrets(&mut r, &secrets).unwrap();
        assert_eq!(r.target, "https://api/v?key=k&a=1");
        assert_eq!(r.headers[0].1, "Bearer s3cr3t");
        let mut r = request("https://api/v", "Bearer {secret:HOME}");
        let err = fill_secrets(&mut r, &secrets).unwrap_err();
        assert!(err.contains("\"HOME\" is not in the connector's `secrets`"), "{err}");
        let mut r = request("https://api/{secret:KEY", "x");
        assert!(fill_secrets(&mut r, &secrets).unwrap_err().contains("unclosed"));
    }
}
