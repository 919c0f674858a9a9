//! Hostile decoder, for tests only: panics (a trap: unreachable).
//! It decodes normally unless the payload's first byte is 0xFF.
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
#![allow(missing_docs, clippy::panic)]

use passerelle_pdk::decoder::{Batch, DecodeError, Frame, Guest, Metadata, Reading, TestVector, Value};

struct Hostile;

fn normal(frame: &Frame) -> Vec<Reading> {
    vec![Reading {
        name: "len".into(),
        value: Value::Number(frame.payload.len() as f64),
        unit: None,
        time_ms: None,
    }]
}

fn hostile(frame: &Frame) -> Result<Vec<Reading>, DecodeError> {
    let _ = frame;
    panic!("hostile decoder panics on purpose")
}

impl Guest for Hostile {
    fn describe() -> Metadata {
        Metadata { name: "hostile-trap".into(), version: "0.1.0".into(), models: vec!["hostile".into()] }
    }
    fn decode(frame: Frame) -> Result<Vec<Reading>, DecodeError> {
        if frame.payload.first() == Some(&0xFF) { hostile(&frame) } else { Ok(normal(&frame)) }
    }
    fn decode_batch(frames: Vec<Frame>) -> Batch {
        passerelle_pdk::batch(frames.into_iter().map(Self::decode))
    }
    fn vectors() -> Vec<TestVector> {
        Vec::new()
    }
}

#[cfg(target_arch = "wasm32")]
passerelle_pdk::decoder::export_decoder!(Hostile with_types_in passerelle_pdk::decoder);
