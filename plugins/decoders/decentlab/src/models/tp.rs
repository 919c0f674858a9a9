//! DL-TP, temperature profile: 16 temperature levels along a probe.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 16 | temperature_at_level_0 .. temperature_at_level_15 = (x0..x15 - 32768) / 100 °C |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, Value, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-tp"];

const fn level(
    name: &'static str,
    display: &'static str,
    convert: fn(&crate::protocol::Words) -> f64,
) -> Value {
    value(name, display, Some("°C"), Some("Cel"), convert)
}

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 16,
        values: &[
            level("temperature_at_level_0", "Temperature at level 0", |x| (x.get(0) - 32768.0) / 100.0),
            level("temperature_at_level_1", "Temperature at level 1", |x| (x.get(1) - 32768.0) / 100.0),
            level("temperature_at_level_2", "Temperature at level 2", |x| (x.get(2) - 32768.0) / 100.0),
            level("temperature_at_level_3", "Temperature at level 3", |x| (x.get(3) - 32768.0) / 100.0),
            level("temperature_at_level_4", "Temperature at level 4", |x| (x.get(4) - 32768.0) / 100.0),
            level("temperature_at_level_5", "Temperature at level 5", |x| (x.get(5) - 32768.0) / 100.0),
            level("temperature_at_level_6", "Temperature at level 6", |x| (x.get(6) - 32768.0) / 100.0),
            level("temperature_at_level_7", "Temperature at level 7", |x| (x.get(7) - 32768.0) / 100.0),
            level("temperature_at_level_8", "Temperature at level 8", |x| (x.get(8) - 32768.0) / 100.0),
            level("temperature_at_level_9", "Temperature at level 9", |x| (x.get(9) - 32768.0) / 100.0),
            level("temperature_at_level_10", "Temperature at level 10", |x| (x.get(10) - 32768.0) / 100.0),
            level("temperature_at_level_11", "Temperature at level 11", |x| (x.get(11) - 32768.0) / 100.0),
            level("temperature_at_level_12", "Temperature at level 12", |x| (x.get(12) - 32768.0) / 100.0),
            level("temperature_at_level_13", "Temperature at level 13", |x| (x.get(13) - 32768.0) / 100.0),
            level("temperature_at_level_14", "Temperature at level 14", |x| (x.get(14) - 32768.0) / 100.0),
            level("temperature_at_level_15", "Temperature at level 15", |x| (x.get(15) - 32768.0) / 100.0),
        ],
    },
    BATTERY,
];
