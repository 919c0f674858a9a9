//! Passerelle decoder plugin for Micropelt LoRaWAN devices: the MLR003 energy-harvesting
//! thermostatic radiator valve (`mlr003`) and the MLRTPS1 wall room unit with presence
//! detection and a set-point dial (`mlrtps1`, also listed as `mlrtps01`).
//!
//! Format, as the vendor documents it in the TTN device repository (`vendor/micropelt`: the
//! codec files and the device descriptions): the fPort names the report, its bytes are read at
//! fixed offsets. The MLR003's reports are in [`mlr003`]; the MLRTPS1 sends one report on
//! fPort 1, 4 bytes:
//!
//! | byte | reading(s) |
//! |---|---|
//! | 0 | `Ambient_Temperature` = x / 4, °C |
//! | 1 | flags: `PIR_Status` bit 5, `Energy_Storage_Low` bit 4, `Radio_Communication_Error` bit 3, `Radio_Signal_Strength` bit 2, `PIR_Sensor_Failure` bit 1, `Ambient_Temperature_Failure` bit 0 |
//! | 2 | `Storage_Voltage` = x * 0.02, V |
//! | 3 | `Set_Point_Temperature_Value`: the dial as text, `0`, `+1` .. `+5`, `-4` .. `-1` (`0c` .. `0f`), `Freeze Protection 6°` (`ff`); another byte reads `0`, as the vendor decoder does |
//!
//! Names and texts are the vendor decoder's (misspellings included, such as
//! `recailbration_status`, which TTS users see). A report of another length, or another fPort,
//! is an error (`TooShort`, `InvalidField`, `UnknownPort`).

pub mod mlr003;

use passerelle_pdk::{FixedBytes, Readings};

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// Micropelt model ids (TTN device repository, `vendor/micropelt`) this plugin decodes.
pub const MODELS: &[&str] = &["mlr003", "mlrtps1", "mlrtps01"];

/// Decodes the payload of a frame of `model` received on `port`.
pub fn decode_payload(model: &str, port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    match model.trim().to_ascii_lowercase().as_str() {
        "mlr003" => mlr003::decode(port, payload),
        "mlrtps1" | "mlrtps01" => room_unit(port, payload),
        _ => Err(DecodeError::UnsupportedModel(model.to_string())),
    }
}

/// `(byte >> bit) & 1`, as a number.
pub(crate) fn bit(byte: u8, bit: u8) -> f64 {
    f64::from((byte >> bit) & 1)
}

/// The MLRTPS1 report (fPort 1).
fn room_unit(port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    if port != 1 {
        return Err(DecodeError::UnknownPort(port));
    }
    let b = FixedBytes::new(payload);
    b.exactly(4)?;
    let mut out = Readings::new();
    out.number("Ambient_Temperature", f64::from(b.u8(0)?) * 0.25, "Cel");
    let flags = b.u8(1)?;
    out.plain("PIR_Status", bit(flags, 5));
    out.plain("Energy_Storage_Low", bit(flags, 4));
    out.plain("Radio_Communication_Error", bit(flags, 3));
    out.plain("Radio_Signal_Strength", bit(flags, 2));
    out.plain("PIR_Sensor_Failure", bit(flags, 1));
    out.plain("Ambient_Temperature_Failure", bit(flags, 0));
    out.number("Storage_Voltage", f64::from(b.u8(2)?) * 0.02, "V");
    let dial = match b.u8(3)? {
        1 => "+1",
        2 => "+2",
        3 => "+3",
        4 => "+4",
        5 => "+5",
        12 => "-4",
        13 => "-3",
        14 => "-2",
        15 => "-1",
        255 => "Freeze Protection 6°",
        _ => "0",
    };
    out.text("Set_Point_Temperature_Value", dial);
    Ok(out.into_vec())
}

passerelle_pdk::decoder_plugin! {
    name: "micropelt",
    models: MODELS.iter().map(|m| String::from(*m)).collect(),
    decode: |frame| decode_payload(&frame.model, frame.port, &frame.payload),
    vectors: test_vectors(),
}
