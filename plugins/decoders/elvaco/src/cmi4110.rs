//! CMi4110, on Landis+Gyr UltraHeat meters. Byte 0 is not checked; the records:
//!
//! | DIF | VIF | reading |
//! |---|---|---|
//! | `0c` (8 BCD digits) | `06`, `07` | `energy` kWh (x1, x10); a second to fourth energy record is `energy_tariff_1` .. `_3`, a fifth an error |
//! | `0c` | `14`, `15`, `16` | `volume` m3 (x0.01, x0.1, x1) |
//! | `0c` | `78` | `serial_from_message` |
//! | `0b` (6 BCD digits) | `2a`-`2f` | `power` kW (x0.0001 .. x10) |
//! | `0b` | `3b`-`3f` | `flow` m3/h (x0.001 .. x10) |
//! | `0a` (4 BCD digits) | `5a`, `5b` / `5e`, `5f` | `flow_temperature` / `return_temperature` °C (x0.1, x1) |
//! | `02`, `04` | `fd 17` | `error_flag` |
//!
//! As the vendor decoder reads them: a value is its digits read as a decimal number (BCD),
//! except the flow's, read as hexadecimal and negative when its digits hold `f0` (which is
//! then dropped). A record starting within 3 bytes of the end takes one more byte into its
//! VIF (how the final `fd 17` is read).

use passerelle_pdk::Readings;

use crate::{DecodeError, Register, byte, hex2, mbus_register, number, parse_int, reversed_hex, unknown};

const ENERGY: [&str; 4] = ["energy", "energy_tariff_1", "energy_tariff_2", "energy_tariff_3"];

fn table(dif: u8, vif: &str) -> Option<Register> {
    let code = (vif.len() == 2).then(|| u8::from_str_radix(vif, 16).ok()).flatten();
    match (dif, code) {
        (0x0c, Some(v @ (0x06 | 0x07 | 0x14..=0x16))) => mbus_register(v, "flow_temperature"),
        (0x0c, Some(0x78)) => Some(Register::new("serial_from_message", None, 0)),
        (0x0b, Some(v @ (0x2a..=0x2f | 0x3b..=0x3f))) => mbus_register(v, "flow_temperature"),
        (0x0a, Some(v @ (0x5a | 0x5b | 0x5e | 0x5f))) => mbus_register(v, "flow_temperature"),
        (0x02 | 0x04, None) if vif == "fd17" => Some(Register::new("error_flag", None, 0)),
        _ => None,
    }
}

/// The records of a CMi4110 standard message.
pub fn decode(p: &[u8], out: &mut Readings) -> Result<(), DecodeError> {
    let mut i = 1;
    let mut energies = 0;
    while i < p.len() {
        let dif = byte(p, i)?;
        let mut vif = hex2(byte(p, i + 1)?);
        i += 2;
        if p.len().saturating_sub(i) <= 3 {
            vif.push_str(&hex2(byte(p, i)?));
            i += 1;
        }
        let mut reg = table(dif, &vif).ok_or_else(|| unknown(&hex2(dif), &vif))?;
        let len = if (2..=4).contains(&dif) { usize::from(dif) } else { usize::from(dif) - 8 };
        let digits = reversed_hex(p, i, len);
        i += len;
        let raw = match reg.name {
            "energy" => {
                reg.name = ENERGY
                    .get(energies)
                    .ok_or_else(|| DecodeError::InvalidField(String::from("more than 4 energy registers")))?;
                energies += 1;
                parse_int(&digits, 10)
            }
            "flow" if digits.contains("f0") => parse_int(&digits.replacen("f0", "", 1), 16).map(|v| -v),
            "flow" => parse_int(&digits, 16),
            _ => parse_int(&digits, 10),
        };
        reg.put(out, number(raw, reg.name)?);
    }
    Ok(())
}
