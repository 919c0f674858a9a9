//! Quoalise connector (seed 003): Enedis data-connect through the Quoalise proxy, over XMPP
//! (XEP-0050 ad-hoc commands with XEP-0004 forms, data as SenML in `urn:quoalise:0`).
//!
//! Sans-IO: the XMPP transport sends the commands this plugin builds (`request`, target = the
//! proxy's JID, method `set`) and brings back the answer `<iq>`s (`response`) and the proxy's
//! messages (`inbound`, channel = the sender's bare JID).
//!
//! Settings:
//! - `proxy` (required): the proxy's full JID (`dataconnect-proxy@breizh-sen2.eu/proxy`);
//!   messages are taken only from its bare JID.
//! - `service_name`, `service_description`, `processings`: the service shown to the meter's
//!   owner by `get_authorize_uri` (description and processings: one value per line).
//! - `duration` (`P1Y`), `redirect_uri`, `test_client` (`0`..`9`, the data-connect sandbox
//!   profiles): appended to the authorize URI the proxy returns.
//! - `series`: comma-separated `load_curve/consumption`, `load_curve/production`,
//!   `daily/consumption`, `daily/production`; default `load_curve/consumption,daily/consumption`.
//! - `history_days` (default 365): the first run back-fills this many days before today.
//! - `load_curve_window_days` (default 7), `daily_window_days` (default 365): the longest
//!   window per request (data-connect's limits).
//! - `timeout_ms` (optional): the time-out of each request (else the connector's).
//! - `retry_min_ms` (default 60000), `retry_max_ms` (default 3600000): backoff of a series
//!   (or of `get_authorize_uri`) after a transient failure, doubled each time.
//! - `permanent_codes` (default `ADAM-ERR0123`): upstream error codes that cannot succeed on
//!   retry (a period before the meter's activation): the window is skipped.
//!
//! Behaviour, one request in flight at a time:
//! - On the first tick, `get_authorize_uri`; the URI (with the parameters above) is logged and
//!   saved under [`AUTHORIZE_URI_KEY`] (`passerelle connector status` prints it).
//! - A consent message (`https://consometers.org/dataconnect#authorize`) is saved per usage
//!   point (`consent/<usage point>` = the state); a revocation ([`stanza::NS_REVOKE`]) deletes
//!   it: no request is made for that usage point again, and an answer still in flight is
//!   dropped.
//! - Each tick, and after each answer, the next window of the next series (round robin over
//!   usage points and series) whose backoff is over: from `cursor/<usage point>/<series>` (the
//!   first day not fetched, `YYYY-MM-DD`), else `history_days` before today, up to yesterday.
//! - A result: the SenML resolved ([`senml`]) into readings of the meter (device = the meta's
//!   identifier, else the usage point; name = the SenML name without its `urn:dev:prm:<id>_`
//!   prefix) with the `meta` block as tags; then the cursor is saved, after the readings.
//! - An `iq type='error'`: logged, dead-lettered with the stanza (subject = usage point) and
//!   saved as the note [`LAST_ERROR_KEY`] (as are time-outs and other failures).
//!   A permanent one (see `permanent_codes`, or type `modify`) moves the cursor on; others,
//!   time-outs and unreachable proxies are retried with backoff.
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

pub mod plan;
pub mod senml;
pub mod stanza;
pub mod xml;

#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::sync::Mutex;

use passerelle_pdk::connector::{
    Command, ConnectorError, Discarded, Entry, Event, Guest, Inbound, Level, Reading, Refusal, Rejection,
    Request, RequestError, Response, TaggedReadings,
};

use plan::{Kind, Series, date, day_of, parse_date, window};
use stanza::{Consent, Reply};

/// The key the authorize URI is saved under.
pub const AUTHORIZE_URI_KEY: &str = "status/authorize_uri";
/// The key the last failure (an error stanza, a time-out) is saved under, for the operator.
pub const LAST_ERROR_KEY: &str = "status/last_error";

/// A `save` of the last failure.
fn last_error(text: &str) -> Command {
    Command::Save((LAST_ERROR_KEY.into(), Some(text.as_bytes().to_vec())))
}
/// The series fetched when the settings name none.
pub const DEFAULT_SERIES: &str = "load_curve/consumption,daily/consumption";

/// The settings (see the crate doc).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The proxy's full JID.
    pub proxy: String,
    /// Service name.
    pub service_name: String,
    /// Service description, one value per line.
    pub service_description: Vec<String>,
    /// Processings, one value per line.
    pub processings: Vec<String>,
    /// Query parameters appended to the authorize URI.
    pub uri_params: Vec<(String, String)>,
    /// Series fetched for each usage point.
    pub series: Vec<Series>,
    /// Back-fill, in days.
    pub history_days: i64,
    /// Longest load curve window, in days.
    pub load_curve_window_days: i64,
    /// Longest daily window, in days.
    pub daily_window_days: i64,
    /// Time-out per request.
    pub timeout_ms: Option<u32>,
    /// First retry delay.
    pub retry_min_ms: i64,
    /// Longest retry delay.
    pub retry_max_ms: i64,
    /// Upstream codes that cannot succeed on retry.
    pub permanent_codes: Vec<String>,
}

impl Settings {
    /// Reads the settings.
    ///
    /// # Errors
    /// `bad-setting` naming the first setting at fault.
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<Self, ConnectorError> {
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.trim().to_string());
        let bad = |k: &str, why: String| ConnectorError::BadSetting((k.to_string(), why));
        let number = |k: &str, default: i64| -> Result<i64, ConnectorError> {
            match get(k) {
                None => Ok(default),
                Some(v) => v
                    .parse::<i64>()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or_else(|| bad(k, format!("{v:?} is not a positive whole number"))),
            }
        };
        let lines = |k: &str| -> Vec<String> {
            get(k)
                .unwrap_or_default()
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect()
        };
        let proxy = get("proxy").filter(|p| p.contains('@')).ok_or_else(|| {
            bad("proxy", "is required: the proxy's JID (dataconnect-proxy@breizh-sen2.eu/proxy)".into())
        })?;
        let mut series = Vec::new();
        for s in get("series").unwrap_or_else(|| DEFAULT_SERIES.into()).split(',') {
            let s = Series::parse(s).map_err(|e| bad("series", e))?;
            if !series.contains(&s) {
                series.push(s);
            }
        }
        let mut uri_params = Vec::new();
        if let Some(d) = get("duration").filter(|d| !d.is_empty()) {
            uri_params.push(("duration".to_string(), d));
        }
        if let Some(r) = get("redirect_uri").filter(|r| !r.is_empty()) {
            uri_params.push(("redirect_uri".to_string(), r));
        }
        if let Some(t) = get("test_client").filter(|t| !t.is_empty()) {
            if !matches!(t.parse::<u8>(), Ok(0..=9)) {
                return Err(bad("test_client", format!("{t:?} is not a sandbox profile 0 to 9")));
            }
            uri_params.push(("test_client".to_string(), t));
        }
        let timeout_ms = match get("timeout_ms") {
            None => None,
            Some(t) => {
                Some(t.parse::<u32>().map_err(|_| bad("timeout_ms", format!("{t:?} is not a number")))?)
            }
        };
        let retry_min_ms = number("retry_min_ms", 60_000)?;
        Ok(Self {
            service_name: get("service_name").unwrap_or_else(|| "Passerelle".into()),
            service_description: lines("service_description"),
            processings: lines("processings"),
            uri_params,
            series,
            history_days: number("history_days", 365)?,
            load_curve_window_days: number("load_curve_window_days", 7)?,
            daily_window_days: number("daily_window_days", 365)?,
            timeout_ms,
            retry_min_ms,
            retry_max_ms: number("retry_max_ms", 3_600_000)?.max(retry_min_ms),
            permanent_codes: get("permanent_codes")
                .unwrap_or_else(|| "ADAM-ERR0123".into())
                .split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect(),
            proxy,
        })
    }

    /// The proxy's bare JID (messages come from it).
    pub fn proxy_bare(&self) -> &str {
        self.proxy.split('/').next().unwrap_or(&self.proxy)
    }

    /// The longest window of a series, in days.
    pub fn window_days(&self, series: &Series) -> i64 {
        match series.kind {
            Kind::LoadCurve => self.load_curve_window_days,
            Kind::Daily => self.daily_window_days,
        }
    }

    /// The authorize URI with the configured parameters appended (values percent-encoded).
    pub fn full_uri(&self, uri: &str) -> String {
        let mut out = uri.to_string();
        for (k, v) in &self.uri_params {
            out.push(if out.contains('?') { '&' } else { '?' });
            out.push_str(k);
            out.push('=');
            out.push_str(&percent_encode(v));
        }
        out
    }
}

/// Percent-encodes a query value (RFC 3986 unreserved characters kept).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// What a request in flight is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `get_authorize_uri`.
    Authorize,
    /// One window of one series of a usage point (days, end excluded).
    Window {
        /// Usage point.
        usage_point: String,
        /// Series.
        series: Series,
        /// First day.
        start: i64,
        /// Day after the last.
        end: i64,
    },
}

/// Failures in a row of one series, and when it may be tried again.
#[derive(Debug, Clone, Copy, Default)]
struct Failing {
    count: u32,
    next_try_ms: i64,
}

/// The connector's state (rebuilt from `start` and `restore`).
#[derive(Debug)]
pub struct Quoalise {
    settings: Settings,
    /// Consented usage points and their state.
    consents: BTreeMap<String, String>,
    /// First day not fetched, by (usage point, series key).
    cursors: BTreeMap<(String, String), i64>,
    failing: BTreeMap<(String, String), Failing>,
    authorize_failing: Failing,
    authorized: bool,
    in_flight: Option<(u64, Target)>,
    /// The last (usage point, series key) served, for the round robin.
    last: Option<(String, String)>,
    next_id: u64,
    now_ms: i64,
}

impl Quoalise {
    /// A connector with these settings, nothing consented yet.
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            consents: BTreeMap::new(),
            cursors: BTreeMap::new(),
            failing: BTreeMap::new(),
            authorize_failing: Failing::default(),
            authorized: false,
            in_flight: None,
            last: None,
            next_id: 1,
            now_ms: 0,
        }
    }

    /// The consented usage points.
    pub fn consented(&self) -> impl Iterator<Item = &str> {
        self.consents.keys().map(String::as_str)
    }

    /// The cursor of a series (first day not fetched), if one was saved.
    pub fn cursor(&self, usage_point: &str, series: &str) -> Option<i64> {
        self.cursors.get(&(usage_point.to_string(), series.to_string())).copied()
    }

    /// What is in flight.
    pub fn in_flight(&self) -> Option<&(u64, Target)> {
        self.in_flight.as_ref()
    }

    /// Handles one event (after `start`).
    pub fn handle(&mut self, event: Event) -> Vec<Command> {
        match event {
            Event::Start(_) => Vec::new(),
            Event::Restore(entries) => {
                self.restore(&entries);
                Vec::new()
            }
            Event::Tick(now) => self.tick(now),
            Event::Response(r) => self.response(r),
            Event::Inbound(inbound) => self.inbound(&inbound),
        }
    }

    fn restore(&mut self, entries: &[Entry]) {
        for e in entries {
            let value = String::from_utf8_lossy(&e.value).to_string();
            if let Some(up) = e.key.strip_prefix("consent/") {
                self.consents.insert(up.to_string(), value);
            } else if let Some(rest) = e.key.strip_prefix("cursor/") {
                let Some((up, series)) = rest.split_once('/') else { continue };
                match parse_date(&value) {
                    Some(day) => {
                        self.cursors.insert((up.to_string(), series.to_string()), day);
                    }
                    None => log(
                        Level::Warn,
                        &format!("Saved cursor {} is not a date: {value:?}; ignored.", e.key),
                    ),
                }
            }
        }
    }

    fn tick(&mut self, now: i64) -> Vec<Command> {
        self.now_ms = now;
        if self.in_flight.is_some() {
            return Vec::new();
        }
        self.next_request()
    }

    fn request(&mut self, body: String, target: Target) -> Vec<Command> {
        let id = self.next_id;
        self.next_id += 1;
        self.in_flight = Some((id, target));
        vec![Command::Request(Request {
            id,
            method: "set".into(),
            target: self.settings.proxy.clone(),
            headers: Vec::new(),
            body: body.into_bytes(),
            timeout_ms: self.settings.timeout_ms,
        })]
    }

    /// The next request to make, if any is due.
    fn next_request(&mut self) -> Vec<Command> {
        let now = self.now_ms;
        if !self.authorized && self.authorize_failing.next_try_ms <= now {
            let s = &self.settings;
            let body = stanza::authorize_uri_command(&s.service_name, &s.service_description, &s.processings);
            return self.request(body, Target::Authorize);
        }
        let today = day_of(now);
        let mut pairs: Vec<(String, Series)> = Vec::new();
        for up in self.consents.keys() {
            for series in &self.settings.series {
                pairs.push((up.clone(), series.clone()));
            }
        }
        // Round robin: start after the pair served last.
        if let Some(last) = &self.last
            && let Some(at) = pairs.iter().position(|(u, s)| *u == last.0 && s.key() == last.1)
        {
            pairs.rotate_left(at + 1);
        }
        for (up, series) in pairs {
            let key = (up.clone(), series.key());
            if self.failing.get(&key).is_some_and(|f| f.next_try_ms > now) {
                continue;
            }
            let cursor = self.cursors.get(&key).copied().unwrap_or(today - self.settings.history_days);
            let Some((start, end)) = window(cursor, today, self.settings.window_days(&series)) else {
                continue;
            };
            let body = stanza::data_command(series.node(), &up, &series.direction, &date(start), &date(end));
            self.last = Some(key);
            return self.request(body, Target::Window { usage_point: up, series, start, end });
        }
        Vec::new()
    }

    fn backoff(&self, failing: &mut Failing) -> i64 {
        failing.count = failing.count.saturating_add(1);
        let shift = failing.count.saturating_sub(1).min(30);
        let delay = self.settings.retry_min_ms.saturating_mul(1_i64 << shift).min(self.settings.retry_max_ms);
        failing.next_try_ms = self.now_ms.saturating_add(delay);
        delay
    }

    fn response(&mut self, r: Response) -> Vec<Command> {
        let target = match self.in_flight.take() {
            Some((id, target)) if id == r.id => target,
            other => {
                self.in_flight = other;
                log(Level::Debug, &format!("Answer to unknown request {} ignored.", r.id));
                return Vec::new();
            }
        };
        let mut commands = match target {
            Target::Authorize => self.authorize_answer(r),
            Target::Window { usage_point, series, start, end } => {
                if self.consents.contains_key(&usage_point) {
                    self.window_answer(r, &usage_point, &series, start, end)
                } else {
                    log(
                        Level::Info,
                        &format!("Answer for usage point {usage_point} dropped: its consent was revoked."),
                    );
                    Vec::new()
                }
            }
        };
        commands.extend(self.next_request());
        commands
    }

    fn authorize_answer(&mut self, r: Response) -> Vec<Command> {
        let failure = match r.outcome {
            Ok(answer) => match stanza::reply(&String::from_utf8_lossy(&answer.body)) {
                Ok(Reply::Result(iq)) => match stanza::authorize_uri(&iq) {
                    Some(uri) => {
                        let full = self.settings.full_uri(&uri);
                        log(Level::Info, &format!("Authorize URI (send it to the meter's owner): {full}"));
                        self.authorized = true;
                        self.authorize_failing = Failing::default();
                        return vec![Command::Save((AUTHORIZE_URI_KEY.into(), Some(full.into_bytes())))];
                    }
                    None => "a result without authorize_uri".to_string(),
                },
                Ok(Reply::Error(e)) => e.to_string(),
                Err(e) => format!("an unreadable answer: {e}"),
            },
            Err(e) => request_error(&e),
        };
        let mut failing = self.authorize_failing;
        let delay = self.backoff(&mut failing);
        self.authorize_failing = failing;
        log(Level::Warn, &format!("get_authorize_uri failed: {failure}; tried again in {delay} ms."));
        vec![last_error(&format!("get_authorize_uri: {failure}"))]
    }

    fn window_answer(
        &mut self,
        r: Response,
        up: &str,
        series: &Series,
        start: i64,
        end: i64,
    ) -> Vec<Command> {
        let id = r.id;
        let key = (up.to_string(), series.key());
        let what = format!("{} {} {} {}..{}", series.node(), series.direction, up, date(start), date(end));
        let answer = match r.outcome {
            Ok(answer) => answer,
            Err(e) => {
                let mut failing = self.failing.get(&key).copied().unwrap_or_default();
                let delay = self.backoff(&mut failing);
                self.failing.insert(key, failing);
                let failure = format!("{what}: {}", request_error(&e));
                log(Level::Warn, &format!("{failure}; tried again in {delay} ms."));
                return vec![last_error(&failure)];
            }
        };
        let text = String::from_utf8_lossy(&answer.body).to_string();
        let mut commands = Vec::new();
        let done = match stanza::reply(&text) {
            Ok(Reply::Result(iq)) => {
                match stanza::data(&iq) {
                    Ok(blocks) => {
                        for block in blocks {
                            let device = block.device.clone().unwrap_or_else(|| up.to_string());
                            let (records, problems) = senml::resolve(&block.sensml, self.now_ms);
                            let readings: Vec<Reading> = records
                                .into_iter()
                                .map(|r| Reading {
                                    name: short_name(&r.name, &device),
                                    value: r.value,
                                    unit: r.unit,
                                    time_ms: Some(r.time_ms),
                                })
                                .collect();
                            if !readings.is_empty() {
                                commands.push(Command::EmitTaggedReadings(TaggedReadings {
                                    id,
                                    device: device.clone(),
                                    tags: block.tags.clone(),
                                    readings,
                                }));
                            }
                            for (index, why) in problems {
                                commands.push(Command::DeadLetter(Discarded {
                                    id,
                                    subject: up.to_string(),
                                    reason: format!("{what}: SenML record {index}: {why}"),
                                    bytes: answer.body.clone(),
                                }));
                            }
                        }
                    }
                    // A result without data: nothing measured in the window.
                    Err(why) => log(Level::Info, &format!("{what}: {why}; nothing stored.")),
                }
                true
            }
            Ok(Reply::Error(e)) => {
                let permanent = e.kind == "modify"
                    || e.code.as_ref().is_some_and(|c| self.settings.permanent_codes.contains(c));
                let verdict =
                    if permanent { "skipped (cannot succeed on retry)" } else { "tried again later" };
                log(Level::Warn, &format!("{what}: proxy error {e}; {verdict}."));
                commands.push(Command::DeadLetter(Discarded {
                    id,
                    subject: up.to_string(),
                    reason: format!("{what}: {e}"),
                    bytes: answer.body.clone(),
                }));
                commands.push(last_error(&format!("{what}: {e}")));
                permanent
            }
            Err(why) => {
                commands.push(Command::DeadLetter(Discarded {
                    id,
                    subject: up.to_string(),
                    reason: format!("{what}: unreadable answer: {why}"),
                    bytes: answer.body.clone(),
                }));
                commands.push(last_error(&format!("{what}: unreadable answer: {why}")));
                false
            }
        };
        if done {
            self.failing.remove(&key);
            self.cursors.insert(key, end);
            // After the readings: the host saves it once they are committed.
            commands
                .push(Command::Save((format!("cursor/{up}/{}", series.key()), Some(date(end).into_bytes()))));
        } else {
            let mut failing = self.failing.get(&key).copied().unwrap_or_default();
            let delay = self.backoff(&mut failing);
            self.failing.insert(key, failing);
            log(Level::Warn, &format!("{what}: tried again in {delay} ms."));
        }
        commands
    }

    fn inbound(&mut self, inbound: &Inbound) -> Vec<Command> {
        let id = inbound.id;
        let reject = |kind, reason: String| {
            log(Level::Warn, &format!("Message refused: {reason}"));
            vec![Command::Reject(Rejection { id, kind, reason })]
        };
        if inbound.channel != self.settings.proxy_bare() {
            return reject(
                Refusal::Unauthorized,
                format!(
                    "a message from {}, not from the proxy {}",
                    inbound.channel,
                    self.settings.proxy_bare()
                ),
            );
        }
        let mut commands = Vec::new();
        match stanza::message(&String::from_utf8_lossy(&inbound.body)) {
            Ok(Consent::Granted { usage_points, state }) => {
                for up in usage_points {
                    let state = state.clone().unwrap_or_default();
                    log(Level::Info, &format!("Consent recorded for usage point {up} (state {state:?})."));
                    self.failing.retain(|(u, _), _| *u != up);
                    commands.push(Command::Save((format!("consent/{up}"), Some(state.clone().into_bytes()))));
                    self.consents.insert(up, state);
                }
            }
            Ok(Consent::Revoked { usage_points }) => {
                for up in usage_points {
                    log(Level::Info, &format!("Consent revoked for usage point {up}: no more requests."));
                    self.consents.remove(&up);
                    commands.push(Command::Save((format!("consent/{up}"), None)));
                }
            }
            Ok(Consent::Other) => log(Level::Debug, "A message without consent from the proxy; ignored."),
            Err(why) => return reject(Refusal::Malformed, why),
        }
        commands.push(Command::Accept(id));
        commands
    }
}

/// The reading name of a SenML name: without its `urn:dev:prm:<device>` prefix and separator
/// (`urn:dev:prm:10284856584123_production_load` -> `production_load`).
pub fn short_name(name: &str, device: &str) -> String {
    let prefix = format!("urn:dev:prm:{device}");
    match name.strip_prefix(&prefix).map(|r| r.trim_start_matches(['_', ':', '/'])) {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => name.to_string(),
    }
}

fn request_error(e: &RequestError) -> String {
    match e {
        RequestError::Timeout(ms) => format!("no answer within {ms} ms"),
        RequestError::Unreachable(why) => format!("proxy unreachable: {why}"),
        RequestError::Refused(why) => format!("request refused by the host: {why}"),
        RequestError::Other(why) => why.clone(),
    }
}

fn log(level: Level, message: &str) {
    #[cfg(target_arch = "wasm32")]
    passerelle_pdk::connector::passerelle::plugin::log::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (level, message);
}

static STATE: Mutex<Option<Quoalise>> = Mutex::new(None);

struct Plugin;

impl Guest for Plugin {
    fn handle(event: Event) -> Result<Vec<Command>, ConnectorError> {
        let mut guard = STATE.lock().map_err(|_| ConnectorError::Other("state lock poisoned".into()))?;
        match event {
            Event::Start(pairs) => {
                *guard = Some(Quoalise::new(Settings::from_pairs(&pairs)?));
                Ok(Vec::new())
            }
            event => {
                let state =
                    guard.as_mut().ok_or_else(|| ConnectorError::Other("event before start".into()))?;
                Ok(state.handle(event))
            }
        }
    }
}

#[cfg(target_arch = "wasm32")]
passerelle_pdk::connector::export_connector!(Plugin with_types_in passerelle_pdk::connector);
