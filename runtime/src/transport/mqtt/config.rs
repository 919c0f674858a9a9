use futures::future::BoxFuture;
use serde::Deserialize;

use super::Mqtt;
use crate::component::BuildContext;
use crate::net::backoff;
use crate::transport::{Transport, TransportComponent, TransportError};

/// Default broker port (plain MQTT).
pub const DEFAULT_PORT: u16 = 1883;
/// Default keep-alive interval: 30 seconds.
pub const DEFAULT_KEEP_ALIVE_SECS: u64 = 30;
/// Default first reconnect delay: 200 milliseconds ([`backoff::DEFAULT_MIN`]).
pub const DEFAULT_BACKOFF_MIN_MS: u64 = backoff::DEFAULT_MIN.as_millis() as u64;
/// Default longest reconnect delay: 30 seconds ([`backoff::DEFAULT_MAX`]).
pub const DEFAULT_BACKOFF_MAX_MS: u64 = backoff::DEFAULT_MAX.as_millis() as u64;
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
    /// First reconnect delay in milliseconds, doubled after each failed connection or commit,
    /// less a small jitter ([`crate::net::Backoff`]; default [`DEFAULT_BACKOFF_MIN_MS`]).
    #[serde(default = "backoff::default_min_ms")]
    pub reconnect_min_ms: u64,
    /// Longest reconnect delay in milliseconds (default [`DEFAULT_BACKOFF_MAX_MS`]).
    #[serde(default = "backoff::default_max_ms")]
    pub reconnect_max_ms: u64,
    /// TLS (needs the `transport-mqtt-tls` feature): the shared [`crate::net::tls::TlsConfig`],
    /// its relative paths from the config file's folder; none connects in plain TCP (default).
    /// `tls: ()` trusts the system's roots.
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

/// TLS settings of the MQTT transport: the shared [`crate::net::tls::TlsConfig`].
#[cfg(feature = "transport-mqtt-tls")]
pub type MqttTlsConfig = crate::net::tls::TlsConfig;

/// TLS settings in a build without the `transport-mqtt-tls` feature: whatever they hold is
/// parsed, only so that validation can name the missing feature.
#[cfg(not(feature = "transport-mqtt-tls"))]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MqttTlsConfig;

#[cfg(not(feature = "transport-mqtt-tls"))]
impl<'de> Deserialize<'de> for MqttTlsConfig {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Self)
    }
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
        #[cfg(feature = "transport-mqtt-tls")]
        if let Some(tls) = &self.tls {
            out.extend(tls.validate().into_iter().map(|problem| format!("tls: {problem}")));
        }
        #[cfg(not(feature = "transport-mqtt-tls"))]
        if self.tls.is_some() {
            out.push("tls: this build has no MQTT TLS (cargo feature transport-mqtt-tls)".into());
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
                    Some(t.client_config(cx.base_dir()).await.map_err(|e| TransportError::Tls(Box::new(e)))?)
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

    #[cfg(feature = "transport-mqtt-tls")]
    #[test]
    fn tls_problems_are_reported_under_tls() {
        let mut c = config();
        c.tls = Some(super::MqttTlsConfig {
            client_cert_file: Some("client.pem".into()),
            server_name: Some("bad name!".into()),
            ..Default::default()
        });
        let problems = c.validate();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(
            problems.iter().any(|p| p == "tls: client_cert_file and client_key_file go together"),
            "{problems:?}"
        );
        assert!(problems.iter().any(|p| p.starts_with("tls: server_name")), "{problems:?}");
    }

    #[test]
    fn existing_tls_settings_still_parse() {
        let c: MqttConfig = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(
                r#"(host: "mqtt.gooee.io", port: 8883, client_id: "p1", username: "authorization",
                    password_env: "T", tls: (ca_file: "ca.pem", client_cert_file: "client.pem",
                    client_key_file: "client.key"))"#,
            )
            .unwrap();
        assert!(c.tls.is_some());
        #[cfg(feature = "transport-mqtt-tls")]
        {
            assert!(c.validate().is_empty(), "{:?}", c.validate());
            let tls = c.tls.unwrap_or_default();
            assert_eq!(tls.client_key_file.as_deref(), Some(std::path::Path::new("client.key")));
            assert_eq!(tls.server_name, None);
        }
        #[cfg(not(feature = "transport-mqtt-tls"))]
        assert!(c.validate().iter().any(|p| p.contains("transport-mqtt-tls")));
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
