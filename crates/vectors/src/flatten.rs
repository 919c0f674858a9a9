//! JSON outputs as readings named by dotted paths.

use serde_json::Value as Json;

use crate::error::{At, FormatError, LeafError};
use crate::value::{Reading, Value};

/// Flattens a JSON output into readings named by dotted paths: `{"a": {"b": [1, 2]}}` gives
/// `a.b.0 = 1`, `a.b.1 = 2`; a key that holds a dot keeps it (`pm2.5`). Numbers become
/// numbers, strings text, booleans booleans. Object keys come out in sorted order.
///
/// # Errors
/// [`LeafError`] for a `null` leaf (no reading can hold it).
pub fn flatten(value: &Json) -> Result<Vec<Reading>, LeafError> {
    let mut out = Vec::new();
    flatten_into("", value, &mut out)?;
    Ok(out)
}

pub(crate) fn flatten_at(value: &Json, at: At) -> Result<Vec<Reading>, FormatError> {
    flatten(value).map_err(|problem| FormatError::Leaf { at, problem })
}

fn flatten_into(prefix: &str, value: &Json, out: &mut Vec<Reading>) -> Result<(), LeafError> {
    let join = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    let leaf = |value| Reading { name: prefix.to_string(), value };
    match value {
        Json::Object(map) => {
            for (k, v) in map {
                flatten_into(&join(k), v, out)?;
            }
        }
        Json::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                flatten_into(&join(&i.to_string()), v, out)?;
            }
        }
        Json::Number(n) => {
            let x =
                n.as_f64().ok_or(LeafError { name: prefix.to_string(), what: "a number out of range" })?;
            out.push(leaf(Value::Number(x)));
        }
        Json::String(s) => out.push(leaf(Value::Text(s.clone()))),
        Json::Bool(b) => out.push(leaf(Value::Boolean(*b))),
        Json::Null => return Err(LeafError { name: prefix.to_string(), what: "null" }),
    }
    Ok(())
}
