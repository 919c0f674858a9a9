//! The room sensors: FEEL (temperature, humidity), RISE (and CO2), MOVE (and light, presence,
//! noise), SIGN (all of them and VOC), WAVE (CO2, temperature, humidity, presence, light). One
//! format for all, after the product byte (`a9` FEEL, `aa` RISE, `ab` MOVE, `ad` SIGN) and the
//! message type (byte 1); a sensor the model lacks reads as `Desactivated sensor`.
//!
//! | type | message | fields `(first bit, width)` |
//! |---|---|---|
//! | 1 | periodic data (14 bytes) | temperature (16, 10) x/10 - 30 °C; humidity (26, 10) x/10 %RH; co2 (36, 14) ppm; covt (50, 14) µg/m3; luminosity (64, 10) x*5 lux; buttonPress (74, 1); averageNoise (75, 7), peakNoise (82, 7) dB; occupancyRate (89, 7) %; IAQ global (96, 3), source (99, 4), CO2 (103, 3), VOC (106, 3) |
//! | 2, 3 | CO2 / temperature history | numberOfRecord (16, 6); periodBetweenRecord (22, 8) min; redundancyOfRecord (30, 6); then numberOfRecord values of 10 bits from bit 36, newest first (CO2 x*5 ppm, temperature x/10 - 30 °C rounded; `3ff` reads 0) |
//! | 5 | product status (13 bytes) | hardware (16, 8) and software (24, 8) versions; power source (32, 2); battery voltage (34, 10) x*5 mV; battery level (44, 3); hardware status (47, 1); sensor states (3 bits each): temperature 48, CO2 51, VOC 54, PIR 57, microphone 60, luminosity 63, SD card 66; activation time (69, 10) months; days since the last manual calibration (76, 7); low battery threshold (88, 8) x*5 + 2000 mV; anti-tear (96, 2) |
//! | 6 | product configuration (17 bytes) | source (16, 3); status (19, 2); measurement period (21, 5) min; CO2, VOC, PIR, microphone, SD, CO2 auto-calibration switches (bits 26-31); CO2 medium (32, 10) and high (42, 10) thresholds x*5 ppm; LED, orange LED, buzzer, buzzer confirmation (bits 52-55); LED source (56, 2); button (58); LoRa region (59, 4); periodic data (63); period (64, 6) min; delta CO2 (70, 8) x*4 ppm; delta temperature (78, 7) x/10 °C; CO2 and temperature history (bits 85, 86); records per message (87, 6); repetitions (93, 5); history period (98, 8) x*10 min; pending join (106); NFC (107, 2); product date: year (109, 6), month (115, 4), day (119, 5), hour (124, 5), minute (129, 6) |
//!
//! The history values are rounded as the vendor decoder rounds them (to whole ppm and whole
//! degrees).

use passerelle_pdk::{FixedBytes, Readings};

use crate::{DecodeError, Reading, field, js_round, need, pick, quantity};

const MESSAGE: &[&str] = &[
    "Reserved",
    "Periodic data",
    "CO2 Historical Data",
    "Temperature Historical Data",
    "Reserved",
    "Product Status",
    "Product Configuration",
];

/// The message of a room sensor's frame.
pub fn decode(b: &FixedBytes<'_>) -> Result<Vec<Reading>, DecodeError> {
    need(b, 16)?;
    let mut out = Readings::new();
    let product = match b.u8(0)? {
        0xa9 => Some("Feel LoRa"),
        0xaa => Some("Rise LoRa"),
        0xab => Some("Move LoRa"),
        0xad => Some("Sign LoRa"),
        _ => None,
    };
    if let Some(p) = product {
        out.text("typeOfProduct", p);
    }
    let kind = b.u8(1)?;
    match kind {
        1 => periodic(b, &mut out)?,
        2 => history(b, &mut out, "co2")?,
        3 => history(b, &mut out, "temperature")?,
        5 => status(b, &mut out)?,
        6 => configuration(b, &mut out)?,
        _ => return Err(DecodeError::InvalidField(format!("message type {kind}"))),
    }
    pick(&mut out, "typeOfMessage", MESSAGE, f64::from(kind));
    Ok(out.into_vec())
}

/// A measurement whose top codes are states: `max` is `Error`, `max - 1` a disconnected
/// sensor, `max - 2` a deactivated one.
fn measure(
    out: &mut Readings,
    name: &str,
    raw: f64,
    max: f64,
    value: f64,
    vendor_unit: &str,
    unit: Option<&str>,
) {
    if raw >= max {
        out.text(name, "Error");
    } else if raw >= max - 1.0 {
        out.text(name, "Deconnected sensor");
    } else if raw >= max - 2.0 {
        out.text(name, "Desactivated sensor");
    } else {
        quantity(out, name, value, vendor_unit, unit);
    }
}

const IAQ: &[&str] = &["Excellent", "Reserved", "Fair", "Reserved", "Bad", "Reserved", "Reserved", "Error"];

fn periodic(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    need(b, 112)?;
    let t = field(b, (16, 10))?;
    measure(out, "temperature", t, 1023.0, t / 10.0 - 30.0, "°C", Some("Cel"));
    let h = field(b, (26, 10))?;
    measure(out, "humidity", h, 1023.0, h / 10.0, "%RH", Some("%RH"));
    let co2 = field(b, (36, 14))?;
    measure(out, "co2", co2, 16383.0, co2, "ppm", Some("ppm"));
    let voc = field(b, (50, 14))?;
    measure(out, "covt", voc, 16383.0, voc, "ug/m3", Some("ug/m3"));
    let lum = field(b, (64, 10))?;
    measure(out, "luminosity", lum, 1023.0, lum * 5.0, "lux", Some("lx"));
    let button = field(b, (74, 1))?;
    pick(out, "buttonPress", &["Button not pressed", "Button pressed"], button);
    let avg = field(b, (75, 7))?;
    measure(out, "averageNoise", avg, 127.0, avg, "dB", Some("dB"));
    let peak = field(b, (82, 7))?;
    measure(out, "peakNoise", peak, 127.0, peak, "dB", Some("dB"));
    let occupancy = field(b, (89, 7))?;
    measure(out, "occupancyRate", occupancy, 127.0, occupancy, "%", Some("%"));
    pick(out, "iziairGlobal", IAQ, field(b, (96, 3))?);
    let source = [
        "None", "Reserved", "Reserved", "Reserved", "Reserved", "CO2", "VOC", "Reserved", "Reserved",
        "Reserved", "Reserved", "Reserved", "Reserved", "Reserved", "Reserved", "Error",
    ];
    pick(out, "iziairSrc", &source, field(b, (99, 4))?);
    pick(out, "iziairCo2", IAQ, field(b, (103, 3))?);
    pick(out, "iziairCov", IAQ, field(b, (106, 3))?);
    Ok(())
}

/// A history message: `count` values of 10 bits after a 36-bit header.
fn history(b: &FixedBytes<'_>, out: &mut Readings, what: &str) -> Result<(), DecodeError> {
    need(b, 36)?;
    let count = field(b, (16, 6))?;
    out.plain("numberOfRecord", count);
    quantity(out, "periodBetweenRecord", field(b, (22, 8))?, "minutes", Some("min"));
    out.plain("redundancyOfRecord", field(b, (30, 6))?);
    let (vendor_unit, unit) = if what == "co2" { ("ppm", "ppm") } else { ("°C", "Cel") };
    // A count field is 6 bits: at most 63 values.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    let n = count as usize;
    need(b, 36 + 10 * n)?;
    for i in 0..n {
        let raw = field(b, (36 + 10 * i, 10))?;
        let value = if raw >= 1023.0 {
            0.0
        } else if what == "co2" {
            js_round(raw * 5.0)
        } else {
            js_round(raw / 10.0 - 30.0)
        };
        out.number(&format!("{what}.value.{i}"), value, unit);
    }
    out.text(&format!("{what}.unit"), vendor_unit);
    Ok(())
}

const SENSOR: &[&str] =
    &["Sensor Ok", "Sensor default", "Sensor not present", "Sensor disabled", "End-of-life sensor"];

fn status(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    need(b, 100)?;
    out.plain("hardwareVersion", field(b, (16, 8))?);
    out.plain("softwareVersion", field(b, (24, 8))?);
    pick(out, "powerSource", &["Battery", "External 5V", "Reserved", "Reserved"], field(b, (32, 2))?);
    let volts = field(b, (34, 10))?;
    if volts >= 1023.0 {
        out.text("batteryVoltage", "Error");
    } else if volts >= 1022.0 {
        out.text("batteryVoltage", "External power supply");
    } else {
        quantity(out, "batteryVoltage", volts * 5.0, "mV", Some("mV"));
    }
    let level = ["High", "Medium", "Low", "Critical", "External power supply"];
    pick(out, "batteryLevel", &level, field(b, (44, 3))?);
    let hw = ["Hardware working correctly", "Hardware fault detected"];
    pick(out, "hardwareStatus", &hw, field(b, (47, 1))?);
    for (name, start) in [
        ("temperatureSensorStatus", 48),
        ("co2SensorStatus", 51),
        ("covtSensorStatus", 54),
        ("pirSensorStatus", 57),
        ("microphoneStatus", 60),
        ("luminositySensorStatus", 63),
    ] {
        pick(out, name, SENSOR, field(b, (start, 3))?);
    }
    let sd = [
        "SD card OK",
        "Fault: Cannot mount drive",
        "Card missing",
        "Functionality disabled",
        "SD card at end of life",
    ];
    pick(out, "sdStatus", &sd, field(b, (66, 3))?);
    let months = field(b, (69, 10))?;
    if months >= 1023.0 {
        out.text("cumulativeProductActivationTime", "Error");
    } else {
        quantity(out, "cumulativeProductActivationTime", months, "month", None);
    }
    // The vendor reads these 7 bits where the activation time ends (bits 76-82).
    quantity(out, "timeSinceLastManualCalibration", field(b, (76, 7))?, "days", Some("d"));
    quantity(out, "lowBatterieThreshold", field(b, (88, 8))? * 5.0 + 2000.0, "mV", Some("mV"));
    let tear = ["Product undetected", "Product detected", "Product just undetected", "Product just detected"];
    pick(out, "antiTearSensorStatus", &tear, field(b, (96, 2))?);
    Ok(())
}

const ACTIVE: &[&str] = &["Non-active", "Active "];

fn configuration(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    need(b, 136)?;
    let source = ["NFC", "Downlink", "Product Start up", "Network", "GPS", "Local"];
    pick(out, "configurationSource", &source, field(b, (16, 3))?);
    let state = ["Total Succes", "Partial Succes", "Total fail", "Reserved"];
    pick(out, "configurationStatus", &state, field(b, (19, 2))?);
    quantity(out, "periodBetween2measures", field(b, (21, 5))?, "minutes", Some("min"));
    let sensor = ["Sensor desactivated", "Sensor activated"];
    for (name, bit) in [
        ("co2SensorActivation", 26),
        ("covSensorActivation", 27),
        ("pirSensorActivation", 28),
        ("microphoneSensorActivation", 29),
    ] {
        pick(out, name, &sensor, field(b, (bit, 1))?);
    }
    pick(out, "localStorageActivation", &["SD desactivated", "SD activated"], field(b, (30, 1))?);
    let calibration = ["Automatic calibration desactivated", "Automatic calibration activated"];
    pick(out, "automaticCalibrationActivation", &calibration, field(b, (31, 1))?);
    quantity(out, "mediumCO2Threshold", field(b, (32, 10))? * 5.0, "ppm", Some("ppm"));
    quantity(out, "highCO2Threshold", field(b, (42, 10))? * 5.0, "ppm", Some("ppm"));
    for (name, bit) in [
        ("ledActivation", 52),
        ("orangeLEDActivation", 53),
        ("buzzerActivation", 54),
        ("buzzerConfirmationActivation", 55),
    ] {
        pick(out, name, ACTIVE, field(b, (bit, 1))?);
    }
    pick(out, "ledSourceActivation", &["CO2", "IziAir"], field(b, (56, 2))?);
    pick(out, "buttonNotification", ACTIVE, field(b, (58, 1))?);
    let region = ["EU868", "US915", "AS923", "AU915", "KR920", "IN865", "RU864"];
    pick(out, "loraRegion", &region, field(b, (59, 4))?);
    pick(out, "periodicalDataActivation", ACTIVE, field(b, (63, 1))?);
    quantity(out, "dataTransmissionPeriod", field(b, (64, 6))?, "minutes", Some("min"));
    let delta_co2 = field(b, (70, 8))?;
    if delta_co2 >= 255.0 {
        out.text("deltaCO2", "Desactivated");
    } else {
        quantity(out, "deltaCO2", delta_co2 * 4.0, "ppm", Some("ppm"));
    }
    let delta_t = field(b, (78, 7))?;
    if delta_t >= 127.0 {
        out.text("deltaTemperature", "Desactivated");
    } else {
        quantity(out, "deltaTemperature", delta_t * 0.1, "°C", Some("Cel"));
    }
    pick(out, "historicalCO2DataActivation", ACTIVE, field(b, (85, 1))?);
    pick(out, "historicalTemperatureDataActivation", ACTIVE, field(b, (86, 1))?);
    out.plain("numberOfRecordsInADatalogMessage", field(b, (87, 6))?);
    out.plain("numberOfMessagesFor1Record", field(b, (93, 5))?);
    let period = field(b, (98, 8))?;
    if period >= 255.0 {
        out.text("transmissionPeriodOfHistoricalMessage", "Erreur");
    } else {
        quantity(out, "transmissionPeriodOfHistoricalMessage", period * 10.0, "minute", Some("min"));
    }
    pick(out, "networkJoinStatus", &["No join request", "Programmed join request"], field(b, (106, 1))?);
    pick(out, "nfcStatus", &["Discoverable", " No Discoverable"], field(b, (107, 2))?);
    quantity(out, "productDateYear", field(b, (109, 6))?, "year", None);
    quantity(out, "productDateMonth", field(b, (115, 4))?, "month", None);
    quantity(out, "productDateDay", field(b, (119, 5))?, "day", None);
    quantity(out, "productDateHours", field(b, (124, 5))?, "hours", None);
    quantity(out, "productDateMinutes", field(b, (129, 6))?, "minutes", None);
    Ok(())
}
