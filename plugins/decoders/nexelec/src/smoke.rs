//! The interconnected smoke detectors: ORIGIN and GUARD, and their `+` models with a
//! temperature and humidity sensor. Product byte (`b1` Origin+, `b2` Origin, `b3` Guard+, `b4`
//! Guard), message type (byte 1), then (Nexelec's frame reference for ORIGIN / GUARD):
//!
//! | type | message | fields `(first bit, width)` |
//! |---|---|---|
//! | 0 | product status (7 bytes) | hardware (16, 8) and software (24, 8) x/10 versions; remaining life (32, 8) months; smoke chamber (40, 1), temperature/humidity sensor (41, 1), smoke sensor activation (42, 1); magnetic base (43, 3); battery level (46, 2); battery voltage (48, 8) x*5 + 2000 mV |
//! | 1 | product configuration (9 bytes) | source (16, 3); status (19, 2); temperature datalog (21), daily air (22), smoke detection on base removal (23); pending join (24); NFC (25, 2); LoRa region (27, 4); new records per datalog (31, 6); repetitions (37, 5); datalog period (42, 8) x*10 min; D2D network id (50, 17) |
//! | 2 | smoke alarm (7 bytes) | alarm (16, 2); hush (18, 2); product test (20, 2); weeks since the last test (22, 8); maintenance (30, 1); weeks since it (31, 8); temperature (39, 10) x/10 - 30 °C |
//! | 3 | daily air quality (9 bytes) | temperature min (16, 10), max (26, 10), average (36, 10); humidity min (46, 8), max (54, 8), average (62, 8) x/2 %RH |
//! | 4 | real time (5 bytes) | temperature (16, 10); humidity (26, 8) |
//! | 5 | temperature datalog | records (16, 6); period (22, 8) min; repetitions (30, 6); then 10-bit temperatures from bit 36, newest first (rounded to whole degrees; `3ff` reads 0) |
//!
//! The vendor decoder calls the humidity's unit `°C` and the battery's and weeks' unit key
//! `units`: the names follow it.

use passerelle_pdk::{FixedBytes, Readings};

use crate::{DecodeError, Reading, field, js_round, need, pick, quantity};

const MESSAGE: &[&str] = &[
    "Product Status",
    "Product Configuration",
    "Smoke Alarm",
    "Air Quality",
    "Real Time",
    "Temperature datalog",
];

/// The message of a smoke detector's frame.
pub fn decode(b: &FixedBytes<'_>) -> Result<Vec<Reading>, DecodeError> {
    need(b, 16)?;
    let mut out = Readings::new();
    let product = match b.u8(0)? {
        0xb1 => Some("Origin+ LoRa"),
        0xb2 => Some("Origin LoRa"),
        0xb3 => Some("Guard+ LoRa"),
        0xb4 => Some("Guard LoRa"),
        _ => None,
    };
    if let Some(p) = product {
        out.text("typeOfProduct", p);
    }
    let kind = b.u8(1)?;
    match kind {
        0 => status(b, &mut out)?,
        1 => configuration(b, &mut out)?,
        2 => alarm(b, &mut out)?,
        3 => daily(b, &mut out)?,
        4 => {
            need(b, 34)?;
            temperature(&mut out, "temperature", field(b, (16, 10))?);
            humidity(&mut out, "humidity", field(b, (26, 8))?);
        }
        5 => datalog(b, &mut out)?,
        _ => return Err(DecodeError::InvalidField(format!("message type {kind}"))),
    }
    pick(&mut out, "typeOfMessage", MESSAGE, f64::from(kind));
    Ok(out.into_vec())
}

/// A 10-bit temperature: `3ff` is `Error`, `3fe` a disconnected sensor.
fn temperature(out: &mut Readings, name: &str, raw: f64) {
    if raw >= 1023.0 {
        out.text(name, "Error");
    } else if raw >= 1022.0 {
        out.text(name, "Deconnected Sensor");
    } else {
        quantity(out, name, raw * 0.1 - 30.0, "°C", Some("Cel"));
    }
}

/// An 8-bit humidity in half percents: `ff` is `Error`.
fn humidity(out: &mut Readings, name: &str, raw: f64) {
    if raw >= 255.0 {
        out.text(name, "Error");
    } else {
        quantity(out, name, raw * 0.5, "°C", Some("%RH"));
    }
}

fn status(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    need(b, 56)?;
    out.plain("hwVersion", field(b, (16, 8))?);
    out.plain("swVersion", field(b, (24, 8))? * 0.1);
    quantity(out, "rmgLifetime", field(b, (32, 8))?, "month", None);
    pick(out, "smokeSensorStatus", &["Smoke sensor ok", "Smoke sensor fault"], field(b, (40, 1))?);
    let th = ["T°/humidity sensor ok", "T°/humidity sensor fault"];
    pick(out, "tempHumSensorStatus", &th, field(b, (41, 1))?);
    let active = ["Smoke sensor desactivate", "Smoke sensor activate"];
    pick(out, "smokeSensorActivation", &active, field(b, (42, 1))?);
    let base = [
        "Magnetic base not detected",
        "Magnetic base detected",
        "Product removed from its based just now",
        "Product installed on its base just now",
        "Magnetic base never detected",
    ];
    pick(out, "antiTearDetectionStatus", &base, field(b, (43, 3))?);
    pick(out, "batteryLevel", &["High", "Medium", "Low", "Critical"], field(b, (46, 2))?);
    out.number("batteryVoltage.value", field(b, (48, 8))? * 5.0 + 2000.0, "mV");
    out.text("batteryVoltage.units", "mV");
    Ok(())
}

fn configuration(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    need(b, 67)?;
    let source = ["NFC", "Downlink", "Product Start up", "Reserved", "Reserved", "Local"];
    pick(out, "reconfigurationSource", &source, field(b, (16, 3))?);
    let state = ["Total Success", "Partial Succes", "Total fail", "Reserved"];
    pick(out, "reconfigurationStatus", &state, field(b, (19, 2))?);
    let active = ["Deactivate", "Active"];
    pick(out, "datalogEnable", &active, field(b, (21, 1))?);
    pick(out, "dailyAirEnable", &active, field(b, (22, 1))?);
    pick(out, "smokeDetectionOnMagnetRemovalEnable", &active, field(b, (23, 1))?);
    pick(out, "pendingJoin", &["No join request scheduled", "Join request scheduled"], field(b, (24, 1))?);
    pick(out, "nfcStatus", &["Discoverable", " No Discoverable"], field(b, (25, 2))?);
    pick(
        out,
        "loraRegion",
        &["EU868", "Reserved", "Reserved", "Reserved", "Reserved", "Reserved", "Reserved"],
        field(b, (27, 4))?,
    );
    out.plain("datalogNewMeasure", field(b, (31, 6))?);
    out.plain("datalogMeasureRepetition", field(b, (37, 5))?);
    quantity(out, "transmissionIntervalDatalog", field(b, (42, 8))? * 10.0, "minutes", Some("min"));
    out.plain("d2dNetworkID", field(b, (50, 17))?);
    Ok(())
}

fn alarm(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    need(b, 49)?;
    let alarm = ["Smoke Alarm non-activated", "Local smoke Alarm activated", "Remote smoke Alarm activated"];
    pick(out, "smokeAlarm", &alarm, field(b, (16, 2))?);
    let hush = [
        "Smoke alarm stopped because no smoke anymore",
        "Smoke alarm stopped following central button press",
        ": Smoke alarm stopped following a remote silence",
    ];
    pick(out, "smokeAlarmHush", &hush, field(b, (18, 2))?);
    let test = ["Smoke test off", "Local smoke test was done", "Remote smoke test was done"];
    pick(out, "smokeLocalProductTest", &test, field(b, (20, 2))?);
    out.plain("timeSinceLastTest.value", field(b, (22, 8))?);
    out.text("timeSinceLastTest.units", "week");
    let done = ["Maintenance not done", "Maintenance has been done"];
    pick(out, "digitalMaintenanceCertificate", &done, field(b, (30, 1))?);
    out.plain("timeSinceLastMaintenance.value", field(b, (31, 8))?);
    out.text("timeSinceLastMaintenance.units", "week");
    temperature(out, "temperature", field(b, (39, 10))?);
    Ok(())
}

fn daily(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    need(b, 70)?;
    temperature(out, "temperatureMin", field(b, (16, 10))?);
    temperature(out, "temperatureMax", field(b, (26, 10))?);
    temperature(out, "temperatureAvg", field(b, (36, 10))?);
    humidity(out, "humidityMin", field(b, (46, 8))?);
    humidity(out, "humidityMax", field(b, (54, 8))?);
    humidity(out, "humidityAvg", field(b, (62, 8))?);
    Ok(())
}

fn datalog(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    need(b, 36)?;
    let count = field(b, (16, 6))?;
    out.plain("datalogNewMeasure", count);
    quantity(out, "transmissionIntervalDatalog", field(b, (22, 8))?, "minutes", Some("min"));
    out.plain("datalogMeasureRepetition", field(b, (30, 6))?);
    // A count field is 6 bits: at most 63 values.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = count as usize;
    need(b, 36 + 10 * n)?;
    for i in 0..n {
        let raw = field(b, (36 + 10 * i, 10))?;
        let value = if raw >= 1023.0 { 0.0 } else { js_round(raw / 10.0 - 30.0) };
        out.number(&format!("temperature.value.{i}"), value, "Cel");
    }
    out.text("temperature.unit", "°C");
    Ok(())
}
