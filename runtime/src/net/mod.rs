//! Network plumbing shared by every client transport (MQTT today; STOMP over WebSocket, XMPP,
//! HTTP polling, SFTP and FTPS next).
//!
//! - [`tls`] (feature `tls`): one serde struct for the TLS settings of a client (CA file or system
//!   roots, client certificate and key, a server name that differs from the address connected
//!   to) and the rustls client configuration built from it, its files read off the executor.
//! - [`backoff`]: one reconnect policy, exponential with a small deterministic jitter.
//! - [`http`] (feature `http-client`): the HTTP client of connector drivers, over [`tls`].

pub mod backoff;
#[cfg(feature = "http-client")]
pub mod http;
#[cfg(feature = "tls")]
pub mod tls;

pub use backoff::Backoff;
#[cfg(feature = "tls")]
pub use tls::{TlsConfig, TlsError};
