//! Dry-contact open/close sensors and pulse counters: CPL01 (`vendor/dragino/cpl01.js`) and
//! CPL03-LB (`cpl03-lb.js`, whose CPL01 work mode is the CPL01's counter and whose CPL03 mode
//! counts three inputs).
//!
//! CPL01, fPort 2 (11 bytes):
//!
//! | bytes | name | value |
//! |---|---|---|
//! | 0 | CALCULATE_FLAG (bits 7-2), ALARM (bit 1, `TRUE`/`FALSE`), PIN_STATUS (bit 0, `DISCONNECT`/`CONNECT`) | |
//! | 1-3 | TOTAL_PULSE | u24 count |
//! | 4-6 | DISCONNECT_DURATION | u24 minutes of the last disconnection |
//! | 7-10 | TIME | Unix s as `YYYY-MM-DD HH:MM:SS` (UTC) |
//!
//! fPort 3 is a datalog: `DATALOG` is `[ALARM,PIN,TOTAL_PULSE,CALCULATE_FLAG,DURATION,TIME],`
//! per 11-byte record (PIN `OPEN`/`CLOSE`). fPort 4 is the configuration: TDC (u24), DISALARM,
//! KEEP_STATUS (bit 0 of bytes 3, 4), KEEP_TIME (u16), TRIGGER_MODE (bit 0 of byte 7). fPort 5
//! is the device status (sensor code 0x0E).
//!
//! CPL03-LB, live report on any port but 3, 4, 5, 7 (11 bytes); byte 0 holds the flags:
//! bit 5 count_mod (`PART`/`SUM`), bit 4 tdc (`YES` a periodic uplink / `NO`), bit 3 the work
//! mode (`CPL03` / `CPL01`):
//!
//! | mode | readings |
//! |---|---|
//! | `CPL01` | alarm (bit 1), pin_status (bit 0, `OPEN`/`CLOSE`), ttrig_mod (bit 2), pulsecounter (u24 1-3), last_duration (u24 4-6), time (7-10) |
//! | `CPL03` | calculate_flag (bits 2-0), pa8_pulsecounter, pa4_pulsecounter, pb15_pulsecounter (u24 at 1, 4, 7), pa8_roc, pa4_roc, pb15_roc (bits 0-2 of byte 10, `TRUE`/`FALSE`) |
//!
//! fPort 3: `DATALOG`, per 11-byte record `[mode,count,tdc,alarm,pin,ttrig,pulses,duration,time],`
//! in CPL01 mode and `[mode,count,tdc,flag,pulses,duration,time],` in CPL03 mode, and PNACKMD
//! (bit 7 of byte 0, `True`/`False`). fPort 4: tdc, disalarm, keep_status, keep_time,
//! ttrig_mod1-3 (bytes 7-9), alarm_tdc (byte 10). fPort 5: device status (sensor code 0x20,
//! battery as `battery`). fPort 7: the three inputs' trigger (`TRUE`/`FALSE`) and status
//! (`CLOSE` when set, `OPEN`) from byte 0: EXTI_PA8 (bits 1, 0), EXTI_PA4 (3, 2), EXTI_PB15 (5, 4).

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Bytes, StatusStyle, datetime, device_status, device_status_v2, records};

/// The models of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// CPL01 dry-contact sensor.
    Cpl01,
    /// CPL03-LB dry-contact sensor and three-input counter.
    Cpl03Lb,
}

/// Model ids of the family.
pub const MODELS: &[&str] = &["cpl01", "cpl03-lb"];

impl Model {
    /// The model of a lower-case TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "cpl01" => Self::Cpl01,
            "cpl03-lb" => Self::Cpl03Lb,
            _ => return None,
        })
    }
}

fn pick(byte: u8, mask: u8, set: &'static str, clear: &'static str) -> &'static str {
    if byte & mask != 0 { set } else { clear }
}

/// Decodes a frame of `model` received on `port`.
pub fn decode(model: Model, port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match (model, port) {
        (Model::Cpl01, 2) => cpl01_live(b, out),
        (Model::Cpl01, 3) => cpl01_datalog(b, out),
        (Model::Cpl01, 4) => cpl01_config(b, out),
        (Model::Cpl01, 5) => device_status_v2(b, out, (0x0e, "CPL01")),
        (Model::Cpl01, _) => Err(DecodeError::UnknownPort(port)),
        (Model::Cpl03Lb, 3) => cpl03_datalog(b, out),
        (Model::Cpl03Lb, 4) => cpl03_config(b, out),
        (Model::Cpl03Lb, 5) => {
            device_status(b, out, (0x20, "CPL03-LB"), StatusStyle { battery: "battery", as923_4: false })
        }
        (Model::Cpl03Lb, 7) => cpl03_inputs(b, out),
        (Model::Cpl03Lb, _) => cpl03_live(b, out),
    }
}

fn cpl01_live(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(11)?;
    let flags = b.u8(0)?;
    out.text("ALARM", pick(flags, 0x02, "TRUE", "FALSE"));
    out.text("PIN_STATUS", pick(flags, 0x01, "DISCONNECT", "CONNECT"));
    out.plain("CALCULATE_FLAG", f64::from(flags >> 2));
    out.number("TOTAL_PULSE", f64::from(b.u24_be(1)?), "count");
    out.number("DISCONNECT_DURATION", f64::from(b.u24_be(4)?), "min");
    out.text_owned("TIME", datetime(i64::from(b.i32_be(7)?)));
    Ok(())
}

fn cpl01_datalog(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let mut text = String::new();
    for rec in records(b, 11) {
        let flags = rec.u8(0)?;
        text.push_str(&format!(
            "[{},{},{},{},{},{}],",
            pick(flags, 0x02, "TRUE", "FALSE"),
            pick(flags, 0x01, "OPEN", "CLOSE"),
            rec.u24_be(1)?,
            flags >> 2,
            rec.u24_be(4)?,
            datetime(i64::from(rec.i32_be(7)?)),
        ));
    }
    if !text.is_empty() {
        out.text_owned("DATALOG", text);
    }
    Ok(())
}

fn cpl01_config(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(8)?;
    out.plain("TDC", f64::from(b.u24_be(0)?));
    out.plain("DISALARM", f64::from(b.u8(3)? & 0x01));
    out.plain("KEEP_STATUS", f64::from(b.u8(4)? & 0x01));
    out.plain("KEEP_TIME", f64::from(b.u16_be(5)?));
    out.plain("TRIGGER_MODE", f64::from(b.u8(7)? & 0x01));
    Ok(())
}

fn cpl03_live(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(11)?;
    let flags = b.u8(0)?;
    out.text("count_mod", pick(flags, 0x20, "PART", "SUM"));
    out.text("tdc", pick(flags, 0x10, "YES", "NO"));
    if flags & 0x08 == 0 {
        out.text("work_mod", "CPL01");
        out.text("alarm", pick(flags, 0x02, "TRUE", "FALSE"));
        out.text("pin_status", pick(flags, 0x01, "OPEN", "CLOSE"));
        out.plain("ttrig_mod", f64::from((flags >> 2) & 0x01));
        out.number("pulsecounter", f64::from(b.u24_be(1)?), "count");
        out.number("last_duration", f64::from(b.u24_be(4)?), "min");
        out.text_owned("time", datetime(i64::from(b.i32_be(7)?)));
    } else {
        let roc = b.u8(10)?;
        out.text("work_mod", "CPL03");
        out.plain("calculate_flag", f64::from(flags & 0x07));
        out.number("pa8_pulsecounter", f64::from(b.u24_be(1)?), "count");
        out.number("pa4_pulsecounter", f64::from(b.u24_be(4)?), "count");
        out.number("pb15_pulsecounter", f64::from(b.u24_be(7)?), "count");
        out.text("pa8_roc", pick(roc, 0x01, "TRUE", "FALSE"));
        out.text("pa4_roc", pick(roc, 0x02, "TRUE", "FALSE"));
        out.text("pb15_roc", pick(roc, 0x04, "TRUE", "FALSE"));
    }
    Ok(())
}

fn cpl03_datalog(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let mut text = String::new();
    for rec in records(b, 11) {
        let flags = rec.u8(0)?;
        let head = format!(
            "{},{},{}",
            pick(flags, 0x08, "CPL03", "CPL01"),
            pick(flags, 0x20, "PART", "SUM"),
            pick(flags, 0x10, "YES", "NO"),
        );
        let tail = format!("{},{},{}", rec.u24_be(1)?, rec.u24_be(4)?, datetime(i64::from(rec.i32_be(7)?)));
        if flags & 0x08 == 0 {
            text.push_str(&format!(
                "[{head},{},{},{},{tail}],",
                pick(flags, 0x02, "TRUE", "FALSE"),
                pick(flags, 0x01, "OPEN", "CLOSE"),
                (flags >> 2) & 0x01,
            ));
        } else {
            text.push_str(&format!("[{head},{},{tail}],", flags & 0x07));
        }
    }
    if let Ok(first) = b.u8(0) {
        out.text_owned("DATALOG", text);
        out.text("PNACKMD", pick(first, 0x80, "True", "False"));
    }
    Ok(())
}

fn cpl03_config(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(11)?;
    out.plain("tdc", f64::from(b.u24_be(0)?));
    out.plain("disalarm", f64::from(b.u8(3)? & 0x01));
    out.plain("keep_status", f64::from(b.u8(4)? & 0x01));
    out.plain("keep_time", f64::from(b.u16_be(5)?));
    out.plain("ttrig_mod1", f64::from(b.u8(7)?));
    out.plain("ttrig_mod2", f64::from(b.u8(8)?));
    out.plain("ttrig_mod3", f64::from(b.u8(9)?));
    out.plain("alarm_tdc", f64::from(b.u8(10)?));
    Ok(())
}

fn cpl03_inputs(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let flags = b.u8(0)?;
    for (name, trigger, status) in [("PA8", 0x02, 0x01), ("PA4", 0x08, 0x04), ("PB15", 0x20, 0x10)] {
        out.text(&format!("EXTI_{name}_Trigger"), pick(flags, trigger, "TRUE", "FALSE"));
        out.text(&format!("EXTI_{name}_Status"), pick(flags, status, "CLOSE", "OPEN"));
    }
    Ok(())
}
