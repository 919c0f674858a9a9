//! The operator console over real HTTP: the page and its assets, the token on every data route,
//! live events, the dead letter (filters, replay) and a frame tried against the live decoders.

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
async fn the_page_is_served_without_data_and_every_data_route_needs_the_token() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&with_admin(&harness::standard_config()), dir.path()).await;
    let base = admin(&rt);
    let mut weight = 0;
    for (path, kind) in [
        ("/console", "text/html; charset=utf-8"),
        ("/console/app.js", "text/javascript; charset=utf-8"),
        ("/console/app.css", "text/css; charset=utf-8"),
    ] {
        let res = client().get(format!("{base}{path}")).send().await.unwrap();
        assert_eq!(res.status().as_u16(), 200, "{path}");
        assert_eq!(res.headers()["content-type"], kind, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-cache", "{path}");
        let body = res.text().await.unwrap();
        assert!(!body.contains("milesight") && !body.contains("energisme"), "{path} holds no data");
        weight += body.len();
    }
    let page = client().get(format!("{base}/console")).send().await.unwrap().text().await.unwrap();
    for id in ["token", "t-flows", "t-dead", "t-try", "dl-stage", "try-dt", "try-port", "try-hex"] {
        assert!(page.contains(&format!("id=\"{id}\"")), "the page has #{id}");
    }
    assert!(weight < 20_000, "the console stays light: {weight} bytes");

    for token in [None, Some("wrong")] {
        for path in ["/events", "/routes", "/deadletters", "/deadletters?stage=decode", "/status"] {
            assert_eq!(get_json(&format!("{base}{path}"), token).await.0, 401, "GET {path} with {token:?}");
        }
        let all = serde_json::json!({"all": true});
        assert_eq!(post_json(&format!("{base}/deadletters/replay"), &all, token).await.0, 401);
        let frame = serde_json::json!({"devicetype": "em300-th", "port": 85, "hex": "00"});
        assert_eq!(post_json(&format!("{base}/try"), &frame, token).await.0, 401);
    }
    rt.handle.shutdown().await.unwrap();
}

/// The next server-sent event's data, within a few seconds.
async fn next_event(res: &mut reqwest::Response, buffer: &mut String) -> serde_json::Value {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(end) = buffer.find("\n\n") {
            let block: String = buffer.drain(..end + 2).collect();
            assert!(block.contains("event: status"), "{block}");
            let data: String = block
                .lines()
                .filter_map(|l| l.strip_prefix("data:"))
                .map(str::trim)
                .collect::<Vec<_>>()
                .join("\n");
            return serde_json::from_str(&data).unwrap_or_else(|e| panic!("{e}: {data}"));
        }
        let chunk = tokio::time::timeout_at(deadline, res.chunk()).await.expect("an event within 10 s");
        let chunk = chunk.unwrap().expect("the stream stays open");
        buffer.push_str(std::str::from_utf8(&chunk).unwrap());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_stream_the_status_with_the_frames_pushed_before() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&with_admin(&harness::standard_config()), dir.path()).await;
    let body = serde_json::json!([
        envelope("a", "em300-th", "0175320367c80004683c", 85, "2026-11-22T12:00:00Z"),
        envelope("b", "em300-th", "0175320367c80004683c", 85, "2026-11-22T12:00:01Z"),
        envelope("c", "em300-th", "0175", 85, "2026-11-22T12:00:02Z"),
    ]);
    assert_eq!(post(&rt.url, &body).await.0, 200);

    let url = format!("{}/events", admin(&rt));
    let mut res = bearer(client().get(&url), Some(ADMIN_TOKEN)).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(res.headers()["content-type"], "text/event-stream");
    let mut buffer = String::new();
    let ev = next_event(&mut res, &mut buffer).await;
    let energisme = ev["connectors"].as_array().unwrap().iter().find(|c| c["name"] == "energisme").unwrap();
    assert_eq!(energisme["frames_in"], 3, "{ev}");
    assert_eq!(energisme["state"], "listening", "{ev}");
    let milesight = ev["decoders"].as_array().unwrap().iter().find(|d| d["name"] == "milesight").unwrap();
    assert_eq!(milesight["frames"], 3, "{ev}");
    assert_eq!(milesight["readings"], 6, "{ev}");
    assert_eq!(milesight["state"], "live", "{ev}");
    assert_eq!(milesight["devicetypes"][0]["decode_errors"], 1, "{ev}");
    assert_eq!(ev["dead_letters"]["decode"], 1, "{ev}");
    let db = ev["sinks"].as_array().unwrap().iter().find(|s| s["name"] == "db").unwrap();
    assert!(db["commits"].as_u64() >= Some(1), "{ev}");
    assert_eq!((&db["state"], &db["failures"]), (&"ok".into(), &0.into()), "{ev}");
    assert_eq!(ev["status"]["decoders"].as_array().map(Vec::len), Some(2), "the status itself: {ev}");

    // The next events carry what happened since, with the rates over the stream's window.
    assert_eq!(
        post(
            &rt.url,
            &serde_json::json!([envelope(
                "d",
                "em300-th",
                "0175320367c80004683c",
                85,
                "2026-11-22T12:00:03Z"
            )])
        )
        .await
        .0,
        200
    );
    let mut later = next_event(&mut res, &mut buffer).await;
    for _ in 0..3 {
        if later["decoders"][1]["frames"] == 4 {
            break;
        }
        later = next_event(&mut res, &mut buffer).await;
    }
    let milesight = later["decoders"].as_array().unwrap().iter().find(|d| d["name"] == "milesight").unwrap();
    assert_eq!(milesight["frames"], 4, "{later}");
    assert!(milesight["frames_per_min"].as_f64().unwrap() > 0.0, "{later}");

    // A bounded number of streams: the one open and three more, then 503.
    let mut others = Vec::new();
    for _ in 0..3 {
        let r = bearer(client().get(&url), Some(ADMIN_TOKEN)).send().await.unwrap();
        assert_eq!(r.status().as_u16(), 200);
        others.push(r);
    }
    let refused = bearer(client().get(&url), Some(ADMIN_TOKEN)).send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 503);
    // A closed stream frees its place once the runtime notices (at its next event).
    drop(others.pop());
    let mut reopened = false;
    for _ in 0..50 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        let r = bearer(client().get(&url), Some(ADMIN_TOKEN)).send().await.unwrap();
        if r.status().as_u16() == 200 {
            reopened = true;
            others.push(r);
            break;
        }
    }
    assert!(reopened, "a closed stream's place is given back");

    // Shutdown ends the open streams instead of waiting on them.
    tokio::time::timeout(std::time::Duration::from_secs(20), rt.handle.shutdown())
        .await
        .expect("shutdown with event streams open")
        .unwrap();
    let ended = tokio::time::timeout(std::time::Duration::from_secs(10), async {
        while let Ok(Some(_)) = res.chunk().await {}
    })
    .await;
    assert!(ended.is_ok(), "the stream ended with the runtime");
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
