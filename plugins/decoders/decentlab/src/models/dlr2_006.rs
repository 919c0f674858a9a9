//! DL-DLR2-006, analog or digital sensor device configured for a potentiometer.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 2 | potentiometer_position = ((x0 + 65536 x1) / 8388608 - 1) x 1 |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, adc_ratio, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-dlr2-006"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 2,
        values: &[value("potentiometer_position", "Potentiometer position", None, None, |x| {
            adc_ratio(x) * 1.0
        })],
    },
    BATTERY,
];
