//! DL-DS18, temperature sensor (Maxim DS18B20 probe).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 1 | temperature = (x0 - 32768) / 16 °C |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-ds18"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 1,
        values: &[value("temperature", "Temperature", Some("°C"), Some("Cel"), |x| {
            (x.get(0) - 32768.0) / 16.0
        })],
    },
    BATTERY,
];
