use futures::future::BoxFuture;
use serde::Deserialize;

use super::HttpPush;
use crate::component::BuildContext;
use crate::net::tls::TlsError;
use crate::net::tls_server::ServerTlsConfig;
use crate::transport::{Transport, TransportComponent, TransportError};

/// Default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default largest request body: 4 MiB (a batch of 10,000 Energisme envelopes is about 1.2 MB;
/// the connector plugin reads a body within its deadline, and a gateway has little memory).
pub const DEFAULT_MAX_BODY_BYTES: usize = 4 * 1024 * 1024;
/// Default number of requests handled at once: 256. Beyond it, requests are answered 503 with
/// `Retry-After` at once, so memory stays bounded whatever the senders do.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;

/// Default number of connections open at once: 1024. One more is answered 503 and closed.
pub const DEFAULT_MAX_CONNECTIONS: usize = 1024;
/// Default time a sender has for the TLS handshake and each request's head, and that an idle
/// keep-alive connection stays open: 10 s.
pub const DEFAULT_HEADER_TIMEOUT_MS: u64 = 10_000;
/// Default time a sender has to send a request's body: 30 s (408 after it).
pub const DEFAULT_BODY_TIMEOUT_MS: u64 = 30_000;

const fn default_max_in_flight() -> usize {
    DEFAULT_MAX_IN_FLIGHT
}
const fn default_max_connections() -> usize {
    DEFAULT_MAX_CONNECTIONS
}
const fn default_header_timeout() -> u64 {
    DEFAULT_HEADER_TIMEOUT_MS
}
const fn default_body_timeout() -> u64 {
    DEFAULT_BODY_TIMEOUT_MS
}

fn default_listen() -> String {
    DEFAULT_LISTEN.to_string()
}
fn default_path() -> String {
    "/".to_string()
}
const fn default_max_body() -> usize {
    DEFAULT_MAX_BODY_BYTES
}

/// Configuration of the HTTP push server.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpPushConfig {
    /// Address to listen on (default [`DEFAULT_LISTEN`]; port 0 picks a free port).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Path that takes the POSTs (default `/`).
    #[serde(default = "default_path")]
    pub path: String,
    /// Secret holding the token expected as `Authorization: Basic <token>` (the scheme in
    /// any case); with neither this nor `more_token_envs`, every request is accepted (loopback
    /// tests only).
    #[serde(default)]
    pub token_env: Option<String>,
    /// Further secrets whose tokens are accepted too: to rotate a sender's token without
    /// downtime, add the new one here, move the sender, then drop the old one (default none).
    #[serde(default)]
    pub more_token_envs: Vec<String>,
    /// Serve HTTPS with this certificate and key, taken again when the files change (default
    /// none: plain HTTP).
    #[serde(default)]
    pub tls: Option<ServerTlsConfig>,
    /// Largest request body in bytes (default [`DEFAULT_MAX_BODY_BYTES`]).
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// Requests handled at once at most (default [`DEFAULT_MAX_IN_FLIGHT`]).
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
    /// Connections open at once at most (default [`DEFAULT_MAX_CONNECTIONS`]).
    #[serde(default = "default_max_connections")]
    pub max_connections: usize,
    /// Milliseconds for the TLS handshake and each request's head (default
    /// [`DEFAULT_HEADER_TIMEOUT_MS`]).
    #[serde(default = "default_header_timeout")]
    pub header_timeout_ms: u64,
    /// Milliseconds for a request's body (default [`DEFAULT_BODY_TIMEOUT_MS`]).
    #[serde(default = "default_body_timeout")]
    pub body_timeout_ms: u64,
}

impl TransportComponent for HttpPushConfig {
    fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.listen.parse::<std::net::SocketAddr>().is_err() {
            out.push(format!("listen {:?} is not an address like 127.0.0.1:8080", self.listen));
        }
        if !self.path.starts_with('/') {
            out.push(format!("path {:?} must start with /", self.path));
        }
        if self.token_env.as_deref() == Some("") || self.more_token_envs.iter().any(String::is_empty) {
            out.push("token_env and more_token_envs name secrets: none may be empty".into());
        }
        if let Some(tls) = &self.tls {
            out.extend(tls.validate());
        }
        if self.max_body_bytes == 0 {
            out.push("max_body_bytes must be above 0".into());
        }
        if self.max_in_flight == 0 {
            out.push("max_in_flight must be above 0".into());
        }
        if self.max_connections == 0 {
            out.push("max_connections must be above 0".into());
        }
        if self.header_timeout_ms < 100 || self.body_timeout_ms < 100 {
            out.push("header_timeout_ms and body_timeout_ms must be at least 100".into());
        }
        out
    }

    /// Reads the tokens from the secrets, and the certificate files.
    fn build<'a>(
        &'a self,
        cx: &'a BuildContext,
    ) -> BoxFuture<'a, Result<Box<dyn Transport>, TransportError>> {
        Box::pin(async move {
            let mut tokens = Vec::new();
            for name in self.token_env.iter().chain(&self.more_token_envs) {
                tokens.push(cx.secret(name)?);
            }
            let tls = match self.tls.clone() {
                None => None,
                Some(tls) => {
                    let base = cx.base_dir().to_path_buf();
                    let built = tokio::task::spawn_blocking(move || tls.server_config_blocking(&base))
                        .await
                        .map_err(|e| TransportError::Tls(Box::new(TlsError::Task(e))))?
                        .map_err(|e| TransportError::Tls(Box::new(e)))?;
                    Some(built)
                }
            };
            Ok(Box::new(HttpPush { config: self.clone(), tokens, tls }) as Box<dyn Transport>)
        })
    }
}
