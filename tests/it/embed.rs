//! Embedding: the host pushes frames and receives readings, on its own tokio runtime.

use std::sync::Arc;

use passerelle::message::{Frame, FrameOutcome, Stage, Value};

use crate::harness;

fn frame(device: &str, devicetype: &str, hex: &str) -> Frame {
    let payload =
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect();
    Frame {
        device: Arc::from(device),
        devicetype: Arc::from(devicetype),
        port: 85,
        payload,
        received_ms: 1_700_000_000_000,
        connector: Arc::from("host"),
        firmware: None,
    }
}

/// The example config `examples/embedded.ron`, with plugins from the repository and the
/// database in `dir`, started.
async fn start_embedded(dir: &std::path::Path) -> passerelle::Handle {
    let text = std::fs::read_to_string(harness::root().join("examples/embedded.ron"))
        .unwrap()
        .replace("../plugins/dist/", &format!("{}/plugins/dist/", harness::root().display()));
    let mut config = passerelle::config::Config::parse(&text, "embedded.ron").unwrap();
    config.set_base_dir(dir);
    passerelle::Builder::new(config).start().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_host_pushes_frames_and_receives_readings() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start_embedded(dir.path()).await;
    let mut readings = handle.readings();

    let outcomes = handle
        .push(vec![frame("th", "em300-th", "0175320367c80004683c"), frame("x", "nope", "00")])
        .await
        .unwrap();
    assert_eq!(outcomes[0], FrameOutcome::Stored { readings: 3 });
    assert!(matches!(&outcomes[1], FrameOutcome::DeadLettered { stage: Stage::Route, .. }));

    let batch = readings.recv().await.unwrap();
    let temperature = batch.iter().find(|r| &*r.name == "temperature").unwrap();
    assert_eq!((temperature.value.clone(), temperature.unit.as_deref()), (Value::Number(20.0), Some("Cel")));
    assert_eq!(temperature.time_ms, 1_700_000_000_000);
    assert_eq!(&*temperature.device, "th");
    handle.shutdown().await.unwrap();
    assert!(dir.path().join("embedded.db").exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_embed_axum_example_serves_frames_over_its_own_http() {
    let dir = tempfile::tempdir().unwrap();
    let handle = start_embedded(dir.path()).await;
    let app = passerelle_examples::axum_app::App::new(handle);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(axum::serve(listener, app.clone().router()).into_future());

    let client = reqwest::Client::new();
    let res = client
        .post(format!("http://{addr}/frames/ers-co2/room-12?port=1"))
        .body("0100e202290400270506060308")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let outcomes: serde_json::Value = res.json().await.unwrap();
    assert_eq!(outcomes[0]["readings"], 5, "{outcomes}");
    let bad = client.post(format!("http://{addr}/frames/ers-co2/room-12")).body("0G").send().await.unwrap();
    assert_eq!(bad.status(), 400);

    // The tap is asynchronous: wait (bounded) for the readings to show in /latest.
    let mut latest = serde_json::Value::Null;
    for _ in 0..50 {
        latest = client.get(format!("http://{addr}/latest")).send().await.unwrap().json().await.unwrap();
        if latest.as_array().is_some_and(|a| a.len() == 5) {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let co2 = latest.as_array().unwrap().iter().find(|r| r["name"] == "co2").unwrap();
    assert_eq!(co2["device"], "room-12");
    assert_eq!(co2["unit"], "ppm");
    server.abort();
    app.shutdown().await.unwrap();
}
