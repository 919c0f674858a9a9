//! Smart AC outlets and switches: first generation (`t000589x-ac-outlet-gen1`,
//! `t000589x-ac-switch-gen1`, the vendor's `t000589x` codec) and the second, AURA
//! (`t000662x-aura`) and FLUX (`t000662x-flux`, the `t000662x` codec), which add line frequency,
//! reactive power and the relay state. Sensor data on fPort 10, the read-back of configuration
//! registers on fPort 100 (below), and on the second generation the answer to configuration
//! writes on fPort 101 ([`crate::tlv::write_responses`]; the first generation's decoder has
//! none). Every uplink also gives `port` and `raw`, as the vendor's decoders do.
//!
//! | header | bytes | reading | scale, rounding, unit |
//! |---|---|---|---|
//! | `00 FE` | 8 | `energy_consumption_meter.elapsed_time` (bytes 0-3), `.energy_consumed` (bytes 4-7, int32) | |
//! | `00 00` | 1 | `energy_consumption_meter_status` | |
//! | `00 74` | 2 | `rms_voltage` | x 0.1, 1 decimal, V |
//! | `00 75` | 2 | `rms_current` | x 0.1, 1 decimal, A |
//! | `00 76` | 2 | `line_frequency` (2nd generation) | x 0.1, 1 decimal, Hz |
//! | `00 80` | 2 | `real_power` | int16 x 0.1, 1 decimal, W |
//! | `01 80` | 2 | `apparent_power` | x 0.1, 1 decimal, VA |
//! | `02 80` | 2 | `reactive_power` (2nd generation) | x 0.1, 1 decimal, var |
//! | `00 81` | 1 | `power_factor` | x 0.01, 2 decimals |
//! | `00 01` | 1 | `sensor_state.relay_closed` (2nd generation) | |
//! | `00 93` .. `08 93` (`0A 93` 2nd generation) | 0 | `sensor_state.request_*`, `sensor_state.reset_energy_consumption_meter`: 0 | |
//!
//! The vendor's decoders type `apparent_power` and `reactive_power` `unsinged`, so they give
//! `null` for them; they are read unsigned here, as the other powers are.
//!
//! Register read-back (fPort 100), both generations: a sequence of register address (1 byte)
//! and value.
//!
//! | register | bytes | readings |
//! |---|---|---|
//! | `10` | 2 | `loramac.join_mode` (bit 15) |
//! | `11` | 2 | `loramac.loramac_opts.class` (bits 15-12), `.adr` (3), `.duty_cycle` (2), `.sync_word` (1), `.confirm_mode` (0) |
//! | `12` | 2 | `loramac.loramac_dr_tx.dr_number` (bits 11-8), `.tx_power` (3-0) |
//! | `13` | 5 | `loramac.loramac_rx2.frequency` (bits 39-8, Hz), `.dr_number` (7-0) |
//! | `19`, `1A` | 2 | `loramac.loramac_net_id_msb`, `loramac.loramac_net_id_lsb` |
//! | `20` | 4 | `ticks.core_tick` (seconds per tick) |
//! | `21` | 2 | `ticks.per_battery` |
//! | `71` | 7 | `command_control_register.firmware_version.app_major_version`, `.app_minor_version`, `.app_revision`, `.loramac_major_version`, `.loramac_minor_version`, `.loramac_revision`, `.region` (a byte each) |

use passerelle_pdk::Readings;

use crate::tlv::{Block, Field, Kind::Signed, Kind::Unsigned, flag, int, value, walk, write_responses};
use crate::{DecodeError, Reading, echo};

const fn tenth(name: &'static str, kind: crate::tlv::Kind, unit: &'static str) -> Field {
    value(name, 2, kind, 0.1, Some(1), Some(unit))
}

const METER: &[Field] = &[
    Field {
        name: "energy_consumption_meter.elapsed_time",
        hi: 63,
        lo: 32,
        kind: Unsigned,
        scale: 1.0,
        decimals: None,
        unit: None,
    },
    Field {
        name: "energy_consumption_meter.energy_consumed",
        hi: 31,
        lo: 0,
        kind: Signed,
        scale: 1.0,
        decimals: Some(0),
        unit: None,
    },
];

/// The first generation's fPort 10 blocks.
const GEN1: &[Block] = &[
    Block { header: &[0x00, 0xFE], size: 8, fields: METER },
    Block { header: &[0x00, 0x00], size: 1, fields: &[int("energy_consumption_meter_status", 1)] },
    Block { header: &[0x00, 0x74], size: 2, fields: &[tenth("rms_voltage", Unsigned, "V")] },
    Block { header: &[0x00, 0x75], size: 2, fields: &[tenth("rms_current", Unsigned, "A")] },
    Block { header: &[0x00, 0x80], size: 2, fields: &[tenth("real_power", Signed, "W")] },
    Block { header: &[0x01, 0x80], size: 2, fields: &[tenth("apparent_power", Unsigned, "VA")] },
    Block {
        header: &[0x00, 0x81],
        size: 1,
        fields: &[value("power_factor", 1, Unsigned, 0.01, Some(2), None)],
    },
    Block { header: &[0x00, 0x93], size: 0, fields: &[flag("sensor_state.request_energy_consumption")] },
    Block { header: &[0x01, 0x93], size: 0, fields: &[flag("sensor_state.reset_energy_consumption_meter")] },
    Block {
        header: &[0x02, 0x93],
        size: 0,
        fields: &[flag("sensor_state.request_energy_consumption_meter_status")],
    },
    Block { header: &[0x03, 0x93], size: 0, fields: &[flag("sensor_state.request_voltage")] },
    Block { header: &[0x04, 0x93], size: 0, fields: &[flag("sensor_state.request_current")] },
    Block { header: &[0x05, 0x93], size: 0, fields: &[flag("sensor_state.request_real_power")] },
    Block { header: &[0x06, 0x93], size: 0, fields: &[flag("sensor_state.request_apparent_power")] },
    Block { header: &[0x07, 0x93], size: 0, fields: &[flag("sensor_state.request_power_factor")] },
    Block { header: &[0x08, 0x93], size: 0, fields: &[flag("sensor_state.request_relay_status")] },
];

/// What the second generation adds to [`GEN1`].
const GEN2_MORE: &[Block] = &[
    Block { header: &[0x00, 0x76], size: 2, fields: &[tenth("line_frequency", Unsigned, "Hz")] },
    Block { header: &[0x02, 0x80], size: 2, fields: &[tenth("reactive_power", Unsigned, "var")] },
    Block { header: &[0x00, 0x01], size: 1, fields: &[int("sensor_state.relay_closed", 1)] },
    Block { header: &[0x09, 0x93], size: 0, fields: &[flag("sensor_state.request_reactive_power")] },
    Block { header: &[0x0A, 0x93], size: 0, fields: &[flag("sensor_state.request_line_frequency")] },
];

const fn bits(name: &'static str, hi: u8, lo: u8) -> Field {
    Field { name, hi, lo, kind: Unsigned, scale: 1.0, decimals: None, unit: None }
}

const fn version(name: &'static str, byte: u8) -> Field {
    bits(name, 55 - 8 * byte, 48 - 8 * byte)
}

/// The registers the fPort 100 read-back carries (both generations).
const REGISTERS: &[Block] = &[
    Block { header: &[0x10], size: 2, fields: &[bits("loramac.join_mode", 15, 15)] },
    Block {
        header: &[0x11],
        size: 2,
        fields: &[
            bits("loramac.loramac_opts.class", 15, 12),
            bits("loramac.loramac_opts.adr", 3, 3),
            bits("loramac.loramac_opts.duty_cycle", 2, 2),
            bits("loramac.loramac_opts.sync_word", 1, 1),
            bits("loramac.loramac_opts.confirm_mode", 0, 0),
        ],
    },
    Block {
        header: &[0x12],
        size: 2,
        fields: &[
            bits("loramac.loramac_dr_tx.dr_number", 11, 8),
            bits("loramac.loramac_dr_tx.tx_power", 3, 0),
        ],
    },
    Block {
        header: &[0x13],
        size: 5,
        fields: &[
            Field {
                name: "loramac.loramac_rx2.frequency",
                hi: 39,
                lo: 8,
                kind: Unsigned,
                scale: 1.0,
                decimals: None,
                unit: Some("Hz"),
            },
            bits("loramac.loramac_rx2.dr_number", 7, 0),
        ],
    },
    Block { header: &[0x19], size: 2, fields: &[int("loramac.loramac_net_id_msb", 2)] },
    Block { header: &[0x1A], size: 2, fields: &[int("loramac.loramac_net_id_lsb", 2)] },
    Block {
        header: &[0x20],
        size: 4,
        fields: &[value("ticks.core_tick", 4, Unsigned, 1.0, None, Some("s"))],
    },
    Block { header: &[0x21], size: 2, fields: &[int("ticks.per_battery", 2)] },
    Block {
        header: &[0x71],
        size: 7,
        fields: &[
            version("command_control_register.firmware_version.app_major_version", 0),
            version("command_control_register.firmware_version.app_minor_version", 1),
            version("command_control_register.firmware_version.app_revision", 2),
            version("command_control_register.firmware_version.loramac_major_version", 3),
            version("command_control_register.firmware_version.loramac_minor_version", 4),
            version("command_control_register.firmware_version.loramac_revision", 5),
            version("command_control_register.firmware_version.region", 6),
        ],
    },
];

/// Which generation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Generation {
    /// `t000589x`.
    First,
    /// `t000662x` (AURA, FLUX).
    Second,
}

/// Decodes an AC outlet or switch uplink.
pub fn decode(generation: Generation, port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let mut out = Readings::new();
    match (generation, port) {
        (Generation::First, 10) => {
            echo(port, payload, &mut out);
            walk(&[GEN1], payload, &mut out)?;
        }
        (Generation::Second, 10) => {
            echo(port, payload, &mut out);
            walk(&[GEN1, GEN2_MORE], payload, &mut out)?;
        }
        (_, 100) => {
            echo(port, payload, &mut out);
            walk(&[REGISTERS], payload, &mut out)?;
        }
        (Generation::Second, 101) => {
            echo(port, payload, &mut out);
            write_responses(payload, &mut out)?;
        }
        (_, other) => return Err(DecodeError::UnknownPort(other)),
    }
    Ok(out.into_vec())
}
