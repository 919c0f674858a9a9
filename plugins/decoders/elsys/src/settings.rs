//! The answer to a settings request: `3e`, a length byte, then settings, each a type byte and a
//! value whose size the type fixes (Elsys's settings table; the TTN codec does not decode this
//! answer). Each setting is a reading named `settings.<name>`:
//!
//! | types | names | value |
//! |---|---|---|
//! | 1-6 | LoRaWAN keys and addresses | skipped: secrets are never emitted |
//! | 7, 10, 39, 48, 58, 59, 244 | ota, ack, lbt, qPurge, dispInv, asr, nfcDisable | 1 byte, boolean |
//! | 8, 9, 11-15, 17, 18, 37, 38, 40, 41, 45-47, 50, 52, 54, 56, 57, 60-62, 66 | port, mode, drDef, drMax, drMin, class, power, pirCfg, co2Cfg, plan, subBand, ledConfig, co2Action, pirSens, qSize, qOffset, co2Cal, pirSensivity, soundPwr, dispAction, dispUnit, dispFull, dispLogo, dispLang, buttonPer | uint8 |
//! | 49, 51, 53, 251 | co2Ref, co2Abc, occSens, version | uint16 |
//! | 20-33, 35, 36, 42-44, 55, 63, 64, 240-243 | splPer, tempPer, rhPer, lightPer, pirPer, co2Per, extPer, extPwrTime, triggTime, accPer, vddPer, sendPer, lock, rfu, pressPer, soundPer, waterPer, reedPer, reedCfg, dispPer, lightComp, vocPer, c1-c4 | uint32 (periods in seconds) |
//! | 16 | extCfg | text: the external input's mode (`ANALOG`, `PULSE_PULLUP`, `1_WIRE_TEMP_DS18B20`, ...) or its number |
//! | 245 | sensor | text: the sensor type (`ERS_CO2`, `EMS_DOOR`, ...) or its number |
//! | 19, 34, 67, 246-248, 250, 252 | accCfg, link, buttonCfg, output, pulse1/2 config, external, sleep | opaque, skipped |
//! | 239, 249, 253, 254 | rxStatus, settings, generic, reboot | no value |
//!
//! An unknown type, or type 65 (a custom display text of unstated length), ends the answer
//! with an `InvalidField` error, since the size of what follows is unknown.

use passerelle_pdk::{Reader, Readings};

use crate::{DecodeError, Reading};

/// First byte of a settings answer.
pub const HEADER: u8 = 0x3e;

/// How a setting's value is read.
#[derive(Clone, Copy)]
enum Kind {
    /// Not emitted (secrets, opaque blocks): `n` bytes skipped.
    Skip(usize),
    Bool,
    U8,
    U16,
    U32,
    ExtCfg,
    Sensor,
}

fn setting(kind: u8) -> Option<(&'static str, Kind)> {
    use Kind::{Bool, ExtCfg, Sensor, Skip, U8, U16, U32};
    Some(match kind {
        1 => ("appSKey", Skip(16)),
        2 => ("nwkSKey", Skip(16)),
        3 => ("devEui", Skip(8)),
        4 => ("appEui", Skip(8)),
        5 => ("appKey", Skip(16)),
        6 => ("devAddr", Skip(4)),
        7 => ("ota", Bool),
        8 => ("port", U8),
        9 => ("mode", U8),
        10 => ("ack", Bool),
        11 => ("drDef", U8),
        12 => ("drMax", U8),
        13 => ("drMin", U8),
        14 => ("class", U8),
        15 => ("power", U8),
        16 => ("extCfg", ExtCfg),
        17 => ("pirCfg", U8),
        18 => ("co2Cfg", U8),
        19 => ("accCfg", Skip(4)),
        20 => ("splPer", U32),
        21 => ("tempPer", U32),
        22 => ("rhPer", U32),
        23 => ("lightPer", U32),
        24 => ("pirPer", U32),
        25 => ("co2Per", U32),
        26 => ("extPer", U32),
        27 => ("extPwrTime", U32),
        28 => ("triggTime", U32),
        29 => ("accPer", U32),
        30 => ("vddPer", U32),
        31 => ("sendPer", U32),
        32 => ("lock", U32),
        33 => ("rfu", U32),
        34 => ("link", Skip(4)),
        35 => ("pressPer", U32),
        36 => ("soundPer", U32),
        37 => ("plan", U8),
        38 => ("subBand", U8),
        39 => ("lbt", Bool),
        40 => ("ledConfig", U8),
        41 => ("co2Action", U8),
        42 => ("waterPer", U32),
        43 => ("reedPer", U32),
        44 => ("reedCfg", U32),
        45 => ("pirSens", U8),
        46 => ("qSize", U8),
        47 => ("qOffset", U8),
        48 => ("qPurge", Bool),
        49 => ("co2Ref", U16),
        50 => ("co2Cal", U8),
        51 => ("co2Abc", U16),
        52 => ("pirSensivity", U8),
        53 => ("occSens", U16),
        54 => ("soundPwr", U8),
        55 => ("dispPer", U32),
        56 => ("dispAction", U8),
        57 => ("dispUnit", U8),
        58 => ("dispInv", Bool),
        59 => ("asr", Bool),
        60 => ("dispFull", U8),
        61 => ("dispLogo", U8),
        62 => ("dispLang", U8),
        63 => ("lightComp", U32),
        64 => ("vocPer", U32),
        66 => ("buttonPer", U8),
        67 => ("buttonCfg", Skip(51)),
        239 => ("rxStatus", Skip(0)),
        240 => ("c1", U32),
        241 => ("c2", U32),
        242 => ("c3", U32),
        243 => ("c4", U32),
        244 => ("nfcDisable", Bool),
        245 => ("sensor", Sensor),
        246 => ("output", Skip(2)),
        247 => ("pulse1", Skip(4)),
        248 => ("pulse2", Skip(4)),
        249 => ("settings", Skip(0)),
        250 => ("external", Skip(1)),
        251 => ("version", U16),
        252 => ("sleep", Skip(4)),
        253 => ("generic", Skip(0)),
        254 => ("reboot", Skip(0)),
        _ => return None,
    })
}

/// The external input mode of setting 16.
fn ext_cfg(code: u8) -> Option<&'static str> {
    Some(match code {
        1 => "ANALOG",
        2 => "PULSE_PULLDOWN",
        3 => "PULSE_PULLUP",
        4 => "ABSOLUT_PULSE_PULLDOWN",
        5 => "ABSOLUT_PULSE_PULLUP",
        6 => "1_WIRE_TEMP_DS18B20",
        7 => "SWITCH_NO",
        8 => "SWITCH_NC",
        9 => "DIGITAL",
        10 => "SRF_01",
        11 => "DECAGON",
        12 => "WATERLEAK",
        13 => "MAXBOTIX_ML738X",
        14 => "GPS",
        15 => "1_WIRE_TEMP_SWITCH_NO",
        16 => "ANALOG_0_3V",
        17 => "ADC_MODULE_PT1000",
        _ => return None,
    })
}

/// The sensor type of setting 245.
fn sensor(code: u8) -> Option<&'static str> {
    Some(match code {
        0 => "Unknown",
        1 => "ESM5K",
        10 => "ELT_1",
        11 => "ELT_1_HP",
        12 => "ELT_2_HP",
        13 => "ELT_LITE",
        20 => "ERS",
        21 => "ERS_CO2",
        22 => "ERS_LITE",
        23 => "ERS_EYE",
        24 => "ERS_DESK",
        25 => "ERS_SOUND",
        26 => "ERS_TVOC",
        27 => "ERS_CO2_LITE",
        30 => "EMS",
        31 => "EMS_DOOR",
        32 => "EMS_DESK",
        33 => "EMS_LITE",
        40 => "TAG",
        50 => "ERS15",
        51 => "ERS15_CO2",
        52 => "ERS15_LITE",
        53 => "ERS15_EYE",
        55 => "ERS15_SOUND",
        56 => "ERS15_TVOC",
        57 => "ERS15_CO2_LITE",
        60 => "ERS2",
        61 => "ERS2_CO2",
        62 => "ERS2_LITE",
        63 => "ERS2_EYE",
        65 => "ERS2_SOUND",
        66 => "ERS2_TVOC",
        67 => "ERS2_CO2_LITE",
        70 => "ECO",
        71 => "ECO_CO2",
        80 => "EMS2",
        90 => "ETHD10",
        91 => "EIAQD10",
        92 => "EIAQDP10",
        _ => return None,
    })
}

fn coded(out: &mut Readings, name: &str, code: u8, table: fn(u8) -> Option<&'static str>) {
    match table(code) {
        Some(text) => out.text(name, text),
        None => out.text_owned(name, code.to_string()),
    }
}

/// Decodes a settings answer (the payload starts with [`HEADER`]).
pub fn decode(payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let mut r = Reader::new(payload);
    if r.u8()? != HEADER {
        return Err(DecodeError::InvalidField(String::from("settings answer without its 0x3e header")));
    }
    r.u8()?; // length of what follows; the settings themselves say their sizes
    let mut out = Readings::new();
    while !r.is_empty() {
        let offset = r.position();
        let kind = r.u8()?;
        let Some((name, how)) = setting(kind) else {
            return Err(DecodeError::InvalidField(format!("unknown setting {kind} at offset {offset}")));
        };
        let key = format!("settings.{name}");
        match how {
            Kind::Skip(n) => r.skip(n)?,
            Kind::Bool => out.boolean(&key, r.u8()? != 0),
            Kind::U8 => out.plain(&key, f64::from(r.u8()?)),
            Kind::U16 => out.plain(&key, f64::from(r.u16_be()?)),
            Kind::U32 => out.plain(&key, f64::from(r.u32_be()?)),
            Kind::ExtCfg => coded(&mut out, &key, r.u8()?, ext_cfg),
            Kind::Sensor => coded(&mut out, &key, r.u8()?, sensor),
        }
    }
    Ok(out.into_vec())
}
