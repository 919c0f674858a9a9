//! DL-DLR2-009, analog or digital sensor device with an analog PT1000 probe, with the
//! reference resistor of the vendor's published decoder (`dl-dlr2-009-2000`: R = 2000 Ω).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 2 | thermistor_resistance = Rt = v R / (1 - v) Ω, with v = (x0 + 65536 x1) / 8388608 - 1; temperature = -245.18 + 0.23469 Rt + 0.0000104876 Rt² °C |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, Words, adc_ratio, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-dlr2-009", "dl-dlr2-009-2000"];

const R: f64 = 2000.0;

fn resistance(x: &Words) -> f64 {
    let v = adc_ratio(x);
    v * R / (1.0 - v)
}

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 2,
        values: &[
            value("thermistor_resistance", "Thermistor resistance", Some("Ω"), Some("Ohm"), resistance),
            value("temperature", "Temperature", Some("°C"), Some("Cel"), |x| {
                let rt = resistance(x);
                -245.18 + 0.23469 * rt + 0.000_010_487_6 * rt.powi(2)
            }),
        ],
    },
    BATTERY,
];
