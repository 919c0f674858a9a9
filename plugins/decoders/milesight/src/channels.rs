//! Channel readers shared by the Milesight model tables.
//!
//! A Milesight uplink is a sequence of channels: one channel-id byte, one channel-type byte,
//! then a value whose length the pair fixes. A model table ([`crate::Family::channel`]) reads
//! the channels of its model; [`device_info`] reads the `ff xx` device-information channels
//! that every model sends after joining.
//!
//! Every reader here reads its value through [`Reader`], so a frame cut inside a value gives
//! `DecodeError::TooShort` instead of the `NaN`s the vendor's JavaScript would produce.

use passerelle_pdk::decoder::{DecodeError, Reading};
use passerelle_pdk::{Reader, Readings};

/// What a channel reader returns: `Ok(true)` when it knew the channel and read its value,
/// `Ok(false)` when the channel is not in its table (nothing was read).
pub type Handled = Result<bool, DecodeError>;

/// The readings of one frame being decoded, plus the running index of its history records.
#[derive(Debug, Default)]
pub struct Ctx {
    /// Readings collected so far.
    pub out: Readings,
    history: usize,
    arrays: Vec<(&'static str, usize)>,
}

impl Ctx {
    /// An empty frame state.
    pub fn new() -> Self {
        Self::default()
    }

    /// Name prefix of the next history record (`history.0`, `history.1`, ...), as the vendor
    /// decoder pushes records onto a `history` array.
    pub fn next_history(&mut self) -> String {
        let prefix = format!("history.{}", self.history);
        self.history += 1;
        prefix
    }

    /// The next index of the vendor array `name` (`event.0`, `event.1`, ...): the vendor
    /// decoders push repeated channels onto an array named after the channel.
    pub fn next_index(&mut self, name: &'static str) -> usize {
        if let Some(slot) = self.arrays.iter_mut().find(|(n, _)| *n == name) {
            slot.1 += 1;
            slot.1
        } else {
            self.arrays.push((name, 0));
            0
        }
    }

    /// Reads the 32-bit little-endian Unix timestamp that opens a history record, writes it as
    /// `<prefix>.timestamp` and returns it in milliseconds for [`Readings::stamp`].
    pub fn history_timestamp(&mut self, prefix: &str, r: &mut Reader) -> Result<i64, DecodeError> {
        let ts = r.u32_le()?;
        self.out.number(&format!("{prefix}.timestamp"), f64::from(ts), "s");
        Ok(i64::from(ts) * 1000)
    }

    /// The readings collected.
    pub fn finish(self) -> Vec<Reading> {
        self.out.into_vec()
    }
}

/// `"yes"` for a set flag, `"no"` otherwise (the vendor's `readYesNoStatus`).
pub fn yes_no(flag: bool) -> &'static str {
    if flag { "yes" } else { "no" }
}

/// `"enable"` for a set flag, `"disable"` otherwise (the vendor's `readEnableStatus`).
pub fn enable(flag: bool) -> &'static str {
    if flag { "enable" } else { "disable" }
}

/// The `readConditionType` names of an alarm condition code.
pub fn condition(code: u8) -> &'static str {
    match code {
        0 => "disable",
        1 => "below",
        2 => "above",
        3 => "between",
        4 => "outside",
        _ => "unknown",
    }
}

/// `01 75`: battery level, one byte, percent.
pub fn battery(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    out.number("battery", f64::from(r.u8()?), "%");
    Ok(())
}

/// A signed 16-bit little-endian temperature in tenths of a degree Celsius (`03 67`).
pub fn temperature(r: &mut Reader, out: &mut Readings, name: &str) -> Result<(), DecodeError> {
    out.number(name, f64::from(r.i16_le()?) / 10.0, "Cel");
    Ok(())
}

/// A relative humidity byte in half percent (`04 68`).
pub fn humidity(r: &mut Reader, out: &mut Readings, name: &str) -> Result<(), DecodeError> {
    out.number(name, f64::from(r.u8()?) / 2.0, "%RH");
    Ok(())
}

/// An unsigned 16-bit little-endian value divided by `scale`, with a unit.
pub fn u16_scaled(
    r: &mut Reader,
    out: &mut Readings,
    name: &str,
    scale: f64,
    unit: &str,
) -> Result<(), DecodeError> {
    out.number(name, f64::from(r.u16_le()?) / scale, unit);
    Ok(())
}

/// An unsigned 16-bit little-endian value divided by `scale`, without a unit.
pub fn u16_plain(r: &mut Reader, out: &mut Readings, name: &str, scale: f64) -> Result<(), DecodeError> {
    out.plain(name, f64::from(r.u16_le()?) / scale);
    Ok(())
}

/// A two-state byte: `when_zero` for 0, `otherwise` for any other value (the vendor's
/// `bytes[i] === 0 ? a : b`).
pub fn two_state(
    r: &mut Reader,
    out: &mut Readings,
    name: &str,
    when_zero: &str,
    otherwise: &str,
) -> Result<(), DecodeError> {
    let v = r.u8()?;
    out.text(name, if v == 0 { when_zero } else { otherwise });
    Ok(())
}

/// How a model reports its `ff xx` device-information channels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InfoStyle {
    /// The common set: `ff01` ipso_version, `ff08` sn (6 bytes), `ff09` hardware_version, `ff0a` firmware_version,
    /// `ff0b` device_status (always "on": the device sends it at power-on), `ff0f`
    /// lorawan_class, `ff16` sn, `fffe` reset_event (always "reset"), `ffff` tsl_version.
    Standard,
    /// As [`InfoStyle::Standard`], but `ff0b` device_status is the byte mapped to
    /// "offline"/"online", and there is no `fffe` reset event (AM319L decoder).
    OnlineStatus,
}

/// Reads a device-information channel (`ff xx`), `Ok(false)` for any other channel.
pub fn device_info(style: InfoStyle, id: u8, ty: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    if id != 0xff {
        return Ok(false);
    }
    match ty {
        0x01 => {
            let v = r.u8()?;
            out.text_owned("ipso_version", format!("v{}.{}", v >> 4, v & 0x0f));
        }
        0x09 => {
            let (major, minor) = (r.u8()?, r.u8()?);
            out.text_owned("hardware_version", format!("v{major:x}.{}", minor >> 4));
        }
        0x0a => {
            let (major, minor) = (r.u8()?, r.u8()?);
            out.text_owned("firmware_version", format!("v{major:x}.{minor:x}"));
        }
        0x0b => {
            let v = r.u8()?;
            let status = match style {
                InfoStyle::Standard => "on",
                InfoStyle::OnlineStatus => match v {
                    0 => "offline",
                    1 => "online",
                    _ => "unknown",
                },
            };
            out.text("device_status", status);
        }
        0x0f => {
            let class = match r.u8()? {
                0 => "Class A",
                1 => "Class B",
                2 => "Class C",
                3 => "Class CtoB",
                _ => "unknown",
            };
            out.text("lorawan_class", class);
        }
        0x08 => {
            // the six-byte serial number of the older models (AM104, AM107, WS101, ...)
            let sn: String = r.take(6)?.iter().map(|b| format!("{b:02x}")).collect();
            out.text_owned("sn", sn);
        }
        0x16 => {
            let sn: String = r.take(8)?.iter().map(|b| format!("{b:02x}")).collect();
            out.text_owned("sn", sn);
        }
        0xfe if style == InfoStyle::Standard => {
            r.skip(1)?;
            out.text("reset_event", "reset");
        }
        0xff => {
            let (major, minor) = (r.u8()?, r.u8()?);
            out.text_owned("tsl_version", format!("v{major}.{minor}"));
        }
        _ => return Ok(false),
    }
    Ok(true)
}

/// The error for a channel the model's table does not define.
pub fn unknown_channel(id: u8, ty: u8, offset: usize) -> DecodeError {
    DecodeError::InvalidField(format!("unknown channel 0x{id:02x} 0x{ty:02x} at offset {offset}"))
}

/// A name made of a prefix and a field (`history.0` + `temperature`).
pub fn field(prefix: &str, name: &str) -> String {
    let mut s = prefix.to_string();
    s.push('.');
    s.push_str(name);
    s
}
