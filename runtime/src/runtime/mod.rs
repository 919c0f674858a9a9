//! The embedding API, [`Builder`] -> [`Handle`] -> shutdown, and the runtime behind it.
//!
//! - `builder.rs`: the builder, and the one place start-up cleans up after a failure.
//! - `handle.rs`: the handle and what a host may ask of a running runtime.
//! - `wiring.rs`: one function each to load a plugin, start a pool, start a connector (pool,
//!   driver, transport) and build the route table: start-up, config reload and hot reload all
//!   call them.
//! - `reconfigure.rs`: a config change as a pure diff (old config, new config -> plan);
//!   `apply.rs` carries a plan out, at start-up (from an empty config) and on every reload.
//! - `decoders.rs`: each decoder's versions (hot reload, shadow, promotion, rollback);
//!   `watch.rs` reloads a decoder when its file changes.
//! - `connectors.rs`: the running connectors, each with its own stop signal.
//! - `replay.rs`: dead-letter replay; `inspect.rs`: what the operator console reads (routes,
//!   flow counters, a frame tried against the live decoders, dead-letter entries).
//! - `check.rs`: a config's plugins loaded and checked without running anything.

mod apply;
mod builder;
mod check;
mod connectors;
mod decoders;
mod handle;
mod inspect;
mod reconfigure;
mod replay;
mod watch;
mod wiring;

pub use builder::Builder;
pub use check::check_plugins;
pub use handle::Handle;
pub use replay::ReplayReport;

use crate::config::ConfigErrors;
use crate::plugin::PluginError;
use crate::sink::SinkError;
use crate::transport::TransportError;

/// Errors of starting or running a runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid; every error is listed.
    #[error(transparent)]
    Config(#[from] ConfigErrors),
    /// A plugin cannot be loaded.
    #[error("plugin {name} ({path}) cannot be loaded")]
    Plugin {
        /// Decoder or connector name.
        name: String,
        /// Plugin file.
        path: String,
        /// Cause.
        #[source]
        source: PluginError,
    },
    /// A decoder fails its own test vectors and is refused.
    #[error("decoder {name} fails {} of its own vectors: {}", failures.len(), failures.join("; "))]
    Vectors {
        /// Decoder name.
        name: String,
        /// One line per failing vector.
        failures: Vec<String>,
    },
    /// Routes name models their decoder does not handle.
    #[error("{}", .0.join("; "))]
    Routes(Vec<String>),
    /// A sink cannot be opened.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// A transport cannot start.
    #[error("connector {name}: transport cannot start")]
    Transport {
        /// Connector name.
        name: String,
        /// Cause.
        #[source]
        source: TransportError,
    },
    /// A secret a connector's `secrets` lists is not set.
    #[error("connector {name}: {source}")]
    Secret {
        /// Connector name.
        name: String,
        /// Which one.
        #[source]
        source: crate::component::MissingSecret,
    },
    /// A connector's saved state cannot be read (a corrupt or unreadable state file).
    #[error("connector {name}: saved state unusable")]
    State {
        /// Connector name.
        name: String,
        /// Cause.
        #[source]
        source: crate::actor::state::StateError,
    },
    /// The runtime's config was not read from a file, so it cannot read it again.
    #[error("this runtime's config was not read from a file ({0}): reload it with Handle::reload_config")]
    NoConfigFile(String),
    /// Nothing was committed (a sink failed or is full, the runtime is stopping): push the same
    /// frames again after `retry_after`; sinks store them once.
    #[error("not committed, push again in {} ms: {reason}", retry_after.as_millis())]
    NotCommitted {
        /// Why, with its causes.
        reason: String,
        /// How long to wait.
        retry_after: std::time::Duration,
    },
    /// The fabric cannot be reached or set up (connector and worker roles).
    #[cfg(feature = "fabric")]
    #[error(transparent)]
    Fabric(#[from] crate::fabric::FabricError),
    /// The runtime is shut down, or its threads failed.
    #[error("runtime failure: {0}")]
    Runtime(String),
}
