//! The third-generation smart room sensors COMFORT (`t00061xx-comfort`, base) and VIVID
//! (`t00061xx-vivid`, PIR): the vendor's `t00061xx` codec. Sensor data on fPort 10, the answer
//! to configuration writes on fPort 101 ([`crate::tlv::write_responses`]). Every uplink also
//! gives `port` (the fPort, as text) and `raw` (the payload, `[03, 67, 01, 26]`), as the
//! vendor's decoder does.
//!
//! | header | bytes | reading | scale, rounding, unit |
//! |---|---|---|---|
//! | `00 FF` | 2 | `battery_voltage` | int16 x 0.01, 2 decimals, V |
//! | `00 BA` | 2 | `battery_voltage` | x 0.001, 3 decimals, V |
//! | `01 00` | 1 | `reed_state` (door or window contact) | |
//! | `02 00` | 1 | `light_detected` | |
//! | `03 67` | 2 | `ambient_temperature` | int16 x 0.1, 1 decimal, °C |
//! | `04 68` | 1 | `relative_humidity` | x 0.5, 1 decimal, %RH |
//! | `05 02` | 2 | `acceleration_magnitude` | int16 x 0.001, 3 decimals, g |
//! | `07 71` | 6 | `Acceleration.x`, `.y`, `.z` | int16 each x 0.001, 3 decimals, g |
//! | `08 04` | 2 | `reed_count` | count |
//! | `09 00` | 1 | `moisture` (leak electrodes) | |
//! | `0A 00` | 1 | `motion_event_state` (PIR) | |
//! | `0B 67` | 2 | `mcu_temperature` | int16 x 0.1, 1 decimal, °C |
//! | `0C 00` | 1 | `impact_alarm` | |
//! | `0D 04` | 2 | `motion_event_count` | count |
//! | `0E 00` | 1 | `external_connector_state` | |
//! | `0F 04` | 2 | `external_connector_count` | count |
//! | `10 02` | 1 | `light_intensity` | |
//! | `11 02` | 2 | `external_connector_analog_mv` | int16 x 0.001, 3 decimals |

use passerelle_pdk::Readings;

use crate::tlv::{Block, Field, Kind::Signed, Kind::Unsigned, count, int, value, walk, write_responses};
use crate::{DecodeError, Reading, echo};

const fn i16r(name: &'static str, scale: f64, decimals: i32, unit: Option<&'static str>) -> Field {
    value(name, 2, Signed, scale, Some(decimals), unit)
}

const fn axis(name: &'static str, hi: u8) -> Field {
    Field { name, hi, lo: hi - 15, kind: Signed, scale: 0.001, decimals: Some(3), unit: None }
}

/// The fPort 10 blocks.
const DATA: &[Block] = &[
    Block { header: &[0x00, 0xFF], size: 2, fields: &[i16r("battery_voltage", 0.01, 2, Some("V"))] },
    Block {
        header: &[0x00, 0xBA],
        size: 2,
        fields: &[value("battery_voltage", 2, Unsigned, 0.001, Some(3), Some("V"))],
    },
    Block { header: &[0x01, 0x00], size: 1, fields: &[int("reed_state", 1)] },
    Block { header: &[0x02, 0x00], size: 1, fields: &[int("light_detected", 1)] },
    Block { header: &[0x03, 0x67], size: 2, fields: &[i16r("ambient_temperature", 0.1, 1, Some("Cel"))] },
    Block {
        header: &[0x04, 0x68],
        size: 1,
        fields: &[value("relative_humidity", 1, Unsigned, 0.5, Some(1), Some("%RH"))],
    },
    Block { header: &[0x05, 0x02], size: 2, fields: &[i16r("acceleration_magnitude", 0.001, 3, None)] },
    Block {
        header: &[0x07, 0x71],
        size: 6,
        fields: &[axis("Acceleration.x", 47), axis("Acceleration.y", 31), axis("Acceleration.z", 15)],
    },
    Block { header: &[0x08, 0x04], size: 2, fields: &[count("reed_count", 2)] },
    Block { header: &[0x09, 0x00], size: 1, fields: &[int("moisture", 1)] },
    Block { header: &[0x0A, 0x00], size: 1, fields: &[int("motion_event_state", 1)] },
    Block { header: &[0x0B, 0x67], size: 2, fields: &[i16r("mcu_temperature", 0.1, 1, Some("Cel"))] },
    Block { header: &[0x0C, 0x00], size: 1, fields: &[int("impact_alarm", 1)] },
    Block { header: &[0x0D, 0x04], size: 2, fields: &[count("motion_event_count", 2)] },
    Block { header: &[0x0E, 0x00], size: 1, fields: &[int("external_connector_state", 1)] },
    Block { header: &[0x0F, 0x04], size: 2, fields: &[count("external_connector_count", 2)] },
    Block { header: &[0x10, 0x02], size: 1, fields: &[int("light_intensity", 1)] },
    Block { header: &[0x11, 0x02], size: 2, fields: &[i16r("external_connector_analog_mv", 0.001, 3, None)] },
];

/// Decodes a COMFORT or VIVID uplink.
pub fn decode(port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let mut out = Readings::new();
    match port {
        10 => {
            echo(port, payload, &mut out);
            walk(&[DATA], payload, &mut out)?;
        }
        101 => {
            echo(port, payload, &mut out);
            write_responses(payload, &mut out)?;
        }
        other => return Err(DecodeError::UnknownPort(other)),
    }
    Ok(out.into_vec())
}
