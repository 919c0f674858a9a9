//! cargo-fuzz target `config`: the harness [`passerelle_fuzzing::ConfigLoad`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{ConfigLoad, Harness};

static HARNESS: OnceLock<Mutex<ConfigLoad>> = OnceLock::new();

fn harness() -> &'static Mutex<ConfigLoad> {
    HARNESS.get_or_init(|| Mutex::new(ConfigLoad::new()))
}

// Set up in `init`, before libFuzzer's per-input timer starts (plugins compile there).
fuzz_target!(init: { harness(); }, |data: &[u8]| {
    harness().lock().unwrap_or_else(|e| e.into_inner()).run(data);
});
