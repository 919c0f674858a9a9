//! Config reload: routes and decoders added while traffic flows; invalid configs refused whole.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use passerelle::Error;
use passerelle::config::Config;

use crate::harness::{self, envelope, plugin};

fn parse(text: &str, dir: &std::path::Path) -> Config {
    let mut c = Config::parse(text, &dir.join("config.ron").display().to_string()).unwrap();
    c.set_base_dir(dir);
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_adds_a_route_while_traffic_flows() {
    let dir = tempfile::tempdir().unwrap();
    let milesight = format!(r#""milesight": (plugin: "{}")"#, plugin("milesight"));
    let before =
        harness::config(&milesight, r#"(devicetype: "em300-th", decoder: "milesight", sinks: ["db"])"#);
    let after = harness::config(
        &format!(r#"{milesight}, "elsys": (plugin: "{}")"#, plugin("elsys")),
        r#"(devicetype: "em300-th", decoder: "milesight", sinks: ["db"]),
           (devicetype: "ers-co2", decoder: "elsys", sinks: ["db"])"#,
    );
    let rt = Arc::new(harness::start_in(&before, dir.path()).await);
    let hash = rt.handle.decoders()[0].hash.clone();

    let stop = Arc::new(AtomicBool::new(false));
    let (th, co2_stored, co2_dead) =
        (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let sender = {
        let (rt, stop, th, co2_stored, co2_dead) = (
            Arc::clone(&rt),
            Arc::clone(&stop),
            Arc::clone(&th),
            Arc::clone(&co2_stored),
            Arc::clone(&co2_dead),
        );
        tokio::spawn(async move {
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) || co2_stored.load(Ordering::Relaxed) == 0 {
                let ts =
                    format!("2026-11-22T13:{:02}:{:02}.{:03}Z", (n / 60_000) % 60, (n / 1000) % 60, n % 1000);
                let body = serde_json::json!([
                    envelope("th", "em300-th", "0175320367c80004683c", 85, &ts),
                    envelope("co2", "ers-co2", "0100e202290400270506060308", 1, &ts),
                ]);
                let (status, reply) = harness::post(&rt.url, &body).await;
                assert_eq!(status, 200, "{reply}");
                assert_eq!(reply["outcomes"][0]["outcome"], "stored", "{reply}");
                th.fetch_add(1, Ordering::Relaxed);
                if reply["outcomes"][1]["outcome"] == "stored" {
                    co2_stored.fetch_add(1, Ordering::Relaxed);
                } else {
                    assert_eq!(reply["outcomes"][1]["stage"], "route", "{reply}");
                    co2_dead.fetch_add(1, Ordering::Relaxed);
                }
                n += 1;
            }
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    let report = rt.handle.reload_config(parse(&after, dir.path())).await.unwrap();
    assert_eq!(report.decoders_added, ["elsys"]);
    assert!(report.decoders_changed.is_empty() && report.decoders_removed.is_empty(), "{report:?}");
    assert_eq!(report.routes, 2);
    tokio::time::sleep(Duration::from_millis(300)).await;
    stop.store(true, Ordering::Relaxed);
    sender.await.unwrap();

    let (th, stored, dead) =
        (th.load(Ordering::Relaxed), co2_stored.load(Ordering::Relaxed), co2_dead.load(Ordering::Relaxed));
    assert!(dead > 0 && stored > 0, "before the reload {dead}, after {stored}");
    let rows = rt.readings();
    assert_eq!(rows.iter().filter(|r| r.device == "th").count() as u64, th * 3, "no em300-th frame lost");
    assert_eq!(rows.iter().filter(|r| r.device == "co2").count() as u64, stored * 5);
    assert_eq!(rt.dead_letters().len() as u64, dead);
    // The untouched decoder kept its pool and version.
    let milesight = rt.handle.decoders().into_iter().find(|d| d.name == "milesight").unwrap();
    assert_eq!((milesight.hash, milesight.reloads), (hash, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_reload_is_refused_whole_and_routing_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let text = harness::standard_config();
    let rt = harness::start_in(&text, dir.path()).await;
    let broken = text
        .replace(r#"decoder: "elsys""#, r#"decoder: "nope""#)
        .replace(r#"sinks: ["db"])"#, r#"sinks: ["x"])"#);
    match rt.handle.reload_config(parse(&broken, dir.path())).await {
        Err(Error::Config(errors)) => assert!(errors.0.len() >= 2, "{errors}"),
        other => panic!("expected every config error, got {other:?}"),
    }
    // Still routing as before.
    let body = envelope("x", "ers-co2", "0100e202290400270506060308", 1, "2026-11-22T14:00:00Z");
    let (status, reply) = harness::post(&rt.url, &body).await;
    assert_eq!((status, reply["stored"].as_u64()), (200, Some(1)), "{reply}");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_adds_changes_and_removes_connectors_leaving_the_others_alone() {
    let dir = tempfile::tempdir().unwrap();
    let text = harness::standard_config();
    let rt = harness::start_in(&text, dir.path()).await;
    let first = rt.handle.local_addr("energisme").unwrap();
    let second_connector = format!(
        r#""second": (transport: http_push(listen: "127.0.0.1:0", token_env: "IT_TOKEN"), plugin: "{}"),"#,
        plugin("energisme_push")
    );
    let with_second = text.replacen("connectors: {", &format!("connectors: {{ {second_connector}"), 1);
    let report = rt.handle.reload_config(parse(&with_second, dir.path())).await.unwrap();
    assert_eq!(
        (report.connectors_added.as_slice(), report.connectors_changed.len()),
        (&["second".to_string()][..], 0)
    );
    assert_eq!(rt.handle.local_addr("energisme"), Some(first), "the untouched connector keeps running");
    let second = rt.handle.local_addr("second").unwrap();
    let body = envelope("s", "em300-th", "0175320367c80004683c", 85, "2026-11-22T15:00:00Z");
    assert_eq!(harness::post(&format!("http://{second}/"), &body).await.0, 200);
    assert_eq!(harness::post(&format!("http://{first}/"), &body).await.0, 200);

    // Remove the second, change the first (one more instance): only it restarts.
    let changed = text.replace("instances: 2,", "instances: 3,");
    let report = rt.handle.reload_config(parse(&changed, dir.path())).await.unwrap();
    assert_eq!(report.connectors_removed, ["second"]);
    assert_eq!(report.connectors_changed, ["energisme"]);
    assert!(rt.handle.local_addr("second").is_none());
    assert!(
        reqwest::Client::new().post(format!("http://{second}/")).send().await.is_err(),
        "second is closed"
    );
    let moved = rt.handle.local_addr("energisme").unwrap();
    let body = envelope("t", "em300-th", "0175320367c80004683c", 85, "2026-11-22T15:01:00Z");
    assert_eq!(harness::post(&format!("http://{moved}/"), &body).await.0, 200);
    assert_eq!(rt.readings().len(), 6);
    rt.handle.shutdown().await.unwrap();
}
