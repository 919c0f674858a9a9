//! One plugin instance in its own `Store`, with deadline, memory cap and trap recovery.
//! Shared by the decoder and connector hosts.

use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::{InstancePre, Linker};

use super::engine::{Engine, Limits};
use super::state::State;
use super::{PluginError, TrapKind};

/// A world's generated bindings: how to instantiate them from their `*Pre`.
pub(crate) trait World: Sized + Send + 'static {
    /// The generated pre-instantiated type (`DecoderPre`, `ConnectorPre`).
    type Pre: Clone + Send + Sync + 'static;
    /// Adds the world's imports to a linker.
    fn add_to_linker(linker: &mut Linker<State>) -> wasmtime::Result<()>;
    /// Wraps a linked `InstancePre`, checking the component exports the world.
    fn pre(instance_pre: InstancePre<State>) -> wasmtime::Result<Self::Pre>;
    /// Instantiates the bindings in a store.
    fn instantiate(pre: &Self::Pre, store: &mut Store<State>) -> wasmtime::Result<Self>;
}

/// Links a compiled component against world `W`; unknown imports (WASI pulled in by a guest's
/// std) become traps: capability by omission.
pub(crate) fn link<W: World>(
    engine: &Engine,
    component: &wasmtime::component::Component,
    world: &str,
) -> Result<W::Pre, PluginError> {
    if let Some(found) = contract_version(engine, component).filter(|v| v != super::WIT_VERSION) {
        return Err(PluginError::WitVersion { found });
    }
    let mut linker: Linker<State> = Linker::new(engine.wasmtime());
    W::add_to_linker(&mut linker)
        .map_err(|e| PluginError::host("linking the plugin world", e.into_boxed_dyn_error()))?;
    linker
        .define_unknown_imports_as_traps(component)
        .map_err(|e| PluginError::Invalid(format!("cannot link imports: {e:#}")))?;
    let instance_pre = linker
        .instantiate_pre(component)
        .map_err(|e| PluginError::Invalid(format!("cannot instantiate: {e:#}")))?;
    W::pre(instance_pre)
        .map_err(|e| PluginError::Invalid(format!("does not export the {world} world: {e:#}")))
}

/// The version of `passerelle:plugin` the component's exports and imports name (the first one
/// found), if it names the package at all.
fn contract_version(engine: &Engine, component: &wasmtime::component::Component) -> Option<String> {
    let ty = component.component_type();
    let wasmtime = engine.wasmtime();
    let exports = ty.exports(wasmtime).map(|(name, _)| name);
    let imports = ty.imports(wasmtime).map(|(name, _)| name);
    exports.chain(imports).find_map(|name| {
        let rest = name.strip_prefix("passerelle:plugin/")?;
        rest.split_once('@').map(|(_, version)| version.to_string())
    })
}

/// Which deadline a call runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallDeadline {
    /// The plugin's `limits.deadline_ms`.
    Normal,
    /// The retry of a call that ran past its deadline: [`super::Limits::retry_deadline_ticks`].
    Retry,
}

/// A lazily instantiated plugin instance. A trap drops it; the next call rebuilds it.
pub(crate) struct Sandbox<W: World> {
    engine: Engine,
    pre: W::Pre,
    limits: Limits,
    label: Arc<str>,
    live: Option<(Store<State>, W)>,
}

impl<W: World> Sandbox<W> {
    pub(crate) fn new(engine: Engine, pre: W::Pre, limits: Limits, label: Arc<str>) -> Self {
        Self { engine, pre, limits, label, live: None }
    }

    pub(crate) fn label(&self) -> &Arc<str> {
        &self.label
    }

    pub(crate) fn is_live(&self) -> bool {
        self.live.is_some()
    }

    /// Drops the instance (if any): the next call runs on a fresh one.
    pub(crate) fn reset(&mut self) {
        self.live = None;
    }

    /// Runs `f` on the instance under the deadline; a trap is classified and drops the instance.
    pub(crate) fn call<R>(
        &mut self,
        f: impl FnOnce(&W, &mut Store<State>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        self.call_within(CallDeadline::Normal, f)
    }

    /// [`Sandbox::call`] under the deadline `deadline` picks.
    pub(crate) fn call_within<R>(
        &mut self,
        deadline: CallDeadline,
        f: impl FnOnce(&W, &mut Store<State>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        let ticks = match deadline {
            CallDeadline::Normal => self.limits.deadline_ticks(),
            CallDeadline::Retry => self.limits.retry_deadline_ticks(),
        };
        let (store, world) = match &mut self.live {
            Some(live) => live,
            live @ None => {
                let mut store = Store::new(
                    self.engine.wasmtime(),
                    State::new(Arc::clone(&self.label), self.limits.memory_bytes()),
                );
                store.limiter(|s| &mut s.limiter);
                // Instantiation runs guest code (its start-up: memory set-up, static data), once
                // per instance: a deadline must be set before it, a few calls' worth, so that a
                // busy machine at start-up does not refuse a plugin that a call would not trip.
                store.set_epoch_deadline(ticks.saturating_mul(INSTANTIATE_DEADLINES));
                let world = W::instantiate(&self.pre, &mut store)
                    .map_err(|e| classify(&self.label, store.data().limiter.hit, e))?;
                live.insert((store, world))
            }
        };
        store.set_epoch_deadline(ticks);
        match f(world, store) {
            Ok(r) => Ok(r),
            Err(e) => {
                let err = classify(&self.label, store.data().limiter.hit, e);
                self.live = None;
                Err(err)
            }
        }
    }
}

/// Instantiating may take this many call deadlines.
const INSTANTIATE_DEADLINES: u64 = 10;

fn classify(label: &str, memory_hit: bool, e: wasmtime::Error) -> PluginError {
    let kind = if memory_hit {
        TrapKind::Memory
    } else if matches!(e.downcast_ref::<wasmtime::Trap>(), Some(wasmtime::Trap::Interrupt)) {
        TrapKind::Deadline
    } else {
        TrapKind::Trap
    };
    PluginError::Trap { plugin: label.to_string(), kind, source: e.into_boxed_dyn_error() }
}
