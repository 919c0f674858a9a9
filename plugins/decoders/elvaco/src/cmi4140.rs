//! CMi4140. Byte 0 is `15` (the standard message); the records:
//!
//! | DIF | VIF | reading |
//! |---|---|---|
//! | `04` (32 bits) | `00`-`07` / `10`-`17` | `energy` kWh / `volume` m3 |
//! | `04` | `6d` | `datetime_heat_meter` (the digits of the 32 bits, read as decimal) |
//! | `02` (16 bits) | `29`-`2f` / `39`-`3f` | `power` kW / `flow` m3/h |
//! | `02` | `58`-`5b` / `5c`-`5f` | `flow_temperature` / `return_temperature` °C |
//! | `0c` (8 BCD digits) | `78` | `serial` |
//! | `02`, `04` | `fd 17` | `error_flag` |
//!
//! As the vendor decoder reads them: a value with a unit is hexadecimal, one without (serial
//! number, error flags, date) has its hex digits read as a decimal number. A `fd` VIF within
//! 5 bytes of the end takes the next byte (`fd 17`).

use passerelle_pdk::Readings;

use crate::{
    DecodeError, Register, byte, format_byte, hex2, mbus_register, number, parse_int, reversed_hex, unknown,
};

fn table(dif: u8, vif: &str) -> Option<Register> {
    let code = (vif.len() == 2).then(|| u8::from_str_radix(vif, 16).ok()).flatten();
    match (dif, code) {
        (0x04, Some(v @ (0x00..=0x07 | 0x10..=0x17))) => mbus_register(v, "flow_temperature"),
        (0x04, Some(0x6d)) => Some(Register::new("datetime_heat_meter", None, 0)),
        (0x02, Some(v @ (0x29..=0x2f | 0x39..=0x3f | 0x58..=0x5f))) => mbus_register(v, "flow_temperature"),
        (0x0c, Some(0x78)) => Some(Register::new("serial", None, 0)),
        (0x02 | 0x04, None) if vif == "fd17" => Some(Register::new("error_flag", None, 0)),
        _ => None,
    }
}

/// The records of a CMi4140 standard message.
pub fn decode(p: &[u8], out: &mut Readings) -> Result<(), DecodeError> {
    format_byte(p, 0x15)?;
    let mut i = 1;
    while i < p.len() {
        let dif = byte(p, i)?;
        if dif == 0x84 {
            // An extended VIF: no record of this model's table.
            return Err(unknown("84", &format!("{}{}", hex2(byte(p, i + 1)?), hex2(byte(p, i + 2)?))));
        }
        let mut vif = hex2(byte(p, i + 1)?);
        i += 2;
        let len = if (2..=4).contains(&dif) { usize::from(dif) } else { 4 };
        if p.len().saturating_sub(i) <= 5 && vif == "fd" {
            vif.push_str(&hex2(byte(p, i)?));
            i += 1;
        }
        let reg = table(dif, &vif).ok_or_else(|| unknown(&hex2(dif), &vif))?;
        let digits = reversed_hex(p, i, len);
        i += len;
        let radix = if reg.unit.is_some() { 16 } else { 10 };
        reg.put(out, number(parse_int(&digits, radix), reg.name)?);
    }
    Ok(())
}
