//! The XMPP transport against a real Prosody (STARTTLS with a test CA, accounts made by
//! `prosodyctl`) and a test Quoalise proxy answering with the seed's stanzas: IQ requests of
//! the connector through the driver, inbound messages, time-outs, a refused login. The connector
//! is the test plugin `plugins/testing/poller`.

use std::time::{Duration, Instant};

use passerelle::Builder;
use passerelle::config::Config;
use passerelle::message::Value;
use passerelle::sink::sqlite::{ReadingRow, read_readings};

use crate::harness::prosody::{DOMAIN, Prosody};
use crate::harness::quoalise::{self, Bot};
use crate::harness::{self};

const MANAGER: &str = "manager";
const PASSWORD: &str = "manager-secret";

/// A `get_daily` command as the seed's client sends it (its XEP-0004 form).
fn daily_command(usage_point: &str) -> String {
    format!(
        "<command xmlns='http://jabber.org/protocol/commands' node='get_daily' action='execute'>\
         <x xmlns='jabber:x:data' type='submit'>\
         <field var='usage_point_id' type='text-single'><value>{usage_point}</value></field>\
         <field var='direction' type='list-single'><value>consumption</value></field>\
         <field var='start_date' type='text-single'><value>2020-08-16</value></field>\
         <field var='end_date' type='text-single'><value>2020-08-31</value></field>\
         </x></command>"
    )
}

/// A config with one connector `quoalise` on the XMPP transport (the poller plugin, with
/// `settings`) and one SQLite sink.
fn config(prosody: &Prosody, tls: &str, settings: &str) -> String {
    format!(
        r#"(
    connectors: {{
        "quoalise": (
            transport: xmpp(jid: "{MANAGER}@{DOMAIN}/passerelle", password_env: "IT_XMPP",
                            server: "{server}", {tls} reconnect_min_ms: 100, reconnect_max_ms: 400),
            plugin: "{plugin}",
            settings: {{ "device": "proxy", {settings} }},
            tick_ms: 50,
            request_timeout_ms: 3000,
            sinks: ["db"],
        ),
    }},
    sinks: {{ "db": sqlite(path: "passerelle.db") }},
    dead_letter: "db",
)"#,
        server = prosody.server(),
        plugin = harness::plugin("testing_poller"),
    )
}

fn trusted(prosody: &Prosody) -> String {
    format!(r#"tls: (ca_file: "{}"),"#, prosody.ca().display())
}

/// RON string syntax for `text`.
fn ron(text: &str) -> String {
    format!("{text:?}")
}

async fn start(text: &str, dir: &std::path::Path, password: &str) -> passerelle::Handle {
    let config = Config::parse(text, &dir.join("config.ron").display().to_string()).unwrap();
    Builder::new(config).secret("IT_XMPP", password).start().await.unwrap_or_else(|e| panic!("{e:#}"))
}

fn readings(dir: &std::path::Path) -> Vec<ReadingRow> {
    read_readings(&dir.join("passerelle.db")).unwrap_or_default()
}

/// The text readings `name`; in XML ones, attribute quotes are made `"` (minidom writes `'`).
fn text(rows: &[ReadingRow], name: &str) -> Vec<String> {
    rows.iter()
        .filter(|r| r.name == name)
        .map(|r| match &r.value {
            Value::Text(t) if t.starts_with('<') => t.replace('\'', "\""),
            Value::Text(t) => t.clone(),
            v => panic!("{name}: {v:?}"),
        })
        .collect()
}

async fn wait_until(what: &str, prosody: &Prosody, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}\n{}", prosody.log());
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn metric(handle: &passerelle::Handle, name: &str) -> f64 {
    let m = handle.metrics().render();
    m.lines()
        .find_map(|l| l.strip_prefix(name).and_then(|v| v.trim().parse().ok()))
        .unwrap_or_else(|| panic!("{name} not in {m}"))
}

const CONNECTED: &str = r#"passerelle_transport_connected_total{connector="quoalise",transport="xmpp"}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_iq_goes_out_over_starttls_and_its_answer_comes_back_by_id() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    let bot = Bot::start(&prosody).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = format!(
        r#""url": "{}", "method": "set", "body": {}"#,
        quoalise::jid(),
        ron(&daily_command("11453290002823"))
    );
    let handle = start(&config(&prosody, &trusted(&prosody), &settings), dir.path(), PASSWORD).await;
    wait_until("two answers", &prosody, || text(&readings(dir.path()), "answer").len() >= 2).await;
    handle.shutdown().await.unwrap();

    let rows = readings(dir.path());
    assert!(text(&rows, "request_error").is_empty(), "{rows:?}");
    let answers = text(&rows, "answer");
    let received: Vec<String> = bot.received().iter().map(|r| r.replace('\'', "\"")).collect();
    // One request at a time: each answer is the seed's, under the id of its own request.
    for answer in &answers {
        assert!(answer.starts_with("<iq "), "the whole stanza: {answer}");
        assert!(answer.contains(r#"type="result""#), "{answer}");
        assert!(answer.contains("1600176040.6601713-4c7b5487477b48a5b7fdddd57bf8a651"), "{answer}");
        assert!(answer.contains(r#"<senml t="1209600" v="16330""#), "{answer}");
        let id = answer.split(r#" id=""#).nth(1).and_then(|s| s.split('"').next()).unwrap();
        assert!(id.starts_with("passerelle-"), "{answer}");
        assert!(
            received.iter().any(|r| r.contains(&format!(r#"id="{id}""#))),
            "no request {id}: {received:?}"
        );
    }
    let ids: std::collections::HashSet<&str> =
        answers.iter().filter_map(|a| a.split(r#" id=""#).nth(1)?.split('"').next()).collect();
    assert_eq!(ids.len(), answers.len(), "each answer under its own id: {answers:?}");
    assert!(text(&rows, "answer.type").iter().all(|t| t == "result"));
    assert!(text(&rows, "answer.from").iter().all(|f| *f == quoalise::jid()), "{rows:?}");
    // The proxy saw the plugin's command inside an IQ of type set from the configured JID.
    let first = received.first().unwrap();
    assert!(first.contains(r#"type="set""#), "{first}");
    assert!(first.contains(&format!(r#"from="{MANAGER}@{DOMAIN}/passerelle""#)), "{first}");
    assert!(first.contains("<value>11453290002823</value>"), "{first}");
    assert!(first.contains(r#"node="get_daily""#), "{first}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_iq_error_comes_back_as_an_answer_of_type_error() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    let _bot = Bot::start(&prosody).await;
    let dir = tempfile::tempdir().unwrap();
    let settings = format!(
        r#""url": "{}", "method": "set", "body": {}"#,
        quoalise::jid(),
        ron(&daily_command(quoalise::FAILING_USAGE_POINT))
    );
    let handle = start(&config(&prosody, &trusted(&prosody), &settings), dir.path(), PASSWORD).await;
    wait_until("an answer", &prosody, || !text(&readings(dir.path()), "answer").is_empty()).await;
    handle.shutdown().await.unwrap();
    let rows = readings(dir.path());
    let answer = text(&rows, "answer").remove(0);
    assert!(answer.contains(r#"type="error""#), "{answer}");
    assert!(answer.contains(r#"code="ADAM-ERR0123""#), "the upstream error is kept: {answer}");
    assert!(answer.contains("anterior to the meter"), "{answer}");
    assert_eq!(text(&rows, "answer.type").first().map(String::as_str), Some("error"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_to_the_bare_jid_reaches_the_connector_with_its_sender() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    let bot = Bot::start(&prosody).await;
    let dir = tempfile::tempdir().unwrap();
    let handle =
        start(&config(&prosody, &trusted(&prosody), r#""text_inbound": "1""#), dir.path(), PASSWORD).await;
    // Presence is sent after login: wait for the session before the proxy writes.
    wait_until("the session", &prosody, || metric(&handle, CONNECTED) >= 1.0).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    bot.send(&format!("{MANAGER}@{DOMAIN}"), quoalise::AUTHORIZATION_MESSAGE).await;
    wait_until("the message", &prosody, || !text(&readings(dir.path()), "body").is_empty()).await;
    handle.shutdown().await.unwrap();
    let rows = readings(dir.path());
    assert_eq!(text(&rows, "channel"), [format!("{}@{DOMAIN}", quoalise::USER)]);
    assert_eq!(text(&rows, "header.from"), [quoalise::jid()]);
    assert_eq!(text(&rows, "header.type"), ["chat"]);
    assert_eq!(text(&rows, "header.id"), ["1f72f82198b84deeaac85edbe43b024b"]);
    let body = text(&rows, "body").remove(0);
    assert!(body.starts_with("<message "), "{body}");
    assert!(body.contains("<usage-point>22516914714270</usage-point>"), "{body}");
    assert!(body.contains("<state>ton_etat</state>"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proxy_that_never_answers_gives_a_timeout() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    let bot = Bot::start(&prosody).await;
    let dir = tempfile::tempdir().unwrap();
    let body =
        format!("<command xmlns='http://jabber.org/protocol/commands' node='{}'/>", quoalise::SILENT_NODE);
    let settings = format!(
        r#""url": "{}", "method": "get", "body": {}, "timeout_ms": "400""#,
        quoalise::jid(),
        ron(&body)
    );
    let handle = start(&config(&prosody, &trusted(&prosody), &settings), dir.path(), PASSWORD).await;
    wait_until("two time-outs", &prosody, || text(&readings(dir.path()), "request_error").len() >= 2).await;
    handle.shutdown().await.unwrap();
    let rows = readings(dir.path());
    // Time-outs; a request still waiting when the runtime stops is cut short and says so.
    let errors = text(&rows, "request_error");
    let (timeouts, others): (Vec<_>, Vec<_>) = errors.iter().partition(|e| *e == "timeout after 400 ms");
    assert!(timeouts.len() >= 2, "{rows:?}");
    assert!(
        others.iter().all(|e| *e == "unreachable: the XMPP transport stopped") && others.len() <= 1,
        "{rows:?}"
    );
    assert!(text(&rows, "answer").is_empty());
    assert!(bot.received().len() >= 2, "the requests did reach the proxy: {:?}", bot.received());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_reported_as_a_refused_login() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    let dir = tempfile::tempdir().unwrap();
    let settings =
        format!(r#""url": "{}", "method": "get", "body": "<ping xmlns='urn:xmpp:ping'/>""#, quoalise::jid());
    let handle = start(&config(&prosody, &trusted(&prosody), &settings), dir.path(), "wrong").await;
    wait_until("a request error", &prosody, || !text(&readings(dir.path()), "request_error").is_empty())
        .await;
    let connected = metric(&handle, CONNECTED);
    handle.shutdown().await.unwrap();
    let errors = text(&readings(dir.path()), "request_error");
    let error = errors.iter().find(|e| e.contains("login refused")).unwrap_or_else(|| panic!("{errors:?}"));
    assert!(error.starts_with("unreachable: not connected to the XMPP server"), "{error}");
    assert!(error.contains("check the JID and the password"), "{error}");
    assert_eq!(connected, 0.0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_certificate_outside_the_trusted_roots_is_refused() {
    let prosody = Prosody::start(&[(MANAGER, PASSWORD)]);
    let dir = tempfile::tempdir().unwrap();
    let settings =
        format!(r#""url": "{}", "method": "get", "body": "<ping xmlns='urn:xmpp:ping'/>""#, quoalise::jid());
    // No ca_file: the system's roots, which do not hold the test CA.
    let handle = start(&config(&prosody, "", &settings), dir.path(), PASSWORD).await;
    wait_until("a request error", &prosody, || !text(&readings(dir.path()), "request_error").is_empty())
        .await;
    let connected = metric(&handle, CONNECTED);
    handle.shutdown().await.unwrap();
    let errors = text(&readings(dir.path()), "request_error");
    assert!(
        errors.iter().any(|e| e.contains("not connected") && e.to_lowercase().contains("certificate")),
        "{errors:?}"
    );
    assert_eq!(connected, 0.0);
}
