//! DL-RHC, high-precision air temperature and humidity sensor with radiation shield.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 4 | sensor_id = x0 + 65536 x1, air_humidity = x2 / 100 %, air_temperature = (x3 - 32768) / 100 °C |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-rhc"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 4,
        values: &[
            value("sensor_id", "Sensor ID", None, None, |x| x.long(0, 1)),
            value("air_humidity", "Air humidity", Some("%"), Some("%RH"), |x| x.get(2) / 100.0),
            value("air_temperature", "Air temperature", Some("°C"), Some("Cel"), |x| {
                (x.get(3) - 32768.0) / 100.0
            }),
        ],
    },
    BATTERY,
];
