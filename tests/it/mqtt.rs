//! Gooee over MQTT, end to end: a real Mosquitto, the MQTT transport, the Gooee connector plugin,
//! SQLite.

use std::time::{Duration, Instant};

use passerelle::message::Value;
use passerelle::plugin::PluginError;

use crate::harness::mosquitto::Mosquitto;
use crate::harness::{self, Running};

const DEVICE: &str = "1de83fdc-6b4b-cff8-be07-cea1a7dd6343";
const AREA: &str = "a1";

/// A config with the Gooee connector on `broker` (client id `client`), following `settings`.
fn config(broker: &Mosquitto, client: &str, settings: &str, topics: &str) -> String {
    format!(
        r#"(
    connectors: {{
        "gooee": (
            transport: mqtt(host: "127.0.0.1", port: {port}, client_id: "{client}", topics: [{topics}],
                            reconnect_min_ms: 50, reconnect_max_ms: 500),
            plugin: "{plugin}",
            settings: {{ {settings} }},
            sinks: ["db"],
        ),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
    compile_cache: "{cache}",
)"#,
        port = broker.port,
        plugin = harness::plugin("gooee"),
        cache = std::env::temp_dir().join("passerelle-it-compile-cache").display(),
    )
}

/// Starts the runtime and waits until the broker has acknowledged its subscriptions.
async fn start(broker: &Mosquitto, client: &str, dir: &std::path::Path) -> Running {
    let settings = format!(r#""devices": "{DEVICE}", "areas": "{AREA}""#);
    let rt = harness::start_in(&config(broker, client, &settings, ""), dir).await;
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

fn meta(name: &str, value: f64, unit: &str, second: u32) -> String {
    serde_json::json!([{
        "name": name, "display_name": name, "value": value, "unit_of_measure": unit,
        "timestamp": format!("2016-08-09T20:{:02}:{:02}.539000Z", second / 60, second % 60),
    }])
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gooee_meta_messages_become_rows() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let rt = start(&broker, "it-gooee-meta", dir.path()).await;
    let two = serde_json::json!([
        {"name": "temperature", "display_name": "Temperature", "value": 87.4, "unit_of_measure": "C",
         "timestamp": "2016-08-09T20:00:47.539000Z"},
        {"name": "als", "value": 87, "unit_of_measure": "K", "timestamp": "2016-08-09T20:00:47.539000Z"}
    ]);
    let head = serde_json::json!({"name": "headcount", "value": 2, "timestamp": "2016-08-09T20:00:47Z"});
    let action = serde_json::json!({"name": "Dim Device", "type": "dim", "value": {"level": 80},
        "created": "2016-08-09T20:00:47.539000Z"});
    let device_meta = format!("devices/{DEVICE}/meta");
    let area_head = format!("areas/{AREA}/meta/head_count");
    let device_actions = format!("devices/{DEVICE}/actions");
    broker.publish(&[
        (&device_meta, two.to_string()),
        (&area_head, head.to_string()),
        (&device_actions, action.to_string()),
    ]);
    wait_until("4 rows", || rt.readings().len() >= 4).await;
    let rows = rt.readings();
    assert_eq!(rows.len(), 4, "{rows:?}");
    let t = rows.iter().find(|r| r.device == DEVICE && r.name == "temperature").unwrap();
    assert_eq!(
        (t.value.clone(), t.unit.as_deref(), t.time_ms),
        (Value::Number(87.4), Some("C"), 1_470_772_847_539)
    );
    assert!(rows.iter().any(|r| r.device == DEVICE && r.name == "als" && r.value == Value::Number(87.0)));
    assert!(rows.iter().any(|r| r.device == AREA && r.name == "headcount" && r.value == Value::Number(2.0)));
    let a = rows.iter().find(|r| r.name == "action.dim").unwrap();
    assert!(matches!(&a.value, Value::Text(j) if j.contains("\"level\":80")), "{a:?}");
    assert!(rt.dead_letters().is_empty());
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_meta_payload_reaches_the_dead_letter() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let rt = start(&broker, "it-gooee-malformed", dir.path()).await;
    let topic = format!("devices/{DEVICE}/meta");
    let missing_value = r#"[{"name": "temperature", "unit_of_measure": "C"}]"#.to_string();
    broker.publish(&[(&topic, "{\"name\": ".to_string()), (&topic, missing_value.clone())]);
    wait_until("2 dead letters", || rt.dead_letters().len() >= 2).await;
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 2, "{dead:?}");
    assert!(dead.iter().all(|d| d.stage == "connector"));
    assert!(dead.iter().any(|d| d.error.contains("not JSON") && d.payload == b"{\"name\": "));
    assert!(dead.iter().any(|d| d.error.contains("meta[0].value") && d.payload == missing_value.as_bytes()));
    // Refused messages were acknowledged: the flow goes on.
    broker.publish(&[(&topic, meta("temperature", 21.0, "C", 1))]);
    wait_until("1 row", || rt.readings().len() == 1).await;
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_report_reaches_the_dead_letter_with_the_broker_message() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let rt = start(&broker, "it-gooee-rejected", dir.path()).await;
    let report = serde_json::json!({
        "error": {
            "message": "Invalid payload due to regex pattern not matching.  Position: [0]/name. Value: \"Meta_New\".",
            "context": {"type": "string", "title": "Name", "pattern": "^(~?)(?!.*__.*)[a-z][a-z0-9_]+$"}
        },
        "data": [{"name": "Meta_New", "display_name": "Meta New", "unit_of_measure": "Meters", "value": 10}]
    })
    .to_string();
    let topic = format!("devices/{DEVICE}/meta/rejected");
    broker.publish(&[(&topic, report.clone())]);
    wait_until("1 dead letter", || !rt.dead_letters().is_empty()).await;
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].stage, "connector");
    assert_eq!(dead[0].payload, report.as_bytes(), "the report's bytes are kept");
    assert!(dead[0].error.contains("regex pattern not matching"), "{}", dead[0].error);
    assert!(dead[0].error.contains("\"title\":\"Name\""), "context kept: {}", dead[0].error);
    assert!(rt.readings().is_empty());
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broker_killed_mid_stream_loses_nothing() {
    const N: u32 = 40;
    let mut broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let rt = start(&broker, "it-gooee-crash", dir.path()).await;
    let topic = format!("devices/{DEVICE}/meta");
    let messages: Vec<(&str, String)> =
        (0..N).map(|i| (topic.as_str(), meta("temperature", f64::from(i), "C", i))).collect();
    let (first, rest) = messages.split_at(N as usize / 2);
    broker.publish(first);
    // Once the broker has saved the first half (and the session), crash it without a clean save.
    broker.wait_until_saved().await;
    broker.kill();
    broker.restart();
    // The session (subscriptions, queue) survived: what is published now waits for the
    // runtime, which reconnects with backoff on its own.
    broker.publish(rest);
    wait_until("N rows", || rt.readings().len() >= N as usize).await;
    // Give any redelivery time to land: it must not add rows.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rows = rt.readings();
    assert_eq!(rows.len(), N as usize, "each message stored exactly once");
    let mut values: Vec<i64> = rows
        .iter()
        .map(|r| match r.value {
            Value::Number(v) => v as i64,
            _ => -1,
        })
        .collect();
    values.sort_unstable();
    assert_eq!(values, (0..i64::from(N)).collect::<Vec<_>>());
    assert!(rt.dead_letters().is_empty());
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_topic_outside_the_table_is_refused() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    // In the plugin's settings: `start` answers bad-setting, the runtime refuses to start.
    let text = config(&broker, "it-gooee-bad", r#""topics": "areas/a1/actions""#, "");
    let parsed =
        passerelle::config::Config::parse(&text, &dir.path().join("c.ron").display().to_string()).unwrap();
    let err = passerelle::Builder::new(parsed).start().await.unwrap_err();
    match &err {
        passerelle::Error::Plugin { name, source: PluginError::Connector(_), .. } => {
            assert_eq!(name, "gooee")
        }
        other => panic!("expected a connector bad-setting, got {other:#}"),
    }
    assert!(format!("{err:#}").contains("topics") || std::error::Error::source(&err).is_some());
    // In the transport's own topics: not a valid filter, the config does not validate.
    let text = config(&broker, "it-gooee-bad", &format!(r#""devices": "{DEVICE}""#), r#""devices/#/meta""#);
    let parsed =
        passerelle::config::Config::parse(&text, &dir.path().join("c.ron").display().to_string()).unwrap();
    let err = passerelle::Builder::new(parsed).start().await.unwrap_err();
    assert!(matches!(err, passerelle::Error::Config(_)), "{err:#}");
    assert!(err.to_string().contains("devices/#/meta"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_queued_while_passerelle_is_down_survive_a_broker_crash() {
    const N: u32 = 10;
    let mut broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let topic = format!("devices/{DEVICE}/meta");
    // The first run creates the persistent session (client id and subscriptions), then stops.
    let rt = start(&broker, "it-gooee-offline", dir.path()).await;
    rt.handle.shutdown().await.unwrap();
    // While Passerelle is away the broker queues for its session; then it crashes.
    let messages: Vec<(&str, String)> =
        (0..N).map(|i| (topic.as_str(), meta("humidity", f64::from(i), "%RH", i))).collect();
    broker.publish(&messages);
    broker.wait_until_saved().await;
    broker.restart();
    // The next run, same client id and database, gets every queued message once.
    let rt = harness::start_in(
        &config(&broker, "it-gooee-offline", &format!(r#""devices": "{DEVICE}", "areas": "{AREA}""#), ""),
        dir.path(),
    )
    .await;
    wait_until("N rows", || rt.readings().len() >= N as usize).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(rt.readings().len(), N as usize);
    rt.handle.shutdown().await.unwrap();
}

/// A backlog far past `max_in_flight` (and its waiting queue, four times that) drains on one
/// connection: reading pauses while the deliveries catch up. It neither reconnects (which made
/// the broker send everything again, many times a second) nor stalls.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backlog_past_max_in_flight_drains_on_one_connection() {
    const N: u32 = 400;
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let topic = format!("devices/{DEVICE}/meta");
    let client = "it-gooee-backlog";
    let settings = format!(r#""devices": "{DEVICE}", "areas": "{AREA}""#);
    let config = config(&broker, client, &settings, "")
        .replace("reconnect_min_ms", "max_in_flight: 1, reconnect_min_ms");
    // The first run creates the persistent session, then stops; the broker queues for it.
    let rt = harness::start_in(&config, dir.path()).await;
    broker.wait_for_log(&format!("Sending SUBACK to {client}"), Duration::from_secs(10)).await;
    rt.handle.shutdown().await.unwrap();
    let messages: Vec<(&str, String)> =
        (0..N).map(|i| (topic.as_str(), meta("humidity", f64::from(i), "%RH", i))).collect();
    broker.publish(&messages);
    let connects = broker.log_count(&format!(" as {client} "));
    let rt = harness::start_in(&config, dir.path()).await;
    wait_until("N rows", || rt.readings().len() >= N as usize).await;
    assert_eq!(rt.readings().len(), N as usize);
    assert_eq!(
        broker.log_count(&format!(" as {client} ")),
        connects + 1,
        "the client reconnected while draining:\n{}",
        broker.log()
    );
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_with_a_client_certificate_and_a_password() {
    let broker = Mosquitto::start_tls();
    let f = broker.tls_files();
    let dir = tempfile::tempdir().unwrap();
    let settings = format!(r#""devices": "{DEVICE}""#);
    let plain = config(&broker, "it-gooee-tls", &settings, "");
    let with_tls = |cert: bool| {
        let client = if cert {
            format!(
                r#", client_cert_file: "{}", client_key_file: "{}""#,
                f.client_cert.display(),
                f.client_key.display()
            )
        } else {
            String::new()
        };
        plain.replace(
            "reconnect_max_ms: 500)",
            &format!(
                r#"reconnect_max_ms: 500, username: "authorization", password_env: "IT_GOOEE",
                   tls: (ca_file: "{}"{client}))"#,
                f.ca.display()
            ),
        )
    };
    // Without a client certificate the broker refuses the handshake: never subscribed.
    let refused =
        harness::start_in(&with_tls(false).replace("it-gooee-tls", "it-gooee-nocert"), dir.path()).await;
    broker.wait_for_log("OpenSSL Error", Duration::from_secs(10)).await;
    let log = broker.log();
    assert!(!log.contains("it-gooee-nocert"), "the CONNECT never got through the handshake:\n{log}");
    refused.handle.shutdown().await.unwrap();
    // With the certificate but a wrong token, the broker refuses the CONNECT.
    let wrong = with_tls(true).replace("it-gooee-tls", "it-gooee-badpass").replace("IT_GOOEE", "IT_TOKEN");
    let refused = harness::start_in(&wrong, dir.path()).await;
    broker.wait_for_log("disconnected, not authorised", Duration::from_secs(10)).await;
    assert!(!broker.log().contains("Sending SUBACK to it-gooee-badpass"), "a wrong token never subscribes");
    refused.handle.shutdown().await.unwrap();
    // With both, messages flow.
    let rt = harness::start_in(&with_tls(true), dir.path()).await;
    broker.wait_for_log("Sending SUBACK to it-gooee-tls", Duration::from_secs(10)).await;
    let topic = format!("devices/{DEVICE}/meta");
    broker.publish(&[(&topic, meta("temperature", 19.5, "C", 7))]);
    wait_until("1 row", || rt.readings().len() == 1).await;
    assert_eq!(rt.readings()[0].value, Value::Number(19.5));
    rt.handle.shutdown().await.unwrap();
}

/// A broker whose certificate names a host, reached at an address (Hemis' local mode): rumqttc
/// passes the address to rustls, the configured `server_name` is what gets verified. The TLS
/// files are given relative to the config file's folder.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_verifies_a_server_name_other_than_the_address() {
    let broker = Mosquitto::start_tls_named("broker.test");
    let f = broker.tls_files();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("certs")).unwrap();
    for (from, to) in [(&f.ca, "ca.pem"), (&f.client_cert, "client.pem"), (&f.client_key, "client.key")] {
        std::fs::copy(from, dir.path().join("certs").join(to)).unwrap();
    }
    let settings = format!(r#""devices": "{DEVICE}""#);
    let with_tls = |server_name: &str| {
        config(&broker, "it-gooee-named", &settings, "").replace(
            "reconnect_max_ms: 500)",
            &format!(
                r#"reconnect_max_ms: 500, username: "authorization", password_env: "IT_GOOEE",
                   tls: (ca_file: "certs/ca.pem", client_cert_file: "certs/client.pem",
                         client_key_file: "certs/client.key"{server_name}))"#
            ),
        )
    };
    // Without the server name, the client refuses the broker's certificate: no session.
    let refused = harness::start_in(&with_tls(""), dir.path()).await;
    broker.wait_for_log("OpenSSL Error", Duration::from_secs(10)).await;
    assert!(!broker.log().contains("it-gooee-named"), "the CONNECT never got through the handshake");
    refused.handle.shutdown().await.unwrap();
    let rt = harness::start_in(&with_tls(r#", server_name: "broker.test""#), dir.path()).await;
    broker.wait_for_log("Sending SUBACK to it-gooee-named", Duration::from_secs(10)).await;
    let topic = format!("devices/{DEVICE}/meta");
    broker.publish(&[(&topic, meta("temperature", 20.5, "C", 8))]);
    wait_until("1 row", || rt.readings().len() == 1).await;
    assert_eq!(rt.readings()[0].value, Value::Number(20.5));
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readings_are_published_to_an_mqtt_sink_after_puback() {
    let broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let sub = broker.subscribe("it-sub", "out/#", 2).await;
    let settings = format!(r#""devices": "{DEVICE}""#);
    let text = config(&broker, "it-gooee-sink", &settings, "")
        .replace(r#"sinks: ["db"],"#, r#"sinks: ["db", "out"],"#)
        .replace(
            r#""db": sqlite(path: "passerelle.db") }"#,
            &format!(
                r#""db": sqlite(path: "passerelle.db"), "out": mqtt(host: "127.0.0.1", port: {}, client_id: "it-out", topic: "out/{{device}}/{{name}}") }}"#,
                broker.port
            ),
        );
    let rt = harness::start_in(&text, dir.path()).await;
    broker.wait_for_log("Sending SUBACK to it-gooee-sink", Duration::from_secs(10)).await;
    let two = serde_json::json!([
        {"name": "temperature", "value": 21.5, "unit_of_measure": "C", "timestamp": "2016-08-09T20:00:47.539Z"},
        {"name": "als", "value": 87, "timestamp": "2016-08-09T20:00:47.539Z"}
    ]);
    let topic = format!("devices/{DEVICE}/meta");
    broker.publish(&[(&topic, two.to_string())]);
    let out = tokio::task::spawn_blocking(move || sub.wait_with_output().unwrap()).await.unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.sort_unstable();
    assert_eq!(lines.len(), 2, "{text}");
    let (t, body) = lines[1].split_once(' ').unwrap();
    assert_eq!(t, format!("out/{DEVICE}/temperature"));
    let body: serde_json::Value = serde_json::from_str(body).unwrap();
    assert_eq!(body["value"], 21.5);
    assert_eq!(body["unit"], "C");
    assert_eq!(body["time_ms"], 1_470_772_847_539_i64);
    assert!(lines[0].starts_with(&format!("out/{DEVICE}/als ")), "{text}");
    // The source message was acknowledged only after both sinks committed: SQLite has it too.
    assert_eq!(rt.readings().len(), 2);
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_commit_is_not_acknowledged_and_is_redelivered() {
    let source = Mosquitto::start();
    let mut target = Mosquitto::start();
    // A persistent session on the sink's broker queues what the sink publishes there however
    // late its subscriber reconnects: the sink may publish the moment the broker is back.
    target.create_session("it-sub-retry", "out/#").await;
    // The MQTT sink's broker is down (stopped cleanly: the session is saved): commits fail
    // until it is back.
    target.stop();
    let dir = tempfile::tempdir().unwrap();
    let settings = format!(r#""devices": "{DEVICE}""#);
    let text = config(&source, "it-gooee-retry", &settings, "")
        .replace(r#"sinks: ["db"],"#, r#"sinks: ["db", "out"],"#)
        .replace(
            r#""db": sqlite(path: "passerelle.db") }"#,
            &format!(
                r#""db": sqlite(path: "passerelle.db"), "out": mqtt(host: "127.0.0.1", port: {}, client_id: "it-out-retry", topic: "out/{{device}}/{{name}}", commit_timeout_ms: 300) }}"#,
                target.port
            ),
        );
    let rt = harness::start_in(&text, dir.path()).await;
    source.wait_for_log("Sending SUBACK to it-gooee-retry", Duration::from_secs(10)).await;
    let topic = format!("devices/{DEVICE}/meta");
    broker_publish_one(&source, &topic, meta("temperature", 23.0, "C", 3));
    // SQLite commits, the MQTT sink cannot: the message is not acknowledged, the transport
    // reconnects and the broker redelivers it.
    wait_until("a redelivery", || source.log().matches(" as it-gooee-retry ").count() >= 2).await;
    assert_eq!(rt.readings().len(), 1, "the SQLite commit is idempotent across redeliveries");
    // The sink's broker comes back: a redelivery commits everywhere, and the flow goes on.
    target.restart();
    let sub = target.resume_session("it-sub-retry", "out/#", 1).await;
    let out = tokio::task::spawn_blocking(move || sub.wait_with_output().unwrap()).await.unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with(&format!("out/{DEVICE}/temperature ")), "{text:?}");
    assert_eq!(rt.readings().len(), 1);
    rt.handle.shutdown().await.unwrap();
}

fn broker_publish_one(broker: &Mosquitto, topic: &str, message: String) {
    broker.publish(&[(topic, message)]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_over_websocket_reaches_sqlite() {
    over_websocket(crate::harness::rumqttd::WsBroker::start()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mqtt_over_secure_websocket_reaches_sqlite() {
    over_websocket(crate::harness::rumqttd::WsBroker::start_tls()).await;
}

/// A Gooee meta message published over TCP reaches SQLite through a connector subscribed over
/// WebSocket (`wss://` when the broker has certificates).
async fn over_websocket(broker: crate::harness::rumqttd::WsBroker) {
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"(
    connectors: {{
        "gooee": (
            transport: mqtt(host: "127.0.0.1", port: {port}, client_id: "it-gooee-ws", websocket_path: "/mqtt",
                            reconnect_min_ms: 50, reconnect_max_ms: 500{tls}),
            plugin: "{plugin}",
            settings: {{ "devices": "{DEVICE}" }},
            sinks: ["db"],
        ),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
)"#,
        port = broker.ws_port,
        plugin = harness::plugin("gooee"),
        tls = broker
            .certs
            .as_ref()
            .map(|d| format!(r#", tls: (ca_file: "{}")"#, d.path().join("ca.pem").display()))
            .unwrap_or_default(),
    );
    let rt = harness::start_in(&text, dir.path()).await;
    // The broker writes no log to wait on: publish (over TCP) until the row shows; the sink is
    // idempotent, so repeats store nothing twice.
    let payload = meta("temperature", 21.5, "C", 9);
    let topic = format!("devices/{DEVICE}/meta");
    let deadline = Instant::now() + Duration::from_secs(20);
    while rt.readings().is_empty() {
        assert!(Instant::now() < deadline, "nothing arrived over WebSocket");
        let out = std::process::Command::new(crate::harness::mosquitto::PUB)
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &broker.tcp_port.to_string(),
                "-q",
                "1",
                "-t",
                &topic,
                "-m",
                &payload,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "mosquitto_pub: {}", String::from_utf8_lossy(&out.stderr));
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let rows = rt.readings();
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!((rows[0].name.as_str(), &rows[0].value), ("temperature", &Value::Number(21.5)));
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_broker_crashes_during_a_stream_lose_and_double_nothing() {
    const ROUNDS: u32 = 10;
    const PER_ROUND: u32 = 12;
    let mut broker = Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let rt = start(&broker, "it-gooee-restarts", dir.path()).await;
    let topic = format!("devices/{DEVICE}/meta");
    let mut sent = 0;
    for _ in 0..ROUNDS {
        let messages: Vec<(&str, String)> = (sent..sent + PER_ROUND)
            .map(|i| (topic.as_str(), meta("temperature", f64::from(i), "C", i)))
            .collect();
        broker.publish(&messages);
        sent += PER_ROUND;
        // Let the runtime take part of it (or not) before the crash: the crash lands anywhere
        // between delivery, commit and PUBACK.
        let want = usize::try_from(sent - PER_ROUND / 2).unwrap();
        wait_until("half of the round", || rt.readings().len() >= want).await;
        broker.wait_until_saved().await;
        broker.kill();
        broker.restart();
    }
    let total = usize::try_from(sent).unwrap();
    wait_until("every message", || rt.readings().len() >= total).await;
    tokio::time::sleep(Duration::from_millis(800)).await;
    let rows = rt.readings();
    assert_eq!(rows.len(), total, "each message stored exactly once across {ROUNDS} crashes");
    let mut values: Vec<i64> = rows
        .iter()
        .map(|r| match r.value {
            Value::Number(v) => v as i64,
            _ => -1,
        })
        .collect();
    values.sort_unstable();
    assert_eq!(values, (0..i64::from(sent)).collect::<Vec<_>>());
    assert!(rt.dead_letters().is_empty());
    let connected = rt
        .handle
        .metrics()
        .render()
        .lines()
        .find(|l| l.starts_with("passerelle_transport_connected_total{"))
        .and_then(|l| l.rsplit(' ').next()?.parse::<u64>().ok())
        .unwrap_or(0);
    assert!(connected > u64::from(ROUNDS), "reconnected after every crash: {connected}");
    rt.handle.shutdown().await.unwrap();
}
