//! The first-generation Tabs decoder ids of the TTN device repository ("Browan version:1.0"):
//! same reports as the current Tabs models, `Capitalised` names, and the temperature byte read
//! whole (byte - 32, bit 7 not masked). Multi-byte values are little-endian.
//!
//! | model | port | readings |
//! |---|---|---|
//! | doorwindowsensor | 100 | Status (bit 0), Battery, Temp, Time u16 (min), Count u24 |
//! | motionsensor | 102 | Status (bit 0), Battery, Temp, Time u16 (min), Count u24 |
//! | temperaturehumiditysensor | 103 | Status (byte 0 >> 3), Battery, Temp, Humidity u8 |
//! | ambientlightsensor | 104 | Darker (bit 0), Lighter (bits 3-1), StatusChange (bit 4), KeepAlive (bits 7-5), Battery, Temp, Lux u24 / 100 |
//! | soundlevelsensor | 105 | Status (bit 0), Battery, Temp, Decibel u8 |
//! | waterleaksensor | 106 | WaterLeakageDetected (bits 3-0), TemperatureStatus (bit 5), RHStatus (bits 7-6), Battery, Temp_PCB, Humidity u8, Temp_Sensor |
//! | objectlocator, tbol100 | 136 | ButtonTrigger (bit 0), MovingMode (bits 2-1), NoGNSSFix (bit 3), GNSSerror (bits 7-4), Battery, Temp, Lat, Long, PositionEstimate |
//!
//! The object locator's latitude is bits 27-0 of bytes 3-6 and its longitude bits 28-0 of
//! bytes 7-10, both two's complement in millionths of a degree; bits 31-29 of the longitude
//! word `a` give the position accuracy estimate 2^(a + 2) m. The multi-bit status fields above
//! are the vendor decoders' arithmetic (`(b - (b >> 4) * 16) >> 1` is bits 3-1), kept as is.
//!
//! The repository holds no decoder file for `doorwindowsensor`; its report is documented as the
//! motion sensor's, and the motion sensor's names are used.

use passerelle_pdk::{Reader, Readings};

use crate::tabs::u24_le;
use crate::{DecodeError, battery};

/// The first-generation models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// `doorwindowsensor` (TBDW100).
    DoorWindow,
    /// `motionsensor` (TBMS100).
    Motion,
    /// `temperaturehumiditysensor` (TBHH100).
    TemperatureHumidity,
    /// `ambientlightsensor` (TBAM100).
    AmbientLight,
    /// `soundlevelsensor` (TBSL100).
    SoundLevel,
    /// `waterleaksensor` (TBWL100).
    WaterLeak,
    /// `objectlocator` (TBOL100).
    ObjectLocator,
}

/// Model ids of the first-generation decoders.
pub const MODELS: &[&str] = &[
    "doorwindowsensor",
    "motionsensor",
    "temperaturehumiditysensor",
    "ambientlightsensor",
    "soundlevelsensor",
    "waterleaksensor",
    "objectlocator",
    "tbol100",
];

impl Model {
    /// The model of a lower-case TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "doorwindowsensor" => Self::DoorWindow,
            "motionsensor" => Self::Motion,
            "temperaturehumiditysensor" => Self::TemperatureHumidity,
            "ambientlightsensor" => Self::AmbientLight,
            "soundlevelsensor" => Self::SoundLevel,
            "waterleaksensor" => Self::WaterLeak,
            "objectlocator" | "tbol100" => Self::ObjectLocator,
            _ => return None,
        })
    }

    /// The fPort of the model's report.
    pub fn port(self) -> u8 {
        match self {
            Self::DoorWindow => 100,
            Self::Motion => 102,
            Self::TemperatureHumidity => 103,
            Self::AmbientLight => 104,
            Self::SoundLevel => 105,
            Self::WaterLeak => 106,
            Self::ObjectLocator => 136,
        }
    }
}

/// The first-generation temperature: the whole byte minus 32, °C.
fn temp(byte: u8) -> f64 {
    f64::from(byte) - 32.0
}

/// Decodes the report of `model`.
pub fn report(model: Model, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let status = r.u8()?;
    let low = status & 0x0f;
    let batt = r.u8()?;
    let t = r.u8()?;
    match model {
        Model::DoorWindow | Model::Motion => {
            out.plain("Status", f64::from(low % 2));
            out.number("Battery", battery(batt), "V");
            out.number("Temp", temp(t), "Cel");
            out.number("Time", f64::from(r.u16_le()?), "min");
            out.number("Count", f64::from(u24_le(r.take(3)?)), "count");
        }
        Model::TemperatureHumidity => {
            out.plain("Status", f64::from(status >> 3));
            out.number("Battery", battery(batt), "V");
            out.number("Temp", temp(t), "Cel");
            out.number("Humidity", f64::from(r.u8()?), "%RH");
        }
        Model::AmbientLight => {
            out.plain("Darker", f64::from(low % 2));
            out.plain("Lighter", f64::from(low >> 1));
            out.plain("StatusChange", f64::from((status >> 4) % 2));
            out.plain("KeepAlive", f64::from(status >> 5));
            out.number("Battery", battery(batt), "V");
            out.number("Temp", temp(t), "Cel");
            out.number("Lux", f64::from(u24_le(r.take(3)?)) / 100.0, "lx");
        }
        Model::SoundLevel => {
            out.plain("Status", f64::from(low % 2));
            out.number("Battery", battery(batt), "V");
            out.number("Temp", temp(t), "Cel");
            out.number("Decibel", f64::from(r.u8()?), "dB");
        }
        Model::WaterLeak => {
            out.plain("WaterLeakageDetected", f64::from(low));
            out.plain("TemperatureStatus", f64::from(((status >> 4) % 4) >> 1));
            out.plain("RHStatus", f64::from(status >> 6));
            out.number("Battery", battery(batt), "V");
            out.number("Temp_PCB", temp(t), "Cel");
            out.number("Humidity", f64::from(r.u8()?), "%RH");
            out.number("Temp_Sensor", temp(r.u8()?), "Cel");
        }
        Model::ObjectLocator => {
            out.plain("ButtonTrigger", f64::from((low % 8) % 2));
            out.plain("MovingMode", f64::from((low % 8) >> 1));
            out.plain("NoGNSSFix", f64::from(low >> 3));
            out.plain("GNSSerror", f64::from(status >> 4));
            out.number("Battery", battery(batt), "V");
            out.number("Temp", temp(t), "Cel");
            let lat = r.u32_le()?;
            let lon = r.u32_le()?;
            out.number("Lat", f64::from(signed(lat, 28)) / 1_000_000.0, "lat");
            out.number("Long", f64::from(signed(lon, 29)) / 1_000_000.0, "lon");
            let accuracy = 1u32 << ((lon >> 29) + 2);
            out.number("PositionEstimate", f64::from(accuracy), "m");
        }
    }
    Ok(())
}

/// The low `bits` bits of `word` as a two's-complement number.
fn signed(word: u32, bits: u32) -> i32 {
    let shift = 32 - bits;
    // Move the field's sign bit to bit 31, then shift back arithmetically.
    i32::from_ne_bytes((word << shift).to_ne_bytes()) >> shift
}
