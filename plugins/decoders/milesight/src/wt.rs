//! WT thermostats: the WT101 smart radiator thermostat (thermostatic valve head) and the
//! WT201 smart HVAC thermostat (TTN id `wt201v1`).
//!
//! WT201 channels: `03 67` temperature, `04 67` target_temperature, `05 e7`
//! temperature_control_mode + status, `06 e8` fan_mode + fan_status, `07 bc` plan_type, `08 8e`
//! system_status, `09 68` humidity, `0a 6e` wires_relay.*, `ff cb` supported modes and stages,
//! `83 67` temperature + temperature_alarm (3 bytes; the vendor decoder advances by 2 and
//! reads the alarm byte as the next channel id), `b3 67` / `b9 68` sensor status, `20 ce`
//! history (bit-packed temperatures), configuration answers.
//!
//! WT101 channels: `01 75` battery, `03 67` temperature, `04 67` target_temperature (int16 /10),
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
    /// WT201 smart HVAC thermostat.
    Wt201,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "wt101" => Some(Self::Wt101),
            "wt201v1" => Some(Self::Wt201),
            _ => None,
        }
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] = &["wt101", "wt201v1"];

fn named(out: &mut Readings, r: &mut Reader, name: &str, names: &[&'static str]) -> Result<(), DecodeError> {
    let v = usize::from(r.u8()?);
    out.text(name, names.get(v).copied().unwrap_or("unknown"));
    Ok(())
}

const CONTROL_MODE: &[&str] = &["auto", "manual"];

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    if model == Model::Wt201 {
        return wt201(ctx, id, ty, r);
    }
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

const WT201_MODE: &[&str] = &["heat", "em_heat", "cool", "auto"];
const WT201_STATUS: &[&str] = &[
    "standby",
    "stage-1 heat",
    "stage-2 heat",
    "stage-3 heat",
    "stage-4 heat",
    "em_heat",
    "stage-1 cool",
    "stage-2 cool",
];
const FAN_MODE: &[&str] = &["auto", "on", "circulate", "disable"];
const FAN_STATUS: &[&str] = &["standby", "high speed", "low speed", "on"];
const ON_OFF: &[&str] = &["off", "on"];

fn pick(names: &[&'static str], v: impl Into<usize>) -> &'static str {
    names.get(v.into()).copied().unwrap_or("unknown")
}

/// A WT201 history temperature: 11 bits in tenths of a degree, offset by -100 °C.
fn packed_temperature(word: u16) -> f64 {
    f64::from((word >> 5) & 0x7ff) / 10.0 - 100.0
}

fn wt201(ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    let out = &mut ctx.out;
    match (id, ty) {
        (0x03, 0x67) => channels::temperature(r, out, "temperature")?,
        (0x04, 0x67) => channels::temperature(r, out, "target_temperature")?,
        (0x05, 0xe7) => {
            let v = r.u8()?;
            out.text("temperature_control_mode", pick(WT201_MODE, v & 0x03));
            out.text("temperature_control_status", pick(WT201_STATUS, (v >> 4) & 0x0f));
        }
        (0x06, 0xe8) => {
            let v = r.u8()?;
            out.text("fan_mode", pick(FAN_MODE, v & 0x03));
            out.text("fan_status", pick(FAN_STATUS, (v >> 2) & 0x03));
        }
        (0x07, 0xbc) => {
            let plan = match r.u8()? & 0x0f {
                0 => "not executed",
                1 => "wake",
                2 => "away",
                3 => "home",
                4 => "sleep",
                _ => "unknown",
            };
            out.text("plan_type", plan);
        }
        (0x08, 0x8e) => {
            let v = r.u8()?;
            out.text("system_status", pick(ON_OFF, v));
        }
        (0x09, 0x68) => channels::humidity(r, out, "humidity")?,
        (0x0a, 0x6e) => {
            let v = r.u8()?;
            for (bit, name) in ["y1", "y2_gl", "w1", "w2_aux", "e", "g", "ob"].iter().enumerate() {
                out.text(&format!("wires_relay.{name}"), pick(ON_OFF, (v >> bit) & 0x01));
            }
        }
        (0xff, 0xcb) => {
            let (modes, heat, cool) = (r.u8()?, r.u8()?, r.u8()?);
            for (bit, name) in ["heat", "em_heat", "cool", "auto"].iter().enumerate() {
                let on = (modes >> bit) & 0x01 == 1;
                out.text(&format!("temperature_control_support_mode.{name}"), channels::enable(on));
            }
            let stages = [
                ("stage_1_heat", heat, 0),
                ("stage_2_heat", heat, 1),
                ("stage_3_heat", heat, 2),
                ("stage_4_heat", heat, 3),
                ("aux_heat", heat, 4),
                ("stage_1_cool", cool, 0),
                ("stage_2_cool", cool, 1),
            ];
            for (name, byte, bit) in stages {
                let on = (byte >> bit) & 0x01 == 1;
                out.text(&format!("temperature_control_support_status.{name}"), channels::enable(on));
            }
        }
        (0x83, 0x67) => {
            channels::temperature(r, out, "temperature")?;
            let alarm = match r.u8()? {
                1 => "emergency heating timeout alarm",
                2 => "auxiliary heating timeout alarm",
                3 => "persistent low temperature alarm",
                4 => "persistent low temperature alarm release",
                5 => "persistent high temperature alarm",
                6 => "persistent high temperature alarm release",
                7 => "freeze protection alarm",
                8 => "freeze protection alarm release",
                9 => "threshold alarm",
                10 => "threshold alarm release",
                _ => "unknown",
            };
            out.text("temperature_alarm", alarm);
        }
        (0xb3, 0x67) | (0xb9, 0x68) => {
            let name = if id == 0xb3 { "temperature_sensor_status" } else { "humidity_sensor_status" };
            let status = match r.u8()? {
                1 => "read failed",
                2 => "out of range",
                _ => "unknown",
            };
            out.text(name, status);
        }
        (0x20, 0xce) => {
            // timestamp u32; word 1: fan mode (bits 0-1), fan status (2-3), system status
            // (4), temperature (5-15); word 2: control mode (0-1), control status (2-4),
            // target temperature (5-15)
            let p = ctx.next_history();
            let t = ctx.history_timestamp(&p, r)?;
            let (a, b) = (r.u16_le()?, r.u16_le()?);
            let out = &mut ctx.out;
            out.text(&format!("{p}.fan_mode"), pick(FAN_MODE, a & 0x03));
            out.text(&format!("{p}.fan_status"), pick(FAN_STATUS, (a >> 2) & 0x03));
            out.text(&format!("{p}.system_status"), pick(ON_OFF, (a >> 4) & 0x01));
            out.number(&format!("{p}.temperature"), packed_temperature(a), "Cel");
            out.text(&format!("{p}.temperature_control_mode"), pick(WT201_MODE, b & 0x03));
            out.text(&format!("{p}.temperature_control_status"), pick(WT201_STATUS, (b >> 2) & 0x07));
            out.number(&format!("{p}.target_temperature"), packed_temperature(b), "Cel");
            out.stamp(&p, t);
        }
        (0xfe | 0xff, _) => return wt201_response(ty, r, out),
        _ => return Ok(false),
    }
    Ok(true)
}

fn wt201_response(ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match ty {
        0x02 => out.number("collection_interval", f64::from(r.u16_le()?), "s"),
        0x03 => channels::temperature(r, out, "outside_temperature")?,
        0x06 => {
            // condition (bits 0-2), alarm type (bits 3-5); min and max are written only
            // where the condition uses them; lock and continue times
            let cfg = r.u8()?;
            let (min, max) = (r.i16_le()?, r.i16_le()?);
            let (lock, cont) = (r.i16_le()?, r.i16_le()?);
            let cond = cfg & 0x07;
            let kind = (cfg >> 3) & 0x07;
            let p = "temperature_alarm_config";
            out.text(&format!("{p}.condition"), channels::condition(cond));
            let kind_name = pick(
                &["temperature threshold", "continuous low temperature", "continuous high temperature"],
                kind,
            );
            out.text(&format!("{p}.alarm_type"), kind_name);
            if matches!(cond, 1 | 3 | 4) || kind == 1 {
                out.number(&format!("{p}.threshold_min"), f64::from(min) / 10.0, "Cel");
            }
            if matches!(cond, 2..=4) || kind == 2 {
                out.number(&format!("{p}.threshold_max"), f64::from(max) / 10.0, "Cel");
            }
            out.plain(&format!("{p}.lock_time"), f64::from(lock));
            out.plain(&format!("{p}.continue_time"), f64::from(cont));
        }
        0x27 => config::yes(r, out, "clear_history")?,
        0x28 => named(out, r, "report_status", &["plan", "periodic"])?,
        0xab => {
            config::enable_byte(r, out, "temperature_calibration_settings.enable")?;
            let v = r.i16_le()?;
            out.number("temperature_calibration_settings.calibration_value", f64::from(v) / 10.0, "Cel");
        }
        0xb0 => {
            config::enable_byte(r, out, "freeze_protection_config.enable")?;
            let t = r.i16_le()?;
            out.number("freeze_protection_config.temperature", f64::from(t) / 10.0, "Cel");
        }
        0xb5 => {
            let mode = match r.u8()? {
                0 => "on_cool",
                1 => "on_heat",
                3 => "hold",
                _ => "unknown",
            };
            out.text("ob_mode", mode);
        }
        0xb6 => named(out, r, "fan_mode", FAN_MODE)?,
        0xb7 => {
            named(out, r, "temperature_control_mode", WT201_MODE)?;
            let t = r.u8()?;
            out.plain("target_temperature", f64::from(t & 0x7f));
            out.text("temperature_unit", if t >> 7 == 1 { "fahrenheit" } else { "celsius" });
        }
        0xb8 => {
            let (a, b) = (r.u8()?, r.u8()?);
            out.plain("temperature_tolerance.target_temperature_tolerance", f64::from(a) / 10.0);
            out.plain("temperature_tolerance.auto_temperature_tolerance", f64::from(b) / 10.0);
        }
        0x10 | 0x4a | 0x68 | 0x69 | 0x6a | 0x8e => return config::common(ty, r, out),
        _ => return Ok(false),
    }
    Ok(true)
}
