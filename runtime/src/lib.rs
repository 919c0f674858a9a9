//! # Passerelle
//!
//! A plugin-based actor runtime that ingests smart-building and energy data. Transports
//! (native) receive bytes; connector plugins (WebAssembly, `connector` world) turn them into
//! frames; the router sends each frame to the decoder plugin of its devicetype (WebAssembly,
//! `decoder` world); readings land in sinks, and everything rejected lands in the dead letter
//! with its original bytes. A source is acknowledged only after every sink committed.
//!
//! ## Tour
//! - [`config`]: parse (RON) -> validate (every error, line:column) -> build.
//! - [`component`]: the one contract of transports and sinks: a build context, a registry row.
//! - [`plugin`]: the wasmtime host: engine with named limits, compile cache, decoder and
//!   connector instances, and the error type that keeps bad data, bad plugins and host bugs apart.
//! - [`message`]: the typed messages that travel between actors.
//! - [`quantity`]: vendor-neutral quantity tags (`air_temperature`, `co2`) on decoded readings.
//! - [`transport`] and [`sink`]: the native edges, one folder each, one table each.
//! - [`actor`]: plugin pools, each connector's driver (start, ticks, requests), the router.
//! - [`events`]: typed internal events and the Prometheus metrics they count.
//! - [`operator`]: what an operator sees and may ask ([`admin`] serves it over HTTP).
//! - [`net`]: plumbing shared by client transports: TLS settings and one reconnect backoff.
//! - [`Builder`] / [`Handle`]: the embedding API.
//!
//! ## Embedding
//! The actor system runs on its own thread; the transports run on the caller's tokio runtime.
//!
//! ```no_run
//! use passerelle::{Builder, config::Config};
//!
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let config = Config::from_file("examples/quickstart.ron".as_ref())?;
//! let handle = Builder::new(config).start().await?;
//! let mut readings = handle.readings();
//! // frames arrive over HTTP, or from the host with `handle.push(frames)`
//! if let Ok(batch) = readings.recv().await {
//!     println!("{} readings committed", batch.len());
//! }
//! handle.shutdown().await?;
//! # Ok(()) }
//! ```

pub mod actor;
#[cfg(feature = "admin")]
pub mod admin;
pub mod component;
pub mod config;
pub mod events;
#[cfg(feature = "fabric")]
pub mod fabric;
pub mod message;
pub mod net;
pub mod operator;
pub mod plugin;
pub mod quantity;
mod runtime;
pub mod sink;
pub mod transport;

pub use operator::{ConfigReloadReport, ReloadError, ReloadOutcome};
pub use runtime::{Builder, Error, Handle, ReplayReport, check_plugins};
