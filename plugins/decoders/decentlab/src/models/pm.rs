//! DL-PM, particulate matter, temperature, humidity and barometric pressure sensor.
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 1 | battery_voltage = x0 / 1000 V |
//! | 1 | 10 | pm1_0 / pm2_5 / pm4 / pm10 _mass_concentration = x0..x3 / 10 µg⋅m⁻³, typical_particle_size = x4 nm, pm0_5 / pm1_0 / pm2_5 / pm4 / pm10 _number_concentration = x5..x9 / 10 1⋅cm⁻³ |
//! | 2 | 2 | air_temperature = 175.72 x0 / 65536 - 46.85 °C, air_humidity = 125 x1 / 65536 - 6 % |
//! | 3 | 1 | barometric_pressure = 2 x0 Pa |

use crate::protocol::{BATTERY, SHT2X, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-pm"];

const MASS: Option<&str> = Some("µg⋅m⁻³");
const UGM3: Option<&str> = Some("ug/m3");
const NUMBER: Option<&str> = Some("1⋅cm⁻³");

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    BATTERY,
    Sensor {
        words: 10,
        values: &[
            value("pm1_0_mass_concentration", "PM1.0 mass concentration", MASS, UGM3, |x| x.get(0) / 10.0),
            value("pm2_5_mass_concentration", "PM2.5 mass concentration", MASS, UGM3, |x| x.get(1) / 10.0),
            value("pm4_mass_concentration", "PM4 mass concentration", MASS, UGM3, |x| x.get(2) / 10.0),
            value("pm10_mass_concentration", "PM10 mass concentration", MASS, UGM3, |x| x.get(3) / 10.0),
            value("typical_particle_size", "Typical particle size", Some("nm"), None, |x| x.get(4)),
            value("pm0_5_number_concentration", "PM0.5 number concentration", NUMBER, None, |x| {
                x.get(5) / 10.0
            }),
            value("pm1_0_number_concentration", "PM1.0 number concentration", NUMBER, None, |x| {
                x.get(6) / 10.0
            }),
            value("pm2_5_number_concentration", "PM2.5 number concentration", NUMBER, None, |x| {
                x.get(7) / 10.0
            }),
            value("pm4_number_concentration", "PM4 number concentration", NUMBER, None, |x| x.get(8) / 10.0),
            value("pm10_number_concentration", "PM10 number concentration", NUMBER, None, |x| {
                x.get(9) / 10.0
            }),
        ],
    },
    SHT2X,
    Sensor {
        words: 1,
        values: &[value("barometric_pressure", "Barometric pressure", Some("Pa"), Some("Pa"), |x| {
            x.get(0) * 2.0
        })],
    },
];
