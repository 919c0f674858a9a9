//! WS series: smart button, PIR, door, sound-level, leak sensors and the WS52x smart plug.
//!
//! | model | channels |
//! |---|---|
//! | ws101 | `01 75` battery, `ff 2e` button (short/long/double) |
//! | ws202 | `01 75` battery, `03 00` pir (normal/trigger), `04 00` light (dark/light) |
//! | ws301 | `01 75` battery, `03 00` door (close/open), `04 00` install (0 = "yes") |
//! | ws302 | `01 75` battery, `05 5b` freq_weight, time_weight, la, laeq, lamax (dB /10), `ff 0f` class_type |
//! | ws303 | `01 75` battery, `03 00` leak_status (no leak/leak) |
//! | ws136 / ws156 | `01 75` battery, `ff 34` button (the pressed key's number; two command bytes follow) |
//! | ws201 | `01 75` battery, `03 82` distance (mm), `04 d6` remaining (%) |
//! | ws52x | `03 74` voltage (V /10), `04 80` active_power (W), `05 81` power (power factor, %), `06 83` energy (Wh), `07 c9` current (mA), `08 70` button (open/close) |

use passerelle_pdk::Reader;

use crate::channels::{self, Ctx, Handled};

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// WS101 smart button.
    Ws101,
    /// WS202 PIR & light sensor.
    Ws202,
    /// WS301 magnetic door/window contact.
    Ws301,
    /// WS302 sound level sensor.
    Ws302,
    /// WS303 mini leak detector.
    Ws303,
    /// WS52x smart portable socket (WS523, WS525).
    Ws52x,
    /// WS136 / WS156 smart scene panels.
    Ws1x6,
    /// WS201 smart fill-level monitor.
    Ws201,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "ws101" => Self::Ws101,
            "ws202" => Self::Ws202,
            "ws301" => Self::Ws301,
            "ws302" => Self::Ws302,
            "ws303" => Self::Ws303,
            "ws52x" | "ws523" | "ws525" => Self::Ws52x,
            "ws136" | "ws156" => Self::Ws1x6,
            "ws201" => Self::Ws201,
            _ => return None,
        })
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] =
    &["ws101", "ws136", "ws156", "ws201", "ws202", "ws301", "ws302", "ws303", "ws52x", "ws523", "ws525"];

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    use Model::*;
    let out = &mut ctx.out;
    match (model, id, ty) {
        (Ws101 | Ws202 | Ws301 | Ws302 | Ws303 | Ws1x6 | Ws201, 0x01, 0x75) => channels::battery(r, out)?,
        (Ws1x6, 0xff, 0x34) => {
            // the key number, then a two-byte command that the vendor's own example
            // leaves out: a frame that ends after the key number is accepted
            out.plain("button", f64::from(r.u8()?));
            r.skip(r.remaining().min(2))?;
        }
        (Ws201, 0x03, 0x82) => channels::u16_scaled(r, out, "distance", 1.0, "mm")?,
        (Ws201, 0x04, 0xd6) => out.number("remaining", f64::from(r.u8()?), "%"),
        (Ws101, 0xff, 0x2e) => {
            // other codes give no field, as in the vendor decoder
            let press = match r.u8()? {
                1 => Some("short"),
                2 => Some("long"),
                3 => Some("double"),
                _ => None,
            };
            if let Some(press) = press {
                out.text("button", press);
            }
        }
        (Ws202, 0x03, 0x00) => channels::two_state(r, out, "pir", "normal", "trigger")?,
        (Ws202, 0x04, 0x00) => channels::two_state(r, out, "light", "dark", "light")?,
        (Ws301, 0x03, 0x00) => channels::two_state(r, out, "door", "close", "open")?,
        (Ws301, 0x04, 0x00) => channels::two_state(r, out, "install", "yes", "no")?,
        (Ws302, 0x05, 0x5b) => {
            // weighting byte: bits 0-1 frequency weighting, bits 2-3 time weighting;
            // then LA, LAeq, LAmax in tenths of dB
            let w = r.u8()?;
            let freq = match w & 0x03 {
                0 => "Z",
                1 => "A",
                2 => "C",
                _ => "",
            };
            let time = match (w >> 2) & 0x03 {
                0 => "impulse",
                1 => "fast",
                2 => "slow",
                _ => "",
            };
            out.text("freq_weight", freq);
            out.text("time_weight", time);
            channels::u16_scaled(r, out, "la", 10.0, "dB")?;
            channels::u16_scaled(r, out, "laeq", 10.0, "dB")?;
            channels::u16_scaled(r, out, "lamax", 10.0, "dB")?;
        }
        (Ws302, 0xff, 0x0f) => {
            let class = match r.u8()? {
                0 => Some("class-a"),
                1 => Some("class-b"),
                2 => Some("class-c"),
                _ => None,
            };
            if let Some(class) = class {
                out.text("class_type", class);
            }
        }
        (Ws303, 0x03, 0x00) => channels::two_state(r, out, "leak_status", "no leak", "leak")?,
        (Ws52x, 0x03, 0x74) => channels::u16_scaled(r, out, "voltage", 10.0, "V")?,
        (Ws52x, 0x04, 0x80) => out.number("active_power", f64::from(r.u32_le()?), "W"),
        (Ws52x, 0x05, 0x81) => out.number("power", f64::from(r.u8()?), "%"),
        (Ws52x, 0x06, 0x83) => out.number("energy", f64::from(r.u32_le()?), "Wh"),
        (Ws52x, 0x07, 0xc9) => channels::u16_scaled(r, out, "current", 1.0, "mA")?,
        (Ws52x, 0x08, 0x70) => {
            let v = r.u8()?;
            out.text("button", if v == 1 { "open" } else { "close" });
        }
        _ => return Ok(false),
    }
    Ok(true)
}
