//! DL-DLR2-003, analog or digital sensor device configured as a digital input.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 1 | input = x0 |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-dlr2-003"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] =
    &[Sensor { words: 1, values: &[value("input", "Input", None, None, |x| x.get(0))] }, BATTERY];
