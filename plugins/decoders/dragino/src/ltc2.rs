//! LTC2 temperature transmitter, two PT100 / thermocouple channels
//! (`vendor/dragino/ltc2.js`).
//!
//! fPort 2 (11 bytes); byte 2 bit 6 marks a reply to a datalog poll, which the vendor decoder
//! leaves empty (no readings here either); otherwise:
//!
//! | bytes | name | value |
//! |---|---|---|
//! | 0-1 | BatV | bits 13-0 mV as V |
//! | 2 | Ext | bits 3-0, the probe type |
//! | 3-6 | Temp_Channel1, Temp_Channel2 | Ext 1: int16 / 100 °C; Ext 2: int16 / 10 °C |
//! | 3-6 | Res_Channel1, Res_Channel2 | Ext 3: u16 / 100 ohm |
//! | 7-10 | Systimestamp | int32 Unix seconds, as a number |

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Battery, Bytes};

/// Model ids of the family.
pub const MODELS: &[&str] = &["ltc2"];

/// Decodes an LTC2 frame received on `port`.
pub fn decode(port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    if port != 2 {
        return Err(DecodeError::UnknownPort(port));
    }
    b.require(11)?;
    let ext_byte = b.u8(2)?;
    if ext_byte & 0x40 != 0 {
        return Ok(());
    }
    let ext = ext_byte & 0x0f;
    out.plain("Ext", f64::from(ext));
    out.number("BatV", b.battery(0)?, "V");
    match ext {
        1 => {
            out.number("Temp_Channel1", f64::from(b.i16_be(3)?) / 100.0, "Cel");
            out.number("Temp_Channel2", f64::from(b.i16_be(5)?) / 100.0, "Cel");
        }
        2 => {
            out.number("Temp_Channel1", f64::from(b.i16_be(3)?) / 10.0, "Cel");
            out.number("Temp_Channel2", f64::from(b.i16_be(5)?) / 10.0, "Cel");
        }
        3 => {
            out.number("Res_Channel1", f64::from(b.u16_be(3)?) / 100.0, "Ohm");
            out.number("Res_Channel2", f64::from(b.u16_be(5)?) / 100.0, "Ohm");
        }
        _ => {}
    }
    out.plain("Systimestamp", f64::from(b.i32_be(7)?));
    Ok(())
}
