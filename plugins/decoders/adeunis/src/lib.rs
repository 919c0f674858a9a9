//! Passerelle decoder plugin for Adeunis LoRaWAN products (TEMP, PULSE, TIC, COMFORT, COMFORT
//! CO2, COMFORT SERENITY, DRY CONTACTS, DELTA P, MOTION, BREATH, ANALOG).
//!
//! Every Adeunis uplink opens with a frame code and a status byte; the frame code says what
//! follows, and its meaning depends on the product (`0x30` is a keep-alive carrying
//! temperatures on a TEMP, counters on a DRY CONTACTS, the daily summary on a COMFORT CO2), so a
//! frame is decoded with the table of the product named in `frame.model` (TTN device-repository
//! id):
//!
//! | byte | field |
//! |---|---|
//! | 0 | frame code |
//! | 1 | status: bits 7-5 frame counter, bit 1 low battery, bit 0 configuration done, bits 2-4 product flags (timestamp appended, configuration inconsistency, alarms, ...) |
//! | 2.. | big-endian fields of the frame; history frames list the newest point first |
//! | last 4 | timestamp, seconds since 2013-01-01 UTC, when status bit 2 says so (products with timestamps) |
//!
//! | module | model ids | frame codes |
//! |---|---|---|
//! | [`temp`] | temp, temp-4 | `10` `30` `57` `58` + `20` `2f` `33` `36` `37` |
//! | [`pulse`] | pulse, pulse-4 | `10` `11` `12` `30` `46` `47` `5a` `5b` + `20` `33` |
//! | [`tic`] | tic-cbe-linky-mono, tic-cbe-linky-tri, tic-pme-pmi | `10` `49` `4a` + `20` `30` |
//! | [`comfort`] | comfort | `10` `4c` `4d` + `1f` `20` `30` `33` `37` `51` `52` |
//! | [`comfort`] | comfort-co2 | `10` `30` `6a` `6b` + `1f` `20` `33` `37` `51` `52` |
//! | [`serenity`] | comfort-serenity | `10` `30` `31` `38` `6a` `6b` `6f` `70` + `1f` `20` `33` `37` `51` `52` |
//! | [`drycontacts`] | dry-contacts-2, drycontacts, dry-contact | `10` `30` `40` `41` `59` + `20` `2f` `33` |
//! | [`deltap`] | deltap | `10` `11` `2f` `53` `54` `55` `56` + `1f` `20` `30` `33` `51` `52` |
//! | [`motion`] | motion | `10` `4e` `4f` `50` `5c` `5d` |
//! | [`breath`] | breath | `10` `30` `6d` `6e` + `1f` `20` `33` `37` `51` `52` |
//! | [`analog`] | analog | `10` `11`-`14` `30` `42` + `20` |
//! | [`analog`] | analog2 | `10` `30` `38` `42` `71` `72` + `20` |
//!
//! The generic frames (`1f` digital input configuration, `20` network configuration, `2f`
//! downlink acknowledgement, `30` keep-alive, `33` register status, `36` alert, `37` software
//! version, `51` / `52` digital input alarms) are in [`common`].
//!
//! Reading names follow the vendor's decoders (`vendor/adeunis/*_lib.js` in the TTN device
//! repository), whose output nests everything under `bytes`: `bytes.type`,
//! `bytes.status.frameCounter`, `bytes.temperatures.0.values.1`. Their `{unit, value}` objects
//! become two readings (`<name>.unit` text, `<name>.value` number with its SenML unit). A frame
//! code the product does not define is an `InvalidField` error (the vendor decoders answer
//! `type: "Unsupported"`), a field past the end of the frame is `TooShort` (the vendor decoders
//! print `NaN` or drop the field). The fPort is not used: the vendor decoders ignore it.

pub mod analog;
pub mod breath;
pub mod comfort;
pub mod common;
pub mod deltap;
pub mod drycontacts;
pub mod motion;
pub mod pulse;
pub mod serenity;
pub mod temp;
pub mod tic;

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

use crate::common::{Bytes, Handled, Out};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// The product of a model id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Product {
    /// TEMP v3 / v4.
    Temp,
    /// PULSE v3 / v4.
    Pulse,
    /// TIC CBE / Linky / PME-PMI.
    Tic(tic::Variant),
    /// COMFORT.
    Comfort,
    /// COMFORT CO2.
    ComfortCo2,
    /// COMFORT SERENITY.
    ComfortSerenity,
    /// DRY CONTACTS.
    DryContacts,
    /// DELTA P.
    DeltaP,
    /// MOTION.
    Motion,
    /// BREATH.
    Breath,
    /// ANALOG.
    Analog,
    /// ANALOG V2.
    Analog2,
}

impl Product {
    /// The product of a model id (case-insensitive), `None` for a model this plugin does not know.
    pub fn from_model(model: &str) -> Option<Self> {
        let id = model.trim().to_ascii_lowercase();
        let id = id.as_str();
        let is = |models: &[&str]| models.contains(&id);
        Some(if is(temp::MODELS) {
            Self::Temp
        } else if is(pulse::MODELS) {
            Self::Pulse
        } else if let Some(variant) = tic::Variant::from_id(id) {
            Self::Tic(variant)
        } else if is(comfort::COMFORT_MODELS) {
            Self::Comfort
        } else if is(comfort::CO2_MODELS) {
            Self::ComfortCo2
        } else if is(serenity::MODELS) {
            Self::ComfortSerenity
        } else if is(drycontacts::MODELS) {
            Self::DryContacts
        } else if is(deltap::MODELS) {
            Self::DeltaP
        } else if is(motion::MODELS) {
            Self::Motion
        } else if is(breath::MODELS) {
            Self::Breath
        } else if is(analog::ANALOG_MODELS) {
            Self::Analog
        } else if is(analog::V2_MODELS) {
            Self::Analog2
        } else {
            return None;
        })
    }

    /// Decodes a frame of code `code` with the product's table.
    pub fn decode(self, code: u8, b: &Bytes, out: &mut Out) -> Handled {
        match self {
            Self::Temp => temp::decode(code, b, out),
            Self::Pulse => pulse::decode(code, b, out),
            Self::Tic(variant) => tic::decode(variant, code, b, out),
            Self::Comfort => comfort::decode_comfort(code, b, out),
            Self::ComfortCo2 => comfort::decode_co2(code, b, out),
            Self::ComfortSerenity => serenity::decode(code, b, out),
            Self::DryContacts => drycontacts::decode(code, b, out),
            Self::DeltaP => deltap::decode(code, b, out),
            Self::Motion => motion::decode(code, b, out),
            Self::Breath => breath::decode(code, b, out),
            Self::Analog => analog::decode(code, b, out),
            Self::Analog2 => analog::decode_v2(code, b, out),
        }
    }
}

/// Every model id this plugin decodes.
pub fn models() -> Vec<String> {
    [
        temp::MODELS,
        pulse::MODELS,
        tic::MODELS,
        comfort::COMFORT_MODELS,
        comfort::CO2_MODELS,
        serenity::MODELS,
        drycontacts::MODELS,
        deltap::MODELS,
        motion::MODELS,
        breath::MODELS,
        analog::ANALOG_MODELS,
        analog::V2_MODELS,
    ]
    .concat()
    .into_iter()
    .map(String::from)
    .collect()
}

/// Decodes the payload of a frame of `model`.
pub fn decode_payload(model: &str, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let product =
        Product::from_model(model).ok_or_else(|| DecodeError::UnsupportedModel(model.to_string()))?;
    let b = Bytes::new(payload);
    let code = b.u8(0)?;
    let mut out = Out::new();
    if !product.decode(code, &b, &mut out)? {
        return Err(DecodeError::InvalidField(format!("frame code 0x{code:02x} is not defined for {model}")));
    }
    Ok(out.finish())
}

passerelle_pdk::decoder_plugin! {
    name: "adeunis",
    models: models(),
    decode: |frame| decode_payload(&frame.model, &frame.payload),
    vectors: test_vectors(),
}
