//! PostgreSQL sink: readings and dead letters in tables of one schema, written by one task
//! through a small pool (tokio-postgres + deadpool-postgres).
//!
//! Every batch waiting when a transaction starts joins it (group commit); readings go in as
//! one multi-row upsert (`INSERT … SELECT FROM unnest(…) ON CONFLICT DO NOTHING`), idempotent
//! on (device, name, time). A lost connection is retried with [`crate::net::Backoff`] while the
//! write waits, up to `commit_timeout_ms`; the source stays unacknowledged meanwhile. The schema
//! is created or migrated on start, under an advisory lock (several workers may start at once).
//!
//! The readings table is TimescaleDB-friendly: its key is (device, name, time), so it can
//! become a hypertable on `time` as is
//! (`SELECT create_hypertable('passerelle.readings', 'time', migrate_data => true);`), and the
//! latest value of every series is a backward scan of that key:
//! `SELECT DISTINCT ON (device, name) * FROM passerelle.readings ORDER BY device DESC, name DESC, time DESC`
//! (one series: `WHERE device = $1 AND name = $2 ORDER BY time DESC LIMIT 1`). The console's read
//! path (`read.rs`) skips along that key from series to series.

mod config;
mod postgres;
mod read;

pub use config::{
    DEFAULT_COMMIT_TIMEOUT_MS, DEFAULT_MAX_GROUP, DEFAULT_POOL_SIZE, DEFAULT_QUEUE_BATCHES, DEFAULT_SCHEMA,
    PostgresConfig,
};
pub use postgres::{PostgresError, PostgresSink, SCHEMA_VERSION};
