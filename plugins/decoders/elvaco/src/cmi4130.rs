//! CMi4130. Byte 0 is `0f` (the standard message); the records:
//!
//! | DIF | VIF | reading |
//! |---|---|---|
//! | `04` (32 bits) | `00`-`07` | `energy` kWh (x0.000001 .. x10) |
//! | `04` | `11`-`17` | `volume` m3 (x0.00001 .. x10) |
//! | `04` | `6d` | `datetime_heat_meter` (the raw 32 bits) |
//! | `02` (16 bits) | `2a`-`2f` / `3b`-`3f` | `power` kW / `flow` m3/h |
//! | `02` | `58`-`5b` / `5c`-`5f` | `flow_temperature` / `return_temperature` °C |
//! | `32` (16 bits, a value in error) | `2a`-`2f` / `3b`-`3f` | `power` / `flow` reported as 0 |
//! | `0c` (32 bits) | `78` | `serial` |
//! | `02`, `04` | `fd 17` | `error_flag` |
//!
//! Every value is read as hexadecimal, the serial number too, as the vendor decoder does. A
//! `fd` VIF within 3 bytes of the end takes the next byte (`fd 17`).

use passerelle_pdk::Readings;

use crate::{
    DecodeError, Register, byte, format_byte, hex2, mbus_register, number, parse_int, reversed_hex, unknown,
};

fn table(dif: u8, vif: &str) -> Option<Register> {
    let code = (vif.len() == 2).then(|| u8::from_str_radix(vif, 16).ok()).flatten();
    match (dif, code) {
        (0x04, Some(v @ (0x00..=0x07 | 0x11..=0x17))) => mbus_register(v, "flow_temperature"),
        (0x04, Some(0x6d)) => Some(Register::new("datetime_heat_meter", None, 0)),
        (0x02, Some(v @ (0x2a..=0x2f | 0x3b..=0x3f | 0x58..=0x5f))) => mbus_register(v, "flow_temperature"),
        (0x32, Some(v @ (0x2a..=0x2f | 0x3b..=0x3f))) => mbus_register(v, "flow_temperature"),
        (0x0c, Some(0x78)) => Some(Register::new("serial", None, 0)),
        (0x02 | 0x04, None) if vif == "fd17" => Some(Register::new("error_flag", None, 0)),
        _ => None,
    }
}

/// The records of a CMi4130 standard message.
pub fn decode(p: &[u8], out: &mut Readings) -> Result<(), DecodeError> {
    format_byte(p, 0x0f)?;
    let mut i = 1;
    while i < p.len() {
        let dif = byte(p, i)?;
        let mut vif = hex2(byte(p, i + 1)?);
        i += 2;
        if p.len().saturating_sub(i) <= 3 && vif == "fd" {
            vif.push_str(&hex2(byte(p, i)?));
            i += 1;
        }
        let len = match dif {
            2..=4 => usize::from(dif),
            0x32 => 2,
            _ => 4,
        };
        let reg = table(dif, &vif).ok_or_else(|| unknown(&hex2(dif), &vif))?;
        let digits = reversed_hex(p, i, len);
        i += len;
        if dif == 0x32 {
            reg.put(out, 0.0);
        } else {
            reg.put(out, number(parse_int(&digits, 16), reg.name)?);
        }
    }
    Ok(())
}
