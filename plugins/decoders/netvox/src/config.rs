//! Command responses: fPort 7 (report configuration and device settings, every device),
//! fPort 13 (button press time, [`Layout::Alarm`] devices) and fPort 14 (global calibration,
//! [`Layout::Temp`] / [`Layout::TwoTemp`] devices).
//!
//! fPort 7 frames are `cmd, device type, fields...`; a read-configuration response (`82`)
//! returns the settings of a configure request: `MinTime`, `MaxTime` (seconds) and the
//! change thresholds of the device's layout.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::device::{self, Device, Layout};

fn status(byte: u8) -> &'static str {
    if byte == 0 { "Success" } else { "Failure" }
}

fn unknown_command(port: u8, cmd: u8) -> DecodeError {
    DecodeError::InvalidField(format!("fPort {port}: unknown command 0x{cmd:02x}"))
}

/// Reads an fPort 7 response body: `cmd` is byte 0, `dev` the device of byte 1, `r` stands
/// at byte 2.
pub fn port7(cmd: u8, dev: Device, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    out.text("Device", dev.name);
    match (cmd, dev.layout) {
        (0x81, _) => {
            out.text("Cmd", "ConfigReportRsp");
            out.text("Status", status(r.u8()?));
        }
        (0x82, layout) => {
            out.text("Cmd", "ReadConfigReportRsp");
            out.number("MinTime", f64::from(r.u16_be()?), "s");
            out.number("MaxTime", f64::from(r.u16_be()?), "s");
            read_config(dev, layout, r, out)?;
        }
        (0x83, Layout::Pulse) => {
            out.text("Cmd", "SetFiltertimeRsp");
            out.text("Status", status(r.u8()?));
        }
        (0x84, Layout::Pulse) => {
            out.text("Cmd", "GetFiltertimeRsp");
            out.plain("FilterTime", f64::from(r.u8()?) * 5.0);
        }
        (0x85, Layout::Pulse) => {
            out.text("Cmd", "SetPulseCounterClearModeRsp");
            out.text("Status", status(r.u8()?));
        }
        (0x86, Layout::Pulse) => {
            out.text("Cmd", "GetPulseCounterClearModeRsp");
            let mode = if r.u8()? == 0 { "Clear when send" } else { "Clear when Roll-Over" };
            out.text("PulseCounterClearMode", mode);
        }
        (0x83, Layout::Relay) => {
            out.text("Cmd", "SetSwitchTypeRsp");
            out.text("Status", status(r.u8()?));
        }
        (0x84, Layout::Relay) => {
            out.text("Cmd", "GetSwitchTypeRsp");
            let kind = if r.u8()? == 0 { "Toggle" } else { "Momentary" };
            out.text("SwitchType", kind);
        }
        (0x83, Layout::Occupancy) => {
            out.text("Cmd", "SetIRDisableTimeRsp");
            out.text("Status", status(r.u8()?));
        }
        (0x84, Layout::Occupancy) => {
            out.text("Cmd", "GetIRDisableTimeRsp");
            out.number("IRDisableTime", f64::from(r.u16_be()?), "s");
            out.number("IRDetectionTime", f64::from(r.u16_be()?), "s");
        }
        (0x83, Layout::WideLight) => {
            out.text("Cmd", "SetSunlightSampleRangeRsp");
            out.text("Status", status(r.u8()?));
        }
        (0x84, Layout::WideLight) => {
            out.text("Cmd", "GetSunlightSampleRangeRsp");
            out.plain("RangeSetting", f64::from(r.u8()?));
        }
        (0x83, Layout::Co2Multi) => {
            out.text("Cmd", "CalibrateCO2Rsp");
            out.text("Status", status(r.u8()?));
        }
        (0x84, Layout::Co2Multi) => {
            out.text("Cmd", "SetShockSensorSensitivityRsp");
            out.text("Status", status(r.u8()?));
        }
        (0x85, Layout::Co2Multi) => {
            out.text("Cmd", "GetShockSensorSensitivityRsp");
            out.plain("ShockSensorSensitivity", f64::from(r.u8()?));
        }
        (0x83, Layout::Tvoc) => {
            out.text("Cmd", "ResetTVOCBaseLineRsp");
            out.text("Status", status(r.u8()?));
        }
        (0x83, Layout::SafetyAlarm) => {
            out.text("Cmd", "SetAlarmThresholdRsp");
            out.text("Status", status(r.u8()?));
        }
        (0x84, Layout::SafetyAlarm) => {
            out.text("Cmd", "GetAlarmThresholdRsp");
            out.plain("AlarmThreshold", f64::from(r.u8()?));
        }
        (0x83..=0x8e, Layout::MultiSensor) => multi_command(cmd, r, out)?,
        (0x83, Layout::Distance) => {
            out.text("Cmd", "SetOnDistanceThresholdRsp");
            out.text("Status", status(r.u8()?));
        }
        (0x84, Layout::Distance) => {
            out.text("Cmd", "GetOnDistanceThresholdRsp");
            out.plain("OnDistanceThreshold", f64::from(r.u16_be()?));
        }
        _ => return Err(unknown_command(7, cmd)),
    }
    Ok(())
}

/// The thresholds after `MinTime` / `MaxTime` in a read-configuration response.
fn read_config(dev: Device, layout: Layout, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    match layout {
        Layout::Current | Layout::ThreePhase => {
            out.plain("CurrentChange", f64::from(r.u16_be()?));
            return Ok(());
        }
        Layout::CurrentLight | Layout::ThreePhaseLight => {
            out.plain("CurrentChange", f64::from(r.u16_be()?));
            out.number("IlluminanceChange", f64::from(r.u16_be()?), "lx");
            return Ok(());
        }
        Layout::PowerPlug => {
            out.plain("CurrentChange", f64::from(r.u16_be()?));
            out.plain("PowerChange", f64::from(r.u16_be()?));
            return Ok(());
        }
        Layout::ThreeChannel => {
            out.plain("RawDataChange", f64::from(r.i32_be()?));
            return Ok(());
        }
        Layout::Relay | Layout::Valve | Layout::Station | Layout::Particulate | Layout::Co2Multi => {
            return Ok(());
        }
        _ => {}
    }
    out.number("BatteryChange", f64::from(r.u8()?) / 10.0, "V");
    match layout {
        Layout::TempHumi => {
            out.number("TempChange", f64::from(r.u16_be()?) / 100.0, "Cel");
            out.number("HumiChange", f64::from(r.u16_be()?) / 100.0, "%RH");
        }
        Layout::Temp | Layout::TwoTemp => {
            out.number("TempChange", f64::from(r.u16_be()?) / 10.0, "Cel");
        }
        Layout::Light => {
            let name = if dev.code == device::R311B { "IlluminanceThreshold" } else { "IlluminanceChange" };
            out.number(name, f64::from(r.u16_be()?), "lx");
        }
        Layout::Occupancy => {
            out.number("TempChange", f64::from(r.u16_be()?) / 100.0, "Cel");
            out.number("IlluminanceChange", f64::from(r.u16_be()?), "lx");
        }
        Layout::MultiSensor => {
            out.number("TempChange", f64::from(r.u16_be()?) / 100.0, "Cel");
            out.number("HumiChange", f64::from(r.u8()?) * 0.5, "%RH");
            out.number("IllumChange", f64::from(r.u8()?), "lx");
        }
        Layout::WideLight => out.number("IlluminanceChange", f64::from(r.i32_be()?), "lx"),
        Layout::DiffPressure => {
            out.number("DiffPressureChange", f64::from(r.u16_be()?) / 10.0, "Pa");
            out.number("TempChange", f64::from(r.u16_be()?) / 10.0, "Cel");
        }
        Layout::TempFine => out.number("TempChange", f64::from(r.u16_be()?) / 100.0, "Cel"),
        Layout::Pressure => {
            out.number("TempChange", f64::from(r.u16_be()?) / 100.0, "Cel");
            out.number("AirPressureChange", f64::from(r.u16_be()?) / 10.0, "hPa");
        }
        Layout::FlushTank => out.plain("ReplenishChange", f64::from(r.i32_be()?)),
        Layout::Tvoc => {
            out.plain("TVOC_VOCChange", f64::from(r.u16_be()?));
            out.number("TempChange", f64::from(r.u8()?) / 10.0, "Cel");
            out.number("HumiChange", f64::from(r.u8()?) / 10.0, "%RH");
        }
        Layout::LeakInputs => {
            out.plain("SensorDisableTime", f64::from(r.u16_be()?));
            out.plain("SensorDetectionTime", f64::from(r.u16_be()?));
        }
        _ => {}
    }
    Ok(())
}

/// The R315 commands after the read-configuration response (`83`..`8E`): the odd ones
/// acknowledge a set request with a status byte, the even ones return a setting.
fn multi_command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let name = match cmd {
        0x83 => "SetPIREnableRsp",
        0x84 => "GetPIREnableRsp",
        0x85 => "SetShockSensorSensitivityRsp",
        0x86 => "GetShockSensorSensitivityRsp",
        0x87 => "SetIRDisableTimeRsp",
        0x88 => "GetIRDisableTimeRsp",
        0x89 => "SetAlarmOnTimeRsp",
        0x8a => "GetAlarmOnTimeRsp",
        0x8b => "SetDryContactPointOutTypeRsp",
        0x8c => "GetDryContactPointOutTypeRsp",
        0x8d => "SetRestoreReportRsp",
        _ => "GetRestoreReportRsp",
    };
    out.text("Cmd", name);
    match cmd {
        0x84 => out.plain("PIREnable", f64::from(r.u8()?)),
        0x86 => {
            // `Sensoer` (sic) is the vendor's spelling.
            out.plain("InternalShockSensoerSensitivity", f64::from(r.u8()?));
            out.plain("ExternalShockSensoerSensitivity", f64::from(r.u8()?));
        }
        0x88 => {
            out.number("IRSDisableTime", f64::from(r.u16_be()?), "s");
            out.number("IRSDetectionTime", f64::from(r.u16_be()?), "s");
        }
        0x8a => out.number("AlarmOnTime", f64::from(r.u16_be()?), "s"),
        0x8c => out.plain("DryContactPointOutType", f64::from(r.u8()?)),
        0x8e => out.plain("RestoreReportSet", f64::from(r.u8()?)),
        _ => out.text("Status", status(r.u8()?)),
    }
    Ok(())
}

/// Reads an fPort 13 frame (button press time of [`Layout::Alarm`] devices): `cmd` then one
/// value byte.
pub fn port13(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    match r.u8()? {
        0x81 => {
            out.text("Cmd", "SetButtonPressTimeRsp");
            out.text("Status", status(r.u8()?));
        }
        0x82 => {
            out.text("Cmd", "GetButtonPressTimeRsp");
            out.plain("PressTime", f64::from(r.u8()?));
        }
        other => return Err(unknown_command(13, other)),
    }
    Ok(())
}

/// Reads an fPort 14 frame (global calibration of the temperature-probe devices): `cmd`,
/// sensor type (`1` = `"Temperature"`), zero-based channel, then the command's fields.
pub fn port14(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let cmd = r.u8()?;
    let name = match cmd {
        0x81 => "SetGlobalCalibrateRsp",
        0x82 => "GetGlobalCalibrateRsp",
        0x83 => "ClearGlobalCalibrateRsp",
        other => return Err(unknown_command(14, other)),
    };
    out.text("Cmd", name);
    if cmd == 0x83 {
        out.text("Status", status(r.u8()?));
        return Ok(());
    }
    // The vendor decoder knows one sensor type; another one leaves `SensorType` out.
    if r.u8()? == 0x01 {
        out.text("SensorType", "Temperature");
    }
    out.plain("Channel", f64::from(r.u8()?) + 1.0);
    if cmd == 0x81 {
        out.text("Status", status(r.u8()?));
    } else {
        out.plain("Multiplier", f64::from(r.u16_be()?));
        out.plain("Divisor", f64::from(r.u16_be()?));
        out.plain("DeltValue", f64::from(r.i16_be()?));
    }
    Ok(())
}
