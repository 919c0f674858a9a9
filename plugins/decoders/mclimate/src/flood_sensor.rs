//! MClimate Flood Sensor (`flood-sensor`): a 2-byte frame, or 3 bytes with a temperature.
//!
//! | byte | field |
//! |---|---|
//! | 0 | bits 7-5: reason (0 keepalive, 1 testButtonPressed, 2 floodDetected, 3 fraudDetected); bit 3: boxTamper; bit 1: flood |
//! | 1 | battery, x 16 / 1000 V |
//! | 2 | temperature, uint8 °C (optional) |
//!
//! A reason code above 3 has no name and is left out, as the vendor decoder leaves it.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

/// Reads a flood-sensor frame.
pub fn decode(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let status = r.u8()?;
    let reason = match status >> 5 {
        0 => Some("keepalive"),
        1 => Some("testButtonPressed"),
        2 => Some("floodDetected"),
        3 => Some("fraudDetected"),
        _ => None,
    };
    if let Some(reason) = reason {
        out.text("reason", reason);
    }
    out.boolean("boxTamper", status & 0x08 != 0);
    out.boolean("flood", status & 0x02 != 0);
    out.number("battery", f64::from(r.u8()?) * 16.0 / 1000.0, "V");
    if !r.is_empty() {
        out.number("temperature", f64::from(r.u8()?), "Cel");
    }
    Ok(())
}
