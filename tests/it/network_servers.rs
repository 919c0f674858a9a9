//! LoRaWAN network servers as a source, end to end: The Things Stack's webhook over real HTTP
//! (the `tts-webhook` connector on the HTTP push transport) and ChirpStack v4's MQTT integration
//! through a private Mosquitto (the `chirpstack-mqtt` connector), in JSON and Protobuf; frames
//! decoded by our Milesight plugin, readings and dead letters read back from SQLite.
//!
//! The messages are the connectors' fixtures (`plugins/connectors/*/fixtures/`), written from
//! the shapes the two projects document; their frame is the Milesight AM307 vendor example of
//! `vectors/ttn` (battery 92 %, 30.8 Cel, 50.5 %RH).

use std::io::Write;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use passerelle::message::Value;
use passerelle::sink::sqlite::ReadingRow;

use crate::harness::mosquitto::Mosquitto;
use crate::harness::{self, Running, TOKEN};

/// The AM307's DevEUI in the fixtures, as the connectors name the device.
const DEVICE: &str = "24e124707c123456";
/// `uplink_message.received_at` of the TTS fixture, in ms.
const TTS_MS: i64 = 1_795_336_020_000;
/// `time` of the ChirpStack fixtures, in ms.
const CS_MS: i64 = 1_795_336_020_125;
/// ChirpStack's uplink topic for the fixtures' device.
const UP: &str = "application/17c82e96-be03-4f38-aef3-f83d48582d97/device/24e124707c123456/event/up";
/// The downlink API key The Things Stack sends with every webhook request (a made-up value).
const DOWNLINK_KEY: &str = "NNSXS.IT4DOWNLINKKEY.NEVERLOGGEDNORSTORED0123456789";

fn fixture(connector: &str, name: &str) -> Vec<u8> {
    let path = harness::root().join("plugins/connectors").join(connector).join("fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A JSON fixture on one line (`mosquitto_pub -l` sends a message per line).
fn one_line(connector: &str, name: &str) -> String {
    let json: serde_json::Value = serde_json::from_slice(&fixture(connector, name)).unwrap();
    json.to_string()
}

/// The bytes of an annotated hex fixture (`#` comments, white space).
fn annotated_hex(text: &str) -> Vec<u8> {
    let digits: String = text
        .lines()
        .map(|l| l.split('#').next().unwrap_or(""))
        .flat_map(|l| l.chars().filter(char::is_ascii_hexdigit))
        .collect();
    (0..digits.len()).step_by(2).map(|i| u8::from_str_radix(&digits[i..i + 2], 16).unwrap()).collect()
}

fn number(rows: &[ReadingRow], name: &str) -> Option<(f64, i64)> {
    rows.iter().find(|r| r.device == DEVICE && r.name == name).and_then(|r| match r.value {
        Value::Number(n) => Some((n, r.time_ms)),
        _ => None,
    })
}

/// The AM307 readings our Milesight decoder gives for the fixtures' frame, at `ms`.
fn assert_decoded_by_milesight(rows: &[ReadingRow], ms: i64) {
    assert_eq!(number(rows, "battery"), Some((92.0, ms)), "{rows:?}");
    assert_eq!(number(rows, "temperature"), Some((30.8, ms)), "{rows:?}");
    assert_eq!(number(rows, "humidity"), Some((50.5, ms)), "{rows:?}");
    let t = rows.iter().find(|r| r.name == "temperature").unwrap();
    assert_eq!(t.unit.as_deref(), Some("Cel"), "our decoder's unit: {t:?}");
}

fn cache() -> String {
    std::env::temp_dir().join("passerelle-it-compile-cache").display().to_string()
}

/// Two The Things Stack webhook connectors: `tts` decodes with our plugin (the default), and
/// `tts-keep` also keeps The Things Stack's `decoded_payload` under `ns.`.
fn tts_config() -> String {
    format!(
        r#"(
    connectors: {{
        "tts": (
            transport: http_push(listen: "127.0.0.1:0", token_env: "IT_TOKEN"),
            plugin: "{plugin}",
        ),
        "tts-keep": (
            transport: http_push(listen: "127.0.0.1:0", token_env: "IT_TOKEN"),
            plugin: "{plugin}",
            settings: {{ "decoded": "keep", "decoded_prefix": "ns." }},
            sinks: ["db"],
        ),
    }},
    decoders: {{ "milesight": (plugin: "{milesight}") }},
    routes: [ (devicetype: "am307", decoder: "milesight", sinks: ["db"]) ],
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
    compile_cache: "{cache}",
)"#,
        plugin = harness::plugin("tts_webhook"),
        milesight = harness::plugin("milesight"),
        cache = cache(),
    )
}

/// Posts a webhook request as The Things Stack sends it: the `Authorization` header set in the
/// webhook, and the downlink key and URLs it adds.
async fn webhook(url: &str, body: Vec<u8>) -> (u16, serde_json::Value) {
    let push = "https://eu1.cloud.thethings.network/api/v3/as/applications/building-a/webhooks/passerelle/devices/am307-hall/down/push";
    let res = reqwest::Client::new()
        .post(url)
        .header("content-type", "application/json")
        .header("authorization", format!("Basic {TOKEN}"))
        .header("x-downlink-apikey", DOWNLINK_KEY)
        .header("x-downlink-push", push)
        .header("x-downlink-replace", push.replace("/push", "/replace"))
        .header("x-tts-domain", "eu1.cloud.thethings.network")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}

fn url(rt: &Running, connector: &str) -> String {
    format!("http://{}/", rt.handle.local_addr(connector).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tts_webhook_uplink_is_decoded_by_our_plugin_into_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&tts_config(), dir.path()).await;
    let (status, body) = webhook(&url(&rt, "tts"), fixture("tts-webhook", "uplink.json")).await;
    assert_eq!((status, &body["stored"]), (200, &serde_json::json!(1)), "{body}");
    let rows = rt.readings();
    assert_decoded_by_milesight(&rows, TTS_MS);
    assert!(rows.iter().all(|r| !r.name.starts_with("ns.")), "decoded_payload ignored by default: {rows:?}");
    // Messages that are not uplinks, and an uplink without payload: acknowledged, nothing kept.
    let before = rows.len();
    for name in ["join_accept.json", "downlink_queued.json", "uplink_without_payload.json"] {
        let (status, body) = webhook(&url(&rt, "tts"), fixture("tts-webhook", name)).await;
        assert_eq!(status, 200, "{name}: {body}");
    }
    assert_eq!(rt.readings().len(), before);
    assert!(rt.dead_letters().is_empty(), "{:?}", rt.dead_letters());
    // A malformed uplink: 400, dead-lettered with its bytes and the field at fault.
    let bad = String::from_utf8(fixture("tts-webhook", "uplink.json"))
        .unwrap()
        .replace("AXVcA2c0AQRoZQVqSQA=", "AXV*");
    let (status, body) = webhook(&url(&rt, "tts"), bad.clone().into_bytes()).await;
    assert_eq!(status, 400, "{body}");
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!((dead[0].stage.as_str(), &dead[0].payload), ("connector", &bad.into_bytes()));
    assert!(dead[0].error.contains("uplink_message.frm_payload"), "{}", dead[0].error);
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tts_decoded_payload_is_kept_when_configured() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&tts_config(), dir.path()).await;
    let (status, body) = webhook(&url(&rt, "tts-keep"), fixture("tts-webhook", "uplink.json")).await;
    assert_eq!(status, 200, "{body}");
    let rows = rt.readings();
    // The Things Stack's own fields under `ns.`, without units, at the uplink's time ...
    assert_eq!(number(&rows, "ns.battery"), Some((92.0, TTS_MS)), "{rows:?}");
    assert_eq!(number(&rows, "ns.temperature"), Some((30.8, TTS_MS)), "{rows:?}");
    assert_eq!(number(&rows, "ns.humidity"), Some((50.5, TTS_MS)), "{rows:?}");
    assert!(rows.iter().filter(|r| r.name.starts_with("ns.")).all(|r| r.unit.is_none()));
    // ... and the frame decoded by our plugin too (`keep`).
    assert_decoded_by_milesight(&rows, TTS_MS);
    assert_eq!(rows.len(), 6, "{rows:?}");
    rt.handle.shutdown().await.unwrap();
}

/// Every log line of the test binary at trace level while at least one capture is active.
struct Captured {
    lines: Arc<Mutex<Vec<u8>>>,
}

static CAPTURING: AtomicUsize = AtomicUsize::new(0);

impl Captured {
    /// Starts capturing (a global subscriber, installed once, that records only while a
    /// capture is active, so the other tests of the binary pay one atomic load per event).
    fn start() -> Self {
        use tracing_subscriber::layer::SubscriberExt as _;
        use tracing_subscriber::{Layer as _, filter};

        static LINES: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
        let lines = LINES
            .get_or_init(|| {
                let lines = Arc::new(Mutex::new(Vec::new()));
                let sink = Arc::clone(&lines);
                let layer = tracing_subscriber::fmt::layer()
                    .with_ansi(false)
                    .with_writer(move || Writer(Arc::clone(&sink)))
                    .with_filter(filter::dynamic_filter_fn(|meta, _| {
                        // Compiler internals cannot see a request; everything else, at trace.
                        CAPTURING.load(Ordering::Relaxed) > 0
                            && !meta.target().starts_with("cranelift")
                            && !meta.target().starts_with("wasmtime_cranelift")
                    }));
                // No `log` bridge: the compiler's `log` records would cost every other test.
                tracing::subscriber::set_global_default(tracing_subscriber::registry().with(layer))
                    .expect("no other global subscriber in the test binary");
                lines
            })
            .clone();
        CAPTURING.fetch_add(1, Ordering::SeqCst);
        Self { lines }
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.lines.lock().unwrap()).into_owned()
    }
}

impl Drop for Captured {
    fn drop(&mut self) {
        CAPTURING.fetch_sub(1, Ordering::SeqCst);
    }
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tts_downlink_key_is_never_logged_nor_stored() {
    let capture = Captured::start();
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&tts_config(), dir.path()).await;
    let bad = br#"{"end_device_ids": {"dev_eui": "24E124707C123456"}, "uplink_message": {"f_port": 300}}"#;
    for (connector, body) in [
        ("tts", fixture("tts-webhook", "uplink.json")),
        ("tts-keep", fixture("tts-webhook", "uplink.json")),
        ("tts", fixture("tts-webhook", "join_accept.json")),
        ("tts", bad.to_vec()),
    ] {
        let (status, body) = webhook(&url(&rt, connector), body).await;
        assert!(status == 200 || status == 400, "{status}: {body}");
    }
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 1, "the malformed uplink is there: the check below looks at a real table");
    rt.handle.shutdown().await.unwrap();
    let logged = capture.text();
    drop(capture);
    // The capture saw this runtime's work, down to the plugin's debug line ...
    assert!(logged.lines().count() > 20, "too little captured to prove anything:\n{logged}");
    assert!(logged.contains("join_accept message of 24e124707c123456 ignored"), "{logged}");
    // ... and neither the key nor the downlink URLs, anywhere.
    assert!(!logged.contains("IT4DOWNLINKKEY"), "the downlink key was logged");
    assert!(!logged.contains("/down/push") && !logged.contains("/down/replace"), "a downlink URL was logged");
    // Nor stored: not in any reading, not in the dead letter (which keeps the body only).
    let db = std::fs::read(dir.path().join("passerelle.db")).unwrap();
    let wal = std::fs::read(dir.path().join("passerelle.db-wal")).unwrap_or_default();
    for bytes in [&db, &wal] {
        assert!(!contains(bytes, b"IT4DOWNLINKKEY") && !contains(bytes, b"/down/push"));
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// A ChirpStack connector on `broker` with `settings`, every event of the application taken.
fn chirpstack_config(broker: &Mosquitto, client: &str, settings: &str) -> String {
    format!(
        r#"(
    connectors: {{
        "chirpstack": (
            transport: mqtt(host: "127.0.0.1", port: {port}, client_id: "{client}",
                            reconnect_min_ms: 50, reconnect_max_ms: 500),
            plugin: "{plugin}",
            settings: {{ "topic": "application/+/device/+/event/+", {settings} }},
            sinks: ["db"],
        ),
    }},
    decoders: {{ "milesight": (plugin: "{milesight}") }},
    routes: [ (devicetype: "am307", decoder: "milesight", sinks: ["db"]) ],
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
    compile_cache: "{cache}",
)"#,
        port = broker.port,
        plugin = harness::plugin("chirpstack_mqtt"),
        milesight = harness::plugin("milesight"),
        cache = cache(),
    )
}

async fn start_chirpstack(broker: &Mosquitto, client: &str, settings: &str, dir: &Path) -> Running {
    let rt = harness::start_in(&chirpstack_config(broker, client, settings), dir).await;
    broker.wait_for_log(&format!("Sending SUBACK to {client}"), Duration::from_secs(10)).await;
    rt
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chirpstack_json_uplinks_end_as_readings_and_other_events_are_ignored() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let rt = start_chirpstack(&broker, "it-chirpstack-json", r#""encoding": "json""#, dir.path()).await;
    let join = UP.replace("/event/up", "/event/join");
    let status = UP.replace("/event/up", "/event/status");
    let malformed =
        r#"{"deviceInfo": {"devEui": "24e124707c123456"}, "fPort": 85, "data": "AXV*"}"#.to_string();
    // Other events first: when the uplink's rows are in, the broker's earlier messages were handled.
    broker.publish(&[
        (&join, one_line("chirpstack-mqtt", "join.json")),
        (&status, r#"{"deviceInfo": {"devEui": "24e124707c123456"}, "batteryLevel": 92.5}"#.to_string()),
        (UP, malformed.clone()),
    ]);
    wait_until("the malformed uplink's dead letter", || !rt.dead_letters().is_empty()).await;
    broker.publish(&[(UP, one_line("chirpstack-mqtt", "up.json"))]);
    wait_until("3 rows", || rt.readings().len() >= 3).await;
    let rows = rt.readings();
    assert_decoded_by_milesight(&rows, CS_MS);
    assert_eq!(rows.len(), 3, "object ignored by default, join and status stored nothing: {rows:?}");
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!((dead[0].stage.as_str(), &dead[0].payload), ("connector", &malformed.into_bytes()));
    assert!(dead[0].error.contains("field `data`"), "{}", dead[0].error);
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chirpstack_protobuf_uplinks_end_as_readings_with_the_object_kept() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let settings =
        r#""encoding": "protobuf", "model_from": "tag:model", "decoded": "keep", "decoded_prefix": "cs.""#;
    let rt = start_chirpstack(&broker, "it-chirpstack-pb", settings, dir.path()).await;
    let text = String::from_utf8(fixture("chirpstack-mqtt", "up.pb.hex")).unwrap();
    let event = annotated_hex(&text);
    // The event cut short (inside its last field): malformed, dead-lettered with its bytes.
    let cut = event[..event.len() - 1].to_vec();
    broker.publish_bytes(UP, &cut);
    wait_until("the cut event's dead letter", || !rt.dead_letters().is_empty()).await;
    broker.publish_bytes(UP, &event);
    wait_until("9 rows", || rt.readings().len() >= 9).await;
    let rows = rt.readings();
    assert_decoded_by_milesight(&rows, CS_MS);
    // ChirpStack's `object` (a google.protobuf.Struct) as readings; its nulls give none.
    assert_eq!(number(&rows, "cs.battery"), Some((92.0, CS_MS)));
    assert_eq!(number(&rows, "cs.temperature"), Some((30.8, CS_MS)));
    assert_eq!(number(&rows, "cs.l.0"), Some((1.0, CS_MS)));
    assert!(rows.iter().any(|r| r.name == "cs.ok" && r.value == Value::Boolean(true)));
    assert!(rows.iter().any(|r| r.name == "cs.s" && r.value == Value::Text("x".into())));
    assert_eq!(rows.len(), 3 + 6, "{rows:?}");
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!((dead[0].stage.as_str(), &dead[0].payload), ("connector", &cut));
    assert!(dead[0].error.contains("not a Protobuf UplinkEvent"), "{}", dead[0].error);
    rt.handle.shutdown().await.unwrap();
}
