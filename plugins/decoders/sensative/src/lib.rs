//! Passerelle decoder plugin for Sensative Strips LoRaWAN sensors (Comfort, Drip, Guard,
//! Presence, Multi).
//!
//! Every Strips model speaks one format. fPort 1 carries the current values: a big-endian
//! uint16 history sequence number (`historySeqNr`, `0xffff` when the strip keeps no history),
//! then records of one type byte and a value whose length the type fixes. Bit 7 of the type
//! byte marks a record that was also stored in the history; each one lowers `prevHistSeqNr`
//! (which starts at `historySeqNr`) by one. fPort 2 carries history: a uint16 sequence number,
//! then records of a uint32 "seconds ago", a type byte and its value, written as
//! `history.<seq>.*` with `history.<seq>.timeStamp` and `history.now` as UTC date text taken
//! from the frame's receive time (the plugin has no other clock), each numbered one up.
//!
//! | type (bits 0-6) | name(s) | value |
//! |---|---|---|
//! | `00` | (`emptyFrame`, no value) | - |
//! | `01` | battery | uint8, % |
//! | `02` | temperature.value | int16 / 10, °C |
//! | `03` | tempAlarm.highAlarm, tempAlarm.lowAlarm | bits 0, 1 |
//! | `04` | averageTemperature.value | int16 / 10, °C |
//! | `05` | avgTempAlarm.highAlarm, avgTempAlarm.lowAlarm | bits 0, 1 |
//! | `06` | humidity.value | uint8 / 2, %RH |
//! | `07`, `08` | lux.value, lux2.value | uint16, lux |
//! | `09` | door.value | bool (true = closed) |
//! | `0a` | doorAlarm.value | bool |
//! | `0b`, `0c` | tamperReport.value, tamperAlarm.value | bool |
//! | `0d`, `0e` | flood.value (uint8, % wetness), floodAlarm.value (bool) | |
//! | `0f` | oilAlarm.value (uint8), foilAlarm.value (bool) | |
//! | `10` | userSwitch1Alarm.value | bool |
//! | `11` | doorCount.value | uint16 count |
//! | `12` | presence.value | bool |
//! | `13`, `14` | IRproximity.value, IRcloseproximity.value | uint16 |
//! | `15` | closeProximityAlarm.value | bool |
//! | `16` | disinfectAlarm.value, disinfectAlarm.state | uint8; dirty, occupied, cleaning, clean |
//! | `50` | humidity.value, temperature | uint8 / 2 %RH, int16 / 10 °C |
//! | `51` | humidity.value, averageTemperature.value | uint8 / 2 %RH, int16 / 10 °C |
//! | `52` | door.value, temperature | bool, int16 / 10 °C |
//! | `6e` | (skipped) | 8 bytes |
//! | `70`, `71`, `72` | capacitanceFlood.value, capacitancePad.value, capacitanceEnd.value | uint16 |
//!
//! Names follow the vendor's reference decoder (`vendor/sensative/strips.js` in the TTN device
//! repository), including its quirks: `battery` is a bare number, and the combined records
//! `50` and `52` write `temperature` as a bare number where record `02` writes
//! `temperature.value`. A record assigns a fresh object, so a later record of the same name
//! replaces what an earlier one wrote. Where this plugin differs: an unknown record type is an
//! `InvalidField` error (the vendor decoder reads the next byte as a type again), a value cut
//! short is `TooShort` (it reads `undefined`), and an fPort other than 1 and 2 is
//! `UnknownPort` (it returns an empty object).

pub mod fields;
pub mod time;

use passerelle_pdk::Reader;

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

use crate::fields::{Fields, join};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// Model ids this plugin decodes: `strips`, the TTN device-repository id (`vendor/sensative`),
/// and the Strips product names, which share its format.
pub const MODELS: &[&str] =
    &["strips", "strips-comfort", "strips-drip", "strips-guard", "strips-presence", "strips-multi"];

fn temperature(r: &mut Reader) -> Result<f64, DecodeError> {
    Ok(f64::from(r.i16_be()?) / 10.0)
}

fn flag(r: &mut Reader) -> Result<bool, DecodeError> {
    Ok(r.u8()? != 0)
}

/// Writes `<prefix>.<name>.value` as a fresh object.
fn object_number(out: &mut Fields, prefix: &str, name: &str, value: f64, unit: Option<&str>) {
    let path = join(prefix, name);
    out.clear(&path);
    let leaf = join(&path, "value");
    match unit {
        Some(u) => out.number(&leaf, value, u),
        None => out.plain(&leaf, value),
    }
}

fn object_bool(out: &mut Fields, prefix: &str, name: &str, value: bool) {
    let path = join(prefix, name);
    out.clear(&path);
    out.boolean(&join(&path, "value"), value);
}

/// Writes `<prefix>.<name>` as a bare number, replacing any object of that name.
fn bare_number(out: &mut Fields, prefix: &str, name: &str, value: f64, unit: &str) {
    let path = join(prefix, name);
    out.clear(&path);
    out.number(&path, value, unit);
}

fn alarm_pair(out: &mut Fields, prefix: &str, name: &str, bits: u8) {
    let path = join(prefix, name);
    out.clear(&path);
    out.boolean(&join(&path, "highAlarm"), bits & 0x01 != 0);
    out.boolean(&join(&path, "lowAlarm"), bits & 0x02 != 0);
}

/// Reads the value of one record of type `ty` into the object at `prefix` (`""` for the top
/// level, `history.<seq>` for a history record). Only bits 0-6 of `ty` select the record; bit 7
/// (also stored in the history) is the caller's concern.
pub fn record(ty: u8, r: &mut Reader, out: &mut Fields, prefix: &str) -> Result<(), DecodeError> {
    let p = prefix;
    match ty & 0x7f {
        0 => out.clear(&join(p, "emptyFrame")),
        1 => bare_number(out, p, "battery", f64::from(r.u8()?), "%"),
        2 => object_number(out, p, "temperature", temperature(r)?, Some("Cel")),
        3 => alarm_pair(out, p, "tempAlarm", r.u8()?),
        4 => object_number(out, p, "averageTemperature", temperature(r)?, Some("Cel")),
        5 => alarm_pair(out, p, "avgTempAlarm", r.u8()?),
        6 => object_number(out, p, "humidity", f64::from(r.u8()?) / 2.0, Some("%RH")),
        7 => object_number(out, p, "lux", f64::from(r.u16_be()?), Some("lx")),
        8 => object_number(out, p, "lux2", f64::from(r.u16_be()?), Some("lx")),
        9 => object_bool(out, p, "door", flag(r)?),
        10 => object_bool(out, p, "doorAlarm", flag(r)?),
        11 => object_bool(out, p, "tamperReport", flag(r)?),
        12 => object_bool(out, p, "tamperAlarm", flag(r)?),
        13 => object_number(out, p, "flood", f64::from(r.u8()?), Some("%")),
        14 => object_bool(out, p, "floodAlarm", flag(r)?),
        15 => {
            let raw = r.u8()?;
            object_number(out, p, "oilAlarm", f64::from(raw), None);
            // Kept by the vendor for older strips.
            object_bool(out, p, "foilAlarm", raw != 0);
        }
        16 => object_bool(out, p, "userSwitch1Alarm", flag(r)?),
        17 => object_number(out, p, "doorCount", f64::from(r.u16_be()?), Some("count")),
        18 => object_bool(out, p, "presence", flag(r)?),
        19 => object_number(out, p, "IRproximity", f64::from(r.u16_be()?), None),
        20 => object_number(out, p, "IRcloseproximity", f64::from(r.u16_be()?), None),
        21 => object_bool(out, p, "closeProximityAlarm", flag(r)?),
        22 => {
            let raw = r.u8()?;
            object_number(out, p, "disinfectAlarm", f64::from(raw), None);
            let state = match raw {
                0 => Some("dirty"),
                1 => Some("occupied"),
                2 => Some("cleaning"),
                3 => Some("clean"),
                _ => None,
            };
            if let Some(state) = state {
                out.text(&join(&join(p, "disinfectAlarm"), "state"), state.to_string());
            }
        }
        80 => {
            object_number(out, p, "humidity", f64::from(r.u8()?) / 2.0, Some("%RH"));
            bare_number(out, p, "temperature", temperature(r)?, "Cel");
        }
        81 => {
            object_number(out, p, "humidity", f64::from(r.u8()?) / 2.0, Some("%RH"));
            object_number(out, p, "averageTemperature", temperature(r)?, Some("Cel"));
        }
        82 => {
            object_bool(out, p, "door", flag(r)?);
            bare_number(out, p, "temperature", temperature(r)?, "Cel");
        }
        110 => r.skip(8)?,
        112 => object_number(out, p, "capacitanceFlood", f64::from(r.u16_be()?), None),
        113 => object_number(out, p, "capacitancePad", f64::from(r.u16_be()?), None),
        114 => object_number(out, p, "capacitanceEnd", f64::from(r.u16_be()?), None),
        other => {
            return Err(DecodeError::InvalidField(format!(
                "unknown record type 0x{other:02x} at offset {}",
                r.position().saturating_sub(1)
            )));
        }
    }
    Ok(())
}

/// fPort 1: sequence number, then current-value records.
fn current(r: &mut Reader, out: &mut Fields) -> Result<(), DecodeError> {
    let seq = f64::from(r.u16_be()?);
    out.plain("historySeqNr", seq);
    let mut prev = seq;
    while !r.is_empty() {
        let ty = r.u8()?;
        if ty & 0x80 != 0 {
            prev -= 1.0;
        }
        record(ty, r, out, "")?;
    }
    out.plain("prevHistSeqNr", prev);
    Ok(())
}

/// fPort 2: sequence number, then history records (`seconds ago`, type, value).
fn history(r: &mut Reader, out: &mut Fields, now_ms: i64) -> Result<(), DecodeError> {
    let mut seq = u32::from(r.u16_be()?);
    while !r.is_empty() {
        let prefix = format!("history.{seq}");
        out.clear(&prefix);
        out.text("history.now", time::utc_string(now_ms));
        // The vendor decoder assembles the 4 bytes with `<<`, a signed 32-bit result.
        let seconds_ago = i64::from(r.i32_be()?);
        let at = now_ms.saturating_sub(seconds_ago.saturating_mul(1000));
        out.text(&join(&prefix, "timeStamp"), time::utc_string(at));
        let ty = r.u8()?;
        record(ty, r, out, &prefix)?;
        out.stamp(&prefix, at);
        seq = seq.saturating_add(1);
    }
    Ok(())
}

/// Decodes a frame of `model` received on `port` at `received_ms` (the clock of the history
/// timestamps).
pub fn decode_payload(
    model: &str,
    port: u8,
    received_ms: i64,
    payload: &[u8],
) -> Result<Vec<Reading>, DecodeError> {
    let id = model.trim().to_ascii_lowercase();
    if !MODELS.contains(&id.as_str()) {
        return Err(DecodeError::UnsupportedModel(model.to_string()));
    }
    let mut out = Fields::new();
    let mut r = Reader::new(payload);
    match port {
        1 => current(&mut r, &mut out)?,
        2 => history(&mut r, &mut out, received_ms)?,
        other => return Err(DecodeError::UnknownPort(other)),
    }
    Ok(out.into_vec())
}

passerelle_pdk::decoder_plugin! {
    name: "sensative",
    models: MODELS.iter().map(|m| String::from(*m)).collect(),
    decode: |frame| decode_payload(&frame.model, frame.port, frame.received_ms, &frame.payload),
    vectors: test_vectors(),
}
