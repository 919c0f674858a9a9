//! DRY CONTACTS (four inputs / outputs A-D): `dry-contacts-2`, `drycontacts` (the TTN codec
//! name) and `dry-contact` (the first generation, whose `0x40` data frame has the same layout).
//!
//! Status byte: bit 2 = timestamp appended.
//!
//! | code | frame | layout after the status byte |
//! |---|---|---|
//! | `0x10` | configuration | keep-alive u16 x 10 s, transmit period u16 x 10 s, one byte per channel A-D (type low nibble, debounce high nibble) |
//! | `0x30` | keep alive | counters A-D u16, states u8 (bit 0-3 = A-D), [timestamp] |
//! | `0x40` | data | counters A-D u16, states u8 (two bits per channel: current, previous frame), [timestamp] |
//! | `0x41` | duration alarm | channel u8, threshold u16 min, [timestamp] |
//! | `0x59` | time counting | channel mask u8, then one u32 s per channel set, [timestamp] |
//! | `0x20`, `0x2f`, `0x33` | generic | see [`crate::common::Generic`] |

use crate::common::{
    Bytes, COUNT, Generic, Handled, MIN, Out, SEC, StatusFlags, debounce, duration_unit, status,
    timestamp_at, trailing_timestamp,
};

/// Model ids of this product.
pub const MODELS: &[&str] = &["dry-contacts-2", "drycontacts", "dry-contact"];

const FLAGS: StatusFlags = &[("timestamp", 0x04)];

const GENERIC: Generic = Generic {
    inputs_config: false,
    network: Some(true),
    ack: true,
    keep_alive: false,
    register: true,
    alert: false,
    version: false,
    input_alarms: false,
};

const CHANNELS: [&str; 4] = ["channelA", "channelB", "channelC", "channelD"];

/// Decodes a DRY CONTACTS frame of code `code`.
pub fn decode(code: u8, b: &Bytes, out: &mut Out) -> Handled {
    match code {
        0x10 => {
            out.kind("0x10 Dry Contacts 2 configuration");
            status(out, b, FLAGS)?;
            let keep_alive = f64::from(b.u16_be(2)?) * 10.0;
            out.quantity("keepAlivePeriod", "s", keep_alive, Some(SEC));
            let transmit = f64::from(b.u16_be(4)?) * 10.0;
            out.quantity("transmitPeriod", "s", transmit, Some(SEC));
            for (i, ch) in CHANNELS.iter().enumerate() {
                channel_config(out, ch, b.u8(6 + i)?);
            }
        }
        0x30 => {
            out.kind("0x30 Dry Contacts 2 keep alive");
            status(out, b, FLAGS)?;
            timestamp_at(out, b, 11)?;
            let states = b.u8(10)?;
            for (i, ch) in CHANNELS.iter().enumerate() {
                let count = f64::from(b.u16_be(2 + 2 * i)?);
                out.num(&format!("{ch}.value"), count, Some(COUNT));
                out.flag(&format!("{ch}.state"), states & (1 << i) != 0);
            }
        }
        0x40 => {
            out.kind("0x40 Dry Contacts 2 data");
            status(out, b, FLAGS)?;
            timestamp_at(out, b, 11)?;
            out.text("decodingInfo", "true: ON/CLOSED, false: OFF/OPEN");
            let states = b.u8(10)?;
            for (i, ch) in CHANNELS.iter().enumerate() {
                let count = f64::from(b.u16_be(2 + 2 * i)?);
                out.num(&format!("{ch}.value"), count, Some(COUNT));
                out.flag(&format!("{ch}.currentState"), states & (1 << (2 * i)) != 0);
                let previous = states & (2 << (2 * i)) != 0;
                out.flag(&format!("{ch}.previousFrameState"), previous);
            }
        }
        0x41 => {
            out.kind("0x41 Dry Contacts 2 duration alarm");
            status(out, b, FLAGS)?;
            timestamp_at(out, b, 5)?;
            out.num("channel", f64::from(b.u8(2)?), None);
            let threshold = f64::from(b.u16_be(3)?);
            out.quantity("durationThreshold", "min", threshold, Some(MIN));
        }
        0x59 => {
            out.kind("0x59 Dry Contacts 2 time counting data");
            status(out, b, FLAGS)?;
            trailing_timestamp(out, b)?;
            let mask = b.u8(2)?;
            let mut offset = 3;
            for (i, ch) in CHANNELS.iter().enumerate() {
                if mask & (1 << i) != 0 {
                    let seconds = f64::from(b.u32_be(offset)?);
                    out.quantity(&format!("{ch}TimeCounter"), "s", seconds, Some(SEC));
                    offset += 4;
                }
            }
        }
        _ => return GENERIC.decode(code, b, out, FLAGS),
    }
    Ok(true)
}

/// One channel of the `0x10` configuration: disabled and output channels only give their type;
/// inputs also give the edge and the debounce duration.
fn channel_config(out: &mut Out, ch: &str, cfg: u8) {
    let (kind, edge) = match cfg & 0x0f {
        1 => ("input", "high"),
        2 => ("input", "low"),
        3 => ("input", "both"),
        4 => ("output", ""),
        _ => ("disabled", ""),
    };
    out.text(&format!("{ch}.type"), kind);
    if kind == "input" {
        out.text(&format!("{ch}.edge"), edge);
        let (value, unit) = debounce(cfg >> 4, (10.0, "m"));
        out.quantity(&format!("{ch}.debounceDuration"), unit, value, duration_unit(unit));
    }
}
