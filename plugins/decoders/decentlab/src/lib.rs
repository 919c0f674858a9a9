//! Passerelle decoder plugin for Decentlab LoRaWAN sensors (protocol v2).
//!
//! Every Decentlab device speaks the same frame: a version byte, the device id, then a 16-bit
//! flag word whose set bits say which of the model's sensor groups follow, each as a fixed
//! number of big-endian 16-bit words:
//!
//! | bytes | field |
//! |---|---|
//! | 0 | protocol version (2) |
//! | 1-2 | device id, u16 |
//! | 3-4 | sensor flags, u16: bit *i* = group *i* present |
//! | 5.. | the words of each present group, in bit order |
//!
//! What the groups hold and how the words turn into values is the model's table, one module
//! per model in [`models`] (TTN device-repository ids as `frame.model`):
//!
//! | model id(s) | measures |
//! |---|---|
//! | dl-iam | indoor ambiance: temperature, humidity, pressure, light, CO2, PIR activity, TVOC |
//! | dl-lp8p | CO2, temperature, humidity, barometric pressure |
//! | dl-sht35, dl-sht35-001, dl-sht35-002 | air temperature and humidity |
//! | dl-rhc | high-precision air temperature and humidity |
//! | dl-pm | particulate matter, temperature, humidity, pressure |
//! | dl-blg | black globe temperature |
//! | dl-ds18 | temperature probe |
//! | dl-tp | temperature profile (16 levels) |
//! | dl-itst | infrared surface temperature |
//! | dl-wrm | road surface, air temperature and humidity |
//! | dl-atm22 | wind speed and direction, temperature |
//! | dl-trs12 | soil moisture, temperature, conductivity |
//! | dl-pr26, dl-pr26-0-1 | pressure / liquid level (0-1 bar), temperature |
//! | dl-mbx | ultrasonic distance |
//! | dl-lid | laser distance |
//! | dl-dlr2-002 | pulse counter |
//! | dl-dlr2-003 | digital input |
//! | dl-dlr2-004, dl-dlr2-004-10 | 4-20 mA current loop (10 Ω shunt) |
//! | dl-dlr2-005 | voltage input |
//! | dl-dlr2-006 | potentiometer |
//! | dl-dlr2-008, dl-dlr2-008-2000 | PT1000 temperature (2000 Ω reference) |
//! | dl-dlr2-009, dl-dlr2-009-2000 | analog PT1000 temperature and resistance (2000 Ω reference) |
//! | dl-dlr2-010 | dual pulse counter |
//! | dl-dlr2-011 | dual digital input |
//!
//! Readings follow the vendor's decoders (`vendor/decentlab/dl-*.js` in the TTN device
//! repository): `protocol_version`, `device_id`, then for each value of a present group its
//! `{displayName, unit, value}` object as `<name>.displayName`, `<name>.unit` and
//! `<name>.value` (the number keeps the vendor's full-precision formula result and carries its
//! SenML unit). A version other than 2 is an `InvalidField` error (the vendor decoders return
//! the same message as an error), a group cut short is `TooShort` (the vendor decoders compute
//! `NaN`). The fPort is not used: the vendor decoders ignore it.

pub mod models;
pub mod protocol;

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// Every model id this plugin decodes.
pub fn models() -> Vec<String> {
    models::ALL.iter().flat_map(|(ids, _)| ids.iter()).map(|id| String::from(*id)).collect()
}

/// Decodes the payload of a frame of `model`.
pub fn decode_payload(model: &str, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let id = model.trim().to_ascii_lowercase();
    let sensors = models::table(&id).ok_or_else(|| DecodeError::UnsupportedModel(model.to_string()))?;
    protocol::decode(sensors, payload)
}

passerelle_pdk::decoder_plugin! {
    name: "decentlab",
    models: models(),
    decode: |frame| decode_payload(&frame.model, &frame.payload),
    vectors: test_vectors(),
}
