//! Decoder for tests only: it decodes `len` = payload length, but its own test vector expects
//! 999, so the runtime must refuse to load it.
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#![allow(missing_docs)]

use passerelle_pdk::decoder::{
    Batch, DecodeError, Expectation, ExpectedReading, Frame, Guest, Metadata, Reading, TestVector, Value,
};

struct BadVectors;

impl Guest for BadVectors {
    fn describe() -> Metadata {
        Metadata { name: "bad-vectors".into(), version: "0.1.0".into(), models: vec!["hostile".into()] }
    }
    fn decode(frame: Frame) -> Result<Vec<Reading>, DecodeError> {
        Ok(vec![Reading {
            name: "len".into(),
            value: Value::Number(frame.payload.len() as f64),
            unit: None,
            time_ms: None,
        }])
    }
    fn decode_batch(frames: Vec<Frame>) -> Batch {
        passerelle_pdk::batch(frames.into_iter().map(Self::decode))
    }
    fn vectors() -> Vec<TestVector> {
        vec![TestVector {
            description: "two bytes give len 999 (wrong on purpose)".into(),
            frame: Frame {
                device: "vector".into(),
                model: "hostile".into(),
                port: 1,
                payload: vec![1, 2],
                received_ms: 0,
                firmware: None,
            },
            expect: Expectation::Readings(vec![ExpectedReading {
                name: "len".into(),
                value: Value::Number(999.0),
            }]),
        }]
    }
}

#[cfg(target_arch = "wasm32")]
passerelle_pdk::decoder::export_decoder!(BadVectors with_types_in passerelle_pdk::decoder);
