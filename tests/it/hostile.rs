//! Hostile plugins: each costs one frame in the dead letter while the others go on.

use passerelle::Error;

use crate::harness::{self, envelope, plugin, post};

const TS: &str = "2026-11-22T09:00:00.000Z";

fn hostile_config() -> String {
    harness::config(
        &format!(
            r#""milesight": (plugin: "{}"),
               "loop": (plugin: "{}", limits: (deadline_ms: 50)),
               "trap": (plugin: "{}"),
               "alloc": (plugin: "{}", limits: (memory_mib: 32)),
               "flood": (plugin: "{}", limits: (memory_mib: 512, deadline_ms: 5000, max_readings: 1000)),"#,
            plugin("milesight"),
            plugin("hostile_loop"),
            plugin("hostile_trap"),
            plugin("hostile_alloc"),
            plugin("hostile_flood"),
        ),
        r#"(devicetype: "em300-th", decoder: "milesight", sinks: ["db"]),
           (devicetype: "loop", decoder: "loop", model: "hostile", sinks: ["db"]),
           (devicetype: "trap", decoder: "trap", model: "hostile", sinks: ["db"]),
           (devicetype: "alloc", decoder: "alloc", model: "hostile", sinks: ["db"]),
           (devicetype: "flood", decoder: "flood", model: "hostile", sinks: ["db"]),"#,
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_hostile_plugin_costs_one_frame() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&hostile_config(), dir.path()).await;
    // Each hostile plugin misbehaves on a payload starting with 0xFF and decodes others.
    let mut frames = vec![envelope("good-0", "em300-th", "0175320367c80004683c", 85, TS)];
    for kind in ["loop", "trap", "alloc", "flood"] {
        frames.push(envelope(&format!("{kind}-bad"), kind, "ff01", 1, TS));
        frames.push(envelope(&format!("{kind}-good"), kind, "0001", 1, TS));
    }
    frames.push(envelope("good-1", "em300-th", "0175320367c80004683c", 85, TS));
    let (status, body) = post(&rt.url, &serde_json::Value::Array(frames)).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["stored"], 6, "{body}");
    assert_eq!(body["dead_lettered"], 4, "{body}");

    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 4, "{dead:?}");
    for (kind, needle) in
        [("loop", "deadline"), ("trap", ": trap"), ("alloc", "memory_cap"), ("flood", "over the cap of 1000")]
    {
        let d = dead.iter().find(|d| d.device == format!("{kind}-bad")).unwrap();
        assert_eq!(d.stage, "plugin", "{d:?}");
        assert_eq!(d.payload, vec![0xff, 0x01], "original bytes kept");
        assert!(d.error.contains(needle), "{kind}: {}", d.error);
        assert_eq!(d.plugin.as_deref(), Some(format!("hostile-{kind}@0.1.0").as_str()));
    }
    let rows = rt.readings();
    for device in ["good-0", "good-1", "loop-good", "trap-good", "alloc-good", "flood-good"] {
        assert!(rows.iter().any(|r| r.device == device), "{device} stored");
    }

    // The trapped instances were rebuilt: the same plugins decode the next request.
    let again: Vec<_> = ["loop", "trap", "alloc", "flood"]
        .iter()
        .map(|k| envelope(&format!("{k}-after"), k, "000102", 1, TS))
        .collect();
    let (status, body) = post(&rt.url, &serde_json::Value::Array(again)).await;
    assert_eq!((status, body["stored"].as_u64()), (200, Some(4)), "{body}");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_failing_its_own_vectors_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = harness::config(
        &format!(r#""bad": (plugin: "{}")"#, plugin("bad_vectors")),
        r#"(devicetype: "x", decoder: "bad", model: "hostile", sinks: ["db"])"#,
    );
    let config = passerelle::config::Config::parse(&text, "bad.ron").unwrap();
    let mut config = config;
    config.set_base_dir(dir.path());
    match passerelle::Builder::new(config).secret("IT_TOKEN", "t").start().await {
        Err(Error::Vectors { name, failures }) => {
            assert_eq!(name, "bad");
            assert_eq!(failures.len(), 1);
            assert!(failures[0].contains("expected 999, got 2"), "{failures:?}");
        }
        other => panic!("expected Error::Vectors, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_to_a_model_the_decoder_does_not_handle_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let text = harness::config(
        &format!(r#""milesight": (plugin: "{}")"#, plugin("milesight")),
        r#"(devicetype: "x", decoder: "milesight", model: "acme-9000", sinks: ["db"])"#,
    );
    let mut config = passerelle::config::Config::parse(&text, "bad.ron").unwrap();
    config.set_base_dir(dir.path());
    let err = passerelle::Builder::new(config).secret("IT_TOKEN", "t").start().await.unwrap_err();
    assert!(matches!(&err, Error::Routes(r) if r[0].contains("acme-9000")), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_file_that_is_not_a_component_is_refused_with_its_path() {
    let dir = tempfile::tempdir().unwrap();
    let fake = dir.path().join("fake.wasm");
    std::fs::write(&fake, b"\0asm not really").unwrap();
    let text = harness::config(&format!(r#""fake": (plugin: "{}")"#, fake.display()), "");
    let mut config = passerelle::config::Config::parse(&text, "bad.ron").unwrap();
    config.set_base_dir(dir.path());
    let err = passerelle::Builder::new(config).secret("IT_TOKEN", "t").start().await.unwrap_err();
    match &err {
        Error::Plugin { name, path, source } => {
            assert_eq!(name, "fake");
            assert!(path.ends_with("fake.wasm"));
            assert!(matches!(source, passerelle::plugin::PluginError::Invalid(_)), "{source:?}");
        }
        other => panic!("expected Error::Plugin, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_built_for_an_older_contract_is_refused_naming_both_versions() {
    let old = harness::root().join("tests/fixtures/plugins/trap-wit-0.3.0.wasm");
    let text = harness::config(&format!(r#""old": (plugin: "{}")"#, old.display()), "");
    let config = passerelle::config::Config::parse(&text, "old.ron").unwrap();
    let err = passerelle::Builder::new(config).secret("IT_TOKEN", "t").start().await.unwrap_err();
    match &err {
        Error::Plugin { name, source, .. } => {
            assert_eq!(name, "old");
            assert!(
                matches!(source, passerelle::plugin::PluginError::WitVersion { found } if found == "0.3.0"),
                "{source:?}"
            );
            let message = source.to_string();
            assert!(message.contains("passerelle:plugin@0.3.0"), "{message}");
            assert!(
                message.contains(&format!("passerelle:plugin@{}", passerelle::plugin::WIT_VERSION)),
                "{message}"
            );
        }
        other => panic!("expected Error::Plugin, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_that_keeps_failing_is_quarantined_then_probed_and_released() {
    let dir = tempfile::tempdir().unwrap();
    let text = harness::config(
        &format!(
            r#""milesight": (plugin: "{}"),
               "trap": (plugin: "{}", quarantine: (after_failures: 3, first_ms: 1500, max_ms: 60000)),"#,
            plugin("milesight"),
            plugin("hostile_trap"),
        ),
        r#"(devicetype: "em300-th", decoder: "milesight", sinks: ["db"]),
           (devicetype: "trap", decoder: "trap", model: "hostile", sinks: ["db"]),"#,
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let send = |device: String, kind: &'static str, hex: &'static str| {
        let url = rt.url.clone();
        async move {
            let (status, body) = post(&url, &envelope(&device, kind, hex, 1, TS)).await;
            assert_eq!(status, 200, "{body}");
            body["outcomes"][0].clone()
        }
    };
    let traps = || {
        let m = rt.handle.metrics().render();
        crate::files::counter(&m, r#"passerelle_plugin_traps_total{decoder="trap",kind="trap"}"#)
    };
    let quarantined = || {
        let s = rt.handle.status();
        let d = s.decoders.iter().find(|d| d.name == "trap").unwrap().clone();
        (d.quarantined_ms, d.quarantines)
    };
    // Three traps in a row: quarantined; the next frames are dead-lettered without a call.
    for i in 0..3 {
        let o = send(format!("bad-{i}"), "trap", "ff01").await;
        assert!(o["error"].as_str().unwrap().contains(": trap"), "{o}");
    }
    assert_eq!(traps(), 3);
    for i in 3..8 {
        let o = send(format!("bad-{i}"), "trap", "ff01").await;
        assert_eq!(o["stage"], "plugin", "{o}");
        assert!(o["error"].as_str().unwrap().contains("quarantined"), "{o}");
    }
    assert_eq!(traps(), 3, "a quarantined plugin is not called");
    let (left, times) = quarantined();
    assert!(left.is_some() && times == 1, "{left:?} {times}");
    let metrics = rt.handle.metrics().render();
    assert!(
        metrics.contains(r#"passerelle_decoder_quarantined_frames_total{decoder="trap"} 5"#),
        "{metrics}"
    );
    assert!(metrics.contains(r#"passerelle_decoder_quarantines_total{decoder="trap"} 1"#), "{metrics}");
    // The other routes go on meanwhile.
    let o = send("fine".into(), "em300-th", "0175320367c80004683c").await;
    assert_eq!(o["outcome"], "stored", "{o}");
    // After the quarantine, one probe: it traps again, so the next quarantine is twice as long.
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    let o = send("probe-bad".into(), "trap", "ff02").await;
    assert!(o["error"].as_str().unwrap().contains(": trap"), "the probe calls the plugin: {o}");
    assert_eq!(traps(), 4);
    assert!(quarantined().0.is_some_and(|l| l > 1600), "doubled: {:?}", quarantined());
    // The next probe decodes (the device sends a good frame): released.
    let left = quarantined().0.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(left + 100)).await;
    let o = send("probe-good".into(), "trap", "0001").await;
    assert_eq!(o["outcome"], "stored", "{o}");
    assert_eq!(quarantined(), (None, 1));
    let o = send("after".into(), "trap", "0002").await;
    assert_eq!(o["outcome"], "stored", "{o}");
    // Every quarantined frame is in the dead letter with its bytes, replayable after a fix.
    let dead = rt.dead_letters();
    assert_eq!(dead.iter().filter(|d| d.error.contains("quarantined")).count(), 5);
    assert!(dead.iter().all(|d| d.payload.first() == Some(&0xff)), "original bytes kept");
    assert_eq!(dead.len(), 3 + 5 + 1);
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_plugin_past_its_deadline_three_times_in_a_row_is_quarantined_at_once() {
    let dir = tempfile::tempdir().unwrap();
    // The default quarantine: 20 failures, or 3 calls in a row that ran into a limit.
    let text = harness::config(
        &format!(r#""loop": (plugin: "{}", limits: (deadline_ms: 50)),"#, plugin("hostile_loop")),
        r#"(devicetype: "loop", decoder: "loop", model: "hostile", sinks: ["db"]),"#,
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let send = |device: String, hex: &'static str| {
        let url = rt.url.clone();
        async move {
            let (status, body) = post(&url, &envelope(&device, "loop", hex, 1, TS)).await;
            assert_eq!(status, 200, "{body}");
            body["outcomes"][0].clone()
        }
    };
    // A decoded frame between deadlines resets the count.
    for (device, hex) in [("spin-0", "ff01"), ("spin-1", "ff01"), ("fine-0", "0001"), ("spin-2", "ff01")] {
        let o = send(device.into(), hex).await;
        assert_ne!(o["error"].as_str().map(|e| e.contains("quarantined")), Some(true), "{device}: {o}");
    }
    for i in 3..5 {
        let o = send(format!("spin-{i}"), "ff01").await;
        assert!(o["error"].as_str().unwrap().contains("deadline"), "{o}");
    }
    // The third deadline in a row: quarantined, long before 20 failures.
    let o = send("fine-1".into(), "0001").await;
    assert_eq!(o["stage"], "plugin", "{o}");
    let error = o["error"].as_str().unwrap();
    assert!(
        error.contains("quarantined")
            && error.contains("into a limit (deadline, memory or readings cap) 3 times"),
        "{error}"
    );
    let s = rt.handle.status();
    let d = s.decoders.iter().find(|d| d.name == "loop").unwrap();
    assert!(d.quarantined_ms.is_some() && d.quarantines == 1, "{d:?}");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_memory_and_readings_caps_count_like_deadlines_and_a_trap_does_not() {
    let dir = tempfile::tempdir().unwrap();
    // The default quarantine: 20 failures, or 3 calls in a row that ran into a limit. A plugin
    // that reaches its memory cap (alloc) or builds more readings than its cap (flood) spent
    // that much before the host could refuse it, like a deadline; a trap costs little.
    let rt = harness::start_in(&hostile_config(), dir.path()).await;
    let send = |device: String, devicetype: &'static str| {
        let url = rt.url.clone();
        async move {
            let (status, body) = post(&url, &envelope(&device, devicetype, "ff01", 1, TS)).await;
            assert_eq!(status, 200, "{body}");
            body["outcomes"][0]["error"].as_str().unwrap_or_default().to_string()
        }
    };
    for kind in ["alloc", "flood", "trap"] {
        for i in 0..3 {
            let error = send(format!("{kind}-{i}"), kind).await;
            assert!(!error.is_empty() && !error.contains("quarantined"), "{kind} {i}: {error}");
        }
    }
    let status = rt.handle.status();
    let quarantined =
        |name: &str| status.decoders.iter().find(|d| d.name == name).unwrap().quarantined_ms.is_some();
    assert!(quarantined("alloc") && quarantined("flood"), "{:?}", status.decoders);
    assert!(!quarantined("trap"), "three traps are not a quarantine: {:?}", status.decoders);
    let error = send("alloc-3".into(), "alloc").await;
    assert!(error.contains("quarantined") && error.contains("into a limit"), "{error}");
    rt.handle.shutdown().await.unwrap();
}

/// The HTTP push listener with the hostile connector `hostile_stall` (one instance, the default
/// 100 ms deadline, quarantined after 3 deadlines in a row for 1.5 s), readings into SQLite.
fn stalling_connector_config() -> String {
    format!(
        r#"(
    connectors: {{
        "energisme": (
            transport: http_push(listen: "127.0.0.1:0", token_env: "IT_TOKEN"),
            plugin: "{}",
            quarantine: (after_limits: 3, first_ms: 1500, max_ms: 60000),
            sinks: ["db"],
            tick_ms: 0,
        ),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
    compile_cache: "{}",
)"#,
        plugin("hostile_stall"),
        std::env::temp_dir().join("passerelle-it-compile-cache").display(),
    )
}

/// Posts `body` (lines for `hostile_stall`); returns status, `Retry-After` and the answer.
async fn post_lines(url: &str, body: &str) -> (u16, Option<u64>, serde_json::Value) {
    let res = reqwest::Client::new()
        .post(url)
        .header("authorization", format!("Basic {}", harness::TOKEN))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()?.parse().ok());
    (status, after, res.json().await.unwrap_or_default())
}

fn deadlines(metrics: &str, outcome: &str) -> u64 {
    let series =
        format!(r#"passerelle_inbound_deadlines_total{{connector="energisme",outcome="{outcome}"}}"#);
    crate::files::counter(metrics, &series)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_call_past_its_deadline_once_is_retried_on_a_fresh_instance_and_stored() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&stalling_connector_config(), dir.path()).await;
    // A first unit warms the instance up; the next one spins on a warm instance only: its first
    // call overruns, its retry on a fresh instance (with a longer deadline) succeeds.
    assert_eq!(post_lines(&rt.url, "warm,1\n").await.0, 200);
    let before = deadlines(&rt.handle.metrics().render(), "retried");
    let (status, _, answer) = post_lines(&rt.url, "stall-warm\nd1,5\n").await;
    assert_eq!(status, 200, "a deadline is not the sender's fault: {answer}");
    let rows = rt.readings();
    assert_eq!(rows.iter().filter(|r| r.device == "d1").count(), 1, "stored once");
    assert!(rt.dead_letters().is_empty(), "{:?}", rt.dead_letters());
    let metrics = rt.handle.metrics().render();
    assert_eq!(deadlines(&metrics, "retried") - before, 1, "{metrics}");
    assert_eq!(deadlines(&metrics, "retry_later"), 0, "{metrics}");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connector_call_always_past_its_deadline_gets_503_and_quarantines_the_connector() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&stalling_connector_config(), dir.path()).await;
    // Each unit overruns its call and its retry: 503 with Retry-After, nothing stored nor
    // dead-lettered (the sender keeps it); the third deadline in a row quarantines the connector.
    for i in 0..3 {
        let (status, after, answer) = post_lines(&rt.url, "stall\nd2,1\n").await;
        assert_eq!((status, after), (503, Some(1)), "{i}: {answer}");
        assert!(answer["error"].as_str().unwrap().contains("deadline"), "{answer}");
    }
    let metrics = rt.handle.metrics().render();
    assert_eq!(deadlines(&metrics, "retry_later"), 3, "{metrics}");
    assert!(
        metrics.contains(r#"passerelle_connector_quarantines_total{connector="energisme"} 1"#),
        "{metrics}"
    );
    // Quarantined: even a healthy unit is answered 503 without a call, until the quarantine ends.
    let (status, after, answer) = post_lines(&rt.url, "ok,1\n").await;
    assert_eq!(status, 503, "{answer}");
    assert!(after.is_some_and(|s| (1..=2).contains(&s)), "{after:?}");
    assert!(answer["error"].as_str().unwrap().contains("connector energisme quarantined"), "{answer}");
    let metrics = rt.handle.metrics().render();
    assert!(
        metrics.contains(r#"passerelle_connector_quarantined_units_total{connector="energisme"} 1"#),
        "{metrics}"
    );
    assert_eq!(deadlines(&metrics, "retry_later"), 3, "a quarantined connector is not called");
    // The operator's status says so: time left, quarantines so far.
    let connector = |rt: &harness::Running| {
        let status = rt.handle.status();
        status.connectors.into_iter().find(|c| c.name == "energisme").unwrap()
    };
    let quarantined = connector(&rt);
    assert!(quarantined.quarantined_ms.is_some_and(|ms| (1..=2000).contains(&ms)), "{quarantined:?}");
    assert_eq!(quarantined.quarantines, 1);
    assert!(rt.readings().is_empty() && rt.dead_letters().is_empty(), "a retried unit leaves no copy");
    // After the quarantine, the healthy unit probes it: stored, and the connector is released.
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    assert_eq!(post_lines(&rt.url, "ok,1\n").await.0, 200);
    assert_eq!(post_lines(&rt.url, "ok2,2\n").await.0, 200);
    assert_eq!(rt.readings().len(), 2);
    let released = connector(&rt);
    assert_eq!((released.quarantined_ms, released.quarantines), (None, 1), "{released:?}");
    rt.handle.shutdown().await.unwrap();
}
