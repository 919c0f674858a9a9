//! NATS sink: each reading published as JSON to a JetStream subject made from a template; a
//! batch is committed once JetStream acknowledged every publish of it (publish acks).
//!
//! Each publish carries a `Nats-Msg-Id` made from (device, name, time), so a batch delivered
//! again is deduplicated by the stream within its duplicate window. Readings only: it cannot be
//! the dead letter.

mod config;
mod nats;

pub use config::{DEFAULT_COMMIT_TIMEOUT_MS, DEFAULT_QUEUE_BATCHES, DEFAULT_SUBJECT, NatsSinkConfig};
pub use nats::{NatsError, NatsSink, message_id, payload, subject};
