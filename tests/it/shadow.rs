//! Shadow runs: a candidate decodes live traffic beside the live version; differences are
//! counted, nothing of the candidate is stored; promotion makes it live.

use passerelle::message::FrameOutcome;

use crate::harness::{self, hostile_frame as frame, plugin};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shadow_differences_are_counted_and_promotion_makes_the_candidate_live() {
    let dir = tempfile::tempdir().unwrap();
    // The candidate carries a failing vector on purpose: this decoder skips the vector check.
    let text = harness::config(
        &format!(r#""h": (plugin: "{}", check_vectors: false)"#, plugin("hostile_trap")),
        r#"(devicetype: "hostile", decoder: "h", sinks: ["db"])"#,
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let status = rt.handle.shadow_decoder("h", plugin("bad_vectors").as_ref()).await.unwrap();
    assert_eq!((status.plugin.as_str(), status.compared), ("bad-vectors@0.1.0", 0));

    // Two frames both versions decode alike; one the live version traps on.
    let outcomes = rt
        .handle
        .push(vec![frame("a", &[0, 1]), frame("b", &[0xff, 1]), frame("c", &[1, 2, 3])])
        .await
        .unwrap();
    assert!(matches!(outcomes[1], FrameOutcome::DeadLettered { .. }));
    let shadow = rt.shadow_after(3).await;
    assert_eq!(shadow.agreed, 2, "{shadow:?}");
    assert_eq!(shadow.differences.len(), 1, "{shadow:?}");
    assert!(
        shadow.differences[0].contains("device b")
            && shadow.differences[0].contains("expected a decode error, got 1 reading(s) [len]"),
        "{shadow:?}"
    );
    // The candidate's readings are compared, never stored.
    assert_eq!(rt.readings().len(), 2);

    rt.handle.promote_decoder("h").await.unwrap();
    let d = rt.handle.decoders()[0].clone();
    assert!(d.plugin.starts_with("bad-vectors@") && d.shadow.is_none(), "{d:?}");
    let outcomes = rt.handle.push(vec![frame("d", &[0xff, 9])]).await.unwrap();
    assert!(matches!(outcomes[0], FrameOutcome::Stored { readings: 1 }), "{outcomes:?}");
    assert!(rt.handle.promote_decoder("h").await.is_err(), "no shadow left to promote");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_candidate_that_fails_its_vectors_cannot_shadow() {
    let dir = tempfile::tempdir().unwrap();
    let text = harness::config(
        &format!(r#""h": (plugin: "{}")"#, plugin("hostile_trap")),
        r#"(devicetype: "hostile", decoder: "h", sinks: ["db"])"#,
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let err = rt.handle.shadow_decoder("h", plugin("bad_vectors").as_ref()).await.unwrap_err();
    assert!(matches!(err, passerelle::ReloadError::Vectors { .. }), "{err}");
    assert!(rt.handle.decoders()[0].shadow.is_none());
    rt.handle.shutdown().await.unwrap();
}
