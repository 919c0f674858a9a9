//! CMi4111, on Kamstrup MULTICAL meters. Byte 0 is `05` (the standard message); the records:
//!
//! | DIF | VIF | reading |
//! |---|---|---|
//! | `04` (32 bits) | `00`-`07` | `energy` kWh (x0.000001 .. x10) |
//! | `04` | `10`-`17` | `volume` m3 (x0.000001 .. x10) |
//! | `04` | `6d` | `datetime_heat_meter` (the raw 32 bits) |
//! | `02` (16 bits) | `29`-`2f` | `power` kW (x0.00001 .. x10) |
//! | `02` | `39`-`3f` | `flow` m3/h |
//! | `02` | `58`-`5b` / `5c`-`5f` | `forward_temperature` / `return_temperature` °C (x0.001 .. x1) |
//! | `0c` (8 BCD digits) | `78` | `serial_from_message` |
//! | `02`, `04`, `84` | `fd 17` | `error_flag` |
//! | `34` | any | an error (the meter's error state) |
//!
//! As the vendor decoder reads them: values are hexadecimal (a power or a flow whose digits
//! start with `fff` is negative: the `fff` becomes a minus sign), the serial number's digits
//! are decimal. A `fd` VIF within 5 bytes of the end takes the next byte (`fd 17`).

use passerelle_pdk::Readings;

use crate::{
    DecodeError, Register, byte, format_byte, hex2, mbus_register, number, parse_int, reversed_hex, unknown,
};

fn table(dif: u8, vif: &str) -> Option<Register> {
    let code = (vif.len() == 2).then(|| u8::from_str_radix(vif, 16).ok()).flatten();
    match (dif, code) {
        (0x04, Some(v @ (0x00..=0x07 | 0x10..=0x17))) => mbus_register(v, "forward_temperature"),
        (0x04, Some(0x6d)) => Some(Register::new("datetime_heat_meter", None, 0)),
        (0x02, Some(v @ (0x29..=0x2f | 0x39..=0x3f | 0x58..=0x5f))) => {
            mbus_register(v, "forward_temperature")
        }
        (0x0c, Some(0x78)) => Some(Register::new("serial_from_message", None, 0)),
        (0x02 | 0x04 | 0x84, None) if vif == "fd17" => Some(Register::new("error_flag", None, 0)),
        _ => None,
    }
}

/// The records of a CMi4111 standard message.
pub fn decode(p: &[u8], out: &mut Readings) -> Result<(), DecodeError> {
    format_byte(p, 0x05)?;
    let mut i = 1;
    while i < p.len() {
        let dif = byte(p, i)?;
        let mut vif = hex2(byte(p, i + 1)?);
        i += 2;
        if p.len().saturating_sub(i) <= 5 && vif == "fd" {
            vif.push_str(&hex2(byte(p, i)?));
            i += 1;
        }
        if dif == 0x34 {
            return Err(DecodeError::InvalidField(String::from("the meter is in its error state")));
        }
        let reg = table(dif, &vif).ok_or_else(|| unknown(&hex2(dif), &vif))?;
        let len = if (2..=4).contains(&dif) { usize::from(dif) } else { 4 };
        let digits = reversed_hex(p, i, len);
        i += len;
        let raw = match reg.name {
            "serial_from_message" => parse_int(&digits, 10),
            "power" | "flow" if digits.starts_with("fff") => parse_int(&digits.replacen("fff", "-", 1), 16),
            _ => parse_int(&digits, 16),
        };
        reg.put(out, number(raw, reg.name)?);
    }
    Ok(())
}
