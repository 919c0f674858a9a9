//! Temperature & humidity loggers: LHT65, LHT65N (and LHT65N-PIR, same decoder), LHT65N-E31F,
//! LHT52 (`vendor/dragino/lht65.js`, `lht65n.js`, `lht65n-e31f.js`, `lht52.js`).
//!
//! LHT65 / LHT65N live report, fPort 2, exactly 11 bytes:
//!
//! | bytes | name | value |
//! |---|---|---|
//! | 0-1 | BatV, Bat_status | bits 13-0 mV as V; bits 15-14 battery status (Ext 9: TempC_DS instead, int16 / 100 °C, and Bat_status = byte 4 >> 6) |
//! | 2-3 | TempC_SHT | int16 / 100, °C (absent for Ext 15) |
//! | 4-5 | Hum_SHT | bits 11-0 / 10, %RH (absent for Ext 15) |
//! | 6 | Ext | bits 3-0 external sensor type; LHT65: bit 6 poll reply, bit 7 `No_connect`; LHT65N: bit 7 datalog |
//! | 7-10 | external value | by Ext, below |
//!
//! | Ext | readings |
//! |---|---|
//! | 0 | Ext_sensor `No external sensor` |
//! | 1 | Ext_sensor `Temperature Sensor`, TempC_DS int16 / 100 °C |
//! | 2 (LHT65N) | Ext_sensor `Temperature Sensor`, TempC_TMP117 int16 / 100 °C |
//! | 4 | Work_mode `Interrupt Sensor send`, Exti_pin_level `High`/`Low`, Exti_status `True`/`False` |
//! | 5 | Work_mode `Illumination Sensor`, ILL_lx u16 lux |
//! | 6 | Work_mode `ADC Sensor`, ADC_V u16 / 1000 V |
//! | 7 | Work_mode `Interrupt Sensor count`, Exit_count u16 |
//! | 8 | Work_mode `Interrupt Sensor count`, Exit_count int32 |
//! | 9 | Work_mode `DS18B20 & timestamp`, Systimestamp int32 (Unix s) |
//! | 15 | Work_mode `DS18B20ID`, ID: bytes 2-5 and 7-10 as `xx ` hex groups |
//!
//! The LHT65 decoder answers nothing for a poll reply (byte 6 bit 6) or a length other than
//! 11: an error here. The LHT65N decodes a frame whose byte 6 bit 7 is set as a datalog:
//! `DATALOG` is the text `[v,TempC_SHT,Hum_SHT,YYYY-MM-DD HH:MM:SS],` repeated for each 11-byte
//! record, `v` the external value of the first record's Ext type. On fPort 3 a frame whose byte
//! 2 is 1 or 2 is a temperature list instead: `bat` (u16 bits 13-0, mV), `sensor` (`ds18b20` for
//! 1, `tmp117` for 2) and `Temp.0`, `Temp.1`, ... the distinct u16 / 100 values from byte 3 on.
//!
//! LHT65N-E31F, fPort 2, 11 bytes: BatV, TempC_SHT, Hum_SHT (bytes 0-5 as above),
//! EXT_TempC_SHT (bytes 7-8, int16 / 100 °C), EXT_Hum_SHT (bytes 9-10, bits 11-0 / 10 %RH);
//! byte 6 bit 6 set (poll reply) is an error.
//!
//! LHT52: fPort 2, 11 bytes: TempC_SHT (0-1, int16 / 100), Hum_SHT (2-3, int16 / 10), TempC_DS
//! (4-5, int16 / 100), Ext (6), Systimestamp (7-10, int32); another length is the text
//! `Status`. fPort 3: a `Status` text (datalog to parse elsewhere). fPort 4: DS18B20_ID, bytes
//! 0-7 as hex. fPort 5: Sensor_Model, Firmware_Version (hex of bytes 1-2), Freq_Band, Sub_Band,
//! Bat_mV.

use passerelle_pdk::Readings;

use crate::DecodeError;
use crate::common::{Battery, Bytes, datetime, js_number};

/// The models of the family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Model {
    /// LHT65.
    Lht65,
    /// LHT65N and LHT65N-PIR.
    Lht65n,
    /// LHT65N-E31F (external SHT31 probe).
    Lht65nE31f,
    /// LHT52.
    Lht52,
}

/// Model ids of the family.
pub const MODELS: &[&str] = &["lht65", "lht65n", "lht65n-pir", "lht65n-e31f", "lht52"];

impl Model {
    /// The model of a lower-case TTN device-repository id.
    pub fn from_id(id: &str) -> Option<Self> {
        Some(match id {
            "lht65" => Self::Lht65,
            "lht65n" | "lht65n-pir" => Self::Lht65n,
            "lht65n-e31f" => Self::Lht65nE31f,
            "lht52" => Self::Lht52,
            _ => return None,
        })
    }
}

/// Decodes a frame of `model` received on `port`.
pub fn decode(model: Model, port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match (model, port) {
        (Model::Lht65, 2) => lht65(b, out),
        (Model::Lht65n, 3) if matches!(b.u8(2), Ok(1 | 2)) => temperature_list(b, out),
        (Model::Lht65n, 2 | 3) => lht65n(b, out),
        (Model::Lht65nE31f, 2) => e31f(b, out),
        (Model::Lht52, 2..=5) => lht52(port, b, out),
        _ => Err(DecodeError::UnknownPort(port)),
    }
}

fn lht65(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.exactly(11)?;
    let flags = b.u8(6)?;
    if flags & 0x40 != 0 {
        return Err(DecodeError::InvalidField(String::from("byte 6 bit 6: poll reply, no live reading")));
    }
    live(b, out, flags & 0x80 != 0, false)
}

fn lht65n(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let flags = b.u8(6)?;
    if flags & 0x80 != 0 {
        return datalog(b, out);
    }
    b.exactly(11)?;
    live(b, out, false, true)
}

/// The live report of the LHT65 / LHT65N (`tmp117`: the LHT65N's Ext 2 probe).
fn live(b: &Bytes, out: &mut Readings, no_connect: bool, tmp117: bool) -> Result<(), DecodeError> {
    let ext = b.u8(6)? & 0x0f;
    if ext == 9 {
        out.number("TempC_DS", f64::from(b.i16_be(0)?) / 100.0, "Cel");
        out.plain("Bat_status", f64::from(b.u8(4)? >> 6));
    } else {
        out.number("BatV", b.battery(0)?, "V");
        out.plain("Bat_status", f64::from(b.u8(0)? >> 6));
    }
    if ext != 15 {
        out.number("TempC_SHT", f64::from(b.i16_be(2)?) / 100.0, "Cel");
        out.number("Hum_SHT", f64::from(b.u16_be(4)? & 0x0fff) / 10.0, "%RH");
    }
    if no_connect {
        out.text("No_connect", "Sensor no connection");
    }
    match ext {
        0 => out.text("Ext_sensor", "No external sensor"),
        1 => {
            out.text("Ext_sensor", "Temperature Sensor");
            out.number("TempC_DS", f64::from(b.i16_be(7)?) / 100.0, "Cel");
        }
        2 if tmp117 => {
            out.text("Ext_sensor", "Temperature Sensor");
            out.number("TempC_TMP117", f64::from(b.i16_be(7)?) / 100.0, "Cel");
        }
        4 => {
            out.text("Work_mode", "Interrupt Sensor send");
            let level = if b.u8(7)? != 0 { "High" } else { "Low" };
            out.text("Exti_pin_level", level);
            let status = if b.u8(8)? != 0 { "True" } else { "False" };
            out.text("Exti_status", status);
        }
        5 => {
            out.text("Work_mode", "Illumination Sensor");
            out.number("ILL_lx", f64::from(b.u16_be(7)?), "lx");
        }
        6 => {
            out.text("Work_mode", "ADC Sensor");
            out.number("ADC_V", f64::from(b.u16_be(7)?) / 1000.0, "V");
        }
        7 => {
            out.text("Work_mode", "Interrupt Sensor count");
            out.number("Exit_count", f64::from(b.u16_be(7)?), "count");
        }
        8 => {
            out.text("Work_mode", "Interrupt Sensor count");
            out.number("Exit_count", f64::from(b.i32_be(7)?), "count");
        }
        9 => {
            out.text("Work_mode", "DS18B20 & timestamp");
            out.plain("Systimestamp", f64::from(b.i32_be(7)?));
        }
        15 => {
            out.text("Work_mode", "DS18B20ID");
            let mut id = String::new();
            for i in [2, 3, 4, 5, 7, 8, 9, 10] {
                id.push_str(&format!("{:02x} ", b.u8(i)?));
            }
            out.text_owned("ID", id);
        }
        _ => {}
    }
    Ok(())
}

/// The LHT65N datalog: 11-byte records (a cut last record reads its missing bytes as 0, as
/// the vendor decoder does), formatted into one `DATALOG` text.
fn datalog(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    let ext = b.u8(6)? & 0x0f;
    let mut text = String::new();
    for start in (0..b.len()).step_by(11) {
        let rec = Bytes::zero_padded(b.as_slice().get(start..).unwrap_or_default(), 11);
        let value = match ext {
            1 | 2 | 9 => js_number(f64::from(rec.i16_be(0)?) / 100.0),
            4 => {
                let level = if rec.u8(0)? != 0 { "High" } else { "Low" };
                let status = if rec.u8(1)? != 0 { "True" } else { "False" };
                format!("{level}{status}")
            }
            5 | 7 | 8 => js_number(f64::from(rec.u16_be(0)?)),
            6 => js_number(f64::from(rec.u16_be(0)?) / 1000.0),
            _ => String::from("undefined"),
        };
        let temp = js_number(f64::from(rec.i16_be(2)?) / 100.0);
        let hum = js_number(f64::from(rec.u16_be(4)? & 0x0fff) / 10.0);
        let time = datetime(i64::from(rec.i32_be(7)?));
        text.push_str(&format!("[{value},{temp},{hum},{time}],"));
    }
    if !text.is_empty() {
        out.text_owned("DATALOG", text);
    }
    Ok(())
}

/// The LHT65N fPort 3 temperature list (byte 2 = 1 or 2).
fn temperature_list(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    b.require(5)?;
    out.number("bat", f64::from(b.u16_be(0)? & 0x3fff), "mV");
    let sensor = if b.u8(2)? == 1 { "ds18b20" } else { "tmp117" };
    out.text("sensor", sensor);
    let mut seen: Vec<u16> = Vec::new();
    let mut i = 3;
    while i + 1 < b.len() {
        let raw = b.u16_be(i)?;
        if !seen.contains(&raw) {
            out.number(&format!("Temp.{}", seen.len()), f64::from(raw) / 100.0, "Cel");
            seen.push(raw);
        }
        i += 2;
    }
    Ok(())
}

fn e31f(b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    if b.u8(6)? & 0x40 != 0 {
        return Err(DecodeError::InvalidField(String::from("byte 6 bit 6: poll reply, no live reading")));
    }
    b.exactly(11)?;
    out.number("BatV", b.battery(0)?, "V");
    out.number("TempC_SHT", f64::from(b.i16_be(2)?) / 100.0, "Cel");
    out.number("Hum_SHT", f64::from(b.u16_be(4)? & 0x0fff) / 10.0, "%RH");
    out.number("EXT_TempC_SHT", f64::from(b.i16_be(7)?) / 100.0, "Cel");
    out.number("EXT_Hum_SHT", f64::from(b.u16_be(9)? & 0x0fff) / 10.0, "%RH");
    Ok(())
}

fn lht52(port: u8, b: &Bytes, out: &mut Readings) -> Result<(), DecodeError> {
    match port {
        2 if b.len() == 11 => {
            out.number("TempC_SHT", f64::from(b.i16_be(0)?) / 100.0, "Cel");
            out.number("Hum_SHT", f64::from(b.i16_be(2)?) / 10.0, "%RH");
            out.number("TempC_DS", f64::from(b.i16_be(4)?) / 100.0, "Cel");
            out.plain("Ext", f64::from(b.u8(6)?));
            out.plain("Systimestamp", f64::from(b.i32_be(7)?));
        }
        2 => out.text("Status", "RPL data or sensor reset"),
        3 => out.text("Status", "Data retrieved, your need to parse it by the application server"),
        4 => {
            b.require(8)?;
            let mut id = String::new();
            for i in 0..8 {
                id.push_str(&format!("{:02x}", b.u8(i)?));
            }
            out.text_owned("DS18B20_ID", id);
        }
        _ => {
            b.require(7)?;
            out.plain("Sensor_Model", f64::from(b.u8(0)?));
            out.text_owned("Firmware_Version", format!("{:02x}", b.u16_be(1)?));
            out.plain("Freq_Band", f64::from(b.u8(3)?));
            out.plain("Sub_Band", f64::from(b.u8(4)?));
            out.number("Bat_mV", f64::from(b.u16_be(5)?), "mV");
        }
    }
    Ok(())
}
