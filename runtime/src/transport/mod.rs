//! Transports: native I/O that owns sockets and acknowledgements.
//!
//! Each transport is a folder (`config.rs` with its pure `validate` and `build`, the I/O loop
//! beside it) behind the small [`Transport`] trait, registered in the [`TransportConfig`] table
//! below, under a cargo feature `transport-<name>`.

#[cfg(feature = "transport-http-push")]
pub mod http_push;
#[cfg(feature = "transport-mqtt")]
pub mod mqtt;

use std::net::SocketAddr;

use futures::future::BoxFuture;
use serde::Deserialize;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::actor::Ingest;

/// What a transport gets to run: where to push inbound units, and when to stop.
#[derive(Debug, Clone)]
pub struct TransportContext {
    /// The door to the connector plugin and the router.
    pub ingest: Ingest,
    /// Turns true when the runtime shuts down.
    pub shutdown: watch::Receiver<bool>,
    /// Channels the connector plugin asked for with `subscribe` in its answer to `start`
    /// (MQTT topics, STOMP destinations), on top of those in the transport's own config.
    pub subscriptions: Vec<String>,
}

/// A started transport.
#[derive(Debug)]
pub struct Running {
    /// The address it listens on, for servers.
    pub local_addr: Option<SocketAddr>,
    /// Its I/O loop; ends after shutdown.
    pub task: JoinHandle<Result<(), TransportError>>,
}

/// Errors of a transport.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    /// A secret named in the config is not in the environment.
    #[error("environment variable {0} is not set (named by a `*_env` setting)")]
    MissingSecret(String),
    /// Cannot bind the listening address.
    #[error("cannot listen on {addr}")]
    Bind {
        /// The address.
        addr: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The transport's settings cannot work (a channel that is not a valid topic filter).
    #[error("{0}")]
    Config(String),
    /// The I/O loop failed.
    #[error("transport I/O failed")]
    Io(#[source] std::io::Error),
    /// The TLS settings cannot be used (a file unreadable, no certificate in it, a bad key).
    /// Boxed: it is large and rare.
    #[cfg(feature = "tls")]
    #[error("TLS settings unusable")]
    Tls(#[source] Box<crate::net::tls::TlsError>),
}

/// A native transport.
pub trait Transport: Send + std::fmt::Debug + 'static {
    /// Binds and starts the I/O loop on the current tokio runtime.
    fn start(self: Box<Self>, cx: TransportContext) -> BoxFuture<'static, Result<Running, TransportError>>;
}

/// The table of transport kinds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportConfig {
    /// HTTP push server (Energisme's envelope, seed 001).
    #[cfg(feature = "transport-http-push")]
    HttpPush(http_push::HttpPushConfig),
    /// MQTT client with a persistent session (Gooee, seed 002).
    #[cfg(feature = "transport-mqtt")]
    Mqtt(mqtt::MqttConfig),
    /// Frames pushed by the embedding host through [`crate::Handle::ingest`] only.
    Embedded,
}

impl TransportConfig {
    /// Pure checks; one message per problem.
    pub fn validate(&self) -> Vec<String> {
        match self {
            #[cfg(feature = "transport-http-push")]
            Self::HttpPush(c) => c.validate(),
            #[cfg(feature = "transport-mqtt")]
            Self::Mqtt(c) => c.validate(),
            Self::Embedded => Vec::new(),
        }
    }

    /// Builds the transport with its secrets; files it names (TLS) are read off the executor,
    /// relative to `base_dir`, the config file's folder.
    ///
    /// # Errors
    /// [`TransportError::MissingSecret`]; [`TransportError::Tls`].
    pub async fn build(
        &self,
        secrets: &crate::config::Secrets,
        base_dir: &std::path::Path,
    ) -> Result<Option<Box<dyn Transport>>, TransportError> {
        #[cfg(not(feature = "transport-mqtt"))]
        let _ = base_dir;
        match self {
            #[cfg(feature = "transport-http-push")]
            Self::HttpPush(c) => Ok(Some(Box::new(c.build(secrets)?))),
            #[cfg(feature = "transport-mqtt")]
            Self::Mqtt(c) => Ok(Some(Box::new(c.build(secrets, base_dir).await?))),
            Self::Embedded => Ok(None),
        }
    }
}
