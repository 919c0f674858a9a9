//! MClimate CO2 Sensor and Notifier (`co2-sensor`): 7-byte keepalive, CO2 notification
//! settings in its command responses.
//!
//! | keepalive byte | field |
//! |---|---|
//! | 0 | `01` keepalive |
//! | 1-2 | co2, uint16 ppm |
//! | 3-4 | temperature, (uint16 - 400) / 10 °C |
//! | 5 | humidity, x 100 / 256 %RH (2 decimals) |
//! | 6 | battery, (x 8 + 1600) / 1000 V (2 decimals) |
//!
//! The keepalive names are those of the TTN codec example (`co2`, `temperature`, `humidity`,
//! `battery`); the current vendor decoder renames them `CO2`, `sensorTemperature`,
//! `relativeHumidity`, `batteryVoltage`, and the shared test vectors keep the former.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::common::{self, Handled, fixed};

/// Length of the keepalive frame.
pub const KEEPALIVE_LEN: usize = 7;

/// Reads a keepalive frame.
pub fn keepalive(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let _kind = r.u8()?;
    out.number("co2", f64::from(r.u16_be()?), "ppm");
    out.number("temperature", common::temperature(r)?, "Cel");
    out.number("humidity", common::humidity(r.u8()?), "%RH");
    let volts = (f64::from(r.u8()?) * 8.0 + 1600.0) / 1000.0;
    out.number("battery", fixed(volts, 2), "V");
    Ok(())
}

fn zones(r: &mut Reader, out: &mut Readings, name: &str) -> Result<(), DecodeError> {
    for zone in ["good_zone", "medium_zone", "bad_zone"] {
        out.plain(&format!("{name}.{zone}"), f64::from(r.u8()?));
    }
    Ok(())
}

/// CO2 notification commands, after the shared ones:
///
/// | cmd | name | values |
/// |---|---|---|
/// | `1d` | watchDogParams.wdpC, .wdpUc | see [`common::watchdog_minutes`] |
/// | `1f` | boundaryLevels.good_medium, .medium_bad | 2 x uint16 ppm |
/// | `21` | autoZeroValue | uint16 ppm |
/// | `23` | notifyPeriod.good_zone, .medium_zone, .bad_zone | 3 x uint8 |
/// | `25` | measurementPeriod.good_zone, .medium_zone, .bad_zone | 3 x uint8 |
/// | `27` | buzzerNotification.duration_<zone>_beeping / _loud / _silent | 3 x (uint8, uint8 x 10, uint8 x 10) |
/// | `29` | ledNotification.red_<zone>, green_, blue_, duration_ | 3 x (3 x uint8, uint16 x 10) |
/// | `2b` | autoZeroPeriod | uint8 |
pub fn command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match cmd {
        0x1d => common::watchdog_minutes(r, out)?,
        0x1f => {
            out.number("boundaryLevels.good_medium", f64::from(r.u16_be()?), "ppm");
            out.number("boundaryLevels.medium_bad", f64::from(r.u16_be()?), "ppm");
        }
        0x21 => out.number("autoZeroValue", f64::from(r.u16_be()?), "ppm"),
        0x23 => zones(r, out, "notifyPeriod")?,
        0x25 => zones(r, out, "measurementPeriod")?,
        0x27 => {
            for zone in ["good", "medium", "bad"] {
                let p = format!("buzzerNotification.duration_{zone}");
                out.plain(&format!("{p}_beeping"), f64::from(r.u8()?));
                out.plain(&format!("{p}_loud"), f64::from(r.u8()?) * 10.0);
                out.plain(&format!("{p}_silent"), f64::from(r.u8()?) * 10.0);
            }
        }
        0x29 => {
            for zone in ["good", "medium", "bad"] {
                for colour in ["red", "green", "blue"] {
                    out.plain(&format!("ledNotification.{colour}_{zone}"), f64::from(r.u8()?));
                }
                out.plain(&format!("ledNotification.duration_{zone}"), f64::from(r.u16_be()?) * 10.0);
            }
        }
        0x2b => out.plain("autoZeroPeriod", f64::from(r.u8()?)),
        other => return common::shared_command(other, r, out),
    }
    Ok(true)
}
