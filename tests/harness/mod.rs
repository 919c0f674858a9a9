//! Test harness: runtimes on loopback with ephemeral ports and temporary directories.
//!
//! Plugins come from `plugins/dist/` (built by `scripts/build-plugins`, which `scripts/test`
//! runs first); a missing plugin fails the test loudly with the command to run.

#![allow(dead_code, unreachable_pub, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod chromium;
pub mod mosquitto;
pub mod nats;
pub mod postgres;
pub mod prosody;
pub mod quoalise;
pub mod rabbitmq;
pub mod rumqttd;
pub mod sim;
pub mod sshd;
pub mod vendor_api;
pub mod vsftpd;

use std::path::{Path, PathBuf};

use passerelle::config::Config;
use passerelle::sink::sqlite::{DeadLetterRow, ReadingRow, read_dead_letters, read_readings};
use passerelle::{Builder, Handle};

/// `N` distinct free loopback ports: every listener is held until all are bound, so the system
/// cannot hand out one port twice (two ports freed one after the other can be the same).
pub fn free_ports<const N: usize>() -> [u16; N] {
    let listeners: Vec<std::net::TcpListener> =
        (0..N).map(|_| std::net::TcpListener::bind("127.0.0.1:0").unwrap()).collect();
    std::array::from_fn(|i| listeners[i].local_addr().unwrap().port())
}

/// A free loopback port, for a server that needs one.
pub fn free_port() -> u16 {
    free_ports::<1>()[0]
}

/// The token every test runtime expects.
pub const TOKEN: &str = "it-token";

/// The token of the operator endpoint in tests that enable it.
pub const ADMIN_TOKEN: &str = "it-admin-token";

/// The repository root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A built plugin, by file stem (`milesight`, `hostile_loop`).
pub fn plugin(stem: &str) -> String {
    let path = root().join("plugins/dist").join(format!("{stem}.wasm"));
    assert!(path.exists(), "{} is missing: run scripts/build-plugins (scripts/test does)", path.display());
    path.canonicalize().unwrap().display().to_string()
}

/// A config with the energisme HTTP push connector on an ephemeral port, the given decoders
/// (`name: (plugin: ...)` entries) and routes, and one SQLite sink in `dir`.
pub fn config(decoders: &str, routes: &str) -> String {
    format!(
        r#"(
    connectors: {{
        "energisme": (
            transport: http_push(listen: "127.0.0.1:0", token_env: "IT_TOKEN"),
            plugin: "{connector}",
            instances: 2,
        ),
    }},
    decoders: {{ {decoders} }},
    routes: [ {routes} ],
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
    compile_cache: "{cache}",
)"#,
        connector = plugin("energisme_push"),
        cache = std::env::temp_dir().join("passerelle-it-compile-cache").display(),
    )
}

/// The usual decoders and routes: Milesight and Elsys models of the vendor vectors.
pub fn standard_config() -> String {
    config(
        &format!(
            r#""milesight": (plugin: "{}"), "elsys": (plugin: "{}")"#,
            plugin("milesight"),
            plugin("elsys")
        ),
        r#"(devicetype: "em300-th", decoder: "milesight", sinks: ["db"]),
           (devicetype: "am319", decoder: "milesight", sinks: ["db"]),
           (devicetype: "ers-co2", decoder: "elsys", sinks: ["db"]),"#,
    )
}

/// A running runtime and where to reach it.
pub struct Running {
    pub handle: Handle,
    pub url: String,
    pub db: PathBuf,
    pub dir: PathBuf,
}

impl Running {
    /// Readings stored so far.
    pub fn readings(&self) -> Vec<ReadingRow> {
        read_readings(&self.db).unwrap()
    }

    /// Dead letters stored so far.
    pub fn dead_letters(&self) -> Vec<DeadLetterRow> {
        read_dead_letters(&self.db).unwrap()
    }

    /// The shadow run of the first decoder once it has compared `frames` frames (10 s at most).
    pub async fn shadow_after(&self, frames: u64) -> passerelle::actor::ShadowStatus {
        let started = std::time::Instant::now();
        loop {
            let s = self.handle.decoders()[0].shadow.clone().unwrap();
            if s.compared == frames {
                return s;
            }
            assert!(started.elapsed() < std::time::Duration::from_secs(10), "{s:?}");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }
}

/// Starts a runtime on `text` in directory `dir`.
pub async fn start_in(text: &str, dir: &Path) -> Running {
    let origin = dir.join("config.ron");
    let config = Config::parse(text, &origin.display().to_string()).unwrap_or_else(|e| panic!("{e}"));
    let handle = Builder::new(config)
        .secret("IT_TOKEN", TOKEN)
        .secret("IT_ADMIN", ADMIN_TOKEN)
        .secret("IT_GOOEE", mosquitto::TOKEN)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let url = handle.local_addr("energisme").map(|a| format!("http://{a}/")).unwrap_or_default();
    Running { handle, url, db: dir.join("passerelle.db"), dir: dir.to_path_buf() }
}

/// One Energisme envelope.
pub fn envelope(device: &str, devicetype: &str, hex: &str, port: u8, timestamp: &str) -> serde_json::Value {
    serde_json::json!({
        "timestamp": timestamp, "deviceid": device, "payload": hex, "devicetype": devicetype, "port": port,
    })
}

/// Posts a JSON body with the right token; returns status and parsed body.
pub async fn post(url: &str, body: &serde_json::Value) -> (u16, serde_json::Value) {
    post_raw(url, body.to_string().into_bytes(), Some(TOKEN)).await
}

/// Posts raw bytes with an optional token.
pub async fn post_raw(url: &str, body: Vec<u8>, token: Option<&str>) -> (u16, serde_json::Value) {
    let mut req = reqwest::Client::new().post(url).header("content-type", "application/json").body(body);
    if let Some(t) = token {
        req = req.header("authorization", format!("Basic {t}"));
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}

/// A config with one decoder `h` running a copy of the trap plugin at `<dir>/h.wasm` for
/// devicetype `hostile`, and that file: a test swaps a fixed version in place and reloads. The
/// fixed versions the tests use decode everything but carry a failing vector on purpose, so the
/// decoder goes live without its vectors checked; the folder is not watched (the test reloads).
pub fn swappable_trap(dir: &Path) -> (PathBuf, String) {
    let file = dir.join("h.wasm");
    std::fs::copy(plugin("hostile_trap"), &file).unwrap();
    let text = config(
        &format!(r#""h": (plugin: "{}", check_vectors: false)"#, file.display()),
        r#"(devicetype: "hostile", decoder: "h", sinks: ["db"])"#,
    )
    .replace("compile_cache:", "watch_plugins: false, compile_cache:");
    (file, text)
}

/// A frame of devicetype `hostile` (routed to the test plugins), port 1, a fixed receive time.
pub fn hostile_frame(device: &str, payload: &[u8]) -> passerelle::message::Frame {
    passerelle::message::Frame {
        device: std::sync::Arc::from(device),
        devicetype: std::sync::Arc::from("hostile"),
        port: 1,
        payload: payload.to_vec().into(),
        received_ms: 1_700_000_000_000,
        connector: std::sync::Arc::from("host"),
        firmware: None,
    }
}
