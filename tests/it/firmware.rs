//! Firmware-aware decoding (issue 17, item 3): a route names the firmware of its devices and
//! the decoder reads that firmware's format. The Dragino LDDS75 changed its report with firmware
//! 1.1.4 (5 bytes before, 8 after): the same 8-byte frame routed as firmware 1.1.3 and 1.1.4
//! decodes as each firmware's decoder says; a firmware that is not a version is refused by the
//! config check, naming the route.

use passerelle::message::Value;

use crate::harness::{self, envelope, plugin, post};

const FRAME: &str = "0d3b0aef00000001";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_route_names_the_firmware_and_the_decoder_reads_its_format() {
    let dir = tempfile::tempdir().unwrap();
    let text = harness::config(
        &format!(r#""dragino": (plugin: "{}")"#, plugin("dragino")),
        r#"(devicetype: "ldds75-old", model: "ldds75", firmware: "1.1.3", decoder: "dragino", sinks: ["db"]),
           (devicetype: "ldds75-new", model: "ldds75", firmware: "v1.1.4", decoder: "dragino", sinks: ["db"]),
           (devicetype: "ldds75", decoder: "dragino", sinks: ["db"]),"#,
    );
    let rt = harness::start_in(&text, dir.path()).await;
    let t = "2026-11-22T08:00:00.000Z";
    let body = serde_json::json!([
        envelope("old", "ldds75-old", FRAME, 2, t),
        envelope("new", "ldds75-new", FRAME, 2, t),
        envelope("unnamed", "ldds75", FRAME, 2, t),
        envelope("new-short", "ldds75-new", "0d3b05dc00", 2, t),
    ]);
    let (status, answer) = post(&rt.url, &body).await;
    assert_eq!(status, 200, "{answer}");
    let rows = rt.readings();
    let of = |device: &str| {
        let mut r: Vec<(String, Value)> =
            rows.iter().filter(|r| r.device == device).map(|r| (r.name.clone(), r.value.clone())).collect();
        r.sort_by(|a, b| a.0.cmp(&b.0));
        r
    };
    assert_eq!(of("old"), [("distance".to_string(), Value::Text("No Sensor".into()))], "{rows:?}");
    let new = of("new");
    assert!(new.contains(&("Distance".to_string(), Value::Text("2799 mm".into()))), "{new:?}");
    assert_eq!(new.len(), 5, "{new:?}");
    assert_eq!(of("unnamed"), new, "no firmware named: the length tells, 8 bytes is the 1.1.4 report");
    // A 5-byte frame from a device the route says runs 1.1.4: too short, into the dead letter.
    assert!(of("new-short").is_empty());
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 1, "{dead:?}");
    assert_eq!(dead[0].device, "new-short");
    assert!(dead[0].error.contains("too short"), "{}", dead[0].error);
    rt.handle.shutdown().await.unwrap();
}

#[test]
fn a_firmware_that_is_not_a_version_is_refused_by_the_config_check() {
    let text = harness::config(
        &format!(r#""dragino": (plugin: "{}")"#, plugin("dragino")),
        r#"(devicetype: "ldds75", firmware: "1.1 beta", decoder: "dragino", sinks: ["db"]),"#,
    );
    let err = passerelle::config::Config::parse(&text, "fw.ron").unwrap().validate().unwrap_err().to_string();
    assert!(err.contains("route 1: firmware \"1.1 beta\""), "{err}");
}
