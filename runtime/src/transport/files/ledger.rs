use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// The ledger's file name inside its `state_dir`.
const FILE_NAME: &str = "ledger.json";

/// Errors of the file ledger.
#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    /// The ledger's folder or file cannot be created, read or written.
    #[error("ledger {path}: I/O failed")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The ledger file exists but does not parse (it is never half-written: it is replaced by
    /// rename, so this means it was edited by hand).
    #[error("ledger {path} does not parse")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: serde_json::Error,
    },
}

/// How far one file was committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// The file's name (relative to the folder watched).
    pub name: String,
    /// Its size in bytes, as listed.
    pub size: u64,
    /// Its modification time in milliseconds since the Unix epoch, as listed.
    pub mtime_ms: i64,
    /// SHA-256 of its bytes (as stored, compressed or not), lower-case hex.
    pub sha256: String,
    /// Chunks committed (or refused and dead-lettered) so far.
    pub chunks: u64,
    /// Records (lines) those chunks held, the header line excluded.
    pub records: u64,
    /// Every chunk is committed.
    pub done: bool,
    /// Why the file could not be read to its end (a corrupt gzip stream): it is not retried.
    #[serde(default)]
    pub error: Option<String>,
}

impl Entry {
    /// A new entry: nothing committed yet.
    pub fn new(name: &str, size: u64, mtime_ms: i64, sha256: &str) -> Self {
        Self {
            name: name.to_string(),
            size,
            mtime_ms,
            sha256: sha256.to_string(),
            chunks: 0,
            records: 0,
            done: false,
            error: None,
        }
    }
}

type Key = (String, u64, i64);

/// The file-backed ledger of a file transport: one JSON file in its `state_dir`, replaced
/// atomically at each change. Synchronous: call it off the executor (`spawn_blocking`).
#[derive(Debug)]
pub struct Ledger {
    path: PathBuf,
    entries: HashMap<Key, Entry>,
}

impl Ledger {
    /// Opens the ledger of `dir`, creating the folder; an absent file is an empty ledger.
    ///
    /// # Errors
    /// [`LedgerError`] when the folder cannot be created or the file read or parsed.
    pub fn open(dir: &Path) -> Result<Self, LedgerError> {
        std::fs::create_dir_all(dir).map_err(|source| LedgerError::Io { path: dir.to_path_buf(), source })?;
        let path = dir.join(FILE_NAME);
        let entries: Vec<Entry> = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .map_err(|source| LedgerError::Parse { path: path.clone(), source })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(LedgerError::Io { path, source }),
        };
        let entries = entries.into_iter().map(|e| ((e.name.clone(), e.size, e.mtime_ms), e)).collect();
        Ok(Self { path, entries })
    }

    /// The entry of a file as listed (name, size, modification time), whatever its hash.
    pub fn get(&self, name: &str, size: u64, mtime_ms: i64) -> Option<&Entry> {
        self.entries.get(&(name.to_string(), size, mtime_ms))
    }

    /// Whether the file as listed is done (committed whole, or given up with an error).
    pub fn is_done(&self, name: &str, size: u64, mtime_ms: i64) -> bool {
        self.get(name, size, mtime_ms).is_some_and(|e| e.done || e.error.is_some())
    }

    /// Records `entry` (replacing the one of the same name, size and time) and writes the
    /// ledger: temporary file, fsync, rename, fsync of the folder.
    ///
    /// # Errors
    /// [`LedgerError::Io`]; the ledger in memory is updated anyway.
    pub fn record(&mut self, entry: Entry) -> Result<(), LedgerError> {
        self.entries.insert((entry.name.clone(), entry.size, entry.mtime_ms), entry);
        self.write()
    }

    /// Every entry, in no particular order.
    pub fn entries(&self) -> impl Iterator<Item = &Entry> {
        self.entries.values()
    }

    fn write(&self) -> Result<(), LedgerError> {
        let mut all: Vec<&Entry> = self.entries.values().collect();
        all.sort_by(|a, b| (&a.name, a.mtime_ms, a.size).cmp(&(&b.name, b.mtime_ms, b.size)));
        let io = |source| LedgerError::Io { path: self.path.clone(), source };
        let bytes = serde_json::to_vec_pretty(&all).map_err(|e| io(std::io::Error::other(e)))?;
        let tmp = self.path.with_extension("json.tmp");
        let mut f = std::fs::File::create(&tmp).map_err(io)?;
        f.write_all(&bytes).map_err(io)?;
        f.sync_all().map_err(io)?;
        drop(f);
        std::fs::rename(&tmp, &self.path).map_err(io)?;
        if let Some(dir) = self.path.parent()
            && let Ok(d) = std::fs::File::open(dir)
        {
            // Makes the rename itself durable; not every platform can sync a folder.
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{Entry, Ledger};

    #[test]
    fn entries_survive_a_reopen_and_are_keyed_by_name_size_and_time() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = Ledger::open(dir.path()).unwrap();
        let mut e = Entry::new("a.csv", 10, 5, "ab");
        e.chunks = 2;
        e.records = 7;
        l.record(e.clone()).unwrap();
        l.record(Entry::new("a.csv", 11, 5, "cd")).unwrap();
        let l = Ledger::open(dir.path()).unwrap();
        assert_eq!(l.get("a.csv", 10, 5), Some(&e));
        assert_eq!(l.get("a.csv", 11, 5).map(|e| e.sha256.as_str()), Some("cd"));
        assert!(l.get("a.csv", 10, 6).is_none());
        assert!(!l.is_done("a.csv", 10, 5));
        assert!(!dir.path().join("ledger.json.tmp").exists());
    }

    #[test]
    fn a_ledger_edited_into_garbage_is_an_error_not_an_empty_ledger() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("ledger.json"), b"{not json").unwrap();
        assert!(matches!(Ledger::open(dir.path()), Err(super::LedgerError::Parse { .. })));
    }
}
