//! Shadow runs: a candidate plugin version decodes live traffic beside the live version; its
//! results are compared with the live ones, counted, and never stored.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use passerelle_vectors::{Expectation, Outcome};

use super::pool::Pool;
use super::{DecodeBatch, DecoderActor};
use crate::message::{Frame, Reading};
use crate::plugin::{DecoderPlugin, PluginError, vector};

/// Differences kept for the operator (the first ones seen).
pub const MAX_DIFFERENCES: usize = 10;

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
    pub(crate) pool: Pool<DecoderActor>,
    compared: AtomicU64,
    agreed: AtomicU64,
    differences: Mutex<Vec<String>>,
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
    /// The first differences (device, devicetype, what differs).
    pub differences: Vec<String>,
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
    pub(crate) fn new(plugin: DecoderPlugin, pool: Pool<DecoderActor>) -> Self {
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
                            d.push(format!("device {} ({}): {what}", frame.device, frame.devicetype));
                        }
                    }
                }
            }
        });
    }

    pub(crate) fn status(&self) -> ShadowStatus {
        ShadowStatus {
            plugin: self.plugin.label().to_string(),
            hash: self.plugin.hash().to_string(),
            compared: self.compared.load(Ordering::Relaxed),
            agreed: self.agreed.load(Ordering::Relaxed),
            differences: self.differences.lock().unwrap_or_else(PoisonError::into_inner).clone(),
        }
    }
}
