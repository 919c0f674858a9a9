//! DL-DLR2-010, analog or digital sensor device configured as a dual pulse counter (dry
//! contacts, e.g. two meters' pulse outputs).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 4 | ch0_pulse_count = x0, ch0_pulse_interval = x1 s, ch0_cumulative_pulse_count = x2 + 65536 x3 |
//! | 1 | 4 | ch1_pulse_count, ch1_pulse_interval, ch1_cumulative_pulse_count, as channel 0 |
//! | 2 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-dlr2-010"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 4,
        values: &[
            value("ch0_pulse_count", "CH0: Pulse count", None, Some("count"), |x| x.get(0)),
            value("ch0_pulse_interval", "CH0: Pulse interval", Some("s"), Some("s"), |x| x.get(1)),
            value("ch0_cumulative_pulse_count", "CH0: Cumulative pulse count", None, Some("count"), |x| {
                x.long(2, 3)
            }),
        ],
    },
    Sensor {
        words: 4,
        values: &[
            value("ch1_pulse_count", "CH1: Pulse count", None, Some("count"), |x| x.get(0)),
            value("ch1_pulse_interval", "CH1: Pulse interval", Some("s"), Some("s"), |x| x.get(1)),
            value("ch1_cumulative_pulse_count", "CH1: Cumulative pulse count", None, Some("count"), |x| {
                x.long(2, 3)
            }),
        ],
    },
    BATTERY,
];
