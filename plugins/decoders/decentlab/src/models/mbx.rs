//! DL-MBX, ultrasonic distance / level sensor (MaxBotix).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 2 | distance = x0 mm, number_of_valid_samples = x1 |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-mbx"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 2,
        values: &[
            value("distance", "Distance", Some("mm"), Some("mm"), |x| x.get(0)),
            value("number_of_valid_samples", "Number of valid samples", None, Some("count"), |x| x.get(1)),
        ],
    },
    BATTERY,
];
