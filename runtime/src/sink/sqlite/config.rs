use std::path::PathBuf;

use futures::future::BoxFuture;
use serde::Deserialize;

use super::SqliteSink;
use crate::component::BuildContext;
use crate::sink::{Sink, SinkCapabilities, SinkComponent, SinkError};

/// Default cap on the batches merged into one transaction.
pub const DEFAULT_MAX_GROUP: usize = 512;
/// Default capacity of the writer's queue: 1024 batches waiting to commit. When it is full,
/// writes fail at once and the source is told to deliver again later.
pub const DEFAULT_QUEUE_BATCHES: usize = 1024;

const fn default_max_group() -> usize {
    DEFAULT_MAX_GROUP
}
const fn default_queue() -> usize {
    DEFAULT_QUEUE_BATCHES
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
    /// Batches waiting to commit at most (default [`DEFAULT_QUEUE_BATCHES`]).
    #[serde(default = "default_queue")]
    pub queue_batches: usize,
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

impl SinkComponent for SqliteConfig {
    fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.path.as_os_str().is_empty() {
            out.push("path is empty".to_string());
        }
        if self.max_group == 0 {
            out.push("max_group must be at least 1".to_string());
        }
        if self.queue_batches == 0 {
            out.push("queue_batches must be at least 1".to_string());
        }
        out
    }

    fn capabilities(&self) -> SinkCapabilities {
        SinkCapabilities { dead_letters: true, acknowledges_on_commit: true }
    }

    /// Opens the database (on a blocking thread) and starts the writer thread.
    fn build<'a>(&'a self, cx: &'a BuildContext) -> BoxFuture<'a, Result<Box<dyn Sink>, SinkError>> {
        Box::pin(async move {
            let (name, path, config) = (cx.name().to_string(), cx.resolve(&self.path), self.clone());
            let sink = tokio::task::spawn_blocking(move || SqliteSink::open(&name, &path, &config))
                .await
                .map_err(|e| SinkError::Open { sink: cx.name().to_string(), source: e.into() })??;
            Ok(Box::new(sink) as Box<dyn Sink>)
        })
    }
}
