//! GS601 vape detector. Unlike the other Milesight models its frames are a sequence of
//! commands: one command byte, then a value whose length the command fixes (no channel-type
//! byte). Telemetry `00`..`12` (battery, vaping index, PM1.0 / PM2.5 / PM10, temperature,
//! humidity, TVOC, tamper, buzzer, occupancy, each value command followed by its alarm
//! command), `20`..`2b` TVOC raw data (float32 pairs) and PM sensor working time, the
//! attribute commands `d8`..`df` and `c8` / `cf` / `ee`, echoes of configuration commands
//! (`60`..`77`, `c6`, `c7`), service commands without a value (`5e`, `5f`, `b6`, `b8`, `b9`,
//! `be`), `ef` command results and `fe` frame counter, as the vendor's gs601.js reads them.

use passerelle_pdk::decoder::{DecodeError, Reading};
use passerelle_pdk::{Reader, Readings};

use crate::channels::Ctx;
use crate::config;

/// Model ids of this family.
pub const MODELS: &[&str] = &["gs601"];

fn pick(names: &[(u8, &'static str)], v: u8) -> &'static str {
    names.iter().find(|(k, _)| *k == v).map_or("unknown", |(_, n)| n)
}

const RANGE_ERRORS: &[(u8, &str)] =
    &[(0, "collection error"), (1, "lower range error"), (2, "over range error")];
const LIMIT_ALARMS: &[(u8, &str)] = &[
    (0, "collection error"),
    (1, "lower range error"),
    (2, "over range error"),
    (0x10, "alarm deactivation"),
    (0x11, "alarm trigger"),
];

/// A float32 as gs601.js rounds it (three decimals).
fn float3(r: &mut Reader) -> Result<f64, DecodeError> {
    Ok((f64::from(r.f32_le()?) * 1000.0).round() / 1000.0)
}

/// An alarm command: the type byte, and for the trigger / deactivation types (`10`, `11`)
/// the value, written both under `<name>_alarm.<name>` and as the live `<name>`.
fn alarm(
    out: &mut Readings,
    r: &mut Reader,
    name: &str,
    types: &[(u8, &'static str)],
    value: impl Fn(&mut Reader) -> Result<(f64, Option<&'static str>), DecodeError>,
) -> Result<(), DecodeError> {
    let kind = r.u8()?;
    out.text(&format!("{name}_alarm.type"), pick(types, kind));
    if matches!(kind, 0x10 | 0x11) {
        let (v, unit) = value(r)?;
        for n in [format!("{name}_alarm.{name}"), name.to_string()] {
            match unit {
                Some(u) => out.number(&n, v, u),
                None => out.plain(&n, v),
            }
        }
    }
    Ok(())
}

fn u16_value(r: &mut Reader) -> Result<(f64, Option<&'static str>), DecodeError> {
    Ok((f64::from(r.u16_le()?), Some("ug/m3")))
}

fn printable(bytes: &[u8]) -> String {
    bytes.iter().take_while(|&&b| b != 0).map(|&b| char::from(b)).collect()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Decodes a whole GS601 frame.
pub fn decode(payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let mut ctx = Ctx::new();
    let mut r = Reader::new(payload);
    while !r.is_empty() {
        let offset = r.position();
        let cmd = r.u8()?;
        if !command(&mut ctx, cmd, &mut r)? {
            return Err(DecodeError::InvalidField(format!(
                "unknown gs601 command 0x{cmd:02x} at offset {offset}"
            )));
        }
    }
    Ok(ctx.finish())
}

fn command(ctx: &mut Ctx, cmd: u8, r: &mut Reader) -> Result<bool, DecodeError> {
    let out = &mut ctx.out;
    match cmd {
        // attributes
        0xdf => {
            let (a, b) = (r.u8()?, r.u8()?);
            out.text_owned("tsl_version", format!("v{a}.{b}"));
        }
        0xde => out.text_owned("product_name", printable(r.take(32)?)),
        0xdd => out.text_owned("product_pn", printable(r.take(32)?)),
        0xdb => out.text_owned("product_sn", hex(r.take(8)?)),
        0xda => {
            let (a, b) = (r.u8()?, r.u8()?);
            out.text_owned("version.hardware_version", format!("v{a}.{b}"));
            let f = r.take(6)?;
            let mut version =
                format!("v{}.{}", f.first().copied().unwrap_or(0), f.get(1).copied().unwrap_or(0));
            for (i, tag) in [(2, "r"), (3, "a"), (4, "u"), (5, "t")] {
                match f.get(i).copied() {
                    Some(0) | None => {}
                    Some(v) => version.push_str(&format!("-{tag}{v}")),
                }
            }
            out.text_owned("version.firmware_version", version);
        }
        0xd9 => out.text_owned("oem_id", hex(r.take(2)?)),
        0xd8 => out.text_owned("product_frequency_band", printable(r.take(16)?)),
        0xee => out.plain("device_request", 1.0),
        0xc8 => {
            let v = r.u8()?;
            out.text("device_status", pick(&[(0, "off"), (1, "on")], v));
        }
        0xcf => {
            r.skip(1)?;
            let v = r.u8()?;
            out.text(
                "lorawan_class",
                pick(&[(0, "Class A"), (1, "Class B"), (2, "Class C"), (3, "Class CtoB")], v),
            );
        }
        // telemetry
        0x00 => out.number("battery", f64::from(r.u8()?), "%"),
        0x01 => out.plain("vaping_index", f64::from(r.u8()?)),
        0x02 => {
            let types = [
                (0, "collection error"),
                (1, "lower range error"),
                (2, "over range error"),
                (0x10, "alarm deactivation"),
                (0x11, "alarm trigger"),
                (0x20, "interference alarm deactivation"),
                (0x21, "interference alarm trigger"),
            ];
            alarm(out, r, "vaping_index", &types, |r| Ok((f64::from(r.u8()?), None)))?;
        }
        0x03 => out.number("pm1_0", f64::from(r.u16_le()?), "ug/m3"),
        0x04 => alarm(out, r, "pm1_0", LIMIT_ALARMS, u16_value)?,
        0x05 => out.number("pm2_5", f64::from(r.u16_le()?), "ug/m3"),
        0x06 => alarm(out, r, "pm2_5", LIMIT_ALARMS, u16_value)?,
        0x07 => out.number("pm10", f64::from(r.u16_le()?), "ug/m3"),
        0x08 => alarm(out, r, "pm10", LIMIT_ALARMS, u16_value)?,
        0x09 => out.number("temperature", f64::from(r.i16_le()?) / 10.0, "Cel"),
        0x0a => {
            let mut types = LIMIT_ALARMS.to_vec();
            types.extend([(0x20, "burning alarm deactivation"), (0x21, "burning alarm trigger")]);
            alarm(out, r, "temperature", &types, |r| Ok((f64::from(r.i16_le()?) / 10.0, Some("Cel"))))?;
        }
        0x0b => out.number("humidity", f64::from(r.u16_le()?) / 10.0, "%RH"),
        0x0c => {
            let v = r.u8()?;
            out.text("humidity_alarm.type", pick(RANGE_ERRORS, v));
        }
        0x0d => out.number("tvoc", f64::from(r.u16_le()?), "ug/m3"),
        0x0e => alarm(out, r, "tvoc", LIMIT_ALARMS, u16_value)?,
        0x0f => {
            let v = r.u8()?;
            out.text("tamper_status", pick(&[(0, "normal"), (1, "triggered")], v));
        }
        0x10 => {
            let v = r.u8()?;
            out.text(
                "tamper_status_alarm.type",
                pick(&[(0x20, "alarm deactivation"), (0x21, "alarm trigger")], v),
            );
        }
        0x11 => {
            let v = r.u8()?;
            out.text("buzzer", pick(&[(0, "normal"), (1, "triggered")], v));
        }
        0x12 => {
            let v = r.u8()?;
            out.text("occupancy_status", pick(&[(0, "vacant"), (1, "occupied")], v));
        }
        0x20..=0x2a => {
            const PAIRS: [(&str, &str); 11] = [
                ("rmox_0", "rmox_1"),
                ("rmox_2", "rmox_3"),
                ("rmox_4", "rmox_5"),
                ("rmox_6", "rmox_7"),
                ("rmox_8", "rmox_9"),
                ("rmox_10", "rmox_11"),
                ("rmox_12", "zmod4510_rmox_3"),
                ("log_rcda", "rhtr"),
                ("temperature", "iaq"),
                ("tvoc", "etoh"),
                ("eco2", "rel_iaq"),
            ];
            let n = usize::from(cmd - 0x20);
            let (a, b) = PAIRS.get(n).copied().unwrap_or(("", ""));
            let p = format!("tvoc_raw_data_{}", n + 1);
            let (va, vb) = (float3(r)?, float3(r)?);
            out.plain(&format!("{p}.{a}"), va);
            out.plain(&format!("{p}.{b}"), vb);
        }
        0x2b => out.number("pm_sensor_working_time", f64::from(r.u32_le()?), "s"),
        // configuration echoes
        0x60 => {
            let unit = r.u8()?;
            let v = f64::from(r.u16_le()?);
            match unit {
                0 => {
                    out.text("reporting_interval.unit", "second");
                    out.number("reporting_interval.seconds_of_time", v, "s");
                }
                1 => {
                    out.text("reporting_interval.unit", "minute");
                    out.number("reporting_interval.minutes_of_time", v, "min");
                }
                _ => out.text("reporting_interval.unit", "unknown"),
            }
        }
        0x61 => {
            let v = r.u8()?;
            out.text("temperature_unit", pick(&[(0, "celsius"), (1, "fahrenheit")], v));
        }
        0x62 => config::enable_byte(r, out, "led_status")?,
        0x63 => config::enable_byte(r, out, "buzzer_enable")?,
        0x65 => config::enable_byte(r, out, "buzzer_button_stop_enable")?,
        0x66 => out.plain("buzzer_silent_time", f64::from(r.u16_le()?)),
        0x67 => config::enable_byte(r, out, "tamper_alarm_enable")?,
        0x68 => config::enable_byte(r, out, "tvoc_raw_reporting_enable")?,
        0x6f => out.plain("alarm_reporting_times", f64::from(r.u16_le()?)),
        0x70 => config::enable_byte(r, out, "alarm_deactivation_enable")?,
        0x71 | 0x72 => {
            let p = if cmd == 0x71 {
                "temperature_calibration_settings"
            } else {
                "humidity_calibration_settings"
            };
            config::enable_byte(r, out, &format!("{p}.enable"))?;
            out.plain(&format!("{p}.calibration_value"), f64::from(r.i16_le()?) / 10.0);
        }
        0x64 => {
            let index = r.u8()?;
            let p = format!("buzzer_sleep.item_{index}");
            config::enable_byte(r, out, &format!("{p}.enable"))?;
            out.plain(&format!("{p}.start_time"), f64::from(r.u16_le()?));
            out.plain(&format!("{p}.end_time"), f64::from(r.u16_le()?));
        }
        0x69 => {
            let p = "temperature_alarm_settings";
            config::enable_byte(r, out, &format!("{p}.enable"))?;
            let cond = r.u8()?;
            out.text(&format!("{p}.condition"), crate::channels::condition(cond));
            out.number(&format!("{p}.threshold_min"), f64::from(r.i16_le()?) / 10.0, "Cel");
            out.number(&format!("{p}.threshold_max"), f64::from(r.i16_le()?) / 10.0, "Cel");
        }
        0x6a..=0x6d => {
            // enable, then condition and minimum (not reported by gs601.js), maximum
            let name = ["pm1_0", "pm2_5", "pm10", "tvoc"].get(usize::from(cmd - 0x6a)).copied().unwrap_or("");
            let p = format!("{name}_alarm_settings");
            config::enable_byte(r, out, &format!("{p}.enable"))?;
            r.skip(3)?;
            out.plain(&format!("{p}.threshold_max"), f64::from(r.i16_le()?));
        }
        0x6e => {
            let p = "vaping_index_alarm_settings";
            config::enable_byte(r, out, &format!("{p}.enable"))?;
            r.skip(2)?;
            out.plain(&format!("{p}.threshold_max"), f64::from(r.u8()?));
        }
        0x73..=0x76 => {
            let name = ["pm1_0", "pm2_5", "pm10", "tvoc"].get(usize::from(cmd - 0x73)).copied().unwrap_or("");
            let p = format!("{name}_calibration_settings");
            config::enable_byte(r, out, &format!("{p}.enable"))?;
            out.plain(&format!("{p}.calibration_value"), f64::from(r.i16_le()?));
        }
        0x77 => {
            config::enable_byte(r, out, "vaping_index_calibration_settings.enable")?;
            out.plain("vaping_index_calibration_settings.calibration_value", f64::from(r.i8()?));
        }
        0xef => {
            // result (high nibble) and length (low nibble) of the command it answers
            let head = r.u8()?;
            let id = r.take(usize::from(head & 0x0f))?;
            let n = ctx.next_index("request_result");
            let out = &mut ctx.out;
            let result = match head >> 4 {
                0 => "success",
                1 => "parsing error",
                2 => "order error",
                3 => "password error",
                4 => "read params error",
                5 => "write params error",
                6 => "read execution error",
                7 => "write execution error",
                8 => "read apply error",
                9 => "write apply error",
                10 => "associative error",
                _ => "unknown",
            };
            out.text(&format!("request_result.{n}.result"), result);
            out.text_owned(&format!("request_result.{n}.cmd_id"), hex(id));
            out.text(&format!("request_result.{n}.cmd_name"), command_name(id.first().copied()));
        }
        0xc7 => {
            let tz = r.i16_le()?;
            out.text("time_zone", config::time_zone(tz));
        }
        // services, no value
        0x5e => out.text("execute_tvoc_self_clean", "yes"),
        0x5f => out.text("stop_buzzer_alarm", "yes"),
        0xb6 => out.text("reconnect", "yes"),
        0xb8 => out.text("synchronize_time", "yes"),
        0xb9 => out.text("query_device_status", "yes"),
        0xbe => out.text("reboot", "yes"),
        0xfe => out.plain("frame", f64::from(r.u8()?)),
        _ => return Ok(false),
    }
    Ok(true)
}

/// The configuration or service command a `ef` result answers, by its first byte.
fn command_name(cmd: Option<u8>) -> &'static str {
    match cmd {
        Some(0x60) => "reporting_interval",
        Some(0x61) => "temperature_unit",
        Some(0x62) => "led_status",
        Some(0x63) => "buzzer_enable",
        Some(0x64) => "buzzer_sleep",
        Some(0x65) => "buzzer_button_stop_enable",
        Some(0x66) => "buzzer_silent_time",
        Some(0x67) => "tamper_alarm_enable",
        Some(0x68) => "tvoc_raw_reporting_enable",
        Some(0x69) => "temperature_alarm_settings",
        Some(0x6a) => "pm1_0_alarm_settings",
        Some(0x6b) => "pm2_5_alarm_settings",
        Some(0x6c) => "pm10_alarm_settings",
        Some(0x6d) => "tvoc_alarm_settings",
        Some(0x6e) => "vaping_index_alarm_settings",
        Some(0x6f) => "alarm_reporting_times",
        Some(0x70) => "alarm_deactivation_enable",
        Some(0x71) => "temperature_calibration_settings",
        Some(0x72) => "humidity_calibration_settings",
        Some(0x73) => "pm1_0_calibration_settings",
        Some(0x74) => "pm2_5_calibration_settings",
        Some(0x75) => "pm10_calibration_settings",
        Some(0x76) => "tvoc_calibration_settings",
        Some(0x77) => "vaping_index_calibration_settings",
        Some(0xc6) => "daylight_saving_time",
        Some(0xc7) => "time_zone",
        Some(0xbe) => "reboot",
        Some(0xb6) => "reconnect",
        Some(0xb8) => "synchronize_time",
        Some(0xb9) => "query_device_status",
        Some(0x5f) => "stop_buzzer_alarm",
        Some(0x5e) => "execute_tvoc_self_clean",
        _ => "unknown",
    }
}
