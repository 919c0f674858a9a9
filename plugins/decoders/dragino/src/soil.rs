//! Soil sensors: LSE01 moisture & EC (three firmware generations) and LSPH01 pH
//! (`vendor/dragino/lse01.js`, `lse01-114.js`, `lse01-121.js`, `lsph01.js`). fPort 2.
//!
//! The vendor decoders give most values as text with fixed decimals (`"24.10"`): so do we.
//!
//! | bytes | lse01 (fw 1.3) | lse01-114 (fw 1.1.4 / 1.1.6) | lse01-121 (fw 1.2.1) | lsph01 |
//! |---|---|---|---|---|
//! | 0-1 | Bat (bits 13-0 mV, V) | Bat | BatV | Bat |
//! | 2-3 | TempC_DS18B20 int16 / 10, 1 decimal | TempC_DS18B20, 2 decimals | temp_DS18B20, 2 decimals | TempC_DS18B20, 2 decimals |
//! | 4-5 | water_SOIL u16 / 100 | water_SOIL | Mod 0: water_SOIL; Mod 1: Soil_dielectric_constant u16 / 10 | PH1_SOIL u16 / 100 |
//! | 6-7 | temp_SOIL / 100 | temp_SOIL | Mod 0: temp_SOIL; Mod 1: Raw_water_SOIL u16 | TEMP_SOIL / 10, 2 decimals |
//! | 8-9 | conduct_SOIL u16 µS/cm | conduct_SOIL | Mod 0: conduct_SOIL; Mod 1: Raw_conduct_SOIL u16 | 8: Interrupt_flag |
//! | 10 | - | Sensor_flag (>> 4), Interrupt_flag (bits 3-0), Hardware_flag (bit 2) | s_flag (bit 4), i_flag (bits 3-0), Mod (bit 7) | Message_type |
//!
//! The soil temperature (`temp_SOIL`, `TEMP_SOIL`) of a negative reading is `raw - 0xFFFF`, one
//! unit above the two's complement, as the vendor decoders compute it.

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Battery, Bytes, fixed};

/// The models of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// LSE01, firmware 1.3 decoder (`lse01-codec`).
    Lse01,
    /// LSE01, firmware 1.1.4 / 1.1.6 decoder (`lse01-114-codec`).
    Lse01v114,
    /// LSE01, firmware 1.2.1 decoder (`lse01-121-codec`).
    Lse01v121,
    /// LSPH01 soil pH sensor.
    Lsph01,
}

/// Model ids of the family (`lse01-114`, `lse01-121`: the LSE01 firmware generations, by the
/// names of their TTN codecs).
pub const MODELS: &[&str] = &["lse01", "lse01-114", "lse01-121", "lsph01"];

impl Model {
    /// The model of a lower-case id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "lse01" => Self::Lse01,
            "lse01-114" => Self::Lse01v114,
            "lse01-121" => Self::Lse01v121,
            "lsph01" => Self::Lsph01,
            _ => return None,
        })
    }
}

/// The soil temperature as the vendor computes it: `raw / 10^scale` when bit 15 is clear,
/// `(raw - 0xFFFF) / 10^scale` when set, two decimals.
fn soil_temperature(raw: u16, scale: u32) -> String {
    let value = if raw & 0x8000 == 0 { i64::from(raw) } else { i64::from(raw) - 0xffff };
    fixed(value, scale, 2)
}

/// Decodes a frame of `model` received on `port`.
pub fn decode(model: Model, port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    if port != 2 {
        return Err(DecodeError::UnknownPort(port));
    }
    b.require(if model == Model::Lse01 { 10 } else { 11 })?;
    let battery = b.battery(0)?;
    let ds18b20 = i64::from(b.i16_be(2)?);
    match model {
        Model::Lse01 | Model::Lse01v114 => {
            out.number("Bat", battery, "V");
            let digits = if model == Model::Lse01 { 1 } else { 2 };
            out.text_owned("TempC_DS18B20", fixed(ds18b20, 1, digits));
            out.text_owned("water_SOIL", fixed(i64::from(b.u16_be(4)?), 2, 2));
            out.text_owned("temp_SOIL", soil_temperature(b.u16_be(6)?, 2));
            out.plain("conduct_SOIL", f64::from(b.u16_be(8)?));
            if model == Model::Lse01v114 {
                let flags = b.u8(10)?;
                out.plain("Sensor_flag", f64::from(flags >> 4));
                out.plain("Interrupt_flag", f64::from(flags & 0x0f));
                out.plain("Hardware_flag", f64::from((flags >> 2) & 0x01));
            }
        }
        Model::Lse01v121 => {
            let flags = b.u8(10)?;
            let mode = flags >> 7;
            out.number("BatV", battery, "V");
            out.text_owned("temp_DS18B20", fixed(ds18b20, 1, 2));
            if mode == 0 {
                out.text_owned("temp_SOIL", soil_temperature(b.u16_be(6)?, 2));
                out.text_owned("water_SOIL", fixed(i64::from(b.u16_be(4)?), 2, 2));
                out.plain("conduct_SOIL", f64::from(b.u16_be(8)?));
            } else {
                let dielectric = fixed(i64::from(b.u16_be(4)?), 1, 1);
                out.text_owned("Soil_dielectric_constant", dielectric);
                out.plain("Raw_water_SOIL", f64::from(b.u16_be(6)?));
                out.plain("Raw_conduct_SOIL", f64::from(b.u16_be(8)?));
            }
            out.plain("s_flag", f64::from((flags >> 4) & 0x01));
            out.plain("i_flag", f64::from(flags & 0x0f));
            out.plain("Mod", f64::from(mode));
        }
        Model::Lsph01 => {
            out.number("Bat", battery, "V");
            out.text_owned("TempC_DS18B20", fixed(ds18b20, 1, 2));
            out.text_owned("PH1_SOIL", fixed(i64::from(b.u16_be(4)?), 2, 2));
            out.text_owned("TEMP_SOIL", soil_temperature(b.u16_be(6)?, 1));
            out.plain("Interrupt_flag", f64::from(b.u8(8)?));
            out.plain("Message_type", f64::from(b.u8(10)?));
        }
    }
    Ok(())
}
