use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use russh::keys::PrivateKey;
use serde::Deserialize;

use super::sftp::{Auth, HostKeyPin, SftpServer};
use crate::component::BuildContext;
use crate::net::backoff;
use crate::transport::files::remote::{self, Common, RemoteSettings, RemoteTransport, defaults};
use crate::transport::files::{ChunkSettings, OnDone, Records, Selector};
use crate::transport::{Transport, TransportComponent, TransportError};

/// Default SSH port: 22.
pub const DEFAULT_PORT: u16 = 22;

const fn default_port() -> u16 {
    DEFAULT_PORT
}

/// Configuration of the SFTP transport.
///
/// ```ron
/// transport: sftp(host: "sftp.example.org", user: "energisme", private_key_file: "keys/id_ed25519",
///                 host_key_fingerprint: "SHA256:O0ki3gYTCZ5fSfcNWvEz7ygO59Wh3Tap2tf6cNYp0ZY",
///                 path: "/outgoing", include: ["*.csv", "*.csv.gz"], header: true),
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SftpConfig {
    /// The server's host name or IP address.
    pub host: String,
    /// The server's SSH port (default [`DEFAULT_PORT`]).
    #[serde(default = "default_port")]
    pub port: u16,
    /// The user to log in as.
    pub user: String,
    /// Secret holding the user's password (an environment variable, or supplied by the
    /// embedding host). One of `password_env`, `private_key_file` and `private_key_env`.
    #[serde(default)]
    pub password_env: Option<String>,
    /// OpenSSH private key file of the user (relative to the config file's folder).
    #[serde(default)]
    pub private_key_file: Option<PathBuf>,
    /// Secret holding the user's OpenSSH private key itself (its PEM text).
    #[serde(default)]
    pub private_key_env: Option<String>,
    /// Secret holding the passphrase of an encrypted private key (default none).
    #[serde(default)]
    pub private_key_passphrase_env: Option<String>,
    /// A known_hosts file (OpenSSH format; relative to the config file's folder) whose entry
    /// for `host` (`[host]:port` when the port is not 22) pins the server's key. One of
    /// `known_hosts` and `host_key_fingerprint` is required: a host key is never accepted
    /// blindly. Read at each connection.
    #[serde(default)]
    pub known_hosts: Option<PathBuf>,
    /// The SHA-256 fingerprint of the server's host key, as `ssh-keygen -lf KEY` prints it
    /// (`SHA256:` and 43 base64 characters).
    #[serde(default)]
    pub host_key_fingerprint: Option<String>,
    /// The remote folder polled (absolute, or relative to the user's home folder). Only its
    /// files are read, not its sub-folders.
    pub path: String,
    /// The local folder of the ledger and the download spool (relative to the config file's
    /// folder; default `<state_dir>/<connector>.sftp` in the runtime's state folder).
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
    /// Time limit of connecting and logging in, of each SFTP request, and of a download that
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

/// Whether `text` looks like an OpenSSH SHA-256 fingerprint: `SHA256:` and 43 base64 characters.
fn fingerprint_syntax(text: &str) -> bool {
    text.strip_prefix("SHA256:").is_some_and(|b64| {
        b64.len() == 43 && b64.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'/')
    })
}

impl SftpConfig {
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

impl TransportComponent for SftpConfig {
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
        let auths =
            [self.password_env.is_some(), self.private_key_file.is_some(), self.private_key_env.is_some()];
        if auths.iter().filter(|set| **set).count() != 1 {
            out.push("set one of password_env, private_key_file and private_key_env".into());
        }
        if self.private_key_passphrase_env.is_some() && self.password_env.is_some() {
            out.push("private_key_passphrase_env goes with a private key, not a password".into());
        }
        match (&self.known_hosts, &self.host_key_fingerprint) {
            (None, None) => out.push(
                "no host key pinned: set known_hosts or host_key_fingerprint (a host key is never accepted blindly)"
                    .into(),
            ),
            (Some(_), Some(_)) => out.push("set one of known_hosts and host_key_fingerprint".into()),
            (Some(file), None) if file.as_os_str().is_empty() => out.push("known_hosts is empty".into()),
            (None, Some(f)) if !fingerprint_syntax(f) => out.push(format!(
                "host_key_fingerprint {f:?} is not SHA256:<43 base64 characters> (as ssh-keygen -lf prints it)"
            )),
            _ => {}
        }
        if self.timeout_ms < 1000 {
            out.push("timeout_ms must be at least 1000".into());
        }
        out.extend(self.common().validate());
        out
    }

    /// Reads the secrets and the private key (off the executor) and opens the ledger.
    fn build<'a>(
        &'a self,
        cx: &'a BuildContext,
    ) -> BoxFuture<'a, Result<Box<dyn Transport>, TransportError>> {
        Box::pin(async move {
            let auth = match (&self.password_env, &self.private_key_file, &self.private_key_env) {
                (Some(var), _, _) => Auth::Password(cx.secret(var)?),
                (None, Some(file), _) => {
                    let path = cx.resolve(file);
                    let text = tokio::fs::read_to_string(&path).await.map_err(|e| {
                        TransportError::Config(format!(
                            "private_key_file {} cannot be read: {e}",
                            path.display()
                        ))
                    })?;
                    Auth::Key(self.decode_key(cx, &text, &path.display().to_string())?)
                }
                (None, None, Some(var)) => Auth::Key(self.decode_key(cx, &cx.secret(var)?, var)?),
                (None, None, None) => {
                    return Err(TransportError::Config("no password or private key".into()));
                }
            };
            let pin = match (&self.known_hosts, &self.host_key_fingerprint) {
                (Some(file), _) => HostKeyPin::KnownHosts(cx.resolve(file)),
                (None, Some(f)) => HostKeyPin::Fingerprint(f.clone()),
                (None, None) => return Err(TransportError::Config("no host key pinned".into())),
            };
            let state = match &self.state_dir {
                Some(dir) => cx.resolve(dir),
                None => cx.state_dir().join(format!("{}.sftp", cx.name())),
            };
            let (ledger, spool) = remote::open_state(state).await?;
            let server = SftpServer {
                host: self.host.clone(),
                port: self.port,
                user: self.user.clone(),
                auth,
                pin,
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

impl SftpConfig {
    /// Decodes an OpenSSH private key (`origin` names where it came from in the error).
    fn decode_key(
        &self,
        cx: &BuildContext,
        text: &str,
        origin: &str,
    ) -> Result<Arc<PrivateKey>, TransportError> {
        let passphrase = cx.optional_secret(self.private_key_passphrase_env.as_deref())?;
        russh::keys::decode_secret_key(text, passphrase.as_deref())
            .map(Arc::new)
            .map_err(|e| TransportError::Config(format!("private key {origin} cannot be read: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::SftpConfig;
    use crate::transport::TransportComponent;
    use crate::transport::files::OnDone;

    fn parse(text: &str) -> SftpConfig {
        ron::Options::default()
            .with_default_extension(ron::extensions::Extensions::IMPLICIT_SOME)
            .from_str(text)
            .unwrap()
    }

    #[test]
    fn defaults() {
        let c = parse(
            r#"(host: "h", user: "u", password_env: "P", path: "/out",
                host_key_fingerprint: "SHA256:O0ki3gYTCZ5fSfcNWvEz7ygO59Wh3Tap2tf6cNYp0ZY")"#,
        );
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        assert_eq!((c.port, c.on_done, c.poll_ms, c.done_dir.as_str()), (22, OnDone::Move, 10_000, "done"));
        assert!(c.ignore.contains(&"*.part".to_string()));
    }

    #[test]
    fn no_pin_is_an_error_and_each_problem_is_named() {
        let c = parse(r#"(host: "h", user: "u", password_env: "P", path: "/out")"#);
        let problems = c.validate();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("no host key pinned"), "{problems:?}");
        let bad = parse(
            r#"(host: "", port: 0, user: "", path: "", host_key_fingerprint: "MD5:ab", done_dir: "a/b",
                poll_ms: 1, timeout_ms: 1)"#,
        );
        let problems = bad.validate();
        assert_eq!(problems.len(), 9, "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("set one of password_env")), "{problems:?}");
        assert!(problems.iter().any(|p| p.contains("\"MD5:ab\" is not SHA256")), "{problems:?}");
        let both = parse(
            r#"(host: "h", user: "u", password_env: "P", private_key_file: "k", path: "/",
                known_hosts: "kh", host_key_fingerprint: "SHA256:O0ki3gYTCZ5fSfcNWvEz7ygO59Wh3Tap2tf6cNYp0ZY")"#,
        );
        assert_eq!(both.validate().len(), 2, "{:?}", both.validate());
    }
}
