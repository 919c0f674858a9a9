use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use actix::Addr;

use super::router::error_chain;
use super::{ConnectorActor, HandleEvent, Route, RouteError, Router};
use crate::events::{FrameDeadLettered, InboundAnswered, InboundMetrics};
use crate::message::{Frame, FrameOutcome, Reading, Rejected, Stage, now_ms};
use crate::plugin::PluginError;
use crate::plugin::bindings::connector::passerelle::plugin::types::Value as ConnectorValue;
use crate::plugin::bindings::{Command, Event, Inbound};

/// How a transport answers its source once an inbound unit is done.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ack {
    /// Protocol status (HTTP status code).
    pub status: u16,
    /// Why the unit was refused, when it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// What became of each frame, in order.
    pub frames: Vec<FrameOutcome>,
}

/// Why an inbound unit could not be handled; the transport must not acknowledge it.
#[derive(Debug, thiserror::Error)]
pub enum IngestError {
    /// Routing or committing failed: retry later.
    #[error(transparent)]
    Route(#[from] RouteError),
    /// The connector pool is not running.
    #[error("connector {0} is not running")]
    Stopped(String),
}

/// The door a transport pushes inbound units through: connector plugin -> router -> sinks.
/// Cheap to clone; usable from any tokio runtime.
#[derive(Debug, Clone)]
pub struct Ingest {
    pub(crate) connector: Arc<str>,
    pub(crate) pool: Addr<ConnectorActor>,
    pub(crate) router: Router,
    pub(crate) readings_sinks: Arc<[Arc<str>]>,
    pub(crate) next_id: Arc<AtomicU64>,
    pub(crate) metrics: InboundMetrics,
}

impl Ingest {
    /// The connector's name.
    pub fn connector(&self) -> &str {
        &self.connector
    }

    /// Hands one inbound unit to the connector plugin, routes what it emits and resolves once
    /// every frame is committed or dead-lettered. A refused unit is dead-lettered whole, with
    /// its original bytes, and answered with the plugin's status and reason.
    ///
    /// # Errors
    /// [`IngestError`] when nothing may be acknowledged (a sink failed, shutting down).
    pub async fn submit(
        &self,
        channel: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<Ack, IngestError> {
        let result = self.handle(channel, headers, body).await;
        let (status, frames) = match &result {
            Ok(ack) => (ack.status, ack.frames.len()),
            Err(_) => (503, 0),
        };
        InboundAnswered { metrics: &self.metrics, status, frames }.emit();
        result
    }

    async fn handle(
        &self,
        channel: String,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
    ) -> Result<Ack, IngestError> {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let received_ms = now_ms();
        let event = Event::Inbound(Inbound { id, channel, headers, body, received_ms });
        let (event, result) = self
            .pool
            .send(HandleEvent(event))
            .await
            .map_err(|_| IngestError::Stopped(self.connector.to_string()))?;
        // The event comes back with its body: a refused unit is dead-lettered whole, uncopied.
        let (channel, original) = match event {
            Event::Inbound(inbound) => (inbound.channel, inbound.body),
            _ => (String::new(), Vec::new()),
        };
        let commands = match result {
            Ok(commands) => commands,
            Err(e @ PluginError::Host { .. }) => return Err(IngestError::Route(RouteError::Host(e))),
            Err(e) => {
                let (status, stage) =
                    if e.is_data_error() { (400, Stage::Connector) } else { (500, Stage::Plugin) };
                return self.refuse(&channel, original, received_ms, status, stage, error_chain(&e)).await;
            }
        };
        let mut frames = Vec::new();
        let mut readings = Vec::new();
        let mut status = 200;
        for command in commands {
            match command {
                Command::EmitFrames((_, fs)) => frames.extend(fs.into_iter().map(|f| Frame {
                    device: Arc::from(f.device),
                    devicetype: Arc::from(f.model),
                    port: f.port,
                    payload: f.payload,
                    received_ms: f.received_ms,
                    connector: Arc::clone(&self.connector),
                })),
                Command::EmitReadings((_, device, rs)) => {
                    let device: Arc<str> = Arc::from(device);
                    readings.extend(rs.into_iter().map(|r| Reading {
                        device: Arc::clone(&device),
                        name: r.name,
                        value: from_connector(r.value),
                        unit: r.unit,
                        time_ms: r.time_ms.unwrap_or(received_ms),
                    }));
                }
                Command::Accept((_, s)) => status = s,
                Command::Reject(r) => {
                    return self
                        .refuse(&channel, original, received_ms, r.status, Stage::Connector, r.reason)
                        .await;
                }
                Command::Subscribe(_) | Command::Request(_) => {
                    tracing::debug!(connector = %self.connector, "Command ignored by this transport.");
                }
            }
        }
        let outcomes = self
            .router
            .route(Route {
                frames,
                readings,
                readings_sinks: Arc::clone(&self.readings_sinks),
                rejected: Vec::new(),
                replayed: Vec::new(),
            })
            .await?;
        Ok(Ack { status, reason: None, frames: outcomes })
    }

    /// Dead-letters a refused unit whole (original bytes), then answers with the reason.
    async fn refuse(
        &self,
        channel: &str,
        body: Vec<u8>,
        received_ms: i64,
        status: u16,
        stage: Stage,
        reason: String,
    ) -> Result<Ack, IngestError> {
        let metrics = &self.router.metrics;
        tracing::info!(connector = %self.connector, channel, status, "Inbound unit refused.");
        FrameDeadLettered { metrics, stage, plugin: None, error: &reason }.emit();
        let frame = Frame {
            device: Arc::from(""),
            devicetype: Arc::from(""),
            port: 0,
            payload: body,
            received_ms,
            connector: Arc::clone(&self.connector),
        };
        let rejected = vec![Rejected { frame, stage, error: reason.clone(), plugin: None }];
        self.router.route(Route { rejected, ..Route::default() }).await?;
        Ok(Ack { status, reason: Some(reason), frames: Vec::new() })
    }
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
