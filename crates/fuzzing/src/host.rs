//! The Energisme push envelope through a running runtime, by the HTTP push's own door.

use passerelle::actor::Ingest;
use passerelle::config::Config;
use passerelle::message::{Bytes, Disposition};
use passerelle::{Builder, Handle};

use crate::{Harness, root};

/// The Energisme push connector plugin (`energisme_push.wasm`) fed through
/// [`Ingest::submit`], the call the HTTP push transport makes once a request is read and
/// authenticated, in a runtime with the Milesight decoder routed and SQLite in a temporary
/// folder. Every input is committed (readings or dead letters) or refused with a reason; never
/// "retry later" (SQLite in a temporary folder does not fail), never a panic.
#[derive(Debug)]
pub struct PushEnvelope {
    // Field order is drop order: the runtime stops before its folder goes.
    ingest: Ingest,
    handle: Option<Handle>,
    rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

fn plugin(stem: &str) -> String {
    let path = root().join("plugins/dist").join(format!("{stem}.wasm"));
    let path =
        path.canonicalize().unwrap_or_else(|e| panic!("{}: {e}: run scripts/build-plugins", path.display()));
    path.display().to_string()
}

impl Harness for PushEnvelope {
    const NAME: &'static str = "push_envelope";

    fn new() -> Self {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let text = format!(
            r#"(
    connectors: {{ "energisme": (transport: embedded(), plugin: "{connector}") }},
    decoders: {{ "milesight": (plugin: "{milesight}") }},
    routes: [
        (devicetype: "em300-th", decoder: "milesight", sinks: ["db"]),
        (devicetype: "ENERGISME-TH-01", decoder: "milesight", model: "em300-th", sinks: ["db"]),
    ],
    sinks: {{ "db": sqlite(path: "fuzz.db") }},
    dead_letter: "db",
    compile_cache: "{cache}",
    watch_plugins: false,
)"#,
            connector = plugin("energisme_push"),
            milesight = plugin("milesight"),
            cache = std::env::temp_dir().join("passerelle-fuzz-compile-cache").display(),
        );
        let mut config = Config::parse(&text, "push_envelope.ron").unwrap_or_else(|e| panic!("{e}"));
        config.set_base_dir(dir.path());
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let handle = rt.block_on(Builder::new(config).start()).unwrap_or_else(|e| panic!("{e}"));
        let ingest = handle.ingest("energisme").expect("the energisme connector");
        Self { ingest, handle: Some(handle), rt, _dir: dir }
    }

    fn run(&mut self, data: &[u8]) {
        let headers = vec![("content-type".to_string(), "application/json".to_string())];
        let body = Bytes::copy_from_slice(data);
        let disposition = self.rt.block_on(self.ingest.submit("/".to_string(), headers, body));
        match disposition {
            Disposition::Committed { .. } => {}
            Disposition::Refused { reason, .. } => assert!(!reason.is_empty(), "refused without a reason"),
            // An input that keeps its connector call past the deadline, retry included, is
            // answered "later" (a deadline is not the sender's fault) and quarantines the
            // connector after a few: slow, not a crash. Anything else "later" is a host fault.
            Disposition::RetryLater { reason, .. } => assert!(
                reason.contains("deadline") || reason.contains("quarantined"),
                "retry later with a healthy sink: {reason}"
            ),
        }
    }
}

impl Drop for PushEnvelope {
    fn drop(&mut self) {
        if let Some(handle) = self.handle.take() {
            let _ = self.rt.block_on(handle.shutdown());
        }
    }
}
