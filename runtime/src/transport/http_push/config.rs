use futures::future::BoxFuture;
use serde::Deserialize;

use super::HttpPush;
use crate::component::BuildContext;
use crate::transport::{Transport, TransportComponent, TransportError};

/// Default listening address.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Default largest request body: 16 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 16 * 1024 * 1024;
/// Default number of requests handled at once: 256. Beyond it, requests are answered 503 with
/// `Retry-After` at once, so memory stays bounded whatever the senders do.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;

const fn default_max_in_flight() -> usize {
    DEFAULT_MAX_IN_FLIGHT
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
    /// Environment variable holding the token expected as `Authorization: Basic <token>`;
    /// none accepts every request (loopback tests only).
    #[serde(default)]
    pub token_env: Option<String>,
    /// Largest request body in bytes (default [`DEFAULT_MAX_BODY_BYTES`]).
    #[serde(default = "default_max_body")]
    pub max_body_bytes: usize,
    /// Requests handled at once at most (default [`DEFAULT_MAX_IN_FLIGHT`]).
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
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
        if self.token_env.as_deref() == Some("") {
            out.push("token_env is empty".into());
        }
        if self.max_body_bytes == 0 {
            out.push("max_body_bytes must be above 0".into());
        }
        if self.max_in_flight == 0 {
            out.push("max_in_flight must be above 0".into());
        }
        out
    }

    /// Reads the token from the secrets.
    fn build<'a>(
        &'a self,
        cx: &'a BuildContext,
    ) -> BoxFuture<'a, Result<Box<dyn Transport>, TransportError>> {
        Box::pin(async move {
            let token = cx.optional_secret(self.token_env.as_deref())?;
            Ok(Box::new(HttpPush { config: self.clone(), token }) as Box<dyn Transport>)
        })
    }
}
