//! MClimate T-Valve (`t-valve`), a motorised water shut-off valve with flood detection: a
//! 2-byte periodic frame or a 5-byte status frame, no command records.
//!
//! | frame | byte | field |
//! |---|---|---|
//! | short | 0 | waterTemp, x / 2 °C (reason `keepalive`) |
//! | short | 1 | bit 7: valveState; bits 6-0: ambientTemp, (x - 20) / 2 °C |
//! | long | 0 | bits 7-5: reason (keepalive, testButtonPressed, floodDetected, controlButtonPressed, fraudDetected); bit 3 boxTamper; bit 2 floodDetectionWireState; bit 1 flood; bit 0 magnet |
//! | long | 1 | bit 7 alarmValidated; bit 6 manualOpenIndicator; bit 5 manualCloseIndicator |
//! | long | 2, 3 | closeTime, openTime, uint8 |
//! | long | 4 | battery, (x 8 + 1600) / 1000 V |
//!
//! The vendor decoder reads any frame longer than 2 bytes as a long one and its missing bytes
//! as `NaN`; this plugin takes 2 or 5 bytes and refuses other lengths. A reason code above 4
//! has no name and is left out.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::common;

/// Reads a T-Valve frame.
pub fn decode(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    match r.remaining() {
        2 => {
            out.text("reason", "keepalive");
            out.number("waterTemp", f64::from(r.u8()?) / 2.0, "Cel");
            let b1 = r.u8()?;
            out.boolean("valveState", b1 & 0x80 != 0);
            out.number("ambientTemp", (f64::from(b1 & 0x7f) - 20.0) / 2.0, "Cel");
        }
        5 => {
            let (b0, b1) = (r.u8()?, r.u8()?);
            let reason = match b0 >> 5 {
                0 => Some("keepalive"),
                1 => Some("testButtonPressed"),
                2 => Some("floodDetected"),
                3 => Some("controlButtonPressed"),
                4 => Some("fraudDetected"),
                _ => None,
            };
            if let Some(reason) = reason {
                out.text("reason", reason);
            }
            let bit = |byte: u8, n: u8| (byte >> n) & 1 == 1;
            out.boolean("boxTamper", bit(b0, 3));
            out.boolean("floodDetectionWireState", bit(b0, 2));
            out.boolean("flood", bit(b0, 1));
            out.boolean("magnet", bit(b0, 0));
            out.boolean("alarmValidated", bit(b1, 7));
            out.boolean("manualOpenIndicator", bit(b1, 6));
            out.boolean("manualCloseIndicator", bit(b1, 5));
            out.plain("closeTime", f64::from(r.u8()?));
            out.plain("openTime", f64::from(r.u8()?));
            out.number("battery", common::battery_8mv(r.u8()?), "V");
        }
        n => return Err(DecodeError::InvalidField(format!("a T-Valve frame is 2 or 5 bytes, not {n}"))),
    }
    Ok(())
}
