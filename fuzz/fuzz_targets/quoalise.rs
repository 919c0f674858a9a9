//! cargo-fuzz target `quoalise`: the harness [`passerelle_fuzzing::Quoalise`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{Harness, Quoalise};

static HARNESS: OnceLock<Mutex<Quoalise>> = OnceLock::new();

fn harness() -> &'static Mutex<Quoalise> {
    HARNESS.get_or_init(|| Mutex::new(Quoalise::new()))
}

// Set up in `init`, before libFuzzer's per-input timer starts (plugins compile there).
fuzz_target!(init: { harness(); }, |data: &[u8]| {
    harness().lock().unwrap_or_else(|e| e.into_inner()).run(data);
});
