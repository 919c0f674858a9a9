//! cargo-fuzz target `config`: the harness [`passerelle_fuzzing::ConfigLoad`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{ConfigLoad, Harness};

static HARNESS: OnceLock<Mutex<ConfigLoad>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let mut harness = HARNESS.get_or_init(|| Mutex::new(ConfigLoad::new())).lock().unwrap_or_else(|e| e.into_inner());
    harness.run(data);
});
