//! Hot reload: new plugin versions swap in under load with nothing lost or doubled; bad
//! versions are refused while the old one keeps running; rollback goes back one version.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crate::harness::{self, envelope, plugin};

/// The component with a custom section appended: the same code, another content hash.
fn variant(bytes: &[u8], n: u8) -> Vec<u8> {
    let name = b"passerelle-test";
    let mut out = bytes.to_vec();
    out.push(0); // custom section
    out.push(u8::try_from(1 + name.len() + 1).unwrap());
    out.push(u8::try_from(name.len()).unwrap());
    out.extend_from_slice(name);
    out.push(n);
    out
}

/// Writes a file the way deploy tools do: to a temporary name, then renamed into place.
fn install(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).unwrap();
    std::fs::rename(&tmp, path).unwrap();
}

async fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    // Generous: a new version is compiled by Cranelift, slow on a shared 2-core machine.
    while !done() {
        assert!(started.elapsed() < Duration::from_secs(60), "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_swaps_under_load_lose_nothing_and_refuse_bad_versions() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("plugins");
    std::fs::create_dir(&live).unwrap();
    let file = live.join("milesight.wasm");
    let good = std::fs::read(plugin("milesight")).unwrap();
    let failing_vectors = std::fs::read(plugin("bad_vectors")).unwrap();
    std::fs::write(&file, &good).unwrap();
    let text = harness::config(
        &format!(r#""m": (plugin: "{}")"#, file.display()),
        r#"(devicetype: "em300-th", decoder: "m", sinks: ["db"])"#,
    );
    let rt = Arc::new(harness::start_in(&text, dir.path()).await);

    // Sustained push load: two senders, unique frames, until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let mut senders = Vec::new();
    for s in 0..2u64 {
        let (rt, stop, sent) = (Arc::clone(&rt), Arc::clone(&stop), Arc::clone(&sent));
        senders.push(tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let ts =
                    format!("2026-11-22T10:{:02}:{:02}.{:03}Z", (n / 60_000) % 60, (n / 1000) % 60, n % 1000);
                let body = envelope(&format!("s{s}"), "em300-th", "0175320367c80004683c", 85, &ts);
                let (status, reply) = harness::post(&rt.url, &body).await;
                assert_eq!((status, reply["stored"].as_u64()), (200, Some(1)), "{reply}");
                sent.fetch_add(1, Ordering::Relaxed);
                n += 1;
            }
        }));
    }

    let (mut swapped, mut refused) = (0u64, 0u64);
    let mut times = Vec::new();
    for i in 0..20u8 {
        let before = rt.handle.decoders()[0].clone();
        match i % 4 {
            // A bad version: fails its own vectors, or is not a component at all.
            1 => install(&file, &failing_vectors),
            3 => std::fs::write(&file, b"\0asm garbage").unwrap(),
            _ => {
                let bytes = variant(&good, i);
                let started = Instant::now();
                install(&file, &bytes);
                wait_for("the new version", || rt.handle.decoders()[0].hash != before.hash).await;
                times.push(started.elapsed());
                swapped += 1;
                continue;
            }
        }
        refused += 1;
        wait_for("the refusal", || rt.handle.decoders()[0].refused > before.refused).await;
        let after = rt.handle.decoders()[0].clone();
        assert_eq!(after.hash, before.hash, "a refused version must not go live");
        assert!(after.last_error.is_some());
        // Frames keep flowing on the old version.
        let count = sent.load(Ordering::Relaxed);
        wait_for("traffic after a refusal", || sent.load(Ordering::Relaxed) > count + 5).await;
    }
    stop.store(true, Ordering::Relaxed);
    for s in senders {
        s.await.unwrap();
    }
    let status = rt.handle.decoders()[0].clone();
    assert_eq!((status.reloads, status.refused), (swapped, refused), "{status:?}");
    assert_eq!(status.previous.len() as u64, swapped);
    let sent = sent.load(Ordering::Relaxed);
    assert!(sent > 100, "too little traffic to prove anything: {sent}");
    // Every frame sent is stored exactly once (three readings each), none dead-lettered.
    assert_eq!(rt.readings().len() as u64, sent * 3);
    assert!(rt.dead_letters().is_empty());
    times.sort();
    eprintln!(
        "write-to-live: median {:?}, max {:?} over {} swaps",
        times[times.len() / 2],
        times.last().unwrap(),
        times.len()
    );

    // Rollback goes back one version.
    let live_hash = status.hash.clone();
    rt.handle.rollback_decoder("m").await.unwrap();
    let back = rt.handle.decoders()[0].clone();
    assert_ne!(back.hash, live_hash);
    assert_eq!(back.previous.len() as u64, swapped - 1);
    let body = envelope("after-rollback", "em300-th", "0175320367c80004683c", 85, "2026-11-22T11:00:00Z");
    assert_eq!(harness::post(&rt.url, &body).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_that_drops_a_routed_model_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("decoder.wasm");
    std::fs::copy(plugin("milesight"), &file).unwrap();
    let text = harness::config(
        &format!(r#""m": (plugin: "{}")"#, file.display()),
        r#"(devicetype: "em300-th", decoder: "m", sinks: ["db"])"#,
    );
    let rt = harness::start_in(&text, dir.path()).await;
    // Elsys passes its own vectors but does not know em300-th.
    std::fs::copy(plugin("elsys"), &file).unwrap();
    let err = rt.handle.reload_decoder("m").await.unwrap_err();
    assert!(matches!(err, passerelle::ReloadError::Models { .. }), "{err}");
    assert!(rt.handle.decoders()[0].plugin.starts_with("milesight@"));
    rt.handle.shutdown().await.unwrap();
}

fn frame(device: &str, devicetype: &str, payload: &[u8]) -> passerelle::message::Frame {
    passerelle::message::Frame {
        device: Arc::from(device),
        devicetype: Arc::from(devicetype),
        port: 1,
        payload: payload.to_vec().into(),
        received_ms: 1_700_000_000_000,
        connector: Arc::from("host"),
        firmware: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devicetypes_all_follows_the_models_each_version_declares() {
    use passerelle::message::{FrameOutcome, Stage};
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("decoder.wasm");
    std::fs::copy(plugin("milesight"), &file).unwrap();
    let text = harness::config(
        &format!(r#""m": (plugin: "{}")"#, file.display()),
        r#"(devicetypes: all, decoder: "m", sinks: ["db"])"#,
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let em300 = [0x01, 0x75, 0x32, 0x03, 0x67, 0xc8, 0x00, 0x04, 0x68, 0x3c];
    let ers = [0x01, 0x00, 0xe2];
    let stage = |o: &FrameOutcome| match o {
        FrameOutcome::DeadLettered { stage, .. } => Some(*stage),
        _ => None,
    };
    let first =
        rt.handle.push(vec![frame("m1", "em300-th", &em300), frame("e1", "ers", &ers)]).await.unwrap();
    assert_eq!(first[0], FrameOutcome::Stored { readings: 3 });
    assert_eq!(stage(&first[1]), Some(Stage::Route), "ers is no Milesight model: {first:?}");

    // The next version is Elsys: its models are routed when it goes live (no named route
    // holds the reload back), and em300-th, which it dropped, is still caught by the decoder.
    std::fs::copy(plugin("elsys"), &file).unwrap();
    let swapped = rt.handle.reload_decoder("m").await.unwrap();
    assert!(matches!(swapped, passerelle::ReloadOutcome::Swapped { .. }), "{swapped:?}");
    let second =
        rt.handle.push(vec![frame("m2", "em300-th", &em300), frame("e2", "ers", &ers)]).await.unwrap();
    assert_eq!(stage(&second[0]), Some(Stage::Decode), "{second:?}");
    assert_eq!(second[1], FrameOutcome::Stored { readings: 1 });
    let dead: Vec<_> = rt.dead_letters().into_iter().map(|d| (d.device, d.stage)).collect();
    assert_eq!(dead, [("e1".to_string(), "route".to_string()), ("m2".to_string(), "decode".to_string())]);
    rt.handle.shutdown().await.unwrap();
}
