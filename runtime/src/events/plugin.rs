//! Plugin events: decode calls, traps, version swaps and refusals.

use std::sync::Arc;
use std::time::Duration;

use dashmap::DashMap;

use super::{Counter, Histogram, Metrics};
use crate::message::{Frame, Reading};
use crate::operator::DevicetypeStatus;
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
    /// The series of each devicetype the decoder was given, made on its first frame. Bounded
    /// by the route table: only routed devicetypes reach a decoder.
    devicetypes: Arc<DashMap<Arc<str>, DevicetypeMetrics>>,
    registry: Metrics,
    decoder: Arc<str>,
}

/// The series of one devicetype through one decoder (labels: `decoder`, `devicetype`): the
/// question "which device model is failing".
#[derive(Debug, Clone)]
struct DevicetypeMetrics {
    frames: Counter,
    readings: Counter,
    decode_errors: Counter,
    plugin_errors: Counter,
    decode: Arc<Histogram>,
}

impl DevicetypeMetrics {
    fn new(m: &Metrics, decoder: &str, devicetype: &str) -> Self {
        let l = [("decoder", decoder), ("devicetype", devicetype)];
        Self {
            frames: m.counter("passerelle_devicetype_frames_total", "Frames of the devicetype decoded.", &l),
            readings: m.counter(
                "passerelle_devicetype_readings_total",
                "Readings decoded from frames of the devicetype.",
                &l,
            ),
            decode_errors: m.counter(
                "passerelle_devicetype_decode_errors_total",
                "Frames of the devicetype the decoder refused (bad data).",
                &l,
            ),
            plugin_errors: m.counter(
                "passerelle_devicetype_plugin_errors_total",
                "Frames of the devicetype lost to a plugin failure (trap, deadline, memory or readings cap).",
                &l,
            ),
            decode: m.histogram(
                "passerelle_devicetype_decode_seconds",
                "Decode time per frame of the devicetype (a batched call's time shared by its frames).",
                &l,
            ),
        }
    }
}

impl DecoderMetrics {
    /// Per devicetype: frames, readings, errors and mean decode time, by devicetype.
    pub(crate) fn devicetype_status(&self) -> Vec<DevicetypeStatus> {
        let mut out: Vec<DevicetypeStatus> = self
            .devicetypes
            .iter()
            .map(|e| {
                let m = e.value();
                let count = m.decode.count();
                DevicetypeStatus {
                    devicetype: e.key().to_string(),
                    frames: m.frames.get(),
                    readings: m.readings.get(),
                    decode_errors: m.decode_errors.get(),
                    plugin_errors: m.plugin_errors.get(),
                    mean_decode_us: m.decode.sum_us().checked_div(count).unwrap_or(0),
                }
            })
            .collect();
        out.sort_by(|a, b| a.devicetype.cmp(&b.devicetype));
        out
    }

    fn devicetype(&self, devicetype: &Arc<str>) -> DevicetypeMetrics {
        if let Some(m) = self.devicetypes.get(devicetype) {
            return m.value().clone();
        }
        self.devicetypes
            .entry(Arc::clone(devicetype))
            .or_insert_with(|| DevicetypeMetrics::new(&self.registry, &self.decoder, devicetype))
            .value()
            .clone()
    }

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
            devicetypes: Arc::default(),
            registry: m.clone(),
            decoder: Arc::from(decoder),
        }
    }
}

/// The series a plugin's breaker counts: a decoder's (`passerelle_decoder_quarantines_total`,
/// `passerelle_decoder_quarantined_frames_total`, label `decoder`) or a connector's
/// (`passerelle_connector_quarantines_total`, `passerelle_connector_quarantined_units_total`,
/// label `connector`).
#[derive(Debug, Clone)]
pub(crate) struct BreakerMetrics {
    /// Quarantines begun.
    pub(crate) quarantines: Counter,
    /// Units turned away without a call while quarantined.
    pub(crate) short_circuited: Counter,
}

impl BreakerMetrics {
    /// A decoder's (its series are made with its other series).
    pub(crate) fn decoder(m: &DecoderMetrics) -> Self {
        Self { quarantines: m.quarantines.clone(), short_circuited: m.quarantined_frames.clone() }
    }

    /// A connector's.
    pub(crate) fn connector(m: &Metrics, connector: &str) -> Self {
        let l = [("connector", connector)];
        Self {
            quarantines: m.counter(
                "passerelle_connector_quarantines_total",
                "Times the connector was quarantined after plugin failures (deadlines) in a row.",
                &l,
            ),
            short_circuited: m.counter(
                "passerelle_connector_quarantined_units_total",
                "Inbound units answered retry-later without a call while the connector was quarantined.",
                &l,
            ),
        }
    }
}

/// One batched decoder call completed.
#[derive(Debug)]
pub(crate) struct DecodeCall<'a> {
    pub(crate) metrics: &'a DecoderMetrics,
    /// The frames of the call, in the order of `results`.
    pub(crate) frames: &'a [(Frame, Arc<str>)],
    pub(crate) results: &'a [Result<Vec<Reading>, PluginError>],
    pub(crate) elapsed: Duration,
}

impl DecodeCall<'_> {
    pub(crate) fn emit(self) {
        let m = self.metrics;
        m.call.observe(self.elapsed);
        m.frames.add(self.results.len() as u64);
        let share = self.elapsed / u32::try_from(self.results.len().max(1)).unwrap_or(u32::MAX);
        let mut readings = 0;
        let mut last: Option<(&Arc<str>, DevicetypeMetrics)> = None;
        for ((frame, _), r) in self.frames.iter().zip(self.results) {
            // A batch is mostly of one devicetype: look it up again only when it changes.
            if !matches!(&last, Some((t, _)) if **t == frame.devicetype) {
                last = Some((&frame.devicetype, m.devicetype(&frame.devicetype)));
            }
            let Some((_, d)) = &last else { continue };
            d.frames.add(1);
            d.decode.observe(share);
            match r {
                Ok(v) => {
                    readings += v.len() as u64;
                    d.readings.add(v.len() as u64);
                }
                Err(PluginError::Decode(_)) => {
                    m.decode_errors.add(1);
                    d.decode_errors.add(1);
                }
                Err(PluginError::Trap { kind, .. }) => {
                    d.plugin_errors.add(1);
                    match kind {
                        crate::plugin::TrapKind::Deadline => m.deadline.add(1),
                        crate::plugin::TrapKind::Memory => m.memory.add(1),
                        crate::plugin::TrapKind::Trap => m.trap.add(1),
                    }
                }
                Err(PluginError::TooManyReadings { .. }) => {
                    d.plugin_errors.add(1);
                    m.too_many.add(1);
                }
                Err(_) => d.plugin_errors.add(1),
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
