//! The operator console: a page with its assets embedded in the binary, and the data routes it
//! calls (each token protected; the page itself holds no data).

use std::collections::{BTreeMap, VecDeque};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Shared, authorized, denied, json};
use crate::actor::error_chain;
use crate::message::{Reading, Value};
use crate::operator::{DeadLetterFilter, FlowCounters, Operator, ReplaySelection, Status, TryError};
use crate::sink::DeadLetter;

const PAGE: &str = include_str!("console/index.html");
const SCRIPT: &str = include_str!("console/app.js");
const STYLE: &str = include_str!("console/app.css");

/// The most `/events` streams open at once; one more is answered 503.
pub(super) const MAX_STREAMS: usize = 4;

/// The console's routes, merged into the operator endpoint.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/console", get(|| asset("text/html; charset=utf-8", PAGE)))
        .route("/console/app.js", get(|| asset("text/javascript; charset=utf-8", SCRIPT)))
        .route("/console/app.css", get(|| asset("text/css; charset=utf-8", STYLE)))
        .route("/events", get(events))
        .route("/routes", get(routes_of))
        .route("/deadletters", get(dead_letters))
        .route("/deadletters/replay", post(replay))
        .route("/try", post(try_frame))
}

/// An embedded asset: no data in it, so no token; always revalidated.
async fn asset(content_type: &'static str, body: &'static str) -> Response {
    ([(header::CONTENT_TYPE, content_type), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

/// A value as plain JSON (bytes as hex), as `passerelle decode` prints it.
pub(super) fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Number(n) => {
            serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, serde_json::Value::Number)
        }
        Value::Text(s) => serde_json::Value::String(s.clone()),
        Value::Boolean(b) => serde_json::Value::Bool(*b),
        Value::Bytes(b) => serde_json::Value::String(passerelle_vectors::to_hex(b)),
    }
}

/// Bytes from hex digits (whitespace ignored: `passerelle_vectors::hex`, the one reader); the
/// reason in words otherwise.
fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    if text.trim().is_empty() {
        return Err("hex is empty".into());
    }
    passerelle_vectors::hex(text).map_err(|e| match e {
        passerelle_vectors::HexError::OddLength { digits } => {
            format!("hex has an odd number of digits ({digits})")
        }
        passerelle_vectors::HexError::NotHex { position } => {
            format!("hex: not a hex byte at position {position}")
        }
    })
}

fn readings_json(readings: &[Reading]) -> serde_json::Value {
    readings
        .iter()
        .map(|r| serde_json::json!({"name": r.name, "value": json_value(&r.value), "unit": r.unit}))
        .collect()
}

/// An error as JSON: `{"error": text}`.
pub(super) fn error(status: StatusCode, text: &str) -> Response {
    json(status, &serde_json::json!({"error": text}))
}

async fn routes_of(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    json(StatusCode::OK, &s.operator.routes())
}

/// Body of `POST /try`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct TryRequest {
    devicetype: String,
    #[serde(default)]
    port: u8,
    hex: String,
}

async fn try_frame(State(s): State<Shared>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    let request: TryRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("body: {e}")),
    };
    let payload = match parse_hex(&request.hex) {
        Ok(p) => p,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e),
    };
    match s.operator.try_frame(&request.devicetype, request.port, payload).await {
        Ok(readings) => json(StatusCode::OK, &serde_json::json!({"readings": readings_json(&readings)})),
        Err(e) => {
            let (status, kind) = match &e {
                TryError::NoRoute(_) => (StatusCode::NOT_FOUND, "route"),
                TryError::Decode { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "decode"),
                TryError::Plugin { .. } => (StatusCode::UNPROCESSABLE_ENTITY, "plugin"),
                TryError::Stopping => (StatusCode::SERVICE_UNAVAILABLE, "stopping"),
            };
            json(status, &serde_json::json!({"error": error_chain(&e), "kind": kind}))
        }
    }
}

fn dead_letter_json(e: &DeadLetter) -> serde_json::Value {
    serde_json::json!({
        "id": e.id, "received_ms": e.received_ms, "connector": e.connector, "device": e.device,
        "devicetype": e.devicetype, "port": e.port, "stage": e.stage, "error": e.error,
        "plugin": e.plugin, "hex": passerelle_vectors::to_hex(&e.payload),
    })
}

async fn dead_letters(
    State(s): State<Shared>,
    headers: HeaderMap,
    filter: Result<Query<DeadLetterFilter>, QueryRejection>,
) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    let Query(filter) = match filter {
        Ok(f) => f,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    match s.operator.dead_letters(filter).await {
        Ok(entries) => json(StatusCode::OK, &entries.iter().map(dead_letter_json).collect::<Vec<_>>()),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &error_chain(&e)),
    }
}

/// The most entries one `POST /deadletters/replay` names by id.
const MAX_REPLAY_IDS: usize = 10_000;

/// Body of `POST /deadletters/replay`: `{"ids": [..]}` or `{"all": true}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ReplayRequest {
    #[serde(default)]
    ids: Option<Vec<i64>>,
    #[serde(default)]
    all: bool,
}

async fn replay(State(s): State<Shared>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    let selection = match serde_json::from_slice::<ReplayRequest>(&body) {
        Ok(ReplayRequest { ids: None, all: true }) => ReplaySelection::All,
        Ok(ReplayRequest { ids: Some(ids), all: false }) if ids.len() <= MAX_REPLAY_IDS => {
            ReplaySelection::Ids(ids)
        }
        Ok(ReplayRequest { ids: Some(ids), all: false }) => {
            let text = format!("{} ids: at most {MAX_REPLAY_IDS} at once (or {{\"all\": true}})", ids.len());
            return error(StatusCode::BAD_REQUEST, &text);
        }
        Ok(_) => {
            return error(StatusCode::BAD_REQUEST, "body: give either {\"ids\": [..]} or {\"all\": true}");
        }
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("body: {e}")),
    };
    match s.operator.replay(selection).await {
        Ok(report) => json(StatusCode::OK, &report),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &error_chain(&e)),
    }
}

/// How far back the rates look.
const RATE_WINDOW: Duration = Duration::from_secs(60);

/// One sample of the counters, and when it was taken.
#[derive(Debug)]
struct Sample {
    at: Instant,
    counters: FlowCounters,
}

/// The last minute of samples of one event stream, to turn counters into rates.
#[derive(Debug, Default)]
struct Window {
    samples: VecDeque<Sample>,
}

impl Window {
    /// Adds a sample and forgets those older than the window (the oldest kept is at least a
    /// window old, once there is one, so a minute's rate covers a whole minute).
    fn push(&mut self, sample: Sample) {
        let at = sample.at;
        self.samples.push_back(sample);
        while self.samples.get(1).is_some_and(|s| at.duration_since(s.at) >= RATE_WINDOW) {
            self.samples.pop_front();
        }
    }

    /// Seconds between the oldest and the newest sample.
    fn span(&self) -> f64 {
        match (self.samples.front(), self.samples.back()) {
            (Some(a), Some(b)) => b.at.duration_since(a.at).as_secs_f64(),
            _ => 0.0,
        }
    }

    /// Per minute over the window: how much `pick` of the counters grew for `key`.
    fn per_minute(&self, key: &str, pick: fn(&FlowCounters) -> &BTreeMap<String, u64>) -> f64 {
        let (Some(a), Some(b)) = (self.samples.front(), self.samples.back()) else { return 0.0 };
        let span = self.span();
        if span <= 0.0 {
            return 0.0;
        }
        let at = |s: &Sample| pick(&s.counters).get(key).copied().unwrap_or(0);
        at(b).saturating_sub(at(a)) as f64 * 60.0 / span
    }

    /// The growth over the window of `pick` for `key`.
    fn delta(&self, key: &str, pick: fn(&FlowCounters) -> &BTreeMap<String, u64>) -> u64 {
        let (Some(a), Some(b)) = (self.samples.front(), self.samples.back()) else { return 0 };
        let at = |s: &Sample| pick(&s.counters).get(key).copied().unwrap_or(0);
        at(b).saturating_sub(at(a))
    }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// The event the console shows: the status, and per connector, decoder and sink its state and
/// rates per minute over the last minute (or since the stream opened).
fn flows(status: &Status, window: &Window) -> serde_json::Value {
    let Some(now) = window.samples.back() else { return serde_json::Value::Null };
    let totals = &now.counters;
    let full = window.span() >= RATE_WINDOW.as_secs_f64() - 1.0;
    let connectors: Vec<serde_json::Value> = status
        .connectors
        .iter()
        .map(|c| {
            let total = totals.frames_in.get(&c.name).copied().unwrap_or(0);
            // Stalled: frames came before, none in the last whole minute.
            let stalled = c.connected && full && total > 0 && window.delta(&c.name, |t| &t.frames_in) == 0;
            let state = match (c.connected, stalled, c.listen.is_some()) {
                _ if c.quarantined_ms.is_some() => "quarantined",
                (false, _, _) => "disconnected",
                (true, true, _) => "stalled",
                (true, false, true) => "listening",
                (true, false, false) => "connected",
            };
            serde_json::json!({
                "name": c.name, "transport": c.transport, "listen": c.listen, "state": state,
                "frames_in": total,
                "frames_in_per_min": round1(window.per_minute(&c.name, |t| &t.frames_in)),
                "last_error": c.last_error, "notes": c.notes, "quarantined_ms": c.quarantined_ms,
            })
        })
        .collect();
    let decoders: Vec<serde_json::Value> = status
        .decoders
        .iter()
        .map(|d| {
            let state = match (&d.quarantined_ms, &d.shadow) {
                (Some(_), _) => "quarantined",
                (None, Some(_)) => "shadow",
                (None, None) => "live",
            };
            serde_json::json!({
                "name": d.name, "plugin": d.plugin, "state": state, "quarantined_ms": d.quarantined_ms,
                "frames": totals.decoder_frames.get(&d.name).copied().unwrap_or(0),
                "readings": totals.readings_out.get(&d.name).copied().unwrap_or(0),
                "frames_per_min": round1(window.per_minute(&d.name, |t| &t.decoder_frames)),
                "readings_per_min": round1(window.per_minute(&d.name, |t| &t.readings_out)),
                "last_error": d.last_error, "devicetypes": d.devicetypes,
            })
        })
        .collect();
    let mut sink_names: Vec<&String> = totals
        .sink_commits
        .keys()
        .chain(totals.sink_failures.keys())
        .chain(totals.sink_full.keys())
        .collect();
    sink_names.sort();
    sink_names.dedup();
    let sinks: Vec<serde_json::Value> = sink_names
        .into_iter()
        .map(|name| {
            // Over the window: turned away because full, or failing to commit, or fine.
            let state = if window.delta(name, |t| &t.sink_full) > 0 {
                "full"
            } else if window.delta(name, |t| &t.sink_failures) > 0 {
                "failing"
            } else {
                "ok"
            };
            serde_json::json!({
                "name": name, "state": state,
                "commits": totals.sink_commits.get(name).copied().unwrap_or(0),
                "commits_per_min": round1(window.per_minute(name, |t| &t.sink_commits)),
                "failures": totals.sink_failures.get(name).copied().unwrap_or(0),
                "full": totals.sink_full.get(name).copied().unwrap_or(0),
            })
        })
        .collect();
    let dead_per_min: f64 =
        totals.dead_letters.keys().map(|k| window.per_minute(k, |t| &t.dead_letters)).sum();
    serde_json::json!({
        "status": status,
        "connectors": connectors,
        "decoders": decoders,
        "sinks": sinks,
        "dead_letters": totals.dead_letters,
        "dead_letters_per_min": round1(dead_per_min),
        "window_s": round1(window.span()),
    })
}

/// What one `/events` stream carries between ticks.
struct Stream {
    operator: Arc<dyn Operator>,
    window: Window,
    tick: tokio::time::Interval,
    stop: tokio::sync::watch::Receiver<bool>,
    /// Held while the stream lives: one of [`MAX_STREAMS`].
    _permit: tokio::sync::OwnedSemaphorePermit,
}

impl Stream {
    /// The next event, a second after the last one; `None` once the endpoint stops.
    async fn next(&mut self) -> Option<Event> {
        tokio::select! {
            _ = self.tick.tick() => {}
            _ = self.stop.wait_for(|stop| *stop) => return None,
        }
        if *self.stop.borrow() {
            return None;
        }
        let status = self.operator.status();
        self.window.push(Sample { at: Instant::now(), counters: self.operator.counters() });
        let data = flows(&status, &self.window);
        Some(Event::default().event("status").data(data.to_string()))
    }
}

async fn events(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    let Ok(permit) = Arc::clone(&s.streams).try_acquire_owned() else {
        let text = format!("{MAX_STREAMS} event streams are open already: close a console");
        return error(StatusCode::SERVICE_UNAVAILABLE, &text);
    };
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let stream = Stream {
        operator: Arc::clone(&s.operator),
        window: Window::default(),
        tick,
        stop: s.stop.clone(),
        _permit: permit,
    };
    let events = futures::stream::unfold(stream, |mut st| async move {
        let event = st.next().await?;
        Some((Ok::<Event, Infallible>(event), st))
    });
    let mut response = Sse::new(events).into_response();
    response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-cache"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_parsed_or_refused_with_the_reason() {
        assert_eq!(parse_hex("01 75 32"), Ok(vec![0x01, 0x75, 0x32]));
        assert_eq!(parse_hex("0aFf"), Ok(vec![0x0a, 0xff]));
        assert!(parse_hex("017").unwrap_err().contains("odd number"));
        assert!(parse_hex("01zz").unwrap_err().contains("position 2"));
        assert!(parse_hex("  ").unwrap_err().contains("empty"));
        assert!(parse_hex("é1").is_err());
    }

    fn sample(secs: u64, base: Instant, frames: u64, dead: u64) -> Sample {
        let mut counters = FlowCounters::default();
        counters.frames_in.insert("c".into(), frames);
        counters.dead_letters.insert("decode".into(), dead);
        counters.sink_commits.insert("db".into(), frames);
        counters.sink_failures.insert("db".into(), if secs > 70 { 1 } else { 0 });
        Sample { at: base + Duration::from_secs(secs), counters }
    }

    fn status(connected: bool) -> Status {
        let connector = crate::operator::ConnectorStatus {
            name: "c".into(),
            transport: "mqtt".into(),
            listen: None,
            connected,
            last_error: None,
            notes: BTreeMap::new(),
            quarantined_ms: None,
            quarantines: 0,
        };
        Status { decoders: Vec::new(), connectors: vec![connector] }
    }

    #[test]
    fn rates_are_per_minute_over_the_last_minute_and_a_quiet_minute_is_stalled() {
        let base = Instant::now();
        let mut w = Window::default();
        w.push(sample(0, base, 0, 0));
        w.push(sample(10, base, 20, 1));
        let f = flows(&status(true), &w);
        assert_eq!(f["connectors"][0]["frames_in_per_min"], 120.0, "{f}");
        assert_eq!(f["dead_letters_per_min"], 6.0, "{f}");
        assert_eq!(f["connectors"][0]["state"], "connected", "{f}");
        assert_eq!((&f["sinks"][0]["name"], &f["sinks"][0]["state"]), (&"db".into(), &"ok".into()), "{f}");
        assert_eq!(f["sinks"][0]["commits_per_min"], 120.0, "{f}");
        // A minute with no frames after some: stalled; the old samples are forgotten.
        for t in 11..=80 {
            w.push(sample(t, base, 20, 1));
        }
        assert!(w.samples.len() <= 62, "{}", w.samples.len());
        let f = flows(&status(true), &w);
        assert_eq!(f["connectors"][0]["frames_in_per_min"], 0.0, "{f}");
        assert_eq!(f["connectors"][0]["state"], "stalled", "{f}");
        assert_eq!(f["connectors"][0]["frames_in"], 20, "{f}");
        assert_eq!(f["sinks"][0]["state"], "failing", "a failure in the last minute: {f}");
        assert_eq!(flows(&status(false), &w)["connectors"][0]["state"], "disconnected");
        // A quarantined connector says so, connected or not.
        let mut quarantined = status(true);
        quarantined.connectors[0].quarantined_ms = Some(1500);
        let f = flows(&quarantined, &w);
        assert_eq!(
            (&f["connectors"][0]["state"], &f["connectors"][0]["quarantined_ms"]),
            (&"quarantined".into(), &1500.into()),
            "{f}"
        );
    }
}
