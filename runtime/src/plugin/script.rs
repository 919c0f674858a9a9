//! Script decoders: the `script-decoder` world (a JavaScript engine compiled to a component,
//! such as `js-codec`) with the codec it runs.
//!
//! A codec is a file named by the decoder's config: a `.js` source, or a TTN device-repository
//! `*-codec.yaml` whose `uplinkDecoder.fileName` names the source beside it and whose
//! `uplinkDecoder.examples` become the codec's test vectors ([`Codec::read`]). Each instance
//! gets the codec once, through `script.load`, right after instantiation (also when it is
//! rebuilt after a trap): never per frame.
//!
//! An engine built with a C library imports a few WASI functions (clocks, a random seed). The
//! host answers exactly those, deterministically (`add_wasi_stubs`): the wall clock and the
//! monotonic clock stand at 0 and the seed is fixed. A codec sees the frame's receive time
//! through its own `Date` (the guest sets it per frame) and a `Math.random` reseeded per frame,
//! so a frame decodes the same way everywhere. Every other WASI import links as a trap.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value as Json;
use sha2::{Digest, Sha256};
use wasmtime::Store;
use wasmtime::component::{ComponentType, HasSelf, InstancePre, Linker, Lower};

use super::bindings::script_decoder::{ScriptDecoder, ScriptDecoderPre};
use super::bindings::{ScriptEntry, ScriptLoadError, TestVector};
use super::sandbox::World;
use super::state::State;

/// Why a codec file cannot be used. Every case names the file through [`super::PluginError::Codec`].
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The file cannot be read.
    #[error("cannot read {path}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        #[source]
        source: std::io::Error,
    },
    /// The codec YAML does not parse.
    #[error("not YAML: {0}")]
    Yaml(String),
    /// The codec YAML lacks `uplinkDecoder.fileName`, or its examples are malformed.
    #[error("{0}")]
    Format(String),
    /// The file is neither a `.js` source nor a `*-codec.yaml`.
    #[error("a codec is a .js file or a TTN *-codec.yaml file")]
    Kind,
    /// The engine refused the source (a syntax error, no entry point, a top level that throws).
    #[error("{}", describe_load_error(.0))]
    Load(ScriptLoadError),
}

/// A load error in words.
pub fn describe_load_error(e: &ScriptLoadError) -> String {
    match e {
        ScriptLoadError::Syntax(s) => format!("syntax error: {s}"),
        ScriptLoadError::NoEntryPoint(s) => format!("no entry point: {s}"),
        ScriptLoadError::Evaluation(s) => format!("its top level threw: {s}"),
        ScriptLoadError::Other(s) => s.clone(),
    }
}

/// A codec as read from its files: what each instance loads.
#[derive(Debug, Clone, PartialEq)]
pub struct Codec {
    /// The file the config names (the `.js`, or the `*-codec.yaml`).
    pub path: PathBuf,
    /// The files it was read from (the YAML and its `.js`, or the `.js` alone): a change to any
    /// of them reloads the decoder.
    pub files: Vec<PathBuf>,
    /// The source file's name, as the engine shows it in messages.
    pub file_name: String,
    /// The JavaScript source.
    pub source: String,
    /// The codec's examples (from a codec YAML), run before it goes live.
    pub vectors: Vec<TestVector>,
}

impl Codec {
    /// Reads a codec: a `.js` file, or a TTN `*-codec.yaml` (its `uplinkDecoder.fileName`,
    /// relative to the YAML, and its examples as vectors, for the model the file name gives).
    ///
    /// Blocking (file I/O).
    ///
    /// # Errors
    /// [`CodecError`]; the caller names the file.
    pub fn read(path: &Path) -> Result<Self, CodecError> {
        let read = |p: &Path| {
            std::fs::read_to_string(p).map_err(|source| CodecError::Io { path: p.to_path_buf(), source })
        };
        let ext = path.extension().and_then(|e| e.to_str()).unwrap_or_default();
        match ext {
            "js" | "mjs" | "cjs" => Ok(Self {
                path: path.to_path_buf(),
                files: vec![path.to_path_buf()],
                file_name: file_name(path),
                source: read(path)?,
                vectors: Vec::new(),
            }),
            "yaml" | "yml" => {
                let doc = yaml_file(&read(path)?).map_err(CodecError::Yaml)?;
                let name = doc
                    .pointer("/uplinkDecoder/fileName")
                    .and_then(Json::as_str)
                    .ok_or_else(|| CodecError::Format("no uplinkDecoder.fileName".into()))?;
                let js = path.parent().unwrap_or_else(|| Path::new("")).join(name);
                let model = model_from_file_name(path).unwrap_or_else(|| file_name(path));
                let vectors = match doc.pointer("/uplinkDecoder/examples") {
                    None => Vec::new(),
                    Some(_) => passerelle_vectors::codec_examples(&doc, &model)
                        .map_err(|e| CodecError::Format(e.to_string()))?
                        .into_iter()
                        .map(super::vector::test_vector)
                        .collect(),
                };
                Ok(Self {
                    path: path.to_path_buf(),
                    files: vec![path.to_path_buf(), js.clone()],
                    file_name: file_name(&js),
                    source: read(&js)?,
                    vectors,
                })
            }
            _ => Err(CodecError::Kind),
        }
    }

    /// Hex SHA-256 of the engine component's hash and the source: the version of the pair.
    pub(crate) fn hash_with(&self, component_hash: &str) -> String {
        let mut h = Sha256::new();
        h.update(component_hash.as_bytes());
        h.update([0]);
        h.update(self.source.as_bytes());
        passerelle_vectors::to_hex(&h.finalize())
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().and_then(|n| n.to_str()).unwrap_or("codec.js").to_string()
}

/// The model of a TTN codec file from its name: `vendor__model-codec.yaml` -> `model`.
pub fn model_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let stem = name.strip_suffix("-codec.yaml").or_else(|| name.strip_suffix("-codec.yml"))?;
    Some(stem.rsplit("__").next().unwrap_or(stem).to_string())
}

/// The first document of a YAML text as JSON.
///
/// # Errors
/// The parser's complaint, with its position.
#[cfg(feature = "codec-yaml")]
pub fn yaml_file(text: &str) -> Result<Json, String> {
    let docs = yaml_rust2::YamlLoader::load_from_str(text).map_err(|e| e.to_string())?;
    Ok(docs.first().map(yaml_to_json).unwrap_or(Json::Null))
}

/// Without the `codec-yaml` feature a codec package cannot be read: name its `.js` instead.
///
/// # Errors
/// Always.
#[cfg(not(feature = "codec-yaml"))]
pub fn yaml_file(_text: &str) -> Result<Json, String> {
    Err(String::from("this build reads no codec YAML (feature `codec-yaml`): name the codec's .js file"))
}

/// YAML (1.2 core schema: `no` stays a string) to JSON.
#[cfg(feature = "codec-yaml")]
pub fn yaml_to_json(y: &yaml_rust2::Yaml) -> Json {
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

/// The `script-decoder` world with the codec each instance loads.
pub(crate) struct ScriptWorld(pub(crate) ScriptDecoder);

/// A linked `script-decoder` component and the codec its instances load.
#[derive(Clone)]
pub(crate) struct ScriptPre {
    pub(crate) pre: ScriptDecoderPre<State>,
    pub(crate) codec: Arc<Codec>,
}

impl World for ScriptWorld {
    type Pre = ScriptPre;
    fn add_to_linker(linker: &mut Linker<State>) -> wasmtime::Result<()> {
        ScriptDecoder::add_to_linker::<State, HasSelf<State>>(linker, |s| s)?;
        add_wasi_stubs(linker)
    }
    fn pre(instance_pre: InstancePre<State>) -> wasmtime::Result<Self::Pre> {
        // The codec is attached by `DecoderPlugin::with_codec` right after linking.
        Ok(ScriptPre { pre: ScriptDecoderPre::new(instance_pre)?, codec: Arc::new(Codec::empty()) })
    }
    fn instantiate(pre: &Self::Pre, store: &mut Store<State>) -> wasmtime::Result<Self> {
        let world = pre.pre.instantiate(&mut *store)?;
        load(&world, store, &pre.codec)?.map_err(|e| {
            wasmtime::format_err!("codec {}: {}", pre.codec.path.display(), describe_load_error(&e))
        })?;
        Ok(Self(world))
    }
}

impl Codec {
    fn empty() -> Self {
        Self {
            path: PathBuf::new(),
            files: Vec::new(),
            file_name: String::new(),
            source: String::new(),
            vectors: Vec::new(),
        }
    }
}

/// Calls `script.load` with the codec (entry point found by the engine).
pub(crate) fn load(
    world: &ScriptDecoder,
    store: &mut Store<State>,
    codec: &Codec,
) -> wasmtime::Result<Result<ScriptEntry, ScriptLoadError>> {
    world.passerelle_plugin_script().call_load(store, &codec.file_name, &codec.source, None)
}

/// `wasi:clocks/wall-clock.datetime`.
#[derive(ComponentType, Lower, Clone, Copy)]
#[component(record)]
struct Datetime {
    seconds: u64,
    nanoseconds: u32,
}

/// The WASI version the stubs are defined at; older 0.2 imports match it (semver).
const WASI: &str = "0.2.6";
/// The fixed seed answered to `wasi:random/insecure-seed`.
pub const INSECURE_SEED: (u64, u64) = (0x5041_5353_4552_454c, 0x4c45_4a53_2d43_4f44);

/// Defines the WASI functions a C-based engine calls, deterministically: both clocks stand at 0
/// (resolution 1 ns), the insecure seed is [`INSECURE_SEED`]. Nothing else of WASI is defined.
///
/// # Errors
/// A name defined twice (a bug).
pub(crate) fn add_wasi_stubs(linker: &mut Linker<State>) -> wasmtime::Result<()> {
    let zero = Datetime { seconds: 0, nanoseconds: 0 };
    let mut wall = linker.instance(&format!("wasi:clocks/wall-clock@{WASI}"))?;
    wall.func_wrap("now", move |_, (): ()| Ok((zero,)))?;
    wall.func_wrap("resolution", |_, (): ()| Ok((Datetime { seconds: 0, nanoseconds: 1 },)))?;
    let mut mono = linker.instance(&format!("wasi:clocks/monotonic-clock@{WASI}"))?;
    mono.func_wrap("now", |_, (): ()| Ok((0_u64,)))?;
    mono.func_wrap("resolution", |_, (): ()| Ok((1_u64,)))?;
    let mut seed = linker.instance(&format!("wasi:random/insecure-seed@{WASI}"))?;
    seed.func_wrap("insecure-seed", |_, (): ()| Ok((INSECURE_SEED,)))?;
    Ok(())
}
