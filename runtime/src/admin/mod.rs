//! The operator view: an HTTP endpoint on loopback, token protected.
//!
//! - `GET /status`: JSON (decoders with their live and previous versions, reloads, refusals,
//!   the last refusal's reason; connectors and where they listen).
//! - `GET /metrics`: Prometheus text format, per connector and decoder.
//! - `POST /decoders/{name}/reload`, `POST /decoders/{name}/rollback`.
//! - `POST /decoders/{name}/shadow` with `{"plugin": "/path/to/candidate.wasm"}`: a shadow run;
//!   `POST /decoders/{name}/promote` makes the candidate live.
//! - `POST /config/reload`: the runtime reads its own config file again and applies the
//!   difference.
//!
//! - The operator console (`console.rs`): `GET /console` (the page, which holds no data) and its
//!   assets; `GET /events` (server-sent events: status and rates, one a second); `GET /routes`;
//!   `GET /deadletters`, `POST /deadletters/replay`; `POST /try` (a frame tried against the
//!   live decoders, nothing stored).
//! - The console's plugins page (`plugins.rs`): `GET /plugins` (every decoder's versions).
//! - Its readings page (`readings.rs`): `GET /readings` (the latest value of each series) and
//!   `GET /readings/series` (one series over a window, down-sampled), read back from a sink.
//!
//! Every data request needs `Authorization: Bearer <token>`, the token read from the environment
//! variable the config names.

mod console;
mod plugins;
mod readings;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tokio::sync::watch;

use crate::actor::error_chain;
use crate::operator::{Operator, ReloadError, ReloadOutcome};

/// Default address of the operator endpoint.
pub const DEFAULT_ADMIN_LISTEN: &str = "127.0.0.1:9180";

fn default_listen() -> String {
    DEFAULT_ADMIN_LISTEN.to_string()
}

/// Configuration of the operator endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AdminConfig {
    /// Loopback address to listen on (default [`DEFAULT_ADMIN_LISTEN`]; port 0 picks one).
    #[serde(default = "default_listen")]
    pub listen: String,
    /// Environment variable holding the bearer token.
    pub token_env: String,
}

impl AdminConfig {
    /// Pure checks: a loopback address and a token variable.
    pub fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        match self.listen.parse::<SocketAddr>() {
            Ok(a) if a.ip().is_loopback() => {}
            Ok(a) => out.push(format!(
                "admin listen {a} is not a loopback address: the operator view stays on this host"
            )),
            Err(_) => {
                out.push(format!("admin listen {:?} is not an address like 127.0.0.1:9180", self.listen))
            }
        }
        if self.token_env.is_empty() {
            out.push("admin token_env is empty".into());
        }
        out
    }
}

#[derive(Clone)]
struct Shared {
    operator: Arc<dyn Operator>,
    expected: Arc<str>,
    /// One permit per live `/events` stream.
    streams: Arc<tokio::sync::Semaphore>,
    /// Turns true when the endpoint stops: the event streams end with it.
    stop: watch::Receiver<bool>,
}

/// The running operator endpoint.
#[derive(Debug)]
pub(crate) struct Started {
    pub(crate) addr: SocketAddr,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

/// Starts the endpoint on the current tokio runtime; it stops when `shutdown` turns true.
pub(crate) async fn start(
    config: &AdminConfig,
    token: &str,
    operator: Arc<dyn Operator>,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<Started> {
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    let addr = listener.local_addr()?;
    let shared = Shared {
        operator,
        expected: Arc::from(format!("Bearer {token}")),
        streams: Arc::new(tokio::sync::Semaphore::new(console::MAX_STREAMS)),
        stop: shutdown.clone(),
    };
    let app = Router::new()
        .route("/status", get(status))
        .route("/metrics", get(metrics_text))
        .route("/decoders/{name}/reload", post(reload))
        .route("/decoders/{name}/rollback", post(rollback))
        .route("/decoders/{name}/shadow", post(shadow))
        .route("/decoders/{name}/promote", post(promote))
        .route("/config/reload", post(reload_config))
        .merge(console::routes())
        .merge(plugins::routes())
        .merge(readings::routes())
        .with_state(shared);
    tracing::info!(%addr, "Operator endpoint listening.");
    let task = tokio::spawn(async move {
        let served = axum::serve(listener, app)
            .with_graceful_shutdown(async move {
                let _ = shutdown.wait_for(|stop| *stop).await;
            })
            .await;
        if let Err(e) = served {
            tracing::warn!(error = %e, "Operator endpoint stopped.");
        }
    });
    Ok(Started { addr, task })
}

fn authorized(s: &Shared, headers: &HeaderMap) -> bool {
    let got = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes()).unwrap_or_default();
    let want = s.expected.as_bytes();
    got.len() == want.len() && got.iter().zip(want).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

fn denied() -> Response {
    (StatusCode::UNAUTHORIZED, "missing or wrong Authorization: Bearer token\n").into_response()
}

fn json<T: serde::Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_string(body) {
        Ok(text) => (status, [(header::CONTENT_TYPE, "application/json")], text).into_response(),
        Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()).into_response(),
    }
}

async fn status(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    json(StatusCode::OK, &s.operator.status())
}

async fn metrics_text(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.operator.metrics_text()).into_response()
}

fn outcome(name: &str, r: Result<ReloadOutcome, ReloadError>) -> Response {
    match r {
        Ok(ReloadOutcome::Swapped { plugin, hash }) => {
            json(StatusCode::OK, &serde_json::json!({"decoder": name, "live": plugin, "hash": hash}))
        }
        Ok(ReloadOutcome::Unchanged) => {
            json(StatusCode::OK, &serde_json::json!({"decoder": name, "unchanged": true}))
        }
        Err(e) => json(StatusCode::CONFLICT, &serde_json::json!({"decoder": name, "error": error_chain(&e)})),
    }
}

async fn reload(State(s): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    outcome(&name, s.operator.reload_decoder(&name).await)
}

async fn rollback(State(s): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    outcome(&name, s.operator.rollback_decoder(&name).await)
}

async fn reload_config(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    match s.operator.reload_config_file().await {
        Ok(report) => json(StatusCode::OK, &report),
        Err(error) => json(StatusCode::CONFLICT, &serde_json::json!({"error": error})),
    }
}

/// Body of `POST /decoders/{name}/shadow`.
#[derive(Debug, Deserialize)]
struct ShadowRequest {
    plugin: std::path::PathBuf,
}

async fn shadow(
    State(s): State<Shared>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    let request: ShadowRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return json(StatusCode::BAD_REQUEST, &serde_json::json!({"error": format!("body: {e}")})),
    };
    match s.operator.shadow_decoder(&name, &request.plugin).await {
        Ok(status) => json(StatusCode::OK, &status),
        Err(e) => json(StatusCode::CONFLICT, &serde_json::json!({"decoder": name, "error": error_chain(&e)})),
    }
}

async fn promote(State(s): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    outcome(&name, s.operator.promote_decoder(&name).await)
}
