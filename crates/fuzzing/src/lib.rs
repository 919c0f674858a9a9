//! Passerelle's fuzz harnesses, each written once and run two ways:
//!
//! - as plain tests on the pinned stable toolchain (`tests/it/fuzz.rs`): [`replay`] feeds a
//!   harness every file of its corpus (`fuzz/corpus/<name>/`, kept in the repository) and a
//!   bounded number of inputs mutated from it with a fixed seed, so `scripts/test` runs them in
//!   seconds;
//! - under libFuzzer (`scripts/fuzz`, or `cargo +nightly fuzz run <name>` in `fuzz/`): each
//!   cargo-fuzz target of `fuzz/fuzz_targets/` calls the same [`Harness::run`] with libFuzzer's
//!   inputs, starting from the same corpus, and adds what it finds to it.
//!
//! A harness takes any bytes. It returns normally whatever the input, as the host must; a panic
//! (ours, or an invariant the harness checks) is the finding. The targets:
//!
//! | harness | what it drives |
//! | --- | --- |
//! | [`PushEnvelope`] | the Energisme push connector plugin through a running runtime, by the same door as the HTTP push ([`passerelle::actor::Ingest::submit`]): plugin, router, decoder, SQLite |
//! | [`ConfigLoad`] | config loading: RON parse, then validation |
//! | [`Stomp`] | the STOMP 1.2 frame decoder, fed whole and in pieces (both must agree) |
//! | [`RecordSplit`] | the file transports' chunker: lines (CSV quotes, header), JSON and XML records |
//! | [`FlatFiles`] | the flat-files connector plugin (CSV, JSON, XML readers) through the plugin host |
//! | [`Quoalise`] | the Quoalise connector plugin (XMPP stanzas, SenML) through the plugin host |
//! | [`Decoders`] | every decoder plugin of `plugins/dist` through the plugin host |
//!
//! Harnesses that run plugins read them from `plugins/dist/` (`scripts/build-plugins`).

// A harness reports a finding by panicking: that is what libFuzzer and the test runner catch.
#![allow(clippy::panic, clippy::expect_used, clippy::unwrap_used, clippy::indexing_slicing)]

mod connectors;
mod decoders;
mod host;
mod parsers;

use std::path::{Path, PathBuf};

pub use connectors::{FlatFiles, Quoalise};
pub use decoders::Decoders;
pub use host::PushEnvelope;
pub use parsers::{ConfigLoad, RecordSplit, Stomp};

/// The per-call deadline harnesses give plugins: 1 s, ten times the default. The deadline is
/// wall-clock time, and a fuzzer on a loaded machine (2 cores, four builds) saw 100 ms calls
/// that take 1 ms when replayed; a plugin that loops still trips this one, and is a finding.
pub const HARNESS_DEADLINE_MS: u64 = 1000;

/// Plugin limits of the harnesses: the defaults, with [`HARNESS_DEADLINE_MS`].
pub fn harness_limits() -> passerelle::plugin::Limits {
    passerelle::plugin::Limits { deadline_ms: HARNESS_DEADLINE_MS, ..passerelle::plugin::Limits::default() }
}

/// One fuzz harness: set up once, then run on any number of inputs.
pub trait Harness: Sized {
    /// The target's name: its cargo-fuzz target and its corpus folder `fuzz/corpus/<NAME>/`.
    const NAME: &'static str;

    /// Sets the harness up (loads plugins, starts a runtime).
    ///
    /// # Panics
    /// When the set-up fails (a plugin missing from `plugins/dist`): nothing can be fuzzed.
    fn new() -> Self;

    /// Runs one input.
    ///
    /// # Panics
    /// On a finding: the host panicked, or an invariant the harness checks does not hold.
    fn run(&mut self, data: &[u8]);
}

/// The repository's root (this crate lives in `crates/fuzzing`).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The corpus folder of a target, `fuzz/corpus/<name>/`.
pub fn corpus_dir(name: &str) -> PathBuf {
    root().join("fuzz/corpus").join(name)
}

/// The files of a target's corpus, in name order.
///
/// # Panics
/// When the folder cannot be read.
pub fn corpus(name: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = corpus_dir(name);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files.into_iter().map(|p| (p.clone(), std::fs::read(&p).expect("corpus file"))).collect()
}

/// What a [`replay`] ran.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Replayed {
    /// Corpus files run.
    pub corpus: usize,
    /// Mutated inputs run.
    pub mutated: usize,
}

/// Runs harness `H` on every file of its corpus, then on `mutations` inputs mutated from them
/// (seeded: every run tries the same inputs; a failure names the input in hex).
///
/// # Panics
/// When the corpus is empty or the harness finds something.
pub fn replay<H: Harness>(mutations: usize, seed: u64) -> Replayed {
    let files = corpus(H::NAME);
    assert!(!files.is_empty(), "{}: empty corpus", corpus_dir(H::NAME).display());
    let mut harness = H::new();
    for (path, bytes) in &files {
        run_named(&mut harness, bytes, &path.display().to_string());
    }
    let mut rng = Rng(seed.max(1));
    for i in 0..mutations {
        let (_, base) = &files[rng.below(files.len())];
        let other = &files[rng.below(files.len())].1;
        let input = mutate(&mut rng, base, other);
        run_named(&mut harness, &input, &format!("mutation {i} of seed {seed}"));
    }
    Replayed { corpus: files.len(), mutated: mutations }
}

fn run_named<H: Harness>(harness: &mut H, input: &[u8], what: &str) {
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| harness.run(input)));
    if let Err(e) = outcome {
        let hex = passerelle_vectors::to_hex(input);
        let msg = e
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_default();
        panic!("{}: {what} failed: {msg}\ninput (hex): {hex}", H::NAME);
    }
}

/// libFuzzer-like mutations: bit flips, boundary bytes, insertions, deletions, a cut, a splice
/// with another corpus file, a repeated slice, random bytes.
fn mutate(rng: &mut Rng, base: &[u8], other: &[u8]) -> Vec<u8> {
    let mut p = base.to_vec();
    for _ in 0..=rng.below(4) {
        match rng.below(8) {
            0 => {
                let at = rng.below(p.len());
                if let Some(b) = p.get_mut(at) {
                    *b ^= 1 << rng.below(8);
                }
            }
            1 => {
                let at = rng.below(p.len());
                let v = [0x00, 0x0a, 0x22, 0x2c, 0x3b, 0x3c, 0x5c, 0x7b, 0x7f, 0x80, 0xff][rng.below(11)];
                if let Some(b) = p.get_mut(at) {
                    *b = v;
                }
            }
            2 => {
                let at = rng.below(p.len() + 1);
                p.insert(at, rng.byte());
            }
            3 => {
                if !p.is_empty() {
                    let at = rng.below(p.len());
                    let end = (at + 1 + rng.below(8)).min(p.len());
                    p.drain(at..end);
                }
            }
            4 => p.truncate(rng.below(p.len() + 1)),
            5 => {
                let at = rng.below(p.len() + 1);
                let from = rng.below(other.len() + 1);
                let to = (from + rng.below(64)).min(other.len());
                p.splice(at..at, other[from..to].iter().copied());
            }
            6 => {
                let from = rng.below(p.len() + 1);
                let to = (from + rng.below(32)).min(p.len());
                let piece = p[from..to].to_vec();
                for _ in 0..rng.below(8) {
                    p.splice(to..to, piece.iter().copied());
                }
            }
            _ => p = (0..rng.below(128)).map(|_| rng.byte()).collect(),
        }
    }
    p
}

/// xorshift64*: the same seed gives the same inputs.
#[derive(Debug)]
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % (n.max(1) as u64)) as usize
    }

    fn byte(&mut self) -> u8 {
        self.next().to_le_bytes()[0]
    }
}

/// Splits an input into a first byte (a choice: settings, model, cut points) and the rest.
pub(crate) fn split_choice(data: &[u8]) -> (u8, &[u8]) {
    match data.split_first() {
        Some((b, rest)) => (*b, rest),
        None => (0, data),
    }
}

/// The pieces of an input separated by `\n---\n` (a multi-event script for connector plugins).
pub(crate) fn pieces(data: &[u8]) -> Vec<&[u8]> {
    const SEP: &[u8] = b"\n---\n";
    let mut out = Vec::new();
    let mut rest = data;
    while let Some(at) = rest.windows(SEP.len()).position(|w| w == SEP) {
        out.push(&rest[..at]);
        rest = &rest[at + SEP.len()..];
    }
    out.push(rest);
    out
}
