//! MQTT sink: each reading published as JSON on a topic made from a template, QoS 1; a batch
//! is committed once the broker acknowledged (PUBACK) every publish of it.

mod config;
mod mqtt;

pub use config::{
    DEFAULT_COMMIT_TIMEOUT_MS, DEFAULT_KEEP_ALIVE_SECS, DEFAULT_PORT, DEFAULT_QUEUE_BATCHES, DEFAULT_TOPIC,
    MqttSinkConfig,
};
pub use mqtt::{MqttSink, payload, topic};
