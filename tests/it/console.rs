//! The operator console over real HTTP: the page and its assets, the token on every data route,
//! live events, the dead letter (filters, replay), a frame tried against the live decoders, the
//! plugins page (versions, shadow, promote, rollback, reload) and the readings page (latest
//! values and series read back from SQLite).

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
    for id in [
        "token",
        "t-flows",
        "t-dead",
        "t-try",
        "t-plugins",
        "t-readings",
        "dl-stage",
        "try-dt",
        "try-port",
        "try-hex",
        "pl-list",
        "pl-confirm",
        "rd-sink",
        "rd-w1h",
        "rd-w24h",
        "rd-w7d",
        "rd-table",
    ] {
        assert!(page.contains(&format!("id=\"{id}\"")), "the page has #{id}");
    }
    assert!(weight < 24_000, "the console stays light: {weight} bytes");

    for token in [None, Some("wrong")] {
        for path in [
            "/events",
            "/routes",
            "/deadletters",
            "/deadletters?stage=decode",
            "/status",
            "/plugins",
            "/readings",
            "/readings/series?device=a&name=temperature",
        ] {
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
    let (file, text) = harness::swappable_trap(dir.path());
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

/// The decoder named `name` in a `GET /plugins` answer.
fn decoder<'a>(plugins: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    plugins["decoders"].as_array().unwrap().iter().find(|d| d["name"] == name).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_plugins_page_shows_versions_and_its_buttons_shadow_promote_rollback_and_reload() {
    let dir = tempfile::tempdir().unwrap();
    // Milesight from a copy, to refuse a broken version of it later; hostile-trap without its
    // vectors checked, so that bad-vectors (a failing vector on purpose) can shadow and go live.
    let milesight = dir.path().join("m.wasm");
    std::fs::copy(harness::plugin("milesight"), &milesight).unwrap();
    let text = harness::config(
        &format!(
            r#""h": (plugin: "{}", check_vectors: false), "milesight": (plugin: "{}")"#,
            harness::plugin("hostile_trap"),
            milesight.display()
        ),
        r#"(devicetype: "hostile", decoder: "h", sinks: ["db"]),
           (devicetype: "em300-th", decoder: "milesight", sinks: ["db"]),"#,
    )
    .replace("compile_cache:", "watch_plugins: false, compile_cache:");
    let rt = harness::start_in(&with_admin(&text), dir.path()).await;
    let base = admin(&rt);
    let url = format!("{base}/plugins");

    let (code, body) = get_json(&url, Some("wrong")).await;
    assert_eq!(code, 401);
    assert!(!body.to_string().contains("hostile"), "no data with a wrong token: {body}");
    let (code, plugins) = get_json(&url, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200, "{plugins}");
    let h = decoder(&plugins, "h");
    assert_eq!(h["live"]["plugin"], "hostile-trap@0.1.0", "{h}");
    assert_eq!(h["live"]["hash"].as_str().map(str::len), Some(64), "{h}");
    assert!(h["live"]["vectors_passed"].is_null(), "not checked: {h}");
    assert!(h["shadow"].is_null() && h["kept"] == serde_json::json!([]), "{h}");
    let m = decoder(&plugins, "milesight");
    let passed = m["live"]["vectors_passed"].as_u64().unwrap();
    assert!(passed > 10, "the vectors run at load are counted: {m}");

    // Shadow (what the page's caller does: POST /shadow), then frames: the agreement.
    let shadow = serde_json::json!({"plugin": harness::plugin("bad_vectors")});
    let (code, got) = post_json(&format!("{base}/decoders/h/shadow"), &shadow, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200, "{got}");
    let (_, plugins) = get_json(&url, Some(ADMIN_TOKEN)).await;
    let s = &decoder(&plugins, "h")["shadow"];
    assert_eq!((&s["plugin"], &s["compared"]), (&"bad-vectors@0.1.0".into(), &0.into()), "{s}");
    let body = serde_json::json!([
        envelope("a", "hostile", "0001", 1, "2026-11-22T12:00:00Z"),
        envelope("b", "hostile", "ff01", 1, "2026-11-22T12:00:01Z"),
        envelope("c", "hostile", "010203", 1, "2026-11-22T12:00:02Z"),
    ]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    let started = std::time::Instant::now();
    let plugins = loop {
        let (_, plugins) = get_json(&url, Some(ADMIN_TOKEN)).await;
        if decoder(&plugins, "h")["shadow"]["compared"] == 3 {
            break plugins;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "{plugins}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let s = &decoder(&plugins, "h")["shadow"];
    assert_eq!(s["agreed"], 2, "{s}");
    let frames = s["differing_frames"].as_array().unwrap();
    assert_eq!(frames.len(), 1, "{s}");
    assert_eq!((&frames[0]["device"], &frames[0]["hex"]), (&"b".into(), &"ff01".into()), "{s}");
    assert_eq!(frames[0]["live"]["error"], "refused or failed", "{s}");
    assert_eq!(frames[0]["candidate"]["readings"][0]["name"], "len", "both outputs: {s}");
    assert!(s["differences"][0].as_str().unwrap().contains("device b"), "{s}");

    // Promote: the candidate is live, the old version kept; rollback brings it back.
    let none = serde_json::json!({});
    let (code, got) = post_json(&format!("{base}/decoders/h/promote"), &none, Some(ADMIN_TOKEN)).await;
    assert_eq!((code, &got["live"]), (200, &"bad-vectors@0.1.0".into()), "{got}");
    let (_, plugins) = get_json(&url, Some(ADMIN_TOKEN)).await;
    let h = decoder(&plugins, "h");
    assert_eq!(h["live"]["plugin"], "bad-vectors@0.1.0", "{h}");
    assert!(h["shadow"].is_null(), "{h}");
    assert_eq!(
        h["kept"].as_array().unwrap().iter().map(|k| k["plugin"].clone()).collect::<Vec<_>>(),
        ["hostile-trap@0.1.0"]
    );
    let (code, got) = post_json(&format!("{base}/decoders/h/rollback"), &none, Some(ADMIN_TOKEN)).await;
    assert_eq!((code, &got["live"]), (200, &"hostile-trap@0.1.0".into()), "{got}");
    let (_, plugins) = get_json(&url, Some(ADMIN_TOKEN)).await;
    let h = decoder(&plugins, "h");
    assert_eq!(
        (&h["live"]["plugin"], &h["kept"]),
        (&"hostile-trap@0.1.0".into(), &serde_json::json!([])),
        "{h}"
    );
    // Nothing left to roll back to or promote: refused with the reason.
    let (code, got) = post_json(&format!("{base}/decoders/h/rollback"), &none, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 409, "{got}");
    assert!(got["error"].as_str().unwrap().contains("no previous version"), "{got}");
    let (code, got) = post_json(&format!("{base}/decoders/h/promote"), &none, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 409, "{got}");

    // Reload: the same file is unchanged; a broken one is refused, counted, and its reason kept.
    let (code, got) = post_json(&format!("{base}/decoders/milesight/reload"), &none, Some(ADMIN_TOKEN)).await;
    assert_eq!((code, &got["unchanged"]), (200, &true.into()), "{got}");
    std::fs::copy(harness::plugin("bad_vectors"), &milesight).unwrap();
    let (code, got) = post_json(&format!("{base}/decoders/milesight/reload"), &none, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 409, "{got}");
    let (_, plugins) = get_json(&url, Some(ADMIN_TOKEN)).await;
    let m = decoder(&plugins, "milesight");
    assert_eq!(m["refused"], 1, "{m}");
    assert!(m["last_refusal"].as_str().unwrap().contains("candidate"), "{m}");
    assert_eq!(m["live"]["vectors_passed"].as_u64(), Some(passed), "the live version stays: {m}");
    rt.handle.shutdown().await.unwrap();
}

/// An em300-th frame whose temperature is `tenths` / 10 degrees.
fn em300(tenths: u16) -> String {
    let [lo, hi] = tenths.to_le_bytes();
    format!("0175320367{lo:02x}{hi:02x}04683c")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_frames_show_up_as_latest_readings_and_series_read_back_from_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let rt = harness::start_in(&with_admin(&harness::standard_config()), dir.path()).await;
    let base = admin(&rt);
    // 30 frames of device a, ten seconds apart, 20.0 to 22.9 degrees; one of device b.
    let start_ms = 1_795_334_400_000_i64; // 2026-11-22T08:00:00Z
    let iso = harness::vendor_api::rfc3339;
    let mut frames: Vec<serde_json::Value> = (0..30)
        .map(|i| envelope("a", "em300-th", &em300(200 + i), 85, &iso(start_ms + i64::from(i) * 10_000)))
        .collect();
    frames.push(envelope("b", "em300-th", &em300(150), 85, &iso(start_ms)));
    assert_eq!(post(&rt.url, &serde_json::Value::Array(frames)).await.0, 200);

    let (code, got) = get_json(&format!("{base}/readings"), Some("wrong")).await;
    assert_eq!(code, 401);
    assert!(!got.to_string().contains("temperature"), "no data with a wrong token: {got}");
    let (code, got) = get_json(&format!("{base}/readings"), Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200, "{got}");
    assert_eq!(got["sink"], "db", "{got}");
    let readings = got["readings"].as_array().unwrap();
    assert_eq!(readings.len(), 6, "three series per device: {got}");
    let a = readings.iter().find(|r| r["device"] == "a" && r["name"] == "temperature").unwrap();
    assert_eq!(a["value"].as_f64(), Some(22.9), "the latest: {a}");
    assert_eq!((&a["unit"], &a["quantity"]), (&"Cel".into(), &"air_temperature".into()), "{a}");
    assert_eq!(a["time_ms"].as_i64(), Some(start_ms + 290_000), "{a}");
    let b = readings.iter().find(|r| r["device"] == "b" && r["name"] == "temperature").unwrap();
    assert_eq!(b["value"].as_f64(), Some(15.0), "{b}");
    let (_, limited) = get_json(&format!("{base}/readings?limit=2"), Some(ADMIN_TOKEN)).await;
    assert_eq!(limited["readings"].as_array().map(Vec::len), Some(2), "{limited}");

    // A series over a window: the stored points, then down-sampled to fewer.
    let series = |from: i64, to: i64, points: usize| {
        format!(
            "{base}/readings/series?device=a&name=temperature&from_ms={from}&to_ms={to}&max_points={points}"
        )
    };
    let (code, s) = get_json(&series(start_ms, start_ms + 3_600_000, 100), Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200, "{s}");
    assert_eq!(
        (&s["stored"], &s["downsampled"], &s["unit"], &s["sink"]),
        (&30.into(), &false.into(), &"Cel".into(), &"db".into()),
        "{s}"
    );
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 30, "{s}");
    assert_eq!(
        (points[0]["value"].as_f64(), points[0]["time_ms"].as_i64()),
        (Some(20.0), Some(start_ms)),
        "{s}"
    );
    assert_eq!(points[29]["value"].as_f64(), Some(22.9), "{s}");
    let (_, s) = get_json(&series(start_ms, start_ms + 299_999, 10), Some(ADMIN_TOKEN)).await;
    assert_eq!((&s["stored"], &s["downsampled"]), (&30.into(), &true.into()), "{s}");
    let points = s["points"].as_array().unwrap();
    assert_eq!(points.len(), 10, "{s}");
    assert_eq!(points.iter().map(|p| p["count"].as_u64().unwrap()).sum::<u64>(), 30, "{s}");
    assert_eq!((points[0]["min"].as_f64(), points[0]["max"].as_f64()), (Some(20.0), Some(20.2)), "{s}");
    let (_, s) = get_json(&series(start_ms + 100_000, start_ms + 119_999, 10), Some(ADMIN_TOKEN)).await;
    assert_eq!(s["stored"], 2, "only the window: {s}");

    // Wrong token, bad windows, an unknown sink.
    assert_eq!(get_json(&series(start_ms, start_ms + 1, 10), Some("wrong")).await.0, 401);
    assert_eq!(get_json(&series(start_ms, start_ms + 1, 0), Some(ADMIN_TOKEN)).await.0, 400);
    assert_eq!(get_json(&series(start_ms + 1, start_ms, 10), Some(ADMIN_TOKEN)).await.0, 400);
    assert_eq!(get_json(&format!("{base}/readings/series?name=temperature"), Some(ADMIN_TOKEN)).await.0, 400);
    let (code, got) = get_json(&format!("{base}/readings?sink=nope"), Some(ADMIN_TOKEN)).await;
    assert_eq!((code, &got["kind"]), (404, &"unknown".into()), "{got}");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sink_without_a_read_path_answers_the_clear_error() {
    let broker = crate::harness::mosquitto::Mosquitto::start();
    let dir = tempfile::tempdir().unwrap();
    let text = with_admin(&harness::standard_config()).replace(
        r#"sinks: { "db": sqlite(path: "passerelle.db") }"#,
        &format!(
            r#"sinks: {{ "db": sqlite(path: "passerelle.db"), "mq": mqtt(host: "127.0.0.1", port: {}, client_id: "console-it") }}"#,
            broker.port
        ),
    );
    assert!(text.contains("\"mq\""), "the config has the MQTT sink");
    let rt = harness::start_in(&text, dir.path()).await;
    let base = admin(&rt);
    for path in ["/readings?sink=mq", "/readings/series?sink=mq&device=a&name=temperature"] {
        let (code, got) = get_json(&format!("{base}{path}"), Some(ADMIN_TOKEN)).await;
        assert_eq!((code, &got["kind"]), (501, &"unsupported".into()), "{path}: {got}");
        let error = got["error"].as_str().unwrap();
        assert!(error.contains("sink mq") && error.contains("does not read readings back"), "{error}");
        let mq = got["sinks"].as_array().unwrap().iter().find(|s| s["name"] == "mq").unwrap();
        assert_eq!(mq["reads_readings"], false, "{got}");
    }
    // Without a sink named, the one that reads answers.
    let (code, got) = get_json(&format!("{base}/readings"), Some(ADMIN_TOKEN)).await;
    assert_eq!((code, &got["sink"]), (200, &"db".into()), "{got}");
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_all_reads_the_dead_letter_a_page_at_a_time_and_takes_each_entry_once() {
    let dir = tempfile::tempdir().unwrap();
    let (file, text) = harness::swappable_trap(dir.path());
    let rt = harness::start_in(&with_admin(&text), dir.path()).await;
    // More entries than one replay page (512) holds.
    let n = 700;
    for chunk in (0..n).collect::<Vec<u32>>().chunks(100) {
        let frames =
            chunk.iter().map(|i| harness::hostile_frame(&format!("d{i}"), &[0xff, (i >> 8) as u8, *i as u8]));
        rt.handle.push(frames.collect()).await.unwrap();
    }
    assert_eq!(rt.dead_letters().len(), n as usize);
    let url = format!("{}/deadletters/replay", admin(&rt));
    let all = serde_json::json!({"all": true});

    // Still failing: each entry replayed once (not again under its new id), all kept.
    let (code, report) = post_json(&url, &all, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200, "{report}");
    assert_eq!(
        (report["replayed"].as_u64(), report["still_failing"].as_u64()),
        (Some(700), Some(700)),
        "{report}"
    );
    assert_eq!(rt.dead_letters().len(), n as usize);
    // The listing is bounded and filtered in the sink.
    let (_, listed) = get_json(&format!("{}/deadletters?limit=5", admin(&rt)), Some(ADMIN_TOKEN)).await;
    assert_eq!(listed.as_array().map(Vec::len), Some(5), "{listed}");

    // After the fix: every page stored, the dead letter empty.
    std::fs::copy(harness::plugin("bad_vectors"), &file).unwrap();
    rt.handle.reload_decoder("h").await.unwrap();
    let (code, report) = post_json(&url, &all, Some(ADMIN_TOKEN)).await;
    assert_eq!(code, 200, "{report}");
    assert_eq!((report["replayed"].as_u64(), report["stored"].as_u64()), (Some(700), Some(700)), "{report}");
    assert!(rt.dead_letters().is_empty());
    assert_eq!(rt.readings().len(), n as usize);
    rt.handle.shutdown().await.unwrap();
}

/// Twenty rejected frames: even ones refused by the decoder (a plugin label), odd ones unrouted.
fn rejected_batch() -> passerelle::sink::Batch {
    use passerelle::message::{Rejected, Stage};
    let rejected = (1..=20_u8)
        .map(|i| {
            let (stage, plugin) = if i % 2 == 0 {
                (Stage::Decode, Some("milesight@0.1.0".to_string()))
            } else {
                (Stage::Route, None)
            };
            let mut frame = harness::hostile_frame(&format!("d{i}"), &[i]);
            frame.connector = std::sync::Arc::from(if i <= 10 { "energisme" } else { "other" });
            Rejected { frame, stage, error: format!("Error number {i}"), plugin }
        })
        .collect();
    passerelle::sink::Batch { rejected, ..Default::default() }
}

/// The sink's dead-letter query agrees with the rule applied to every entry read at once.
async fn agrees_with_the_rule(sink: &dyn passerelle::sink::Sink) {
    use passerelle::sink::DeadLetterQuery;
    sink.write(rejected_batch()).await.unwrap();
    let all = sink.dead_letters().await.unwrap();
    assert_eq!(all.len(), 20);
    let (first, last) = (all[0].id, all[19].id);
    let q = |limit| DeadLetterQuery { limit, ..DeadLetterQuery::default() };
    let queries = [
        q(3),
        DeadLetterQuery { stage: Some("decode".into()), ..q(4) },
        DeadLetterQuery { connector: Some("other".into()), oldest_first: true, ..q(100) },
        DeadLetterQuery { plugin: Some("milesight@".into()), ..q(100) },
        DeadLetterQuery { error: Some("NUMBER 1".into()), ..q(100) },
        DeadLetterQuery { ids: Some(vec![first + 2, first + 5, last + 100]), oldest_first: true, ..q(100) },
        DeadLetterQuery { after_id: Some(first + 4), before_id: Some(last - 4), oldest_first: true, ..q(6) },
        DeadLetterQuery { stage: Some("nope".into()), ..q(100) },
    ];
    for query in queries {
        let got = sink.find_dead_letters(query.clone()).await.unwrap();
        assert_eq!(got, query.apply(all.clone()), "{query:?}");
    }
    let decode =
        sink.find_dead_letters(DeadLetterQuery { stage: Some("decode".into()), ..q(4) }).await.unwrap();
    assert_eq!(decode.iter().map(|e| e.device.as_str()).collect::<Vec<_>>(), ["d20", "d18", "d16", "d14"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dead_letter_query_of_sqlite_and_postgres_filters_in_the_sink() {
    let dir = tempfile::tempdir().unwrap();
    let config: passerelle::sink::sqlite::SqliteConfig = ron::from_str(r#"(path: "d.db")"#).unwrap();
    let sqlite = passerelle::sink::sqlite::SqliteSink::open("db", &dir.path().join("d.db"), &config).unwrap();
    agrees_with_the_rule(&sqlite).await;

    let schema = crate::harness::postgres::Schema::new("deadq");
    let config: passerelle::sink::postgres::PostgresConfig =
        ron::from_str(&format!(r#"(url_env: "IT_PG", schema: "{}", pool_size: 2)"#, schema.name)).unwrap();
    let rt = tokio::runtime::Handle::current();
    let postgres =
        passerelle::sink::postgres::PostgresSink::open("pg", &schema.url, &config, &rt).await.unwrap();
    agrees_with_the_rule(&postgres).await;
}

/// Stores 3 devices x 2 readings x 50 values, one a second, then reads them back.
async fn reads_readings_back(sink: &dyn passerelle::sink::Sink) {
    use passerelle::message::{Reading, Value};
    use passerelle::sink::SeriesQuery;
    let t0 = 1_795_334_400_000_i64;
    let tags = |last: bool| -> passerelle::message::Tags {
        if last {
            std::sync::Arc::from(vec![("quantity".to_string(), "power".to_string())])
        } else {
            std::sync::Arc::from(Vec::new())
        }
    };
    let mut readings = Vec::new();
    for d in 1..=3 {
        for name in ["power", "energy"] {
            for i in 0..50_i64 {
                readings.push(Reading {
                    device: std::sync::Arc::from(format!("d{d}").as_str()),
                    name: std::sync::Arc::from(name),
                    value: Value::Number((d * 100 + i) as f64),
                    unit: Some(std::sync::Arc::from(if name == "power" { "W" } else { "Wh" })),
                    time_ms: t0 + i * 1000,
                    tags: tags(i == 49),
                });
            }
        }
    }
    sink.write(passerelle::sink::Batch { readings, ..Default::default() }).await.unwrap();
    assert!(sink.reads_readings());

    let latest = sink.latest(4).await.unwrap();
    let keys: Vec<(&str, &str)> = latest.iter().map(|r| (r.device.as_str(), r.name.as_str())).collect();
    assert_eq!(keys, [("d1", "energy"), ("d1", "power"), ("d2", "energy"), ("d2", "power")]);
    let d1 = &latest[1];
    assert_eq!((d1.time_ms, &d1.value, d1.unit.as_deref()), (t0 + 49_000, &Value::Number(149.0), Some("W")));
    assert_eq!(d1.quantity.as_deref(), Some("power"));
    assert_eq!(sink.latest(100).await.unwrap().len(), 6);

    let query = |from_ms, to_ms, max_points| SeriesQuery {
        device: "d2".into(),
        name: "power".into(),
        from_ms,
        to_ms,
        max_points,
    };
    let s = sink.series(query(t0 + 10_000, t0 + 19_000, 100)).await.unwrap();
    assert_eq!(
        (s.stored, s.downsampled, s.points.len(), s.unit.as_deref()),
        (10, false, 10, Some("W")),
        "{s:?}"
    );
    assert_eq!((s.points[0].time_ms, s.points[0].value), (t0 + 10_000, 210.0));
    let s = sink.series(query(t0, t0 + 49_999, 10)).await.unwrap();
    assert_eq!((s.stored, s.downsampled, s.points.len()), (50, true, 10), "{s:?}");
    assert_eq!(s.points.iter().map(|p| p.count).sum::<u64>(), 50);
    assert_eq!((s.points[0].min, s.points[0].max, s.points[0].value), (200.0, 204.0, 202.0), "{s:?}");
    let none = sink.series(SeriesQuery { device: "nobody".into(), ..query(t0, t0 + 1, 5) }).await.unwrap();
    assert_eq!((none.stored, none.points.len()), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_and_postgres_read_readings_back_alike() {
    let dir = tempfile::tempdir().unwrap();
    let config: passerelle::sink::sqlite::SqliteConfig = ron::from_str(r#"(path: "r.db")"#).unwrap();
    let sqlite = passerelle::sink::sqlite::SqliteSink::open("db", &dir.path().join("r.db"), &config).unwrap();
    reads_readings_back(&sqlite).await;

    let schema = crate::harness::postgres::Schema::new("reads");
    let config: passerelle::sink::postgres::PostgresConfig =
        ron::from_str(&format!(r#"(url_env: "IT_PG", schema: "{}", pool_size: 2)"#, schema.name)).unwrap();
    let rt = tokio::runtime::Handle::current();
    let postgres =
        passerelle::sink::postgres::PostgresSink::open("pg", &schema.url, &config, &rt).await.unwrap();
    reads_readings_back(&postgres).await;
}
