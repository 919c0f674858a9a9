//! CT10x (one clamp) and CT30x (three clamps) smart current transformers.
//!
//! CT101 / CT103 / CT105: `03 97` total_current (Ah, uint32 /100), `04 98` current (A, uint16
//! /100, `ffff` = read failed), `09 67` temperature (`fffd` over range, `ffff` read failed),
//! `84 98` current_max, current_min, current + current_alarm bitfield, `89 67` temperature +
//! temperature_alarm.
//!
//! CT303 / CT305 / CT310: the same per clamp N = 1..3 on channels `03/05/07 97`
//! (current_chnN_total), `04/06/08 99` (current_chnN, /10) and `84/86/88 99` (alarm, /10).
//!
//! Both decode the responses to configuration downlinks (`ff`/`fe` + `02`, `06`, `10`, `27`,
//! `28`, `8e`, `f2`).

use passerelle_pdk::Reader;

use crate::channels::{self, Ctx, Handled, field, yes_no};

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// CT101 / CT103 / CT105, one current clamp.
    Ct10x,
    /// CT303 / CT305 / CT310, three current clamps.
    Ct30x,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "ct101" | "ct103" | "ct105" => Self::Ct10x,
            "ct303" | "ct305" | "ct310" => Self::Ct30x,
            _ => return None,
        })
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] = &["ct101", "ct103", "ct105", "ct303", "ct305", "ct310"];

fn sensor_status(code: u8) -> &'static str {
    match code {
        0 => "normal",
        1 => "over range alarm",
        _ => "read failed",
    }
}

/// The four alarm bits of `84 98` / `8x 99`, written under `prefix`.
fn current_alarm(ctx: &mut Ctx, prefix: &str, bits: u8) {
    for (bit, name) in [
        "current_threshold_alarm",
        "current_threshold_alarm_release",
        "current_over_range_alarm",
        "current_over_range_alarm_release",
    ]
    .iter()
    .enumerate()
    {
        ctx.out.text(&field(prefix, name), yes_no((bits >> bit) & 0x01 == 1));
    }
}

/// Clamp number 1..3 of a CT30x channel id among `first`, `first + 2`, `first + 4`.
fn clamp(id: u8, first: u8) -> Option<u8> {
    match id.checked_sub(first) {
        Some(d @ (0 | 2 | 4)) => Some(d / 2 + 1),
        _ => None,
    }
}

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    if model == Model::Ct30x && clamp_channel(ctx, id, ty, r)? {
        return Ok(true);
    }
    match (model, id, ty) {
        (Model::Ct10x, 0x03, 0x97) => ctx.out.number("total_current", f64::from(r.u32_le()?) / 100.0, "Ah"),
        (Model::Ct10x, 0x04, 0x98) => match r.u16_le()? {
            0xffff => ctx.out.text("current_sensor_status", sensor_status(2)),
            v => ctx.out.number("current", f64::from(v) / 100.0, "A"),
        },
        (Model::Ct10x, 0x84, 0x98) => {
            let max = r.u16_le()?;
            let min = r.u16_le()?;
            let current = r.u16_le()?;
            ctx.out.number("current_max", f64::from(max) / 100.0, "A");
            ctx.out.number("current_min", f64::from(min) / 100.0, "A");
            ctx.out.number("current", f64::from(current) / 100.0, "A");
            let bits = r.u8()?;
            current_alarm(ctx, "current_alarm", bits);
        }
        (_, 0x09, 0x67) => match r.u16_le()? {
            0xfffd => ctx.out.text("temperature_sensor_status", sensor_status(1)),
            0xffff => ctx.out.text("temperature_sensor_status", sensor_status(2)),
            v => ctx.out.number("temperature", f64::from(v.cast_signed()) / 10.0, "Cel"),
        },
        (_, 0x89, 0x67) => {
            channels::temperature(r, &mut ctx.out, "temperature")?;
            let alarm = match r.u8()? {
                0 => "temperature threshold alarm release",
                1 => "temperature threshold alarm",
                _ => "unknown",
            };
            ctx.out.text("temperature_alarm", alarm);
        }
        (_, 0xfe | 0xff, _) => return downlink_response(model, ctx, ty, r),
        _ => return Ok(false),
    }
    Ok(true)
}

/// The per-clamp channels of a CT30x: total, current and current alarm of clamp 1..3.
fn clamp_channel(ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    if ty == 0x97 {
        if let Some(n) = clamp(id, 0x03) {
            ctx.out.number(&format!("current_chn{n}_total"), f64::from(r.u32_le()?) / 100.0, "Ah");
            return Ok(true);
        }
    } else if ty == 0x99 {
        if let Some(n) = clamp(id, 0x04) {
            match r.u16_le()? {
                0xffff => ctx.out.text(&format!("current_chn{n}_sensor_status"), sensor_status(2)),
                v => ctx.out.number(&format!("current_chn{n}"), f64::from(v) / 10.0, "A"),
            }
            return Ok(true);
        }
        if let Some(n) = clamp(id, 0x84) {
            let max = r.u16_le()?;
            let min = r.u16_le()?;
            let current = r.u16_le()?;
            ctx.out.number(&format!("current_chn{n}_max"), f64::from(max) / 10.0, "A");
            ctx.out.number(&format!("current_chn{n}_min"), f64::from(min) / 10.0, "A");
            ctx.out.number(&format!("current_chn{n}"), f64::from(current) / 10.0, "A");
            let bits = r.u8()?;
            current_alarm(ctx, &format!("current_chn{n}_alarm"), bits);
            return Ok(true);
        }
    }
    Ok(false)
}

/// The device's answer to a configuration downlink, `ff`/`fe` + type.
fn downlink_response(model: Model, ctx: &mut Ctx, ty: u8, r: &mut Reader) -> Handled {
    let out = &mut ctx.out;
    match ty {
        0x02 => channels::u16_plain(r, out, "alarm_report_interval", 1.0)?,
        0x06 => {
            // config byte: bits 3-5 the channel (1-3 current clamp, 4 temperature), bits 0-2
            // the condition; then min, max, alarm interval, alarm count (uint16 each)
            let config = r.u8()?;
            let min = r.u16_le()?;
            let max = r.u16_le()?;
            let interval = r.u16_le()?;
            let counts = r.u16_le()?;
            let target = (config >> 3) & 0x07;
            let cond = channels::condition(config & 0x07);
            let current = match (model, target) {
                (Model::Ct10x, 1) => Some(String::from("current_alarm_config")),
                (Model::Ct30x, 1..=3) => Some(format!("current_chn{target}_alarm_config")),
                _ => None,
            };
            if let Some(p) = current {
                out.text(&field(&p, "condition"), cond);
                out.plain(&field(&p, "threshold_min"), f64::from(min));
                out.plain(&field(&p, "threshold_max"), f64::from(max));
                out.plain(&field(&p, "alarm_interval"), f64::from(interval));
                out.plain(&field(&p, "alarm_counts"), f64::from(counts));
            } else if target == 4 {
                out.text("temperature_alarm_config.condition", cond);
                out.number(
                    "temperature_alarm_config.threshold_min",
                    f64::from(min.cast_signed()) / 10.0,
                    "Cel",
                );
                out.number(
                    "temperature_alarm_config.threshold_max",
                    f64::from(max.cast_signed()) / 10.0,
                    "Cel",
                );
            }
        }
        0x10 => {
            r.skip(1)?;
            out.text("reboot", "yes");
        }
        0x27 => {
            let index = r.u8()?;
            match model {
                Model::Ct10x => out.text("clear_current_cumulative", "yes"),
                Model::Ct30x => out.text(&format!("clear_current_chn{index}_cumulative"), "yes"),
            }
        }
        0x28 => {
            r.skip(1)?;
            out.text("report_status", "yes");
        }
        0x8e => {
            r.skip(1)?;
            channels::u16_plain(r, out, "report_interval", 1.0)?;
        }
        0xf2 => channels::u16_plain(r, out, "alarm_report_counts", 1.0)?,
        _ => return Ok(false),
    }
    Ok(true)
}
