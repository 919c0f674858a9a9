//! The Decentlab protocol v2 reader, shared by every model.
//!
//! | bytes | field |
//! |---|---|
//! | 0 | protocol version, must be 2 |
//! | 1-2 | device id, u16 big-endian |
//! | 3-4 | sensor flags, u16 big-endian: bit *i* set = sensor group *i* of the model follows |
//! | 5.. | for each group present, in bit order: its fixed number of u16 big-endian words |
//!
//! A model is a table of [`Sensor`] groups, each a word count and the [`Value`]s computed from
//! the group's words by the vendor's formulas. Every value is written as the vendor decoders
//! output it, a `{displayName, unit, value}` object: readings `<name>.displayName` (text),
//! `<name>.unit` (text, when the vendor gives a unit) and `<name>.value` (number, with its
//! SenML unit when there is one). `protocol_version` and `device_id` are plain numbers.

use passerelle_pdk::decoder::{DecodeError, Reading};
use passerelle_pdk::{Reader, Readings};

/// The only protocol version the devices speak.
pub const PROTOCOL_VERSION: u8 = 2;

/// The words of one sensor group, as unsigned 16-bit integers.
#[derive(Debug, Clone, Default)]
pub struct Words(Vec<f64>);

impl Words {
    /// Word `i` of the group. The reader always fills the group's word count, so the fallback
    /// (`NaN`) only shows a table whose formula reads past its own group.
    pub fn get(&self, i: usize) -> f64 {
        self.0.get(i).copied().unwrap_or(f64::NAN)
    }

    /// Words `lo` and `hi` joined as `lo + hi * 65536` (the vendor's 32-bit values, low word
    /// first).
    pub fn long(&self, lo: usize, hi: usize) -> f64 {
        self.get(lo) + self.get(hi) * 65536.0
    }
}

/// One value computed from a sensor group.
#[derive(Debug, Clone, Copy)]
pub struct Value {
    /// Vendor field name (`air_temperature`).
    pub name: &'static str,
    /// Vendor display name (`Air temperature`).
    pub display: &'static str,
    /// Vendor unit text (`°C`), when the vendor gives one.
    pub unit: Option<&'static str>,
    /// SenML unit of the number (`Cel`), when one applies.
    pub senml: Option<&'static str>,
    /// The vendor's conversion formula.
    pub convert: fn(&Words) -> f64,
}

/// A [`Value`], written compactly in the model tables.
pub const fn value(
    name: &'static str,
    display: &'static str,
    unit: Option<&'static str>,
    senml: Option<&'static str>,
    convert: fn(&Words) -> f64,
) -> Value {
    Value { name, display, unit, senml, convert }
}

/// One sensor group: its word count and its values.
#[derive(Debug, Clone, Copy)]
pub struct Sensor {
    /// Number of u16 words the group occupies.
    pub words: usize,
    /// Values computed from them.
    pub values: &'static [Value],
}

/// The battery group every model ends with: one word in mV, output in V.
pub const BATTERY: Sensor = Sensor {
    words: 1,
    values: &[Value {
        name: "battery_voltage",
        display: "Battery voltage",
        unit: Some("V"),
        senml: Some("V"),
        convert: |x| x.get(0) / 1000.0,
    }],
};

/// Air temperature and humidity of a Sensirion SHT3x (two words).
pub const SHT3X: Sensor = Sensor {
    words: 2,
    values: &[
        Value {
            name: "air_temperature",
            display: "Air temperature",
            unit: Some("°C"),
            senml: Some("Cel"),
            convert: |x| 175.0 * x.get(0) / 65535.0 - 45.0,
        },
        Value {
            name: "air_humidity",
            display: "Air humidity",
            unit: Some("%"),
            senml: Some("%RH"),
            convert: |x| 100.0 * x.get(1) / 65535.0,
        },
    ],
};

/// Air temperature and humidity of a Sensirion SHT2x (two words), as on the DL-LP8P and DL-PM.
pub const SHT2X: Sensor = Sensor {
    words: 2,
    values: &[
        Value {
            name: "air_temperature",
            display: "Air temperature",
            unit: Some("°C"),
            senml: Some("Cel"),
            convert: |x| 175.72 * x.get(0) / 65536.0 - 46.85,
        },
        Value {
            name: "air_humidity",
            display: "Air humidity",
            unit: Some("%"),
            senml: Some("%RH"),
            convert: |x| 125.0 * x.get(1) / 65536.0 - 6.0,
        },
    ],
};

/// The signed 24-bit ratio of the vendor's ADC, from two words (low word first), in -1..1.
pub fn adc_ratio(x: &Words) -> f64 {
    x.long(0, 1) / 8_388_608.0 - 1.0
}

/// Decodes a protocol v2 payload with the sensor table of a model.
pub fn decode(sensors: &[Sensor], payload: &[u8]) -> Result<Vec<Reading>, DecodeError> {
    let mut r = Reader::new(payload);
    let version = r.u8()?;
    if version != PROTOCOL_VERSION {
        return Err(DecodeError::InvalidField(format!("protocol version {version} doesn't match v2")));
    }
    let device_id = r.u16_be()?;
    let flags = r.u16_be()?;
    let mut out = Readings::new();
    out.plain("protocol_version", f64::from(version));
    out.plain("device_id", f64::from(device_id));
    for (i, sensor) in sensors.iter().enumerate() {
        if i >= 16 || flags & (1 << i) == 0 {
            continue;
        }
        let mut words = Vec::with_capacity(sensor.words);
        for _ in 0..sensor.words {
            words.push(f64::from(r.u16_be()?));
        }
        let words = Words(words);
        for value in sensor.values {
            out.text(&format!("{}.displayName", value.name), value.display);
            if let Some(unit) = value.unit {
                out.text(&format!("{}.unit", value.name), unit);
            }
            let number = (value.convert)(&words);
            let name = format!("{}.value", value.name);
            match value.senml {
                Some(unit) => out.number(&name, number, unit),
                None => out.plain(&name, number),
            }
        }
    }
    Ok(out.into_vec())
}
