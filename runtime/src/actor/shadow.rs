//! Shadow runs: a candidate plugin version decodes live traffic beside the live version; its
//! results are compared with the live ones, counted, and never stored.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use passerelle_vectors::{Expectation, Outcome};

use super::{DecodeBatch, DecodePool};
use crate::message::{Frame, Reading};
use crate::plugin::{DecoderPlugin, PluginError, vector};

/// Differences kept for the operator (the first ones seen).
pub const MAX_DIFFERENCES: usize = 10;

/// The most readings shown for each side of a differing frame.
pub const MAX_SHOWN_READINGS: usize = 32;

/// The most payload bytes shown of a differing frame.
pub const MAX_SHOWN_BYTES: usize = 256;

/// What the live version made of a frame, kept to compare: the expectation the candidate's
/// result must meet (its readings, or an error of any kind).
pub(crate) type Summary = Expectation;

pub(crate) fn summarize(r: &Result<Vec<Reading>, PluginError>) -> Summary {
    match r {
        Ok(readings) => Expectation::Readings(vector::readings(readings)),
        Err(_) => Expectation::Error,
    }
}

/// A candidate version running in shadow, and how it compares so far.
#[derive(Debug)]
pub(crate) struct Shadow {
    pub(crate) plugin: DecoderPlugin,
    pub(crate) pool: DecodePool,
    compared: AtomicU64,
    agreed: AtomicU64,
    differences: Mutex<Vec<(String, DifferingFrame)>>,
}

/// What an operator sees of a shadow run.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShadowStatus {
    /// `name@version` of the candidate.
    pub plugin: String,
    /// Its content hash.
    pub hash: String,
    /// Frames decoded by both versions.
    pub compared: u64,
    /// Of those, with the same outcome (the same readings, or both refused).
    pub agreed: u64,
    /// Its own vectors it passed when it was loaded; `None` when not checked.
    pub vectors_passed: Option<usize>,
    /// The first differences (device, devicetype, what differs).
    pub differences: Vec<String>,
    /// The same first differing frames with what each version made of them (bounded: at most
    /// [`MAX_SHOWN_READINGS`] readings a side, [`MAX_SHOWN_BYTES`] bytes of payload).
    pub differing_frames: Vec<DifferingFrame>,
}

/// A frame the candidate decoded differently from the live version, with both outputs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DifferingFrame {
    /// Device id.
    pub device: String,
    /// Devicetype.
    pub devicetype: String,
    /// Port.
    pub port: u8,
    /// The payload as hex (its first [`MAX_SHOWN_BYTES`] bytes).
    pub hex: String,
    /// Payload bytes not shown.
    pub hex_cut: usize,
    /// What the live version gave.
    pub live: ShownOutput,
    /// What the candidate gave.
    pub candidate: ShownOutput,
}

/// What one version made of a frame, as the console shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ShownOutput {
    /// The readings (the first [`MAX_SHOWN_READINGS`]): name and value in words.
    pub readings: Vec<ShownReading>,
    /// Readings not shown.
    pub readings_cut: usize,
    /// The error, when it gave one instead of readings.
    pub error: Option<String>,
}

/// A reading's name and value (as `passerelle decode` prints it: numbers plain, text quoted,
/// bytes as hex).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShownReading {
    /// Name.
    pub name: String,
    /// Value in words.
    pub value: String,
}

fn shown(readings: &[passerelle_vectors::Reading]) -> ShownOutput {
    ShownOutput {
        readings: readings
            .iter()
            .take(MAX_SHOWN_READINGS)
            .map(|r| ShownReading { name: r.name.clone(), value: r.value.to_string() })
            .collect(),
        readings_cut: readings.len().saturating_sub(MAX_SHOWN_READINGS),
        error: None,
    }
}

/// Both outputs of a differing frame, bounded.
fn differing_frame(
    frame: &Frame,
    live: &Summary,
    candidate: &Result<Vec<Reading>, PluginError>,
) -> DifferingFrame {
    let live = match live {
        Expectation::Readings(readings) => shown(readings),
        // The live summary keeps only that it refused or failed, not why.
        Expectation::Error => {
            ShownOutput { error: Some("refused or failed".into()), ..ShownOutput::default() }
        }
    };
    let candidate = match candidate {
        Ok(readings) => shown(&vector::readings(readings)),
        Err(e) => ShownOutput { error: Some(crate::actor::error_chain(e)), ..ShownOutput::default() },
    };
    let payload: &[u8] = frame.payload.as_ref();
    DifferingFrame {
        device: frame.device.to_string(),
        devicetype: frame.devicetype.to_string(),
        port: frame.port,
        hex: passerelle_vectors::to_hex(payload.get(..MAX_SHOWN_BYTES).unwrap_or(payload)),
        hex_cut: payload.len().saturating_sub(MAX_SHOWN_BYTES),
        live,
        candidate,
    }
}

/// The candidate's result against the live one, under the one vector rule
/// ([`passerelle_vectors::check`]); any error of the candidate counts as a refusal, so both
/// versions refusing a frame (for whatever reason) agree.
fn describe_difference(live: &Summary, candidate: &Result<Vec<Reading>, PluginError>) -> Option<String> {
    let candidate = match candidate {
        Ok(readings) => Outcome::Readings(vector::readings(readings)),
        Err(e) => Outcome::Refused(e.to_string()),
    };
    passerelle_vectors::check(live, &candidate).err().map(|m| format!("the candidate differs from live: {m}"))
}

impl Shadow {
    pub(crate) fn new(plugin: DecoderPlugin, pool: DecodePool) -> Self {
        Self {
            plugin,
            pool,
            compared: AtomicU64::new(0),
            agreed: AtomicU64::new(0),
            differences: Mutex::default(),
        }
    }

    /// Decodes copies of the frames with the candidate, off the unit's path (the source's
    /// acknowledgement never waits for a shadow), and compares with the live summaries.
    pub(crate) fn compare(self: Arc<Self>, frames: Vec<(Frame, Arc<str>)>, live: Vec<Summary>) {
        tokio::spawn(async move {
            let Ok(results) = self.pool.call(DecodeBatch(frames)).await else { return };
            for ((frame, result), live) in results.iter().zip(&live) {
                self.compared.fetch_add(1, Ordering::Relaxed);
                match describe_difference(live, result) {
                    None => {
                        self.agreed.fetch_add(1, Ordering::Relaxed);
                    }
                    Some(what) => {
                        let mut d = self.differences.lock().unwrap_or_else(PoisonError::into_inner);
                        if d.len() < MAX_DIFFERENCES {
                            let text = format!("device {} ({}): {what}", frame.device, frame.devicetype);
                            d.push((text, differing_frame(frame, live, result)));
                        }
                    }
                }
            }
        });
    }

    pub(crate) fn status(&self) -> ShadowStatus {
        let d = self.differences.lock().unwrap_or_else(PoisonError::into_inner);
        ShadowStatus {
            plugin: self.plugin.label().to_string(),
            hash: self.plugin.hash().to_string(),
            compared: self.compared.load(Ordering::Relaxed),
            agreed: self.agreed.load(Ordering::Relaxed),
            vectors_passed: self.plugin.vectors_passed(),
            differences: d.iter().map(|(text, _)| text.clone()).collect(),
            differing_frames: d.iter().map(|(_, frame)| frame.clone()).collect(),
        }
    }
}
