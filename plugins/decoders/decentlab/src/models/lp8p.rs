//! DL-LP8P, CO2, temperature, humidity and barometric pressure sensor (Senseair LP8).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 2 | air_temperature = 175.72 x0 / 65536 - 46.85 °C, air_humidity = 125 x1 / 65536 - 6 % |
//! | 1 | 2 | barometer_temperature = (x0 - 5000) / 100 °C, barometric_pressure = 2 x1 Pa |
//! | 2 | 8 | co2_concentration = x0 - 32768 ppm, co2_concentration_lpf = x1 - 32768 ppm, co2_sensor_temperature = (x2 - 32768) / 100 °C, capacitor_voltage_1 = x3 / 1000 V, capacitor_voltage_2 = x4 / 1000 V, co2_sensor_status = x5, raw_ir_reading = x6, raw_ir_reading_lpf = x7 |
//! | 3 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, SHT2X, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-lp8p"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    SHT2X,
    Sensor {
        words: 2,
        values: &[
            value("barometer_temperature", "Barometer temperature", Some("°C"), Some("Cel"), |x| {
                (x.get(0) - 5000.0) / 100.0
            }),
            value("barometric_pressure", "Barometric pressure", Some("Pa"), Some("Pa"), |x| x.get(1) * 2.0),
        ],
    },
    Sensor {
        words: 8,
        values: &[
            value("co2_concentration", "CO2 concentration", Some("ppm"), Some("ppm"), |x| x.get(0) - 32768.0),
            value("co2_concentration_lpf", "CO2 concentration LPF", Some("ppm"), Some("ppm"), |x| {
                x.get(1) - 32768.0
            }),
            value("co2_sensor_temperature", "CO2 sensor temperature", Some("°C"), Some("Cel"), |x| {
                (x.get(2) - 32768.0) / 100.0
            }),
            value("capacitor_voltage_1", "Capacitor voltage 1", Some("V"), Some("V"), |x| x.get(3) / 1000.0),
            value("capacitor_voltage_2", "Capacitor voltage 2", Some("V"), Some("V"), |x| x.get(4) / 1000.0),
            value("co2_sensor_status", "CO2 sensor status", None, None, |x| x.get(5)),
            value("raw_ir_reading", "Raw IR reading", None, None, |x| x.get(6)),
            value("raw_ir_reading_lpf", "Raw IR reading LPF", None, None, |x| x.get(7)),
        ],
    },
    BATTERY,
];
