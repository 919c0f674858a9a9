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
        Layout::CurrentLight => {
            out.plain("CurrentChange", f64::from(r.u16_be()?));
            out.number("IlluminanceChange", f64::from(r.u16_be()?), "lx");
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
        Layout::LeakInputs => {
            out.plain("SensorDisableTime", f64::from(r.u16_be()?));
            out.plain("SensorDetectionTime", f64::from(r.u16_be()?));
        }
        _ => {}
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
