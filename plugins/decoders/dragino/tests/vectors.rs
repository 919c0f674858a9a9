//! Runs the plugin's own vectors (`vectors/vectors.jsonl`, compiled in by `build.rs`) and the
//! vendor's vectors (`vectors/ttn/vectors.jsonl`) through the decoder natively, under the one rule (the
//! standard suite of `passerelle-pdk-host`), then the tests particular to this vendor.

use dragino::{Guest, Plugin, decode_payload};
use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk_host::hex;

passerelle_pdk_host::decoder_tests!(
    Plugin,
    vendor: "dragino",
    unsupported_model: (2, &[0x01, 0x75, 0x10]),
);

/// Every model answers `UnknownPort` for a port it does not use (the LWL03A and the -LB door,
/// leak, contact and probe models read every port but their datalog, configuration and status
/// ports as a live report, as their vendor decoders do).
#[test]
fn unused_ports_are_unknown_ports() {
    const ANY_PORT: &[&str] = &["lwl03a", "ds03a-lb", "wl03a-lb", "lwl04-lb", "cpl03-lb", "ps-lb"];
    for model in Plugin::describe().models {
        let got = decode_payload(&model, 99, &[0x01; 11]);
        if ANY_PORT.contains(&model.as_str()) {
            assert!(got.is_ok(), "{model}: {got:?}");
        } else {
            assert!(matches!(got, Err(DecodeError::UnknownPort(99))), "{model}: {got:?}");
        }
    }
}

/// Model ids are matched case-insensitively.
#[test]
fn model_ids_ignore_case() {
    let bytes = hex("cbf60b0d0376010add7fff").expect("valid hex");
    assert!(decode_payload("LHT65", 2, &bytes).is_ok());
}
