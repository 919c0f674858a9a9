//! MClimate HT Sensor (`ht-sensor`): 7-byte keepalive with an optional external thermistor.
//!
//! | keepalive byte | field |
//! |---|---|
//! | 0 | `01` keepalive |
//! | 1-2 | sensorTemperature, (uint16 - 400) / 10 °C |
//! | 3 | relativeHumidity, x 100 / 256 %RH |
//! | 4 | batteryVoltage, 2 + (high nibble) x 0.1 V |
//! | 5 | bit 2: thermistor absent; low nibble: high bits of the thermistor value |
//! | 6 | extThermistorTemperature low byte; (12 bits) x 0.1 °C, 0 without thermistor |
//!
//! The vendor decoder tests bit 2 on an unpadded binary string (`decbin(b)[5]`), which points
//! at another bit, or none, when byte 5 is below `0x80`; this plugin reads bit 2 itself.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::common::{self, Handled, fixed};

/// Length of the keepalive frame.
pub const KEEPALIVE_LEN: usize = 7;

/// Reads a keepalive frame.
pub fn keepalive(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let _kind = r.u8()?;
    out.number("sensorTemperature", fixed(common::temperature(r)?, 2), "Cel");
    out.number("relativeHumidity", common::humidity(r.u8()?), "%RH");
    let volts = 2.0 + f64::from(r.u8()? >> 4) * 0.1;
    out.number("batteryVoltage", fixed(volts, 2), "V");
    let (flags, low) = (r.u8()?, r.u8()?);
    let connected = flags & 0x04 == 0;
    out.boolean("thermistorProperlyConnected", connected);
    let ext = if connected { f64::from(u16::from(flags & 0x0f) << 8 | u16::from(low)) * 0.1 } else { 0.0 };
    out.number("extThermistorTemperature", ext, "Cel");
    Ok(())
}

/// HT sensor commands: the shared ones and `1d` watchdog parameters.
pub fn command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match cmd {
        0x1d => common::watchdog_minutes(r, out)?,
        other => return common::shared_command(other, r, out),
    }
    Ok(true)
}
