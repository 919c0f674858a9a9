//! UC50x (UC501, UC502), UC300 and UC100 LoRaWAN controllers, used as pulse, GPIO,
//! analogue and Modbus interfaces for meters.
//!
//! UC100 (Modbus converter), per uc100.js: `ff 19` chnN (channel byte + 1, length byte, type
//! byte, value), `ff 15` channel_N_error (true), `ff 0b` power "on", `ff 09`
//! hardware_version (decimal major), `ff 0a` software_version.
//!
//! UC300, per its TTN decoder (uc300.js): `03..06 00` digital_input_1..4 (off/on), `07/08
//! 01` digital_output_1/2, `03..06 c8` pulse_count_1..4 (uint32), `09/0a 67` pt100_1/2
//! (int16 /10 °C), `0b/0c 02` analog_input_adc_1/2 and `0d/0e 02` analog_input_adv_1/2
//! (4 bytes, of which uc300.js reads the low two, /100), `ff 19` modbus_channels (channel
//! byte + 1, type byte, value).
//!
//! UC50x:
//! The TTN codec's examples (`04 01 01` -> gpio_output_2, `ff 0e` -> modbus_chn_19) are the
//! output of the vendor's current UC50x decoder, not of the older uc50x.js beside them, so
//! the channels are read as the current decoder reads them:
//!
//! | channel | reading |
//! |---|---|
//! | `01 75` | battery |
//! | `03/04 00` | gpio_input_N (off/on) |
//! | `03/04 01` | gpio_output_N (off/on) |
//! | `03/04 c8` | gpio_counter_N (uint32) |
//! | `05/06 02` | analog_input_N, _min, _max, _avg (int16 /1000) |
//! | `05/06 e2` | the same as float16; `85/86 e2` with an alarm byte |
//! | `ff 14` | analog_input_N_type (current/voltage) |
//! | `ff 0e` / `80 0e` | modbus_chn_N (channel byte - 6, type byte, value; `80` adds an alarm byte) |
//! | `ff 15` | modbus_chn_N_alarm "read error" |
//! | `08 db` | sdi12_N (36-byte string) |
//! | `20 dc` | history: gpio 1 and 2 (type + uint32 each), analog_input_1/2 (int32 /1000) |
//! | `20 dd` | history: channel mask, then a type byte and a 4-byte value per Modbus channel |

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::channels::{self, Ctx, Handled, field};

/// Model ids of this family.
pub const MODELS: &[&str] = &["uc100", "uc300", "uc50x"];

/// The models of this family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// UC100 Modbus-to-LoRaWAN converter.
    Uc100,
    /// UC300 IoT controller.
    Uc300,
    /// UC50x multi-interface controllers.
    Uc50x,
}

impl Model {
    /// The model for a TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        match id {
            "uc100" => Some(Self::Uc100),
            "uc300" => Some(Self::Uc300),
            "uc50x" => Some(Self::Uc50x),
            _ => None,
        }
    }
}

/// A float16 as the vendor's `readFloat16LE` computes it (finite for every bit pattern).
fn float16(bits: u16) -> f64 {
    let sign = if bits >> 15 == 0 { 1.0 } else { -1.0 };
    let e = i32::from((bits >> 10) & 0x1f);
    let m = if e == 0 { (bits & 0x3ff) << 1 } else { (bits & 0x3ff) | 0x400 };
    sign * f64::from(m) * 2f64.powi(e - 25)
}

/// A float32 as the vendor's `readFloatLE` computes it (finite for every bit pattern).
fn float32(bits: u32) -> f64 {
    let sign = if bits >> 31 == 0 { 1.0 } else { -1.0 };
    let e = i32::try_from((bits >> 23) & 0xff).unwrap_or(0);
    let m = if e == 0 { (bits & 0x7f_ffff) << 1 } else { (bits & 0x7f_ffff) | 0x80_0000 };
    sign * f64::from(m) * 2f64.powi(e - 150)
}

fn on_off(v: u32) -> &'static str {
    match v {
        0 => "off",
        1 => "on",
        _ => "unknown",
    }
}

fn alarm(v: u8) -> &'static str {
    match v {
        1 => "threshold alarm",
        2 => "value change alarm",
        _ => "unknown",
    }
}

/// A Modbus value of type `kind` (bits 0-2 of the type byte).
fn modbus_value(out: &mut Readings, r: &mut Reader, name: &str, kind: u8) -> Result<(), DecodeError> {
    match kind & 0x07 {
        0 | 1 => out.text(name, on_off(u32::from(r.u8()?))),
        2 | 3 => out.plain(name, f64::from(r.u16_le()?)),
        4 | 6 => out.plain(name, f64::from(r.u32_le()?)),
        _ => out.plain(name, float32(r.u32_le()?)),
    }
    Ok(())
}

fn analog(out: &mut Readings, r: &mut Reader, name: &str, half: bool) -> Result<(), DecodeError> {
    for suffix in ["", "_min", "_max", "_avg"] {
        let v = if half { float16(r.u16_le()?) } else { f64::from(r.i16_le()?) / 1000.0 };
        out.plain(&format!("{name}{suffix}"), v);
    }
    Ok(())
}

/// Reads one channel of `model`.
pub fn channel(model: Model, ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    match model {
        Model::Uc300 => return uc300(ctx, id, ty, r),
        Model::Uc100 => return uc100(&mut ctx.out, id, ty, r),
        Model::Uc50x => {}
    }
    let out = &mut ctx.out;
    match (id, ty) {
        (0x01, 0x75) => channels::battery(r, out)?,
        (0x03 | 0x04, 0x00 | 0x01) => {
            let kind = if ty == 0 { "input" } else { "output" };
            let v = r.u8()?;
            out.text(&format!("gpio_{kind}_{}", id - 2), on_off(u32::from(v)));
        }
        (0x03 | 0x04, 0xc8) => {
            out.number(&format!("gpio_counter_{}", id - 2), f64::from(r.u32_le()?), "count")
        }
        (0x05 | 0x06, 0x02 | 0xe2) => analog(out, r, &format!("analog_input_{}", id - 4), ty == 0xe2)?,
        (0x85 | 0x86, 0xe2) => {
            let name = format!("analog_input_{}", id - 0x84);
            analog(out, r, &name, true)?;
            let v = r.u8()?;
            out.text(&format!("{name}_alarm"), alarm(v));
        }
        (0xff, 0x14) => {
            let v = r.u8()?;
            let kind = match v & 0x0f {
                0 => "current",
                1 => "voltage",
                _ => "unknown",
            };
            out.text(&format!("analog_input_{}_type", v >> 4), kind);
        }
        (0xff | 0x80, 0x0e) => {
            let chn = format!("modbus_chn_{}", i32::from(r.u8()?) - 6);
            let kind = r.u8()?;
            modbus_value(out, r, &chn, kind)?;
            if id == 0x80 {
                let v = r.u8()?;
                out.text(&format!("{chn}_alarm"), alarm(v));
            }
        }
        (0xff, 0x15) => {
            let chn = i32::from(r.u8()?) - 6;
            out.text(&format!("modbus_chn_{chn}_alarm"), "read error");
        }
        (0x08, 0xdb) => {
            let n = r.u8()?;
            let text = printable(r.take(36)?);
            out.text_owned(&format!("sdi12_{}", u16::from(n) + 1), text);
        }
        (0x20, 0xdc) => {
            let p = ctx.next_history();
            let t = ctx.history_timestamp(&p, r)?;
            for n in 1..=2 {
                let kind = r.u8()?;
                let v = r.u32_le()?;
                match kind {
                    0 => ctx.out.text(&field(&p, &format!("gpio_input_{n}")), on_off(v)),
                    1 => ctx.out.text(&field(&p, &format!("gpio_output_{n}")), on_off(v)),
                    2 => ctx.out.number(&field(&p, &format!("gpio_counter_{n}")), f64::from(v), "count"),
                    _ => {}
                }
            }
            for n in 1..=2 {
                let v = f64::from(r.i32_le()?) / 1000.0;
                ctx.out.plain(&field(&p, &format!("analog_input_{n}")), v);
            }
            ctx.out.stamp(&p, t);
        }
        (0x20, 0xdd) => {
            let p = ctx.next_history();
            let t = ctx.history_timestamp(&p, r)?;
            let mask = r.u16_le()?;
            for n in 0..16 {
                if (mask >> n) & 0x01 == 0 {
                    continue;
                }
                let kind = r.u8()? & 0x07;
                let bits = r.u32_le()?;
                let v = if matches!(kind, 5 | 7) { float32(bits) } else { f64::from(bits) };
                ctx.out.plain(&field(&p, &format!("modbus_chn_{}", n + 1)), v);
            }
            ctx.out.stamp(&p, t);
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn printable(bytes: &[u8]) -> String {
    bytes.iter().take_while(|&&b| b != 0).map(|&b| char::from(b)).collect()
}

fn uc300(ctx: &mut Ctx, id: u8, ty: u8, r: &mut Reader) -> Handled {
    let out = &mut ctx.out;
    match (id, ty) {
        (0x03..=0x06, 0x00) => {
            let v = r.u8()?;
            out.text(&format!("digital_input_{}", id - 2), if v == 0 { "off" } else { "on" });
        }
        (0x07 | 0x08, 0x01) => {
            let v = r.u8()?;
            out.text(&format!("digital_output_{}", id - 6), if v == 0 { "off" } else { "on" });
        }
        (0x03..=0x06, 0xc8) => {
            out.number(&format!("pulse_count_{}", id - 2), f64::from(r.u32_le()?), "count")
        }
        (0x09 | 0x0a, 0x67) => channels::temperature(r, out, &format!("pt100_{}", id - 8))?,
        (0x0b..=0x0e, 0x02) => {
            let name = match id {
                0x0b => "analog_input_adc_1",
                0x0c => "analog_input_adc_2",
                0x0d => "analog_input_adv_1",
                _ => "analog_input_adv_2",
            };
            let low = r.u16_le()?;
            r.skip(2)?;
            out.plain(name, f64::from(low) / 100.0);
        }
        (0xff, 0x19) => {
            // channel index (+1), type byte (bits 0-2 the value type), value; the vendor
            // decoder writes it as the one element of a modbus_channels array
            let index = u16::from(r.u8()?) + 1;
            let kind = r.u8()? & 0x07;
            out.plain("modbus_channels.0.index", f64::from(index));
            match kind {
                0 => {
                    let v = r.u8()?;
                    out.text("modbus_channels.0.reading", if v == 0 { "off" } else { "on" });
                }
                1 => out.plain("modbus_channels.0.reading", f64::from(r.u8()?)),
                2 | 3 => out.plain("modbus_channels.0.reading", f64::from(r.u16_le()?)),
                4 | 6 => out.plain("modbus_channels.0.reading", f64::from(r.u32_le()?)),
                _ => out.plain("modbus_channels.0.reading", float32(r.u32_le()?)),
            }
        }
        _ => return Ok(false),
    }
    Ok(true)
}

fn uc100(out: &mut Readings, id: u8, ty: u8, r: &mut Reader) -> Handled {
    match (id, ty) {
        (0xff, 0x0b) => {
            r.skip(1)?;
            out.text("power", "on");
        }
        (0xff, 0x09) => {
            let (major, minor) = (r.u8()?, r.u8()?);
            out.text_owned("hardware_version", format!("v{major}.{}", minor >> 4));
        }
        (0xff, 0x0a) => {
            let (major, minor) = (r.u8()?, r.u8()?);
            out.text_owned("software_version", format!("v{major}.{minor}"));
        }
        (0xff, 0x19) => {
            // channel (+1), data length (not needed: the type fixes it), type, value
            let chn = format!("chn{}", u16::from(r.u8()?) + 1);
            r.skip(1)?;
            match r.u8()? {
                0 => {
                    let v = r.u8()?;
                    out.text(&chn, if v == 0 { "off" } else { "on" });
                }
                1 => out.plain(&chn, f64::from(r.u8()?)),
                2 | 3 => out.plain(&chn, f64::from(r.u16_le()?)),
                4 | 6 | 8..=11 => out.plain(&chn, f64::from(r.u32_le()?)),
                5 | 7 => out.plain(&chn, float32(r.u32_le()?)),
                v => return Err(DecodeError::InvalidField(format!("unknown uc100 modbus data type {v}"))),
            }
        }
        (0xff, 0x15) => {
            let chn = u16::from(r.u8()?) + 1;
            out.boolean(&format!("channel_{chn}_error"), true);
        }
        _ => return Ok(false),
    }
    Ok(true)
}
