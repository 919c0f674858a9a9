use std::sync::Arc;

use actix::{Actor, Handler, Message, SyncContext};

use crate::plugin::bindings::{Command, Event};
use crate::plugin::{ConnectorInstance, PluginError};

/// One event for the connector plugin.
#[derive(Debug)]
pub(crate) struct HandleEvent(pub(crate) Event);

impl Message for HandleEvent {
    type Result = Result<Vec<Command>, PluginError>;
}

/// Owns one connector instance on a `SyncArbiter` thread. Each instance sees `start` with the
/// connector's settings before its first event.
#[derive(Debug)]
pub(crate) struct ConnectorActor {
    pub(crate) instance: ConnectorInstance,
    pub(crate) settings: Arc<Vec<(String, String)>>,
    pub(crate) started: bool,
}

impl Actor for ConnectorActor {
    type Context = SyncContext<Self>;
}

impl Handler<HandleEvent> for ConnectorActor {
    type Result = Result<Vec<Command>, PluginError>;

    fn handle(&mut self, msg: HandleEvent, _: &mut SyncContext<Self>) -> Self::Result {
        let mut commands = Vec::new();
        if !self.started {
            commands = self
                .instance
                .handle(&Event::Start(self.settings.as_ref().clone()))?;
            self.started = true;
        }
        commands.extend(self.instance.handle(&msg.0)?);
        Ok(commands)
    }
}
