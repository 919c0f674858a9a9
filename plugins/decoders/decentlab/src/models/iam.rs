//! DL-IAM, indoor ambiance monitor: temperature, humidity, pressure, light, CO2, PIR activity
//! and total VOC.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 1 | battery_voltage = x0 / 1000 V |
//! | 1 | 2 | air_temperature = 175 x0 / 65535 - 45 °C, air_humidity = 100 x1 / 65535 % |
//! | 2 | 1 | barometric_pressure = 2 x0 Pa |
//! | 3 | 2 | ambient_light_visible_infrared = x0, ambient_light_infrared = x1, illuminance = max(x0 - 1.64 x1, 0.59 x0 - 0.86 x1, 0) x 1.5504 lx |
//! | 4 | 3 | co2_concentration = x0 - 32768 ppm, co2_sensor_status = x1, raw_ir_reading = x2 |
//! | 5 | 1 | activity_counter = x0 |
//! | 6 | 1 | total_voc = x0 ppb |

use crate::protocol::{BATTERY, SHT3X, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-iam"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    BATTERY,
    SHT3X,
    Sensor {
        words: 1,
        values: &[value("barometric_pressure", "Barometric pressure", Some("Pa"), Some("Pa"), |x| {
            x.get(0) * 2.0
        })],
    },
    Sensor {
        words: 2,
        values: &[
            value("ambient_light_visible_infrared", "Ambient light (visible + infrared)", None, None, |x| {
                x.get(0)
            }),
            value("ambient_light_infrared", "Ambient light (infrared)", None, None, |x| x.get(1)),
            value("illuminance", "Illuminance", Some("lx"), Some("lx"), |x| {
                let (vis, ir) = (x.get(0), x.get(1));
                (1.0 * vis - 1.64 * ir).max(0.59 * vis - 0.86 * ir).max(0.0) * 1.5504
            }),
        ],
    },
    Sensor {
        words: 3,
        values: &[
            value("co2_concentration", "CO2 concentration", Some("ppm"), Some("ppm"), |x| x.get(0) - 32768.0),
            value("co2_sensor_status", "CO2 sensor status", None, None, |x| x.get(1)),
            value("raw_ir_reading", "Raw IR reading", None, None, |x| x.get(2)),
        ],
    },
    Sensor {
        words: 1,
        values: &[value("activity_counter", "Activity counter", None, Some("count"), |x| x.get(0))],
    },
    Sensor { words: 1, values: &[value("total_voc", "Total VOC", Some("ppb"), Some("ppb"), |x| x.get(0))] },
];
