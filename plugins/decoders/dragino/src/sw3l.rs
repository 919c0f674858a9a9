//! SW3L and SW3L-LB water flow sensors (`vendor/dragino/sw3l.js`, `sw3l-lb.js`): pulse-counting
//! flow meters whose pulses per litre depend on the pipe size (the calculate flag).
//!
//! fPort 2, 11 bytes:
//!
//! | bytes | name | value |
//! |---|---|---|
//! | 0 | Calculate_flag (bits 7-2), Alarm (bit 1, `TRUE`/`FALSE`) | |
//! | 1-4 | Total_pulse (MOD other than 1) or Last_pulse (MOD 1) | u32 count |
//! | 1-4 | Water_flow_value | the count / 60 (flag 2), / 360 (flag 1), / 450 (any other flag), one decimal, litres |
//! | 5 | MOD | u8 |
//! | 7-10 | Data_time | Unix s as `YYYY-MM-DD HH:MM:SS` (UTC) |
//!
//! fPort 3 is a datalog: `DATALOG` is `[Alarm,flag,MOD,pulses,litres,time],` per 11-byte record
//! (the count at bytes 3-6 there). fPort 4 is the configuration: TDC (u24), Stop_Timer (byte 4),
//! Alarm_Timer (u16 at 5). fPort 5 is the device status (sensor code 0x11).
//!
//! SW3L-LB: the same layout with lower-case names (mod, calculate_flag, alarm, water_flow_value,
//! total_pulse / last_pulse, data_time; tdc, stop_timer, alarm_timer; battery in the status),
//! exactly 11 bytes on fPort 2, no fPort 3 PNACKMD. Its vendor decoder divides the live count by
//! 12 whatever the flag, and the datalog's by 64 (flag 2), 390 (flag 1) or 450.

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Bytes, StatusStyle, datetime, device_status, device_status_v2, ratio_fixed1, records};

/// The models of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// SW3L.
    Sw3l,
    /// SW3L-LB.
    Sw3lLb,
}

/// Model ids of the family.
pub const MODELS: &[&str] = &["sw3l", "sw3l-lb"];

impl Model {
    /// The model of a lower-case TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "sw3l" => Self::Sw3l,
            "sw3l-lb" => Self::Sw3lLb,
            _ => return None,
        })
    }

    /// The reading name of `upper` (the SW3L's) in this model's decoder.
    fn name(self, upper: &'static str, lower: &'static str) -> &'static str {
        if self == Self::Sw3l { upper } else { lower }
    }
}

/// Litres of `pulses` for a calculate flag in a datalog record (or an SW3L live report), as
/// the vendor decoder rounds them (one decimal).
fn litres(model: Model, flag: u8, pulses: u32) -> f64 {
    let per_litre = match (model, flag) {
        (Model::Sw3l, 2) => 60,
        (Model::Sw3l, 1) => 360,
        (Model::Sw3lLb, 2) => 64,
        (Model::Sw3lLb, 1) => 390,
        _ => 450,
    };
    ratio_fixed1(u64::from(pulses), per_litre)
}

/// Decodes an SW3L / SW3L-LB frame received on `port`.
pub fn decode(model: Model, port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match port {
        2 => live(model, b, out),
        3 => datalog(model, b, out),
        4 => {
            b.require(7)?;
            out.plain(model.name("TDC", "tdc"), f64::from(b.u24_be(0)?));
            out.plain(model.name("Stop_Timer", "stop_timer"), f64::from(b.u8(4)?));
            out.plain(model.name("Alarm_Timer", "alarm_timer"), f64::from(b.u16_be(5)?));
            Ok(())
        }
        5 if model == Model::Sw3l => device_status_v2(b, out, (0x11, "SW3L")),
        5 => device_status(b, out, (0x11, "SW3L"), StatusStyle { battery: "battery", as923_4: false }),
        _ => Err(DecodeError::UnknownPort(port)),
    }
}

fn live(model: Model, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    if model == Model::Sw3l {
        b.require(11)?;
    } else {
        b.exactly(11)?;
    }
    let flags = b.u8(0)?;
    let flag = flags >> 2;
    let mode = b.u8(5)?;
    let pulses = b.u32_be(1)?;
    let volume = match model {
        Model::Sw3l => litres(model, flag, pulses),
        Model::Sw3lLb => ratio_fixed1(u64::from(pulses), 12),
    };
    out.plain(model.name("MOD", "mod"), f64::from(mode));
    out.plain(model.name("Calculate_flag", "calculate_flag"), f64::from(flag));
    out.text(model.name("Alarm", "alarm"), if flags & 0x02 != 0 { "TRUE" } else { "FALSE" });
    out.number(model.name("Water_flow_value", "water_flow_value"), volume, "l");
    let name = match mode {
        1 => model.name("Last_pulse", "last_pulse"),
        _ => model.name("Total_pulse", "total_pulse"),
    };
    out.number(name, f64::from(pulses), "count");
    out.text_owned(model.name("Data_time", "data_time"), datetime(i64::from(b.i32_be(7)?)));
    Ok(())
}

fn datalog(model: Model, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let mut text = String::new();
    for rec in records(b, 11) {
        let flags = rec.u8(0)?;
        let flag = flags >> 2;
        let pulses = rec.u32_be(3)?;
        text.push_str(&format!(
            "[{},{},{},{},{:.1},{}],",
            if flags & 0x02 != 0 { "TRUE" } else { "FALSE" },
            flag,
            rec.u8(1)?,
            pulses,
            litres(model, flag, pulses),
            datetime(i64::from(rec.i32_be(7)?)),
        ));
    }
    if !text.is_empty() {
        out.text_owned("DATALOG", text);
    }
    Ok(())
}
