//! BREATH (TVOC and particulate matter PM10, PM2.5, PM1): `breath`.
//!
//! Status byte: bit 3 = configuration inconsistency; `sensorError` is the vendor's
//! `status & 0x16` (bits 4, 2 and 1, so a low battery also reads as a sensor error), kept as is.
//!
//! | code | frame | layout after the status byte |
//! |---|---|---|
//! | `0x10` | configuration | daily frame u8, history count u16, history period u16 s, alarm repeat u8, alarm repeat period u16 s, redundant samples u8 |
//! | `0x30` | daily frame | 32 bytes: (min, max, average, duration in min) for TVOC, PM10, PM2.5 then (min, max, average) for PM1, u16 µg/m³; a short frame (< 11 bytes) has the four maxima only |
//! | `0x6d` | periodic data | (TVOC, PM10, PM2.5, PM1) u16 µg/m³ per point, newest first |
//! | `0x6e` | alarm | alarm flags u8 (bit 0-3 = TVOC, PM10, PM2.5, PM1), then the four values u16 |
//! | `0x1f`, `0x20`, `0x33`, `0x37`, `0x51`, `0x52` | generic | see [`crate::common::Generic`] |

use crate::common::{Bytes, Generic, Handled, MIN, Out, SEC, StatusFlags, active, status};
use passerelle_pdk::decoder::DecodeError;

/// Model ids of this product.
pub const MODELS: &[&str] = &["breath"];

const FLAGS: StatusFlags = &[("configurationInconsistency", 0x08), ("sensorError", 0x16)];

const GENERIC: Generic = Generic {
    inputs_config: true,
    network: Some(true),
    ack: false,
    keep_alive: false,
    register: true,
    alert: false,
    version: true,
    input_alarms: true,
};

const UGM3: &str = "ug/m3";
const POLLUTANTS: [&str; 4] = ["tvoc", "pm10", "pm25", "pm1"];

/// Decodes a BREATH frame of code `code`.
pub fn decode(code: u8, b: &Bytes, out: &mut Out) -> Handled {
    match code {
        0x10 => {
            out.kind("0x10 Breath configuration");
            status(out, b, FLAGS)?;
            out.flag("dailyFrameActivated", b.u8(2)? != 0);
            out.num("numberOfHistorizationBeforeSending", f64::from(b.u16_be(3)?), None);
            out.quantity("historyPeriod", "s", f64::from(b.u16_be(5)?), Some(SEC));
            out.flag("alarmRepeatActivated", b.u8(7)? != 0);
            out.quantity("alarmRepeatPeriod", "s", f64::from(b.u16_be(8)?), Some(SEC));
            out.num("redundantSamples", f64::from(b.u8(10)?), None);
        }
        0x30 => {
            out.kind("0x30 Daily frame");
            status(out, b, FLAGS)?;
            daily(out, b)?;
        }
        0x6d => {
            out.kind("0x6d Breath periodic data");
            status(out, b, FLAGS)?;
            let mut series: [Vec<f64>; 4] = Default::default();
            let mut offset = 2;
            while offset < b.len() {
                for (i, values) in series.iter_mut().enumerate() {
                    values.push(f64::from(b.u16_be(offset + 2 * i)?));
                }
                offset += 8;
            }
            out.text("decodingInfo", "values: [t=0, t-1, t-2, ...]");
            for (name, values) in POLLUTANTS.iter().zip(&series) {
                out.series(name, "µg/m3", values, Some(UGM3));
            }
        }
        0x6e => {
            out.kind("0x6e Breath alarm");
            status(out, b, FLAGS)?;
            let flags = b.u8(2)?;
            for (i, name) in POLLUTANTS.iter().enumerate() {
                out.text(&format!("{name}.alarmStatus"), active(flags & (1 << i) != 0));
                out.text(&format!("{name}.unit"), "µg/m3");
                let value = f64::from(b.u16_be(3 + 2 * i)?);
                out.num(&format!("{name}.value"), value, Some(UGM3));
            }
        }
        _ => return GENERIC.decode(code, b, out, FLAGS),
    }
    Ok(true)
}

/// The daily frame: full statistics from 11 bytes on (the vendor decoder then reads 32 bytes),
/// the four maxima otherwise.
fn daily(out: &mut Out, b: &Bytes) -> Result<(), DecodeError> {
    if b.len() >= 11 {
        let mut offset = 2;
        for name in POLLUTANTS {
            for stat in ["min", "max", "average"] {
                let value = f64::from(b.u16_be(offset)?);
                out.quantity(&format!("{name}.{stat}"), "µg/m3", value, Some(UGM3));
                offset += 2;
            }
            if name != "pm1" {
                let minutes = f64::from(b.u16_be(offset)?);
                out.quantity(&format!("{name}.duration"), "min", minutes, Some(MIN));
                offset += 2;
            }
        }
    } else {
        for (i, name) in POLLUTANTS.iter().enumerate() {
            let value = f64::from(b.u16_be(2 + 2 * i)?);
            out.quantity(&format!("{name}.max"), "µg/m3", value, Some(UGM3));
        }
    }
    Ok(())
}
