//! DL-SHT35, air temperature and humidity sensor with radiation shield (variants -001, -002).
//!
//! | bit | words | values |
//! |---|---|---|
//! | 0 | 2 | air_temperature = 175 x0 / 65535 - 45 °C, air_humidity = 100 x1 / 65535 % |
//! | 1 | 1 | battery_voltage = x0 / 1000 V |

use crate::protocol::{BATTERY, SHT3X, Sensor};

/// Model ids.
pub const MODELS: &[&str] = &["dl-sht35", "dl-sht35-001", "dl-sht35-002"];

/// Sensor groups, in flag-bit order.
pub const SENSORS: &[Sensor] = &[SHT3X, BATTERY];
