//! A full disk under the SQLite sink: the test mounts a small tmpfs volume of its own for the
//! database, fills it with a stream of pushes, then grows it. Acknowledgements stop while the
//! volume is full (503, never a 200 for what was not stored), nothing acknowledged is lost or
//! stored twice, the database stays intact, and the runtime recovers by itself.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::harness::{self, TOKEN, envelope};

const PAYLOAD: &str = "0175320367c80004683c";
/// Envelopes per request.
const BATCH: u64 = 50;

/// A tmpfs mounted by the test, unmounted when dropped.
struct Volume(PathBuf);

impl Volume {
    fn mount(at: &Path, size: &str) -> Self {
        std::fs::create_dir_all(at).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .output()
            .unwrap_or_else(|e| panic!("cannot run mount ({e})"));
        assert!(
            out.status.success(),
            "this test needs to mount a tmpfs (root, CAP_SYS_ADMIN): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Self(at.to_path_buf())
    }

    fn resize(&self, size: &str) {
        let out = Command::new("mount")
            .args(["-o", &format!("remount,size={size}")])
            .arg(&self.0)
            .output()
            .unwrap();
        assert!(out.status.success(), "remount: {}", String::from_utf8_lossy(&out.stderr));
    }
}

impl Drop for Volume {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// The envelopes of request `n`: `BATCH` frames of device `disk`, each its own millisecond.
fn request(n: u64) -> (serde_json::Value, Vec<i64>) {
    let mut items = Vec::new();
    let mut times = Vec::new();
    for k in 0..BATCH {
        let ms = 1_700_000_000_000_i64 + i64::try_from(n * BATCH + k).unwrap();
        let secs = ms / 1000;
        let rem = secs % 86_400;
        assert_eq!(secs / 86_400, 19_675, "within 2023-11-14");
        let ts =
            format!("2023-11-14T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem / 60 % 60, rem % 60, ms % 1000);
        items.push(envelope("disk", "em300-th", PAYLOAD, 85, &ts));
        times.push(ms);
    }
    (serde_json::Value::Array(items), times)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_volume_stops_acknowledgements_loses_nothing_and_recovers_when_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let volume = Volume::mount(&dir.path().join("vol"), "3m");
    let text = harness::standard_config()
        .replace(r#"sqlite(path: "passerelle.db")"#, r#"sqlite(path: "vol/passerelle.db")"#);
    let rt = harness::start_in(&text, dir.path()).await;
    let client = reqwest::Client::new();
    let post = |body: String| {
        let (client, url) = (client.clone(), rt.url.clone());
        async move {
            let res = client
                .post(&url)
                .header("authorization", format!("Basic {TOKEN}"))
                .body(body)
                .send()
                .await
                .unwrap();
            (res.status().as_u16(), res.headers().contains_key("retry-after"), res.text().await.unwrap())
        }
    };
    // Fill the volume: push until the sink cannot commit.
    let mut acknowledged: BTreeSet<i64> = BTreeSet::new();
    let mut pending: Vec<u64> = Vec::new();
    let mut n = 0;
    let started = Instant::now();
    while pending.len() < 5 {
        assert!(started.elapsed() < Duration::from_secs(120), "the volume never filled up");
        let (body, times) = request(n);
        let (status, retry_after, text) = post(body.to_string()).await;
        match status {
            200 => {
                acknowledged.extend(times);
            }
            503 => {
                assert!(retry_after, "a 503 carries Retry-After: {text}");
                pending.push(n);
            }
            other => panic!("request {n}: {other} {text}"),
        }
        n += 1;
    }
    assert!(!acknowledged.is_empty(), "something was stored before the volume filled");
    let metrics = rt.handle.metrics().render();
    let failures =
        crate::files::counter(&metrics, r#"passerelle_sink_commit_failures_total{sink="db",kind="sqlite"}"#);
    assert!(failures > 0, "commit failures counted: {failures}");
    // Space returns: the runtime recovers by itself, and the refused requests go through.
    volume.resize("64m");
    let started = Instant::now();
    for n in pending.clone() {
        loop {
            let (body, times) = request(n);
            let (status, _, text) = post(body.to_string()).await;
            if status == 200 {
                acknowledged.extend(times);
                break;
            }
            assert_eq!(status, 503, "{text}");
            assert!(started.elapsed() < Duration::from_secs(60), "never recovered: {text}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let (body, times) = request(n);
    assert_eq!(post(body.to_string()).await.0, 200, "new data is stored again");
    acknowledged.extend(times);
    rt.handle.shutdown().await.unwrap();
    // Every acknowledged frame's three readings, once each, and an intact database.
    let db = dir.path().join("vol/passerelle.db");
    let rows = passerelle::sink::sqlite::read_readings(&db).unwrap();
    let mut per_time = std::collections::BTreeMap::<i64, usize>::new();
    for r in &rows {
        *per_time.entry(r.time_ms).or_default() += 1;
    }
    assert!(per_time.values().all(|c| *c == 3), "three readings per frame, none twice");
    let stored: BTreeSet<i64> = per_time.keys().copied().collect();
    let lost: Vec<_> = acknowledged.difference(&stored).collect();
    assert!(lost.is_empty(), "{} acknowledged frames lost, first {:?}", lost.len(), lost.first());
    let conn = rusqlite::Connection::open(&db).unwrap();
    let check: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(check, "ok");
    eprintln!(
        "full disk: {} frames acknowledged, {} requests refused with 503 while full, {} rows stored",
        acknowledged.len(),
        pending.len(),
        rows.len()
    );
}
