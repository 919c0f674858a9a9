//! cargo-fuzz target `push_envelope`: the harness [`passerelle_fuzzing::PushEnvelope`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{PushEnvelope, Harness};

static HARNESS: OnceLock<Mutex<PushEnvelope>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let mut harness = HARNESS.get_or_init(|| Mutex::new(PushEnvelope::new())).lock().unwrap_or_else(|e| e.into_inner());
    harness.run(data);
});
