use std::sync::Arc;

use actix::{Actor, Handler, Message, SyncContext};
use bytes::Bytes;

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
