//! MClimate 16A Switch & Power Meter (`16aspm`, 12-byte keepalive) and 16A Dry Switch
//! (`16ads`, 3 bytes).
//!
//! | keepalive byte | 16ASPM | 16ADS |
//! |---|---|---|
//! | 0 | `01` keepalive | `01` keepalive |
//! | 1 | internalTemperature: bit 7 sign, bits 6-0 °C | internalTemperature, as the 16ASPM |
//! | 2 | | relayState, `01` = `ON`, else `OFF` |
//! | 2-5 | energy_kWh, uint32 / 1000 | |
//! | 6-7 | power_W, uint16 | |
//! | 8 | acVoltage_V, uint8 | |
//! | 9-10 | acCurrent_mA, uint16 | |
//! | 11 | relayState, `01` = `ON`, else `OFF` | |
//!
//! The TTN repository holds the two codec examples but not the decoders they name
//! (`16aspm.js`, `16ads.js`): reading names and the `ON`/`OFF` state follow the examples, the
//! layout and the command responses ([`command`], one table for both switches, as MClimate's
//! own parser reads them) MClimate's published payload parser. A command response carries a
//! keepalive only when one starts (`01`) where its last bytes would.

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

use crate::common::{self, Handled};

/// Length of the 16ASPM keepalive frame.
pub const SPM_KEEPALIVE_LEN: usize = 12;
/// Length of the 16ADS keepalive frame.
pub const DS_KEEPALIVE_LEN: usize = 3;

fn internal_temperature(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let byte = r.u8()?;
    let magnitude = f64::from(byte & 0x7f);
    out.number("internalTemperature", if byte & 0x80 != 0 { -magnitude } else { magnitude }, "Cel");
    Ok(())
}

fn relay_state(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    out.text("relayState", if r.u8()? == 1 { "ON" } else { "OFF" });
    Ok(())
}

/// Reads a 16ASPM keepalive frame.
pub fn power_meter_keepalive(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let _kind = r.u8()?;
    internal_temperature(r, out)?;
    out.number("energy_kWh", f64::from(r.u32_be()?) / 1000.0, "kWh");
    out.number("power_W", f64::from(r.u16_be()?), "W");
    out.number("acVoltage_V", f64::from(r.u8()?), "V");
    out.number("acCurrent_mA", f64::from(r.u16_be()?), "mA");
    relay_state(r, out)
}

/// Reads a 16ADS keepalive frame.
pub fn dry_switch_keepalive(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let _kind = r.u8()?;
    internal_temperature(r, out)?;
    relay_state(r, out)
}

/// The 16A switches' commands, after the shared ones (`1d` watchDogParams as plain numbers,
/// `a4` region):
///
/// | cmd | name | values |
/// |---|---|---|
/// | `1f` | overheatingThresholds.trigger, .recovery | 2 x uint8 °C |
/// | `21` | overvoltageThresholds.trigger, .recovery | uint16 V, uint8 V |
/// | `23`, `72`, `73` | overcurrentThreshold, overcurrentRecoveryTemp, overpowerRecoveryTemp | uint8 |
/// | `25`, `70`, `71` | overpowerThreshold, overheatingRecoveryTime, overvoltageRecoveryTime | uint16 |
/// | `54`, `5a`, `5c`, `5d`, `5f` | relayStateChangeReason, afterOverheatingProtectionRecovery, ledIndicationMode, manualChangeRelayState, relayRecoveryState | uint8 |
/// | `56`, `58` | relayTimerInMilliseconds.state, .time; relayTimerInSeconds.state, .time | uint8, uint16 |
/// | `60` | overheatingEvents.events, .temperature | 2 x uint8 |
/// | `61`, `62`, `63` | overvoltageEvents.events, .voltage; overcurrentEvents.events, .current; overpowerEvents.events, .power | uint8, uint16 |
/// | `b1` | relayState | `01` = true |
pub fn command(cmd: u8, r: &mut Reader, out: &mut Readings) -> Handled {
    let byte_setting = match cmd {
        0x23 => Some("overcurrentThreshold"),
        0x54 => Some("relayStateChangeReason"),
        0x5a => Some("afterOverheatingProtectionRecovery"),
        0x5c => Some("ledIndicationMode"),
        0x5d => Some("manualChangeRelayState"),
        0x5f => Some("relayRecoveryState"),
        0x72 => Some("overcurrentRecoveryTemp"),
        0x73 => Some("overpowerRecoveryTemp"),
        0xa4 => Some("region"),
        _ => None,
    };
    if let Some(name) = byte_setting {
        out.plain(name, f64::from(r.u8()?));
        return Ok(true);
    }
    let word_setting = match cmd {
        0x25 => Some("overpowerThreshold"),
        0x70 => Some("overheatingRecoveryTime"),
        0x71 => Some("overvoltageRecoveryTime"),
        _ => None,
    };
    if let Some(name) = word_setting {
        out.plain(name, f64::from(r.u16_be()?));
        return Ok(true);
    }
    let event = match cmd {
        0x61 => Some(("overvoltageEvents", "voltage")),
        0x62 => Some(("overcurrentEvents", "current")),
        0x63 => Some(("overpowerEvents", "power")),
        _ => None,
    };
    if let Some((name, value)) = event {
        out.plain(&format!("{name}.events"), f64::from(r.u8()?));
        out.plain(&format!("{name}.{value}"), f64::from(r.u16_be()?));
        return Ok(true);
    }
    match cmd {
        0x1d => common::watchdog_plain(r, out)?,
        0x1f => {
            out.plain("overheatingThresholds.trigger", f64::from(r.u8()?));
            out.plain("overheatingThresholds.recovery", f64::from(r.u8()?));
        }
        0x21 => {
            out.plain("overvoltageThresholds.trigger", f64::from(r.u16_be()?));
            out.plain("overvoltageThresholds.recovery", f64::from(r.u8()?));
        }
        0x56 | 0x58 => {
            let name = if cmd == 0x56 { "relayTimerInMilliseconds" } else { "relayTimerInSeconds" };
            out.plain(&format!("{name}.state"), f64::from(r.u8()?));
            out.plain(&format!("{name}.time"), f64::from(r.u16_be()?));
        }
        0x60 => {
            out.plain("overheatingEvents.events", f64::from(r.u8()?));
            out.plain("overheatingEvents.temperature", f64::from(r.u8()?));
        }
        0xb1 => out.boolean("relayState", r.u8()? == 1),
        other => return common::shared_command(other, r, out),
    }
    Ok(true)
}
