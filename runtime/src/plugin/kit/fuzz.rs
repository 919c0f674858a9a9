use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::message::Frame;
use crate::plugin::bindings::TestVector;
use crate::plugin::{DecoderPlugin, PluginError, TrapKind};

/// What fuzzing found. A trap, a deadline or a memory hit is a plugin bug to fix; the host
/// survives each of them (this function returning at all proves it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FuzzReport {
    /// Inputs tried.
    pub inputs: u64,
    /// Inputs that decoded.
    pub decoded: u64,
    /// Inputs refused with a decode error (expected for random data).
    pub decode_errors: u64,
    /// Traps by kind (deadline, memory cap, trap).
    pub traps: BTreeMap<&'static str, u64>,
    /// Inputs that produced more readings than the cap.
    pub too_many_readings: u64,
    /// The slowest call.
    pub slowest: Duration,
    /// The first input that trapped: model, port, payload in hex, error.
    pub first_trap: Option<String>,
}

impl FuzzReport {
    /// Traps, deadline and memory hits, and readings-cap hits: everything a plugin must not do.
    pub fn failures(&self) -> u64 {
        self.traps.values().sum::<u64>() + self.too_many_readings
    }
}

/// A small, seedable generator (xorshift64*): the same seed gives the same inputs.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }
    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}

/// Feeds a decoder `iterations` inputs derived from its own vectors: every port for each seed
/// payload, then truncations, bit flips, boundary bytes, byte insertions and deletions, extensions and
/// random payloads, on every model it declares. `progress` is called every 10,000 inputs.
///
/// # Errors
/// A host error (never a trap: traps are counted).
pub fn fuzz(
    plugin: &DecoderPlugin,
    iterations: u64,
    seed: u64,
    mut progress: impl FnMut(&FuzzReport),
) -> Result<FuzzReport, PluginError> {
    let mut instance = plugin.instance();
    let vectors: Vec<TestVector> = instance.plugin().check_vectors().map(|(v, _)| v).unwrap_or_default();
    let mut models: Vec<String> = plugin.metadata().models.clone();
    for v in &vectors {
        if !models.contains(&v.frame.model) {
            models.push(v.frame.model.clone());
        }
    }
    if models.is_empty() {
        models.push("unknown".into());
    }
    let seeds: Vec<(String, u8, Vec<u8>)> = if vectors.is_empty() {
        models.iter().map(|m| (m.clone(), 1, vec![0u8; 8])).collect()
    } else {
        vectors.iter().map(|v| (v.frame.model.clone(), v.frame.port, v.frame.payload.clone())).collect()
    };
    let mut rng = Rng(seed.max(1));
    let mut report = FuzzReport::default();
    let device: Arc<str> = Arc::from("fuzz");
    let connector: Arc<str> = Arc::from("fuzz");
    let every_port = u64::try_from(seeds.len()).unwrap_or(u64::MAX).saturating_mul(256);
    for i in 0..iterations {
        let (model, port, payload) = if i < every_port {
            // Each seed payload on every port.
            let Some((m, _, p)) = seeds.get(usize::try_from(i / 256).unwrap_or(0)) else { break };
            (m.clone(), u8::try_from(i % 256).unwrap_or(0), p.clone())
        } else {
            let Some((m, port, p)) = seeds.get(rng.below(seeds.len())) else { break };
            let mut p = p.clone();
            let other = models.get(rng.below(models.len())).filter(|_| rng.below(8) == 0);
            let model = other.unwrap_or(m).clone();
            match rng.below(7) {
                0 => p.truncate(rng.below(p.len() + 1)),
                1 => {
                    for _ in 0..=rng.below(3) {
                        let at = rng.below(p.len());
                        if let Some(b) = p.get_mut(at) {
                            *b ^= 1 << rng.below(8);
                        }
                    }
                }
                2 => {
                    let at = rng.below(p.len() + 1);
                    p.insert(at, rng.byte());
                }
                3 => {
                    if !p.is_empty() {
                        p.remove(rng.below(p.len()));
                    }
                }
                4 => p.extend((0..rng.below(16) + 1).map(|_| rng.byte())),
                5 => {
                    // A boundary value (0x00, 0x7f, 0x80, 0xff), often in the first bytes where
                    // formats keep their type and length fields.
                    let at = if rng.below(2) == 0 { rng.below(p.len().min(2)) } else { rng.below(p.len()) };
                    let v = [0x00, 0x7f, 0x80, 0xff].get(rng.below(4)).copied().unwrap_or(0xff);
                    if let Some(b) = p.get_mut(at) {
                        *b = v;
                    }
                }
                _ => p = (0..rng.below(64)).map(|_| rng.byte()).collect(),
            }
            (model, *port, p)
        };
        let frame = Frame {
            device: Arc::clone(&device),
            devicetype: Arc::from(model.as_str()),
            port,
            payload: crate::message::Bytes::from(payload),
            received_ms: 0,
            connector: Arc::clone(&connector),
            firmware: None,
        };
        let started = Instant::now();
        let result = instance.decode(&frame, &model);
        report.slowest = report.slowest.max(started.elapsed());
        report.inputs += 1;
        match result {
            Ok(_) => report.decoded += 1,
            Err(PluginError::Decode(_)) => report.decode_errors += 1,
            Err(e @ PluginError::Trap { .. }) => {
                let kind = match &e {
                    PluginError::Trap { kind, .. } => kind.as_str(),
                    _ => TrapKind::Trap.as_str(),
                };
                *report.traps.entry(kind).or_default() += 1;
                if report.first_trap.is_none() {
                    let hex = passerelle_vectors::to_hex(&frame.payload);
                    report.first_trap = Some(format!("model {model} port {port} payload {hex}: {e}"));
                }
            }
            Err(PluginError::TooManyReadings { .. }) => report.too_many_readings += 1,
            Err(e) => return Err(e),
        }
        if report.inputs % 10_000 == 0 {
            progress(&report);
        }
    }
    Ok(report)
}
