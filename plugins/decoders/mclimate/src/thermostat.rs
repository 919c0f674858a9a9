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
//! the Fan Coil Thermostat, only its codec example: its keepalive follows that example, its
//! command responses ([`fan_coil_command`]) and when they carry a keepalive MClimate's own
//! payload parser.

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

/// Fan Coil Thermostat commands, after the shared ones (`1d` watchDogParams as plain numbers,
/// `a4` region), as MClimate's payload parser reads them:
///
/// | cmd | name | values |
/// |---|---|---|
/// | `14`, `32`, `36`, `45`, `47`, `4b`, `4d`, `4f`, `53`, `55`, `57`, `59`, `5d`, `5f`, `61`, `63`, `67`, `69`, `6e`, `70`-`73`, `75`, `79`, `7b`-`7d`, `7f` | keysLock, valveOpenCloseTime, extAutomaticTemperatureControl, fanSpeed, fanSpeedLimit, ecmStartUpTime, ecmRelay, frostProtection, fctOperationalMode, allowedOperationalModes, coolingSetpointNotOccupied, heatingSetpointNotOccupied, fanSpeedNotOccupied, automaticChangeover, wiringDiagram, occFunction, deviceStatus, returnOfPowerOperation, frostProtectionStatus, occupancySensorStatusSetPoint, occupancySensorStatus, dewPointSensorStatus, filterAlarm, powerModuleStatus, fanOffDelayTime, additionalFanMode, internalTemperatureSensorError, externalTemperatureSensorError, displayColorMode | uint8 |
/// | `2f`, `30`, `3e` | targetTemperature, manualTargetTemperatureUpdate, extSensorTemperature | uint16 / 10 °C |
/// | `6b` | deltaTemperature1 | uint8 / 10 |
/// | `17`, `77` | heatingCoolingTargetTempRanges(Unoccupied).heatingTempMin, .heatingTempMax, .coolingTempMin, .coolingTempMax | 4 x uint8 °C |
/// | `49` | ecmVoltageRange.min, .max | 2 x uint8 / 10 V |
/// | `51` | frostProtectionSettings.threshold, .setpoint | 2 x uint8 |
/// | `5b` | tempSensorCompensation.compensation, .temperature | uint8, uint8 / 10 |
/// | `65` | automaticChangeoverThreshold.coolingThreshold, .heatingThreshold | 2 x uint8 |
/// | `6d` | deltaTemperature2and3.deltaTemperature2, .deltaTemperature3 | 2 x uint8 / 10 |
/// | `74` | automaticChangeoverMode.ntcTemperature, .automaticChangeover | 2 x uint8 |
pub fn fan_coil_command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    let byte_setting = match cmd {
        0x14 => Some("keysLock"),
        0x32 => Some("valveOpenCloseTime"),
        0x36 => Some("extAutomaticTemperatureControl"),
        0x45 => Some("fanSpeed"),
        0x47 => Some("fanSpeedLimit"),
        0x4b => Some("ecmStartUpTime"),
        0x4d => Some("ecmRelay"),
        0x4f => Some("frostProtection"),
        0x53 => Some("fctOperationalMode"),
        0x55 => Some("allowedOperationalModes"),
        0x57 => Some("coolingSetpointNotOccupied"),
        0x59 => Some("heatingSetpointNotOccupied"),
        0x5d => Some("fanSpeedNotOccupied"),
        0x5f => Some("automaticChangeover"),
        0x61 => Some("wiringDiagram"),
        0x63 => Some("occFunction"),
        0x67 => Some("deviceStatus"),
        0x69 => Some("returnOfPowerOperation"),
        0x6e => Some("frostProtectionStatus"),
        0x70 => Some("occupancySensorStatusSetPoint"),
        0x71 => Some("occupancySensorStatus"),
        0x72 => Some("dewPointSensorStatus"),
        0x73 => Some("filterAlarm"),
        0x75 => Some("powerModuleStatus"),
        0x79 => Some("fanOffDelayTime"),
        0x7b => Some("additionalFanMode"),
        0x7c => Some("internalTemperatureSensorError"),
        0x7d => Some("externalTemperatureSensorError"),
        0x7f => Some("displayColorMode"),
        0xa4 => Some("region"),
        _ => None,
    };
    if let Some(name) = byte_setting {
        out.plain(name, f64::from(r.u8()?));
        return Ok(true);
    }
    let tenths = match cmd {
        0x2f => Some("targetTemperature"),
        0x30 => Some("manualTargetTemperatureUpdate"),
        0x3e => Some("extSensorTemperature"),
        _ => None,
    };
    if let Some(name) = tenths {
        out.number(name, f64::from(r.u16_be()?) / 10.0, "Cel");
        return Ok(true);
    }
    let pair: Option<(&str, [&str; 2], f64)> = match cmd {
        0x49 => Some(("ecmVoltageRange", ["min", "max"], 10.0)),
        0x51 => Some(("frostProtectionSettings", ["threshold", "setpoint"], 1.0)),
        0x65 => Some(("automaticChangeoverThreshold", ["coolingThreshold", "heatingThreshold"], 1.0)),
        0x6d => Some(("deltaTemperature2and3", ["deltaTemperature2", "deltaTemperature3"], 10.0)),
        0x74 => Some(("automaticChangeoverMode", ["ntcTemperature", "automaticChangeover"], 1.0)),
        _ => None,
    };
    if let Some((name, fields, divisor)) = pair {
        for field in fields {
            out.plain(&format!("{name}.{field}"), f64::from(r.u8()?) / divisor);
        }
        return Ok(true);
    }
    match cmd {
        0x17 | 0x77 => {
            let name = if cmd == 0x17 {
                "heatingCoolingTargetTempRanges"
            } else {
                "heatingCoolingTargetTempRangesUnoccupied"
            };
            for field in ["heatingTempMin", "heatingTempMax", "coolingTempMin", "coolingTempMax"] {
                out.number(&format!("{name}.{field}"), f64::from(r.u8()?), "Cel");
            }
        }
        0x1d => common::watchdog_plain(r, out)?,
        0x5b => {
            out.plain("tempSensorCompensation.compensation", f64::from(r.u8()?));
            out.plain("tempSensorCompensation.temperature", f64::from(r.u8()?) / 10.0);
        }
        0x6b => out.plain("deltaTemperature1", f64::from(r.u8()?) / 10.0),
        other => return common::shared_command(other, r, out),
    }
    Ok(true)
}
