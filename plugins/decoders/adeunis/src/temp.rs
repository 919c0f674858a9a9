//! TEMP (v3 and v4, one or two probes): `temp`, `temp-4`.
//!
//! Status byte: bit 4 = two channels configured (every frame then carries both probes), bit 3 =
//! configuration inconsistency, bit 2 = timestamp appended.
//!
//! | code | frame | layout after the status byte |
//! |---|---|---|
//! | `0x10` | configuration | keep-alive u16 x 10 s, history count u16, samples per point u16, sampling period u16 x 2 s, redundant samples u8 |
//! | `0x30` | keep alive | temperature 1 i16 / 10 °C, [temperature 2], [timestamp u32] |
//! | `0x57` | periodic data | (temperature 1, [temperature 2]) i16 / 10 °C per history point, newest first, [timestamp] |
//! | `0x58` | alarm | status u8 + temperature i16 per probe, [timestamp] |
//! | `0x20`, `0x2f`, `0x33`, `0x36`, `0x37` | generic | see [`crate::common::Generic`] |

use crate::common::{
    AdeunisFrame, Bytes, CEL, Generic, Handled, Out, StatusFlags, sampling_config, status, timestamp_at,
    trailing_timestamp,
};
use passerelle_pdk::decoder::DecodeError;

/// Model ids of this product.
pub const MODELS: &[&str] = &["temp", "temp-4"];

const FLAGS: StatusFlags =
    &[("configurationInconsistency", 0x08), ("configuration2ChannelsActivated", 0x10), ("timestamp", 0x04)];

const GENERIC: Generic = Generic {
    inputs_config: false,
    network: Some(true),
    ack: true,
    keep_alive: false,
    register: true,
    alert: true,
    version: true,
    input_alarms: false,
};

fn two_probes(b: &Bytes) -> Result<bool, DecodeError> {
    Ok(b.status()? & 0x10 != 0)
}

/// Decodes a TEMP frame of code `code`.
pub fn decode(code: u8, b: &Bytes, out: &mut Out) -> Handled {
    match code {
        0x10 => {
            out.kind("0x10 Temp 4 configuration");
            status(out, b, FLAGS)?;
            sampling_config(out, b, true)?;
        }
        0x30 => {
            out.kind("0x30 Temp 4 keep alive");
            status(out, b, FLAGS)?;
            let two = two_probes(b)?;
            timestamp_at(out, b, if two { 6 } else { 4 })?;
            probe_value(out, 0, f64::from(b.i16_be(2)?) / 10.0);
            if two {
                probe_value(out, 1, f64::from(b.i16_be(4)?) / 10.0);
            }
        }
        0x57 => {
            out.kind("0x57 Temp 4 periodic data");
            status(out, b, FLAGS)?;
            let two = two_probes(b)?;
            let end = b.data_len()?;
            let step = if two { 4 } else { 2 };
            let (mut ch1, mut ch2) = (Vec::new(), Vec::new());
            let mut offset = 2;
            while offset < end {
                ch1.push(f64::from(b.i16_be(offset)?) / 10.0);
                if two {
                    ch2.push(f64::from(b.i16_be(offset + 2)?) / 10.0);
                }
                offset += step;
            }
            trailing_timestamp(out, b)?;
            out.text("decodingInfo", "values: [t=0, t-1, t-2, ...]");
            probe_series(out, 0, &ch1);
            if two {
                probe_series(out, 1, &ch2);
            }
        }
        0x58 => {
            out.kind("0x58 Temp 4 alarm");
            status(out, b, FLAGS)?;
            let two = two_probes(b)?;
            timestamp_at(out, b, if two { 8 } else { 5 })?;
            probe_alarm(out, b, 0, 2)?;
            if two {
                probe_alarm(out, b, 1, 5)?;
            }
        }
        _ => return GENERIC.decode(code, b, out, FLAGS),
    }
    Ok(true)
}

fn probe_name(out: &mut Out, index: usize) -> String {
    let path = format!("temperatures.{index}");
    out.text(&format!("{path}.name"), &format!("temperature {}", index + 1));
    path
}

fn probe_value(out: &mut Out, index: usize, value: f64) {
    let path = probe_name(out, index);
    out.text(&format!("{path}.unit"), "°C");
    out.num(&format!("{path}.value"), value, Some(CEL));
}

fn probe_series(out: &mut Out, index: usize, values: &[f64]) {
    let path = probe_name(out, index);
    out.series(&path, "°C", values, Some(CEL));
}

fn probe_alarm(out: &mut Out, b: &Bytes, index: usize, offset: usize) -> Result<(), DecodeError> {
    let path = format!("alarms.{index}");
    out.text(&format!("{path}.name"), &format!("temperature {}", index + 1));
    let state = match b.u8(offset)? {
        1 => "highThreshold",
        2 => "lowThreshold",
        _ => "none",
    };
    out.text(&format!("{path}.alarmStatus"), state);
    out.quantity(&format!("{path}.temperature"), "°C", f64::from(b.i16_be(offset + 1)?) / 10.0, Some(CEL));
    Ok(())
}
