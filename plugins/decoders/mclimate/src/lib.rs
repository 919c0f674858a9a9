//! Passerelle decoder plugin for MClimate LoRaWAN devices: CO2 Sensor, CO2 Display, CO2
//! Display Lite, HT Sensor, Vicki radiator thermostat and Flood Sensor.
//!
//! Except for the Flood Sensor ([`flood_sensor`]), an MClimate uplink ends with a keepalive
//! frame of fixed length, whose first byte is its packet type (`01`). A frame that starts with
//! `01` is a keepalive alone; any other frame is a command response: records of one command
//! byte and its values, then the keepalive in the last bytes.
//!
//! | model | keepalive | fields (bit-packed, big-endian) | module |
//! |---|---|---|---|
//! | `co2-sensor` | 7 bytes | co2, temperature, humidity, battery | [`co2_sensor`] |
//! | `ht-sensor` | 7 bytes | sensorTemperature, relativeHumidity, batteryVoltage, thermistorProperlyConnected, extThermistorTemperature | [`ht_sensor`] |
//! | `co2-display` | 11 bytes | sensorTemperature, relativeHumidity, batteryVoltage, ppm (13 bits), powerSourceStatus (3 bits), lux, pir | [`co2_display`] |
//! | `co2-display-lite` | 10 bytes | as the CO2 Display, `CO2` for `ppm`, no pir | [`co2_display`] |
//! | `vicki` | 9 bytes | reason, target / sensor temperature, humidity, motor range / position (12 bits each), battery, status bits, valveOpenness | [`vicki`] |
//! | `flood-sensor` | 2-3 bytes, no commands | reason, boxTamper, flood, battery, temperature | [`flood_sensor`] |
//!
//! Command records every model knows are in [`common::shared_command`] (`04` versions, `12`
//! keepalive period, `19` join retry period, `1b` uplink type); each model module lists its
//! own. Reading names follow the vendor's reference decoders in the TTN device repository
//! (`vendor/mclimate/*.js`), nested objects as dotted paths (`deviceVersions.hardware`). Where
//! this plugin differs from them: an unknown command byte is an `InvalidField` error (the CO2
//! sensor decoder throws, the others skip a stale number of bytes), a frame cut short is
//! `TooShort`, and 16-bit values are joined from padded bytes (see [`co2_display`]). The fPort
//! is not used: the vendor decoders ignore it.

pub mod co2_display;
pub mod co2_sensor;
pub mod common;
pub mod flood_sensor;
pub mod ht_sensor;
pub mod vicki;

use passerelle_pdk::{Reader, Readings};

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// The MClimate models this plugin decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// CO2 Sensor and Notifier.
    Co2Sensor,
    /// CO2 Display.
    Co2Display,
    /// CO2 Display Lite.
    Co2DisplayLite,
    /// HT Sensor.
    HtSensor,
    /// Vicki radiator thermostat.
    Vicki,
    /// Flood Sensor.
    FloodSensor,
}

/// TTN device-repository model ids (`vendor/mclimate/<id>.yaml`) and their models.
pub const MODELS: &[(&str, Model)] = &[
    ("co2-sensor", Model::Co2Sensor),
    ("co2-display", Model::Co2Display),
    ("co2-display-lite", Model::Co2DisplayLite),
    ("ht-sensor", Model::HtSensor),
    ("vicki", Model::Vicki),
    ("flood-sensor", Model::FloodSensor),
];

impl Model {
    /// The model of a TTN id (case-insensitive).
    pub fn from_id(model: &str) -> Option<Self> {
        let id = model.trim().to_ascii_lowercase();
        MODELS.iter().find(|(m, _)| *m == id).map(|(_, m)| *m)
    }

    fn keepalive_len(self) -> usize {
        match self {
            Self::Co2Sensor => co2_sensor::KEEPALIVE_LEN,
            Self::HtSensor => ht_sensor::KEEPALIVE_LEN,
            Self::Co2Display => co2_display::KEEPALIVE_LEN,
            Self::Co2DisplayLite => co2_display::LITE_KEEPALIVE_LEN,
            Self::Vicki => vicki::KEEPALIVE_LEN,
            Self::FloodSensor => 0,
        }
    }

    fn command(self, cmd: u8, r: &mut Reader, out: &mut Readings) -> common::Handled {
        match self {
            Self::Co2Sensor => co2_sensor::command(cmd, r, out),
            Self::HtSensor => ht_sensor::command(cmd, r, out),
            Self::Co2Display | Self::Co2DisplayLite => co2_display::command(cmd, r, out),
            Self::Vicki => vicki::command(cmd, r, out),
            Self::FloodSensor => Ok(false),
        }
    }

    fn keepalive(
        self,
        r: &mut Reader,
        out: &mut Readings,
        target_float_set: bool,
    ) -> Result<(), DecodeError> {
        match self {
            Self::Co2Sensor => co2_sensor::keepalive(r, out),
            Self::HtSensor => ht_sensor::keepalive(r, out),
            Self::Co2Display => co2_display::keepalive(false, r, out),
            Self::Co2DisplayLite => co2_display::keepalive(true, r, out),
            Self::Vicki => vicki::keepalive(r, out, target_float_set),
            Self::FloodSensor => flood_sensor::decode(r, out),
        }
    }
}

/// Decodes the payload of a frame of `model`.
pub fn decode_payload(model: &str, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let model = Model::from_id(model).ok_or_else(|| DecodeError::UnsupportedModel(model.to_string()))?;
    let mut out = Readings::new();
    let keep = model.keepalive_len();
    let (commands, keepalive) = if model == Model::FloodSensor || payload.first() == Some(&0x01) {
        (&[][..], payload)
    } else {
        let too_short = || DecodeError::TooShort(u32::try_from(keep).unwrap_or(u32::MAX));
        let split = payload.len().checked_sub(keep).ok_or_else(too_short)?;
        payload.split_at_checked(split).ok_or_else(too_short)?
    };
    let mut r = Reader::new(commands);
    let mut target_float_set = false;
    while !r.is_empty() {
        let offset = r.position();
        let cmd = r.u8()?;
        if !model.command(cmd, &mut r, &mut out)? {
            return Err(common::unknown_command(cmd, offset));
        }
        target_float_set |= model == Model::Vicki && cmd == 0x52;
    }
    let mut r = Reader::new(keepalive);
    model.keepalive(&mut r, &mut out, target_float_set)?;
    Ok(out.into_vec())
}

passerelle_pdk::decoder_plugin! {
    name: "mclimate",
    models: MODELS.iter().map(|(m, _)| String::from(*m)).collect(),
    decode: |frame| decode_payload(&frame.model, &frame.payload),
    vectors: test_vectors(),
}
