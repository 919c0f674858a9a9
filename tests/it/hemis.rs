//! Hemis (seed 000): STOMP 1.2 over secure WebSocket against a real RabbitMQ Web-STOMP node,
//! with the `hemis` connector plugin; the seed's example messages published verbatim. The Hemis
//! simulator covers what a broker cannot be made to do (silence, the Host header of local mode).

use std::time::{Duration, Instant};

use passerelle::config::Config;
use passerelle::message::Value;
use passerelle::sink::sqlite::{DeadLetterRow, ReadingRow, read_dead_letters, read_readings};
use passerelle::{Builder, Handle};

use crate::harness::rabbitmq::{self, Rabbit};
use crate::harness::sim::hemis::{Behaviour, HemisSim};
use crate::harness::{self};

const BUILDING: &str = "B1";

/// The seed's examples: (file stem, topic).
const EXAMPLES: [(&str, &str); 10] = [
    ("actuator_target_state-1", "data"),
    ("actuator_hardware_state-1", "data"),
    ("it_state-1", "data"),
    ("sensor_state-1", "data"),
    ("factor_current_state-1", "data"),
    ("objective_state-1", "data"),
    ("data_provider-1", "data"),
    ("entity_management-1", "management"),
    ("entity_management-2", "management"),
    ("entity_management-3", "management"),
];

fn example(stem: &str) -> Vec<u8> {
    std::fs::read(harness::root().join("vectors/hemis").join(format!("{stem}.json"))).unwrap()
}

/// RabbitMQ's name for the seed's topic `jms.topic.B1.<topic>`.
fn destination(topic: &str) -> String {
    format!("/topic/jms.topic.{BUILDING}.{topic}")
}

/// A config with one `hemis` connector on the STOMP transport `stomp` (its RON), readings and
/// dead letters to SQLite in `dir`.
fn config(transport: &str) -> String {
    format!(
        r#"(
    connectors: {{
        "hemis": (transport: {transport}, plugin: "{plugin}", sinks: ["db"],
                  settings: {{ "building_id": "{BUILDING}",
                               "destinations": "/topic/jms.topic.{{building}}.data,/topic/jms.topic.{{building}}.management" }}),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
)"#,
        plugin = harness::plugin("hemis"),
    )
}

async fn start(text: &str, dir: &std::path::Path, passcode: &str) -> Handle {
    let config = Config::parse(text, &dir.join("config.ron").display().to_string()).unwrap();
    Builder::new(config).secret("HEMIS_TOKEN", passcode).start().await.unwrap_or_else(|e| panic!("{e:#}"))
}

fn readings(dir: &std::path::Path) -> Vec<ReadingRow> {
    read_readings(&dir.join("passerelle.db")).unwrap_or_default()
}

fn dead_letters(dir: &std::path::Path) -> Vec<DeadLetterRow> {
    read_dead_letters(&dir.join("passerelle.db")).unwrap_or_default()
}

async fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits until the transport has the receipts of its `n` subscriptions.
async fn subscribed(handle: &Handle, n: usize) {
    let needle =
        format!(r#"passerelle_transport_subscribed_total{{connector="hemis",transport="stomp"}} {n}"#);
    wait_until("the subscriptions' receipts", 60, || handle.metrics().render().contains(&needle)).await;
}

/// The value of a connector series of the metrics.
fn metric(handle: &Handle, name: &str) -> u64 {
    let prefix = format!(r#"{name}{{connector="hemis""#);
    handle
        .metrics()
        .render()
        .lines()
        .find(|l| l.starts_with(&prefix))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0)
}

fn last_error(handle: &Handle) -> String {
    handle
        .status()
        .connectors
        .into_iter()
        .find(|c| c.name == "hemis")
        .and_then(|c| c.last_error)
        .unwrap_or_default()
}

fn find(rows: &[ReadingRow], device: &str, name: &str) -> Value {
    rows.iter()
        .find(|r| r.device == device && r.name == name)
        .map(|r| r.value.clone())
        .unwrap_or_else(|| panic!("no {device}/{name} in {rows:#?}"))
}

fn wss(rabbit: &Rabbit, host: &str, extra: &str) -> String {
    format!(
        r#"stomp(url: "wss://{host}:{port}/ws", login: "{user}", passcode_env: "HEMIS_TOKEN", vhost: "/",
                 tls: (ca_file: "{ca}"), reconnect_min_ms: 100, reconnect_max_ms: 1000 {extra})"#,
        port = rabbit.wss_port,
        user = rabbitmq::USER,
        ca = rabbit.ca().display(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seed_message_type_is_stored_over_wss_and_bad_ones_are_dead_lettered() {
    let rabbit = Rabbit::start("IP:127.0.0.1");
    let dir = tempfile::tempdir().unwrap();
    let handle = start(&config(&wss(&rabbit, "127.0.0.1", "")), dir.path(), rabbitmq::PASSWORD).await;
    subscribed(&handle, 2).await;

    for (stem, topic) in EXAMPLES {
        rabbit.publish(&destination(topic), &[&example(stem)]);
    }
    // The two types the seed gives no example of, and what cannot be stored faithfully.
    let text = |stem: &str| String::from_utf8(example(stem)).unwrap();
    let current =
        text("actuator_hardware_state-1").replace("ACTUATOR_HARDWARE_STATE", "ACTUATOR_CURRENT_STATE");
    let target = text("factor_current_state-1")
        .replace("FACTOR_CURRENT_STATE", "FACTOR_TARGET_STATE")
        .replace("99.7", "21");
    let null = r#"{"type":"SENSOR_STATE","timestamp":5,"sensorId":"s9","factorId":"TMP","valueType":"0","value":null}"#;
    let unknown = r#"{"type":"WEATHER_STATE","timestamp":5}"#;
    let garbage = "{ not json";
    let point = text("data_provider-1")
        .replace("[ 21, 0.81, 1 ]", "[ null, 0.81, 1 ]")
        .replace("0400A5818140A9", "P2");
    rabbit.publish(
        &destination("data"),
        &[
            current.as_bytes(),
            target.as_bytes(),
            null.as_bytes(),
            unknown.as_bytes(),
            garbage.as_bytes(),
            point.as_bytes(),
        ],
    );

    wait_until("every message", 30, || {
        dead_letters(dir.path()).len() >= 4 && readings(dir.path()).iter().any(|r| r.device == "P2")
    })
    .await;
    let rows = readings(dir.path());
    assert_eq!(find(&rows, "12345#C01", "TMP.target"), Value::Number(20.0));
    assert_eq!(find(&rows, "12345#C01", "TMP.hardware"), Value::Number(21.5));
    assert_eq!(find(&rows, "12345#C01", "TMP.current"), Value::Number(21.5));
    assert_eq!(find(&rows, "itid123456", "it.o"), Value::Text("OK".into()));
    assert_eq!(find(&rows, "F023B91000000073#1", "TMP"), Value::Number(21.0));
    assert_eq!(find(&rows, "MyHemis", "OCC.current"), Value::Number(99.7));
    assert_eq!(find(&rows, "MyHemis", "OCC.target"), Value::Number(21.0));
    assert_eq!(find(&rows, "123", "objective.executable"), Value::Boolean(true));
    for entity in ["Chambre_01", "123456478#C01", "ambi012345"] {
        assert!(matches!(find(&rows, entity, "entity_management"), Value::Text(t) if t.contains(entity)));
    }
    let sensor = rows.iter().find(|r| r.device == "F023B91000000073#1").unwrap();
    assert_eq!(sensor.time_ms, 12345, "the message timestamp is the reading time");
    let container: Vec<&ReadingRow> = rows.iter().filter(|r| r.device == "0400A5818140A9").collect();
    assert_eq!(container.len(), 6);
    let value = container.iter().find(|r| r.name == "TMP.VALUENB" && r.time_ms == 1_564_478_714_000).unwrap();
    assert_eq!((value.value.clone(), value.unit.as_deref()), (Value::Number(20.0), Some("Cel")));
    // The container with a bad point: the good point is stored, the bad one dead-lettered alone.
    assert_eq!(rows.iter().filter(|r| r.device == "P2").count(), 3);

    let dead = dead_letters(dir.path());
    let reason = |needle: &str| {
        dead.iter().find(|d| d.error.contains(needle)).unwrap_or_else(|| panic!("{needle}: {dead:#?}"))
    };
    assert_eq!(reason("value is null").payload, null.as_bytes());
    assert_eq!(reason("unknown message type \"WEATHER_STATE\"").payload, unknown.as_bytes());
    assert_eq!(reason("not JSON").payload, garbage.as_bytes());
    assert_eq!(reason("column VALUENB is null").device, "P2");
    assert_eq!(dead.len(), 4, "{dead:#?}");
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_broker_kills_mid_stream_lose_nothing_and_store_nothing_twice() {
    const ROUNDS: u64 = 10;
    const PER_ROUND: u64 = 60;
    let mut rabbit = Rabbit::start("IP:127.0.0.1");
    let dir = tempfile::tempdir().unwrap();
    // A durable subscription: the broker keeps what arrives while the client is away.
    let durable = r#", subscribe_headers: { "durable": "true", "auto-delete": "false" }"#;
    let handle = start(&config(&wss(&rabbit, "127.0.0.1", durable)), dir.path(), rabbitmq::PASSWORD).await;
    subscribed(&handle, 2).await;
    let message = |i: u64| {
        format!(
            r#"{{"type":"SENSOR_STATE","timestamp":{},"sensorId":"s1","factorId":"TMP","valueType":"0","value":"{i}"}}"#,
            1_000 + i
        )
    };
    let publish = |rabbit: &Rabbit, range: std::ops::Range<u64>| {
        let bodies: Vec<String> = range.map(message).collect();
        rabbit.publish(&destination("data"), &bodies.iter().map(String::as_bytes).collect::<Vec<_>>());
    };
    for round in 0..ROUNDS {
        publish(&rabbit, round * PER_ROUND..(round + 1) * PER_ROUND);
        // The kill lands while the round is being delivered, committed and acknowledged.
        let under_way = usize::try_from(round * PER_ROUND + 1).unwrap();
        wait_until("the round under way", 60, || readings(dir.path()).len() >= under_way).await;
        rabbit.kill();
        rabbit.restart();
    }
    publish(&rabbit, ROUNDS * PER_ROUND..(ROUNDS + 1) * PER_ROUND);
    let total = (ROUNDS + 1) * PER_ROUND;
    wait_until("every message", 120, || readings(dir.path()).len() >= usize::try_from(total).unwrap()).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rows = readings(dir.path());
    let mut values: Vec<u64> = rows
        .iter()
        .map(|r| match r.value {
            Value::Number(n) => n as u64,
            ref v => panic!("{v:?}"),
        })
        .collect();
    values.sort_unstable();
    assert_eq!(values, (0..total).collect::<Vec<_>>(), "each message stored once across {ROUNDS} kills");
    assert!(dead_letters(dir.path()).is_empty(), "{:?}", dead_letters(dir.path()));
    let (lost, connected) = (
        metric(&handle, "passerelle_transport_disconnected_total"),
        metric(&handle, "passerelle_transport_connected_total"),
    );
    assert!(lost >= ROUNDS, "every kill was seen: {lost}");
    assert!(connected > ROUNDS, "and every reconnect: {connected}");
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_mode_verifies_the_host_name_and_never_the_address() {
    let rabbit = Rabbit::start("DNS:hemis.test");
    // Local mode: the socket goes to 127.0.0.1, TLS and Host use the URL's name.
    let dir = tempfile::tempdir().unwrap();
    let local = format!(r#", connect_to: "127.0.0.1:{}""#, rabbit.wss_port);
    let handle = start(&config(&wss(&rabbit, "hemis.test", &local)), dir.path(), rabbitmq::PASSWORD).await;
    subscribed(&handle, 2).await;
    rabbit.publish(&destination("data"), &[&example("sensor_state-1")]);
    wait_until("the message over local mode", 30, || !readings(dir.path()).is_empty()).await;
    handle.shutdown().await.unwrap();

    // The certificate names the host only: connecting by address fails, and says why.
    let dir = tempfile::tempdir().unwrap();
    let handle = start(&config(&wss(&rabbit, "127.0.0.1", "")), dir.path(), rabbitmq::PASSWORD).await;
    wait_until("a TLS failure", 30, || last_error(&handle).contains("TLS handshake")).await;
    assert!(last_error(&handle).contains("as 127.0.0.1"), "{}", last_error(&handle));
    assert!(readings(dir.path()).is_empty());
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn local_mode_sends_exactly_one_host_header_with_the_host_name() {
    let sim = HemisSim::start(Behaviour::Silent { ms: 60_000 }).await;
    let dir = tempfile::tempdir().unwrap();
    let transport = format!(
        r#"stomp(url: "ws://somename-stomp.eu-west.ubiant.io:4443/", connect_to: "127.0.0.1:{}", login: "B1", passcode_env: "HEMIS_TOKEN")"#,
        sim.port
    );
    let handle = start(&config(&transport), dir.path(), "token").await;
    wait_until("the handshake and CONNECT", 10, || sim.frames.lock().unwrap().len() >= 3).await;
    assert_eq!(sim.hosts.lock().unwrap()[0], vec!["somename-stomp.eu-west.ubiant.io".to_string()]);
    let connect = sim.frames.lock().unwrap()[0].clone();
    assert_eq!(connect.header("login"), Some("B1"));
    assert_eq!(connect.header("passcode"), Some("token"));
    assert_eq!(connect.header("accept-version"), Some("1.2"));
    let subscribe = sim.frames.lock().unwrap()[1].clone();
    assert_eq!(subscribe.header("ack"), Some("client-individual"));
    assert!(subscribe.header("receipt").is_some());
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_server_is_detected_and_the_connection_reopened() {
    let sim = HemisSim::start(Behaviour::Silent { ms: 200 }).await;
    let dir = tempfile::tempdir().unwrap();
    let transport = format!(
        r#"stomp(url: "ws://127.0.0.1:{}/", heart_beat_ms: (200, 200), reconnect_min_ms: 50, reconnect_max_ms: 100)"#,
        sim.port
    );
    let handle = start(&config(&transport), dir.path(), "token").await;
    wait_until("a reconnect after silence", 10, || sim.connections() >= 2).await;
    assert!(last_error(&handle).contains("silent for 400 ms"), "{}", last_error(&handle));
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_frame_is_surfaced_and_bad_credentials_are_not_retried_in_a_tight_loop() {
    let rabbit = Rabbit::start("IP:127.0.0.1");
    let dir = tempfile::tempdir().unwrap();
    let transport = format!(
        r#"stomp(url: "ws://127.0.0.1:{}/ws", login: "guest", passcode_env: "HEMIS_TOKEN", vhost: "/", reconnect_min_ms: 50, reconnect_max_ms: 2000)"#,
        rabbit.ws_port
    );
    let handle = start(&config(&transport), dir.path(), "wrong").await;
    wait_until("the broker's refusal", 30, || last_error(&handle).contains("STOMP ERROR")).await;
    let first = Instant::now();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let refusals = metric(&handle, "passerelle_transport_disconnected_total");
    // Each refusal waits the longest backoff (2 s): at most three in 3 s, not hundreds.
    assert!(refusals <= 3, "{refusals} refusals in {:?}", first.elapsed());
    assert!(!handle.status().connectors[0].connected);
    handle.shutdown().await.unwrap();

    // A destination the broker does not know: its ERROR frame, message and body, in the status.
    let sim = HemisSim::start(Behaviour::RefuseSubscriptions).await;
    let dir = tempfile::tempdir().unwrap();
    let handle =
        start(&config(&format!(r#"stomp(url: "ws://127.0.0.1:{}/")"#, sim.port)), dir.path(), "t").await;
    wait_until("the ERROR frame", 10, || last_error(&handle).contains("Unknown destination")).await;
    assert!(
        last_error(&handle).contains("no such topic: /topic/jms.topic.B1.data"),
        "{}",
        last_error(&handle)
    );
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connector_discovers_its_url_building_and_local_address_through_the_rest_api() {
    use axum::http::HeaderMap;
    let sim = HemisSim::start(Behaviour::Silent { ms: 60_000 }).await;
    // The infos answer only the right token, and give the simulator as the Hemis on the LAN.
    let app = axum::Router::new().route(
        "/buildings/mine/infos",
        axum::routing::get(|headers: HeaderMap| async move {
            if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some("Bearer tok-42") {
                return Err(axum::http::StatusCode::UNAUTHORIZED);
            }
            Ok(axum::Json(serde_json::json!({
                "local_ip": "127.0.0.1",
                // The simulator speaks plain WebSocket (TLS in local mode: see the RabbitMQ test).
                "hemis_stomp_url": "ws://somename-stomp.eu-west.ubiant.io:4443/",
                "buildingId": "B7",
            })))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let api = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        r#"(
    connectors: {{
        "hemis": (transport: stomp(passcode_env: "HEMIS_TOKEN", reconnect_min_ms: 100, reconnect_max_ms: 200),
                  plugin: "{plugin}", sinks: ["db"], secrets: ["HEMIS_TOKEN"], tick_ms: 50,
                  settings: {{ "infos_url": "http://{api}/buildings/mine/infos", "mode": "local",
                               "local_port": "{port}" }}),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
)"#,
        plugin = harness::plugin("hemis"),
        port = sim.port,
    );
    let handle = start(&text, dir.path(), "tok-42").await;
    wait_until("CONNECT and both subscriptions", 20, || sim.frames.lock().unwrap().len() >= 3).await;
    // The socket went to the discovered local address, with the URL's host name as Host.
    assert_eq!(sim.hosts.lock().unwrap()[0], vec!["somename-stomp.eu-west.ubiant.io".to_string()]);
    let frames = sim.frames.lock().unwrap().clone();
    assert_eq!((frames[0].header("login"), frames[0].header("passcode")), (Some("B7"), Some("tok-42")));
    let destinations: Vec<&str> = frames[1..3].iter().filter_map(|f| f.header("destination")).collect();
    assert_eq!(destinations, ["jms.topic.B7.data", "jms.topic.B7.management"]);
    handle.shutdown().await.unwrap();
}
