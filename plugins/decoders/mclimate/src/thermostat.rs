//! MClimate Wireless Thermostat (`wireless-thermostat`) and Fan Coil Thermostat
//! (`fan-coil-thermostat`): 11-byte keepalives, the wireless thermostat's settings in its
//! command responses.
//!
//! | keepalive byte | Wireless Thermostat | Fan Coil Thermostat |
//! |---|---|---|
//! | 0 | `01` keepalive | `01` keepalive |
//! | 1-2 | sensorTemperature, (uint16 - 400) / 10 °C | sensorTemperature, (uint16 - 400) / 10 °C |
//! | 3 | relativeHumidity, x 100 / 256 %RH | relativeHumidity, x 100 / 256 %RH |
//! | 4-5 | batteryVoltage, uint16 / 1000 V | targetTemperature, uint16 / 10 °C |
//! | 6 | targetTemperature, uint8 °C | operationalMode |
//! | 7 | powerSourceStatus | displayedFanSpeed |
//! | 8-9 | lux, uint16 | 8: actualFanSpeed; 9: valveStatus |
//! | 10 | pir, `01` = true | deviceStatus |
//!
//! The Wireless Thermostat decoder joins bytes 1-2 and 8-9 as unpadded hex text (see
//! [`crate::co2_display`]); this plugin pads them. The TTN repository holds no decoder for
//! the Fan Coil Thermostat, only its codec example: its keepalive follows that example and
//! MClimate's published payload reference; its command responses are the shared ones
//! ([`common::shared_command`]).

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::common::{self, Handled, fixed};

/// Length of both keepalive frames.
pub const KEEPALIVE_LEN: usize = 11;

/// Reads a Wireless Thermostat keepalive frame.
pub fn wireless_keepalive(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let _kind = r.u8()?;
    out.number("sensorTemperature", fixed(common::temperature(r)?, 2), "Cel");
    out.number("relativeHumidity", common::humidity(r.u8()?), "%RH");
    out.number("batteryVoltage", fixed(f64::from(r.u16_be()?) / 1000.0, 3), "V");
    out.number("targetTemperature", f64::from(r.u8()?), "Cel");
    out.plain("powerSourceStatus", f64::from(r.u8()?));
    out.number("lux", f64::from(r.u16_be()?), "lx");
    out.boolean("pir", r.u8()? == 1);
    Ok(())
}

/// Reads a Fan Coil Thermostat keepalive frame.
pub fn fan_coil_keepalive(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let _kind = r.u8()?;
    out.number("sensorTemperature", fixed(common::temperature(r)?, 2), "Cel");
    out.number("relativeHumidity", common::humidity(r.u8()?), "%RH");
    out.number("targetTemperature", f64::from(r.u16_be()?) / 10.0, "Cel");
    for name in ["operationalMode", "displayedFanSpeed", "actualFanSpeed", "valveStatus", "deviceStatus"] {
        out.plain(name, f64::from(r.u8()?));
    }
    Ok(())
}

/// Wireless Thermostat commands, after the shared ones:
///
/// | cmd | name | values |
/// |---|---|---|
/// | `14` | childLock | `01` = true |
/// | `1d` | watchDogParams.wdpC, .wdpUc | see [`common::watchdog_minutes`] |
/// | `2f` | targetTemperature | uint8 °C |
/// | `30`, `32`, `34`, `36`, `38`, `3a`, `3d`, `3f`, `41`, `43`, `45`, `47`, `49`, `4b`, `4d` | manualTargetTemperatureUpdate, heatingStatus, displayRefreshPeriod, sendTargetTempDelay, automaticHeatingStatus, sensorMode, pirSensorStatus, pirSensorSensitivity, currentTemperatureVisibility, humidityVisibility, lightIntensityVisibility, pirInitPeriod, pirMeasurementPeriod, pirCheckPeriod, pirBlindPeriod | uint8 |
/// | `a0` | fuota.fuota_address, fuota.fuota_address_raw | uint32, and its 8 hex digits |
pub fn wireless_command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    let byte_setting = match cmd {
        0x30 => Some("manualTargetTemperatureUpdate"),
        0x32 => Some("heatingStatus"),
        0x34 => Some("displayRefreshPeriod"),
        0x36 => Some("sendTargetTempDelay"),
        0x38 => Some("automaticHeatingStatus"),
        0x3a => Some("sensorMode"),
        0x3d => Some("pirSensorStatus"),
        0x3f => Some("pirSensorSensitivity"),
        0x41 => Some("currentTemperatureVisibility"),
        0x43 => Some("humidityVisibility"),
        0x45 => Some("lightIntensityVisibility"),
        0x47 => Some("pirInitPeriod"),
        0x49 => Some("pirMeasurementPeriod"),
        0x4b => Some("pirCheckPeriod"),
        0x4d => Some("pirBlindPeriod"),
        _ => None,
    };
    if let Some(name) = byte_setting {
        out.plain(name, f64::from(r.u8()?));
        return Ok(true);
    }
    match cmd {
        0x14 => out.boolean("childLock", r.u8()? == 1),
        0x1d => common::watchdog_minutes(r, out)?,
        0x2f => out.number("targetTemperature", f64::from(r.u8()?), "Cel"),
        0xa0 => {
            let address = r.u32_be()?;
            out.plain("fuota.fuota_address", f64::from(address));
            out.text_owned("fuota.fuota_address_raw", format!("{address:08x}"));
        }
        other => return common::shared_command(other, r, out),
    }
    Ok(true)
}
