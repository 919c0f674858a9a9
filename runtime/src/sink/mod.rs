//! Sinks: where readings and dead letters are committed.
//!
//! Each sink is a folder (`config.rs` + the I/O) behind the small [`Sink`] trait, registered in
//! the [`SinkConfig`] table below. A sink's `write` resolves only once the batch is durably
//! committed: the runtime acknowledges a source only after every sink of its route said so.

#[cfg(feature = "sink-mqtt")]
pub mod mqtt;
#[cfg(feature = "sink-sqlite")]
pub mod sqlite;

use futures::future::BoxFuture;
use serde::Deserialize;

use crate::message::{Reading, Rejected};

/// One unit of work for a sink: readings to store and rejected frames to dead-letter.
#[derive(Debug, Clone, Default)]
pub struct Batch {
    /// Readings, stored idempotently on (device, name, time).
    pub readings: Vec<Reading>,
    /// Rejected frames, with their original bytes.
    pub rejected: Vec<Rejected>,
    /// Dead-letter entries (by id) to delete in the same commit: replayed entries that now
    /// decode, or whose failure was stored again under another stage.
    pub forget: Vec<i64>,
}

impl Batch {
    /// True when there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.readings.is_empty() && self.rejected.is_empty() && self.forget.is_empty()
    }
}

/// A dead-letter entry as a sink stores it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct DeadLetter {
    /// Row id.
    pub id: i64,
    /// Connector name.
    pub connector: String,
    /// Device id.
    pub device: String,
    /// Devicetype.
    pub devicetype: String,
    /// Port.
    pub port: u8,
    /// Receive time.
    pub received_ms: i64,
    /// Original bytes.
    pub payload: Vec<u8>,
    /// Stage that failed.
    pub stage: String,
    /// Error.
    pub error: String,
    /// `name@version` of the plugin, if any.
    pub plugin: Option<String>,
}

/// Errors of a sink.
#[derive(Debug, thiserror::Error)]
pub enum SinkError {
    /// The sink cannot be opened.
    #[error("cannot open sink {sink}")]
    Open {
        /// Sink name.
        sink: String,
        /// Cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// A write failed; nothing of the batch was committed.
    #[error("sink {sink} failed to commit")]
    Write {
        /// Sink name.
        sink: String,
        /// Cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The sink is stopped.
    #[error("sink {0} is closed")]
    Closed(String),
}

/// A place readings and dead letters are committed to.
pub trait Sink: Send + Sync + std::fmt::Debug + 'static {
    /// Commits a batch; resolves once it is durable. Idempotent on (device, name, time).
    fn write(&self, batch: Batch) -> BoxFuture<'static, Result<(), SinkError>>;

    /// The stored dead-letter entries, oldest first; default: this sink keeps none.
    fn dead_letters(&self) -> BoxFuture<'static, Result<Vec<DeadLetter>, SinkError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// Flushes and closes; default: nothing to do.
    fn shutdown(&self) -> BoxFuture<'static, Result<(), SinkError>> {
        Box::pin(async { Ok(()) })
    }
}

/// The table of sink kinds.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SinkConfig {
    /// SQLite file (the embedded default).
    #[cfg(feature = "sink-sqlite")]
    Sqlite(sqlite::SqliteConfig),
    /// MQTT broker: readings published as JSON (readings only, not a dead letter).
    #[cfg(feature = "sink-mqtt")]
    Mqtt(mqtt::MqttSinkConfig),
}

impl SinkConfig {
    /// Pure checks of the values; one message per problem.
    pub fn validate(&self) -> Vec<String> {
        match self {
            #[cfg(feature = "sink-sqlite")]
            Self::Sqlite(c) => c.validate(),
            #[cfg(feature = "sink-mqtt")]
            Self::Mqtt(c) => c.validate(),
        }
    }

    /// Opens the sink. Blocking (opens files): call from a blocking thread.
    ///
    /// # Errors
    /// [`SinkError::Open`].
    pub fn build(&self, name: &str, config: &crate::config::Config) -> Result<Box<dyn Sink>, SinkError> {
        match self {
            #[cfg(feature = "sink-sqlite")]
            Self::Sqlite(c) => Ok(Box::new(c.build(name, config)?)),
            #[cfg(feature = "sink-mqtt")]
            Self::Mqtt(c) => Ok(Box::new(c.build(name)?)),
        }
    }
}
