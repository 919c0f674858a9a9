use std::sync::Arc;

use actix::{Actor, Handler, Message, MessageResult, SyncContext};

use crate::plugin::bindings::{Command, Event};
use crate::plugin::{ConnectorInstance, PluginError};

/// One event for the connector plugin.
#[derive(Debug)]
pub(crate) struct HandleEvent(pub(crate) Event);

/// The event given back (so its body need not be copied), and what the plugin made of it.
pub(crate) type Handled = (Event, Result<Vec<Command>, PluginError>);

impl Message for HandleEvent {
    type Result = Handled;
}

/// Owns one connector instance on a `SyncArbiter` thread. Each instance sees `start` with the
/// connector's settings before its first event.
#[derive(Debug)]
pub(crate) struct ConnectorActor {
    pub(crate) instance: ConnectorInstance,
    pub(crate) settings: Arc<Vec<(String, String)>>,
    pub(crate) started: bool,
}

impl ConnectorActor {
    /// Sends `start` with the settings before the instance's first event.
    fn start_once(&mut self) -> Result<Vec<Command>, PluginError> {
        if self.started {
            return Ok(Vec::new());
        }
        let commands = self.instance.handle(&Event::Start(self.settings.as_ref().clone()))?;
        self.started = true;
        Ok(commands)
    }
}

impl Actor for ConnectorActor {
    type Context = SyncContext<Self>;
}

impl Handler<HandleEvent> for ConnectorActor {
    type Result = MessageResult<HandleEvent>;

    fn handle(&mut self, msg: HandleEvent, _: &mut SyncContext<Self>) -> Self::Result {
        let result = self.start_once().and_then(|mut commands| {
            commands.extend(self.instance.handle(&msg.0)?);
            Ok(commands)
        });
        MessageResult((msg.0, result))
    }
}
