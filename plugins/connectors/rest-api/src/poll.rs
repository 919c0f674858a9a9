//! The polling state machine: sans-IO, driven by `tick`, `response` and `restore` events.
//!
//! A cycle lists the devices (page after page), then reads each device's series from its
//! cursor (page after page), then waits for the next cycle (`poll_ms` after this one began).
//! One request at a time. After each series page, its readings are emitted and the device's
//! cursor (the latest time stored) is saved in the same answer: the host commits the readings
//! before it writes the cursor, so a restart neither reads again (points at or before the
//! cursor are skipped) nor skips (the cursor never runs ahead of what is stored).

use std::collections::BTreeMap;

use passerelle_pdk::connector::{
    Answer, Command, ConnectorError, Discarded, Entry, Reading, Request, RequestError, Response, Value,
};
use serde_json::Value as Json;

use crate::settings::{Listing, Settings, TimeFormat};

/// The key prefix of saved cursors: `cursor/<device id>`.
pub const CURSOR_PREFIX: &str = "cursor/";

/// A device from the listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Device {
    /// Its id: the reading's device.
    pub id: String,
    /// Its unit, if the listing gives one.
    pub unit: Option<String>,
}

/// What the next request reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Waiting for the next cycle.
    Idle,
    /// A page of the devices listing.
    Devices(String),
    /// A page of the series of `devices[index]`, and the series' first page (page tokens go
    /// with it).
    Series(usize, String, String),
}

/// Something an operator should hear about: logged by the plugin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    /// A failure the poller recovers from by itself.
    Warn(String),
    /// A failure that needs the operator (a key refused).
    Error(String),
}

/// The poller.
#[derive(Debug)]
pub struct Poller {
    s: Settings,
    cursors: BTreeMap<String, i64>,
    devices: Vec<Device>,
    step: Step,
    in_flight: Option<(u64, String)>,
    next_id: u64,
    now: i64,
    not_before: i64,
    cycle_started: i64,
    failures: u32,
    /// What the last events had to say, drained by the caller.
    pub notes: Vec<Note>,
}

/// Percent-encodes a query or path value (unreserved characters kept).
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b':') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Adds a query parameter (its value as given: it may hold `{secret:NAME}`).
fn with_param(url: &str, name: &str, value: &str) -> String {
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}{name}={value}")
}

/// The value at a dotted path (array indexes are numbers).
fn at<'a>(v: &'a Json, path: &str) -> Option<&'a Json> {
    if path.is_empty() {
        return Some(v);
    }
    v.get(path).or_else(|| {
        path.split('.').try_fold(v, |v, key| match v {
            Json::Array(items) => items.get(key.parse::<usize>().ok()?),
            _ => v.get(key),
        })
    })
}

fn text(v: &Json) -> Option<String> {
    match v {
        Json::String(s) if !s.is_empty() => Some(s.clone()),
        Json::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// RFC 3339 UTC of milliseconds since the Unix epoch (`2024-01-01T00:00:00Z`, milliseconds
/// only when not whole seconds).
pub fn rfc3339(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rest = ms.rem_euclid(86_400_000);
    let (y, m, d) = passerelle_pdk::civil_from_days(days);
    let (h, min, s, milli) = (rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60, rest % 1000);
    if milli == 0 {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}Z")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{s:02}.{milli:03}Z")
    }
}

impl Poller {
    /// A poller that starts a cycle at the first tick.
    pub fn new(s: Settings) -> Self {
        Self {
            s,
            cursors: BTreeMap::new(),
            devices: Vec::new(),
            step: Step::Idle,
            in_flight: None,
            next_id: 1,
            now: 0,
            not_before: i64::MIN,
            cycle_started: 0,
            failures: 0,
            notes: Vec::new(),
        }
    }

    /// The saved cursors, by device.
    pub fn cursors(&self) -> &BTreeMap<String, i64> {
        &self.cursors
    }

    /// Takes back the cursors saved before a restart.
    pub fn restore(&mut self, entries: &[Entry]) {
        for e in entries {
            let Some(device) = e.key.strip_prefix(CURSOR_PREFIX) else { continue };
            if let Some(ms) = std::str::from_utf8(&e.value).ok().and_then(|t| t.parse().ok()) {
                self.cursors.insert(device.to_string(), ms);
            }
        }
    }

    /// A tick: starts a cycle when one is due, or the request a wait held back.
    pub fn tick(&mut self, now: i64) -> Vec<Command> {
        self.now = now;
        if self.in_flight.is_some() || now < self.not_before {
            return Vec::new();
        }
        if self.step == Step::Idle {
            self.cycle_started = now;
            self.devices.clear();
            self.step = Step::Devices(self.url(&self.s.devices.path));
        }
        self.request().into_iter().collect()
    }

    /// The first page of a listing (`path` after the base URL), with the query parameters.
    fn url(&self, path: &str) -> String {
        let mut url = format!("{}{}", self.s.base_url, path);
        for (k, v) in &self.s.query {
            url = with_param(&url, k, v);
        }
        url
    }

    /// The series URL of a device from its cursor.
    fn series_url(&self, device: &str) -> String {
        let path = self.s.series.path.replace("{device}", &encode(device));
        let since = self.cursors.get(device).copied().unwrap_or(self.s.start_ms);
        let since = match self.s.since_format {
            TimeFormat::Rfc3339 => rfc3339(since),
            TimeFormat::Millis => since.to_string(),
            TimeFormat::Seconds => since.div_euclid(1000).to_string(),
        };
        with_param(&self.url(&path), &self.s.since_param, &encode(&since))
    }

    /// The URL of the page after this one; none on the last page.
    fn next_page(&self, listing: &Listing, first_page: &str, answer: &Json) -> Option<String> {
        let next = text(at(answer, &listing.next)?)?;
        if next.starts_with("http://") || next.starts_with("https://") {
            let mut url = next;
            // The vendor's link need not carry the key parameters: add those it lacks.
            for (k, v) in &self.s.query {
                if !url.contains(&format!("{k}=")) {
                    url = with_param(&url, k, v);
                }
            }
            return Some(url);
        }
        if next.starts_with('/') {
            let origin_end = self.s.base_url.find("://").map_or(0, |i| i + 3);
            let origin = match self.s.base_url.get(origin_end..).and_then(|r| r.find('/')) {
                Some(slash) => self.s.base_url.get(..origin_end + slash).unwrap_or(&self.s.base_url),
                None => &self.s.base_url,
            };
            let mut url = format!("{origin}{next}");
            for (k, v) in &self.s.query {
                if !url.contains(&format!("{k}=")) {
                    url = with_param(&url, k, v);
                }
            }
            return Some(url);
        }
        // A token: the first page's URL without an earlier token, plus this one.
        Some(with_param(first_page, &listing.token_param, &encode(&next)))
    }

    /// The request of the current step.
    fn request(&mut self) -> Option<Command> {
        let url = match &self.step {
            Step::Idle => return None,
            Step::Devices(url) | Step::Series(_, url, _) => url.clone(),
        };
        let id = self.next_id;
        self.next_id += 1;
        self.in_flight = Some((id, url.clone()));
        let mut headers = vec![("accept".to_string(), "application/json".to_string())];
        headers.extend(self.s.headers.iter().cloned());
        Some(Command::Request(Request {
            id,
            method: "GET".into(),
            target: url,
            headers,
            body: Vec::new(),
            timeout_ms: self.s.timeout_ms,
        }))
    }

    /// Waits before trying the same request again: `retry_after_ms` when the server said so,
    /// else the backoff (doubling from `retry_min_ms` up to `retry_max_ms`).
    fn retry(&mut self, retry_after_ms: Option<i64>) {
        self.failures = self.failures.saturating_add(1);
        let backoff = self
            .s
            .retry_min_ms
            .saturating_mul(1i64 << self.failures.saturating_sub(1).min(30))
            .min(self.s.retry_max_ms);
        self.not_before = self.now + retry_after_ms.unwrap_or(backoff);
    }

    /// Ends the cycle: the next begins `poll_ms` after this one began.
    fn idle(&mut self) {
        self.step = Step::Idle;
        self.not_before = self.cycle_started + self.s.poll_ms;
    }

    /// The series of the device after `index`, or the end of the cycle.
    fn next_device(&mut self, index: usize) {
        match self.devices.get(index) {
            Some(d) => {
                let first = self.series_url(&d.id);
                self.step = Step::Series(index, first.clone(), first);
            }
            None => self.idle(),
        }
    }

    /// The outcome of a request.
    ///
    /// # Errors
    /// The API refused the key (401, 403): an operator must act; the cycle is over and the
    /// next one tries again.
    pub fn response(&mut self, r: Response) -> Result<Vec<Command>, ConnectorError> {
        let url = match &self.in_flight {
            Some((id, url)) if *id == r.id => url.clone(),
            _ => return Ok(Vec::new()),
        };
        self.in_flight = None;
        let answer = match r.outcome {
            Ok(a) => a,
            Err(e) => {
                let why = match e {
                    RequestError::Timeout(ms) => format!("no answer within {ms} ms"),
                    RequestError::Unreachable(w) => format!("unreachable: {w}"),
                    RequestError::Refused(w) => format!("refused by the host: {w}"),
                    RequestError::Other(w) => w,
                };
                self.retry(None);
                self.notes.push(Note::Warn(format!("GET {url} failed ({why}); trying again later")));
                return Ok(Vec::new());
            }
        };
        match answer.status {
            200..=299 => {}
            429 => {
                let after = answer
                    .headers
                    .iter()
                    .find(|(k, _)| k == "retry-after")
                    .and_then(|(_, v)| v.trim().parse::<i64>().ok())
                    .map(|s| s.max(0) * 1000);
                self.retry(after);
                self.notes.push(Note::Warn(format!(
                    "GET {url}: rate limited (429), trying again in {} ms",
                    self.not_before - self.now
                )));
                return Ok(Vec::new());
            }
            500..=599 => {
                self.retry(None);
                self.notes.push(Note::Warn(format!(
                    "GET {url}: server error {}, trying again in {} ms",
                    answer.status,
                    self.not_before - self.now
                )));
                return Ok(Vec::new());
            }
            401 | 403 => {
                self.idle();
                let body: String = String::from_utf8_lossy(&answer.body).chars().take(200).collect();
                let why = format!(
                    "API key refused: GET {url} answered {} ({body}); check the connector's secrets and key settings",
                    answer.status
                );
                self.notes.push(Note::Error(why.clone()));
                return Err(ConnectorError::Other(why));
            }
            status => {
                // Another client error: this page cannot be read as asked; skip what it covers.
                let why = format!("GET {url} answered {status}; skipped until the next cycle");
                self.notes.push(Note::Warn(why.clone()));
                let dead = self.discard(r.id, &url, why, &answer);
                self.skip();
                return Ok(dead.into_iter().chain(self.request()).collect());
            }
        }
        self.failures = 0;
        let json: Json = match serde_json::from_slice(&answer.body) {
            Ok(j) => j,
            Err(e) => {
                let why = format!("GET {url}: the answer is not JSON ({e}); skipped until the next cycle");
                self.notes.push(Note::Warn(why.clone()));
                let dead = self.discard(r.id, &url, why, &answer);
                self.skip();
                return Ok(dead.into_iter().chain(self.request()).collect());
            }
        };
        let mut commands = match self.step.clone() {
            Step::Devices(_) => self.devices_page(r.id, &url, &json),
            Step::Series(index, _, first) => self.series_page(r.id, index, &url, &first, &json),
            Step::Idle => Vec::new(),
        };
        if self.now >= self.not_before {
            commands.extend(self.request());
        }
        Ok(commands)
    }

    /// The whole answer to the dead letter (subject: the URL as written, no secret in it).
    fn discard(&self, id: u64, url: &str, reason: String, answer: &Answer) -> Option<Command> {
        Some(Command::DeadLetter(Discarded {
            id,
            subject: url.to_string(),
            reason,
            bytes: answer.body.clone(),
        }))
    }

    /// Gives up the current listing: the devices listing ends the cycle, a series goes on with
    /// the next device.
    fn skip(&mut self) {
        match self.step {
            Step::Series(index, ..) => self.next_device(index + 1),
            _ => self.idle(),
        }
    }

    fn devices_page(&mut self, id: u64, url: &str, json: &Json) -> Vec<Command> {
        let mut commands = Vec::new();
        let records = at(json, &self.s.devices.records).and_then(Json::as_array).cloned().unwrap_or_default();
        for d in records {
            match at(&d, &self.s.device_id_field).and_then(text) {
                Some(device) => {
                    let unit = at(&d, &self.s.device_unit_field).and_then(text);
                    if !self.devices.iter().any(|known| known.id == device) {
                        self.devices.push(Device { id: device, unit });
                    }
                }
                None => commands.push(Command::DeadLetter(Discarded {
                    id,
                    subject: url.to_string(),
                    reason: format!("a device without the id field {:?}", self.s.device_id_field),
                    bytes: d.to_string().into_bytes(),
                })),
            }
        }
        let first = self.url(&self.s.devices.path);
        match self.next_page(&self.s.devices, &first, json) {
            Some(next) => self.step = Step::Devices(next),
            None => self.next_device(0),
        }
        commands
    }

    fn point(&self, device: &Device, p: &Json) -> Result<Reading, String> {
        let time = match at(p, &self.s.time_field) {
            Some(Json::String(t)) => passerelle_pdk::parse_rfc3339_ms(t)
                .ok_or_else(|| format!("time {t:?} is not an RFC 3339 time"))?,
            Some(Json::Number(n)) => {
                let n = n.as_f64().unwrap_or(f64::NAN);
                let ms = if self.s.time_unit == TimeFormat::Millis { n } else { n * 1000.0 };
                if !ms.is_finite() || ms.abs() > 1e16 {
                    return Err(format!("time {n} is out of range"));
                }
                ms.round() as i64
            }
            _ => return Err(format!("the time field {:?} is missing", self.s.time_field)),
        };
        let value = match at(p, &self.s.value_field) {
            Some(Json::Number(n)) => n.as_f64().filter(|v| v.is_finite()),
            Some(Json::String(t)) => t.trim().parse::<f64>().ok().filter(|v| v.is_finite()),
            _ => None,
        }
        .ok_or_else(|| format!("the value field {:?} is missing or not a number", self.s.value_field))?;
        let unit = at(p, &self.s.unit_field)
            .and_then(text)
            .or_else(|| device.unit.clone())
            .or_else(|| self.s.unit.clone());
        let name = match &self.s.name_field {
            Some(f) => at(p, f).and_then(text).ok_or_else(|| format!("the name field {f:?} is missing"))?,
            None => self.s.name.clone(),
        };
        Ok(Reading { name, value: Value::Number(value), unit, time_ms: Some(time) })
    }

    fn series_page(&mut self, id: u64, index: usize, url: &str, first: &str, json: &Json) -> Vec<Command> {
        let Some(device) = self.devices.get(index).cloned() else {
            self.idle();
            return Vec::new();
        };
        let cursor = self.cursors.get(&device.id).copied().unwrap_or(self.s.start_ms);
        let mut readings = Vec::new();
        let mut dead = Vec::new();
        let points = at(json, &self.s.series.records).and_then(Json::as_array).cloned().unwrap_or_default();
        for p in &points {
            match self.point(&device, p) {
                // At or before the cursor: stored by an earlier page or run.
                Ok(r) if r.time_ms.is_some_and(|t| t <= cursor) => {}
                Ok(r) => readings.push(r),
                Err(reason) => dead.push(Command::DeadLetter(Discarded {
                    id,
                    subject: device.id.clone(),
                    reason: format!("{url}: {reason}"),
                    bytes: p.to_string().into_bytes(),
                })),
            }
        }
        let latest = readings.iter().filter_map(|r| r.time_ms).max();
        let mut commands = Vec::new();
        if !readings.is_empty() {
            commands.push(Command::EmitReadings((id, device.id.clone(), readings)));
        }
        commands.extend(dead);
        if let Some(latest) = latest {
            self.cursors.insert(device.id.clone(), latest);
            // After the readings it covers, in the same answer: written once they are committed.
            commands.push(Command::Save((
                format!("{CURSOR_PREFIX}{}", device.id),
                Some(latest.to_string().into_bytes()),
            )));
        }
        match self.next_page(&self.s.series, first, json) {
            Some(next) => self.step = Step::Series(index, next, first.to_string()),
            None => self.next_device(index + 1),
        }
        commands
    }
}
