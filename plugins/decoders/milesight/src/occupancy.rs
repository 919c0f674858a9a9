//! Presence and occupancy sensors: VS330 bathroom occupancy (ToF distance), VS340 / VS341
//! desk occupancy (PIR / thermopile), VS370 radar presence and WS203 motion & T/H sensor.
//!
//! | model | channels |
//! |---|---|
//! | vs330 | `01 75` battery, `02 82` distance (mm), `03 8e` occupancy (vacant/occupied), `04 8e` calibration (failed/success) |
//! | vs340 / vs341 | `01 75` battery, `03 00` occupancy (vacant/occupied) |
//! | vs370 | `01 75` battery, `03 00` occupancy, `04 00` illuminance (dim/bright/disable), configuration answers |
//! | vs321 | `01 75` battery, `03 67` temperature (`ffff` read failed), `04 68` humidity (`ff` read failed), `05 fd` people_total_counts, `06 fe` region_1..10 enable + occupancy, `07 ff` illuminance_status, `08 f4` detection_status, `0a ef` timestamp, `83 67` / `84 68` with an alarm byte, `20 ce` history, configuration answers |
//! | vs373 | `03 f8` detection_status, target_status, use_time_now, use_time_today (uint16), `07 b0` the same with uint24 times, `04 f9` region_1..4_occupancy (0 occupied, 1 vacant), `0a b3` region count + occupancy bits, `09 b2` region_1..6_type, `05 fa` / `0b b4` / `0c b4` out-of-bed times, `06 fb` events, `08 b1` respiratory status and rate, `20 ce` history (alarm events) |
//! | ws203 | `01 75` battery, `03 67` temperature, `04 68` humidity, `05 00` occupancy, `83 67` temperature + temperature_alarm, `20 ce` history, configuration answers |

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::channels::{self, Ctx, Handled, field};
use crate::config;

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// VS330 bathroom occupancy sensor.
    Vs330,
    /// VS340 / VS341 desk & seat occupancy sensors.
    Vs34x,
    /// VS321 AI occupancy sensor (people count and ten regions).
    Vs321,
    /// VS373 radar fall-detection sensor.
    Vs373,
    /// VS370 radar human presence sensor.
    Vs370,
    /// WS203 motion and temperature & humidity sensor.
    Ws203,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "vs330" => Self::Vs330,
            "vs340" | "vs341" => Self::Vs34x,
            "vs321" => Self::Vs321,
            "vs370" => Self::Vs370,
            "vs373" => Self::Vs373,
            "ws203" => Self::Ws203,
            _ => return None,
        })
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] = &["vs321", "vs330", "vs340", "vs341", "vs370", "vs373", "ws203"];

/// `vacant` / `occupied`: the VS330 and VS340 decoders read any non-zero byte as occupied,
/// the VS370 and WS203 decoders name only 0 and 1.
fn occupancy(model: Model, v: u8) -> &'static str {
    match (model, v) {
        (_, 0) => "vacant",
        (Model::Vs330 | Model::Vs34x, _) | (_, 1) => "occupied",
        _ => "unknown",
    }
}

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    use Model::*;
    if model == Vs321 {
        return vs321(ctx, id, ty, r);
    }
    if model == Vs373 {
        return vs373(ctx, id, ty, r);
    }
    let out = &mut ctx.out;
    match (model, id, ty) {
        (_, 0x01, 0x75) => channels::battery(r, out)?,
        (Vs330, 0x02, 0x82) => channels::u16_scaled(r, out, "distance", 1.0, "mm")?,
        (Vs330, 0x03, 0x8e) | (Vs34x | Vs370, 0x03, 0x00) | (Ws203, 0x05, 0x00) => {
            let v = r.u8()?;
            out.text("occupancy", occupancy(model, v));
        }
        (Vs330, 0x04, 0x8e) => channels::two_state(r, out, "calibration", "failed", "success")?,
        (Vs370, 0x04, 0x00) => {
            let state = match r.u8()? {
                0 => "dim",
                1 => "bright",
                254 => "disable",
                _ => "unknown",
            };
            out.text("illuminance", state);
        }
        (Ws203, 0x03, 0x67) => channels::temperature(r, out, "temperature")?,
        (Ws203, 0x04, 0x68) => channels::humidity(r, out, "humidity")?,
        (Ws203, 0x83, 0x67) => {
            channels::temperature(r, out, "temperature")?;
            let state = match r.u8()? {
                0 => "threshold alarm release",
                1 => "threshold alarm",
                _ => "unknown",
            };
            out.text("temperature_alarm", state);
        }
        (Ws203, 0x20, 0xce) => {
            // timestamp u32, report type (bits 0-2), occupancy u8, temperature i16 /10,
            // humidity u8 /2
            let p = ctx.next_history();
            let t = ctx.history_timestamp(&p, r)?;
            let kind = match r.u8()? & 0x07 {
                0 => "temperature threshold alarm release",
                1 => "temperature threshold alarm",
                2 => "pir idle",
                3 => "pir trigger",
                4 => "period",
                _ => "unknown",
            };
            ctx.out.text(&field(&p, "report_type"), kind);
            let v = r.u8()?;
            ctx.out.text(&field(&p, "occupancy"), occupancy(model, v));
            channels::temperature(r, &mut ctx.out, &field(&p, "temperature"))?;
            channels::humidity(r, &mut ctx.out, &field(&p, "humidity"))?;
            ctx.out.stamp(&p, t);
        }
        (Vs370 | Ws203, 0xfe | 0xff, _) => return response(model, ty, r, out),
        _ => return Ok(false),
    }
    Ok(true)
}

fn response(model: Model, ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match (model, ty) {
        (Model::Vs370, 0x28) => {
            let kind = match r.u8()? {
                0 => "period",
                1 => "immediately",
                _ => "unknown",
            };
            out.text("report_status", kind);
        }
        (Model::Vs370, 0x8f) => config::enable_byte(r, out, "bluetooth_enable")?,
        (Model::Ws203, 0x02) => out.number("collection_interval", f64::from(r.u16_le()?), "s"),
        (Model::Ws203, 0x06) => {
            let cfg = r.u8()?;
            let min = r.i16_le()?;
            let max = r.i16_le()?;
            r.skip(4)?;
            out.text("temperature_alarm_config.condition", channels::condition(cfg & 0x07));
            out.number("temperature_alarm_config.threshold_min", f64::from(min) / 10.0, "Cel");
            out.number("temperature_alarm_config.threshold_max", f64::from(max) / 10.0, "Cel");
        }
        (Model::Ws203, 0x17) => {
            let tz = r.i16_le()?;
            out.text("time_zone", config::time_zone_v1(tz));
        }
        (Model::Ws203, 0x27) => config::yes(r, out, "clear_history")?,
        (Model::Ws203, 0x28) => config::yes(r, out, "query_device_status")?,
        (Model::Ws203, 0x2f) => config::enable_byte(r, out, "led_indicator_enable")?,
        (Model::Ws203, 0x95) => out.number("vacant_reporting_interval", f64::from(r.u16_le()?), "s"),
        (Model::Ws203, 0x68..=0x6a) | (_, 0x10 | 0x35 | 0x4a | 0x84 | 0x8e | 0xbd) => {
            return config::common(ty, r, out);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The ten VS321 regions: an enable mask and an occupancy word (uint16 each, bit N-1 for
/// region N), under `prefix`.
fn regions(out: &mut Readings, r: &mut Reader, prefix: &str) -> Result<(), DecodeError> {
    let mask = r.u16_le()?;
    let data = r.u16_le()?;
    for n in 0..10 {
        let name = format!("{prefix}region_{}", n + 1);
        out.text(&format!("{name}_enable"), channels::enable((mask >> n) & 0x01 == 1));
        out.text(&name, if (data >> n) & 0x01 == 1 { "occupied" } else { "vacant" });
    }
    Ok(())
}

fn threshold_alarm(v: u8) -> &'static str {
    match v {
        0 => "threshold_alarm_release",
        1 => "threshold_alarm",
        _ => "unknown",
    }
}

fn vs321(ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    let out = &mut ctx.out;
    match (id, ty) {
        (0x01, 0x75) => channels::battery(r, out)?,
        (0x03, 0x67) => match r.u16_le()? {
            0xffff => out.text("temperature_sensor_status", "read_failed"),
            v => out.number("temperature", f64::from(v.cast_signed()) / 10.0, "Cel"),
        },
        (0x04, 0x68) => match r.u8()? {
            0xff => out.text("humidity_sensor_status", "read_failed"),
            v => out.number("humidity", f64::from(v) / 2.0, "%RH"),
        },
        (0x05, 0xfd) => out.number("people_total_counts", f64::from(r.u16_le()?), "count"),
        (0x06, 0xfe) => regions(out, r, "")?,
        (0x07, 0xff) => {
            let v = r.u8()?;
            out.text(
                "illuminance_status",
                match v {
                    0 => "dim",
                    1 => "bright",
                    _ => "unknown",
                },
            );
        }
        (0x08, 0xf4) => {
            r.skip(1)?;
            let v = r.u8()?;
            out.text(
                "detection_status",
                match v {
                    0 => "normal",
                    1 => "unavailable",
                    _ => "unknown",
                },
            );
        }
        (0x0a, 0xef) => out.number("timestamp", f64::from(r.u32_le()?), "s"),
        (0x83, 0x67) => {
            channels::temperature(r, out, "temperature")?;
            let v = r.u8()?;
            out.text("temperature_alarm", threshold_alarm(v));
        }
        (0x84, 0x68) => {
            channels::humidity(r, out, "humidity")?;
            let v = r.u8()?;
            out.text("humidity_alarm", threshold_alarm(v));
        }
        (0x20, 0xce) => {
            // timestamp u32, mode (0: people count uint16, 1: region mask + word)
            let p = ctx.next_history();
            let t = ctx.history_timestamp(&p, r)?;
            match r.u8()? {
                0 => {
                    let n = r.u16_le()?;
                    ctx.out.number(&field(&p, "people_total_counts"), f64::from(n), "count");
                }
                1 => regions(&mut ctx.out, r, &format!("{p}."))?,
                v => return Err(DecodeError::InvalidField(format!("unknown vs321 history mode {v}"))),
            }
            ctx.out.stamp(&p, t);
        }
        (0xfe | 0xff, _) => return vs321_response(ty, r, out),
        (0xf8 | 0xf9, 0x10 | 0x6b | 0x6c | 0x6e) => {
            return config::ext(id, ty, r, out, |ty, r, out| {
                match ty {
                    0x10 => {
                        let v = r.u8()?;
                        out.text(
                            "report_type",
                            match v {
                                0 => "period",
                                1 => "immediately",
                                _ => "unknown",
                            },
                        );
                    }
                    0x6b => {
                        let v = r.u8()?;
                        out.text(
                            "detection_mode",
                            match v {
                                0 => "auto",
                                1 => "on",
                                _ => "unknown",
                            },
                        );
                    }
                    0x6c => config::yes(r, out, "detect")?,
                    _ => config::yes(r, out, "reset")?,
                }
                Ok(true)
            });
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn vs321_response(ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match ty {
        0x02 => out.number("collection_interval", f64::from(r.u16_le()?), "s"),
        0x06 => {
            // bits 3-5 the source (1 temperature, 2 humidity, 3 illuminance), bits 0-2 the
            // condition; min, max, lock time, continue time
            let cfg = r.u8()?;
            let (min, max) = (r.u16_le()?, r.u16_le()?);
            let (lock, cont) = (r.u16_le()?, r.u16_le()?);
            let (p, min, max, unit) = match (cfg >> 3) & 0x07 {
                1 => (
                    "temperature_alarm_config",
                    f64::from(min.cast_signed()) / 10.0,
                    f64::from(max.cast_signed()) / 10.0,
                    Some("Cel"),
                ),
                2 => ("humidity_alarm_config", f64::from(min) / 2.0, f64::from(max) / 2.0, Some("%RH")),
                3 => ("illuminance_alarm_config", f64::from(min), f64::from(max), None),
                _ => return Ok(true),
            };
            out.text(&field(p, "condition"), channels::condition(cfg & 0x07));
            for (name, v) in [("threshold_min", min), ("threshold_max", max)] {
                match unit {
                    Some(u) => out.number(&field(p, name), v, u),
                    None => out.plain(&field(p, name), v),
                }
            }
            out.plain(&field(p, "lock_time"), f64::from(lock));
            out.plain(&field(p, "continue_time"), f64::from(cont));
        }
        0x40 => config::enable_byte(r, out, "adr_enable")?,
        0x65 => out.plain("lora_port", f64::from(r.u8()?)),
        0x10 | 0x35 | 0x68 | 0x69 | 0x6a | 0x6d | 0x84 | 0x8e => return config::common(ty, r, out),
        _ => return Ok(false),
    }
    Ok(true)
}

fn pick(names: &[&'static str], v: u8) -> &'static str {
    names.get(usize::from(v)).copied().unwrap_or("unknown")
}

const ALARM_TYPES: &[&str] = &[
    "fall",
    "motionless",
    "dwell",
    "out_of_bed",
    "occupied",
    "vacant",
    "bradynea",
    "tachypnea",
    "lying_down",
];

/// A VS373 alarm event: alarm_id uint16, alarm type, alarm status, region id (read for the
/// out-of-bed, bradypnoea and tachypnoea types only; the byte is always there).
fn vs373_event(out: &mut Readings, r: &mut Reader, p: &str) -> Result<(), DecodeError> {
    out.plain(&field(p, "alarm_id"), f64::from(r.u16_le()?));
    let kind = r.u8()?;
    out.text(&field(p, "alarm_type"), pick(ALARM_TYPES, kind));
    let status = match r.u8()? {
        1 => "alarm_triggered",
        2 => "alarm_deactivated",
        3 => "alarm_ignored",
        4 => "respiratory_status",
        _ => "unknown",
    };
    out.text(&field(p, "alarm_status"), status);
    let region = r.u8()?;
    if matches!(kind, 3 | 6 | 7) {
        out.plain(&field(p, "region_id"), f64::from(region));
    }
    Ok(())
}

fn vs373(ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    const DETECTION: &[&str] = &["normal", "vacant", "in_bed", "out_of_bed", "fall"];
    const TARGET: &[&str] = &["normal", "motionless", "abnormal", "lying_down"];
    let out = &mut ctx.out;
    match (id, ty) {
        (0x03, 0xf8) | (0x07, 0xb0) => {
            let (d, t) = (r.u8()?, r.u8()?);
            out.text("detection_status", pick(DETECTION, d));
            out.text("target_status", pick(TARGET, t));
            let (now, today) = if ty == 0xf8 {
                (u32::from(r.u16_le()?), u32::from(r.u16_le()?))
            } else {
                (u24_le(r)?, u24_le(r)?)
            };
            out.plain("use_time_now", f64::from(now));
            out.plain("use_time_today", f64::from(today));
        }
        (0x04, 0xf9) => {
            for n in 1..=4 {
                let v = r.u8()?;
                out.text(&format!("region_{n}_occupancy"), if v == 1 { "vacant" } else { "occupied" });
            }
        }
        (0x09, 0xb2) => {
            for n in 1..=6 {
                let kind = match r.u8()? {
                    0 => "custom",
                    1 => "bed",
                    2 => "door",
                    3 => "ignore",
                    255 => "unset",
                    _ => "unknown",
                };
                out.text(&format!("region_{n}_type"), kind);
            }
        }
        (0x0a, 0xb3) => {
            let count = r.u8()?;
            let bits = r.u32_le()?;
            for n in 0..count.min(32) {
                let state = if (bits >> n) & 0x01 == 1 { "occupied" } else { "vacant" };
                out.text(&format!("region_{}_occupancy", n + 1), state);
            }
        }
        (0x05, 0xfa) => {
            for n in 1..=4 {
                out.plain(&format!("region_{n}_out_of_bed_time"), f64::from(r.u16_le()?));
            }
        }
        (0x0b | 0x0c, 0xb4) => {
            let first = if id == 0x0b { 1 } else { 4 };
            for n in first..first + 3 {
                out.plain(&format!("region_{n}_out_of_bed_time"), f64::from(u24_le(r)?));
            }
        }
        (0x06, 0xfb) => {
            let p = format!("events.{}", ctx.next_index("events"));
            vs373_event(&mut ctx.out, r, &p)?;
        }
        (0x08, 0xb1) => {
            let status = match r.u8()? {
                1 => "no_data_input",
                2 => "normal",
                3 => "tachypnea",
                4 => "bradypnea",
                5 => "undetectable",
                _ => "unknown",
            };
            out.text("respiratory_status", status);
            out.plain("respiratory_rate", f64::from(r.u16_le()?) / 100.0);
        }
        (0x20, 0xce) => {
            let p = ctx.next_history();
            let t = ctx.history_timestamp(&p, r)?;
            vs373_event(&mut ctx.out, r, &p)?;
            ctx.out.stamp(&p, t);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn u24_le(r: &mut Reader) -> Result<u32, DecodeError> {
    let b = r.take(3)?;
    Ok(b.iter().rev().fold(0, |acc, &x| (acc << 8) | u32::from(x)))
}
