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
//!   boundaries, so a file of a million records is read with bounded memory. What a record is
//!   comes from the transport's `records` setting ([`Records`]): a line (a CSV record whose
//!   quoted field holds a line break stays whole), an element of a JSON array (or a value of
//!   NDJSON), or an XML element; see [`passerelle_records`].
//! - [`Selector`] and [`Stability`]: which names are read (temporary names such as `*.tmp`,
//!   `*.part` and `.*` are ignored) and when (size and modification time unchanged across two
//!   polls: a partial upload is never read).
//! - [`deliver_file`]: one file, chunk after chunk, through [`crate::actor::Ingest::submit`]
//!   (channel: the file name; headers `file`, `size`, `mtime`, `sha256`, `chunk`, `first-line`,
//!   `records`, `header`, and `split` (`json`, `xml`) when the records are not lines), the ledger advanced only once a chunk's disposition is committed or refused. A
//!   restart resumes at the first chunk not committed: nothing lost, nothing handed twice. A
//!   chunk whose plugin call runs past its deadline is cut in halves at record ends, each
//!   handed over again (down to one record, which is retried with a longer deadline and
//!   dead-lettered as `file:line` only if it overruns that too); the ledger still records the
//!   chunk once, in file order.

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

/// What one record of a file is: how the file is cut into chunks of whole records.
///
/// ```ron
/// records: json(path: "data.measures"),  // or json(), or xml(element: "record"), or lines
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Records {
    /// A line (default); CSV quotes may hold line breaks (see the transport's `csv_quotes`).
    #[default]
    Lines,
    /// An element of the JSON array at `path` (object keys joined by `.`; empty, the default:
    /// the top-level array, or every top-level value of NDJSON). A chunk's body is its records
    /// separated by the line ends that were between them, with the header `split: json`.
    Json {
        /// Dotted path of object keys to the array of records (default: empty).
        #[serde(default)]
        path: String,
    },
    /// An XML element named `element` (its local name, any prefix), with its attributes and
    /// content; a chunk's body is its records as in `json`, with the header `split: xml`.
    Xml {
        /// The record element's local name.
        element: String,
    },
}

impl Records {
    /// The value of the chunk header `split`; none for lines.
    pub const fn split_header(&self) -> Option<&'static str> {
        match self {
            Self::Lines => None,
            Self::Json { .. } => Some("json"),
            Self::Xml { .. } => Some("xml"),
        }
    }

    /// Why the setting cannot be used, if it cannot.
    pub fn problem(&self) -> Option<String> {
        match self {
            Self::Xml { element } if element.trim().is_empty() || element.contains(['<', '>', ' ']) => {
                Some(format!("records: xml element {element:?} is not an element name"))
            }
            Self::Json { path } if path.split('.').any(str::is_empty) && !path.is_empty() => {
                Some(format!("records: json path {path:?} has an empty key"))
            }
            _ => None,
        }
    }
}

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
