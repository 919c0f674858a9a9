//! LHT65N-VIB vibration, temperature and humidity sensor (`vendor/dragino/lht65n-vib.js`).
//!
//! fPort 2, exactly 11 bytes; byte 2 holds the work mode (bits 4-2), tdc (bit 1, `YES` a
//! periodic uplink / `NO`) and alarm (bit 0, `TRUE`/`FALSE`); bytes 0-1 are `battery` (u16 mV
//! as V):
//!
//! | mode | bytes 3-6 | bytes 7-10 |
//! |---|---|---|
//! | 1 | vib_count (u32) | work_min (u32 minutes) |
//! | 2 | vib_count (u32) | temperature (int16 / 100 °C), humidity (bits 11-0 of u16 / 10 %RH) |
//! | 3 | temperature, humidity | work_min |
//!
//! The 32-bit counts follow the device's format (a big-endian u32); the vendor decoder ORs its
//! bytes each shifted by 8 only, which no device value means. fPort 5 is the device status
//! (sensor code 0x3F, battery as `battery`, `AS923_4` known). fPort 7 is an acceleration
//! history: `battery` then `DATALOG`, `[(x),(y),(z)],` per 6-byte record (3 x int16 / 1000 with
//! three decimals).

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Bytes, StatusStyle, device_status, fixed, records};

/// Model ids of the family.
pub const MODELS: &[&str] = &["lht65n-vib"];

/// Decodes an LHT65N-VIB frame received on `port`.
pub fn decode(port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match port {
        2 => live(b, out),
        5 => device_status(b, out, (0x3f, "LHT65N-VIB"), StatusStyle { battery: "battery", as923_4: true }),
        7 => history(b, out),
        _ => Err(DecodeError::UnknownPort(port)),
    }
}

fn climate(b: &Bytes, at: usize, out: &mut Readings) -> Result<(), DecodeError> {
    out.number("temperature", f64::from(b.i16_be(at)?) / 100.0, "Cel");
    out.number("humidity", f64::from(b.u16_be(at + 2)? & 0x0fff) / 10.0, "%RH");
    Ok(())
}

fn live(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.exactly(11)?;
    let flags = b.u8(2)?;
    out.number("battery", f64::from(b.u16_be(0)?) / 1000.0, "V");
    match (flags >> 2) & 0x07 {
        1 => {
            out.number("vib_count", f64::from(b.u32_be(3)?), "count");
            out.number("work_min", f64::from(b.u32_be(7)?), "min");
        }
        2 => {
            out.number("vib_count", f64::from(b.u32_be(3)?), "count");
            climate(b, 7, out)?;
        }
        3 => {
            climate(b, 3, out)?;
            out.number("work_min", f64::from(b.u32_be(7)?), "min");
        }
        _ => {}
    }
    out.text("alarm", if flags & 0x01 != 0 { "TRUE" } else { "FALSE" });
    out.text("tdc", if flags & 0x02 != 0 { "YES" } else { "NO" });
    Ok(())
}

fn history(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    out.number("battery", f64::from(b.u16_be(0)?) / 1000.0, "V");
    let rest = Bytes::new(b.as_slice().get(2..).unwrap_or_default());
    let mut text = String::new();
    for rec in records(&rest, 6) {
        text.push_str(&format!(
            "[({}),({}),({})],",
            fixed(i64::from(rec.i16_be(0)?), 3, 3),
            fixed(i64::from(rec.i16_be(2)?), 3, 3),
            fixed(i64::from(rec.i16_be(4)?), 3, 3),
        ));
    }
    if !text.is_empty() {
        out.text_owned("DATALOG", text);
    }
    Ok(())
}
