//! cargo-fuzz target `flat_files`: the harness [`passerelle_fuzzing::FlatFiles`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{FlatFiles, Harness};

static HARNESS: OnceLock<Mutex<FlatFiles>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let mut harness = HARNESS.get_or_init(|| Mutex::new(FlatFiles::new())).lock().unwrap_or_else(|e| e.into_inner());
    harness.run(data);
});
