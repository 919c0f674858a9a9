//! Runs the plugin's own vectors (`vectors/vectors.jsonl`, compiled in by `build.rs`) and the
//! vendor's vectors (`vectors/ttn/vectors.jsonl`) through the decoder natively, under the one rule (the
//! standard suite of `passerelle-pdk-host`), then the frames the vendor format refuses.

use micropelt::{DecodeError, decode_payload};

passerelle_pdk_host::decoder_tests!(
    micropelt::Plugin,
    vendor: "micropelt",
    unsupported_model: (1, &[0x6d, 0x20, 0xb5, 0x03]),
);

#[test]
fn unknown_ports_are_unknown_port() {
    for port in [0, 10, 11, 14, 16, 200] {
        let got = decode_payload("mlr003", port, &[1]);
        assert!(matches!(got, Err(DecodeError::UnknownPort(p)) if p == port), "{got:?}");
    }
    let got = decode_payload("mlrtps1", 2, &[0x6d, 0x20, 0xb5, 0x03]);
    assert!(matches!(got, Err(DecodeError::UnknownPort(2))), "{got:?}");
}

#[test]
fn reports_of_another_length_are_errors() {
    for (port, lengths) in [
        (1u8, &[0usize, 10, 13][..]),
        (2, &[5, 7]),
        (3, &[0, 2]),
        (5, &[1, 3]),
        (7, &[6, 8]),
        (9, &[0, 3]),
        (15, &[0, 2]),
    ] {
        for &n in lengths {
            let got = decode_payload("mlr003", port, &vec![0u8; n]);
            assert!(got.is_err(), "fPort {port}, {n} bytes: {got:?}");
        }
    }
    for n in [0, 3, 5] {
        assert!(decode_payload("mlrtps01", 1, &vec![0u8; n]).is_err(), "{n} bytes");
    }
}
