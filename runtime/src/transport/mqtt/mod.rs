//! MQTT client transport (rumqttc): a persistent session, QoS 1, and manual acknowledgements
//! sent only once every frame or reading of a message is committed. TLS comes from
//! [`crate::net::tls`], reconnects follow [`crate::net::Backoff`].

mod config;
mod mqtt;

pub use config::{
    DEFAULT_BACKOFF_MAX_MS, DEFAULT_BACKOFF_MIN_MS, DEFAULT_KEEP_ALIVE_SECS, DEFAULT_MAX_IN_FLIGHT,
    DEFAULT_PORT, MqttConfig, MqttTlsConfig, valid_filter,
};
pub use mqtt::Mqtt;
