//! The answer to a configuration downlink (fPort 10): `f1 01`, then records of one length byte
//! (the whole record's, itself included), one setting id and the value.
//!
//! | id | reading(s) |
//! |---|---|
//! | `02` | `device_id`: 8 bytes as hex |
//! | `1e` | `interval` (minutes) |
//! | `1f` | `event.type`, `event.count`, `event.timeout` |
//! | `20` | `payload.type`, `payload.variant`, `payload.header` (boolean: byte is 1) |
//! | `21` | `heartbeat.interval` |
//! | `22` | `heartbeat.payload.type`, `.variant`, `.header` |
//! | `2b` | `device_address`: 4 bytes as hex |
//! | `2f` | `confirmed_messages` |
//! | `33` | `fport` |
//! | `36` | `heartbeat.fport` |
//!
//! Other ids (the error list `f0`, settings the vendor does not decode) are skipped by their
//! length. A record of length 0 (the vendor decoder would loop on it forever) is
//! `InvalidField`; a value past its record or the payload is `TooShort`.

use passerelle_pdk::{FixedBytes, Readings};

use crate::{DecodeError, Reading, hex};

/// Decodes a configuration answer.
pub fn decode(payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let b = FixedBytes::new(payload);
    if (b.u8(0)?, b.u8(1)?) != (0xf1, 0x01) {
        return Err(DecodeError::InvalidField("fPort 10 carries configuration answers (f1 01 ...)".into()));
    }
    let mut out = Readings::new();
    let mut i = 2;
    while i < payload.len() {
        let len = usize::from(b.u8(i)?);
        if len == 0 {
            return Err(DecodeError::InvalidField(format!("record of length 0 at offset {i}")));
        }
        let record = FixedBytes::new(b.slice(i, i + len)?);
        setting(&record, &mut out)?;
        i += len;
    }
    Ok(out.into_vec())
}

/// One record: `r` holds its length byte, its id and its value.
fn setting(r: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    let byte = |name: &str, at: usize, out: &mut Readings| -> Result<(), DecodeError> {
        out.plain(name, f64::from(r.u8(at)?));
        Ok(())
    };
    let payload_definition = |prefix: &str, out: &mut Readings| -> Result<(), DecodeError> {
        out.plain(&format!("{prefix}.type"), f64::from(r.u8(2)?));
        out.plain(&format!("{prefix}.variant"), f64::from(r.u8(3)?));
        out.boolean(&format!("{prefix}.header"), r.u8(4)? == 0x01);
        Ok(())
    };
    match r.u8(1)? {
        0x02 => out.text_owned("device_id", hex(r.slice(2, 10)?)),
        0x1e => byte("interval", 2, out)?,
        0x1f => {
            byte("event.type", 2, out)?;
            byte("event.count", 3, out)?;
            byte("event.timeout", 4, out)?;
        }
        0x20 => payload_definition("payload", out)?,
        0x21 => byte("heartbeat.interval", 2, out)?,
        0x22 => payload_definition("heartbeat.payload", out)?,
        0x2b => out.text_owned("device_address", hex(r.slice(2, 6)?)),
        0x2f => byte("confirmed_messages", 2, out)?,
        0x33 => byte("fport", 2, out)?,
        0x36 => byte("heartbeat.fport", 2, out)?,
        _ => {}
    }
    Ok(())
}
