use std::path::PathBuf;

use futures::future::BoxFuture;
use serde::Deserialize;

use super::Mqtt;
use crate::component::BuildContext;
use crate::transport::{Transport, TransportComponent, TransportError};

/// Default broker port (plain MQTT).
pub const DEFAULT_PORT: u16 = 1883;
/// Default keep-alive interval: 30 seconds.
pub const DEFAULT_KEEP_ALIVE_SECS: u64 = 30;
/// Default first reconnect delay: 200 milliseconds.
pub const DEFAULT_BACKOFF_MIN_MS: u64 = 200;
/// Default longest reconnect delay: 30 seconds.
pub const DEFAULT_BACKOFF_MAX_MS: u64 = 30_000;
/// Default number of messages handed to the connector and not yet acknowledged: 256. When it
/// is reached, the transport stops reading from the broker until one is done.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;

const fn default_max_in_flight() -> usize {
    DEFAULT_MAX_IN_FLIGHT
}

const fn default_port() -> u16 {
    DEFAULT_PORT
}
const fn default_keep_alive() -> u64 {
    DEFAULT_KEEP_ALIVE_SECS
}
const fn default_backoff_min() -> u64 {
    DEFAULT_BACKOFF_MIN_MS
}
const fn default_backoff_max() -> u64 {
    DEFAULT_BACKOFF_MAX_MS
}

/// Configuration of the MQTT client transport.
///
/// The session is persistent (`clean_session` false) and every subscription is QoS 1: the
/// broker keeps what arrives while Passerelle is away, and redelivers what was not acknowledged.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttConfig {
    /// Broker host name or address.
    pub host: String,
    /// Broker port (default [`DEFAULT_PORT`]).
    #[serde(default = "default_port")]
    pub port: u16,
    /// Client id; the broker keeps the session under it, so it must be stable and unique.
    pub client_id: String,
    /// User name (Gooee: `authorization`); none connects anonymously.
    #[serde(default)]
    pub username: Option<String>,
    /// Secret holding the password (Gooee: the user API token): an environment variable, or
    /// supplied by the embedding host.
    #[serde(default)]
    pub password_env: Option<String>,
    /// Topic filters to subscribe to, on top of those the connector plugin asks for in its
    /// answer to `start` (default none).
    #[serde(default)]
    pub topics: Vec<String>,
    /// Keep-alive interval in seconds (default [`DEFAULT_KEEP_ALIVE_SECS`]; at least 5).
    #[serde(default = "default_keep_alive")]
    pub keep_alive_secs: u64,
    /// First reconnect delay in milliseconds, doubled after each failure (default
    /// [`DEFAULT_BACKOFF_MIN_MS`]).
    #[serde(default = "default_backoff_min")]
    pub reconnect_min_ms: u64,
    /// Longest reconnect delay in milliseconds (default [`DEFAULT_BACKOFF_MAX_MS`]).
    #[serde(default = "default_backoff_max")]
    pub reconnect_max_ms: u64,
    /// TLS (needs the `transport-mqtt-tls` feature); none connects in plain TCP (default).
    #[serde(default)]
    pub tls: Option<MqttTlsConfig>,
    /// MQTT over WebSocket at this path (`/mqtt`; over TLS too when `tls` is set: Gooee's
    /// port 443); none speaks MQTT on the socket itself (default). Needs `transport-mqtt-ws`.
    #[serde(default)]
    pub websocket_path: Option<String>,
    /// Messages handed to the connector and not yet acknowledged, at most (default
    /// [`DEFAULT_MAX_IN_FLIGHT`]); past it the transport stops reading from the broker.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
}

/// TLS settings of the MQTT transport (rustls; feature `transport-mqtt-tls`). Relative paths
/// resolve against the config file's folder.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MqttTlsConfig {
    /// PEM file of the certificate authorities that sign the broker's certificate; none trusts
    /// the system's roots (default none).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// PEM file of the client certificate (and its chain), for brokers that require one
    /// (Gooee's `client.pem`); set together with `client_key_file` (default none).
    #[serde(default)]
    pub client_cert_file: Option<PathBuf>,
    /// PEM file of the client certificate's private key (default none).
    #[serde(default)]
    pub client_key_file: Option<PathBuf>,
}

/// Whether `filter` is a valid MQTT 3.1.1 topic filter: not empty, `#` only as the last level,
/// `+` only as a whole level, no NUL.
pub fn valid_filter(filter: &str) -> bool {
    if filter.is_empty() || filter.contains('\0') || filter.len() > 65_535 {
        return false;
    }
    let levels: Vec<&str> = filter.split('/').collect();
    let last = levels.len() - 1;
    levels.iter().enumerate().all(|(i, level)| match *level {
        "#" => i == last,
        "+" => true,
        l => !l.contains('#') && !l.contains('+'),
    })
}

impl TransportComponent for MqttConfig {
    fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.host.trim().is_empty() {
            out.push("host is empty".into());
        }
        if self.port == 0 {
            out.push("port must be above 0".into());
        }
        if self.client_id.is_empty() {
            out.push("client_id is empty (a persistent session needs a stable id)".into());
        }
        if self.password_env.as_deref() == Some("") {
            out.push("password_env is empty".into());
        }
        if self.password_env.is_some() && self.username.is_none() {
            out.push("password_env is set without a username".into());
        }
        for t in &self.topics {
            if !valid_filter(t) {
                out.push(format!("topics: {t:?} is not a valid MQTT topic filter"));
            }
        }
        if let Some(path) = &self.websocket_path {
            if !path.starts_with('/') {
                out.push(format!("websocket_path {path:?} must start with /"));
            }
            if !cfg!(feature = "transport-mqtt-ws") {
                out.push("websocket_path needs a build with the transport-mqtt-ws feature".into());
            }
        }
        if self.keep_alive_secs < 5 {
            out.push("keep_alive_secs must be at least 5".into());
        }
        if self.reconnect_min_ms == 0 {
            out.push("reconnect_min_ms must be above 0".into());
        }
        if self.reconnect_max_ms < self.reconnect_min_ms {
            out.push("reconnect_max_ms must not be below reconnect_min_ms".into());
        }
        if self.max_in_flight == 0 {
            out.push("max_in_flight must be above 0".into());
        }
        if let Some(tls) = &self.tls {
            if cfg!(not(feature = "transport-mqtt-tls")) {
                out.push("tls: this build has no MQTT TLS (cargo feature transport-mqtt-tls)".into());
            }
            if tls.client_cert_file.is_some() != tls.client_key_file.is_some() {
                out.push("tls: client_cert_file and client_key_file go together".into());
            }
        }
        out
    }

    /// Reads the password from the secrets and the TLS files (off the executor).
    fn build<'a>(
        &'a self,
        cx: &'a BuildContext,
    ) -> BoxFuture<'a, Result<Box<dyn Transport>, TransportError>> {
        Box::pin(async move {
            let password = cx.optional_secret(self.password_env.as_deref())?;
            #[cfg(feature = "transport-mqtt-tls")]
            let tls = match &self.tls {
                Some(t) => {
                    let t = MqttTlsConfig {
                        ca_file: t.ca_file.as_deref().map(|p| cx.resolve(p)),
                        client_cert_file: t.client_cert_file.as_deref().map(|p| cx.resolve(p)),
                        client_key_file: t.client_key_file.as_deref().map(|p| cx.resolve(p)),
                    };
                    let read = tokio::task::spawn_blocking(move || super::tls::client_config(&t));
                    Some(read.await.map_err(|e| TransportError::Config(format!("tls: {e}")))??)
                }
                None => None,
            };
            #[cfg(not(feature = "transport-mqtt-tls"))]
            if self.tls.is_some() {
                return Err(TransportError::Config(
                    "tls: this build has no MQTT TLS (cargo feature transport-mqtt-tls)".into(),
                ));
            }
            Ok(Box::new(Mqtt {
                config: self.clone(),
                password,
                #[cfg(feature = "transport-mqtt-tls")]
                tls,
            }) as Box<dyn Transport>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{MqttConfig, valid_filter};
    use crate::transport::TransportComponent;

    fn config() -> MqttConfig {
        MqttConfig {
            host: "127.0.0.1".into(),
            port: 1883,
            client_id: "passerelle".into(),
            username: Some("authorization".into()),
            password_env: Some("GOOEE_TOKEN".into()),
            topics: vec!["devices/a/meta".into()],
            keep_alive_secs: 30,
            reconnect_min_ms: 200,
            reconnect_max_ms: 30_000,
            tls: None,
            websocket_path: None,
            max_in_flight: 256,
        }
    }

    #[test]
    fn filters() {
        for ok in ["a", "a/b", "a/+/c", "a/#", "#", "+", "devices/1de8/meta/rejected"] {
            assert!(valid_filter(ok), "{ok}");
        }
        for bad in ["", "a/#/b", "a/b#", "a+/b", "a/\0"] {
            assert!(!valid_filter(bad), "{bad:?}");
        }
    }

    #[test]
    fn validate_names_each_problem() {
        assert!(config().validate().is_empty());
        let mut c = config();
        c.topics.push("devices/#/meta".into());
        c.client_id.clear();
        c.keep_alive_secs = 1;
        let problems = c.validate();
        assert_eq!(problems.len(), 3, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("devices/#/meta")));
    }

    #[test]
    fn a_websocket_path_starts_with_a_slash() {
        let mut c = config();
        c.websocket_path = Some("/mqtt".into());
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        c.websocket_path = Some("mqtt".into());
        assert!(c.validate().iter().any(|p| p.contains("must start with /")));
    }

    #[test]
    fn tls_needs_cert_and_key_together() {
        let mut c = config();
        c.tls = Some(super::MqttTlsConfig {
            ca_file: None,
            client_cert_file: Some("client.pem".into()),
            client_key_file: None,
        });
        let problems = c.validate();
        assert!(problems.iter().any(|p| p.contains("go together")), "{problems:?}");
    }

    #[test]
    fn parses_from_ron() {
        let c: MqttConfig = ron::from_str(
            r#"(host: "mqtt.example", client_id: "p1", username: Some("authorization"), password_env: Some("T"))"#,
        )
        .unwrap();
        assert_eq!(c.port, 1883);
        assert!(c.validate().is_empty());
    }
}
