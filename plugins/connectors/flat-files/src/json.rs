//! JSON records: the elements of the array at the `records` path (or NDJSON values), each
//! mapped to a reading by field paths.

use passerelle_records::JsonSplitter;
use serde_json::Value as Json;

use crate::fields::{Field, Fields};

/// One JSON record.
#[derive(Debug)]
pub struct JsonRecord(pub Json);

impl JsonRecord {
    /// Parses a record; it must be an object.
    ///
    /// # Errors
    /// Not JSON, or not an object.
    pub fn parse(bytes: &[u8]) -> Result<Self, String> {
        match serde_json::from_slice::<Json>(bytes) {
            Ok(v @ Json::Object(_)) => Ok(Self(v)),
            Ok(_) => Err("the record is not a JSON object".into()),
            Err(e) => Err(format!("the record is not JSON: {e}")),
        }
    }
}

/// A member of an object by name: exact, else without regard to case.
fn member<'a>(v: &'a Json, name: &str) -> Option<&'a Json> {
    let map = v.as_object()?;
    map.get(name).or_else(|| map.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v))
}

impl Fields for JsonRecord {
    fn field(&self, path: &str) -> Option<Field> {
        // A member whose own name holds dots wins over a path.
        let found = member(&self.0, path).or_else(|| {
            path.split('.').try_fold(&self.0, |v, key| match v {
                Json::Array(items) => items.get(key.parse::<usize>().ok()?),
                _ => member(v, key),
            })
        })?;
        match found {
            Json::Number(n) => n.as_f64().map(Field::Number),
            Json::String(s) => Some(Field::Text(s.clone())),
            Json::Bool(b) => Some(Field::Text(b.to_string())),
            _ => None,
        }
    }
}

/// The splitter of a chunk's body: a sequence of records when the host cut them (header
/// `split: json`), else the array at `path` (or NDJSON values) in the body.
pub fn splitter(host_split: bool, path: &str, first_line: u64) -> JsonSplitter {
    let s = if host_split { JsonSplitter::sequence() } else { JsonSplitter::at_path(path) };
    s.starting_at(first_line)
}
