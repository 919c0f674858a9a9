//! The MerryIoT CD10 CO2 sensor (`vendor/browan/cd10.js`), port 127:
//!
//! | byte | name | value |
//! |---|---|---|
//! | 0 | status, button, co2threshold, co2calibration | bits 0, 1, 4 and 5 |
//! | 1 | battery | bits 3-0 `v`: (21 + v) / 10 V |
//! | 2-3 | temperature | u16 little-endian / 10, °C |
//! | 4 | humidity | u8, %RH |
//! | 5-6 | co2_ppm | u16 little-endian, ppm |
//!
//! The temperature is read unsigned, as the vendor decoder does.

use passerelle_pdk::{Reader, Readings};

use crate::{DecodeError, bit};

/// The CD10's report port.
pub const PORT: u8 = 127;

/// Decodes a CD10 report.
pub fn cd10(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let status = r.u8()?;
    let batt = r.u8()?;
    out.plain("status", bit(status, 0));
    out.plain("button", bit(status, 1));
    out.plain("co2threshold", bit(status, 4));
    out.plain("co2calibration", bit(status, 5));
    out.number("battery", f64::from(21 + (batt & 0x0f)) / 10.0, "V");
    out.number("temperature", f64::from(r.u16_le()?) / 10.0, "Cel");
    out.number("humidity", f64::from(r.u8()?), "%RH");
    out.number("co2_ppm", f64::from(r.u16_le()?), "ppm");
    Ok(())
}
