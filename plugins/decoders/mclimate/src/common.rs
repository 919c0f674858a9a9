//! Number helpers matching the vendor decoders' JavaScript, and the command-response records
//! every MClimate device shares.
//!
//! A command-response frame is a sequence of records, one command byte then the values that
//! command fixes, followed by the model's keepalive. Each model module reads its own commands
//! and falls back on [`shared_command`].

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

/// What a command reader returns: `Ok(true)` when it knew the command and read its values,
/// `Ok(false)` when the command is not in its table (nothing was read).
pub type Handled = Result<bool, DecodeError>;

/// `Number(x.toFixed(digits))`: `x` rounded to `digits` decimals, halves away from zero.
pub fn fixed(x: f64, digits: i32) -> f64 {
    let scale = 10f64.powi(digits);
    (x * scale).round() / scale
}

/// `x.toFixed(digits)` as text (`0.5` with 5 digits -> `"0.50000"`).
pub fn fixed_text(x: f64, digits: usize) -> String {
    let scale = 10f64.powi(i32::try_from(digits).unwrap_or(0));
    let n = (x * scale).round();
    format!("{:.*}", digits, n / scale)
}

/// `Math.round(x)`: the nearest integer, halves toward positive infinity.
pub fn js_round(x: f64) -> f64 {
    let floor = x.floor();
    if x - floor >= 0.5 { floor + 1.0 } else { floor }
}

/// `Number(byte.toString(16))`: the two hex digits of a byte read as a decimal number
/// (`0x26` -> 26, the vendor's way of writing version 2.6), `None` when a digit is `a`-`f`
/// (JavaScript's `NaN`).
pub fn hex_digits_as_decimal(byte: u8) -> Option<f64> {
    let (hi, lo) = (byte >> 4, byte & 0x0f);
    if hi > 9 || lo > 9 {
        return None;
    }
    Some(f64::from(if hi == 0 { lo } else { hi * 10 + lo }))
}

/// Writes a `false` flag for a zero byte, else the byte's number (the vendor's
/// `value == '00' ? false : value`).
pub fn false_or(out: &mut Readings, name: &str, byte: u8, value: Option<f64>) {
    if byte == 0 {
        out.boolean(name, false);
    } else if let Some(v) = value {
        out.plain(name, v);
    }
}

/// Reads one of the command records every MClimate device knows:
///
/// | cmd | name | values |
/// |---|---|---|
/// | `04` | deviceVersions.hardware, deviceVersions.software | 2 bytes, hex digits read as decimal |
/// | `12` | keepAliveTime | uint8, minutes |
/// | `19` | joinRetryPeriod | uint8 x 5 / 60, minutes |
/// | `1b` | uplinkType | uint8 |
pub fn shared_command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match cmd {
        0x04 => {
            let (hw, sw) = (r.u8()?, r.u8()?);
            if let Some(v) = hex_digits_as_decimal(hw) {
                out.plain("deviceVersions.hardware", v);
            }
            if let Some(v) = hex_digits_as_decimal(sw) {
                out.plain("deviceVersions.software", v);
            }
        }
        0x12 => out.plain("keepAliveTime", f64::from(r.u8()?)),
        0x19 => out.plain("joinRetryPeriod", f64::from(r.u8()?) * 5.0 / 60.0),
        0x1b => out.plain("uplinkType", f64::from(r.u8()?)),
        _ => return Ok(false),
    }
    Ok(true)
}

/// `1d` watchdog parameters as the CO2 sensor, CO2 Display and HT sensor decoders read them:
/// `wdpC` is the first byte's hex digits read as decimal, times the 5-minute keepalive, plus
/// 7 (`false` for `00`); `wdpUc` the second byte (`false` for `00`).
pub fn watchdog_minutes(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let (c, uc) = (r.u8()?, r.u8()?);
    false_or(out, "watchDogParams.wdpC", c, hex_digits_as_decimal(c).map(|v| v * 5.0 + 7.0));
    false_or(out, "watchDogParams.wdpUc", uc, Some(f64::from(uc)));
    Ok(())
}

/// `1d` watchdog parameters as the Open/Close sensor, the button, the PIR and PIR-Lite
/// decoders read them: both bytes as plain numbers, `false` for `00`.
pub fn watchdog_plain(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let (c, uc) = (r.u8()?, r.u8()?);
    false_or(out, "watchDogParams.wdpC", c, Some(f64::from(c)));
    false_or(out, "watchDogParams.wdpUc", uc, Some(f64::from(uc)));
    Ok(())
}

/// Battery of the 1-byte battery fields: `(x 8 + 1600) / 1000` V.
pub fn battery_8mv(byte: u8) -> f64 {
    (f64::from(byte) * 8.0 + 1600.0) / 1000.0
}

/// Battery of the PIR and PIR-Lite keepalives: `(x 2200 / 255 + 1600) / 1000` V, 2 decimals.
pub fn battery_2200(byte: u8) -> f64 {
    fixed((f64::from(byte) * 2200.0 / 255.0 + 1600.0) / 1000.0, 2)
}

/// A 10-bit temperature, `(raw - 400) / 10` °C to 2 decimals, from the low 2 bits of `high`
/// and `low`.
pub fn temperature_10bit(high: u8, low: u8) -> f64 {
    let raw = u16::from(high & 0x03) << 8 | u16::from(low);
    fixed((f64::from(raw) - 400.0) / 10.0, 2)
}

/// Temperature of the keepalive frames: big-endian `(raw - 400) / 10` °C.
pub fn temperature(r: &mut Reader) -> Result<f64, DecodeError> {
    Ok((f64::from(r.u16_be()?) - 400.0) / 10.0)
}

/// Relative humidity of the keepalive frames: `byte x 100 / 256` %RH, to 2 decimals.
pub fn humidity(byte: u8) -> f64 {
    fixed(f64::from(byte) * 100.0 / 256.0, 2)
}

/// The error for a command byte a model does not define (the CO2 sensor decoder throws
/// `Unhandled data`).
pub fn unknown_command(cmd: u8, offset: usize) -> DecodeError {
    DecodeError::InvalidField(format!("unknown command 0x{cmd:02x} at offset {offset}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn javascript_rounding() {
        assert_eq!(fixed(46.875, 2), 46.88);
        assert_eq!(fixed(3.496, 2), 3.5);
        assert_eq!(fixed_text(0.125, 2), "0.13");
        assert_eq!(fixed_text(1.0, 5), "1.00000");
        assert_eq!(js_round(16.5), 17.0);
        assert_eq!(js_round(-16.5), -16.0);
        assert_eq!(hex_digits_as_decimal(0x26), Some(26.0));
        assert_eq!(hex_digits_as_decimal(0x05), Some(5.0));
        assert_eq!(hex_digits_as_decimal(0x0a), None);
    }
}
