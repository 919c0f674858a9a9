//! DL-TRS12, soil moisture, temperature and electrical conductivity sensor (METER TEROS 12).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 3 | dielectric_permittivity = (2.887e-9 r³ - 2.08e-5 r² + 0.05276 r - 43.39)² with r = x0 / 10, volumetric_water_content = r x 0.0003879 - 0.6956 m³⋅m⁻³, soil_temperature = (x1 - 32768) / 10 °C, electrical_conductivity = x2 µS⋅cm⁻¹ |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-trs12"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 3,
        values: &[
            value("dielectric_permittivity", "Dielectric permittivity", None, None, |x| {
                let r = x.get(0) / 10.0;
                (0.000_000_002_887 * r.powi(3) - 0.000_020_8 * r.powi(2) + 0.052_76 * r - 43.39).powi(2)
            }),
            value("volumetric_water_content", "Volumetric water content", Some("m³⋅m⁻³"), None, |x| {
                x.get(0) / 10.0 * 0.000_387_9 - 0.6956
            }),
            value("soil_temperature", "Soil temperature", Some("°C"), Some("Cel"), |x| {
                (x.get(1) - 32768.0) / 10.0
            }),
            value("electrical_conductivity", "Electrical conductivity", Some("µS⋅cm⁻¹"), None, |x| {
                x.get(2)
            }),
        ],
    },
    BATTERY,
];
