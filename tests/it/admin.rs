//! The operator view: status and Prometheus metrics over HTTP, token protected.

use crate::harness::{self, ADMIN_TOKEN, envelope, post};

async fn get(url: &str, token: Option<&str>) -> (u16, String) {
    let mut req = reqwest::Client::new().get(url);
    if let Some(t) = token {
        req = req.header("authorization", format!("Bearer {t}"));
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

fn value(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|l| l.strip_prefix(series)?.trim().parse().ok())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_and_metrics_count_what_happened() {
    let dir = tempfile::tempdir().unwrap();
    let text = harness::standard_config().replace(
        "dead_letter: \"db\",",
        "dead_letter: \"db\", admin: (listen: \"127.0.0.1:0\", token_env: \"IT_ADMIN\"),",
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let admin = format!("http://{}", rt.handle.admin_addr().unwrap());

    let body = serde_json::json!([
        envelope("a", "em300-th", "0175320367c80004683c", 85, "2026-11-22T12:00:00Z"),
        envelope("b", "em300-th", "0175", 85, "2026-11-22T12:00:00Z"),
        envelope("c", "nope", "00", 85, "2026-11-22T12:00:00Z"),
    ]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    assert_eq!(post(&rt.url, &serde_json::json!({"deviceid": 1})).await.0, 400);

    assert_eq!(get(&format!("{admin}/metrics"), None).await.0, 401);
    assert_eq!(get(&format!("{admin}/metrics"), Some("wrong")).await.0, 401);
    let (code, m) = get(&format!("{admin}/metrics"), Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200);
    assert_eq!(value(&m, "passerelle_frames_in_total{connector=\"energisme\"}"), Some(3.0), "{m}");
    assert_eq!(value(&m, "passerelle_inbound_total{connector=\"energisme\",class=\"ok\"}"), Some(1.0), "{m}");
    assert_eq!(
        value(&m, "passerelle_inbound_total{connector=\"energisme\",class=\"refused\"}"),
        Some(1.0),
        "{m}"
    );
    assert_eq!(value(&m, "passerelle_decoder_frames_total{decoder=\"milesight\"}"), Some(2.0), "{m}");
    assert_eq!(value(&m, "passerelle_decoder_readings_total{decoder=\"milesight\"}"), Some(3.0), "{m}");
    assert_eq!(value(&m, "passerelle_decode_errors_total{decoder=\"milesight\"}"), Some(1.0), "{m}");
    assert_eq!(value(&m, "passerelle_dead_letters_total{stage=\"route\"}"), Some(1.0), "{m}");
    assert_eq!(value(&m, "passerelle_dead_letters_total{stage=\"decode\"}"), Some(1.0), "{m}");
    assert_eq!(value(&m, "passerelle_dead_letters_total{stage=\"connector\"}"), Some(1.0), "{m}");
    assert_eq!(value(&m, "passerelle_decode_call_seconds_count{decoder=\"milesight\"}"), Some(1.0), "{m}");
    assert!(m.contains("# TYPE passerelle_decode_call_seconds histogram"));

    let (code, s) = get(&format!("{admin}/status"), Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200);
    let s: serde_json::Value = serde_json::from_str(&s).unwrap();
    let names: Vec<&str> =
        s["decoders"].as_array().unwrap().iter().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["elsys", "milesight"]);
    assert!(s["decoders"][1]["plugin"].as_str().unwrap().starts_with("milesight@"));
    assert_eq!(
        s["connectors"][0]["listen"].as_str(),
        rt.handle.local_addr("energisme").map(|a| a.to_string()).as_deref()
    );

    let client = reqwest::Client::new();
    let reload = client
        .post(format!("{admin}/decoders/milesight/reload"))
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(reload.status(), 200);
    assert_eq!(reload.json::<serde_json::Value>().await.unwrap()["unchanged"], true);
    let rollback = client
        .post(format!("{admin}/decoders/milesight/rollback"))
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(rollback.status(), 409, "no previous version to roll back to");
    rt.handle.shutdown().await.unwrap();
}

#[test]
fn an_admin_endpoint_off_loopback_is_a_config_error() {
    let text = r#"(sinks: { "db": sqlite(path: "x.db") }, dead_letter: "db",
                   admin: (listen: "0.0.0.0:9180", token_env: "T"))"#;
    let config = passerelle::config::Config::parse(text, "admin.ron").unwrap();
    let errors = config.validate().unwrap_err();
    assert!(errors.0[0].message.contains("not a loopback address"), "{errors}");
}
