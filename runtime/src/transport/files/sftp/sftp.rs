use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use russh::client::{self, Handle};
use russh::keys::{HashAlg, PrivateKey, PrivateKeyWithHashAlg, PublicKey, PublicKeyOrCertificate};
use russh_sftp::client::SftpSession;

use crate::transport::files::remote::{self, CopyError, Listed, RemoteError, RemoteFolder, RemoteServer};

/// How the user logs in.
pub(super) enum Auth {
    /// A password.
    Password(String),
    /// A private key.
    Key(Arc<PrivateKey>),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Password(_) => "Password(..)",
            Self::Key(_) => "Key(..)",
        })
    }
}

/// The server key accepted.
#[derive(Debug, Clone)]
pub(super) enum HostKeyPin {
    /// The entries of a known_hosts file for the host, read at each connection.
    KnownHosts(PathBuf),
    /// A SHA-256 fingerprint, `SHA256:...`.
    Fingerprint(String),
}

/// Where and how to reach the folder.
#[derive(Debug)]
pub(super) struct SftpServer {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) user: String,
    pub(super) auth: Auth,
    pub(super) pin: HostKeyPin,
    pub(super) path: String,
    pub(super) timeout: Duration,
}

impl SftpServer {
    fn address(&self) -> String {
        remote::address(&self.host, self.port)
    }

    /// The keys the pin accepts, and how the pin is named in errors; read off the executor.
    async fn accepted(&self) -> Result<(Vec<PublicKey>, Option<String>, String), RemoteError> {
        match &self.pin {
            HostKeyPin::Fingerprint(f) => {
                Ok((Vec::new(), Some(f.clone()), format!("host_key_fingerprint {f}")))
            }
            HostKeyPin::KnownHosts(file) => {
                let (file, host, port) = (file.clone(), self.host.clone(), self.port);
                let named = format!("known_hosts {} entries", file.display());
                let keys = tokio::task::spawn_blocking(move || {
                    // russh reads an unreadable file as an empty one: say why instead.
                    std::fs::metadata(&file).map_err(|e| {
                        RemoteError::protocol(format!("known_hosts {} cannot be read", file.display()), e)
                    })?;
                    russh::keys::known_hosts::known_host_keys_path(&host, port, &file).map_err(|e| {
                        RemoteError::protocol(format!("known_hosts {} cannot be parsed", file.display()), e)
                    })
                })
                .await
                .map_err(|e| RemoteError::protocol("reading known_hosts", e))??;
                Ok((keys.into_iter().map(|(_, k)| k).collect(), None, named))
            }
        }
    }

    async fn open(&self) -> Result<Box<dyn RemoteFolder>, RemoteError> {
        let address = self.address();
        let (keys, fingerprint, pinned) = self.accepted().await?;
        let presented = Arc::new(Mutex::new(None));
        let checker = Checker { keys, fingerprint, presented: Arc::clone(&presented) };
        let config = Arc::new(client::Config {
            inactivity_timeout: None,
            keepalive_interval: Some(Duration::from_secs(15)),
            ..client::Config::default()
        });
        let connected = client::connect(config, (self.host.as_str(), self.port), checker).await;
        let mut handle = match connected {
            Ok(h) => h,
            Err(e) => {
                let refused = presented.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
                return Err(match refused {
                    Some(presented) => RemoteError::HostKey { host: address, pinned, presented },
                    None => RemoteError::protocol(format!("SSH connection to {address} failed"), e),
                });
            }
        };
        let failed = |what: &str, e: russh::Error| RemoteError::protocol(format!("{what} on {address}"), e);
        let result = match &self.auth {
            Auth::Password(p) => handle.authenticate_password(self.user.as_str(), p.as_str()).await,
            Auth::Key(key) => {
                let hash =
                    handle.best_supported_rsa_hash().await.map_err(|e| failed("SSH login", e))?.flatten();
                handle
                    .authenticate_publickey(
                        self.user.as_str(),
                        PrivateKeyWithHashAlg::new(Arc::clone(key), hash),
                    )
                    .await
            }
        }
        .map_err(|e| failed("SSH login", e))?;
        if !result.success() {
            return Err(RemoteError::Login { peer: address, user: self.user.clone() });
        }
        let channel = handle.channel_open_session().await.map_err(|e| failed("SSH session", e))?;
        channel.request_subsystem(true, "sftp").await.map_err(|e| failed("the sftp subsystem", e))?;
        let config = russh_sftp::client::Config {
            request_timeout_secs: self.timeout.as_secs().max(1),
            ..russh_sftp::client::Config::default()
        };
        let sftp = SftpSession::new_with_config(channel.into_stream(), config)
            .await
            .map_err(|e| RemoteError::protocol(format!("SFTP start on {address}"), e))?;
        Ok(Box::new(SftpFolder {
            _handle: handle,
            sftp,
            path: self.path.clone(),
            address,
            timeout: self.timeout,
        }))
    }
}

impl RemoteServer for SftpServer {
    fn connect(&self) -> BoxFuture<'_, Result<Box<dyn RemoteFolder>, RemoteError>> {
        Box::pin(async move { remote::connect_within(self.timeout, &self.address(), self.open()).await })
    }

    fn peer(&self) -> String {
        remote::peer("sftp", &self.address(), &self.path)
    }
}

/// The SSH client handler: accepts the server's key only when the pin does.
struct Checker {
    /// Keys of the known_hosts entries for the host.
    keys: Vec<PublicKey>,
    /// The pinned fingerprint.
    fingerprint: Option<String>,
    /// The fingerprint of a key refused, for the error.
    presented: Arc<Mutex<Option<String>>>,
}

impl client::Handler for Checker {
    type Error = russh::Error;

    async fn check_server_key(
        &mut self,
        server_public_key: &PublicKeyOrCertificate,
    ) -> Result<bool, Self::Error> {
        let key = server_public_key.public_key();
        let presented = key.fingerprint(HashAlg::Sha256).to_string();
        let accepted = match &self.fingerprint {
            Some(pinned) => *pinned == presented,
            None => self.keys.iter().any(|k| k.key_data() == key.key_data()),
        };
        if !accepted {
            *self.presented.lock().unwrap_or_else(std::sync::PoisonError::into_inner) = Some(presented);
        }
        Ok(accepted)
    }
}

/// A logged-in SFTP session on the folder.
struct SftpFolder {
    /// Keeps the SSH connection open.
    _handle: Handle<Checker>,
    sftp: SftpSession,
    path: String,
    address: String,
    /// How long a download may receive nothing.
    timeout: Duration,
}

impl SftpFolder {
    fn failed(&self, what: &str, path: &str, e: impl Into<remote::BoxError>) -> RemoteError {
        RemoteError::protocol(format!("SFTP {what} {path} on {}", self.address), e)
    }
}

impl RemoteFolder for SftpFolder {
    fn list(&mut self) -> BoxFuture<'_, Result<Vec<Listed>, RemoteError>> {
        Box::pin(async move {
            let entries = self
                .sftp
                .read_dir(self.path.as_str())
                .await
                .map_err(|e| self.failed("list", &self.path, e))?;
            Ok(entries
                .filter_map(|entry| {
                    let meta = entry.metadata();
                    let name = entry.file_name();
                    (meta.is_regular() && remote::plain_name(&name)).then(|| Listed {
                        name,
                        size: meta.size.unwrap_or(0),
                        mtime_ms: i64::from(meta.mtime.unwrap_or(0)) * 1000,
                    })
                })
                .collect())
        })
    }

    fn fetch<'a>(&'a mut self, name: &'a str, to: &'a Path) -> BoxFuture<'a, Result<u64, RemoteError>> {
        Box::pin(async move {
            let path = remote::join(&self.path, name);
            let mut source =
                self.sftp.open(path.as_str()).await.map_err(|e| self.failed("open", &path, e))?;
            let spool = |source| RemoteError::Spool { path: to.to_path_buf(), source };
            let mut local = tokio::fs::File::create(to).await.map_err(spool)?;
            let copied = remote::download(&mut source, &mut local, self.timeout).await;
            // Closing the remote handle; its outcome does not matter once the bytes are read.
            let _ = source.close().await;
            match copied {
                Ok(n) => Ok(n),
                Err(CopyError::Read(e)) => Err(self.failed("read", &path, e)),
                Err(CopyError::Write(e)) => Err(spool(e)),
            }
        })
    }

    fn move_done<'a>(
        &'a mut self,
        name: &'a str,
        done_dir: &'a str,
    ) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async move {
            let dir = remote::join(&self.path, done_dir);
            if !self.sftp.try_exists(dir.as_str()).await.map_err(|e| self.failed("stat", &dir, e))? {
                self.sftp.create_dir(dir.as_str()).await.map_err(|e| self.failed("mkdir", &dir, e))?;
            }
            let (from, to) = (remote::join(&self.path, name), remote::join(&dir, name));
            // SFTP v3 rename does not replace: a file of the same name already done goes first.
            if self.sftp.try_exists(to.as_str()).await.map_err(|e| self.failed("stat", &to, e))? {
                self.sftp.remove_file(to.as_str()).await.map_err(|e| self.failed("remove", &to, e))?;
            }
            self.sftp.rename(from.as_str(), to.as_str()).await.map_err(|e| self.failed("rename", &from, e))
        })
    }
}
