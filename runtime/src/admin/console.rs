//! The operator console's data routes (each token protected).

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::{get, post};
use serde::Deserialize;

use super::{Shared, authorized, denied, json};
use crate::actor::error_chain;
use crate::message::{Reading, Value};
use crate::operator::{DeadLetterFilter, ReplaySelection, TryError};
use crate::sink::DeadLetter;

/// The console's routes, merged into the operator endpoint.
pub(super) fn routes() -> Router<Shared> {
    Router::new()
        .route("/routes", get(routes_of))
        .route("/deadletters", get(dead_letters))
        .route("/deadletters/replay", post(replay))
        .route("/try", post(try_frame))
}

/// A value as plain JSON (bytes as hex), as `passerelle decode` prints it.
fn json_value(v: &Value) -> serde_json::Value {
    match v {
        Value::Number(n) => {
            serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, serde_json::Value::Number)
        }
        Value::Text(s) => serde_json::Value::String(s.clone()),
        Value::Boolean(b) => serde_json::Value::Bool(*b),
        Value::Bytes(b) => serde_json::Value::String(hex(b)),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes from hex digits (whitespace ignored); the reason in words otherwise.
fn parse_hex(text: &str) -> Result<Vec<u8>, String> {
    let digits: Vec<u8> = text.bytes().filter(|c| !c.is_ascii_whitespace()).collect();
    if digits.is_empty() {
        return Err("hex is empty".into());
    }
    if !digits.len().is_multiple_of(2) {
        return Err(format!("hex has an odd number of digits ({})", digits.len()));
    }
    digits
        .chunks(2)
        .enumerate()
        .map(|(i, pair)| {
            std::str::from_utf8(pair).ok().and_then(|p| u8::from_str_radix(p, 16).ok()).ok_or_else(|| {
                format!("hex: {:?} at position {} is not a hex byte", String::from_utf8_lossy(pair), i * 2)
            })
        })
        .collect()
}

fn readings_json(readings: &[Reading]) -> serde_json::Value {
    readings
        .iter()
        .map(|r| serde_json::json!({"name": r.name, "value": json_value(&r.value), "unit": r.unit}))
        .collect()
}

fn error(status: StatusCode, text: &str) -> Response {
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
        "plugin": e.plugin, "hex": hex(&e.payload),
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
}
