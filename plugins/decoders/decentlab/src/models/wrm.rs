//! DL-WRM, winter road maintenance sensor: air temperature and humidity, surface and head
//! temperatures.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 2 | air_temperature = 175 x0 / 65535 - 45 °C, air_humidity = 100 x1 / 65535 % |
//! | 1 | 2 | surface_temperature = (x0 - 1000) / 10 °C, head_temperature = (x1 - 1000) / 10 °C |
//! | 2 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, SHT3X, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-wrm"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    SHT3X,
    Sensor {
        words: 2,
        values: &[
            value("surface_temperature", "Surface temperature", Some("°C"), Some("Cel"), |x| {
                (x.get(0) - 1000.0) / 10.0
            }),
            value("head_temperature", "Head temperature", Some("°C"), Some("Cel"), |x| {
                (x.get(1) - 1000.0) / 10.0
            }),
        ],
    },
    BATTERY,
];
