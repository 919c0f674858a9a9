//! MClimate T-Valve (`t-valve`), a motorised water shut-off valve with flood detection: a
//! 2-byte periodic frame, or a 5-byte status frame and the command records that may follow it.
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
//! A long frame may be followed by command records answering a downlink, which MClimate's own
//! payload parser reads ([`command`]); the TTN decoder ignores them. The TTN decoder reads any
//! frame longer than 2 bytes as a long one and its missing bytes as `NaN`; this plugin refuses
//! a frame of 1, 3 or 4 bytes. A reason code above 4 has no name and is left out.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::common::{self, Handled};

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
        0 | 1 | 3 | 4 => {
            let n = r.remaining();
            return Err(DecodeError::InvalidField(format!(
                "a T-Valve frame is 2 bytes or at least 5, not {n}"
            )));
        }
        _ => {
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
            while !r.is_empty() {
                let offset = r.position();
                let cmd = r.u8()?;
                if !command(cmd, r, out)? {
                    return Err(common::unknown_command(cmd, offset));
                }
            }
        }
    }
    Ok(())
}

/// T-Valve command records after a long frame, as MClimate's payload parser reads them: the
/// shared ones, `13` deviceFloodSensor, `16` joinRetryPeriod (x 5 / 60 min) and `18`
/// uplinkType (uint8 each).
pub fn command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match cmd {
        0x13 => out.plain("deviceFloodSensor", f64::from(r.u8()?)),
        0x16 => out.plain("joinRetryPeriod", f64::from(r.u8()?) * 5.0 / 60.0),
        0x18 => out.plain("uplinkType", f64::from(r.u8()?)),
        other => return common::shared_command(other, r, out),
    }
    Ok(true)
}
