//! Decoding through the WASM host against the same decoder compiled natively into the host.
//!
//! Groups (criterion ids `<group>/<case>`, results under `target/criterion/`):
//! - `milesight/wasm_one`: one `DecoderInstance::decode` call per frame;
//! - `milesight/wasm_batch256`: `DecoderInstance::decode_batch` with 256 frames per call
//!   (throughput in elements: criterion reports the per-frame rate);
//! - `milesight/native_one`, `milesight/native_batch256`: the `decoder-milesight` crate called
//!   through its `Guest` trait, with the same frame and reading conversions the host does;
//! - `elsys/wasm_one`, `elsys/wasm_batch256`;
//! - `elsys/js_one`, `elsys/js_batch256`: the same frames through `js_codec.wasm` running
//!   `tests/fixtures/codecs/elsys.js` (QuickJS in the sandbox, `Decoder(bytes, port)`);
//! - `startup/native`, `startup/js`: a new instance and its first frame (wasmtime
//!   instantiation; for js-codec also the QuickJS runtime, the prelude and the codec's top
//!   level). `startup/js` is also ChirpStack's cost model, a fresh context per uplink.
//!
//! Frames are the vendor vectors the repository carries (`vectors/ttn/vectors.jsonl`), cycled. The
//! plugins come from `plugins/dist/`, built by `scripts/build-plugins`. `scripts/bench-decode`
//! runs this bench and prints µs per frame and the WASM/native ratios.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail, ensure};
use criterion::{Criterion, Throughput};
use milesight::Guest;
use passerelle::message::{Frame, Reading, Value};
use passerelle::plugin::{Codec, DecoderInstance, DecoderPlugin, Engine, Limits};

/// Frames per batched call: the default `limits.max_batch`.
const BATCH: usize = 256;
/// Fixed receive time of every frame (2026-11-22T08:00:00Z).
const RECEIVED_MS: i64 = 1_795_334_400_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// The vendor vectors of one vendor as frames, each with its model.
fn frames(vendor: &str) -> anyhow::Result<Vec<(Frame, Arc<str>)>> {
    let path = root().join("vectors/ttn/vectors.jsonl");
    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let vectors =
        passerelle_vectors::parse_vendor_vectors(&text).with_context(|| path.display().to_string())?;
    let connector: Arc<str> = Arc::from("bench");
    let mut out = Vec::new();
    for v in vectors.into_iter().filter(|v| v.vendor == vendor) {
        let model: Arc<str> = Arc::from(v.model.as_str());
        let frame = Frame {
            device: Arc::from(format!("{vendor}-{}-{}", v.model, v.index)),
            devicetype: Arc::clone(&model),
            port: v.port,
            payload: v.payload.into(),
            received_ms: RECEIVED_MS,
            connector: Arc::clone(&connector),
            firmware: None,
        };
        out.push((frame, model));
    }
    ensure!(!out.is_empty(), "no {vendor} vectors in {}", path.display());
    Ok(out)
}

/// `count` frames cycling through `base`, for the batched cases.
fn cycled(base: &[(Frame, Arc<str>)], count: usize) -> Vec<(Frame, Arc<str>)> {
    base.iter().cycle().take(count).cloned().collect()
}

/// A live instance of `plugins/dist/<name>.wasm`.
fn wasm_instance(engine: &Engine, name: &str) -> anyhow::Result<DecoderInstance> {
    let path = root().join("plugins/dist").join(format!("{name}.wasm"));
    if !path.exists() {
        bail!("{} is missing: build the plugins first with scripts/build-plugins", path.display());
    }
    let compiled = engine.compile_file(&path).with_context(|| format!("compiling {}", path.display()))?;
    let plugin = DecoderPlugin::new(engine, &compiled, Limits::default())
        .with_context(|| format!("loading {}", path.display()))?;
    Ok(plugin.instance())
}

/// Checks that every frame decodes to readings through the instance, and returns the counts.
fn wasm_counts(instance: &mut DecoderInstance, frames: &[(Frame, Arc<str>)]) -> anyhow::Result<Vec<usize>> {
    frames
        .iter()
        .map(|(f, m)| {
            instance
                .decode(f, m)
                .map(|r| r.len())
                .with_context(|| format!("{m} frame of {} does not decode", f.device))
        })
        .collect()
}

/// The host frame as the guest sees it: the same conversion the host does before a call.
fn to_native(frame: &Frame, model: &str) -> milesight::Frame {
    milesight::Frame {
        device: frame.device.to_string(),
        model: model.to_string(),
        port: frame.port,
        payload: frame.payload.to_vec(),
        received_ms: frame.received_ms,
        firmware: None,
    }
}

fn value(v: passerelle_pdk::decoder::Value) -> Value {
    use passerelle_pdk::decoder::Value as Native;
    match v {
        Native::Number(n) => Value::Number(n),
        Native::Text(s) => Value::Text(s),
        Native::Boolean(b) => Value::Boolean(b),
        Native::Bytes(b) => Value::Bytes(b),
    }
}

/// The guest's readings as host readings: the same conversion the host does after a call.
fn from_native(frame: &Frame, readings: Vec<milesight::Reading>) -> Vec<Reading> {
    readings
        .into_iter()
        .map(|r| Reading {
            device: Arc::clone(&frame.device),
            name: Arc::from(r.name),
            value: value(r.value),
            unit: r.unit.map(Arc::from),
            time_ms: r.time_ms.unwrap_or(frame.received_ms),
            tags: Default::default(),
        })
        .collect()
}

fn native_decode(frame: &Frame, model: &str) -> Result<Vec<Reading>, milesight::DecodeError> {
    milesight::Plugin::decode(to_native(frame, model)).map(|r| from_native(frame, r))
}

fn native_decode_batch(frames: &[(Frame, Arc<str>)]) -> Vec<Result<Vec<Reading>, milesight::DecodeError>> {
    let native = frames.iter().map(|(f, m)| to_native(f, m)).collect();
    // The flat batch back into host readings, names and units shared per batch: what the host
    // does with a batch the plugin returns.
    let batch = milesight::Plugin::decode_batch(native);
    let labels: Vec<Arc<str>> = batch.labels.into_iter().map(Arc::from).collect();
    let mut readings = batch.readings.into_iter();
    batch
        .outcomes
        .into_iter()
        .zip(frames)
        .map(|(outcome, (f, _))| {
            outcome.map(|count| {
                readings
                    .by_ref()
                    .take(count as usize)
                    .map(|r| Reading {
                        device: Arc::clone(&f.device),
                        name: labels.get(r.name as usize).map_or_else(|| Arc::from(""), Arc::clone),
                        value: value(r.value),
                        unit: r.unit.and_then(|u| labels.get(u as usize).cloned()),
                        time_ms: r.time_ms.unwrap_or(f.received_ms),
                        tags: Default::default(),
                    })
                    .collect()
            })
        })
        .collect()
}

/// Milesight: WASM and native, one frame per call and `BATCH` frames per call. Checks first that
/// both decode every frame to the same number of readings.
fn bench_milesight(c: &mut Criterion, engine: &Engine) -> anyhow::Result<()> {
    let base = frames("milesight-iot")?;
    let mut instance = wasm_instance(engine, "milesight")?;
    let wasm = wasm_counts(&mut instance, &base)?;
    let native = base
        .iter()
        .map(|(f, m)| native_decode(f, m).map(|r| r.len()).map_err(|e| anyhow::anyhow!("native {m}: {e:?}")))
        .collect::<anyhow::Result<Vec<usize>>>()?;
    ensure!(wasm == native, "WASM and native decoders disagree on reading counts: {wasm:?} vs {native:?}");
    let batch = cycled(&base, BATCH);

    let mut group = c.benchmark_group("milesight");
    group.throughput(Throughput::Elements(1));
    let mut next = base.iter().cycle();
    group.bench_function("wasm_one", |b| {
        b.iter(|| black_box(next.next().map(|(f, m)| instance.decode(black_box(f), m))));
    });
    let mut next = base.iter().cycle();
    group.bench_function("native_one", |b| {
        b.iter(|| black_box(next.next().map(|(f, m)| native_decode(black_box(f), m))));
    });
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("wasm_batch256", |b| b.iter(|| black_box(instance.decode_batch(black_box(&batch)))));
    group.bench_function("native_batch256", |b| b.iter(|| black_box(native_decode_batch(black_box(&batch)))));
    group.finish();
    Ok(())
}

/// Elsys: WASM only, one frame per call and `BATCH` frames per call.
fn bench_elsys(c: &mut Criterion, engine: &Engine) -> anyhow::Result<()> {
    let base = frames("elsys")?;
    let mut instance = wasm_instance(engine, "elsys")?;
    wasm_counts(&mut instance, &base)?;
    let batch = cycled(&base, BATCH);

    let mut group = c.benchmark_group("elsys");
    group.throughput(Throughput::Elements(1));
    let mut next = base.iter().cycle();
    group.bench_function("wasm_one", |b| {
        b.iter(|| black_box(next.next().map(|(f, m)| instance.decode(black_box(f), m))));
    });
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("wasm_batch256", |b| b.iter(|| black_box(instance.decode_batch(black_box(&batch)))));
    group.finish();
    Ok(())
}

/// A `js_codec.wasm` plugin running a codec of `tests/fixtures/codecs/`.
fn js_plugin(engine: &Engine, codec: &str) -> anyhow::Result<DecoderPlugin> {
    let path = root().join("plugins/dist/js_codec.wasm");
    if !path.exists() {
        bail!("{} is missing: build the plugins first with scripts/build-plugins", path.display());
    }
    let compiled = engine.compile_file(&path).with_context(|| format!("compiling {}", path.display()))?;
    let codec_path = root().join("tests/fixtures/codecs").join(codec);
    let codec = Codec::read(&codec_path).with_context(|| codec_path.display().to_string())?;
    DecoderPlugin::with_codec(engine, &compiled, codec, Limits::default())
        .with_context(|| format!("loading {} with {}", path.display(), codec_path.display()))
}

/// Elsys through js-codec and its JavaScript codec, and instance start-up of both kinds. Checks
/// first that the codec and the native plugin give the same readings (names and values) on
/// every frame.
fn bench_js(c: &mut Criterion, engine: &Engine) -> anyhow::Result<()> {
    let base = frames("elsys")?;
    let js = js_plugin(engine, "elsys.js")?;
    let mut instance = js.instance();
    let mut native = wasm_instance(engine, "elsys")?;
    for (f, m) in &base {
        let (a, b) = (instance.decode(f, m), native.decode(f, m));
        // Names and values, in any order (units are not compared, as in the vectors).
        let same = matches!((&a, &b), (Ok(a), Ok(b)) if a.len() == b.len()
            && a.iter().all(|r| b.iter().any(|s| s.name == r.name && s.value == r.value)));
        ensure!(same, "js-codec and the native elsys plugin disagree on {}: {a:?} vs {b:?}", f.device);
    }
    let batch = cycled(&base, BATCH);
    let mut group = c.benchmark_group("elsys");
    group.throughput(Throughput::Elements(1));
    let mut next = base.iter().cycle();
    group.bench_function("js_one", |b| {
        b.iter(|| black_box(next.next().map(|(f, m)| instance.decode(black_box(f), m))));
    });
    group.throughput(Throughput::Elements(BATCH as u64));
    group.bench_function("js_batch256", |b| b.iter(|| black_box(instance.decode_batch(black_box(&batch)))));
    group.finish();

    let compiled_native = engine.compile_file(&root().join("plugins/dist/elsys.wasm"))?;
    let native_plugin = DecoderPlugin::new(engine, &compiled_native, Limits::default())?;
    let (frame, model) = base.first().context("no elsys frame")?;
    let mut group = c.benchmark_group("startup");
    group.throughput(Throughput::Elements(1));
    group.bench_function("native", |b| b.iter(|| black_box(native_plugin.instance().decode(frame, model))));
    group.bench_function("js", |b| b.iter(|| black_box(js.instance().decode(frame, model))));
    group.finish();
    Ok(())
}

fn main() -> ExitCode {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(25)
        .configure_from_args();
    let run = Engine::new(None).context("creating the engine").and_then(|engine| {
        bench_milesight(&mut c, &engine)
            .and_then(|()| bench_elsys(&mut c, &engine))
            .and_then(|()| bench_js(&mut c, &engine))
    });
    if let Err(e) = run {
        eprintln!("error: {e:#}");
        return ExitCode::FAILURE;
    }
    c.final_summary();
    ExitCode::SUCCESS
}
