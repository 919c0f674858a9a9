use std::path::PathBuf;

use serde::Deserialize;

use super::SqliteSink;
use crate::sink::SinkError;

/// Default cap on the batches merged into one transaction.
pub const DEFAULT_MAX_GROUP: usize = 512;

const fn default_max_group() -> usize {
    DEFAULT_MAX_GROUP
}

/// Configuration of the SQLite sink.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SqliteConfig {
    /// Database file, relative to the config file; created if missing.
    pub path: PathBuf,
    /// Batches merged into one transaction at most (default [`DEFAULT_MAX_GROUP`]).
    #[serde(default = "default_max_group")]
    pub max_group: usize,
    /// When a commit is durable (default `full`: it survives a power cut once the source was
    /// acknowledged; `normal` survives a crash of Passerelle but not of the machine, and is faster).
    #[serde(default)]
    pub synchronous: Synchronous,
}

/// SQLite's `synchronous` setting, as far as the sink offers it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Synchronous {
    /// fsync at every commit (WAL): durable across power loss.
    #[default]
    Full,
    /// fsync at checkpoints only: durable across a process crash.
    Normal,
}

impl Synchronous {
    pub(crate) const fn pragma(self) -> &'static str {
        match self {
            Self::Full => "FULL",
            Self::Normal => "NORMAL",
        }
    }
}

impl SqliteConfig {
    /// Pure checks.
    pub fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.path.as_os_str().is_empty() {
            out.push("path is empty".to_string());
        }
        if self.max_group == 0 {
            out.push("max_group must be at least 1".to_string());
        }
        out
    }

    /// Opens the database and starts the writer thread.
    ///
    /// # Errors
    /// [`SinkError::Open`] when the file cannot be opened or its schema created.
    pub fn build(&self, name: &str, config: &crate::config::Config) -> Result<SqliteSink, SinkError> {
        SqliteSink::open(name, &config.resolve(&self.path), self.max_group, self.synchronous)
    }
}
