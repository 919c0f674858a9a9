//! Air-quality and safety devices: the RA07 / R726 multi-gas stations
//! (`ra0715_r72615_ra0715y_r72615a.js`), the RA0716 / R72616 / R72716 particulate sensors
//! (`ra0716.js`), the R720E TVOC sensor (`r720e.js`) and the RA02A smoke / RA02C CO alarms
//! (`ra02a.js`). Every report opens with the battery byte (see [`crate::report::volt`]).
//!
//! RA07 / R726 report types, three big-endian u16 values each (a value of `FF` or `FFFF`
//! means the probe is absent and reads `"NoSensor"`, as in the vendor decoder):
//!
//! | type | readings |
//! |---|---|
//! | 1, 2 | `PM1_0`, `PM2_5`, `PM10` (µg/m³) |
//! | 3 | `um0_3`, `um0_5`, `um1_0` (particle counts) |
//! | 4 | `um2_5`, `um5_0`, `um10` |
//! | 5 | `O3`, `CO`, `NO` (/10 ppm) |
//! | 6 | `NO2`, `SO2`, `H2S` (/10 ppm) |
//! | 7 | `CO2` (/10 ppm), `NH3` (/10 ppm), `Noise` (/10 dB) |
//! | 8 | `PH` (/100), `TempPH` (i16 /100 °C), `ORP` (i16 mV) |
//! | 9 | `NTU` (/10), `TempNTU` (i16 /100 °C), `EC5SoildHumi` (/100 %) |
//! | 10 | `SoildHumi5TE` (/100 %), `SoildTemp5TE` (i16 /100 °C), `WaterLevel`, then `EC5TE` u8 (/10) |
//! | 11 | `TempLDO` (i16 /100 °C), `LDO_DO` (/100), `LDO_Sat` (/10) |
//! | 12 | `Temperature` (i16 /100 °C), `Humidity` (/100 %RH), `WindSpeed` (/100 m/s) |
//! | 13 | `WindDirection` (°), then `Atomsphere` (sic) i32 /100 |
//! | 14 | `VOC` (/10) |
//! | 15 | `Nitrogen`, `Phosphorus`, `Potassium` |
//! | 16 | `Soil_VWC` (/100 %), `Soil_Temp` (i16 /100 °C), `Soil_EC` (/1000) |

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::device::{self, Device};

/// `"No Alarm"` for 0, `"Alarm"` otherwise (the RA02 spelling).
fn alarm(byte: u8) -> &'static str {
    if byte == 0 { "No Alarm" } else { "Alarm" }
}

/// Whether a raw value is the vendor's "probe absent" marker.
fn absent(raw: u16) -> bool {
    raw == 0xff || raw == 0xffff
}

/// One RA07 / R726 value: `raw` scaled, or `"NoSensor"`.
fn value(out: &mut Readings, name: &str, raw: u16, scale: f64, unit: Option<&str>) {
    if absent(raw) {
        out.text(name, "NoSensor");
        return;
    }
    let v = f64::from(raw) / scale;
    match unit {
        Some(u) => out.number(name, v, u),
        None => out.plain(name, v),
    }
}

/// A signed RA07 / R726 value (temperatures, ORP): the absent marker is tested on the raw
/// bits, the value is the two's complement.
fn signed(out: &mut Readings, name: &str, raw: u16, scale: f64, unit: Option<&str>) {
    if absent(raw) {
        out.text(name, "NoSensor");
        return;
    }
    let v = f64::from(i16::from_be_bytes(raw.to_be_bytes())) / scale;
    match unit {
        Some(u) => out.number(name, v, u),
        None => out.plain(name, v),
    }
}

/// Reads an RA07 / R726 report body after the battery byte.
pub fn station(report_type: u8, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let a = r.u16_be()?;
    // Types 13 and 14 read fewer than three u16 values; the others read all three.
    let three = |r: &mut Reader| -> Result<(u16, u16), DecodeError> { Ok((r.u16_be()?, r.u16_be()?)) };
    match report_type {
        0x01 | 0x02 => {
            let (b, c) = three(r)?;
            value(out, "PM1_0", a, 1.0, Some("ug/m3"));
            value(out, "PM2_5", b, 1.0, Some("ug/m3"));
            value(out, "PM10", c, 1.0, Some("ug/m3"));
        }
        0x03 | 0x04 => {
            let (b, c) = three(r)?;
            let names =
                if report_type == 0x03 { ["um0_3", "um0_5", "um1_0"] } else { ["um2_5", "um5_0", "um10"] };
            for (name, raw) in names.iter().zip([a, b, c]) {
                value(out, name, raw, 1.0, None);
            }
        }
        0x05 | 0x06 => {
            let (b, c) = three(r)?;
            let names = if report_type == 0x05 { ["O3", "CO", "NO"] } else { ["NO2", "SO2", "H2S"] };
            for (name, raw) in names.iter().zip([a, b, c]) {
                value(out, name, raw, 10.0, Some("ppm"));
            }
        }
        0x07 => {
            let (b, c) = three(r)?;
            value(out, "CO2", a, 10.0, Some("ppm"));
            value(out, "NH3", b, 10.0, Some("ppm"));
            value(out, "Noise", c, 10.0, Some("dB"));
        }
        0x08 => {
            let (b, c) = three(r)?;
            value(out, "PH", a, 100.0, None);
            signed(out, "TempPH", b, 100.0, Some("Cel"));
            signed(out, "ORP", c, 1.0, None);
        }
        0x09 => {
            let (b, c) = three(r)?;
            value(out, "NTU", a, 10.0, None);
            signed(out, "TempNTU", b, 100.0, Some("Cel"));
            value(out, "EC5SoildHumi", c, 100.0, None);
        }
        0x0a => {
            let (b, c) = three(r)?;
            value(out, "SoildHumi5TE", a, 100.0, None);
            signed(out, "SoildTemp5TE", b, 100.0, Some("Cel"));
            value(out, "WaterLevel", c, 1.0, None);
            value(out, "EC5TE", u16::from(r.u8()?), 10.0, None);
        }
        0x0b => {
            let (b, c) = three(r)?;
            signed(out, "TempLDO", a, 100.0, Some("Cel"));
            value(out, "LDO_DO", b, 100.0, None);
            value(out, "LDO_Sat", c, 10.0, None);
        }
        0x0c => {
            let (b, c) = three(r)?;
            signed(out, "Temperature", a, 100.0, Some("Cel"));
            value(out, "Humidity", b, 100.0, Some("%RH"));
            value(out, "WindSpeed", c, 100.0, Some("m/s"));
        }
        0x0d => {
            value(out, "WindDirection", a, 1.0, None);
            // The vendor decoder assembles the 4 bytes with `<<` (a signed 32-bit result) and
            // compares it with the absent markers, which only `FF` / `FFFF` can match.
            let raw = r.i32_be()?;
            if raw == 0xff || raw == 0xffff {
                out.text("Atomsphere", "NoSensor");
            } else {
                out.plain("Atomsphere", f64::from(raw) / 100.0);
            }
        }
        0x0e => value(out, "VOC", a, 10.0, None),
        0x0f => {
            let (b, c) = three(r)?;
            value(out, "Nitrogen", a, 1.0, None);
            value(out, "Phosphorus", b, 1.0, None);
            value(out, "Potassium", c, 1.0, None);
        }
        0x10 => {
            let (b, c) = three(r)?;
            value(out, "Soil_VWC", a, 100.0, None);
            signed(out, "Soil_Temp", b, 100.0, Some("Cel"));
            value(out, "Soil_EC", c, 1000.0, None);
        }
        _ => {}
    }
    Ok(())
}

/// Reads an RA0716 / R72616 / R72716 report body after the battery byte: `Temp` i16 /100 °C,
/// `Humi` u16 /100 %RH, `PM25` u16 µg/m³.
pub fn particulate(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    out.number("Temp", f64::from(r.i16_be()?) / 100.0, "Cel");
    out.number("Humi", f64::from(r.u16_be()?) / 100.0, "%RH");
    out.number("PM25", f64::from(r.u16_be()?), "ug/m3");
    Ok(())
}

/// Reads an R720E report body after the battery byte: `TVOC_VOC` u16, `Temp` i16 /100 °C,
/// `Humi` u16 /100 %RH and `SensorUnit` (`00` ppb, otherwise index).
pub fn tvoc(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    out.plain("TVOC_VOC", f64::from(r.u16_be()?));
    out.number("Temp", f64::from(r.i16_be()?) / 100.0, "Cel");
    out.number("Humi", f64::from(r.u16_be()?) / 100.0, "%RH");
    let unit = if r.u8()? == 0 { "ppb" } else { "index" };
    out.text("SensorUnit", unit);
    Ok(())
}

/// Reads an R718UB-series report body after the battery byte: type 1 `Temp` i16 /100 °C,
/// `Humi` u16 /100 %RH, `CO2` u16 ppm, `ShockEvent` u8; type 2 `AirPressure` u32 /100 hPa
/// and `Illuminance` u24 lux; type 3 `PM2_5`, `PM10` u16 µg/m³ and `TVOC` u16.
pub fn co2_multi(report_type: u8, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    match report_type {
        0x01 => {
            out.number("Temp", f64::from(r.i16_be()?) / 100.0, "Cel");
            out.number("Humi", f64::from(r.u16_be()?) / 100.0, "%RH");
            out.number("CO2", f64::from(r.u16_be()?), "ppm");
            out.plain("ShockEvent", f64::from(r.u8()?));
        }
        0x02 => {
            out.number("AirPressure", f64::from(r.u32_be()?) / 100.0, "hPa");
            out.number("Illuminance", f64::from(r.u24_be()?), "lx");
        }
        0x03 => {
            out.number("PM2_5", f64::from(r.u16_be()?), "ug/m3");
            out.number("PM10", f64::from(r.u16_be()?), "ug/m3");
            out.plain("TVOC", f64::from(r.u16_be()?));
        }
        _ => {}
    }
    Ok(())
}

/// Reads an RA02A / RA02C report body after the battery byte: the smoke (`FireAlarm`, RA02A)
/// or CO (`COAlarm`, RA02C) alarm, `HighTempAlarm`, and on RA02A `Temp` i16 /10 °C.
pub fn alarm_status(dev: Device, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let first = if dev.code == device::RA02A { "FireAlarm" } else { "COAlarm" };
    out.text(first, alarm(r.u8()?));
    out.text("HighTempAlarm", alarm(r.u8()?));
    if dev.code == device::RA02A {
        out.number("Temp", f64::from(r.i16_be()?) / 10.0, "Cel");
    }
    Ok(())
}
