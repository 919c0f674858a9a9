//! MClimate Open/Close Sensor (`open-close`, 8-byte keepalive) and MC Button (`mc-button`,
//! 5 bytes): a battery byte and a 10-bit thermistor, then the door counter or the button
//! event.
//!
//! | keepalive byte | Open/Close | MC Button |
//! |---|---|---|
//! | 0 | `01` keepalive | `01` keepalive |
//! | 1 | batteryVoltage, (x 8 + 1600) / 1000 V, 2 decimals | the same, 1 decimal |
//! | 2 | bit 2: thermistor absent; bits 1-0: temperature bits 9-8 | the same |
//! | 3 | temperature bits 7-0, x / 10 °C (`temperature`) | the same (`sensorTemperature`) |
//! | 4-6 | counter, uint24 (openings and closings) | 4: pressEvent |
//! | 7 | status | |
//!
//! Where this plugin differs from the vendor decoders: the Open/Close decoder takes the last
//! 5 bytes of a command response as its keepalive (it is 8 bytes long: this plugin takes 8),
//! and reads the status byte's decimal digits as hex (`10` -> 16): this plugin gives the
//! byte's value.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::common::{self, Handled, fixed};

/// Length of the Open/Close keepalive frame.
pub const OPEN_CLOSE_KEEPALIVE_LEN: usize = 8;
/// Length of the MC Button keepalive frame.
pub const BUTTON_KEEPALIVE_LEN: usize = 5;

fn battery_and_thermistor(
    r: &mut Reader,
    out: &mut Readings,
    battery_digits: i32,
    temperature: &str,
) -> Result<(), DecodeError> {
    let _kind = r.u8()?;
    out.number("batteryVoltage", fixed(common::battery_8mv(r.u8()?), battery_digits), "V");
    let (high, low) = (r.u8()?, r.u8()?);
    out.boolean("thermistorProperlyConnected", high & 0x04 == 0);
    let raw = u16::from(high & 0x03) << 8 | u16::from(low);
    out.number(temperature, fixed(f64::from(raw) / 10.0, 1), "Cel");
    Ok(())
}

/// Reads an Open/Close keepalive frame.
pub fn open_close_keepalive(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    battery_and_thermistor(r, out, 2, "temperature")?;
    out.plain("counter", f64::from(r.u24_be()?));
    out.plain("status", f64::from(r.u8()?));
    Ok(())
}

/// Reads an MC Button keepalive frame.
pub fn button_keepalive(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    battery_and_thermistor(r, out, 1, "sensorTemperature")?;
    out.plain("pressEvent", f64::from(r.u8()?));
    Ok(())
}

/// Open/Close commands: the shared ones, `1d` watchDogParams (plain numbers, see
/// [`common::watchdog_plain`]) and `1f` sendEventLater (uint8).
pub fn open_close_command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match cmd {
        0x1d => common::watchdog_plain(r, out)?,
        0x1f => out.plain("sendEventLater", f64::from(r.u8()?)),
        other => return common::shared_command(other, r, out),
    }
    Ok(true)
}

/// MC Button commands: those of the Open/Close sensor, `a4` region (uint8) and the press
/// counters `b1` singlePressEventCounter, `b2` doublePressEventCounter, `b3`
/// triplePressEventCounter (uint24 each).
pub fn button_command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    let counter = match cmd {
        0xb1 => Some("singlePressEventCounter"),
        0xb2 => Some("doublePressEventCounter"),
        0xb3 => Some("triplePressEventCounter"),
        _ => None,
    };
    if let Some(name) = counter {
        out.plain(name, f64::from(r.u24_be()?));
        return Ok(true);
    }
    match cmd {
        0xa4 => out.plain("region", f64::from(r.u8()?)),
        other => return open_close_command(other, r, out),
    }
    Ok(true)
}
