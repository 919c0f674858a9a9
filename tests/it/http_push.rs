//! Energisme HTTP push, end to end over real HTTP into SQLite.

use passerelle::message::Value;

use crate::harness::{self, envelope, post, post_raw};

const TS: &str = "2026-11-22T08:00:00.000Z";
const TS_MS: i64 = 1_795_334_400_000;

fn num(
    rows: &[passerelle::sink::sqlite::ReadingRow],
    device: &str,
    name: &str,
) -> Option<(f64, Option<String>, i64)> {
    rows.iter().find(|r| r.device == device && r.name == name).and_then(|r| match r.value {
        Value::Number(n) => Some((n, r.unit.clone(), r.time_ms)),
        _ => None,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn round_trip_into_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    let (status, body) = post(&rt.url, &envelope("dev-1", "em300-th", "0175320367c80004683c", 1, TS)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stored"], 1, "{body}");
    assert_eq!(body["outcomes"][0]["readings"], 3, "{body}");
    // The 2xx came after the commit: the rows are there now.
    let rows = rt.readings();
    assert_eq!(rows.len(), 3);
    assert_eq!(num(&rows, "dev-1", "temperature"), Some((20.0, Some("Cel".into()), TS_MS)));
    assert_eq!(num(&rows, "dev-1", "humidity"), Some((30.0, Some("%RH".into()), TS_MS)));
    assert_eq!(num(&rows, "dev-1", "battery"), Some((50.0, Some("%".into()), TS_MS)));
    assert!(rt.dead_letters().is_empty());
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_array_of_envelopes_mixes_vendors() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    let body = serde_json::json!([
        envelope("a", "em300-th", "0175320367c80004683c", 85, TS),
        envelope("b", "ers-co2", "0100e202290400270506060308", 1, TS),
        envelope(
            "c",
            "am319",
            "0367340104686505000106cb02077da803087d2500097366270a7d04000b7d20000c7d3000",
            85,
            TS
        ),
    ]);
    let (status, body) = post(&rt.url, &body).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stored"], 3, "{body}");
    let rows = rt.readings();
    assert_eq!(num(&rows, "b", "co2"), Some((776.0, Some("ppm".into()), TS_MS)));
    assert!(rows.iter().any(|r| r.device == "c" && r.name == "pm2.5"));
    assert!(
        rows.iter()
            .any(|r| r.device == "c" && r.name == "activity" && r.value == Value::Text("trigger".into()))
    );
    assert_eq!(rows.len(), 3 + 5 + 10);
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_frame_twice_stores_one_set_of_rows() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    let good = envelope("dup", "em300-th", "0175320367c80004683c", 85, TS);
    let bad = envelope("dup", "em300-th", "01753203", 85, TS);
    for _ in 0..2 {
        assert_eq!(post(&rt.url, &good).await.0, 200);
        assert_eq!(post(&rt.url, &bad).await.0, 200);
    }
    assert_eq!(rt.readings().len(), 3);
    assert_eq!(rt.dead_letters().len(), 1, "a redelivered bad frame is dead-lettered once");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_between_commit_and_response_redelivers_without_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let frame = envelope("crash", "em300-th", "0175320367c80004683c", 85, TS);
    {
        let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
        // The first process commits but its answer never reaches the sender: the runtime is
        // dropped without a clean shutdown right after the commit.
        let mut readings = rt.handle.readings();
        let url = rt.url.clone();
        let sender = tokio::spawn(async move {
            let _ = reqwest::Client::new()
                .post(&url)
                .header("authorization", format!("Basic {}", harness::TOKEN))
                .json(&frame)
                .send()
                .await;
        });
        let batch = readings.recv().await.unwrap();
        assert_eq!(batch.len(), 3, "committed before the crash");
        drop(rt);
        sender.abort();
    }
    // The sender saw no 2xx, so it redelivers to the restarted runtime on the same database.
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    let frame = envelope("crash", "em300-th", "0175320367c80004683c", 85, TS);
    let (status, body) = post(&rt.url, &frame).await;
    assert_eq!(status, 200, "{body}");
    let rows = rt.readings();
    assert_eq!(rows.len(), 3, "no duplicate rows after redelivery: {rows:?}");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_gets_401_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    let body = envelope("x", "em300-th", "0175320367c80004683c", 85, TS).to_string().into_bytes();
    assert_eq!(post_raw(&rt.url, body.clone(), Some("wrong")).await.0, 401);
    assert_eq!(post_raw(&rt.url, body, None).await.0, 401);
    assert!(rt.readings().is_empty());
    assert!(rt.dead_letters().is_empty());
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_json_and_hex_get_400_naming_the_field_and_are_dead_lettered() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    let (status, body) = post_raw(&rt.url, b"{\"deviceid\": ".to_vec(), Some(harness::TOKEN)).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("not JSON"), "{body}");

    let bad_hex = serde_json::json!([
        envelope("ok", "em300-th", "0175320367c80004683c", 85, TS),
        envelope("x", "em300-th", "01ZZ", 85, TS),
    ]);
    let (status, body) = post(&rt.url, &bad_hex).await;
    assert_eq!(status, 400);
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("envelope 1") && error.contains("payload"), "{error}");

    let no_time = serde_json::json!({"deviceid": "x", "payload": "00", "devicetype": "em300-th"});
    let (status, body) = post(&rt.url, &no_time).await;
    assert_eq!(status, 400);
    assert!(body["error"].as_str().unwrap().contains("timestamp"), "{body}");

    // Refused requests are whole: nothing of them is stored, and their bytes are kept.
    assert!(rt.readings().is_empty());
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 3);
    assert!(dead.iter().all(|d| d.stage == "connector"));
    assert_eq!(dead[1].payload, bad_hex.to_string().into_bytes(), "original bytes kept");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_devicetype_and_decode_errors_go_to_the_dead_letter_and_the_response_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    let body = serde_json::json!([
        envelope("good", "em300-th", "0175320367c80004683c", 85, TS),
        envelope("who", "acme-9000", "0102", 85, TS),
        envelope("short", "em300-th", "01753203", 85, TS),
    ]);
    let (status, body) = post(&rt.url, &body).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stored"], 1);
    assert_eq!(body["dead_lettered"], 2);
    assert_eq!(body["outcomes"][1]["stage"], "route");
    assert_eq!(body["outcomes"][2]["stage"], "decode");
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 2);
    let route = dead.iter().find(|d| d.stage == "route").unwrap();
    assert_eq!((route.device.as_str(), route.payload.as_slice()), ("who", &[1u8, 2][..]));
    assert!(route.error.contains("acme-9000"));
    let decode = dead.iter().find(|d| d.stage == "decode").unwrap();
    assert_eq!(decode.payload, vec![0x01, 0x75, 0x32, 0x03]);
    assert_eq!(decode.port, 85);
    assert!(decode.plugin.as_deref().unwrap().starts_with("milesight@"), "{decode:?}");
    assert_eq!(rt.readings().len(), 3);
    rt.handle.shutdown().await.unwrap();
}

/// Concurrent requests share decoder calls (their frames are merged into one batch while the
/// decoder's threads are busy): each response still reports its own frames, and each device's
/// rows are its own.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_requests_each_get_the_outcomes_of_their_own_frames() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    let am319 = "0367340104686505000106cb02077da803087d2500097366270a7d04000b7d20000c7d3000";
    // Request i: one to three frames (device `d{i}-{k}` each), a mix of 3-reading, 10-reading
    // and undecodable ones, so that a result handed to the wrong request shows.
    let request = |i: usize| -> (serde_json::Value, Vec<(String, Option<usize>)>) {
        let frames: Vec<(String, usize)> =
            (0..1 + i % 3).map(|k| (format!("d{i}-{k}"), (i + k) % 3)).collect();
        let envelopes = frames
            .iter()
            .map(|(device, kind)| match kind {
                0 => envelope(device, "em300-th", "0175320367c80004683c", 85, TS),
                1 => envelope(device, "am319", am319, 85, TS),
                _ => envelope(device, "em300-th", "01753203", 85, TS),
            })
            .collect();
        let expected =
            frames.into_iter().map(|(device, kind)| (device, [Some(3), Some(10), None][kind])).collect();
        (serde_json::Value::Array(envelopes), expected)
    };
    let mut sent = tokio::task::JoinSet::new();
    for i in 0..96 {
        let url = rt.url.clone();
        let (body, expected) = request(i);
        sent.spawn(async move { (i, expected, post(&url, &body).await) });
    }
    let mut expected_rows = std::collections::BTreeMap::new();
    let mut undecodable = 0;
    while let Some(joined) = sent.join_next().await {
        let (i, expected, (status, body)) = joined.unwrap();
        assert_eq!(status, 200, "request {i}: {body}");
        let outcomes = body["outcomes"].as_array().unwrap();
        assert_eq!(outcomes.len(), expected.len(), "request {i}: {body}");
        for (outcome, (device, want)) in outcomes.iter().zip(expected) {
            match want {
                Some(n) => assert_eq!(outcome["readings"], n, "request {i}: {body}"),
                None => {
                    assert_eq!(outcome["stage"], "decode", "request {i}: {body}");
                    undecodable += 1;
                }
            }
            expected_rows.insert(device, want.unwrap_or(0));
        }
    }
    let rows = rt.readings();
    for (device, n) in &expected_rows {
        assert_eq!(rows.iter().filter(|r| &r.device == device).count(), *n, "rows of {device}");
    }
    assert_eq!(rows.len(), expected_rows.values().sum::<usize>());
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), undecodable);
    assert!(dead.iter().all(|d| expected_rows.get(&d.device) == Some(&0)), "{dead:?}");
    rt.handle.shutdown().await.unwrap();
}

/// `Ingest::submit_all` (what the MQTT transport calls under load): the units go in one
/// connector hand-off and one commit, each answered with its own frames, in order; a refused
/// unit is answered on its own (its bytes in the dead letter) and the others still commit.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn units_submitted_together_are_answered_each_with_its_own_frames() {
    use passerelle::actor::InboundUnit;
    use passerelle::message::{Bytes, Disposition, FrameOutcome, Stage};

    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    let ingest = rt.handle.ingest("energisme").unwrap();
    let unit = |body: String| InboundUnit {
        channel: "/".into(),
        headers: vec![("content-type".into(), "application/json".into())],
        body: Bytes::from(body),
    };
    let one = envelope("a", "em300-th", "0175320367c80004683c", 85, TS).to_string();
    let two = serde_json::json!([
        envelope("b", "ers-co2", "0100e202290400270506060308", 1, TS),
        envelope("c", "nope", "00", 1, TS),
    ])
    .to_string();
    let dispositions = ingest.submit_all(vec![unit(one), unit("{\"deviceid\": ".into()), unit(two)]).await;
    assert_eq!(dispositions.len(), 3, "{dispositions:?}");
    assert!(
        matches!(&dispositions[0], Disposition::Committed { frames } if frames == &[FrameOutcome::Stored { readings: 3 }]),
        "{dispositions:?}"
    );
    assert!(matches!(&dispositions[1], Disposition::Refused { .. }), "{dispositions:?}");
    match &dispositions[2] {
        Disposition::Committed { frames } => {
            assert_eq!(frames.len(), 2, "{frames:?}");
            assert_eq!(frames[0], FrameOutcome::Stored { readings: 5 });
            assert!(
                matches!(&frames[1], FrameOutcome::DeadLettered { stage: Stage::Route, .. }),
                "{frames:?}"
            );
        }
        other => panic!("{other:?}"),
    }
    // Committed means stored: the rows and dead letters are there now.
    let rows = rt.readings();
    assert_eq!(rows.iter().filter(|r| r.device == "a").count(), 3);
    assert_eq!(rows.iter().filter(|r| r.device == "b").count(), 5);
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 2, "{dead:?}");
    assert!(dead.iter().any(|d| d.stage == "connector" && d.payload == b"{\"deviceid\": "), "{dead:?}");
    assert!(dead.iter().any(|d| d.stage == "route" && d.device == "c"), "{dead:?}");
    rt.handle.shutdown().await.unwrap();
}
