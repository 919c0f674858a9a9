use std::path::Path;

use serde_json::Value as Json;

use crate::plugin::bindings::{Expectation, ExpectedReading, TestVector, Value, WitFrame};
use crate::plugin::decoder::{borrow, compare};
use crate::plugin::{DecoderPlugin, PluginError};

/// Why a vector file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum VectorFileError {
    /// The file cannot be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: String,
        /// Cause.
        #[source]
        source: std::io::Error,
    },
    /// The file is malformed; the message names the line or example.
    #[error("{path}: {message}")]
    Format {
        /// The file.
        path: String,
        /// What is wrong, and where.
        message: String,
    },
}

/// The result of one vector.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorOutcome {
    /// The vector's description.
    pub description: String,
    /// `None` when it passed, else the field, the expected and the actual value.
    pub problem: Option<String>,
}

/// Runs vectors through a fresh instance of the plugin.
///
/// # Errors
/// A host error (a trap is reported as the vector's problem, not as an error).
pub fn run_vectors(
    plugin: &DecoderPlugin,
    vectors: &[TestVector],
) -> Result<Vec<VectorOutcome>, PluginError> {
    let mut instance = plugin.instance();
    let mut out = Vec::with_capacity(vectors.len());
    for v in vectors {
        let got = instance.decode_wit(borrow(&v.frame));
        if let Err(e @ PluginError::Host { .. }) = got {
            return Err(e);
        }
        out.push(VectorOutcome { description: v.description.clone(), problem: compare(&v.expect, got) });
    }
    Ok(out)
}

/// Loads vectors from a file: our JSON lines (`*.jsonl`: `description`, `model`, `port`,
/// `hex`, `expect`) or a TTN device-repository codec (`*.yaml`: `uplinkDecoder.examples`).
/// For a TTN file the model is `model`, or else the file name without `-codec.yaml` (and
/// without a `vendor__` prefix).
///
/// # Errors
/// [`VectorFileError`], naming the line or example at fault.
pub fn load_vectors(path: &Path, model: Option<&str>) -> Result<Vec<TestVector>, VectorFileError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|source| VectorFileError::Io { path: shown.clone(), source })?;
    let fail = |message: String| VectorFileError::Format { path: shown.clone(), message };
    let is_yaml = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e == "yaml" || e == "yml");
    if is_yaml {
        let model = match model {
            Some(m) => m.to_string(),
            None => model_from_file_name(path)
                .ok_or_else(|| fail("cannot tell the model: pass --model".into()))?,
        };
        ttn_vectors(&text, &model).map_err(fail)
    } else {
        jsonl_vectors(&text).map_err(fail)
    }
}

fn model_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix("-codec.yaml").or_else(|| name.strip_suffix("-codec.yml"))?;
    Some(stem.rsplit("__").next().unwrap_or(stem).to_string())
}

fn hex(text: &str) -> Result<Vec<u8>, String> {
    let text: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if !text.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2).and_then(|p| u8::from_str_radix(p, 16).ok()).ok_or(format!("bad hex at {i}"))
        })
        .collect()
}

fn frame(model: &str, port: u8, payload: Vec<u8>) -> WitFrame {
    WitFrame { device: "vector".into(), model: model.into(), port, payload, received_ms: 0 }
}

/// Flattens a JSON output into dotted names, as `check-vectors` does.
fn flatten(prefix: &str, v: &Json, out: &mut Vec<ExpectedReading>) {
    let key = |k: &str| if prefix.is_empty() { k.to_string() } else { format!("{prefix}.{k}") };
    match v {
        Json::Object(map) => map.iter().for_each(|(k, v)| flatten(&key(k), v, out)),
        Json::Array(items) => {
            items.iter().enumerate().for_each(|(i, v)| flatten(&key(&i.to_string()), v, out))
        }
        Json::Number(n) => out.push(ExpectedReading {
            name: prefix.into(),
            value: Value::Number(n.as_f64().unwrap_or(f64::NAN)),
        }),
        Json::String(s) => out.push(ExpectedReading { name: prefix.into(), value: Value::Text(s.clone()) }),
        Json::Bool(b) => out.push(ExpectedReading { name: prefix.into(), value: Value::Boolean(*b) }),
        Json::Null => {}
    }
}

fn expectation(v: &Json) -> Expectation {
    let mut readings = Vec::new();
    flatten("", v, &mut readings);
    Expectation::Readings(readings)
}

fn jsonl_vectors(text: &str) -> Result<Vec<TestVector>, String> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let at = |e: String| format!("line {}: {e}", i + 1);
        let v: Json = serde_json::from_str(line).map_err(|e| at(e.to_string()))?;
        let model = v.get("model").and_then(Json::as_str).ok_or_else(|| at("no `model`".into()))?;
        let port = v.get("port").and_then(Json::as_u64).and_then(|p| u8::try_from(p).ok()).unwrap_or(0);
        let payload =
            hex(v.get("hex").and_then(Json::as_str).ok_or_else(|| at("no `hex`".into()))?).map_err(at)?;
        let expect = match v.get("expect") {
            Some(Json::String(s)) if s == "error" => Expectation::Error,
            Some(e @ Json::Object(_)) => expectation(e),
            _ => return Err(at("`expect` must be an object or \"error\"".into())),
        };
        let description = v.get("description").and_then(Json::as_str).unwrap_or("").to_string();
        out.push(TestVector { description, frame: frame(model, port, payload), expect });
    }
    Ok(out)
}

/// YAML (1.2 core schema: `no` stays a string) to JSON.
fn yaml_to_json(y: &yaml_rust2::Yaml) -> Json {
    use yaml_rust2::Yaml;
    match y {
        Yaml::Real(s) => {
            s.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map_or(Json::Null, Json::Number)
        }
        Yaml::Integer(i) => Json::Number((*i).into()),
        Yaml::String(s) => Json::String(s.clone()),
        Yaml::Boolean(b) => Json::Bool(*b),
        Yaml::Array(items) => Json::Array(items.iter().map(yaml_to_json).collect()),
        Yaml::Hash(map) => Json::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        Yaml::Integer(i) => i.to_string(),
                        other => format!("{other:?}"),
                    };
                    (key, yaml_to_json(v))
                })
                .collect(),
        ),
        Yaml::Alias(_) | Yaml::Null | Yaml::BadValue => Json::Null,
    }
}

fn ttn_vectors(text: &str, model: &str) -> Result<Vec<TestVector>, String> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| format!("not YAML: {e}"))?;
    let doc = docs.first().map(yaml_to_json).unwrap_or(Json::Null);
    let examples = doc
        .pointer("/uplinkDecoder/examples")
        .and_then(Json::as_array)
        .ok_or("no uplinkDecoder.examples in this codec file")?;
    let mut out = Vec::new();
    for (i, ex) in examples.iter().enumerate() {
        let at = |e: &str| format!("example {i}: {e}");
        let input = ex.get("input").ok_or_else(|| at("no input"))?;
        let port = input.get("fPort").and_then(Json::as_u64).and_then(|p| u8::try_from(p).ok()).unwrap_or(0);
        let payload: Vec<u8> = input
            .get("bytes")
            .and_then(Json::as_array)
            .ok_or_else(|| at("no input.bytes"))?
            .iter()
            .map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()).ok_or_else(|| at("a byte is not 0..=255")))
            .collect::<Result<_, _>>()?;
        let output = ex.get("output").ok_or_else(|| at("no output"))?;
        let errors = output.get("errors").and_then(Json::as_array).is_some_and(|e| !e.is_empty());
        let data = output.get("data").filter(|d| !d.is_null());
        let expect = match (errors, data) {
            (true, None) => Expectation::Error,
            (_, Some(d)) => expectation(d),
            (false, None) => return Err(at("output has neither data nor errors")),
        };
        let description = ex.get("description").and_then(Json::as_str).unwrap_or("").to_string();
        out.push(TestVector {
            description: format!("{model} #{i}: {description}"),
            frame: frame(model, port, payload),
            expect,
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ttn_codec_file_becomes_vectors() {
        let yaml = "uplinkDecoder:\n  fileName: x.js\n  examples:\n    - description: ok\n      input:\n        fPort: 85\n        bytes: [1, 117, 50]\n      output:\n        data:\n          battery: 50\n          install: no\n          alarm: { level: [1, 2] }\n    - description: bad port\n      input:\n        fPort: 9\n        bytes: [1]\n      output:\n        errors: ['unknown FPort']\n";
        let v = ttn_vectors(yaml, "em300-th").unwrap_or_default();
        assert_eq!(v.len(), 2);
        assert_eq!(v[0].frame.port, 85);
        assert_eq!(v[0].frame.payload, vec![1, 117, 50]);
        let Expectation::Readings(r) = &v[0].expect else { panic!("readings expected") };
        let mut names: Vec<&str> = r.iter().map(|e| e.name.as_str()).collect();
        names.sort_unstable();
        assert_eq!(names, ["alarm.level.0", "alarm.level.1", "battery", "install"]);
        let install = r.iter().find(|e| e.name == "install").map(|e| &e.value);
        assert_eq!(install, Some(&Value::Text("no".into())), "YAML 1.2: no is a string");
        assert_eq!(v[1].expect, Expectation::Error);
    }

    #[test]
    fn the_model_comes_from_the_file_name() {
        assert_eq!(
            model_from_file_name(Path::new("x/milesight-iot__em300-th-codec.yaml")).as_deref(),
            Some("em300-th")
        );
        assert_eq!(model_from_file_name(Path::new("lht65-codec.yaml")).as_deref(), Some("lht65"));
        assert_eq!(model_from_file_name(Path::new("vectors.jsonl")), None);
    }

    #[test]
    fn a_malformed_jsonl_line_is_named() {
        let e =
            jsonl_vectors("{\"model\":\"x\",\"hex\":\"00\",\"expect\":{}}\n{\"model\":\"x\"}").unwrap_err();
        assert!(e.starts_with("line 2"), "{e}");
    }
}
