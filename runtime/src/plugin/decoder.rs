//! Decoder plugins: a compiled `decoder` component, or a `script-decoder` component with its
//! codec, and the instances actors call. Both export the same `decode` interface; the rest of
//! the runtime does not tell them apart.

use std::sync::Arc;

use wasmtime::Store;
use wasmtime::component::{HasSelf, InstancePre, Linker};

use super::PluginError;
use super::bindings::decoder::{Decoder, DecoderPre};
use super::bindings::{
    Batch, BatchReading, DecodeError, Expectation, Metadata, TestVector, WitFrame, WitFrameRef, WitReading,
};
use super::engine::{Compiled, Engine, Limits};
use super::sandbox::{Sandbox, World, link};
use super::script::{Codec, CodecError, ScriptPre, ScriptWorld};
use super::state::State;
use super::vector;
use crate::message::{Frame, Reading};

impl World for Decoder {
    type Pre = DecoderPre<State>;
    fn add_to_linker(linker: &mut Linker<State>) -> wasmtime::Result<()> {
        Decoder::add_to_linker::<State, HasSelf<State>>(linker, |s| s)
    }
    fn pre(instance_pre: InstancePre<State>) -> wasmtime::Result<Self::Pre> {
        DecoderPre::new(instance_pre)
    }
    fn instantiate(pre: &Self::Pre, store: &mut Store<State>) -> wasmtime::Result<Self> {
        pre.instantiate(store)
    }
}

type Decoded = Result<Vec<WitReading>, DecodeError>;

/// The calls of the `decode` interface, whichever world exports it.
trait Decodes {
    fn describe(&self, store: &mut Store<State>) -> wasmtime::Result<Metadata>;
    fn decode(&self, store: &mut Store<State>, frame: WitFrameRef<'_>) -> wasmtime::Result<Decoded>;
    fn decode_batch(&self, store: &mut Store<State>, frames: &[WitFrameRef<'_>]) -> wasmtime::Result<Batch>;
    fn vectors(&self, store: &mut Store<State>) -> wasmtime::Result<Vec<TestVector>>;
}

impl Decodes for Decoder {
    fn describe(&self, store: &mut Store<State>) -> wasmtime::Result<Metadata> {
        self.passerelle_plugin_decode().call_describe(store)
    }
    fn decode(&self, store: &mut Store<State>, frame: WitFrameRef<'_>) -> wasmtime::Result<Decoded> {
        self.passerelle_plugin_decode().call_decode(store, frame)
    }
    fn decode_batch(&self, store: &mut Store<State>, frames: &[WitFrameRef<'_>]) -> wasmtime::Result<Batch> {
        self.passerelle_plugin_decode().call_decode_batch(store, frames)
    }
    fn vectors(&self, store: &mut Store<State>) -> wasmtime::Result<Vec<TestVector>> {
        self.passerelle_plugin_decode().call_vectors(store)
    }
}

impl Decodes for ScriptWorld {
    fn describe(&self, store: &mut Store<State>) -> wasmtime::Result<Metadata> {
        let m = self.0.passerelle_plugin_decode().call_describe(store)?;
        Ok(Metadata { name: m.name, version: m.version, models: m.models })
    }
    fn decode(&self, store: &mut Store<State>, frame: WitFrameRef<'_>) -> wasmtime::Result<Decoded> {
        self.0.passerelle_plugin_decode().call_decode(store, frame)
    }
    fn decode_batch(&self, store: &mut Store<State>, frames: &[WitFrameRef<'_>]) -> wasmtime::Result<Batch> {
        let b = self.0.passerelle_plugin_decode().call_decode_batch(store, frames)?;
        let readings = b
            .readings
            .into_iter()
            .map(|r| BatchReading { name: r.name, value: r.value, unit: r.unit, time_ms: r.time_ms })
            .collect();
        Ok(Batch { labels: b.labels, readings, outcomes: b.outcomes })
    }
    fn vectors(&self, _store: &mut Store<State>) -> wasmtime::Result<Vec<TestVector>> {
        // A script decoder's vectors are its codec's examples, read by the host.
        Ok(Vec::new())
    }
}

/// What a decoder plugin instantiates: a native decoder, or a script engine and its codec.
#[derive(Clone)]
enum Kind {
    Native(DecoderPre<State>),
    Script(ScriptPre),
}

/// An instance's sandbox, of either kind.
enum Live {
    Native(Sandbox<Decoder>),
    Script(Sandbox<ScriptWorld>),
}

impl Live {
    fn call<R>(
        &mut self,
        f: impl FnOnce(&dyn Decodes, &mut Store<State>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        match self {
            Self::Native(s) => s.call(|w, store| f(w, store)),
            Self::Script(s) => s.call(|w, store| f(w, store)),
        }
    }

    fn label(&self) -> &Arc<str> {
        match self {
            Self::Native(s) => s.label(),
            Self::Script(s) => s.label(),
        }
    }

    fn is_live(&self) -> bool {
        match self {
            Self::Native(s) => s.is_live(),
            Self::Script(s) => s.is_live(),
        }
    }
}

/// A loaded decoder plugin: compiled, linked, described; cheap to clone.
#[derive(Clone)]
pub struct DecoderPlugin {
    engine: Engine,
    kind: Kind,
    limits: Limits,
    metadata: Arc<Metadata>,
    label: Arc<str>,
    hash: Arc<str>,
    /// How many of its own vectors it passed when it was loaded; `None`: not checked.
    vectors_passed: Option<usize>,
}

impl std::fmt::Debug for DecoderPlugin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecoderPlugin")
            .field("label", &self.label)
            .field("hash", &self.hash)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

/// A vector of the plugin's own that it fails.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorFailure {
    /// The vector's description.
    pub description: String,
    /// What went wrong: the field, the expected and the actual value.
    pub problem: String,
}

impl std::fmt::Display for VectorFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.description, self.problem)
    }
}

impl DecoderPlugin {
    /// Links a compiled component as a decoder and reads its metadata.
    ///
    /// Blocking (runs guest code): call it from a blocking thread.
    ///
    /// # Errors
    /// [`PluginError::Invalid`] when the component does not implement the `decoder` world, or
    /// when `describe` fails.
    pub fn new(engine: &Engine, compiled: &Compiled, limits: Limits) -> Result<Self, PluginError> {
        if is_script_decoder(engine, compiled) {
            return Err(PluginError::Invalid(
                "a script decoder (it exports passerelle:plugin/script): it needs a codec (`codec` in the decoder's config)"
                    .into(),
            ));
        }
        let pre = link::<Decoder>(engine, &compiled.component, "decoder")?;
        Self::described(engine, Kind::Native(pre), limits, compiled.hash.clone(), None)
    }

    /// Links a compiled `script-decoder` component (such as `js-codec`) with a codec, loads
    /// the codec once to check it, and reads the metadata. Every instance loads the codec once,
    /// when it is created or rebuilt. The label is `name@version:codec-file`; the hash covers
    /// the component and the source, and the vectors are the codec's examples.
    ///
    /// Blocking (runs guest code): call it from a blocking thread.
    ///
    /// # Errors
    /// [`PluginError::Invalid`] when the component does not implement the `script-decoder`
    /// world, [`PluginError::Codec`] when the engine refuses the codec (syntax error, no
    /// `decodeUplink` or `Decoder`, a top level that throws), naming the file.
    pub fn with_codec(
        engine: &Engine,
        compiled: &Compiled,
        codec: Codec,
        limits: Limits,
    ) -> Result<Self, PluginError> {
        let pre = link::<ScriptWorld>(engine, &compiled.component, "script-decoder")?;
        let hash = codec.hash_with(&compiled.hash);
        let pre = ScriptPre { codec: Arc::new(codec), ..pre };
        check_codec(engine, &pre, limits)?;
        let name = pre.codec.file_name.clone();
        Self::described(engine, Kind::Script(pre), limits, hash, Some(name))
    }

    fn described(
        engine: &Engine,
        kind: Kind,
        limits: Limits,
        hash: String,
        codec: Option<String>,
    ) -> Result<Self, PluginError> {
        let mut plugin = Self {
            engine: engine.clone(),
            kind,
            limits,
            metadata: Arc::new(Metadata { name: String::new(), version: String::new(), models: vec![] }),
            label: Arc::from("unknown"),
            hash: Arc::from(hash.as_str()),
            vectors_passed: None,
        };
        let mut instance = plugin.instance();
        let metadata = instance.call(|d, s| d.describe(s))?;
        plugin.label = Arc::from(match codec {
            Some(codec) => format!("{}@{}:{codec}", metadata.name, metadata.version),
            None => format!("{}@{}", metadata.name, metadata.version),
        });
        plugin.metadata = Arc::new(metadata);
        Ok(plugin)
    }

    /// The codec a script decoder runs; none for a native decoder.
    pub fn codec(&self) -> Option<&Codec> {
        match &self.kind {
            Kind::Native(_) => None,
            Kind::Script(pre) => Some(&pre.codec),
        }
    }

    /// Name, version and models, as the plugin describes itself.
    pub fn metadata(&self) -> &Metadata {
        &self.metadata
    }

    /// `name@version`.
    pub fn label(&self) -> &Arc<str> {
        &self.label
    }

    /// Hex SHA-256 of the component.
    pub fn hash(&self) -> &str {
        &self.hash
    }

    /// How many of its own vectors it passed when it was loaded (all of them: a version that
    /// fails one is refused); `None` when they were not checked (`check_vectors: false`).
    pub fn vectors_passed(&self) -> Option<usize> {
        self.vectors_passed
    }

    /// Records that it passed `count` vectors of its own (set by the loader after the check).
    pub(crate) fn set_vectors_passed(&mut self, count: usize) {
        self.vectors_passed = Some(count);
    }

    /// The limits every call runs under.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// A new, lazily instantiated instance, to be owned by one actor or thread.
    pub fn instance(&self) -> DecoderInstance {
        let (engine, label) = (self.engine.clone(), Arc::clone(&self.label));
        let sandbox = match &self.kind {
            Kind::Native(pre) => Live::Native(Sandbox::new(engine, pre.clone(), self.limits, label)),
            Kind::Script(pre) => Live::Script(Sandbox::new(engine, pre.clone(), self.limits, label)),
        };
        DecoderInstance { plugin: self.clone(), sandbox }
    }

    /// Runs the plugin's own test vectors; returns the failures (empty when all pass).
    ///
    /// # Errors
    /// A host error, or a trap while listing the vectors.
    pub fn check_vectors(&self) -> Result<(Vec<TestVector>, Vec<VectorFailure>), PluginError> {
        let mut instance = self.instance();
        let vectors = match self.codec() {
            Some(codec) => codec.vectors.clone(),
            None => instance.call(|d, s| d.vectors(s))?,
        };
        let mut failures = Vec::new();
        for v in &vectors {
            let got = instance.decode_wit(borrow(&v.frame));
            if let Some(problem) = compare(&v.expect, got) {
                failures.push(VectorFailure { description: v.description.clone(), problem });
            }
        }
        Ok((vectors, failures))
    }
}

/// Compares a decode result with a vector's expectation under the one rule of
/// `passerelle-vectors` ([`passerelle_vectors::check`]); `None` when they agree, else every
/// difference in words. A decode error meets an expected error; a trap or a cap meets nothing.
pub(crate) fn compare(expect: &Expectation, got: Result<Vec<WitReading>, PluginError>) -> Option<String> {
    passerelle_vectors::check(&vector::expectation(expect), &vector::outcome(&got))
        .err()
        .map(|m| m.to_string())
}

/// One instance of a decoder plugin with its own `Store`. Not shared: one per actor.
///
/// A trap poisons the wasmtime instance; the next call rebuilds it from the `InstancePre`.
pub struct DecoderInstance {
    plugin: DecoderPlugin,
    sandbox: Live,
}

impl std::fmt::Debug for DecoderInstance {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecoderInstance")
            .field("plugin", self.sandbox.label())
            .field("live", &self.sandbox.is_live())
            .finish()
    }
}

impl DecoderInstance {
    /// The plugin this instance runs.
    pub fn plugin(&self) -> &DecoderPlugin {
        &self.plugin
    }

    fn call<R>(
        &mut self,
        f: impl FnOnce(&dyn Decodes, &mut Store<State>) -> wasmtime::Result<R>,
    ) -> Result<R, PluginError> {
        self.sandbox.call(f)
    }

    fn check_len(&self, count: usize) -> Result<(), PluginError> {
        let cap = self.plugin.limits.max_readings;
        if count > cap {
            return Err(PluginError::TooManyReadings { plugin: self.plugin.label.to_string(), count, cap });
        }
        Ok(())
    }

    /// Decodes one WIT frame, as the plugin's own vectors give them.
    ///
    /// # Errors
    /// See [`PluginError`].
    pub fn decode_wit(&mut self, frame: WitFrameRef<'_>) -> Result<Vec<WitReading>, PluginError> {
        let readings = self.call(|d, s| d.decode(s, frame))?.map_err(PluginError::Decode)?;
        self.check_len(readings.len())?;
        Ok(readings)
    }

    /// Decodes one frame as `model`.
    ///
    /// # Errors
    /// See [`PluginError`].
    pub fn decode(&mut self, frame: &Frame, model: &str) -> Result<Vec<Reading>, PluginError> {
        let readings = self.decode_wit(to_wit(frame, model))?;
        Ok(to_readings(frame, readings))
    }

    /// Decodes frames in batched calls of at most `limits.max_batch` frames. The result has one
    /// entry per frame, in order. When a batch traps, its frames are retried one by one on a
    /// fresh instance, so a bad frame costs only itself.
    pub fn decode_batch(&mut self, frames: &[(Frame, Arc<str>)]) -> Vec<Result<Vec<Reading>, PluginError>> {
        let mut out = Vec::with_capacity(frames.len());
        for chunk in frames.chunks(self.plugin.limits.max_batch.max(1)) {
            let wit: Vec<WitFrameRef<'_>> = chunk.iter().map(|(f, m)| to_wit(f, m)).collect();
            match self.call(|d, s| d.decode_batch(s, &wit)) {
                Ok(batch) => {
                    match unpack(chunk, batch, &self.plugin.label, self.plugin.limits.max_readings) {
                        Ok(results) => out.extend(results),
                        Err(problem) => {
                            out.extend(chunk.iter().map(|_| Err(PluginError::Invalid(problem.clone()))))
                        }
                    }
                }
                Err(_) if chunk.len() > 1 => {
                    for (frame, model) in chunk {
                        out.push(self.decode(frame, model));
                    }
                }
                Err(e) => out.push(Err(e)),
            }
        }
        out
    }
}

/// Turns a flat batch back into one result per frame. Names and units become shared strings
/// made once per batch; every reading of the batch clones them (no allocation). A frame with
/// more readings than `max_readings` gets [`PluginError::TooManyReadings`].
///
/// # Errors
/// A batch that does not add up (outcomes not one per frame, counts past the readings, a label
/// index out of range) is the plugin's fault; the message says what is wrong.
fn unpack(
    chunk: &[(Frame, Arc<str>)],
    batch: Batch,
    plugin: &str,
    max_readings: usize,
) -> Result<Vec<Result<Vec<Reading>, PluginError>>, String> {
    let Batch { labels, readings, outcomes } = batch;
    if outcomes.len() != chunk.len() {
        return Err(format!("decode-batch returned {} outcomes for {} frames", outcomes.len(), chunk.len()));
    }
    let labels: Vec<Arc<str>> = labels.into_iter().map(Arc::from).collect();
    let label = |i: u32| {
        labels
            .get(i as usize)
            .cloned()
            .ok_or_else(|| format!("decode-batch refers to label {i}, past its {} labels", labels.len()))
    };
    let mut readings = readings.into_iter();
    let mut out = Vec::with_capacity(chunk.len());
    for ((frame, _), outcome) in chunk.iter().zip(outcomes) {
        let count = match outcome {
            Ok(count) => count as usize,
            Err(e) => {
                out.push(Err(PluginError::Decode(e)));
                continue;
            }
        };
        if count > max_readings {
            if readings.by_ref().take(count).count() != count {
                return Err(format!(
                    "decode-batch announces {count} readings for a frame past the end of its readings"
                ));
            }
            out.push(Err(PluginError::TooManyReadings {
                plugin: plugin.to_string(),
                count,
                cap: max_readings,
            }));
            continue;
        }
        let mut decoded = Vec::with_capacity(count);
        for r in readings.by_ref().take(count) {
            decoded.push(Reading {
                device: Arc::clone(&frame.device),
                name: label(r.name)?,
                value: r.value,
                unit: r.unit.map(label).transpose()?,
                time_ms: r.time_ms.unwrap_or(frame.received_ms),
                tags: crate::message::Tags::default(),
            });
        }
        if decoded.len() != count {
            return Err(format!(
                "decode-batch announces {count} readings for a frame past the end of its readings"
            ));
        }
        out.push(Ok(decoded));
    }
    if readings.next().is_some() {
        return Err("decode-batch returned more readings than its outcomes announce".into());
    }
    Ok(out)
}

/// True when the component exports the `script` interface (the `script-decoder` world): it
/// decodes nothing until a codec is loaded.
fn is_script_decoder(engine: &Engine, compiled: &Compiled) -> bool {
    compiled
        .component
        .component_type()
        .exports(engine.wasmtime())
        .any(|(name, _)| name.starts_with("passerelle:plugin/script@"))
}

/// Loads the codec in a throwaway instance, so that a bad codec is refused with its typed
/// error (at run time a load failure would only be a trap).
fn check_codec(engine: &Engine, pre: &ScriptPre, limits: Limits) -> Result<(), PluginError> {
    let label = format!("codec {}", pre.codec.path.display());
    let mut store =
        Store::new(engine.wasmtime(), State::new(Arc::from(label.as_str()), limits.memory_bytes()));
    store.limiter(|s| &mut s.limiter);
    store.set_epoch_deadline(limits.deadline_ticks().saturating_mul(CODEC_LOAD_DEADLINES));
    let trap = |e: wasmtime::Error| PluginError::Trap {
        plugin: label.clone(),
        kind: super::TrapKind::Trap,
        source: e.into_boxed_dyn_error(),
    };
    let world = pre.pre.instantiate(&mut store).map_err(trap)?;
    super::script::load(&world, &mut store, &pre.codec)
        .map_err(trap)?
        .map(drop)
        .map_err(|e| PluginError::Codec { path: pre.codec.path.clone(), error: CodecError::Load(e) })
}

/// Loading a codec (engine start and the codec's top level) may take this many call deadlines.
const CODEC_LOAD_DEADLINES: u64 = 10;

/// The WIT view of a frame, borrowed: lowering copies straight from the host's buffers.
fn to_wit<'a>(frame: &'a Frame, model: &'a str) -> WitFrameRef<'a> {
    WitFrameRef {
        device: &frame.device,
        model,
        port: frame.port,
        payload: &frame.payload,
        received_ms: frame.received_ms,
        firmware: frame.firmware.as_deref(),
    }
}

pub(crate) fn borrow(frame: &WitFrame) -> WitFrameRef<'_> {
    WitFrameRef {
        device: &frame.device,
        model: &frame.model,
        port: frame.port,
        payload: &frame.payload,
        received_ms: frame.received_ms,
        firmware: frame.firmware.as_deref(),
    }
}

fn to_readings(frame: &Frame, readings: Vec<WitReading>) -> Vec<Reading> {
    readings
        .into_iter()
        .map(|r| Reading {
            device: Arc::clone(&frame.device),
            name: Arc::from(r.name),
            value: r.value,
            unit: r.unit.map(Arc::from),
            time_ms: r.time_ms.unwrap_or(frame.received_ms),
            tags: crate::message::Tags::default(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::TrapKind;
    use crate::plugin::bindings::{DecodeError, ExpectedReading, Value};

    fn reading(name: &str, value: Value) -> WitReading {
        WitReading { name: name.into(), value, unit: None, time_ms: None }
    }

    fn trap() -> PluginError {
        PluginError::Trap { plugin: "p@1".into(), kind: TrapKind::Deadline, source: "interrupt".into() }
    }

    #[test]
    fn the_vector_check_uses_the_one_rule() {
        let expect = Expectation::Readings(vec![
            ExpectedReading { name: "temperature".into(), value: Value::Number(20.0) },
            ExpectedReading { name: "humidity".into(), value: Value::Number(30.0) },
        ]);
        let got =
            Ok(vec![reading("temperature", Value::Number(21.0)), reading("battery", Value::Number(50.0))]);
        let problem = compare(&expect, got).unwrap_or_default();
        assert!(problem.contains("temperature: expected 20, got 21"), "{problem}");
        assert!(problem.contains("humidity: expected 30, missing"), "{problem}");
        assert!(problem.contains("battery: unexpected"), "{problem}");
        let one =
            Expectation::Readings(vec![ExpectedReading { name: "t".into(), value: Value::Number(1.0) }]);
        let twice = Ok(vec![reading("t", Value::Number(1.0)), reading("t", Value::Number(1.0))]);
        assert!(compare(&one, twice).is_some(), "a repeated name where one value is expected");
        let once = Ok(vec![reading("t", Value::Number(1.000_000_1))]);
        assert_eq!(compare(&one, once), None);
    }

    fn frames(n: usize) -> Vec<(Frame, Arc<str>)> {
        (0..n)
            .map(|i| {
                let frame = Frame {
                    device: Arc::from(format!("d{i}")),
                    devicetype: Arc::from("m"),
                    port: 1,
                    payload: crate::message::Bytes::from_static(b"x"),
                    received_ms: 1000 + i as i64,
                    connector: Arc::from("c"),
                    firmware: None,
                };
                (frame, Arc::from("m"))
            })
            .collect()
    }

    fn flat(name: u32, unit: Option<u32>, x: f64) -> BatchReading {
        BatchReading { name, value: Value::Number(x), unit, time_ms: None }
    }

    #[test]
    fn a_flat_batch_unpacks_per_frame_with_shared_names() {
        let batch = Batch {
            labels: vec!["temperature".into(), "Cel".into(), "battery".into()],
            readings: vec![flat(0, Some(1), 20.0), flat(2, None, 90.0), flat(0, Some(1), 21.0)],
            outcomes: vec![Ok(2), Err(DecodeError::TooShort(3)), Ok(1)],
        };
        let out = unpack(&frames(3), batch, "p@1", 10).unwrap();
        let first = out[0].as_ref().unwrap();
        assert_eq!(
            (&*first[0].name, first[0].unit.as_deref(), first[0].time_ms),
            ("temperature", Some("Cel"), 1000)
        );
        assert_eq!((&*first[1].name, first[1].unit.as_deref()), ("battery", None));
        assert!(matches!(out[1], Err(PluginError::Decode(DecodeError::TooShort(3)))));
        let third = out[2].as_ref().unwrap();
        assert_eq!(
            (&*third[0].device, third[0].value.clone(), third[0].time_ms),
            ("d2", Value::Number(21.0), 1002)
        );
        assert!(Arc::ptr_eq(&first[0].name, &third[0].name), "one string per name per batch");
    }

    #[test]
    fn a_flat_batch_that_does_not_add_up_is_the_plugins_fault() {
        let bad = |readings: Vec<BatchReading>, outcomes: Vec<Result<u32, DecodeError>>| {
            let batch = Batch { labels: vec!["t".into()], readings, outcomes };
            unpack(&frames(2), batch, "p@1", 10).unwrap_err()
        };
        assert!(bad(vec![], vec![Ok(0)]).contains("1 outcomes for 2 frames"));
        assert!(bad(vec![flat(3, None, 1.0)], vec![Ok(1), Ok(0)]).contains("label 3, past its 1 labels"));
        assert!(bad(vec![flat(0, None, 1.0)], vec![Ok(1), Ok(1)]).contains("past the end"));
        assert!(bad(vec![flat(0, None, 1.0); 3], vec![Ok(1), Ok(1)]).contains("more readings"));
        let capped = Batch {
            labels: vec!["t".into()],
            readings: vec![flat(0, None, 1.0); 12],
            outcomes: vec![Ok(11), Ok(1)],
        };
        let out = unpack(&frames(2), capped, "p@1", 10).unwrap();
        assert!(
            matches!(out[0], Err(PluginError::TooManyReadings { count: 11, cap: 10, .. })),
            "{:?}",
            out[0]
        );
        assert_eq!(out[1].as_ref().map(Vec::len).ok(), Some(1), "the next frame keeps its own readings");
    }

    #[test]
    fn an_expected_error_is_met_by_a_decode_error_never_by_a_trap() {
        assert_eq!(compare(&Expectation::Error, Err(PluginError::Decode(DecodeError::TooShort(3)))), None);
        assert!(compare(&Expectation::Error, Err(trap())).is_some());
        assert!(compare(&Expectation::Error, Ok(vec![])).is_some());
        assert!(compare(&Expectation::Readings(vec![]), Err(trap())).is_some());
    }
}
