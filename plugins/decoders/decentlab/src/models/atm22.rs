//! DL-ATM22, wind speed, wind direction and temperature sensor (METER ATMOS 22).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 8 | wind_speed = (x0 - 32768) / 100 m⋅s⁻¹, wind_direction = (x1 - 32768) / 10 °, maximum_wind_speed = (x2 - 32768) / 100, air_temperature = (x3 - 32768) / 10 °C, x_orientation_angle, y_orientation_angle = (x4, x5 - 32768) / 10 °, north_wind_speed, east_wind_speed = (x6, x7 - 32768) / 100 |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, Sensor, value};

/// Model ids.
pub const MODELS: &[&str] = &["dl-atm22"];

const SPEED: Option<&str> = Some("m⋅s⁻¹");
const MPS: Option<&str> = Some("m/s");
const ANGLE: Option<&str> = Some("°");
const DEG: Option<&str> = Some("deg");

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[
    Sensor {
        words: 8,
        values: &[
            value("wind_speed", "Wind speed", SPEED, MPS, |x| (x.get(0) - 32768.0) / 100.0),
            value("wind_direction", "Wind direction", ANGLE, DEG, |x| (x.get(1) - 32768.0) / 10.0),
            value("maximum_wind_speed", "Maximum wind speed", SPEED, MPS, |x| (x.get(2) - 32768.0) / 100.0),
            value("air_temperature", "Air temperature", Some("°C"), Some("Cel"), |x| {
                (x.get(3) - 32768.0) / 10.0
            }),
            value("x_orientation_angle", "X orientation angle", ANGLE, DEG, |x| (x.get(4) - 32768.0) / 10.0),
            value("y_orientation_angle", "Y orientation angle", ANGLE, DEG, |x| (x.get(5) - 32768.0) / 10.0),
            value("north_wind_speed", "North wind speed", SPEED, MPS, |x| (x.get(6) - 32768.0) / 100.0),
            value("east_wind_speed", "East wind speed", SPEED, MPS, |x| (x.get(7) - 32768.0) / 100.0),
        ],
    },
    BATTERY,
];
