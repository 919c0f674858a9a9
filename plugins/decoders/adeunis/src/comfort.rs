//! COMFORT (temperature and humidity, `comfort`) and COMFORT CO2 (`comfort-co2`).
//!
//! Status byte: bit 3 = configuration inconsistency, bit 2 = timestamp appended.
//!
//! | code | product | frame | layout after the status byte |
//! |---|---|---|---|
//! | `0x10` | COMFORT | configuration | keep-alive u16 x 10 s, history count u16, samples per point u16, sampling period u16 x 2 s, redundant samples u8 |
//! | `0x10` | CO2 | configuration | daily frame u16 (0 = off), history count, samples per point, sampling period, redundant samples, [black-out duration h, start h] |
//! | `0x4c` | COMFORT | data | (temperature i16 / 10 °C, humidity u8 %) per point, newest first, [timestamp] |
//! | `0x4d` | COMFORT | alarm | alarm flags u8 (high nibble temperature, bit 0 humidity), temperature i16, humidity u8, [timestamp] |
//! | `0x30` | COMFORT | keep alive | nothing |
//! | `0x30` | CO2 | daily frame | icon u8, red-air duration u8 x 10 min, T max, CO2 max, RH max, T min, [CO2 min, RH min, T avg, CO2 avg, RH avg], [timestamp] |
//! | `0x6a` | CO2 | data | (temperature i16 / 10, humidity u8, CO2 u16 ppm) per point, [timestamp] |
//! | `0x6b` | CO2 | alarm | alarm flags u8 (bit 4 temperature, bit 0 humidity, bit 5 CO2), temperature i16, humidity u8, CO2 i16, [timestamp] |
//! | `0x1f`, `0x20`, `0x33`, `0x37`, `0x51`, `0x52` | both | generic | see [`crate::common::Generic`] |
//!
//! The COMFORT SERENITY ([`crate::serenity`]) answers every COMFORT CO2 frame, named for itself.

use crate::common::{
    AdeunisFrame, Bytes, CEL, Generic, HOUR, Handled, MIN, Out, PPM, RH, StatusFlags, active,
    sampling_config, sampling_counts, status, timestamp_at, trailing_timestamp,
};
use passerelle_pdk::decoder::DecodeError;

/// Model ids of the COMFORT.
pub const COMFORT_MODELS: &[&str] = &["comfort"];
/// Model ids of the COMFORT CO2.
pub const CO2_MODELS: &[&str] = &["comfort-co2"];

/// The status flags of the COMFORT family (SERENITY included).
pub const FLAGS: StatusFlags = &[("configurationInconsistency", 0x08), ("timestamp", 0x04)];

const GENERIC: Generic = Generic {
    inputs_config: true,
    network: Some(true),
    ack: false,
    keep_alive: true,
    register: true,
    alert: false,
    version: true,
    input_alarms: true,
};

/// The generic frames of the COMFORT CO2 and SERENITY: `0x30` is their daily frame, so the
/// generic keep-alive does not apply.
const CO2_GENERIC: Generic = Generic { keep_alive: false, ..GENERIC };

/// The `decodingInfo` text of the data frames.
pub const INFO: &str = "values: [t=0, t-1, t-2, ...]";

/// Decodes a COMFORT frame of code `code`.
pub fn decode_comfort(code: u8, b: &Bytes, out: &mut Out) -> Handled {
    match code {
        0x10 => {
            out.kind("0x10 Comfort 2 configuration");
            status(out, b, FLAGS)?;
            sampling_config(out, b, true)?;
        }
        0x4c => {
            out.kind("0x4c Comfort 2 data");
            status(out, b, FLAGS)?;
            trailing_timestamp(out, b)?;
            let end = b.data_len()?;
            let (mut temp, mut hum) = (Vec::new(), Vec::new());
            let mut offset = 2;
            while offset < end {
                temp.push(f64::from(b.i16_be(offset)?) / 10.0);
                hum.push(f64::from(b.u8(offset + 2)?));
                offset += 3;
            }
            out.text("decodingInfo", INFO);
            out.series("temperature", "°C", &temp, Some(CEL));
            out.series("humidity", "%", &hum, Some(RH));
        }
        0x4d => {
            out.kind("0x4d Comfort 2 alarm");
            status(out, b, FLAGS)?;
            timestamp_at(out, b, 6)?;
            let flags = b.u8(2)?;
            out.text("alarmTemperature.alarmStatus", active(flags >> 4 != 0));
            let t = f64::from(b.i16_be(3)?) / 10.0;
            out.quantity("alarmTemperature.temperature", "°C", t, Some(CEL));
            out.text("alarmHumidity.alarmStatus", active(flags & 0x01 != 0));
            let h = f64::from(b.u8(5)?);
            out.quantity("alarmHumidity.humidity", "%", h, Some(RH));
        }
        _ => return GENERIC.decode(code, b, out, FLAGS),
    }
    Ok(true)
}

/// Decodes a COMFORT CO2 frame of code `code`.
pub fn decode_co2(code: u8, b: &Bytes, out: &mut Out) -> Handled {
    decode_co2_family(code, b, out, "Comfort CO2")
}

/// Decodes a frame of code `code` that the COMFORT CO2 and the COMFORT SERENITY share
/// (`0x10`, `0x30`, `0x6a`, `0x6b` and the generic frames), `product` naming the product in
/// the frame-type texts (`0x6a Comfort Serenity data`).
pub fn decode_co2_family(code: u8, b: &Bytes, out: &mut Out, product: &str) -> Handled {
    match code {
        0x10 => {
            out.kind(&format!("0x10 {product} configuration"));
            status(out, b, FLAGS)?;
            out.flag("dailyFrameActivated", b.u16_be(2)? != 0);
            sampling_counts(out, b, 4, 6, 8)?;
            out.num("redundantSamples", f64::from(b.u8(10)?), None);
            if b.len() >= 12 {
                let duration = f64::from(b.u8(11)?);
                out.quantity("blackOutDuration", "h", duration, Some(HOUR));
                // A 12-byte frame has no start byte (the vendor decoder prints `undefined`).
                if let Ok(start) = b.u8(12) {
                    out.quantity("blackOutStartTime", "h", f64::from(start), Some(HOUR));
                }
            }
        }
        0x30 => {
            out.kind(&format!("0x30 {product} Daily frame"));
            status(out, b, FLAGS)?;
            timestamp_at(out, b, 19)?;
            daily(out, b)?;
        }
        0x6a => {
            out.kind(&format!("0x6a {product} data"));
            status(out, b, FLAGS)?;
            trailing_timestamp(out, b)?;
            let end = b.data_len()?;
            let (mut temp, mut hum, mut co2) = (Vec::new(), Vec::new(), Vec::new());
            let mut offset = 2;
            while offset < end {
                temp.push(f64::from(b.i16_be(offset)?) / 10.0);
                hum.push(f64::from(b.u8(offset + 2)?));
                co2.push(f64::from(b.u16_be(offset + 3)?));
                offset += 5;
            }
            out.text("decodingInfo", INFO);
            out.series("temperature", "°C", &temp, Some(CEL));
            out.series("humidity", "%", &hum, Some(RH));
            out.series("co2", "ppm", &co2, Some(PPM));
        }
        0x6b => {
            out.kind(&format!("0x6b {product} alarm"));
            status(out, b, FLAGS)?;
            trailing_timestamp(out, b)?;
            let flags = b.u8(2)?;
            out.text("alarmTemperature.alarmStatus", active(flags & 0x10 != 0));
            let t = f64::from(b.i16_be(3)?) / 10.0;
            out.quantity("alarmTemperature.temperature", "°C", t, Some(CEL));
            out.text("alarmHumidity.alarmStatus", active(flags & 0x01 != 0));
            let h = f64::from(b.u8(5)?);
            out.quantity("alarmHumidity.humidity", "%", h, Some(RH));
            out.text("alarmCo2.alarmStatus", active(flags & 0x20 != 0));
            // The vendor decoder reads the CO2 of the alarm as signed.
            let c = f64::from(b.i16_be(6)?);
            out.quantity("alarmCo2.co2", "ppm", c, Some(PPM));
        }
        _ => {
            // `0x30` is the daily frame here, so the generic keep-alive does not apply.
            return CO2_GENERIC.decode(code, b, out, FLAGS);
        }
    }
    Ok(true)
}

/// The COMFORT CO2 daily frame: extremes (11 bytes), plus minima and averages (19 bytes, or 23
/// with a timestamp); another length keeps the extremes and sets `partialDecoding` to 1.
fn daily(out: &mut Out, b: &Bytes) -> Result<(), DecodeError> {
    out.num("icone", f64::from(b.u8(2)?), None);
    let red = f64::from(b.u8(3)?) * 10.0;
    out.quantity("qaiRedDuration", "min", red, Some(MIN));
    let t_max = f64::from(b.i16_be(4)?) / 10.0;
    out.quantity("temperatureMax", "°C", t_max, Some(CEL));
    out.quantity("co2Max", "ppm", f64::from(b.u16_be(6)?), Some(PPM));
    out.quantity("humidityMax", "%", f64::from(b.u8(8)?), Some(RH));
    let t_min = f64::from(b.i16_be(9)?) / 10.0;
    out.quantity("temperatureMin", "°C", t_min, Some(CEL));
    match b.len() {
        11 => {}
        19 | 23 => {
            out.quantity("co2Min", "ppm", f64::from(b.u16_be(11)?), Some(PPM));
            out.quantity("humidityMin", "%", f64::from(b.u8(13)?), Some(RH));
            let t_avg = f64::from(b.i16_be(14)?) / 10.0;
            out.quantity("temperatureAverage", "°C", t_avg, Some(CEL));
            out.quantity("co2Average", "ppm", f64::from(b.u16_be(16)?), Some(PPM));
            out.quantity("humidityAverage", "%", f64::from(b.u8(18)?), Some(RH));
        }
        _ => out.num("partialDecoding", 1.0, None),
    }
    Ok(())
}
