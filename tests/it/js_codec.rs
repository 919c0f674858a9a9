//! JavaScript codecs (The Things Network / ChirpStack style) in the sandbox: the `js-codec`
//! plugin (QuickJS in a `script-decoder` component) runs the codec a decoder's config names.
//! The codecs under `tests/fixtures/codecs/` were written for these tests from the vendors'
//! published payload formats; their YAML examples are the vendor vectors of those devices.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use passerelle::message::{FrameOutcome, Stage};
use passerelle::plugin::bindings::Value;
use passerelle::plugin::kit::{decoder_for, load_vectors, run_vectors, test_vector};
use passerelle::plugin::{Codec, CodecError, DecoderPlugin, Engine, Limits, PluginError};

use crate::harness::{self, plugin, root};

/// The five codec packages and the vendor devices whose vectors they must pass.
const CODECS: [(&str, &[(&str, &str)]); 5] = [
    ("milesight__em300-th-codec.yaml", &[("milesight-iot", "em300-th")]),
    ("elsys__ers-codec.yaml", &[("elsys", "ers"), ("elsys", "ers-co2"), ("elsys", "ems-door")]),
    ("browan__tbhh100-codec.yaml", &[("browan", "tbhh100")]),
    ("dragino__lht65-codec.yaml", &[("dragino", "lht65")]),
    ("mclimate__co2-sensor-codec.yaml", &[("mclimate", "co2-sensor")]),
];

/// An engine with the suite's on-disk compile cache: js-codec is compiled once for all tests
/// (Cranelift in a debug build of the host takes a while on a 1.3 MB component).
fn engine() -> Engine {
    Engine::new(Some(&std::env::temp_dir().join("passerelle-it-compile-cache"))).unwrap()
}

fn codec_path(name: &str) -> PathBuf {
    root().join("tests/fixtures/codecs").join(name).canonicalize().unwrap()
}

fn js_plugin(engine: &Engine, codec: &Path, limits: Limits) -> Result<DecoderPlugin, PluginError> {
    let compiled = engine.compile_file(plugin("js_codec").as_ref()).unwrap();
    DecoderPlugin::with_codec(engine, &compiled, Codec::read(codec).unwrap(), limits)
}

fn frame(device: &str, devicetype: &str, port: u8, payload: &[u8]) -> passerelle::message::Frame {
    passerelle::message::Frame {
        device: Arc::from(device),
        devicetype: Arc::from(devicetype),
        port,
        payload: payload.to_vec().into(),
        received_ms: 1_700_000_000_000,
        connector: Arc::from("host"),
        firmware: None,
    }
}

/// Writes a file to a temporary name, then renames it into place (as deploy tools and editors
/// do).
fn install(path: &Path, text: &str) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, text).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn five_codecs_pass_their_vendor_vectors_through_both_entry_points() {
    let text = std::fs::read_to_string(root().join("vectors/ttn/vectors.jsonl")).unwrap();
    let all = passerelle_vectors::parse_vendor_vectors(&text).unwrap();
    let engine = engine();
    let mut checked = 0;
    for (file, devices) in CODECS {
        let decoder = js_plugin(&engine, &codec_path(file), Limits::default()).unwrap();
        assert!(
            decoder.label().starts_with("js-codec@") && decoder.label().ends_with(".js"),
            "{}",
            decoder.label()
        );
        // The codec file's own examples: what the runtime checks before it goes live.
        let (own, failures) = decoder.check_vectors().unwrap();
        assert!(!own.is_empty() && failures.is_empty(), "{file}: {failures:#?}");
        let vectors: Vec<_> = all
            .iter()
            .filter(|v| devices.iter().any(|(vendor, device)| v.vendor == *vendor && v.model == *device))
            .map(|v| test_vector(v.clone().into_vector()))
            .collect();
        assert!(!vectors.is_empty(), "{file}: no vendor vectors");
        for outcome in run_vectors(&decoder, &vectors).unwrap() {
            assert_eq!(outcome.problem, None, "{file}: {}", outcome.description);
            checked += 1;
        }
    }
    assert_eq!(checked, 9, "vendor vectors of the five devices (elsys: three models)");
}

#[test]
fn the_entry_point_is_found_and_bad_codecs_are_refused_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let engine = engine();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    // The engine without a codec is no decoder.
    let compiled = engine.compile_file(plugin("js_codec").as_ref()).unwrap();
    let bare = DecoderPlugin::new(&engine, &compiled, Limits::default());
    assert!(matches!(bare, Err(PluginError::Invalid(_))), "{bare:?}");
    // `Decoder(bytes, port)`: its return value is the data.
    let old = write("old.js", "function Decoder(bytes, port) { return { first: bytes[0], port: port }; }");
    let decoder = js_plugin(&engine, &old, Limits::default()).unwrap();
    let readings = decoder.instance().decode(&frame("d", "x", 7, &[42]), "x").unwrap();
    let got: Vec<_> = readings.iter().map(|r| (&*r.name, r.value.clone())).collect();
    assert_eq!(got, [("first", Value::Number(42.0)), ("port", Value::Number(7.0))]);

    // Entry points declared with `const` or `let` (ES6 codecs) are found too.
    for (name, text) in [
        ("const.js", "const decodeUplink = (input) => ({ data: { first: input.bytes[0] } });"),
        ("let.js", "let Decoder = function (bytes, port) { return { first: bytes[0] }; };"),
    ] {
        let decoder = js_plugin(&engine, &write(name, text), Limits::default()).unwrap();
        let readings = decoder.instance().decode(&frame("d", "x", 7, &[42]), "x").unwrap();
        let got: Vec<_> = readings.iter().map(|r| (&*r.name, r.value.clone())).collect();
        assert_eq!(got, [("first", Value::Number(42.0))], "{name}");
    }

    let refused = |path: &Path| match js_plugin(&engine, path, Limits::default()) {
        Err(PluginError::Codec { path: at, error: CodecError::Load(e) }) => {
            assert_eq!(at, path);
            e
        }
        other => panic!("{}: {other:?}", path.display()),
    };
    use passerelle::plugin::bindings::ScriptLoadError as E;
    let syntax = refused(&write("syntax.js", "function decodeUplink(input) { return {data: {a: 1}; }"));
    assert!(matches!(&syntax, E::Syntax(m) if m.contains("syntax.js")), "{syntax:?}");
    let none = refused(&write("none.js", "function decode(input) { return {}; }"));
    assert!(matches!(none, E::NoEntryPoint(_)), "{none:?}");
    let throws = refused(&write("throws.js", "throw new Error('boom'); function Decoder() {}"));
    assert!(matches!(&throws, E::Evaluation(m) if m.contains("boom")), "{throws:?}");
    let missing = dir.path().join("missing.js");
    assert!(matches!(Codec::read(&missing), Err(CodecError::Io { path, .. }) if path == missing));
    let text =
        PluginError::Codec { path: missing.clone(), error: Codec::read(&missing).unwrap_err() }.to_string();
    assert!(text.contains("missing.js"), "{text}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codecs_named_in_the_config_decode_pushed_frames() {
    let dir = tempfile::tempdir().unwrap();
    let codecs = root().join("tests/fixtures/codecs").canonicalize().unwrap();
    let text = harness::config(
        &format!(
            r#""em300": (plugin: "{js}", codec: "{c}/milesight__em300-th-codec.yaml"),
               "elsys": (plugin: "{js}", codec: "{c}/elsys.js")"#,
            js = plugin("js_codec"),
            c = codecs.display(),
        ),
        r#"(devicetype: "em300-th", decoder: "em300", sinks: ["db"]),
           (devicetype: "ers-co2", decoder: "elsys", sinks: ["db"])"#,
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let outcomes = rt
        .handle
        .push(vec![
            frame("m1", "em300-th", 1, &[0x01, 0x75, 0x32, 0x03, 0x67, 0xc8, 0x00, 0x04, 0x68, 0x3c]),
            frame("e1", "ers-co2", 1, &[0x01, 0x00, 0xe2, 0x02, 0x29, 0x06, 0x03, 0x08]),
        ])
        .await
        .unwrap();
    assert_eq!(outcomes, [FrameOutcome::Stored { readings: 3 }, FrameOutcome::Stored { readings: 3 }]);
    let mut rows: Vec<_> = rt.readings().into_iter().map(|r| (r.device, r.name, r.value)).collect();
    rows.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    assert_eq!(rows[0], ("e1".into(), "co2".into(), Value::Number(776.0)));
    assert_eq!(rows[5], ("m1".into(), "temperature".into(), Value::Number(20.0)));
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_codec_that_never_returns_costs_one_frame_and_one_that_throws_dead_letters_its_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let codec = dir.path().join("moody.js");
    std::fs::write(
        &codec,
        "function decodeUplink(input) {\n\
           if (input.bytes[0] === 0xff) { for (;;) {} }\n\
           if (input.bytes[0] === 0xee) { throw new RangeError('bad frame'); }\n\
           if (input.bytes[0] === 0xdd) { return { errors: ['checksum mismatch'], warnings: ['w'] }; }\n\
           return { data: { first: input.bytes[0] }, warnings: ['just a warning'] };\n\
         }",
    )
    .unwrap();
    let text = harness::config(
        &format!(
            r#""js": (plugin: "{}", codec: "{}", limits: (deadline_ms: 50), check_vectors: false)"#,
            plugin("js_codec"),
            codec.display()
        ),
        r#"(devicetype: "moody", decoder: "js", sinks: ["db"])"#,
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let outcomes = rt
        .handle
        .push(vec![
            frame("a", "moody", 1, &[1]),
            frame("b", "moody", 1, &[0xff, 1]),
            frame("c", "moody", 1, &[2]),
            frame("d", "moody", 1, &[0xee, 2]),
            frame("e", "moody", 1, &[0xdd, 3]),
            frame("f", "moody", 1, &[3]),
        ])
        .await
        .unwrap();
    let stages: Vec<_> = outcomes
        .iter()
        .map(|o| match o {
            FrameOutcome::Stored { readings } => format!("stored {readings}"),
            FrameOutcome::DeadLettered { stage, .. } => format!("dead {}", stage.as_str()),
            FrameOutcome::Queued => "queued".into(),
        })
        .collect();
    assert_eq!(stages, ["stored 1", "dead plugin", "stored 1", "dead decode", "dead decode", "stored 1"]);
    let dead = rt.dead_letters();
    let thrown = dead.iter().find(|d| d.device == "d").unwrap();
    assert_eq!((thrown.payload.as_slice(), thrown.stage.as_str()), (&[0xee, 2][..], Stage::Decode.as_str()));
    assert!(thrown.error.contains("RangeError") && thrown.error.contains("bad frame"), "{}", thrown.error);
    let looped = dead.iter().find(|d| d.device == "b").unwrap();
    assert_eq!(looped.payload, [0xff, 1]);
    let errors = dead.iter().find(|d| d.device == "e").unwrap();
    assert!(errors.error.contains("checksum mismatch"), "{}", errors.error);
    rt.handle.shutdown().await.unwrap();
}

#[test]
fn date_and_math_random_are_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    let codec = dir.path().join("clock.js");
    std::fs::write(
        &codec,
        "var calls = 0;\n\
         function decodeUplink(input) {\n\
           calls += 1;\n\
           return { data: { now: Date.now(), created: new Date().getTime(), recv: input.recvTime.getTime(),\n\
                            iso: new Date().toISOString(), r1: Math.random(), r2: Math.random() } };\n\
         }",
    )
    .unwrap();
    let engine = engine();
    let decoder = js_plugin(&engine, &codec, Limits::default()).unwrap();
    let (mut one, mut two) = (decoder.instance(), decoder.instance());
    let f = frame("d", "x", 1, &[1]);
    let first = one.decode(&f, "x").unwrap();
    // The same frame again on the same instance (its generator already drawn from) and on
    // another instance: the same readings.
    assert_eq!(one.decode(&f, "x").unwrap(), first);
    assert_eq!(two.decode(&f, "x").unwrap(), first);
    let value = |name: &str| first.iter().find(|r| &*r.name == name).map(|r| r.value.clone()).unwrap();
    let ms = f.received_ms as f64;
    assert_eq!(
        (value("now"), value("created"), value("recv")),
        (Value::Number(ms), Value::Number(ms), Value::Number(ms))
    );
    assert_eq!(value("iso"), Value::Text("2023-11-14T22:13:20.000Z".into()));
    let (Value::Number(r1), Value::Number(r2)) = (value("r1"), value("r2")) else { panic!("{first:?}") };
    assert!((0.0..1.0).contains(&r1) && (0.0..1.0).contains(&r2) && r1 != r2, "{r1} {r2}");
    // Another receive time moves the clock, not the generator.
    let mut later = frame("d", "x", 1, &[1]);
    later.received_ms += 1000;
    let again = one.decode(&later, "x").unwrap();
    let get = |rs: &[passerelle::message::Reading], name: &str| {
        rs.iter().find(|r| &*r.name == name).map(|r| r.value.clone())
    };
    assert_eq!(get(&again, "now"), Some(Value::Number(ms + 1000.0)));
    assert_eq!(get(&again, "r1"), Some(Value::Number(r1)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_codec_edited_at_run_time_is_picked_up_and_a_broken_edit_refused() {
    let dir = tempfile::tempdir().unwrap();
    let codecs = dir.path().join("codecs");
    std::fs::create_dir(&codecs).unwrap();
    let codec = codecs.join("live.js");
    std::fs::write(&codec, "function decodeUplink(i) { return { data: { version: 1 } }; }").unwrap();
    // The codec path is relative to the config file.
    let text = harness::config(
        &format!(r#""js": (plugin: "{}", codec: "codecs/live.js")"#, plugin("js_codec")),
        r#"(devicetype: "live", decoder: "js", sinks: ["db"])"#,
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let version = |rt: &harness::Running| {
        let mut rows = rt.readings();
        rows.sort_by_key(|r| r.device.clone());
        rows.last().map(|r| r.value.clone())
    };
    rt.handle.push(vec![frame("a", "live", 1, &[1])]).await.unwrap();
    assert_eq!(version(&rt), Some(Value::Number(1.0)));
    let first = rt.handle.decoders()[0].hash.clone();

    install(&codec, "function decodeUplink(i) { return { data: { version: 2 } }; }");
    wait_for("the new codec", || rt.handle.decoders()[0].hash != first).await;
    rt.handle.push(vec![frame("b", "live", 1, &[1])]).await.unwrap();
    assert_eq!(version(&rt), Some(Value::Number(2.0)));

    // A syntax error is refused, named, and the running version keeps decoding.
    let second = rt.handle.decoders()[0].hash.clone();
    install(&codec, "function decodeUplink(i) { return { data: { version: 3 }; }");
    wait_for("the refusal", || rt.handle.decoders()[0].refused == 1).await;
    let status = rt.handle.decoders()[0].clone();
    assert_eq!(status.hash, second);
    assert!(status.last_error.as_deref().is_some_and(|e| e.contains("live.js")), "{status:?}");
    rt.handle.push(vec![frame("c", "live", 1, &[1])]).await.unwrap();
    assert_eq!(version(&rt), Some(Value::Number(2.0)));
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_native_plugin_shadowing_a_js_codec_agrees_on_their_vectors() {
    let dir = tempfile::tempdir().unwrap();
    let text = harness::config(
        &format!(
            r#""elsys": (plugin: "{}", codec: "{}")"#,
            plugin("js_codec"),
            codec_path("elsys__ers-codec.yaml").display()
        ),
        r#"(devicetype: "ers", decoder: "elsys", sinks: ["db"]),
           (devicetype: "ers-co2", decoder: "elsys", sinks: ["db"]),
           (devicetype: "ems-door", decoder: "elsys", sinks: ["db"])"#,
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let status = rt.handle.shadow_decoder("elsys", plugin("elsys").as_ref()).await.unwrap();
    assert!(status.plugin.starts_with("elsys@"), "{status:?}");
    let vectors = std::fs::read_to_string(root().join("vectors/ttn/vectors.jsonl")).unwrap();
    let frames: Vec<_> = passerelle_vectors::parse_vendor_vectors(&vectors)
        .unwrap()
        .into_iter()
        .filter(|v| v.vendor == "elsys")
        .enumerate()
        .map(|(i, v)| frame(&format!("e{i}"), &v.model, v.port, &v.payload))
        .collect();
    assert_eq!(frames.len(), 3);
    let outcomes = rt.handle.push(frames).await.unwrap();
    assert!(outcomes.iter().all(|o| matches!(o, FrameOutcome::Stored { .. })), "{outcomes:?}");
    let shadow = rt.shadow_after(3).await;
    assert_eq!((shadow.agreed, shadow.differences.len()), (3, 0), "{shadow:?}");
    rt.handle.shutdown().await.unwrap();
}

/// What `passerelle plugin test js_codec.wasm vendor__model-codec.yaml` runs: the YAML's
/// JavaScript file through js-codec, on the YAML's examples.
#[test]
fn plugin_test_runs_a_codec_package_through_js_codec() {
    let engine = engine();
    let js = PathBuf::from(plugin("js_codec"));
    for (file, _) in CODECS {
        let yaml = codec_path(file);
        let decoder = decoder_for(&engine, &js, Some(&yaml), Limits::default()).unwrap();
        let vectors = load_vectors(&yaml, None).unwrap();
        let outcomes = run_vectors(&decoder, &vectors).unwrap();
        assert!(
            !outcomes.is_empty() && outcomes.iter().all(|o| o.problem.is_none()),
            "{file}: {outcomes:#?}"
        );
    }
    // A package whose codec gets a value wrong fails that example, and says which field.
    let dir = tempfile::tempdir().unwrap();
    let yaml = std::fs::read_to_string(codec_path("browan__tbhh100-codec.yaml")).unwrap();
    std::fs::write(dir.path().join("browan__tbhh100-codec.yaml"), yaml).unwrap();
    let js = std::fs::read_to_string(codec_path("tbhh100.js")).unwrap();
    std::fs::write(dir.path().join("tbhh100.js"), js.replace("(b[2] & 0x7f) - 32", "(b[2] & 0x7f) - 31"))
        .unwrap();
    let yaml = dir.path().join("browan__tbhh100-codec.yaml");
    let decoder = decoder_for(&engine, plugin("js_codec").as_ref(), Some(&yaml), Limits::default()).unwrap();
    let outcomes = run_vectors(&decoder, &load_vectors(&yaml, None).unwrap()).unwrap();
    let problems: Vec<_> = outcomes.iter().filter_map(|o| o.problem.clone()).collect();
    assert_eq!(problems.len(), 1, "{outcomes:#?}");
    assert!(problems[0].contains("temperature"), "{problems:?}");
    // A native decoder with the same package still runs as itself.
    let native = decoder_for(&engine, plugin("browan").as_ref(), Some(&yaml), Limits::default()).unwrap();
    assert!(native.codec().is_none() && native.label().starts_with("browan@"));
}

/// The `Buffer` codecs written for ChirpStack use, on bytes whose values are known.
#[test]
fn buffer_reads_and_writes_as_chirpstack_codecs_expect() {
    let dir = tempfile::tempdir().unwrap();
    let codec = dir.path().join("buffer.js");
    std::fs::write(
        &codec,
        r#"function decodeUplink(input) {
             var b = Buffer.from(input.bytes);
             var h = Buffer.from("3f800000c1200000", "hex");
             var d = Buffer.from("400921fb54442d18", "hex");
             var out = {
               length: b.length, isBuffer: Buffer.isBuffer(b),
               u8: b.readUInt8(0), i8: b.readInt8(0),
               u16le: b.readUInt16LE(0), u16be: b.readUInt16BE(0),
               i16le: b.readInt16LE(0), i16be: b.readInt16BE(0),
               u32le: b.readUInt32LE(0), u32be: b.readUInt32BE(0),
               i32le: b.readInt32LE(0), i32be: b.readInt32BE(0),
               floatBE: h.readFloatBE(0), floatLE: Buffer.from([0, 0, 0x80, 0x3f]).readFloatLE(0),
               float2: h.readFloatBE(4),
               doubleBE: d.readDoubleBE(0), doubleLE: Buffer.from(Array.from(d).reverse()).readDoubleLE(0),
               hex: b.toString("hex"), base64: b.toString("base64"),
               fromBase64: Buffer.from("/v8B", "base64").toString("hex"),
               slice: b.slice(1, 3).toString("hex"), sliceLength: b.slice(1, 3).length,
               text: Buffer.from("caf\u00e9").toString(), textBytes: Buffer.from("caf\u00e9").length,
             };
             try { b.readUInt32BE(1); out.outOfRange = "no error"; } catch (e) { out.outOfRange = e.name; }
             return { data: out };
           }"#,
    )
    .unwrap();
    let engine = engine();
    let decoder = js_plugin(&engine, &codec, Limits::default()).unwrap();
    let readings = decoder.instance().decode(&frame("d", "x", 1, &[0xfe, 0xff, 0x01, 0x80]), "x").unwrap();
    let got = |name: &str| readings.iter().find(|r| &*r.name == name).map(|r| r.value.clone()).unwrap();
    let n = Value::Number;
    let t = |s: &str| Value::Text(s.into());
    for (name, want) in [
        ("length", n(4.0)),
        ("isBuffer", Value::Boolean(true)),
        ("u8", n(254.0)),
        ("i8", n(-2.0)),
        ("u16le", n(65534.0)),
        ("u16be", n(65279.0)),
        ("i16le", n(-2.0)),
        ("i16be", n(-257.0)),
        ("u32le", n(2_147_614_718.0)),
        ("u32be", n(4_278_124_928.0)),
        ("i32le", n(-2_147_352_578.0)),
        ("i32be", n(-16_842_368.0)),
        ("floatBE", n(1.0)),
        ("floatLE", n(1.0)),
        ("float2", n(-10.0)),
        ("doubleBE", n(std::f64::consts::PI)),
        ("doubleLE", n(std::f64::consts::PI)),
        ("hex", t("feff0180")),
        ("base64", t("/v8BgA==")),
        ("fromBase64", t("feff01")),
        ("slice", t("ff01")),
        ("sliceLength", n(2.0)),
        ("text", t("café")),
        ("textBytes", n(5.0)),
        ("outOfRange", t("RangeError")),
    ] {
        assert_eq!(got(name), want, "{name}");
    }
}

#[test]
fn a_codec_that_is_neither_javascript_nor_a_codec_yaml_is_a_config_error() {
    let text = harness::config(
        &format!(r#""js": (plugin: "{}", codec: "codecs/decoder.txt")"#, plugin("js_codec")),
        r#"(devicetype: "x", decoder: "js", sinks: ["db"])"#,
    );
    let config = passerelle::config::Config::parse(&text, "js.ron").unwrap();
    let errors = config.validate().unwrap_err().0;
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].message.contains("decoder.txt") && errors[0].line > 0, "{errors:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_names_its_codec_and_routes_with_the_same_codec_share_one_decoder() {
    let dir = tempfile::tempdir().unwrap();
    let codecs = root().join("tests/fixtures/codecs").canonicalize().unwrap();
    let text = harness::config(
        &format!(r#""js": (plugin: "{}", instances: 1)"#, plugin("js_codec")),
        &format!(
            r#"(devicetype: "em300-th", decoder: "js", codec: "{c}/milesight__em300-th-codec.yaml", sinks: ["db"]),
               (devicetype: "ers-co2", decoder: "js", codec: "{c}/elsys.js", sinks: ["db"]),
               (devicetype: "ers", decoder: "js", codec: "{c}/elsys.js", sinks: ["db"])"#,
            c = codecs.display(),
        ),
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let names: Vec<String> = rt.handle.status().decoders.into_iter().map(|d| d.name).collect();
    assert_eq!(names, ["js:elsys.js", "js:milesight__em300-th-codec.yaml"], "the engine alone is not loaded");
    let outcomes = rt
        .handle
        .push(vec![
            frame("m1", "em300-th", 1, &[0x01, 0x75, 0x32, 0x03, 0x67, 0xc8, 0x00, 0x04, 0x68, 0x3c]),
            frame("e1", "ers-co2", 1, &[0x01, 0x00, 0xe2, 0x02, 0x29, 0x06, 0x03, 0x08]),
            frame("e2", "ers", 1, &[0x01, 0x00, 0xe2]),
        ])
        .await
        .unwrap();
    assert_eq!(
        outcomes,
        [
            FrameOutcome::Stored { readings: 3 },
            FrameOutcome::Stored { readings: 3 },
            FrameOutcome::Stored { readings: 1 }
        ]
    );
    let temperature = rt.readings().into_iter().find(|r| r.device == "e2").map(|r| (r.name, r.value));
    assert_eq!(temperature, Some(("temperature".into(), Value::Number(22.6))));
    rt.handle.shutdown().await.unwrap();
}

#[test]
fn a_route_codec_is_checked_and_giving_routes_their_codecs_twice_changes_nothing() {
    use passerelle::config::Config;
    let js = plugin("js_codec");
    let text = harness::config(
        &format!(r#""js": (plugin: "{js}"), "packaged": (plugin: "{js}", codec: "a.js")"#),
        r#"(devicetype: "x", decoder: "packaged", codec: "b.js", sinks: ["db"]),
           (devicetype: "y", decoder: "js", codec: "notes.txt", sinks: ["db"])"#,
    );
    let errors = Config::parse(&text, "routes.ron").unwrap().validated().unwrap_err().0;
    let messages: Vec<_> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
    assert_eq!(errors.len(), 2, "{messages:?}");
    assert!(errors[0].message.contains(r#"decoder "packaged" already runs codec "a.js""#), "{messages:?}");
    assert!(errors[1].message.contains(r#"route 2: codec "notes.txt""#), "{messages:?}");
    assert!(errors.iter().all(|e| e.line > 0 && e.column > 0), "{messages:?}");

    // An engine that a route also names directly stays; one named only with codecs goes.
    let text = harness::config(
        &format!(r#""js": (plugin: "{js}"), "own": (plugin: "{js}", codec: "c.js")"#),
        r#"(devicetype: "x", decoder: "js", codec: "dir/b.js", sinks: ["db"]),
           (devicetype: "y", decoder: "own", sinks: ["db"]),
           (devicetype: "z", decoder: "js", codec: "other/b.js", sinks: ["db"])"#,
    );
    let once = Config::parse(&text, "routes.ron").unwrap().validated().unwrap();
    let decoders: Vec<_> = once.decoders.iter().map(|(n, d)| (n.as_str(), d.codec.clone())).collect();
    assert_eq!(
        decoders,
        [
            ("js:b.js", Some(PathBuf::from("dir/b.js"))),
            ("js:b.js#2", Some(PathBuf::from("other/b.js"))),
            ("own", Some(PathBuf::from("c.js")))
        ]
    );
    let routes: Vec<_> = once.routes.iter().map(|r| (r.decoder.as_str(), r.codec.is_none())).collect();
    assert_eq!(routes, [("js:b.js", true), ("own", true), ("js:b.js#2", true)]);
    let twice = once.clone().validated().unwrap();
    assert_eq!((twice.decoders, twice.routes), (once.decoders, once.routes));
}
