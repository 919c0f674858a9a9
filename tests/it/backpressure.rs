//! Bounded queues and visible backpressure: a sink that stalls under a steady push load turns
//! into 503 with `Retry-After` at the source, never into lost or doubled data.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::harness::{self, TOKEN, envelope};

/// Readings one `em300-th` frame of this payload decodes to.
const READINGS_PER_FRAME: usize = 3;
const PAYLOAD: &str = "0175320367c80004683c";

/// The receive time of frame `n`: one millisecond apart, so each frame has its own rows.
fn timestamp(n: u64) -> (String, i64) {
    let ms = 1_700_000_000_000_i64 + n as i64;
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // 2023-11-14 is day 19_675 after the epoch.
    assert_eq!(days, 19_675, "the test's frames stay within one day");
    let text = format!("2023-11-14T{:02}:{:02}:{:02}.{:03}Z", rem / 3600, rem / 60 % 60, rem % 60, ms % 1000);
    (text, ms)
}

#[derive(Debug, Default)]
struct Tally {
    acknowledged: BTreeSet<i64>,
    retry_later: usize,
    retry_after_seen: bool,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_sink_turns_into_503s_and_every_acknowledged_frame_is_stored_once() {
    let dir = tempfile::tempdir().unwrap();
    let text = harness::standard_config()
        .replace(r#"sqlite(path: "passerelle.db")"#, r#"sqlite(path: "passerelle.db", queue_batches: 2)"#);
    let rt = harness::start_in(&text, dir.path()).await;
    let tally = Arc::new(Mutex::new(Tally::default()));
    let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let stop_at = Instant::now() + Duration::from_secs(4);
    let client = reqwest::Client::new();

    // Twelve senders, one frame per request, each frame sent until acknowledged: more units in
    // flight than the sink queues.
    let senders: Vec<_> = (0..12)
        .map(|_| {
            let (url, tally, next, client) =
                (rt.url.clone(), Arc::clone(&tally), Arc::clone(&next), client.clone());
            tokio::spawn(async move {
                while Instant::now() < stop_at {
                    let n = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let (ts, ms) = timestamp(n);
                    let body = envelope("stall", "em300-th", PAYLOAD, 85, &ts).to_string();
                    loop {
                        let res = client
                            .post(&url)
                            .header("authorization", format!("Basic {TOKEN}"))
                            .body(body.clone())
                            .send()
                            .await
                            .unwrap();
                        let status = res.status().as_u16();
                        let retry_after = res.headers().contains_key("retry-after");
                        let acknowledged = {
                            let mut t = tally.lock().unwrap();
                            match status {
                                200 => t.acknowledged.insert(ms),
                                503 => {
                                    t.retry_later += 1;
                                    t.retry_after_seen |= retry_after;
                                    false
                                }
                                other => panic!("unexpected status {other}"),
                            }
                        };
                        if acknowledged {
                            break;
                        }
                        // A sender honouring Retry-After would wait a second; a short wait keeps
                        // the test short and the pressure on.
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            })
        })
        .collect();

    // Half a second in, another connection takes SQLite's write lock for 1.5 s: the writer
    // thread waits, its bounded queue fills, and the sink turns batches away.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let db = rt.db.clone();
    let stall = tokio::task::spawn_blocking(move || {
        let conn = rusqlite::Connection::open(db).unwrap();
        conn.execute_batch("BEGIN EXCLUSIVE").unwrap();
        std::thread::sleep(Duration::from_millis(1500));
        conn.execute_batch("COMMIT").unwrap();
    });
    stall.await.unwrap();
    for s in senders {
        s.await.unwrap();
    }

    let t = std::mem::take(&mut *tally.lock().unwrap());
    assert!(t.retry_later > 0, "the stall never reached the senders");
    assert!(t.retry_after_seen, "503 answers carry Retry-After");
    let rows = rt.readings();
    // Every acknowledged frame is stored, each reading once; nothing else is.
    let mut stored: Vec<i64> = rows.iter().filter(|r| r.device == "stall").map(|r| r.time_ms).collect();
    stored.sort_unstable();
    let expected: Vec<i64> =
        t.acknowledged.iter().flat_map(|ms| std::iter::repeat_n(*ms, READINGS_PER_FRAME)).collect();
    assert_eq!(stored.len(), expected.len(), "{} frames acknowledged", t.acknowledged.len());
    assert_eq!(stored, expected);
    let metrics = rt.handle.metrics().render();
    assert!(metrics.contains(r#"passerelle_sink_full_total{sink="db",kind="sqlite"}"#), "{metrics}");
    eprintln!(
        "stalled sink: {} frames acknowledged and stored, {} answers 503",
        t.acknowledged.len(),
        t.retry_later
    );
    rt.handle.shutdown().await.unwrap();
}
