//! LMDS200 microwave radar distance sensor (`vendor/dragino/lmds200.js`).
//!
//! fPort 2 (7 bytes):
//!
//! | bytes | name | value |
//! |---|---|---|
//! | 0-1 | Bat | u16 mV as V |
//! | 2-3, 4-5 | dis1, dis2 | u16, the two targets' distances in cm |
//! | 6 | DALARM_count (bits 7-2), Distance_alarm (bit 1), Interrupt_alarm (bit 0) | |
//!
//! fPort 4 is the configuration: TDC (u24), ATDC (byte 3), Alarm_min, Alarm_max (u16 at 4, 6),
//! Interrupt (byte 8). fPort 5 is the device status: SENSOR_MODEL (`LMDS200` for code 0x0C),
//! Ver (the firmware word's hexadecimal digits read as a decimal number, `0x0100` is 100, as
//! the vendor decoder's `parseInt` reads them), FREQUENCY_BAND, Sub_band (the byte as a
//! number), BAT (u16 mV as V).

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Bytes, frequency_band};

/// Model ids of the family.
pub const MODELS: &[&str] = &["lmds200"];

/// Decodes an LMDS200 frame received on `port`.
pub fn decode(port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match port {
        2 => {
            b.require(7)?;
            let flags = b.u8(6)?;
            out.number("Bat", f64::from(b.u16_be(0)?) / 1000.0, "V");
            out.number("dis1", f64::from(b.u16_be(2)?), "cm");
            out.number("dis2", f64::from(b.u16_be(4)?), "cm");
            out.plain("DALARM_count", f64::from(flags >> 2));
            out.plain("Distance_alarm", f64::from((flags >> 1) & 0x01));
            out.plain("Interrupt_alarm", f64::from(flags & 0x01));
            Ok(())
        }
        4 => {
            b.require(9)?;
            out.plain("TDC", f64::from(b.u24_be(0)?));
            out.plain("ATDC", f64::from(b.u8(3)?));
            out.plain("Alarm_min", f64::from(b.u16_be(4)?));
            out.plain("Alarm_max", f64::from(b.u16_be(6)?));
            out.plain("Interrupt", f64::from(b.u8(8)?));
            Ok(())
        }
        5 => {
            b.require(7)?;
            if b.u8(0)? == 0x0c {
                out.text("SENSOR_MODEL", "LMDS200");
            }
            if let Some(version) = hex_digits_as_decimal(b.u16_be(1)?) {
                out.plain("Ver", version);
            }
            if let Some(band) = frequency_band(b.u8(3)?, false) {
                out.text("FREQUENCY_BAND", band);
            }
            out.plain("Sub_band", f64::from(b.u8(4)?));
            out.number("BAT", f64::from(b.u16_be(5)?) / 1000.0, "V");
            Ok(())
        }
        _ => Err(DecodeError::UnknownPort(port)),
    }
}

/// `parseInt(word.toString(16), 10)`: the leading decimal digits of the word's hexadecimal
/// form, `None` when it starts with a letter (JavaScript's `NaN`).
fn hex_digits_as_decimal(word: u16) -> Option<f64> {
    let hex = format!("{word:x}");
    let digits: String = hex.chars().take_while(char::is_ascii_digit).collect();
    digits.parse::<u32>().ok().map(f64::from)
}
