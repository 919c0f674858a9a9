//! What a connector plugin keeps across restarts (`save` commands, given back in `restore`).
//!
//! One JSON file per connector, `<state_dir>/<connector>.json`, rewritten whole and atomically
//! (a temporary file, fsync, rename) each time a save commits; values that are UTF-8 text are
//! stored as text, others in hex, so an operator can read the file. Writes run off the executor.
//! The file exists only once a plugin saved something.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use serde::{Deserialize, Serialize};

use crate::plugin::bindings::Entry;

/// Keys one connector may keep, at most: 10000.
pub const MAX_STATE_KEYS: usize = 10_000;
/// Bytes one connector may keep in all (keys and values), at most: 8 MiB.
pub const MAX_STATE_BYTES: usize = 8 * 1024 * 1024;

/// Errors of a connector's state.
#[derive(Debug, thiserror::Error)]
pub enum StateError {
    /// The state file cannot be read or written.
    #[error("connector state file {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The state file does not parse (edited by hand, or not a Passerelle state file).
    #[error("connector state file {path} is corrupt: {reason}")]
    Corrupt {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        reason: String,
    },
    /// A save would go past [`MAX_STATE_KEYS`] or [`MAX_STATE_BYTES`]; nothing of it was kept.
    #[error(
        "connector state would hold {keys} keys and {bytes} bytes (at most {MAX_STATE_KEYS} and {MAX_STATE_BYTES})"
    )]
    TooLarge {
        /// Keys after the save.
        keys: usize,
        /// Bytes after the save.
        bytes: usize,
    },
}

/// Key prefix of the notes a connector leaves for the operator (`status/authorize_uri`), which
/// `passerelle connector status` prints.
pub const STATUS_PREFIX: &str = "status/";

/// Reads a connector's state file (every key with its value, in key order); a missing file is an
/// empty state. Blocking: for tools, not for the runtime's executor.
///
/// # Errors
/// [`StateError::Io`] when the file exists but cannot be read, [`StateError::Corrupt`] when it
/// does not parse.
pub fn read_state_file(path: &Path) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
    match std::fs::read(path) {
        Ok(bytes) => decode(path, &bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(BTreeMap::new()),
        Err(source) => Err(StateError::Io { path: path.to_path_buf(), source }),
    }
}

/// One value as written in the file.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Stored {
    Text(String),
    Hex(String),
}

/// The file's layout.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    version: u32,
    entries: BTreeMap<String, Stored>,
}

const VERSION: u32 = 1;

/// One connector's saved values. Cheap to clone (shared).
#[derive(Debug, Clone)]
pub(crate) struct ConnectorState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    path: PathBuf,
    entries: Mutex<BTreeMap<String, Vec<u8>>>,
    /// Serializes writers: the file is rewritten whole, in save order.
    writing: tokio::sync::Mutex<()>,
}

impl ConnectorState {
    /// Reads the state file at `path`; a missing file is an empty state. Blocking.
    ///
    /// # Errors
    /// [`StateError::Io`] when the file exists but cannot be read, [`StateError::Corrupt`] when
    /// it does not parse.
    pub(crate) fn open(path: PathBuf) -> Result<Self, StateError> {
        let entries = match std::fs::read(&path) {
            Ok(bytes) => decode(&path, &bytes)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => return Err(StateError::Io { path, source }),
        };
        Ok(Self {
            inner: Arc::new(Inner {
                path,
                entries: Mutex::new(entries),
                writing: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The operator notes: keys under `status/` (prefix dropped) with their text.
    pub(crate) fn notes(&self) -> BTreeMap<String, String> {
        self.lock()
            .iter()
            .filter_map(|(k, v)| {
                Some((k.strip_prefix("status/")?.to_string(), String::from_utf8_lossy(v).into_owned()))
            })
            .collect()
    }

    /// Every key with its value, in key order (the `restore` event).
    pub(crate) fn snapshot(&self) -> Vec<Entry> {
        self.lock().iter().map(|(key, value)| Entry { key: key.clone(), value: value.clone() }).collect()
    }

    /// Applies saves in order (none deletes a key) and writes the file durably.
    ///
    /// # Errors
    /// [`StateError::TooLarge`] (nothing applied) or [`StateError::Io`] (applied in memory, the
    /// plugin's view; the file keeps its previous content).
    pub(crate) async fn save(&self, saves: Vec<(String, Option<Vec<u8>>)>) -> Result<(), StateError> {
        if saves.is_empty() {
            return Ok(());
        }
        let _writer = self.inner.writing.lock().await;
        let text = {
            let mut entries = self.lock();
            let mut next = entries.clone();
            for (key, value) in saves {
                match value {
                    Some(v) => next.insert(key, v),
                    None => next.remove(&key),
                };
            }
            let bytes: usize = next.iter().map(|(k, v)| k.len() + v.len()).sum();
            if next.len() > MAX_STATE_KEYS || bytes > MAX_STATE_BYTES {
                return Err(StateError::TooLarge { keys: next.len(), bytes });
            }
            let text = encode(&next);
            *entries = next;
            text
        };
        let path = self.inner.path.clone();
        tokio::task::spawn_blocking(move || write_atomically(&path, text.as_bytes()))
            .await
            .map_err(|e| StateError::Io { path: self.inner.path.clone(), source: std::io::Error::other(e) })?
    }

    /// The state file.
    pub(crate) fn path(&self) -> &Path {
        &self.inner.path
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Vec<u8>>> {
        self.inner.entries.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn decode(path: &Path, bytes: &[u8]) -> Result<BTreeMap<String, Vec<u8>>, StateError> {
    let corrupt = |reason: String| StateError::Corrupt { path: path.to_path_buf(), reason };
    let file: File = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    if file.version != VERSION {
        return Err(corrupt(format!("version {} (this runtime reads version {VERSION})", file.version)));
    }
    file.entries
        .into_iter()
        .map(|(key, value)| {
            let bytes = match value {
                Stored::Text(t) => t.into_bytes(),
                Stored::Hex(h) => from_hex(&h).ok_or_else(|| corrupt(format!("key {key:?}: bad hex")))?,
            };
            Ok((key, bytes))
        })
        .collect()
}

fn encode(entries: &BTreeMap<String, Vec<u8>>) -> String {
    let entries = entries
        .iter()
        .map(|(k, v)| {
            let stored = match std::str::from_utf8(v) {
                Ok(t) => Stored::Text(t.to_string()),
                Err(_) => Stored::Hex(passerelle_vectors::to_hex(v)),
            };
            (k.clone(), stored)
        })
        .collect();
    let file = File { version: VERSION, entries };
    // A map of strings always serializes.
    serde_json::to_string_pretty(&file).unwrap_or_default()
}

fn from_hex(h: &str) -> Option<Vec<u8>> {
    if !h.len().is_multiple_of(2) {
        return None;
    }
    (0..h.len()).step_by(2).map(|i| u8::from_str_radix(h.get(i..i + 2)?, 16).ok()).collect()
}

/// Writes `bytes` to `path` through a temporary file in the same folder, synced, then renamed.
fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    let io = |source| StateError::Io { path: path.to_path_buf(), source };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let tmp = path.with_extension("json.tmp");
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    drop(file);
    std::fs::rename(&tmp, path).map_err(io)?;
    if let Some(dir) = path.parent() {
        // Makes the rename itself durable; not every platform can open a folder.
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn saves_come_back_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state/c.json");
        let state = ConnectorState::open(path.clone()).unwrap();
        assert!(state.snapshot().is_empty());
        assert!(!path.exists(), "no file before the first save");
        state
            .save(vec![
                ("cursor".into(), Some(b"42".to_vec())),
                ("bin".into(), Some(vec![0xff, 0x00])),
                ("gone".into(), Some(b"x".to_vec())),
                ("gone".into(), None),
            ])
            .await
            .unwrap();
        let again = ConnectorState::open(path.clone()).unwrap();
        let keys: Vec<(String, Vec<u8>)> = again.snapshot().into_iter().map(|e| (e.key, e.value)).collect();
        assert_eq!(keys, vec![("bin".into(), vec![0xff, 0x00]), ("cursor".into(), b"42".to_vec())]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("\"text\": \"42\"") && text.contains("\"hex\": \"ff00\""), "{text}");
    }

    #[tokio::test]
    async fn a_save_past_the_limits_changes_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let state = ConnectorState::open(dir.path().join("c.json")).unwrap();
        state.save(vec![("a".into(), Some(b"1".to_vec()))]).await.unwrap();
        let big = vec![0u8; MAX_STATE_BYTES];
        let err = state.save(vec![("b".into(), Some(big))]).await.unwrap_err();
        assert!(matches!(err, StateError::TooLarge { keys: 2, .. }), "{err}");
        assert_eq!(state.snapshot().len(), 1);
    }

    #[test]
    fn a_corrupt_file_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.json");
        std::fs::write(&path, b"{\"version\":1,\"entries\":{\"k\":{\"hex\":\"zz\"}}}").unwrap();
        let err = ConnectorState::open(path.clone()).unwrap_err();
        assert!(
            err.to_string().contains("c.json is corrupt") && err.to_string().contains("bad hex"),
            "{err}"
        );
        std::fs::write(&path, b"not json").unwrap();
        assert!(matches!(ConnectorState::open(path).unwrap_err(), StateError::Corrupt { .. }));
    }
}
