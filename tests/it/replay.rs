//! Dead-letter replay: after a fix, entries are run again and stored once.

use passerelle::message::FrameOutcome;

use crate::harness::{self, hostile_frame as frame, plugin};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_after_a_fix_stores_the_frames_once() {
    let dir = tempfile::tempdir().unwrap();
    let (file, text) = harness::swappable_trap(dir.path());
    let rt = harness::start_in(&text, dir.path()).await;

    let outcomes = rt
        .handle
        .push(vec![frame("a", &[0xff, 1]), frame("b", &[0, 1]), frame("c", &[0xff, 2])])
        .await
        .unwrap();
    assert!(matches!(outcomes[1], FrameOutcome::Stored { readings: 1 }));
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 2, "{dead:?}");
    assert!(dead.iter().all(|d| d.stage == "plugin"));

    // A replay before the fix changes nothing and stores nothing twice.
    let report = rt.handle.replay_dead_letters(None).await.unwrap();
    assert_eq!((report.replayed, report.stored, report.still_failing), (2, 0, 2));
    assert_eq!(rt.dead_letters().len(), 2);

    // The fix: a version that decodes these frames.
    std::fs::copy(plugin("bad_vectors"), &file).unwrap();
    rt.handle.reload_decoder("h").await.unwrap();
    let report = rt.handle.replay_dead_letters(Some("h")).await.unwrap();
    assert_eq!((report.replayed, report.stored, report.still_failing), (2, 2, 0));
    assert!(rt.dead_letters().is_empty());
    let rows = rt.readings();
    for device in ["a", "b", "c"] {
        assert_eq!(rows.iter().filter(|r| r.device == device).count(), 1, "{device}: {rows:?}");
    }
    // A second replay finds nothing to do.
    let report = rt.handle.replay_dead_letters(None).await.unwrap();
    assert_eq!(report.replayed, 0);
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replay_leaves_requests_refused_by_the_connector() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&harness::standard_config(), dir.path()).await;
    assert_eq!(harness::post_raw(&rt.url, b"not json".to_vec(), Some(harness::TOKEN)).await.0, 400);
    let report = rt.handle.replay_dead_letters(None).await.unwrap();
    assert_eq!((report.replayed, report.skipped), (0, 1));
    assert_eq!(rt.dead_letters().len(), 1);
    rt.handle.shutdown().await.unwrap();
}
