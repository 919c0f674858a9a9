//! MClimate PIR sensors: PIR Mini (`pir-mini`, 10-byte keepalive starting `01`), HT PIR Lite
//! (`ht-pir-lite`, 6 bytes starting `81`) and CO2 PIR Lite (`co2-pir-lite`, 8 bytes starting
//! `81`). An event or a command response carries the keepalive in its last bytes when it is
//! at least that long, and nothing else otherwise.
//!
//! | byte | PIR Mini | HT PIR Lite | CO2 PIR Lite |
//! |---|---|---|---|
//! | 0 | `01` | `81` | `81` |
//! | 1 | bits 1-0: temperature bits 9-8 | bit 2: occupied; bits 1-0: temperature bits 9-8 | as the HT Lite |
//! | 2 | sensorTemperature bits 7-0, (x - 400) / 10 °C | the same | the same |
//! | 3 | relativeHumidity, x 100 / 256 %RH | the same | the same |
//! | 4 | lux bits 15-8 | batteryVoltage, (x 2200 / 255 + 1600) / 1000 V | the same |
//! | 5 | lux bits 7-0 (`ffff` disabled, `fffb`-`fffe` sensor error: lux 0), luxStatus | pirTriggerCount | CO2 bits 7-0 |
//! | 6 | batteryVoltage, as the Lites' byte 4 | | bits 7-3: CO2 bits 12-8, ppm |
//! | 7 | bit 0: occupied | | pirTriggerCount |
//! | 8-9 | pirTriggerCount, uint16 | | |

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::common::{self, Handled};

/// Length of the PIR Mini keepalive frame.
pub const MINI_KEEPALIVE_LEN: usize = 10;
/// Length of the HT PIR Lite keepalive frame.
pub const HT_LITE_KEEPALIVE_LEN: usize = 6;
/// Length of the CO2 PIR Lite keepalive frame.
pub const CO2_LITE_KEEPALIVE_LEN: usize = 8;

/// Reads a PIR Mini keepalive frame.
pub fn mini_keepalive(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let _kind = r.u8()?;
    let (high, low) = (r.u8()?, r.u8()?);
    out.number("sensorTemperature", common::temperature_10bit(high, low), "Cel");
    out.number("relativeHumidity", common::humidity(r.u8()?), "%RH");
    let lux = r.u16_be()?;
    let (value, status) = match lux {
        0..=0xfffa => (lux, "ok"),
        0xffff => (0, "disabled"),
        _ => (0, "sensor_error"),
    };
    out.number("lux", f64::from(value), "lx");
    out.text("luxStatus", status);
    out.number("batteryVoltage", common::battery_2200(r.u8()?), "V");
    out.boolean("occupied", r.u8()? & 0x01 == 1);
    out.number("pirTriggerCount", f64::from(r.u16_be()?), "count");
    Ok(())
}

/// Reads an HT PIR Lite (`co2` false) or CO2 PIR Lite (`co2` true) keepalive frame.
pub fn lite_keepalive(co2: bool, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let _kind = r.u8()?;
    let (high, low) = (r.u8()?, r.u8()?);
    out.boolean("occupied", high & 0x04 != 0);
    out.number("sensorTemperature", common::temperature_10bit(high, low), "Cel");
    out.number("relativeHumidity", common::humidity(r.u8()?), "%RH");
    out.number("batteryVoltage", common::battery_2200(r.u8()?), "V");
    if co2 {
        let (low, high) = (r.u8()?, r.u8()?);
        out.number("CO2", f64::from(u16::from(high >> 3) << 8 | u16::from(low)), "ppm");
    }
    out.number("pirTriggerCount", f64::from(r.u8()?), "count");
    Ok(())
}

/// Commands every PIR model shares, after [`common::shared_command`]: `1d` watchDogParams
/// (plain numbers), `37` pirSensorState, `39` occupancyTimeout (uint16), `a4` region.
fn pir_shared(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match cmd {
        0x1d => common::watchdog_plain(r, out)?,
        0x37 => out.plain("pirSensorState", f64::from(r.u8()?)),
        0x39 => out.plain("occupancyTimeout", f64::from(r.u16_be()?)),
        0xa4 => out.plain("region", f64::from(r.u8()?)),
        other => return common::shared_command(other, r, out),
    }
    Ok(true)
}

/// PIR Mini commands and events, after the PIR ones:
///
/// | cmd | name | values |
/// |---|---|---|
/// | `1f`, `22`, `3d`, `3f`, `44` | lightSensorState, ledBrightness, pirDemoMode, pirOperationMode, pirCounterResetFlag | uint8 |
/// | `42` | pirBlindTime | uint16 |
/// | `3a`, `3b`, `40` | event: `occupied`, `unoccupied`, `pirTrigger` | none |
pub fn mini_command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    let byte_setting = match cmd {
        0x1f => Some("lightSensorState"),
        0x22 => Some("ledBrightness"),
        0x3d => Some("pirDemoMode"),
        0x3f => Some("pirOperationMode"),
        0x44 => Some("pirCounterResetFlag"),
        _ => None,
    };
    if let Some(name) = byte_setting {
        out.plain(name, f64::from(r.u8()?));
        return Ok(true);
    }
    match cmd {
        0x3a => out.text("event", "occupied"),
        0x3b => out.text("event", "unoccupied"),
        0x40 => out.text("event", "pirTrigger"),
        0x42 => out.plain("pirBlindTime", f64::from(r.u16_be()?)),
        other => return pir_shared(other, r, out),
    }
    Ok(true)
}

/// HT PIR Lite commands, after the PIR ones: `2f` uplinkSendingOnButtonPress, `3d`
/// pirSensorStatus, `3f` pirSensorSensitivity, `49` pirMeasurementPeriod, `4b`
/// pirCheckPeriod, `4d` pirBlindPeriod (uint8 each), `a6` crystalOscillatorError (`true`,
/// no value: the TTN decoder skips the byte after it, MClimate's own parser does not).
pub fn lite_command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    let byte_setting = match cmd {
        0x2f => Some("uplinkSendingOnButtonPress"),
        0x3d => Some("pirSensorStatus"),
        0x3f => Some("pirSensorSensitivity"),
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
        0xa6 => out.boolean("crystalOscillatorError", true),
        other => return pir_shared(other, r, out),
    }
    Ok(true)
}

/// CO2 PIR Lite commands: those of the HT PIR Lite but `a6`, and the CO2 settings `1f`
/// boundaryLevels.good_medium, .medium_bad (2 x uint16 ppm), `21` autoZeroValue (uint16 ppm),
/// `25` measurementPeriod.good_zone, .medium_zone, .bad_zone (3 x uint8), `2b`
/// autoZeroPeriod (uint8).
pub fn co2_lite_command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match cmd {
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
        0x2b => out.plain("autoZeroPeriod", f64::from(r.u8()?)),
        0xa6 => return Ok(false),
        other => return lite_command(other, r, out),
    }
    Ok(true)
}
