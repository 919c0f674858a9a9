//! Passerelle decoder plugin for Milesight IoT LoRaWAN devices.
//!
//! Milesight uplinks are a sequence of channels, each a channel-id byte, a channel-type byte
//! and a value of fixed length (`01 75 5c` battery 92 %, `03 67 34 01` temperature 30.8 °C,
//! ...). The same pair can mean different things on different models (`05 00` is a leak
//! state on an EM300-SLD and a PIR state on an AM319), so the frame is decoded with the
//! channel table of the model named in `frame.model` (the TTN device-repository id):
//!
//! - [`em300`]: em300-th, em320-th, em300-mcs, em300-sld, em300-zld, em300-mld, em300-di
//! - [`em500`]: em500-co2, em500-lgt, em500-pp, em500-pt100, em500-smt, em500-smtc,
//!   em500-swl, em500-udl, em310-udl
//! - [`am100`]: am102, am102l, am103, am103l, am104, am107
//! - [`am300`]: am307, am307l, am308, am308l, am319, am319l
//! - [`ct`]: ct101, ct103, ct105, ct303, ct305, ct310
//! - [`ws`]: ws101, ws136, ws156, ws201, ws202, ws301, ws302, ws303, ws52x (ws523, ws525)
//! - [`counter`]: vs121, vs133, vs135, vs350, vs351, vs360 (people counters)
//! - [`occupancy`]: vs321, vs330, vs340, vs341, vs370, vs373, ws203 (presence and occupancy)
//! - [`wt`]: wt101 radiator thermostat, wt201v1 HVAC thermostat
//! - [`switch`]: ws50x, ws515, ws558 (wall switches, socket, light controller)
//! - [`gas`]: gs101, gs301 (gas and odour detectors)
//! - [`uc`]: uc300, uc50x controllers (GPIO, pulse counters, analogue inputs, Modbus)
//! - [`gs601`]: the gs601 vape detector, whose frames are command sequences (no channel type)
//!
//! The newer decoders also read the device's answers to configuration downlinks
//! ([`config`]).
//!
//! After the model's table, the device-information channels common to all models are tried
//! ([`channels::device_info`]). Reading names and values follow the vendor's JavaScript
//! decoders in the TTN device repository; a channel the model does not define is an
//! `InvalidField` error (the vendor decoders silently stop there), a value cut short is
//! `TooShort`. The fPort is not used: the vendor decoders ignore it.

pub mod am100;
pub mod am300;
pub mod channels;
pub mod config;
pub mod counter;
pub mod ct;
pub mod em300;
pub mod em500;
pub mod gas;
pub mod gs601;
pub mod occupancy;
pub mod switch;
pub mod uc;
pub mod ws;
pub mod wt;

use passerelle_pdk::Reader;
pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

use crate::channels::{Ctx, Handled, InfoStyle};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// A model's family and its variant within the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// EM300 / EM320 series.
    Em300(em300::Model),
    /// EM500 series and EM310-UDL.
    Em500(em500::Model),
    /// AM100 series.
    Am100(am100::Model),
    /// AM300 series.
    Am300(am300::Model),
    /// CT current transformers.
    Ct(ct::Model),
    /// WS series.
    Ws(ws::Model),
    /// VS people counters.
    Counter(counter::Model),
    /// Presence and occupancy sensors.
    Occupancy(occupancy::Model),
    /// WT thermostats.
    Wt(wt::Model),
    /// Wall switches, sockets and light controllers.
    Switch(switch::Model),
    /// Gas and odour detectors.
    Gas(gas::Model),
    /// UC controllers.
    Uc(uc::Model),
    /// GS601 vape detector (command frames, decoded by [`gs601::decode`]).
    Gs601,
}

impl Family {
    /// The family of a model id (case-insensitive), `None` for a model this plugin does not know.
    pub fn from_model(model: &str) -> Option<Self> {
        let id = model.trim().to_ascii_lowercase();
        let id = id.as_str();
        em300::Model::from_id(id)
            .map(Self::Em300)
            .or_else(|| em500::Model::from_id(id).map(Self::Em500))
            .or_else(|| am100::Model::from_id(id).map(Self::Am100))
            .or_else(|| am300::Model::from_id(id).map(Self::Am300))
            .or_else(|| ct::Model::from_id(id).map(Self::Ct))
            .or_else(|| ws::Model::from_id(id).map(Self::Ws))
            .or_else(|| counter::Model::from_id(id).map(Self::Counter))
            .or_else(|| occupancy::Model::from_id(id).map(Self::Occupancy))
            .or_else(|| wt::Model::from_id(id).map(Self::Wt))
            .or_else(|| switch::Model::from_id(id).map(Self::Switch))
            .or_else(|| gas::Model::from_id(id).map(Self::Gas))
            .or_else(|| gs601::MODELS.contains(&id).then_some(Self::Gs601))
            .or_else(|| uc::Model::from_id(id).map(Self::Uc))
    }

    /// Reads one channel with the model's own table.
    pub fn channel(self, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
        match self {
            Self::Em300(m) => em300::channel(m, ctx, id, ty, r),
            Self::Em500(m) => em500::channel(m, ctx, id, ty, r),
            Self::Am100(m) => am100::channel(m, ctx, id, ty, r),
            Self::Am300(m) => am300::channel(m, ctx, id, ty, r),
            Self::Ct(m) => ct::channel(m, ctx, id, ty, r),
            Self::Ws(m) => ws::channel(m, ctx, id, ty, r),
            Self::Counter(m) => counter::channel(m, ctx, id, ty, r),
            Self::Occupancy(m) => occupancy::channel(m, ctx, id, ty, r),
            Self::Wt(m) => wt::channel(m, ctx, id, ty, r),
            Self::Switch(m) => switch::channel(m, ctx, id, ty, r),
            Self::Gas(m) => gas::channel(m, ctx, id, ty, r),
            Self::Uc(m) => uc::channel(m, ctx, id, ty, r),
            Self::Gs601 => Ok(false),
        }
    }

    /// How the model reports its device-information channels.
    pub fn info_style(self) -> InfoStyle {
        match self {
            Self::Am300(am300::Model::Am319l) => InfoStyle::OnlineStatus,
            _ => InfoStyle::Standard,
        }
    }
}

/// Every model id this plugin decodes.
pub fn models() -> Vec<String> {
    [
        em300::MODELS,
        em500::MODELS,
        am100::MODELS,
        am300::MODELS,
        ct::MODELS,
        ws::MODELS,
        counter::MODELS,
        occupancy::MODELS,
        wt::MODELS,
        switch::MODELS,
        gas::MODELS,
        gs601::MODELS,
        uc::MODELS,
    ]
    .concat()
    .into_iter()
    .map(String::from)
    .collect()
}

/// Decodes the payload of a frame of `model`.
pub fn decode_payload(model: &str, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let family = Family::from_model(model).ok_or_else(|| DecodeError::UnsupportedModel(model.to_string()))?;
    if family == Family::Gs601 {
        return gs601::decode(payload);
    }
    let mut ctx = Ctx::new();
    let mut r = Reader::new(payload);
    while !r.is_empty() {
        let offset = r.position();
        let id = r.u8()?;
        let ty = r.u8()?;
        let known = family.channel(&mut ctx, id, ty, &mut r)?
            || channels::device_info(family.info_style(), id, ty, &mut r, &mut ctx.out)?;
        if !known {
            return Err(channels::unknown_channel(id, ty, offset));
        }
    }
    Ok(ctx.finish())
}

passerelle_pdk::decoder_plugin! {
    name: "milesight",
    models: models(),
    decode: |frame| decode_payload(&frame.model, &frame.payload),
    vectors: test_vectors(),
}
