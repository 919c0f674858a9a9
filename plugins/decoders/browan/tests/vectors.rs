//! Runs the plugin's own vectors (`vectors/vectors.jsonl`, compiled in by `build.rs`) and the
//! vendor's vectors (`vectors/ttn/vectors.jsonl`) through the decoder natively, under the one rule (the
//! standard suite of `passerelle-pdk-host`), then the tests particular to this vendor.

use browan::{Guest, Plugin, decode_payload};
use passerelle_pdk::decoder::DecodeError;

passerelle_pdk_host::decoder_tests!(
    Plugin,
    vendor: "browan",
    unsupported_model: (2, &[0x01, 0x75, 0x10]),
);

/// Every model answers `UnknownPort` for a port other than its report port.
#[test]
fn other_ports_are_unknown_ports() {
    for model in Plugin::describe().models {
        let got = decode_payload(&model, 1, &[0x01; 11]);
        assert!(matches!(got, Err(DecodeError::UnknownPort(1))), "{model}: {got:?}");
    }
}
