//! Runs the plugin's own vectors (`vectors/vectors.jsonl`, compiled in by `build.rs`) and the
//! vendor's vectors (`vectors/ttn/vectors.jsonl`) through the decoder natively, under the one rule (the
//! standard suite of `passerelle-pdk-host`).

passerelle_pdk_host::decoder_tests!(
    mclimate::Plugin,
    vendor: "mclimate",
    unsupported_model: (2, &[0x01, 0x02, 0x01, 0x1e, 0x01]),
);
