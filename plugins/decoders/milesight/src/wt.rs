//! WT101 smart radiator thermostat (thermostatic valve head).
//!
//! Channels: `01 75` battery, `03 67` temperature, `04 67` target_temperature (int16 /10),
//! `05 92` valve_opening (%), `06 00` tamper_status, `07 00` window_detection, `08 e5`
//! motor_calibration_result, `09 90` motor_stroke, `0a 00` freeze_protection, `0b 90`
//! motor_position, `f9 33` heating_date, `f9 34` heating_schedule (pushed onto an array);
//! the `ff`/`fe` and `f8`/`f9` answers to configuration downlinks.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::channels::{self, Ctx, Handled};
use crate::config;

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// WT101 smart radiator thermostat.
    Wt101,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "wt101" => Some(Self::Wt101),
            _ => None,
        }
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] = &["wt101"];

fn named(out: &mut Readings, r: &mut Reader, name: &str, names: &[&'static str]) -> Result<(), DecodeError> {
    let v = usize::from(r.u8()?);
    out.text(name, names.get(v).copied().unwrap_or("unknown"));
    Ok(())
}

const CONTROL_MODE: &[&str] = &["auto", "manual"];

/// Reads one channel of `model`.
pub fn channel(_model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    let out = &mut ctx.out;
    match (id, ty) {
        (0x01, 0x75) => channels::battery(r, out)?,
        (0x03, 0x67) => channels::temperature(r, out, "temperature")?,
        (0x04, 0x67) => channels::temperature(r, out, "target_temperature")?,
        (0x05, 0x92) => out.number("valve_opening", f64::from(r.u8()?), "%"),
        (0x06, 0x00) => named(out, r, "tamper_status", &["installed", "uninstalled"])?,
        (0x07, 0x00) => named(out, r, "window_detection", &["normal", "open"])?,
        (0x08, 0xe5) => named(
            out,
            r,
            "motor_calibration_result",
            &[
                "success",
                "fail: out of range",
                "fail: uninstalled",
                "calibration cleared",
                "temperature control disabled",
            ],
        )?,
        (0x09, 0x90) => out.plain("motor_stroke", f64::from(r.u16_le()?)),
        (0x0a, 0x00) => named(out, r, "freeze_protection", &["normal", "triggered"])?,
        (0x0b, 0x90) => out.plain("motor_position", f64::from(r.u16_le()?)),
        (0xf9, 0x33) => heating_date(r, out)?,
        (0xf9, 0x34) => heating_schedule(ctx, r)?,
        (0xfe | 0xff, _) => return response(ty, r, out),
        (0xf8 | 0xf9, 0x35..=0x3a) => return config::ext(id, ty, r, out, ext),
        (0xf8, 0x33) => return config::ext(id, ty, r, out, |_, r, out| heating_date(r, out).map(|()| true)),
        _ => return Ok(false),
    }
    Ok(true)
}

/// enable u8, report_interval uint16, start month/day, end month/day.
fn heating_date(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    config::enable_byte(r, out, "heating_date.enable")?;
    out.plain("heating_date.report_interval", f64::from(r.u16_le()?));
    for name in ["start_month", "start_day", "end_month", "end_day"] {
        out.plain(&format!("heating_date.{name}"), f64::from(r.u8()?));
    }
    Ok(())
}

/// index u8 (+1), enable, control mode, value, report_interval uint16, execute_time uint16,
/// weekday bits 1-7 (Monday to Sunday).
fn heating_schedule(ctx: &mut Ctx, r: &mut Reader) -> Result<(), DecodeError> {
    let p = format!("heating_schedule.{}", ctx.next_index("heating_schedule"));
    let out = &mut ctx.out;
    out.plain(&format!("{p}.index"), f64::from(r.u8()?) + 1.0);
    config::enable_byte(r, out, &format!("{p}.enable"))?;
    named(out, r, &format!("{p}.temperature_control_mode"), CONTROL_MODE)?;
    out.plain(&format!("{p}.value"), f64::from(r.u8()?));
    out.plain(&format!("{p}.report_interval"), f64::from(r.u16_le()?));
    out.plain(&format!("{p}.execute_time"), f64::from(r.u16_le()?));
    let days = r.u8()?;
    for (bit, day) in
        ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"].iter().enumerate()
    {
        let on = (days >> (bit + 1)) & 0x01 == 1;
        out.text(&format!("{p}.week_recycle.{day}"), channels::enable(on));
    }
    Ok(())
}

fn response(ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match ty {
        0x17 => {
            let tz = r.i16_le()?;
            out.text("time_zone", config::time_zone_v1(tz));
        }
        0x25 => config::enable_byte(r, out, "child_lock_config.enable")?,
        0x28 => config::yes(r, out, "report_status")?,
        0x3b => {
            let v = r.u8()?;
            let name = match v {
                0 => "disable",
                2 => "enable",
                _ => "unknown",
            };
            out.text("time_sync_enable", name);
        }
        0x57 => config::yes(r, out, "restore_open_window_detection")?,
        0xab => {
            config::enable_byte(r, out, "temperature_calibration_settings.enable")?;
            let v = r.i16_le()?;
            out.number("temperature_calibration_settings.calibration_value", f64::from(v) / 10.0, "Cel");
        }
        0xac => named(out, r, "valve_control_algorithm", &["rate", "pid"])?,
        0xad => config::yes(r, out, "valve_calibration")?,
        0xae => named(out, r, "temperature_control.mode", CONTROL_MODE)?,
        0xaf => {
            config::enable_byte(r, out, "open_window_detection.enable")?;
            let t = r.i8()?;
            out.number("open_window_detection.temperature_threshold", f64::from(t) / 10.0, "Cel");
            out.plain("open_window_detection.time", f64::from(r.u16_le()?));
        }
        0xb0 => {
            config::enable_byte(r, out, "freeze_protection_config.enable")?;
            let t = r.i16_le()?;
            out.number("freeze_protection_config.temperature", f64::from(t) / 10.0, "Cel");
        }
        0xb1 => {
            out.number("target_temperature", f64::from(r.i8()?), "Cel");
            out.number("temperature_tolerance", f64::from(r.u16_le()?) / 10.0, "Cel");
        }
        0xb3 => config::enable_byte(r, out, "temperature_control.enable")?,
        0xb4 => out.number("valve_opening", f64::from(r.u8()?), "%"),
        0xc4 => {
            config::enable_byte(r, out, "outside_temperature_control.enable")?;
            out.plain("outside_temperature_control.timeout", f64::from(r.u8()?));
        }
        0xf8 => named(out, r, "offline_control_mode", &["keep", "embedded temperature control", "off"])?,
        0x10 | 0x4a | 0x8e | 0xbd => return config::common(ty, r, out),
        _ => return Ok(false),
    }
    Ok(true)
}

fn ext(ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match ty {
        0x35 => {
            out.number("target_temperature_range.min", f64::from(r.i8()?), "Cel");
            out.number("target_temperature_range.max", f64::from(r.i8()?), "Cel");
        }
        0x36 => config::enable_byte(r, out, "display_ambient_temperature")?,
        0x37 => named(out, r, "window_detection_valve_strategy", &["keep", "close"])?,
        0x38 => {
            config::enable_byte(r, out, "effective_stroke.enable")?;
            out.plain("effective_stroke.rate", f64::from(r.u8()?));
        }
        0x3a => config::enable_byte(r, out, "change_report_enable")?,
        _ => return Ok(false),
    }
    Ok(true)
}
