use futures::future::BoxFuture;
use serde::Deserialize;

use super::client::Stomp;
use crate::component::BuildContext;
use crate::net::backoff;
use crate::transport::{Transport, TransportComponent, TransportError};

/// Default heart-beats, both ways: 10 seconds (`heart-beat:10000,10000`).
pub const DEFAULT_HEART_BEAT_MS: u64 = 10_000;
/// A server that promised heart-beats is declared silent, and the connection reopened, after
/// this many of its intervals without a byte: 2.
pub const HEART_BEAT_GRACE: u32 = 2;
/// Default time allowed to open the socket, the TLS session, the WebSocket and get `CONNECTED`:
/// 10 seconds.
pub const DEFAULT_CONNECT_TIMEOUT_MS: u64 = 10_000;
/// Default number of messages handed to the connector and not yet acknowledged: 256. When it
/// is reached, the transport stops reading until one is done.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;
const fn default_heart_beat() -> (u64, u64) {
    (DEFAULT_HEART_BEAT_MS, DEFAULT_HEART_BEAT_MS)
}
const fn default_connect_timeout() -> u64 {
    DEFAULT_CONNECT_TIMEOUT_MS
}
const fn default_max_in_flight() -> usize {
    DEFAULT_MAX_IN_FLIGHT
}
const fn default_max_frame_bytes() -> usize {
    super::DEFAULT_MAX_FRAME_BYTES
}

/// Configuration of the STOMP 1.2 over WebSocket client transport (Hemis, seed 000).
///
/// Every subscription is `ack:client-individual`: a message is acknowledged only once its
/// readings are committed, and one that could not be committed is left unacknowledged (then
/// NACKed after the sinks' retry delay), so the broker delivers it again.
///
/// ```ron
/// stomp(
///     url: "wss://somename-stomp.eu-west.ubiant.io:4443",
///     login: "B1234",               // Hemis: the buildingId
///     passcode_env: "HEMIS_TOKEN",  // Hemis: the token of the REST API
///     // Local mode: the socket goes to the Hemis on the LAN; the Host header, SNI and the
///     // certificate check use the URL's host name, never this address.
///     connect_to: "10.0.0.1:443",
/// )
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StompConfig {
    /// The WebSocket URL, `wss://host[:port][/path]` (or `ws://` on a trusted network; Hemis:
    /// `hemis_stomp_url`). None: the connector plugin discovers it and sends it in a request
    /// with method `CONNECT` (target: the URL; headers `login` and `connect-to` override
    /// those below); the transport connects once it has one.
    #[serde(default)]
    pub url: Option<String>,
    /// Local mode: the address (`ip:port`, or `ip` for port 443) the socket connects to instead
    /// of the URL's host. The HTTP `Host` header is then the URL's host name alone, and TLS
    /// sends it as SNI and verifies the certificate against it.
    #[serde(default)]
    pub connect_to: Option<String>,
    /// STOMP `login` (Hemis: the buildingId); none connects without.
    #[serde(default)]
    pub login: Option<String>,
    /// Secret holding the STOMP `passcode` (Hemis: the token).
    #[serde(default)]
    pub passcode_env: Option<String>,
    /// The STOMP `host` header (the virtual host); default: the URL's host name.
    #[serde(default)]
    pub vhost: Option<String>,
    /// Destinations to subscribe to, on top of those the connector plugin asks for.
    #[serde(default)]
    pub destinations: Vec<String>,
    /// Extra headers of every SUBSCRIBE frame, for broker features (RabbitMQ's durable topic
    /// subscriptions: `{"durable": "true", "auto-delete": "false"}`). `id`, `destination`, `ack`
    /// and `receipt` are the transport's own.
    #[serde(default)]
    pub subscribe_headers: std::collections::BTreeMap<String, String>,
    /// Heart-beats asked for, `(send, receive)` in milliseconds, as the `heart-beat` header of
    /// `CONNECT` (default 10000 both; 0 turns one way off).
    #[serde(default = "default_heart_beat")]
    pub heart_beat_ms: (u64, u64),
    /// Time allowed to connect, up to `CONNECTED` (default [`DEFAULT_CONNECT_TIMEOUT_MS`]).
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_ms: u64,
    /// First reconnect delay in milliseconds, doubled after each failure ([`crate::net::Backoff`]).
    #[serde(default = "backoff::default_min_ms")]
    pub reconnect_min_ms: u64,
    /// Longest reconnect delay in milliseconds; refused credentials (an `ERROR` frame in answer
    /// to `CONNECT`) always wait this long.
    #[serde(default = "backoff::default_max_ms")]
    pub reconnect_max_ms: u64,
    /// TLS of `wss://` URLs: the shared [`crate::net::tls::TlsConfig`] (a CA file, a client
    /// certificate); none trusts the system's roots. Its `server_name`, when set, replaces the
    /// URL's host name for SNI and verification.
    #[serde(default)]
    pub tls: Option<crate::net::tls::TlsConfig>,
    /// Messages handed to the connector and not yet acknowledged, at most (default
    /// [`DEFAULT_MAX_IN_FLIGHT`]).
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// Largest STOMP frame accepted (default [`super::DEFAULT_MAX_FRAME_BYTES`], 4 MiB).
    #[serde(default = "default_max_frame_bytes")]
    pub max_frame_bytes: usize,
}

/// The parts of a WebSocket URL the transport uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Target {
    /// The URL as given.
    pub(super) url: String,
    pub(super) secure: bool,
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) path: String,
}

/// Splits `ws[s]://host[:port][/path]`.
pub(super) fn parse_url(url: &str) -> Result<Target, String> {
    let (secure, rest) = if let Some(r) = url.strip_prefix("wss://") {
        (true, r)
    } else if let Some(r) = url.strip_prefix("ws://") {
        (false, r)
    } else {
        return Err(format!("url {url:?} must start with wss:// or ws://"));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, "/"),
    };
    if authority.contains('@') {
        return Err(format!("url {url:?}: credentials go in login and passcode_env, not in the URL"));
    }
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => {
            let port = p.parse::<u16>().map_err(|_| format!("url {url:?}: port {p:?} is not a number"))?;
            (h, port)
        }
        _ => (authority, if secure { 443 } else { 80 }),
    };
    if host.is_empty() || port == 0 {
        return Err(format!("url {url:?} has no host or a zero port"));
    }
    Ok(Target { url: url.to_string(), secure, host: host.to_string(), port, path: path.to_string() })
}

/// The socket address of local mode: `ip:port`, or `ip` (port 443).
pub(super) fn parse_connect_to(value: &str) -> Result<(String, u16), String> {
    match value.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && !h.contains(':') => p
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0)
            .map(|p| (h.to_string(), p))
            .ok_or_else(|| format!("connect_to {value:?}: port {p:?} is not a number above 0")),
        _ if !value.is_empty() && !value.contains(':') => Ok((value.to_string(), 443)),
        _ => Err(format!("connect_to {value:?} must be ip:port or ip")),
    }
}

impl TransportComponent for StompConfig {
    fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self.url.as_deref().map(parse_url) {
            Some(Ok(t)) if !t.secure && self.tls.is_some() => {
                out.push("tls is set but the url is ws:// (use wss://)".into());
            }
            Some(Err(e)) => out.push(e),
            _ => {}
        }
        if let Some(c) = &self.connect_to
            && let Err(e) = parse_connect_to(c)
        {
            out.push(e);
        }
        if self.passcode_env.as_deref() == Some("") {
            out.push("passcode_env is empty".into());
        }
        for name in self.subscribe_headers.keys() {
            if matches!(name.as_str(), "id" | "destination" | "ack" | "receipt") {
                out.push(format!("subscribe_headers: {name:?} is set by the transport"));
            }
        }
        for d in &self.destinations {
            if d.is_empty() || d.contains(['\n', '\r', '\0']) {
                out.push(format!("destinations: {d:?} is not a STOMP destination"));
            }
        }
        let (send, receive) = self.heart_beat_ms;
        if (send != 0 && send < 100) || (receive != 0 && receive < 100) {
            out.push("heart_beat_ms: each interval is 0 (off) or at least 100".into());
        }
        if self.connect_timeout_ms == 0 {
            out.push("connect_timeout_ms must be above 0".into());
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
        if self.max_frame_bytes < 1024 {
            out.push("max_frame_bytes must be at least 1024".into());
        }
        if let Some(tls) = &self.tls {
            out.extend(tls.validate().into_iter().map(|problem| format!("tls: {problem}")));
        }
        out
    }

    /// Reads the passcode from the secrets and the TLS files (off the executor).
    fn build<'a>(
        &'a self,
        cx: &'a BuildContext,
    ) -> BoxFuture<'a, Result<Box<dyn Transport>, TransportError>> {
        Box::pin(async move {
            let target = self.url.as_deref().map(parse_url).transpose().map_err(TransportError::Config)?;
            let connect_to = match &self.connect_to {
                Some(c) => Some(parse_connect_to(c).map_err(TransportError::Config)?),
                None => None,
            };
            let passcode = cx.optional_secret(self.passcode_env.as_deref())?;
            let tls_settings = self.tls.clone().unwrap_or_default();
            // Checked now for a configured URL; a discovered one is checked when it comes.
            if let Some(t) = &target {
                tls_settings.server_name(&t.host).map_err(|e| TransportError::Tls(Box::new(e)))?;
            }
            let tls = tls_settings
                .client_config(cx.base_dir())
                .await
                .map_err(|e| TransportError::Tls(Box::new(e)))?;
            Ok(Box::new(Stomp {
                config: self.clone(),
                target,
                login: self.login.clone(),
                connect_to,
                passcode,
                tls: (tls, tls_settings),
            }) as Box<dyn Transport>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_into_host_port_and_path() {
        let t = parse_url("wss://somename-stomp.eu-west.ubiant.io:4443").unwrap();
        assert_eq!(
            (t.secure, t.host.as_str(), t.port, t.path.as_str()),
            (true, "somename-stomp.eu-west.ubiant.io", 4443, "/")
        );
        let t = parse_url("ws://127.0.0.1/ws").unwrap();
        assert_eq!((t.secure, t.host.as_str(), t.port, t.path.as_str()), (false, "127.0.0.1", 80, "/ws"));
        assert!(parse_url("https://h/ws").unwrap_err().contains("must start with wss://"));
        assert!(parse_url("wss://u:p@h/ws").unwrap_err().contains("credentials"));
        assert!(parse_url("wss://h:x/ws").unwrap_err().contains("not a number"));
    }

    #[test]
    fn connect_to_takes_an_address_with_or_without_port() {
        assert_eq!(parse_connect_to("10.0.0.1:443").unwrap(), ("10.0.0.1".into(), 443));
        assert_eq!(parse_connect_to("10.0.0.1").unwrap(), ("10.0.0.1".into(), 443));
        assert!(parse_connect_to("10.0.0.1:0").is_err());
        assert!(parse_connect_to("").is_err());
    }

    #[test]
    fn every_problem_is_listed() {
        let config: StompConfig = ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(
                r#"(url: "http://x", passcode_env: "", destinations: [""], heart_beat_ms: (5, 0),
                reconnect_min_ms: 10, reconnect_max_ms: 5, max_in_flight: 0, connect_to: "a:b")"#,
            )
            .unwrap();
        let problems = config.validate();
        assert_eq!(problems.len(), 7, "{problems:#?}");
    }
}
