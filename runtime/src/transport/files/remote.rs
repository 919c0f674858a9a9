//! Remote folders polled over the network (SFTP, FTP and FTPS): the poll loop, written once for
//! every kind of server behind two small traits.
//!
//! A server kind implements [`RemoteServer`] (connect, verify the server, log in, open the
//! folder) and [`RemoteFolder`] (list, download one file to a local file, move one file into
//! the `done` folder); its config builds a [`RemoteTransport`] of it. [`run`] does the rest,
//! the same for every kind: it polls the folder every `poll_ms`, keeps the names the
//! [`Selector`] wants, waits until two listings in a row agree on size and modification time
//! ([`Stability`]), downloads a stable file into the local spool (streaming: memory stays
//! bounded whatever its size), hands it to [`deliver_file`] (so the [`Ledger`] makes each file
//! handled once across restarts, resuming mid-file), then moves it into the remote `done_dir`
//! ([`OnDone::Move`]) or leaves it where it is ([`OnDone::Mark`], read-only servers). A connection that fails is opened again with backoff; each failure is
//! in the connector's status ([`TransportDisconnected`]), a refused host key included.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::future::BoxFuture;
use tokio::sync::{mpsc, watch};

use super::{ChunkSettings, Delivered, FileMeta, Ledger, OnDone, Records, Selector, Stability, deliver_file};
use crate::events::{TransportConnected, TransportDisconnected, error_chain};
use crate::message::Control;
use crate::net::Backoff;
use crate::transport::{Running, Transport, TransportContext, TransportError};

/// Default interval between two listings of a remote folder: 10 seconds. A file is read once
/// two listings in a row saw the same size and modification time.
pub const DEFAULT_POLL_MS: u64 = 10_000;
/// Default remote folder, inside the folder polled, that files done are moved to: `done`.
pub const DEFAULT_DONE_DIR: &str = "done";
/// Default time limit of connecting and logging in, and of each request: 30 seconds.
pub const DEFAULT_TIMEOUT_MS: u64 = 30_000;

/// Serde defaults shared by the remote folder configs.
pub(crate) mod defaults {
    pub(crate) const fn poll_ms() -> u64 {
        super::DEFAULT_POLL_MS
    }
    pub(crate) const fn timeout_ms() -> u64 {
        super::DEFAULT_TIMEOUT_MS
    }
    pub(crate) const fn chunk_records() -> usize {
        crate::transport::files::DEFAULT_CHUNK_RECORDS
    }
    pub(crate) const fn chunk_bytes() -> usize {
        crate::transport::files::DEFAULT_CHUNK_BYTES
    }
    pub(crate) const fn yes() -> bool {
        true
    }
    pub(crate) fn ignore() -> Vec<String> {
        crate::transport::files::DEFAULT_IGNORE.iter().map(|s| (*s).to_string()).collect()
    }
    pub(crate) fn done_dir() -> String {
        super::DEFAULT_DONE_DIR.to_string()
    }
}

/// A boxed error of a client library, kept as the source of a [`RemoteError`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// One regular file of a remote folder, as listed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed {
    /// Its name in the folder (no `/`).
    pub name: String,
    /// Size in bytes.
    pub size: u64,
    /// Modification time in milliseconds since the Unix epoch (the server's resolution:
    /// seconds for SFTP and FTP `MDTM`).
    pub mtime_ms: i64,
}

/// Why a remote folder cannot be used now. The poll loop logs it, shows it in the connector's
/// status and connects again with backoff.
#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    /// The server presented a host key that is not the pinned one: the connection is refused,
    /// the key never accepted.
    #[error("host key of {host} does not match the pinned {pinned}: the server presented {presented}")]
    HostKey {
        /// `host:port`.
        host: String,
        /// What is pinned: `host_key_fingerprint SHA256:...` or `known_hosts FILE`.
        pinned: String,
        /// The SHA-256 fingerprint of the key presented (`SHA256:...`).
        presented: String,
    },
    /// The server refused the credentials.
    #[error("{peer} refused the login of user {user}")]
    Login {
        /// `host:port`.
        peer: String,
        /// The user name.
        user: String,
    },
    /// Connecting or a protocol operation failed.
    #[error("{what}")]
    Protocol {
        /// What was being done (`connect to HOST:PORT`, `list /out`).
        what: String,
        /// Cause.
        #[source]
        source: BoxError,
    },
    /// A file of the local spool cannot be written.
    #[error("spool file {} cannot be written", path.display())]
    Spool {
        /// The local file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
}

impl RemoteError {
    /// A [`RemoteError::Protocol`] of `what`, caused by `source`.
    pub fn protocol(what: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Self::Protocol { what: what.into(), source: source.into() }
    }
}

/// A connected remote folder: what the poll loop needs of a server.
pub trait RemoteFolder: Send {
    /// The folder's regular files (sub-folders, links and names holding a `/` left out).
    fn list(&mut self) -> BoxFuture<'_, Result<Vec<Listed>, RemoteError>>;

    /// Downloads the file `name` of the folder into the local file `to` (created or
    /// truncated), streaming; returns the bytes written.
    fn fetch<'a>(&'a mut self, name: &'a str, to: &'a Path) -> BoxFuture<'a, Result<u64, RemoteError>>;

    /// Moves the file `name` into the folder `done_dir` (relative to the folder, created when
    /// missing).
    fn move_done<'a>(
        &'a mut self,
        name: &'a str,
        done_dir: &'a str,
    ) -> BoxFuture<'a, Result<(), RemoteError>>;
}

/// How to reach a remote folder: one implementation per kind of server.
pub trait RemoteServer: Send + Sync + std::fmt::Debug + 'static {
    /// Connects, verifies the server (host key, certificate), logs in and opens the folder.
    fn connect(&self) -> BoxFuture<'_, Result<Box<dyn RemoteFolder>, RemoteError>>;

    /// `kind://host:port/folder`, for logs and the status.
    fn peer(&self) -> String;
}

/// A remote folder transport (`sftp`, `ftp`): the poll loop of [`run`] over one kind of server.
#[derive(Debug)]
pub struct RemoteTransport {
    server: Box<dyn RemoteServer>,
    settings: RemoteSettings,
}

impl RemoteTransport {
    /// The transport of `server`, handling its files as `settings` say.
    pub fn new(server: impl RemoteServer, settings: RemoteSettings) -> Self {
        Self { server: Box::new(server), settings }
    }
}

impl Transport for RemoteTransport {
    fn start(self: Box<Self>, cx: TransportContext) -> BoxFuture<'static, Result<Running, TransportError>> {
        Box::pin(async move {
            let RemoteTransport { server, settings } = *self;
            let task = tokio::spawn(run(server, settings, cx));
            Ok(Running { local_addr: None, task })
        })
    }
}

/// `host:port` (brackets around an IPv6 address), as errors and logs name a server.
pub fn address(host: &str, port: u16) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// `scheme://host:port/folder`, the peer a remote folder transport shows in its status.
pub fn peer(scheme: &str, address: &str, path: &str) -> String {
    format!("{scheme}://{address}{}{path}", if path.starts_with('/') { "" } else { "/" })
}

/// Connecting and logging in (`open`) within `limit`.
///
/// # Errors
/// The error of `open`, or [`RemoteError::Protocol`] when it takes longer.
pub async fn connect_within(
    limit: Duration,
    address: &str,
    open: impl Future<Output = Result<Box<dyn RemoteFolder>, RemoteError>>,
) -> Result<Box<dyn RemoteFolder>, RemoteError> {
    match tokio::time::timeout(limit, open).await {
        Ok(folder) => folder,
        Err(elapsed) => Err(RemoteError::protocol(
            format!("connecting to {address} took over {} ms", limit.as_millis()),
            elapsed,
        )),
    }
}

/// What the poll loop does with the files of a remote folder, the same for every server kind.
#[derive(Debug, Clone)]
pub struct RemoteSettings {
    /// Interval between two listings.
    pub poll: Duration,
    /// Names read.
    pub selector: Selector,
    /// What becomes of a file done.
    pub on_done: OnDone,
    /// The remote folder files done are moved to, relative to the folder.
    pub done_dir: String,
    /// How files are cut into chunks.
    pub chunking: ChunkSettings,
    /// The ledger (in the local state folder).
    pub ledger: Arc<Mutex<Ledger>>,
    /// The local folder files are downloaded to before they are read.
    pub spool: PathBuf,
    /// First reconnect delay.
    pub reconnect_min: Duration,
    /// Longest reconnect delay.
    pub reconnect_max: Duration,
}

/// The file settings every remote folder config has, borrowed for the shared checks.
#[derive(Debug, Clone, Copy)]
pub struct Common<'a> {
    /// The remote folder.
    pub path: &'a str,
    /// Interval between two listings, in milliseconds.
    pub poll_ms: u64,
    /// Names read.
    pub include: &'a [String],
    /// Names never read.
    pub ignore: &'a [String],
    /// The remote folder of files done, relative to `path`.
    pub done_dir: &'a str,
    /// The first line is a header.
    pub header: bool,
    /// What a record is.
    pub records: &'a Records,
    /// Records per chunk.
    pub chunk_records: usize,
    /// Bytes per chunk.
    pub chunk_bytes: usize,
    /// First reconnect delay, in milliseconds.
    pub reconnect_min_ms: u64,
    /// Longest reconnect delay, in milliseconds.
    pub reconnect_max_ms: u64,
}

impl Common<'_> {
    /// Pure checks; one message per problem.
    pub fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.path.is_empty() {
            out.push("path is empty".into());
        }
        if self.poll_ms < 10 {
            out.push("poll_ms must be at least 10".into());
        }
        if self.include.iter().chain(self.ignore).any(String::is_empty) {
            out.push("include and ignore patterns must not be empty".into());
        }
        if !plain_name(self.done_dir) {
            out.push("done_dir must be a folder name inside path (no `/`)".into());
        }
        if self.chunk_records == 0 {
            out.push("chunk_records must be above 0".into());
        }
        out.extend(self.records.problem());
        if self.header && *self.records != Records::Lines {
            out.push("header must be false when records are json or xml".into());
        }
        if self.chunk_bytes < 1024 {
            out.push("chunk_bytes must be at least 1024".into());
        }
        if self.reconnect_min_ms == 0 {
            out.push("reconnect_min_ms must be above 0".into());
        }
        if self.reconnect_max_ms < self.reconnect_min_ms {
            out.push("reconnect_max_ms must not be below reconnect_min_ms".into());
        }
        out
    }
}

/// Opens the ledger in `state` and creates the spool folder inside it, off the executor.
///
/// # Errors
/// [`TransportError::Ledger`] or [`TransportError::Io`].
pub async fn open_state(state: PathBuf) -> Result<(Ledger, PathBuf), TransportError> {
    tokio::task::spawn_blocking(move || {
        let ledger = Ledger::open(&state)?;
        let spool = state.join("spool");
        std::fs::create_dir_all(&spool).map_err(TransportError::Io)?;
        Ok((ledger, spool))
    })
    .await
    .map_err(|e| TransportError::Io(std::io::Error::other(e)))?
}

/// How a session with the server ended.
enum End {
    /// The transport must stop.
    Stopped,
    /// The connection failed: connect again.
    Remote(RemoteError),
    /// Something that no new connection mends (the ledger cannot be written).
    Fatal(TransportError),
}

/// The poll loop of a remote folder transport: connects (again, with backoff, after a
/// failure), lists, and delivers each stable file once. Ends at shutdown.
///
/// # Errors
/// The ledger cannot be written.
pub async fn run(
    server: Box<dyn RemoteServer>,
    s: RemoteSettings,
    cx: TransportContext,
) -> Result<(), TransportError> {
    let TransportContext { ingest, mut shutdown, mut control, metrics, .. } = cx;
    let connector = ingest.connector().to_string();
    let peer = server.peer();
    let mut reconnect = Backoff::new(s.reconnect_min, s.reconnect_max).with_key(&connector);
    let mut io = Io {
        ingest,
        connector,
        stability: Stability::default(),
        delivery: Backoff::default().with_key(peer.as_str()),
    };
    loop {
        let connected = tokio::select! {
            () = stopped(&mut shutdown) => return Ok(()),
            c = server.connect() => c,
        };
        let end = match connected {
            Ok(mut folder) => {
                TransportConnected { metrics: &metrics, peer: &peer }.emit();
                io.session(&mut *folder, &s, &mut shutdown, &mut control, &mut reconnect).await
            }
            Err(e) => End::Remote(e),
        };
        let error = match end {
            End::Stopped => return Ok(()),
            End::Fatal(e) => return Err(e),
            End::Remote(e) => e,
        };
        let wait = reconnect.next();
        let text = error_chain(&error);
        if let RemoteError::HostKey { .. } = error {
            tracing::error!(
                connector = io.connector,
                peer,
                error = text,
                "Host key refused; nothing is read until the pin or the server is fixed."
            );
        }
        TransportDisconnected { metrics: &metrics, error: &text, retry_in_ms: wait.as_millis() as u64 }
            .emit();
        let deadline = tokio::time::sleep(wait);
        tokio::pin!(deadline);
        loop {
            tokio::select! {
                () = stopped(&mut shutdown) => return Ok(()),
                Some(c) = control.recv() => refuse(&io.connector, c),
                () = &mut deadline => break,
            }
        }
    }
}

/// The parts of the poll loop that outlive a connection.
struct Io {
    ingest: crate::actor::Ingest,
    connector: String,
    stability: Stability,
    /// Backoff of chunks the connector could not commit yet.
    delivery: Backoff,
}

impl Io {
    /// Polls one connection until it fails or the transport stops.
    async fn session(
        &mut self,
        folder: &mut dyn RemoteFolder,
        s: &RemoteSettings,
        shutdown: &mut watch::Receiver<bool>,
        control: &mut mpsc::Receiver<Control>,
        reconnect: &mut Backoff,
    ) -> End {
        let mut interval = tokio::time::interval(s.poll);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                () = stopped(shutdown) => return End::Stopped,
                Some(c) = control.recv() => {
                    refuse(&self.connector, c);
                    continue;
                }
                _ = interval.tick() => {}
            }
            let listing = tokio::select! {
                () = stopped(shutdown) => return End::Stopped,
                l = folder.list() => match l {
                    Ok(l) => l,
                    Err(e) => return End::Remote(e),
                },
            };
            reconnect.reset();
            let listing: Vec<Listed> = listing.into_iter().filter(|l| s.selector.wants(&l.name)).collect();
            let seen: Vec<(String, u64, i64)> =
                listing.iter().map(|l| (l.name.clone(), l.size, l.mtime_ms)).collect();
            let names = self.stability.observe(&seen);
            let mut ready: Vec<&Listed> = listing.iter().filter(|l| names.contains(&l.name)).collect();
            // Oldest first, so files are read in the order they were dropped.
            ready.sort_by(|a, b| (a.mtime_ms, &a.name).cmp(&(b.mtime_ms, &b.name)));
            for file in ready {
                if *shutdown.borrow() {
                    return End::Stopped;
                }
                match self.handle(folder, s, file, shutdown).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(end) => return end,
                }
                // Done, now or before a stop that came between the ledger and the move.
                if s.on_done == OnDone::Move {
                    let moved = tokio::select! {
                        () = stopped(shutdown) => return End::Stopped,
                        m = folder.move_done(&file.name, &s.done_dir) => m,
                    };
                    if let Err(e) = moved {
                        tracing::warn!(
                            connector = self.connector,
                            file = file.name,
                            error = error_chain(&e),
                            "File done cannot be moved to the done folder; it stays marked done in the ledger."
                        );
                    }
                }
            }
        }
    }

    /// Downloads and delivers one stable file unless the ledger says it is done. True when it
    /// is done (now or before); false when it is to be tried again at a later poll.
    async fn handle(
        &mut self,
        folder: &mut dyn RemoteFolder,
        s: &RemoteSettings,
        file: &Listed,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<bool, End> {
        let done = s.ledger.lock().unwrap_or_else(std::sync::PoisonError::into_inner).is_done(
            &file.name,
            file.size,
            file.mtime_ms,
        );
        if done {
            return Ok(true);
        }
        let local = s.spool.join(&file.name);
        let fetched = tokio::select! {
            () = stopped(shutdown) => Err(End::Stopped),
            f = folder.fetch(&file.name, &local) => f.map_err(End::Remote),
        };
        let fetched = match fetched {
            Ok(n) => n,
            Err(end) => {
                remove(&local).await;
                return Err(end);
            }
        };
        if fetched != file.size {
            tracing::info!(
                connector = self.connector,
                file = file.name,
                listed = file.size,
                fetched,
                "File changed while it was downloaded; it is read once it holds still."
            );
            remove(&local).await;
            return Ok(false);
        }
        let meta = FileMeta {
            name: file.name.clone(),
            path: local.clone(),
            size: file.size,
            mtime_ms: file.mtime_ms,
        };
        let delivered =
            deliver_file(&self.ingest, &s.ledger, &meta, s.chunking.clone(), shutdown, &mut self.delivery)
                .await;
        remove(&local).await;
        match delivered {
            Ok(Delivered::Done(_)) => Ok(true),
            Ok(Delivered::Failed(_)) => Ok(false),
            Ok(Delivered::Stopped) => Err(End::Stopped),
            Err(TransportError::Io(e)) => {
                tracing::warn!(connector = self.connector, file = file.name, error = %e, "Downloaded file cannot be read; trying again at the next poll.");
                Ok(false)
            }
            Err(e) => Err(End::Fatal(e)),
        }
    }
}

/// Why a download stopped.
pub(crate) enum CopyError {
    /// Reading from the server failed, or no byte came for the idle time.
    Read(std::io::Error),
    /// Writing the spool file failed.
    Write(std::io::Error),
}

/// Buffer of a download.
const COPY_BUFFER: usize = 64 * 1024;

/// Copies `source` into the spool file `local`, flushed, with a bounded buffer; a server that
/// sends nothing for `idle` is a read error (a stalled data connection never hangs the loop).
pub(crate) async fn download<R: tokio::io::AsyncRead + Unpin>(
    source: &mut R,
    local: &mut tokio::fs::File,
    idle: Duration,
) -> Result<u64, CopyError> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut buf = vec![0u8; COPY_BUFFER];
    let mut total = 0u64;
    loop {
        let n = match tokio::time::timeout(idle, source.read(&mut buf)).await {
            Ok(read) => read.map_err(CopyError::Read)?,
            Err(_) => {
                let why = format!("no byte received for {} ms", idle.as_millis());
                return Err(CopyError::Read(std::io::Error::new(std::io::ErrorKind::TimedOut, why)));
            }
        };
        if n == 0 {
            break;
        }
        local.write_all(buf.get(..n).unwrap_or_default()).await.map_err(CopyError::Write)?;
        total += n as u64;
    }
    local.flush().await.map_err(CopyError::Write)?;
    Ok(total)
}

/// Removes a spool file, off the executor; a file already gone is fine.
async fn remove(path: &Path) {
    let _ = tokio::fs::remove_file(path).await;
}

fn refuse(connector: &str, c: Control) {
    c.refuse(connector, "a remote folder transport carries no requests or subscriptions");
}

/// Resolves once the transport must stop (or the sender is gone).
async fn stopped(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// Whether `name` is a plain file name a listing may hand over (not `.`, `..`, nor a path).
pub fn plain_name(name: &str) -> bool {
    !name.is_empty() && name != "." && name != ".." && !name.contains('/') && !name.contains('\0')
}

/// `folder/name` on a server (POSIX paths), without doubling the `/`.
pub fn join(folder: &str, name: &str) -> String {
    if folder.is_empty() {
        name.to_string()
    } else if folder.ends_with('/') {
        format!("{folder}{name}")
    } else {
        format!("{folder}/{name}")
    }
}

#[cfg(test)]
mod tests {
    use super::{join, plain_name};

    #[test]
    fn names_and_paths() {
        assert!(plain_name("a.csv") && plain_name(".hidden"));
        for bad in ["", ".", "..", "a/b", "/etc"] {
            assert!(!plain_name(bad), "{bad}");
        }
        assert_eq!(join("/out", "a.csv"), "/out/a.csv");
        assert_eq!(join("/out/", "a.csv"), "/out/a.csv");
        assert_eq!(join("", "a.csv"), "a.csv");
        assert_eq!(join("/out", "done"), "/out/done");
    }
}
