//! Passerelle decoder plugin for Elsys LoRaWAN sensors (ERS, EMS, ELT families).
//!
//! Every Elsys model uses the same payload: a sequence of one type byte followed by a
//! big-endian value whose length the type fixes. Reading names and scales follow the vendor's
//! reference decoder (`vendor/elsys/elsys.js` in the TTN device repository):
//!
//! | type | name(s) | value |
//! |---|---|---|
//! | `01` | temperature | int16 / 10, °C |
//! | `02` | humidity | uint8, %RH |
//! | `03` | x, y, z | 3 x int8 acceleration (63 = 1 g) |
//! | `04` | light | uint16, lux |
//! | `05` | motion | uint8 PIR count |
//! | `06` | co2 | uint16, ppm |
//! | `07` | vdd | uint16, mV |
//! | `08` | analog1 | uint16, mV |
//! | `09` | lat, long | 2 x uint24 (raw) |
//! | `0a` | pulse1 | uint16 relative count |
//! | `0b` | pulseAbs | 32-bit absolute count |
//! | `0c` | externalTemperature | int16 / 10, °C |
//! | `0d` | digital | uint8 |
//! | `0e` | distance | uint16, mm |
//! | `0f` | accMotion | uint8 count |
//! | `10` | irInternalTemperature, irExternalTemperature | 2 x int16 / 10, °C |
//! | `11` | occupancy | uint8 (0 none, 1 motion, 2 occupied) |
//! | `12` | waterleak | uint8 |
//! | `13` | grideye.0 .. grideye.63 | uint8 reference + 64 x uint8 tenths, °C |
//! | `14` | pressure | 32-bit / 1000, hPa |
//! | `15` | soundPeak, soundAvg | 2 x uint8, dB |
//! | `16` | pulse2 | uint16 relative count |
//! | `17` | pulseAbs2 | 32-bit absolute count |
//! | `18` | analog2 | uint16, mV |
//! | `19` | externalTemperature2 | int16 / 10, °C; repeated, it becomes an array |
//! | `1a` | digital2 | uint8 |
//! | `1b` | analogUv | int32, µV |
//! | `1c` | tvoc | uint16, ppb |
//!
//! Types of the newer sensor generations (ERS2, EMS2, the ECO and display models; Elsys's
//! payload document, not in the TTN codec, which stops at them):
//!
//! | type | name(s) | value |
//! |---|---|---|
//! | `1d` | iaq | uint8 indoor air quality index |
//! | `1e` | genericBool | uint8, boolean (non-zero true) |
//! | `1f` | genericInt8 | int8 |
//! | `20` | genericInt16 | int16 |
//! | `21` | view | uint8, the display's active view |
//! | `22` | setpoint | int16 / 10, °C (thermostat set point) |
//! | `23` | speed | uint8 fan speed step |
//! | `24` | externalHumidity | uint8, %RH |
//! | `3b` | (none) | a length byte and that many opaque bytes, skipped |
//! | `3c` | crc | uint32 |
//! | `3d` | debug | uint32 (the TTN codec names the type, 4 bytes) |
//!
//! A payload starting with `3e` is the answer to a settings request ([`settings`]).
//!
//! A type repeated in a frame keeps its last value (except `19`, which the vendor decoder
//! collects into `externalTemperature2.0`, `.1`, ...). The 32-bit values (`0b`, `14`, `17`,
//! `1b`) are read as signed, as the vendor decoder's bitwise arithmetic does. An unknown type
//! is an `InvalidField` error (the vendor decoder silently stops there) and a value cut short
//! is `TooShort`. The fPort is not used.

pub mod settings;

use passerelle_pdk::{Reader, Readings};

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// Elsys model ids (TTN device repository, `vendor/elsys`) this plugin decodes; all share the
/// payload format.
pub const MODELS: &[&str] = &[
    "ers",
    "ers-co2",
    "ers-co2-lite",
    "ers-lite",
    "ers-eye",
    "ers-desk",
    "ers-sound",
    "ers-voc",
    "ers-grideye",
    "ems",
    "ems-desk",
    "ems-door",
    "ems-lite",
    "elt-2",
    "elt2",
    "elt-lite",
    "elt-ultrasonic",
];

/// Decodes the payload of a frame of `model`.
pub fn decode_payload(model: &str, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let id = model.trim().to_ascii_lowercase();
    if !MODELS.contains(&id.as_str()) {
        return Err(DecodeError::UnsupportedModel(model.to_string()));
    }
    if payload.first() == Some(&settings::HEADER) {
        return settings::decode(payload);
    }
    let mut out = Readings::new();
    let mut ext_temp2: Vec<f64> = Vec::new();
    let mut r = Reader::new(payload);
    while !r.is_empty() {
        let offset = r.position();
        match r.u8()? {
            0x01 => out.number("temperature", f64::from(r.i16_be()?) / 10.0, "Cel"),
            0x02 => out.number("humidity", f64::from(r.u8()?), "%RH"),
            0x03 => {
                let (x, y, z) = (r.i8()?, r.i8()?, r.i8()?);
                out.plain("x", f64::from(x));
                out.plain("y", f64::from(y));
                out.plain("z", f64::from(z));
            }
            0x04 => out.number("light", f64::from(r.u16_be()?), "lx"),
            0x05 => out.number("motion", f64::from(r.u8()?), "count"),
            0x06 => out.number("co2", f64::from(r.u16_be()?), "ppm"),
            0x07 => out.number("vdd", f64::from(r.u16_be()?), "mV"),
            0x08 => out.number("analog1", f64::from(r.u16_be()?), "mV"),
            0x09 => {
                let (lat, long) = (r.u24_be()?, r.u24_be()?);
                out.plain("lat", f64::from(lat));
                out.plain("long", f64::from(long));
            }
            0x0a => out.number("pulse1", f64::from(r.u16_be()?), "count"),
            0x0b => out.number("pulseAbs", f64::from(r.i32_be()?), "count"),
            0x0c => out.number("externalTemperature", f64::from(r.i16_be()?) / 10.0, "Cel"),
            0x0d => out.plain("digital", f64::from(r.u8()?)),
            0x0e => out.number("distance", f64::from(r.u16_be()?), "mm"),
            0x0f => out.number("accMotion", f64::from(r.u8()?), "count"),
            0x10 => {
                let (internal, external) = (r.i16_be()?, r.i16_be()?);
                out.number("irInternalTemperature", f64::from(internal) / 10.0, "Cel");
                out.number("irExternalTemperature", f64::from(external) / 10.0, "Cel");
            }
            0x11 => out.plain("occupancy", f64::from(r.u8()?)),
            0x12 => out.plain("waterleak", f64::from(r.u8()?)),
            0x13 => {
                let reference = f64::from(r.u8()?);
                for (j, b) in r.take(64)?.iter().enumerate() {
                    out.number(&format!("grideye.{j}"), reference + f64::from(*b) / 10.0, "Cel");
                }
            }
            0x14 => out.number("pressure", f64::from(r.i32_be()?) / 1000.0, "hPa"),
            0x15 => {
                let (peak, avg) = (r.u8()?, r.u8()?);
                out.number("soundPeak", f64::from(peak), "dB");
                out.number("soundAvg", f64::from(avg), "dB");
            }
            0x16 => out.number("pulse2", f64::from(r.u16_be()?), "count"),
            0x17 => out.number("pulseAbs2", f64::from(r.i32_be()?), "count"),
            0x18 => out.number("analog2", f64::from(r.u16_be()?), "mV"),
            0x19 => ext_temp2.push(f64::from(r.i16_be()?) / 10.0),
            0x1a => out.plain("digital2", f64::from(r.u8()?)),
            0x1b => out.number("analogUv", f64::from(r.i32_be()?), "uV"),
            0x1c => out.number("tvoc", f64::from(r.u16_be()?), "ppb"),
            0x1d => out.plain("iaq", f64::from(r.u8()?)),
            0x1e => out.boolean("genericBool", r.u8()? != 0),
            0x1f => out.plain("genericInt8", f64::from(r.i8()?)),
            0x20 => out.plain("genericInt16", f64::from(r.i16_be()?)),
            0x21 => out.plain("view", f64::from(r.u8()?)),
            0x22 => out.number("setpoint", f64::from(r.i16_be()?) / 10.0, "Cel"),
            0x23 => out.plain("speed", f64::from(r.u8()?)),
            0x24 => out.number("externalHumidity", f64::from(r.u8()?), "%RH"),
            0x3b => {
                let len = usize::from(r.u8()?);
                r.skip(len)?;
            }
            0x3c => out.plain("crc", f64::from(r.u32_be()?)),
            0x3d => out.plain("debug", f64::from(r.u32_be()?)),
            other => {
                return Err(DecodeError::InvalidField(format!(
                    "unknown type 0x{other:02x} at offset {offset}"
                )));
            }
        }
    }
    match ext_temp2.as_slice() {
        [] => {}
        [single] => out.number("externalTemperature2", *single, "Cel"),
        many => {
            for (j, t) in many.iter().enumerate() {
                out.number(&format!("externalTemperature2.{j}"), *t, "Cel");
            }
        }
    }
    Ok(out.into_vec())
}

passerelle_pdk::decoder_plugin! {
    name: "elsys",
    models: MODELS.iter().map(|m| String::from(*m)).collect(),
    decode: |frame| decode_payload(&frame.model, &frame.payload),
    vectors: test_vectors(),
}
