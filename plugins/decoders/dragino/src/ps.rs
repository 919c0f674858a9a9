//! PS-LB pressure and water-level sensor: a 4-20 mA or 0-30 V probe interface
//! (`vendor/dragino/PS-LB.js`).
//!
//! Report, on any port but 5 and 7 (9 bytes):
//!
//! | bytes | name | value |
//! |---|---|---|
//! | 0-1 | Bat_V | u16 mV as V |
//! | 2 | Probe_mod | 0 water depth probe, 1 pressure probe |
//! | 3 | (probe range code) | depth probe: range in m x 16 / 100; pressure probe: range 1-12 |
//! | 4-5 | IDC_intput_mA | u16 / 1000 mA (the vendor's spelling) |
//! | 6-7 | VDC_intput_V | u16 / 1000 V |
//! | 8 | IN1_pin_level (bit 3), IN2_pin_level (bit 2), Exti_pin_level (bit 1): `High`/`Low`; Exti_status (bit 0): `True`/`False` | |
//!
//! From the current, above 4 mA (0 at or below): Probe_mod 0 gives Water_deep_cm =
//! (I - 4) x range x 100 / 16; Probe_mod 1 gives Water_pressure_MPa = (I - 4) x 0.0375, 0.0625,
//! 0.1, 0.15625, 0.625, 2.5, 3.75, -0.00625 for range codes 1-8, (I - 4) x -0.0125 up to 12 mA
//! and (I - 12) x 0.0125 above for code 9, or Water_pressure_kPa = (I - 4) x 0.3125, 3.125,
//! 6.25 for codes 10-12; three decimals. (The vendor decoder reads the current from an
//! undefined variable there and fails; these are the formulas it writes.)
//!
//! fPort 5 is the device status (sensor code 0x16, `AS923_4` known). fPort 7 is a current
//! history: Bat_V then `DATALOG`, `[mA],` per 2-byte value (u16 / 1000, three decimals).

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Bytes, StatusStyle, device_status, fixed, records};

/// Model ids of the family.
pub const MODELS: &[&str] = &["ps-lb"];

fn level(byte: u8, mask: u8) -> &'static str {
    if byte & mask != 0 { "High" } else { "Low" }
}

fn three_decimals(x: f64) -> f64 {
    format!("{x:.3}").parse().unwrap_or(0.0)
}

/// Decodes a PS-LB frame received on `port`.
pub fn decode(port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match port {
        5 => device_status(b, out, (0x16, "PS-LB"), StatusStyle { battery: "BAT", as923_4: true }),
        7 => {
            out.number("Bat_V", f64::from(b.u16_be(0)?) / 1000.0, "V");
            let rest = Bytes::new(b.as_slice().get(2..).unwrap_or_default());
            let text: String = records(&rest, 2)
                .map(|r| r.u16_be(0).map(|v| format!("[{}],", fixed(i64::from(v), 3, 3))))
                .collect::<Result<_, _>>()?;
            if !text.is_empty() {
                out.text_owned("DATALOG", text);
            }
            Ok(())
        }
        _ => report(b, out),
    }
}

fn report(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(9)?;
    let probe = b.u8(2)?;
    let range = b.u8(3)?;
    let current = f64::from(b.u16_be(4)?) / 1000.0;
    let pins = b.u8(8)?;
    out.number("Bat_V", f64::from(b.u16_be(0)?) / 1000.0, "V");
    out.plain("Probe_mod", f64::from(probe));
    out.number("IDC_intput_mA", current, "mA");
    out.number("VDC_intput_V", f64::from(b.u16_be(6)?) / 1000.0, "V");
    out.text("IN1_pin_level", level(pins, 0x08));
    out.text("IN2_pin_level", level(pins, 0x04));
    out.text("Exti_pin_level", level(pins, 0x02));
    out.text("Exti_status", if pins & 0x01 != 0 { "True" } else { "False" });
    let above = current - 4.0;
    match probe {
        0 => {
            let depth =
                if current <= 4.0 { 0.0 } else { three_decimals(above * (f64::from(range) * 100.0 / 16.0)) };
            out.number("Water_deep_cm", depth, "cm");
        }
        1 => {
            let mpa = |factor: f64| if current <= 4.0 { 0.0 } else { three_decimals(above * factor) };
            let kpa = |factor: f64| if current <= 4.0 { 0.0 } else { three_decimals(above * factor) };
            match range {
                1 => out.number("Water_pressure_MPa", mpa(0.0375), "MPa"),
                2 => out.number("Water_pressure_MPa", mpa(0.0625), "MPa"),
                3 => out.number("Water_pressure_MPa", mpa(0.1), "MPa"),
                4 => out.number("Water_pressure_MPa", mpa(0.156_25), "MPa"),
                5 => out.number("Water_pressure_MPa", mpa(0.625), "MPa"),
                6 => out.number("Water_pressure_MPa", mpa(2.5), "MPa"),
                7 => out.number("Water_pressure_MPa", mpa(3.75), "MPa"),
                8 => out.number("Water_pressure_MPa", mpa(-0.006_25), "MPa"),
                9 => {
                    let value = if current <= 4.0 {
                        0.0
                    } else if current <= 12.0 {
                        three_decimals(above * -0.0125)
                    } else {
                        three_decimals((current - 12.0) * 0.0125)
                    };
                    out.number("Water_pressure_MPa", value, "MPa");
                }
                10 => out.number("Water_pressure_kPa", kpa(0.3125), "kPa"),
                11 => out.number("Water_pressure_kPa", kpa(3.125), "kPa"),
                12 => out.number("Water_pressure_kPa", kpa(6.25), "kPa"),
                _ => {}
            }
        }
        _ => {}
    }
    Ok(())
}
