//! Connector used only by tests: it exercises the whole connector world through the driver.
//!
//! Settings: `url` (optional) is requested with `GET` on every tick, one request at a time;
//! `device` names the device of every reading (default `poller`); `topic` (optional) is
//! subscribed to at start; `timeout_ms` (optional) is the time-out given with each request;
//! `method` (default `GET`) and `body` (default empty) are those of each request (an XMPP
//! transport takes `get`/`set` and an IQ child element); `text_inbound` (any value) turns
//! inbound units into text readings (below).
//!
//! - A tick sends the request, remembering the tick's time.
//! - A response whose answer is 200 and a JSON object becomes one reading per numeric member,
//!   timed at the tick that sent the request; a member `"subscribe": "<channel>"` is a live
//!   `subscribe` command instead. Any other outcome (an error status, a time-out, an
//!   unreachable target) becomes one text reading `request_error` describing it, so tests can
//!   see it; except an answer with status 0 (a transport without statuses, XMPP), which becomes
//!   a text reading `answer` holding its body and one `answer.<header>` per header.
//!   A `null` member is not stored: it goes to the dead letter (`dead-letter`, subject
//!   `<device>.<member>`) while the other members are stored.
//! - Each answered poll also counts: a reading `seq` (1, 2, 3, ... across restarts) and a `save`
//!   of the count under the key `seq`, which `restore` gives back after a restart.
//! - An inbound unit whose body is a JSON object becomes one reading per numeric member at its
//!   receive time, and is accepted; any other body is refused as malformed. With
//!   `text_inbound` set, every inbound unit is instead accepted as text readings at its receive
//!   time: `channel`, `body`, and one `header.<name>` per header.
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

use std::sync::Mutex;

use passerelle_pdk::connector::{
    Command, ConnectorError, Discarded, Entry, Event, Guest, Inbound, Reading, Refusal, Rejection, Request,
    RequestError, Response, Value,
};
use serde_json::Value as Json;

/// What the plugin remembers between events.
#[derive(Debug, Default)]
struct State {
    url: Option<String>,
    device: String,
    timeout_ms: Option<u32>,
    method: String,
    body: Vec<u8>,
    text_inbound: bool,
    next_id: u64,
    /// The request in flight: its id and the tick time that sent it.
    in_flight: Option<(u64, i64)>,
    /// Polls answered, across restarts (saved under `seq`).
    seq: u64,
}

static STATE: Mutex<Option<State>> = Mutex::new(None);

struct Poller;

impl Guest for Poller {
    fn handle(event: Event) -> Result<Vec<Command>, ConnectorError> {
        let mut guard = STATE.lock().map_err(|_| ConnectorError::Other("state poisoned".into()))?;
        match event {
            Event::Start(settings) => {
                let (state, commands) = start(&settings)?;
                *guard = Some(state);
                Ok(commands)
            }
            event => {
                let state =
                    guard.as_mut().ok_or_else(|| ConnectorError::Other("event before start".into()))?;
                Ok(handle(state, event))
            }
        }
    }
}

fn start(settings: &[(String, String)]) -> Result<(State, Vec<Command>), ConnectorError> {
    let get = |k: &str| settings.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    let timeout_ms = match get("timeout_ms") {
        Some(t) => Some(t.parse().map_err(|_| {
            ConnectorError::BadSetting(("timeout_ms".into(), format!("{t:?} is not a number")))
        })?),
        None => None,
    };
    let state = State {
        url: get("url"),
        device: get("device").unwrap_or_else(|| "poller".into()),
        timeout_ms,
        method: get("method").unwrap_or_else(|| "GET".into()),
        body: get("body").unwrap_or_default().into_bytes(),
        text_inbound: get("text_inbound").is_some(),
        next_id: 1,
        in_flight: None,
        seq: 0,
    };
    Ok((state, get("topic").map(Command::Subscribe).into_iter().collect()))
}

fn handle(state: &mut State, event: Event) -> Vec<Command> {
    match event {
        Event::Start(_) => Vec::new(),
        Event::Restore(entries) => restore(state, &entries),
        Event::Tick(now) => tick(state, now),
        Event::Response(r) => response(state, r),
        Event::Inbound(inbound) => inbound_unit(state, &inbound),
    }
}

fn restore(state: &mut State, entries: &[Entry]) -> Vec<Command> {
    let saved = entries.iter().find(|e| e.key == "seq");
    state.seq = saved.and_then(|e| std::str::from_utf8(&e.value).ok()?.parse().ok()).unwrap_or(0);
    Vec::new()
}

fn tick(state: &mut State, now: i64) -> Vec<Command> {
    let Some(url) = state.url.clone() else { return Vec::new() };
    if state.in_flight.is_some() {
        return Vec::new();
    }
    let id = state.next_id;
    state.next_id += 1;
    state.in_flight = Some((id, now));
    vec![Command::Request(Request {
        id,
        method: state.method.clone(),
        target: url,
        headers: vec![("accept".into(), "application/json".into())],
        body: state.body.clone(),
        timeout_ms: state.timeout_ms,
    })]
}

fn response(state: &mut State, r: Response) -> Vec<Command> {
    let time = match state.in_flight {
        Some((id, time)) if id == r.id => time,
        _ => return Vec::new(),
    };
    state.in_flight = None;
    let error = match r.outcome {
        Ok(answer) if answer.status == 200 => match object(&answer.body) {
            Some(members) => {
                let mut commands: Vec<Command> = members
                    .iter()
                    .filter_map(|(k, v)| {
                        (k == "subscribe").then(|| v.as_str().map(|t| Command::Subscribe(t.into())))?
                    })
                    .collect();
                let mut readings = numbers(&members, time);
                state.seq += 1;
                readings.push(Reading {
                    name: "seq".into(),
                    value: Value::Number(state.seq as f64),
                    unit: None,
                    time_ms: Some(time),
                });
                commands.push(Command::EmitReadings((r.id, state.device.clone(), readings)));
                for (k, _) in members.iter().filter(|(_, v)| v.is_null()) {
                    commands.push(Command::DeadLetter(Discarded {
                        id: r.id,
                        subject: format!("{}.{k}", state.device),
                        reason: format!("member {k:?} is null"),
                        bytes: serde_json::json!({ k.as_str(): null }).to_string().into_bytes(),
                    }));
                }
                commands.push(Command::Save(("seq".into(), Some(state.seq.to_string().into_bytes()))));
                return commands;
            }
            None => "answer is not a JSON object".to_string(),
        },
        Ok(answer) if answer.status == 0 => {
            let text = |name: String, bytes: &[u8]| Reading {
                name,
                value: Value::Text(String::from_utf8_lossy(bytes).into_owned()),
                unit: None,
                time_ms: Some(time),
            };
            let mut readings = vec![text("answer".into(), &answer.body)];
            readings.extend(answer.headers.iter().map(|(k, v)| text(format!("answer.{k}"), v.as_bytes())));
            return vec![Command::EmitReadings((r.id, state.device.clone(), readings))];
        }
        Ok(answer) => format!("status {}", answer.status),
        Err(RequestError::Timeout(ms)) => format!("timeout after {ms} ms"),
        Err(RequestError::Unreachable(why)) => format!("unreachable: {why}"),
        Err(RequestError::Refused(why)) => format!("refused: {why}"),
        Err(RequestError::Other(why)) => format!("other: {why}"),
    };
    let reading =
        Reading { name: "request_error".into(), value: Value::Text(error), unit: None, time_ms: Some(time) };
    vec![Command::EmitReadings((r.id, state.device.clone(), vec![reading]))]
}

fn inbound_unit(state: &State, inbound: &Inbound) -> Vec<Command> {
    if state.text_inbound {
        let text = |name: String, value: &str| Reading {
            name,
            value: Value::Text(value.to_string()),
            unit: None,
            time_ms: Some(inbound.received_ms),
        };
        let mut readings = vec![
            text("channel".into(), &inbound.channel),
            text("body".into(), &String::from_utf8_lossy(&inbound.body)),
        ];
        readings.extend(inbound.headers.iter().map(|(k, v)| text(format!("header.{k}"), v)));
        return vec![
            Command::EmitReadings((inbound.id, state.device.clone(), readings)),
            Command::Accept(inbound.id),
        ];
    }
    match object(&inbound.body) {
        Some(members) => vec![
            Command::EmitReadings((inbound.id, state.device.clone(), numbers(&members, inbound.received_ms))),
            Command::Accept(inbound.id),
        ],
        None => vec![Command::Reject(Rejection {
            id: inbound.id,
            kind: Refusal::Malformed,
            reason: "body is not a JSON object".into(),
        })],
    }
}

fn object(body: &[u8]) -> Option<Vec<(String, Json)>> {
    match serde_json::from_slice::<Json>(body).ok()? {
        Json::Object(map) => Some(map.into_iter().collect()),
        _ => None,
    }
}

fn numbers(members: &[(String, Json)], time: i64) -> Vec<Reading> {
    members
        .iter()
        .filter_map(|(k, v)| {
            Some(Reading {
                name: k.clone(),
                value: Value::Number(v.as_f64()?),
                unit: None,
                time_ms: Some(time),
            })
        })
        .collect()
}

#[cfg(target_arch = "wasm32")]
passerelle_pdk::connector::export_connector!(Poller with_types_in passerelle_pdk::connector);

#[cfg(test)]
mod tests {
    use super::*;
    use passerelle_pdk::connector::Answer;

    fn started(settings: &[(&str, &str)]) -> State {
        let settings: Vec<(String, String)> =
            settings.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        start(&settings).unwrap().0
    }

    #[test]
    fn a_tick_requests_once_and_the_answer_becomes_readings_at_the_tick_time() {
        let mut s = started(&[("url", "http://127.0.0.1:1/v"), ("device", "d1")]);
        let first = handle(&mut s, Event::Tick(1_000));
        assert!(
            matches!(first.as_slice(), [Command::Request(r)] if r.id == 1 && r.target == "http://127.0.0.1:1/v")
        );
        assert!(handle(&mut s, Event::Tick(2_000)).is_empty(), "one request at a time");
        let answer =
            Answer { status: 200, headers: Vec::new(), body: br#"{"power": 12.5, "label": "x"}"#.to_vec() };
        let out = handle(&mut s, Event::Response(Response { id: 1, outcome: Ok(answer) }));
        let [Command::EmitReadings((_, device, readings)), Command::Save((key, Some(seq)))] = out.as_slice()
        else {
            panic!("{out:?}")
        };
        assert_eq!(device, "d1");
        assert_eq!(readings.len(), 2);
        assert_eq!((readings[0].name.as_str(), readings[0].time_ms), ("power", Some(1_000)));
        assert_eq!(readings[1].name, "seq");
        assert!(matches!(readings[1].value, Value::Number(n) if n == 1.0), "{readings:?}");
        assert_eq!((key.as_str(), seq.as_slice()), ("seq", &b"1"[..]));
    }

    #[test]
    fn the_count_resumes_from_what_was_saved_and_a_null_member_is_dead_lettered() {
        let mut s = started(&[("url", "http://127.0.0.1:1/v"), ("device", "d")]);
        handle(&mut s, Event::Restore(vec![Entry { key: "seq".into(), value: b"41".to_vec() }]));
        handle(&mut s, Event::Tick(5));
        let answer = Answer { status: 200, headers: Vec::new(), body: br#"{"a": 1, "b": null}"#.to_vec() };
        let out = handle(&mut s, Event::Response(Response { id: 1, outcome: Ok(answer) }));
        let [Command::EmitReadings((_, _, readings)), Command::DeadLetter(d), Command::Save((_, Some(seq)))] =
            out.as_slice()
        else {
            panic!("{out:?}")
        };
        assert_eq!(readings.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["a", "seq"]);
        assert_eq!((d.subject.as_str(), d.bytes.as_slice()), ("d.b", &br#"{"b":null}"#[..]));
        assert_eq!(seq.as_slice(), b"42");
    }

    #[test]
    fn a_timeout_becomes_a_request_error_reading() {
        let mut s = started(&[("url", "http://127.0.0.1:1/v")]);
        handle(&mut s, Event::Tick(5));
        let out =
            handle(&mut s, Event::Response(Response { id: 1, outcome: Err(RequestError::Timeout(150)) }));
        let [Command::EmitReadings((_, _, readings))] = out.as_slice() else { panic!("{out:?}") };
        assert!(matches!(&readings[0].value, Value::Text(t) if t == "timeout after 150 ms"), "{readings:?}");
    }

    #[test]
    fn a_subscribe_member_subscribes_live() {
        let mut s = started(&[("url", "http://127.0.0.1:1/v")]);
        handle(&mut s, Event::Tick(5));
        let answer =
            Answer { status: 200, headers: Vec::new(), body: br#"{"subscribe": "late/topic"}"#.to_vec() };
        let out = handle(&mut s, Event::Response(Response { id: 1, outcome: Ok(answer) }));
        assert!(matches!(out.first(), Some(Command::Subscribe(t)) if t == "late/topic"), "{out:?}");
    }

    #[test]
    fn an_answer_without_status_becomes_text_readings() {
        let mut s =
            started(&[("url", "proxy@example.org/proxy"), ("method", "set"), ("body", "<a xmlns='x'/>")]);
        let first = handle(&mut s, Event::Tick(5));
        assert!(
            matches!(first.as_slice(), [Command::Request(r)] if r.method == "set" && r.body == b"<a xmlns='x'/>")
        );
        let answer =
            Answer { status: 0, headers: vec![("type".into(), "result".into())], body: b"<iq/>".to_vec() };
        let out = handle(&mut s, Event::Response(Response { id: 1, outcome: Ok(answer) }));
        let [Command::EmitReadings((_, _, readings))] = out.as_slice() else { panic!("{out:?}") };
        let names: Vec<&str> = readings.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["answer", "answer.type"]);
        assert!(matches!(&readings[0].value, Value::Text(t) if t == "<iq/>"), "{readings:?}");
    }

    #[test]
    fn text_inbound_keeps_channel_headers_and_body() {
        let s = started(&[("text_inbound", "1")]);
        let unit = Inbound {
            id: 3,
            channel: "proxy@example.org".into(),
            headers: vec![("type".into(), "chat".into())],
            body: b"<message/>".to_vec(),
            received_ms: 9,
        };
        let out = inbound_unit(&s, &unit);
        let [Command::EmitReadings((3, _, readings)), Command::Accept(3)] = out.as_slice() else {
            panic!("{out:?}")
        };
        let names: Vec<&str> = readings.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["channel", "body", "header.type"]);
    }

    #[test]
    fn a_bad_timeout_setting_is_refused() {
        let settings = vec![("timeout_ms".to_string(), "soon".to_string())];
        assert!(matches!(start(&settings), Err(ConnectorError::BadSetting(_))));
    }
}
