//! The current Tabs sensors (`vendor/browan/tb*.js`): one report each, on a port of its own.
//!
//! | model | port | byte 0 (status) | bytes 3.. |
//! |---|---|---|---|
//! | tbdw100 | 100 | `status` bit 0 (1 open) | `time` u16 min since last event, `count` u24 events |
//! | tbms100 | 102 | `status` bit 0 (1 occupied) | `time` u16 min, `count` u24 |
//! | tbhh100 | 103 | `status` = byte >> 3 | `humidity` bits 6-0; byte 2 is `temperature` |
//! | tbhv110 | 103 | `status` bit 0, `tempHumidChanged` bit 4, `iaqChanged` bit 5 | `humidity` bits 6-0, `eco2` u16, `voc` u16, `iaq` u16, `temperature` (t - 32) |
//! | tbam100 | 104 | `darker` bit 0, `lighter` bit 1, `statusChange` bit 4, `keepAlive` bit 5 | `lux` u24 / 100 |
//! | tbsl100 | 105 | `status` bit 0 (1 threshold event) | `decibel` u8 dBA (255: no measurement) |
//! | tbwl100 | 106 | `status` bit 0 (1 leak), `temperatureChanged` bit 5, `humidityChanged` bit 6 | `humidity` u8, `temperature` (t - 32) |
//! | tbpb100 | 147 | `status` bit 0 (1 pressed) | - |
//!
//! Bytes 1 and 2 are `battery` and `temperatureBoard` ([`crate::battery`],
//! [`crate::temperature`]) except on the TBHH100, whose byte 2 is its `temperature`. Multi-byte
//! values are little-endian. The TBWL100 humidity keeps bit 7, as its decoder does.

use passerelle_pdk::{Reader, Readings};

use crate::{DecodeError, battery, bit, temperature};

/// The models of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// TBDW100 door & window sensor.
    Tbdw100,
    /// TBMS100 motion (PIR) sensor.
    Tbms100,
    /// TBHH100 temperature & humidity sensor.
    Tbhh100,
    /// TBHV110 (and TBHV100) healthy-home IAQ sensor.
    Tbhv110,
    /// TBAM100 ambient light sensor.
    Tbam100,
    /// TBSL100 sound level sensor.
    Tbsl100,
    /// TBWL100 water leak sensor.
    Tbwl100,
    /// TBPB100 push button.
    Tbpb100,
}

/// Model ids of the family (`tbhv100` is the TBHV110's predecessor, same report).
pub const MODELS: &[&str] =
    &["tbdw100", "tbms100", "tbhh100", "tbhv110", "tbhv100", "tbam100", "tbsl100", "tbwl100", "tbpb100"];

impl Model {
    /// The model of a lower-case TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "tbdw100" => Self::Tbdw100,
            "tbms100" => Self::Tbms100,
            "tbhh100" => Self::Tbhh100,
            "tbhv110" | "tbhv100" => Self::Tbhv110,
            "tbam100" => Self::Tbam100,
            "tbsl100" => Self::Tbsl100,
            "tbwl100" => Self::Tbwl100,
            "tbpb100" => Self::Tbpb100,
            _ => return None,
        })
    }

    /// The fPort of the model's report.
    pub fn port(self) -> u8 {
        match self {
            Self::Tbdw100 => 100,
            Self::Tbms100 => 102,
            Self::Tbhh100 | Self::Tbhv110 => 103,
            Self::Tbam100 => 104,
            Self::Tbsl100 => 105,
            Self::Tbwl100 => 106,
            Self::Tbpb100 => 147,
        }
    }

    /// True for the models whose vendor decoder returns nothing for an empty or all-zero
    /// payload, whatever the port.
    pub fn empty_when_zero(self) -> bool {
        matches!(self, Self::Tbms100 | Self::Tbwl100 | Self::Tbhv110)
    }
}

/// Decodes the report of `model`.
pub fn report(model: Model, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let status = r.u8()?;
    let batt = r.u8()?;
    let temp = r.u8()?;
    out.number("battery", battery(batt), "V");
    match model {
        Model::Tbdw100 | Model::Tbms100 => {
            out.plain("status", bit(status, 0));
            out.number("temperatureBoard", temperature(temp), "Cel");
            out.number("time", f64::from(r.u16_le()?), "min");
            let count = r.take(3)?;
            out.number("count", f64::from(u24_le(count)), "count");
        }
        Model::Tbhh100 => {
            out.plain("status", f64::from(status >> 3));
            out.number("temperature", temperature(temp), "Cel");
            out.number("humidity", f64::from(r.u8()? & 0x7f), "%RH");
        }
        Model::Tbhv110 => {
            out.plain("status", bit(status, 0));
            out.plain("tempHumidChanged", bit(status, 4));
            out.plain("iaqChanged", bit(status, 5));
            out.number("temperatureBoard", temperature(temp), "Cel");
            out.number("humidity", f64::from(r.u8()? & 0x7f), "%RH");
            out.number("eco2", f64::from(r.u16_le()?), "ppm");
            out.number("voc", f64::from(r.u16_le()?), "ppb");
            out.plain("iaq", f64::from(r.u16_le()?));
            out.number("temperature", temperature(r.u8()?), "Cel");
        }
        Model::Tbam100 => {
            out.plain("darker", bit(status, 0));
            out.plain("lighter", bit(status, 1));
            out.plain("statusChange", bit(status, 4));
            out.plain("keepAlive", bit(status, 5));
            out.number("temperatureBoard", temperature(temp), "Cel");
            let lux = r.take(3)?;
            out.number("lux", f64::from(u24_le(lux)) / 100.0, "lx");
        }
        Model::Tbsl100 => {
            out.plain("status", bit(status, 0));
            out.number("temperatureBoard", temperature(temp), "Cel");
            out.number("decibel", f64::from(r.u8()?), "dB");
        }
        Model::Tbwl100 => {
            out.plain("status", bit(status, 0));
            out.plain("temperatureChanged", bit(status, 5));
            out.plain("humidityChanged", bit(status, 6));
            out.number("temperatureBoard", temperature(temp), "Cel");
            out.number("humidity", f64::from(r.u8()?), "%RH");
            out.number("temperature", temperature(r.u8()?), "Cel");
        }
        Model::Tbpb100 => {
            out.plain("status", bit(status, 0));
            out.number("temperatureBoard", temperature(temp), "Cel");
        }
    }
    Ok(())
}

/// A little-endian unsigned 24-bit value of three bytes (fewer bytes read as 0, never more).
pub fn u24_le(bytes: &[u8]) -> u32 {
    bytes.iter().take(3).rev().fold(0u32, |acc, b| (acc << 8) | u32::from(*b))
}
