//! The R315 multi-sensor (`r315.js`, device type `D2`), sold as R31501..R31510 with different
//! sensor sets fitted; every variant sends the same frames.
//!
//! Report type `01`: battery, `FunctionEnable` u16 and `BinarySensorReport` u16 (both written
//! as binary digit strings, as the vendor decoder does), then `Temp` i16 /100 °C and `Humi`
//! u8 x 0.5 %RH when bit 0 of `FunctionEnable` says the climate sensor is fitted (otherwise
//! the texts `"0xFFFF"` / `"0xFF"`). Report type `02`: battery, `Illuminance` u16 lux.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

/// Reads an R315 report body after the battery byte.
pub fn status(report_type: u8, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    match report_type {
        0x01 => {
            let enable = r.u16_be()?;
            out.text_owned("FunctionEnable", format!("{enable:b}"));
            out.text_owned("BinarySensorReport", format!("{:b}", r.u16_be()?));
            if enable & 0x01 == 0 {
                out.text("Temp", "0xFFFF");
                out.text("Humi", "0xFF");
            } else {
                out.number("Temp", f64::from(r.i16_be()?) / 100.0, "Cel");
                out.number("Humi", f64::from(r.u8()?) * 0.5, "%RH");
            }
        }
        0x02 => out.number("Illuminance", f64::from(r.u16_be()?), "lx"),
        _ => {}
    }
    Ok(())
}
