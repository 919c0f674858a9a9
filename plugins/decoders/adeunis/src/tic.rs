//! TIC interfaces to French electricity meters (télé-information client): CBE / Linky in
//! historic mode, single-phase (`tic-cbe-linky-mono`) and three-phase (`tic-cbe-linky-tri`),
//! and PME-PMI meters (`tic-pme-pmi`).
//!
//! Status byte: bit 4 = TIC read error, bit 3 = configuration inconsistency.
//!
//! | code | frame | layout after the status byte |
//! |---|---|---|
//! | `0x10` | configuration | keep-alive u8, data period u16, product mode u8, sampling period u16 (units depend on the mode) |
//! | `0x49` | data | the meter labels of the product (table below); an index of `0x80000000` or an all-zero text means the label was not found (`<label>status: notFound`) |
//! | `0x4a` | alarm | label (10 chars), alarm type u8, value (text to the end) |
//! | `0x30` | keep alive | nothing |
//! | `0x20` | generic | see [`crate::common::Generic`] |
//!
//! `0x49` labels (u32 big-endian values, fixed-width ASCII texts with NULs skipped):
//!
//! | offset | mono | tri | pme-pmi |
//! |---|---|---|---|
//! | 2 | ADCO (12 chars) | ADCO (12 chars) | DATE (day, month, year - 2000, h, min, s) |
//! | 14 / 8 | OPTARIF (4 chars), BASE Wh @18 | BASE Wh | EA_s Wh |
//! | | ISOUSC A @22, IINST A @26, IMAX A @30 | IINST1-3 A @18-26, IMAX1-3 A @30-38 | ER+_s, ER-_s varh @12, @16; EAPP_s VAh @20 |
//! | | PAPP VA @34, HCHC Wh @38, HCHP Wh @42 | PMAX W @42, PAPP VA @46 | PTCOUR1 (3 chars) @24 |
//! | | PTEC (4 chars) @46 | | EAP_s kWh @27, ER+P_s, ER-P_s kvarh @31, @35, EaP-1_s kWh @39, ER+P-1_s, ER-P-1_s kvarh @43, @47 |

use crate::common::{Bytes, Generic, Handled, MIN, Out, SEC, StatusFlags, product_mode, status};
use passerelle_pdk::decoder::DecodeError;

/// The TIC variants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// CBE / Linky historic mode, single-phase.
    Mono,
    /// CBE / Linky historic mode, three-phase.
    Tri,
    /// PME-PMI meters.
    PmePmi,
}

impl Variant {
    /// The variant of a model id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "tic-cbe-linky-mono" => Self::Mono,
            "tic-cbe-linky-tri" => Self::Tri,
            "tic-pme-pmi" => Self::PmePmi,
            _ => return None,
        })
    }
}

/// Model ids of this product.
pub const MODELS: &[&str] = &["tic-cbe-linky-mono", "tic-cbe-linky-tri", "tic-pme-pmi"];

const FLAGS: StatusFlags = &[("configurationInconsistency", 0x08), ("readError", 0x10)];

// The vendor decoders route `0x30` to the `0x20` parser (a `0x20 Configuration` type with
// `partialDecoding: 1` on a keep-alive); it is decoded here as the bare keep-alive it is.
const GENERIC: Generic = Generic {
    inputs_config: false,
    network: Some(true),
    ack: false,
    keep_alive: true,
    register: false,
    alert: false,
    version: false,
    input_alarms: false,
};

/// One `0x49` field.
enum Field {
    /// A fixed-width text of `len` bytes.
    Text(&'static str, usize, usize),
    /// A u32 index with its vendor unit and SenML unit.
    Value(&'static str, usize, &'static str, Option<&'static str>),
    /// The PME-PMI date.
    Date(&'static str, usize),
}

const MONO: &[Field] = &[
    Field::Text("ADCO", 2, 12),
    Field::Text("OPTARIF", 14, 4),
    Field::Value("BASE", 18, "Wh", Some("Wh")),
    Field::Value("ISOUSC", 22, "A", Some("A")),
    Field::Value("IINST", 26, "A", Some("A")),
    Field::Value("IMAX", 30, "A", Some("A")),
    Field::Value("PAPP", 34, "VA", Some("VA")),
    Field::Value("HCHC", 38, "Wh", Some("Wh")),
    Field::Value("HCHP", 42, "Wh", Some("Wh")),
    Field::Text("PTEC", 46, 4),
];

const TRI: &[Field] = &[
    Field::Text("ADCO", 2, 12),
    Field::Value("BASE", 14, "Wh", Some("Wh")),
    Field::Value("IINST1", 18, "A", Some("A")),
    Field::Value("IINST2", 22, "A", Some("A")),
    Field::Value("IINST3", 26, "A", Some("A")),
    Field::Value("IMAX1", 30, "A", Some("A")),
    Field::Value("IMAX2", 34, "A", Some("A")),
    Field::Value("IMAX3", 38, "A", Some("A")),
    Field::Value("PMAX", 42, "W", Some("W")),
    Field::Value("PAPP", 46, "VA", Some("VA")),
];

const PME_PMI: &[Field] = &[
    Field::Date("DATE", 2),
    Field::Value("EA_s", 8, "Wh", Some("Wh")),
    Field::Value("ER+_s", 12, "varh", Some("varh")),
    Field::Value("ER-_s", 16, "varh", Some("varh")),
    Field::Value("EAPP_s", 20, "VAh", Some("VAh")),
    Field::Text("PTCOUR1", 24, 3),
    Field::Value("EAP_s", 27, "kWh", Some("kWh")),
    Field::Value("ER+P_s", 31, "kvarh", Some("kvarh")),
    Field::Value("ER-P_s", 35, "kvarh", Some("kvarh")),
    Field::Value("EaP-1_s", 39, "kWh", Some("kWh")),
    Field::Value("ER+P-1_s", 43, "kvarh", Some("kvarh")),
    Field::Value("ER-P-1_s", 47, "kvarh", Some("kvarh")),
];

/// Decodes a TIC frame of code `code`.
pub fn decode(variant: Variant, code: u8, b: &Bytes, out: &mut Out) -> Handled {
    match code {
        0x10 => {
            out.kind("0x10 TIC configuration");
            status(out, b, FLAGS)?;
            let mode = b.u8(5)?;
            let keep_alive = f64::from(b.u8(2)?);
            let sampling = f64::from(b.u16_be(6)?);
            if mode == 2 {
                out.quantity("transmissionPeriodKeepAlive", "s", keep_alive * 20.0, Some(SEC));
                out.quantity("samplingPeriod", "s", sampling * 20.0, Some(SEC));
            } else {
                out.quantity("transmissionPeriodKeepAlive", "m", keep_alive * 10.0, Some(MIN));
                out.quantity("samplingPeriod", "m", sampling, Some(MIN));
            }
            out.num("transmissionPeriodData", f64::from(b.u16_be(3)?), None);
            out.text("productMode", product_mode(mode));
        }
        0x49 => {
            out.kind("0x49 TIC data");
            status(out, b, FLAGS)?;
            let fields = match variant {
                Variant::Mono => MONO,
                Variant::Tri => TRI,
                Variant::PmePmi => PME_PMI,
            };
            for field in fields {
                data_field(out, b, field)?;
            }
        }
        0x4a => {
            out.kind("0x4a TIC alarm");
            status(out, b, FLAGS)?;
            let label = text(b.slice(2, 12)?);
            out.text("label", found(&label));
            let kind = match b.u8(12)? {
                0 => "manualTrigger",
                1 => "labelAppearance",
                2 => "labelDisappearance",
                3 => "highTreshold",
                4 => "lowTreshold",
                5 => "endThresholdAlarm",
                6 => "deltaPositive",
                7 => "deltaNegative",
                _ => "",
            };
            out.text("alarmType", kind);
            let value = text(b.slice(13, b.len().max(13))?);
            out.text("value", found(&value));
        }
        _ => return GENERIC.decode(code, b, out, FLAGS),
    }
    Ok(true)
}

fn found(text: &str) -> &str {
    if text.is_empty() { "notFound" } else { text }
}

/// The characters of `bytes` (one per byte, as `String.fromCharCode` maps them), NULs skipped.
fn text(bytes: &[u8]) -> String {
    bytes.iter().filter(|c| **c != 0).map(|c| char::from(*c)).collect()
}

fn data_field(out: &mut Out, b: &Bytes, field: &Field) -> Result<(), DecodeError> {
    match *field {
        Field::Text(label, offset, len) => {
            let value = text(b.slice(offset, offset + len)?);
            if value.is_empty() {
                out.text(&format!("{label}status"), "notFound");
            } else {
                out.text(label, &value);
            }
        }
        Field::Value(label, offset, vendor_unit, unit) => {
            let value = b.u32_be(offset)?;
            if value == 0x8000_0000 {
                out.text(&format!("{label}status"), "notFound");
            } else {
                out.quantity(label, vendor_unit, f64::from(value), unit);
            }
        }
        Field::Date(label, offset) => {
            let d = b.slice(offset, offset + 6)?;
            let at = |i: usize| d.get(i).copied().map_or(0, u32::from);
            // Two digits kept per field, as the vendor's `('0' + n).slice(-2)`.
            let two = |n: u32| format!("{:02}", n % 100);
            let date = format!(
                "{}-{}-{}T{}:{}:{}",
                2000 + at(2),
                two(at(1)),
                two(at(0)),
                two(at(3)),
                two(at(4)),
                two(at(5))
            );
            if date == "2000-01-01T00:00:00" {
                out.text(&format!("{label}status"), "notFound");
            } else {
                out.text(label, &date);
            }
        }
    }
    Ok(())
}
