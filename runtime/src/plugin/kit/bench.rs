use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::message::Frame;
use crate::plugin::{DecoderPlugin, PluginError};

/// Frames per second through the host, one frame per call and batched.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BenchReport {
    /// Frames decoded per second, one per call.
    pub one_per_call: f64,
    /// Frames decoded per second in batched calls.
    pub batched: f64,
    /// Frames per batched call.
    pub batch: usize,
    /// Distinct frames cycled through (the plugin's vectors that decode).
    pub frames: usize,
}

/// Decodes the plugin's own vectors (those that decode) in a loop for `time` each way.
///
/// # Errors
/// [`PluginError::Invalid`] when no vector decodes; host errors.
pub fn bench(plugin: &DecoderPlugin, time: Duration) -> Result<BenchReport, PluginError> {
    let (vectors, _) = plugin.check_vectors()?;
    let mut instance = plugin.instance();
    let frames: Vec<(Frame, Arc<str>)> = vectors
        .iter()
        .map(|v| {
            let frame = Frame {
                device: Arc::from("bench"),
                devicetype: Arc::from(v.frame.model.as_str()),
                port: v.frame.port,
                payload: crate::message::Bytes::from(v.frame.payload.clone()),
                received_ms: 0,
                connector: Arc::from("bench"),
                firmware: None,
            };
            (frame, Arc::from(v.frame.model.as_str()))
        })
        .filter(|(f, m)| instance.decode(f, m).is_ok())
        .collect();
    if frames.is_empty() {
        return Err(PluginError::Invalid("no vector of this plugin decodes: nothing to measure".into()));
    }
    let batch = plugin.limits().max_batch.min(256);
    let batch_frames: Vec<(Frame, Arc<str>)> = frames.iter().cycle().take(batch).cloned().collect();

    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < time {
        for (f, m) in &frames {
            let _ = instance.decode(f, m);
        }
        done += frames.len() as u64;
    }
    let one_per_call = done as f64 / started.elapsed().as_secs_f64();

    let started = Instant::now();
    let mut done = 0u64;
    while started.elapsed() < time {
        let _ = instance.decode_batch(&batch_frames);
        done += batch_frames.len() as u64;
    }
    let batched = done as f64 / started.elapsed().as_secs_f64();
    Ok(BenchReport { one_per_call, batched, batch, frames: frames.len() })
}
