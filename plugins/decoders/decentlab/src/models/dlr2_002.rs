//! DL-DLR2-002, analog or digital sensor device configured as a pulse counter.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 4 | pulse_count = x0, pulse_interval = x1 s, cumulative_pulse_count = x2 + 65536 x3 |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-dlr2-002"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 4,
        values: &[
            value("pulse_count", "Pulse count", None, Some("count"), |x| x.get(0)),
            value("pulse_interval", "Pulse interval", Some("s"), Some("s"), |x| x.get(1)),
            value("cumulative_pulse_count", "Cumulative pulse count", None, Some("count"), |x| x.long(2, 3)),
        ],
    },
    BATTERY,
];
