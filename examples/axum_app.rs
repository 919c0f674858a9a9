//! An axum service that embeds Passerelle.
//!
//! - `POST /frames/{devicetype}/{device}?port=N` with the payload as hex text: the frame is
//!   decoded by the runtime's plugins and committed; the answer is its outcome.
//! - `GET /latest`: the last readings the runtime committed, from [`Handle::readings`].

use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Json, Response};
use axum::routing::{get, post};
use passerelle::Handle;
use passerelle::message::{Frame, Reading, now_ms};

/// Readings kept for `GET /latest`.
pub const LATEST: usize = 100;

/// The service state: the runtime handle and the latest readings.
#[derive(Debug, Clone)]
pub struct App {
    handle: Arc<Handle>,
    latest: Arc<Mutex<Vec<Reading>>>,
}

/// Query of `POST /frames/...`.
#[derive(Debug, serde::Deserialize)]
pub struct PortQuery {
    /// LoRaWAN fPort (default 0).
    #[serde(default)]
    pub port: u8,
}

impl App {
    /// Wraps a started runtime and follows its committed readings (on the current tokio runtime).
    pub fn new(handle: Handle) -> Self {
        let latest = Arc::new(Mutex::new(Vec::new()));
        let mut rx = handle.readings();
        let keep = Arc::clone(&latest);
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(batch) => {
                        if let Ok(mut l) = keep.lock() {
                            l.extend(batch.iter().cloned());
                            let excess = l.len().saturating_sub(LATEST);
                            l.drain(..excess);
                        }
                    }
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        Self { handle: Arc::new(handle), latest }
    }

    /// The axum router of the service.
    pub fn router(self) -> Router {
        Router::new()
            .route("/frames/{devicetype}/{device}", post(push))
            .route("/latest", get(latest))
            .with_state(self)
    }

    /// Stops the runtime once every other clone of the app is gone.
    pub async fn shutdown(self) -> Result<(), passerelle::Error> {
        match Arc::try_unwrap(self.handle) {
            Ok(handle) => handle.shutdown().await,
            Err(_) => Ok(()),
        }
    }
}

fn hex(text: &str) -> Result<Vec<u8>, String> {
    let text = text.trim();
    if !text.len().is_multiple_of(2) {
        return Err("odd number of hex digits".into());
    }
    (0..text.len())
        .step_by(2)
        .map(|i| {
            text.get(i..i + 2)
                .and_then(|p| u8::from_str_radix(p, 16).ok())
                .ok_or_else(|| format!("not hex at position {i}"))
        })
        .collect()
}

async fn push(
    State(app): State<App>,
    Path((devicetype, device)): Path<(String, String)>,
    Query(q): Query<PortQuery>,
    body: String,
) -> Response {
    let payload = match hex(&body) {
        Ok(p) => p,
        Err(e) => return (StatusCode::BAD_REQUEST, e).into_response(),
    };
    let frame = Frame {
        device: device.into(),
        devicetype: devicetype.into(),
        port: q.port,
        payload: payload.into(),
        received_ms: now_ms(),
        connector: "embed-axum".into(),
        firmware: None,
    };
    match app.handle.push(vec![frame]).await {
        Ok(outcomes) => Json(outcomes).into_response(),
        Err(e) => (StatusCode::SERVICE_UNAVAILABLE, e.to_string()).into_response(),
    }
}

async fn latest(State(app): State<App>) -> Json<Vec<Reading>> {
    Json(app.latest.lock().map(|l| l.clone()).unwrap_or_default())
}
