//! Passerelle decoder plugin for Elvaco's CMi41x0 family: M-Bus to LoRaWAN interfaces that sit
//! on a heat (or cooling) meter and forward its readings: `cmi4110` (Landis+Gyr UltraHeat),
//! `cmi4111` (Kamstrup MULTICAL), `cmi4130`, `cmi4140`, `cmi4160`, each for its meter family.
//!
//! Format, as the vendor documents it in the TTN device repository (`vendor/elvaco`: the device
//! descriptions and codec files): the standard message on fPort 2, at least 40 bytes; byte 0
//! names the message format (`05` CMi4111, `0f` CMi4130, `15` CMi4140, `1e` CMi4160; the CMi4110
//! does not check it), then M-Bus data records, each a DIF byte (the data field: `02` 16 bits,
//! `04` 32 bits, `0a`/`0b`/`0c` 4/6/8 BCD digits), a VIF byte (the quantity and its decimal
//! exponent: `06` energy in kWh, `14` volume in 0.01 m3, `2d` power in 0.1 kW, `3b` flow in
//! 0.001 m3/h, `5a`/`5e` flow and return temperatures in 0.1 °C, `78`/`79` the serial number,
//! `fd 17` the error flags), and the value, least significant byte first. Each model's module
//! lists the records its meter sends and how its vendor decoder reads them: the vendor decoders
//! differ (a BCD value read as decimal digits or as hexadecimal, a negative flow), and the
//! readings follow each, as The Things Stack shows them.
//!
//! Reading names are the vendor decoders' (`energy`, `volume`, `power`, `flow`,
//! `flow_temperature` or `forward_temperature`, `return_temperature`, `serial`,
//! `error_flag`, ...). Another fPort is `UnknownPort`; a shorter message, another format byte,
//! a record the model's table does not hold or a value that is not a number is an error, as
//! in the vendor decoders (which throw or answer an error).

pub mod cmi4110;
pub mod cmi4111;
pub mod cmi4130;
pub mod cmi4140;
pub mod cmi4160;

use passerelle_pdk::Readings;

pub use passerelle_pdk::decoder::{DecodeError, Frame, Guest, Metadata, Reading, TestVector};

include!(concat!(env!("OUT_DIR"), "/vectors.rs"));

/// Elvaco model ids (TTN device repository, `vendor/elvaco`) this plugin decodes.
pub const MODELS: &[&str] = &["cmi4110", "cmi4111", "cmi4130", "cmi4140", "cmi4160"];

/// The shortest standard message the vendor decoders accept.
pub const MIN_LEN: usize = 40;

/// Decodes the payload of a frame of `model` received on `port`.
pub fn decode_payload(model: &str, port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let decode = match model.trim().to_ascii_lowercase().as_str() {
        "cmi4110" => cmi4110::decode,
        "cmi4111" => cmi4111::decode,
        "cmi4130" => cmi4130::decode,
        "cmi4140" => cmi4140::decode,
        "cmi4160" => cmi4160::decode,
        _ => return Err(DecodeError::UnsupportedModel(model.to_string())),
    };
    if port != 2 {
        return Err(DecodeError::UnknownPort(port));
    }
    if payload.len() < MIN_LEN {
        return Err(DecodeError::TooShort(u32::try_from(MIN_LEN).unwrap_or(u32::MAX)));
    }
    let mut out = Readings::new();
    decode(payload, &mut out)?;
    Ok(out.into_vec())
}

/// `TooShort` unless `byte 0` is the model's message format.
pub(crate) fn format_byte(payload: &[u8], want: u8) -> Result<(), DecodeError> {
    match payload.first() {
        Some(&b) if b == want => Ok(()),
        Some(&b) => Err(DecodeError::InvalidField(format!(
            "message format {b:02x} (the standard format is {want:02x})"
        ))),
        None => Err(DecodeError::TooShort(1)),
    }
}

/// A byte as two lower-case hex digits, as the vendor decoders spell DIFs and VIFs.
pub(crate) fn hex2(b: u8) -> String {
    format!("{b:02x}")
}

/// The byte at `i`, or an error naming the record cut there.
pub(crate) fn byte(payload: &[u8], i: usize) -> Result<u8, DecodeError> {
    payload.get(i).copied().ok_or_else(|| DecodeError::TooShort(u32::try_from(i + 1).unwrap_or(u32::MAX)))
}

/// The value bytes `i..i + n` (fewer at the end of the payload, as JavaScript's `slice`
/// gives), most significant first, as hex digits.
pub(crate) fn reversed_hex(payload: &[u8], i: usize, n: usize) -> String {
    let end = i.saturating_add(n).min(payload.len());
    let start = i.min(end);
    payload[start..end].iter().rev().map(|b| hex2(*b)).collect()
}

/// JavaScript's `parseInt(text, radix)`: an optional sign, then the longest run of digits of
/// `radix`; `None` (NaN) without a digit. Exact up to 2^53, which 14 hex digits stay under.
pub(crate) fn parse_int(text: &str, radix: u32) -> Option<f64> {
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let mut value: Option<f64> = None;
    for c in digits.chars() {
        let Some(d) = c.to_digit(radix) else { break };
        value = Some(value.unwrap_or(0.0) * f64::from(radix) + f64::from(d));
    }
    value.map(|v| if negative { -v } else { v })
}

/// A parsed value, or the error the vendor decoder's NaN stands for.
pub(crate) fn number(value: Option<f64>, what: &str) -> Result<f64, DecodeError> {
    value.ok_or_else(|| DecodeError::InvalidField(format!("{what}: not a number")))
}

/// One row of a model's table: the vendor's name, its SenML unit (`None` for a code or a
/// serial number) and the decimal exponent (the value is divided by 10^exponent).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Register {
    pub(crate) name: &'static str,
    pub(crate) unit: Option<&'static str>,
    pub(crate) decimals: i32,
}

impl Register {
    pub(crate) const fn new(name: &'static str, unit: Option<&'static str>, decimals: i32) -> Self {
        Self { name, unit, decimals }
    }

    /// `raw / 10^decimals`, with the register's unit.
    pub(crate) fn put(&self, out: &mut Readings, raw: f64) {
        let value = raw / 10f64.powi(self.decimals);
        match self.unit {
            Some(u) => out.number(self.name, value, u),
            None => out.plain(self.name, value),
        }
    }
}

/// The registers most of the family share, by VIF: energy (`00`-`07`, Wh x 10^(n-3) read as
/// kWh), volume (`10`-`17`), power (`28`-`2f`), flow (`38`-`3f`), flow and return temperatures
/// (`58`-`5b`, `5c`-`5f`); `flow_name` is the model's name for the flow temperature.
pub(crate) fn mbus_register(vif: u8, flow_name: &'static str) -> Option<Register> {
    let n = i32::from(vif & 0x07);
    let r = match vif {
        0x00..=0x07 => Register::new("energy", Some("kWh"), 6 - n),
        0x10..=0x17 => Register::new("volume", Some("m3"), 6 - n),
        0x28..=0x2f => Register::new("power", Some("kW"), 6 - n),
        0x38..=0x3f => Register::new("flow", Some("m3/h"), 6 - n),
        0x58..=0x5b => Register::new(flow_name, Some("Cel"), 3 - i32::from(vif & 0x03)),
        0x5c..=0x5f => Register::new("return_temperature", Some("Cel"), 3 - i32::from(vif & 0x03)),
        _ => return None,
    };
    Some(r)
}

/// The error of a record the model's table does not hold.
pub(crate) fn unknown(dif: &str, vif: &str) -> DecodeError {
    DecodeError::InvalidField(format!("unknown DIF {dif} and VIF {vif}"))
}

passerelle_pdk::decoder_plugin! {
    name: "elvaco",
    models: MODELS.iter().map(|m| String::from(*m)).collect(),
    decode: |frame| decode_payload(&frame.model, frame.port, &frame.payload),
    vectors: test_vectors(),
}
