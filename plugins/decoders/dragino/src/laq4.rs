//! LAQ4 air quality sensor (`vendor/dragino/laq4.js`): fPort 2, exactly 11 bytes. The work
//! mode is bits 6-2 of byte 2.
//!
//! | bytes | MOD 1 (`CO2`) | MOD 31 (`ALARM`) |
//! |---|---|---|
//! | 0-1 | Bat_V, u16 mV as V | Bat_V |
//! | 2 | Alarm_status (bit 0, `TRUE`/`FALSE`), Work_mode | Work_mode |
//! | 3-4 | TVOC_ppb, u16 | SHTEMPMIN, SHTEMPMAX (int8 °C) |
//! | 5-6 | CO2_ppm, u16 | SHTHUMMIN, SHTHUMMAX (u8 %RH) |
//! | 7-8 | TempC_SHT, int16 / 10 °C | CO2MIN, u16 ppm |
//! | 9-10 | Hum_SHT, u16 / 10 %RH | CO2MAX, u16 ppm |
//!
//! Another work mode is an error (the vendor decoder returns an empty object).

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::Bytes;

/// Model ids of the LAQ4.
pub const MODELS: &[&str] = &["laq4"];

/// Decodes a LAQ4 frame received on `port`.
pub fn decode(port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    if port != 2 {
        return Err(DecodeError::UnknownPort(port));
    }
    b.exactly(11)?;
    let status = b.u8(2)?;
    let mode = (status & 0x7c) >> 2;
    let battery = f64::from(b.u16_be(0)?) / 1000.0;
    match mode {
        1 => {
            out.number("Bat_V", battery, "V");
            out.text("Work_mode", "CO2");
            let alarm = if status & 0x01 != 0 { "TRUE" } else { "FALSE" };
            out.text("Alarm_status", alarm);
            out.number("TVOC_ppb", f64::from(b.u16_be(3)?), "ppb");
            out.number("CO2_ppm", f64::from(b.u16_be(5)?), "ppm");
            out.number("TempC_SHT", f64::from(b.i16_be(7)?) / 10.0, "Cel");
            out.number("Hum_SHT", f64::from(b.u16_be(9)?) / 10.0, "%RH");
        }
        31 => {
            out.number("Bat_V", battery, "V");
            out.text("Work_mode", "ALARM");
            out.number("SHTEMPMIN", f64::from(b.i8(3)?), "Cel");
            out.number("SHTEMPMAX", f64::from(b.i8(4)?), "Cel");
            out.number("SHTHUMMIN", f64::from(b.u8(5)?), "%RH");
            out.number("SHTHUMMAX", f64::from(b.u8(6)?), "%RH");
            out.number("CO2MIN", f64::from(b.u16_be(7)?), "ppm");
            out.number("CO2MAX", f64::from(b.u16_be(9)?), "ppm");
        }
        other => {
            return Err(DecodeError::InvalidField(format!(
                "work mode {other} (the LAQ4 reports in mode 1, alarms in mode 31)"
            )));
        }
    }
    Ok(())
}
