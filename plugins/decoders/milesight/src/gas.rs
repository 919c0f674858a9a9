//! Gas and odour detectors: GS101 natural-gas detector (valve and relay outputs) and GS301
//! bathroom odour detector (NH3, H2S, temperature, humidity).
//!
//! | model | channels |
//! |---|---|
//! | gs101 | `05 8e` state (normal/abnormal), `06 01` valve, `07 01` relay (close/open), `08 90` life_remain (s), `ff 3f` alarm |
//! | gs301 | `01 75` battery, `02 67` temperature, `03 68` humidity, `04 7d` nh3 (ppm /100), `05 7d` h2s (ppm /100), `06 7d` h2s (ppm /1000, firmware 1.2), `07 ea` calibration result, `ff 7c` sensor_id, configuration answers |
//!
//! The GS101 decoder writes life_remain as a string (`"3600s"`); it is a number of seconds
//! here.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::channels::{self, Ctx, Handled, field};
use crate::config;

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// GS101 natural-gas detector.
    Gs101,
    /// GS301 bathroom odour detector.
    Gs301,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "gs101" => Self::Gs101,
            "gs301" => Self::Gs301,
            _ => return None,
        })
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] = &["gs101", "gs301"];

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    let out = &mut ctx.out;
    match (model, id, ty) {
        (Model::Gs101, 0x05, 0x8e) => channels::two_state(r, out, "state", "normal", "abnormal")?,
        (Model::Gs101, 0x06, 0x01) => channels::two_state(r, out, "valve", "close", "open")?,
        (Model::Gs101, 0x07, 0x01) => channels::two_state(r, out, "relay", "close", "open")?,
        (Model::Gs101, 0x08, 0x90) => out.number("life_remain", f64::from(r.u32_le()?), "s"),
        (Model::Gs101, 0xff, 0x3f) => {
            let alarm = match r.u8()? {
                0 => "power down",
                1 => "power on",
                2 => "sensor failure",
                3 => "sensor recover",
                4 => "sensor about to fail",
                5 => "sensor failed",
                v => return Err(DecodeError::InvalidField(format!("unknown gs101 alarm type {v}"))),
            };
            out.text("alarm", alarm);
        }
        (Model::Gs301, 0x01, 0x75) => channels::battery(r, out)?,
        (Model::Gs301, 0x02, 0x67) => channels::temperature(r, out, "temperature")?,
        (Model::Gs301, 0x03, 0x68) => channels::humidity(r, out, "humidity")?,
        (Model::Gs301, 0x04, 0x7d) => gas(r, out, "nh3", 100.0)?,
        (Model::Gs301, 0x05, 0x7d) => gas(r, out, "h2s", 100.0)?,
        (Model::Gs301, 0x06, 0x7d) => gas(r, out, "h2s", 1000.0)?,
        (Model::Gs301, 0x07, 0xea) => {
            // sensor (0 nh3, 1 h2s), type, calibration value int16, result
            let sensor = r.u8()?;
            let kind = r.u8()?;
            let value = r.i16_le()?;
            let result = r.u8()?;
            let (p, scale) = match sensor {
                0 => ("nh3_calibration_result", 100.0),
                1 => ("h2s_calibration_result", 1000.0),
                _ => return Ok(true),
            };
            out.text(&field(p, "type"), factory_manual(kind));
            out.number(&field(p, "calibration_value"), f64::from(value) / scale, "ppm");
            let result = match result {
                0 => "success",
                1 => "sensor version not match",
                2 => "i2c communication error",
                _ => "unknown",
            };
            out.text(&field(p, "result"), result);
        }
        (Model::Gs301, 0xff, 0x7c) => {
            let raw = r.take(43)?;
            let text: String = raw.iter().take_while(|&&b| b != 0).map(|&b| char::from(b)).collect();
            out.text_owned("sensor_id", text);
        }
        (Model::Gs301, 0xfe | 0xff, _) => return gs301_response(ty, r, out),
        _ => return Ok(false),
    }
    Ok(true)
}

fn factory_manual(v: u8) -> &'static str {
    match v {
        0 => "factory",
        1 => "manual",
        _ => "unknown",
    }
}

/// A gas concentration (uint16 / `scale`, ppm); `fffe` is the sensor polarizing, `ffff` a
/// device error, reported as `<name>_sensor_status`.
fn gas(r: &mut Reader, out: &mut Readings, name: &str, scale: f64) -> Result<(), DecodeError> {
    match r.u16_le()? {
        0xfffe => out.text(&format!("{name}_sensor_status"), "polarizing"),
        0xffff => out.text(&format!("{name}_sensor_status"), "device error"),
        v => out.number(name, f64::from(v) / scale, "ppm"),
    }
    Ok(())
}

fn gs301_response(ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match ty {
        0x03 => out.number("report_interval", f64::from(r.u16_le()?), "s"),
        0x06 => {
            // bits 0-2 the condition, bits 3-7 the trigger source; min, max, lock time,
            // continue time (uint16 each)
            let cfg = r.u8()?;
            let cond = cfg & 0x07;
            out.text("alarm_config.enable", channels::enable(cond != 0));
            out.text("alarm_config.condition", channels::condition(cond));
            let source = match cfg >> 3 {
                1 => "nh3",
                2 => "h2s",
                3 | 5 => "nh3_d2d",
                4 => "h2s_d2d",
                6 => "nh3_d2d_release",
                7 => "h2s_d2d_release",
                8 => "h2s_v2",
                9 => "h2s_d2d_v2",
                10 => "h2s_release_v2",
                _ => "unknown",
            };
            out.text("alarm_config.trigger_source", source);
            for name in ["threshold_min", "threshold_max", "lock_time", "continue_time"] {
                out.plain(&field("alarm_config", name), f64::from(r.u16_le()?));
            }
        }
        0x66 => out.number("threshold_report_interval", f64::from(r.u16_le()?), "s"),
        0x2f => config::enable_byte(r, out, "led_indicator_enable")?,
        0x3e => config::enable_byte(r, out, "buzzer_enable")?,
        0x7d => config::yes(r, out, "query_life_remain")?,
        0x8d => {
            // sensor, mode, calibration value int16, 2 bytes unused
            let sensor = r.u8()?;
            let mode = r.u8()?;
            let value = r.i16_le()?;
            r.skip(2)?;
            let (p, scale) = match sensor {
                0 => ("nh3_calibration_settings", 100.0),
                1 => ("h2s_calibration_settings", 1000.0),
                _ => return Ok(true),
            };
            out.text(&field(p, "mode"), factory_manual(mode));
            out.number(&field(p, "calibration_value"), f64::from(value) / scale, "ppm");
        }
        0x10 => return config::common(ty, r, out),
        _ => return Ok(false),
    }
    Ok(true)
}
