//! cargo-fuzz target `stomp`: the harness [`passerelle_fuzzing::Stomp`], set up once.
#![no_main]

use std::sync::{Mutex, OnceLock};

use libfuzzer_sys::fuzz_target;
use passerelle_fuzzing::{Stomp, Harness};

static HARNESS: OnceLock<Mutex<Stomp>> = OnceLock::new();

fuzz_target!(|data: &[u8]| {
    let mut harness = HARNESS.get_or_init(|| Mutex::new(Stomp::new())).lock().unwrap_or_else(|e| e.into_inner());
    harness.run(data);
});
