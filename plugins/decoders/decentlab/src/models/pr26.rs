//! DL-PR26, pressure / liquid level and temperature sensor (Keller PR-26), with the pressure
//! range of the vendor's published decoder (`dl-pr26-0-1`: Pmin 0 bar, Pmax 1 bar).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 2 | pressure = (x0 - 16384) / 32768 x (Pmax - Pmin) + Pmin bar, temperature = (x1 - 384) x 0.003125 - 50 °C |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-pr26", "dl-pr26-0-1"];

const P_MIN: f64 = 0.0;
const P_MAX: f64 = 1.0;

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 2,
        values: &[
            value("pressure", "Pressure", Some("bar"), Some("bar"), |x| {
                (x.get(0) - 16384.0) / 32768.0 * (P_MAX - P_MIN) + P_MIN
            }),
            value("temperature", "Temperature", Some("°C"), Some("Cel"), |x| {
                (x.get(1) - 384.0) * 0.003125 - 50.0
            }),
        ],
    },
    BATTERY,
];
