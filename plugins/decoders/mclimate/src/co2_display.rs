//! MClimate CO2 Display (`co2-display`, 11-byte keepalive) and CO2 Display Lite
//! (`co2-display-lite`, 10 bytes, no PIR).
//!
//! | keepalive byte | field |
//! |---|---|
//! | 0 | `01` keepalive |
//! | 1-2 | sensorTemperature, (uint16 - 400) / 10 °C |
//! | 3 | relativeHumidity, x 100 / 256 %RH |
//! | 4-5 | batteryVoltage, uint16 / 1000 V (3 decimals; 2 on the Lite) |
//! | 6 | CO2 bits 0-7 |
//! | 7 | bits 3-7: CO2 bits 8-12 (`ppm`, `CO2` on the Lite); bits 0-2: powerSourceStatus |
//! | 8-9 | lux, uint16 |
//! | 10 | pir, `01` = true (CO2 Display only) |
//!
//! The vendor decoders join bytes 1-2, 4-5 and 8-9 as unpadded hex text, so a low byte below
//! `0x10` loses its leading zero digit (`02 05` reads as `0x025`); MClimate's own parsers pad
//! it, and so does this plugin. No decoder for the Lite is stored in the TTN repository: its
//! keepalive follows the Lite's codec example, its commands those of the CO2 Display.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::common::{self, Handled, fixed};

/// Length of the CO2 Display keepalive frame.
pub const KEEPALIVE_LEN: usize = 11;
/// Length of the CO2 Display Lite keepalive frame.
pub const LITE_KEEPALIVE_LEN: usize = 10;

/// Reads a keepalive frame; `lite` for the CO2 Display Lite.
pub fn keepalive(lite: bool, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let _kind = r.u8()?;
    out.number("sensorTemperature", fixed(common::temperature(r)?, 2), "Cel");
    out.number("relativeHumidity", common::humidity(r.u8()?), "%RH");
    let volts = f64::from(r.u16_be()?) / 1000.0;
    out.number("batteryVoltage", fixed(volts, if lite { 2 } else { 3 }), "V");
    let (low, high) = (r.u8()?, r.u8()?);
    let co2 = u16::from(high >> 3) << 8 | u16::from(low);
    out.number(if lite { "CO2" } else { "ppm" }, f64::from(co2), "ppm");
    out.plain("powerSourceStatus", f64::from(high & 0x07));
    out.number("lux", f64::from(r.u16_be()?), "lx");
    if !lite {
        out.boolean("pir", r.u8()? == 1);
    }
    Ok(())
}

/// Display commands, after the shared ones:
///
/// | cmd | name | values |
/// |---|---|---|
/// | `14` | childLock | `01` = true |
/// | `1d` | watchDogParams.wdpC, .wdpUc | see [`common::watchdog_minutes`] |
/// | `1f` | boundaryLevels.good_medium, .medium_bad | 2 x uint16 ppm |
/// | `21` | autoZeroValue | uint16 ppm |
/// | `25` | measurementPeriod.good_zone, .medium_zone, .bad_zone | 3 x uint8 |
/// | `2b`, `34`, `3d`, `3f`, `41`, `43`, `45`, `47`, `49`, `4b`, `4d`, `80` | autoZeroPeriod, displayRefreshPeriod, pirSensorStatus, pirSensorSensitivity, currentTemperatureVisibility, humidityVisibility, lightIntensityVisibility, pirInitPeriod, pirMeasurementPeriod, pirCheckPeriod, pirBlindPeriod, measurementBlindTime | uint8 |
/// | `83` | imagesVisibility.chart, .digital_value, .emoji | bits 2, 1, 0 |
/// | `a0` | fuota.fuota_address, fuota.fuota_address_raw | uint32, and its 8 hex digits |
pub fn command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    let byte_setting = match cmd {
        0x2b => Some("autoZeroPeriod"),
        0x34 => Some("displayRefreshPeriod"),
        0x3d => Some("pirSensorStatus"),
        0x3f => Some("pirSensorSensitivity"),
        0x41 => Some("currentTemperatureVisibility"),
        0x43 => Some("humidityVisibility"),
        0x45 => Some("lightIntensityVisibility"),
        0x47 => Some("pirInitPeriod"),
        0x49 => Some("pirMeasurementPeriod"),
        0x4b => Some("pirCheckPeriod"),
        0x4d => Some("pirBlindPeriod"),
        0x80 => Some("measurementBlindTime"),
        _ => None,
    };
    if let Some(name) = byte_setting {
        out.plain(name, f64::from(r.u8()?));
        return Ok(true);
    }
    match cmd {
        0x14 => out.boolean("childLock", r.u8()? == 1),
        0x1d => common::watchdog_minutes(r, out)?,
        0x1f => {
            out.number("boundaryLevels.good_medium", f64::from(r.u16_be()?), "ppm");
            out.number("boundaryLevels.medium_bad", f64::from(r.u16_be()?), "ppm");
        }
        0x21 => out.number("autoZeroValue", f64::from(r.u16_be()?), "ppm"),
        0x25 => {
            for zone in ["good_zone", "medium_zone", "bad_zone"] {
                out.plain(&format!("measurementPeriod.{zone}"), f64::from(r.u8()?));
            }
        }
        0x83 => {
            let bits = r.u8()?;
            out.plain("imagesVisibility.chart", f64::from((bits >> 2) & 1));
            out.plain("imagesVisibility.digital_value", f64::from((bits >> 1) & 1));
            out.plain("imagesVisibility.emoji", f64::from(bits & 1));
        }
        0xa0 => {
            let address = r.u32_be()?;
            out.plain("fuota.fuota_address", f64::from(address));
            out.text_owned("fuota.fuota_address_raw", format!("{address:08x}"));
        }
        other => return common::shared_command(other, r, out),
    }
    Ok(true)
}
