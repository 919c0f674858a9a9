//! Delivery events: inbound units answered, frames dead-lettered.

use super::{Counter, Metrics};
use crate::message::Stage;

/// The series of one connector (labels: `connector`, `class`).
#[derive(Debug, Clone)]
pub(crate) struct InboundMetrics {
    frames: Counter,
    ok: Counter,
    refused: Counter,
    failed: Counter,
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
        Self { by_stage: [c(Stage::Connector), c(Stage::Route), c(Stage::Decode), c(Stage::Plugin)] }
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
        tracing::warn!(
            stage = self.stage.as_str(),
            plugin = self.plugin.unwrap_or("-"),
            error = self.error,
            "Frame dead-lettered."
        );
    }
}
