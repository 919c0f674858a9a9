//! cargo-fuzz target `decoders`: the harness [`passerelle_fuzzing::Decoders`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{Decoders, Harness};

static HARNESS: OnceLock<Mutex<Decoders>> = OnceLock::new();

fn harness() -> &'static Mutex<Decoders> {
    HARNESS.get_or_init(|| Mutex::new(Decoders::new()))
}

// Set up in `init`, before libFuzzer's per-input timer starts (plugins compile there).
fuzz_target!(init: { harness(); }, |data: &[u8]| {
    harness().lock().unwrap_or_else(|e| e.into_inner()).run(data);
});
