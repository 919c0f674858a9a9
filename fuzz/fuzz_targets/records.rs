//! cargo-fuzz target `records`: the harness [`passerelle_fuzzing::RecordSplit`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{RecordSplit, Harness};

static HARNESS: OnceLock<Mutex<RecordSplit>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let mut harness = HARNESS.get_or_init(|| Mutex::new(RecordSplit::new())).lock().unwrap_or_else(|e| e.into_inner());
    harness.run(data);
});
