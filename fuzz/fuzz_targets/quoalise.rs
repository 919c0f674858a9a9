//! cargo-fuzz target `quoalise`: the harness [`passerelle_fuzzing::Quoalise`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{Quoalise, Harness};

static HARNESS: OnceLock<Mutex<Quoalise>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let mut harness = HARNESS.get_or_init(|| Mutex::new(Quoalise::new())).lock().unwrap_or_else(|e| e.into_inner());
    harness.run(data);
});
