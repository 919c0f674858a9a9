//! The FLOW CORE and FLOW PRO thermostatic radiator valves. Byte 0 is the product (`d2` FLOW,
//! `d6` FLOW+), nibble 2 the message, nibble 3 its version; then (Nexelec's FLOW frame
//! reference, `(first bit, width)`):
//!
//! | message | fields |
//! |---|---|
//! | 1 periodic, version 0 (9 bytes) | temperature (16, 10) x/10 - 30 °C; regulation set point (26, 6) x/2 °C; its source (32, 2); internal temperature (34, 10); set point change source (44, 3); open window (47, 1); frost protection (48, 1); motor position (49, 13) µm; valve opening (62, 7) % |
//! | 1 periodic, version 1 (9 bytes) | as version 0 up to bit 47; motor position (47, 13); valve opening (60, 7); regulation mode (67, 4) |
//! | 2 product status (14 bytes) | hardware (16, 8), software (24, 8); battery voltages of slots 1 (32, 10) and 2 (42, 10) x*5 mV; battery level (52, 2); product status (54, 1); anti-tear (55, 2); motor calibration (57, 3); motor stroke (60, 13) µm; activation time (73, 10) months; product date (83, 24) minutes since 2026-01-01 00:00; D2D link (107, 1) |
//! | 3 external probe status (9 bytes) | probe id (16, 24); anti-tear (40, 2); temperature sensor (42, 1); battery level (43, 2); battery voltage (45, 10) x*5 mV; messages received (55, 8); network level (63, 8) -x dBm |
//! | 4 product configuration, versions 0 (22 bytes) and 1 (23 bytes) | see [`configuration`] |
//! | 5, 6, 7 daily profiles 1-3 (15 bytes) | source (16, 3); status (19, 2); then 48 half-hour slots of 2 bits from bit 21 (frost protection, comfort, eco, absent) |
//!
//! Out-of-range codes come out as the vendor decoder gives them: the raw number in place of
//! the `{value, unit}` object (`temperature` = 1023). The product date is written
//! `dd/mm/yyyy hh:mm` in UTC (the vendor decoder uses the local time of the server, UTC on The
//! Things Stack). Other message versions are `InvalidField` (the vendor decoder returns no
//! data for them).

use passerelle_pdk::{FixedBytes, Readings};

use crate::{DecodeError, Reading, field, need, pick, quantity};

const MESSAGE: &[&str] = &[
    "Reserved",
    "Periodic",
    "Product Status",
    "External Probe Status",
    "Product Configuration",
    "Daily profil n°1",
    "Daily profil n°2",
    "Daily profil n°3",
];

/// The message of a FLOW frame.
pub fn decode(b: &FixedBytes<'_>) -> Result<Vec<Reading>, DecodeError> {
    need(b, 16)?;
    let mut out = Readings::new();
    match b.u8(0)? {
        0xd2 => out.text("typeOfProduct", "FLOW"),
        0xd6 => out.text("typeOfProduct", "FLOW+"),
        _ => {}
    }
    let kind = crate::bits(b, 8, 4)?;
    let version = crate::bits(b, 12, 4)?;
    let unknown = || DecodeError::InvalidField(format!("message {kind} version {version}"));
    match (kind, version) {
        (1, 0 | 1) => periodic(b, &mut out, version)?,
        (2, _) => status(b, &mut out)?,
        (3, _) => probe(b, &mut out)?,
        (4, 0 | 1) => configuration(b, &mut out, version)?,
        (5..=7, _) => profile(b, &mut out)?,
        _ => return Err(unknown()),
    }
    pick(&mut out, "typeOfMessage", MESSAGE, f64::from(kind));
    out.plain("versionOfMessage", f64::from(version));
    Ok(out.into_vec())
}

/// A 10-bit temperature x/10 - 30 °C; `3ff` stays a number.
fn temperature(out: &mut Readings, name: &str, raw: f64) {
    if raw >= 1023.0 {
        out.plain(name, raw);
    } else {
        quantity(out, name, raw / 10.0 - 30.0, "°C", Some("Cel"));
    }
}

/// A 6-bit set point in half degrees; `limit` and above stay a number.
fn set_point(out: &mut Readings, name: &str, raw: f64, limit: f64) {
    if raw >= limit {
        out.plain(name, raw);
    } else {
        quantity(out, name, raw * 0.5, "°C", Some("Cel"));
    }
}

fn true_false(out: &mut Readings, name: &str, raw: f64) {
    pick(out, name, &["false", "true"], raw);
}

fn on_off(out: &mut Readings, name: &str, raw: f64) {
    pick(out, name, &["off", "on"], raw);
}

/// A field: its first bit and its width.
type Field = (usize, usize);

const SOURCE: &[&str] = &["internal", "external node", "reserved"];
const SET_POINT_SOURCE: &[&str] = &["none", "planning", "scroll wheel", "nfc", "downlink", "gradient mode"];
const MODE: &[&str] = &[
    "regulation off",
    "regulation on",
    "confort",
    "eco",
    "frost protection",
    "absent",
    "boost",
    "open window",
    "low batterie",
];
const LEVEL: &[&str] = &["high", "medium", "low", "critical"];
const TEAR: &[&str] = &["not detected", "detected", "just removed from the base", "just placed on the base"];

fn periodic(b: &FixedBytes<'_>, out: &mut Readings, version: u32) -> Result<(), DecodeError> {
    need(b, 72)?;
    temperature(out, "temperature", field(b, (16, 10))?);
    set_point(out, "regulationTemperature", field(b, (26, 6))?, 62.0);
    pick(out, "sourceRegulationTemperature", SOURCE, field(b, (32, 2))?);
    temperature(out, "internalTemperature", field(b, (34, 10))?);
    pick(out, "sourceTemperatureSetPointChange", SET_POINT_SOURCE, field(b, (44, 3))?);
    let (motor, opening) = if version == 0 {
        true_false(out, "isWindowOpenActive", field(b, (47, 1))?);
        true_false(out, "isFrostProtectActive", field(b, (48, 1))?);
        ((49, 13), (62, 7))
    } else {
        pick(out, "regulationMode", MODE, field(b, (67, 4))?);
        ((47, 13), (60, 7))
    };
    let motor = field(b, motor)?;
    if motor >= 8191.0 {
        out.plain("motorDistance", motor);
    } else {
        quantity(out, "motorDistance", motor, "µm", Some("um"));
    }
    quantity(out, "valveOpeningPercentage", field(b, opening)?, "%", Some("%"));
    Ok(())
}

/// A 10-bit battery voltage in 5 mV steps; `3ff` and `3fd` come out as bare millivolts.
fn battery(out: &mut Readings, name: &str, raw: f64) {
    if raw == 1023.0 || raw == 1021.0 {
        out.plain(name, raw * 5.0);
    } else {
        quantity(out, name, raw * 5.0, "mV", Some("mV"));
    }
}

fn status(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    need(b, 108)?;
    out.plain("hardwareVersion", field(b, (16, 8))?);
    out.plain("softwareVersion", field(b, (24, 8))?);
    battery(out, "batteryVoltageSlot1", field(b, (32, 10))?);
    battery(out, "batteryVoltageSlot2", field(b, (42, 10))?);
    pick(out, "batteryLevel", LEVEL, field(b, (52, 2))?);
    pick(out, "statusProduct", &["ok", "error"], field(b, (54, 1))?);
    pick(out, "statusAntiTear", TEAR, field(b, (55, 2))?);
    let calibration = [
        "calibration done",
        "calibration failure",
        "calibration not done, product not on the base",
        "calibration erase, product remove from the base",
    ];
    pick(out, "statusMotorCalibration", &calibration, field(b, (57, 3))?);
    quantity(out, "motorStrokeDistance", field(b, (60, 13))?, "µm", Some("um"));
    let months = field(b, (73, 10))?;
    if months >= 1023.0 {
        out.plain("timeActivation", months);
    } else {
        quantity(out, "timeActivation", months, "month", None);
    }
    out.text_owned("productDate", product_date(crate::bits(b, 83, 24)?));
    out.plain("isD2Dactive", field(b, (107, 1))?);
    Ok(())
}

/// `dd/mm/yyyy hh:mm` of `minutes` after 2026-01-01 00:00 (UTC).
fn product_date(minutes: u32) -> String {
    let minutes = i64::from(minutes);
    // 2026-01-01 is day 20454 of the Unix epoch.
    let (y, m, d) = passerelle_pdk::civil_from_days(20_454 + minutes / 1440);
    let (h, min) = ((minutes % 1440) / 60, minutes % 60);
    format!("{d:02}/{m:02}/{y:04} {h:02}:{min:02}")
}

fn probe(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    need(b, 71)?;
    out.plain("euiExternalProbe", field(b, (16, 24))?);
    pick(out, "statusExternalProbeAntiTear", TEAR, field(b, (40, 2))?);
    pick(out, "statusExternalProbeTemperature", &["ok", "error"], field(b, (42, 1))?);
    pick(out, "statusExternalProbeBatteryLevel", LEVEL, field(b, (43, 2))?);
    battery(out, "statusExternalProbeBatteryVoltage", field(b, (45, 10))?);
    out.plain("ExternalProbeMessageReceived", field(b, (55, 8))?);
    quantity(out, "ExternalProbeNetworkLevel", -field(b, (63, 8))?, "dBm", Some("dBm"));
    Ok(())
}

/// The configuration message. Version 0 (22 bytes):
///
/// source (16, 3); status (19, 2); periodic transmission period with regulation on (21, 3) and
/// off (24, 8), x*10 min; child lock (32), its offline behaviour (33), regulation (34);
/// minimum (35, 6) and maximum (41, 6) set points; frost protection (47) and its threshold
/// (48, 6); open window detection (54), its temperature drop (55, 5) x/10 °C/min and pause
/// (60, 6); internal offset (66, 7) x/10 - 5 °C; comfort (73, 6), eco (79, 6) and absent
/// (85, 6) set points; valve opening on low battery (84, 7) %; protocol and region (98, 4);
/// time zone (102, 5); join pending (107); NFC (108, 2); Kp (110, 7), Ki (117, 7); heating
/// period (124), its start month (125, 4) and day (129, 5), end month (134, 4) and day
/// (138, 5); planning (143); the profile of each weekday, 2 bits from bit 144; downlink
/// counter (160, 15).
///
/// Version 1 (23 bytes): as version 0 up to bit 73, then the regulation tolerance (73, 7)
/// x/10 °C/min; comfort (80, 6), eco (86, 6), absent (92, 6); valve opening on low battery
/// (96, 5); protocol and region (105, 4); time zone (109, 5); join pending (114); NFC
/// (115, 2); Kp (117, 7), Ki (124, 7); heating period (131), start month (132, 4) and day
/// (136, 1), end month (141, 4) and day (145, 5); planning (150); weekdays Monday (148, 1),
/// Tuesday (153, 2), Wednesday (152, 1), Thursday (157, 2), Friday (156, 1), Saturday
/// (161, 2), Sunday (163, 2); downlink counter (167, 16). Set points are x/2 °C, `3f` stays a
/// number. These version 1 positions, some overlapping, are where the vendor decoder reads.
fn configuration(b: &FixedBytes<'_>, out: &mut Readings, version: u32) -> Result<(), DecodeError> {
    let v1 = version == 1;
    need(b, if v1 { 184 } else { 176 })?;
    reconfiguration(b, out)?;
    quantity(out, "periodPeriodicTransmissionRegulationOn", field(b, (21, 3))? * 10.0, "min", Some("min"));
    quantity(out, "periodPeriodicTransmissionRegulationOff", field(b, (24, 8))? * 10.0, "min", Some("min"));
    on_off(out, "enableChildLock", field(b, (32, 1))?);
    let offline = ["unchanged when offline", "disable when offline "];
    pick(out, "childLockOfflineBehavior", &offline, field(b, (33, 1))?);
    on_off(out, "enableRegulation", field(b, (34, 1))?);
    set_point(out, "minimumRegulationTemperature", field(b, (35, 6))?, 63.0);
    set_point(out, "maximumRegulationTemperature", field(b, (41, 6))?, 63.0);
    on_off(out, "enableFrostProtect", field(b, (47, 1))?);
    set_point(out, "frostProtectActivationThreshold", field(b, (48, 6))?, 63.0);
    on_off(out, "enableOpenWindowDetection", field(b, (54, 1))?);
    quantity(out, "openWindowDetectionTemperatureDrop", field(b, (55, 5))? * 0.1, "°C/min", None);
    out.plain("openWindowDetectionPauseDuration", field(b, (60, 6))?);
    quantity(out, "temperatureInternalOffset", field(b, (66, 7))? * 0.1 - 5.0, "°C", Some("Cel"));
    // The field `(start, width)` of this version.
    let at = |v0: Field, v1_at: Field| if v1 { v1_at } else { v0 };
    if v1 {
        quantity(out, "regulationTolerance", field(b, (73, 7))? * 0.1, "°C/min", None);
    }
    set_point(out, "temperatureModeConfort", field(b, at((73, 6), (80, 6)))?, 63.0);
    set_point(out, "temperatureModeEco", field(b, at((79, 6), (86, 6)))?, 63.0);
    set_point(out, "temperatureModeAbsent", field(b, at((85, 6), (92, 6)))?, 63.0);
    quantity(out, "lowBatteryValveOpeningPercent", field(b, at((84, 7), (96, 5)))?, "%", Some("%"));
    let region = field(b, at((98, 4), (105, 4)))?;
    out.text("protocolAndRegion", if region == 1.0 { "LR-EU868" } else { "reserved" });
    let zones: Vec<String> = (-12..=14)
        .map(|h: i32| match h {
            0 => String::from("UTC"),
            h if h > 0 => format!("UTC +{h}"),
            h => format!("UTC {h}"),
        })
        .collect();
    let zones: Vec<&str> = zones.iter().map(String::as_str).collect();
    pick(out, "timeZone", &zones, field(b, at((102, 5), (109, 5)))?);
    true_false(out, "isJoinPending", field(b, at((107, 1), (114, 1)))?);
    let nfc = field(b, at((108, 2), (115, 2)))?;
    if v1 {
        on_off(out, "enableNfcDiscover", nfc);
    } else {
        pick(out, "enableNfcDiscover", &["on", "off"], nfc);
    }
    out.plain("kp", field(b, at((110, 7), (117, 7)))?);
    out.plain("ki", field(b, at((117, 7), (124, 7)))?);
    on_off(out, "enableHeatingPeriod", field(b, at((124, 1), (131, 1)))?);
    out.plain("heatingStartMonth", field(b, at((125, 4), (132, 4)))?);
    out.plain("heatingStartDay", field(b, at((129, 5), (136, 1)))?);
    out.plain("heatingEndMonth", field(b, at((134, 4), (141, 4)))?);
    out.plain("heatingEndDay", field(b, at((138, 5), (145, 5)))?);
    on_off(out, "enablePlanningMode", field(b, at((143, 1), (150, 1)))?);
    let days = [
        ("monday", (144, 2), (148, 1)),
        ("tuesday", (146, 2), (153, 2)),
        ("wednesday", (148, 2), (152, 1)),
        ("thursday", (150, 2), (157, 2)),
        ("friday", (152, 2), (156, 1)),
        ("saturday", (154, 2), (161, 2)),
        ("sunday", (156, 2), (163, 2)),
    ];
    for (day, v0_at, v1_at) in days {
        let profile = ["profil 1", "profil 2", "profil 3"];
        pick(out, &format!("dailyPlanning.{day}"), &profile, field(b, at(v0_at, v1_at))?);
    }
    out.plain("downlinkFcnt", field(b, at((160, 15), (167, 16)))?);
    Ok(())
}

/// Source (16, 3) and status (19, 2) of a reconfiguration.
fn reconfiguration(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    let source = match bits_u8(b, 16, 3)? {
        0 => "nfc",
        1 => "downlink",
        2 => "start-up",
        5 => "local",
        6 => "manual action",
        _ => "Reserved",
    };
    out.text("sourceReconfiguration", source);
    let status = match bits_u8(b, 19, 2)? {
        0 => "total success",
        1 => "partial success",
        2 => "total failure",
        _ => "Reserved",
    };
    out.text("statusReconfiguration", status);
    Ok(())
}

fn bits_u8(b: &FixedBytes<'_>, start: usize, width: usize) -> Result<u8, DecodeError> {
    crate::bits(b, start, width).map(|v| u8::try_from(v).unwrap_or(u8::MAX))
}

/// A daily profile: 48 half-hour slots of 2 bits from bit 21.
fn profile(b: &FixedBytes<'_>, out: &mut Readings) -> Result<(), DecodeError> {
    need(b, 117)?;
    reconfiguration(b, out)?;
    let modes = ["frost protect temperature", "confort temperature", "eco temperature", "absent temperature"];
    for slot in 0..48usize {
        let (from, to) = (slot * 30, (slot + 1) * 30 % 1440);
        let name = format!("temperatureSlot{:02}h{:02}_{:02}h{:02}", from / 60, from % 60, to / 60, to % 60);
        pick(out, &name, &modes, field(b, (21 + 2 * slot, 2))?);
    }
    Ok(())
}
