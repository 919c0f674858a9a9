//! The BREEZE family of CO2 room sensors: the BREEZE CO2 smart room sensor
//! (`t00078xx-smart-room-sensor-co2`, the vendor's `t00078xx` codec) and the BREEZE-V
//! (`t0007806-breeze-v`, the `t0007806` codec). Same blocks, named differently by each codec.
//! Sensor data on fPort 10, the answer to configuration writes on fPort 101
//! ([`crate::tlv::write_responses`]); the BREEZE-V asks for the time on fPort 20. Every uplink
//! also gives `port` and `raw`, as the vendor's decoders do.
//!
//! | header | bytes | `t00078xx` reading | `t0007806` reading | scale, rounding, unit |
//! |---|---|---|---|---|
//! | `00 BA` | 2 | `battery_voltage` | `battery_voltage` | x 0.001, 3 decimals, V |
//! | `00 D3` | 1 | `remaining_battery_capacity` | `rem_batt_capacity_sensor` | % |
//! | `11 D3` | 1 | `remaining_display_battery_capacity` | `rem_batt_capacity_display` | % (the BLE display's) |
//! | `0B E4` | 2 | `co2_concentration_filtered` | `co2_pressure_compensated` | ppm |
//! | `0E E4` | 2 | `co2_concentration_raw` | `co2_raw` | ppm |
//! | `0C 73` | 2 | `atmospheric_pressure` | `barometric_pressure` | x 0.1, 1 decimal, hPa |
//! | `0A 00` | 1 | `motion_event_state` | `motion_event_state` | (PIR) |
//! | `0D 04` | 2 | `motion_event_count` | `motion_event_count` | count |
//! | `03 67` | 2 | `ambient_temperature` | `temperature` | int16 x 0.1, 1 decimal, °C |
//! | `04 68` | 1 | `relative_humidity` | `relative_humidity` | x 0.5, 1 decimal, %RH |
//!
//! BREEZE-V time requests (fPort 20): `D7 00` + 1 byte `initial_time_rqst_id`, `D7 01` + 1 byte
//! `existing_time_rqst_id`, `85` + 4 bytes `sensor_local_timestamp` (seconds).

use passerelle_pdk::Readings;

use crate::tlv::{Block, Field, Kind::Signed, Kind::Unsigned, count, int, value, walk, write_responses};
use crate::{DecodeError, Reading, echo};

const fn battery(name: &'static str) -> Field {
    value(name, 2, Unsigned, 0.001, Some(3), Some("V"))
}
const fn percent(name: &'static str) -> Field {
    value(name, 1, Unsigned, 1.0, None, Some("%"))
}
const fn ppm(name: &'static str) -> Field {
    value(name, 2, Unsigned, 1.0, None, Some("ppm"))
}
const fn hpa(name: &'static str) -> Field {
    value(name, 2, Unsigned, 0.1, Some(1), Some("hPa"))
}
const fn celsius(name: &'static str) -> Field {
    value(name, 2, Signed, 0.1, Some(1), Some("Cel"))
}
const HUMIDITY: Field = value("relative_humidity", 1, Unsigned, 0.5, Some(1), Some("%RH"));

/// The BREEZE CO2 smart room sensor's fPort 10 blocks.
const CO2: &[Block] = &[
    Block { header: &[0x00, 0xBA], size: 2, fields: &[battery("battery_voltage")] },
    Block { header: &[0x00, 0xD3], size: 1, fields: &[percent("remaining_battery_capacity")] },
    Block { header: &[0x11, 0xD3], size: 1, fields: &[percent("remaining_display_battery_capacity")] },
    Block { header: &[0x0B, 0xE4], size: 2, fields: &[ppm("co2_concentration_filtered")] },
    Block { header: &[0x0E, 0xE4], size: 2, fields: &[ppm("co2_concentration_raw")] },
    Block { header: &[0x0C, 0x73], size: 2, fields: &[hpa("atmospheric_pressure")] },
    Block { header: &[0x0A, 0x00], size: 1, fields: &[int("motion_event_state", 1)] },
    Block { header: &[0x0D, 0x04], size: 2, fields: &[count("motion_event_count", 2)] },
    Block { header: &[0x03, 0x67], size: 2, fields: &[celsius("ambient_temperature")] },
    Block { header: &[0x04, 0x68], size: 1, fields: &[HUMIDITY] },
];

/// The BREEZE-V's fPort 10 blocks.
const BREEZE_V: &[Block] = &[
    Block { header: &[0x00, 0xBA], size: 2, fields: &[battery("battery_voltage")] },
    Block { header: &[0x00, 0xD3], size: 1, fields: &[percent("rem_batt_capacity_sensor")] },
    Block { header: &[0x11, 0xD3], size: 1, fields: &[percent("rem_batt_capacity_display")] },
    Block { header: &[0x0B, 0xE4], size: 2, fields: &[ppm("co2_pressure_compensated")] },
    Block { header: &[0x0E, 0xE4], size: 2, fields: &[ppm("co2_raw")] },
    Block { header: &[0x0C, 0x73], size: 2, fields: &[hpa("barometric_pressure")] },
    Block { header: &[0x0A, 0x00], size: 1, fields: &[int("motion_event_state", 1)] },
    Block { header: &[0x0D, 0x04], size: 2, fields: &[count("motion_event_count", 2)] },
    Block { header: &[0x03, 0x67], size: 2, fields: &[celsius("temperature")] },
    Block { header: &[0x04, 0x68], size: 1, fields: &[HUMIDITY] },
];

/// The BREEZE-V's fPort 20 blocks (time synchronisation).
const TIME: &[Block] = &[
    Block { header: &[0xD7, 0x00], size: 1, fields: &[int("initial_time_rqst_id", 1)] },
    Block { header: &[0xD7, 0x01], size: 1, fields: &[int("existing_time_rqst_id", 1)] },
    Block {
        header: &[0x85],
        size: 4,
        fields: &[value("sensor_local_timestamp", 4, Unsigned, 1.0, None, Some("s"))],
    },
];

/// Which member of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// BREEZE CO2 smart room sensor (`t00078xx-smart-room-sensor-co2`).
    Co2,
    /// BREEZE-V (`t0007806-breeze-v`).
    BreezeV,
}

/// Decodes a BREEZE uplink.
pub fn decode(variant: Variant, port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let table = match (variant, port) {
        (Variant::Co2, 10) => Some(CO2),
        (Variant::BreezeV, 10) => Some(BREEZE_V),
        (Variant::BreezeV, 20) => Some(TIME),
        (_, 101) => None,
        (_, other) => return Err(DecodeError::UnknownPort(other)),
    };
    let mut out = Readings::new();
    echo(port, payload, &mut out);
    match table {
        Some(table) => walk(&[table], payload, &mut out)?,
        None => write_responses(payload, &mut out)?,
    }
    Ok(out.into_vec())
}
