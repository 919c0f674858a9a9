//! Plugin events: decode calls, traps, version swaps and refusals.

use std::sync::Arc;
use std::time::Duration;

use super::{Counter, Histogram, Metrics};
use crate::message::Reading;
use crate::plugin::PluginError;

/// The series of one decoder (labels: `decoder`).
#[derive(Debug, Clone)]
pub(crate) struct DecoderMetrics {
    frames: Counter,
    readings: Counter,
    decode_errors: Counter,
    deadline: Counter,
    memory: Counter,
    trap: Counter,
    too_many: Counter,
    call: Arc<Histogram>,
    pub(crate) swapped: Counter,
    pub(crate) refused: Counter,
    pub(crate) quarantines: Counter,
    pub(crate) quarantined_frames: Counter,
}

impl DecoderMetrics {
    pub(crate) fn new(m: &Metrics, decoder: &str) -> Self {
        let l = [("decoder", decoder)];
        let trap = |kind: &str| {
            m.counter(
                "passerelle_plugin_traps_total",
                "Plugin calls stopped by a trap, the deadline, the memory cap or the readings cap.",
                &[("decoder", decoder), ("kind", kind)],
            )
        };
        Self {
            frames: m.counter("passerelle_decoder_frames_total", "Frames given to the decoder.", &l),
            readings: m.counter("passerelle_decoder_readings_total", "Readings the decoder produced.", &l),
            decode_errors: m.counter(
                "passerelle_decode_errors_total",
                "Frames refused by the decoder (bad data).",
                &l,
            ),
            deadline: trap("deadline"),
            memory: trap("memory_cap"),
            trap: trap("trap"),
            too_many: trap("readings_cap"),
            call: m.histogram(
                "passerelle_decode_call_seconds",
                "Duration of one decoder call (a batch of frames).",
                &l,
            ),
            swapped: m.counter(
                "passerelle_plugin_reloads_total",
                "Plugin versions swapped in (reloads, rollbacks).",
                &l,
            ),
            refused: m.counter("passerelle_plugin_refused_total", "Plugin versions refused.", &l),
            quarantines: m.counter(
                "passerelle_decoder_quarantines_total",
                "Times the decoder was quarantined after plugin failures in a row.",
                &l,
            ),
            quarantined_frames: m.counter(
                "passerelle_decoder_quarantined_frames_total",
                "Frames sent to the dead letter without a call while the decoder was quarantined.",
                &l,
            ),
        }
    }
}

/// One batched decoder call completed.
#[derive(Debug)]
pub(crate) struct DecodeCall<'a> {
    pub(crate) metrics: &'a DecoderMetrics,
    pub(crate) results: &'a [Result<Vec<Reading>, PluginError>],
    pub(crate) elapsed: Duration,
}

impl DecodeCall<'_> {
    pub(crate) fn emit(self) {
        let m = self.metrics;
        m.call.observe(self.elapsed);
        m.frames.add(self.results.len() as u64);
        let mut readings = 0;
        for r in self.results {
            match r {
                Ok(v) => readings += v.len() as u64,
                Err(PluginError::Decode(_)) => m.decode_errors.add(1),
                Err(PluginError::Trap { kind, .. }) => match kind {
                    crate::plugin::TrapKind::Deadline => m.deadline.add(1),
                    crate::plugin::TrapKind::Memory => m.memory.add(1),
                    crate::plugin::TrapKind::Trap => m.trap.add(1),
                },
                Err(PluginError::TooManyReadings { .. }) => m.too_many.add(1),
                Err(_) => {}
            }
        }
        m.readings.add(readings);
        tracing::trace!(
            frames = self.results.len(),
            readings,
            elapsed_us = self.elapsed.as_micros() as u64,
            "Decoder call."
        );
    }
}

/// A new plugin version went live.
#[derive(Debug)]
pub(crate) struct PluginSwapped<'a> {
    pub(crate) metrics: &'a DecoderMetrics,
    pub(crate) decoder: &'a str,
    pub(crate) plugin: &'a str,
    pub(crate) hash: &'a str,
    pub(crate) rollback: bool,
}

impl PluginSwapped<'_> {
    pub(crate) fn emit(self) {
        self.metrics.swapped.add(1);
        let hash = self.hash.get(..12).unwrap_or(self.hash);
        tracing::info!(
            decoder = self.decoder,
            plugin = self.plugin,
            hash,
            rollback = self.rollback,
            "Plugin version live."
        );
    }
}

/// A candidate plugin version was refused; the live version keeps running.
#[derive(Debug)]
pub(crate) struct PluginRefused<'a> {
    pub(crate) metrics: &'a DecoderMetrics,
    pub(crate) decoder: &'a str,
    pub(crate) error: &'a str,
}

impl PluginRefused<'_> {
    pub(crate) fn emit(self) {
        self.metrics.refused.add(1);
        tracing::error!(
            decoder = self.decoder,
            error = self.error,
            "Plugin version refused; the live version keeps running."
        );
    }
}
