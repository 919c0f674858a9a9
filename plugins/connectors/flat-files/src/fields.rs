//! The field mapping of JSON and XML records: a record gives a field at a dotted path, and the
//! mapping turns the fields into one reading of one module.

use passerelle_pdk::connector::{Reading, Value};

use crate::{Settings, number};

/// A field's value in a record.
#[derive(Debug, Clone, PartialEq)]
pub enum Field {
    /// A number (JSON).
    Number(f64),
    /// Text (a JSON string, an XML text or attribute).
    Text(String),
}

impl Field {
    fn text(&self) -> String {
        match self {
            Self::Number(n) => n.to_string(),
            Self::Text(t) => t.trim().to_string(),
        }
    }
}

/// A record whose fields are found by dotted path.
pub trait Fields {
    /// The field at `path` (names joined by `.`); none when absent, null or not a scalar.
    fn field(&self, path: &str) -> Option<Field>;
}

/// The names of the fields of a reading (settings `module_field`, `timestamp_field`,
/// `value_field`, `unit_field`, `name_field`).
#[derive(Debug, Clone)]
pub struct Mapping {
    /// Path of the module (default `Module`).
    pub module: String,
    /// Path of the timestamp (default `Timestamp`).
    pub timestamp: String,
    /// Path of the value (default `Value`).
    pub value: String,
    /// Path of the unit, used when present (default `Unit`).
    pub unit: String,
    /// Path of the reading name, if any.
    pub name: Option<String>,
    /// A number timestamp counts milliseconds (else seconds) since the Unix epoch.
    pub epoch_ms: bool,
}

/// The reading of a record, and its module.
///
/// # Errors
/// Why the record cannot be read (a field missing, a value that is not a number, a time that
/// does not exist).
pub fn reading(s: &Settings, m: &Mapping, record: &dyn Fields) -> Result<(String, Reading), String> {
    let module = record
        .field(&m.module)
        .map(|f| f.text())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| format!("the module field {:?} is missing", m.module))?;
    let time = match record.field(&m.timestamp) {
        None => return Err(format!("the timestamp field {:?} is missing", m.timestamp)),
        Some(Field::Number(n)) => {
            let ms = if m.epoch_ms { n } else { n * 1000.0 };
            if !ms.is_finite() || ms.abs() > 1e16 {
                return Err(format!("timestamp {n} is out of range"));
            }
            ms.round() as i64
        }
        Some(Field::Text(t)) => s.time.millis(t.trim())?,
    };
    let value = match record.field(&m.value) {
        None => return Err(format!("the value field {:?} is missing", m.value)),
        Some(Field::Number(n)) if n.is_finite() => n,
        Some(Field::Number(n)) => return Err(format!("value {n} is not a finite number")),
        Some(Field::Text(t)) => {
            number(&t, s.decimal_comma).ok_or_else(|| format!("value {t:?} is not a number"))?
        }
    };
    let unit = record.field(&m.unit).map(|f| f.text()).filter(|u| !u.is_empty()).or_else(|| s.unit.clone());
    let name = match &m.name {
        Some(path) => record
            .field(path)
            .map(|f| f.text())
            .filter(|n| !n.is_empty())
            .ok_or_else(|| format!("the name field {path:?} is missing"))?,
        None => s.name.clone(),
    };
    Ok((module, Reading { name, value: Value::Number(value), unit, time_ms: Some(time) }))
}
