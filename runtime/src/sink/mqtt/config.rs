use futures::future::BoxFuture;
use serde::Deserialize;

use super::MqttSink;
use crate::component::BuildContext;
use crate::sink::{Sink, SinkCapabilities, SinkComponent, SinkError};

/// Default broker port (plain MQTT).
pub const DEFAULT_PORT: u16 = 1883;
/// Default keep-alive interval: 30 seconds.
pub const DEFAULT_KEEP_ALIVE_SECS: u64 = 30;
/// Default topic template.
pub const DEFAULT_TOPIC: &str = "passerelle/{device}/{name}";
/// Default longest wait for a batch's acknowledgements: 30 seconds.
pub const DEFAULT_COMMIT_TIMEOUT_MS: u64 = 30_000;
/// Default number of batches waiting for their turn to publish: 64. When they are all taken,
/// writes fail at once and the source is told to deliver again later.
pub const DEFAULT_QUEUE_BATCHES: usize = 64;

const fn default_queue() -> usize {
    DEFAULT_QUEUE_BATCHES
}

fn default_topic() -> String {
    DEFAULT_TOPIC.to_string()
}
const fn default_port() -> u16 {
    DEFAULT_PORT
}
const fn default_keep_alive() -> u64 {
    DEFAULT_KEEP_ALIVE_SECS
}
const fn default_commit_timeout() -> u64 {
    DEFAULT_COMMIT_TIMEOUT_MS
}

/// Configuration of the MQTT sink. It keeps readings only: it cannot be the dead letter.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttSinkConfig {
    /// Broker host name or address.
    pub host: String,
    /// Broker port (default [`DEFAULT_PORT`]).
    #[serde(default = "default_port")]
    pub port: u16,
    /// Client id (the session is persistent, so unacknowledged publishes survive a reconnect).
    pub client_id: String,
    /// User name; none connects anonymously.
    #[serde(default)]
    pub username: Option<String>,
    /// Secret holding the password (an environment variable, or supplied by the host).
    #[serde(default)]
    pub password_env: Option<String>,
    /// Topic template; `{device}` and `{name}` are replaced by the reading's (default
    /// [`DEFAULT_TOPIC`]).
    #[serde(default = "default_topic")]
    pub topic: String,
    /// Keep-alive interval in seconds (default [`DEFAULT_KEEP_ALIVE_SECS`]; at least 5).
    #[serde(default = "default_keep_alive")]
    pub keep_alive_secs: u64,
    /// Longest wait for a batch's PUBACKs in milliseconds before the write fails (default
    /// [`DEFAULT_COMMIT_TIMEOUT_MS`]).
    #[serde(default = "default_commit_timeout")]
    pub commit_timeout_ms: u64,
    /// Batches waiting for their turn at most (default [`DEFAULT_QUEUE_BATCHES`]).
    #[serde(default = "default_queue")]
    pub queue_batches: usize,
}

impl SinkComponent for MqttSinkConfig {
    fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.host.trim().is_empty() {
            out.push("host is empty".into());
        }
        if self.port == 0 {
            out.push("port must be above 0".into());
        }
        if self.client_id.is_empty() {
            out.push("client_id is empty".into());
        }
        if self.password_env.as_deref() == Some("") {
            out.push("password_env is empty".into());
        }
        let sample = self.topic.replace("{device}", "d").replace("{name}", "n");
        if sample.is_empty() || sample.contains(['+', '#', '\0']) || sample.contains('{') {
            out.push(format!(
                "topic {:?} must be a topic name; only {{device}} and {{name}} are replaced",
                self.topic
            ));
        }
        if self.keep_alive_secs < 5 {
            out.push("keep_alive_secs must be at least 5".into());
        }
        if self.commit_timeout_ms == 0 {
            out.push("commit_timeout_ms must be above 0".into());
        }
        if self.queue_batches == 0 {
            out.push("queue_batches must be at least 1".into());
        }
        out
    }

    fn capabilities(&self) -> SinkCapabilities {
        SinkCapabilities { dead_letters: false, acknowledges_on_commit: true }
    }

    /// Starts the client, its event loop on the context's runtime.
    fn build<'a>(&'a self, cx: &'a BuildContext) -> BoxFuture<'a, Result<Box<dyn Sink>, SinkError>> {
        Box::pin(async move {
            let password = cx.optional_secret(self.password_env.as_deref())?;
            Ok(Box::new(MqttSink::start(cx.name(), self, password, cx.runtime())) as Box<dyn Sink>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::MqttSinkConfig;
    use crate::sink::SinkComponent;

    #[test]
    fn validates_the_template() {
        let mut c: MqttSinkConfig = ron::from_str(r#"(host: "127.0.0.1", client_id: "out")"#).unwrap();
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        c.topic = "out/{device}/{unit}".into();
        assert_eq!(c.validate().len(), 1);
        c.topic = "out/+/{name}".into();
        assert_eq!(c.validate().len(), 1);
    }
}
