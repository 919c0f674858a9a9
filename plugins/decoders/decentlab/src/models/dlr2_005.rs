//! DL-DLR2-005, analog or digital sensor device configured for a ±3 V voltage input.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 2 | voltage = 3 ((x0 + 65536 x1) / 8388608 - 1) V |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, adc_ratio, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-dlr2-005"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor { words: 2, values: &[value("voltage", "Voltage", Some("V"), Some("V"), |x| 3.0 * adc_ratio(x))] },
    BATTERY,
];
