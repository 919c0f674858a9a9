use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use tokio::sync::mpsc;

use super::breaker::{Admit, Breaker, Fault};
use super::connector::{ConnectorActor, ConnectorCall, ConnectorCalls, ConnectorUnits};
use super::pool::{Pool, Stopped};
use super::refusals::RecentRefusals;
use super::state::ConnectorState;
use super::{Route, RouteError, Router};
use crate::component::Clock;
use crate::events::error_chain;
use crate::events::{FrameDeadLettered, InboundAnswered, InboundMetrics, InboundOverran, Overrun};
use crate::message::{
    DEFAULT_RETRY_AFTER, Disposition, Frame, FrameOutcome, Reading, RefusedBy, Rejected, Stage, Tags,
};
use crate::plugin::PluginError;
use crate::plugin::bindings::connector::passerelle::plugin::types::Value as ConnectorValue;
use crate::plugin::bindings::{Command, Refusal};

/// The door a transport pushes inbound units through: connector plugin -> router -> sinks.
/// Cheap to clone; usable from any tokio runtime.
#[derive(Debug, Clone)]
pub struct Ingest {
    pub(crate) connector: Arc<str>,
    pub(crate) pool: Pool<ConnectorActor>,
    /// The same pool, for first tries: concurrent units share hand-offs.
    pub(crate) units: ConnectorUnits,
    pub(crate) router: Router,
    pub(crate) readings_sinks: Arc<[Arc<str>]>,
    pub(crate) next_id: Arc<AtomicU64>,
    pub(crate) metrics: InboundMetrics,
    pub(crate) clock: Arc<dyn Clock>,
    /// Subscriptions and requests the plugin made while handling a unit, for the driver.
    pub(crate) driver: mpsc::Sender<Command>,
    /// What the plugin saves.
    pub(crate) state: ConnectorState,
    /// Units refused lately (one dead letter per refused unit, not one per retry).
    pub(crate) refusals: Arc<RecentRefusals>,
    /// The connector plugin's breaker: counts units whose calls overran even their retry.
    pub(crate) breaker: Arc<Breaker>,
}

/// What becomes of an inbound unit whose connector call runs past its deadline. A deadline is
/// not the sender's fault (a healthy call overruns on a starved machine): the unit is never
/// refused for it.
#[derive(Debug, Clone)]
// Without the `files` feature only the first case is used (the others are the file chunks').
#[cfg_attr(not(feature = "files"), allow(dead_code))]
pub(crate) enum OnOverrun {
    /// Call it once more on a fresh instance with the longer deadline
    /// ([`crate::plugin::Limits::retry_deadline_ticks`]); past that too, answer
    /// [`Disposition::RetryLater`] and count a deadline in the breaker.
    RetryThenLater,
    /// Hand it back at once ([`Overran`]): a file chunk of several records, which the caller
    /// splits.
    HandBack,
    /// Retry as [`OnOverrun::RetryThenLater`]; past the longer deadline too, dead-letter it
    /// (stage `plugin`) under `subject` (a single record of a file: `file:line`) and count a
    /// deadline in the breaker.
    RetryThenDeadLetter {
        /// The dead letter's subject (its device column).
        subject: String,
    },
}

/// One inbound unit as a transport hands it to [`Ingest::submit_all`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundUnit {
    /// Where it arrived (an MQTT topic, an HTTP path, a STOMP destination).
    pub channel: String,
    /// Headers or properties.
    pub headers: Vec<(String, String)>,
    /// The body as received.
    pub body: Bytes,
}

/// One inbound unit as the connector plugin is given it.
#[derive(Debug)]
struct Unit {
    id: u64,
    channel: String,
    headers: Vec<(String, String)>,
    body: Bytes,
    received_ms: i64,
}

impl Unit {
    /// The unit's call on a pooled instance (its first try).
    fn first_try(&self) -> ConnectorCall {
        self.call(false)
    }

    fn call(&self, retry: bool) -> ConnectorCall {
        ConnectorCall::Inbound {
            id: self.id,
            channel: self.channel.clone(),
            headers: self.headers.clone(),
            body: self.body.clone(),
            received_ms: self.received_ms,
            retry,
        }
    }
}

/// What the connector's call on one unit returned, if the pool was there to answer.
type Called = Result<Result<Vec<Command>, PluginError>, Stopped>;

/// What became of one unit once its commands were taken in.
enum Handled {
    /// Answered without a commit of its own (refused, or to be retried later).
    Done(Disposition),
    /// What it emitted, to commit.
    Emitted(Emitted),
}

/// The connector call on a unit ran past its deadline, and the caller asked for the unit back
/// ([`OnOverrun::HandBack`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Overran {
    /// The trap, in words.
    pub(crate) reason: String,
}

/// What one event of a connector plugin emitted: frames, readings and dead-letter parts to
/// commit together, and the saves to apply once they are.
#[derive(Debug, Default)]
pub(crate) struct Emitted {
    pub(crate) frames: Vec<Frame>,
    pub(crate) readings: Vec<Reading>,
    pub(crate) rejected: Vec<Rejected>,
    pub(crate) saves: Vec<(String, Option<Vec<u8>>)>,
}

impl Emitted {
    /// Takes an emit command; gives back any other.
    pub(crate) fn take(
        &mut self,
        connector: &Arc<str>,
        received_ms: i64,
        command: Command,
    ) -> Option<Command> {
        match command {
            Command::EmitFrames((_, fs)) => self.frames.extend(fs.into_iter().map(|f| Frame {
                device: Arc::from(f.device),
                devicetype: Arc::from(f.model),
                port: f.port,
                payload: Bytes::from(f.payload),
                received_ms: f.received_ms,
                connector: Arc::clone(connector),
                firmware: f.firmware.map(Arc::from),
            })),
            Command::EmitReadings((_, device, rs)) => {
                let device: Arc<str> = Arc::from(device);
                self.readings.extend(rs.into_iter().map(|r| Reading {
                    device: Arc::clone(&device),
                    name: Arc::from(r.name),
                    value: from_connector(r.value),
                    unit: r.unit.map(Arc::from),
                    time_ms: r.time_ms.unwrap_or(received_ms),
                    tags: Tags::default(),
                }));
            }
            Command::EmitTaggedReadings(t) => {
                let device: Arc<str> = Arc::from(t.device);
                let tags: Tags = Arc::from(t.tags);
                self.readings.extend(t.readings.into_iter().map(|r| Reading {
                    device: Arc::clone(&device),
                    name: Arc::from(r.name),
                    value: from_connector(r.value),
                    unit: r.unit.map(Arc::from),
                    time_ms: r.time_ms.unwrap_or(received_ms),
                    tags: Arc::clone(&tags),
                }));
            }
            Command::DeadLetter(d) => {
                let frame = Frame {
                    device: Arc::from(d.subject),
                    devicetype: Arc::from(""),
                    port: 0,
                    payload: Bytes::from(d.bytes),
                    received_ms,
                    connector: Arc::clone(connector),
                    firmware: None,
                };
                self.rejected.push(Rejected {
                    frame,
                    stage: Stage::Connector,
                    error: d.reason,
                    plugin: None,
                });
            }
            Command::Save(save) => self.saves.push(save),
            other => return Some(other),
        }
        None
    }

    /// Appends what another unit emitted (its saves after these).
    pub(crate) fn merge(&mut self, other: Emitted) {
        self.frames.extend(other.frames);
        self.readings.extend(other.readings);
        self.rejected.extend(other.rejected);
        self.saves.extend(other.saves);
    }

    /// True when nothing needs committing.
    pub(crate) fn is_empty(&self) -> bool {
        self.frames.is_empty() && self.readings.is_empty() && self.rejected.is_empty()
    }

    /// The route that commits what was emitted, to `readings_sinks` for readings.
    pub(crate) fn route(&self, readings_sinks: &Arc<[Arc<str>]>) -> Route {
        Route {
            frames: self.frames.clone(),
            readings: self.readings.clone(),
            rejected: self.rejected.clone(),
            readings_sinks: Arc::clone(readings_sinks),
            ..Route::default()
        }
    }

    /// The route that commits what was emitted, moved out of `self` (no copy of the readings);
    /// the saves stay.
    pub(crate) fn take_route(&mut self, readings_sinks: &Arc<[Arc<str>]>) -> Route {
        Route {
            frames: std::mem::take(&mut self.frames),
            readings: std::mem::take(&mut self.readings),
            rejected: std::mem::take(&mut self.rejected),
            readings_sinks: Arc::clone(readings_sinks),
            ..Route::default()
        }
    }

    /// Writes the saves, now that what came before them is committed; a failure is logged
    /// (the plugin's cursor then lags behind what is stored: at worst data is fetched again
    /// and stored once, as sinks are idempotent).
    pub(crate) async fn save(&mut self, connector: &str, state: &ConnectorState) {
        let saves = std::mem::take(&mut self.saves);
        if let Err(e) = state.save(saves).await {
            tracing::error!(connector, file = %state.path().display(), error = %error_chain(&e), "Connector state not saved.");
        }
    }
}

impl Ingest {
    /// The connector's name.
    pub fn connector(&self) -> &str {
        &self.connector
    }

    /// Hands one inbound unit to the connector plugin, routes what it emits, and answers once
    /// every frame is committed or dead-lettered. A refused unit is dead-lettered whole, with
    /// its original bytes. Never fails: what cannot be committed is
    /// [`Disposition::RetryLater`], and the transport must not acknowledge it. A call past its
    /// deadline is tried once more on a fresh instance with a longer deadline; past that too,
    /// or while the connector is quarantined, the unit is answered
    /// [`Disposition::RetryLater`] (a deadline is not the sender's fault).
    pub async fn submit(&self, channel: String, headers: Vec<(String, String)>, body: Bytes) -> Disposition {
        self.submit_with(channel, headers, body, OnOverrun::RetryThenLater).await.unwrap_or_else(|o| {
            Disposition::RetryLater { reason: o.reason, retry_after: DEFAULT_RETRY_AFTER }
        })
    }

    /// [`Ingest::submit`], with what becomes of a unit whose call runs past its deadline.
    ///
    /// # Errors
    /// [`Overran`] with [`OnOverrun::HandBack`] only.
    pub(crate) async fn submit_with(
        &self,
        channel: String,
        headers: Vec<(String, String)>,
        body: Bytes,
        on_overrun: OnOverrun,
    ) -> Result<Disposition, Overran> {
        let disposition = self.handle(channel, headers, body, on_overrun).await?;
        InboundAnswered { metrics: &self.metrics, disposition: &disposition }.emit();
        Ok(disposition)
    }

    /// Calls the plugin on a unit (once more on a fresh instance with the longer deadline
    /// when `on_overrun` says so and the call overran), and counts the outcome in the breaker.
    async fn call(&self, unit: &Unit, on_overrun: &OnOverrun) -> Result<Called, Overran> {
        let first = self.units.call(ConnectorCalls(vec![unit.first_try()])).await;
        let first = first.and_then(|answers| answers.into_iter().next().ok_or(Stopped));
        self.after_first_try(unit, first, on_overrun).await
    }

    /// Takes the answer to a unit's first try: retries a call that overran (or hands the unit
    /// back, as `on_overrun` says), and counts the outcome in the breaker.
    async fn after_first_try(
        &self,
        unit: &Unit,
        first: Called,
        on_overrun: &OnOverrun,
    ) -> Result<Called, Overran> {
        let result = match first {
            Ok(Err(e)) if e.is_deadline() => {
                let error = error_chain(&e);
                let overran = |outcome| InboundOverran {
                    metrics: &self.metrics,
                    connector: &self.connector,
                    channel: &unit.channel,
                    outcome,
                    error: &error,
                };
                if matches!(on_overrun, OnOverrun::HandBack) {
                    // Not a fault yet: the parts are handed over again (a probe out ends here).
                    self.breaker.record(&self.connector, []);
                    overran(Overrun::Split).emit();
                    return Err(Overran { reason: error });
                }
                let result = self.pool.call(unit.call(true)).await;
                if !matches!(&result, Ok(Err(e)) if e.is_deadline()) {
                    overran(Overrun::Retried).emit();
                }
                result
            }
            other => other,
        };
        // Only deadlines count against a connector: each held its pool thread for the whole
        // (longer) deadline. A trap costs little and dead-letters its unit: it counts neither
        // way, so a sender cannot quarantine the connector with units that make it trap.
        let fault = match &result {
            Ok(Err(e)) if e.is_deadline() => Some(Fault::Limit),
            Ok(Err(e)) if !e.is_data_error() => None,
            Err(_) => None,
            Ok(_) => Some(Fault::None),
        };
        self.breaker.record(&self.connector, fault);
        Ok(result)
    }

    async fn handle(
        &self,
        channel: String,
        headers: Vec<(String, String)>,
        body: Bytes,
        on_overrun: OnOverrun,
    ) -> Result<Disposition, Overran> {
        if let Admit::Quarantined { reason, left } = self.breaker.admit(&self.connector) {
            self.breaker.short_circuited(1);
            return Ok(Disposition::RetryLater { reason, retry_after: left.max(DEFAULT_RETRY_AFTER) });
        }
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let received_ms = self.clock.now_ms();
        let unit = Unit { id, channel, headers, body, received_ms };
        let called = self.call(&unit, &on_overrun).await?;
        Ok(match self.interpret(unit, called, &on_overrun).await {
            Handled::Done(disposition) => disposition,
            Handled::Emitted(mut emitted) => match self.commit(&mut emitted).await {
                Ok(frames) => Disposition::Committed { frames },
                Err(e) => retry(&e),
            },
        })
    }

    /// Routes what was emitted (one commit per sink), then writes the saves: one outcome per
    /// frame, in order.
    async fn commit(&self, emitted: &mut Emitted) -> Result<Vec<FrameOutcome>, RouteError> {
        let frames = self.router.route(emitted.take_route(&self.readings_sinks)).await?;
        emitted.save(&self.connector, &self.state).await;
        Ok(frames)
    }

    /// [`Ingest::submit`] for several units at once, in one connector hand-off and one commit:
    /// one disposition per unit, in order. A unit refused or to be retried is answered on its
    /// own; the others are committed together, or none of them is (all
    /// [`Disposition::RetryLater`]). A transport that reads several units at once (an MQTT
    /// client under load) pays one task, one routing and one sink commit for all of them.
    /// The units share one receive time, read when the call starts.
    pub async fn submit_all(&self, units: Vec<InboundUnit>) -> Vec<Disposition> {
        let dispositions = self.handle_all(units).await;
        for disposition in &dispositions {
            InboundAnswered { metrics: &self.metrics, disposition }.emit();
        }
        dispositions
    }

    async fn handle_all(&self, units: Vec<InboundUnit>) -> Vec<Disposition> {
        if let Admit::Quarantined { reason, left } = self.breaker.admit(&self.connector) {
            self.breaker.short_circuited(units.len());
            let retry = Disposition::RetryLater { reason, retry_after: left.max(DEFAULT_RETRY_AFTER) };
            return vec![retry; units.len()];
        }
        let first_id = self.next_id.fetch_add(units.len() as u64, Ordering::Relaxed);
        let received_ms = self.clock.now_ms();
        let units: Vec<Unit> = (first_id..)
            .zip(units)
            .map(|(id, u)| Unit { id, channel: u.channel, headers: u.headers, body: u.body, received_ms })
            .collect();
        let first = self.units.call(ConnectorCalls(units.iter().map(Unit::first_try).collect())).await;
        let mut first = first.unwrap_or_default().into_iter();
        let on_overrun = OnOverrun::RetryThenLater;
        let mut dispositions = Vec::with_capacity(units.len());
        // What the units to commit emitted, merged; and per unit, its position and frame count.
        let mut merged = Emitted::default();
        let mut parts = Vec::new();
        for (i, unit) in units.into_iter().enumerate() {
            let called = match self.after_first_try(&unit, first.next().ok_or(Stopped), &on_overrun).await {
                Ok(called) => called,
                Err(o) => {
                    // Not with `RetryThenLater`; answered as `submit` would.
                    dispositions
                        .push(Disposition::RetryLater { reason: o.reason, retry_after: DEFAULT_RETRY_AFTER });
                    continue;
                }
            };
            match self.interpret(unit, called, &on_overrun).await {
                Handled::Done(disposition) => dispositions.push(disposition),
                Handled::Emitted(emitted) => {
                    parts.push((i, emitted.frames.len()));
                    merged.merge(emitted);
                    // Answered below, once the merged commit is done.
                    dispositions.push(Disposition::Committed { frames: Vec::new() });
                }
            }
        }
        if parts.is_empty() {
            return dispositions;
        }
        match self.commit(&mut merged).await {
            Ok(outcomes) => {
                let mut outcomes = outcomes.into_iter();
                for (i, n) in parts {
                    if let Some(d) = dispositions.get_mut(i) {
                        *d = Disposition::Committed { frames: outcomes.by_ref().take(n).collect() };
                    }
                }
            }
            Err(e) => {
                let retry = retry(&e);
                for (i, _) in parts {
                    if let Some(d) = dispositions.get_mut(i) {
                        d.clone_from(&retry);
                    }
                }
            }
        }
        dispositions
    }

    /// Takes in what the connector answered on `unit`: a unit refused (by the plugin or for a
    /// trap) is dead-lettered whole, driver commands go to the driver, and what it emitted is
    /// handed back to commit.
    async fn interpret(&self, unit: Unit, called: Called, on_overrun: &OnOverrun) -> Handled {
        let Unit { channel, body, received_ms, .. } = unit;
        let commands = match called {
            Err(e) => return Handled::Done(retry(&RouteError::Stopped("connector", e))),
            Ok(Ok(commands)) => commands,
            Ok(Err(e @ PluginError::Host { .. })) => {
                tracing::error!(connector = %self.connector, error = %error_chain(&e), "Connector host failed.");
                return Handled::Done(retry(&RouteError::Host(e)));
            }
            Ok(Err(e)) if e.is_deadline() => {
                let reason = format!(
                    "{}; its retry on a fresh instance with a longer deadline overran too",
                    error_chain(&e)
                );
                let overran = |outcome| InboundOverran {
                    metrics: &self.metrics,
                    connector: &self.connector,
                    channel: &channel,
                    outcome,
                    error: &reason,
                };
                return Handled::Done(match on_overrun {
                    OnOverrun::RetryThenDeadLetter { subject } => {
                        overran(Overrun::DeadLettered).emit();
                        let reason = format!("{subject}: {reason}");
                        self.refuse(&channel, subject, body, received_ms, RefusedBy::Plugin, reason).await
                    }
                    OnOverrun::RetryThenLater | OnOverrun::HandBack => {
                        overran(Overrun::RetryLater).emit();
                        Disposition::RetryLater { reason: reason.clone(), retry_after: DEFAULT_RETRY_AFTER }
                    }
                });
            }
            Ok(Err(e)) => {
                let by = if e.is_data_error() {
                    RefusedBy::Connector(Refusal::Malformed)
                } else {
                    RefusedBy::Plugin
                };
                return Handled::Done(
                    self.refuse(&channel, "", body, received_ms, by, error_chain(&e)).await,
                );
            }
        };
        let mut emitted = Emitted::default();
        for command in commands {
            match emitted.take(&self.connector, received_ms, command) {
                None | Some(Command::Accept(_)) => {}
                Some(Command::Reject(r)) => {
                    let by = RefusedBy::Connector(r.kind);
                    return Handled::Done(self.refuse(&channel, "", body, received_ms, by, r.reason).await);
                }
                Some(other) => {
                    if self.driver.send(other).await.is_err() {
                        tracing::warn!(connector = %self.connector, "Command dropped: the connector's driver is stopped.");
                    }
                }
            }
        }
        for r in &emitted.rejected {
            let metrics = &self.router.metrics;
            FrameDeadLettered { metrics, stage: Stage::Connector, plugin: None, error: &r.error }.emit();
        }
        Handled::Emitted(emitted)
    }

    /// Dead-letters a refused unit whole (original bytes) under `subject` (its device column;
    /// empty for a unit as received), then answers with the reason.
    async fn refuse(
        &self,
        channel: &str,
        subject: &str,
        body: Bytes,
        received_ms: i64,
        by: RefusedBy,
        reason: String,
    ) -> Disposition {
        let metrics = &self.router.metrics;
        let stage = if by == RefusedBy::Plugin { Stage::Plugin } else { Stage::Connector };
        tracing::info!(connector = %self.connector, channel, refused = by.as_str(), "Inbound unit refused.");
        let key = self.refusals.key(channel, &body, &reason);
        if !self.refusals.first(key) {
            tracing::debug!(connector = %self.connector, channel, "The same unit was refused lately; its dead letter is kept once.");
            return Disposition::Refused { by, reason };
        }
        FrameDeadLettered { metrics, stage, plugin: None, error: &reason }.emit();
        let frame = Frame {
            device: Arc::from(subject),
            devicetype: Arc::from(""),
            port: 0,
            payload: body,
            received_ms,
            connector: Arc::clone(&self.connector),
            firmware: None,
        };
        let rejected = vec![Rejected { frame, stage, error: reason.clone(), plugin: None }];
        match self.router.route(Route { rejected, ..Route::default() }).await {
            Ok(_) => Disposition::Refused { by, reason },
            Err(e) => {
                self.refusals.forget(key);
                retry(&e)
            }
        }
    }
}

fn retry(e: &RouteError) -> Disposition {
    Disposition::RetryLater { reason: error_chain(e), retry_after: e.retry_after() }
}

/// The connector world's value as the runtime's (the decoder world's) value: the same WIT type,
/// generated once per world.
fn from_connector(v: ConnectorValue) -> crate::message::Value {
    use crate::message::Value;
    match v {
        ConnectorValue::Number(n) => Value::Number(n),
        ConnectorValue::Text(t) => Value::Text(t),
        ConnectorValue::Boolean(b) => Value::Boolean(b),
        ConnectorValue::Bytes(b) => Value::Bytes(b),
    }
}
