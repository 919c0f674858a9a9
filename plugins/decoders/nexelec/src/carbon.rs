//! The Insafe Carbon (hardware C024C): CO2, temperature and humidity with the iZiAiR indices.
//! Nibble 0 is the product (`7`), nibble 1 the message; the fields follow bit by bit, widths as
//! the vendor's codec tables give them:
//!
//! | nibble 1 | message | fields after the 8 header bits (widths) |
//! |---|---|---|
//! | 2 | real time (7 bytes) | CO2 8 (x*20 ppm), temperature 8 (x/5 °C), humidity 8 (x/2 %RH), IAQ global 3, source 4, CO2 3, dryness 3, mould 3, dust mites 3, HCI 2, frame index 3 |
//! | 3 | product status (8 bytes) | battery 2, hardware fault 1, frame index 3, unused 2, hours meter 8, CO2 auto-calibration 8 (x*20 ppm), clock: years since 2000 6, month 4, day 5, hour 5, minute 6 |
//! | 4 | push button (2 bytes) | action 3, frame index 3 |
//! | 5 | datalog (11 bytes) | CO2, temperature, humidity 8 each for n-2, n-1 and n; period 4 (x*10 min); frame index 3 |
//! | 6 | temperature alert (3 bytes) | temperature 8, threshold 1 1, threshold 2 1, frame index 3 |
//! | 7 | CO2 alert (3 bytes) | CO2 8, frame index 3, threshold 1 1, threshold 2 1 |
//! | 8 | CO2 configuration (9 bytes) | thresholds 8 + 8 (x*20 ppm), smart periods 1 and 2: start 6, duration 6 (x/2 h) each, then each period's switch and its 7 weekdays 1 bit each; altitude 8 (x*50 m) |
//! | 9 | general configuration (11 bytes) | 8 switches; period, decimation, temperature thresholds 1 and 2 (x/5 °C), temperature delta (x/10 °C), humidity delta (x/2 %RH), CO2 delta (x*20 ppm), keep-alive period (h): 8 bits each; NFC 2 |
//! | a | keep-alive (1 byte) | none |
//!
//! Names are the keys of the vendor decoder's records (`CO2_concentration_(ppm)`); it returns
//! them as a list of one-key records, whose `Not_used` entries (empty texts) are left out here.
//! A state the vendor does not name reads as an empty text, as in its decoder.

use passerelle_pdk::{FixedBytes, Readings};

use crate::{DecodeError, Reading, field, js_round, need, pick};

/// The message of a Carbon frame.
pub fn decode(b: &FixedBytes<'_>) -> Result<Vec<Reading>, DecodeError> {
    need(b, 8)?;
    let product = field(b, (0, 4))?;
    if product != 7.0 {
        return Err(DecodeError::InvalidField(format!("product {product} (the Carbon is 7)")));
    }
    let mut out = Readings::new();
    out.text("Type_of_Product", "Insafe_Carbon_LoRa");
    let kind = bits_u8(b, 4)?;
    let name = match kind {
        2 => real_time(b, &mut out)?,
        3 => status(b, &mut out)?,
        4 => {
            need(b, 16)?;
            let push = ["Short Push", "Long Push", "Multiple Push(x3)", "Multiple Push(x6)"];
            text(&mut out, "Push_Button_Action", &push, field(b, (8, 3))?);
            out.plain("Frame_Index", field(b, (11, 3))?);
            "Push"
        }
        5 => datalog(b, &mut out)?,
        6 => {
            need(b, 24)?;
            out.number("Temperature(°C)", temperature(field(b, (8, 8))?), "Cel");
            text(&mut out, "Temperature threshold 1", REACHED, field(b, (16, 1))?);
            text(&mut out, "Temperature threshold 2", REACHED, field(b, (17, 1))?);
            out.plain("Frame_Index", field(b, (18, 3))?);
            "Temperature_Alert"
        }
        7 => {
            need(b, 24)?;
            out.number("CO2_concentration(ppm)", field(b, (8, 8))? * 20.0, "ppm");
            out.plain("Frame_Index", field(b, (16, 3))?);
            text(&mut out, "CO2_threshold_1", REACHED, field(b, (19, 1))?);
            text(&mut out, "CO2_threshold_2", REACHED, field(b, (20, 1))?);
            "CO2_Alert"
        }
        8 => co2_configuration(b, &mut out)?,
        9 => general_configuration(b, &mut out)?,
        10 => "Keep_Alive",
        _ => return Err(DecodeError::InvalidField(format!("message type {kind}"))),
    };
    out.text("Type_of_message", name);
    Ok(out.into_vec())
}

fn bits_u8(b: &FixedBytes<'_>, start: usize) -> Result<u8, DecodeError> {
    crate::bits(b, start, 4).map(|v| u8::try_from(v).unwrap_or(u8::MAX))
}

const REACHED: &[&str] = &["not reached", "reached"];
const ACTIVE: &[&str] = &["Non-Active", "Active"];
const IAQ: &[&str] = &["Excellent", "Good", "Fair", "Poor", "Bad", "Erreur"];

/// `table[index]`, or an empty text where the vendor names no state.
fn text(out: &mut Readings, name: &str, table: &[&str], index: f64) {
    out.text(name, "");
    pick(out, name, table, index);
}

/// An 8-bit temperature in fifths of a degree, rounded to a tenth as the vendor does.
fn temperature(raw: f64) -> f64 {
    js_round(0.2 * raw * 10.0) / 10.0
}

fn real_time(b: &FixedBytes<'_>, out: &mut Readings) -> Result<&'static str, DecodeError> {
    need(b, 56)?;
    out.number("CO2_concentration_(ppm)", field(b, (8, 8))? * 20.0, "ppm");
    out.number("Temperature(°C)", temperature(field(b, (16, 8))?), "Cel");
    out.number("Relative_Humidity_(%RH)", field(b, (24, 8))? * 0.5, "%RH");
    text(out, "IAQ_GLOBAL", IAQ, field(b, (32, 3))?);
    let source = field(b, (35, 4))?;
    let sources = ["All", "Dryness Indicator", "Mould Indicator", "Dust Mites Indicator", "CO", "CO2"];
    text(out, "IAQ_SRC", &sources, source);
    if source == 15.0 {
        out.text("IAQ_SRC", "Erreur");
    }
    text(out, "IAQ_CO2", IAQ, field(b, (39, 3))?);
    text(out, "IAQ_DRY", IAQ, field(b, (42, 3))?);
    text(out, "IAQ_MOULD", IAQ, field(b, (45, 3))?);
    text(out, "IAQ_DM", IAQ, field(b, (48, 3))?);
    text(out, "IAQ_HCI", &["Good", "Fair", "Bad", "Erreur"], field(b, (51, 2))?);
    out.plain("Frame_Index", field(b, (53, 3))?);
    Ok("Real_Time")
}

fn status(b: &FixedBytes<'_>, out: &mut Readings) -> Result<&'static str, DecodeError> {
    need(b, 64)?;
    text(out, "Battery_level", &["High", "Medium", "Critical"], field(b, (8, 2))?);
    text(out, "HW_Fault_mode", &[" non activated", " activated"], field(b, (10, 1))?);
    out.plain("Frame_Index", field(b, (11, 3))?);
    out.plain("Product_hours_meter(per month)", field(b, (16, 8))?);
    out.number("CO2_autocalibration_value_(ppm)", field(b, (24, 8))? * 20.0, "ppm");
    out.plain("Product_RTC_date_since_2000 (in years)", field(b, (32, 6))?);
    out.plain("Product_RTC_date__Month_of_the_year", field(b, (38, 4))?);
    out.plain("Product_RTC_date__Day_of_the_month", field(b, (42, 5))?);
    out.plain("Product_RTC_date_Hours_of_the_day", field(b, (47, 5))?);
    out.plain("Product_RTC_date__Minutes_of_the_hour", field(b, (52, 6))?);
    Ok("Product_Status_Message")
}

fn datalog(b: &FixedBytes<'_>, out: &mut Readings) -> Result<&'static str, DecodeError> {
    need(b, 88)?;
    let names = [
        ("CO2_concentration(ppm)_[n-2]", "Temperature(°C) [n-2]", "Relative Humidity(%) [n-2]"),
        ("CO2_concentration(ppm)_[n-1]", "Temperature(°C) [n-1]", "Relative Humidity(%) [n-1]"),
        ("CO2_concentration(ppm) [n]", "Temperature(°C) [n]", "Relative Humidity(%) [n]"),
    ];
    for (i, (co2, t, h)) in names.into_iter().enumerate() {
        let at = 8 + 24 * i;
        out.number(co2, field(b, (at, 8))? * 20.0, "ppm");
        out.number(t, temperature(field(b, (at + 8, 8))?), "Cel");
        out.number(h, field(b, (at + 16, 8))? * 0.5, "%RH");
    }
    out.number("Time_between_measurements_in_minutes", field(b, (80, 4))? * 10.0, "min");
    out.plain("Frame_Index", field(b, (84, 3))?);
    Ok("Datalog")
}

fn co2_configuration(b: &FixedBytes<'_>, out: &mut Readings) -> Result<&'static str, DecodeError> {
    need(b, 72)?;
    out.number("CO2_threshold_1", field(b, (8, 8))? * 20.0, "ppm");
    out.number("CO2_threshold_2", field(b, (16, 8))? * 20.0, "ppm");
    out.plain("Smart Period 1 start at: (hour)", field(b, (24, 6))? * 0.5);
    out.plain("Smart Period 1 duration (hour)", field(b, (30, 6))? * 0.5);
    out.plain("Smart Period 2 start at: (hour)", field(b, (36, 6))? * 0.5);
    out.plain("Smart Period 2 duration (hour)", field(b, (42, 6))? * 0.5);
    let days = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
    for (period, at) in [(1, 48), (2, 56)] {
        text(out, &format!("Smart Period {period}"), ACTIVE, field(b, (at, 1))?);
        for (i, day) in days.iter().enumerate() {
            text(out, &format!("Smart Period {period} on {day}"), ACTIVE, field(b, (at + 1 + i, 1))?);
        }
    }
    out.number("Altitude", field(b, (64, 8))? * 50.0, "m");
    Ok("Config_CO2")
}

fn general_configuration(b: &FixedBytes<'_>, out: &mut Readings) -> Result<&'static str, DecodeError> {
    need(b, 88)?;
    let switches = [
        "LED blink",
        "Button Notification",
        "Real-time data",
        "Datalog enable",
        "Temperature Alert",
        "CO2 Alert",
        "Keep Alive",
        "Orange_Led",
    ];
    for (i, name) in switches.iter().enumerate() {
        text(out, name, ACTIVE, field(b, (8 + i, 1))?);
    }
    out.plain("Period between measurements (CO2,temperature, humidity) (minutes)", field(b, (16, 8))?);
    out.plain("Datalog decimation factor(record only 1 on x samples)", field(b, (24, 8))?);
    out.plain("Temperature alert threshold 1 (°C)", field(b, (32, 8))? * 0.2);
    out.plain("Temperature alert threshold 2 (°C)", field(b, (40, 8))? * 0.2);
    out.plain(
        "Temperature change leading to a real-time message transmission (°C)",
        field(b, (48, 8))? * 0.1,
    );
    out.plain(
        "Relative humidity change leading to a real-time message transmission (%RH)",
        field(b, (56, 8))? * 0.5,
    );
    out.plain(
        "CO2 concentration change leading to a realtime message transmission(ppm)",
        field(b, (64, 8))? * 20.0,
    );
    out.plain("Keepalive period (h)", field(b, (72, 8))?);
    text(out, "NFC_status", &["Discoverable", "Not_Discoverable"], field(b, (80, 2))?);
    Ok("Config_General")
}
