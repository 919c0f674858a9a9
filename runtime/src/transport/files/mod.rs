//! File transports: a local drop folder, and folders of SFTP and FTP(S) servers, whose files
//! are each handed to the connector plugin exactly once across restarts.
//!
//! - [`drop_folder`] (feature `transport-drop-folder`): a local folder, listed every `poll_ms`.
//! - [`sftp`] (feature `transport-sftp`) and [`ftp`] (feature `transport-ftp`): a remote folder,
//!   listed every `poll_ms` by the poll loop of [`remote`], written once for both behind two
//!   small traits ([`remote::RemoteServer`]: connect and log in; [`remote::RemoteFolder`]: list,
//!   fetch to a local file, move to `done/`). A stable file is downloaded (streaming) into a
//!   spool in the transport's local state folder, delivered like a local file, then moved into
//!   the remote `done/` folder (or only marked in the ledger, for read-only servers). SFTP pins
//!   the server's host key (known_hosts entry or SHA-256 fingerprint); FTPS verifies the
//!   server's certificate ([`crate::net::tls`]).
//!
//! What every file transport shares lives here:
//! - [`Ledger`]: a small file-backed store, keyed by file name, size, modification time and
//!   content hash (SHA-256), of how far each file was committed; written atomically (temporary
//!   file, fsync, rename) after each committed chunk.
//! - [`Chunker`]: cuts a file (gzip-compressed when its name ends `.gz`) into chunks on record
//!   boundaries (lines; a CSV record whose quoted field holds a line break stays whole), so a
//!   file of a million lines is read with bounded memory.
//! - [`Selector`] and [`Stability`]: which names are read (temporary names such as `*.tmp`,
//!   `*.part` and `.*` are ignored) and when (size and modification time unchanged across two
//!   polls: a partial upload is never read).
//! - [`deliver_file`]: one file, chunk after chunk, through [`crate::actor::Ingest::submit`]
//!   (channel: the file name; headers `file`, `size`, `mtime`, `sha256`, `chunk`, `first-line`,
//!   `header`), the ledger advanced only once a chunk's disposition is committed or refused. A
//!   restart resumes at the first chunk not committed: nothing lost, nothing handed twice.

mod chunk;
mod deliver;
mod ledger;
mod select;

#[cfg(feature = "transport-drop-folder")]
pub mod drop_folder;
#[cfg(feature = "transport-ftp")]
pub mod ftp;
#[cfg(any(feature = "transport-sftp", feature = "transport-ftp"))]
pub mod remote;
#[cfg(feature = "transport-sftp")]
pub mod sftp;

pub use chunk::{Chunk, Chunker, DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_RECORDS};
pub use deliver::{ChunkSettings, Delivered, FileMeta, deliver_file, sha256_file};
pub use ledger::{Entry, Ledger, LedgerError};
pub use select::{DEFAULT_IGNORE, Selector, Stability, glob_match};

/// What becomes of a file once every chunk of it is committed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OnDone {
    /// Moved into the `done_dir` folder (default).
    #[default]
    Move,
    /// Left where it is, only marked done in the ledger (read-only folders and servers).
    Mark,
}
