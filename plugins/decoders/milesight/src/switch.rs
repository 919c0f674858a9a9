//! Wall switches, sockets and light controllers: WS50x wall switch (1-3 gangs), WS515
//! smart wall socket and WS558 smart light controller (8 circuits).
//!
//! | model | channels |
//! |---|---|
//! | ws50x | `ff 29` switch_N (open/close, bits 0-2) and switch_N_change (yes/no, bits 4-6) |
//! | ws515 | `03 74` voltage (V /10), `04 80` active_power (W), `05 81` power_factor (%), `06 83` power_consumption (Wh), `07 c9` current (mA), `08 70` socket_status (off/on), `09 67` temperature (`fffd` over range, `ffff` read failed), `89 67` temperature + alarm, `99 67` temperature + temperature_mutation, configuration answers |
//! | ws558 | `03 74` voltage, `04 80` active_power, `05 81` power_factor, `06 83` power_consumption, `07 c9` total_current (mA), `08 31` switch_1..8 (on/off) |

use passerelle_pdk::{Reader, Readings};

use crate::channels::{self, Ctx, Handled};
use crate::config;

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// WS50x wall switch (WS501, WS502, WS503).
    Ws50x,
    /// WS515 smart wall socket.
    Ws515,
    /// WS558 smart light controller.
    Ws558,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "ws50x" => Self::Ws50x,
            "ws515" => Self::Ws515,
            "ws558" => Self::Ws558,
            _ => return None,
        })
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] = &["ws50x", "ws515", "ws558"];

fn on_off(v: u8) -> &'static str {
    match v {
        0 => "off",
        1 => "on",
        _ => "unknown",
    }
}

fn temperature_alarm(v: u8) -> &'static str {
    match v {
        0 => "threshold alarm release",
        1 => "threshold alarm",
        2 => "overheat alarm",
        3 => "mutation alarm",
        _ => "unknown",
    }
}

/// The electrical channels WS515 and WS558 share (`03 74` .. `06 83`).
fn electrical(out: &mut Readings, power_factor: &str, id: u8, ty: u8, r: &mut Reader) -> Handled {
    match (id, ty) {
        (0x03, 0x74) => channels::u16_scaled(r, out, "voltage", 10.0, "V")?,
        (0x04, 0x80) => out.number("active_power", f64::from(r.u32_le()?), "W"),
        (0x05, 0x81) => out.number(power_factor, f64::from(r.u8()?), "%"),
        (0x06, 0x83) => out.number("power_consumption", f64::from(r.u32_le()?), "Wh"),
        _ => return Ok(false),
    }
    Ok(true)
}

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    let out = &mut ctx.out;
    match model {
        Model::Ws50x => {
            if (id, ty) != (0xff, 0x29) {
                return Ok(false);
            }
            let v = r.u8()?;
            for n in 0..3 {
                let state = if (v >> n) & 0x01 == 1 { "open" } else { "close" };
                out.text(&format!("switch_{}", n + 1), state);
                out.text(&format!("switch_{}_change", n + 1), channels::yes_no((v >> (n + 4)) & 0x01 == 1));
            }
            Ok(true)
        }
        Model::Ws558 => {
            if electrical(out, "power_factor", id, ty, r)? {
                return Ok(true);
            }
            match (id, ty) {
                (0x07, 0xc9) => channels::u16_scaled(r, out, "total_current", 1.0, "mA")?,
                (0x08, 0x31) => {
                    r.skip(1)?;
                    let flags = r.u8()?;
                    for n in 0..8 {
                        let state = if (flags >> n) & 0x01 == 1 { "on" } else { "off" };
                        out.text(&format!("switch_{}", n + 1), state);
                    }
                }
                _ => return Ok(false),
            }
            Ok(true)
        }
        Model::Ws515 => ws515(ctx, id, ty, r),
    }
}

fn ws515(ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    let out = &mut ctx.out;
    if electrical(out, "power_factor", id, ty, r)? {
        return Ok(true);
    }
    match (id, ty) {
        (0x07, 0xc9) => channels::u16_scaled(r, out, "current", 1.0, "mA")?,
        (0x08, 0x70) => {
            let v = r.u8()?;
            out.text("socket_status", on_off(v));
        }
        (0x09, 0x67) => match r.u16_le()? {
            0xfffd => out.text("temperature_sensor_status", "over range alarm"),
            0xffff => out.text("temperature_sensor_status", "read failed"),
            v => out.number("temperature", f64::from(v.cast_signed()) / 10.0, "Cel"),
        },
        (0x89, 0x67) => {
            channels::temperature(r, out, "temperature")?;
            let v = r.u8()?;
            out.text("temperature_alarm", temperature_alarm(v));
        }
        (0x99, 0x67) => {
            // temperature, mutation (int16 /10 each), one byte unused
            channels::temperature(r, out, "temperature")?;
            channels::temperature(r, out, "temperature_mutation")?;
            r.skip(1)?;
            out.text("temperature_alarm", temperature_alarm(3));
        }
        (0xfe | 0xff, _) => return ws515_response(ty, r, out),
        _ => return Ok(false),
    }
    Ok(true)
}

fn ws515_response(ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match ty {
        0x03 => out.number("report_interval", f64::from(r.u16_le()?), "s"),
        0x06 => {
            let cfg = r.u8()?;
            let min = r.i16_le()?;
            let max = r.i16_le()?;
            let interval = r.u16_le()?;
            let times = r.u16_le()?;
            out.text("temperature_alarm_config.condition", channels::condition(cfg & 0x07));
            out.number("temperature_alarm_config.threshold_min", f64::from(min) / 10.0, "Cel");
            out.number("temperature_alarm_config.threshold_max", f64::from(max) / 10.0, "Cel");
            out.plain("temperature_alarm_config.alarm_interval", f64::from(interval));
            out.plain("temperature_alarm_config.alarm_times", f64::from(times));
        }
        0x22 => {
            out.plain("delay_task.frame_count", f64::from(r.u8()?));
            out.plain("delay_task.delay_time", f64::from(r.u16_le()?));
            let v = r.u8()?;
            if (v >> 4) & 0x01 == 1 {
                out.text("delay_task.socket_status", on_off(v & 0x01));
            }
        }
        0x23 => {
            out.plain("cancel_delay_task", f64::from(r.u8()?));
            r.skip(1)?;
        }
        0x24 => {
            config::enable_byte(r, out, "current_alarm_config.enable")?;
            out.plain("current_alarm_config.threshold", f64::from(r.u8()?));
        }
        0x25 => {
            let v = r.u16_le()?;
            out.text("child_lock_config.enable", channels::enable((v >> 15) & 0x01 == 1));
            out.plain("child_lock_config.lock_time", f64::from(v & 0x7fff));
        }
        0x26 => config::enable_byte(r, out, "power_consumption_enable")?,
        0x27 => config::yes(r, out, "reset_power_consumption")?,
        0x28 => config::yes(r, out, "report_status")?,
        0x2f => {
            let v = r.u16_le()?;
            out.text("led_indicator_enable", enable_word(v));
        }
        0x30 => {
            config::enable_byte(r, out, "over_current_protection.enable")?;
            out.plain("over_current_protection.trip_current", f64::from(r.u8()?));
        }
        0x34 => {
            r.skip(1)?;
            let (lo, hi) = (r.u8()?, r.u8()?);
            out.text_owned("d2d_command", format!("{hi:02x}{lo:02x}"));
        }
        0x8d => config::enable_byte(r, out, "overload_current_protection.enable")?,
        0xa5 => config::enable_byte(r, out, "led_indicator_reserve")?,
        0xab => {
            config::enable_byte(r, out, "temperature_calibration_settings.enable")?;
            let v = r.i16_le()?;
            out.number("temperature_calibration_settings.calibration_value", f64::from(v) / 10.0, "Cel");
        }
        0x10 => return config::common(ty, r, out),
        _ => return Ok(false),
    }
    Ok(true)
}

fn enable_word(v: u16) -> &'static str {
    u8::try_from(v).map_or("unknown", config::enable_status)
}
