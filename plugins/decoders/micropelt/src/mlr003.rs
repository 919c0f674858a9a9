//! The MLR003 radiator valve's uplinks; the fPort names the report:
//!
//! | fPort | bytes | reading(s) |
//! |---|---|---|
//! | 1 | 11 or 12 | periodic: see below |
//! | 2 | 6 | version: `REV` (low nibble `.` high nibble in hex), `HW` (low `.` high), `FW` (`20`yy`.`m`.`d`.`minor`) |
//! | 3 | 1 | `motor_range` (mm): 0 = 2.56048, 3..12 = 0.624 + 0.208 per step, other = 0 |
//! | 4 | 1 | `SpreadingFactor`: `SF7` (0), `SF8` (1), `Invalid SF` |
//! | 5 | 2 | opening point detection: `Opening_Percent_Found` (bit 7), `Opening_Percent_Value` (bits 0-6); `status` (byte 1 bits 0-2, slow harvesting) |
//! | 6 | 1 | temperature drop detection: `action` (bits 6-7), `beep` (bit 5), `drop_period` (bit 4), `temperature_drop_detected` (bit 0) |
//! | 7 | 7 | PID: `P_Coefficient`, `I_Coefficient` x 0.02, `D_Coefficient` x 0.2, (byte 3 unused), `Closed_Percent`, `D_Coefficient_when_closed` x 0.2, `Offset_Percent` |
//! | 8 | 1 | `flow_offset` = int8 / 4, °C |
//! | 9 | 1 or 2 | external sensor: `external_temperature_sensor_expiry_in_minutes` (x 5 min; 0 is `No Expiry`), `source_of_room_temperature_for_control` (byte 1: 0 internal estimate, 1 external sensor) |
//! | 15 | 1 | on/off: `device_on` (bit 7), `recailbration_status` (bit 6), `operating_status` (bit 0) |
//!
//! fPorts 3 to 15 answer the configuration downlink of the same fPort.
//!
//! The periodic report (fPort 1):
//!
//! | byte | reading(s) |
//! |---|---|
//! | 0 | `Current_Valve_Position`, % |
//! | 1, 2 | `Flow_Sensor_Raw`, `Flow_Temperature` = x / 2, °C (the radiator's flow, not the room) |
//! | 3, 4 | `Ambient_Sensor_Raw`, `Ambient_Temperature` = x / 4, °C (the valve's room estimate) |
//! | 5 | flags: `Temperature_Drop_Detection` 7, `Energy_Storage` 6, `Harvesting_Active` 5, `Ambient_Sensor_Failure` 4, `Flow_Sensor_Failure` 3, `Radio_Communication_Error` 2, `Received_Signal_Strength` 1, `Motor_Error` 0 |
//! | 6 | `Storage_Voltage` = x * 0.02, V |
//! | 7, 8 | `Average_Current_Consumed`, `Average_Current_Generated` = x * 10, µA |
//! | 9 | flags: `Operating_Condition` 7, `Storage_Fully_Charged` 6, `Zero_Error` 5, `Calibration_OK` 4; bits 0-2 `User_Mode` |
//! | 10 | `User_Value`: % in `Valve_Position`, `Freeze_Protect`, `Forced_Heating`; x / 2 °C in `SP_Ambient_Temperature`; x / 4 in `Detecting_Opening_Point`, `Slow_Harvesting`; the text `Invalid User Mode` in `RESERVED` and `Temperature_Drop` |
//! | 11 | `Used_Temperature` = x / 4, °C (12-byte reports only) |

use passerelle_pdk::{FixedBytes, Readings};

use crate::{DecodeError, Reading, bit};

/// Decodes an MLR003 report.
pub fn decode(port: u8, payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let b = FixedBytes::new(payload);
    let mut out = Readings::new();
    match port {
        1 => periodic(&b, &mut out)?,
        2 => version(&b, &mut out)?,
        3 => {
            b.exactly(1)?;
            let range = match b.u8(0)? {
                0 => 2.56048,
                n @ 3..=12 => 0.624 + 0.208 * f64::from(n - 3),
                _ => 0.0,
            };
            out.number("motor_range", range, "mm");
        }
        4 => {
            b.exactly(1)?;
            let sf = match b.u8(0)? {
                0 => "SF7",
                1 => "SF8",
                _ => "Invalid SF",
            };
            out.text("SpreadingFactor", sf);
        }
        5 => opening_point(&b, &mut out)?,
        6 => temperature_drop(&b, &mut out)?,
        7 => pid(&b, &mut out)?,
        8 => {
            b.exactly(1)?;
            out.number("flow_offset", f64::from(b.i8(0)?) * 0.25, "Cel");
        }
        9 => external_sensor(&b, &mut out)?,
        15 => {
            b.exactly(1)?;
            let x = b.u8(0)?;
            out.text("device_on", pick(x, 7, STAY_ON, SWITCH_OFF));
            out.text("recailbration_status", pick(x, 6, RECALIBRATED, NOT_RECALIBRATING));
            out.text("operating_status", pick(x, 0, TURN_OFF, NORMAL));
        }
        other => return Err(DecodeError::UnknownPort(other)),
    }
    Ok(out.into_vec())
}

/// `set` when bit `n` of `x` is 1, else `clear`.
fn pick(x: u8, n: u8, set: &'static str, clear: &'static str) -> &'static str {
    if (x >> n) & 1 == 1 { set } else { clear }
}

const STAY_ON: &str = "Device will stay on regardless of 6-week Reference Run results";
const SWITCH_OFF: &str = "If a 6-week Reference Run fails, device will switch off";
const RECALIBRATED: &str = "A Recalibration was done, based on the recent FPORT 15 Downlink";
const NOT_RECALIBRATING: &str = "Device is not performing a recalibration";
const TURN_OFF: &str = "Device will move to mounting position and switch OFF";
const NORMAL: &str = "Device is under normal operation";

/// The user modes (byte 9, bits 0-2), by value.
const USER_MODES: [&str; 8] = [
    "Valve_Position",
    "RESERVED",
    "SP_Ambient_Temperature",
    "Detecting_Opening_Point",
    "Slow_Harvesting",
    "Temperature_Drop",
    "Freeze_Protect",
    "Forced_Heating",
];

fn periodic(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    if b.len() != 12 {
        b.exactly(11)?;
    }
    out.number("Current_Valve_Position", f64::from(b.u8(0)?), "%");
    out.number("Flow_Sensor_Raw", f64::from(b.u8(1)?) * 0.5, "Cel");
    out.number("Flow_Temperature", f64::from(b.u8(2)?) * 0.5, "Cel");
    out.number("Ambient_Sensor_Raw", f64::from(b.u8(3)?) * 0.25, "Cel");
    out.number("Ambient_Temperature", f64::from(b.u8(4)?) * 0.25, "Cel");
    let flags = b.u8(5)?;
    for (name, n) in [
        ("Temperature_Drop_Detection", 7),
        ("Energy_Storage", 6),
        ("Harvesting_Active", 5),
        ("Ambient_Sensor_Failure", 4),
        ("Flow_Sensor_Failure", 3),
        ("Radio_Communication_Error", 2),
        ("Received_Signal_Strength", 1),
        ("Motor_Error", 0),
    ] {
        out.plain(name, bit(flags, n));
    }
    out.number("Storage_Voltage", f64::from(b.u8(6)?) * 0.02, "V");
    out.number("Average_Current_Consumed", f64::from(b.u8(7)?) * 10.0, "uA");
    out.number("Average_Current_Generated", f64::from(b.u8(8)?) * 10.0, "uA");
    let state = b.u8(9)?;
    for (name, n) in
        [("Operating_Condition", 7), ("Storage_Fully_Charged", 6), ("Zero_Error", 5), ("Calibration_OK", 4)]
    {
        out.plain(name, bit(state, n));
    }
    let mode = USER_MODES[usize::from(state & 0x07)];
    out.text("User_Mode", mode);
    let value = f64::from(b.u8(10)?);
    match mode {
        "Valve_Position" | "Freeze_Protect" | "Forced_Heating" => out.number("User_Value", value, "%"),
        "SP_Ambient_Temperature" => out.number("User_Value", value * 0.5, "Cel"),
        "Detecting_Opening_Point" | "Slow_Harvesting" => out.plain("User_Value", value * 0.25),
        _ => out.text("User_Value", "Invalid User Mode"),
    }
    if b.len() == 12 {
        out.number("Used_Temperature", f64::from(b.u8(11)?) * 0.25, "Cel");
    }
    Ok(())
}

fn version(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    b.exactly(6)?;
    let (rev, hw) = (b.u8(0)?, b.u8(1)?);
    out.text_owned("REV", format!("{}.{:x}", rev & 0x0f, rev >> 4));
    out.text_owned("HW", format!("{}.{}", hw & 0x0f, hw >> 4));
    out.text_owned("FW", format!("20{}.{}.{}.{}", b.u8(2)?, b.u8(3)?, b.u8(4)?, b.u8(5)?));
    Ok(())
}

fn opening_point(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    b.exactly(2)?;
    let found = b.u8(0)?;
    out.plain("Opening_Percent_Found", bit(found, 7));
    out.number("Opening_Percent_Value", f64::from(found & 0x7f), "%");
    let status = match b.u8(1)? & 0x07 {
        0 => "Slow Harvesting switched OFF in Downlink",
        1 => "No Slow Harvesting.Recent Target % not equal to 0",
        2 => "Hot Water expected to be OFF",
        3 => "Cannot detect opening Point",
        4 => "No Slow Harvesting. Battery High",
        5 => "No Slow Harvesting. Insufficient harvesting current",
        6 => "Detecting Opening Point",
        _ => "Slow Harvesting",
    };
    out.text("status", status);
    Ok(())
}

fn temperature_drop(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    b.exactly(1)?;
    let x = b.u8(0)?;
    let action = match x >> 6 {
        0 => "No Action",
        2 => "Close to 0% for 30 minutes and resume normal operation",
        3 => "Close to 0% for 60 minutes and resume normal operation",
        _ => "Invalid action",
    };
    out.text("action", action);
    out.text(
        "beep",
        pick(
            x,
            5,
            "Device will beep upon resuming normal operation",
            "Device will not beep upon resuming normal operation",
        ),
    );
    out.text("drop_period", pick(x, 4, "Two consecutive temperature drops", "One temperature drop"));
    out.text(
        "temperature_drop_detected",
        pick(x, 0, "Detected. Ambient Raw dropped by >=1.5°C during last 10 minutes", "No Detection"),
    );
    Ok(())
}

fn pid(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    b.exactly(7)?;
    out.plain("P_Coefficient", f64::from(b.u8(0)?));
    out.plain("I_Coefficient", f64::from(b.u8(1)?) * 0.02);
    out.plain("D_Coefficient", f64::from(b.u8(2)?) * 0.2);
    out.number("Closed_Percent", f64::from(b.u8(4)?), "%");
    out.plain("D_Coefficient_when_closed", f64::from(b.u8(5)?) * 0.2);
    out.number("Offset_Percent", f64::from(b.u8(6)?), "%");
    Ok(())
}

fn external_sensor(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    if b.len() != 2 {
        b.exactly(1)?;
    }
    match b.u8(0)? {
        0 => out.text("external_temperature_sensor_expiry_in_minutes", "No Expiry"),
        n => out.number("external_temperature_sensor_expiry_in_minutes", f64::from(n) * 5.0, "min"),
    }
    if b.len() == 2 {
        match b.u8(1)? {
            0 => out.text("source_of_room_temperature_for_control", "Internal Temperature Estimate"),
            1 => out.text("source_of_room_temperature_for_control", "External Temperature Sensor"),
            _ => {}
        }
    }
    Ok(())
}
