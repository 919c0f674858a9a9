//! The Kona smart room sensors of the second generation, Base edition (`t000489x-smart-room-base`)
//! and PIR edition (`t00048xx-smart-room-pir`): one table (the vendor's `t00048xx` codec),
//! sensor data on fPort 10.
//!
//! | header | bytes | reading | scale, unit |
//! |---|---|---|---|
//! | `00 FF` | 2 | `battery_voltage` | int16 x 0.01, V |
//! | `01 00` | 1 | `reed_state` (magnetic switch: door or window) | |
//! | `02 00` | 1 | `light_detected` | |
//! | `03 67` | 2 | `ambient_temperature` | int16 x 0.1, °C |
//! | `04 68` | 1 | `relative_humidity` | x 0.5, %RH |
//! | `05 02` | 2 | `impact_magnitude` | x 0.001, g |
//! | `07 71` | 6 | `acceleration.xaxis`, `.yaxis`, `.zaxis` | int16 each x 0.001, g |
//! | `08 04` | 2 | `reed_count` | count |
//! | `09 00` | 1 | `moisture` (leak electrodes) | |
//! | `0A 00` | 1 | `motion_event_state` (PIR) | |
//! | `0B 67` | 2 | `mcu_temperature` | int16 x 0.1, °C |
//! | `0C 00` | 1 | `impact_alarm` | |
//! | `0D 04` | 2 | `motion_event_count` | count |
//! | `0E 00` | 1 | `extconnector_state` | |
//! | `0F 04` | 2 | `extconnector_count` | count |
//! | `10 02` | 1 | `light_intensity` | |
//! | `11 02` | 2 | `extconnector_analog` | x 0.001, V |
//!
//! This generation's decoder neither rounds nor echoes the payload (`raw`, `port`).

use passerelle_pdk::Readings;

use crate::tlv::{Block, Field, Kind::Signed, Kind::Unsigned, count, int, value, walk};
use crate::{DecodeError, Reading};

const fn i16x(name: &'static str, scale: f64, unit: Option<&'static str>) -> Field {
    value(name, 2, Signed, scale, None, unit)
}

/// The fPort 10 blocks.
const DATA: &[Block] = &[
    Block { header: &[0x00, 0xFF], size: 2, fields: &[i16x("battery_voltage", 0.01, Some("V"))] },
    Block { header: &[0x01, 0x00], size: 1, fields: &[int("reed_state", 1)] },
    Block { header: &[0x02, 0x00], size: 1, fields: &[int("light_detected", 1)] },
    Block { header: &[0x03, 0x67], size: 2, fields: &[i16x("ambient_temperature", 0.1, Some("Cel"))] },
    Block {
        header: &[0x04, 0x68],
        size: 1,
        fields: &[value("relative_humidity", 1, Unsigned, 0.5, None, Some("%RH"))],
    },
    Block {
        header: &[0x05, 0x02],
        size: 2,
        fields: &[value("impact_magnitude", 2, Unsigned, 0.001, None, None)],
    },
    Block {
        header: &[0x07, 0x71],
        size: 6,
        fields: &[
            Field {
                name: "acceleration.xaxis",
                hi: 47,
                lo: 32,
                kind: Signed,
                scale: 0.001,
                decimals: None,
                unit: None,
            },
            Field {
                name: "acceleration.yaxis",
                hi: 31,
                lo: 16,
                kind: Signed,
                scale: 0.001,
                decimals: None,
                unit: None,
            },
            Field {
                name: "acceleration.zaxis",
                hi: 15,
                lo: 0,
                kind: Signed,
                scale: 0.001,
                decimals: None,
                unit: None,
            },
        ],
    },
    Block { header: &[0x08, 0x04], size: 2, fields: &[count("reed_count", 2)] },
    Block { header: &[0x09, 0x00], size: 1, fields: &[int("moisture", 1)] },
    Block { header: &[0x0A, 0x00], size: 1, fields: &[int("motion_event_state", 1)] },
    Block { header: &[0x0B, 0x67], size: 2, fields: &[i16x("mcu_temperature", 0.1, Some("Cel"))] },
    Block { header: &[0x0C, 0x00], size: 1, fields: &[int("impact_alarm", 1)] },
    Block { header: &[0x0D, 0x04], size: 2, fields: &[count("motion_event_count", 2)] },
    Block { header: &[0x0E, 0x00], size: 1, fields: &[int("extconnector_state", 1)] },
    Block { header: &[0x0F, 0x04], size: 2, fields: &[count("extconnector_count", 2)] },
    Block { header: &[0x10, 0x02], size: 1, fields: &[int("light_intensity", 1)] },
    Block {
        header: &[0x11, 0x02],
        size: 2,
        fields: &[value("extconnector_analog", 2, Unsigned, 0.001, None, Some("V"))],
    },
];

/// Decodes a Kona (second generation) uplink.
pub fn decode(port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    if port != 10 {
        return Err(DecodeError::UnknownPort(port));
    }
    let mut out = Readings::new();
    walk(&[DATA], payload, &mut out)?;
    Ok(out.into_vec())
}
