//! Runs the plugin's own vectors (`vectors/vectors.jsonl`, compiled in by `build.rs`) and the
//! vendor's vectors (`vectors/ttn/vectors.jsonl`) through the decoder natively, under the one rule (the
//! standard suite of `passerelle-pdk-host`).

passerelle_pdk_host::decoder_tests!(
    decentlab::Plugin,
    vendor: "decentlab",
    unsupported_model: (1, &[0x01, 0x75, 0x10]),
);
