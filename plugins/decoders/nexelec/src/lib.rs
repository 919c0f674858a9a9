//! Passerelle decoder plugin for Nexelec LoRaWAN devices (French makers of indoor air-quality
//! sensors, smoke detectors and radiator valves):
//!
//! | model ids | product | module |
//! |---|---|---|
//! | `feel`, `rise`, `move`, `sign`, `wave` | room sensors (temperature, humidity, CO2, VOC, light, noise, presence) | [`room`] |
//! | `origin`, `origin-plus`, `guard`, `guard-plus` | smoke detectors (with temperature and humidity on the `-plus` models) | [`smoke`] |
//! | `carbon` | the earlier Insafe Carbon CO2 sensor | [`carbon`] |
//! | `flow-core`, `flow-pro` | thermostatic radiator valves | [`flow`] |
//!
//! Format, as Nexelec documents it (the frame references of github.com/nexelec/Decoders and the
//! device descriptions and codec files of the TTN device repository, `vendor/nexelec`): every
//! frame starts with a product byte and a message type, then fields packed bit by bit, most
//! significant bit first, across byte boundaries. Each module lists its fields as
//! `(first bit, width)`; [`bits`] reads one. The fPort carries no meaning.
//!
//! Reading names are those the vendor's TTN decoders give (The Things Stack shows them): a
//! measurement is an object `{value, unit}`, so it comes out as `<name>.value` (with its SenML
//! unit) and `<name>.unit` (the vendor's unit text); a sensor fault replaces the object with a
//! text (`temperature` = `Error`); states are the vendor's texts, spelling included
//! (`Deconnected sensor`). A frame shorter than its message is `TooShort`; an unknown message
//! type is `InvalidField`.

pub mod carbon;
pub mod flow;
pub mod room;
pub mod smoke;

use passerelle_pdk::{FixedBytes, Readings};

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// Nexelec model ids (TTN device repository, `vendor/nexelec`) this plugin decodes.
pub const MODELS: &[&str] = &[
    "carbon",
    "feel",
    "flow-core",
    "flow-pro",
    "guard",
    "guard-plus",
    "move",
    "origin",
    "origin-plus",
    "rise",
    "sign",
    "wave",
];

/// Decodes the payload of a frame of `model` (the fPort is not used by Nexelec frames).
pub fn decode_payload(model: &str, _port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let b = FixedBytes::new(payload);
    match model.trim().to_ascii_lowercase().as_str() {
        "feel" | "rise" | "move" | "sign" | "wave" => room::decode(&b),
        "origin" | "origin-plus" | "guard" | "guard-plus" => smoke::decode(&b),
        "carbon" => carbon::decode(&b),
        "flow-core" | "flow-pro" => flow::decode(&b),
        _ => Err(DecodeError::UnsupportedModel(model.to_string())),
    }
}

/// `width` bits (at most 32) starting `start` bits into the payload, most significant bit
/// first; `TooShort` when they run past its end.
pub fn bits(b: &FixedBytes<'_>, start: usize, width: usize) -> Result<u32, DecodeError> {
    let mut v: u32 = 0;
    for i in start..start + width {
        let byte = b.u8(i / 8)?;
        v = (v << 1) | u32::from((byte >> (7 - i % 8)) & 1);
    }
    Ok(v)
}

/// The field `(start, width)` as a number.
pub(crate) fn field(b: &FixedBytes<'_>, (start, width): (usize, usize)) -> Result<f64, DecodeError> {
    bits(b, start, width).map(f64::from)
}

/// `TooShort` unless the payload holds `n_bits` bits.
pub(crate) fn need(b: &FixedBytes<'_>, n_bits: usize) -> Result<(), DecodeError> {
    b.require(n_bits.div_ceil(8))
}

/// JavaScript's `Math.round`: halves go up (`-2.5` -> `-2`).
pub(crate) fn js_round(x: f64) -> f64 {
    (x + 0.5).floor()
}

/// A vendor `{value, unit}` object: `<path>.value` (with its SenML unit when it has one) and
/// `<path>.unit` (the vendor's unit text).
pub(crate) fn quantity(out: &mut Readings, path: &str, value: f64, vendor_unit: &str, unit: Option<&str>) {
    let name = format!("{path}.value");
    match unit {
        Some(u) => out.number(&name, value, u),
        None => out.plain(&name, value),
    }
    out.text(&format!("{path}.unit"), vendor_unit);
}

/// The text `table[index]`; nothing when the table has no such entry (the vendor decoder's
/// `undefined`, which drops the key).
pub(crate) fn pick(out: &mut Readings, name: &str, table: &[&str], index: f64) {
    // Indexes come from bit fields of at most 32 bits: exact as f64, never negative.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let i = index as usize;
    if let Some(text) = table.get(i) {
        out.text(name, text);
    }
}

passerelle_pdk::decoder_plugin! {
    name: "nexelec",
    models: MODELS.iter().map(|m| String::from(*m)).collect(),
    decode: |frame| decode_payload(&frame.model, frame.port, &frame.payload),
    vectors: test_vectors(),
}
