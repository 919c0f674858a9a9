//! Runs the plugin's own vectors (`vectors/vectors.jsonl`, compiled in by `build.rs`) and the
//! vendor's shared vectors through the decoder natively, with the vector checker's rules.

use browan::{Guest, Plugin, decode_payload};
use passerelle_pdk::decoder::{Expectation, ExpectedReading, Value};
use serde_json::Value as Json;

const VENDOR: &str = "browan";

#[test]
fn own_vectors_pass() {
    let vectors = Plugin::vectors();
    assert!(!vectors.is_empty(), "no vectors");
    let failures: Vec<String> = vectors
        .iter()
        .filter_map(|v| {
            let got = Plugin::decode(v.frame.clone());
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

#[test]
fn every_model_has_a_vector() {
    let vectors = Plugin::vectors();
    let missing: Vec<String> = Plugin::describe()
        .models
        .into_iter()
        .filter(|m| {
            !vectors.iter().any(|v| &v.frame.model == m && matches!(v.expect, Expectation::Readings(_)))
        })
        .collect();
    assert!(missing.is_empty(), "models without a readings vector: {missing:?}");
}

#[test]
fn vector_frames_are_canonical() {
    for v in Plugin::vectors() {
        assert_eq!(v.frame.device, "vector");
        assert_eq!(v.frame.received_ms, 0);
    }
}

#[test]
fn unsupported_model_is_an_error() {
    let got = decode_payload("no-such-model", 2, &[0x01, 0x75, 0x10]);
    assert!(matches!(got, Err(passerelle_pdk::decoder::DecodeError::UnsupportedModel(_))), "{got:?}");
}

fn flatten(prefix: &str, value: &Json, out: &mut Vec<ExpectedReading>) {
    let join = |k: &str| {
        if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") }
    };
    match value {
        Json::Object(map) => map.iter().for_each(|(k, v)| flatten(&join(k), v, out)),
        Json::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| flatten(&join(&i.to_string()), v, out))
        }
        Json::Number(n) => out.push(ExpectedReading {
            name: prefix.to_string(),
            value: Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        }),
        Json::String(s) => {
            out.push(ExpectedReading { name: prefix.to_string(), value: Value::Text(s.clone()) })
        }
        Json::Bool(b) => out.push(ExpectedReading { name: prefix.to_string(), value: Value::Boolean(*b) }),
        Json::Null => {
            out.push(ExpectedReading { name: prefix.to_string(), value: Value::Text(String::from("null")) })
        }
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len() / 2)
        .filter_map(|i| s.get(2 * i..2 * i + 2))
        .filter_map(|b| u8::from_str_radix(b, 16).ok())
        .collect()
}

/// The shared vendor vectors, run as `check-vectors` runs them (when the shared folder exists).
#[test]
fn shared_vendor_vectors_pass_and_are_included() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../../shared/vectors/ttn/vectors.jsonl");
    let Ok(text) = std::fs::read_to_string(path) else {
        eprintln!("{path} not found: shared vectors skipped");
        return;
    };
    let own = Plugin::vectors();
    let mut failures = Vec::new();
    let mut count = 0;
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let v: Json = serde_json::from_str(line).unwrap_or(Json::Null);
        if v["vendor"] != VENDOR {
            continue;
        }
        count += 1;
        let model = v["device"].as_str().unwrap_or_default();
        let port = v["fPort"].as_u64().unwrap_or(1);
        let bytes = hex(v["bytes_hex"].as_str().unwrap_or_default());
        let output = &v["output"];
        let wants_error = output.get("errors").is_some_and(|e| e.as_array().is_some_and(|a| !a.is_empty()))
            && output.get("data").is_none_or(|d| d.as_object().is_none_or(|o| o.is_empty()));
        let expect = if wants_error {
            Expectation::Error
        } else {
            let mut want = Vec::new();
            flatten("", output.get("data").unwrap_or(&Json::Null), &mut want);
            Expectation::Readings(want)
        };
        if let Err(e) =
            passerelle_pdk::check(&expect, &decode_payload(model, u8::try_from(port).unwrap_or(0), &bytes))
        {
            failures.push(format!("{model}#{}: {e}", v["index"]));
        }
        let included = own
            .iter()
            .any(|o| o.frame.model == model && o.frame.payload == bytes && u64::from(o.frame.port) == port);
        if !included {
            failures.push(format!("{model}#{} is not in vectors.jsonl", v["index"]));
        }
    }
    assert!(count > 0, "no {VENDOR} vectors in {path}");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Every model answers `UnknownPort` for a port other than its report port.
#[test]
fn other_ports_are_unknown_ports() {
    for model in Plugin::describe().models {
        let got = decode_payload(&model, 1, &[0x01; 11]);
        assert!(matches!(got, Err(passerelle_pdk::decoder::DecodeError::UnknownPort(1))), "{model}: {got:?}");
    }
}
