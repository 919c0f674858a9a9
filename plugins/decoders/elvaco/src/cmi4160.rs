//! CMi4160. Byte 0 is `1e` (the standard message); the records:
//!
//! | DIF | VIF | reading |
//! |---|---|---|
//! | `04` (32 bits) | `00`-`07` / `11`-`17` | `energy` kWh / `volume` m3 |
//! | `04` | `6d` | `datetime_heat_meter` (the raw 32 bits) |
//! | `02` (16 bits) | `2a`-`2f` / `3b`-`3f` | `power` kW / `flow` m3/h |
//! | `02` | `58`-`5b` / `5c`-`5f` | `flow_temperature` / `return_temperature` °C |
//! | `07` (7 bytes) | `79` | `serial`: the last 8 hex digits of the value, read as decimal; one more byte follows |
//! | `01`, `02` | `fd 17` | `error_flag` |
//! | `00` | `2f` | a filler: read over, no reading (the vendor decoder names it with an empty key) |
//!
//! Values with a unit are hexadecimal, as the vendor decoder reads them; so are the error
//! flags and the date. A record at the end may hold fewer bytes than its DIF says (the
//! vendor decoder reads what is there). A `fd` VIF within 3 bytes of the end takes the next
//! byte (`fd 17`).

use passerelle_pdk::Readings;

use crate::{
    DecodeError, Register, byte, format_byte, hex2, mbus_register, number, parse_int, reversed_hex, unknown,
};

fn table(dif: u8, vif: &str) -> Option<Register> {
    let code = (vif.len() == 2).then(|| u8::from_str_radix(vif, 16).ok()).flatten();
    match (dif, code) {
        (0x00, Some(0x2f)) => Some(Register::new("", None, 0)),
        (0x04, Some(v @ (0x00..=0x07 | 0x11..=0x17))) => mbus_register(v, "flow_temperature"),
        (0x04, Some(0x6d)) => Some(Register::new("datetime_heat_meter", None, 0)),
        (0x02, Some(v @ (0x2a..=0x2f | 0x3b..=0x3f | 0x58..=0x5f))) => mbus_register(v, "flow_temperature"),
        (0x07, Some(0x79)) => Some(Register::new("serial", None, 0)),
        (0x01 | 0x02, None) if vif == "fd17" => Some(Register::new("error_flag", None, 0)),
        _ => None,
    }
}

/// The records of a CMi4160 standard message.
pub fn decode(p: &[u8], out: &mut Readings) -> Result<(), DecodeError> {
    format_byte(p, 0x1e)?;
    let mut i = 1;
    while i < p.len() {
        let dif = byte(p, i)?;
        let mut vif = hex2(byte(p, i + 1)?);
        i += 2;
        if p.len().saturating_sub(i) <= 3 && vif == "fd" {
            vif.push_str(&hex2(byte(p, i)?));
            i += 1;
        }
        let len = if (2..=4).contains(&dif) || dif == 7 { usize::from(dif) } else { 4 };
        let reg = table(dif, &vif).ok_or_else(|| unknown(&hex2(dif), &vif))?;
        let digits = reversed_hex(p, i, len);
        i += len;
        if reg.name.is_empty() {
            continue;
        }
        let raw = if reg.name == "serial" {
            i += 1;
            let tail = digits.len().saturating_sub(8);
            parse_int(digits.get(tail..).unwrap_or(""), 10)
        } else {
            parse_int(&digits, 16)
        };
        reg.put(out, number(raw, reg.name)?);
    }
    Ok(())
}
