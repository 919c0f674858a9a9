//! EM500 series (industrial probes) and the EM310-UDL ultrasonic level sensor: one measured
//! quantity each besides `01 75` battery, on channel `03`, `05` or `06`.
//!
//! | model | channels |
//! |---|---|
//! | em500-co2 | `03 67` temperature, `04 68` humidity, `05 7d` co2 (ppm, int16), `06 73` pressure (hPa /10) |
//! | em500-lgt | `03 94` light (lux, uint32) |
//! | em500-pp | `03 7b` pressure (kPa, int16) |
//! | em500-pt100 | `03 67` temperature |
//! | em500-smt | `03 67` temperature, `04 68` humidity (soil moisture), `05 7f` ec (uint16) |
//! | em500-smtc | `03 67` temperature, `04 68` humidity (soil moisture), `05 7f` conductivity (uint16) |
//! | em500-swl | `03 77` level (uint16) |
//! | em500-udl | `03 82` distance (int16 mm, reported in m) |
//! | em310-udl | `03 82` distance (uint16 mm), `04 00` tilt (normal/tilt) |
//!
//! From the vendor's current decoders: `20 ce` history records for em500-co2, -pt100, -lgt,
//! -pp, -udl and -swl, `83 d7` temperature + temperature_mutation +
//! temperature_alarm (em500-co2, em500-pt100) and `ff 1b` measuring_equipment
//! (em500-pt100, em500-swl).

use passerelle_pdk::Reader;
use passerelle_pdk::decoder::DecodeError;

use crate::channels::{self, Ctx, Handled, field};

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// EM500-CO2 CO2, temperature, humidity and pressure sensor.
    Co2,
    /// EM500-LGT light sensor.
    Lgt,
    /// EM500-PP pipe pressure sensor.
    Pp,
    /// EM500-PT100 temperature probe.
    Pt100,
    /// EM500-SMT soil moisture & temperature sensor (older decoder: `ec`).
    Smt,
    /// EM500-SMTC soil moisture, temperature & conductivity sensor.
    Smtc,
    /// EM500-SWL submersible water level sensor.
    Swl,
    /// EM500-UDL ultrasonic distance sensor.
    Udl,
    /// EM310-UDL ultrasonic distance sensor with tilt detection.
    Em310Udl,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "em500-co2" => Self::Co2,
            "em500-lgt" => Self::Lgt,
            "em500-pp" => Self::Pp,
            "em500-pt100" => Self::Pt100,
            "em500-smt" => Self::Smt,
            "em500-smtc" => Self::Smtc,
            "em500-swl" => Self::Swl,
            "em500-udl" => Self::Udl,
            "em310-udl" => Self::Em310Udl,
            _ => return None,
        })
    }
}

/// Model ids of this family.
pub const MODELS: &[&str] = &[
    "em500-co2",
    "em500-lgt",
    "em500-pp",
    "em500-pt100",
    "em500-smt",
    "em500-smtc",
    "em500-swl",
    "em500-udl",
    "em310-udl",
];

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    use Model::*;
    let out = &mut ctx.out;
    match (model, id, ty) {
        (_, 0x01, 0x75) => channels::battery(r, out)?,
        (Co2 | Pt100 | Smt | Smtc, 0x03, 0x67) => channels::temperature(r, out, "temperature")?,
        (Co2, 0x04, 0x68) => channels::humidity(r, out, "humidity")?,
        // soil moisture, reported by the vendor under the humidity name
        (Smt | Smtc, 0x04, 0x68) => out.number("humidity", f64::from(r.u8()?) / 2.0, "%"),
        (Co2, 0x05, 0x7d) => out.number("co2", f64::from(r.i16_le()?), "ppm"),
        (Co2, 0x06, 0x73) => out.number("pressure", f64::from(r.i16_le()?) / 10.0, "hPa"),
        (Lgt, 0x03, 0x94) => out.number("light", f64::from(r.u32_le()?), "lx"),
        (Pp, 0x03, 0x7b) => out.number("pressure", f64::from(r.i16_le()?), "kPa"),
        (Smt, 0x05, 0x7f) => channels::u16_scaled(r, out, "ec", 1.0, "uS/cm")?,
        (Smtc, 0x05, 0x7f) => channels::u16_scaled(r, out, "conductivity", 1.0, "uS/cm")?,
        (Swl, 0x03, 0x77) => channels::u16_scaled(r, out, "level", 1.0, "cm")?,
        (Udl, 0x03, 0x82) => out.number("distance", f64::from(r.i16_le()?) / 1000.0, "m"),
        (Em310Udl, 0x03, 0x82) => channels::u16_scaled(r, out, "distance", 1.0, "mm")?,
        (Em310Udl, 0x04, 0x00) => channels::two_state(r, out, "tilt", "normal", "tilt")?,
        (Co2 | Pt100, 0x83, 0xd7) => {
            channels::temperature(r, out, "temperature")?;
            channels::temperature(r, out, "temperature_mutation")?;
            let alarm = match r.u8()? {
                0 => "threshold alarm",
                1 => "threshold alarm release",
                2 => "mutation alarm",
                _ => "unknown",
            };
            out.text("temperature_alarm", alarm);
        }
        (Pt100 | Swl, 0xff, 0x1b) => {
            let rate = match r.u8()? & 0x07 {
                0 => "0.01",
                1 => "0.1",
                2 => "1",
                3 => "10",
                4 => "100",
                5 => "1000",
                _ => "unknown",
            };
            out.text("measuring_equipment.rate", rate);
            out.plain("measuring_equipment.range_max", f64::from(r.i16_le()?));
            out.plain("measuring_equipment.range_min", f64::from(r.i16_le()?));
        }
        (Co2 | Pt100 | Lgt | Pp | Udl | Swl, 0x20, 0xce) => history(model, ctx, r)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// One history record, as the vendor's current EM500 decoders read it: timestamp u32, then
/// co2 uint16, pressure uint16 /10, temperature, humidity (CO2); temperature (PT100);
/// illumination uint32 (LGT); pressure int16 kPa (PP); distance uint16 mm (UDL); depth
/// uint16, `ffff` / `fffd` an error (SWL).
fn history(model: Model, ctx: &mut Ctx, r: &mut Reader) -> Result<(), DecodeError> {
    let p = ctx.next_history();
    let t = ctx.history_timestamp(&p, r)?;
    let out = &mut ctx.out;
    match model {
        Model::Co2 => {
            out.number(&field(&p, "co2"), f64::from(r.u16_le()?), "ppm");
            out.number(&field(&p, "pressure"), f64::from(r.u16_le()?) / 10.0, "hPa");
            channels::temperature(r, out, &field(&p, "temperature"))?;
            channels::humidity(r, out, &field(&p, "humidity"))?;
        }
        Model::Pt100 => channels::temperature(r, out, &field(&p, "temperature"))?,
        Model::Lgt => out.number(&field(&p, "illumination"), f64::from(r.u32_le()?), "lx"),
        Model::Pp => out.number(&field(&p, "pressure"), f64::from(r.i16_le()?), "kPa"),
        Model::Udl => out.number(&field(&p, "distance"), f64::from(r.u16_le()?), "mm"),
        _ => match r.u16_le()? {
            0xffff => out.text(&field(&p, "depth_error"), "collection failed"),
            0xfffd => out.text(&field(&p, "depth_error"), "out of range"),
            v => out.plain(&field(&p, "depth"), f64::from(v)),
        },
    }
    out.stamp(&p, t);
    Ok(())
}
