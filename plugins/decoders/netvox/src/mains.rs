//! Mains-powered devices: the R809A / R816B metering plugs (`r809a.js`) and the R831 relay
//! boxes (`r831.js`). Their reports have no battery byte: the fields start right after the
//! report type.
//!
//! | device | report type | fields |
//! |---|---|---|
//! | R809A, R816B | `01` | `OnOff` (OFF/ON), `Energy` i32, `OverCurrentAlarm`, `DashCurrentAlarm`, `PowerOffAlarm` (No alarm/Alarm) |
//! | R809A, R816B | other | `Vol` u16 V, `Current` u16 mA, `Power` u16 W |
//! | R831A, R831B | any | `MotorStatus` (OFF/ON) |
//! | R831C | any | `Relay_1`..`Relay_3` (OFF/ON) |
//! | R831D | any | `Relay_1`..`Relay_3`, `Input_1`..`Input_3` (OFF/ON) |

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::device::{self, Device};
use crate::report::on_off;

fn alarm(byte: u8) -> &'static str {
    if byte == 0 { "No alarm" } else { "Alarm" }
}

/// Reads an R809A / R816B report body (after the 3 header bytes).
pub fn plug_status(report_type: u8, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    if report_type == 0x01 {
        out.text("OnOff", on_off(r.u8()?));
        // The vendor decoder assembles the 4 bytes with `<<`, a signed 32-bit result.
        out.plain("Energy", f64::from(r.i32_be()?));
        out.text("OverCurrentAlarm", alarm(r.u8()?));
        out.text("DashCurrentAlarm", alarm(r.u8()?));
        out.text("PowerOffAlarm", alarm(r.u8()?));
    } else {
        out.number("Vol", f64::from(r.u16_be()?), "V");
        out.number("Current", f64::from(r.u16_be()?), "mA");
        out.number("Power", f64::from(r.u16_be()?), "W");
    }
    Ok(())
}

/// Reads an R831 report body (after the 3 header bytes).
pub fn relay_status(dev: Device, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    if dev.code != device::R831C && dev.code != device::R831D {
        out.text("MotorStatus", on_off(r.u8()?));
        return Ok(());
    }
    for name in ["Relay_1", "Relay_2", "Relay_3"] {
        out.text(name, on_off(r.u8()?));
    }
    if dev.code == device::R831D {
        for name in ["Input_1", "Input_2", "Input_3"] {
            out.text(name, on_off(r.u8()?));
        }
    }
    Ok(())
}
