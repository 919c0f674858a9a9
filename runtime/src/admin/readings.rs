//! The console's readings page data, read back from a sink: `GET /readings` (the latest value
//! of each series) and `GET /readings/series` (one series over a window, down-sampled in the
//! sink). A sink without a read path answers 501 with the reason.

use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::get;
use serde::Deserialize;

use super::console::{error, json_value};
use super::{Shared, authorized, denied, json};
use crate::actor::error_chain;
use crate::message::now_ms;
use crate::operator::ReadingsError;
use crate::sink::{MAX_LATEST, MAX_POINTS, MAX_WINDOW_MS, SeriesQuery};

/// Series listed when the request names no limit.
const DEFAULT_LATEST: usize = 200;
/// Points per series when the request names none.
const DEFAULT_POINTS: usize = 200;
/// The window when the request names no start: a day before its end.
const DEFAULT_WINDOW_MS: i64 = 24 * 3600 * 1000;

/// The readings page's routes, merged into the operator endpoint.
pub(super) fn routes() -> Router<Shared> {
    Router::new().route("/readings", get(latest)).route("/readings/series", get(series))
}

/// Query of `GET /readings`.
#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct LatestQuery {
    sink: Option<String>,
    limit: Option<usize>,
}

/// Query of `GET /readings/series`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SeriesParams {
    device: String,
    name: String,
    #[serde(default)]
    sink: Option<String>,
    #[serde(default)]
    from_ms: Option<i64>,
    #[serde(default)]
    to_ms: Option<i64>,
    #[serde(default)]
    max_points: Option<usize>,
}

/// A refusal: 404 for an unknown sink, 501 for a sink that does not read readings back, 500
/// for a read that failed; with the sinks, so the page can offer another.
fn refused(s: &Shared, e: &ReadingsError) -> Response {
    let (status, kind) = match e {
        ReadingsError::UnknownSink(_) => (StatusCode::NOT_FOUND, "unknown"),
        e if e.unsupported() => (StatusCode::NOT_IMPLEMENTED, "unsupported"),
        _ => (StatusCode::INTERNAL_SERVER_ERROR, "sink"),
    };
    json(status, &serde_json::json!({"error": error_chain(e), "kind": kind, "sinks": s.operator.sinks()}))
}

async fn latest(
    State(s): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<LatestQuery>, QueryRejection>,
) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    let Query(q) = match query {
        Ok(q) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e.body_text()),
    };
    let limit = q.limit.unwrap_or(DEFAULT_LATEST);
    if !(1..=MAX_LATEST).contains(&limit) {
        return error(StatusCode::BAD_REQUEST, &format!("limit {limit}: from 1 to {MAX_LATEST}"));
    }
    match s.operator.latest_readings(q.sink, limit).await {
        Ok((sink, readings)) => {
            let readings: Vec<serde_json::Value> = readings
                .iter()
                .map(|r| {
                    serde_json::json!({
                        "device": r.device, "name": r.name, "time_ms": r.time_ms,
                        "value": json_value(&r.value), "unit": r.unit, "quantity": r.quantity,
                    })
                })
                .collect();
            let body = serde_json::json!({"sink": sink, "sinks": s.operator.sinks(), "readings": readings});
            json(StatusCode::OK, &body)
        }
        Err(e) => refused(&s, &e),
    }
}

/// The query checked: a window of at most [`MAX_WINDOW_MS`] ending at `to_ms` (default now),
/// at most [`MAX_POINTS`] points.
fn series_query(p: SeriesParams) -> Result<(Option<String>, SeriesQuery), String> {
    let to_ms = p.to_ms.unwrap_or_else(now_ms);
    let from_ms = p.from_ms.unwrap_or_else(|| to_ms.saturating_sub(DEFAULT_WINDOW_MS));
    if from_ms > to_ms {
        return Err(format!("from_ms {from_ms} is after to_ms {to_ms}"));
    }
    if i128::from(to_ms) - i128::from(from_ms) > i128::from(MAX_WINDOW_MS) {
        return Err(format!("the window is longer than {} days", MAX_WINDOW_MS / 86_400_000));
    }
    let max_points = p.max_points.unwrap_or(DEFAULT_POINTS);
    if !(1..=MAX_POINTS).contains(&max_points) {
        return Err(format!("max_points {max_points}: from 1 to {MAX_POINTS}"));
    }
    if p.device.is_empty() || p.name.is_empty() {
        return Err("device and name are needed".into());
    }
    Ok((p.sink, SeriesQuery { device: p.device, name: p.name, from_ms, to_ms, max_points }))
}

async fn series(
    State(s): State<Shared>,
    headers: HeaderMap,
    query: Result<Query<SeriesParams>, QueryRejection>,
) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    let checked = match query {
        Ok(Query(p)) => series_query(p),
        Err(e) => Err(e.body_text()),
    };
    let (sink, query) = match checked {
        Ok(q) => q,
        Err(e) => return error(StatusCode::BAD_REQUEST, &e),
    };
    match s.operator.series(sink, query).await {
        Ok((sink, series)) => match serde_json::to_value(&series) {
            Ok(mut body) => {
                if let Some(o) = body.as_object_mut() {
                    o.insert("sink".into(), sink.into());
                }
                json(StatusCode::OK, &body)
            }
            Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string()),
        },
        Err(e) => refused(&s, &e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn params(from_ms: Option<i64>, to_ms: Option<i64>, max_points: Option<usize>) -> SeriesParams {
        SeriesParams { device: "d".into(), name: "n".into(), sink: None, from_ms, to_ms, max_points }
    }

    #[test]
    fn the_window_and_points_are_bounded() {
        let (_, q) = series_query(params(None, Some(100_000_000), None)).unwrap();
        assert_eq!((q.from_ms, q.to_ms, q.max_points), (100_000_000 - DEFAULT_WINDOW_MS, 100_000_000, 200));
        assert!(series_query(params(Some(2), Some(1), None)).unwrap_err().contains("after"));
        assert!(
            series_query(params(Some(0), Some(MAX_WINDOW_MS + 1), None)).unwrap_err().contains("31 days")
        );
        assert!(series_query(params(Some(i64::MIN), Some(i64::MAX), None)).is_err());
        assert!(series_query(params(None, None, Some(0))).unwrap_err().contains("max_points"));
        assert!(series_query(params(None, None, Some(MAX_POINTS + 1))).is_err());
        assert!(series_query(SeriesParams { name: String::new(), ..params(None, None, None) }).is_err());
    }
}
