//! Passerelle decoder plugin for Tektelic's building range: the Kona smart room sensors (second
//! generation, Base and PIR editions), the COMFORT and VIVID smart room sensors (third
//! generation), the BREEZE CO2 room sensors (BREEZE CO2, BREEZE-V) and the smart AC outlets and
//! switches (first generation; AURA and FLUX).
//!
//! Format, as the vendor documents it in the TTN device repository (`vendor/tektelic`: the codec
//! files, their tables of channel and type ids, and the device descriptions): on the data fPort
//! (10) a frame is a sequence of blocks, each a header (channel id, type id) and a chunk whose
//! size the header implies; the fields of a chunk are big-endian bit ranges, scaled and rounded
//! as the vendor's tables say ([`tlv`]). Each model's table is in its module: [`kona`],
//! [`comfort`], [`breeze`], [`outlet`]. The newer decoders (all but the Kona's) echo the frame
//! as `port` (text) and `raw` (`[03, 67, 01, 26]`) and, but for the first AC outlets, answer
//! configuration writes on fPort 101; the BREEZE-V asks for the time on fPort 20; the AC outlets
//! read their configuration registers back on fPort 100.
//!
//! Reading names are the vendor decoders' (each codec has its own: the BREEZE CO2's
//! `ambient_temperature` is the BREEZE-V's `temperature`). A header a model does not list, a
//! block cut short or another fPort is an error (`InvalidField`, `TooShort`, `UnknownPort`).
//!
//! Not decoded: the sensors' read-back of configuration registers (fPort 100: tens of
//! registers per codec, each named by the vendor's decoder, settings rather than measurements),
//! and fPort 32, which the vendor's decoders read as a tag or fragment number before fPort 10
//! blocks, a frame none of these devices' descriptions mentions.

pub mod breeze;
pub mod comfort;
pub mod kona;
pub mod outlet;
mod tlv;

use passerelle_pdk::Readings;

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// Tektelic model ids (TTN device repository, `vendor/tektelic/index.yaml`) this plugin decodes.
pub const MODELS: &[&str] = &[
    "t000489x-smart-room-base",
    "t00048xx-smart-room-pir",
    "t00061xx-comfort",
    "t00061xx-vivid",
    "t00078xx-smart-room-sensor-co2",
    "t0007806-breeze-v",
    "t000589x-ac-outlet-gen1",
    "t000589x-ac-switch-gen1",
    "t000662x-aura",
    "t000662x-flux",
];

/// Decodes the payload of a frame of `model` received on `port`.
pub fn decode_payload(model: &str, port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    match model.trim().to_ascii_lowercase().as_str() {
        "t000489x-smart-room-base" | "t00048xx-smart-room-pir" => kona::decode(port, payload),
        "t00061xx-comfort" | "t00061xx-vivid" => comfort::decode(port, payload),
        "t00078xx-smart-room-sensor-co2" => breeze::decode(breeze::Variant::Co2, port, payload),
        "t0007806-breeze-v" => breeze::decode(breeze::Variant::BreezeV, port, payload),
        "t000589x-ac-outlet-gen1" | "t000589x-ac-switch-gen1" => {
            outlet::decode(outlet::Generation::First, port, payload)
        }
        "t000662x-aura" | "t000662x-flux" => outlet::decode(outlet::Generation::Second, port, payload),
        _ => Err(DecodeError::UnsupportedModel(model.to_string())),
    }
}

/// The frame as the vendor's newer decoders echo it: `raw` and `port` (text).
pub(crate) fn echo(port: u8, payload: &[u8], out: &mut Readings) {
    out.text_owned("raw", tlv::raw(payload));
    out.text_owned("port", port.to_string());
}

passerelle_pdk::decoder_plugin! {
    name: "tektelic",
    models: MODELS.iter().map(|m| String::from(*m)).collect(),
    decode: |frame| decode_payload(&frame.model, frame.port, &frame.payload),
    vectors: test_vectors(),
}
