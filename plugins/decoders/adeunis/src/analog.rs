//! ANALOG (two 0-10 V / 4-20 mA inputs, `analog`) and ANALOG V2 (`analog2`).
//!
//! Status byte, ANALOG (and ANALOG V2 `0x30` / `0x42`): bit 3 = alarm on channel A, bit 4 =
//! alarm on channel B. ANALOG V2 other frames: bit 3 = configuration inconsistency, bit 2 =
//! timestamp appended.
//!
//! | code | product | frame | layout after the status byte |
//! |---|---|---|---|
//! | `0x10` | ANALOG | configuration | keep-alive u8, data period u8 (x 10 min, or x 20 s in test mode), per channel: id / type u8, thresholds / debounce u8; product mode u8 |
//! | `0x11`-`0x14` | ANALOG | thresholds | A high, A low, B high, B low: value and hysteresis, 24 bits each (µV or 10 nA) |
//! | `0x42`, `0x30` | both | data, keep alive | per channel a 32-bit word: type in the low nibble of its first byte (1 = 0-10 V, 2 = 4-20 mA), value in the low 24 bits (µV, or 10 nA) |
//! | `0x10` | V2 | configuration | keep-alive u16 x 10 s, history count, samples per point, sampling period u16 x 2 s, redundant samples |
//! | `0x71`, `0x38` | V2 | periodic data, keep alive | channel config u8 (bit 0 A on, bit 1 A in mA, bit 2 B on, bit 3 B in mA), then u16 / 1000 per enabled channel per point, [timestamp] |
//! | `0x72` | V2 | alarm | channel config u8, then per enabled channel: alarm u8, value u16 / 1000, [timestamp] |
//! | `0x20` | both | generic | see [`crate::common::Generic`] |
//!
//! `0x42` values are rounded to three decimals as the vendor's `parseFloat(x.toFixed(3))`
//! ([`crate::common::js_to_fixed`]).

use crate::common::{
    AdeunisFrame, Bytes, Generic, Handled, Out, StatusFlags, debounce, duration_unit, js_to_fixed,
    product_mode, sampling_config, status, trailing_timestamp,
};
use passerelle_pdk::decoder::DecodeError;

/// Model ids of the ANALOG.
pub const ANALOG_MODELS: &[&str] = &["analog"];
/// Model ids of the ANALOG V2.
pub const V2_MODELS: &[&str] = &["analog2"];

const FLAGS: StatusFlags = &[("alarmChannelA", 0x08), ("alarmChannelB", 0x10)];
const V2_FLAGS: StatusFlags = &[("configurationInconsistency", 0x08), ("timestamp", 0x04)];

const CHANNELS: [&str; 2] = ["channel A", "channel B"];
const V: &str = "V";
const MA: &str = "mA";

/// Decodes an ANALOG frame of code `code`.
pub fn decode(code: u8, b: &Bytes, out: &mut Out) -> Handled {
    match code {
        0x10 => {
            out.kind("0x10 Analog configuration");
            status(out, b, FLAGS)?;
            configuration(out, b)?;
        }
        0x11..=0x14 => {
            out.kind(match code {
                0x11 => "0x11 Analog configuration",
                0x12 => "0x12 Analog configuration",
                0x13 => "0x13 Analog configuration",
                _ => "0x14 Analog configuration",
            });
            status(out, b, FLAGS)?;
            let channel = if code <= 0x12 { CHANNELS[0] } else { CHANNELS[1] };
            let level = if code % 2 == 1 { "high" } else { "low" };
            out.text("threshold.name", channel);
            out.text("threshold.unit", "µV or 10 nA");
            let value = f64::from(b.u24_of_word(1)?);
            out.num(&format!("threshold.{level}.value"), value, None);
            let hysteresis = f64::from(b.u24_of_word(4)?);
            out.num(&format!("threshold.{level}.hysteresis"), hysteresis, None);
        }
        0x42 | 0x30 => {
            out.kind(if code == 0x42 { "0x42 Analog data" } else { "0x30 Analog keep alive" });
            status(out, b, FLAGS)?;
            instant_channels(out, b)?;
        }
        0x20 => {
            let generic = Generic { network: Some(false), ..Generic::default() };
            return generic.decode(code, b, out, FLAGS);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// Decodes an ANALOG V2 frame of code `code`.
pub fn decode_v2(code: u8, b: &Bytes, out: &mut Out) -> Handled {
    let flags = if code == 0x30 || code == 0x42 { FLAGS } else { V2_FLAGS };
    match code {
        0x10 => {
            out.kind("0x10 Analog V2 configuration");
            status(out, b, flags)?;
            sampling_config(out, b, true)?;
        }
        0x42 | 0x30 => {
            out.kind(if code == 0x42 { "0x42 Analog V2 data" } else { "0x30 Analog V2 keep alive" });
            status(out, b, flags)?;
            instant_channels(out, b)?;
        }
        0x71 | 0x38 => {
            out.kind(if code == 0x71 { "0x71 Analog V2 periodic data" } else { "0x38 Analog V2 keep alive" });
            status(out, b, flags)?;
            periodic(out, b)?;
        }
        0x72 => {
            out.kind("0x72 Analog V2 alarm");
            status(out, b, flags)?;
            let cfg = b.u8(2)?;
            for (i, (name, unit)) in enabled(cfg).into_iter().enumerate() {
                let path = format!("alarms.{i}");
                out.text(&format!("{path}.name"), name);
                let state = match b.u8(3 + 3 * i)? {
                    1 => "highThreshold",
                    2 => "lowThreshold",
                    3 => "inputEvent",
                    _ => "none",
                };
                out.text(&format!("{path}.alarmStatus"), state);
                out.text(&format!("{path}.unit"), unit);
                let value = f64::from(b.u16_be(4 + 3 * i)?) / 1000.0;
                out.num(&format!("{path}.value"), value, Some(unit));
            }
            trailing_timestamp(out, b)?;
        }
        0x20 => {
            let generic = Generic { network: Some(true), ..Generic::default() };
            return generic.decode(code, b, out, flags);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The channels an ANALOG V2 configuration byte enables, as (name, unit): channel A first; a
/// lone channel B is listed alone. With no channel enabled the vendor decoder still lists
/// channel A.
fn enabled(cfg: u8) -> Vec<(&'static str, &'static str)> {
    let unit = |ma: bool| if ma { MA } else { V };
    let a = (CHANNELS[0], unit(cfg & 0x02 != 0));
    let b = (CHANNELS[1], unit(cfg & 0x08 != 0));
    match (cfg & 0x01 != 0, cfg & 0x04 != 0) {
        (true, true) => vec![a, b],
        (false, true) => vec![b],
        _ => vec![a],
    }
}

/// ANALOG V2 `0x71` / `0x38`: interleaved u16 / 1000 values of the enabled channels.
fn periodic(out: &mut Out, b: &Bytes) -> Result<(), DecodeError> {
    let cfg = b.u8(2)?;
    let count = usize::from(cfg & 0x01 != 0) + usize::from(cfg & 0x04 != 0);
    let end = b.data_len()?;
    let mut series = [Vec::new(), Vec::new()];
    let mut offset = 3;
    if count == 0 && offset < end {
        // The vendor decoder loops forever on this frame.
        return Err(DecodeError::InvalidField(String::from("analog2 periodic data with no channel enabled")));
    }
    while offset < end {
        for (i, values) in series.iter_mut().take(count).enumerate() {
            values.push(f64::from(b.u16_be(offset + 2 * i)?) / 1000.0);
        }
        offset += 2 * count;
    }
    trailing_timestamp(out, b)?;
    out.text("decodingInfo", "values: [t=0, t-1, t-2, ...]");
    for (i, ((name, unit), values)) in enabled(cfg).into_iter().zip(&series).enumerate() {
        let path = format!("channels.{i}");
        out.text(&format!("{path}.name"), name);
        out.series(&path, unit, values, Some(unit));
    }
    Ok(())
}

/// `0x42` / `0x30`: one 32-bit word per channel (type nibble, 24-bit value).
fn instant_channels(out: &mut Out, b: &Bytes) -> Result<(), DecodeError> {
    for (i, name) in CHANNELS.iter().enumerate() {
        let offset = 2 + 4 * i;
        let path = format!("channels.{i}");
        out.text(&format!("{path}.name"), name);
        let kind = b.u8(offset)? & 0x0f;
        let raw = f64::from(b.u24_of_word(offset)?);
        match kind {
            1 => {
                out.text(&format!("{path}.unit"), V);
                let volts = js_to_fixed(raw / (1000.0 * 1000.0), 3);
                out.num(&format!("{path}.value"), volts, Some(V));
            }
            2 => {
                out.text(&format!("{path}.unit"), MA);
                let milliamps = js_to_fixed(raw / (100.0 * 1000.0), 3);
                out.num(&format!("{path}.value"), milliamps, Some(MA));
            }
            _ => out.text(&format!("{path}.state"), "deactivated"),
        }
    }
    Ok(())
}

/// The ANALOG `0x10` configuration.
fn configuration(out: &mut Out, b: &Bytes) -> Result<(), DecodeError> {
    let mode = b.u8(8)?;
    let keep_alive = f64::from(b.u8(2)?);
    let data = f64::from(b.u8(3)?);
    if mode == 2 {
        out.quantity("transmissionPeriodKeepAlive", "s", keep_alive * 20.0, Some("s"));
        out.quantity("transmissionPeriodData", "s", data * 20.0, Some("s"));
    } else {
        out.quantity("transmissionPeriodKeepAlive", "m", keep_alive * 10.0, Some("min"));
        out.quantity("transmissionPeriodData", "m", data * 10.0, Some("min"));
    }
    for (i, name) in CHANNELS.iter().enumerate() {
        let path = format!("channels.{i}");
        out.text(&format!("{path}.name"), name);
        let id_type = b.u8(4 + 2 * i)?;
        let trigger = b.u8(5 + 2 * i)?;
        out.num(&format!("{path}.id"), f64::from(id_type >> 4), None);
        let kind = match id_type & 0x0f {
            0 => "deactivated",
            1 => "0-10V",
            2 => "4-20mA",
            _ => "",
        };
        out.text(&format!("{path}.type"), kind);
        if id_type & 0x0f != 0 {
            out.text(&format!("{path}.threshold"), threshold(trigger & 0x03));
            out.text(&format!("{path}.externalTrigger.type"), threshold((trigger >> 2) & 0x03));
            let (value, unit) = debounce(trigger >> 4, (0.0, "s"));
            out.quantity(
                &format!("{path}.externalTrigger.debounceDuration"),
                unit,
                value,
                duration_unit(unit),
            );
        }
    }
    out.text("productMode", product_mode(mode));
    Ok(())
}

fn threshold(value: u8) -> &'static str {
    match value {
        1 => "low",
        2 => "high",
        3 => "both",
        _ => "none",
    }
}
