//! Network plumbing shared by every client transport (MQTT today; STOMP over WebSocket, XMPP,
//! HTTP polling, SFTP and FTPS next).
//!
//! - [`tls`] (feature `tls`): one serde struct for the TLS settings of a client (CA file or system
//!   roots, client certificate and key, a server name that differs from the address connected
//!   to) and the rustls client configuration built from it, its files read off the executor.
//! - [`tls_server`] (feature `tls-server`): the TLS of listeners (the HTTP push server): a
//!   certificate and key from PEM files, served by rustls and taken again when they change.
//! - [`backoff`]: one reconnect policy, exponential with a small deterministic jitter.
//! - [`http`] (feature `http-client`): the HTTP client of connector drivers, over [`tls`].

pub mod backoff;
#[cfg(feature = "http-client")]
pub mod http;
#[cfg(feature = "tls")]
pub mod tls;
#[cfg(feature = "tls-server")]
pub mod tls_server;

pub use backoff::Backoff;
#[cfg(feature = "tls")]
pub use tls::{TlsConfig, TlsError};
