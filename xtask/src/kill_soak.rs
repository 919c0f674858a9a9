//! `kill-soak`: at-least-once end to end under `kill -9`. A generator pushes frames over HTTP
//! (Energisme envelopes, resent until acknowledged) and publishes Gooee messages over MQTT (QoS 1
//! to a private Mosquitto with persistence) at once, while the runtime (`passerelle run`, a
//! separate process) is killed with SIGKILL at random points and restarted each time.
//! Afterwards the SQLite store must hold every acknowledged reading exactly once: the run fails
//! on a single reading lost or doubled.
//!
//! `scripts/test` runs a small variant; `scripts/soak-kill` the full one (a million readings, 20
//! kills).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail, ensure};

const TOKEN: &str = "kill-soak-token";
const DEVICE: &str = "1de83fdc-6b4b-cff8-be07-cea1a7dd6343";
const PAYLOAD: &str = "0175320367c80004683c";
/// Readings one em300-th frame of [`PAYLOAD`] decodes to.
const READINGS_PER_FRAME: u64 = 3;
/// Envelopes per HTTP request.
const BATCH: u64 = 100;
/// Unacknowledged MQTT publishes at most (the generator's in-flight window).
const MQTT_IN_FLIGHT: u16 = 100;
/// 2023-11-14T22:13:20Z, the first frame's time.
const BASE_MS: i64 = 1_700_000_000_000;

/// Arguments of `kill-soak`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The passerelle binary to run and kill.
    #[arg(long)]
    bin: PathBuf,
    /// Frames pushed over HTTP (3 readings each).
    #[arg(long, default_value_t = 3_000)]
    http_frames: u64,
    /// Messages published over MQTT (1 reading each).
    #[arg(long, default_value_t = 1_000)]
    mqtt_messages: u64,
    /// SIGKILLs of the runtime during the run.
    #[arg(long, default_value_t = 3)]
    kills: u32,
    /// Seed of the kill times.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Longest pause before a kill, in milliseconds (each pause is 100 ms up to this).
    #[arg(long, default_value_t = 800)]
    max_gap_ms: u64,
    /// Concurrent HTTP senders.
    #[arg(long, default_value_t = 4)]
    senders: u64,
}

/// A child process killed when dropped.
struct Process(Child);

impl Drop for Process {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

fn wait_listening(port: u16, child: &mut Child, what: &str) -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(180);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if let Some(status) = child.try_wait()? {
            bail!("{what} exited ({status}) before listening on {port}");
        }
        ensure!(Instant::now() < deadline, "{what} not listening on {port} after 180 s");
        std::thread::sleep(Duration::from_millis(20));
    }
    Ok(())
}

/// RFC 3339 of `ms` since the epoch (UTC), for the sources' timestamps.
fn rfc3339(ms: i64) -> String {
    let (secs, milli) = (ms.div_euclid(1000), ms.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{milli:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

struct Setup {
    work: tempdir::Dir,
    http_port: u16,
    mqtt_port: u16,
    config: PathBuf,
}

mod tempdir {
    /// A folder removed when dropped.
    pub(super) struct Dir(pub(super) std::path::PathBuf);
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

fn setup() -> anyhow::Result<Setup> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().context("repository root")?.to_path_buf();
    let work = std::env::temp_dir().join(format!("passerelle-kill-soak-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let work = tempdir::Dir(work);
    let (http_port, mqtt_port) = (free_port()?, free_port()?);
    ensure!(http_port != mqtt_port, "two free ports were the same; run again");
    let dist = root.join("plugins/dist");
    for p in ["energisme_push", "gooee", "milesight"] {
        ensure!(
            dist.join(format!("{p}.wasm")).exists(),
            "plugins/dist/{p}.wasm is missing: run scripts/build-plugins"
        );
    }
    let w = work.0.display();
    let d = dist.display();
    let config = format!(
        r#"(
    connectors: {{
        "energisme": (
            transport: http_push(listen: "127.0.0.1:{http_port}", token_env: "KILL_SOAK_TOKEN"),
            plugin: "{d}/energisme_push.wasm",
            instances: 2,
        ),
        "gooee": (
            transport: mqtt(host: "127.0.0.1", port: {mqtt_port}, client_id: "kill-soak", reconnect_min_ms: 50, reconnect_max_ms: 500),
            plugin: "{d}/gooee.wasm",
            settings: {{ "devices": "{DEVICE}", "areas": "a1" }},
            sinks: ["db"],
        ),
    }},
    decoders: {{ "milesight": (plugin: "{d}/milesight.wasm", instances: 2) }},
    routes: [ (devicetype: "em300-th", decoder: "milesight", sinks: ["db"]) ],
    sinks: {{ "db": sqlite(path: "{w}/soak.db") }},
    dead_letter: "db",
    state_dir: "{w}/state",
    compile_cache: "{w}/cache",
)"#
    );
    let path = work.0.join("config.ron");
    std::fs::write(&path, config)?;
    let conf = format!(
        "listener {mqtt_port} 127.0.0.1\nallow_anonymous true\nuser root\npersistence true\npersistence_location {w}/\n\
         autosave_on_changes true\nautosave_interval 1\nmax_queued_messages 0\nmax_inflight_messages 100\nlog_dest file {w}/mosquitto.log\nlog_type all\n"
    );
    std::fs::write(work.0.join("mosquitto.conf"), conf)?;
    Ok(Setup { work, http_port, mqtt_port, config: path })
}

fn start_runtime(bin: &Path, s: &Setup) -> anyhow::Result<Process> {
    let log = std::fs::OpenOptions::new().create(true).append(true).open(s.work.0.join("runtime.log"))?;
    let mut child = Command::new(bin)
        .arg("run")
        .arg(&s.config)
        .env("KILL_SOAK_TOKEN", TOKEN)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .with_context(|| format!("cannot run {}", bin.display()))?;
    wait_listening(s.http_port, &mut child, "passerelle")?;
    Ok(Process(child))
}

/// Pushes the HTTP frames, each batch resent until acknowledged; returns the retries.
async fn push_http(port: u16, frames: u64, senders: u64) -> anyhow::Result<u64> {
    let client = reqwest::Client::builder().timeout(Duration::from_secs(30)).build()?;
    let next = Arc::new(AtomicU64::new(0));
    let retries = Arc::new(AtomicU64::new(0));
    let batches = frames.div_ceil(BATCH);
    let mut tasks = Vec::new();
    for _ in 0..senders {
        let (client, next, retries) = (client.clone(), Arc::clone(&next), Arc::clone(&retries));
        tasks.push(tokio::spawn(async move {
            loop {
                let b = next.fetch_add(1, Ordering::Relaxed);
                if b >= batches {
                    return anyhow::Ok(());
                }
                let items: Vec<serde_json::Value> = (b * BATCH..((b + 1) * BATCH).min(frames))
                    .map(|i| {
                        serde_json::json!({"timestamp": rfc3339(BASE_MS + i64::try_from(i).unwrap_or(0)),
                            "deviceid": "kill-http", "payload": PAYLOAD, "devicetype": "em300-th", "port": 85})
                    })
                    .collect();
                let body = serde_json::Value::Array(items).to_string();
                loop {
                    let sent = client
                        .post(format!("http://127.0.0.1:{port}/"))
                        .header("authorization", format!("Basic {TOKEN}"))
                        .body(body.clone())
                        .send()
                        .await;
                    match sent {
                        Ok(r) if r.status().is_success() => break,
                        Ok(r) if r.status().is_client_error() => {
                            bail!("batch {b} refused: {} {}", r.status(), r.text().await.unwrap_or_default())
                        }
                        _ => {
                            retries.fetch_add(1, Ordering::Relaxed);
                            tokio::time::sleep(Duration::from_millis(100)).await;
                        }
                    }
                }
            }
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(retries.load(Ordering::Relaxed))
}

/// Publishes the MQTT messages with QoS 1 from the generator's own client (rumqttc, persistent
/// session, at most [`MQTT_IN_FLIGHT`] unacknowledged), counting the broker's PUBACKs: a publish
/// not acknowledged when the connection drops is sent again on the resumed session, and the
/// generator is done only when every message is acknowledged. Returns the reconnections.
async fn publish_mqtt(port: u16, messages: u64) -> anyhow::Result<u64> {
    use rumqttc::{AsyncClient, Event, MqttOptions, Packet, QoS};
    let mut options = MqttOptions::new("kill-soak-publisher", "127.0.0.1", port);
    options.set_clean_session(false).set_keep_alive(Duration::from_secs(5)).set_inflight(MQTT_IN_FLIGHT);
    let (client, mut events) = AsyncClient::new(options, usize::from(MQTT_IN_FLIGHT));
    let topic = format!("devices/{DEVICE}/meta");
    // Queues every publish (the request channel is bounded); returns the client so that the
    // event loop keeps running until the last acknowledgement.
    let feeder = tokio::spawn(async move {
        for i in 0..messages {
            let ms = BASE_MS + i64::try_from(i)? * 1000;
            let payload = serde_json::json!([{"name": "temperature", "display_name": "temperature",
                "value": i, "unit_of_measure": "C", "timestamp": rfc3339(ms)}]);
            client.publish(topic.as_str(), QoS::AtLeastOnce, false, payload.to_string()).await?;
        }
        anyhow::Ok(client)
    });
    let (mut acked, mut reconnects) = (0_u64, 0_u64);
    let mut progress = Instant::now();
    while acked < messages {
        ensure!(
            progress.elapsed() < Duration::from_secs(120),
            "MQTT: no PUBACK for 120 s ({acked} of {messages} acknowledged)"
        );
        match tokio::time::timeout(Duration::from_secs(5), events.poll()).await {
            Ok(Ok(Event::Incoming(Packet::PubAck(_)))) => {
                acked += 1;
                progress = Instant::now();
            }
            Ok(Ok(_)) | Err(_) => {}
            Ok(Err(e)) => {
                reconnects += 1;
                eprintln!(
                    "kill-soak: MQTT publisher disconnected ({e}); {acked} of {messages} acknowledged, resuming"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
    }
    let client = feeder.await??;
    let _ = client.try_disconnect();
    Ok(reconnects)
}

struct Stored {
    http_rows: u64,
    http_frames: u64,
    mqtt_values: BTreeSet<i64>,
    dead: u64,
}

fn stored(db: &Path) -> anyhow::Result<Stored> {
    let conn = rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
    let (http_rows, http_frames): (i64, i64) = conn.query_row(
        "SELECT count(*), count(DISTINCT time_ms) FROM reading_view WHERE device = 'kill-http'",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let (http_rows, http_frames) = (u64::try_from(http_rows)?, u64::try_from(http_frames)?);
    let mut stmt = conn.prepare("SELECT value_num FROM reading_view WHERE device = ?1")?;
    let mqtt_values = stmt
        .query_map([DEVICE], |r| r.get::<_, f64>(0))?
        .map(|v| v.map(|v| v as i64))
        .collect::<Result<BTreeSet<_>, _>>()?;
    let dead: i64 = conn.query_row("SELECT count(*) FROM dead_letter", [], |r| r.get(0))?;
    let dead = u64::try_from(dead)?;
    Ok(Stored { http_rows, http_frames, mqtt_values, dead })
}

/// Runs the soak; fails on any reading lost or doubled.
pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    let bin = std::fs::canonicalize(&args.bin).with_context(|| format!("{}", args.bin.display()))?;
    let s = setup()?;
    let mut broker = Process(
        Command::new("mosquitto")
            .arg("-c")
            .arg(s.work.0.join("mosquitto.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("cannot run mosquitto: run scripts/install-peers")?,
    );
    wait_listening(s.mqtt_port, &mut broker.0, "mosquitto")?;
    let started = Instant::now();
    let mut runtime = start_runtime(&bin, &s)?;
    // The runtime's persistent session must exist before the first message is published.
    let log = s.work.0.join("mosquitto.log");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !std::fs::read_to_string(&log).unwrap_or_default().contains("Sending SUBACK to kill-soak") {
        ensure!(Instant::now() < deadline, "the runtime never subscribed");
        std::thread::sleep(Duration::from_millis(50));
    }
    println!(
        "kill-soak: {} HTTP frames ({} readings) and {} MQTT messages, {} kills",
        args.http_frames,
        args.http_frames * READINGS_PER_FRAME,
        args.mqtt_messages,
        args.kills
    );
    let http = tokio::spawn(push_http(s.http_port, args.http_frames, args.senders));
    let (port, n) = (s.mqtt_port, args.mqtt_messages);
    let mqtt = tokio::spawn(publish_mqtt(port, n));
    let mut rng = args.seed.max(1);
    for k in 1..=args.kills {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let wait = Duration::from_millis(100 + rng % args.max_gap_ms.saturating_sub(100).max(1));
        tokio::time::sleep(wait).await;
        let before = stored(&s.work.0.join("soak.db")).ok();
        drop(runtime); // SIGKILL, then reaped.
        // Waiting for it to listen blocks: off the generators' executor threads.
        runtime = tokio::task::block_in_place(|| start_runtime(&bin, &s))?;
        println!(
            "kill {k}/{}: SIGKILL after {} ms, restarted ({} HTTP readings stored then)",
            args.kills,
            wait.as_millis(),
            before.map_or(0, |b| b.http_rows)
        );
    }
    let retries = http.await??;
    let reconnects = mqtt.await??;
    let want_http = args.http_frames * READINGS_PER_FRAME;
    let deadline = Instant::now() + Duration::from_secs(300);
    let last = loop {
        let now = stored(&s.work.0.join("soak.db"))?;
        if (now.http_rows >= want_http && now.mqtt_values.len() as u64 >= args.mqtt_messages)
            || Instant::now() > deadline
        {
            break now;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let _ = Command::new("kill").args(["-INT", &runtime.0.id().to_string()]).status();
    let _ = runtime.0.wait();
    let elapsed = started.elapsed();
    let mqtt_missing =
        (0..i64::try_from(args.mqtt_messages)?).filter(|v| !last.mqtt_values.contains(v)).count();
    println!(
        "HTTP: {} frames acknowledged after {} resends; {} readings stored for {} frames (want {want_http}): {} lost, {} doubled",
        args.http_frames,
        retries,
        last.http_rows,
        last.http_frames,
        want_http.saturating_sub(last.http_rows),
        last.http_rows.saturating_sub(last.http_frames * READINGS_PER_FRAME),
    );
    println!(
        "MQTT: {} messages acknowledged by the broker ({reconnects} publisher reconnections), {} stored, {mqtt_missing} lost; dead letters {}; {} kills survived in {:.1} s",
        args.mqtt_messages,
        last.mqtt_values.len(),
        last.dead,
        args.kills,
        elapsed.as_secs_f64()
    );
    ensure!(
        last.http_rows == want_http && last.http_frames == args.http_frames,
        "HTTP readings lost or doubled"
    );
    ensure!(mqtt_missing == 0 && last.mqtt_values.len() as u64 == args.mqtt_messages, "MQTT readings lost");
    ensure!(last.dead == 0, "{} dead letters", last.dead);
    println!("kill-soak: OK");
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn rfc3339_of_known_instants() {
        assert_eq!(super::rfc3339(0), "1970-01-01T00:00:00.000Z");
        assert_eq!(super::rfc3339(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(super::rfc3339(951_782_400_000), "2000-02-29T00:00:00.000Z");
    }
}
