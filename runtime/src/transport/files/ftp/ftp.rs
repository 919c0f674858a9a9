use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use futures::future::BoxFuture;
use rustls::ClientConfig;
use suppaftp::list::{File as ListedFile, ListParser};
use suppaftp::tokio::{
    AsyncFtpStream, AsyncRustlsConnector, AsyncRustlsFtpStream, ImplAsyncFtpStream, TokioTlsStream,
};
use suppaftp::types::FileType;
use suppaftp::{FtpError, Status};

use crate::transport::files::remote::{self, CopyError, Listed, RemoteError, RemoteFolder, RemoteServer};

/// Where and how to reach the folder.
pub(super) struct FtpServer {
    pub(super) host: String,
    pub(super) port: u16,
    pub(super) user: String,
    pub(super) password: String,
    /// Explicit FTPS: the rustls configuration and the name the certificate must hold.
    pub(super) tls: Option<(Arc<ClientConfig>, String)>,
    pub(super) path: String,
    pub(super) timeout: Duration,
}

impl std::fmt::Debug for FtpServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FtpServer")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.user)
            .field("tls", &self.tls.as_ref().map(|(_, name)| name))
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

impl FtpServer {
    fn address(&self) -> String {
        remote::address(&self.host, self.port)
    }

    async fn open(&self) -> Result<Box<dyn RemoteFolder>, RemoteError> {
        let address = self.address();
        let failed = |what: &str, e: FtpError| RemoteError::protocol(format!("FTP {what} on {address}"), e);
        match &self.tls {
            None => {
                let stream = AsyncFtpStream::connect((self.host.as_str(), self.port))
                    .await
                    .map_err(|e| failed("connection", e))?;
                self.login(stream).await
            }
            Some((config, name)) => {
                let stream = AsyncRustlsFtpStream::connect((self.host.as_str(), self.port))
                    .await
                    .map_err(|e| failed("connection", e))?;
                let connector =
                    AsyncRustlsConnector::from(tokio_rustls::TlsConnector::from(Arc::clone(config)));
                let stream =
                    stream.into_secure(connector, name).await.map_err(|e| failed("TLS upgrade", e))?;
                self.login(stream).await
            }
        }
    }

    async fn login<T>(&self, mut stream: ImplAsyncFtpStream<T>) -> Result<Box<dyn RemoteFolder>, RemoteError>
    where
        T: TokioTlsStream + Send + Sync + 'static,
    {
        let address = self.address();
        match stream.login(self.user.as_str(), self.password.as_str()).await {
            Ok(()) => {}
            Err(FtpError::UnexpectedResponse(r)) if r.status == Status::NotLoggedIn => {
                return Err(RemoteError::Login { peer: address, user: self.user.clone() });
            }
            Err(e) => return Err(RemoteError::protocol(format!("FTP login on {address}"), e)),
        }
        stream
            .transfer_type(FileType::Binary)
            .await
            .map_err(|e| RemoteError::protocol(format!("FTP TYPE I on {address}"), e))?;
        // MLSD gives exact sizes and times in one listing; LIST and MDTM otherwise (vsftpd).
        let mlsd = match stream.feat().await {
            Ok(features) => features.keys().any(|k| k.eq_ignore_ascii_case("MLST")),
            Err(_) => false,
        };
        Ok(Box::new(FtpFolder { stream, path: self.path.clone(), address, mlsd, timeout: self.timeout }))
    }
}

impl RemoteServer for FtpServer {
    fn connect(&self) -> BoxFuture<'_, Result<Box<dyn RemoteFolder>, RemoteError>> {
        Box::pin(async move { remote::connect_within(self.timeout, &self.address(), self.open()).await })
    }

    fn peer(&self) -> String {
        remote::peer(if self.tls.is_some() { "ftps" } else { "ftp" }, &self.address(), &self.path)
    }
}

/// A logged-in FTP connection on the folder.
struct FtpFolder<T: TokioTlsStream + Send> {
    stream: ImplAsyncFtpStream<T>,
    path: String,
    address: String,
    /// The server lists with MLSD.
    mlsd: bool,
    timeout: Duration,
}

impl<T: TokioTlsStream + Send + Sync + 'static> FtpFolder<T> {
    fn failed(&self, what: &str, path: &str, e: impl Into<remote::BoxError>) -> RemoteError {
        RemoteError::protocol(format!("FTP {what} {path} on {}", self.address), e)
    }

    async fn list_files(&mut self) -> Result<Vec<Listed>, RemoteError> {
        let path = self.path.clone();
        let timeout = self.timeout;
        let lines = if self.mlsd {
            tokio::time::timeout(timeout, self.stream.mlsd(Some(path.as_str()))).await
        } else {
            tokio::time::timeout(timeout, self.stream.list(Some(path.as_str()))).await
        };
        let lines = match lines {
            Ok(r) => r.map_err(|e| self.failed("list", &path, e))?,
            Err(elapsed) => return Err(self.failed("list", &path, elapsed)),
        };
        let mut out = Vec::new();
        for line in lines {
            let parsed =
                if self.mlsd { ListParser::parse_mlsd(&line) } else { ListedFile::try_from(line.as_str()) };
            let Ok(file) = parsed else {
                tracing::debug!(peer = self.address, line, "FTP listing line not understood; skipped.");
                continue;
            };
            if !file.is_file() || !remote::plain_name(file.name()) {
                continue;
            }
            let name = file.name().to_string();
            let mtime_ms = if self.mlsd {
                millis(file.modified())
            } else {
                // LIST times are to the minute at best: MDTM gives the second.
                let at = remote::join(&path, &name);
                let t = tokio::time::timeout(timeout, self.stream.mdtm(&at)).await;
                match t {
                    Ok(Ok(t)) => t.and_utc().timestamp_millis(),
                    // Gone since the listing: left for the next poll.
                    Ok(Err(FtpError::UnexpectedResponse(r))) if r.status == Status::FileUnavailable => {
                        continue;
                    }
                    Ok(Err(e)) => return Err(self.failed("MDTM", &at, e)),
                    Err(elapsed) => return Err(self.failed("MDTM", &at, elapsed)),
                }
            };
            out.push(Listed { name, size: file.size() as u64, mtime_ms });
        }
        Ok(out)
    }
}

/// Milliseconds since the Unix epoch (0 before 1970).
fn millis(t: std::time::SystemTime) -> i64 {
    t.duration_since(std::time::UNIX_EPOCH).map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl<T: TokioTlsStream + Send + Sync + 'static> RemoteFolder for FtpFolder<T> {
    fn list(&mut self) -> BoxFuture<'_, Result<Vec<Listed>, RemoteError>> {
        Box::pin(self.list_files())
    }

    fn fetch<'a>(&'a mut self, name: &'a str, to: &'a Path) -> BoxFuture<'a, Result<u64, RemoteError>> {
        Box::pin(async move {
            let path = remote::join(&self.path, name);
            let spool = |source| RemoteError::Spool { path: to.to_path_buf(), source };
            let mut local = tokio::fs::File::create(to).await.map_err(spool)?;
            let timeout = self.timeout;
            let mut source = match tokio::time::timeout(timeout, self.stream.retr_as_stream(&path)).await {
                Ok(r) => r.map_err(|e| self.failed("RETR", &path, e))?,
                Err(elapsed) => return Err(self.failed("RETR", &path, elapsed)),
            };
            let copied = remote::download(&mut source, &mut local, timeout).await;
            let finished = tokio::time::timeout(timeout, source.finish()).await;
            let n = match copied {
                Ok(n) => n,
                Err(CopyError::Read(e)) => return Err(self.failed("read", &path, e)),
                Err(CopyError::Write(e)) => return Err(spool(e)),
            };
            match finished {
                Ok(r) => r.map_err(|e| self.failed("RETR", &path, e))?,
                Err(elapsed) => return Err(self.failed("RETR", &path, elapsed)),
            }
            Ok(n)
        })
    }

    fn move_done<'a>(
        &'a mut self,
        name: &'a str,
        done_dir: &'a str,
    ) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async move {
            let dir = remote::join(&self.path, done_dir);
            let timeout = self.timeout;
            // The folder may exist already: a refused MKD is fine, the rename says if it is not.
            let _ = tokio::time::timeout(timeout, self.stream.mkdir(&dir)).await;
            let (from, to) = (remote::join(&self.path, name), remote::join(&dir, name));
            let renamed = tokio::time::timeout(timeout, self.stream.rename(&from, &to)).await;
            match renamed {
                Ok(Ok(())) => Ok(()),
                // Some servers do not replace a file of the same name: remove it, then again.
                Ok(Err(FtpError::UnexpectedResponse(_))) => {
                    let _ = tokio::time::timeout(timeout, self.stream.rm(&to)).await;
                    match tokio::time::timeout(timeout, self.stream.rename(&from, &to)).await {
                        Ok(r) => r.map_err(|e| self.failed("rename", &from, e)),
                        Err(elapsed) => Err(self.failed("rename", &from, elapsed)),
                    }
                }
                Ok(Err(e)) => Err(self.failed("rename", &from, e)),
                Err(elapsed) => Err(self.failed("rename", &from, elapsed)),
            }
        })
    }
}
