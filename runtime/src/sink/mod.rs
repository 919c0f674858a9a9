//! Sinks: where readings and dead letters are committed.
//!
//! Each sink is a folder (`config.rs` with its pure `validate`, its capabilities and its
//! `build`; the I/O beside it) behind the small [`Sink`] trait, one row of the [`SinkConfig`]
//! table below, under a cargo feature `sink-<name>`. A sink's `write` resolves only once the
//! batch is durably committed: the runtime acknowledges a source only after every sink of its
//! route said so. A sink's queue is bounded: when it is full, `write` fails at once with
//! [`SinkError::Full`] and the source is told to deliver again later.

#[cfg(feature = "sink-mqtt")]
pub mod mqtt;
#[cfg(feature = "sink-nats")]
pub mod nats;
#[cfg(feature = "sink-postgres")]
pub mod postgres;
#[cfg(feature = "sink-sqlite")]
pub mod sqlite;

mod dead_letters;
mod read;

pub use dead_letters::{DeadLetterQuery, MAX_DEAD_LETTER_PAGE};
pub use read::{
    Downsampler, LatestReading, MAX_LATEST, MAX_POINTS, MAX_WINDOW_MS, Series, SeriesPoint, SeriesQuery,
};

use std::time::Duration;

use futures::future::BoxFuture;

use crate::component::{BuildContext, MissingSecret, registry};
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

/// A reading as the JSON that publishing sinks (MQTT, NATS) send: `device`, `name`, `value`,
/// `unit`, `time_ms` (bytes as hex), and `tags` as an object when the reading has any.
pub fn reading_json(reading: &Reading) -> Vec<u8> {
    use crate::message::Value;
    let value = match &reading.value {
        Value::Number(n) => serde_json::json!(n),
        Value::Text(t) => serde_json::json!(t),
        Value::Boolean(b) => serde_json::json!(b),
        Value::Bytes(b) => serde_json::json!(b.iter().map(|x| format!("{x:02x}")).collect::<String>()),
    };
    let mut json = serde_json::json!({
        "device": &*reading.device,
        "name": reading.name,
        "value": value,
        "unit": reading.unit,
        "time_ms": reading.time_ms,
    });
    // Only when there are some: payloads of untagged readings stay as they were.
    if let (false, Some(object)) = (reading.tags.is_empty(), json.as_object_mut()) {
        let tags = reading.tags.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())));
        object.insert("tags".into(), serde_json::Value::Object(tags.collect()));
    }
    json.to_string().into_bytes()
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
    /// The sink's queue is full (it commits slower than data arrives): nothing of the batch
    /// was taken; deliver again after `retry_after`.
    #[error("sink {sink} is full: its queue of {capacity} batches is waiting to commit")]
    Full {
        /// Sink name.
        sink: String,
        /// The queue's capacity, in batches.
        capacity: usize,
        /// How long the source should wait before delivering again.
        retry_after: Duration,
    },
    /// The sink is stopped.
    #[error("sink {0} is closed")]
    Closed(String),
    /// Reading stored data back failed.
    #[error("sink {sink} failed to read back what it stored")]
    Read {
        /// Sink name.
        sink: String,
        /// Cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// This kind of sink does not read back what is asked (it publishes and keeps nothing, or
    /// its read path is not written).
    #[error("this kind of sink does not read {0} back (SQLite and PostgreSQL sinks do)")]
    Unsupported(&'static str),
    /// A secret the sink's config names is not set.
    #[error(transparent)]
    Secret(#[from] MissingSecret),
}

/// What a sink can do; validation refuses a config that asks a sink for anything else.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct SinkCapabilities {
    /// It stores rejected frames with their bytes and gives them back for replay: it can be the
    /// config's `dead_letter`.
    pub dead_letters: bool,
    /// Its `write` resolves only once the batch is durable, so a source may be acknowledged
    /// then: it can be a route's sink.
    pub acknowledges_on_commit: bool,
}

/// A place readings and dead letters are committed to.
pub trait Sink: Send + Sync + std::fmt::Debug + 'static {
    /// Commits a batch; resolves once it is durable. Idempotent on (device, name, time).
    fn write(&self, batch: Batch) -> BoxFuture<'static, Result<(), SinkError>>;

    /// The stored dead-letter entries, oldest first; default: this sink keeps none.
    fn dead_letters(&self) -> BoxFuture<'static, Result<Vec<DeadLetter>, SinkError>> {
        Box::pin(async { Ok(Vec::new()) })
    }

    /// The stored dead-letter entries that pass `query`, in its order, at most its limit;
    /// default: every entry read with [`Sink::dead_letters`], then filtered.
    fn find_dead_letters(
        &self,
        query: DeadLetterQuery,
    ) -> BoxFuture<'static, Result<Vec<DeadLetter>, SinkError>> {
        let all = self.dead_letters();
        Box::pin(async move { Ok(query.apply(all.await?)) })
    }

    /// Whether [`Sink::latest`] and [`Sink::series`] answer; default: no.
    fn reads_readings(&self) -> bool {
        false
    }

    /// The latest reading of each series (at most `limit`, itself at most [`MAX_LATEST`]),
    /// ordered by device and name; default: [`SinkError::Unsupported`].
    fn latest(&self, limit: usize) -> BoxFuture<'static, Result<Vec<LatestReading>, SinkError>> {
        let _ = limit;
        Box::pin(async { Err(SinkError::Unsupported("readings")) })
    }

    /// One series over a window, down-sampled to the query's points; default:
    /// [`SinkError::Unsupported`].
    fn series(&self, query: SeriesQuery) -> BoxFuture<'static, Result<Series, SinkError>> {
        let _ = query;
        Box::pin(async { Err(SinkError::Unsupported("readings")) })
    }

    /// Flushes and closes; default: nothing to do.
    fn shutdown(&self) -> BoxFuture<'static, Result<(), SinkError>> {
        Box::pin(async { Ok(()) })
    }
}

/// A sink's config: what every row of the [`SinkConfig`] table implements.
pub trait SinkComponent: Send + Sync + std::fmt::Debug {
    /// Pure checks of the values; one message per problem.
    fn validate(&self) -> Vec<String>;

    /// What the sink can do.
    fn capabilities(&self) -> SinkCapabilities;

    /// Opens the sink (files are opened and clients connected off the async executor).
    ///
    /// # Errors
    /// [`SinkError::Open`] or [`SinkError::Secret`].
    fn build<'a>(&'a self, cx: &'a BuildContext) -> BoxFuture<'a, Result<Box<dyn Sink>, SinkError>>;
}

registry! {
    /// The table of sink kinds: one row per sink.
    pub enum SinkConfig as dyn SinkComponent {
        /// SQLite file (the embedded default): readings and dead letters.
        "sqlite" => Sqlite(sqlite::SqliteConfig) if "sink-sqlite",
        /// MQTT broker: readings published as JSON (readings only, not a dead letter).
        "mqtt" => Mqtt(mqtt::MqttSinkConfig) if "sink-mqtt",
        /// PostgreSQL: readings and dead letters in tables (TimescaleDB-friendly).
        "postgres" => Postgres(postgres::PostgresConfig) if "sink-postgres",
        /// NATS JetStream: readings published as JSON (readings only, not a dead letter).
        "nats" => Nats(nats::NatsSinkConfig) if "sink-nats",
    }
}
