//! cargo-fuzz target `records`: the harness [`passerelle_fuzzing::RecordSplit`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{Harness, RecordSplit};

static HARNESS: OnceLock<Mutex<RecordSplit>> = OnceLock::new();

fn harness() -> &'static Mutex<RecordSplit> {
    HARNESS.get_or_init(|| Mutex::new(RecordSplit::new()))
}

// Set up in `init`, before libFuzzer's per-input timer starts (plugins compile there).
fuzz_target!(init: { harness(); }, |data: &[u8]| {
    harness().lock().unwrap_or_else(|e| e.into_inner()).run(data);
});
