//! Passerelle decoder plugin for MClimate LoRaWAN devices: CO2 Sensor, CO2 Display, CO2
//! Display Lite, HT Sensor, Vicki radiator thermostat, Flood Sensor, T-Valve, Wireless
//! Thermostat, Fan Coil Thermostat, 16A Switch & Power Meter, 16A Dry Switch, AQI Sensor,
//! Open/Close Sensor, MC Button, PIR Mini, HT PIR Lite and CO2 PIR Lite.
//!
//! Most MClimate uplinks end with a keepalive frame of fixed length, whose first byte is its
//! packet type (`01`, `81` on the PIR Lites). A frame that starts with that byte is a
//! keepalive alone; any other frame is a command response or an event: records of one
//! command byte and its values, then the keepalive in the last bytes (on the PIR sensors, only
//! when the frame is at least as long as a keepalive; on the 16A switches and the Fan Coil
//! Thermostat, only when the keepalive's first byte is there: see [`Trailer`]). The Flood Sensor, the T-Valve and the
//! AQI Sensor have layouts of their own (the T-Valve's records follow its status frame).
//!
//! | model | keepalive | fields (bit-packed, big-endian) | module |
//! |---|---|---|---|
//! | `co2-sensor` | 7 bytes | co2, temperature, humidity, battery | [`co2_sensor`] |
//! | `ht-sensor` | 7 bytes | sensorTemperature, relativeHumidity, batteryVoltage, thermistorProperlyConnected, extThermistorTemperature | [`ht_sensor`] |
//! | `co2-display` | 11 bytes | sensorTemperature, relativeHumidity, batteryVoltage, ppm (13 bits), powerSourceStatus (3 bits), lux, pir | [`co2_display`] |
//! | `co2-display-lite` | 10 bytes | as the CO2 Display, `CO2` for `ppm`, no pir | [`co2_display`] |
//! | `vicki` | 9 bytes | reason, target / sensor temperature, humidity, motor range / position (12 bits each), battery, status bits, valveOpenness | [`vicki`] |
//! | `wireless-thermostat` | 11 bytes | sensorTemperature, relativeHumidity, batteryVoltage, targetTemperature, powerSourceStatus, lux, pir | [`thermostat`] |
//! | `fan-coil-thermostat` | 11 bytes | sensorTemperature, relativeHumidity, targetTemperature, operationalMode, fan speeds, valveStatus, deviceStatus | [`thermostat`] |
//! | `16aspm` | 12 bytes | internalTemperature, energy_kWh, power_W, acVoltage_V, acCurrent_mA, relayState | [`relay`] |
//! | `16ads` | 3 bytes | internalTemperature, relayState | [`relay`] |
//! | `open-close` | 8 bytes | batteryVoltage, thermistorProperlyConnected, temperature, counter, status | [`open_close`] |
//! | `mc-button` | 5 bytes | batteryVoltage, thermistorProperlyConnected, sensorTemperature, pressEvent | [`open_close`] |
//! | `pir-mini` | 10 bytes | sensorTemperature, relativeHumidity, lux, luxStatus, batteryVoltage, occupied, pirTriggerCount | [`pir`] |
//! | `ht-pir-lite`, `co2-pir-lite` | 6, 8 bytes (`81`) | occupied, sensorTemperature, relativeHumidity, batteryVoltage, (CO2), pirTriggerCount | [`pir`] |
//! | `flood-sensor` | 2-3 bytes, no commands | reason, boxTamper, flood, battery, temperature | [`flood_sensor`] |
//! | `t-valve` | 2 bytes, or 5 and command records | reason, waterTemp, valveState, ambientTemp; or reason, alarm flags, times, battery | [`t_valve`] |
//! | `aqi-sensor` | 10 bytes, no commands | sAQI, AQI, CO2eq, VOC, relative_humidity, pressure, temperature, accuracy_aqi, voltage | [`aqi_sensor`] |
//!
//! Command records every model knows are in [`common::shared_command`] (`04` versions, `12`
//! keepalive period, `19` join retry period, `1b` uplink type); each model module lists its
//! own. Reading names follow the vendor's reference decoders in the TTN device repository
//! (`vendor/mclimate/*.js`), nested objects as dotted paths (`deviceVersions.hardware`); for
//! the models whose decoder the repository names but does not hold (16ASPM, 16ADS, Fan Coil
//! Thermostat), the names of their codec examples. Where this plugin differs from the vendor
//! decoders: an unknown command byte is an `InvalidField` error (the CO2 sensor decoder
//! throws, the others skip a stale number of bytes), a frame cut short is `TooShort`, and
//! 16-bit values are joined from padded bytes (see [`co2_display`]). The fPort is not used:
//! the vendor decoders ignore it.

pub mod aqi_sensor;
pub mod co2_display;
pub mod co2_sensor;
pub mod common;
pub mod flood_sensor;
pub mod ht_sensor;
pub mod open_close;
pub mod pir;
pub mod relay;
pub mod t_valve;
pub mod thermostat;
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
    /// T-Valve water shut-off valve.
    TValve,
    /// Wireless Thermostat.
    WirelessThermostat,
    /// Fan Coil Thermostat.
    FanCoilThermostat,
    /// 16A Switch & Power Meter.
    PowerMeterSwitch,
    /// 16A Dry Switch.
    DrySwitch,
    /// Air Quality Sensor & Notifier.
    AqiSensor,
    /// Open/Close Sensor.
    OpenClose,
    /// MC Button.
    Button,
    /// PIR Mini.
    PirMini,
    /// HT PIR Lite.
    HtPirLite,
    /// CO2 PIR Lite.
    Co2PirLite,
}

/// How a model's frames are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One frame layout, no command records.
    Whole,
    /// Command records then a keepalive of `len` bytes starting with `marker`.
    Framed {
        /// The keepalive's first byte.
        marker: u8,
        /// The keepalive's length.
        len: usize,
        /// When a frame of records carries no keepalive.
        optional: Trailer,
    },
}

/// When the records of a [`Layout::Framed`] frame are followed by a keepalive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trailer {
    /// Always (the vendor decoders take the last bytes as the keepalive).
    Always,
    /// When the frame is at least as long as a keepalive (the PIR sensors' decoders).
    IfLongEnough,
    /// When the byte a keepalive would start at is its marker (MClimate's own parser, for
    /// the models whose TTN decoder the repository does not hold: 16ASPM, 16ADS, Fan Coil
    /// Thermostat).
    IfMarked,
}

/// TTN device-repository model ids (`vendor/mclimate/<id>.yaml`) and their models.
pub const MODELS: &[(&str, Model)] = &[
    ("co2-sensor", Model::Co2Sensor),
    ("co2-display", Model::Co2Display),
    ("co2-display-lite", Model::Co2DisplayLite),
    ("ht-sensor", Model::HtSensor),
    ("vicki", Model::Vicki),
    ("flood-sensor", Model::FloodSensor),
    ("t-valve", Model::TValve),
    ("wireless-thermostat", Model::WirelessThermostat),
    ("fan-coil-thermostat", Model::FanCoilThermostat),
    ("16aspm", Model::PowerMeterSwitch),
    ("16ads", Model::DrySwitch),
    ("aqi-sensor", Model::AqiSensor),
    ("open-close", Model::OpenClose),
    ("mc-button", Model::Button),
    ("pir-mini", Model::PirMini),
    ("ht-pir-lite", Model::HtPirLite),
    ("co2-pir-lite", Model::Co2PirLite),
];

impl Model {
    /// The model of a TTN id (case-insensitive).
    pub fn from_id(model: &str) -> Option<Self> {
        let id = model.trim().to_ascii_lowercase();
        MODELS.iter().find(|(m, _)| *m == id).map(|(_, m)| *m)
    }

    /// How this model's frames are laid out.
    pub fn layout(self) -> Layout {
        let framed = |len| Layout::Framed { marker: 0x01, len, optional: Trailer::Always };
        let if_long = |marker, len| Layout::Framed { marker, len, optional: Trailer::IfLongEnough };
        let if_marked = |len| Layout::Framed { marker: 0x01, len, optional: Trailer::IfMarked };
        match self {
            Self::FloodSensor | Self::TValve | Self::AqiSensor => Layout::Whole,
            Self::Co2Sensor => framed(co2_sensor::KEEPALIVE_LEN),
            Self::HtSensor => framed(ht_sensor::KEEPALIVE_LEN),
            Self::Co2Display => framed(co2_display::KEEPALIVE_LEN),
            Self::Co2DisplayLite => framed(co2_display::LITE_KEEPALIVE_LEN),
            Self::Vicki => framed(vicki::KEEPALIVE_LEN),
            Self::WirelessThermostat => framed(thermostat::KEEPALIVE_LEN),
            Self::FanCoilThermostat => if_marked(thermostat::KEEPALIVE_LEN),
            Self::PowerMeterSwitch => if_marked(relay::SPM_KEEPALIVE_LEN),
            Self::DrySwitch => if_marked(relay::DS_KEEPALIVE_LEN),
            Self::OpenClose => framed(open_close::OPEN_CLOSE_KEEPALIVE_LEN),
            Self::Button => framed(open_close::BUTTON_KEEPALIVE_LEN),
            Self::PirMini => if_long(0x01, pir::MINI_KEEPALIVE_LEN),
            Self::HtPirLite => if_long(0x81, pir::HT_LITE_KEEPALIVE_LEN),
            Self::Co2PirLite => if_long(0x81, pir::CO2_LITE_KEEPALIVE_LEN),
        }
    }

    fn command(self, cmd: u8, r: &mut Reader, out: &mut Readings) -> common::Handled {
        match self {
            Self::Co2Sensor => co2_sensor::command(cmd, r, out),
            Self::HtSensor => ht_sensor::command(cmd, r, out),
            Self::Co2Display | Self::Co2DisplayLite => co2_display::command(cmd, r, out),
            Self::Vicki => vicki::command(cmd, r, out),
            Self::WirelessThermostat => thermostat::wireless_command(cmd, r, out),
            Self::FanCoilThermostat => thermostat::fan_coil_command(cmd, r, out),
            Self::PowerMeterSwitch | Self::DrySwitch => relay::command(cmd, r, out),
            Self::OpenClose => open_close::open_close_command(cmd, r, out),
            Self::Button => open_close::button_command(cmd, r, out),
            Self::PirMini => pir::mini_command(cmd, r, out),
            Self::HtPirLite => pir::lite_command(cmd, r, out),
            Self::Co2PirLite => pir::co2_lite_command(cmd, r, out),
            Self::FloodSensor | Self::TValve | Self::AqiSensor => Ok(false),
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
            Self::TValve => t_valve::decode(r, out),
            Self::AqiSensor => aqi_sensor::decode(r, out),
            Self::WirelessThermostat => thermostat::wireless_keepalive(r, out),
            Self::FanCoilThermostat => thermostat::fan_coil_keepalive(r, out),
            Self::PowerMeterSwitch => relay::power_meter_keepalive(r, out),
            Self::DrySwitch => relay::dry_switch_keepalive(r, out),
            Self::OpenClose => open_close::open_close_keepalive(r, out),
            Self::Button => open_close::button_keepalive(r, out),
            Self::PirMini => pir::mini_keepalive(r, out),
            Self::HtPirLite => pir::lite_keepalive(false, r, out),
            Self::Co2PirLite => pir::lite_keepalive(true, r, out),
        }
    }
}

/// Decodes the payload of a frame of `model`.
pub fn decode_payload(model: &str, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let model = Model::from_id(model).ok_or_else(|| DecodeError::UnsupportedModel(model.to_string()))?;
    let mut out = Readings::new();
    let (commands, keepalive) = match model.layout() {
        Layout::Whole => (&[][..], Some(payload)),
        Layout::Framed { marker, .. } if payload.first() == Some(&marker) => (&[][..], Some(payload)),
        Layout::Framed { optional: Trailer::IfLongEnough | Trailer::IfMarked, .. } if payload.is_empty() => {
            return Err(DecodeError::TooShort(1));
        }
        Layout::Framed { len, optional: Trailer::IfLongEnough, .. } if payload.len() < len => (payload, None),
        Layout::Framed { marker, len, optional: Trailer::IfMarked }
            if payload.len().checked_sub(len).and_then(|at| payload.get(at)) != Some(&marker) =>
        {
            (payload, None)
        }
        Layout::Framed { len, .. } => {
            let too_short = || DecodeError::TooShort(u32::try_from(len).unwrap_or(u32::MAX));
            let split = payload.len().checked_sub(len).ok_or_else(too_short)?;
            let (commands, keepalive) = payload.split_at_checked(split).ok_or_else(too_short)?;
            (commands, Some(keepalive))
        }
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
    if let Some(keepalive) = keepalive {
        let mut r = Reader::new(keepalive);
        model.keepalive(&mut r, &mut out, target_float_set)?;
    }
    Ok(out.into_vec())
}

passerelle_pdk::decoder_plugin! {
    name: "mclimate",
    models: MODELS.iter().map(|(m, _)| String::from(*m)).collect(),
    decode: |frame| decode_payload(&frame.model, &frame.payload),
    vectors: test_vectors(),
}
