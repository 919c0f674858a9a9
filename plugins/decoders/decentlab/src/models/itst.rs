//! DL-ITST, infrared thermometer / surface temperature sensor.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 2 | temperature_target = (x0 - 1000) / 10 °C, temperature_head = (x1 - 1000) / 10 °C |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-itst"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 2,
        values: &[
            value("temperature_target", "Temperature target", Some("°C"), Some("Cel"), |x| {
                (x.get(0) - 1000.0) / 10.0
            }),
            value("temperature_head", "Temperature head", Some("°C"), Some("Cel"), |x| {
                (x.get(1) - 1000.0) / 10.0
            }),
        ],
    },
    BATTERY,
];
