//! Runs the plugin's own vectors (`vectors/vectors.jsonl`, compiled in by `build.rs`) and the
//! vendor's vectors (`vectors/ttn/vectors.jsonl`) through the decoder natively, under the one rule (the
//! standard suite of `passerelle-pdk-host`), then the frames the vendor format refuses.

use elvaco::{DecodeError, MODELS, decode_payload};

const CMI4110: &str = "000c06526761020c14978999000b2d0000000b3b0000000a5a33060a5e41050c782911036602fd170000";

fn hex(s: &str) -> Vec<u8> {
    (0..s.len()).step_by(2).filter_map(|i| u8::from_str_radix(s.get(i..i + 2)?, 16).ok()).collect()
}

passerelle_pdk_host::decoder_tests!(
    elvaco::Plugin,
    vendor: "elvaco",
    unsupported_model: (2, &[0u8; 42]),
);

#[test]
fn only_fport_2_carries_the_standard_message() {
    let frame = hex(CMI4110);
    assert!(decode_payload("cmi4110", 2, &frame).is_ok());
    for model in MODELS {
        for port in [0, 1, 3, 100] {
            let got = decode_payload(model, port, &frame);
            assert!(matches!(got, Err(DecodeError::UnknownPort(p)) if p == port), "{model} {port}: {got:?}");
        }
    }
}

#[test]
fn a_message_under_40_bytes_is_too_short() {
    for model in MODELS {
        for n in [0, 1, 39] {
            let got = decode_payload(model, 2, &vec![0u8; n]);
            assert!(matches!(got, Err(DecodeError::TooShort(40))), "{model} {n}: {got:?}");
        }
    }
}

#[test]
fn a_record_cut_at_the_end_is_an_error_not_a_panic() {
    // A lone DIF after the last record: its VIF is missing.
    let mut frame = hex(CMI4110);
    frame.truncate(frame.len() - 5);
    frame.extend([0x0c, 0x78, 0x29, 0x11, 0x03, 0x66, 0x02]);
    assert!(matches!(decode_payload("cmi4110", 2, &frame), Err(DecodeError::TooShort(_))));
    // Every prefix of 40 bytes and more decodes or fails cleanly.
    let full = hex(CMI4110);
    for n in 40..full.len() {
        let _ = decode_payload("cmi4110", 2, &full[..n]);
    }
}
