//! MClimate Vicki radiator thermostat (`vicki`): 9-byte keepalive and the thermostat's
//! settings in its command responses.
//!
//! | keepalive byte | field |
//! |---|---|
//! | 0 | reason: the byte's hex digits read as decimal (`01` -> 1, `81` -> 81) |
//! | 1 | targetTemperature °C (also targetTemperatureFloat unless a `52` record set it) |
//! | 2 | sensorTemperature: reason 1: x 165 / 256 - 40; reason 81: (x - 28.33333) / 5.66666; else 0 |
//! | 3 | relativeHumidity, x 100 / 256 %RH |
//! | 4 | motorPosition bits 0-7 |
//! | 5 | motorRange bits 0-7 |
//! | 6 | high nibble: motorPosition bits 8-11; low nibble: motorRange bits 8-11 |
//! | 7 | high nibble: batteryVoltage 2 + x 0.1 V; bits 3-0: openWindow, highMotorConsumption, lowMotorConsumption, brokenSensor |
//! | 8 | bits 7-3: childLock, calibrationFailed, attachedBackplate, perceiveAsOnline, antiFreezeProtection |
//!
//! `valveOpenness` is `round((1 - motorPosition / motorRange) x 100)` %, 0 when the range is 0.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::common::{self, Handled, false_or, fixed, fixed_text, hex_digits_as_decimal, js_round};

/// Length of the keepalive frame.
pub const KEEPALIVE_LEN: usize = 9;

/// Reads a keepalive frame; `target_float_set` when a `52` record already wrote
/// `targetTemperatureFloat`.
pub fn keepalive(r: &mut Reader, out: &mut Readings, target_float_set: bool) -> Result<(), DecodeError> {
    let kind = r.u8()?;
    let reason = hex_digits_as_decimal(kind);
    let target = r.u8()?;
    let raw_temp = f64::from(r.u8()?);
    let humidity = r.u8()?;
    let (pos_low, range_low, high) = (r.u8()?, r.u8()?, r.u8()?);
    let (b7, b8) = (r.u8()?, r.u8()?);
    let sensor = match kind {
        0x01 => raw_temp * 165.0 / 256.0 - 40.0,
        0x81 => (raw_temp - 28.33333) / 5.66666,
        _ => 0.0,
    };
    let range = u16::from(high & 0x0f) << 8 | u16::from(range_low);
    let position = u16::from(high >> 4) << 8 | u16::from(pos_low);
    if let Some(reason) = reason {
        out.plain("reason", reason);
    }
    out.number("targetTemperature", f64::from(target), "Cel");
    out.number("sensorTemperature", fixed(sensor, 2), "Cel");
    out.number("relativeHumidity", common::humidity(humidity), "%RH");
    out.plain("motorRange", f64::from(range));
    out.plain("motorPosition", f64::from(position));
    let volts = 2.0 + f64::from(b7 >> 4) * 0.1;
    out.number("batteryVoltage", fixed(volts, 2), "V");
    let bit = |byte: u8, n: u8| (byte >> n) & 1 == 1;
    out.boolean("openWindow", bit(b7, 3));
    out.boolean("highMotorConsumption", bit(b7, 2));
    out.boolean("lowMotorConsumption", bit(b7, 1));
    out.boolean("brokenSensor", bit(b7, 0));
    out.boolean("childLock", bit(b8, 7));
    out.boolean("calibrationFailed", bit(b8, 6));
    out.boolean("attachedBackplate", bit(b8, 5));
    out.boolean("perceiveAsOnline", bit(b8, 4));
    out.boolean("antiFreezeProtection", bit(b8, 3));
    let openness =
        if range == 0 { 0.0 } else { js_round((1.0 - f64::from(position) / f64::from(range)) * 100.0) };
    out.number("valveOpenness", openness, "%");
    if !target_float_set {
        out.number("targetTemperatureFloat", f64::from(target), "Cel");
    }
    Ok(())
}

fn gain(r: &mut Reader) -> Result<String, DecodeError> {
    Ok(fixed_text(f64::from(r.u24_be()?) / 131_072.0, 5))
}

/// Vicki commands, after the shared ones (`1d` reads both bytes as plain numbers here, `1f`
/// and `2b` write the value byte as 2 hex digits, `36` / `3d` write the gain as text with 5
/// decimals, as the vendor decoder does):
///
/// | cmd | name | values |
/// |---|---|---|
/// | `13` | openWindowParams.enabled, .duration, .motorPosition, .delta | `01`, x 5 min, 12 bits, 4 bits |
/// | `14` | childLock | `01` = true |
/// | `15` | temperatureRangeSettings.min, .max | 2 x uint8 °C |
/// | `16` | internalAlgoParams.period, .pFirstLast, .pNext | 3 x uint8 |
/// | `17` | internalAlgoTdiffParams.warm, .cold | 2 x uint8 |
/// | `18`, `27`, `28`, `40`, `42`, `48` | operationalMode, OVAC, manualTargetTemperatureUpdate, piRunPeriod, tempHysteresis, forceAttach | uint8 |
/// | `1d` | watchDogParams.wdpC, .wdpUc | 2 x uint8 (`00` = false) |
/// | `1f`, `2b` | primaryOperationalMode, algoType | hex text |
/// | `21` | batteryRangesBoundaries.Boundary1..3 | 3 x uint16 |
/// | `23` | batteryRangesOverVoltage.Range1..3 | 1 byte skipped, 3 x uint8 |
/// | `29` | proportionalAlgoParams.coefficient, .period | 2 x uint8 |
/// | `36`, `3d` | proportionalGain, integralGain | uint24 / 131072, text |
/// | `3f`, `4d` | integralValue, piMaxIntegratedError | uint16 / 10 |
/// | `44`, `52` | extSensorTemperature, targetTemperatureFloat | uint16 / 10 °C |
/// | `46` | openWindowParams.enabled, .duration, .delta | `01`, x 5 min, / 10 °C |
/// | `4a` | antiFreezeParams.activatedTemperature, .deactivatedTemperature, .targetTemperature | / 10, / 10, uint8 °C |
/// | `50` | effectiveMotorRange.minValveOpenness, .maxValveOpenness | 100 - second byte, 100 - first byte |
/// | `54` | temperatureOffset | (x - 28) x 0.176 °C |
pub fn command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    let byte_setting = match cmd {
        0x18 => Some("operationalMode"),
        0x27 => Some("OVAC"),
        0x28 => Some("manualTargetTemperatureUpdate"),
        0x40 => Some("piRunPeriod"),
        0x42 => Some("tempHysteresis"),
        0x48 => Some("forceAttach"),
        _ => None,
    };
    if let Some(name) = byte_setting {
        out.plain(name, f64::from(r.u8()?));
        return Ok(true);
    }
    match cmd {
        0x13 => {
            out.boolean("openWindowParams.enabled", r.u8()? == 1);
            out.plain("openWindowParams.duration", f64::from(r.u8()?) * 5.0);
            let (low, high) = (r.u8()?, r.u8()?);
            let position = u16::from(high >> 4) << 8 | u16::from(low);
            out.plain("openWindowParams.motorPosition", f64::from(position));
            out.plain("openWindowParams.delta", f64::from(high & 0x0f));
        }
        0x14 => out.boolean("childLock", r.u8()? == 1),
        0x15 => {
            out.number("temperatureRangeSettings.min", f64::from(r.u8()?), "Cel");
            out.number("temperatureRangeSettings.max", f64::from(r.u8()?), "Cel");
        }
        0x16 => {
            out.plain("internalAlgoParams.period", f64::from(r.u8()?));
            out.plain("internalAlgoParams.pFirstLast", f64::from(r.u8()?));
            out.plain("internalAlgoParams.pNext", f64::from(r.u8()?));
        }
        0x17 => {
            out.plain("internalAlgoTdiffParams.warm", f64::from(r.u8()?));
            out.plain("internalAlgoTdiffParams.cold", f64::from(r.u8()?));
        }
        0x1d => {
            let (c, uc) = (r.u8()?, r.u8()?);
            false_or(out, "watchDogParams.wdpC", c, Some(f64::from(c)));
            false_or(out, "watchDogParams.wdpUc", uc, Some(f64::from(uc)));
        }
        0x1f => out.text_owned("primaryOperationalMode", format!("{:02x}", r.u8()?)),
        0x21 => {
            for n in 1..=3 {
                out.plain(&format!("batteryRangesBoundaries.Boundary{n}"), f64::from(r.u16_be()?));
            }
        }
        0x23 => {
            r.skip(1)?;
            for n in 1..=3 {
                out.plain(&format!("batteryRangesOverVoltage.Range{n}"), f64::from(r.u8()?));
            }
        }
        0x29 => {
            out.plain("proportionalAlgoParams.coefficient", f64::from(r.u8()?));
            out.plain("proportionalAlgoParams.period", f64::from(r.u8()?));
        }
        0x2b => out.text_owned("algoType", format!("{:02x}", r.u8()?)),
        0x36 => out.text_owned("proportionalGain", gain(r)?),
        0x3d => out.text_owned("integralGain", gain(r)?),
        0x3f => out.plain("integralValue", f64::from(r.u16_be()?) / 10.0),
        0x44 => out.number("extSensorTemperature", f64::from(r.u16_be()?) / 10.0, "Cel"),
        0x46 => {
            out.boolean("openWindowParams.enabled", r.u8()? == 1);
            out.plain("openWindowParams.duration", f64::from(r.u8()?) * 5.0);
            out.number("openWindowParams.delta", f64::from(r.u8()?) / 10.0, "Cel");
        }
        0x4a => {
            out.number("antiFreezeParams.activatedTemperature", f64::from(r.u8()?) / 10.0, "Cel");
            out.number("antiFreezeParams.deactivatedTemperature", f64::from(r.u8()?) / 10.0, "Cel");
            out.number("antiFreezeParams.targetTemperature", f64::from(r.u8()?), "Cel");
        }
        0x4d => out.plain("piMaxIntegratedError", f64::from(r.u16_be()?) / 10.0),
        0x50 => {
            let (first, second) = (r.u8()?, r.u8()?);
            out.number("effectiveMotorRange.minValveOpenness", 100.0 - f64::from(second), "%");
            out.number("effectiveMotorRange.maxValveOpenness", 100.0 - f64::from(first), "%");
        }
        0x52 => out.number("targetTemperatureFloat", f64::from(r.u16_be()?) / 10.0, "Cel"),
        0x54 => out.number("temperatureOffset", (f64::from(r.u8()?) - 28.0) * 0.176, "Cel"),
        other => return common::shared_command(other, r, out),
    }
    Ok(true)
}
