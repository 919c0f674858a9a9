//! Sink events: commits, their latency, failures and backpressure.

use std::sync::Arc;
use std::time::Duration;

use super::{Counter, Histogram, Metrics};

/// The series of one sink (labels: `sink`, `kind`).
#[derive(Debug, Clone)]
pub(crate) struct SinkMetrics {
    sink: Arc<str>,
    kind: &'static str,
    commits: Counter,
    failed: Counter,
    full: Counter,
    latency: Arc<Histogram>,
}

impl SinkMetrics {
    pub(crate) fn new(m: &Metrics, sink: &str, kind: &'static str) -> Self {
        let l = [("sink", sink), ("kind", kind)];
        Self {
            sink: Arc::from(sink),
            kind,
            commits: m.counter("passerelle_sink_commits_total", "Batches the sink committed.", &l),
            failed: m.counter(
                "passerelle_sink_commit_failures_total",
                "Batches the sink failed to commit (the source delivers them again).",
                &l,
            ),
            full: m.counter(
                "passerelle_sink_full_total",
                "Batches turned away because the sink's queue was full (backpressure).",
                &l,
            ),
            latency: m.histogram(
                "passerelle_sink_commit_seconds",
                "Time from handing a batch to the sink to its commit.",
                &l,
            ),
        }
    }
}

/// A sink committed a batch.
#[derive(Debug)]
pub(crate) struct SinkCommitted<'a> {
    pub(crate) metrics: &'a SinkMetrics,
    pub(crate) elapsed: Duration,
}

impl SinkCommitted<'_> {
    pub(crate) fn emit(self) {
        self.metrics.commits.add(1);
        self.metrics.latency.observe(self.elapsed);
    }
}

/// A sink did not commit a batch: it failed, or its queue was full.
#[derive(Debug)]
pub(crate) struct SinkCommitFailed<'a> {
    pub(crate) metrics: &'a SinkMetrics,
    pub(crate) error: &'a crate::sink::SinkError,
}

impl SinkCommitFailed<'_> {
    pub(crate) fn emit(self) {
        let m = self.metrics;
        if matches!(self.error, crate::sink::SinkError::Full { .. }) {
            m.full.add(1);
            tracing::debug!(sink = %m.sink, kind = m.kind, "Sink full; the source will deliver again.");
        } else {
            m.failed.add(1);
            tracing::error!(
                sink = %m.sink,
                kind = m.kind,
                error = %super::error_chain(self.error),
                "Sink commit failed; the source will deliver again."
            );
        }
    }
}
