//! Scaling out: the PostgreSQL and NATS sinks against real servers (the machine's PostgreSQL with
//! a schema per test, private PostgreSQL clusters and nats-servers that tests kill and restart).

use std::sync::Arc;
use std::time::Duration;

use passerelle::config::Config;
use passerelle::message::{Frame, Reading, Rejected, Stage, Value};
use passerelle::sink::nats::{NatsSink, NatsSinkConfig};
use passerelle::sink::postgres::{PostgresConfig, PostgresSink, SCHEMA_VERSION};
use passerelle::sink::{Batch, Sink};
use passerelle::{Builder, Handle};

use crate::harness::nats::Nats;
use crate::harness::postgres::{Cluster, Schema};
use crate::harness::{self, TOKEN, envelope, plugin, post};

const TS: &str = "2026-11-22T08:00:00.000Z";
const TS_MS: i64 = 1_795_334_400_000;

/// The standard config (HTTP push, Milesight and Elsys) with the PostgreSQL sink in `schema`
/// as its one sink and dead letter.
async fn start_pg(schema: &Schema, dir: &std::path::Path) -> (Handle, String) {
    let text = harness::standard_config().replace(
        r#"sqlite(path: "passerelle.db")"#,
        &format!(r#"postgres(url_env: "IT_PG", schema: "{}", pool_size: 2)"#, schema.name),
    );
    let config = Config::parse(&text, &dir.join("config.ron").display().to_string()).unwrap();
    let handle = Builder::new(config)
        .secret("IT_TOKEN", TOKEN)
        .secret("IT_PG", schema.url.clone())
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let url = handle.local_addr("energisme").map(|a| format!("http://{a}/")).unwrap();
    (handle, url)
}

fn pg_config(schema: &Schema) -> PostgresConfig {
    ron::from_str(&format!(r#"(url_env: "IT_PG", schema: "{}", pool_size: 2)"#, schema.name)).unwrap()
}

fn reading(device: &str, name: &str, time_ms: i64, value: f64) -> Reading {
    Reading {
        device: Arc::from(device),
        name: name.into(),
        value: Value::Number(value),
        unit: Some("Cel".into()),
        time_ms,
        tags: Default::default(),
    }
}

/// `n` readings of one device at times `from..from + n` (ms), value = time.
fn series(device: &str, from: i64, n: i64) -> Vec<Reading> {
    (from..from + n).map(|t| reading(device, "temperature", t, t as f64)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stores_a_stream_once_and_dead_letters_bad_frames() {
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::new("stream");
    let (handle, url) = start_pg(&schema, dir.path()).await;
    let good = envelope("pg-1", "em300-th", "0175320367c80004683c", 85, TS);
    let bad = envelope("pg-1", "em300-th", "01753203", 85, TS);
    for _ in 0..2 {
        let (status, body) = post(&url, &good).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(post(&url, &bad).await.0, 200);
    }
    let s = &schema.name;
    // The 2xx came after the commit; the redelivery stored nothing twice.
    assert_eq!(schema.count(&format!("SELECT count(*) FROM {s}.readings")), 3);
    assert_eq!(
        schema.sql(&format!(
            "SELECT device, name, value_num, unit, (extract(epoch FROM time) * 1000)::bigint, tags::text
             FROM {s}.readings WHERE name = 'temperature'"
        )),
        format!(r#"pg-1|temperature|20|Cel|{TS_MS}|{{"quantity": "air_temperature"}}"#)
    );
    // The bad frame is in the dead letter once, with its original bytes, readable by the runtime.
    assert_eq!(
        schema.sql(&format!("SELECT stage, encode(payload, 'hex'), port FROM {s}.dead_letter")),
        "decode|01753203|85"
    );
    let report = handle.replay_dead_letters(None).await.unwrap();
    assert_eq!((report.replayed, report.still_failing), (1, 1), "{report:?}");
    assert_eq!(schema.count(&format!("SELECT count(*) FROM {s}.dead_letter")), 1);
    // The latest value per series is an index scan on the primary key.
    let plan = schema.sql(&format!(
        "SET enable_seqscan = off; EXPLAIN SELECT DISTINCT ON (device, name) device, name, time, value_num
         FROM {s}.readings ORDER BY device DESC, name DESC, time DESC"
    ));
    assert!(plan.contains("Index Scan Backward using readings_pkey"), "{plan}");
    handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sink_batches_are_idempotent_and_forget_replayed_entries() {
    let schema = Schema::new("batches");
    let rt = tokio::runtime::Handle::current();
    let sink = PostgresSink::open("pg", &schema.url, &pg_config(&schema), &rt).await.unwrap();
    let frame = Frame {
        device: Arc::from("d"),
        devicetype: Arc::from("t"),
        port: 3,
        payload: vec![0, 1, 2, 255].into(),
        received_ms: 7,
        connector: Arc::from("c"),
        firmware: None,
    };
    let rejected = Rejected { frame, stage: Stage::Decode, error: "bad".into(), plugin: Some("m@1".into()) };
    let mut readings = series("a", 0, 500);
    readings.push(Reading { value: Value::Text("on".into()), ..reading("a", "state", 1, 0.0) });
    readings.push(Reading { value: Value::Boolean(true), ..reading("a", "alarm", 1, 0.0) });
    readings.push(Reading { value: Value::Bytes(vec![0, 9]), unit: None, ..reading("a", "raw", -5, 0.0) });
    let batch = Batch { readings: readings.clone(), rejected: vec![rejected.clone()], forget: vec![] };
    // The same batch three times, two of them in one group commit: one set of rows.
    let (a, b) = tokio::join!(sink.write(batch.clone()), sink.write(batch.clone()));
    a.unwrap();
    b.unwrap();
    sink.write(batch).await.unwrap();
    let s = &schema.name;
    assert_eq!(schema.count(&format!("SELECT count(*) FROM {s}.readings")), 503);
    assert_eq!(
        schema.sql(&format!(
            "SELECT coalesce(value_text, '') || coalesce(value_bool::text, '') || coalesce(encode(value_bytes, 'hex'), '')
             FROM {s}.readings WHERE name <> 'temperature' ORDER BY name"
        )),
        "true\n0009\non"
    );
    // A value sent again under the same key does not overwrite the first one.
    sink.write(Batch { readings: vec![reading("a", "temperature", 10, 99.0)], ..Batch::default() })
        .await
        .unwrap();
    assert_eq!(
        schema.count(&format!("SELECT value_num::bigint FROM {s}.readings WHERE time = to_timestamp(0.010)")),
        10
    );
    let dead = sink.dead_letters().await.unwrap();
    assert_eq!(dead.len(), 1);
    let entry = dead.first().unwrap();
    assert_eq!(
        (entry.payload.as_slice(), entry.port, entry.stage.as_str(), entry.plugin.as_deref()),
        (&[0u8, 1, 2, 255][..], 3, "decode", Some("m@1"))
    );
    sink.write(Batch { forget: vec![entry.id], ..Batch::default() }).await.unwrap();
    assert!(sink.dead_letters().await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_sink_migrates_an_older_schema_and_keeps_its_rows() {
    let schema = Schema::new("migrate");
    let s = &schema.name;
    // Version 1, as the first release made it: no tags column.
    schema.sql(&format!(
        "CREATE SCHEMA {s};
         CREATE TABLE {s}.schema_version (version integer NOT NULL);
         INSERT INTO {s}.schema_version VALUES (1);
         CREATE TABLE {s}.readings (device text NOT NULL, name text NOT NULL, time timestamptz NOT NULL,
             value_num double precision, value_text text, value_bool boolean, value_bytes bytea, unit text,
             PRIMARY KEY (device, name, time));
         CREATE TABLE {s}.dead_letter (id bigserial PRIMARY KEY, connector text NOT NULL, device text NOT NULL,
             devicetype text NOT NULL, port smallint NOT NULL, received_ms bigint NOT NULL, payload bytea NOT NULL,
             payload_sha256 bytea NOT NULL, stage text NOT NULL, error text NOT NULL, plugin text,
             stored_at timestamptz NOT NULL DEFAULT now(),
             UNIQUE (device, devicetype, port, received_ms, stage, payload_sha256));
         INSERT INTO {s}.readings (device, name, time, value_num) VALUES ('old', 'temperature', to_timestamp(1), 1.5);"
    ));
    let rt = tokio::runtime::Handle::current();
    let sink = PostgresSink::open("pg", &schema.url, &pg_config(&schema), &rt).await.unwrap();
    assert_eq!(schema.count(&format!("SELECT version FROM {s}.schema_version")), i64::from(SCHEMA_VERSION));
    assert_eq!(schema.sql(&format!("SELECT device, tags::text FROM {s}.readings")), "old|{}");
    sink.write(Batch { readings: series("new", 0, 2), ..Batch::default() }).await.unwrap();
    assert_eq!(schema.count(&format!("SELECT count(*) FROM {s}.readings")), 3);
    // Opening again (a second worker) migrates nothing and keeps everything.
    let again = PostgresSink::open("pg2", &schema.url, &pg_config(&schema), &rt).await.unwrap();
    again.write(Batch { readings: series("new", 0, 2), ..Batch::default() }).await.unwrap();
    assert_eq!(schema.count(&format!("SELECT count(*) FROM {s}.readings")), 3);
    // A schema newer than this build is refused, not touched.
    schema.sql(&format!("UPDATE {s}.schema_version SET version = {}", SCHEMA_VERSION + 1));
    let err = PostgresSink::open("pg3", &schema.url, &pg_config(&schema), &rt).await.unwrap_err();
    let chain = format!("{:?}", anyhow::Error::from(err));
    assert!(chain.contains("newer than this Passerelle"), "{chain}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restart_mid_stream_loses_nothing() {
    let cluster = tokio::task::spawn_blocking(Cluster::start).await.unwrap();
    let cluster = Arc::new(cluster);
    let schema = Schema::in_server(&cluster.url(), "restart");
    let rt = tokio::runtime::Handle::current();
    let sink = Arc::new(PostgresSink::open("pg", &cluster.url(), &pg_config(&schema), &rt).await.unwrap());
    // A stream of 40 batches of 50 readings, one every 25 ms; the server dies after the 10th
    // and comes back 1.5 s later. Every write must resolve Ok (it waits; nothing fails) and every
    // reading must be there once.
    let mut writes = Vec::new();
    let mut killed = None;
    for i in 0..40i64 {
        let s = Arc::clone(&sink);
        writes.push(tokio::spawn(async move {
            s.write(Batch { readings: series("r", i * 50, 50), ..Batch::default() }).await
        }));
        if i == 10 {
            let c = Arc::clone(&cluster);
            tokio::task::spawn_blocking(move || c.kill()).await.unwrap();
            killed = Some(std::time::Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    let down = killed.unwrap().elapsed();
    tokio::time::sleep(Duration::from_millis(1500).saturating_sub(down)).await;
    // Batches written while the server was down are still waiting: the source is not acknowledged.
    assert!(writes.iter().skip(12).any(|w| !w.is_finished()), "a write resolved while PostgreSQL was down");
    let c = Arc::clone(&cluster);
    tokio::task::spawn_blocking(move || c.start_again()).await.unwrap();
    for w in writes {
        w.await.unwrap().unwrap();
    }
    let s = &schema.name;
    assert_eq!(schema.count(&format!("SELECT count(*) FROM {s}.readings")), 2000);
    assert_eq!(schema.count(&format!("SELECT count(DISTINCT time) FROM {s}.readings")), 2000);
    drop(schema);
    drop(sink);
    drop(cluster);
}

async fn stream_messages(nats: &Nats, stream: &str) -> Vec<async_nats::jetstream::Message> {
    use futures::StreamExt;
    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let mut s = js.get_stream(stream).await.unwrap();
    let n = s.info().await.unwrap().state.messages;
    let consumer = s
        .create_consumer(async_nats::jetstream::consumer::pull::Config { ..Default::default() })
        .await
        .unwrap();
    let mut out = Vec::new();
    if n == 0 {
        return out;
    }
    let mut batch = consumer.fetch().max_messages(usize::try_from(n).unwrap()).messages().await.unwrap();
    while let Some(m) = batch.next().await {
        out.push(m.unwrap());
    }
    out
}

fn nats_config(nats: &Nats, stream: &str) -> NatsSinkConfig {
    ron::from_str(&format!(
        r#"(url: "{}", subject: "out.{{device}}.{{name}}", stream: Some("{stream}"), commit_timeout_ms: 20000)"#,
        nats.url()
    ))
    .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_sink_publishes_acked_readings_once_by_device_and_name() {
    let nats = tokio::task::spawn_blocking(Nats::start).await.unwrap();
    let sink = NatsSink::connect("out", &nats_config(&nats, "OUT"), None, None).await.unwrap();
    let mut readings = series("dev.1", 0, 3);
    readings.push(reading("dev 2", "co2", 5, 400.0));
    let batch = Batch { readings, ..Batch::default() };
    sink.write(batch.clone()).await.unwrap();
    // Delivered again (a source that was not acknowledged): JetStream drops the duplicates.
    sink.write(batch).await.unwrap();
    let messages = stream_messages(&nats, "OUT").await;
    let subjects: Vec<&str> = messages.iter().map(|m| m.subject.as_str()).collect();
    assert_eq!(
        subjects,
        ["out.dev_1.temperature", "out.dev_1.temperature", "out.dev_1.temperature", "out.dev_2.co2"]
    );
    let last: serde_json::Value = serde_json::from_slice(&messages.last().unwrap().payload).unwrap();
    assert_eq!(
        last,
        serde_json::json!({"device": "dev 2", "name": "co2", "value": 400.0, "unit": "Cel", "time_ms": 5})
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_sink_write_waits_for_a_restarted_server() {
    let mut nats = tokio::task::spawn_blocking(Nats::start).await.unwrap();
    let sink = Arc::new(NatsSink::connect("out", &nats_config(&nats, "OUT"), None, None).await.unwrap());
    sink.write(Batch { readings: series("a", 0, 10), ..Batch::default() }).await.unwrap();
    nats = tokio::task::spawn_blocking(move || {
        nats.kill();
        nats
    })
    .await
    .unwrap();
    let s = Arc::clone(&sink);
    let write =
        tokio::spawn(
            async move { s.write(Batch { readings: series("a", 10, 10), ..Batch::default() }).await },
        );
    tokio::time::sleep(Duration::from_millis(1000)).await;
    assert!(!write.is_finished(), "a write resolved while the server was down");
    nats = tokio::task::spawn_blocking(move || {
        nats.restart();
        nats
    })
    .await
    .unwrap();
    write.await.unwrap().unwrap();
    let messages = stream_messages(&nats, "OUT").await;
    assert_eq!(messages.len(), 20);
}

/// The standard config with PostgreSQL in `schema` and a fabric section for `nats`.
fn fabric_config(schema: &Schema, nats: &Nats) -> String {
    to_fabric(&harness::standard_config(), schema, nats)
}

/// A harness config with PostgreSQL in `schema` and a fabric section for `nats`.
fn to_fabric(base: &str, schema: &Schema, nats: &Nats) -> String {
    base.replace(
        r#"sqlite(path: "passerelle.db")"#,
        &format!(r#"postgres(url_env: "IT_PG", schema: "{}", pool_size: 2)"#, schema.name),
    )
    .replace(
        "compile_cache:",
        &format!(r#"fabric: (url: "{}", ack_wait_ms: 1000, batch: 16), compile_cache:"#, nats.url()),
    )
}

/// The fabric section of [`fabric_config`], as the workers read it.
fn fabric(nats: &Nats) -> passerelle::fabric::FabricConfig {
    ron::from_str(&format!(r#"(url: "{}", ack_wait_ms: 1000, batch: 16)"#, nats.url())).unwrap()
}

async fn start_role(
    text: &str,
    schema: &Schema,
    role: passerelle::fabric::Role,
    dir: &std::path::Path,
) -> Handle {
    let config = Config::parse(text, &dir.join("config.ron").display().to_string()).unwrap();
    Builder::new(config)
        .secret("IT_TOKEN", TOKEN)
        .secret("IT_PG", schema.url.clone())
        .role(role)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
}

/// Waits until `sql` counts `want` (workers commit after the connector's answer).
async fn wait_count(schema: &Schema, sql: &str, want: i64) -> i64 {
    let start = std::time::Instant::now();
    loop {
        let n = schema.count(sql);
        if n >= want || start.elapsed() > Duration::from_secs(40) {
            return n;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The frames of the comparison: three vendors, and a frame that does not decode.
fn mixed_envelopes() -> Vec<serde_json::Value> {
    let mut out = Vec::new();
    for i in 0..5 {
        let ts = format!("2026-11-22T08:0{i}:00.000Z");
        out.push(envelope(&format!("m-{i}"), "em300-th", "0175320367c80004683c", 85, &ts));
        out.push(envelope(&format!("e-{i}"), "ers-co2", "0100e202290400270506060308", 1, &ts));
        out.push(envelope(
            &format!("a-{i}"),
            "am319",
            "0367340104686505000106cb02077da803087d2500097366270a7d04000b7d20000c7d3000",
            85,
            &ts,
        ));
    }
    out.push(envelope("bad", "em300-th", "01753203", 85, TS));
    out
}

const ROWS: &str = "SELECT device, name, time, value_num, value_text, value_bool, value_bytes, unit FROM {s}.readings ORDER BY device, name, time";
const DEAD: &str = "SELECT connector, device, devicetype, port, received_ms, encode(payload, 'hex'), stage FROM {s}.dead_letter ORDER BY device";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fabric_and_in_process_store_the_same_rows() {
    use passerelle::fabric::Role;
    let nats = tokio::task::spawn_blocking(Nats::start).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (local, fabric) = (Schema::new("local"), Schema::new("fabric"));
    let input = mixed_envelopes();
    // In-process.
    let (all, url) = start_pg(&local, dir.path()).await;
    for e in &input {
        assert_eq!(post(&url, e).await.0, 200);
    }
    all.shutdown().await.unwrap();
    // A connector process and a worker process through JetStream.
    let text = fabric_config(&fabric, &nats);
    let worker = start_role(&text, &fabric, Role::Worker, dir.path()).await;
    assert!(worker.local_addr("energisme").is_none(), "a worker runs no connector");
    let connector = start_role(&text, &fabric, Role::Connector, dir.path()).await;
    let url = format!("http://{}/", connector.local_addr("energisme").unwrap());
    for e in &input {
        let (status, body) = post(&url, e).await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["outcomes"][0]["outcome"], "queued", "{body}");
    }
    let want = local.count(&format!("SELECT count(*) FROM {}.readings", local.name));
    assert_eq!(want, 5 * (3 + 5 + 10));
    let got = wait_count(&fabric, &format!("SELECT count(*) FROM {}.readings", fabric.name), want).await;
    assert_eq!(got, want);
    wait_count(&fabric, &format!("SELECT count(*) FROM {}.dead_letter", fabric.name), 1).await;
    assert_eq!(local.sql(&ROWS.replace("{s}", &local.name)), fabric.sql(&ROWS.replace("{s}", &fabric.name)));
    let dead = local.sql(&DEAD.replace("{s}", &local.name));
    assert!(dead.contains("|bad|em300-th|85|") && dead.ends_with("|01753203|decode"), "{dead}");
    assert_eq!(dead, fabric.sql(&DEAD.replace("{s}", &fabric.name)));
    connector.shutdown().await.unwrap();
    worker.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fabric_three_workers_one_killed_mid_stream_lose_and_double_nothing() {
    use async_nats::jetstream::consumer::pull;
    use futures::StreamExt;
    use passerelle::fabric::{DEFAULT_CONSUMER, DEFAULT_STREAM, Role, consumer_config};
    let nats = tokio::task::spawn_blocking(Nats::start).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::new("workers");
    let text = fabric_config(&schema, &nats);
    let connector = start_role(&text, &schema, Role::Connector, dir.path()).await;
    let url = format!("http://{}/", connector.local_addr("energisme").unwrap());
    let post_devices = |from: usize, to: usize| {
        let url = url.clone();
        async move {
            for i in from..to {
                let e = envelope(&format!("k-{i:03}"), "em300-th", "0175320367c80004683c", 85, TS);
                assert_eq!(post(&url, &e).await.0, 200);
            }
        }
    };
    post_devices(0, 40).await;
    // A worker takes a batch of the shared consumer and dies before acking it (its process
    // killed mid-batch: connection gone, nothing acked).
    let client = async_nats::connect(nats.url()).await.unwrap();
    let stream = async_nats::jetstream::new(client.clone()).get_stream(DEFAULT_STREAM).await.unwrap();
    let consumer =
        stream.get_or_create_consumer(DEFAULT_CONSUMER, consumer_config(&fabric(&nats), None)).await.unwrap();
    let mut batch = consumer.fetch().max_messages(10).messages().await.unwrap();
    let mut taken = 0;
    while let Some(m) = batch.next().await {
        m.unwrap();
        taken += 1;
    }
    assert_eq!(taken, 10);
    drop(batch);
    drop(client);
    // Three workers; the second is stopped in the middle of the stream.
    let mut workers = Vec::new();
    for _ in 0..3 {
        workers.push(start_role(&text, &schema, Role::Worker, dir.path()).await);
    }
    let s = &schema.name;
    let count = format!("SELECT count(*) FROM {s}.readings");
    post_devices(40, 70).await;
    let second = workers.remove(1);
    drop(second);
    post_devices(70, 100).await;
    // 100 frames of 3 readings each: all there, each once, the 10 taken by the dead worker too.
    assert_eq!(wait_count(&schema, &count, 300).await, 300);
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(schema.count(&count), 300);
    assert_eq!(schema.count(&format!("SELECT count(DISTINCT device) FROM {s}.readings")), 100);
    assert_eq!(schema.count(&format!("SELECT count(*) FROM {s}.dead_letter")), 0);
    let mut consumer = stream.get_consumer::<pull::Config>(DEFAULT_CONSUMER).await.unwrap();
    let info = consumer.info().await.unwrap();
    assert_eq!((info.num_pending, info.num_ack_pending), (0, 0), "{info:?}");
    // Deliveries beyond one per stored frame: the dead worker's batch, delivered again.
    assert!(
        info.delivered.consumer_sequence >= info.delivered.stream_sequence + 10,
        "the dead worker's batch was redelivered: {info:?}"
    );
    connector.shutdown().await.unwrap();
    for w in workers {
        w.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fabric_ordered_route_commits_each_device_in_order_across_workers() {
    use passerelle::fabric::Role;
    let nats = tokio::task::spawn_blocking(Nats::start).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::new("ordered");
    // em300-th is ordered and also published downstream, in commit order, to stream OUT.
    let text = fabric_config(&schema, &nats)
        .replace(
            r#"(devicetype: "em300-th", decoder: "milesight", sinks: ["db"])"#,
            r#"(devicetype: "em300-th", decoder: "milesight", sinks: ["db", "out"], ordered: true)"#,
        )
        .replace(
            r#"sinks: { "db":"#,
            &format!(
                r#"sinks: {{ "out": nats(url: "{}", subject: "out.{{device}}.{{name}}", stream: "OUT"), "db":"#,
                nats.url()
            ),
        );
    assert!(text.contains("ordered: true") && text.contains(r#""out": nats("#), "{text}");
    let mut workers = Vec::new();
    for _ in 0..3 {
        workers.push(start_role(&text, &schema, Role::Worker, dir.path()).await);
    }
    let connector = start_role(&text, &schema, Role::Connector, dir.path()).await;
    let url = format!("http://{}/", connector.local_addr("energisme").unwrap());
    // Six devices, each posting 20 frames one after the other, all devices at once.
    let (devices, frames) = (6, 20);
    let posts = (0..devices).map(|d| {
        let url = url.clone();
        tokio::spawn(async move {
            for i in 0..frames {
                let ts = format!("2026-11-22T08:{i:02}:00.000Z");
                let e = envelope(&format!("o-{d}"), "em300-th", "0175320367c80004683c", 85, &ts);
                assert_eq!(post(&url, &e).await.0, 200);
            }
        })
    });
    for p in futures::future::join_all(posts).await {
        p.unwrap();
    }
    let want = i64::from(devices * frames * 3);
    let count = format!("SELECT count(*) FROM {}.readings", schema.name);
    assert_eq!(wait_count(&schema, &count, want).await, want);
    // Every series arrives downstream in the order its device sent it, though three workers
    // took the frames.
    let mut last: std::collections::HashMap<String, i64> = std::collections::HashMap::new();
    let messages = stream_messages(&nats, "OUT").await;
    assert_eq!(messages.len(), usize::try_from(want).unwrap());
    for m in &messages {
        let r: serde_json::Value = serde_json::from_slice(&m.payload).unwrap();
        let key = format!("{}/{}", r["device"], r["name"]);
        let t = r["time_ms"].as_i64().unwrap();
        if let Some(prev) = last.insert(key.clone(), t) {
            assert!(t > prev, "{key}: {t} committed after {prev}");
        }
    }
    assert_eq!(last.len(), usize::try_from(devices * 3).unwrap());
    connector.shutdown().await.unwrap();
    for w in workers {
        w.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fabric_workers_reload_a_fixed_decoder_and_any_of_them_replays_the_dead_letters() {
    use passerelle::fabric::Role;
    let nats = tokio::task::spawn_blocking(Nats::start).await.unwrap();
    let schema = Schema::new("reload");
    let s = schema.name.clone();
    // Two workers on two machines, each with its own copy of the plugin (a trapping version).
    let (one, two, edge) =
        (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let text = |dir: &std::path::Path| {
        let file = dir.join("h.wasm");
        std::fs::copy(plugin("hostile_trap"), &file).unwrap();
        let base = harness::config(
            &format!(r#""h": (plugin: "{}", check_vectors: false)"#, file.display()),
            r#"(devicetype: "hostile", decoder: "h", sinks: ["db"])"#,
        )
        .replace("compile_cache:", "watch_plugins: false, compile_cache:");
        to_fabric(&base, &schema, &nats)
    };
    let w1 = start_role(&text(one.path()), &schema, Role::Worker, one.path()).await;
    let w2 = start_role(&text(two.path()), &schema, Role::Worker, two.path()).await;
    let connector = start_role(&text(edge.path()), &schema, Role::Connector, edge.path()).await;
    let url = format!("http://{}/", connector.local_addr("energisme").unwrap());
    let send = |device: &'static str, hex: &'static str| {
        let url = url.clone();
        async move {
            let (status, body) = post(&url, &envelope(device, "hostile", hex, 1, TS)).await;
            assert_eq!((status, body["outcomes"][0]["outcome"].as_str()), (200, Some("queued")), "{body}");
        }
    };
    // 0xff traps the live version: two frames end in the shared dead letter, one is stored.
    for (device, hex) in [("a", "ff01"), ("b", "0001"), ("c", "ff02")] {
        send(device, hex).await;
    }
    let dead = format!("SELECT count(*) FROM {s}.dead_letter WHERE stage = 'plugin'");
    assert_eq!(wait_count(&schema, &dead, 2).await, 2);
    let readings = format!("SELECT count(*) FROM {s}.readings");
    assert_eq!(wait_count(&schema, &readings, 1).await, 1);
    // The fix, hot-reloaded by each worker while the fabric runs; new frames decode at once.
    for (dir, worker) in [(&one, &w1), (&two, &w2)] {
        std::fs::copy(plugin("bad_vectors"), dir.path().join("h.wasm")).unwrap();
        worker.reload_decoder("h").await.unwrap();
    }
    send("d", "ff03").await;
    assert_eq!(wait_count(&schema, &readings, 2).await, 2);
    // Either worker reaches every dead letter, whichever worker wrote it: replay from the second.
    let report = w2.replay_dead_letters(None).await.unwrap();
    assert_eq!((report.replayed, report.stored, report.still_failing), (2, 2, 0));
    assert_eq!(schema.count(&format!("SELECT count(*) FROM {s}.dead_letter")), 0);
    assert_eq!(schema.count(&readings), 4);
    for device in ["a", "b", "c", "d"] {
        let n = schema.count(&format!("SELECT count(*) FROM {s}.readings WHERE device = '{device}'"));
        assert_eq!(n, 1, "{device}");
    }
    // A second replay, from the other worker, finds nothing to do.
    assert_eq!(w1.replay_dead_letters(None).await.unwrap().replayed, 0);
    connector.shutdown().await.unwrap();
    w1.shutdown().await.unwrap();
    w2.shutdown().await.unwrap();
}

/// Posts `e` until the connector acknowledges it (a 503 or a time-out while the fabric is away
/// is answered by sending again, as a sender does); returns the attempts.
async fn post_until_acknowledged(url: &str, e: &serde_json::Value) -> u32 {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(10)).build().unwrap();
    for attempt in 1..=300 {
        let sent = client
            .post(url)
            .header("authorization", format!("Basic {TOKEN}"))
            .header("content-type", "application/json")
            .body(e.to_string())
            .send()
            .await;
        match sent {
            Ok(r) if r.status().is_success() => return attempt,
            Ok(r) if r.status().is_client_error() => panic!("refused: {}", r.status()),
            _ => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    panic!("{e} never acknowledged");
}

/// Issue 14: the NATS server killed (SIGKILL) and restarted ten times while a connector
/// publishes and two workers commit: every acknowledged frame stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fabric_ten_nats_kills_mid_stream_lose_and_double_nothing() {
    use passerelle::fabric::Role;
    const ROUNDS: usize = 10;
    const PER_ROUND: usize = 12;
    let mut nats = tokio::task::spawn_blocking(Nats::start).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let schema = Schema::new("natskill");
    let text = fabric_config(&schema, &nats);
    let connector = start_role(&text, &schema, Role::Connector, dir.path()).await;
    let workers = [
        start_role(&text, &schema, Role::Worker, dir.path()).await,
        start_role(&text, &schema, Role::Worker, dir.path()).await,
    ];
    let url = format!("http://{}/", connector.local_addr("energisme").unwrap());
    let s = schema.name.clone();
    let count = format!("SELECT count(*) FROM {s}.readings");
    let mut resent = 0;
    for round in 0..=ROUNDS {
        for i in 0..PER_ROUND {
            let e = envelope(&format!("n-{round:02}-{i:02}"), "em300-th", "0175320367c80004683c", 85, TS);
            resent += post_until_acknowledged(&url, &e).await - 1;
        }
        if round == ROUNDS {
            break;
        }
        // The kill lands while the workers take the round (3 readings per frame).
        let under_way = i64::try_from(round * PER_ROUND * 3 + 1).unwrap();
        wait_count(&schema, &count, under_way).await;
        tokio::task::block_in_place(|| {
            nats.kill();
            nats.restart();
        });
    }
    let total = i64::try_from((ROUNDS + 1) * PER_ROUND * 3).unwrap();
    let start = std::time::Instant::now();
    while schema.count(&count) < total && start.elapsed() < Duration::from_secs(120) {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    eprintln!("fabric under ten NATS kills: {resent} posts sent again by the sender");
    // What JetStream holds, for the message of a failure.
    let state = {
        use passerelle::fabric::{DEFAULT_CONSUMER, DEFAULT_STREAM};
        let js = async_nats::jetstream::new(async_nats::connect(nats.url()).await.unwrap());
        let mut stream = js.get_stream(DEFAULT_STREAM).await.unwrap();
        let info = stream.info().await.unwrap().state.clone();
        let consumer =
            stream.get_consumer::<async_nats::jetstream::consumer::pull::Config>(DEFAULT_CONSUMER).await;
        let consumer = match consumer {
            Ok(mut c) => format!(
                "{:?}",
                c.info().await.map(|i| (i.num_pending, i.num_ack_pending, i.delivered, i.ack_floor))
            ),
            Err(e) => format!("consumer: {e}"),
        };
        format!("stream {info:?}; consumer {consumer}")
    };
    assert_eq!(schema.count(&count), total, "every acknowledged frame's readings, once; {state}");
    assert_eq!(
        schema.count(&format!("SELECT count(DISTINCT device) FROM {s}.readings")),
        i64::try_from((ROUNDS + 1) * PER_ROUND).unwrap()
    );
    assert_eq!(schema.count(&format!("SELECT count(*) FROM {s}.dead_letter")), 0);
    connector.shutdown().await.unwrap();
    for w in workers {
        w.shutdown().await.unwrap();
    }
}
