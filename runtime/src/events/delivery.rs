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
                "Inbound units answered, by class: ok (acknowledged), refused (4xx), failed (not committed).",
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
    pub(crate) status: u16,
    pub(crate) frames: usize,
}

impl InboundAnswered<'_> {
    pub(crate) fn emit(self) {
        let m = self.metrics;
        m.frames.add(self.frames as u64);
        match self.status {
            200..=299 => m.ok.add(1),
            400..=499 => m.refused.add(1),
            _ => m.failed.add(1),
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
