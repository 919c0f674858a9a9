use std::path::Path;

use passerelle_vectors as vectors;
use serde_json::Value as Json;

use crate::plugin::bindings::TestVector;
use crate::plugin::decoder::{borrow, compare};
use crate::plugin::{Codec, DecoderPlugin, Engine, Limits, PluginError};

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
    /// The file is malformed; the cause names the line or example.
    #[error("{path}: malformed vector file")]
    Format {
        /// The file.
        path: String,
        /// What is wrong, and where.
        #[source]
        source: vectors::FormatError,
    },
    /// A TTN codec file is not YAML.
    #[error("{path}: not YAML")]
    Yaml {
        /// The file.
        path: String,
        /// The YAML parser's complaint.
        #[source]
        source: yaml_rust2::ScanError,
    },
    /// The model of a TTN codec file cannot be told from its file name.
    #[error("{path}: cannot tell the model from the file name: pass --model")]
    Model {
        /// The file.
        path: String,
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

/// The decoder to test against `vector_file`: the plugin itself when it is a native decoder;
/// for a script decoder (`js_codec.wasm`) given a codec file (`*-codec.yaml`, or a `.js`), the
/// plugin running that codec (the YAML's `uplinkDecoder.fileName`).
///
/// Blocking (compiles and runs guest code).
///
/// # Errors
/// The plugin or the codec cannot be loaded ([`PluginError::Codec`] names the codec file).
pub fn decoder_for(
    engine: &Engine,
    plugin: &Path,
    vector_file: Option<&Path>,
    limits: Limits,
) -> Result<DecoderPlugin, PluginError> {
    let compiled = engine.compile_file(plugin)?;
    let codec = vector_file.filter(|f| {
        f.extension().and_then(|e| e.to_str()).is_some_and(|e| matches!(e, "yaml" | "yml" | "js"))
    });
    match (DecoderPlugin::new(engine, &compiled, limits), codec) {
        (Err(PluginError::Invalid(_)), Some(codec)) => {
            let read = Codec::read(codec)
                .map_err(|error| PluginError::Codec { path: codec.to_path_buf(), error })?;
            DecoderPlugin::with_codec(engine, &compiled, read, limits)
        }
        (result, _) => result,
    }
}

/// Loads vectors from a file: our JSON lines (`*.jsonl`: `description`, `model`, `port`,
/// `hex`, `expect`; [`passerelle_vectors::parse_vectors`]) or a TTN device-repository codec
/// (`*.yaml`: `uplinkDecoder.examples`; [`passerelle_vectors::codec_examples`]). For a TTN file
/// the model is `model`, or else the file name without `-codec.yaml` (and without a `vendor__`
/// prefix).
///
/// # Errors
/// [`VectorFileError`], naming the line or example at fault.
pub fn load_vectors(path: &Path, model: Option<&str>) -> Result<Vec<TestVector>, VectorFileError> {
    let shown = path.display().to_string();
    let text = std::fs::read_to_string(path)
        .map_err(|source| VectorFileError::Io { path: shown.clone(), source })?;
    let is_yaml = path.extension().and_then(|e| e.to_str()).is_some_and(|e| e == "yaml" || e == "yml");
    let parsed = if is_yaml {
        let model = match model {
            Some(m) => m.to_string(),
            None => {
                model_from_file_name(path).ok_or_else(|| VectorFileError::Model { path: shown.clone() })?
            }
        };
        let docs = yaml_rust2::YamlLoader::load_from_str(&text)
            .map_err(|source| VectorFileError::Yaml { path: shown.clone(), source })?;
        let codec = docs.first().map(crate::plugin::script::yaml_to_json).unwrap_or(Json::Null);
        vectors::codec_examples(&codec, &model)
    } else {
        vectors::parse_vectors(&text)
    };
    let parsed = parsed.map_err(|source| VectorFileError::Format { path: shown, source })?;
    Ok(parsed.into_iter().map(test_vector).collect())
}

fn model_from_file_name(path: &Path) -> Option<String> {
    crate::plugin::script::model_from_file_name(path)
}

/// A vector parsed by `passerelle-vectors` as the WIT test vector the host runs (device
/// `"vector"`, received at 0 ms, like a plugin's own vectors), for [`run_vectors`].
pub fn test_vector(v: vectors::Vector) -> TestVector {
    crate::plugin::vector::test_vector(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::bindings::{Expectation, Value};

    fn write(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn a_ttn_codec_file_becomes_vectors() {
        let dir = tempfile::tempdir().unwrap();
        let yaml = "uplinkDecoder:\n  fileName: x.js\n  examples:\n    - description: ok\n      input:\n        fPort: 85\n        bytes: [1, 117, 50]\n      output:\n        data:\n          battery: 50\n          install: no\n          alarm: { level: [1, 2] }\n    - description: bad port\n      input:\n        fPort: 9\n        bytes: [1]\n      output:\n        errors: ['unknown FPort']\n";
        let path = write(dir.path(), "milesight-iot__em300-th-codec.yaml", yaml);
        let v = load_vectors(&path, None).unwrap();
        assert_eq!(v.len(), 2);
        assert_eq!((v[0].frame.model.as_str(), v[0].frame.port), ("em300-th", 85));
        assert_eq!(v[0].frame.payload, vec![1, 117, 50]);
        let Expectation::Readings(r) = &v[0].expect else { panic!("readings expected") };
        let names: Vec<&str> = r.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["alarm.level.0", "alarm.level.1", "battery", "install"]);
        let install = r.iter().find(|e| e.name == "install").map(|e| &e.value);
        assert_eq!(install, Some(&Value::Text("no".into())), "YAML 1.2: no is a string");
        assert_eq!(v[1].expect, Expectation::Error);
        assert_eq!(load_vectors(&path, Some("other")).unwrap()[0].frame.model, "other");
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
    fn a_malformed_file_is_refused_with_its_line_or_example() {
        let dir = tempfile::tempdir().unwrap();
        let good = r#"{"description": "a", "model": "x", "port": 1, "hex": "00", "expect": {}}"#;
        let path = write(dir.path(), "v.jsonl", &format!("{good}\n{{\"model\":\"x\"}}"));
        let e = load_vectors(&path, None).unwrap_err();
        assert!(
            matches!(&e, VectorFileError::Format { source, .. } if source.at() == vectors::At::Line(2)),
            "{e:?}"
        );
        let yaml =
            "uplinkDecoder:\n  examples:\n    - input: { bytes: [1] }\n      output: { data: { a: ~ } }\n";
        let path = write(dir.path(), "acme__x-codec.yaml", yaml);
        let e = load_vectors(&path, None).unwrap_err();
        assert!(
            matches!(&e, VectorFileError::Format { source, .. } if source.at() == vectors::At::Example(0)),
            "{e:?}"
        );
        let path = write(dir.path(), "nameless.yaml", "a: 1\n");
        assert!(matches!(load_vectors(&path, None), Err(VectorFileError::Model { .. })));
        assert!(matches!(
            load_vectors(&dir.path().join("absent.jsonl"), None),
            Err(VectorFileError::Io { .. })
        ));
    }
}
