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
//! layout MClimate's published payload reference. Their command responses are the shared ones
//! ([`common::shared_command`]).

use passerelle_pdk::decoder::DecodeError;
use passerelle_pdk::{Reader, Readings};

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
