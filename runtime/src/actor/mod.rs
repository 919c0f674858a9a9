//! The actor graph: connector pools, the router, decoder pools and sinks.
//!
//! ```text
//! transport --Ingest--> ConnectorActor (plugin) --frames--> router --DecodeBatch--> DecoderActor
//!                                                              |                     (plugin)
//!                                                              +--Batch--> sinks, dead letter
//! ```
//! Plugin calls run on `SyncArbiter` threads (one wasmtime `Store` each), never on an async
//! executor. Routing is plain async Rust on the submitter's task, and each sink commits on its
//! own thread. The [`Ingest`] handle is usable from any tokio runtime (axum handlers included).

mod connector;
mod decoder;
mod ingest;
mod reload;
mod router;
mod shadow;
pub(crate) mod system;
mod watch;

pub(crate) use connector::{ConnectorActor, HandleEvent};
pub(crate) use decoder::{DecodeBatch, DecoderActor};
pub use ingest::{Ack, Ingest, IngestError};
pub use reload::{DecoderStatus, ReloadError, ReloadOutcome};
pub(crate) use reload::{Loaded, Registry};
pub use router::RouteError;
pub(crate) use router::error_chain;
pub(crate) use router::{DecoderSlot, Route, RouteEntry, RouteTable, Router};
pub use shadow::{MAX_DIFFERENCES, ShadowStatus};
pub(crate) use watch::watch;
