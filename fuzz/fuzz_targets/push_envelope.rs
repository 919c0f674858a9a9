//! cargo-fuzz target `push_envelope`: the harness [`passerelle_fuzzing::PushEnvelope`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{Harness, PushEnvelope};

static HARNESS: OnceLock<Mutex<PushEnvelope>> = OnceLock::new();

fn harness() -> &'static Mutex<PushEnvelope> {
    HARNESS.get_or_init(|| Mutex::new(PushEnvelope::new()))
}

// Set up in `init`, before libFuzzer's per-input timer starts (plugins compile there).
fuzz_target!(init: { harness(); }, |data: &[u8]| {
    harness().lock().unwrap_or_else(|e| e.into_inner()).run(data);
});
