//! The MerryIoT sensors: the CD10 CO2 sensor and the L0010 Gasmatic gas tank sensor.
//!
//! The CD10 (`vendor/browan/cd10.js`) reports on port 127:
//!
//! | byte | name | value |
//! |---|---|---|
//! | 0 | status, button, co2threshold, co2calibration | bits 0, 1, 4 and 5 |
//! | 1 | battery | bits 3-0 `v`: (21 + v) / 10 V |
//! | 2-3 | temperature | u16 little-endian / 10, °C |
//! | 4 | humidity | u8, %RH |
//! | 5-6 | co2_ppm | u16 little-endian, ppm |
//!
//! The temperature is read unsigned, as the vendor decoder does.

use passerelle_pdk::{Reader, Readings};

use crate::{DecodeError, bit};

/// The L0010's reports: port 51 carries a 10-byte ADC report or a 9-byte Wi-Fi scan, port
/// 64 a BLE report (11 bytes); every multi-byte number is little-endian, every battery
/// `x / 63.75 x 100` % to 2 decimals.
///
/// | report | byte | field |
/// |---|---|---|
/// | ADC | 0 | bit 0 Reading_Type; bits 3-1 Device_Type; bit 4 ADC_group |
/// | ADC | 1 | battery |
/// | ADC | 2-9 | ADC1, ADC2, ADC4, ADC6, u16 each |
/// | Wi-Fi | 0 | bit 0 Reading_Type; bits 3-1 WiFi_MACs_found; bits 6-4 packet_seq_number |
/// | Wi-Fi | 1-6 | wifi_mac, hex text from byte 6 down to byte 1 |
/// | Wi-Fi | 7, 8 | RSSI, minus the byte (dBm); battery |
/// | BLE | 0 | bit 0 Reading_Type; bits 3-1 Device_Type; bits 6-4 found_beacons |
/// | BLE | 1-6 | ble_mac, hex text from byte 6 down to byte 1 |
/// | BLE | 7-8, 9, 10 | pressure u16; battery_main; battery_transducer (u8) |
///
/// A port 51 report of another length falls through to the BLE layout, as in the vendor
/// decoder (`vendor/browan/l0010.js`, whose `case 51` has no `break`).
pub fn l0010(port: u8, r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let percent = |byte: u8| (f64::from(byte) / 63.75 * 100.0 * 100.0).round() / 100.0;
    let head = r.u8()?;
    let bits = |shift: u8| f64::from((head >> shift) & 0x07);
    out.plain("Reading_Type", f64::from(head & 0x01));
    match (port, r.remaining()) {
        (PORT_L0010_ADC, 9) => {
            out.plain("Device_Type", bits(1));
            out.plain("ADC_group", f64::from((head >> 4) & 0x01));
            out.number("battery", percent(r.u8()?), "%");
            for name in ["ADC1", "ADC2", "ADC4", "ADC6"] {
                out.plain(name, f64::from(r.u16_le()?));
            }
        }
        (PORT_L0010_ADC, 8) => {
            out.plain("WiFi_MACs_found", bits(1));
            out.plain("packet_seq_number", bits(4));
            out.text_owned("wifi_mac", mac(r)?);
            out.number("RSSI", -f64::from(r.u8()?), "dBm");
            out.number("battery", percent(r.u8()?), "%");
        }
        _ => {
            out.plain("Device_Type", bits(1));
            out.plain("found_beacons", bits(4));
            out.text_owned("ble_mac", mac(r)?);
            out.plain("pressure", f64::from(r.u16_le()?));
            out.number("battery_main", percent(r.u8()?), "%");
            out.plain("battery_transducer", f64::from(r.u8()?));
        }
    }
    Ok(())
}

/// Six bytes as a MAC address in hex, last byte first.
fn mac(r: &mut Reader) -> Result<String, DecodeError> {
    let bytes = r.take(6)?;
    Ok(bytes.iter().rev().map(|b| format!("{b:02x}")).collect())
}

/// The L0010's ADC and Wi-Fi report port.
pub const PORT_L0010_ADC: u8 = 51;
/// The L0010's BLE report port.
pub const PORT_L0010_BLE: u8 = 64;

/// The CD10's report port.
pub const PORT: u8 = 127;

/// Decodes a CD10 report.
pub fn cd10(r: &mut Reader, out: &mut Readings) -> Result<(), DecodeError> {
    let status = r.u8()?;
    let batt = r.u8()?;
    out.plain("status", bit(status, 0));
    out.plain("button", bit(status, 1));
    out.plain("co2threshold", bit(status, 4));
    out.plain("co2calibration", bit(status, 5));
    out.number("battery", f64::from(21 + (batt & 0x0f)) / 10.0, "V");
    out.number("temperature", f64::from(r.u16_le()?) / 10.0, "Cel");
    out.number("humidity", f64::from(r.u8()?), "%RH");
    out.number("co2_ppm", f64::from(r.u16_le()?), "ppm");
    Ok(())
}
