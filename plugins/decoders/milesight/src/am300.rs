//! AM300 series indoor air-quality sensors (AM307, AM308, AM319 and their L variants).
//!
//! Common channels: `01 75` battery, `03 67` temperature, `04 68` humidity, `05 00` PIR,
//! `06 cb` light_level (0-5), `07 7d` co2, `08 7d` tvoc, `08 e6` tvoc (ug/m3), `09 73`
//! pressure, `0a 7d` hcho, `0b 7d` PM2.5, `0c 7d` pm10, `0d 7d` o3, `0e 01` beep, `20 ce`
//! history. What differs per model is the names and scales the vendor decoders use:
//!
//! | model | PIR name | `08 7d` tvoc | PM2.5 name | beep | history |
//! |---|---|---|---|---|---|
//! | am307 / am307l | pir | raw (ppb) | pm2_5 | beep yes/no | 16 bytes |
//! | am308 / am308l | pir | /100 (IAQ index) | pm2_5 | beep yes/no | 20 bytes (+ pm2_5, pm10) |
//! | am319 | activity | raw (ppb) | pm2.5 | beep yes/no | 22 bytes (+ pm2_5, pm10, hcho) |
//! | am319l | pir (idle/trigger/unknown) | /100 | pm2_5 | buzzer_status off/on, no o3 | 22 bytes |
//!
//! Every model also sends `21 ce` history records, the `20 ce` layout with tvoc in ug/m3
//! (the vendor's current decoders).
//!
//! `05 6a` (the AM100 PIR activity counter, sent by early AM307/AM308 firmware) is not in
//! these decoders: the vendor's published examples decode a frame holding it without an
//! `activity` field, so it is read and dropped.

use passerelle_pdk::Reader;

use crate::channels::{self, Ctx, Handled, field};

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// AM307 / AM307L (7-in-1).
    Am307,
    /// AM308 / AM308L (9-in-1, with PM2.5 and PM10).
    Am308,
    /// AM319 (9-in-1 with HCHO or O3), per the AM319 decoder.
    Am319,
    /// AM319L, per its 2025 decoder.
    Am319l,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "am307" | "am307l" => Self::Am307,
            "am308" | "am308l" => Self::Am308,
            "am319" => Self::Am319,
            "am319l" => Self::Am319l,
            _ => return None,
        })
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] = &["am307", "am307l", "am308", "am308l", "am319", "am319l"];

fn pir(model: Model, v: u8) -> &'static str {
    match (model, v) {
        (_, 1) => "trigger",
        (Model::Am319l, 0) | (Model::Am307 | Model::Am308 | Model::Am319, _) => "idle",
        (Model::Am319l, _) => "unknown",
    }
}

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    use Model::*;
    let out = &mut ctx.out;
    match (model, id, ty) {
        (_, 0x01, 0x75) => channels::battery(r, out)?,
        (_, 0x03, 0x67) => channels::temperature(r, out, "temperature")?,
        (_, 0x04, 0x68) => channels::humidity(r, out, "humidity")?,
        (_, 0x05, 0x00) => {
            let name = if model == Am319 { "activity" } else { "pir" };
            let v = r.u8()?;
            out.text(name, pir(model, v));
        }
        (_, 0x05, 0x6a) => r.skip(2)?,
        (_, 0x06, 0xcb) => out.plain("light_level", f64::from(r.u8()?)),
        (_, 0x07, 0x7d) => channels::u16_scaled(r, out, "co2", 1.0, "ppm")?,
        (Am307 | Am319, 0x08, 0x7d) => channels::u16_scaled(r, out, "tvoc", 1.0, "ppb")?,
        (Am308 | Am319l, 0x08, 0x7d) => channels::u16_plain(r, out, "tvoc", 100.0)?,
        (_, 0x08, 0xe6) => channels::u16_scaled(r, out, "tvoc", 1.0, "ug/m3")?,
        (_, 0x09, 0x73) => channels::u16_scaled(r, out, "pressure", 10.0, "hPa")?,
        (_, 0x0a, 0x7d) => channels::u16_scaled(r, out, "hcho", 100.0, "mg/m3")?,
        (Am319, 0x0b, 0x7d) => channels::u16_scaled(r, out, "pm2.5", 1.0, "ug/m3")?,
        (_, 0x0b, 0x7d) => channels::u16_scaled(r, out, "pm2_5", 1.0, "ug/m3")?,
        (_, 0x0c, 0x7d) => channels::u16_scaled(r, out, "pm10", 1.0, "ug/m3")?,
        (Am307 | Am308 | Am319, 0x0d, 0x7d) => channels::u16_scaled(r, out, "o3", 100.0, "ppm")?,
        (Am319l, 0x0e, 0x01) => {
            let status = match r.u8()? {
                0 => "off",
                1 => "on",
                _ => "unknown",
            };
            out.text("buzzer_status", status);
        }
        (_, 0x0e, 0x01) => {
            let v = r.u8()?;
            out.text("beep", channels::yes_no(v == 1));
        }
        (_, 0x20, 0xce) => history(model, ctx, r, false)?,
        (_, 0x21, 0xce) => history(model, ctx, r, true)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// One history record: timestamp u32, temperature i16 /10, humidity u16 /2, pir u8,
/// light_level u8, co2 u16, tvoc u16 (/100, or ug/m3 for `21 ce`), pressure u16 /10, then
/// pm2_5 u16 and pm10 u16 (AM308, AM319) and hcho u16 /100 (AM319).
fn history(model: Model, ctx: &mut Ctx, r: &mut Reader, tvoc_ugm3: bool) -> Result<(), crate::DecodeError> {
    let p = ctx.next_history();
    let t = ctx.history_timestamp(&p, r)?;
    let out = &mut ctx.out;
    channels::temperature(r, out, &field(&p, "temperature"))?;
    channels::u16_scaled(r, out, &field(&p, "humidity"), 2.0, "%RH")?;
    let v = r.u8()?;
    out.text(&field(&p, "pir"), pir(model, v));
    out.plain(&field(&p, "light_level"), f64::from(r.u8()?));
    channels::u16_scaled(r, out, &field(&p, "co2"), 1.0, "ppm")?;
    if tvoc_ugm3 {
        channels::u16_scaled(r, out, &field(&p, "tvoc"), 1.0, "ug/m3")?;
    } else {
        channels::u16_plain(r, out, &field(&p, "tvoc"), 100.0)?;
    }
    channels::u16_scaled(r, out, &field(&p, "pressure"), 10.0, "hPa")?;
    if model != Model::Am307 {
        channels::u16_scaled(r, out, &field(&p, "pm2_5"), 1.0, "ug/m3")?;
        channels::u16_scaled(r, out, &field(&p, "pm10"), 1.0, "ug/m3")?;
    }
    if matches!(model, Model::Am319 | Model::Am319l) {
        channels::u16_scaled(r, out, &field(&p, "hcho"), 100.0, "mg/m3")?;
    }
    out.stamp(&p, t);
    Ok(())
}
