//! EM300 / EM320 series: temperature & humidity, magnetic contact, leak and pulse-counter
//! sensors. They share `01 75` battery, `03 67` temperature and `04 68` humidity; channel
//! `05 00` means a different thing on each model (leak state, GPIO level).
//!
//! | channel | em300-th / em320-th | em300-mcs | em300-sld | em300-zld | em300-mld | em300-di |
//! |---|---|---|---|---|---|---|
//! | `01 75` | battery | battery | battery | battery | battery | battery |
//! | `03 67` | temperature | temperature | temperature | temperature | - | temperature |
//! | `04 68` | humidity | humidity | humidity | humidity | - | humidity |
//! | `05 00` | - | - | water | water_leak | leakage_status | gpio |
//! | `06 00` | - | magnet | - | - | - | - |
//! | `05 c8` | - | - | - | - | - | pulse |
//! | `20 ce` | history (7 bytes) | history (8 bytes) | history (8 bytes) | history (8 bytes) | history (8 bytes) | history (13 bytes) |
//!
//! The EM300-DI also sends `05 e1` water_conv, pulse_conv, water (its water-meter mode),
//! `85 e1` the same with water_alarm, `85 00` gpio with gpio_alarm and `21 ce` history
//! records with an alarm byte (18 bytes), per the vendor's current decoder; the EM300-MCS,
//! -SLD and -ZLD history records are named as in the vendor's current decoders
//! (magnet_status, leakage_status).

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::channels::{self, Ctx, Handled, field};

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// EM300-TH temperature & humidity sensor (and EM320-TH, same table).
    Th,
    /// EM300-MCS magnetic contact switch with temperature & humidity.
    Mcs,
    /// EM300-SLD spot leak detector.
    Sld,
    /// EM300-ZLD zone leak detector.
    Zld,
    /// EM300-MLD membrane leak detector.
    Mld,
    /// EM300-DI pulse counter / digital input.
    Di,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "em300-th" | "em320-th" => Self::Th,
            "em300-mcs" => Self::Mcs,
            "em300-sld" => Self::Sld,
            "em300-zld" => Self::Zld,
            "em300-mld" => Self::Mld,
            "em300-di" => Self::Di,
            _ => return None,
        })
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] =
    &["em300-th", "em320-th", "em300-mcs", "em300-sld", "em300-zld", "em300-mld", "em300-di"];

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    let climate = model != Model::Mld;
    match (id, ty) {
        (0x01, 0x75) => channels::battery(r, &mut ctx.out)?,
        (0x03, 0x67) if climate => channels::temperature(r, &mut ctx.out, "temperature")?,
        (0x04, 0x68) if climate => channels::humidity(r, &mut ctx.out, "humidity")?,
        (0x05, 0x00) => match model {
            Model::Sld => channels::two_state(r, &mut ctx.out, "water", "normal", "leak")?,
            Model::Zld => channels::two_state(r, &mut ctx.out, "water_leak", "normal", "leak")?,
            Model::Mld => channels::two_state(r, &mut ctx.out, "leakage_status", "normal", "leak")?,
            Model::Di => ctx.out.plain("gpio", f64::from(r.u8()?)),
            Model::Th | Model::Mcs => return Ok(false),
        },
        (0x06, 0x00) if model == Model::Mcs => ctx.out.plain("magnet", f64::from(r.u8()?)),
        (0x05, 0xc8) if model == Model::Di => ctx.out.number("pulse", f64::from(r.u32_le()?), "count"),
        (0x20, 0xce) => match model {
            Model::Th => {
                // timestamp u32, temperature i16 /10, humidity u8 /2
                let p = ctx.next_history();
                let t = ctx.history_timestamp(&p, r)?;
                channels::temperature(r, &mut ctx.out, &field(&p, "temperature"))?;
                channels::humidity(r, &mut ctx.out, &field(&p, "humidity"))?;
                ctx.out.stamp(&p, t);
            }
            Model::Mld => {
                // timestamp u32, 3 bytes the decoder skips, leak state u8
                let p = ctx.next_history();
                let t = ctx.history_timestamp(&p, r)?;
                r.skip(3)?;
                channels::two_state(r, &mut ctx.out, &field(&p, "leakage_status"), "normal", "leak")?;
                ctx.out.stamp(&p, t);
            }
            Model::Di => {
                // timestamp u32, temperature i16 /10, humidity u8 /2, mode u8,
                // gpio u8 (mode 1), pulse u32 (mode 2)
                let p = ctx.next_history();
                let t = ctx.history_timestamp(&p, r)?;
                channels::temperature(r, &mut ctx.out, &field(&p, "temperature"))?;
                channels::humidity(r, &mut ctx.out, &field(&p, "humidity"))?;
                let mode = r.u8()?;
                let gpio = r.u8()?;
                let pulse = r.u32_le()?;
                match mode {
                    1 => ctx.out.plain(&field(&p, "gpio"), f64::from(gpio)),
                    2 => ctx.out.number(&field(&p, "pulse"), f64::from(pulse), "count"),
                    _ => {}
                }
                ctx.out.stamp(&p, t);
            }
            Model::Mcs | Model::Sld | Model::Zld => {
                // timestamp u32, temperature i16 /10, humidity u8 /2, state u8 (the
                // vendor's current decoders: magnet_status close/open, leakage_status
                // normal/leak)
                let p = ctx.next_history();
                let t = ctx.history_timestamp(&p, r)?;
                channels::temperature(r, &mut ctx.out, &field(&p, "temperature"))?;
                channels::humidity(r, &mut ctx.out, &field(&p, "humidity"))?;
                let (name, zero, one) = match model {
                    Model::Mcs => ("magnet_status", "close", "open"),
                    _ => ("leakage_status", "normal", "leak"),
                };
                let v = r.u8()?;
                let state = match v {
                    0 => zero,
                    1 => one,
                    _ => "unknown",
                };
                ctx.out.text(&field(&p, name), state);
                ctx.out.stamp(&p, t);
            }
        },
        (0x05 | 0x85, 0xe1) if model == Model::Di => {
            water(r, &mut ctx.out, "")?;
            if id == 0x85 {
                let v = r.u8()?;
                ctx.out.text("water_alarm", water_alarm(v).unwrap_or("unknown"));
            }
        }
        (0x85, 0x00) if model == Model::Di => {
            ctx.out.plain("gpio", f64::from(r.u8()?));
            let alarm = match r.u8()? {
                0 => "gpio alarm release",
                1 => "gpio alarm",
                _ => "unknown",
            };
            ctx.out.text("gpio_alarm", alarm);
        }
        (0x21, 0xce) if model == Model::Di => {
            // timestamp u32, temperature i16 /10, humidity u8 /2, alarm u8, mode u8,
            // gpio u8 (mode 1) or the water block (mode 2), 9 bytes in all
            let p = ctx.next_history();
            let t = ctx.history_timestamp(&p, r)?;
            channels::temperature(r, &mut ctx.out, &field(&p, "temperature"))?;
            channels::humidity(r, &mut ctx.out, &field(&p, "humidity"))?;
            let alarm = match r.u8()? {
                0 => "none",
                5 => "gpio alarm",
                6 => "gpio alarm release",
                v => water_alarm(v).unwrap_or("unknown"),
            };
            ctx.out.text(&field(&p, "alarm"), alarm);
            let mode = r.u8()?;
            let gpio = r.u8()?;
            match mode {
                1 => {
                    ctx.out.text(&field(&p, "gpio_type"), "gpio");
                    ctx.out.plain(&field(&p, "gpio"), f64::from(gpio));
                    r.skip(8)?;
                }
                2 => {
                    ctx.out.text(&field(&p, "gpio_type"), "counter");
                    water(r, &mut ctx.out, &p)?;
                }
                _ => {
                    ctx.out.text(&field(&p, "gpio_type"), "unknown");
                    r.skip(8)?;
                }
            }
            ctx.out.stamp(&p, t);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The water-meter alarm names of the EM300-DI decoder.
fn water_alarm(v: u8) -> Option<&'static str> {
    Some(match v {
        1 => "water outage timeout alarm",
        2 => "water outage timeout alarm release",
        3 => "water flow timeout alarm",
        4 => "water flow timeout alarm release",
        _ => return None,
    })
}

/// The EM300-DI water block: water_conv and pulse_conv (uint16 /10), water (float32), under
/// `prefix` (`""` for the live reading).
fn water(r: &mut Reader, out: &mut Readings, prefix: &str) -> Result<(), DecodeError> {
    let name = |n: &str| if prefix.is_empty() { n.to_string() } else { field(prefix, n) };
    out.plain(&name("water_conv"), f64::from(r.u16_le()?) / 10.0);
    out.plain(&name("pulse_conv"), f64::from(r.u16_le()?) / 10.0);
    out.plain(&name("water"), f64::from(r.f32_le()?));
    Ok(())
}
