//! Passerelle decoder plugin for Dragino LoRaWAN sensors: temperature & humidity loggers
//! (LHT65, LHT65N, LHT52, LHT65N-VIB with vibration), door and leak sensors (LDS01/02/03A,
//! LWL01/02/03A, DS03A-LB, WL03A-LB, LWL04-LB), LSN50 v2 nodes and their D20/D22/D23 probes, the LAQ4
//! air quality sensor, soil sensors (LSE01, LSPH01), distance sensors (LDDS75, LDDS20, LDDS45,
//! LDDS04, LMDS200 radar), the LT-22222-L / LT-33222-L I/O controllers, dry-contact counters
//! (CPL01, CPL03-LB), water flow meters (SW3L, SW3L-LB), the CS01-LB current sensor, the
//! PS-LB pressure / water-level probe interface and the LTC2 temperature transmitter.
//!
//! Dragino payloads are fixed layouts of big-endian fields whose meaning depends on the model
//! and on the fPort (two models on the same port differ), so the frame is decoded with the
//! model named in `frame.model` (the TTN device-repository id) and its port; a port the model
//! does not use is `UnknownPort`, as the vendor decoders answer `unknown FPort`.
//!
//! | model ids | fPorts | module |
//! |---|---|---|
//! | `lht65`, `lht65n`, `lht65n-pir`, `lht65n-e31f`, `lht52` | 2 live (+ LHT65N datalog on 2/3; LHT52 3, 4, 5) | [`lht`] |
//! | `lds01`, `lds02`, `lwl01`, `lwl02` | 10 | [`lds`] |
//! | `lds03a`, `lwl03a` | 2 live, 3 datalog, 4 config, 5 status (LWL03A: live on any other port) | [`lds`] |
//! | `ds03a-lb`, `wl03a-lb`, `lwl04-lb` | 3 datalog, 4 config, 5 status, live on any other port | [`lds`] |
//! | `cpl01` | 2 live, 3 datalog, 4 config, 5 status | [`cpl`] |
//! | `cpl03-lb` | 3 datalog, 4 config, 5 status, 7 input states, live on any other port | [`cpl`] |
//! | `sw3l`, `sw3l-lb` | 2 live, 3 datalog, 4 config, 5 status | [`sw3l`] |
//! | `cs01-lb` | 2 live, 3 datalog, 5 status, 7 current history | [`cs01`] |
//! | `lmds200` | 2 live, 4 config, 5 status | [`lmds200`] |
//! | `ltc2` | 2 | [`ltc2`] |
//! | `lht65n-vib` | 2 live, 5 status, 7 acceleration history | [`vib`] |
//! | `ps-lb` | 5 status, 7 current history, report on any other port | [`ps`] |
//! | `lsn50-v2`, `lsn50v2-s31`, `lsn50v2-d20`, `lsn50v2-d20-d22-d23`, `d2x-lb` | 2 (+ 5 status on `lsn50-v2`, `d2x-lb`) | [`lsn50`] |
//! | `laq4` | 2 | [`laq4`] |
//! | `lse01`, `lse01-114`, `lse01-121`, `lsph01` | 2 | [`soil`] |
//! | `ldds75`, `ldds20`, `ldds45`, `ldds04` | 2 | [`ldds`] |
//! | `lt22222-l`, `lt33222-l` | 2 (+ 5 status) | [`lt`] |
//!
//! Common fields, in most reports:
//!
//! | field | encoding |
//! |---|---|
//! | battery (`BatV`, `BAT_V`, `Bat`, `Bat_V`) | u16, bits 13-0 in mV, as V (bits 15-14: status or flags) |
//! | temperatures | int16 / 100 (LHT) or / 10 (LSN50, LAQ4, probes) °C; 0x7FFF or 0xFFFF as the text `NULL` where the vendor says so |
//! | work mode (`MOD`, `Work_mode`) | bits 6-2 of a status byte, selecting the meaning of the remaining bytes |
//! | device status, fPort 5 | region, sub-band, firmware, interval / battery ([`common::device_status_v1`], [`common::device_status_v2`]) |
//!
//! Reading names, text values (`"OPEN"`, `"NULL"`, `"24.10"`) and numbers follow the vendor's
//! JavaScript decoders in the TTN device repository, quirks included where they are the
//! published output (see each module). Dates the vendor formats in the local time zone are
//! formatted in UTC. A report shorter than its layout is `TooShort`, except the LDS01/02 and
//! LWL01/02 reports, which the vendor's examples send cut to 7 bytes and read with the missing
//! bytes as 0.

pub mod common;
pub mod cpl;
pub mod cs01;
pub mod laq4;
pub mod ldds;
pub mod lds;
pub mod lht;
pub mod lmds200;
pub mod lsn50;
pub mod lt;
pub mod ltc2;
pub mod ps;
pub mod soil;
pub mod sw3l;
pub mod vib;

use passerelle_pdk::{Firmware, Readings};

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

use crate::common::Bytes;

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// A model's family and its variant within the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// LHT65 / LHT65N / LHT52 loggers.
    Lht(lht::Model),
    /// LDS / LWL door and leak sensors.
    Lds(lds::Model),
    /// LSN50 v2 nodes and probes.
    Lsn50(lsn50::Model),
    /// LAQ4 air quality sensor.
    Laq4,
    /// LSE01 / LSPH01 soil sensors.
    Soil(soil::Model),
    /// LDDS distance sensors.
    Ldds(ldds::Model),
    /// LT-22222-L / LT-33222-L I/O controllers.
    Lt,
    /// CPL01 / CPL03-LB dry-contact counters.
    Cpl(cpl::Model),
    /// SW3L / SW3L-LB water flow meters.
    Sw3l(sw3l::Model),
    /// CS01-LB current sensor.
    Cs01,
    /// LMDS200 radar distance sensor.
    Lmds200,
    /// LTC2 temperature transmitter.
    Ltc2,
    /// LHT65N-VIB vibration sensor.
    Vib,
    /// PS-LB pressure / water-level probe interface.
    Ps,
}

impl Family {
    /// The family of a model id (case-insensitive), `None` for a model this plugin does not know.
    pub fn from_model(model: &str) -> Option<Self> {
        let id = model.trim().to_ascii_lowercase();
        let id = id.as_str();
        lht::Model::from_id(id)
            .map(Self::Lht)
            .or_else(|| lds::Model::from_id(id).map(Self::Lds))
            .or_else(|| lsn50::Model::from_id(id).map(Self::Lsn50))
            .or_else(|| laq4::MODELS.contains(&id).then_some(Self::Laq4))
            .or_else(|| soil::Model::from_id(id).map(Self::Soil))
            .or_else(|| ldds::Model::from_id(id).map(Self::Ldds))
            .or_else(|| lt::MODELS.contains(&id).then_some(Self::Lt))
            .or_else(|| cpl::Model::from_id(id).map(Self::Cpl))
            .or_else(|| sw3l::Model::from_id(id).map(Self::Sw3l))
            .or_else(|| cs01::MODELS.contains(&id).then_some(Self::Cs01))
            .or_else(|| lmds200::MODELS.contains(&id).then_some(Self::Lmds200))
            .or_else(|| ltc2::MODELS.contains(&id).then_some(Self::Ltc2))
            .or_else(|| vib::MODELS.contains(&id).then_some(Self::Vib))
            .or_else(|| ps::MODELS.contains(&id).then_some(Self::Ps))
    }

    /// Decodes a frame received on `port` with the model's own layout, for the device's
    /// firmware when the route names one.
    pub fn decode(
        self,
        port: u8,
        firmware: Option<&Firmware>,
        b: &Bytes,
        out: &mut Readings,
    ) -> Result<(), DecodeError> {
        match self {
            Self::Lht(m) => lht::decode(m, port, b, out),
            Self::Lds(m) => lds::decode(m, port, b, out),
            Self::Lsn50(m) => lsn50::decode(m, port, b, out),
            Self::Laq4 => laq4::decode(port, b, out),
            Self::Soil(m) => soil::decode(m, port, b, out),
            Self::Ldds(m) => ldds::decode(m, port, firmware, b, out),
            Self::Lt => lt::decode(port, b, out),
            Self::Cpl(m) => cpl::decode(m, port, b, out),
            Self::Sw3l(m) => sw3l::decode(m, port, b, out),
            Self::Cs01 => cs01::decode(port, b, out),
            Self::Lmds200 => lmds200::decode(port, b, out),
            Self::Ltc2 => ltc2::decode(port, b, out),
            Self::Vib => vib::decode(port, b, out),
            Self::Ps => ps::decode(port, b, out),
        }
    }
}

/// Every model id this plugin decodes.
pub fn models() -> Vec<String> {
    [
        lht::MODELS,
        lds::MODELS,
        lsn50::MODELS,
        laq4::MODELS,
        soil::MODELS,
        ldds::MODELS,
        lt::MODELS,
        cpl::MODELS,
        sw3l::MODELS,
        cs01::MODELS,
        lmds200::MODELS,
        ltc2::MODELS,
        vib::MODELS,
        ps::MODELS,
    ]
    .concat()
    .into_iter()
    .map(String::from)
    .collect()
}

/// Decodes the payload of a frame of `model` received on `port`, firmware not given.
pub fn decode_payload(model: &str, port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    decode_frame(model, None, port, payload)
}

/// Decodes the payload of a frame of `model` received on `port` from a device running
/// `firmware` (as the route names it; `None`: not given).
///
/// # Errors
/// An unknown model, or a firmware that is not a version (`1.1.4`): the format cannot be
/// chosen, and guessing would store values under names the device did not send.
pub fn decode_frame(
    model: &str,
    firmware: Option<&str>,
    port: u8,
    payload: &[u8],
) -> Result<Vec<Reading>, DecodeError> {
    let family = Family::from_model(model).ok_or_else(|| DecodeError::UnsupportedModel(model.to_string()))?;
    let firmware = match firmware {
        Some(text) => Some(Firmware::parse(text).ok_or_else(|| {
            DecodeError::InvalidField(format!("firmware {text:?}: not a version such as 1.1.4"))
        })?),
        None => None,
    };
    let mut out = Readings::new();
    family.decode(port, firmware.as_ref(), &Bytes::new(payload), &mut out)?;
    Ok(out.into_vec())
}

passerelle_pdk::decoder_plugin! {
    name: "dragino",
    models: models(),
    decode: |frame| decode_frame(&frame.model, frame.firmware.as_deref(), frame.port, &frame.payload),
    vectors: test_vectors(),
}
