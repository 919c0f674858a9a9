//! Door and water-leak sensors: LDS01 / LDS02 / LWL01 / LWL02 (one shared decoder) and LDS03A /
//! LWL03A (`vendor/dragino/lds01.js`, `lds02.js`, `lwl01.js`, `lwl02.js`, `lds03a.js`,
//! `lwl03a.js`).
//!
//! LDS01 / LDS02 / LWL01 / LWL02, fPort 10 (10 bytes; the vendor's examples send 7 and read the
//! missing bytes as 0, so a frame of 3 to 9 bytes is zero-padded):
//!
//! | bytes | name | value |
//! |---|---|---|
//! | 0-1 | BAT_V; DOOR_OPEN_STATUS, WATER_LEAK_STATUS | bits 13-0 mV as V; bit 15 door open, bit 14 leak |
//! | 2 | MOD | 1 door, 2 leak, 3 door + leak |
//! | 3-5 | DOOR_OPEN_TIMES / WATER_LEAK_TIMES | u24 event count (MOD 1 / 2) |
//! | 6-8 | LAST_DOOR_OPEN_DURATION / LAST_WATER_LEAK_DURATION | u24 minutes (MOD 1 / 2) |
//! | 9 | ALARM | bit 0 (MOD 1 and 3) |
//!
//! MOD 3 gives BAT_V, MOD, DOOR_OPEN_STATUS, WATER_LEAK_STATUS, ALARM; another MOD gives BAT_V
//! and MOD only.
//!
//! LDS03A / LWL03A live report, 11 bytes (LDS03A: fPort 2; LWL03A: any fPort but 3, 4, 5):
//!
//! | bytes | LDS03A | LWL03A |
//! |---|---|---|
//! | 0 | ALARM (bit 1, `TRUE`/`FALSE`), DOOR_OPEN_STATUS (bit 0, `OPEN`/`CLOSE`) | TDC (bit 2, `YES`/`NO`), ALARM (bit 1), WATER_LEAK_STATUS (bit 0, `LEAK`/`NO LEAK`) |
//! | 1-3 | DOOR_OPEN_TIMES u24 | WATER_LEAK_TIMES u24 |
//! | 4-6 | LAST_DOOR_OPEN_DURATION u24 min | LAST_WATER_LEAK_DURATION u24 min |
//! | 7-10 | TIME, Unix s as `YYYY-MM-DD HH:MM:SS` (UTC) | TIME |
//!
//! fPort 3 is a datalog: `DATALOG` is `[ALARM,STATUS,times,duration,TIME],` for each 11-byte
//! record (a cut last record reads its missing bytes as 0). fPort 4 is the configuration: TDC
//! (u24), DISALARM (byte 3 bit 0), KEEP_STATUS (byte 4 bit 0), KEEP_TIME (u16), and on the
//! LWL03A LEAK_ALARM_TIME (byte 7, when sent). fPort 5 is the device status
//! ([`crate::common::device_status_v2`]).

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Battery, Bytes, datetime, device_status_v2};

/// The models of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// LDS01 / LDS02 / LWL01 / LWL02 (shared decoder).
    V1,
    /// LDS03A outdoor door sensor.
    Lds03a,
    /// LWL03A water leak sensor.
    Lwl03a,
}

/// Model ids of the family.
pub const MODELS: &[&str] = &["lds01", "lds02", "lwl01", "lwl02", "lds03a", "lwl03a"];

impl Model {
    /// The model of a lower-case TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "lds01" | "lds02" | "lwl01" | "lwl02" => Self::V1,
            "lds03a" => Self::Lds03a,
            "lwl03a" => Self::Lwl03a,
            _ => return None,
        })
    }
}

/// Decodes a frame of `model` received on `port`.
pub fn decode(model: Model, port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match (model, port) {
        (Model::V1, 10) => v1(b, out),
        (Model::Lds03a | Model::Lwl03a, 3) => datalog(model, b, out),
        (Model::Lds03a | Model::Lwl03a, 4) => config(model, b, out),
        (Model::Lds03a, 5) => device_status_v2(b, out, (0x0a, "LDS03A")),
        (Model::Lwl03a, 5) => device_status_v2(b, out, (0x14, "LWL03A")),
        (Model::Lds03a, 2) | (Model::Lwl03a, _) => live(model, b, out),
        _ => Err(DecodeError::UnknownPort(port)),
    }
}

fn v1(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(3)?;
    let b = Bytes::zero_padded(b.as_slice(), 10);
    let flags = b.u8(0)?;
    let door = f64::from(flags >> 7);
    let leak = f64::from((flags >> 6) & 0x01);
    let alarm = f64::from(b.u8(9)? & 0x01);
    let mode = b.u8(2)?;
    out.number("BAT_V", b.battery(0)?, "V");
    out.plain("MOD", f64::from(mode));
    match mode {
        1 => {
            out.plain("DOOR_OPEN_STATUS", door);
            out.number("DOOR_OPEN_TIMES", f64::from(b.u24_be(3)?), "count");
            out.number("LAST_DOOR_OPEN_DURATION", f64::from(b.u24_be(6)?), "min");
            out.plain("ALARM", alarm);
        }
        2 => {
            out.plain("WATER_LEAK_STATUS", leak);
            out.number("WATER_LEAK_TIMES", f64::from(b.u24_be(3)?), "count");
            out.number("LAST_WATER_LEAK_DURATION", f64::from(b.u24_be(6)?), "min");
        }
        3 => {
            out.plain("DOOR_OPEN_STATUS", door);
            out.plain("WATER_LEAK_STATUS", leak);
            out.plain("ALARM", alarm);
        }
        _ => {}
    }
    Ok(())
}

fn flag(byte: u8, bit: u8, set: &'static str, clear: &'static str) -> &'static str {
    if byte & (1 << bit) != 0 { set } else { clear }
}

fn live(model: Model, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let status = b.u8(0)?;
    if model == Model::Lwl03a {
        b.exactly(11)?;
        out.text("TDC", flag(status, 2, "YES", "NO"));
        out.text("ALARM", flag(status, 1, "TRUE", "FALSE"));
        out.text("WATER_LEAK_STATUS", flag(status, 0, "LEAK", "NO LEAK"));
        out.number("WATER_LEAK_TIMES", f64::from(b.u24_be(1)?), "count");
        out.number("LAST_WATER_LEAK_DURATION", f64::from(b.u24_be(4)?), "min");
    } else {
        b.require(11)?;
        out.text("ALARM", flag(status, 1, "TRUE", "FALSE"));
        out.text("DOOR_OPEN_STATUS", flag(status, 0, "OPEN", "CLOSE"));
        out.number("DOOR_OPEN_TIMES", f64::from(b.u24_be(1)?), "count");
        out.number("LAST_DOOR_OPEN_DURATION", f64::from(b.u24_be(4)?), "min");
    }
    out.text_owned("TIME", datetime(i64::from(b.i32_be(7)?)));
    Ok(())
}

fn datalog(model: Model, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let (set, clear) = match model {
        Model::Lwl03a => ("LEAK", "NO LEAK"),
        _ => ("OPEN", "CLOSE"),
    };
    let mut text = String::new();
    for start in (0..b.len()).step_by(11) {
        let rec = Bytes::zero_padded(b.as_slice().get(start..).unwrap_or_default(), 11);
        let status = rec.u8(0)?;
        text.push_str(&format!(
            "[{},{},{},{},{}],",
            flag(status, 1, "TRUE", "FALSE"),
            flag(status, 0, set, clear),
            rec.u24_be(1)?,
            rec.u24_be(4)?,
            datetime(i64::from(rec.i32_be(7)?)),
        ));
    }
    if !text.is_empty() {
        out.text_owned("DATALOG", text);
    }
    Ok(())
}

fn config(model: Model, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(7)?;
    out.plain("TDC", f64::from(b.u24_be(0)?));
    out.plain("DISALARM", f64::from(b.u8(3)? & 0x01));
    out.plain("KEEP_STATUS", f64::from(b.u8(4)? & 0x01));
    out.plain("KEEP_TIME", f64::from(b.u16_be(5)?));
    if model == Model::Lwl03a
        && let Ok(minutes) = b.u8(7)
    {
        out.plain("LEAK_ALARM_TIME", f64::from(minutes));
    }
    Ok(())
}
