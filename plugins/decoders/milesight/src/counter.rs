//! VS people counters: VS121 workplace occupancy, VS133 / VS135 ToF line counters, VS350 /
//! VS351 passage counters and the VS360 split (main + node) counter.
//!
//! | model | channels |
//! |---|---|
//! | vs121 | `04 c9` people_counter_all, region_count, regions.N.{index,count} |
//! | vs133 (its first decoder) | `03/06/09/0c d2` line_N.total_in, `04/07/0a/0d d2` line_N.total_out, `05/08/0b/0e cc` line_N.period_in + period_out |
//! | vs135 (the VS133 / VS135 decoder) | the same lines as flat `line_N_*` names, `11..1c` the child device's lines, `0f e3` / `1d e3` region counts, `10 e4` / `1e e4` region dwell times, `50 fc` occlusion alarm, `20 ce` history, `ff 1f` 4-part firmware version, configuration answers |
//! | vs350 / vs351 | `01 75` battery, `03 67` temperature, `04 cc` total_in + total_out, `05 cc` period_in + period_out, `0a ef` timestamp, `83 67` / `84 cc` / `85 cc` the same with an alarm byte, `20 ce` history, configuration answers |
//! | vs360 | `01 75` battery_main, `02 75` battery_node, `03 f4` event, `04/05/84/85 cc` and `0a ef` and `20 ce` as vs350 |
//!
//! The VS121 decoder marks region `idx` as occupied when the region word (uint16, big
//! endian) is greater than `idx`, not when bit `idx` is set; its published example
//! (`0002` -> regions 0 and 1 occupied) holds only under that reading, so it is kept.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::channels::{self, Ctx, Handled, field};
use crate::config;

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// VS121 AI workplace occupancy sensor.
    Vs121,
    /// VS133 per its first TTN decoder (nested `line_N` objects).
    Vs133,
    /// VS135 (the VS133 / VS135 decoder with flat names).
    Vs135,
    /// VS350 / VS351 passage people counters.
    Vs35x,
    /// VS360 people counter (main and node units).
    Vs360,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "vs121" => Self::Vs121,
            "vs133" => Self::Vs133,
            "vs135" => Self::Vs135,
            "vs350" | "vs351" => Self::Vs35x,
            "vs360" => Self::Vs360,
            _ => return None,
        })
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] = &["vs121", "vs133", "vs135", "vs350", "vs351", "vs360"];

/// Line number 1..4 of a line channel among `first`, `first + 3`, `first + 6`, `first + 9`.
fn line(id: u8, first: u8) -> Option<u8> {
    match id.checked_sub(first) {
        Some(d @ (0 | 3 | 6 | 9)) => Some(d / 3 + 1),
        _ => None,
    }
}

fn count(out: &mut Readings, name: &str, v: u32) {
    out.number(name, f64::from(v), "count");
}

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    match model {
        Model::Vs121 => vs121(ctx, id, ty, r),
        Model::Vs133 => vs133(ctx, id, ty, r),
        Model::Vs135 => vs135(ctx, id, ty, r),
        Model::Vs35x | Model::Vs360 => vs35x(model, ctx, id, ty, r),
    }
}

fn vs121(ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    if (id, ty) != (0x04, 0xc9) {
        return Ok(false);
    }
    let all = r.u8()?;
    let regions = r.u8()?;
    let word = r.u16_be()?;
    count(&mut ctx.out, "people_counter_all", u32::from(all));
    ctx.out.plain("region_count", f64::from(regions));
    for idx in 0..regions {
        let p = format!("regions.{idx}");
        ctx.out.plain(&field(&p, "index"), f64::from(idx));
        ctx.out.plain(&field(&p, "count"), if word > u16::from(idx) { 1.0 } else { 0.0 });
    }
    Ok(true)
}

fn vs133(ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    let out = &mut ctx.out;
    match ty {
        0xd2 => {
            if let Some(n) = line(id, 0x03) {
                count(out, &format!("line_{n}.total_in"), r.u32_le()?);
            } else if let Some(n) = line(id, 0x04) {
                count(out, &format!("line_{n}.total_out"), r.u32_le()?);
            } else {
                return Ok(false);
            }
        }
        0xcc => {
            let Some(n) = line(id, 0x05) else { return Ok(false) };
            count(out, &format!("line_{n}.period_in"), u32::from(r.u16_le()?));
            count(out, &format!("line_{n}.period_out"), u32::from(r.u16_le()?));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The line counters of the VS135 decoder: main device on `03..0e` (`line_N_total_in`),
/// child device on `11..1c` (`line_N_child_total_in`).
fn vs135_line(out: &mut Readings, id: u8, ty: u8, r: &mut Reader) -> Handled {
    let (first, child) = if id >= 0x11 { (0x11, "child_") } else { (0x03, "") };
    match ty {
        0xd2 => {
            if let Some(n) = line(id, first) {
                count(out, &format!("line_{n}_{child}total_in"), r.u32_le()?);
            } else if let Some(n) = line(id, first + 1) {
                count(out, &format!("line_{n}_{child}total_out"), r.u32_le()?);
            } else {
                return Ok(false);
            }
        }
        0xcc => {
            let Some(n) = line(id, first + 2) else { return Ok(false) };
            count(out, &format!("line_{n}_{child}period_in"), u32::from(r.u16_le()?));
            count(out, &format!("line_{n}_{child}period_out"), u32::from(r.u16_le()?));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn region_counts(out: &mut Readings, r: &mut Reader, child: &str) -> Result<(), DecodeError> {
    for n in 1..=4 {
        count(out, &format!("region_{n}_{child}count"), u32::from(r.u8()?));
    }
    Ok(())
}

fn vs135(ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    match (id, ty) {
        (0x03..=0x0e | 0x11..=0x1c, 0xd2 | 0xcc) => return vs135_line(&mut ctx.out, id, ty, r),
        (0x0f, 0xe3) => region_counts(&mut ctx.out, r, "")?,
        (0x1d, 0xe3) => region_counts(&mut ctx.out, r, "child_")?,
        (0x10 | 0x1e, 0xe4) => {
            let child = if id == 0x1e { "child_" } else { "" };
            let region = r.u8()?;
            let avg = r.u16_le()?;
            let max = r.u16_le()?;
            ctx.out.number(&format!("region_{region}_{child}avg_dwell"), f64::from(avg), "s");
            ctx.out.number(&format!("region_{region}_{child}max_dwell"), f64::from(max), "s");
        }
        (0x50, 0xfc) => {
            r.skip(1)?;
            let node = r.u8()?;
            let state = match r.u8()? {
                0 => "alarm_released",
                1 => "alarm_triggered",
                _ => "unknown",
            };
            let name = if node == 0 { String::from("master") } else { format!("node_{node}") };
            ctx.out.text(&format!("{name}_occlusion_alarm"), state);
        }
        (0x20, 0xce) => vs135_history(ctx, r)?,
        (0xff, 0x09) => {
            let (major, minor) = (r.u8()?, r.u8()?);
            ctx.out.text_owned("hardware_version", format!("v{major}.{minor}"));
        }
        (0xff, 0x1f) => {
            let v = r.take(4)?;
            let parts: Vec<String> = v.iter().map(u8::to_string).collect();
            ctx.out.text_owned("firmware_version", format!("v{}", parts.join(".")));
        }
        (0xfe | 0xff, _) => return vs135_response(ty, r, &mut ctx.out),
        (0xf8 | 0xf9, _) => return config::ext(id, ty, r, &mut ctx.out, vs135_ext),
        _ => return Ok(false),
    }
    Ok(true)
}

/// A VS135 history record: timestamp u32, a data type naming one channel (`03..0e` the
/// main lines, `11..1c` the child lines, `0f` / `1d` region counts: 4 bytes), or `10` /
/// `20` (avg / max dwell), `1e` / `3c` (child avg / max dwell): region u8 + uint16.
fn vs135_history(ctx: &mut Ctx, r: &mut Reader) -> Result<(), DecodeError> {
    let p = ctx.next_history();
    let t = ctx.history_timestamp(&p, r)?;
    let kind = r.u8()?;
    let mut rec = Readings::new();
    match kind {
        0x03..=0x0e | 0x11..=0x1c => {
            let ty = if line(kind, 0x05).is_some() || line(kind, 0x13).is_some() { 0xcc } else { 0xd2 };
            vs135_line(&mut rec, kind, ty, r)?;
        }
        0x0f => region_counts(&mut rec, r, "")?,
        0x1d => region_counts(&mut rec, r, "child_")?,
        0x10 | 0x20 | 0x1e | 0x3c => {
            let region = r.u8()?;
            let v = r.u16_le()?;
            let name = match kind {
                0x10 => "avg_dwell",
                0x20 => "max_dwell",
                0x1e => "child_avg_dwell",
                _ => "child_max_dwell",
            };
            rec.number(&format!("region_{region}_{name}"), f64::from(v), "s");
        }
        _ => {
            return Err(DecodeError::InvalidField(format!("unknown vs135 history data type 0x{kind:02x}")));
        }
    }
    for reading in rec.into_vec() {
        let name = field(&p, &reading.name);
        if let passerelle_pdk::decoder::Value::Number(v) = reading.value {
            match reading.unit {
                Some(unit) => ctx.out.number(&name, v, &unit),
                None => ctx.out.plain(&name, v),
            }
        }
    }
    ctx.out.stamp(&p, t);
    Ok(())
}

fn vs135_response(ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match ty {
        0x03 => out.number("report_interval", f64::from(r.u16_le()?), "s"),
        0x04 => config::enable_byte(r, out, "confirm_mode_enable")?,
        0x11 => out.number("timestamp", f64::from(r.u32_le()?), "s"),
        0x27 => config::yes(r, out, "clear_history")?,
        0x40 => config::enable_byte(r, out, "adr_enable")?,
        0x42 => config::enable_byte(r, out, "wifi_enable")?,
        0x43 => config::enable_byte(r, out, "periodic_report_enable")?,
        0x44 => config::enable_byte(r, out, "trigger_report_enable")?,
        0x51 => config::yes(r, out, "clear_total_count")?,
        0x10 | 0x68 | 0x69 | 0x6a | 0x6d => return config::common(ty, r, out),
        _ => return Ok(false),
    }
    Ok(true)
}

fn vs135_ext(ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match ty {
        0x84 => {
            config::enable_byte(r, out, "sync_time_from_gateway_config.enable")?;
            out.number("sync_time_from_gateway_config.period", f64::from(r.u16_le()?), "s");
        }
        0x85 => {
            config::enable_byte(r, out, "rejoin_config.enable")?;
            out.plain("rejoin_config.max_count", f64::from(r.u8()?));
        }
        0x86 => out.plain("data_rate", f64::from(r.u8()?)),
        0x87 => out.plain("tx_power_level", f64::from(r.u8()?)),
        0x88 => {
            for name in ["log_config.console_log_level", "log_config.file_log_level"] {
                let level = match r.u8()? {
                    1 => "fatal",
                    2 => "error",
                    3 => "warning",
                    4 => "debug",
                    5 => "trace",
                    _ => "unknown",
                };
                out.text(name, level);
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The alarm names of the VS350 / VS351 decoder.
fn vs35x_alarm(v: u8) -> &'static str {
    match v {
        0 => "threshold alarm release",
        1 => "threshold alarm",
        3 => "high temperature alarm",
        4 => "high temperature alarm release",
        _ => "unknown",
    }
}

fn alarm_name(model: Model, v: u8) -> &'static str {
    match (model, v) {
        (Model::Vs360, 1) => "threshold_alarm",
        (Model::Vs360, _) => "unknown",
        _ => vs35x_alarm(v),
    }
}

fn in_out(out: &mut Readings, r: &mut Reader, a: &str, b: &str) -> Result<(), DecodeError> {
    count(out, a, u32::from(r.u16_le()?));
    count(out, b, u32::from(r.u16_le()?));
    Ok(())
}

fn vs35x(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    let out = &mut ctx.out;
    match (model, id, ty) {
        (Model::Vs35x, 0x01, 0x75) => channels::battery(r, out)?,
        (Model::Vs360, 0x01, 0x75) => out.number("battery_main", f64::from(r.u8()?), "%"),
        (Model::Vs360, 0x02, 0x75) => out.number("battery_node", f64::from(r.u8()?), "%"),
        (Model::Vs360, 0x03, 0xf4) => {
            // each event is pushed onto an `event` array
            let kind = match r.u8()? {
                0 => "counting_anomaly",
                1 => "node_device_without_response",
                2 => "devices_misaligned",
                _ => "unknown",
            };
            let status = match r.u8()? {
                0 => "alarm_release",
                1 => "alarm",
                _ => "unknown",
            };
            let n = ctx.next_index("event");
            ctx.out.text(&format!("event.{n}.type"), kind);
            ctx.out.text(&format!("event.{n}.status"), status);
        }
        (Model::Vs35x, 0x03, 0x67) => channels::temperature(r, out, "temperature")?,
        (_, 0x04, 0xcc) => in_out(out, r, "total_in", "total_out")?,
        (_, 0x05, 0xcc) => in_out(out, r, "period_in", "period_out")?,
        (_, 0x0a, 0xef) => out.number("timestamp", f64::from(r.u32_le()?), "s"),
        (Model::Vs35x, 0x83, 0x67) => {
            channels::temperature(r, out, "temperature")?;
            let v = r.u8()?;
            out.text("temperature_alarm", vs35x_alarm(v));
        }
        (_, 0x84, 0xcc) => {
            in_out(out, r, "total_in", "total_out")?;
            let v = r.u8()?;
            out.text("total_count_alarm", alarm_name(model, v));
        }
        (_, 0x85, 0xcc) => {
            in_out(out, r, "period_in", "period_out")?;
            let v = r.u8()?;
            out.text("period_count_alarm", alarm_name(model, v));
        }
        (_, 0x20, 0xce) => {
            // timestamp u32, kind (0: period in/out, 1: period and total in/out)
            let p = ctx.next_history();
            let t = ctx.history_timestamp(&p, r)?;
            let kind = r.u8()?;
            if kind > 1 {
                return Err(DecodeError::InvalidField(format!("unknown history type 0x{kind:02x}")));
            }
            in_out(&mut ctx.out, r, &field(&p, "period_in"), &field(&p, "period_out"))?;
            if kind == 1 {
                in_out(&mut ctx.out, r, &field(&p, "total_in"), &field(&p, "total_out"))?;
            }
            ctx.out.stamp(&p, t);
        }
        (_, 0xfe | 0xff, _) => return vs35x_response(model, ty, r, out),
        (_, 0xf8 | 0xf9, 0x10) => {
            return config::ext(id, ty, r, out, |_, r, out| {
                let kind = match r.u8()? {
                    0 => "period",
                    1 => "immediately",
                    _ => "unknown",
                };
                out.text("report_type", kind);
                Ok(true)
            });
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn vs35x_response(model: Model, ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match ty {
        0x06 => {
            // config byte (bits 3-5 the source: 1 period count, 2 cumulative count,
            // 3 temperature; bits 0-2 the condition), two uint16 thresholds, 4 bytes unused
            let cfg = r.u8()?;
            let a = r.u16_le()?;
            let b = r.u16_le()?;
            r.skip(4)?;
            let cond = channels::condition(cfg & 0x07);
            let p = match (cfg >> 3) & 0x07 {
                1 => "people_period_alarm_config",
                2 => "people_cumulative_alarm_config",
                3 => {
                    out.text("temperature_alarm_config.condition", cond);
                    out.number("temperature_alarm_config.threshold_min", f64::from(a) / 10.0, "Cel");
                    out.number("temperature_alarm_config.threshold_max", f64::from(b) / 10.0, "Cel");
                    return Ok(true);
                }
                _ => return Ok(true),
            };
            out.text(&field(p, "condition"), cond);
            out.plain(&field(p, "threshold_out"), f64::from(a));
            out.plain(&field(p, "threshold_in"), f64::from(b));
        }
        0x28 => config::yes(r, out, "report_status")?,
        0x6b => config::yes(r, out, "stop_transmit")?,
        0xa6 => config::enable_byte(r, out, "reset_cumulative_enable")?,
        0xa8 => match r.u8()? {
            1 => out.text("reset_cumulative_in", "yes"),
            2 => out.text("reset_cumulative_out", "yes"),
            _ => {}
        },
        0xa9 => config::enable_byte(r, out, "report_cumulative_enable")?,
        0xa7 if model == Model::Vs35x => out.plain("reset_cumulative_interval", f64::from(r.u16_le()?)),
        0xaa if model == Model::Vs35x => config::enable_byte(r, out, "report_temperature_enable")?,
        0xab if model == Model::Vs35x => {
            config::enable_byte(r, out, "temperature_calibration_settings.enable")?;
            let v = r.i16_le()?;
            out.number("temperature_calibration_settings.calibration_value", f64::from(v) / 10.0, "Cel");
        }
        0xfd if model == Model::Vs360 => config::enable_byte(r, out, "led_indicator_enable")?,
        _ => return config::common(ty, r, out),
    }
    Ok(true)
}
