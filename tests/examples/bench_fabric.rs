//! The measuring half of `scripts/bench-fabric` (the script starts the servers and workers).
//!
//! - `publish URL N`: publishes N Milesight EM300-TH frames (3 readings each, distinct devices
//!   and times) to the fabric's stream (subject prefix `$BENCH_PREFIX`), each publish-acked; prints `published N in S s`.
//! - `baseline URL N`: the same N frames through a stream of their own, then taken by a durable
//!   pull consumer and acked, without decoding or storing: what JetStream alone does on this
//!   machine; prints messages/s of each half.
//! - `postgres CONNECTION N`: N readings through the PostgreSQL sink (batches of 1000), then
//!   the same rows with `psql \copy` into a table of the same shape; prints rows/s of each.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use async_nats::jetstream::{self, consumer::pull, stream};
use futures::StreamExt;
use passerelle::message::{Frame, Reading, Value};
use passerelle::sink::postgres::{PostgresConfig, PostgresSink};
use passerelle::sink::{Batch, Sink};

const PAYLOAD: [u8; 10] = [0x01, 0x75, 0x32, 0x03, 0x67, 0xc8, 0x00, 0x04, 0x68, 0x3c];

fn frame(i: usize) -> Frame {
    Frame {
        device: Arc::from(format!("bench-{i:07}")),
        devicetype: Arc::from("em300-th"),
        port: 85,
        payload: PAYLOAD.to_vec().into(),
        received_ms: 1_795_334_400_000 + i64::try_from(i).unwrap_or(0),
        connector: Arc::from("energisme"),
        firmware: None,
    }
}

async fn publish(js: &jetstream::Context, subject_prefix: &str, n: usize) -> anyhow::Result<Duration> {
    let start = Instant::now();
    let mut acks = Vec::with_capacity(1024);
    for i in 0..n {
        let f = frame(i);
        let mut headers = async_nats::HeaderMap::new();
        headers.insert(async_nats::header::NATS_MESSAGE_ID, passerelle::fabric::message_id(&f).as_str());
        let subject = passerelle::fabric::subject(subject_prefix, &f, None);
        acks.push(js.publish_with_headers(subject, headers, passerelle::fabric::encode_frame(&f)).await?);
        if acks.len() == 1024 {
            for a in acks.drain(..) {
                a.await?;
            }
        }
    }
    for a in acks {
        a.await?;
    }
    Ok(start.elapsed())
}

fn rate(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (mode, target, n) = match args.as_slice() {
        [m, t, n] => (m.as_str(), t.as_str(), n.parse::<usize>().context("N")?),
        _ => bail!("usage: bench_fabric publish|baseline|postgres URL N"),
    };
    match mode {
        "publish" => {
            let js = jetstream::new(async_nats::connect(target).await?);
            let prefix =
                std::env::var("BENCH_PREFIX").unwrap_or(passerelle::fabric::DEFAULT_SUBJECT_PREFIX.into());
            let took = publish(&js, &prefix, n).await?;
            println!("published {n} in {:.3} s ({:.0} frames/s)", took.as_secs_f64(), rate(n, took));
        }
        "baseline" => {
            let js = jetstream::new(async_nats::connect(target).await?);
            let s = js
                .get_or_create_stream(stream::Config {
                    name: "BENCH_BASELINE".into(),
                    subjects: vec!["bench.baseline.>".into()],
                    retention: stream::RetentionPolicy::WorkQueue,
                    ..Default::default()
                })
                .await?;
            let published = publish(&js, "bench.baseline", n).await?;
            let consumer = s
                .get_or_create_consumer(
                    "bench",
                    pull::Config { durable_name: Some("bench".into()), ..Default::default() },
                )
                .await?;
            let start = Instant::now();
            let mut got = 0;
            while got < n {
                let mut batch = consumer.fetch().max_messages(64).messages().await?;
                while let Some(m) = batch.next().await {
                    let m = m.map_err(|e| anyhow::anyhow!("{e}"))?;
                    let _frame = passerelle::fabric::decode_frame(&m.payload)?;
                    m.ack().await.map_err(|e| anyhow::anyhow!("{e}"))?;
                    got += 1;
                }
            }
            let consumed = start.elapsed();
            println!(
                "baseline publish {:.0} msgs/s, pull+ack {:.0} msgs/s ({n} messages)",
                rate(n, published),
                rate(n, consumed)
            );
            js.delete_stream("BENCH_BASELINE").await?;
        }
        "postgres" => {
            let schema = format!("bench_{}", std::process::id());
            let config: PostgresConfig = ron::from_str(&format!(r#"(url_env: "X", schema: "{schema}")"#))?;
            let sink =
                PostgresSink::open("bench", target, &config, &tokio::runtime::Handle::current()).await?;
            let readings: Vec<Reading> = (0..n)
                .map(|i| Reading {
                    device: Arc::from(format!("bench-{:05}", i % 1000)),
                    name: "temperature".into(),
                    value: Value::Number(i as f64 / 10.0),
                    unit: Some("Cel".into()),
                    time_ms: 1_795_334_400_000 + i64::try_from(i / 1000).unwrap_or(0),
                    tags: Default::default(),
                })
                .collect();
            let start = Instant::now();
            let writes: Vec<_> = readings
                .chunks(1000)
                .map(|c| sink.write(Batch { readings: c.to_vec(), ..Batch::default() }))
                .collect();
            for w in futures::future::join_all(writes).await {
                w?;
            }
            let sink_took = start.elapsed();
            let csv = std::env::temp_dir().join(format!("{schema}.csv"));
            let mut text = String::with_capacity(n * 64);
            for r in &readings {
                let Value::Number(v) = r.value else { continue };
                text.push_str(&format!(
                    "{},{},{},{v},Cel\n",
                    r.device,
                    r.name,
                    chrono_free_timestamp(r.time_ms)
                ));
            }
            std::fs::write(&csv, text)?;
            let psql = |sql: &str| -> anyhow::Result<()> {
                let out = std::process::Command::new("psql")
                    .args([target, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])
                    .output()?;
                if !out.status.success() {
                    bail!("psql {sql}: {}", String::from_utf8_lossy(&out.stderr));
                }
                Ok(())
            };
            psql(&format!(
                "CREATE TABLE {schema}.copied (LIKE {schema}.readings INCLUDING DEFAULTS INCLUDING INDEXES)"
            ))?;
            let start = Instant::now();
            psql(&format!(
                "\\copy {schema}.copied (device, name, time, value_num, unit) FROM '{}' WITH (FORMAT csv)",
                csv.display()
            ))?;
            let copy_took = start.elapsed();
            psql(&format!("DROP SCHEMA {schema} CASCADE"))?;
            let _ = std::fs::remove_file(&csv);
            println!(
                "postgres sink {:.0} rows/s, psql \\copy {:.0} rows/s, ratio {:.2} ({n} rows)",
                rate(n, sink_took),
                rate(n, copy_took),
                copy_took.as_secs_f64() / sink_took.as_secs_f64()
            );
        }
        other => bail!("unknown mode {other}"),
    }
    Ok(())
}

/// An ISO 8601 UTC timestamp for milliseconds since the epoch (days from the civil calendar).
fn chrono_free_timestamp(ms: i64) -> String {
    let secs = ms.div_euclid(1000);
    let milli = ms.rem_euclid(1000);
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = if m <= 2 { y + 1 } else { y };
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{milli:03}Z", rem / 3600, rem / 60 % 60, rem % 60)
}
