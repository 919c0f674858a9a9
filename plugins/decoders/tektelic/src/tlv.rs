//! The one frame layout every Tektelic sensor uses on its data fPorts: a sequence of blocks,
//! each a header (channel id, type id; a few ports use one byte) and a data chunk of the size
//! the header implies. Integers are big-endian over the chunk; a field is a bit range of the
//! chunk counted from its least significant bit (`hi..=lo`), as the vendor's tables give it,
//! then scaled (`raw * scale`) and, where the vendor's decoder rounds, rounded to a number of
//! decimals.
//!
//! A header the model's table does not list, or a chunk the payload cuts short, is an error
//! (`InvalidField`, `TooShort`): the blocks carry no length, so nothing after an unknown
//! header can be read.

use passerelle_pdk::{Reader, Readings};

use crate::DecodeError;

/// How a field's bits read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// An unsigned integer.
    Unsigned,
    /// A two's complement integer as wide as the bit range.
    Signed,
}

/// One reading taken from a block's chunk.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Field {
    /// The reading's name (dotted where the vendor groups fields).
    pub name: &'static str,
    /// Highest bit of the range, counted from the chunk's least significant bit.
    pub hi: u8,
    /// Lowest bit of the range.
    pub lo: u8,
    /// Signedness.
    pub kind: Kind,
    /// Multiplier applied to the integer.
    pub scale: f64,
    /// Decimals the vendor's decoder rounds to (`None`: not rounded).
    pub decimals: Option<i32>,
    /// SenML unit (`None`: a plain number).
    pub unit: Option<&'static str>,
}

/// A block: its header, the size of its chunk, and the fields read from it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Block {
    /// Header bytes (channel id and type id, or one byte).
    pub header: &'static [u8],
    /// Chunk size in bytes (0: the header alone is the message).
    pub size: usize,
    /// Fields of the chunk.
    pub fields: &'static [Field],
}

/// A whole-chunk unsigned field `bytes` wide (1 to 8), not scaled, without a unit.
pub(crate) const fn int(name: &'static str, bytes: u8) -> Field {
    value(name, bytes, Kind::Unsigned, 1.0, None, None)
}

/// A whole-chunk unsigned count `bytes` wide, in `count`.
pub(crate) const fn count(name: &'static str, bytes: u8) -> Field {
    value(name, bytes, Kind::Unsigned, 1.0, None, Some("count"))
}

/// The reading of a header-only block (a chunk of 0 bytes): 0, as the vendor's decoder gives it.
pub(crate) const fn flag(name: &'static str) -> Field {
    Field { name, hi: 0, lo: 0, kind: Kind::Unsigned, scale: 1.0, decimals: None, unit: None }
}

/// A whole-chunk field `bytes` wide (1 to 8) with its kind, scale, rounding and unit.
pub(crate) const fn value(
    name: &'static str,
    bytes: u8,
    kind: Kind,
    scale: f64,
    decimals: Option<i32>,
    unit: Option<&'static str>,
) -> Field {
    Field { name, hi: bytes * 8 - 1, lo: 0, kind, scale, decimals, unit }
}

/// Walks `payload` block by block with the blocks of `tables` (one model's table, or a base
/// table and what a later generation adds), adding every field to `out`.
pub(crate) fn walk(tables: &[&[Block]], payload: &[u8], out: &mut Readings) -> Result<(), DecodeError> {
    let mut r = Reader::new(payload);
    while !r.is_empty() {
        let at = r.position();
        let rest = payload.get(at..).unwrap_or_default();
        let block =
            tables.iter().flat_map(|t| t.iter()).find(|b| rest.starts_with(b.header)).ok_or_else(|| {
                DecodeError::InvalidField(format!("header {} at byte {at}", hex_pair(rest)))
            })?;
        r.skip(block.header.len())?;
        let chunk = r.take(block.size)?;
        for f in block.fields {
            read_field(chunk, f, out);
        }
    }
    Ok(())
}

/// Reads `f` from `chunk` (at most 8 bytes, as the tables give them) into `out`.
fn read_field(chunk: &[u8], f: &Field, out: &mut Readings) {
    let whole = chunk.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b));
    let width = u32::from(f.hi.saturating_sub(f.lo)) + 1;
    let bits = if width >= 64 { whole >> f.lo } else { (whole >> f.lo) & ((1u64 << width) - 1) };
    let raw = match f.kind {
        Kind::Unsigned => bits as f64,
        Kind::Signed if width < 64 && bits >> (width - 1) == 1 => {
            (i128::from(bits) - (1i128 << width)) as f64
        }
        Kind::Signed => bits as i64 as f64,
    };
    let mut v = raw * f.scale;
    if let Some(d) = f.decimals {
        let p = 10f64.powi(d);
        v = (v * p).round() / p;
    }
    match f.unit {
        Some(unit) => out.number(f.name, v, unit),
        None => out.plain(f.name, v),
    }
}

/// The next (up to) two bytes, as `0x03 0x67`, for an error message.
fn hex_pair(rest: &[u8]) -> String {
    rest.iter().take(2).map(|b| format!("0x{b:02X}")).collect::<Vec<_>>().join(" ")
}

/// The payload as the vendor's newer decoders echo it in `raw`: `[03, 67, 01, 26]`.
pub(crate) fn raw(payload: &[u8]) -> String {
    let hex: Vec<String> = payload.iter().map(|b| format!("{b:02X}")).collect();
    format!("[{}]", hex.join(", "))
}

/// The answer to configuration writes (fPort 101), a sequence of records: the downlink's frame
/// counter (its low byte), the number of registers it failed to write, and those register
/// addresses. Each record is a text reading `response.<n>`, worded as the vendor's decoder words
/// it (`All write commands from DL: 16 were successful`, `1 Invalid write command(s) from DL:
/// 17 for register(s): 0x31`); the counter is shown in decimal and the registers in hex (the
/// vendor's decoder reads the counter's decimal digits as hex and prints registers in decimal
/// behind `0x`).
pub(crate) fn write_responses(payload: &[u8], out: &mut Readings) -> Result<(), DecodeError> {
    let mut r = Reader::new(payload);
    let mut n = 0usize;
    while !r.is_empty() {
        let fcnt = r.u8()?;
        let n_failed = usize::from(r.u8()?);
        let failed = r.take(n_failed)?;
        let text = if failed.is_empty() {
            format!("All write commands from DL: {fcnt} were successful")
        } else {
            let regs: Vec<String> = failed.iter().map(|a| format!("0x{a:02X}")).collect();
            format!(
                "{} Invalid write command(s) from DL: {fcnt} for register(s): {}",
                failed.len(),
                regs.join(",")
            )
        };
        out.text_owned(&format!("response.{n}"), text);
        n += 1;
    }
    Ok(())
}
