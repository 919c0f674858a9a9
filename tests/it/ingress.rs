//! The HTTP push listener facing hostile or careless senders: slow-loris heads and bodies, too
//! many connections, bodies over the limit (chunked or declared), HTTPS with a certificate
//! renewed while it runs, and two tokens accepted at once for a rotation.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use passerelle::Builder;
use passerelle::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::rustls;
use tokio_rustls::rustls::pki_types::{CertificateDer, ServerName, pem::PemObject};

use crate::harness::mosquitto::make_certificates;
use crate::harness::{self, TOKEN, envelope, post};

const PAYLOAD: &str = "0175320367c80004683c";
const TS: &str = "2026-11-22T08:00:00.000Z";

/// The standard config with `extra` settings on the push transport.
fn with_transport(extra: &str) -> String {
    let text = harness::standard_config().replace(
        r#"http_push(listen: "127.0.0.1:0", token_env: "IT_TOKEN")"#,
        &format!(r#"http_push(listen: "127.0.0.1:0", token_env: "IT_TOKEN", {extra})"#),
    );
    assert!(text.contains(extra), "{text}");
    text
}

/// Reads what the server sends until it closes the connection (or `within` passes).
async fn read_until_closed(stream: &mut (impl AsyncReadExt + Unpin), within: Duration) -> Option<String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + within;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Err(_) => return None,
            Ok(Ok(0) | Err(_)) => return Some(String::from_utf8_lossy(&out).into_owned()),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

fn request_head(length: &str) -> String {
    format!(
        "POST / HTTP/1.1\r\nhost: x\r\nauthorization: Basic {TOKEN}\r\ncontent-type: application/json\r\n{length}\r\n"
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_senders_are_cut_off_while_the_others_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let rt =
        harness::start_in(&with_transport("header_timeout_ms: 400, body_timeout_ms: 400"), dir.path()).await;
    let addr = rt.handle.local_addr("energisme").unwrap();
    // A head sent a byte at a time, never finished.
    let mut loris = TcpStream::connect(addr).await.unwrap();
    loris.write_all(b"POST / HTTP/1.1\r\nhost: x\r\n").await.unwrap();
    // A body that never comes whole.
    let mut slow_body = TcpStream::connect(addr).await.unwrap();
    slow_body.write_all(request_head("content-length: 200\r\n").as_bytes()).await.unwrap();
    slow_body.write_all(b"{\"timestamp\":").await.unwrap();
    // Meanwhile an honest sender is served.
    let e = envelope("honest", "em300-th", PAYLOAD, 85, TS);
    assert_eq!(post(&rt.url, &e).await.0, 200);
    let start = Instant::now();
    let closed = read_until_closed(&mut loris, Duration::from_secs(10)).await;
    assert!(closed.is_some(), "a half-sent head holds the connection past the header timeout");
    assert!(start.elapsed() < Duration::from_secs(10));
    let answer = read_until_closed(&mut slow_body, Duration::from_secs(10)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains("body not received within 400 ms"), "{answer}");
    // An idle keep-alive connection is closed too.
    let mut idle = TcpStream::connect(addr).await.unwrap();
    assert!(read_until_closed(&mut idle, Duration::from_secs(10)).await.is_some());
    let metrics = rt.handle.metrics().render();
    assert!(
        metrics.contains(r#"passerelle_ingress_refused_total{connector="energisme",transport="http_push",limit="body_time"} 1"#),
        "{metrics}"
    );
    assert_eq!(rt.readings().len(), 3, "only the honest frame is stored");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_beyond_the_cap_get_503_and_a_freed_slot_serves_again() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&with_transport("max_connections: 2"), dir.path()).await;
    let addr = rt.handle.local_addr("energisme").unwrap();
    let first = TcpStream::connect(addr).await.unwrap();
    let _second = TcpStream::connect(addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut third = TcpStream::connect(addr).await.unwrap();
    let answer = read_until_closed(&mut third, Duration::from_secs(10)).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 503") && answer.contains("retry-after: 1"), "{answer}");
    assert!(answer.contains("too many connections at once"), "{answer}");
    drop(first);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let e = envelope("after", "em300-th", PAYLOAD, 85, TS);
    assert_eq!(post(&rt.url, &e).await.0, 200);
    let metrics = rt.handle.metrics().render();
    assert!(metrics.contains(r#"limit="connections"} 1"#), "{metrics}");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_over_the_limit_get_413_declared_or_chunked() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&with_transport("max_body_bytes: 1024"), dir.path()).await;
    let addr = rt.handle.local_addr("energisme").unwrap();
    // Declared: answered at once, nothing read.
    let big = vec![b' '; 4096];
    let (status, body) = harness::post_raw(&rt.url, big, Some(TOKEN)).await;
    assert_eq!(status, 413, "{body}");
    assert_eq!(body["error"], "body larger than 1024 bytes");
    // Chunked: read and dropped past the limit, then answered (no reset).
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.write_all(request_head("transfer-encoding: chunked\r\n").as_bytes()).await.unwrap();
    for _ in 0..8 {
        s.write_all(format!("200\r\n{}\r\n", " ".repeat(512)).as_bytes()).await.unwrap();
    }
    s.write_all(b"0\r\n\r\n").await.unwrap();
    let mut answer = vec![0u8; 1024];
    let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut answer)).await.unwrap().unwrap();
    let answer = String::from_utf8_lossy(&answer[..n]);
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
    // Within the limit still works.
    assert_eq!(post(&rt.url, &envelope("small", "em300-th", PAYLOAD, 85, TS)).await.0, 200);
    assert_eq!(rt.dead_letters().len(), 0, "a refused body is the sender's to send again");
    rt.handle.shutdown().await.unwrap();
}

/// A TLS client that trusts only the CA in `ca`.
fn client(ca: &Path) -> tokio_rustls::TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(ca).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
    tokio_rustls::TlsConnector::from(Arc::new(config))
}

/// Posts one envelope over HTTPS with `token`; the status line, or the TLS error.
async fn post_tls(
    addr: std::net::SocketAddr,
    ca: &Path,
    token: &str,
    device: &str,
) -> Result<String, String> {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let name = ServerName::try_from("127.0.0.1").unwrap();
    let mut tls = client(ca).connect(name, tcp).await.map_err(|e| e.to_string())?;
    let body = envelope(device, "em300-th", PAYLOAD, 85, TS).to_string();
    let request = format!(
        "POST / HTTP/1.1\r\nhost: x\r\nauthorization: bAsIc {token}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(request.as_bytes()).await.map_err(|e| e.to_string())?;
    let answer = read_until_closed(&mut tls, Duration::from_secs(20)).await.unwrap_or_default();
    Ok(answer.lines().next().unwrap_or_default().to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_serves_a_renewed_certificate_and_accepts_two_tokens_during_a_rotation() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    make_certificates(first.path());
    make_certificates(second.path());
    let (cert, key) = (dir.path().join("push.pem"), dir.path().join("push.key"));
    std::fs::copy(first.path().join("server.pem"), &cert).unwrap();
    std::fs::copy(first.path().join("server.key"), &key).unwrap();
    let text = with_transport(
        r#"more_token_envs: ["IT_NEXT_TOKEN"], tls: (cert_file: "push.pem", key_file: "push.key", reload_check_ms: 200)"#,
    );
    let config = Config::parse(&text, &dir.path().join("config.ron").display().to_string()).unwrap();
    let handle = Builder::new(config)
        .secret("IT_TOKEN", TOKEN)
        .secret("IT_NEXT_TOKEN", "next-token")
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let addr = handle.local_addr("energisme").unwrap();
    let (ca1, ca2) = (first.path().join("ca.pem"), second.path().join("ca.pem"));
    // Both tokens, the scheme in any case; a wrong one is refused.
    assert_eq!(post_tls(addr, &ca1, TOKEN, "a").await.unwrap(), "HTTP/1.1 200 OK");
    assert_eq!(post_tls(addr, &ca1, "next-token", "b").await.unwrap(), "HTTP/1.1 200 OK");
    assert_eq!(post_tls(addr, &ca1, "stale", "c").await.unwrap(), "HTTP/1.1 401 Unauthorized");
    // Plain HTTP on the TLS port gets nowhere.
    let plain = reqwest::Client::new().post(format!("http://{addr}/")).body("{}").send().await;
    assert!(plain.is_err() || plain.unwrap().status().as_u16() != 200);
    // The certificate is renewed (another CA) while the listener runs: served without a restart.
    std::fs::copy(second.path().join("server.key"), &key).unwrap();
    std::fs::copy(second.path().join("server.pem"), &cert).unwrap();
    let start = Instant::now();
    loop {
        if post_tls(addr, &ca2, TOKEN, "d").await.as_deref() == Ok("HTTP/1.1 200 OK") {
            break;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "the renewed certificate is never served");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let old = post_tls(addr, &ca1, TOKEN, "e").await;
    assert!(old.as_ref().is_err_and(|e| e.contains("certificate")), "{old:?}");
    // A broken renewal (a key of another pair) keeps the certificate in force.
    std::fs::copy(first.path().join("server.key"), &key).unwrap();
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(post_tls(addr, &ca2, TOKEN, "f").await.unwrap(), "HTTP/1.1 200 OK");
    let rows = passerelle::sink::sqlite::read_readings(&dir.path().join("passerelle.db")).unwrap();
    let mut devices: Vec<_> = rows.iter().map(|r| r.device.clone()).collect();
    devices.dedup();
    assert_eq!(devices, ["a", "b", "d", "f"]);
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_bodies_get_clear_4xx_while_an_honest_sender_keeps_being_served() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    // An honest sender, all along.
    let url = rt.url.clone();
    let honest = tokio::spawn(async move {
        let mut served = 0;
        for i in 0..40 {
            let ts = format!("2026-11-22T09:{:02}:{:02}.000Z", i / 60, i % 60);
            let (status, body) = post(&url, &envelope("honest", "em300-th", PAYLOAD, 85, &ts)).await;
            assert_eq!(status, 200, "{body}");
            served += 1;
        }
        served
    });
    let one = envelope("flood", "em300-th", PAYLOAD, 85, TS).to_string();
    let batch = |n: usize| format!("[{}]", vec![one.as_str(); n].join(",")).into_bytes();
    let too_large =
        format!("body larger than {} bytes", passerelle::transport::http_push::DEFAULT_MAX_BODY_BYTES);
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("deeply nested JSON", "[".repeat(100_000).into_bytes(), 400, "recursion limit"),
        ("invalid UTF-8", b"{\"deviceid\": \"\xff\xfe\"}".to_vec(), 400, "not JSON"),
        ("a number", b"12345678901234567890".to_vec(), 400, "an envelope object or an array"),
        ("100,000 envelopes", batch(100_000), 413, &too_large),
        ("20,000 envelopes", batch(20_000), 422, "more than 10000 envelopes"),
        (
            "a huge array of nulls",
            format!("[{}]", vec!["null"; 500_000].join(",")).into_bytes(),
            422,
            "smaller batches",
        ),
    ];
    for (what, body, status, words) in cases {
        let (got, answer) = harness::post_raw(&rt.url, body, Some(TOKEN)).await;
        assert_eq!(got, status, "{what}: {answer}");
        assert!(answer["error"].as_str().unwrap_or_default().contains(words), "{what}: {answer}");
    }
    assert_eq!(honest.await.unwrap(), 40);
    // Refused bodies are dead-lettered whole, with their bytes; a sender that retries the same
    // refused body does not add a copy per retry.
    let before = rt.dead_letters().len();
    assert_eq!(
        before,
        5,
        "the 413 is the listener's, before any connector: {:?}",
        rt.dead_letters().iter().map(|d| &d.error).collect::<Vec<_>>()
    );
    for _ in 0..3 {
        assert_eq!(harness::post_raw(&rt.url, b"{oops".to_vec(), Some(TOKEN)).await.0, 400);
    }
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), before + 1, "one copy of a body refused three times");
    assert!(dead.iter().any(|d| d.payload == b"{oops"), "the original bytes are kept");
    assert_eq!(rt.readings().iter().filter(|r| r.device == "flood").count(), 0);
    rt.handle.shutdown().await.unwrap();
}
