//! The actor graph: connector pools, the router, decoder pools and sinks.
//!
//! ```text
//! transport --Ingest--> ConnectorActor (plugin) --frames--> Router --DecodeBatch--> DecoderActor
//!                                                              |                      (plugin)
//!                                                              +--Write--> SinkActor(s), dead letter
//! ```
//! Plugin calls run on `SyncArbiter` threads (one wasmtime `Store` each), never on an async
//! executor; the router and sinks are supervised async actors. The [`Ingest`] handle is plain
//! async Rust, usable from any tokio runtime (axum handlers included).

mod connector;
mod decoder;
mod ingest;
mod router;
mod sink;
pub(crate) mod system;

pub(crate) use connector::{ConnectorActor, HandleEvent};
pub(crate) use decoder::{DecodeBatch, DecoderActor};
pub use ingest::{Ack, Ingest, IngestError};
pub use router::RouteError;
pub(crate) use router::error_chain;
pub(crate) use router::{Route, RouteEntry, RouteTable, Router};
pub(crate) use sink::{SinkActor, Write};
