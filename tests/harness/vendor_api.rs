//! A vendor-style JSON API for the REST poller tests, written for them (axum on a loopback
//! port): two API keys (`X-Api-Key` header and `api_secret` query parameter; anything else is
//! a 401), a devices listing paged by token, time series per device paged by `next` URL from a
//! `since` cursor (RFC 3339, exclusive), one 429 with `Retry-After`, one 500, and a log of
//! what it served.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

/// The header key.
pub const KEY: &str = "vendor-key-1";
/// The query key.
pub const SECRET: &str = "vendor-secret-2";
/// Devices per page of the listing.
const DEVICES_PER_PAGE: usize = 2;
/// Points per page of a series.
const POINTS_PER_PAGE: usize = 5;

/// What the API holds and what it did.
#[derive(Debug, Default)]
pub struct Api {
    /// Devices (id, unit) in listing order.
    pub devices: Vec<(String, String)>,
    /// Points (time in ms, value) per device, in time order.
    pub points: BTreeMap<String, Vec<(i64, f64)>>,
    /// Failures still to give: a 429 (with `Retry-After: 1`) on the first series request of this
    /// device, a 500 on the second devices page.
    pub fail_429: Option<String>,
    /// See `fail_429`.
    pub fail_500: bool,
    /// Every request: (status, path and query).
    pub requests: Vec<(u16, String)>,
    /// Every point served in a 200, (device, time): a point served twice was read twice.
    pub served: Vec<(String, i64)>,
    /// The `since` of each series request answered 200, (device, since).
    pub sinces: Vec<(String, String)>,
}

/// The running API.
#[derive(Debug, Clone)]
pub struct VendorApi {
    /// Its base URL (`http://127.0.0.1:port/v1`).
    pub base_url: String,
    /// Its state.
    pub api: Arc<Mutex<Api>>,
}

/// 2024-01-01T00:00:00Z in ms.
pub const T0: i64 = 1_704_067_200_000;

impl VendorApi {
    /// Starts the API with `devices` devices of `points` points each, ten minutes apart from
    /// [`T0`], value `device index * 1000 + point index`.
    pub async fn start(devices: usize, points: usize) -> Self {
        let mut api = Api { fail_429: Some("dev-2".into()), fail_500: true, ..Api::default() };
        for d in 0..devices {
            let id = format!("dev-{}", d + 1);
            api.devices.push((id.clone(), if d % 2 == 0 { "kWh".into() } else { "Cel".into() }));
            api.points.insert(id, Vec::new());
        }
        let api = Arc::new(Mutex::new(api));
        let this = Self { base_url: String::new(), api };
        this.add_points(points);
        let app = axum::Router::new()
            .route("/v1/devices", get(devices_page))
            .route("/v1/devices/{id}/series", get(series_page))
            .with_state(Arc::clone(&this.api));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { base_url: format!("http://{addr}/v1"), ..this }
    }

    /// Appends `n` points to every device, after its last one.
    pub fn add_points(&self, n: usize) {
        let mut api = self.api.lock().unwrap();
        for (d, points) in api.points.values_mut().enumerate() {
            let start = points.len();
            for i in start..start + n {
                points.push((T0 + i as i64 * 600_000, (d * 1000 + i) as f64));
            }
        }
    }

    /// Every point the API holds, (device, time).
    pub fn all_points(&self) -> Vec<(String, i64)> {
        let api = self.api.lock().unwrap();
        api.points.iter().flat_map(|(d, ps)| ps.iter().map(move |(t, _)| (d.clone(), *t))).collect()
    }

    /// A copy of what the API did.
    pub fn with<T>(&self, f: impl FnOnce(&Api) -> T) -> T {
        f(&self.api.lock().unwrap())
    }
}

type Shared = Arc<Mutex<Api>>;

/// `ms` since the epoch as an RFC 3339 UTC time to the second (`2026-11-22T08:00:00Z`).
pub fn rfc3339(ms: i64) -> String {
    // Days from the epoch to civil (Howard Hinnant's algorithm).
    let (days, rest) = (ms.div_euclid(86_400_000), ms.rem_euclid(86_400_000));
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", rest / 3_600_000, rest / 60_000 % 60, rest / 1000 % 60)
}

fn parse_rfc3339(s: &str) -> Option<i64> {
    let n = |a: usize, b: usize| s.get(a..b)?.parse::<i64>().ok();
    let (y, m, d, hh, mm, ss) = (n(0, 4)?, n(5, 7)?, n(8, 10)?, n(11, 13)?, n(14, 16)?, n(17, 19)?);
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * ((m + 9) % 12) + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    Some(((days * 24 + hh) * 60 + mm) * 60_000 + ss * 1000)
}

/// Whether the request carries both keys.
fn keys_ok(headers: &HeaderMap, query: &BTreeMap<String, String>) -> bool {
    let key = headers.get("x-api-key").and_then(|v| v.to_str().ok());
    key == Some(KEY) && query.get("api_secret").map(String::as_str) == Some(SECRET)
}

/// The answer to a wrong key.
fn unauthorized() -> Response {
    (StatusCode::UNAUTHORIZED, axum::Json(serde_json::json!({"error": "invalid api key"}))).into_response()
}

fn log(api: &mut Api, status: u16, path: &str, query: &BTreeMap<String, String>) {
    let q: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    api.requests.push((status, format!("{path}?{}", q.join("&"))));
}

async fn devices_page(
    State(api): State<Shared>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let mut api = api.lock().unwrap();
    if !keys_ok(&headers, &query) {
        log(&mut api, 401, "/v1/devices", &query);
        return unauthorized();
    }
    let page: usize =
        query.get("page_token").and_then(|t| t.strip_prefix("page-")?.parse().ok()).unwrap_or(0);
    if page == 1 && api.fail_500 {
        api.fail_500 = false;
        log(&mut api, 500, "/v1/devices", &query);
        return (StatusCode::INTERNAL_SERVER_ERROR, "database unavailable").into_response();
    }
    log(&mut api, 200, "/v1/devices", &query);
    let devices: Vec<serde_json::Value> = api
        .devices
        .iter()
        .skip(page * DEVICES_PER_PAGE)
        .take(DEVICES_PER_PAGE)
        .map(|(id, unit)| serde_json::json!({"id": id, "unit": unit, "name": format!("Meter {id}")}))
        .collect();
    let next = ((page + 1) * DEVICES_PER_PAGE < api.devices.len()).then(|| format!("page-{}", page + 1));
    axum::Json(serde_json::json!({"devices": devices, "next_page_token": next})).into_response()
}

async fn series_page(
    State(api): State<Shared>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(query): Query<BTreeMap<String, String>>,
) -> Response {
    let path = format!("/v1/devices/{id}/series");
    let mut api = api.lock().unwrap();
    if !keys_ok(&headers, &query) {
        log(&mut api, 401, &path, &query);
        return unauthorized();
    }
    if api.fail_429.as_deref() == Some(id.as_str()) {
        api.fail_429 = None;
        log(&mut api, 429, &path, &query);
        return (StatusCode::TOO_MANY_REQUESTS, [("retry-after", "1")], "rate limited").into_response();
    }
    let Some(since_text) = query.get("since").cloned() else {
        return (StatusCode::BAD_REQUEST, "since is required").into_response();
    };
    let Some(since) = parse_rfc3339(&since_text) else {
        return (StatusCode::BAD_REQUEST, "since is not RFC 3339").into_response();
    };
    let Some(points) = api.points.get(&id).cloned() else {
        return (StatusCode::NOT_FOUND, "no such device").into_response();
    };
    log(&mut api, 200, &path, &query);
    let offset: usize = query.get("offset").and_then(|o| o.parse().ok()).unwrap_or(0);
    let after: Vec<(i64, f64)> = points.into_iter().filter(|(t, _)| *t > since).collect();
    let page: Vec<(i64, f64)> = after.iter().skip(offset).take(POINTS_PER_PAGE).copied().collect();
    if offset == 0 {
        api.sinces.push((id.clone(), since_text.clone()));
    }
    api.served.extend(page.iter().map(|(t, _)| (id.clone(), *t)));
    let more = offset + POINTS_PER_PAGE < after.len();
    // The link carries the cursor and offset, not the secret: the client adds its keys.
    let next = more.then(|| format!("{path}?since={since_text}&offset={}", offset + POINTS_PER_PAGE));
    let points: Vec<serde_json::Value> =
        page.iter().map(|(t, v)| serde_json::json!({"timestamp": rfc3339(*t), "value": v})).collect();
    axum::Json(serde_json::json!({"device": id, "points": points, "next": next})).into_response()
}
