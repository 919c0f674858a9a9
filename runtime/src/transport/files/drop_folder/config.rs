use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use futures::future::BoxFuture;
use serde::Deserialize;

use super::DropFolder;
use crate::component::BuildContext;
use crate::transport::files::{
    ChunkSettings, DEFAULT_CHUNK_BYTES, DEFAULT_CHUNK_RECORDS, DEFAULT_IGNORE, Ledger, OnDone, Records,
    Selector,
};
use crate::transport::{Transport, TransportComponent, TransportError};

/// Default interval between two listings of the folder: 1 second. A file is read once two
/// listings in a row saw the same size and modification time.
pub const DEFAULT_POLL_MS: u64 = 1_000;
/// Default folder, inside the folder watched, that files done are moved to: `done`.
pub const DEFAULT_DONE_DIR: &str = "done";
/// Default folder of the ledger, inside the folder watched: `.passerelle` (a hidden folder: it
/// is never listed as a file to read).
pub const DEFAULT_STATE_DIR: &str = ".passerelle";

const fn default_poll_ms() -> u64 {
    DEFAULT_POLL_MS
}
const fn default_chunk_records() -> usize {
    DEFAULT_CHUNK_RECORDS
}
const fn default_chunk_bytes() -> usize {
    DEFAULT_CHUNK_BYTES
}
const fn yes() -> bool {
    true
}
fn default_ignore() -> Vec<String> {
    DEFAULT_IGNORE.iter().map(|s| (*s).to_string()).collect()
}
fn default_done_dir() -> PathBuf {
    PathBuf::from(DEFAULT_DONE_DIR)
}

/// Configuration of the drop folder transport.
///
/// ```ron
/// transport: drop_folder(path: "inbox", include: ["*.csv", "*.csv.gz"], header: true),
/// transport: drop_folder(path: "inbox", include: ["*.json"], records: json(path: "data.measures")),
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DropFolderConfig {
    /// The folder watched (relative paths from the config file's folder). Only its files are
    /// read, not its sub-folders.
    pub path: PathBuf,
    /// The ledger's folder (default [`DEFAULT_STATE_DIR`] inside `path`; relative paths from
    /// the config file's folder).
    #[serde(default)]
    pub state_dir: Option<PathBuf>,
    /// Interval between two listings, in milliseconds (default [`DEFAULT_POLL_MS`]; at least 10).
    #[serde(default = "default_poll_ms")]
    pub poll_ms: u64,
    /// Names read: glob patterns (`*`, `?`); empty reads every name (default).
    #[serde(default)]
    pub include: Vec<String>,
    /// Names never read (default [`DEFAULT_IGNORE`]: `*.tmp`, `*.part`, `*.filepart`, `.*`).
    #[serde(default = "default_ignore")]
    pub ignore: Vec<String>,
    /// What becomes of a file once committed whole: `move` to `done_dir` (default) or `mark`
    /// (left in place, marked in the ledger).
    #[serde(default)]
    pub on_done: OnDone,
    /// Where files done are moved (default [`DEFAULT_DONE_DIR`], relative to `path`).
    #[serde(default = "default_done_dir")]
    pub done_dir: PathBuf,
    /// The first line of each file is a header (CSV), given with every chunk as the header
    /// `header` rather than in its body (default false).
    #[serde(default)]
    pub header: bool,
    /// Double quotes may hold line breaks (CSV): a record ends at a line end outside quotes
    /// (default true; set false for JSON lines, whose strings escape quotes with `\`).
    #[serde(default = "yes")]
    pub csv_quotes: bool,
    /// What a record is (default `lines`): `json(path: "data.measures")` cuts the elements of
    /// that JSON array (`json()`: the top-level array, or NDJSON values), `xml(element:
    /// "record")` every such XML element, so a JSON or XML file of a million records is read
    /// with bounded memory too. `header` must be false then. See [`Records`].
    #[serde(default)]
    pub records: Records,
    /// Records per chunk, at most (default [`DEFAULT_CHUNK_RECORDS`]).
    #[serde(default = "default_chunk_records")]
    pub chunk_records: usize,
    /// Bytes per chunk, about (default [`DEFAULT_CHUNK_BYTES`]; at least 1024). A line longer
    /// than this is cut.
    #[serde(default = "default_chunk_bytes")]
    pub chunk_bytes: usize,
}

impl DropFolderConfig {
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

impl TransportComponent for DropFolderConfig {
    fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.path.as_os_str().is_empty() {
            out.push("path is empty".into());
        }
        if self.poll_ms < 10 {
            out.push("poll_ms must be at least 10".into());
        }
        if self.chunk_records == 0 {
            out.push("chunk_records must be above 0".into());
        }
        if self.chunk_bytes < 1024 {
            out.push("chunk_bytes must be at least 1024".into());
        }
        if self.include.iter().chain(&self.ignore).any(String::is_empty) {
            out.push("include and ignore patterns must not be empty".into());
        }
        if self.done_dir.is_absolute() || self.done_dir.as_os_str().is_empty() {
            out.push("done_dir must be a folder name relative to path".into());
        }
        out.extend(self.records.problem());
        if self.header && self.records != Records::Lines {
            out.push("header must be false when records are json or xml".into());
        }
        out
    }

    /// Checks that the folder exists and opens the ledger (off the executor).
    fn build<'a>(
        &'a self,
        cx: &'a BuildContext,
    ) -> BoxFuture<'a, Result<Box<dyn Transport>, TransportError>> {
        Box::pin(async move {
            let dir = cx.resolve(&self.path);
            let state = match &self.state_dir {
                Some(s) => cx.resolve(s),
                None => dir.join(DEFAULT_STATE_DIR),
            };
            let checked = dir.clone();
            let ledger = tokio::task::spawn_blocking(move || {
                if !checked.is_dir() {
                    return Err(TransportError::Config(format!(
                        "path {} is not a folder",
                        checked.display()
                    )));
                }
                Ledger::open(&state).map_err(TransportError::from)
            })
            .await
            .map_err(|e| TransportError::Io(std::io::Error::other(e)))??;
            Ok(Box::new(DropFolder {
                done_dir: dir.join(&self.done_dir),
                dir,
                ledger: Arc::new(Mutex::new(ledger)),
                selector: Selector::new(&self.include, &self.ignore),
                config: self.clone(),
            }) as Box<dyn Transport>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::DropFolderConfig;
    use crate::transport::TransportComponent;
    use crate::transport::files::OnDone;

    #[test]
    fn defaults_and_problems() {
        let c: DropFolderConfig = ron::from_str(r#"(path: "inbox")"#).unwrap();
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        assert_eq!((c.on_done, c.poll_ms, c.header), (OnDone::Move, 1_000, false));
        assert!(c.ignore.contains(&"*.part".to_string()));
        let bad: DropFolderConfig =
            ron::from_str(r#"(path: "", poll_ms: 1, on_done: mark, chunk_records: 0, include: [""])"#)
                .unwrap();
        assert_eq!(bad.validate().len(), 4, "{:?}", bad.validate());
        assert_eq!(bad.on_done, OnDone::Mark);
        let json: DropFolderConfig =
            ron::from_str(r#"(path: "in", records: json(path: "data.measures"))"#).unwrap();
        assert!(json.validate().is_empty(), "{:?}", json.validate());
        assert_eq!(json.chunking().quote, None);
        let xml: DropFolderConfig =
            ron::from_str(r#"(path: "in", records: xml(element: ""), header: true)"#).unwrap();
        assert_eq!(xml.validate().len(), 2, "{:?}", xml.validate());
    }
}
