//! Connector plugins: a compiled `connector` component and the instances actors call.

use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::{HasSelf, InstancePre, Linker};

use super::PluginError;
use super::bindings::connector::{Connector, ConnectorPre};
use super::bindings::{Command, Event};
use super::engine::{Compiled, Engine, Limits};
use super::sandbox::{CallDeadline, Sandbox, World, link};
use super::state::State;

impl World for Connector {
    type Pre = ConnectorPre<State>;
    fn add_to_linker(linker: &mut Linker<State>) -> wasmtime::Result<()> {
        Connector::add_to_linker::<State, HasSelf<State>>(linker, |s| s)
    }
    fn pre(instance_pre: InstancePre<State>) -> wasmtime::Result<Self::Pre> {
        ConnectorPre::new(instance_pre)
    }
    fn instantiate(pre: &Self::Pre, store: &mut Store<State>) -> wasmtime::Result<Self> {
        pre.instantiate(store)
    }
}

/// A loaded connector plugin: compiled and linked; cheap to clone.
#[derive(Clone)]
pub struct ConnectorPlugin {
    engine: Engine,
    pre: ConnectorPre<State>,
    limits: Limits,
    label: Arc<str>,
}

impl std::fmt::Debug for ConnectorPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorPlugin").field("label", &self.label).finish_non_exhaustive()
    }
}

impl ConnectorPlugin {
    /// Links a compiled component as a connector; `label` names it in logs and dead letters.
    ///
    /// # Errors
    /// [`PluginError::Invalid`] when the component does not implement the `connector` world.
    pub fn new(
        engine: &Engine,
        compiled: &Compiled,
        limits: Limits,
        label: &str,
    ) -> Result<Self, PluginError> {
        let pre = link::<Connector>(engine, &compiled.component, "connector")?;
        Ok(Self { engine: engine.clone(), pre, limits, label: Arc::from(label) })
    }

    /// The plugin's label.
    pub fn label(&self) -> &Arc<str> {
        &self.label
    }

    /// A new, lazily instantiated instance, to be owned by one actor.
    pub fn instance(&self) -> ConnectorInstance {
        ConnectorInstance {
            sandbox: Sandbox::new(
                self.engine.clone(),
                self.pre.clone(),
                self.limits,
                Arc::clone(&self.label),
            ),
        }
    }
}

/// One instance of a connector plugin with its own `Store`.
pub struct ConnectorInstance {
    sandbox: Sandbox<Connector>,
}

impl std::fmt::Debug for ConnectorInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ConnectorInstance").field("plugin", self.sandbox.label()).finish()
    }
}

impl ConnectorInstance {
    /// True once the instance exists (it has handled an event and not trapped since).
    pub fn is_live(&self) -> bool {
        self.sandbox.is_live()
    }

    /// The plugin's label.
    pub fn label(&self) -> &Arc<str> {
        self.sandbox.label()
    }

    /// Feeds one event; returns the commands to execute, in order.
    ///
    /// # Errors
    /// [`PluginError::Connector`] when the plugin refuses the event, a trap, or a host error.
    pub fn handle(&mut self, event: &Event) -> Result<Vec<Command>, PluginError> {
        self.handle_within(CallDeadline::Normal, event)
    }

    /// [`ConnectorInstance::handle`] under the deadline `deadline` picks.
    ///
    /// # Errors
    /// As [`ConnectorInstance::handle`].
    pub fn handle_within(
        &mut self,
        deadline: CallDeadline,
        event: &Event,
    ) -> Result<Vec<Command>, PluginError> {
        self.sandbox
            .call_within(deadline, |c, s| c.passerelle_plugin_connect().call_handle(s, event))?
            .map_err(PluginError::Connector)
    }

    /// Drops the instance: the next event is handled by a fresh one (after its `start`).
    pub fn reset(&mut self) {
        self.sandbox.reset();
    }
}
