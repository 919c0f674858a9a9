//! fPort 6: the startup version report (report type `00`) and the periodic / event status
//! reports (any other report type), laid out by the sender's [`Layout`].
//!
//! Every status report opens with the battery byte: voltage in tenths of a volt, bit 7 set
//! when the battery is low. The vendor decoders then write `Volt` as the text
//! `"<volts>(low battery)"` instead of a number, and so does this plugin (R311LA excepted: its
//! decoder never looks at bit 7 and divides the whole byte by ten, and so does R718G's).

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::device::{self, Device, Layout};
use crate::{air, mains, multi};

/// Reads the version report body (after the 3 header bytes): `SWver` (tenths), `HWver` and
/// the 4-byte `Datecode` written as the 8 hex digits of its bytes (`20 20 04 24` ->
/// `"20200424"`).
pub fn version(dev: Device, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    out.text("Device", dev.name);
    out.plain("SWver", f64::from(r.u8()?) / 10.0);
    out.plain("HWver", f64::from(r.u8()?));
    let date: String = r.take(4)?.iter().map(|b| format!("{b:02x}")).collect();
    out.text_owned("Datecode", date);
    Ok(())
}

/// Writes `Volt` from the battery byte: a number of volts, or `"<volts>(low battery)"` when
/// bit 7 flags a low battery.
pub fn volt(byte: u8, out: &mut Readings) {
    if byte & 0x80 != 0 {
        let volts = f64::from(byte & 0x7f) / 10.0;
        out.text_owned("Volt", format!("{volts}(low battery)"));
    } else {
        out.number("Volt", f64::from(byte) / 10.0, "V");
    }
}

/// `0 -> 1, 1 -> 5, 2 -> 10, 3 -> 100`: the packed current-clamp multipliers of R718N3 report
/// type 3.
fn multiplier_code(code: u8) -> f64 {
    match code & 0x03 {
        0 => 1.0,
        1 => 5.0,
        2 => 10.0,
        _ => 100.0,
    }
}

/// `"OFF"` for 0, `"ON"` otherwise.
pub fn on_off(byte: u8) -> &'static str {
    if byte == 0 { "OFF" } else { "ON" }
}

fn leak(byte: u8) -> &'static str {
    if byte == 0 { "NoLeak" } else { "Leak" }
}

/// Reads a status report body (after the 3 header bytes) of `dev`; `report_type` is the
/// third header byte (only R718N3 has more than one status report).
pub fn status(dev: Device, report_type: u8, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    out.text("Device", dev.name);
    match dev.layout {
        Layout::PowerPlug => return mains::plug_status(report_type, r, out),
        Layout::Relay => return mains::relay_status(dev, r, out),
        Layout::Valve => {
            out.text("OnOff", on_off(r.u8()?));
            return Ok(());
        }
        Layout::ThreeChannel if report_type != 0x01 => {
            out.plain("Channel_B", f64::from(r.i32_be()?));
            out.plain("Channel_C", f64::from(r.i32_be()?));
            return Ok(());
        }
        _ => {}
    }
    let battery = r.u8()?;
    if matches!(dev.layout, Layout::Distance | Layout::WideLight) {
        out.number("Volt", f64::from(battery) / 10.0, "V");
    } else {
        volt(battery, out);
    }
    match dev.layout {
        Layout::Contact => out.plain("OnOff", f64::from(r.u8()?)),
        Layout::Status => out.plain("status", f64::from(r.u8()?)),
        Layout::Alarm => {
            let name = if dev.code == device::R312 { "Doorbell" } else { "Alarm" };
            out.plain(name, f64::from(r.u8()?));
        }
        Layout::Distance => {
            out.text("Status", on_off(r.u8()?));
            out.plain("RawSenseData", f64::from(r.u16_be()?));
        }
        Layout::TempHumi => {
            out.number("Temp", f64::from(r.i16_be()?) / 100.0, "Cel");
            out.number("Humi", f64::from(r.u16_be()?) / 100.0, "%RH");
            if let Some(name) = device::temp_humi_extra(dev.code) {
                out.text(name, on_off(r.u8()?));
            }
        }
        Layout::TempFine => out.number("Temp", f64::from(r.i16_be()?) / 100.0, "Cel"),
        Layout::Pressure => {
            // The vendor decoder shifts byte 4 by 32, a no-op in JavaScript: the bytes are
            // OR-ed as `b4 | b5 << 16 | b6 << 8 | b7` (the same as a u32 for any pressure
            // below 167772.15 hPa, where byte 4 is zero).
            let b = r.take(4)?;
            let raw = b
                .iter()
                .zip([0u32, 16, 8, 0])
                .fold(0u32, |acc, (byte, shift)| acc | (u32::from(*byte) << shift));
            out.number("AirPressure", f64::from(raw) / 100.0, "hPa");
            out.number("Temp", f64::from(r.i16_be()?) / 100.0, "Cel");
        }
        Layout::FlushTank => {
            out.number("ReplenishWaterCount", f64::from(r.i32_be()?), "count");
            out.text("FaultAlarm", if r.u8()? == 0 { "Normal" } else { "Fault" });
            out.text("TankLeakAlarm", leak(r.u8()?));
        }
        Layout::Temp => out.number("Temp", f64::from(r.i16_be()?) / 10.0, "Cel"),
        Layout::TwoTemp => {
            out.number("Temp1", f64::from(r.i16_be()?) / 10.0, "Cel");
            out.number("Temp2", f64::from(r.i16_be()?) / 10.0, "Cel");
        }
        Layout::Light => out.number("Illuminance", f64::from(r.u16_be()?), "lx"),
        Layout::Leak => {
            if device::two_probe_leak(dev.code) {
                out.text("WaterLeak_1", leak(r.u8()?));
                out.text("WaterLeak_2", leak(r.u8()?));
            } else {
                out.text("WaterLeak", leak(r.u8()?));
            }
        }
        Layout::LeakInputs => {
            out.text("Status_1", on_off(r.u8()?));
            out.text("Status_2", on_off(r.u8()?));
        }
        Layout::Current => {
            out.plain("Current", f64::from(r.u16_be()?));
            out.plain("Multiplier", f64::from(r.u8()?));
        }
        Layout::CurrentLight => {
            out.plain("Current", f64::from(r.u16_be()?));
            out.plain("Multiplier", f64::from(r.u8()?));
            // The vendor decoder assembles the 4 bytes with `<<`, a signed 32-bit result.
            out.number("Illuminance", f64::from(r.i32_be()?), "lx");
        }
        Layout::Pulse => {
            if dev.code == device::R718H2 {
                out.number("PulseCount1", f64::from(r.u16_be()?), "count");
                out.number("PulseCount2", f64::from(r.u16_be()?), "count");
            } else {
                out.number("PulseCount", f64::from(r.u16_be()?), "count");
            }
        }
        Layout::ThreePhase => three_phase(report_type, r, out)?,
        Layout::Occupancy => {
            out.number("Temp", f64::from(r.i16_be()?) / 100.0, "Cel");
            out.number("Illuminance", f64::from(r.u16_be()?), "lx");
            out.plain("Occupy", f64::from(r.u8()?));
            out.plain("DisassembledAlarm", f64::from(r.u8()?));
        }
        // The vendor decoders assemble the 4 bytes with `<<`, a signed 32-bit result.
        Layout::WorkCount => out.number("WorkCount", f64::from(r.i32_be()?), "count"),
        Layout::WorkDuration => out.plain("WorkDurationTime", f64::from(r.i32_be()?)),
        Layout::TwoStatus => {
            out.plain("status1", f64::from(r.u8()?));
            out.plain("status2", f64::from(r.u8()?));
        }
        Layout::MultiSensor => multi::status(report_type, r, out)?,
        Layout::Station => air::station(report_type, r, out)?,
        Layout::Particulate => air::particulate(r, out)?,
        Layout::Tvoc => air::tvoc(r, out)?,
        Layout::SafetyAlarm => air::alarm_status(dev, r, out)?,
        Layout::Co2Multi => air::co2_multi(report_type, r, out)?,
        Layout::WideLight => out.number("Illuminance", f64::from(r.i32_be()?), "lx"),
        Layout::ThreePhaseLight => match report_type {
            0x01 => {
                for name in ["Current1", "Current2", "Current3"] {
                    out.plain(name, f64::from(r.u16_be()?));
                }
                out.plain("Multiplier1", f64::from(r.u8()?));
            }
            0x02 => {
                out.plain("Multiplier2", f64::from(r.u8()?));
                out.plain("Multiplier3", f64::from(r.u8()?));
                out.number("Illuminance", f64::from(r.i32_be()?), "lx");
            }
            _ => {}
        },
        Layout::ThreeChannel => out.plain("Channel_A", f64::from(r.i32_be()?)),
        Layout::Keys => {
            for name in device::key_names(dev.code) {
                out.plain(name, f64::from(r.u8()?));
            }
        }
        Layout::DiffPressure => {
            out.number("DiffPressure", f64::from(r.i16_be()?) / 10.0, "Pa");
            out.number("Temp", f64::from(r.i16_be()?) / 10.0, "Cel");
        }
        Layout::PowerPlug | Layout::Relay | Layout::Valve | Layout::IrBlaster => {}
    }
    Ok(())
}

/// R718N3 report types: 1 currents + multiplier 1, 2 multipliers 2 and 3, 3 currents + packed
/// multipliers, 4 threshold-alarm bits; any other type carries nothing after the battery.
fn three_phase(report_type: u8, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    match report_type {
        0x01 | 0x03 => {
            out.plain("Current1", f64::from(r.u16_be()?));
            out.plain("Current2", f64::from(r.u16_be()?));
            out.plain("Current3", f64::from(r.u16_be()?));
            let m = r.u8()?;
            if report_type == 0x01 {
                out.plain("Multiplier1", f64::from(m));
            } else {
                out.plain("Multiplier1", multiplier_code(m));
                out.plain("Multiplier2", multiplier_code(m >> 2));
                out.plain("Multiplier3", multiplier_code(m >> 4));
            }
        }
        0x02 => {
            out.plain("Multiplier2", f64::from(r.u8()?));
            out.plain("Multiplier3", f64::from(r.u8()?));
        }
        0x04 => {
            let bits = r.u8()?;
            // `HighCurren2Alarm` (sic) is the vendor's name.
            let names = [
                "LowCurrent1Alarm",
                "HighCurrent1Alarm",
                "LowCurrent2Alarm",
                "HighCurren2Alarm",
                "LowCurrent3Alarm",
                "HighCurrent3Alarm",
            ];
            for (bit, name) in names.iter().enumerate() {
                out.plain(name, f64::from((bits >> bit) & 1));
            }
        }
        _ => {}
    }
    Ok(())
}
