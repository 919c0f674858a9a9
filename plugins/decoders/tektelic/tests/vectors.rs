//! Runs the plugin's own vectors (`vectors/vectors.jsonl`, compiled in by `build.rs`) and the
//! vendor's vectors (`vectors/ttn/vectors.jsonl`) through the decoder natively, under the one rule (the
//! standard suite of `passerelle-pdk-host`), then the frames the vendor format refuses.

use tektelic::{DecodeError, MODELS, decode_payload};

passerelle_pdk_host::decoder_tests!(
    tektelic::Plugin,
    vendor: "tektelic",
    unsupported_model: (10, &[0x03, 0x67, 0x00, 0x0A]),
);

#[test]
fn other_ports_are_unknown_port() {
    for model in MODELS {
        let outlet = model.starts_with("t000589x") || model.starts_with("t000662x");
        for port in [0u8, 1, 11, 32, 100, 102, 255] {
            if port == 100 && outlet {
                continue;
            }
            let got = decode_payload(model, port, &[0x00, 0xBA, 0x0B, 0xB8]);
            assert!(matches!(got, Err(DecodeError::UnknownPort(p)) if p == port), "{model} {port}: {got:?}");
        }
    }
    // fPort 20 is only the BREEZE-V's; fPort 101 is not the Kona's nor the first outlets'.
    assert!(decode_payload("t0007806-breeze-v", 20, &[0x85, 0, 0, 0, 1]).is_ok());
    for model in ["t00078xx-smart-room-sensor-co2", "t00061xx-comfort", "t000662x-aura"] {
        assert!(matches!(decode_payload(model, 20, &[0x85, 0, 0, 0, 1]), Err(DecodeError::UnknownPort(20))));
    }
    for model in ["t00048xx-smart-room-pir", "t000489x-smart-room-base", "t000589x-ac-switch-gen1"] {
        let got = decode_payload(model, 101, &[1, 0]);
        assert!(matches!(got, Err(DecodeError::UnknownPort(101))), "{model}: {got:?}");
    }
}

#[test]
fn a_block_cut_short_is_too_short_and_an_unknown_header_invalid() {
    // Temperature (2 bytes announced, 1 sent) after a whole humidity block.
    for model in MODELS {
        let got = decode_payload(model, 10, &[0x03, 0x67, 0x01]);
        let fits = matches!(got, Err(DecodeError::TooShort(_)) | Err(DecodeError::InvalidField(_)));
        assert!(fits, "{model}: {got:?}");
    }
    let got = decode_payload("t00061xx-comfort", 10, &[0x04, 0x68, 0x33, 0x03, 0x67, 0x01]);
    assert!(matches!(got, Err(DecodeError::TooShort(_))), "{got:?}");
    // The outlets have no temperature block at all.
    let got = decode_payload("t000589x-ac-outlet-gen1", 10, &[0x03, 0x67, 0x01, 0x26]);
    assert!(matches!(got, Err(DecodeError::InvalidField(_))), "{got:?}");
}

#[test]
fn an_empty_frame_echoes_itself_and_reads_nothing() {
    let got = decode_payload("t00061xx-vivid", 10, &[]).map(|r| r.len());
    assert!(matches!(got, Ok(2)), "raw and port only: {got:?}");
    let got = decode_payload("t00048xx-smart-room-pir", 10, &[]).map(|r| r.len());
    assert!(matches!(got, Ok(0)), "the Kona decoder echoes nothing: {got:?}");
}
