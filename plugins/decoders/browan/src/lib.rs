//! Passerelle decoder plugin for Browan LoRaWAN sensors: the Tabs family (TBDW100 door/window,
//! TBMS100 motion, TBHH100 temperature & humidity, TBHV100/TBHV110 indoor air quality, TBAM100
//! ambient light, TBSL100 sound level, TBWL100 water leak, TBPB100 push button, TBOL100 object
//! locator) and the MerryIoT CD10 CO2 sensor and L0010 Gasmatic gas tank sensor.
//!
//! Every model sends one fixed-layout report on a port of its own; the other ports are
//! `UnknownPort`, as the vendor decoders answer `unknown FPort`. The Tabs reports share their
//! first three bytes:
//!
//! | byte | field | value |
//! |---|---|---|
//! | 0 | status | model-specific event bits (bit 0 is the main state: open, occupied, leak, ...) |
//! | 1 | battery | bits 3-0 `v`: (25 + v) / 10 V (CD10: (21 + v) / 10 V) |
//! | 2 | temperatureBoard | bits 6-0 `t`: t - 32 °C, measured on the PCB |
//!
//! and the rest depends on the model (multi-byte values are little-endian):
//!
//! | model id | port | bytes 3.. | module |
//! |---|---|---|---|
//! | `tbdw100` | 100 | time u16 (min), count u24 | [`tabs`] |
//! | `tbms100` | 102 | time u16 (min), count u24 | [`tabs`] |
//! | `tbhh100` | 103 | humidity (bits 6-0, %RH); byte 2 is `temperature`, status is byte 0 >> 3 | [`tabs`] |
//! | `tbhv110`, `tbhv100` | 103 | humidity, eco2 u16 (ppm), voc u16 (ppb), iaq u16, temperature | [`tabs`] |
//! | `tbam100` | 104 | lux u24 / 100 | [`tabs`] |
//! | `tbsl100` | 105 | decibel u8 (dBA) | [`tabs`] |
//! | `tbwl100` | 106 | humidity u8, temperature | [`tabs`] |
//! | `tbpb100` | 147 | (nothing) | [`tabs`] |
//! | `cd10` | 127 | temperature u16 / 10, humidity u8, co2_ppm u16 | [`merryiot`] |
//! | `l0010` | 51, 64 | ADC or Wi-Fi report (51), BLE report (64); no Tabs header | [`merryiot`] |
//! | `doorwindowsensor`, `motionsensor`, `temperaturehumiditysensor`, `ambientlightsensor`, `soundlevelsensor`, `waterleaksensor` | 100-106 | as their Tabs successors, `Capitalised` names | [`legacy`] |
//! | `objectlocator`, `tbol100` | 136 | latitude, longitude (28/29-bit signed, 1e-6 °), accuracy | [`legacy`] |
//!
//! Reading names and values follow the vendor's JavaScript decoders in the TTN device repository
//! (`vendor/browan/*.js`); the first-generation decoders ("Browan version:1.0") name their
//! fields with capitals (`Battery`, `Temp`) and do not mask bit 7 of the temperature byte, and
//! that is kept for their model ids. A report shorter than its layout is `TooShort`; extra
//! bytes are ignored. The vendor decoders of `tbms100`, `tbwl100` and `tbhv110` return an empty
//! result for an empty or all-zero payload, before looking at the port: so do we (no readings).

pub mod legacy;
pub mod merryiot;
pub mod tabs;

use passerelle_pdk::{Reader, Readings};

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// A Browan model, as named by its TTN device-repository id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// A current Tabs sensor.
    Tabs(tabs::Model),
    /// A first-generation Tabs decoder id.
    Legacy(legacy::Model),
    /// The MerryIoT CD10 CO2 sensor.
    Cd10,
    /// The MerryIoT L0010 Gasmatic gas tank sensor.
    L0010,
}

impl Model {
    /// The model of a TTN device-repository id (case-insensitive), `None` for an unknown id.
    pub fn from_id(id: &str) -> Option<Self> {
        let id = id.trim().to_ascii_lowercase();
        let id = id.as_str();
        tabs::Model::from_id(id)
            .map(Self::Tabs)
            .or_else(|| legacy::Model::from_id(id).map(Self::Legacy))
            .or_else(|| (id == "cd10").then_some(Self::Cd10))
            .or_else(|| (id == "l0010").then_some(Self::L0010))
    }

    /// Whether the model reports on `port`.
    pub fn reports_on(self, port: u8) -> bool {
        match self {
            Self::Tabs(m) => m.port() == port,
            Self::Legacy(m) => m.port() == port,
            Self::Cd10 => port == merryiot::PORT,
            Self::L0010 => port == merryiot::PORT_L0010_ADC || port == merryiot::PORT_L0010_BLE,
        }
    }

    /// Decodes the report of this model (the port already checked).
    pub fn report(self, port: u8, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
        match self {
            Self::Tabs(m) => tabs::report(m, r, out),
            Self::Legacy(m) => legacy::report(m, r, out),
            Self::Cd10 => merryiot::cd10(r, out),
            Self::L0010 => merryiot::l0010(port, r, out),
        }
    }
}

/// Every model id this plugin decodes.
pub fn models() -> Vec<String> {
    [tabs::MODELS, legacy::MODELS, &["cd10", "l0010"]].concat().into_iter().map(String::from).collect()
}

/// Battery voltage of the Tabs battery byte: bits 3-0 `v`, (25 + v) / 10 V.
pub fn battery(byte: u8) -> f64 {
    f64::from(25 + (byte & 0x0f)) / 10.0
}

/// Temperature of a Tabs temperature byte: bits 6-0 `t`, t - 32 °C (bit 7 is reserved).
pub fn temperature(byte: u8) -> f64 {
    f64::from(byte & 0x7f) - 32.0
}

/// Bit `n` of `byte`, as the 0 / 1 number the vendor decoders output.
pub fn bit(byte: u8, n: u8) -> f64 {
    f64::from((byte >> n) & 0x01)
}

/// Decodes the payload of a frame of `model` received on `port`.
pub fn decode_payload(model: &str, port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let model = Model::from_id(model).ok_or_else(|| DecodeError::UnsupportedModel(model.to_string()))?;
    let mut out = Readings::new();
    if let Model::Tabs(m) = model
        && m.empty_when_zero()
        && payload.iter().all(|b| *b == 0)
    {
        return Ok(out.into_vec());
    }
    if !model.reports_on(port) {
        return Err(DecodeError::UnknownPort(port));
    }
    let mut r = Reader::new(payload);
    model.report(port, &mut r, &mut out)?;
    Ok(out.into_vec())
}

passerelle_pdk::decoder_plugin! {
    name: "browan",
    models: models(),
    decode: |frame| decode_payload(&frame.model, frame.port, &frame.payload),
    vectors: test_vectors(),
}
