//! DL-DLR2-011, analog or digital sensor device configured as a dual digital input (dry
//! contacts).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 1 | ch0_input = x0 |
//! | 1 | 1 | ch1_input = x0 |
//! | 2 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-dlr2-011"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor { words: 1, values: &[value("ch0_input", "CH0: Input", None, None, |x| x.get(0))] },
    Sensor { words: 1, values: &[value("ch1_input", "CH1: Input", None, None, |x| x.get(0))] },
    BATTERY,
];
