//! DL-DLR2-008, analog or digital sensor device with a PT1000 temperature probe, with the
//! reference resistor of the vendor's published decoder (`dl-dlr2-008-2000`: R = 2000 Ω).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 2 | temperature = -244.83 + 2.3419 Rt + 0.0010664 Rt² °C, with v = ((x0 + 65536 x1) / 8388608 - 1) / 2 and Rt = v R / (1 - v) |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, adc_ratio, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-dlr2-008", "dl-dlr2-008-2000"];

const R: f64 = 2000.0;

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 2,
        values: &[value("temperature", "Temperature", Some("°C"), Some("Cel"), |x| {
            let v = adc_ratio(x) / 2.0;
            let rt = v * R / (1.0 - v);
            -244.83 + 2.3419 * rt + 0.001_066_4 * rt.powi(2)
        })],
    },
    BATTERY,
];
