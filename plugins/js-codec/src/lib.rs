//! Passerelle script decoder: The Things Network / ChirpStack JavaScript codecs in QuickJS.
//!
//! The host calls `script.load` once per instance with the codec source; the prelude
//! (`prelude.js`: a deterministic `Date` and `Math.random`, and a `Buffer` as ChirpStack gives
//! codecs) runs first, then the codec's top level. Each frame then calls `decodeUplink({bytes,
//! fPort, recvTime})` or `Decoder(bytes, port)`; the result goes through `JSON.stringify` and
//! its `data` is flattened into readings by `passerelle-vectors` (the dotted names every native
//! decoder and vector file uses). `errors` becomes a decode error, `warnings` log lines.
//!
//! Limits inside the guest, beside the host's deadline and memory cap: QuickJS's own memory
//! limit ([`JS_MEMORY_LIMIT`]) and an interrupt budget per frame ([`INTERRUPT_BUDGET`]); a
//! codec that exhausts the budget traps, like one that hits the host's deadline.

use std::cell::RefCell;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use rquickjs::context::EvalOptions;
use rquickjs::{Context, Ctx, Function, Runtime};
use serde_json::Value as Json;

#[allow(missing_docs, unsafe_code)]
mod bindings {
    wit_bindgen::generate!({
        path: "../../wit",
        world: "passerelle:plugin/script-decoder",
        // The kit's types: readings pack into a batch with `passerelle_pdk::batch_with`.
        with: {
            "passerelle:plugin/types@0.4.0": passerelle_pdk::decoder::passerelle::plugin::types,
            "passerelle:plugin/log@0.4.0": passerelle_pdk::decoder::passerelle::plugin::log,
        },
    });
    // The component exports exist only in the wasm build (see `passerelle_pdk::decoder_plugin`).
    #[cfg(target_arch = "wasm32")]
    use super::Plugin;
    #[cfg(target_arch = "wasm32")]
    export!(Plugin with_types_in self);
}

use bindings::exports::passerelle::plugin::decode::{
    Batch, BatchReading, Guest as DecodeGuest, Metadata, TestVector,
};
use bindings::exports::passerelle::plugin::script::{Entry, Guest as ScriptGuest, LoadError};
use passerelle_pdk::decoder::passerelle::plugin::log::log;
use passerelle_pdk::decoder::{DecodeError, Frame, Level, Reading, Value};

/// QuickJS heap limit of one instance: 16 MiB (the host's linear-memory cap stays the hard one).
pub const JS_MEMORY_LIMIT: usize = 16 * 1024 * 1024;
/// QuickJS stack limit: 512 KiB.
pub const JS_STACK_LIMIT: usize = 512 * 1024;
/// Interrupt polls one frame may use (QuickJS polls every ~10,000 operations): about 10^9
/// operations, far past the host's default deadline, so the epoch deadline normally fires first.
pub const INTERRUPT_BUDGET: u32 = 100_000;

const PRELUDE: &str = include_str!("prelude.js");

static POLLS: AtomicU32 = AtomicU32::new(0);
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

struct Engine {
    // Dropped after the context (field order).
    context: Context,
    _runtime: Runtime,
    entry: Entry,
}

thread_local! {
    static ENGINE: RefCell<Option<Engine>> = const { RefCell::new(None) };
}

fn entry_name(entry: Entry) -> &'static str {
    match entry {
        Entry::DecodeUplink => "decodeUplink",
        Entry::Decoder => "Decoder",
    }
}

/// The exception pending in `ctx`, in words: `Name: message (at file:line:column)`.
fn exception(ctx: &Ctx<'_>) -> (bool, String) {
    let value = ctx.catch();
    if let Some(ex) = value.as_exception() {
        let name: String = ex.get("name").unwrap_or_else(|_| String::from("Error"));
        let message = ex.message().unwrap_or_default();
        let at = ex
            .stack()
            .and_then(|s| s.lines().map(str::trim).find(|l| l.starts_with("at ")).map(String::from));
        let text = match at {
            Some(at) => format!("{name}: {message} ({at})"),
            None => format!("{name}: {message}"),
        };
        return (name == "SyntaxError", text);
    }
    let text = value
        .as_string()
        .and_then(|s| s.to_string().ok())
        .or_else(|| ctx.json_stringify(value.clone()).ok().flatten().and_then(|s| s.to_string().ok()))
        .unwrap_or_else(|| String::from("a non-error value"));
    (false, format!("threw {text}"))
}

/// Copies entry points declared in the codec's global lexical scope onto `globalThis`.
const EXPOSE_ENTRIES: &str = "if (typeof decodeUplink === 'function') globalThis.decodeUplink = decodeUplink;\n\
     if (typeof Decoder === 'function') globalThis.Decoder = Decoder;";

fn load(file_name: &str, source: &str, entry: Option<Entry>) -> Result<Engine, LoadError> {
    let runtime = Runtime::new().map_err(|e| LoadError::Other(format!("QuickJS runtime: {e}")))?;
    runtime.set_memory_limit(JS_MEMORY_LIMIT);
    runtime.set_max_stack_size(JS_STACK_LIMIT);
    runtime.set_interrupt_handler(Some(Box::new(|| {
        let polls = POLLS.fetch_add(1, Ordering::Relaxed);
        let stop = polls >= INTERRUPT_BUDGET;
        if stop {
            INTERRUPTED.store(true, Ordering::Relaxed);
        }
        stop
    })));
    let context = Context::full(&runtime).map_err(|e| LoadError::Other(format!("QuickJS context: {e}")))?;
    POLLS.store(0, Ordering::Relaxed);
    let entry = context.with(|ctx| {
        let mut prelude = EvalOptions::default();
        prelude.filename = Some(String::from("prelude.js"));
        ctx.eval_with_options::<(), _>(PRELUDE, prelude)
            .map_err(|_| LoadError::Other(format!("prelude: {}", exception(&ctx).1)))?;
        // Vendor codecs are written for sloppy mode.
        let mut options = EvalOptions::default();
        options.strict = false;
        options.filename = Some(file_name.to_string());
        if ctx.eval_with_options::<(), _>(source, options).is_err() {
            return Err(match exception(&ctx) {
                (true, text) => LoadError::Syntax(text),
                (false, text) => LoadError::Evaluation(text),
            });
        }
        // Entry points declared with `const`, `let` or `class` live in the global lexical
        // scope, not on `globalThis`, where the check below and the prelude's call look.
        ctx.eval::<(), _>(EXPOSE_ENTRIES)
            .map_err(|_| LoadError::Other(format!("entry points: {}", exception(&ctx).1)))?;
        let globals = ctx.globals();
        let defines = |e: Entry| globals.get::<_, Function>(entry_name(e)).is_ok();
        match entry {
            Some(e) if defines(e) => Ok(e),
            Some(e) => Err(LoadError::NoEntryPoint(format!("no function {}", entry_name(e)))),
            None if defines(Entry::DecodeUplink) => Ok(Entry::DecodeUplink),
            None if defines(Entry::Decoder) => Ok(Entry::Decoder),
            None => {
                Err(LoadError::NoEntryPoint(String::from("neither decodeUplink nor Decoder is a function")))
            }
        }
    })?;
    Ok(Engine { context, _runtime: runtime, entry })
}

/// Runs the codec on one frame; the JSON text of `{data, warnings, errors}`.
fn run(engine: &Engine, frame: &Frame) -> Result<String, DecodeError> {
    POLLS.store(0, Ordering::Relaxed);
    INTERRUPTED.store(false, Ordering::Relaxed);
    let result = engine.context.with(|ctx| {
        let call: Function = ctx
            .globals()
            .get("__passerelleCall")
            .map_err(|_| DecodeError::Other(String::from("the prelude is missing")))?;
        let entry = match engine.entry {
            Entry::DecodeUplink => 0,
            Entry::Decoder => 1,
        };
        // Frame times fit an f64 exactly (|ms| < 2^53).
        #[allow(clippy::cast_precision_loss)]
        let ms = frame.received_ms as f64;
        call.call::<_, Option<String>>((entry, frame.payload.clone(), frame.port, ms)).map_err(|_| {
            if INTERRUPTED.load(Ordering::Relaxed) {
                None
            } else {
                Some(DecodeError::Other(format!("codec threw {}", exception(&ctx).1)))
            }
        })
    });
    match result {
        Ok(Some(json)) => Ok(json),
        Ok(None) => Err(DecodeError::Other(format!("{} returned nothing", entry_name(engine.entry)))),
        Err(Some(e)) => Err(e),
        // A codec that ran through its whole budget is a bad plugin, like one past the
        // host's deadline: trap, and the host rebuilds the instance.
        Err(None) => std::process::abort(),
    }
}

/// `{data, warnings, errors}` as readings, a decode error, and log lines.
fn readings(json: &str) -> Result<Vec<Reading>, DecodeError> {
    let out: Json = serde_json::from_str(json)
        .map_err(|e| DecodeError::Other(format!("codec output is not JSON: {e}")))?;
    let texts = |key: &str| -> Vec<String> {
        match out.get(key) {
            Some(Json::Array(items)) => {
                items.iter().map(|i| i.as_str().map_or_else(|| i.to_string(), String::from)).collect()
            }
            Some(Json::String(s)) => vec![s.clone()],
            _ => Vec::new(),
        }
    };
    for warning in texts("warnings") {
        log(Level::Warn, &format!("codec warning: {warning}"));
    }
    let errors = texts("errors");
    if !errors.is_empty() {
        return Err(DecodeError::Other(errors.join("; ")));
    }
    let data = match out.get("data") {
        Some(data @ (Json::Object(_) | Json::Array(_))) => data,
        Some(other) => return Err(DecodeError::Other(format!("codec data is not an object: {other}"))),
        None => return Err(DecodeError::Other(String::from("codec returned no data"))),
    };
    let flat = passerelle_vectors::flatten(data).map_err(|e| DecodeError::InvalidField(e.to_string()))?;
    Ok(flat
        .into_iter()
        .map(|r| Reading {
            name: r.name,
            value: match r.value {
                passerelle_vectors::Value::Number(x) => Value::Number(x),
                passerelle_vectors::Value::Text(s) => Value::Text(s),
                passerelle_vectors::Value::Boolean(b) => Value::Boolean(b),
                passerelle_vectors::Value::Bytes(b) => Value::Bytes(b),
            },
            unit: None,
            time_ms: None,
        })
        .collect())
}

/// The plugin: the `decode` and `script` exports.
pub struct Plugin;

impl ScriptGuest for Plugin {
    fn load(file_name: String, source: String, entry: Option<Entry>) -> Result<Entry, LoadError> {
        let engine = load(&file_name, &source, entry)?;
        let chosen = engine.entry;
        ENGINE.with(|e| *e.borrow_mut() = Some(engine));
        Ok(chosen)
    }
}

impl DecodeGuest for Plugin {
    fn describe() -> Metadata {
        Metadata {
            name: String::from("js-codec"),
            version: String::from(env!("CARGO_PKG_VERSION")),
            // Whatever the codec decodes: the host routes by its config, not by this list.
            models: Vec::new(),
        }
    }

    fn decode(frame: Frame) -> Result<Vec<Reading>, DecodeError> {
        ENGINE.with(|e| match &*e.borrow() {
            Some(engine) => readings(&run(engine, &frame)?),
            None => Err(DecodeError::Other(String::from("no codec loaded"))),
        })
    }

    fn decode_batch(frames: Vec<Frame>) -> Batch {
        passerelle_pdk::batch_with(
            frames.into_iter().map(<Self as DecodeGuest>::decode),
            |name, value, unit, time_ms| BatchReading { name, value, unit, time_ms },
            |labels, readings, outcomes| Batch { labels, readings, outcomes },
        )
    }

    fn vectors() -> Vec<TestVector> {
        // A codec's examples live in its codec file (`*-codec.yaml`): the host reads them.
        Vec::new()
    }
}
