//! Delivery events: inbound units answered, frames dead-lettered.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use super::{Counter, Metrics};
use crate::message::Stage;

/// Dead-letter warnings logged per second, at most; beyond, they are counted and one line per
/// second says how many were left out. A source or plugin failing every frame cannot flood the
/// log (nor spend the runtime's time writing it): the metrics and the dead letter have them all.
pub(crate) const DEAD_LETTER_LOG_LINES_PER_SECOND: u64 = 20;

/// How many log lines of one kind are left this second.
#[derive(Debug)]
struct LogBudget {
    started: Instant,
    second: AtomicU64,
    used: AtomicU64,
    left_out: AtomicU64,
}

/// What the budget allows for one more line.
enum Allowed {
    /// Log it; before it, say how many lines the previous seconds left out (0: none).
    Log { left_out: u64 },
    /// Leave it out (counted).
    Skip,
}

impl LogBudget {
    fn new() -> Self {
        Self {
            started: Instant::now(),
            second: AtomicU64::new(0),
            used: AtomicU64::new(0),
            left_out: AtomicU64::new(0),
        }
    }

    fn take(&self, per_second: u64) -> Allowed {
        let now = self.started.elapsed().as_secs();
        let second = self.second.load(Ordering::Relaxed);
        if now != second
            && self.second.compare_exchange(second, now, Ordering::Relaxed, Ordering::Relaxed).is_ok()
        {
            self.used.store(1, Ordering::Relaxed);
            return Allowed::Log { left_out: self.left_out.swap(0, Ordering::Relaxed) };
        }
        if self.used.fetch_add(1, Ordering::Relaxed) < per_second {
            Allowed::Log { left_out: 0 }
        } else {
            self.left_out.fetch_add(1, Ordering::Relaxed);
            Allowed::Skip
        }
    }
}

/// The series of one connector (labels: `connector`, `class`; `outcome` for deadlines).
#[derive(Debug, Clone)]
pub(crate) struct InboundMetrics {
    frames: Counter,
    ok: Counter,
    refused: Counter,
    failed: Counter,
    /// Deadlines, by what followed (the order of [`Overrun`]).
    overruns: [Counter; 4],
}

impl InboundMetrics {
    pub(crate) fn new(m: &Metrics, connector: &str) -> Self {
        let answered = |class: &str| {
            m.counter(
                "passerelle_inbound_total",
                "Inbound units answered, by class: ok (committed), refused (dead-lettered whole), failed (not committed: delivered again later).",
                &[("connector", connector), ("class", class)],
            )
        };
        Self {
            frames: m.counter(
                "passerelle_frames_in_total",
                "Frames the connector emitted.",
                &[("connector", connector)],
            ),
            ok: answered("ok"),
            refused: answered("refused"),
            failed: answered("failed"),
            overruns: [Overrun::Retried, Overrun::Split, Overrun::RetryLater, Overrun::DeadLettered].map(|o| {
                m.counter(
                    "passerelle_inbound_deadlines_total",
                    "Inbound units whose connector call ran past its deadline, by what followed: retried (the retry on a fresh instance with a longer deadline answered), split (a file chunk cut in halves, each handed over again), retry_later (the retry overran too: not acknowledged, delivered again later), dead_lettered (a single file record overran its retry too).",
                    &[("connector", connector), ("outcome", o.as_str())],
                )
            }),
        }
    }
}

/// What followed a connector call on an inbound unit that ran past its deadline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Overrun {
    /// The retry on a fresh instance, with the longer deadline, answered.
    Retried,
    /// A file chunk of several records: cut in halves, each handed over again.
    Split,
    /// The retry overran too: the unit is not acknowledged (delivered again later).
    RetryLater,
    /// A single file record overran its retry too: dead-lettered.
    DeadLettered,
}

impl Overrun {
    /// A stable, lower-case label.
    pub(crate) const fn as_str(self) -> &'static str {
        match self {
            Self::Retried => "retried",
            Self::Split => "split",
            Self::RetryLater => "retry_later",
            Self::DeadLettered => "dead_lettered",
        }
    }
}

/// A connector call on an inbound unit ran past its deadline.
#[derive(Debug)]
pub(crate) struct InboundOverran<'a> {
    pub(crate) metrics: &'a InboundMetrics,
    pub(crate) connector: &'a str,
    pub(crate) channel: &'a str,
    pub(crate) outcome: Overrun,
    pub(crate) error: &'a str,
}

impl InboundOverran<'_> {
    pub(crate) fn emit(self) {
        let i = self.outcome as usize;
        if let Some(c) = self.metrics.overruns.get(i) {
            c.add(1);
        }
        let (connector, channel, outcome, error) =
            (self.connector, self.channel, self.outcome.as_str(), self.error);
        match self.outcome {
            Overrun::Retried => tracing::info!(
                connector,
                channel,
                outcome,
                error,
                "Connector call past its deadline; its retry on a fresh instance with a longer deadline answered."
            ),
            Overrun::Split => tracing::debug!(
                connector,
                channel,
                outcome,
                error,
                "Connector call past its deadline on a file chunk; the chunk is split."
            ),
            Overrun::RetryLater => tracing::warn!(
                connector,
                channel,
                outcome,
                error,
                "Connector call past its deadline twice (the retry had a longer deadline); the unit is not acknowledged and counts for the connector's breaker."
            ),
            Overrun::DeadLettered => tracing::warn!(
                connector,
                channel,
                outcome,
                error,
                "Connector call past its deadline twice on a single file record; the record is dead-lettered."
            ),
        }
    }
}

/// An inbound unit was answered.
#[derive(Debug)]
pub(crate) struct InboundAnswered<'a> {
    pub(crate) metrics: &'a InboundMetrics,
    pub(crate) disposition: &'a crate::message::Disposition,
}

impl InboundAnswered<'_> {
    pub(crate) fn emit(self) {
        use crate::message::Disposition;
        let m = self.metrics;
        match self.disposition {
            Disposition::Committed { frames } => {
                m.frames.add(frames.len() as u64);
                m.ok.add(1);
            }
            Disposition::Refused { .. } => m.refused.add(1),
            Disposition::RetryLater { .. } => m.failed.add(1),
        }
    }
}

/// Dead-letter counts (labels: `stage`).
#[derive(Debug, Clone)]
pub(crate) struct DeliveryMetrics {
    by_stage: [Counter; 4],
    log: Arc<LogBudget>,
}

impl DeliveryMetrics {
    pub(crate) fn new(m: &Metrics) -> Self {
        let c = |stage: Stage| {
            m.counter(
                "passerelle_dead_letters_total",
                "Frames written to the dead letter.",
                &[("stage", stage.as_str())],
            )
        };
        Self {
            by_stage: [c(Stage::Connector), c(Stage::Route), c(Stage::Decode), c(Stage::Plugin)],
            log: Arc::new(LogBudget::new()),
        }
    }
}

/// A frame (or a whole refused unit) goes to the dead letter.
#[derive(Debug)]
pub(crate) struct FrameDeadLettered<'a> {
    pub(crate) metrics: &'a DeliveryMetrics,
    pub(crate) stage: Stage,
    pub(crate) plugin: Option<&'a str>,
    pub(crate) error: &'a str,
}

impl FrameDeadLettered<'_> {
    pub(crate) fn emit(self) {
        let i = match self.stage {
            Stage::Connector => 0,
            Stage::Route => 1,
            Stage::Decode => 2,
            Stage::Plugin => 3,
        };
        if let Some(c) = self.metrics.by_stage.get(i) {
            c.add(1);
        }
        let Allowed::Log { left_out } = self.metrics.log.take(DEAD_LETTER_LOG_LINES_PER_SECOND) else {
            return;
        };
        if left_out > 0 {
            tracing::warn!(
                left_out,
                "Dead-letter log lines left out (over the per-second budget); every frame is counted in passerelle_dead_letters_total and kept in the dead letter."
            );
        }
        tracing::warn!(
            stage = self.stage.as_str(),
            plugin = self.plugin.unwrap_or("-"),
            error = self.error,
            "Frame dead-lettered."
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_budget_admits_its_lines_per_second_then_counts_the_rest() {
        let budget = LogBudget::new();
        let logged = (0..100).filter(|_| matches!(budget.take(20), Allowed::Log { .. })).count();
        // The budget is a second old at most: the loop runs within its first second.
        assert_eq!(logged, 20);
        let left = budget.left_out.load(Ordering::Relaxed);
        assert_eq!(left + logged as u64, 100);
        // The next second reports what was left out with its first line.
        budget.second.store(u64::MAX, Ordering::Relaxed);
        match budget.take(20) {
            Allowed::Log { left_out } => assert_eq!(left_out, left),
            Allowed::Skip => panic!("the first line of a second is logged"),
        }
    }
}
