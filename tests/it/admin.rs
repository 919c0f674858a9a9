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
    // Per devicetype: which device model fails.
    let em300 = "{decoder=\"milesight\",devicetype=\"em300-th\"}";
    assert_eq!(value(&m, &format!("passerelle_devicetype_frames_total{em300}")), Some(2.0), "{m}");
    assert_eq!(value(&m, &format!("passerelle_devicetype_readings_total{em300}")), Some(3.0), "{m}");
    assert_eq!(value(&m, &format!("passerelle_devicetype_decode_errors_total{em300}")), Some(1.0), "{m}");
    assert_eq!(value(&m, &format!("passerelle_devicetype_plugin_errors_total{em300}")), Some(0.0), "{m}");
    assert_eq!(value(&m, &format!("passerelle_devicetype_decode_seconds_count{em300}")), Some(2.0), "{m}");
    assert!(!m.contains("devicetype=\"nope\""), "an unrouted devicetype makes no series: {m}");
    assert!(m.contains("# TYPE passerelle_decode_call_seconds histogram"));
    // Typed events of the transport and the sink, counted under the same labels.
    let connected = "passerelle_transport_connected_total{connector=\"energisme\",transport=\"http_push\"}";
    assert_eq!(value(&m, connected), Some(1.0), "{m}");
    let commits = value(&m, "passerelle_sink_commits_total{sink=\"db\",kind=\"sqlite\"}").unwrap_or(0.0);
    assert!(commits >= 2.0, "readings and dead letters committed: {m}");
    let timed = "passerelle_sink_commit_seconds_count{sink=\"db\",kind=\"sqlite\"}";
    assert_eq!(value(&m, timed), Some(commits), "{m}");
    assert_eq!(value(&m, "passerelle_sink_commit_failures_total{sink=\"db\",kind=\"sqlite\"}"), Some(0.0));

    let (code, s) = get(&format!("{admin}/status"), Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200);
    let s: serde_json::Value = serde_json::from_str(&s).unwrap();
    let names: Vec<&str> =
        s["decoders"].as_array().unwrap().iter().filter_map(|d| d["name"].as_str()).collect();
    assert_eq!(names, ["elsys", "milesight"]);
    assert!(s["decoders"][1]["plugin"].as_str().unwrap().starts_with("milesight@"));
    let per_devicetype = &s["decoders"][1]["devicetypes"];
    assert_eq!(per_devicetype.as_array().map(Vec::len), Some(1), "{per_devicetype}");
    assert_eq!(per_devicetype[0]["devicetype"], "em300-th");
    assert_eq!(
        (&per_devicetype[0]["frames"], &per_devicetype[0]["readings"], &per_devicetype[0]["decode_errors"]),
        (&serde_json::json!(2), &serde_json::json!(3), &serde_json::json!(1))
    );
    assert_eq!(s["decoders"][0]["devicetypes"], serde_json::json!([]), "elsys was given nothing");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_runtime_reloads_its_own_config_file_on_request() {
    let dir = tempfile::tempdir().unwrap();
    let with_admin = |text: String| {
        text.replace(
            "dead_letter: \"db\",",
            "dead_letter: \"db\", admin: (listen: \"127.0.0.1:0\", token_env: \"IT_ADMIN\"),",
        )
    };
    let milesight = format!(r#""milesight": (plugin: "{}")"#, harness::plugin("milesight"));
    let before = with_admin(harness::config(
        &milesight,
        r#"(devicetype: "em300-th", decoder: "milesight", sinks: ["db"])"#,
    ));
    let path = dir.path().join("config.ron");
    std::fs::write(&path, &before).unwrap();
    // An embedding host that never looks at reload requests: the runtime answers them itself.
    let handle = passerelle::Builder::from_file(&path)
        .unwrap()
        .secret("IT_TOKEN", harness::TOKEN)
        .secret("IT_ADMIN", ADMIN_TOKEN)
        .start()
        .await
        .unwrap();
    let admin = format!("http://{}", handle.admin_addr().unwrap());
    let after = with_admin(harness::config(
        &format!(r#"{milesight}, "elsys": (plugin: "{}")"#, harness::plugin("elsys")),
        r#"(devicetype: "em300-th", decoder: "milesight", sinks: ["db"]),
           (devicetype: "ers-co2", decoder: "elsys", sinks: ["db"])"#,
    ));
    std::fs::write(&path, &after).unwrap();
    let answer = reqwest::Client::new()
        .post(format!("{admin}/config/reload"))
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let report: serde_json::Value = answer.json().await.unwrap();
    assert_eq!(report["decoders_added"], serde_json::json!(["elsys"]), "{report}");
    assert_eq!(report["routes"], 2, "{report}");
    assert_eq!(handle.decoders().len(), 2);
    // A broken file is refused whole, with its errors, and the running config stays.
    std::fs::write(&path, "(oops").unwrap();
    let refused = reqwest::Client::new()
        .post(format!("{admin}/config/reload"))
        .header("authorization", format!("Bearer {ADMIN_TOKEN}"))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 409);
    assert!(refused.text().await.unwrap().contains("config.ron"));
    assert_eq!(handle.decoders().len(), 2);
    handle.shutdown().await.unwrap();
}
