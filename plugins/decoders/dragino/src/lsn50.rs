//! LSN50 v2 sensor nodes and their probe variants: LSN50-V2, LSN50v2-S31, LSN50v2-D20,
//! LSN50v2-D20/D22/D23 and D2x-LB (`vendor/dragino/lsn50-v2.js`, `lsn50v2-s31.js`,
//! `lsn50v2-d20.js`, `lsn50v2-d20-d22-d23.js`, `d2x-lb.js`).
//!
//! All report on fPort 2; the work mode is bits 6-2 of byte 6 (`MOD`). The common part:
//!
//! | bytes | name | value |
//! |---|---|---|
//! | 0-1 | BatV | u16 mV as V |
//! | 2-3 | TempC1 | int16 / 10 °C (LSN50-V2: `NULL` for 0x7FFF) |
//! | 4-5 | ADC_CH0V | u16 mV as V |
//! | 6 | Digital_IStatus (bit 1, `H`/`L`), EXTI_Trigger (bit 0, `TRUE`/`FALSE`), Door_status (bit 7, `CLOSE`/`OPEN`), MOD (bits 6-2) |
//! | 7-10 | by MOD, below |
//!
//! | MOD | Work_mode | bytes 7-10 (and more) |
//! |---|---|---|
//! | 0 | `IIC` | Illum u16 lux when bytes 9-10 are 0, else TempC_SHT int16 / 10 °C, Hum_SHT u16 / 10 %RH |
//! | 1 | `Distance` (S31/D20: ` Distance`) | Distance_cm u16 / 10, Distance_signal_strength u16 (absent if 0xFFFF) |
//! | 2 | `3ADC+IIC` (S31/D20: ` 3ADC`) | bytes 0-5 are ADC_CH0V, ADC_CH1V, ADC_CH4V; BatV is byte 11 / 10; 7-10 as MOD 0 |
//! | 3 | `3DS18B20` | TempC2 (7-8), TempC3 (9-10), int16 / 10 °C |
//! | 4 | `Weight` | LSN50-V2: int32 of bytes 9,10,7,8; S31/D20: int16 of 7-8 |
//! | 5 | `1Count` (S31/D20: `Count`) | Count u32 (S31/D20: int32) |
//! | 6 | `3Interrupt` (LSN50-V2) | EXTI1..3_Trigger / _Status from bytes 6, 7, 8 |
//! | 7 | `3ADC+1DS18B20` (LSN50-V2) | ADC_CH1V (7-8), ADC_CH4V (9-10) |
//! | 8 | `3DS18B20+2Count` (LSN50-V2) | TempC2 (4-5), TempC3 (7-8), Count1 (9-12), Count2 (13-16) |
//! | 31 | `ALARM` (S31/D20) | TempC1MIN, TempC1MAX (bytes 4, 5), SHTEMPMIN, SHTEMPMAX (7, 8, int8), SHTHUMMIN, SHTHUMMAX (9, 10) |
//!
//! The LSN50-V2 also answers fPort 5, the device status
//! ([`crate::common::device_status_v1`]). Its vendor decoder cannot reach its own MOD 2 branch
//! (the outer test excludes MOD 2) and answers nothing there; we decode MOD 2 as that branch
//! describes. MOD 31 is an error on the LSN50-V2, as in its decoder.
//!
//! The S31 / D20 decoder needs an 11- or 12-byte frame. The D20/D22/D23 probes (MOD 3, exactly
//! 11 bytes) report Work_mode `DS18B20`, BatV, ALARM_status (byte 6 bit 0), three probe
//! temperatures (bytes 2-3, 7-8, 9-10, / 10 °C, 0xFFFF = `NULL`; the third is read unsigned, as
//! the vendor decoders do): Temp_Red, Temp_White, Temp_Black for `lsn50v2-d20-d22-d23`,
//! Temp_C1, Temp_C2, Temp_C3 for `d2x-lb`; MOD 31 gives Work_mode `ALARM` and Temp_Red_MIN /
//! _MAX, Temp_White_MIN / _MAX, Temp_Black_MIN / _MAX (int8 of bytes 4, 5, 7, 8, 9, 10). In
//! another mode `lsn50v2-d20-d22-d23` decodes as the S31 (its vendor example is such a frame)
//! and `d2x-lb` is an error. The D2x-LB also answers fPort 5
//! ([`crate::common::device_status_v2`], sensor code 0x19 `D20-LB`).

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Bytes, device_status_v1, device_status_v2};

/// The models of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// LSN50-V2 (generic decoder).
    Lsn50v2,
    /// LSN50v2-S31 and LSN50v2-D20 (shared decoder).
    S31,
    /// LSN50v2 with D20/D22/D23 probes.
    D2x,
    /// D2x-LB (D20-LB, D22-LB, D23-LB).
    D2xLb,
}

/// Model ids of the family.
pub const MODELS: &[&str] = &["lsn50-v2", "lsn50v2-s31", "lsn50v2-d20", "lsn50v2-d20-d22-d23", "d2x-lb"];

impl Model {
    /// The model of a lower-case TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "lsn50-v2" => Self::Lsn50v2,
            "lsn50v2-s31" | "lsn50v2-d20" => Self::S31,
            "lsn50v2-d20-d22-d23" => Self::D2x,
            "d2x-lb" => Self::D2xLb,
            _ => return None,
        })
    }
}

/// Decodes a frame of `model` received on `port`.
pub fn decode(model: Model, port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match (model, port) {
        (Model::Lsn50v2, 2) => lsn50v2(b, out),
        (Model::Lsn50v2, 5) => device_status_v1(b, out),
        (Model::S31, 2) => s31(b, out),
        (Model::D2x | Model::D2xLb, 2) => probes(model, b, out),
        (Model::D2xLb, 5) => device_status_v2(b, out, (0x19, "D20-LB")),
        _ => Err(DecodeError::UnknownPort(port)),
    }
}

/// Work mode, bits 6-2 of byte 6.
fn mode(b: &Bytes) -> Result<u8, DecodeError> {
    Ok((b.u8(6)? & 0x7c) >> 2)
}

fn on_off(byte: u8, mask: u8, set: &'static str, clear: &'static str) -> &'static str {
    if byte & mask != 0 { set } else { clear }
}

/// A temperature int16 / 10 at `i`, or `NULL` when the two bytes are one of `nulls`.
fn temp_or_null(
    out: &mut Readings,
    name: &str,
    b: &Bytes,
    i: usize,
    nulls: &[u16],
) -> Result<(), DecodeError> {
    if nulls.contains(&b.u16_be(i)?) {
        out.text(name, "NULL");
    } else {
        out.number(name, f64::from(b.i16_be(i)?) / 10.0, "Cel");
    }
    Ok(())
}

/// LSN50-V2 MOD 0 / 2 bytes 7-10: illuminance, or SHT temperature & humidity.
fn iic_lsn50v2(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    if b.u16_be(9)? == 0 {
        out.number("Illum", f64::from(b.u16_be(7)?), "lx");
    } else {
        temp_or_null(out, "TempC_SHT", b, 7, &[0x7fff, 0xffff])?;
        if b.u16_be(9)? == 0xffff {
            out.text("Hum_SHT", "NULL");
        } else {
            out.number("Hum_SHT", f64::from(b.u16_be(9)?) / 10.0, "%RH");
        }
    }
    Ok(())
}

fn lsn50v2(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let mode = mode(b)?;
    if mode == 31 {
        return Err(DecodeError::InvalidField(String::from(
            "work mode 31 (alarm) is not decoded by the LSN50-V2 decoder",
        )));
    }
    b.require(match mode {
        2 => 12,
        8 => 17,
        _ => 11,
    })?;
    let flags = b.u8(6)?;
    out.text("Digital_IStatus", on_off(flags, 0x02, "H", "L"));
    if mode != 2 {
        out.number("BatV", f64::from(b.u16_be(0)?) / 1000.0, "V");
        temp_or_null(out, "TempC1", b, 2, &[0x7fff])?;
        if mode != 8 {
            out.number("ADC_CH0V", f64::from(b.u16_be(4)?) / 1000.0, "V");
        }
    }
    if mode != 5 && mode != 6 {
        out.text("EXTI_Trigger", on_off(flags, 0x01, "TRUE", "FALSE"));
        out.text("Door_status", on_off(flags, 0x80, "CLOSE", "OPEN"));
    }
    match mode {
        0 => {
            out.text("Work_mode", "IIC");
            iic_lsn50v2(b, out)?;
        }
        1 => {
            out.text("Work_mode", "Distance");
            let distance = b.u16_be(7)?;
            if distance == 0 {
                out.text("Distance_cm", "NULL");
            } else {
                out.number("Distance_cm", f64::from(distance) / 10.0, "cm");
            }
            let strength = b.u16_be(9)?;
            if strength != 0xffff {
                out.plain("Distance_signal_strength", f64::from(strength));
            }
        }
        2 => {
            out.text("Work_mode", "3ADC+IIC");
            out.number("BatV", f64::from(b.u8(11)?) / 10.0, "V");
            out.number("ADC_CH0V", f64::from(b.u16_be(0)?) / 1000.0, "V");
            out.number("ADC_CH1V", f64::from(b.u16_be(2)?) / 1000.0, "V");
            out.number("ADC_CH4V", f64::from(b.u16_be(4)?) / 1000.0, "V");
            iic_lsn50v2(b, out)?;
        }
        3 => {
            out.text("Work_mode", "3DS18B20");
            temp_or_null(out, "TempC2", b, 7, &[0x7fff])?;
            temp_or_null(out, "TempC3", b, 9, &[0x7fff])?;
        }
        4 => {
            out.text("Work_mode", "Weight");
            let word = [b.u8(9)?, b.u8(10)?, b.u8(7)?, b.u8(8)?];
            out.plain("Weight", f64::from(i32::from_be_bytes(word)));
        }
        5 => {
            out.text("Work_mode", "1Count");
            out.number("Count", f64::from(b.u32_be(7)?), "count");
        }
        6 => {
            out.text("Work_mode", "3Interrupt");
            let (e2, e3) = (b.u8(7)?, b.u8(8)?);
            out.text("EXTI1_Trigger", on_off(flags, 0x01, "TRUE", "FALSE"));
            out.text("EXTI1_Status", on_off(flags, 0x80, "CLOSE", "OPEN"));
            out.text("EXTI2_Trigger", on_off(e2, 0x10, "TRUE", "FALSE"));
            out.text("EXTI2_Status", on_off(e2, 0x01, "CLOSE", "OPEN"));
            out.text("EXTI3_Trigger", on_off(e3, 0x10, "TRUE", "FALSE"));
            out.text("EXTI3_Status", on_off(e3, 0x01, "CLOSE", "OPEN"));
        }
        7 => {
            out.text("Work_mode", "3ADC+1DS18B20");
            out.number("ADC_CH1V", f64::from(b.u16_be(7)?) / 1000.0, "V");
            out.number("ADC_CH4V", f64::from(b.u16_be(9)?) / 1000.0, "V");
        }
        8 => {
            out.text("Work_mode", "3DS18B20+2Count");
            temp_or_null(out, "TempC2", b, 4, &[0x7fff])?;
            temp_or_null(out, "TempC3", b, 7, &[0x7fff])?;
            out.number("Count1", f64::from(b.u32_be(9)?), "count");
            out.number("Count2", f64::from(b.u32_be(13)?), "count");
        }
        _ => {}
    }
    Ok(())
}

/// S31 / D20 MOD 0 / 2 bytes 7-10: illuminance (signed), or SHT temperature & humidity.
fn iic_s31(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    if b.u16_be(9)? == 0 {
        out.number("Illum", f64::from(b.i16_be(7)?), "lx");
    } else {
        out.number("TempC_SHT", f64::from(b.i16_be(7)?) / 10.0, "Cel");
        out.number("Hum_SHT", f64::from(b.u16_be(9)?) / 10.0, "%RH");
    }
    Ok(())
}

fn s31(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let mode = mode(b)?;
    b.require(if mode == 2 { 12 } else { 11 })?;
    if b.len() > 12 {
        return Err(DecodeError::InvalidField(format!(
            "payload length {} (this report is 11 or 12 bytes)",
            b.len()
        )));
    }
    let flags = b.u8(6)?;
    if mode != 2 && mode != 31 {
        out.number("BatV", f64::from(b.u16_be(0)?) / 1000.0, "V");
        out.number("TempC1", f64::from(b.i16_be(2)?) / 10.0, "Cel");
        out.number("ADC_CH0V", f64::from(b.u16_be(4)?) / 1000.0, "V");
        out.text("Digital_IStatus", on_off(flags, 0x02, "H", "L"));
        if mode != 6 {
            out.text("EXTI_Trigger", on_off(flags, 0x01, "TRUE", "FALSE"));
            out.text("Door_status", on_off(flags, 0x80, "CLOSE", "OPEN"));
        }
    }
    match mode {
        0 => {
            out.text("Work_mode", "IIC");
            iic_s31(b, out)?;
        }
        1 => {
            out.text("Work_mode", " Distance");
            out.number("Distance_cm", f64::from(b.u16_be(7)?) / 10.0, "cm");
            let strength = b.u16_be(9)?;
            if strength != 0xffff {
                out.plain("Distance_signal_strength", f64::from(strength));
            }
        }
        2 => {
            out.text("Work_mode", " 3ADC");
            out.number("BatV", f64::from(b.u8(11)?) / 10.0, "V");
            out.number("ADC_CH0V", f64::from(b.u16_be(0)?) / 1000.0, "V");
            out.number("ADC_CH1V", f64::from(b.u16_be(2)?) / 1000.0, "V");
            out.number("ADC_CH4V", f64::from(b.u16_be(4)?) / 1000.0, "V");
            out.text("Digital_IStatus", on_off(flags, 0x02, "H", "L"));
            out.text("EXTI_Trigger", on_off(flags, 0x01, "TRUE", "FALSE"));
            out.text("Door_status", on_off(flags, 0x80, "CLOSE", "OPEN"));
            iic_s31(b, out)?;
        }
        3 => {
            out.text("Work_mode", "3DS18B20");
            out.number("TempC2", f64::from(b.i16_be(7)?) / 10.0, "Cel");
            out.number("TempC3", f64::from(b.i16_be(9)?) / 10.0, "Cel");
        }
        4 => {
            out.text("Work_mode", "Weight");
            out.plain("Weight", f64::from(b.i16_be(7)?));
        }
        5 => {
            out.text("Work_mode", "Count");
            out.number("Count", f64::from(b.i32_be(7)?), "count");
        }
        31 => {
            out.text("Work_mode", "ALARM");
            out.number("BatV", f64::from(b.u16_be(0)?) / 1000.0, "V");
            out.number("TempC1", f64::from(b.i16_be(2)?) / 10.0, "Cel");
            out.number("TempC1MIN", f64::from(b.i8(4)?), "Cel");
            out.number("TempC1MAX", f64::from(b.i8(5)?), "Cel");
            out.number("SHTEMPMIN", f64::from(b.i8(7)?), "Cel");
            out.number("SHTEMPMAX", f64::from(b.i8(8)?), "Cel");
            out.number("SHTHUMMIN", f64::from(b.u8(9)?), "%RH");
            out.number("SHTHUMMAX", f64::from(b.u8(10)?), "%RH");
        }
        _ => {}
    }
    Ok(())
}

fn probes(model: Model, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let mode = mode(b)?;
    if mode != 3 && mode != 31 {
        if model == Model::D2x {
            return s31(b, out);
        }
        return Err(DecodeError::InvalidField(format!(
            "work mode {mode} (the D2x-LB reports in mode 3, alarms in mode 31)"
        )));
    }
    b.exactly(11)?;
    let names = match model {
        Model::D2xLb => ["Temp_C1", "Temp_C2", "Temp_C3"],
        _ => ["Temp_Red", "Temp_White", "Temp_Black"],
    };
    if mode == 3 {
        out.text("Work_mode", "DS18B20");
        out.number("BatV", f64::from(b.u16_be(0)?) / 1000.0, "V");
        let alarm = on_off(b.u8(6)?, 0x01, "TRUE", "FALSE");
        out.text("ALARM_status", alarm);
        let [first, second, third] = names;
        temp_or_null(out, first, b, 2, &[0xffff])?;
        temp_or_null(out, second, b, 7, &[0xffff])?;
        let raw = b.u16_be(9)?;
        if raw == 0xffff {
            out.text(third, "NULL");
        } else {
            out.number(third, f64::from(raw) / 10.0, "Cel");
        }
    } else {
        out.text("Work_mode", "ALARM");
        for (name, i) in [
            ("Temp_Red_MIN", 4),
            ("Temp_Red_MAX", 5),
            ("Temp_White_MIN", 7),
            ("Temp_White_MAX", 8),
            ("Temp_Black_MIN", 9),
            ("Temp_Black_MAX", 10),
        ] {
            out.number(name, f64::from(b.i8(i)?), "Cel");
        }
    }
    Ok(())
}
