//! The operator console over real HTTP: the dead letter (filters, replay) and a frame tried
//! against the live decoders.

use crate::harness::{self, ADMIN_TOKEN, Running, envelope, post};

/// The standard config with the operator endpoint on an ephemeral port.
fn with_admin(text: &str) -> String {
    text.replace(
        "dead_letter: \"db\",",
        "dead_letter: \"db\", admin: (listen: \"127.0.0.1:0\", token_env: \"IT_ADMIN\"),",
    )
}

fn admin(rt: &Running) -> String {
    format!("http://{}", rt.handle.admin_addr().unwrap())
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build().unwrap()
}

fn bearer(req: reqwest::RequestBuilder, token: Option<&str>) -> reqwest::RequestBuilder {
    match token {
        Some(t) => req.header("authorization", format!("Bearer {t}")),
        None => req,
    }
}

async fn post_json(url: &str, body: &serde_json::Value, token: Option<&str>) -> (u16, serde_json::Value) {
    let res = bearer(client().post(url), token)
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let code = res.status().as_u16();
    let text = res.text().await.unwrap();
    (code, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}

async fn get_json(url: &str, token: Option<&str>) -> (u16, serde_json::Value) {
    let res = bearer(client().get(url), token).send().await.unwrap();
    let code = res.status().as_u16();
    let text = res.text().await.unwrap();
    (code, serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn try_a_frame_decodes_with_the_live_decoder_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&with_admin(&harness::standard_config()), dir.path()).await;
    let url = format!("{}/try", admin(&rt));
    // Something stored first, so "nothing stored" is measured against a live database.
    let body =
        serde_json::json!([envelope("a", "em300-th", "0175320367c80004683c", 85, "2026-11-22T12:00:00Z")]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    let (readings_before, dead_before) = (rt.readings().len(), rt.dead_letters().len());
    assert_eq!(readings_before, 3);

    let frame = serde_json::json!({"devicetype": "em300-th", "port": 85, "hex": "0175320367c80004683c"});
    assert_eq!(post_json(&url, &frame, None).await.0, 401);
    assert_eq!(post_json(&url, &frame, Some("wrong")).await.0, 401);
    let (code, got) = post_json(&url, &frame, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200, "{got}");
    let readings = got["readings"].as_array().unwrap();
    assert_eq!(readings.len(), 3, "{got}");
    let temperature = readings.iter().find(|r| r["name"] == "temperature").unwrap();
    assert_eq!(temperature["value"].as_f64(), Some(20.0), "{got}");
    assert_eq!(temperature["unit"], "Cel", "{got}");

    // Bad hex, an unknown devicetype, a frame the decoder refuses: a 4xx with the reason.
    let odd = serde_json::json!({"devicetype": "em300-th", "port": 85, "hex": "017"});
    let (code, got) = post_json(&url, &odd, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 400, "{got}");
    assert!(got["error"].as_str().unwrap().contains("odd number"), "{got}");
    let not_hex = serde_json::json!({"devicetype": "em300-th", "port": 85, "hex": "01zz"});
    let (code, got) = post_json(&url, &not_hex, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 400, "{got}");
    assert!(got["error"].as_str().unwrap().contains("not a hex byte"), "{got}");
    let unknown = serde_json::json!({"devicetype": "nope", "port": 85, "hex": "00"});
    let (code, got) = post_json(&url, &unknown, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 404, "{got}");
    assert!(got["error"].as_str().unwrap().contains("no route for devicetype \"nope\""), "{got}");
    let short = serde_json::json!({"devicetype": "em300-th", "port": 85, "hex": "0175"});
    let (code, got) = post_json(&url, &short, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 422, "{got}");
    assert_eq!(got["kind"], "decode", "{got}");
    assert!(got["error"].as_str().unwrap().contains("milesight"), "{got}");

    // The routes the page offers in its devicetype select.
    let (code, routes) = get_json(&format!("{}/routes", admin(&rt)), Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200);
    let devicetypes: Vec<&str> =
        routes.as_array().unwrap().iter().filter_map(|r| r["devicetype"].as_str()).collect();
    assert_eq!(devicetypes, ["am319", "em300-th", "ers-co2"], "{routes}");
    assert_eq!(get_json(&format!("{}/routes", admin(&rt)), Some("wrong")).await.0, 401);

    assert_eq!(rt.readings().len(), readings_before, "a tried frame is never stored");
    assert_eq!(rt.dead_letters().len(), dead_before, "a refused tried frame is never dead-lettered");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_are_listed_newest_first_and_filtered() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&with_admin(&harness::standard_config()), dir.path()).await;
    let body = serde_json::json!([
        envelope("good", "em300-th", "0175320367c80004683c", 85, "2026-11-22T12:00:00Z"),
        envelope("short", "em300-th", "0175", 85, "2026-11-22T12:00:01Z"),
        envelope("unrouted", "nope", "00ff", 85, "2026-11-22T12:00:02Z"),
    ]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    let base = format!("{}/deadletters", admin(&rt));

    let (code, all) = get_json(&base, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200, "{all}");
    let all = all.as_array().unwrap().clone();
    assert_eq!(all.len(), 2, "the good frame is not there: {all:?}");
    assert!(all[0]["id"].as_i64() > all[1]["id"].as_i64(), "newest first: {all:?}");

    let (_, decode) = get_json(&format!("{base}?stage=decode"), Some(ADMIN_TOKEN)).await;
    let decode = decode.as_array().unwrap();
    assert_eq!(decode.len(), 1, "{decode:?}");
    assert_eq!(decode[0]["device"], "short");
    assert_eq!(decode[0]["hex"], "0175", "the original bytes as hex");
    assert!(decode[0]["plugin"].as_str().unwrap().starts_with("milesight@"), "{decode:?}");
    assert!(decode[0]["error"].as_str().unwrap().contains("decode error"), "{decode:?}");

    let (_, route) = get_json(&format!("{base}?stage=route"), Some(ADMIN_TOKEN)).await;
    assert_eq!(
        route.as_array().unwrap().iter().map(|e| e["device"].clone()).collect::<Vec<_>>(),
        ["unrouted"]
    );
    let (_, by_plugin) = get_json(&format!("{base}?plugin=milesight"), Some(ADMIN_TOKEN)).await;
    assert_eq!(by_plugin.as_array().unwrap().len(), 1, "{by_plugin}");
    let (_, by_error) = get_json(&format!("{base}?error=NO%20ROUTE"), Some(ADMIN_TOKEN)).await;
    assert_eq!(by_error.as_array().unwrap().len(), 1, "{by_error}");
    let (_, by_connector) = get_json(&format!("{base}?connector=energisme&limit=1"), Some(ADMIN_TOKEN)).await;
    assert_eq!(by_connector.as_array().unwrap().len(), 1, "{by_connector}");
    assert_eq!(by_connector[0]["id"], all[0]["id"], "the newest: {by_connector}");
    let (_, none) = get_json(&format!("{base}?connector=other"), Some(ADMIN_TOKEN)).await;
    assert_eq!(none.as_array().map(Vec::len), Some(0), "{none}");
    assert_eq!(get_json(&format!("{base}?limit=many"), Some(ADMIN_TOKEN)).await.0, 400);
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_of_one_entry_after_a_fix_stores_it() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("h.wasm");
    std::fs::copy(harness::plugin("hostile_trap"), &file).unwrap();
    // The "fixed" version decodes everything but carries a failing vector on purpose (see
    // replay.rs), so this decoder goes live without its vectors checked.
    let text = harness::config(
        &format!(r#""h": (plugin: "{}", check_vectors: false)"#, file.display()),
        r#"(devicetype: "hostile", decoder: "h", sinks: ["db"])"#,
    )
    .replace("compile_cache:", "watch_plugins: false, compile_cache:");
    let rt = harness::start_in(&with_admin(&text), dir.path()).await;
    let frames = vec![harness::hostile_frame("a", &[0xff, 1]), harness::hostile_frame("b", &[0xff, 2])];
    rt.handle.push(frames).await.unwrap();
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 2, "{dead:?}");
    let url = format!("{}/deadletters/replay", admin(&rt));

    // Before the fix: still failing, the entry stays.
    let one = serde_json::json!({"ids": [dead[0].id]});
    let (code, report) = post_json(&url, &one, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200, "{report}");
    assert_eq!(
        (report["replayed"].as_u64(), report["still_failing"].as_u64()),
        (Some(1), Some(1)),
        "{report}"
    );
    assert_eq!(rt.dead_letters().len(), 2);

    std::fs::copy(harness::plugin("bad_vectors"), &file).unwrap();
    rt.handle.reload_decoder("h").await.unwrap();
    let (code, report) = post_json(&url, &one, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200, "{report}");
    assert_eq!((report["replayed"].as_u64(), report["stored"].as_u64()), (Some(1), Some(1)), "{report}");
    let left = rt.dead_letters();
    assert_eq!(left.iter().map(|d| d.device.as_str()).collect::<Vec<_>>(), ["b"], "only that entry replayed");
    assert_eq!(rt.readings().iter().filter(|r| r.device == "a").count(), 1);
    assert_eq!(rt.readings().iter().filter(|r| r.device == "b").count(), 0);

    // Again: it is gone; then all the rest.
    let (_, report) = post_json(&url, &one, Some(ADMIN_TOKEN)).await;
    assert_eq!((report["replayed"].as_u64(), report["missing"].as_u64()), (Some(0), Some(1)), "{report}");
    let (_, report) = post_json(&url, &serde_json::json!({"all": true}), Some(ADMIN_TOKEN)).await;
    assert_eq!(report["stored"].as_u64(), Some(1), "{report}");
    assert!(rt.dead_letters().is_empty());
    for bad in [
        serde_json::json!({}),
        serde_json::json!({"ids": [1], "all": true}),
        serde_json::json!({"all": false}),
    ] {
        let (code, got) = post_json(&url, &bad, Some(ADMIN_TOKEN)).await;
        assert_eq!(code, 400, "{bad}: {got}");
    }
    rt.handle.shutdown().await.unwrap();
}
