use futures::future::BoxFuture;
use serde::Deserialize;

use super::PostgresSink;
use crate::component::BuildContext;
use crate::sink::{Sink, SinkCapabilities, SinkComponent, SinkError};

/// Default schema of the sink's tables.
pub const DEFAULT_SCHEMA: &str = "passerelle";
/// Default number of pooled connections: 2 (the writer's and one for reads).
pub const DEFAULT_POOL_SIZE: usize = 2;
/// Default cap on the batches merged into one transaction.
pub const DEFAULT_MAX_GROUP: usize = 256;
/// Default capacity of the writer's queue, in batches. When it is full, writes fail at once and
/// the source is told to deliver again later.
pub const DEFAULT_QUEUE_BATCHES: usize = 256;
/// Default longest time a batch waits for PostgreSQL (reconnects included) before its write
/// fails and the source is told to deliver again: 60 seconds.
pub const DEFAULT_COMMIT_TIMEOUT_MS: u64 = 60_000;

fn default_schema() -> String {
    DEFAULT_SCHEMA.to_string()
}
const fn default_pool_size() -> usize {
    DEFAULT_POOL_SIZE
}
const fn default_max_group() -> usize {
    DEFAULT_MAX_GROUP
}
const fn default_queue() -> usize {
    DEFAULT_QUEUE_BATCHES
}
const fn default_commit_timeout() -> u64 {
    DEFAULT_COMMIT_TIMEOUT_MS
}

/// Configuration of the PostgreSQL sink.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostgresConfig {
    /// Secret holding the connection string (`host=… user=… password=… dbname=…` or a
    /// `postgresql://` URL), supplied by the host or set in the environment.
    pub url_env: String,
    /// Schema of the tables, created if missing (default [`DEFAULT_SCHEMA`]); a plain lower-case
    /// identifier.
    #[serde(default = "default_schema")]
    pub schema: String,
    /// Pooled connections at most (default [`DEFAULT_POOL_SIZE`]).
    #[serde(default = "default_pool_size")]
    pub pool_size: usize,
    /// Batches merged into one transaction at most (default [`DEFAULT_MAX_GROUP`]).
    #[serde(default = "default_max_group")]
    pub max_group: usize,
    /// Batches waiting to commit at most (default [`DEFAULT_QUEUE_BATCHES`]).
    #[serde(default = "default_queue")]
    pub queue_batches: usize,
    /// Longest wait for a commit, reconnects included, in milliseconds (default
    /// [`DEFAULT_COMMIT_TIMEOUT_MS`]).
    #[serde(default = "default_commit_timeout")]
    pub commit_timeout_ms: u64,
}

/// True for a plain lower-case SQL identifier (it is written into statements unquoted).
pub(super) fn is_identifier(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some('a'..='z' | '_'))
        && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
        && s.len() <= 63
}

impl SinkComponent for PostgresConfig {
    fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.url_env.is_empty() {
            out.push("url_env is empty".into());
        }
        if !is_identifier(&self.schema) {
            out.push(format!(
                "schema {:?} must be a lower-case identifier (a-z, 0-9, _; at most 63 characters)",
                self.schema
            ));
        }
        if self.pool_size == 0 {
            out.push("pool_size must be at least 1".into());
        }
        if self.max_group == 0 {
            out.push("max_group must be at least 1".into());
        }
        if self.queue_batches == 0 {
            out.push("queue_batches must be at least 1".into());
        }
        if self.commit_timeout_ms == 0 {
            out.push("commit_timeout_ms must be above 0".into());
        }
        out
    }

    fn capabilities(&self) -> SinkCapabilities {
        SinkCapabilities { dead_letters: true, acknowledges_on_commit: true }
    }

    /// Connects, creates or migrates the schema, and starts the writer task on the context's
    /// runtime.
    fn build<'a>(&'a self, cx: &'a BuildContext) -> BoxFuture<'a, Result<Box<dyn Sink>, SinkError>> {
        Box::pin(async move {
            let url = cx.secret(&self.url_env)?;
            let sink = PostgresSink::open(cx.name(), &url, self, cx.runtime()).await?;
            Ok(Box::new(sink) as Box<dyn Sink>)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::PostgresConfig;
    use crate::sink::SinkComponent;

    #[test]
    fn validates_every_field() {
        let c: PostgresConfig = ron::from_str(r#"(url_env: "PG")"#).unwrap();
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        assert_eq!(c.schema, "passerelle");
        let bad: PostgresConfig =
            ron::from_str(r#"(url_env: "", schema: "x; drop", pool_size: 0, max_group: 0, queue_batches: 0, commit_timeout_ms: 0)"#)
                .unwrap();
        assert_eq!(bad.validate().len(), 6, "{:?}", bad.validate());
        for (s, ok) in
            [("a_1", true), ("_x", true), ("1a", false), ("Ab", false), ("", false), ("a-b", false)]
        {
            assert_eq!(super::is_identifier(s), ok, "{s}");
        }
    }
}
