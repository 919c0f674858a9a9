//! The operator console over real HTTP: a frame tried against the live decoders.

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
