//! DL-DLR2-004, analog or digital sensor device configured for a 4-20 mA current loop, with the
//! shunt of the vendor's published decoder (`dl-dlr2-004-10`: R = 10 Ω).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 1 | current = 3 (x0 - 32768) / 32768 / 2 / R x 1000 mA |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-dlr2-004", "dl-dlr2-004-10"];

const R: f64 = 10.0;

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 1,
        values: &[value("current", "Current", Some("mA"), Some("mA"), |x| {
            3.0 * (x.get(0) - 32768.0) / 32768.0 / 2.0 / R * 1000.0
        })],
    },
    BATTERY,
];
