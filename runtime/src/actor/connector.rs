use std::sync::Arc;

use actix::{Actor, Handler, Message, SyncContext};
use bytes::Bytes;

use super::coalesce::{Coalescing, Parts};
use super::state::ConnectorState;
use crate::plugin::bindings::{Command, Event, Inbound};
use crate::plugin::{CallDeadline, ConnectorInstance, PluginError};

/// One call of the connector plugin.
#[derive(Debug)]
pub(crate) enum ConnectorCall {
    /// An inbound unit; its body stays shared with the submitter (for the dead letter).
    Inbound {
        /// Host-assigned id.
        id: u64,
        /// Where it arrived.
        channel: String,
        /// Headers or properties.
        headers: Vec<(String, String)>,
        /// The body as received.
        body: Bytes,
        /// Receive time, ms since the epoch.
        received_ms: i64,
        /// The call ran past its deadline once: run it on a fresh instance (started and
        /// restored first), under the longer deadline of a retry.
        retry: bool,
    },
    /// Any other event: start, tick, response.
    Event(Event),
}

impl Message for ConnectorCall {
    type Result = Result<Vec<Command>, PluginError>;
}

/// Calls handled one after the other on one thread, in one hand-off: the inbound units of
/// concurrent submitters (first tries: a unit whose call overruns is answered with its error,
/// and its caller retries it alone). One answer per call, in order.
#[derive(Debug)]
pub(crate) struct ConnectorCalls(pub(crate) Vec<ConnectorCall>);

impl Message for ConnectorCalls {
    type Result = Vec<Result<Vec<Command>, PluginError>>;
}

impl Parts for ConnectorCalls {
    type Part = ConnectorCall;
    type Answer = Result<Vec<Command>, PluginError>;

    fn of(parts: Vec<ConnectorCall>) -> Self {
        Self(parts)
    }

    fn parts(self) -> Vec<ConnectorCall> {
        self.0
    }
}

/// The door inbound units take to a connector pool: concurrent units share hand-offs.
pub(crate) type ConnectorUnits = Coalescing<ConnectorActor, ConnectorCalls>;

/// Units merged into one hand-off at most.
pub(crate) const MAX_MERGED_UNITS: usize = 64;

/// Owns one connector instance on a `SyncArbiter` thread. `start` is always followed by
/// `restore` (what the connector saved), and the commands of both are answered together. An
/// instance that has not seen `start` yet (another instance of the pool got the driver's, or it
/// was rebuilt after a trap) is started and restored before its first event; the commands of
/// that start are dropped: the driver already executed those of the same plugin, and a plugin
/// is deterministic.
#[derive(Debug)]
pub(crate) struct ConnectorActor {
    pub(crate) instance: ConnectorInstance,
    pub(crate) settings: Arc<Vec<(String, String)>>,
    pub(crate) state: ConnectorState,
}

impl ConnectorActor {
    /// `start` with `settings`, then `restore`.
    fn start(
        &mut self,
        deadline: CallDeadline,
        settings: Vec<(String, String)>,
    ) -> Result<Vec<Command>, PluginError> {
        let mut commands = self.instance.handle_within(deadline, &Event::Start(settings))?;
        commands.extend(self.instance.handle_within(deadline, &Event::Restore(self.state.snapshot()))?);
        Ok(commands)
    }
}

impl Actor for ConnectorActor {
    type Context = SyncContext<Self>;
}

impl Handler<ConnectorCall> for ConnectorActor {
    type Result = Result<Vec<Command>, PluginError>;

    fn handle(&mut self, msg: ConnectorCall, _: &mut SyncContext<Self>) -> Self::Result {
        let mut deadline = CallDeadline::Normal;
        let event = match msg {
            ConnectorCall::Event(Event::Start(settings)) => return self.start(deadline, settings),
            ConnectorCall::Event(event) => event,
            ConnectorCall::Inbound { id, channel, headers, body, received_ms, retry } => {
                if retry {
                    self.instance.reset();
                    deadline = CallDeadline::Retry;
                }
                Event::Inbound(Inbound { id, channel, headers, body: body.to_vec(), received_ms })
            }
        };
        if !self.instance.is_live() {
            let dropped = self.start(deadline, self.settings.as_ref().clone())?;
            tracing::debug!(plugin = %self.instance.label(), commands = dropped.len(), "Connector instance started.");
        }
        self.instance.handle_within(deadline, &event)
    }
}

impl Handler<ConnectorCalls> for ConnectorActor {
    type Result = Vec<Result<Vec<Command>, PluginError>>;

    fn handle(&mut self, msg: ConnectorCalls, ctx: &mut SyncContext<Self>) -> Self::Result {
        msg.0.into_iter().map(|call| Handler::<ConnectorCall>::handle(self, call, ctx)).collect()
    }
}
