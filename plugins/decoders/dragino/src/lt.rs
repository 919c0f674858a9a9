//! LT-22222-L and LT-33222-L I/O controllers (`vendor/dragino/lt22222-l.js`, `lt33222-l.js`,
//! one format). fPort 2, exactly 11 bytes; byte 10 holds the hardware type (bits 7-6: 0
//! LT33222, 1 LT22222) and the work mode (bits 5-0); byte 8 the I/O levels.
//!
//! | byte 8 bit | name |
//! |---|---|
//! | 0, 1 | DO1_status, DO2_status (`L` when set, `H` when clear) |
//! | 2 | DO3_status (LT33222 only, `L`/`H`) |
//! | 3, 4 | DI1_status, DI2_status (`H`/`L`, MOD 1) |
//! | 5 | First_status (`Yes`/`No`, MOD 2-4), DI3_status (`H`/`L`, LT33222 when byte 10 is 1) |
//! | 7, 6 | RO1_status, RO2_status (`ON`/`OFF`) |
//!
//! | MOD | Work_mode | bytes 0-7 |
//! |---|---|---|
//! | 1 | `2ACI+2AVI` | AVI1_V, AVI2_V (int16 / 1000 V), ACI1_mA, ACI2_mA (int16 / 1000 mA) |
//! | 2 | `Count mode 1` | Count1_times (int32, 0-3), Count2_times (int32, 4-7) |
//! | 3 | `2ACI+1Count` | Count1_times (0-3), ACI1_mA, ACI2_mA (4-7) |
//! | 4 | `Count mode 2` | Count1_times (0-3), Acount_times (int32, 4-7) |
//! | 5 | ` 1ACI+2AVI+1Count` | AVI1_V, AVI2_V, ACI1_mA, Count1_times (u16, 6-7) |
//! | 6 | `Exit mode` | Mode_status (byte 9), AV/AC L/H flags (byte 0) and statuses (byte 1), DI1/DI2 status & flag (byte 2), `True`/`False` |
//!
//! In MOD 6 the DO / RO statuses are not given; in another mode (0, 7-63) only they are. fPort
//! 5 is the device status ([`crate::common::device_status_v1`]); the vendor decoders compute
//! it on the LT-22222-L but fall through to `unknown FPort`: we give the readings.

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Bytes, device_status_v1};

/// Model ids of the family.
pub const MODELS: &[&str] = &["lt22222-l", "lt33222-l"];

fn pick(byte: u8, mask: u8, set: &'static str, clear: &'static str) -> &'static str {
    if byte & mask != 0 { set } else { clear }
}

fn true_false(byte: u8, mask: u8) -> &'static str {
    pick(byte, mask, "True", "False")
}

/// Decodes an LT-22222-L / LT-33222-L frame received on `port`.
pub fn decode(port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match port {
        2 => report(b, out),
        5 => device_status_v1(b, out),
        _ => Err(DecodeError::UnknownPort(port)),
    }
}

fn report(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.exactly(11)?;
    let mode_byte = b.u8(10)?;
    let hardware = mode_byte >> 6;
    let mode = mode_byte & 0x3f;
    let io = b.u8(8)?;
    if hardware == 0 {
        out.text("Hardware_mode", "LT33222");
        out.text("DO3_status", pick(io, 0x04, "L", "H"));
        if mode_byte == 1 {
            out.text("DI3_status", pick(io, 0x20, "H", "L"));
        }
    } else if hardware == 1 {
        out.text("Hardware_mode", "LT22222");
    }
    if mode != 6 {
        out.text("DO1_status", pick(io, 0x01, "L", "H"));
        out.text("DO2_status", pick(io, 0x02, "L", "H"));
        out.text("RO1_status", pick(io, 0x80, "ON", "OFF"));
        out.text("RO2_status", pick(io, 0x40, "ON", "OFF"));
        if mode != 1 {
            if mode != 5 {
                out.number("Count1_times", f64::from(b.i32_be(0)?), "count");
            }
            out.text("First_status", pick(io, 0x20, "Yes", "No"));
        }
    }
    let volts = |i: usize| -> Result<f64, DecodeError> { Ok(f64::from(b.i16_be(i)?) / 1000.0) };
    match mode {
        1 => {
            out.text("Work_mode", "2ACI+2AVI");
            out.number("AVI1_V", volts(0)?, "V");
            out.number("AVI2_V", volts(2)?, "V");
            out.number("ACI1_mA", volts(4)?, "mA");
            out.number("ACI2_mA", volts(6)?, "mA");
            out.text("DI1_status", pick(io, 0x08, "H", "L"));
            out.text("DI2_status", pick(io, 0x10, "H", "L"));
        }
        2 => {
            out.text("Work_mode", "Count mode 1");
            out.number("Count2_times", f64::from(b.i32_be(4)?), "count");
        }
        3 => {
            out.text("Work_mode", "2ACI+1Count");
            out.number("ACI1_mA", volts(4)?, "mA");
            out.number("ACI2_mA", volts(6)?, "mA");
        }
        4 => {
            out.text("Work_mode", "Count mode 2");
            out.number("Acount_times", f64::from(b.i32_be(4)?), "count");
        }
        5 => {
            out.text("Work_mode", " 1ACI+2AVI+1Count");
            out.number("AVI1_V", volts(0)?, "V");
            out.number("AVI2_V", volts(2)?, "V");
            out.number("ACI1_mA", volts(4)?, "mA");
            out.number("Count1_times", f64::from(b.u16_be(6)?), "count");
        }
        6 => {
            out.text("Work_mode", "Exit mode");
            out.text("Mode_status", true_false(b.u8(9)?, 0xff));
            let (flags, levels, inputs) = (b.u8(0)?, b.u8(1)?, b.u8(2)?);
            for (i, name) in
                ["AV1L", "AV1H", "AV2L", "AV2H", "AC1L", "AC1H", "AC2L", "AC2H"].iter().enumerate()
            {
                let mask = 0x80u8 >> i;
                out.text(&format!("{name}_flag"), true_false(flags, mask));
                out.text(&format!("{name}_status"), true_false(levels, mask));
            }
            out.text("DI2_status", true_false(inputs, 0x08));
            out.text("DI2_flag", true_false(inputs, 0x04));
            out.text("DI1_status", true_false(inputs, 0x02));
            out.text("DI1_flag", true_false(inputs, 0x01));
        }
        _ => {}
    }
    Ok(())
}
