use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use serde::Deserialize;

use super::ftp::FtpServer;
use crate::component::BuildContext;
use crate::net::backoff;
use crate::net::tls::TlsConfig;
use crate::transport::files::remote::{self, Common, RemoteSettings, RemoteTransport, defaults};
use crate::transport::files::{ChunkSettings, OnDone, Records, Selector};
use crate::transport::{Transport, TransportComponent, TransportError};

/// Default FTP port: 21 (explicit FTPS upgrades the same connection with `AUTH TLS`).
pub const DEFAULT_PORT: u16 = 21;
/// The user name of anonymous FTP, the default.
const ANONYMOUS: &str = "anonymous";

const fn default_port() -> u16 {
    DEFAULT_PORT
}
fn default_user() -> String {
    ANONYMOUS.to_string()
}

/// Configuration of the FTP (and explicit FTPS) transport.
///
/// ```ron
/// transport: ftp(host: "ftp.example.org", user: "energisme", password_env: "FTP_PASSWORD",
///                tls: (ca_file: "certs/ca.pem"), path: "/outgoing", include: ["*.csv"], header: true),
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FtpConfig {
    /// The server's host name or IP address.
    pub host: String,
    /// The server's port (default [`DEFAULT_PORT`]).
    #[serde(default = "default_port")]
    pub port: u16,
    /// The user to log in as (default `anonymous`).
    #[serde(default = "default_user")]
    pub user: String,
    /// Secret holding the user's password (an environment variable, or supplied by the
    /// embedding host); required unless the user is `anonymous`.
    #[serde(default)]
    pub password_env: Option<String>,
    /// Explicit FTPS (`AUTH TLS`, then protected data connections) with these TLS settings
    /// (`tls: ()` trusts the system's roots; `tls: (ca_file: "ca.pem")` a private CA); none is
    /// plain FTP, fit for a closed network only (default none).
    #[serde(default)]
    pub tls: Option<TlsConfig>,
    /// The remote folder polled. Only its files are read, not its sub-folders.
    pub path: String,
    /// The local folder of the ledger and the download spool (relative to the config file's
    /// folder; default `<state_dir>/<connector>.ftp` in the runtime's state folder).
    #[serde(default)]
    pub state_dir: Option<PathBuf>,
    /// Interval between two listings, in milliseconds (default
    /// [`remote::DEFAULT_POLL_MS`]; at least 10).
    #[serde(default = "defaults::poll_ms")]
    pub poll_ms: u64,
    /// Names read: glob patterns (`*`, `?`); empty reads every name (default).
    #[serde(default)]
    pub include: Vec<String>,
    /// Names never read (default [`crate::transport::files::DEFAULT_IGNORE`]: `*.tmp`, `*.part`,
    /// `*.filepart`, `.*`).
    #[serde(default = "defaults::ignore")]
    pub ignore: Vec<String>,
    /// What becomes of a file once committed whole: `move` to `done_dir` on the server
    /// (default) or `mark` (left in place, marked in the ledger: read-only servers).
    #[serde(default)]
    pub on_done: OnDone,
    /// The remote folder files done are moved to, inside `path` (default
    /// [`remote::DEFAULT_DONE_DIR`]; created when missing).
    #[serde(default = "defaults::done_dir")]
    pub done_dir: String,
    /// The first line of each file is a header (CSV), given with every chunk as the header
    /// `header` (default false).
    #[serde(default)]
    pub header: bool,
    /// Double quotes may hold line breaks (CSV) (default true; false for JSON lines).
    #[serde(default = "defaults::yes")]
    pub csv_quotes: bool,
    /// What a record is (default `lines`; `json(path: ...)`, `xml(element: ...)`: see the
    /// drop folder's `records` and [`Records`]). `header` must be false then.
    #[serde(default)]
    pub records: Records,
    /// Records per chunk, at most (default [`crate::transport::files::DEFAULT_CHUNK_RECORDS`]).
    #[serde(default = "defaults::chunk_records")]
    pub chunk_records: usize,
    /// Bytes per chunk, about (default [`crate::transport::files::DEFAULT_CHUNK_BYTES`]; at
    /// least 1024).
    #[serde(default = "defaults::chunk_bytes")]
    pub chunk_bytes: usize,
    /// Time limit of connecting and logging in, of each command, and of a download that
    /// receives nothing, in milliseconds
    /// (default [`remote::DEFAULT_TIMEOUT_MS`]; at least 1000).
    #[serde(default = "defaults::timeout_ms")]
    pub timeout_ms: u64,
    /// First reconnect delay in milliseconds, doubled after each failure, less a small jitter
    /// (default [`backoff::DEFAULT_MIN`]).
    #[serde(default = "backoff::default_min_ms")]
    pub reconnect_min_ms: u64,
    /// Longest reconnect delay in milliseconds (default [`backoff::DEFAULT_MAX`]).
    #[serde(default = "backoff::default_max_ms")]
    pub reconnect_max_ms: u64,
}

impl FtpConfig {
    fn common(&self) -> Common<'_> {
        Common {
            path: &self.path,
            poll_ms: self.poll_ms,
            include: &self.include,
            ignore: &self.ignore,
            done_dir: &self.done_dir,
            header: self.header,
            records: &self.records,
            chunk_records: self.chunk_records,
            chunk_bytes: self.chunk_bytes,
            reconnect_min_ms: self.reconnect_min_ms,
            reconnect_max_ms: self.reconnect_max_ms,
        }
    }

    /// How files are cut into chunks.
    pub fn chunking(&self) -> ChunkSettings {
        let lines = self.records == Records::Lines;
        ChunkSettings {
            records: self.chunk_records,
            bytes: self.chunk_bytes,
            header: self.header,
            quote: if self.csv_quotes && lines { Some(b'"') } else { None },
            split: self.records.clone(),
        }
    }
}

impl TransportComponent for FtpConfig {
    fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.host.is_empty() {
            out.push("host is empty".into());
        }
        if self.port == 0 {
            out.push("port must be above 0".into());
        }
        if self.user.is_empty() {
            out.push("user is empty".into());
        }
        if self.password_env.is_none() && self.user != ANONYMOUS {
            out.push(format!(
                "password_env is required for user {:?} (only anonymous needs none)",
                self.user
            ));
        }
        if let Some(tls) = &self.tls {
            out.extend(tls.validate().into_iter().map(|problem| format!("tls: {problem}")));
        }
        if self.timeout_ms < 1000 {
            out.push("timeout_ms must be at least 1000".into());
        }
        out.extend(self.common().validate());
        out
    }

    /// Reads the password and the TLS files (off the executor) and opens the ledger.
    fn build<'a>(
        &'a self,
        cx: &'a BuildContext,
    ) -> BoxFuture<'a, Result<Box<dyn Transport>, TransportError>> {
        Box::pin(async move {
            let password = match &self.password_env {
                Some(var) => cx.secret(var)?,
                None => ANONYMOUS.to_string(),
            };
            let tls = match &self.tls {
                Some(tls) => {
                    let config = tls
                        .client_config(cx.base_dir())
                        .await
                        .map_err(|e| TransportError::Tls(Box::new(e)))?;
                    let name = tls.server_name.clone().unwrap_or_else(|| self.host.clone());
                    Some((config, name))
                }
                None => None,
            };
            let state = match &self.state_dir {
                Some(dir) => cx.resolve(dir),
                None => cx.state_dir().join(format!("{}.ftp", cx.name())),
            };
            let (ledger, spool) = remote::open_state(state).await?;
            let server = FtpServer {
                host: self.host.clone(),
                port: self.port,
                user: self.user.clone(),
                password,
                tls,
                path: self.path.clone(),
                timeout: Duration::from_millis(self.timeout_ms),
            };
            let settings = RemoteSettings {
                poll: Duration::from_millis(self.poll_ms),
                selector: Selector::new(&self.include, &self.ignore),
                on_done: self.on_done,
                done_dir: self.done_dir.clone(),
                chunking: self.chunking(),
                ledger: Arc::new(Mutex::new(ledger)),
                spool,
                reconnect_min: Duration::from_millis(self.reconnect_min_ms),
                reconnect_max: Duration::from_millis(self.reconnect_max_ms),
            };
            Ok(Box::new(RemoteTransport::new(server, settings)) as Box<dyn Transport>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::FtpConfig;
    use crate::transport::TransportComponent;

    fn parse(text: &str) -> FtpConfig {
        ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(text)
            .unwrap()
    }

    #[test]
    fn defaults_and_problems() {
        let c = parse(r#"(host: "h", path: "/in")"#);
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        assert_eq!((c.port, c.user.as_str(), c.tls.is_none()), (21, "anonymous", true));
        let c = parse(r#"(host: "h", path: "/in", user: "meters", tls: ())"#);
        assert_eq!(c.validate().len(), 1, "{:?}", c.validate());
        assert!(c.validate()[0].contains("password_env is required"), "{:?}", c.validate());
        let bad = parse(
            r#"(host: "", port: 0, path: "", tls: (client_cert_file: "c.pem"), chunk_bytes: 1,
                reconnect_min_ms: 10, reconnect_max_ms: 5)"#,
        );
        let problems = bad.validate();
        assert_eq!(problems.len(), 6, "{problems:?}");
        assert!(problems.iter().any(|p| p.starts_with("tls: client_cert_file")), "{problems:?}");
    }
}
