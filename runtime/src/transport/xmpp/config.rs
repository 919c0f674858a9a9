use futures::future::BoxFuture;
use serde::Deserialize;
use tokio_xmpp::jid::Jid;

use super::Xmpp;
use crate::component::BuildContext;
use crate::net::backoff;
use crate::net::tls::TlsConfig;
use crate::transport::{Transport, TransportComponent, TransportError};

/// Default first reconnect delay: 200 milliseconds ([`backoff::DEFAULT_MIN`]).
pub const DEFAULT_BACKOFF_MIN_MS: u64 = backoff::DEFAULT_MIN.as_millis() as u64;
/// Default longest reconnect delay: 30 seconds ([`backoff::DEFAULT_MAX`]).
pub const DEFAULT_BACKOFF_MAX_MS: u64 = backoff::DEFAULT_MAX.as_millis() as u64;
/// Default number of inbound messages handed to the connector and not yet done: 64. Past it,
/// the transport stops reading from the server until one is done.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 64;

const fn default_max_in_flight() -> usize {
    DEFAULT_MAX_IN_FLIGHT
}
const fn default_true() -> bool {
    true
}

/// Configuration of the XMPP client transport.
///
/// ```text
/// transport: xmpp(jid: "energy-manager@example.org/passerelle", password_env: "XMPP_PASSWORD",
///                 tls: (ca_file: "certs/ca.pem"), server: "xmpp.example.org:5222")
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct XmppConfig {
    /// The account's JID (`user@domain`, optionally `/resource`; without one the server picks
    /// it). The server's certificate is verified against its domain (or `tls.server_name`).
    pub jid: String,
    /// Secret holding the account's password: an environment variable, or supplied by the
    /// embedding host.
    pub password_env: String,
    /// `host:port` to connect to, skipping the DNS SRV lookup of the JID's domain; none looks
    /// the domain up (default none).
    #[serde(default)]
    pub server: Option<String>,
    /// TLS of the STARTTLS upgrade (always required): the shared [`TlsConfig`], its relative
    /// paths from the config file's folder; by default the system's roots (default `()`).
    #[serde(default)]
    pub tls: TlsConfig,
    /// Whether to send initial presence after login, so that messages sent to the bare JID
    /// are delivered (default true).
    #[serde(default = "default_true")]
    pub presence: bool,
    /// First reconnect delay in milliseconds, doubled after each failed login, less a small
    /// jitter ([`crate::net::Backoff`]; default [`DEFAULT_BACKOFF_MIN_MS`]).
    #[serde(default = "backoff::default_min_ms")]
    pub reconnect_min_ms: u64,
    /// Longest reconnect delay in milliseconds (default [`DEFAULT_BACKOFF_MAX_MS`]).
    #[serde(default = "backoff::default_max_ms")]
    pub reconnect_max_ms: u64,
    /// Inbound messages handed to the connector and not yet done, at most (default
    /// [`DEFAULT_MAX_IN_FLIGHT`]); past it the transport stops reading from the server.
    #[serde(default = "default_max_in_flight")]
    pub max_in_flight: usize,
}

/// Parses a JID (`user@domain/resource`, `user@domain`, `domain`), with the reason when it is
/// not one.
///
/// # Errors
/// Why the text is not a JID.
pub fn parse_jid(text: &str) -> Result<Jid, String> {
    Jid::new(text).map_err(|e| format!("{text:?} is not a JID: {e}"))
}

/// Whether `server` is `host:port` with a port above 0.
fn valid_server(server: &str) -> bool {
    match server.rsplit_once(':') {
        Some((host, port)) => !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0),
        None => false,
    }
}

impl TransportComponent for XmppConfig {
    fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        match parse_jid(&self.jid) {
            Ok(jid) if jid.node().is_none() => {
                out.push(format!("jid {:?} has no user part (user@domain)", self.jid));
            }
            Ok(_) => {}
            Err(e) => out.push(format!("jid: {e}")),
        }
        if self.password_env.is_empty() {
            out.push("password_env is empty".into());
        }
        if let Some(server) = &self.server
            && !valid_server(server)
        {
            out.push(format!("server {server:?} is not host:port"));
        }
        out.extend(self.tls.validate().into_iter().map(|problem| format!("tls: {problem}")));
        if self.reconnect_min_ms == 0 {
            out.push("reconnect_min_ms must be above 0".into());
        }
        if self.reconnect_max_ms < self.reconnect_min_ms {
            out.push("reconnect_max_ms must not be below reconnect_min_ms".into());
        }
        if self.max_in_flight == 0 {
            out.push("max_in_flight must be above 0".into());
        }
        out
    }

    /// Reads the password from the secrets and the TLS files (off the executor).
    fn build<'a>(
        &'a self,
        cx: &'a BuildContext,
    ) -> BoxFuture<'a, Result<Box<dyn Transport>, TransportError>> {
        Box::pin(async move {
            let password = cx.secret(&self.password_env)?;
            let jid = parse_jid(&self.jid).map_err(TransportError::Config)?;
            let tls =
                self.tls.client_config(cx.base_dir()).await.map_err(|e| TransportError::Tls(Box::new(e)))?;
            let server_name =
                self.tls.server_name(jid.domain().as_str()).map_err(|e| TransportError::Tls(Box::new(e)))?;
            Ok(Box::new(Xmpp { config: self.clone(), jid, password, tls, server_name }) as Box<dyn Transport>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::XmppConfig;
    use crate::transport::TransportComponent;

    fn parse(text: &str) -> XmppConfig {
        ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(text)
            .unwrap()
    }

    #[test]
    fn parses_with_defaults() {
        let c = parse(r#"(jid: "manager@example.org/passerelle", password_env: "XMPP_PASSWORD")"#);
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        assert_eq!(c.server, None);
        assert_eq!(c.tls.ca_file, None);
        assert!(c.presence);
        assert_eq!(c.max_in_flight, super::DEFAULT_MAX_IN_FLIGHT);
    }

    #[test]
    fn validate_names_each_problem() {
        let c = parse(
            r#"(jid: "example.org", password_env: "", server: "localhost", reconnect_min_ms: 0,
                tls: (client_cert_file: "c.pem"))"#,
        );
        let problems = c.validate();
        assert_eq!(problems.len(), 5, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("no user part")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("password_env")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("\"localhost\" is not host:port")), "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("tls: client_cert_file")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("reconnect_min_ms")), "{problems:?}");
        let bad = parse(r#"(jid: "a@b@c/", password_env: "P", server: "127.0.0.1:0")"#);
        let problems = bad.validate();
        assert_eq!(problems.len(), 2, "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("jid: ")), "{problems:?}");
    }
}
