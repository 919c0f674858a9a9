//! The actor graph: connector pools and their drivers, the router, decoder pools, sinks.
//!
//! ```text
//! transport --Ingest--> ConnectorActor (plugin) --frames--> router --DecodeBatch--> DecoderActor
//!              ^  Driver: start, tick, response,              |                     (plugin)
//!              |  subscribe, request                          +--Batch--> sinks, dead letter
//! ```
//! Plugin calls run on `SyncArbiter` threads (one wasmtime `Store` each), never on an async
//! executor; every pool is reached through a bounded `Pool`, inbound units and decode batches
//! through a door that merges concurrent callers' calls into one hand-off (`coalesce`).
//! Routing is plain async Rust on the submitter's task, and each sink commits on its own
//! thread. The [`Ingest`] handle is usable from any tokio runtime (axum handlers included).

mod breaker;
mod coalesce;
mod connector;
mod decoder;
pub(crate) mod driver;
mod ingest;
pub(crate) mod pool;
mod refusals;
mod router;
mod shadow;
pub mod state;
pub(crate) mod system;

pub(crate) use crate::events::error_chain;
pub(crate) use breaker::{Admit, Breaker, Fault, Role};
pub use breaker::{
    DEFAULT_QUARANTINE_AFTER, DEFAULT_QUARANTINE_AFTER_LIMITS, DEFAULT_QUARANTINE_MAX_MS,
    DEFAULT_QUARANTINE_MS, QuarantineConfig,
};
pub(crate) use connector::{ConnectorActor, ConnectorUnits, MAX_MERGED_UNITS};
pub(crate) use decoder::{DecodeBatch, DecodePool, DecoderActor};
pub use driver::{
    COMMAND_CAPACITY, DEFAULT_MAX_REQUESTS, DEFAULT_REQUEST_TIMEOUT_MS, DEFAULT_TICK_MS, MAX_ANSWER_BYTES,
};
pub use ingest::{InboundUnit, Ingest};
#[cfg(feature = "files")]
pub(crate) use ingest::{OnOverrun, Overran};
pub use pool::{MAILBOX_CAPACITY, Stopped};
pub use router::RouteError;
pub(crate) use router::{CatchAll, DecoderSlot, Route, RouteEntry, RouteTable, Router, SinkSlot};
pub(crate) use shadow::Shadow;
pub use shadow::{
    DifferingFrame, MAX_DIFFERENCES, MAX_SHOWN_BYTES, MAX_SHOWN_READINGS, ShadowStatus, ShownOutput,
    ShownReading,
};
pub(crate) use state::ConnectorState;
