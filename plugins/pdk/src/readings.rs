use std::string::{String, ToString};
use std::vec::Vec;

use crate::decoder::{Reading, Value};

/// Collects the readings of one frame. A name written twice keeps the last value, as vendor
/// decoders that assign object fields do.
#[derive(Debug, Default)]
pub struct Readings {
    items: Vec<Reading>,
}

impl Readings {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    fn put(&mut self, name: &str, value: Value, unit: Option<&str>) {
        let unit = unit.map(ToString::to_string);
        if let Some(r) = self.items.iter_mut().find(|r| r.name == name) {
            r.value = value;
            r.unit = unit;
        } else {
            self.items.push(Reading { name: name.to_string(), value, unit, time_ms: None });
        }
    }

    /// A numeric reading with a SenML unit (`Cel`, `%RH`, `ppm`, ...).
    pub fn number(&mut self, name: &str, value: f64, unit: &str) {
        self.put(name, Value::Number(value), Some(unit));
    }

    /// A numeric reading without a unit.
    pub fn plain(&mut self, name: &str, value: f64) {
        self.put(name, Value::Number(value), None);
    }

    /// A text reading (a state name).
    pub fn text(&mut self, name: &str, value: &str) {
        self.put(name, Value::Text(value.to_string()), None);
    }

    /// A text reading from an owned string.
    pub fn text_owned(&mut self, name: &str, value: String) {
        self.put(name, Value::Text(value), None);
    }

    /// A boolean reading.
    pub fn boolean(&mut self, name: &str, value: bool) {
        self.put(name, Value::Boolean(value), None);
    }

    /// Sets the measurement time of every reading named `prefix` or `prefix.<anything>` (a
    /// history record such as `history.0`), for payloads that carry their own timestamps.
    pub fn stamp(&mut self, prefix: &str, time_ms: i64) {
        for r in &mut self.items {
            let inside =
                r.name.strip_prefix(prefix).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'));
            if inside {
                r.time_ms = Some(time_ms);
            }
        }
    }

    /// Number of readings collected.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when nothing was collected.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The readings, in the order first written.
    pub fn into_vec(self) -> Vec<Reading> {
        self.items
    }
}
