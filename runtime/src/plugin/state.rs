//! Store data of a plugin instance: its limiter and the `log` import.

use std::sync::Arc;

use wasmtime::ResourceLimiter;

use super::bindings::Level;
use super::bindings::connector::passerelle::plugin::{log as connector_log, types as connector_types};
use super::bindings::decoder::passerelle::plugin::{log, types};

/// Per-store state: the memory limiter and the plugin's label for its log lines.
pub(crate) struct State {
    pub(crate) limiter: Limiter,
    pub(crate) label: Arc<str>,
}

impl State {
    pub(crate) fn new(label: Arc<str>, memory_bytes: usize) -> Self {
        Self { limiter: Limiter { memory_bytes, hit: false }, label }
    }
}

/// Caps linear memory and remembers whether the cap was hit, so a trap can be named.
pub(crate) struct Limiter {
    memory_bytes: usize,
    pub(crate) hit: bool,
}

/// Tables are small in decoders; this is generous.
const MAX_TABLE_ELEMENTS: usize = 100_000;

impl ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_bytes {
            self.hit = true;
            return Err(wasmtime::format_err!(
                "memory cap reached: {desired} bytes wanted, {} allowed (limits.memory_mib)",
                self.memory_bytes
            ));
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }
}

impl State {
    fn log(&self, level: Level, message: &str) {
        let plugin = &*self.label;
        match level {
            Level::Trace => tracing::trace!(plugin, "{message}"),
            Level::Debug => tracing::debug!(plugin, "{message}"),
            Level::Info => tracing::info!(plugin, "{message}"),
            Level::Warn => tracing::warn!(plugin, "{message}"),
            Level::Error => tracing::error!(plugin, "{message}"),
        }
    }
}

impl types::Host for State {}

impl log::Host for State {
    fn log(&mut self, level: Level, message: String) {
        State::log(self, level, &message);
    }
}

impl connector_types::Host for State {}

impl connector_log::Host for State {
    fn log(&mut self, level: connector_types::Level, message: String) {
        let level = match level {
            connector_types::Level::Trace => Level::Trace,
            connector_types::Level::Debug => Level::Debug,
            connector_types::Level::Info => Level::Info,
            connector_types::Level::Warn => Level::Warn,
            connector_types::Level::Error => Level::Error,
        };
        State::log(self, level, &message);
    }
}
