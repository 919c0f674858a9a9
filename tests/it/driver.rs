//! The connector driver: ticks on the runtime's clock, requests executed by the HTTP client or
//! by the transport and answered by id, time-outs, live subscriptions. The connector is the
//! test plugin `plugins/testing/poller`; the peers are a real HTTP server on loopback and a
//! real Mosquitto.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use axum::routing::get;
use passerelle::Builder;
use passerelle::component::Clock;
use passerelle::config::Config;
use passerelle::message::Value;
use passerelle::sink::sqlite::{ReadingRow, read_dead_letters, read_readings};

use crate::harness::mosquitto::Mosquitto;
use crate::harness::{self};

/// The first time the test clock gives (1 January 1970, plus a bit: no system clock gives it).
const T0: i64 = 1_000_000;

/// A clock that moves one second each time it is read.
#[derive(Debug, Default)]
struct SteppingClock(AtomicI64);

impl Clock for SteppingClock {
    fn now_ms(&self) -> i64 {
        T0 + self.0.fetch_add(1_000, Ordering::SeqCst)
    }
}

/// Serves `GET /v` with `{"power": n}`, n counting the requests from 1, on a free port.
async fn counting_server() -> (String, Arc<AtomicU64>) {
    let served = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&served);
    let app = axum::Router::new().route(
        "/v",
        get(move || {
            let n = count.fetch_add(1, Ordering::SeqCst) + 1;
            async move { axum::Json(serde_json::json!({"power": n, "label": "not a number"})) }
        }),
    );
    (serve(app).await, served)
}

async fn serve(app: axum::Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

fn poller_config(connectors: &str) -> String {
    format!(
        r#"(
    connectors: {{ {connectors} }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
)"#
    )
}

fn poller(name: &str, transport: &str, settings: &str) -> String {
    format!(
        r#""{name}": (transport: {transport}, plugin: "{plugin}", settings: {{ {settings} }}, tick_ms: 20,
                      request_timeout_ms: 2000, sinks: ["db"]),"#,
        plugin = harness::plugin("testing_poller"),
    )
}

async fn start(text: &str, dir: &std::path::Path, clock: Arc<dyn Clock>) -> passerelle::Handle {
    let config = Config::parse(text, &dir.join("config.ron").display().to_string()).unwrap();
    Builder::new(config).clock(clock).start().await.unwrap_or_else(|e| panic!("{e:#}"))
}

fn readings(dir: &std::path::Path) -> Vec<ReadingRow> {
    read_readings(&dir.join("passerelle.db")).unwrap_or_default()
}

async fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_polls_an_http_endpoint_on_each_tick_of_the_runtime_clock() {
    let (url, served) = counting_server().await;
    let dir = tempfile::tempdir().unwrap();
    let settings = format!(r#""url": "{url}/v", "device": "meter-1""#);
    let text = poller_config(&poller("poll", "embedded()", &settings));
    let handle = start(&text, dir.path(), Arc::new(SteppingClock::default())).await;
    wait_until("five polled readings", || readings(dir.path()).len() >= 5).await;
    handle.shutdown().await.unwrap();

    let rows: Vec<ReadingRow> = readings(dir.path()).into_iter().filter(|r| r.name != "seq").collect();
    // Each answer became one reading (the text member is not a number), at the time the tick
    // that sent its request read from the injected clock: whole seconds after T0.
    assert!(rows.iter().all(|r| r.device == "meter-1" && r.name == "power"), "{rows:?}");
    let mut values: Vec<u64> = rows
        .iter()
        .map(|r| match r.value {
            Value::Number(n) => n as u64,
            ref v => panic!("{v:?}"),
        })
        .collect();
    assert!(rows.iter().all(|r| r.time_ms >= T0 && (r.time_ms - T0) % 1_000 == 0), "{rows:?}");
    // One request at a time, each answered by id: values 1, 2, 3, ... in time order, none twice.
    let by_time: Vec<u64> = values.clone();
    values.sort_unstable();
    values.dedup();
    assert_eq!(values.len(), rows.len(), "a value stored twice: {rows:?}");
    assert_eq!(by_time, values, "answers out of order: {rows:?}");
    assert_eq!(values.first(), Some(&1));
    assert!(served.load(Ordering::SeqCst) >= rows.len() as u64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_a_connector_saves_comes_back_after_a_restart_and_a_null_member_is_dead_lettered() {
    let app = axum::Router::new()
        .route("/v", get(|| async { axum::Json(serde_json::json!({"power": 1, "broken": null})) }));
    let url = serve(app).await;
    let dir = tempfile::tempdir().unwrap();
    let text = poller_config(&poller("keep", "embedded()", &format!(r#""url": "{url}/v", "device": "k""#)));
    // One clock for both runs: the second run's polls come later than the first's.
    let clock: Arc<dyn Clock> = Arc::new(SteppingClock::default());
    let counts = || -> Vec<u64> {
        let mut rows: Vec<ReadingRow> =
            readings(dir.path()).into_iter().filter(|r| r.name == "seq").collect();
        rows.sort_by_key(|r| r.time_ms);
        rows.iter()
            .map(|r| match r.value {
                Value::Number(n) => n as u64,
                ref v => panic!("{v:?}"),
            })
            .collect()
    };

    let handle = start(&text, dir.path(), Arc::clone(&clock)).await;
    wait_until("three polls", || counts().len() >= 3).await;
    handle.shutdown().await.unwrap();
    let first = counts();
    let file = dir.path().join("state/keep.json");
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
    let last = first.last().unwrap().to_string();
    assert_eq!(saved["entries"]["seq"]["text"], serde_json::Value::String(last), "{saved}");

    let handle = start(&text, dir.path(), Arc::clone(&clock)).await;
    wait_until("two more polls", || counts().len() >= first.len() + 2).await;
    handle.shutdown().await.unwrap();
    // The count went on from what was saved after the last commit: no gap, none twice.
    let all = counts();
    assert_eq!(all, (1..=all.len() as u64).collect::<Vec<_>>());

    // Each poll's null member is in the dead letter with its bytes; the rest of it was stored.
    let dead = read_dead_letters(&dir.path().join("passerelle.db")).unwrap();
    assert_eq!(dead.len(), all.len(), "{dead:?}");
    for d in &dead {
        assert_eq!((d.device.as_str(), d.stage.as_str()), ("k.broken", "connector"));
        assert_eq!(d.payload, br#"{"broken":null}"#.to_vec());
        assert!(d.error.contains(r#"member "broken" is null"#), "{}", d.error);
    }
    assert_eq!(readings(dir.path()).iter().filter(|r| r.name == "power").count(), all.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_corrupt_state_file_refuses_to_start_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("state")).unwrap();
    std::fs::write(dir.path().join("state/keep.json"), b"{ not json").unwrap();
    let text = poller_config(&poller("keep", "embedded()", r#""device": "k""#));
    let config = Config::parse(&text, &dir.path().join("config.ron").display().to_string()).unwrap();
    let err = Builder::new(config).start().await.unwrap_err();
    let mut message = err.to_string();
    let mut source = std::error::Error::source(&err);
    while let Some(s) = source {
        message = format!("{message}: {s}");
        source = s.source();
    }
    assert!(message.starts_with("connector keep: saved state unusable: "), "{message}");
    assert!(message.contains("keep.json is corrupt"), "{message}");
    assert!(matches!(err, passerelle::Error::State { .. }), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_without_an_answer_comes_back_as_a_timeout_and_a_closed_port_as_unreachable() {
    let slow = axum::Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_secs(5)).await;
            "too late"
        }),
    );
    let url = serve(slow).await;
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap()
    };
    let dir = tempfile::tempdir().unwrap();
    let connectors =
        poller(
            "slow",
            "embedded()",
            &format!(r#""url": "{url}/slow", "device": "slow", "timeout_ms": "150""#),
        ) + &poller("gone", "embedded()", &format!(r#""url": "http://{closed}/v", "device": "gone""#));
    let handle = start(&poller_config(&connectors), dir.path(), Arc::new(SteppingClock::default())).await;
    let error_of = |device: &str| {
        readings(dir.path())
            .into_iter()
            .find(|r| r.device == device && r.name == "request_error")
            .map(|r| r.value)
    };
    wait_until("both request errors", || error_of("slow").is_some() && error_of("gone").is_some()).await;
    assert_eq!(error_of("slow"), Some(Value::Text("timeout after 150 ms".into())));
    assert!(matches!(error_of("gone"), Some(Value::Text(t)) if t.starts_with("unreachable: ")));
    let metrics = handle.metrics().render();
    assert!(
        metrics.contains(r#"passerelle_connector_requests_total{connector="slow",outcome="timeout"}"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"passerelle_connector_ticks_total{connector="gone"}"#), "{metrics}");
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_subscription_asked_for_after_start_is_added_live_and_a_request_to_a_topic_is_published() {
    let broker = Mosquitto::start();
    // The HTTP answer asks for a subscription the plugin did not make at start.
    let app = axum::Router::new()
        .route("/v", get(|| async { axum::Json(serde_json::json!({"subscribe": "late/topic"})) }));
    let url = serve(app).await;
    let dir = tempfile::tempdir().unwrap();
    let mqtt = format!(
        r#"mqtt(host: "127.0.0.1", port: {}, client_id: "it-driver", reconnect_min_ms: 50)"#,
        broker.port
    );
    let commands = format!(
        r#"mqtt(host: "127.0.0.1", port: {}, client_id: "it-driver-cmd", reconnect_min_ms: 50)"#,
        broker.port
    );
    let connectors =
        poller("live", &mqtt, &format!(r#""url": "{url}/v", "topic": "early/topic", "device": "d""#))
            + &poller("cmd", &commands, r#""url": "cmd/out", "topic": "cmd/in", "device": "c""#);
    // A subscriber on the topic the second connector's requests are published to.
    let sub = broker.subscribe("it-driver-sub", "cmd/out", 1).await;
    let handle = start(&poller_config(&connectors), dir.path(), Arc::new(SteppingClock::default())).await;
    broker.wait_for_log("Sending SUBACK to it-driver", Duration::from_secs(10)).await;
    // The live subscription reaches the broker once the first poll is answered.
    broker.wait_for_log("it-driver 1 late/topic", Duration::from_secs(10)).await;
    broker.publish(&[("late/topic", r#"{"x": 5}"#.to_string())]);
    wait_until("the message on the live subscription", || readings(dir.path()).iter().any(|r| r.name == "x"))
        .await;
    let x = readings(dir.path()).into_iter().find(|r| r.name == "x").unwrap();
    assert_eq!((x.device.as_str(), x.value), ("d", Value::Number(5.0)));
    // The request to a topic went out through the MQTT transport.
    let out = tokio::task::spawn_blocking(move || sub.wait_with_output().unwrap()).await.unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("cmd/out"), "{out:?}");
    handle.shutdown().await.unwrap();
}

/// An HTTPS server on loopback with the certificate of `dir` (made for one name): every request
/// is answered `{"power": 7}`.
async fn https_server(dir: &std::path::Path) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio_rustls::rustls;
    use tokio_rustls::rustls::pki_types::pem::PemObject;
    use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let chain: Vec<CertificateDer<'static>> =
        CertificateDer::pem_file_iter(dir.join("server.pem")).unwrap().collect::<Result<_, _>>().unwrap();
    let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(chain, key)
        .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else { return };
                let mut request = Vec::new();
                let mut buf = [0_u8; 1024];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let body = r#"{"power": 7}"#;
                let answer = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                    body.len()
                );
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    format!("https://{addr}")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_polls_over_https_with_its_own_ca_and_server_name() {
    let certs = tempfile::tempdir().unwrap();
    crate::harness::mosquitto::make_certificates_for(certs.path(), "DNS:api.vendor.test");
    let url = https_server(certs.path()).await;
    let dir = tempfile::tempdir().unwrap();
    let plugin = harness::plugin("testing_poller");
    let ca = certs.path().join("ca.pem");
    let text = poller_config(&format!(
        r#""trusted": (transport: embedded(), plugin: "{plugin}", tick_ms: 20, sinks: ["db"],
                       settings: {{ "url": "{url}/v", "device": "trusted" }},
                       tls: (ca_file: "{ca}", server_name: "api.vendor.test")),
           "system": (transport: embedded(), plugin: "{plugin}", tick_ms: 20, sinks: ["db"],
                      settings: {{ "url": "{url}/v", "device": "system" }}),"#,
        ca = ca.display(),
    ));
    let handle = start(&text, dir.path(), Arc::new(SteppingClock::default())).await;
    let find = |device: &str, name: &str| {
        readings(dir.path()).into_iter().find(|r| r.device == device && r.name == name).map(|r| r.value)
    };
    wait_until("an answer over https, and a refusal", || {
        find("trusted", "power").is_some() && find("system", "request_error").is_some()
    })
    .await;
    // The connector's own CA and server name verify the server at 127.0.0.1; the runtime's
    // client (the system's roots) does not know the test CA.
    assert_eq!(find("trusted", "power"), Some(Value::Number(7.0)));
    assert!(find("trusted", "request_error").is_none());
    assert!(
        matches!(find("system", "request_error"), Some(Value::Text(t)) if t.starts_with("unreachable: "))
    );
    handle.shutdown().await.unwrap();
}
