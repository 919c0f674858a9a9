//! Answers to configuration downlinks (`ff xx` / `fe xx` channels) shared by the newer
//! Milesight decoders (people counters, occupancy sensors, thermostats).
//!
//! A device echoes a configuration command it applied on channel id `ff` (or `fe`), with
//! the command's type byte and value. The values below have one meaning in every vendor
//! decoder that lists them; a model handles its own types first and hands the rest here.

use passerelle_pdk::decoder::{DecodeError, Value};
use passerelle_pdk::{Reader, Readings};

use crate::channels::{Handled, enable};

/// Reads a one-byte flag echoed by the device and writes `"yes"` (the vendor's
/// `readYesNoStatus(1)`: the byte is not looked at).
pub fn yes(r: &mut Reader, out: &mut Readings, name: &str) -> Result<(), DecodeError> {
    r.skip(1)?;
    out.text(name, "yes");
    Ok(())
}

/// Reads an enable byte: `"disable"` for 0, `"enable"` for 1, `"unknown"` otherwise.
pub fn enable_byte(r: &mut Reader, out: &mut Readings, name: &str) -> Result<(), DecodeError> {
    let v = r.u8()?;
    out.text(name, enable_status(v));
    Ok(())
}

/// The `readEnableStatus` names of a byte.
pub fn enable_status(v: u8) -> &'static str {
    match v {
        0 | 1 => enable(v == 1),
        _ => "unknown",
    }
}

/// The `readTimeZone` name of a UTC offset in minutes (`"UTC+1"`, `"UTC-9:30"`), `"unknown"`
/// for an offset the vendor table does not list.
pub fn time_zone(minutes: i16) -> &'static str {
    match minutes {
        -720 => "UTC-12",
        -660 => "UTC-11",
        -600 => "UTC-10",
        -570 => "UTC-9:30",
        -540 => "UTC-9",
        -480 => "UTC-8",
        -420 => "UTC-7",
        -360 => "UTC-6",
        -300 => "UTC-5",
        -240 => "UTC-4",
        -210 => "UTC-3:30",
        -180 => "UTC-3",
        -120 => "UTC-2",
        -60 => "UTC-1",
        0 => "UTC",
        60 => "UTC+1",
        120 => "UTC+2",
        180 => "UTC+3",
        210 => "UTC+3:30",
        240 => "UTC+4",
        270 => "UTC+4:30",
        300 => "UTC+5",
        330 => "UTC+5:30",
        345 => "UTC+5:45",
        360 => "UTC+6",
        390 => "UTC+6:30",
        420 => "UTC+7",
        480 => "UTC+8",
        540 => "UTC+9",
        570 => "UTC+9:30",
        600 => "UTC+10",
        630 => "UTC+10:30",
        660 => "UTC+11",
        720 => "UTC+12",
        765 => "UTC+12:45",
        780 => "UTC+13",
        840 => "UTC+14",
        _ => "unknown",
    }
}

/// The older `readTimeZone` table (WS203, WT101 `ff 17`): the offset in tenths of an hour,
/// half hours written as 5 (`-95` is UTC-9:30), UTC+5:45 as 57 and UTC+12:45 as 127.
pub fn time_zone_v1(tenths: i16) -> &'static str {
    match tenths {
        57 => time_zone(345),
        127 => time_zone(765),
        v if v % 5 == 0 => v.checked_mul(6).map_or("unknown", time_zone),
        _ => "unknown",
    }
}

/// The responses every decoder that has them reads alike, by type byte:
///
/// | type | value | reading |
/// |---|---|---|
/// | `10` | 1 byte | reboot "yes" |
/// | `35` | 8 bytes | d2d_key (hex) |
/// | `4a` | 1 byte | sync_time "yes" |
/// | `68` | 1 byte | history_enable |
/// | `69` | 1 byte | retransmit_enable |
/// | `6a` | kind + uint16 | retransmit_interval (kind 0) or resend_interval (kind 1), s |
/// | `6d` | 1 byte | stop_transmit "yes" |
/// | `84` | 1 byte | d2d_enable |
/// | `8e` | 1 byte skipped + uint16 | report_interval, s |
/// | `bd` | int16 minutes | time_zone |
///
/// `Ok(false)` for any other type (nothing read).
pub fn common(ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    match ty {
        0x10 => yes(r, out, "reboot")?,
        0x35 => {
            let key: String = r.take(8)?.iter().map(|b| format!("{b:02x}")).collect();
            out.text_owned("d2d_key", key);
        }
        0x4a => yes(r, out, "sync_time")?,
        0x68 => enable_byte(r, out, "history_enable")?,
        0x69 => enable_byte(r, out, "retransmit_enable")?,
        0x6a => {
            let kind = r.u8()?;
            let v = f64::from(r.u16_le()?);
            match kind {
                0 => out.number("retransmit_interval", v, "s"),
                1 => out.number("resend_interval", v, "s"),
                _ => {}
            }
        }
        0x6d => yes(r, out, "stop_transmit")?,
        0x84 => enable_byte(r, out, "d2d_enable")?,
        0x8e => {
            r.skip(1)?;
            out.number("report_interval", f64::from(r.u16_le()?), "s");
        }
        0xbd => {
            let tz = r.i16_le()?;
            out.text("time_zone", time_zone(tz));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// An answer on channel `f8` or `f9` (the newer command set): `read` reads the value of
/// type `ty`; an `f8` answer then carries a result byte. A failed request (result not 0)
/// is reported as `device_response_result.channel_type`, `.result` and `.request.*` (the
/// values read), as the vendor decoders do. `Ok(false)` when `read` does not know `ty`.
pub fn ext(
    id: u8,
    ty: u8,
    r: &mut Reader,
    out: &mut Readings,
    read: impl FnOnce(u8, &mut Reader, &mut Readings) -> Handled,
) -> Handled {
    let mut request = Readings::new();
    if !read(ty, r, &mut request)? {
        return Ok(false);
    }
    let result = if id == 0xf8 { r.u8()? } else { 0 };
    let prefix = if result == 0 {
        String::new()
    } else {
        out.plain("device_response_result.channel_type", f64::from(ty));
        let name = match result {
            1 => "forbidden",
            2 => "invalid parameter",
            _ => "unknown",
        };
        out.text("device_response_result.result", name);
        String::from("device_response_result.request.")
    };
    for reading in request.into_vec() {
        let name = format!("{prefix}{}", reading.name);
        match (reading.value, reading.unit) {
            (Value::Number(v), Some(unit)) => out.number(&name, v, &unit),
            (Value::Number(v), None) => out.plain(&name, v),
            (Value::Text(t), _) => out.text_owned(&name, t),
            (Value::Boolean(b), _) => out.boolean(&name, b),
            // no reader here writes raw bytes
            (Value::Bytes(_), _) => {}
        }
    }
    Ok(true)
}
