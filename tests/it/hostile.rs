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
