//! The REST API poller: the `rest_api` connector plugin on the driver's HTTP client against a
//! vendor-style API written for the test (`harness/vendor_api.rs`): two keys from secrets,
//! devices paged by token, series paged by link from a saved cursor, a 429 with `Retry-After`
//! and a 500 recovered, a restart that resumes from the cursors, a wrong key reported.

use std::path::Path;
use std::time::{Duration, Instant};

use passerelle::Builder;
use passerelle::config::Config;
use passerelle::sink::sqlite::{ReadingRow, read_readings};

use crate::harness;
use crate::harness::vendor_api::{self, VendorApi};

fn config(api: &VendorApi) -> String {
    format!(
        r#"(
    connectors: {{
        "api": (
            transport: embedded(),
            plugin: "{plugin}",
            secrets: ["VENDOR_KEY", "VENDOR_SECRET"],
            settings: {{
                "base_url": "{base}",
                "header.X-Api-Key": "{{secret:VENDOR_KEY}}",
                "query.api_secret": "{{secret:VENDOR_SECRET}}",
                "poll_ms": "600000",
                "retry_min_ms": "200",
                "start": "2023-12-31T00:00:00Z",
                "name": "energy",
            }},
            sinks: ["db"],
            tick_ms: 50,
            request_timeout_ms: 5000,
        ),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
    compile_cache: "{cache}",
)"#,
        plugin = harness::plugin("rest_api"),
        base = api.base_url,
        cache = std::env::temp_dir().join("passerelle-it-compile-cache").display(),
    )
}

async fn start(text: &str, dir: &Path, secret: &str) -> passerelle::Handle {
    let config =
        Config::parse(text, &dir.join("config.ron").display().to_string()).unwrap_or_else(|e| panic!("{e}"));
    Builder::new(config)
        .secret("VENDOR_KEY", vendor_api::KEY)
        .secret("VENDOR_SECRET", secret)
        .start()
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
}

fn readings(dir: &Path) -> Vec<ReadingRow> {
    read_readings(&dir.join("passerelle.db")).unwrap_or_default()
}

async fn wait_until(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn stored(dir: &Path) -> Vec<(String, i64)> {
    let mut got: Vec<(String, i64)> = readings(dir).into_iter().map(|r| (r.device, r.time_ms)).collect();
    got.sort();
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_point_is_stored_once_across_a_429_a_500_and_a_restart_that_resumes_from_the_cursors() {
    // 3 devices (two listing pages), 12 points each (three series pages).
    let api = VendorApi::start(3, 12).await;
    let dir = tempfile::tempdir().unwrap();
    let text = config(&api);
    let handle = start(&text, dir.path(), vendor_api::SECRET).await;
    wait_until("36 readings", 60, || readings(dir.path()).len() >= 36).await;
    handle.shutdown().await.unwrap();

    let mut all = api.all_points();
    all.sort();
    assert_eq!(stored(dir.path()), all, "every point, no other");
    let rows = readings(dir.path());
    assert!(rows.iter().all(|r| r.name == "energy"), "{rows:?}");
    let unit = |d: &str| rows.iter().find(|r| r.device == d).and_then(|r| r.unit.clone());
    assert_eq!(
        (unit("dev-1").as_deref(), unit("dev-2").as_deref()),
        (Some("kWh"), Some("Cel")),
        "units from the listing"
    );
    let (requests, served) = api.with(|a| (a.requests.clone(), a.served.clone()));
    let statuses: Vec<u16> = requests.iter().map(|(s, _)| *s).collect();
    assert!(statuses.contains(&429) && statuses.contains(&500), "{requests:?}");
    // The 429 and the 500 were asked again, and no page was read twice.
    let mut once = served.clone();
    once.sort();
    once.dedup();
    assert_eq!(once.len(), served.len(), "a point served twice: {requests:?}");
    let retried = |status: u16| {
        let (i, (_, path)) = requests.iter().enumerate().find(|(_, (s, _))| *s == status).unwrap();
        requests.iter().skip(i + 1).any(|(s, p)| *s == 200 && p == path)
    };
    assert!(retried(429) && retried(500), "{requests:?}");

    // New points arrive; a restarted runtime asks each series from its cursor only.
    api.add_points(4);
    let before = api.with(|a| a.served.len());
    let handle = start(&text, dir.path(), vendor_api::SECRET).await;
    wait_until("48 readings", 60, || readings(dir.path()).len() >= 48).await;
    handle.shutdown().await.unwrap();
    let mut all = api.all_points();
    all.sort();
    assert_eq!(stored(dir.path()), all, "no gap after the restart");
    let (sinces, served) = api.with(|a| (a.sinces.clone(), a.served.clone()));
    let second_run: Vec<&(String, i64)> = served.iter().skip(before).collect();
    assert_eq!(second_run.len(), 12, "only the new points were read again: {second_run:?}");
    let last_cursor = vendor_api::T0 + 11 * 600_000;
    let resumed: Vec<&(String, String)> = sinces.iter().rev().take(3).collect();
    assert!(
        resumed.iter().all(|(_, since)| since == "2024-01-01T01:50:00Z"),
        "each series resumed at its cursor ({last_cursor} ms): {sinces:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_reported_in_the_status_and_metrics_and_nothing_is_stored() {
    let api = VendorApi::start(1, 3).await;
    let dir = tempfile::tempdir().unwrap();
    let handle = start(&config(&api), dir.path(), "not-the-secret").await;
    let series = r#"passerelle_connector_plugin_errors_total{connector="api"}"#;
    let failed = || {
        let text = handle.metrics().render();
        text.lines().find_map(|l| l.strip_prefix(series)?.trim().parse::<f64>().ok()).unwrap_or(0.0) >= 1.0
    };
    wait_until("the plugin error", 30, failed).await;
    let status = handle.status();
    handle.shutdown().await.unwrap();
    let api_status = status.connectors.iter().find(|c| c.name == "api").unwrap();
    let error = api_status.last_error.clone().unwrap_or_default();
    assert!(error.contains("API key refused") && error.contains("401"), "{api_status:?}");
    assert!(!error.contains("not-the-secret"), "a secret in the status: {error}");
    assert!(readings(dir.path()).is_empty());
    let statuses: Vec<u16> = api.with(|a| a.requests.iter().map(|(s, _)| *s).collect());
    assert_eq!(statuses, [401], "one cycle, stopped at the refusal");
}
