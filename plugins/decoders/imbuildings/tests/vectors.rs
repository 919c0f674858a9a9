//! Runs the plugin's own vectors (`vectors/vectors.jsonl`, compiled in by `build.rs`) and the
//! vendor's vectors (`vectors/ttn/vectors.jsonl`) through the decoder natively, under the one rule (the
//! standard suite of `passerelle-pdk-host`), then the frames the vendor format refuses.

use imbuildings::{DecodeError, decode_payload};

passerelle_pdk_host::decoder_tests!(
    imbuildings::Plugin,
    vendor: "imbuildings",
    unsupported_model: (26, &[0, 0x01, 0x0e, 0, 1, 0, 2, 0x20, 0, 3, 0, 4, 5]),
);

const MODEL: &str = "imbuildings-people-counter";

#[test]
fn a_headerless_frame_on_an_unknown_port_is_unknown_port() {
    let got = decode_payload(MODEL, 99, &[1, 2, 3, 4]);
    assert!(matches!(got, Err(DecodeError::UnknownPort(99))), "{got:?}");
    // fPort 1 carries only frames with the IMBuildings header.
    let got = decode_payload(MODEL, 1, &[0x20, 0, 3, 0, 4]);
    assert!(matches!(got, Err(DecodeError::UnknownPort(1))), "{got:?}");
}

#[test]
fn a_port_frame_of_the_wrong_length_is_an_error() {
    for (port, len) in [(13, 7), (26, 13), (27, 5), (28, 4)] {
        for n in [0, len - 1, len + 1] {
            let got = decode_payload(MODEL, port, &vec![0u8; n]);
            assert!(got.is_err(), "fPort {port}, {n} bytes: {got:?}");
        }
    }
}

#[test]
fn a_configuration_answer_with_a_zero_length_record_is_invalid() {
    let got = decode_payload(MODEL, 10, &[0xf1, 0x01, 0x00, 0x1e, 0x0a]);
    assert!(matches!(got, Err(DecodeError::InvalidField(_))), "{got:?}");
    let cut = decode_payload(MODEL, 10, &[0xf1, 0x01, 0x05, 0x1f, 0x01]);
    assert!(matches!(cut, Err(DecodeError::TooShort(_))), "{cut:?}");
    let other = decode_payload(MODEL, 10, &[0xf2, 0x01, 0x03, 0x1e, 0x0a]);
    assert!(matches!(other, Err(DecodeError::InvalidField(_))), "{other:?}");
}
