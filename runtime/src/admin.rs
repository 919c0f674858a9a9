//! The operator view: an HTTP endpoint on loopback, token protected.
//!
//! - `GET /status`: JSON (decoders with their live and previous versions, reloads, refusals,
//!   the last refusal's reason; connectors and where they listen).
//! - `GET /metrics`: Prometheus text format, per connector and decoder.
//! - `POST /decoders/{name}/reload`, `POST /decoders/{name}/rollback`.
//! - `POST /decoders/{name}/shadow` with `{"plugin": "/path/to/candidate.wasm"}`: a shadow run;
//!   `POST /decoders/{name}/promote` makes the candidate live.
//! - `POST /config/reload`: the runtime's owner reads its config file again and applies it.
//!
//! Every request needs `Authorization: Bearer <token>`, the token read from the environment
//! variable the config names.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde::Deserialize;
use tokio::sync::watch;

use crate::actor::{DecoderStatus, Registry, ReloadOutcome};
use crate::events::Metrics;

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

/// What the status endpoint shows of a connector.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConnectorStatus {
    /// Connector name.
    pub name: String,
    /// Where its server transport listens, if it has one.
    pub listen: Option<String>,
}

/// The JSON of `GET /status`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Status {
    /// Decoders and their versions.
    pub decoders: Vec<DecoderStatus>,
    /// Connectors.
    pub connectors: Vec<ConnectorStatus>,
}

#[derive(Clone)]
struct Shared {
    registry: Registry,
    metrics: Metrics,
    transports: crate::runtime::transports::Transports,
    reloads: tokio::sync::mpsc::Sender<crate::ReloadRequest>,
    expected: Arc<str>,
}

pub(crate) struct Started {
    pub(crate) addr: SocketAddr,
    pub(crate) task: tokio::task::JoinHandle<()>,
}

pub(crate) async fn start(
    config: &AdminConfig,
    token: String,
    registry: Registry,
    metrics: Metrics,
    transports: crate::runtime::transports::Transports,
    reloads: tokio::sync::mpsc::Sender<crate::ReloadRequest>,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<Started> {
    let listener = tokio::net::TcpListener::bind(&config.listen).await?;
    let addr = listener.local_addr()?;
    let shared =
        Shared { registry, metrics, transports, reloads, expected: Arc::from(format!("Bearer {token}")) };
    let app = Router::new()
        .route("/status", get(status))
        .route("/metrics", get(metrics_text))
        .route("/decoders/{name}/reload", post(reload))
        .route("/decoders/{name}/rollback", post(rollback))
        .route("/decoders/{name}/shadow", post(shadow))
        .route("/decoders/{name}/promote", post(promote))
        .route("/config/reload", post(reload_config))
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
    let connectors = s
        .transports
        .listening()
        .iter()
        .map(|(name, addr)| ConnectorStatus { name: name.clone(), listen: addr.map(|a| a.to_string()) })
        .collect();
    json(StatusCode::OK, &Status { decoders: s.registry.status(), connectors })
}

async fn metrics_text(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s.metrics.render()).into_response()
}

fn outcome(name: &str, r: Result<ReloadOutcome, crate::actor::ReloadError>) -> Response {
    match r {
        Ok(ReloadOutcome::Swapped { plugin, hash }) => {
            json(StatusCode::OK, &serde_json::json!({"decoder": name, "live": plugin, "hash": hash}))
        }
        Ok(ReloadOutcome::Unchanged) => {
            json(StatusCode::OK, &serde_json::json!({"decoder": name, "unchanged": true}))
        }
        Err(e) => json(
            StatusCode::CONFLICT,
            &serde_json::json!({"decoder": name, "error": crate::actor::error_chain(&e)}),
        ),
    }
}

async fn reload(State(s): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    outcome(&name, s.registry.reload(&name).await)
}

async fn rollback(State(s): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    outcome(&name, s.registry.rollback(&name).await)
}

async fn reload_config(State(s): State<Shared>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    let (request, answer) = crate::ReloadRequest::new();
    if s.reloads.try_send(request).is_err() {
        return json(
            StatusCode::SERVICE_UNAVAILABLE,
            &serde_json::json!({"error": "a reload is already queued"}),
        );
    }
    match tokio::time::timeout(std::time::Duration::from_secs(120), answer).await {
        Ok(Ok(Ok(report))) => json(StatusCode::OK, &report),
        Ok(Ok(Err(error))) => json(StatusCode::CONFLICT, &serde_json::json!({"error": error})),
        _ => json(
            StatusCode::SERVICE_UNAVAILABLE,
            &serde_json::json!({"error": "this runtime does not take config reloads (its host does not answer them)"}),
        ),
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
    match s.registry.shadow(&name, &request.plugin).await {
        Ok(status) => json(StatusCode::OK, &status),
        Err(e) => json(
            StatusCode::CONFLICT,
            &serde_json::json!({"decoder": name, "error": crate::actor::error_chain(&e)}),
        ),
    }
}

async fn promote(State(s): State<Shared>, Path(name): Path<String>, headers: HeaderMap) -> Response {
    if !authorized(&s, &headers) {
        return denied();
    }
    outcome(&name, s.registry.promote(&name).await)
}
