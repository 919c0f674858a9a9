//! Reading tags (issue 11) stored by every sink: SQLite (a `tags` JSON column, added to a
//! database made before tags), PostgreSQL (`tags jsonb`), NATS (a `tags` object in the JSON
//! payload, absent when a reading has none).

use std::collections::BTreeMap;
use std::sync::Arc;

use passerelle::message::{Reading, Tags, Value};
use passerelle::sink::nats::{NatsSink, NatsSinkConfig};
use passerelle::sink::postgres::{PostgresConfig, PostgresSink};
use passerelle::sink::sqlite::{SqliteConfig, SqliteSink, read_readings};
use passerelle::sink::{Batch, Sink};

use crate::harness::nats::Nats;
use crate::harness::postgres::Schema;

fn tags() -> Tags {
    Arc::from(vec![
        ("quantity".to_string(), "power".to_string()),
        ("aggregate".to_string(), "average".to_string()),
        ("sampling_s".to_string(), "1800".to_string()),
    ])
}

/// A tagged power average and an untagged reading.
fn batch() -> Batch {
    let tagged = Reading {
        device: Arc::from("10284856584123"),
        name: "production".into(),
        value: Value::Number(245.0),
        unit: Some("W".into()),
        time_ms: 1_600_041_600_000,
        tags: tags(),
    };
    let plain = Reading { name: "plain".into(), tags: Tags::default(), ..tagged.clone() };
    Batch { readings: vec![tagged, plain], ..Batch::default() }
}

fn sqlite_config(path: &std::path::Path) -> SqliteConfig {
    ron::from_str(&format!("(path: {:?})", path.display().to_string())).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_stores_tags_and_migrates_a_database_made_before_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    // The schema of the build before tags, with one row.
    let old = rusqlite::Connection::open(&path).unwrap();
    old.execute_batch(
        "CREATE TABLE series (id INTEGER PRIMARY KEY, device TEXT NOT NULL, name TEXT NOT NULL, unit TEXT,
             UNIQUE (device, name));
         CREATE TABLE readings (series INTEGER NOT NULL REFERENCES series (id), time_ms INTEGER NOT NULL,
             value_num REAL, value_text TEXT, value_bool INTEGER, value_bytes BLOB,
             PRIMARY KEY (series, time_ms)) WITHOUT ROWID;
         CREATE VIEW reading_view AS
             SELECT s.device, s.name, r.time_ms, r.value_num, r.value_text, r.value_bool, r.value_bytes, s.unit
             FROM readings r JOIN series s ON s.id = r.series;
         INSERT INTO series (id, device, name, unit) VALUES (1, 'old', 'temperature', 'Cel');
         INSERT INTO readings (series, time_ms, value_num) VALUES (1, 5, 20.5);",
    )
    .unwrap();
    drop(old);
    let sink = SqliteSink::open("db", &path, &sqlite_config(&path)).unwrap();
    sink.write(batch()).await.unwrap();
    let rows = tokio::task::spawn_blocking(move || read_readings(&path)).await.unwrap().unwrap();
    let by_name: BTreeMap<&str, &BTreeMap<String, String>> =
        rows.iter().map(|r| (r.name.as_str(), &r.tags)).collect();
    let want: BTreeMap<String, String> = tags().iter().cloned().collect();
    assert_eq!(by_name.get("production"), Some(&&want), "{rows:?}");
    assert_eq!(by_name.get("plain").map(|t| t.len()), Some(0), "{rows:?}");
    // The row stored before the migration is still there, without tags.
    let old = rows.iter().find(|r| r.device == "old").unwrap();
    assert_eq!((old.time_ms, &old.value, old.tags.len()), (5, &Value::Number(20.5), 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stores_tags_as_jsonb() {
    let schema = Schema::new("tags");
    let rt = tokio::runtime::Handle::current();
    let config: PostgresConfig =
        ron::from_str(&format!(r#"(url_env: "IT_PG", schema: "{}", pool_size: 2)"#, schema.name)).unwrap();
    let sink = PostgresSink::open("pg", &schema.url, &config, &rt).await.unwrap();
    sink.write(batch()).await.unwrap();
    let s = &schema.name;
    assert_eq!(
        schema.sql(&format!(
            "SELECT name, tags->>'quantity', tags->>'aggregate', tags->>'sampling_s', tags::text = '{{}}'
             FROM {s}.readings ORDER BY name"
        )),
        "plain||||t\nproduction|power|average|1800|f"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_payloads_carry_tags_only_when_there_are_some() {
    use futures::StreamExt;
    let nats = tokio::task::spawn_blocking(Nats::start).await.unwrap();
    let config: NatsSinkConfig = ron::from_str(&format!(
        r#"(url: "{}", subject: "out.{{device}}.{{name}}", stream: Some("TAGS"), commit_timeout_ms: 20000)"#,
        nats.url()
    ))
    .unwrap();
    let sink = NatsSink::connect("out", &config, None, None).await.unwrap();
    sink.write(batch()).await.unwrap();
    let client = async_nats::connect(nats.url()).await.unwrap();
    let js = async_nats::jetstream::new(client);
    let stream = js.get_stream("TAGS").await.unwrap();
    let consumer =
        stream.create_consumer(async_nats::jetstream::consumer::pull::Config::default()).await.unwrap();
    let mut batch = consumer.fetch().max_messages(2).messages().await.unwrap();
    let mut payloads = Vec::new();
    while let Some(m) = batch.next().await {
        payloads.push(serde_json::from_slice::<serde_json::Value>(&m.unwrap().payload).unwrap());
    }
    assert_eq!(payloads.len(), 2, "{payloads:?}");
    assert_eq!(
        payloads[0]["tags"],
        serde_json::json!({"quantity": "power", "aggregate": "average", "sampling_s": "1800"})
    );
    assert_eq!(payloads[0]["unit"], "W");
    assert!(payloads[1].get("tags").is_none(), "{}", payloads[1]);
}
