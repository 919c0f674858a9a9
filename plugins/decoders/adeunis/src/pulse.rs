//! PULSE (v3 and v4, channels A and B): `pulse`, `pulse-4`.
//!
//! Status byte: bit 2 = timestamp appended.
//!
//! | code | frame | layout after the status byte |
//! |---|---|---|
//! | `0x10` | configuration | product mode u8, history count u16, channel config u8, sampling period u16 x 2 s, debounce u8 (A low, B high nibble), flow period u16; LoRa (28 bytes): leakage and tamper settings, redundant samples |
//! | `0x11` | leakage thresholds | overflow A, overflow B, threshold A, threshold B (u16) |
//! | `0x12` | leakage / tamper | daily periods A, B (u16), tamper period A (u8 x 10 s), tamper threshold A, period B, threshold B |
//! | `0x30` | keep alive | alarm flags u8, last-24h max A, max B, min A, min B (u16), [timestamp] |
//! | `0x46` | data | counter A u32, counter B u32, [timestamp] |
//! | `0x47` | flow alarm | flow A u16, flow B u16, [timestamp] |
//! | `0x5a` / `0x5b` | history, channel A / B | counter u32, then u16 deltas to the previous points, [timestamp] |
//! | `0x20`, `0x33` | generic | see [`crate::common::Generic`] |

use crate::common::{
    AdeunisFrame, Bytes, COUNT, Generic, Handled, MIN, MS, Out, SEC, StatusFlags, product_mode, status,
    timestamp_at, trailing_timestamp,
};
use passerelle_pdk::decoder::DecodeError;

/// Model ids of this product.
pub const MODELS: &[&str] = &["pulse", "pulse-4"];

const FLAGS: StatusFlags = &[("timestamp", 0x04)];

const GENERIC: Generic = Generic {
    inputs_config: false,
    network: Some(true),
    ack: false,
    keep_alive: false,
    register: true,
    alert: false,
    version: false,
    input_alarms: false,
};

const CHANNELS: [&str; 2] = ["channels.0", "channels.1"];

/// Decodes a PULSE frame of code `code`.
pub fn decode(code: u8, b: &Bytes, out: &mut Out) -> Handled {
    match code {
        0x10 => {
            out.kind("0x10 Pulse 4 configuration");
            status(out, b, FLAGS)?;
            configuration(out, b)?;
        }
        0x11 => {
            out.kind("0x11 Pulse 4 configuration");
            status(out, b, FLAGS)?;
            for (i, ch) in CHANNELS.iter().enumerate() {
                name(out, i);
                let base = format!("{ch}.leakageDetection");
                let overflow = b.u16_be(2 + 2 * i)?;
                out.num(&format!("{base}.overflowAlarmTriggerThreshold"), f64::from(overflow), None);
                let threshold = b.u16_be(6 + 2 * i)?;
                out.num(&format!("{base}.threshold"), f64::from(threshold), None);
            }
        }
        0x12 => {
            out.kind("0x12 Pulse 4 configuration");
            status(out, b, FLAGS)?;
            for (i, ch) in CHANNELS.iter().enumerate() {
                name(out, i);
                let days = b.u16_be(2 + 2 * i)?;
                out.num(
                    &format!("{ch}.leakageDetection.dailyPeriodsBelowWhichLeakageAlarmTriggered"),
                    f64::from(days),
                    None,
                );
                let period = f64::from(b.u8(6 + 2 * i)?) * 10.0;
                out.quantity(&format!("{ch}.tamper.samplePeriodForDetection"), "s", period, Some(SEC));
                let threshold = b.u8(7 + 2 * i)?;
                out.num(&format!("{ch}.tamper.threshold"), f64::from(threshold), None);
            }
        }
        0x30 => {
            out.kind("0x30 Pulse 4 keep alive");
            status(out, b, FLAGS)?;
            timestamp_at(out, b, 11)?;
            let alarms = b.u8(2)?;
            for (i, ch) in CHANNELS.iter().enumerate() {
                name(out, i);
                out.flag(&format!("{ch}.flow.alarm"), alarms & (0x01 << i) != 0);
                let min = b.u16_be(7 + 2 * i)?;
                out.num(&format!("{ch}.flow.last24hMin"), f64::from(min), None);
                let max = b.u16_be(3 + 2 * i)?;
                out.num(&format!("{ch}.flow.last24hMax"), f64::from(max), None);
                out.flag(&format!("{ch}.tamperAlarm"), alarms & (0x04 << i) != 0);
                out.flag(&format!("{ch}.leakageAlarm"), alarms & (0x10 << i) != 0);
            }
        }
        0x46 => {
            out.kind("0x46 Pulse 4 data");
            status(out, b, FLAGS)?;
            timestamp_at(out, b, 10)?;
            out.text("decodingInfo", "counterValues: [Channel A, Channel B]");
            let counters = [f64::from(b.u32_be(2)?), f64::from(b.u32_be(6)?)];
            out.list("counterValues", &counters, Some(COUNT));
        }
        0x47 => {
            out.kind("0x47 Pulse 4 alarm");
            status(out, b, FLAGS)?;
            timestamp_at(out, b, 6)?;
            out.text("decodingInfo", "flowValues: [Channel A, Channel B]");
            let flows = [f64::from(b.u16_be(2)?), f64::from(b.u16_be(4)?)];
            out.list("flowValues", &flows, None);
        }
        0x5a | 0x5b => {
            out.kind(if code == 0x5a {
                "0x5a Pulse 4 data - channel A"
            } else {
                "0x5b Pulse 4 data - channel B"
            });
            status(out, b, FLAGS)?;
            let mut counter = i64::from(b.u32_be(2)?);
            let end = b.data_len()?;
            trailing_timestamp(out, b)?;
            let mut values = vec![counter as f64];
            let mut offset = 6;
            while offset < end {
                counter -= i64::from(b.u16_be(offset)?);
                values.push(counter as f64);
                offset += 2;
            }
            out.text("decodingInfo", "counterValues: [t=0, t-1, t-2, ...]");
            out.list("counterValues", &values, Some(COUNT));
        }
        _ => return GENERIC.decode(code, b, out, FLAGS),
    }
    Ok(true)
}

fn name(out: &mut Out, index: usize) {
    let label = if index == 0 { "channel A" } else { "channel B" };
    out.text(&format!("channels.{index}.name"), label);
}

/// The `0x10` configuration: common fields, then the LoRa (28 bytes) or Sigfox (11 bytes)
/// extras; another length gives the common fields only, as the vendor decoder does.
fn configuration(out: &mut Out, b: &Bytes) -> Result<(), DecodeError> {
    let mode = b.u8(2)?;
    out.text("productMode", product_mode(mode));
    let history = f64::from(b.u16_be(3)?);
    let sampling = f64::from(b.u16_be(6)?);
    out.num("numberOfHistorizationBeforeSending", history, None);
    out.quantity("samplingPeriod", "s", sampling * 2.0, Some(SEC));
    out.quantity("calculatedSendingPeriod", "s", history * sampling * 2.0, Some(SEC));
    let flow = f64::from(b.u16_be(9)?);
    if mode == 2 {
        out.quantity("flowCalculationPeriod", "s", flow * 20.0, Some(SEC));
    } else {
        out.quantity("flowCalculationPeriod", "m", flow, Some(MIN));
    }
    let lora = b.len() == 28;
    let sigfox = b.len() == 11;
    if lora {
        out.num("redundantSamples", f64::from(b.u8(27)?), None);
    }
    let channels = b.u8(5)?;
    let debounce = b.u8(8)?;
    for (i, ch) in CHANNELS.iter().enumerate() {
        name(out, i);
        let shift = 4 * i;
        let state = if channels & (0x01 << shift) != 0 { "enabled" } else { "disabled" };
        out.text(&format!("{ch}.state"), state);
        let kind = if channels & (0x02 << shift) != 0 { "gasPullUpOn" } else { "otherPullUpOff" };
        out.text(&format!("{ch}.type"), kind);
        let ms = match (debounce >> shift) & 0x0f {
            1 => 1.0,
            2 => 10.0,
            3 => 20.0,
            4 => 50.0,
            5 => 100.0,
            6 => 200.0,
            7 => 500.0,
            8 => 1000.0,
            9 => 2000.0,
            10 => 5000.0,
            11 => 10_000.0,
            _ => 0.0,
        };
        out.quantity(&format!("{ch}.debouncingPeriod"), "ms", ms, Some(MS));
        let tamper = channels & (0x08 << shift) != 0;
        if lora {
            let leak = format!("{ch}.leakageDetection");
            let overflow = b.u16_be(11 + 2 * i)?;
            out.num(&format!("{leak}.overflowAlarmTriggerThreshold"), f64::from(overflow), None);
            let threshold = b.u16_be(15 + 2 * i)?;
            out.num(&format!("{leak}.threshold"), f64::from(threshold), None);
            let days = b.u16_be(19 + 2 * i)?;
            out.num(&format!("{leak}.dailyPeriodsBelowWhichLeakageAlarmTriggered"), f64::from(days), None);
            out.flag(&format!("{ch}.tamper.activated"), tamper);
            let period = f64::from(b.u8(23 + 2 * i)?) * 10.0;
            out.quantity(&format!("{ch}.tamper.samplePeriodForDetection"), "s", period, Some(SEC));
            let threshold = b.u8(24 + 2 * i)?;
            out.num(&format!("{ch}.tamper.threshold"), f64::from(threshold), None);
        } else if sigfox {
            out.flag(&format!("{ch}.tamper.activated"), tamper);
        }
    }
    Ok(())
}
