//! MClimate Air Quality Sensor & Notifier (`aqi-sensor`): one 10-byte frame of bit fields
//! across byte boundaries, no command records.
//!
//! | bits (from bit 0 = MSB of byte 0) | field |
//! |---|---|
//! | 8-16 | sAQI, x 16 |
//! | 17-21 | AQI, x 16 |
//! | 22-31 | CO2eq, x 32 ppm |
//! | 32-39 | VOC, x 4 |
//! | 40-47 | relative_humidity, x 4 / 10 %RH |
//! | 48-58 | pressure, (x 40 + 30000) / 100 hPa |
//! | 60-69 | temperature, (x - 400) / 10 °C (bit 59 is skipped) |
//! | 70-71 | accuracy_aqi |
//! | 72-79 | voltage, x 8 + 1600 mV |

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

/// Reads an AQI sensor frame (10 bytes; bytes beyond are ignored, as the vendor decoder does).
pub fn decode(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let bytes = r.take(10)?;
    let byte = |i: usize| u32::from(bytes.get(i).copied().unwrap_or(0));
    let s_aqi = byte(1) << 1 | byte(2) >> 7;
    let aqi = (byte(2) >> 2) & 0x1f;
    let co2eq = (byte(2) & 0x03) << 8 | byte(3);
    let pressure = byte(6) << 3 | byte(7) >> 5;
    let temperature = (byte(7) & 0x0f) << 6 | byte(8) >> 2;
    out.plain("sAQI", f64::from(s_aqi * 16));
    out.plain("AQI", f64::from(aqi * 16));
    out.number("CO2eq", f64::from(co2eq * 32), "ppm");
    out.plain("VOC", f64::from(byte(4) * 4));
    out.number("relative_humidity", f64::from(byte(5)) * 4.0 / 10.0, "%RH");
    out.number("pressure", (f64::from(pressure) * 40.0 + 30000.0) / 100.0, "hPa");
    out.number("temperature", (f64::from(temperature) - 400.0) / 10.0, "Cel");
    out.plain("accuracy_aqi", f64::from(byte(8) & 0x03));
    out.number("voltage", f64::from(byte(9)) * 8.0 + 1600.0, "mV");
    Ok(())
}
