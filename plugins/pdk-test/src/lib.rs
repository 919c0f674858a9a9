//! Host-side test helpers for Passerelle decoder plugins.
//!
//! A decoder crate's `tests/vectors.rs` runs its plugin natively, through the generated
//! [`Guest`] trait, with the rules of the vector checker ([`passerelle_pdk::check`]: names
//! exact, numbers within 1e-6 relative, nothing missing or extra, an expected error needs an
//! `Err`). Every helper is generic over the plugin type and fails the calling test with a
//! message listing every offending vector. [`decoder_tests!`] writes the standard suite, one
//! `#[test]` per helper:
//!
//! ```ignore
//! passerelle_pdk_test::decoder_tests!(
//!     adeunis::Plugin,
//!     vendor: "adeunis",
//!     unsupported_model: (1, &[0x01, 0x75, 0x10]),
//! );
//! ```
//!
//! The shared vendor vectors are the JSON lines of [`SHARED_VECTORS`] (the TTN device
//! repository's codec examples, as `check-vectors` runs them). When that file is absent (a
//! checkout without the shared folder), the shared-vector helpers print a note and pass.

use passerelle_pdk::decoder::{DecodeError, Expectation, ExpectedReading, Frame, Guest, Value};
use serde_json::Value as Json;

/// The shared vendor vectors file (`shared/vectors/ttn/vectors.jsonl` beside the repository).
pub const SHARED_VECTORS: &str =
    concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/vectors/ttn/vectors.jsonl");

/// A frame as the plugin's own vectors carry it: device `"vector"`, received at 0 ms.
pub fn canonical_frame(model: &str, port: u8, payload: Vec<u8>) -> Frame {
    Frame { device: String::from("vector"), model: model.to_string(), port, payload, received_ms: 0 }
}

/// The bytes of a hexadecimal string (`"01a2"` -> `[0x01, 0xa2]`, either case); an error for
/// an odd length or a character that is not a hexadecimal digit.
pub fn hex(text: &str) -> Result<Vec<u8>, String> {
    if !text.len().is_multiple_of(2) {
        return Err(format!("odd-length hex {text:?}"));
    }
    (0..text.len() / 2)
        .map(|i| {
            text.get(2 * i..2 * i + 2)
                .and_then(|pair| u8::from_str_radix(pair, 16).ok())
                .ok_or_else(|| format!("bad hex {text:?} at {}", 2 * i))
        })
        .collect()
}

/// Flattens a vendor decoder's JSON output into expected readings named by dotted paths
/// (`{"a": {"b": [1, 2]}}` -> `a.b.0 = 1`, `a.b.1 = 2`): numbers become numbers, strings
/// text, booleans booleans, and `null` the text `"null"`.
pub fn flatten(value: &Json) -> Vec<ExpectedReading> {
    let mut out = Vec::new();
    flatten_into("", value, &mut out);
    out
}

fn flatten_into(prefix: &str, value: &Json, out: &mut Vec<ExpectedReading>) {
    let join = |k: &str| {
        if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") }
    };
    let reading = |value| ExpectedReading { name: prefix.to_string(), value };
    match value {
        Json::Object(map) => map.iter().for_each(|(k, v)| flatten_into(&join(k), v, out)),
        Json::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| flatten_into(&join(&i.to_string()), v, out))
        }
        Json::Number(n) => out.push(reading(Value::Number(n.as_f64().unwrap_or(f64::NAN)))),
        Json::String(s) => out.push(reading(Value::Text(s.clone()))),
        Json::Bool(b) => out.push(reading(Value::Boolean(*b))),
        Json::Null => out.push(reading(Value::Text(String::from("null")))),
    }
}

/// What a vendor decoder's output (`{"data": ..., "errors": [...]}`) expects: an error when
/// `errors` is a non-empty list and `data` is absent or not a non-empty object, otherwise the
/// readings of `data`, [`flatten`]ed.
pub fn expectation(output: &Json) -> Expectation {
    let wants_error = output.get("errors").is_some_and(|e| e.as_array().is_some_and(|a| !a.is_empty()))
        && output.get("data").is_none_or(|d| d.as_object().is_none_or(|o| o.is_empty()));
    if wants_error {
        Expectation::Error
    } else {
        Expectation::Readings(flatten(output.get("data").unwrap_or(&Json::Null)))
    }
}

/// One vector of the shared vendor file.
#[derive(Debug, Clone)]
pub struct SharedVector {
    /// Model id (the file's `device`).
    pub model: String,
    /// The vector's `index` among its codec's examples, for messages.
    pub index: String,
    /// LoRaWAN fPort (the file's `fPort`, 1 when absent).
    pub port: u8,
    /// The payload (the file's `bytes_hex`).
    pub payload: Vec<u8>,
    /// What decoding must give ([`expectation`] of the file's `output`).
    pub expect: Expectation,
}

impl SharedVector {
    /// `model#index`, the vector's name in messages.
    pub fn name(&self) -> String {
        format!("{}#{}", self.model, self.index)
    }
}

/// The vectors of `vendor` (the file's `vendor` field, e.g. `"milesight-iot"`) in the JSON
/// lines `text`; blank lines are skipped. An error names every line that is not valid JSON or
/// whose `fPort` or `bytes_hex` is unusable.
pub fn parse_shared_vectors(text: &str, vendor: &str) -> Result<Vec<SharedVector>, String> {
    let mut vectors = Vec::new();
    let mut problems = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let v: Json = match serde_json::from_str(line) {
            Ok(v) => v,
            Err(e) => {
                problems.push(format!("line {}: {e}", n + 1));
                continue;
            }
        };
        if v["vendor"] != vendor {
            continue;
        }
        let port = v["fPort"].as_u64().unwrap_or(1);
        let (Ok(port), Ok(payload)) = (u8::try_from(port), hex(v["bytes_hex"].as_str().unwrap_or_default()))
        else {
            problems.push(format!("line {}: bad fPort {port} or bytes_hex {}", n + 1, v["bytes_hex"]));
            continue;
        };
        vectors.push(SharedVector {
            model: v["device"].as_str().unwrap_or_default().to_string(),
            index: v["index"].to_string(),
            port,
            payload,
            expect: expectation(&v["output"]),
        });
    }
    if problems.is_empty() { Ok(vectors) } else { Err(problems.join("\n")) }
}

/// The `vendor` vectors of [`SHARED_VECTORS`], asserting there is at least one and no
/// malformed line; `None` (with a note on stderr) when the file is absent.
#[allow(clippy::panic, reason = "a test helper fails the calling test by panicking")]
fn load_shared_vectors(vendor: &str) -> Option<Vec<SharedVector>> {
    let Ok(text) = std::fs::read_to_string(SHARED_VECTORS) else {
        eprintln!("{SHARED_VECTORS} not found: shared vectors skipped");
        return None;
    };
    let vectors = match parse_shared_vectors(&text, vendor) {
        Ok(vectors) => vectors,
        Err(problems) => panic!("malformed lines in {SHARED_VECTORS}:\n{problems}"),
    };
    assert!(!vectors.is_empty(), "no {vendor} vectors in {SHARED_VECTORS}");
    Some(vectors)
}

/// Asserts the plugin has vectors and every one of them passes ([`passerelle_pdk::check`]).
pub fn assert_own_vectors_pass<P: Guest>() {
    let vectors = P::vectors();
    assert!(!vectors.is_empty(), "no vectors");
    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|v| {
            let got = P::decode(v.frame.clone());
            passerelle_pdk::check(&v.expect, &got)
                .err()
                .map(|e| format!("{} [{}]: {e}", v.description, v.frame.model))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} vectors fail:\n{}",
        failures.len(),
        vectors.len(),
        failures.join("\n")
    );
}

/// Asserts every model the plugin describes has at least one vector expecting readings.
pub fn assert_every_model_has_a_vector<P: Guest>() {
    let vectors = P::vectors();
    let missing: Vec<String> = P::describe()
        .models
        .into_iter()
        .filter(|m| {
            !vectors.iter().any(|v| &v.frame.model == m && matches!(v.expect, Expectation::Readings(_)))
        })
        .collect();
    assert!(missing.is_empty(), "models without a readings vector: {missing:?}");
}

/// Asserts every vector frame is canonical: device `"vector"`, received at 0 ms (so a decoder
/// that reads the time decodes every vector the same way on every host).
pub fn assert_vectors_are_canonical<P: Guest>() {
    for v in P::vectors() {
        assert_eq!(v.frame.device, "vector", "{}", v.description);
        assert_eq!(v.frame.received_ms, 0, "{}", v.description);
    }
}

/// Asserts a frame for the model `"no-such-model"` (on `port`, with `payload`) is an
/// `UnsupportedModel` error.
pub fn assert_unsupported_model_is_an_error<P: Guest>(port: u8, payload: &[u8]) {
    let got = P::decode(canonical_frame("no-such-model", port, payload.to_vec()));
    assert!(matches!(got, Err(DecodeError::UnsupportedModel(_))), "{got:?}");
}

/// Decodes every proper prefix of every vector frame: each must give readings or an error,
/// never a panic.
pub fn assert_truncated_frames_never_panic<P: Guest>() {
    for v in P::vectors() {
        for n in 0..v.frame.payload.len() {
            let mut frame = v.frame.clone();
            frame.payload.truncate(n);
            let _ = P::decode(frame);
        }
    }
}

/// Asserts every shared vector of `vendor` decodes as its vendor decoder does, through
/// `P::decode` with the vector's fPort on a [`canonical_frame`] (as `check-vectors` runs them).
pub fn assert_shared_vectors_pass<P: Guest>(vendor: &str) {
    let Some(shared) = load_shared_vectors(vendor) else { return };
    let failures: Vec<String> = shared
        .iter()
        .filter_map(|v| {
            let got = P::decode(canonical_frame(&v.model, v.port, v.payload.clone()));
            passerelle_pdk::check(&v.expect, &got).err().map(|e| format!("{}: {e}", v.name()))
        })
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Asserts every shared vector of `vendor` is also one of the plugin's own vectors (same model,
/// fPort and payload), so the plugin's `vectors()` carries them to every host.
pub fn assert_shared_vectors_included<P: Guest>(vendor: &str) {
    let Some(shared) = load_shared_vectors(vendor) else { return };
    let own = P::vectors();
    let missing: Vec<String> = shared
        .iter()
        .filter(|s| {
            !own.iter()
                .any(|o| o.frame.model == s.model && o.frame.port == s.port && o.frame.payload == s.payload)
        })
        .map(|s| format!("{} is not in vectors.jsonl", s.name()))
        .collect();
    assert!(missing.is_empty(), "{}", missing.join("\n"));
}

/// Writes the standard tests of a decoder plugin, one `#[test]` function per helper:
///
/// | test | helper |
/// |---|---|
/// | `own_vectors_pass` | [`assert_own_vectors_pass`] |
/// | `every_model_has_a_vector` | [`assert_every_model_has_a_vector`] |
/// | `vector_frames_are_canonical` | [`assert_vectors_are_canonical`] |
/// | `unsupported_model_is_an_error` | [`assert_unsupported_model_is_an_error`] with the given fPort and payload |
/// | `truncated_frames_never_panic` | [`assert_truncated_frames_never_panic`] |
/// | `shared_vendor_vectors_pass` | [`assert_shared_vectors_pass`] for `vendor` |
/// | `shared_vendor_vectors_are_included` | [`assert_shared_vectors_included`] for `vendor` |
///
/// `vendor` is the shared file's `vendor` field (`"milesight-iot"`). Use it once, at the top
/// level of an integration test file; the crate's own tests go beside it.
#[macro_export]
macro_rules! decoder_tests {
    ($plugin:ty, vendor: $vendor:expr, unsupported_model: ($port:expr, $payload:expr) $(,)?) => {
        #[test]
        fn own_vectors_pass() {
            $crate::assert_own_vectors_pass::<$plugin>();
        }

        #[test]
        fn every_model_has_a_vector() {
            $crate::assert_every_model_has_a_vector::<$plugin>();
        }

        #[test]
        fn vector_frames_are_canonical() {
            $crate::assert_vectors_are_canonical::<$plugin>();
        }

        #[test]
        fn unsupported_model_is_an_error() {
            $crate::assert_unsupported_model_is_an_error::<$plugin>($port, $payload);
        }

        #[test]
        fn truncated_frames_never_panic() {
            $crate::assert_truncated_frames_never_panic::<$plugin>();
        }

        #[test]
        fn shared_vendor_vectors_pass() {
            $crate::assert_shared_vectors_pass::<$plugin>($vendor);
        }

        #[test]
        fn shared_vendor_vectors_are_included() {
            $crate::assert_shared_vectors_included::<$plugin>($vendor);
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(readings: &[ExpectedReading]) -> Vec<&str> {
        readings.iter().map(|r| r.name.as_str()).collect()
    }

    #[test]
    fn hex_decodes_and_rejects() {
        assert_eq!(hex("01aBff"), Ok(vec![0x01, 0xab, 0xff]));
        assert_eq!(hex(""), Ok(vec![]));
        assert!(hex("012").is_err());
        assert!(hex("0g").is_err());
    }

    #[test]
    fn flatten_names_by_dotted_path() {
        let json = serde_json::json!({"a": {"b": [1, 2.5]}, "t": "x", "f": true, "n": null});
        let flat = flatten(&json);
        assert_eq!(names(&flat), ["a.b.0", "a.b.1", "f", "n", "t"]);
        assert!(matches!(flat[1].value, Value::Number(x) if x == 2.5));
        assert!(matches!(&flat[3].value, Value::Text(t) if t == "null"));
        assert!(matches!(&flat[4].value, Value::Text(t) if t == "x"));
        assert!(matches!(flat[2].value, Value::Boolean(true)));
    }

    #[test]
    fn expectation_follows_errors_and_data() {
        let error = serde_json::json!({"errors": ["bad"]});
        assert!(matches!(expectation(&error), Expectation::Error));
        let empty_data = serde_json::json!({"data": {}, "errors": ["bad"]});
        assert!(matches!(expectation(&empty_data), Expectation::Error));
        let data = serde_json::json!({"data": {"x": 1}, "errors": ["partial"]});
        assert!(matches!(expectation(&data), Expectation::Readings(r) if names(&r) == ["x"]));
        let no_errors = serde_json::json!({"data": {"x": 1}, "errors": []});
        assert!(matches!(expectation(&no_errors), Expectation::Readings(_)));
    }

    #[test]
    fn shared_vectors_parse_and_filter_by_vendor() {
        let text = concat!(
            r#"{"vendor": "a", "device": "m", "index": 3, "fPort": 7, "bytes_hex": "0102", "output": {"data": {"x": 1}}}"#,
            "\n\n",
            r#"{"vendor": "b", "device": "m", "index": 0, "bytes_hex": "01", "output": {"errors": ["e"]}}"#,
            "\n",
            r#"{"vendor": "a", "device": "n", "index": 0, "bytes_hex": "", "output": {"errors": ["e"]}}"#,
        );
        let vectors = parse_shared_vectors(text, "a");
        let Ok(vectors) = vectors else { panic!("{vectors:?}") };
        assert_eq!(vectors.len(), 2);
        assert_eq!((vectors[0].name().as_str(), vectors[0].port), ("m#3", 7));
        assert_eq!(vectors[0].payload, [1, 2]);
        assert_eq!(vectors[1].port, 1);
        assert!(matches!(vectors[1].expect, Expectation::Error));
        assert!(parse_shared_vectors("{not json", "a").is_err());
        assert!(parse_shared_vectors(r#"{"vendor": "a", "fPort": 300}"#, "a").is_err());
        assert!(parse_shared_vectors(r#"{"vendor": "a", "bytes_hex": "0"}"#, "a").is_err());
        assert!(
            parse_shared_vectors(r#"{"vendor": "b", "bytes_hex": "0"}"#, "a").is_ok_and(|v| v.is_empty())
        );
    }
}
