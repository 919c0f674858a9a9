//! The operator console in a real browser (headless Chromium over WebDriver,
//! `harness/chromium.rs`), against a runtime with real HTTP push and real SQLite: the token,
//! live flows, the dead letter and its replay, a tried frame, a shadow plugin promoted, the
//! readings page, a phone's width, the keyboard.
//! Each step leaves a screenshot in `<target dir>/artefacts/console/`.
//!
//! `PASSERELLE_BLESS=1` on `the_readme_screenshot_is_the_flows_view_with_traffic` writes
//! `docs/console.png`; `PASSERELLE_MEASURE=1` on `measure_weight_and_time_to_first_render`
//! prints what the page weighs and how long it takes to show data, idle and under push load.

use std::time::Duration;

use fantoccini::actions::{InputSource, KeyAction, KeyActions};
use fantoccini::key::Key;
use serde_json::{Value, json};

use crate::harness::chromium::{Browser, DESKTOP, PHONE, artefacts};
use crate::harness::{self, ADMIN_TOKEN, Running, envelope, post};

/// An AM319 frame from the vendor vectors (ten readings).
const AM319: &str = "0367340104686505000106cb02077da803087d2500097366270a7d04000b7d20000c7d3000";

/// `text` with the operator endpoint on an ephemeral port.
fn with_admin(text: &str) -> String {
    text.replace(
        "dead_letter: \"db\",",
        "dead_letter: \"db\", admin: (listen: \"127.0.0.1:0\", token_env: \"IT_ADMIN\"),",
    )
}

fn console_url(rt: &Running) -> String {
    format!("http://{}/console", rt.handle.admin_addr().unwrap())
}

/// The standard runtime (Milesight and Elsys routes, SQLite) with the console.
async fn standard(dir: &std::path::Path) -> Running {
    harness::start_in(&with_admin(&harness::standard_config()), dir).await
}

/// Opens the console, types `token` and connects.
async fn log_in(b: &Browser, rt: &Running, token: &str) {
    b.client.goto(&console_url(rt)).await.unwrap();
    b.find("#token").await.send_keys(token).await.unwrap();
    b.find("#auth button").await.click().await.unwrap();
}

/// Logs in with the right token and waits for the live stream.
async fn log_in_live(b: &Browser, rt: &Running) {
    log_in(b, rt, ADMIN_TOKEN).await;
    b.wait_until("live", "document.querySelector('#conn').textContent === 'Live.'").await;
}

/// The text of the cells of `table`'s body, row by row.
async fn rows(b: &Browser, table: &str) -> Vec<Vec<String>> {
    let v = b
        .eval(
            "return [...document.querySelector(arguments[0]).tBodies[0].rows]\
               .map((tr) => [...tr.cells].map((c) => c.textContent));",
            vec![json!(table)],
        )
        .await;
    serde_json::from_value(v).unwrap()
}

/// The row of `table` whose first cell is `name`.
async fn row(b: &Browser, table: &str, name: &str) -> Vec<String> {
    let all = rows(b, table).await;
    all.iter()
        .find(|r| r.first().map(String::as_str) == Some(name))
        .cloned()
        .unwrap_or_else(|| panic!("{name} in {table}: {all:?}"))
}

/// The HTTP status of each resource the page fetched whose path starts with `path`.
async fn statuses(b: &Browser, path: &str) -> Vec<u64> {
    let v = b
        .eval(
            "return performance.getEntriesByType('resource')\
               .filter((e) => new URL(e.name).pathname.startsWith(arguments[0]))\
               .map((e) => e.responseStatus);",
            vec![json!(path)],
        )
        .await;
    serde_json::from_value(v).unwrap()
}

/// Presses `key` where the focus is.
async fn press(b: &Browser, key: Key) {
    let k: char = key.into();
    let keys = KeyActions::new("keyboard".into())
        .then(KeyAction::Down { value: k })
        .then(KeyAction::Up { value: k });
    b.client.perform_actions(keys).await.unwrap();
}

/// The id of the focused element.
async fn focused(b: &Browser) -> String {
    b.eval("return document.activeElement ? document.activeElement.id : '';", Vec::new())
        .await
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// Clicks the tab `id` and waits until its panel shows.
async fn open_tab(b: &Browser, id: &str) {
    b.find(&format!("#{id}")).await.click().await.unwrap();
    let expr = format!(
        "document.querySelector('#{id}').getAttribute('aria-selected') === 'true' && \
         !document.getElementById(document.querySelector('#{id}').getAttribute('aria-controls')).hidden"
    );
    b.wait_until(&format!("tab {id}"), &expr).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_token_sees_nothing_and_the_right_token_logs_in() {
    let dir = tempfile::tempdir().unwrap();
    let rt = standard(dir.path()).await;
    let body = json!([envelope("a", "em300-th", "0175320367c80004683c", 85, "2026-11-22T12:00:00Z")]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    let b = Browser::start(DESKTOP).await;

    log_in(&b, &rt, "wrong").await;
    b.wait_until("refused", "document.querySelector('#conn').textContent === 'Wrong or missing token.'")
        .await;
    b.wait_until(
        "routes answered",
        "performance.getEntriesByType('resource').some((e) => e.name.endsWith('/routes'))",
    )
    .await;
    let shot = b.screenshot("01-wrong-token").await;
    println!("console screenshots: {}", shot.parent().unwrap().display());
    for table in ["#connectors", "#decoders", "#sinks", "#devicetypes"] {
        assert!(rows(&b, table).await.is_empty(), "{table} shows nothing with a wrong token");
    }
    let options = b.eval("return document.querySelector('#try-dt').options.length;", Vec::new()).await;
    assert_eq!(options, json!(0), "no devicetype offered with a wrong token");
    let page = b.eval("return document.body.innerText;", Vec::new()).await;
    assert!(!page.as_str().unwrap().contains("milesight"), "no data on the page: {page}");
    let refused: Vec<u64> = [statuses(&b, "/events").await, statuses(&b, "/routes").await].concat();
    assert!(
        !refused.is_empty() && refused.iter().all(|s| *s == 401),
        "the data calls answer 401: {refused:?}"
    );

    // The right token, in the same page: the flows show.
    b.find("#token").await.clear().await.unwrap();
    b.find("#token").await.send_keys(ADMIN_TOKEN).await.unwrap();
    b.find("#auth button").await.click().await.unwrap();
    b.wait_until("live", "document.querySelector('#conn').textContent === 'Live.'").await;
    b.wait_until("rows", "document.querySelector('#decoders').tBodies[0].rows.length === 2").await;
    assert_eq!(row(&b, "#decoders", "milesight").await[5], "3", "the readings of the pushed frame");
    assert_eq!(row(&b, "#connectors", "energisme").await[2], "listening");
    b.screenshot("02-logged-in").await;
    b.close().await;
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushed_frame_appears_on_the_flows_view_without_a_reload() {
    let dir = tempfile::tempdir().unwrap();
    let rt = standard(dir.path()).await;
    let b = Browser::start(DESKTOP).await;
    log_in_live(&b, &rt).await;
    b.wait_until("decoders", "document.querySelector('#decoders').tBodies[0].rows.length === 2").await;
    // Columns: name, plugin, state, frames/min, readings/min, readings, last error.
    let before = row(&b, "#decoders", "milesight").await;
    assert_eq!((before[2].as_str(), before[5].as_str()), ("live", "0"), "{before:?}");
    assert_eq!(row(&b, "#connectors", "energisme").await[3], "0");
    b.screenshot("03-flows-idle").await;
    // A mark on this document: gone if the page were loaded again.
    b.eval("window.itMark = 'same page'; return null;", Vec::new()).await;

    let body = json!([envelope("a", "em300-th", "0175320367c80004683c", 85, "2026-11-22T12:00:00Z")]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    // The connector's and the decoder's counters may move in different events: both, in time.
    b.wait_until(
        "frame and readings counted",
        "[...document.querySelector('#decoders').tBodies[0].rows]\
           .some((tr) => tr.cells[0].textContent === 'milesight' && tr.cells[5].textContent === '3') && \
         [...document.querySelector('#connectors').tBodies[0].rows]\
           .some((tr) => tr.cells[0].textContent === 'energisme' && tr.cells[3].textContent === '1')",
    )
    .await;
    let after = row(&b, "#decoders", "milesight").await;
    assert!(after[3].parse::<f64>().unwrap() > 0.0, "frames/min moved: {after:?}");
    assert!(after[4].parse::<f64>().unwrap() > 0.0, "readings/min moved: {after:?}");
    let energisme = row(&b, "#connectors", "energisme").await;
    assert_eq!(energisme[3], "1", "frames in: {energisme:?}");
    let types = rows(&b, "#devicetypes").await;
    assert!(
        types.iter().any(|r| r[1] == "em300-th" && r[2] == "1" && r[3] == "3"),
        "per devicetype: {types:?}"
    );
    assert_eq!(b.eval("return window.itMark;", Vec::new()).await, json!("same page"), "no reload");
    assert_eq!(
        b.eval("return performance.getEntriesByType('navigation').length;", Vec::new()).await,
        json!(1)
    );
    b.screenshot("04-flows-after-push").await;
    assert_eq!(rt.readings().len(), 3, "stored in SQLite");
    b.close().await;
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_letter_shows_its_hex_and_is_replayed_from_the_page_after_a_fix() {
    let dir = tempfile::tempdir().unwrap();
    let (file, text) = harness::swappable_trap(dir.path());
    let rt = harness::start_in(&with_admin(&text), dir.path()).await;
    // 0xFF first: the hostile decoder traps on it.
    let body = json!([envelope("bad", "hostile", "ff01a2", 1, "2026-11-22T12:00:00Z")]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    let dead = rt.dead_letters();
    assert_eq!(dead.len(), 1, "{dead:?}");
    let id = dead[0].id;

    let b = Browser::start(DESKTOP).await;
    log_in_live(&b, &rt).await;
    open_tab(&b, "t-dead").await;
    b.wait_until("entry listed", "document.querySelector('#dl-table').tBodies[0].rows.length === 1").await;
    // Columns: id, received, stage, connector, device, devicetype, plugin, hex, error, replay.
    let entry = rows(&b, "#dl-table").await.remove(0);
    assert_eq!(entry[0], id.to_string(), "{entry:?}");
    assert_eq!((entry[4].as_str(), entry[5].as_str()), ("bad", "hostile"), "{entry:?}");
    assert_eq!(entry[2], "plugin", "the decoder trapped on it: {entry:?}");
    assert_eq!(entry[7], "ff01a2", "the original bytes as hex: {entry:?}");
    assert!(entry[6].starts_with("hostile-trap@"), "{entry:?}");
    assert!(!entry[8].is_empty(), "the error beside the bytes: {entry:?}");
    b.screenshot("05-dead-letter").await;

    // The fix: the decoder swapped for one that decodes the frame.
    std::fs::copy(harness::plugin("bad_vectors"), &file).unwrap();
    rt.handle.reload_decoder("h").await.unwrap();
    b.find(&format!("button[aria-label='Replay entry {id}']")).await.click().await.unwrap();
    let question = b.client.get_alert_text().await.unwrap();
    assert!(question.contains(&format!("entry {id}")), "a confirmation first: {question}");
    b.client.accept_alert().await.unwrap();
    let result = b
        .wait_until("replayed", "document.querySelector('#dl-result').textContent.startsWith('Replayed') && document.querySelector('#dl-result').textContent")
        .await;
    assert!(result.as_str().unwrap().starts_with("Replayed 1: 1 stored"), "{result}");
    b.wait_until("entry gone", "document.querySelector('#dl-table').tBodies[0].rows.length === 0").await;
    b.screenshot("06-dead-letter-replayed").await;
    assert!(rt.dead_letters().is_empty(), "the entry left the dead letter");
    let stored: Vec<_> = rt.readings().into_iter().filter(|r| r.device == "bad").collect();
    assert_eq!(stored.len(), 1, "stored in SQLite: {stored:?}");
    b.close().await;
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_tried_frame_shows_its_readings_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let rt = standard(dir.path()).await;
    let b = Browser::start(DESKTOP).await;
    log_in_live(&b, &rt).await;
    open_tab(&b, "t-try").await;
    b.wait_until("devicetypes offered", "document.querySelector('#try-dt').options.length === 3").await;
    b.find("#try-dt").await.select_by_value("em300-th").await.unwrap();
    let port = b.find("#try-port").await;
    port.clear().await.unwrap();
    port.send_keys("85").await.unwrap();
    b.find("#try-hex").await.send_keys("01 75 32 03 67 c8 00 04 68 3c").await.unwrap();
    b.find("#try-form button").await.click().await.unwrap();
    b.wait_until("readings shown", "document.querySelector('#try-table').tBodies[0].rows.length === 3").await;
    let readings = rows(&b, "#try-table").await;
    assert!(readings.contains(&vec!["temperature".into(), "20".into(), "Cel".into()]), "{readings:?}");
    assert!(readings.iter().any(|r| r[0] == "humidity"), "{readings:?}");
    assert_eq!(
        b.eval("return document.querySelector('#try-error').textContent;", Vec::new()).await,
        json!("")
    );
    b.screenshot("07-try-a-frame").await;

    // A frame the decoder refuses: the reason, no readings.
    let hex = b.find("#try-hex").await;
    hex.clear().await.unwrap();
    hex.send_keys("0175").await.unwrap();
    b.find("#try-form button").await.click().await.unwrap();
    b.wait_until("refusal shown", "document.querySelector('#try-error').textContent.includes('milesight')")
        .await;
    assert!(rows(&b, "#try-table").await.is_empty());
    b.screenshot("08-try-a-frame-refused").await;
    assert!(rt.readings().is_empty(), "a tried frame is never stored");
    assert!(rt.dead_letters().is_empty(), "a refused tried frame is never dead-lettered");
    b.close().await;
    rt.handle.shutdown().await.unwrap();
}

/// Horizontal overflow of the document, and any tab outside the viewport.
async fn layout_problems(b: &Browser) -> Value {
    b.eval(
        "const w = window.innerWidth, out = [];\
         if (document.documentElement.scrollWidth > w) out.push('scrollWidth ' + document.documentElement.scrollWidth + ' > ' + w);\
         for (const t of document.querySelectorAll('[role=tab]')) {\
           const r = t.getBoundingClientRect();\
           if (r.width === 0 || r.left < 0 || r.right > w) out.push(t.id + ' at ' + r.left + '..' + r.right);\
         }\
         return out;",
        Vec::new(),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_views_fit_a_phone_width() {
    let dir = tempfile::tempdir().unwrap();
    let rt = standard(dir.path()).await;
    let body = json!([
        envelope("a", "em300-th", "0175320367c80004683c", 85, "2026-11-22T12:00:00Z"),
        envelope("b", "em300-th", "0175", 85, "2026-11-22T12:00:01Z"),
    ]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    let b = Browser::start(PHONE).await;
    log_in_live(&b, &rt).await;
    let width = b.eval("return window.innerWidth;", Vec::new()).await;
    assert_eq!(width, json!(375), "the phone's viewport");
    b.wait_until("decoders", "document.querySelector('#decoders').tBodies[0].rows.length === 2").await;
    assert_eq!(layout_problems(&b).await, json!([]), "flows at 375 px");
    b.screenshot("09-phone-flows").await;
    open_tab(&b, "t-dead").await;
    b.wait_until("entry listed", "document.querySelector('#dl-table').tBodies[0].rows.length === 1").await;
    assert_eq!(layout_problems(&b).await, json!([]), "dead letter at 375 px");
    b.screenshot("10-phone-dead-letter").await;
    open_tab(&b, "t-try").await;
    b.find("#try-hex").await.send_keys("0175320367c80004683c").await.unwrap();
    b.find("#try-dt").await.select_by_value("em300-th").await.unwrap();
    let port = b.find("#try-port").await;
    port.clear().await.unwrap();
    port.send_keys("85").await.unwrap();
    b.find("#try-form button").await.click().await.unwrap();
    b.wait_until("readings shown", "document.querySelector('#try-table').tBodies[0].rows.length === 3").await;
    assert_eq!(layout_problems(&b).await, json!([]), "try a frame at 375 px");
    b.screenshot("11-phone-try").await;
    b.close().await;
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_tabs_work_from_the_keyboard_and_every_input_has_a_label() {
    let dir = tempfile::tempdir().unwrap();
    let rt = standard(dir.path()).await;
    let b = Browser::start(DESKTOP).await;
    log_in_live(&b, &rt).await;

    // Every form control has a label (or an aria-label), in every view.
    let unlabelled = b
        .eval(
            "return [...document.querySelectorAll('input, select, textarea')]\
               .filter((e) => e.type !== 'hidden' && e.labels.length === 0 && !e.getAttribute('aria-label'))\
               .map((e) => e.id || e.outerHTML);",
            Vec::new(),
        )
        .await;
    assert_eq!(unlabelled, json!([]), "inputs without a label");
    let count = b.eval("return document.querySelectorAll('input, select').length;", Vec::new()).await;
    assert!(count.as_u64() >= Some(9), "the controls of all views were checked: {count}");

    // From the top of the page, Tab reaches each tab and Enter opens it.
    b.eval("document.activeElement.blur(); return null;", Vec::new()).await;
    for (tab, panel) in [("t-dead", "dead"), ("t-try", "try"), ("t-flows", "flows")] {
        b.eval("document.activeElement.blur(); window.scrollTo(0, 0); return null;", Vec::new()).await;
        let mut presses = 0;
        while focused(&b).await != tab {
            press(&b, Key::Tab).await;
            presses += 1;
            assert!(presses <= 10, "{tab} not reached with Tab (focus on {:?})", focused(&b).await);
        }
        press(&b, Key::Enter).await;
        let expr = format!(
            "document.querySelector('#{tab}').getAttribute('aria-selected') === 'true' && !document.querySelector('#{panel}').hidden"
        );
        b.wait_until(&format!("{tab} opened by Enter"), &expr).await;
        let hidden = b
            .eval("return [...document.querySelectorAll('[role=tabpanel]')].filter((p) => !p.hidden).map((p) => p.id);", Vec::new())
            .await;
        assert_eq!(hidden, json!([panel]), "only {panel} shows");
        b.screenshot(&format!("12-keyboard-{panel}")).await;
    }
    // The focus is visible where it is.
    let outline = b.eval("return getComputedStyle(document.activeElement).outlineStyle;", Vec::new()).await;
    assert_ne!(outline, json!("none"), "a visible focus ring on the focused tab");
    b.close().await;
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_page_left_gives_its_event_stream_back() {
    let dir = tempfile::tempdir().unwrap();
    let rt = standard(dir.path()).await;
    let b = Browser::start(DESKTOP).await;
    log_in_live(&b, &rt).await;
    // Six loads of the console, each left for another page: a page kept in the back-forward
    // cache with its stream open would hold one of the runtime's four for minutes, and the
    // fifth load would only show "Disconnected (503 ...)".
    for load in 0..6 {
        b.client.goto("about:blank").await.unwrap();
        b.client.goto(&console_url(&rt)).await.unwrap();
        b.wait_until(
            &format!("load {load} live"),
            "document.querySelector('#decoders').tBodies[0].rows.length === 2",
        )
        .await;
    }
    // Back to a page from the cache: it streams again.
    b.client.goto("about:blank").await.unwrap();
    b.client.back().await.unwrap();
    b.wait_until("live after back", "document.querySelector('#conn').textContent === 'Live.'").await;
    let body = json!([envelope("a", "em300-th", "0175320367c80004683c", 85, "2026-11-22T12:00:00Z")]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    b.wait_until(
        "a frame shown after back",
        "[...document.querySelector('#connectors').tBodies[0].rows].some((tr) => tr.cells[3].textContent === '1')",
    )
    .await;
    b.close().await;
    rt.handle.shutdown().await.unwrap();
}

/// Width and height of a PNG, from its header.
fn png_size(png: &[u8]) -> (u32, u32) {
    assert_eq!(png.get(..8), Some(&b"\x89PNG\r\n\x1a\n"[..]), "a PNG");
    let be = |at: usize| u32::from_be_bytes(png[at..at + 4].try_into().unwrap());
    (be(16), be(20))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_screenshot_is_the_flows_view_with_traffic() {
    let dir = tempfile::tempdir().unwrap();
    let rt = standard(dir.path()).await;
    let b = Browser::start(DESKTOP).await;
    log_in_live(&b, &rt).await;
    // Some traffic: good frames of two models, one that fails decoding, one with no route.
    for i in 0..5 {
        let at = |s: u32| format!("2026-11-22T12:00:{:02}Z", i * 6 + s);
        let body = json!([
            envelope(&format!("th-{i}"), "em300-th", "0175320367c80004683c", 85, &at(0)),
            envelope(&format!("co2-{i}"), "ers-co2", "0100e202290400270506060308", 1, &at(1)),
            envelope(&format!("am-{i}"), "am319", AM319, 85, &at(2)),
        ]);
        assert_eq!(post(&rt.url, &body).await.0, 200);
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    let bad = json!([
        envelope("th-9", "em300-th", "0175", 85, "2026-11-22T12:01:00Z"),
        envelope("x-1", "unknown-model", "00", 1, "2026-11-22T12:01:01Z"),
    ]);
    assert_eq!(post(&rt.url, &bad).await.0, 200);
    b.wait_until(
        "traffic shown",
        "[...document.querySelector('#connectors').tBodies[0].rows].some((tr) => tr.cells[3].textContent === '17')",
    )
    .await;
    // The token is not in the picture.
    b.find("#token").await.clear().await.unwrap();
    b.eval("document.activeElement.blur(); return null;", Vec::new()).await;
    let shot = b.screenshot("readme-console").await;
    let png = std::fs::read(&shot).unwrap();
    assert_eq!(png_size(&png), (DESKTOP.width, DESKTOP.height), "{}", shot.display());
    if std::env::var_os("PASSERELLE_BLESS").is_some() {
        let docs = harness::root().join("docs");
        std::fs::create_dir_all(&docs).unwrap();
        std::fs::copy(&shot, docs.join("console.png")).unwrap();
        println!("wrote {} ({} bytes)", docs.join("console.png").display(), png.len());
    }
    b.close().await;
    rt.handle.shutdown().await.unwrap();
}

/// Milliseconds from navigation start to the first rendered event (the page's
/// `console:first-render` mark), over `rounds` fresh loads of the page (median, min, max).
async fn time_to_first_render(b: &Browser, rt: &Running, rounds: usize) -> (f64, f64, f64) {
    // The token in the session, as after a log-in: each load connects by itself.
    b.client.goto(&console_url(rt)).await.unwrap();
    b.eval(
        "sessionStorage.setItem('passerelle-token', arguments[0]); return null;",
        vec![json!(ADMIN_TOKEN)],
    )
    .await;
    let mut times = Vec::new();
    for _ in 0..rounds {
        // The previous page's event stream is given back once the runtime's writes to it
        // fail (a second or two); at most 4 are open, the page retries a refused one in 3 s.
        b.client.goto("about:blank").await.unwrap();
        tokio::time::sleep(Duration::from_secs(3)).await;
        b.client.goto(&console_url(rt)).await.unwrap();
        let t = b
            .wait_until(
                "first render",
                "performance.getEntriesByName('console:first-render').length > 0 && \
                 performance.getEntriesByName('console:first-render')[0].startTime",
            )
            .await;
        times.push(t.as_f64().unwrap());
    }
    times.sort_by(f64::total_cmp);
    println!("  first render of each load (ms, sorted): {times:.0?}");
    (times[times.len() / 2], times[0], times[times.len() - 1])
}

/// The bytes the console's page and assets weigh as served, and gzipped (`gzip -9`, per file).
async fn weight(rt: &Running) -> (usize, usize) {
    let base = format!("http://{}", rt.handle.admin_addr().unwrap());
    let (mut raw, mut gz) = (0, 0);
    for path in ["/console", "/console/app.js", "/console/app.css"] {
        let body = reqwest::get(format!("{base}{path}")).await.unwrap().bytes().await.unwrap();
        raw += body.len();
        let mut child = std::process::Command::new("gzip")
            .arg("-9c")
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::io::Write::write_all(&mut child.stdin.take().unwrap(), &body).unwrap();
        gz += child.wait_with_output().unwrap().stdout.len();
    }
    (raw, gz)
}

/// The xtask load generator's binary (`cargo build -p xtask`), or `PASSERELLE_LOAD_BIN`.
fn load_generator() -> std::path::PathBuf {
    if let Some(bin) = std::env::var_os("PASSERELLE_LOAD_BIN") {
        return bin.into();
    }
    let target = artefacts().ancestors().nth(2).unwrap().to_path_buf();
    ["release", "debug"]
        .iter()
        .map(|p| target.join(p).join("xtask"))
        .find(|p| p.exists())
        .unwrap_or_else(|| panic!("no xtask binary under {}: cargo build -p xtask", target.display()))
}

/// Weight and time to show, reported never asserted (speed is for benchmarks); idle always,
/// and under push load from `cargo xtask load` (a separate process) with `PASSERELLE_MEASURE=1`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn measure_weight_and_time_to_first_render() {
    let dir = tempfile::tempdir().unwrap();
    let rt = standard(dir.path()).await;
    let body = json!([envelope("a", "em300-th", "0175320367c80004683c", 85, "2026-11-22T12:00:00Z")]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    let (raw, gz) = weight(&rt).await;
    assert!(gz > 0 && gz < raw, "{gz} < {raw}");
    println!("console weight: {raw} bytes as served (page + app.js + app.css), {gz} bytes gzipped");
    let b = Browser::start(DESKTOP).await;
    let rounds = if std::env::var_os("PASSERELLE_MEASURE").is_some() { 7 } else { 1 };
    let (median, min, max) = time_to_first_render(&b, &rt, rounds).await;
    assert!(median > 0.0, "the page marks its first render");
    println!("first render, idle: median {median:.0} ms (min {min:.0}, max {max:.0}, {rounds} loads)");
    if std::env::var_os("PASSERELLE_MEASURE").is_some() {
        let seconds = 40;
        let load = std::process::Command::new(load_generator())
            .args(["load", "--url", &rt.url, "--token-env", "IT_LOAD_TOKEN", "--connections", "8"])
            .args(["--batch", "10", "--duration", &format!("{seconds}s"), "--json"])
            .arg("--vectors")
            .arg(harness::root().join("vectors/ttn/vectors.jsonl"))
            .env("IT_LOAD_TOKEN", harness::TOKEN)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        tokio::time::sleep(Duration::from_secs(5)).await;
        let (median, min, max) = time_to_first_render(&b, &rt, rounds).await;
        let out = tokio::task::spawn_blocking(move || load.wait_with_output()).await.unwrap().unwrap();
        let report: Value = serde_json::from_slice(&out.stdout).unwrap_or(Value::Null);
        let fps = report["frames_per_s"].as_f64().unwrap_or(0.0);
        let p99 = report["latency_ms"]["p99"].as_f64().unwrap_or(0.0);
        println!(
            "first render, under load ({fps:.0} frames/s pushed, push p99 {p99:.0} ms): \
             median {median:.0} ms (min {min:.0}, max {max:.0}, {rounds} loads)"
        );
    }
    b.close().await;
    rt.handle.shutdown().await.unwrap();
}

/// The decoder `name` in the runtime's `GET /status`.
async fn status_of(rt: &Running, name: &str) -> Value {
    let url = format!("http://{}/status", rt.handle.admin_addr().unwrap());
    let res = reqwest::Client::new().get(url).bearer_auth(ADMIN_TOKEN).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let status: Value = res.json().await.unwrap();
    status["decoders"].as_array().unwrap().iter().find(|d| d["name"] == name).cloned().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shadow_plugin_is_promoted_from_the_plugins_page_after_a_confirmation() {
    let dir = tempfile::tempdir().unwrap();
    // hostile-trap live without its vectors checked, so that bad-vectors (a failing vector on
    // purpose) can shadow it and go live (as in console.rs).
    let text = harness::config(
        &format!(r#""h": (plugin: "{}", check_vectors: false)"#, harness::plugin("hostile_trap")),
        r#"(devicetype: "hostile", decoder: "h", sinks: ["db"])"#,
    )
    .replace("compile_cache:", "watch_plugins: false, compile_cache:");
    let rt = harness::start_in(&with_admin(&text), dir.path()).await;
    let shadow = json!({"plugin": harness::plugin("bad_vectors")});
    let url = format!("http://{}/decoders/h/shadow", rt.handle.admin_addr().unwrap());
    let res = reqwest::Client::new().post(url).bearer_auth(ADMIN_TOKEN).json(&shadow).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let body = json!([
        envelope("a", "hostile", "0001", 1, "2026-11-22T12:00:00Z"),
        envelope("b", "hostile", "ff01", 1, "2026-11-22T12:00:01Z"),
    ]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    assert_eq!(status_of(&rt, "h").await["plugin"], "hostile-trap@0.1.0");

    let b = Browser::start(DESKTOP).await;
    log_in_live(&b, &rt).await;
    open_tab(&b, "t-plugins").await;
    b.wait_until("shadow shown", "document.querySelector('#pl-h') && document.querySelector('#pl-h').textContent.includes('bad-vectors@0.1.0')")
        .await;
    b.wait_until("agreement", "document.querySelector('#pl-agree-h') && document.querySelector('#pl-agree-h').textContent.includes('of 2 frames')")
        .await;
    b.screenshot("13-plugins-shadow").await;

    // Promote, then Cancel in the confirmation: nothing changes.
    b.find("#pl-promote-h").await.click().await.unwrap();
    let question = b.wait_until("asked", "document.querySelector('#pl-confirm').open && document.querySelector('#pl-confirm-text').textContent").await;
    assert!(question.as_str().unwrap().contains("Make bad-vectors@0.1.0 live for h"), "{question}");
    b.screenshot("14-plugins-confirm").await;
    b.find("#pl-confirm-no").await.click().await.unwrap();
    b.wait_until("cancelled", "document.querySelector('#pl-result').textContent.includes('cancelled')").await;
    assert_eq!(status_of(&rt, "h").await["plugin"], "hostile-trap@0.1.0", "cancelled: still the old version");

    // Promote and confirm: the candidate is live.
    b.find("#pl-promote-h").await.click().await.unwrap();
    b.wait_until("asked again", "document.querySelector('#pl-confirm').open").await;
    b.find("#pl-confirm-yes").await.click().await.unwrap();
    let result = b
        .wait_until("promoted", "document.querySelector('#pl-result').textContent.includes('promote done') && document.querySelector('#pl-result').textContent")
        .await;
    assert!(result.as_str().unwrap().contains("live is bad-vectors@0.1.0"), "{result}");
    let h = status_of(&rt, "h").await;
    assert_eq!(h["plugin"], "bad-vectors@0.1.0", "live through /status: {h}");
    assert!(h["shadow"].is_null(), "no shadow left: {h}");
    let card = b
        .wait_until(
            "card updated",
            "(() => { const dd = (k) => [...document.querySelectorAll('#pl-h dt')]\
               .find((dt) => dt.textContent === k).nextElementSibling.textContent;\
               return dd('Shadow') === 'none' && [dd('Live'), dd('Kept for rollback')]; })()",
        )
        .await;
    assert!(card[0].as_str().unwrap().starts_with("bad-vectors@0.1.0"), "{card}");
    assert!(card[1].as_str().unwrap().starts_with("hostile-trap@0.1.0"), "the old one kept: {card}");
    b.screenshot("15-plugins-promoted").await;
    b.close().await;
    rt.handle.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pushed_reading_shows_on_the_readings_page() {
    let dir = tempfile::tempdir().unwrap();
    let rt = standard(dir.path()).await;
    let b = Browser::start(DESKTOP).await;
    log_in_live(&b, &rt).await;
    // Two frames ten minutes apart: 20.0 then 21.5 degrees.
    let body = json!([
        envelope("kitchen", "em300-th", "0175320367c80004683c", 85, "2026-11-22T12:00:00Z"),
        envelope("kitchen", "em300-th", "0175320367d70004683c", 85, "2026-11-22T12:10:00Z"),
    ]);
    assert_eq!(post(&rt.url, &body).await.0, 200);
    open_tab(&b, "t-readings").await;
    b.wait_until("readings listed", "document.querySelector('#rd-table').tBodies[0].rows.length === 3").await;
    // Columns: device, reading, value, unit, quantity, time, chart.
    let temperature = rows(&b, "#rd-table").await.into_iter().find(|r| r[1] == "temperature").unwrap();
    assert_eq!(
        (temperature[0].as_str(), temperature[2].as_str(), temperature[3].as_str()),
        ("kitchen", "21.5", "Cel"),
        "the latest: {temperature:?}"
    );
    assert_eq!(temperature[5], "2026-11-22 12:10:00", "{temperature:?}");
    b.wait_until("chart drawn", "document.querySelectorAll('#rd-table svg[aria-label]').length === 3").await;
    let chart = b
        .eval(
            "return [...document.querySelectorAll('#rd-table svg')].map((s) => s.getAttribute('aria-label'))\
               .find((l) => l.startsWith('temperature'));",
            Vec::new(),
        )
        .await;
    let chart = chart.as_str().unwrap();
    assert!(chart.contains("2 points") && chart.contains("from 20 to 21.5"), "{chart}");
    // A shorter window: the page reads the series again.
    b.eval(
        "document.querySelector('#rd-table').tBodies[0].rows[0].dataset.old = '1'; return null;",
        Vec::new(),
    )
    .await;
    b.find("#rd-w1h").await.click().await.unwrap();
    b.wait_until(
        "charts drawn again",
        "!document.querySelector('#rd-table tr[data-old]') && \
         document.querySelectorAll('#rd-table svg[aria-label]').length === 3",
    )
    .await;
    b.screenshot("16-readings").await;
    b.close().await;
    rt.handle.shutdown().await.unwrap();
}
