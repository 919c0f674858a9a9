//! AM100 series indoor ambience sensors.
//!
//! - am102 / am102l (the 2025 decoder): `01 75` battery, `03 67` temperature, `04 68`
//!   humidity, `20 ce` history (timestamp, temperature, humidity), `ff 18` sensor_enable.
//! - am103 / am103l: the am107 channels, `20 ce` history (timestamp, temperature,
//!   humidity, co2) and `ff 18` sensor_enable (temperature, humidity, co2), per the vendor's
//!   current AM103 decoder.
//! - am107 (the AM104/AM107 decoder): `01 75` battery, `03 67` temperature,
//!   `04 68` humidity, `05 6a` activity (PIR count, uint16), `06 65` illumination +
//!   infrared_and_visible + infrared (3 x uint16), `07 7d` co2, `08 7d` tvoc, `09 73` pressure.
//! - am104: the same without co2, tvoc and pressure (it has no such sensors).
//! - am104 / am107 `ff 18`: sensor_enable (temperature, humidity, pir, illumination, co2,
//!   tvoc, pressure).

use passerelle_pdk::Reader;

use crate::channels::{self, Ctx, Handled, field};

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// AM102 / AM102L temperature & humidity sensor with e-ink screen.
    Am102,
    /// AM104 temperature, humidity, PIR and light sensor.
    Am104,
    /// AM107: the AM104 channels plus CO2, TVOC and pressure.
    Am107,
    /// AM103 / AM103L: the AM107 table, with history records.
    Am103,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "am102" | "am102l" => Self::Am102,
            "am104" => Self::Am104,
            "am103" | "am103l" => Self::Am103,
            "am107" => Self::Am107,
            _ => return None,
        })
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] = &["am102", "am102l", "am103", "am103l", "am104", "am107"];

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    use Model::*;
    match (model, id, ty) {
        (_, 0x01, 0x75) => channels::battery(r, &mut ctx.out)?,
        (_, 0x03, 0x67) => channels::temperature(r, &mut ctx.out, "temperature")?,
        (_, 0x04, 0x68) => channels::humidity(r, &mut ctx.out, "humidity")?,
        (Am102, 0x20, 0xce) => {
            // timestamp u32, temperature i16 /10, humidity u8 /2
            let p = ctx.next_history();
            let t = ctx.history_timestamp(&p, r)?;
            channels::temperature(r, &mut ctx.out, &field(&p, "temperature"))?;
            channels::humidity(r, &mut ctx.out, &field(&p, "humidity"))?;
            ctx.out.stamp(&p, t);
        }
        (Am102, 0xff, 0x18) => {
            // one byte skipped, then bit 0 temperature, bit 1 humidity
            r.skip(1)?;
            let bits = r.u8()?;
            ctx.out.text("sensor_enable.temperature", channels::enable(bits & 0x01 != 0));
            ctx.out.text("sensor_enable.humidity", channels::enable(bits & 0x02 != 0));
        }
        (Am103, 0x20, 0xce) => {
            // timestamp u32, temperature i16 /10, humidity u8 /2, co2 uint16
            let p = ctx.next_history();
            let t = ctx.history_timestamp(&p, r)?;
            channels::temperature(r, &mut ctx.out, &field(&p, "temperature"))?;
            channels::humidity(r, &mut ctx.out, &field(&p, "humidity"))?;
            channels::u16_scaled(r, &mut ctx.out, &field(&p, "co2"), 1.0, "ppm")?;
            ctx.out.stamp(&p, t);
        }
        (Am103 | Am104 | Am107, 0xff, 0x18) => {
            // one byte skipped, then one enable bit per sensor
            r.skip(1)?;
            let bits = r.u8()?;
            let sensors: &[(&str, u8)] = if model == Am103 {
                &[("temperature", 0), ("humidity", 1), ("co2", 4)]
            } else {
                &[
                    ("temperature", 0),
                    ("humidity", 1),
                    ("pir", 2),
                    ("illumination", 3),
                    ("co2", 4),
                    ("tvoc", 5),
                    ("pressure", 6),
                ]
            };
            for (name, bit) in sensors {
                let on = (bits >> bit) & 0x01 == 1;
                ctx.out.text(&format!("sensor_enable.{name}"), channels::enable(on));
            }
        }
        (Am103 | Am104 | Am107, 0x05, 0x6a) => {
            channels::u16_scaled(r, &mut ctx.out, "activity", 1.0, "count")?
        }
        (Am103 | Am104 | Am107, 0x06, 0x65) => {
            channels::u16_scaled(r, &mut ctx.out, "illumination", 1.0, "lx")?;
            channels::u16_plain(r, &mut ctx.out, "infrared_and_visible", 1.0)?;
            channels::u16_plain(r, &mut ctx.out, "infrared", 1.0)?;
        }
        (Am103 | Am107, 0x07, 0x7d) => channels::u16_scaled(r, &mut ctx.out, "co2", 1.0, "ppm")?,
        (Am103 | Am107, 0x08, 0x7d) => channels::u16_scaled(r, &mut ctx.out, "tvoc", 1.0, "ppb")?,
        (Am103 | Am107, 0x09, 0x73) => channels::u16_scaled(r, &mut ctx.out, "pressure", 10.0, "hPa")?,
        _ => return Ok(false),
    }
    Ok(true)
}
