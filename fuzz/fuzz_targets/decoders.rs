//! cargo-fuzz target `decoders`: the harness [`passerelle_fuzzing::Decoders`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{Decoders, Harness};

static HARNESS: OnceLock<Mutex<Decoders>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let mut harness = HARNESS.get_or_init(|| Mutex::new(Decoders::new())).lock().unwrap_or_else(|e| e.into_inner());
    harness.run(data);
});
