//! Vendor vectors: the TTN device repository's codec examples, as JSON lines
//! (`vectors/ttn/vectors.jsonl`) or as a codec file turned into JSON (`uplinkDecoder.examples`).

use serde_json::Value as Json;

use crate::error::{At, FormatError};
use crate::flatten::flatten_at;
use crate::hex::hex;
use crate::own::Vector;
use crate::value::Expectation;

/// The fPort of a vendor example that names none (as `check-vectors` does).
pub const DEFAULT_PORT: u8 = 1;

/// One vendor example of a JSON-lines vendor file.
#[derive(Debug, Clone, PartialEq)]
pub struct VendorVector {
    /// The vendor (`vendor`: `"milesight-iot"`).
    pub vendor: String,
    /// The model id (`device`: `"em300-th"`).
    pub model: String,
    /// The example's index among its codec's examples (`index`, 0 when absent).
    pub index: u64,
    /// What it shows (`description`, empty when absent).
    pub description: String,
    /// The LoRaWAN fPort (`fPort`, [`DEFAULT_PORT`] when absent).
    pub port: u8,
    /// The payload (`bytes_hex`).
    pub payload: Vec<u8>,
    /// What decoding must give ([`vendor_expectation`] of `output`).
    pub expect: Expectation,
}

impl VendorVector {
    /// `vendor/model#index`, the example's name in messages (as `check-vectors` prints it).
    pub fn name(&self) -> String {
        format!("{}/{}#{}", self.vendor, self.model, self.index)
    }

    /// The example as a plain [`Vector`], described as `"vendor/model#index: description"`.
    pub fn into_vector(self) -> Vector {
        Vector {
            description: format!("{}: {}", self.name(), self.description),
            model: self.model,
            port: self.port,
            payload: self.payload,
            firmware: None,
            expect: self.expect,
        }
    }
}

/// Parses a JSON-lines vendor file: one example per line with `vendor`, `device`, `bytes_hex`
/// and `output` (required), `fPort`, `index` and `description` (optional); other fields (`js`,
/// `normalizedOutput`) are ignored. Blank lines are skipped.
///
/// # Errors
/// The first [`FormatError`], naming its line.
pub fn parse_vendor_vectors(jsonl: &str) -> Result<Vec<VendorVector>, FormatError> {
    let mut out = Vec::new();
    for (i, line) in jsonl.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = At::Line(i + 1);
        let json: Json = serde_json::from_str(line).map_err(|error| FormatError::Json { at, error })?;
        let text = |field: &'static str| {
            json.get(field).and_then(Json::as_str).ok_or(FormatError::Field { at, field, wanted: "a string" })
        };
        let vendor = text("vendor")?.to_string();
        let model = text("device")?.to_string();
        let payload = hex(text("bytes_hex")?).map_err(|problem| FormatError::Hex {
            at,
            field: "bytes_hex",
            problem,
        })?;
        let port = port(json.get("fPort"), at, "fPort")?;
        let index = match json.get("index") {
            None => 0,
            Some(i) => i.as_u64().ok_or(FormatError::Field { at, field: "index", wanted: "an integer" })?,
        };
        let description = json.get("description").and_then(Json::as_str).unwrap_or_default().to_string();
        let output =
            json.get("output").ok_or(FormatError::Field { at, field: "output", wanted: "an object" })?;
        let expect = vendor_expectation(output, at)?;
        out.push(VendorVector { vendor, model, index, description, port, payload, expect });
    }
    Ok(out)
}

/// The uplink examples of a TTN codec file (already turned into JSON), decoded as `model`:
/// `uplinkDecoder.examples[i]` with `input.bytes` (a list of bytes), `input.fPort` (optional,
/// [`DEFAULT_PORT`]), `output` ([`vendor_expectation`]) and `description`. Each vector is
/// described as `"{model} #{i}: {description}"`.
///
/// # Errors
/// The first [`FormatError`], naming its example.
pub fn codec_examples(codec: &Json, model: &str) -> Result<Vec<Vector>, FormatError> {
    let examples = codec
        .pointer("/uplinkDecoder/examples")
        .and_then(Json::as_array)
        .ok_or(FormatError::Field { at: At::Document, field: "uplinkDecoder.examples", wanted: "a list" })?;
    let mut out = Vec::with_capacity(examples.len());
    for (i, example) in examples.iter().enumerate() {
        let at = At::Example(i);
        let input = example.get("input");
        let bad_bytes = FormatError::Field { at, field: "input.bytes", wanted: "a list of integers 0-255" };
        let payload = input
            .and_then(|i| i.get("bytes"))
            .and_then(Json::as_array)
            .ok_or(bad_bytes)?
            .iter()
            .map(|b| {
                b.as_u64().and_then(|b| u8::try_from(b).ok()).ok_or(FormatError::Field {
                    at,
                    field: "input.bytes",
                    wanted: "a list of integers 0-255",
                })
            })
            .collect::<Result<Vec<u8>, _>>()?;
        let port = port(input.and_then(|i| i.get("fPort")), at, "input.fPort")?;
        let output =
            example.get("output").ok_or(FormatError::Field { at, field: "output", wanted: "an object" })?;
        let expect = vendor_expectation(output, at)?;
        let description = example.get("description").and_then(Json::as_str).unwrap_or_default();
        out.push(Vector {
            description: format!("{model} #{i}: {description}"),
            model: model.to_string(),
            port,
            payload,
            firmware: None,
            expect,
        });
    }
    Ok(out)
}

fn port(value: Option<&Json>, at: At, field: &'static str) -> Result<u8, FormatError> {
    match value {
        None | Some(Json::Null) => Ok(DEFAULT_PORT),
        Some(p) => p.as_u64().and_then(|p| u8::try_from(p).ok()).ok_or(FormatError::Field {
            at,
            field,
            wanted: "an integer 0-255",
        }),
    }
}

/// What a vendor decoder's output (`{"data": ..., "errors": [...]}`) expects, as
/// `check-vectors` reads it: a decode error when `errors` is a non-empty list and `data` is
/// absent, `null` or an empty object; otherwise the readings of `data` (an object or a list),
/// [`flatten`]ed, whatever `errors` says.
///
/// # Errors
/// [`FormatError::Output`] when there is neither usable `data` nor an `errors` list;
/// [`FormatError::Leaf`] for a `null` leaf in `data`.
pub fn vendor_expectation(output: &Json, at: At) -> Result<Expectation, FormatError> {
    let errors = output.get("errors").and_then(Json::as_array).is_some_and(|e| !e.is_empty());
    let data = output.get("data").filter(|d| !d.is_null());
    let empty = data.is_none_or(|d| d.as_object().is_some_and(serde_json::Map::is_empty));
    match data {
        _ if errors && empty => Ok(Expectation::Error),
        Some(d @ (Json::Object(_) | Json::Array(_))) => Ok(Expectation::Readings(flatten_at(d, at)?)),
        _ => Err(FormatError::Output { at }),
    }
}

#[cfg(test)]
mod tests {
    /// Whether an error is the expected case.
    type IsError = fn(&FormatError) -> bool;

    use serde_json::json;

    use super::*;
    use crate::error::LeafError;
    use crate::flatten::flatten;
    use crate::value::{Reading, Value};

    fn names(e: &Expectation) -> Vec<&str> {
        match e {
            Expectation::Readings(r) => r.iter().map(|r| r.name.as_str()).collect(),
            Expectation::Error => vec!["<error>"],
        }
    }

    #[test]
    fn flatten_names_by_dotted_path() {
        let flat = flatten(&json!({"a": {"b": [1, 2.5]}, "t": "x", "f": true, "pm2.5": 3}));
        assert_eq!(
            flat,
            Ok(vec![
                Reading::new("a.b.0", Value::Number(1.0)),
                Reading::new("a.b.1", Value::Number(2.5)),
                Reading::new("f", Value::Boolean(true)),
                Reading::new("pm2.5", Value::Number(3.0)),
                Reading::new("t", Value::Text("x".into())),
            ])
        );
        assert_eq!(flatten(&json!({"a": {"n": null}})), Err(LeafError { name: "a.n".into(), what: "null" }));
    }

    #[test]
    fn the_expectation_follows_errors_and_data() {
        let at = At::Line(1);
        let error = |o| vendor_expectation(&o, at).ok();
        assert_eq!(error(json!({"errors": ["unknown FPort"]})), Some(Expectation::Error));
        assert_eq!(error(json!({"data": {}, "errors": ["bad"]})), Some(Expectation::Error));
        assert_eq!(error(json!({"data": null, "errors": ["bad"]})), Some(Expectation::Error));
        let partial = vendor_expectation(&json!({"data": {"x": 1}, "errors": ["partial"]}), at);
        assert!(partial.as_ref().is_ok_and(|e| names(e) == ["x"]), "{partial:?}");
        let plain = vendor_expectation(&json!({"data": {"x": 1}, "errors": [], "warnings": []}), at);
        assert!(plain.as_ref().is_ok_and(|e| names(e) == ["x"]), "{plain:?}");
        assert_eq!(error(json!({"data": {}})), Some(Expectation::Readings(vec![])));
        for bad in [json!({}), json!({"errors": []}), json!({"data": 3})] {
            let e = vendor_expectation(&bad, at);
            assert!(matches!(e, Err(FormatError::Output { at: At::Line(1) })), "{bad}: {e:?}");
        }
    }

    #[test]
    fn vendor_lines_parse_with_check_vectors_defaults() {
        let text = concat!(
            r#"{"vendor": "a", "device": "m", "index": 3, "fPort": 7, "bytes_hex": "0102", "js": "x.js", "output": {"data": {"x": 1}}}"#,
            "\n\n",
            r#"{"vendor": "b", "device": "n", "bytes_hex": "", "description": "d", "output": {"errors": ["e"]}}"#,
        );
        let v = parse_vendor_vectors(text);
        let Ok([a, b]) = v.as_deref() else { panic!("{v:?}") };
        assert_eq!((a.name().as_str(), a.port, a.payload.as_slice()), ("a/m#3", 7, &[1u8, 2][..]));
        assert_eq!(names(&a.expect), ["x"]);
        assert_eq!((b.name().as_str(), b.port, b.description.as_str()), ("b/n#0", DEFAULT_PORT, "d"));
        assert_eq!(b.expect, Expectation::Error);
        let v = b.clone().into_vector();
        assert_eq!((v.description.as_str(), v.model.as_str(), v.port), ("b/n#0: d", "n", DEFAULT_PORT));
        assert_eq!(v.expect, Expectation::Error);
    }

    #[test]
    fn a_malformed_vendor_line_is_named() {
        let good = r#"{"vendor": "a", "device": "m", "bytes_hex": "", "output": {"errors": ["e"]}}"#;
        let cases: [(&str, IsError); 5] = [
            ("{not json", |e| matches!(e, FormatError::Json { .. })),
            (
                r#"{"vendor": "a", "device": "m", "fPort": 300, "bytes_hex": "", "output": {"errors": ["e"]}}"#,
                |e| matches!(e, FormatError::Field { field: "fPort", .. }),
            ),
            (r#"{"vendor": "a", "device": "m", "bytes_hex": "0", "output": {"errors": ["e"]}}"#, |e| {
                matches!(e, FormatError::Hex { field: "bytes_hex", .. })
            }),
            (r#"{"vendor": "a", "bytes_hex": "", "output": {"errors": ["e"]}}"#, |e| {
                matches!(e, FormatError::Field { field: "device", .. })
            }),
            (r#"{"vendor": "a", "device": "m", "bytes_hex": ""}"#, |e| {
                matches!(e, FormatError::Field { field: "output", .. })
            }),
        ];
        for (bad, is) in cases {
            let e = parse_vendor_vectors(&format!("{good}\n{bad}")).err();
            assert!(e.as_ref().is_some_and(|e| is(e) && e.at() == At::Line(2)), "{bad}: {e:?}");
        }
    }

    #[test]
    fn codec_examples_become_vectors() {
        let codec = json!({"uplinkDecoder": {"fileName": "x.js", "examples": [
            {"description": "ok", "input": {"fPort": 85, "bytes": [1, 117, 50]},
             "output": {"data": {"battery": 50, "install": "no", "alarm": {"level": [1, 2]}}}},
            {"description": "bad port", "input": {"fPort": 9, "bytes": [1]},
             "output": {"errors": ["unknown FPort"]}},
            {"input": {"bytes": []}, "output": {"data": {}}},
        ]}});
        let v = codec_examples(&codec, "em300-th");
        let Ok([a, b, c]) = v.as_deref() else { panic!("{v:?}") };
        assert_eq!((a.description.as_str(), a.model.as_str(), a.port), ("em300-th #0: ok", "em300-th", 85));
        assert_eq!(a.payload, [1, 117, 50]);
        assert_eq!(names(&a.expect), ["alarm.level.0", "alarm.level.1", "battery", "install"]);
        assert_eq!((b.port, &b.expect), (9, &Expectation::Error));
        assert_eq!(c.port, DEFAULT_PORT);
        let bad = json!({"uplinkDecoder": {"examples": [{"input": {"bytes": [256]}, "output": {}}]}});
        let e = codec_examples(&bad, "m");
        assert!(
            matches!(e, Err(FormatError::Field { at: At::Example(0), field: "input.bytes", .. })),
            "{e:?}"
        );
        let e = codec_examples(&json!({"uplinkDecoder": {}}), "m");
        assert!(matches!(e, Err(FormatError::Field { at: At::Document, .. })), "{e:?}");
    }
}
