//! The Quoalise connector (`plugins/connectors/quoalise`) against a real Prosody and the test
//! proxy bot: the consent flow, the seed's load curve and daily series stored with absolute
//! times, units and tags, an upstream error, a revoked consent, a silent proxy, a restart that
//! resumes from the cursor, and the figure of a year of back-fill.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use passerelle::Builder;
use passerelle::config::Config;
use passerelle::message::Value;
use passerelle::sink::sqlite::{ReadingRow, read_dead_letters, read_readings};
use tokio_xmpp::minidom::Element;

use crate::harness;
use crate::harness::prosody::{DOMAIN, Prosody};
use crate::harness::quoalise::{self, Bot, Window};

const MANAGER: &str = "manager";
const PASSWORD: &str = "manager-secret";

/// A config with the `quoalise` connector on the XMPP transport and one SQLite sink, with
/// extra `settings` (RON map entries).
fn config(prosody: &Prosody, settings: &str) -> String {
    format!(
        r#"(
    connectors: {{
        "quoalise": (
            transport: xmpp(jid: "{MANAGER}@{DOMAIN}/passerelle", password_env: "IT_XMPP",
                            server: "{server}", tls: (ca_file: "{ca}"),
                            reconnect_min_ms: 100, reconnect_max_ms: 400),
            plugin: "{plugin}",
            settings: {{
                "proxy": "{proxy}",
                "service_name": "Elec Expert Demo",
                "service_description": "Nos experts analysent votre consommation.\nLors d’un rendez-vous, nos recommandations.",
                "processings": "Analyse votre consommation d’électricité\nAffichage de graphiques",
                "duration": "P1Y",
                "test_client": "0",
                "retry_min_ms": "300",
                "retry_max_ms": "1000",
                {settings}
            }},
            tick_ms: 100,
            request_timeout_ms: 5000,
            sinks: ["db"],
        ),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
)"#,
        server = prosody.server(),
        ca = prosody.ca().display(),
        plugin = harness::plugin("quoalise"),
        proxy = quoalise::jid(),
    )
}

async fn start(text: &str, dir: &std::path::Path) -> passerelle::Handle {
    let config = Config::parse(text, &dir.join("config.ron").display().to_string()).unwrap();
    Builder::new(config).secret("IT_XMPP", PASSWORD).start().await.unwrap_or_else(|e| panic!("{e:#}"))
}

fn readings(dir: &std::path::Path) -> Vec<ReadingRow> {
    read_readings(&dir.join("passerelle.db")).unwrap_or_default()
}

/// What the connector saved (`state/quoalise.json`), values as text.
fn saved(dir: &std::path::Path) -> BTreeMap<String, String> {
    passerelle::actor::state::read_state_file(&dir.join("state/quoalise.json"))
        .unwrap()
        .into_iter()
        .map(|(k, v)| (k, String::from_utf8(v).unwrap()))
        .collect()
}

async fn wait_until(what: &str, prosody: &Prosody, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}\n{}", prosody.log());
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Waits for the connector's session, then for its `get_authorize_uri` (sent on the first tick
/// after login), so a message sent next reaches it.
async fn online(prosody: &Prosody, bot: &Bot) {
    wait_until("get_authorize_uri", prosody, 30, || {
        bot.received().iter().any(|r| r.contains("get_authorize_uri"))
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
}

async fn consent(bot: &Bot, usage_points: &[&str]) {
    bot.send(&format!("{MANAGER}@{DOMAIN}"), &quoalise::authorization_message(usage_points)).await;
}

fn numbers(rows: &[ReadingRow], device: &str, name: &str) -> Vec<(i64, f64)> {
    rows.iter()
        .filter(|r| r.device == device && r.name == name)
        .map(|r| match r.value {
            Value::Number(n) => (r.time_ms, n),
            ref v => panic!("{v:?}"),
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn consent_then_the_seed_load_curve_and_daily_series_are_stored_with_times_units_and_tags() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    let bot = Bot::start(&prosody).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = r#""series": "load_curve/production,daily/consumption", "history_days": "3","#;
    let handle = start(&config(&prosody, settings), dir.path()).await;
    online(&prosody, &bot).await;
    // The authorize URI with the configured parameters: logged, saved as a status note.
    wait_until("the authorize URI", &prosody, 20, || saved(dir.path()).contains_key("status/authorize_uri"))
        .await;
    assert_eq!(
        saved(dir.path())["status/authorize_uri"],
        "https://srv5.breizh-sen2.eu/dataconnect-proxy/authorize?id=ad35a140&duration=P1Y&test_client=0"
    );
    // The same note in the live status (GET /status, `passerelle status`).
    let status = handle.status();
    let c = status.connectors.iter().find(|c| !c.notes.is_empty()).expect("a connector with notes");
    assert_eq!(c.notes["authorize_uri"], saved(dir.path())["status/authorize_uri"]);
    let ask = bot.received().into_iter().find(|r| r.contains("get_authorize_uri")).unwrap();
    assert!(ask.contains("<value>Elec Expert Demo</value>"), "{ask}");
    assert!(ask.contains("<value>Affichage de graphiques</value>"), "{ask}");
    assert!(ask.contains("<value>Lors d’un rendez-vous, nos recommandations.</value>"), "{ask}");
    assert!(quoalise::windows(&bot.received()).is_empty(), "no data before consent");

    // The seed's answers carry the meters of the seed, whatever usage point is asked.
    consent(&bot, &["10284856584123"]).await;
    wait_until("both series", &prosody, 30, || {
        let rows = readings(dir.path());
        numbers(&rows, "10284856584123", "production_load").len() == 4
            && numbers(&rows, "11453290002823", "daily_consumption").len() == 4
    })
    .await;
    handle.shutdown().await.unwrap();
    let rows = readings(dir.path());
    let base = 1_600_041_600_000;
    assert_eq!(
        numbers(&rows, "10284856584123", "production_load"),
        [(base, 245.0), (base + 1_800_000, 420.0), (base + 3_600_000, 367.0), (base + 5_400_000, 377.0)]
    );
    let day = 86_400_000;
    let base = 1_597_536_000_000;
    assert_eq!(
        numbers(&rows, "11453290002823", "daily_consumption"),
        [(base, 16433.0), (base + day, 15081.0), (base + 2 * day, 14664.0), (base + 14 * day, 16330.0)]
    );
    let power = rows.iter().find(|r| r.name == "production_load").unwrap();
    let energy = rows.iter().find(|r| r.name == "daily_consumption").unwrap();
    assert_eq!((power.unit.as_deref(), energy.unit.as_deref()), (Some("W"), Some("Wh")));
    let tag = |r: &ReadingRow, k: &str| r.tags.get(k).cloned().unwrap_or_default();
    assert_eq!(
        ["quantity", "aggregate", "sampling_interval", "direction", "device_identifier"]
            .map(|k| tag(power, k)),
        ["power", "average", "1800", "production", "10284856584123"]
    );
    assert_eq!(
        ["quantity", "aggregate", "sampling_interval", "direction", "device_identifier"]
            .map(|k| tag(energy, k)),
        ["energy", "sum", "86400", "consumption", "11453290002823"]
    );
    // Consent and cursors saved; the requests asked for the consented usage point.
    let state = saved(dir.path());
    assert_eq!(state.get("consent/10284856584123").map(String::as_str), Some("ton_etat"));
    let today = quoalise::date(quoalise::today());
    assert_eq!(state.get("cursor/10284856584123/load_curve/production"), Some(&today));
    assert_eq!(state.get("cursor/10284856584123/daily/consumption"), Some(&today));
    let windows = quoalise::windows(&bot.received());
    assert_eq!(windows.len(), 2, "{windows:?}");
    assert!(windows.iter().all(|w| w.usage_point == "10284856584123" && w.end == today), "{windows:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upstream_error_is_dead_lettered_and_the_cursor_moves_on() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    let bot = Bot::start_with(&prosody, Arc::new(quoalise::window_answers)).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = r#""series": "load_curve/consumption", "history_days": "21","#;
    let handle = start(&config(&prosody, settings), dir.path()).await;
    online(&prosody, &bot).await;
    consent(&bot, &[quoalise::FAILING_USAGE_POINT]).await;
    let cursor = format!("cursor/{}/load_curve/consumption", quoalise::FAILING_USAGE_POINT);
    let today = quoalise::date(quoalise::today());
    wait_until("the cursor at today", &prosody, 30, || saved(dir.path()).get(&cursor) == Some(&today)).await;
    handle.shutdown().await.unwrap();
    // Three windows of 7 days, each asked once: the error cannot succeed on retry.
    let windows = quoalise::windows(&bot.received());
    let t = quoalise::today();
    let want: Vec<(String, String)> =
        (0..3).map(|k| (quoalise::date(t - 21 + 7 * k), quoalise::date(t - 14 + 7 * k))).collect();
    assert_eq!(windows.iter().map(|w| (w.start.clone(), w.end.clone())).collect::<Vec<_>>(), want);
    let dead = read_dead_letters(&dir.path().join("passerelle.db")).unwrap();
    assert_eq!(dead.len(), 3, "{dead:?}");
    for d in &dead {
        assert_eq!(
            (d.device.as_str(), d.stage.as_str(), d.connector.as_str()),
            (quoalise::FAILING_USAGE_POINT, "connector", "quoalise")
        );
        assert!(d.error.contains("undefined-condition (cancel)"), "{}", d.error);
        assert!(d.error.contains("anterior to the meter's last activation date"), "{}", d.error);
        assert!(d.error.contains("[upstream enedis-data-connect ADAM-ERR0123]"), "{}", d.error);
        let stanza = String::from_utf8(d.payload.clone()).unwrap();
        assert!(stanza.starts_with("<iq ") && stanza.contains("ADAM-ERR0123"), "the stanza: {stanza}");
    }
    assert!(readings(dir.path()).is_empty());
    let note = saved(dir.path()).remove("status/last_error").unwrap();
    assert!(note.contains("[upstream enedis-data-connect ADAM-ERR0123]"), "{note}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_revoked_consent_stops_the_requests() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    let bot = Bot::start_with(&prosody, Arc::new(quoalise::window_answers)).await;
    let dir = tempfile::tempdir().unwrap();
    // Ten years of daily windows of one day: a back-fill far longer than the test.
    let settings = r#""series": "daily/consumption", "history_days": "3650", "daily_window_days": "1","#;
    let handle = start(&config(&prosody, settings), dir.path()).await;
    online(&prosody, &bot).await;
    consent(&bot, &["22516914714270"]).await;
    wait_until("a few windows", &prosody, 30, || quoalise::windows(&bot.received()).len() >= 3).await;
    bot.send(&format!("{MANAGER}@{DOMAIN}"), &quoalise::revocation_message(&["22516914714270"])).await;
    wait_until("the consent deleted", &prosody, 20, || {
        !saved(dir.path()).contains_key("consent/22516914714270")
    })
    .await;
    // At most the request in flight when the revocation arrived may still come.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let settled = quoalise::windows(&bot.received()).len();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let after = quoalise::windows(&bot.received()).len();
    handle.shutdown().await.unwrap();
    assert_eq!(after, settled, "no request after the revocation");
    assert!(settled < 3650, "{settled}");
    // Readings stored before the revocation stay.
    assert!(!readings(dir.path()).is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_proxy_times_out_and_the_same_window_is_tried_again() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    // The proxy answers get_authorize_uri only.
    let answers: quoalise::Answers =
        Arc::new(|r: &Element| if quoalise::window(r).is_some() { None } else { quoalise::seed_answer(r) });
    let bot = Bot::start_with(&prosody, answers).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = r#""series": "daily/consumption", "history_days": "30", "timeout_ms": "400","#;
    let handle = start(&config(&prosody, settings), dir.path()).await;
    online(&prosody, &bot).await;
    consent(&bot, &["22516914714270"]).await;
    wait_until("three attempts", &prosody, 30, || quoalise::windows(&bot.received()).len() >= 3).await;
    // The time-out is kept as the connector's note (read before the shutdown, which may end the
    // request in flight otherwise).
    let note = saved(dir.path()).remove("status/last_error").unwrap();
    assert!(note.starts_with("get_daily consumption 22516914714270 "), "{note}");
    assert!(note.ends_with("no answer within 400 ms"), "{note}");
    handle.shutdown().await.unwrap();
    let windows = quoalise::windows(&bot.received());
    assert!(windows.iter().all(|w| *w == windows[0]), "the same window each time: {windows:?}");
    assert!(readings(dir.path()).is_empty());
    assert!(!saved(dir.path()).keys().any(|k| k.starts_with("cursor/")), "{:?}", saved(dir.path()));
}

/// Answers the seed requests and the first `limit` window requests (kept in `answered`, in
/// order), then leaves window requests unanswered until `limit` is raised.
fn limited_answers(limit: usize) -> (quoalise::Answers, Arc<AtomicUsize>, Arc<Mutex<Vec<Window>>>) {
    let limit = Arc::new(AtomicUsize::new(limit));
    let answered: Arc<Mutex<Vec<Window>>> = Arc::new(Mutex::new(Vec::new()));
    let answers: quoalise::Answers = {
        let (limit, answered) = (Arc::clone(&limit), Arc::clone(&answered));
        Arc::new(move |r: &Element| match quoalise::window(r) {
            Some(w) => {
                let mut done = answered.lock().unwrap();
                if done.len() >= limit.load(Ordering::SeqCst) {
                    return None;
                }
                done.push(w.clone());
                Some(quoalise::window_answer(&w))
            }
            None => quoalise::seed_answer(r),
        })
    };
    (answers, limit, answered)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_resumes_from_the_cursor_with_nothing_fetched_twice_and_no_gap() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    // Answers 3 windows, then nothing.
    let (answers, limit, answered) = limited_answers(3);
    let bot = Bot::start_with(&prosody, answers).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = r#""series": "load_curve/consumption", "history_days": "35", "timeout_ms": "60000","#;
    let text = config(&prosody, settings);
    let handle = start(&text, dir.path()).await;
    online(&prosody, &bot).await;
    consent(&bot, &["22516914714270"]).await;
    let t = quoalise::today();
    let cursor = "cursor/22516914714270/load_curve/consumption";
    wait_until("three windows stored", &prosody, 30, || {
        saved(dir.path()).get(cursor) == Some(&quoalise::date(t - 14))
    })
    .await;
    wait_until("the fourth request", &prosody, 20, || quoalise::windows(&bot.received()).len() >= 4).await;
    handle.shutdown().await.unwrap();
    let before = readings(dir.path()).len();
    assert_eq!(before, 21 * 48);

    limit.store(usize::MAX, Ordering::SeqCst);
    let handle = start(&text, dir.path()).await;
    wait_until("the cursor at today", &prosody, 30, || {
        saved(dir.path()).get(cursor) == Some(&quoalise::date(t))
    })
    .await;
    handle.shutdown().await.unwrap();
    // Every window answered once, end to start: nothing fetched twice, no gap.
    let answered = answered.lock().unwrap().clone();
    let spans: Vec<(i64, i64)> =
        answered.iter().map(|w| (quoalise::day(&w.start), quoalise::day(&w.end))).collect();
    assert_eq!(spans, [(t - 35, t - 28), (t - 28, t - 21), (t - 21, t - 14), (t - 14, t - 7), (t - 7, t)]);
    // The one request left unanswered by the shutdown is the first asked after the restart.
    let asked = quoalise::windows(&bot.received());
    assert_eq!(asked.len(), 6, "{asked:?}");
    assert_eq!(asked[3], asked[4], "{asked:?}");
    // Every half hour of the 35 days, once.
    let rows = readings(dir.path());
    let times: Vec<i64> = rows.iter().map(|r| r.time_ms).collect();
    let want: Vec<i64> = (0..35 * 48).map(|k| (t - 35) * 86_400_000 + k * 1_800_000).collect();
    assert_eq!(times, want);
}

/// The figure of the note: requests per usage point and the duration of a year of back-fill
/// (load curve in 7-day windows, daily energy in one window) against the test proxy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_year_of_back_fill_per_usage_point() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    let bot = Bot::start_with(&prosody, Arc::new(quoalise::window_answers)).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = r#""series": "load_curve/consumption,daily/consumption", "history_days": "365","#;
    let handle = start(&config(&prosody, settings), dir.path()).await;
    online(&prosody, &bot).await;
    let started = Instant::now();
    consent(&bot, &["22516914714270"]).await;
    let today = quoalise::date(quoalise::today());
    wait_until("a year back-filled", &prosody, 300, || {
        let s = saved(dir.path());
        s.get("cursor/22516914714270/load_curve/consumption") == Some(&today)
            && s.get("cursor/22516914714270/daily/consumption") == Some(&today)
    })
    .await;
    let elapsed = started.elapsed();
    handle.shutdown().await.unwrap();
    let windows = quoalise::windows(&bot.received());
    let load = windows.iter().filter(|w| w.node == "get_load_curve").count();
    let daily = windows.iter().filter(|w| w.node == "get_daily").count();
    let rows = readings(dir.path()).len();
    eprintln!(
        "FIGURE quoalise back-fill of 365 days, one usage point: {} requests ({load} get_load_curve, {daily} get_daily), {rows} readings, {:.1} s",
        windows.len(),
        elapsed.as_secs_f64()
    );
    assert_eq!((load, daily), (53, 1));
    assert_eq!(rows, 365 * 48 + 365);
}

/// Issue 14: Prosody killed (SIGKILL) and restarted ten times during a back-fill, each time
/// with a request in flight: every half hour stored once, none lost.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_server_kills_mid_back_fill_lose_nothing_and_store_nothing_twice() {
    const ROUNDS: i64 = 10;
    let mut prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    // Answers 2 windows, then leaves the next request in flight.
    let (answers, limit, answered) = limited_answers(2);
    let mut bot = Bot::start_with(&prosody, Arc::clone(&answers)).await;
    let dir = tempfile::tempdir().unwrap();
    // Two 7-day windows per round, two more after the last kill.
    let days = 7 * (2 * ROUNDS + 2);
    let settings =
        format!(r#""series": "load_curve/consumption", "history_days": "{days}", "timeout_ms": "5000","#);
    let handle = start(&config(&prosody, &settings), dir.path()).await;
    online(&prosody, &bot).await;
    consent(&bot, &["22516914714270"]).await;
    let t = quoalise::today();
    let cursor = "cursor/22516914714270/load_curve/consumption";
    for round in 0..ROUNDS {
        let want = quoalise::date(t - days + 14 * (round + 1));
        let deadline = Instant::now() + Duration::from_secs(90);
        while saved(dir.path()).get(cursor) != Some(&want) {
            assert!(
                Instant::now() < deadline,
                "round {round}: cursor {:?}, want {want}; answered {:?}; asked {:?}",
                saved(dir.path()).get(cursor),
                answered.lock().unwrap(),
                quoalise::windows(&bot.received()),
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // The next window is asked and left unanswered: the kill lands with a request in flight.
        wait_until("a request in flight", &prosody, 30, || {
            let done = answered.lock().unwrap().clone();
            quoalise::windows(&bot.received()).iter().any(|w| !done.contains(w))
        })
        .await;
        drop(bot);
        tokio::task::block_in_place(|| prosody.restart());
        limit.fetch_add(2, Ordering::SeqCst);
        bot = Bot::start_with(&prosody, Arc::clone(&answers)).await;
    }
    limit.store(usize::MAX, Ordering::SeqCst);
    wait_until("the cursor at today", &prosody, 60, || {
        saved(dir.path()).get(cursor) == Some(&quoalise::date(t))
    })
    .await;
    let connected = handle
        .metrics()
        .render()
        .lines()
        .find(|l| l.starts_with(r#"passerelle_transport_connected_total{connector="quoalise""#))
        .and_then(|l| l.rsplit(' ').next()?.parse::<i64>().ok())
        .unwrap_or(0);
    handle.shutdown().await.unwrap();
    assert!(connected > ROUNDS, "a new session after every kill: {connected}");
    // Every half hour of the back-fill, once: nothing lost, nothing doubled.
    let times: Vec<i64> = readings(dir.path()).iter().map(|r| r.time_ms).collect();
    let want: Vec<i64> = (0..days * 48).map(|k| (t - days) * 86_400_000 + k * 1_800_000).collect();
    // (A window skipped as failed for good while the proxy was away would be a gap here.)
    assert_eq!(times, want);
}
