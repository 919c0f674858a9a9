//! Fuzzing as ordinary tests on the pinned stable toolchain, two kinds:
//! - proptest (random and edge-case inputs, a failure shrunk to its smallest case) of the STOMP
//!   codec and the config;
//! - the fuzz harnesses of `crates/fuzzing` (the very ones `scripts/fuzz` runs under libFuzzer)
//!   replayed on their kept corpus, `fuzz/corpus/<target>/`, plus seeded mutations: the Energisme
//!   push through a running runtime, config loading, STOMP, the record splitters, the flat-files
//!   and Quoalise plugins and every decoder plugin through the plugin host.
//!
//! The host never panics. (The plugin kit fuzzes every decoder too:
//! `kit::every_decoder_survives_fuzzing`.)

use passerelle::config::Config;
use passerelle::transport::stomp::{Command, Decoded, Decoder, Frame as StompFrame, encode};
use proptest::prelude::*;
use proptest::test_runner::{Config as Cases, TestRunner};

use crate::harness;

/// Feeds `bytes` to a STOMP decoder in pieces cut at `cuts`; every frame read, until an error.
fn decode_in_pieces(bytes: &[u8], cuts: &[usize]) -> Result<Vec<Decoded>, String> {
    let mut decoder = Decoder::new().with_max_frame_bytes(4096);
    let mut out = Vec::new();
    let mut at = 0;
    let mut points: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    points.sort_unstable();
    points.push(bytes.len());
    for p in points {
        decoder.push(&bytes[at.min(p)..p]);
        at = at.max(p);
        loop {
            match decoder.next() {
                Ok(Some(d)) => out.push(d),
                Ok(None) => break,
                Err(e) => return Err(e.to_string()),
            }
        }
    }
    Ok(out)
}

fn stomp_frame() -> impl Strategy<Value = StompFrame> {
    let command =
        prop::sample::select(Command::ALL.into_iter().filter(|c| c.escapes_headers()).collect::<Vec<_>>());
    let text = "[a-z:\\\\\r\n é-]{0,12}";
    let header =
        ("[a-z:\\\\\r\n é-]{1,12}", text).prop_filter("not content-length", |(n, _)| n != "content-length");
    (command, prop::collection::vec(header, 0..5), prop::collection::vec(any::<u8>(), 0..64))
        .prop_map(|(command, headers, body)| StompFrame { command, headers, body: body.into() })
}

#[test]
fn stomp_codec_never_panics_and_round_trips_whatever_the_cuts() {
    let mut runner = TestRunner::new(Cases { cases: 2000, ..Cases::default() });
    // Any bytes, cut anywhere: frames, heart-beats or a clean error; never a panic.
    runner
        .run(
            &(prop::collection::vec(any::<u8>(), 0..512), prop::collection::vec(any::<usize>(), 0..6)),
            |(bytes, cuts)| {
                let _ = decode_in_pieces(&bytes, &cuts);
                Ok(())
            },
        )
        .unwrap();
    // Encoded frames (escapes, NUL in bodies) come back as they were, however they are cut.
    runner
        .run(
            &(prop::collection::vec(stomp_frame(), 1..4), prop::collection::vec(any::<usize>(), 0..6)),
            |(frames, cuts)| {
                let wire: Vec<u8> = frames.iter().flat_map(encode).collect();
                let got = decode_in_pieces(&wire, &cuts).map_err(TestCaseError::fail)?;
                prop_assert_eq!(got.len(), frames.len());
                for (want, got) in frames.iter().zip(got) {
                    let Decoded::Frame(got) = got else { return Err(TestCaseError::fail("a heart-beat")) };
                    prop_assert_eq!(got.command, want.command);
                    prop_assert_eq!(&got.body, &want.body);
                    let headers: Vec<_> =
                        got.headers.into_iter().filter(|(n, _)| n != "content-length").collect();
                    prop_assert_eq!(&headers, &want.headers);
                }
                Ok(())
            },
        )
        .unwrap();
}

#[test]
fn config_parsing_never_panics_on_mangled_configs() {
    let valid = harness::standard_config();
    let mut runner = TestRunner::new(Cases { cases: 1500, ..Cases::default() });
    let edits = prop::collection::vec((any::<usize>(), any::<usize>(), "[ -~\n\u{e9}\u{0}]{0,4}"), 1..6);
    runner
        .run(&edits, |edits| {
            let mut text = valid.clone();
            for (at, cut, insert) in edits {
                let chars: Vec<char> = text.chars().collect();
                let at = at % (chars.len() + 1);
                let end = (at + cut % 8).min(chars.len());
                text = chars[..at]
                    .iter()
                    .chain(insert.chars().collect::<Vec<_>>().iter())
                    .chain(&chars[end..])
                    .collect();
            }
            // Ok or a located error; validation included. Never a panic.
            if let Ok(config) = Config::parse(&text, "fuzz.ron") {
                let _ = config.validate();
            }
            Ok(())
        })
        .unwrap();
    runner
        .run(&"\\PC{0,300}", |text| {
            let _ = Config::parse(&text, "fuzz.ron");
            Ok(())
        })
        .unwrap();
}

// The fuzz harnesses of `crates/fuzzing`, replayed on stable: every file of their corpus
// (`fuzz/corpus/<target>/`, what cargo-fuzz starts from and adds its finds to), then inputs
// mutated from it with a fixed seed. `scripts/fuzz` runs the same harnesses under libFuzzer.

use passerelle_fuzzing::{
    ConfigLoad, Decoders, FlatFiles, Harness, PushEnvelope, Quoalise, RecordSplit, Stomp, replay,
};

fn replays<H: Harness>(mutations: usize) {
    let got = replay::<H>(mutations, 0x5eed);
    assert!(got.corpus >= 3, "{}: a corpus of {} files", H::NAME, got.corpus);
}

#[test]
fn fuzz_corpus_push_envelope_through_the_runtime() {
    replays::<PushEnvelope>(300);
}

#[test]
fn fuzz_corpus_config_loading() {
    replays::<ConfigLoad>(1000);
}

#[test]
fn fuzz_corpus_stomp_codec() {
    replays::<Stomp>(3000);
}

#[test]
fn fuzz_corpus_record_splitters() {
    replays::<RecordSplit>(3000);
}

#[test]
fn fuzz_corpus_flat_files_reader() {
    replays::<FlatFiles>(1000);
}

#[test]
fn fuzz_corpus_quoalise_senml() {
    replays::<Quoalise>(500);
}

#[test]
fn fuzz_corpus_every_decoder() {
    replays::<Decoders>(2000);
}
