//! DL-BLG, black globe temperature sensor (thermal comfort): a thermistor read through the
//! vendor's 24-bit ADC.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 2 | voltage_ratio = v = ((x0 + 65536 x1) / 8388608 - 1) / 2, thermistor_resistance = R = 1000 / v - 41000 Ω, temperature = 1 / (8.271111e-4 + 2.08802e-4 ln R + 8.0592e-8 ln³ R) - 273.15 °C |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, Words, adc_ratio, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-blg"];

fn ratio(x: &Words) -> f64 {
    adc_ratio(x) / 2.0
}

fn resistance(x: &Words) -> f64 {
    1000.0 / ratio(x) - 41000.0
}

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 2,
        values: &[
            value("voltage_ratio", "Voltage ratio", None, None, ratio),
            value("thermistor_resistance", "Thermistor resistance", Some("Ω"), Some("Ohm"), resistance),
            value("temperature", "Temperature", Some("°C"), Some("Cel"), |x| {
                let ln = resistance(x).ln();
                1.0 / (0.000_827_111_1 + 0.000_208_802 * ln + 0.000_000_080_592 * ln.powi(3)) - 273.15
            }),
        ],
    },
    BATTERY,
];
