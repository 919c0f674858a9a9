//! A reading collection with the object semantics of the vendor decoder.
//!
//! The Strips decoder assigns a fresh object for each record (`target.temperature = {}` then
//! `target.temperature.value = ...`), so a record repeated in a frame replaces everything the
//! earlier one wrote below that name, and a record that writes a plain number
//! (`target.temperature = 23.4`) drops an earlier `temperature.value`. The pdk's `Readings`
//! only replaces equal names, so this crate keeps its own collection that can also clear a
//! whole object.

use passerelle_pdk::decoder::{Reading, Value};

/// Joins an object path and a key (`""` + `battery` -> `battery`,
/// `history.7` + `door` -> `history.7.door`).
pub fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() { key.to_string() } else { format!("{prefix}.{key}") }
}

/// The readings of one frame, in the order first written.
#[derive(Debug, Default)]
pub struct Fields {
    items: Vec<Reading>,
}

impl Fields {
    /// An empty collection.
    pub fn new() -> Self {
        Self::default()
    }

    /// Removes the reading named `path` and every reading below it (`path.*`), as assigning a
    /// new object or value to `path` does in the vendor decoder.
    pub fn clear(&mut self, path: &str) {
        self.items.retain(|r| {
            let below =
                r.name.strip_prefix(path).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'));
            !below
        });
    }

    fn put(&mut self, path: &str, value: Value, unit: Option<&str>) {
        let unit = unit.map(ToString::to_string);
        if let Some(r) = self.items.iter_mut().find(|r| r.name == path) {
            r.value = value;
            r.unit = unit;
        } else {
            self.items.push(Reading { name: path.to_string(), value, unit, time_ms: None });
        }
    }

    /// A number with a SenML unit.
    pub fn number(&mut self, path: &str, value: f64, unit: &str) {
        self.put(path, Value::Number(value), Some(unit));
    }

    /// A number without a unit.
    pub fn plain(&mut self, path: &str, value: f64) {
        self.put(path, Value::Number(value), None);
    }

    /// A boolean.
    pub fn boolean(&mut self, path: &str, value: bool) {
        self.put(path, Value::Boolean(value), None);
    }

    /// A text value.
    pub fn text(&mut self, path: &str, value: String) {
        self.put(path, Value::Text(value), None);
    }

    /// Sets the measurement time of `path` and every reading below it.
    pub fn stamp(&mut self, path: &str, time_ms: i64) {
        for r in &mut self.items {
            let below =
                r.name.strip_prefix(path).is_some_and(|rest| rest.is_empty() || rest.starts_with('.'));
            if below {
                r.time_ms = Some(time_ms);
            }
        }
    }

    /// The readings collected.
    pub fn into_vec(self) -> Vec<Reading> {
        self.items
    }
}
