//! cargo-fuzz target `flat_files`: the harness [`passerelle_fuzzing::FlatFiles`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{FlatFiles, Harness};

static HARNESS: OnceLock<Mutex<FlatFiles>> = OnceLock::new();

fn harness() -> &'static Mutex<FlatFiles> {
    HARNESS.get_or_init(|| Mutex::new(FlatFiles::new()))
}

// Set up in `init`, before libFuzzer's per-input timer starts (plugins compile there).
fuzz_target!(init: { harness(); }, |data: &[u8]| {
    harness().lock().unwrap_or_else(|e| e.into_inner()).run(data);
});
