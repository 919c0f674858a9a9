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
//!
//! DS03A-LB (`ds03a-lb.js`), one or two doors, live report on any port but 3, 4, 5: 11 bytes
//! for one door, 18 for two. Byte 0: count_mod (bit 3, `PART`/`SUM`), tdc (bit 2, `YES`/`NO`),
//! alarm1 (bit 1, `TRUE`/`FALSE`), door1_open_status (bit 0, `OPEN`/`CLOSE`); door1_open_times
//! (u24, 1-3), last_door1_open_duration (u24 min, 4-6), time (7-10); the second door's alarm2
//! and door2_open_status (byte 11, bits 1, 0), door2_open_times (u24, 12-14) and
//! last_door2_open_duration (u24, 15-17). fPort 3: `DATALOG`, per 11-byte record
//! `[count,tdc,alarm,status,times,duration,time],`, and PNACKMD (bit 7 of byte 0, `True`/
//! `False`). fPort 4: tdc, disalarm, keep_status1, keep_time1, keep_status2, keep_time2,
//! alarm_tdc (bytes 0-2, 3, 4, 5-6, 7, 8-9, 10). fPort 5: device status (sensor code 0x1B,
//! battery as `battery`).
//!
//! WL03A-LB and LWL04-LB (`wl03a-lb.js`, `lwl04-lb.js`, one format), water leak, the same layout for one probe: live report of exactly
//! 11 bytes on any port but 3, 4, 5: count_mod, tdc, alarm, water_leak_status (bit 0, `LEAK`/
//! `NO LEAK`), water_leak_times, lsat_water_leak_duration (the vendor's spelling), time. fPort 3:
//! `DATALOG` and PNACKMD as the DS03A-LB's (`LEAK`/`NO LEAK`). fPort 4: tdc, disalarm,
//! keep_status, keep_time, leak_alarm_time (byte 7). fPort 5: device status (sensor code 0x1D
//! `WL03A-LB`, 0x36 `LWL04`; battery as `battery`).

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Battery, Bytes, StatusStyle, datetime, device_status, device_status_v2, records};

/// The models of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// LDS01 / LDS02 / LWL01 / LWL02 (shared decoder).
    V1,
    /// LDS03A outdoor door sensor.
    Lds03a,
    /// LWL03A water leak sensor.
    Lwl03a,
    /// DS03A-LB one- or two-door sensor.
    Ds03aLb,
    /// WL03A-LB water leak sensor.
    Wl03aLb,
    /// LWL04-LB water leak sensor (the WL03A-LB's format).
    Lwl04Lb,
}

/// Model ids of the family.
pub const MODELS: &[&str] =
    &["lds01", "lds02", "lwl01", "lwl02", "lds03a", "lwl03a", "ds03a-lb", "wl03a-lb", "lwl04-lb"];

impl Model {
    /// The model of a lower-case TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "lds01" | "lds02" | "lwl01" | "lwl02" => Self::V1,
            "lds03a" => Self::Lds03a,
            "lwl03a" => Self::Lwl03a,
            "ds03a-lb" => Self::Ds03aLb,
            "wl03a-lb" => Self::Wl03aLb,
            "lwl04-lb" => Self::Lwl04Lb,
            _ => return None,
        })
    }
}

/// Decodes a frame of `model` received on `port`.
pub fn decode(model: Model, port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match (model, port) {
        (Model::V1, 10) => v1(b, out),
        (Model::Ds03aLb | Model::Wl03aLb | Model::Lwl04Lb, 3) => lb_datalog(model, b, out),
        (Model::Wl03aLb | Model::Lwl04Lb, 4) => wl03a_config(b, out),
        (Model::Wl03aLb, 5) => {
            device_status(b, out, (0x1d, "WL03A-LB"), StatusStyle { battery: "battery", as923_4: false })
        }
        (Model::Lwl04Lb, 5) => {
            device_status(b, out, (0x36, "LWL04"), StatusStyle { battery: "battery", as923_4: false })
        }
        (Model::Wl03aLb | Model::Lwl04Lb, _) => wl03a_live(b, out),
        (Model::Ds03aLb, 4) => ds03a_config(b, out),
        (Model::Ds03aLb, 5) => {
            device_status(b, out, (0x1b, "DS03A-LB"), StatusStyle { battery: "battery", as923_4: false })
        }
        (Model::Ds03aLb, _) => ds03a_live(b, out),
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

fn ds03a_live(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    if b.len() != 11 && b.len() != 18 {
        b.require(11)?;
        return Err(DecodeError::InvalidField(format!("DS03A-LB report of {} bytes (11 or 18)", b.len())));
    }
    let flags = b.u8(0)?;
    out.text("count_mod", flag(flags, 3, "PART", "SUM"));
    out.text("tdc", flag(flags, 2, "YES", "NO"));
    out.text("alarm1", flag(flags, 1, "TRUE", "FALSE"));
    out.text("door1_open_status", flag(flags, 0, "OPEN", "CLOSE"));
    out.number("door1_open_times", f64::from(b.u24_be(1)?), "count");
    out.number("last_door1_open_duration", f64::from(b.u24_be(4)?), "min");
    out.text_owned("time", datetime(i64::from(b.i32_be(7)?)));
    if b.len() == 18 {
        let second = b.u8(11)?;
        out.text("alarm2", flag(second, 1, "TRUE", "FALSE"));
        out.text("door2_open_status", flag(second, 0, "OPEN", "CLOSE"));
        out.number("door2_open_times", f64::from(b.u24_be(12)?), "count");
        out.number("last_door2_open_duration", f64::from(b.u24_be(15)?), "min");
    }
    Ok(())
}

fn wl03a_live(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.exactly(11)?;
    let flags = b.u8(0)?;
    out.text("count_mod", flag(flags, 3, "PART", "SUM"));
    out.text("tdc", flag(flags, 2, "YES", "NO"));
    out.text("alarm", flag(flags, 1, "TRUE", "FALSE"));
    out.text("water_leak_status", flag(flags, 0, "LEAK", "NO LEAK"));
    out.number("water_leak_times", f64::from(b.u24_be(1)?), "count");
    out.number("lsat_water_leak_duration", f64::from(b.u24_be(4)?), "min");
    out.text_owned("time", datetime(i64::from(b.i32_be(7)?)));
    Ok(())
}

fn wl03a_config(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(8)?;
    out.plain("tdc", f64::from(b.u24_be(0)?));
    out.plain("disalarm", f64::from(b.u8(3)? & 0x01));
    out.plain("keep_status", f64::from(b.u8(4)? & 0x01));
    out.plain("keep_time", f64::from(b.u16_be(5)?));
    out.plain("leak_alarm_time", f64::from(b.u8(7)?));
    Ok(())
}

fn lb_datalog(model: Model, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let (set, clear) = if model == Model::Ds03aLb { ("OPEN", "CLOSE") } else { ("LEAK", "NO LEAK") };
    let first = b.u8(0)?;
    let mut text = String::new();
    for rec in records(b, 11) {
        let flags = rec.u8(0)?;
        text.push_str(&format!(
            "[{},{},{},{},{},{},{}],",
            flag(flags, 3, "PART", "SUM"),
            flag(flags, 2, "YES", "NO"),
            flag(flags, 1, "TRUE", "FALSE"),
            flag(flags, 0, set, clear),
            rec.u24_be(1)?,
            rec.u24_be(4)?,
            datetime(i64::from(rec.i32_be(7)?)),
        ));
    }
    out.text_owned("DATALOG", text);
    out.text("PNACKMD", flag(first, 7, "True", "False"));
    Ok(())
}

fn ds03a_config(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(11)?;
    out.plain("tdc", f64::from(b.u24_be(0)?));
    out.plain("disalarm", f64::from(b.u8(3)? & 0x01));
    out.plain("keep_status1", f64::from(b.u8(4)? & 0x01));
    out.plain("keep_time1", f64::from(b.u16_be(5)?));
    out.plain("keep_status2", f64::from(b.u8(7)? & 0x01));
    out.plain("keep_time2", f64::from(b.u16_be(8)?));
    out.plain("alarm_tdc", f64::from(b.u8(10)?));
    Ok(())
}
