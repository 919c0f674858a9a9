//! MQTT QoS 1 load generator: publishes Gooee meta messages to a broker on this machine over
//! several connections, each with a window of unacknowledged publishes, fast enough to saturate
//! one Passerelle process (issue 16, item 3).
//!
//! ```text
//! cargo xtask mqtt-load --port 1883 --topic devices/<id>/meta --messages 60000 --connections 4
//! ```
//!
//! Message `i` (0-based, over all connections) is a JSON array of `--readings-per-message`
//! readings `m0`, `m1`, ... with the value `i + j/10` and the timestamp
//! [`BASE_MS`]` + i` seconds, so every reading is a new row in an idempotent sink and a consumer
//! can be checked by counting rows. Connection `c` publishes the messages `i` with
//! `i % connections == c`, in order. The run ends when the broker has acknowledged (PUBACK)
//! every message; the report gives acknowledged messages per second. Only loopback brokers are
//! accepted.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};
use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};

use crate::load::{check_loopback_host, parse_duration, rfc3339_ms};

/// 2026-11-22T00:00:00Z, the time of message 0.
pub(crate) const BASE_MS: i64 = 1_795_305_600_000;

/// Arguments of `mqtt-load`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Broker host; loopback only (127.0.0.0/8, localhost, ::1).
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Broker port (plain MQTT).
    #[arg(long, default_value_t = 1883)]
    port: u16,
    /// Topic every message is published to.
    #[arg(long)]
    topic: String,
    /// Messages to publish in all.
    #[arg(long, default_value_t = 60_000, value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    messages: u64,
    /// Readings in each message.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=10_000))]
    readings_per_message: u32,
    /// Concurrent MQTT connections (client ids `<client-id>-<n>`).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    connections: u16,
    /// Unacknowledged publishes per connection at most (the MQTT in-flight window).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u16).range(1..=u16::MAX as i64))]
    in_flight: u16,
    /// Client id prefix.
    #[arg(long, default_value = "passerelle-mqtt-load")]
    client_id: String,
    /// Give up when a connection has had no PUBACK for this long (`500ms`, `10s`, `2m`).
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    stall_timeout: Duration,
    /// Print the report as one JSON object on stdout.
    #[arg(long)]
    json: bool,
}

/// The payload of message `i`: a Gooee meta array of `readings` readings.
pub(crate) fn payload(i: u64, readings: u32) -> String {
    let seconds = i64::try_from(i).unwrap_or(i64::MAX);
    let time = rfc3339_ms(BASE_MS.saturating_add(seconds.saturating_mul(1000)));
    let mut out = String::with_capacity(80 * readings as usize + 2);
    out.push('[');
    for j in 0..readings {
        if j > 0 {
            out.push(',');
        }
        let value = i as f64 + f64::from(j) / 10.0;
        let _ =
            write!(out, r#"{{"name":"m{j}","value":{value},"unit_of_measure":"C","timestamp":"{time}"}}"#);
    }
    out.push(']');
    out
}

/// What one connection did.
#[derive(Debug)]
struct Sent {
    acked: u64,
}

/// Publishes the messages of connection `index` and waits for their PUBACKs. The event loop is
/// polled here and the publishes are queued from another task (rumqttc: a publisher that also
/// polls can freeze under load).
async fn connection(args: &Args, index: u16) -> anyhow::Result<Sent> {
    let stride = u64::from(args.connections);
    let share = args.messages.saturating_sub(u64::from(index)).div_ceil(stride);
    let mut options = MqttOptions::new(format!("{}-{index}", args.client_id), args.host.clone(), args.port);
    options
        .set_clean_session(true)
        .set_keep_alive(Duration::from_secs(30))
        .set_inflight(args.in_flight)
        .set_max_packet_size(1 << 20, 1 << 20);
    let (client, mut events) = AsyncClient::new(options, usize::from(args.in_flight));
    let (topic, first, readings, messages) =
        (args.topic.clone(), u64::from(index), args.readings_per_message, args.messages);
    let feeder = tokio::spawn(async move {
        let mut i = first;
        while i < messages {
            client.publish(topic.as_str(), QoS::AtLeastOnce, false, payload(i, readings)).await?;
            i += stride;
        }
        anyhow::Ok(client)
    });
    let mut acked = 0u64;
    while acked < share {
        match tokio::time::timeout(args.stall_timeout, events.poll()).await {
            Ok(Ok(Event::Incoming(Packet::PubAck(_)))) => acked += 1,
            Ok(Ok(_)) => {}
            Ok(Err(e)) => {
                feeder.abort();
                bail!("connection {index}: {e} ({acked} of {share} acknowledged)");
            }
            Err(_) => {
                feeder.abort();
                bail!(
                    "connection {index}: no PUBACK for {:?} ({acked} of {share} acknowledged)",
                    args.stall_timeout
                );
            }
        }
    }
    let client = feeder.await.context("the publisher task panicked")??;
    let _ = client.try_disconnect();
    // Sends the DISCONNECT; the broker may close first, which is not an error here.
    let _ = tokio::time::timeout(Duration::from_secs(1), events.poll()).await;
    Ok(Sent { acked })
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    check_loopback_host(&args.host, args.port).await?;
    ensure!(
        !args.topic.is_empty() && !args.topic.contains(['+', '#']),
        "--topic must be a topic name, not a filter"
    );
    let args = std::sync::Arc::new(args);
    eprintln!(
        "mqtt-load: {} messages of {} readings to {}:{} {:?}, {} connections, {} in flight each",
        args.messages,
        args.readings_per_message,
        args.host,
        args.port,
        args.topic,
        args.connections,
        args.in_flight
    );
    let started = Instant::now();
    let tasks: Vec<_> = (0..args.connections)
        .map(|c| {
            let args = std::sync::Arc::clone(&args);
            tokio::spawn(async move { connection(&args, c).await })
        })
        .collect();
    let mut acked = 0u64;
    for t in tasks {
        acked += t.await.context("a connection task panicked")??.acked;
    }
    let elapsed = started.elapsed().as_secs_f64().max(1e-9);
    let rate = acked as f64 / elapsed;
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "messages": args.messages,
                "readings_per_message": args.readings_per_message,
                "connections": args.connections,
                "in_flight": args.in_flight,
                "acked": acked,
                "elapsed_s": elapsed,
                "messages_per_s": rate,
            })
        );
    } else {
        println!("{acked} messages acknowledged in {elapsed:.2} s: {rate:.0} messages/s");
    }
    ensure!(acked == args.messages, "{acked} of {} messages acknowledged", args.messages);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_are_gooee_meta_arrays_with_distinct_times() -> anyhow::Result<()> {
        let first: serde_json::Value = serde_json::from_str(&payload(0, 4))?;
        let later: serde_json::Value = serde_json::from_str(&payload(61, 4))?;
        assert_eq!(first.as_array().map(Vec::len), Some(4));
        assert_eq!(first[0]["name"], "m0");
        assert_eq!(first[3]["value"], 0.3);
        assert_eq!(first[0]["timestamp"], "2026-11-22T00:00:00.000Z");
        assert_eq!(later[1]["value"], 61.1);
        assert_eq!(later[0]["timestamp"], "2026-11-22T00:01:01.000Z");
        Ok(())
    }

    #[tokio::test]
    async fn refuses_a_remote_broker() {
        for host in ["10.0.0.1", "example.com"] {
            assert!(check_loopback_host(host, 1883).await.is_err(), "{host} accepted");
        }
    }
}
