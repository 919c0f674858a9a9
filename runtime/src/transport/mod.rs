//! Transports: native I/O that owns sockets, reconnects and acknowledgements.
//!
//! Each transport is a folder (`config.rs` with its pure `validate` and its `build`, the I/O
//! loop beside it) behind the small [`Transport`] trait, one row of the [`TransportConfig`]
//! table below, under a cargo feature `transport-<name>`. A transport hands each inbound unit
//! to [`Ingest::submit`] and maps the [`crate::message::Disposition`] it gets back to its
//! protocol, once. It also takes [`Control`] commands from the connector's driver: channels to
//! subscribe to at any time, and requests to execute.

pub mod embedded;
#[cfg(feature = "files")]
pub mod files;
#[cfg(feature = "transport-http-push")]
pub mod http_push;
#[cfg(feature = "transport-mqtt")]
pub mod mqtt;
/// STOMP 1.2 over WebSocket: the frame codec, and the client transport (Hemis).
pub mod stomp;
#[cfg(feature = "transport-xmpp")]
pub mod xmpp;

use std::net::SocketAddr;

use futures::future::BoxFuture;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::actor::Ingest;
use crate::component::{BuildContext, MissingSecret, registry};
use crate::events::TransportMetrics;
pub use crate::message::Control;

/// What a transport gets to run.
#[derive(Debug)]
pub struct TransportContext {
    /// The door to the connector plugin and the router.
    pub ingest: Ingest,
    /// Turns true when the transport must stop (shutdown, or its connector reloaded).
    pub shutdown: watch::Receiver<bool>,
    /// Channels to subscribe to from the start: those the connector plugin asked for in its
    /// answer to `start`, on top of those in the transport's own config.
    pub subscriptions: Vec<String>,
    /// Later subscriptions and requests from the connector's driver (bounded).
    pub control: mpsc::Receiver<Control>,
    /// The transport's series, for its typed events (connected, disconnected, subscribed).
    pub metrics: TransportMetrics,
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
    /// A secret named in the config is not set.
    #[error(transparent)]
    Secret(#[from] MissingSecret),
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
    /// The ledger of a file transport cannot be read or written.
    #[cfg(feature = "files")]
    #[error(transparent)]
    Ledger(#[from] files::LedgerError),
}

/// A running transport's I/O.
pub trait Transport: Send + std::fmt::Debug + 'static {
    /// Binds or connects, and starts the I/O loop on the current tokio runtime.
    fn start(self: Box<Self>, cx: TransportContext) -> BoxFuture<'static, Result<Running, TransportError>>;
}

/// A transport's config: what every row of the [`TransportConfig`] table implements.
pub trait TransportComponent: Send + Sync + std::fmt::Debug {
    /// Pure checks of the values; one message per problem.
    fn validate(&self) -> Vec<String>;

    /// Builds the transport: reads its secrets and certificate files (off the executor), and
    /// returns it ready to start.
    ///
    /// # Errors
    /// [`TransportError::Secret`] or [`TransportError::Config`].
    fn build<'a>(&'a self, cx: &'a BuildContext)
    -> BoxFuture<'a, Result<Box<dyn Transport>, TransportError>>;
}

registry! {
    /// The table of transport kinds: one row per transport.
    pub enum TransportConfig as dyn TransportComponent {
        /// HTTP push server (Energisme's envelope, seed 001).
        "http_push" => HttpPush(http_push::HttpPushConfig) if "transport-http-push",
        /// MQTT client with a persistent session (Gooee, seed 002).
        "mqtt" => Mqtt(mqtt::MqttConfig) if "transport-mqtt",
        /// STOMP 1.2 client over WebSocket, cloud or local (Hemis, seed 000).
        "stomp" => Stomp(stomp::StompConfig) if "transport-stomp",
        /// A local folder polled for flat files, each delivered once in chunks (seed 001).
        "drop_folder" => DropFolder(files::drop_folder::DropFolderConfig) if "transport-drop-folder",
        /// A folder of an SFTP server polled for flat files, host key pinned (seed 001).
        "sftp" => Sftp(files::sftp::SftpConfig) if "transport-sftp",
        /// A folder of an FTP or explicit FTPS server polled for flat files (seed 001).
        "ftp" => Ftp(files::ftp::FtpConfig) if "transport-ftp",
        /// XMPP client: IQ requests and inbound messages (Quoalise, seed 003).
        "xmpp" => Xmpp(xmpp::XmppConfig) if "transport-xmpp",
        /// No transport of its own: the connector is fed by the embedding host
        /// ([`crate::Handle::ingest`]) and by its ticks and `http(s)://` requests (polling).
        "embedded" => Embedded(embedded::EmbeddedConfig),
    }
}
