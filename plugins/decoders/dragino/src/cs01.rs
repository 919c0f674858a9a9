//! CS01-LB four-channel AC current sensor (`vendor/dragino/cs01-lb.js`).
//!
//! fPort 2, exactly 11 bytes:
//!
//! | bytes | name | value |
//! |---|---|---|
//! | 0-1 | battery; exti_level (bit 15, `HIGH`/`LOW`), exti_trigger (bit 14, `TRUE`/`FALSE`) | bits 13-0 mV as V |
//! | 2-9 | current1_a .. current4_a | 4 x u16 / 100, A |
//! | 10 | cur1l_status, cur1h_status, .. cur4h_status | bits 7..0, `True`/`False` (below / above the alarm thresholds) |
//!
//! fPort 3 is a datalog: `DATALOG` is `[current1,current2,current3,level,trigger,time],` per
//! 11-byte record (currents u16 / 100 with two decimals at bytes 1-6, level bit 1 `High`/`Low`,
//! trigger bit 0 `True`/`False`, time at 7-10), and PNACKMD (bit 7 of byte 0). fPort 5 is the
//! device status (sensor code 0x33, battery as `battery`, `AS923_4` known). fPort 7 is a
//! current history: `battery` (u16 mV as V) then `DATALOG`, `[current],` per 2-byte value
//! (u16 / 100, two decimals).

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Battery, Bytes, StatusStyle, datetime, device_status, fixed, records};

/// Model ids of the family.
pub const MODELS: &[&str] = &["cs01-lb"];

fn pick(byte: u8, mask: u8, set: &'static str, clear: &'static str) -> &'static str {
    if byte & mask != 0 { set } else { clear }
}

/// Decodes a CS01-LB frame received on `port`.
pub fn decode(port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match port {
        2 => live(b, out),
        3 => datalog(b, out),
        5 => device_status(b, out, (0x33, "CS01-LB"), StatusStyle { battery: "battery", as923_4: true }),
        7 => history(b, out),
        _ => Err(DecodeError::UnknownPort(port)),
    }
}

fn live(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.exactly(11)?;
    let head = b.u8(0)?;
    out.number("battery", b.battery(0)?, "V");
    out.text("exti_trigger", pick(head, 0x40, "TRUE", "FALSE"));
    out.text("exti_level", pick(head, 0x80, "HIGH", "LOW"));
    for (j, offset) in [2, 4, 6, 8].into_iter().enumerate() {
        out.number(&format!("current{}_a", j + 1), f64::from(b.u16_be(offset)?) / 100.0, "A");
    }
    let status = b.u8(10)?;
    for j in 0..4u8 {
        let low = 0x80 >> (2 * j);
        let high = low >> 1;
        out.text(&format!("cur{}l_status", j + 1), pick(status, low, "True", "False"));
        out.text(&format!("cur{}h_status", j + 1), pick(status, high, "True", "False"));
    }
    Ok(())
}

fn datalog(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let first = b.u8(0)?;
    let mut text = String::new();
    for rec in records(b, 11) {
        let flags = rec.u8(0)?;
        text.push_str(&format!(
            "[{},{},{},{},{},{}],",
            fixed(i64::from(rec.u16_be(1)?), 2, 2),
            fixed(i64::from(rec.u16_be(3)?), 2, 2),
            fixed(i64::from(rec.u16_be(5)?), 2, 2),
            pick(flags, 0x02, "High", "Low"),
            pick(flags, 0x01, "True", "False"),
            datetime(i64::from(rec.i32_be(7)?)),
        ));
    }
    out.text_owned("DATALOG", text);
    out.text("PNACKMD", pick(first, 0x80, "True", "False"));
    Ok(())
}

fn history(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    out.number("battery", f64::from(b.u16_be(0)?) / 1000.0, "V");
    let values = b.as_slice().get(2..).unwrap_or_default();
    let mut text = String::new();
    for pair in values.chunks(2) {
        let value = Bytes::zero_padded(pair, 2).u16_be(0)?;
        text.push_str(&format!("[{}],", fixed(i64::from(value), 2, 2)));
    }
    if !text.is_empty() {
        out.text_owned("DATALOG", text);
    }
    Ok(())
}
