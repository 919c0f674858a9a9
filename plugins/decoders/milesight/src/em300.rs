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
//! | `20 ce` | history (7 bytes) | - | - | - | history (8 bytes) | history (13 bytes) |

use passerelle_pdk::Reader;

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
            Model::Mcs | Model::Sld | Model::Zld => return Ok(false),
        },
        _ => return Ok(false),
    }
    Ok(true)
}
