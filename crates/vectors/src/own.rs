//! A plugin's own vectors: `vectors/vectors.jsonl` in each decoder crate.

use serde_json::Value as Json;

use crate::error::{At, FormatError};
use crate::flatten::flatten_at;
use crate::hex::hex;
use crate::value::Expectation;

/// One vector of a plugin's own file.
#[derive(Debug, Clone, PartialEq)]
pub struct Vector {
    /// What the vector shows, for messages.
    pub description: String,
    /// The model id the frame is decoded as.
    pub model: String,
    /// The LoRaWAN fPort.
    pub port: u8,
    /// The payload.
    pub payload: Vec<u8>,
    /// The firmware version the frame is given with (`"1.1.4"`), for a format that changed
    /// between firmwares; none by default.
    pub firmware: Option<String>,
    /// What decoding must give.
    pub expect: Expectation,
}

/// Parses a plugin's own vectors: JSON lines, one vector per line, blank lines skipped.
///
/// ```json
/// {"description": "em300-th example", "model": "em300-th", "port": 85, "hex": "017532", "expect": {"battery": 50}}
/// {"description": "truncated frame", "model": "em300-th", "port": 85, "hex": "0175", "expect": "error"}
/// ```
///
/// An optional `firmware` (a string such as `"1.1.4"`) gives the frame that firmware version.
/// Every other field is required: `description`, `model` (strings), `port` (0-255), `hex` (the
/// payload; whitespace between digits allowed) and `expect`: the string `"error"` when decoding
/// must fail, or an object of reading name -> value. Values are numbers, strings or booleans;
/// nested objects and arrays are flattened to dotted names as vendor outputs are
/// ([`crate::flatten`]); `null` is refused.
///
/// # Errors
/// The first [`FormatError`], naming its line.
pub fn parse_vectors(jsonl: &str) -> Result<Vec<Vector>, FormatError> {
    let mut out = Vec::new();
    for (i, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        out.push(parse_line(line, At::Line(i + 1))?);
    }
    Ok(out)
}

fn parse_line(line: &str, at: At) -> Result<Vector, FormatError> {
    let json: Json = serde_json::from_str(line).map_err(|error| FormatError::Json { at, error })?;
    let text = |field: &'static str| {
        json.get(field).and_then(Json::as_str).ok_or(FormatError::Field { at, field, wanted: "a string" })
    };
    let description = text("description")?.to_string();
    let model = text("model")?.to_string();
    let payload = hex(text("hex")?).map_err(|problem| FormatError::Hex { at, field: "hex", problem })?;
    let port = json
        .get("port")
        .and_then(Json::as_u64)
        .and_then(|p| u8::try_from(p).ok())
        .ok_or(FormatError::Field { at, field: "port", wanted: "an integer 0-255" })?;
    let firmware = match json.get("firmware") {
        None => None,
        Some(Json::String(s)) => Some(s.clone()),
        Some(_) => return Err(FormatError::Field { at, field: "firmware", wanted: "a string" }),
    };
    let expect = match json.get("expect") {
        Some(Json::String(s)) if s == "error" => Expectation::Error,
        Some(e @ Json::Object(_)) => Expectation::Readings(flatten_at(e, at)?),
        _ => {
            return Err(FormatError::Field {
                at,
                field: "expect",
                wanted: "an object of name -> value, or \"error\"",
            });
        }
    };
    Ok(Vector { description, model, port, payload, firmware, expect })
}

#[cfg(test)]
mod tests {
    /// Whether an error is the expected case.
    type IsError = fn(&FormatError) -> bool;

    use super::*;
    use crate::value::{Reading, Value};

    #[test]
    fn readings_and_errors_parse() {
        let text = concat!(
            r#"{"description": "a", "model": "m", "port": 85, "hex": "0175 32", "expect": {"battery": 50, "s": "x", "b": true, "pm2.5": 1.5, "alarm": {"level": [1]}}}"#,
            "\n\n",
            r#"{"description": "b", "model": "m", "port": 1, "hex": "", "expect": "error"}"#,
        );
        let v = parse_vectors(text);
        let Ok([a, b]) = v.as_deref() else { panic!("{v:?}") };
        assert_eq!((a.description.as_str(), a.model.as_str(), a.port), ("a", "m", 85));
        assert_eq!(a.payload, [0x01, 0x75, 0x32]);
        assert_eq!(
            a.expect,
            Expectation::Readings(vec![
                Reading::new("alarm.level.0", Value::Number(1.0)),
                Reading::new("b", Value::Boolean(true)),
                Reading::new("battery", Value::Number(50.0)),
                Reading::new("pm2.5", Value::Number(1.5)),
                Reading::new("s", Value::Text("x".into())),
            ])
        );
        assert_eq!((b.payload.len(), &b.expect), (0, &Expectation::Error));
    }

    #[test]
    fn a_malformed_line_is_named() {
        let good = r#"{"description": "a", "model": "m", "port": 1, "hex": "", "expect": "error"}"#;
        let cases: [(&str, IsError); 7] = [
            ("{not json", |e| matches!(e, FormatError::Json { .. })),
            (r#"{"description": "a", "model": "m", "port": 300, "hex": "", "expect": "error"}"#, |e| {
                matches!(e, FormatError::Field { field: "port", .. })
            }),
            (r#"{"description": "a", "model": "m", "hex": "", "expect": "error"}"#, |e| {
                matches!(e, FormatError::Field { field: "port", .. })
            }),
            (r#"{"model": "m", "port": 1, "hex": "", "expect": "error"}"#, |e| {
                matches!(e, FormatError::Field { field: "description", .. })
            }),
            (r#"{"description": "a", "model": "m", "port": 1, "hex": "0", "expect": "error"}"#, |e| {
                matches!(e, FormatError::Hex { field: "hex", .. })
            }),
            (r#"{"description": "a", "model": "m", "port": 1, "hex": "", "expect": "nope"}"#, |e| {
                matches!(e, FormatError::Field { field: "expect", .. })
            }),
            (r#"{"description": "a", "model": "m", "port": 1, "hex": "", "expect": {"x": null}}"#, |e| {
                matches!(e, FormatError::Leaf { .. })
            }),
        ];
        for (bad, is) in cases {
            let e = parse_vectors(&format!("{good}\n{bad}")).err();
            assert!(e.as_ref().is_some_and(|e| is(e) && e.at() == At::Line(2)), "{bad}: {e:?}");
        }
    }
}
