use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::future::BoxFuture;
use tokio::sync::Semaphore;

use super::HttpPushConfig;
use crate::actor::Ingest;
use crate::events::TransportConnected;
use crate::message::{DEFAULT_RETRY_AFTER, Disposition, FrameOutcome, Refusal, RefusedBy};
use crate::transport::{Running, Transport, TransportContext, TransportError};

/// The HTTP push server. Answers 2xx only after every frame of the request is committed.
pub struct HttpPush {
    pub(super) config: HttpPushConfig,
    pub(super) token: Option<String>,
}

impl std::fmt::Debug for HttpPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpPush")
            .field("config", &self.config)
            .field("token", &self.token.as_ref().map(|_| "***"))
            .finish()
    }
}

struct Shared {
    ingest: Ingest,
    path: String,
    expected: Option<String>,
    in_flight: Semaphore,
}

impl Transport for HttpPush {
    fn start(self: Box<Self>, cx: TransportContext) -> BoxFuture<'static, Result<Running, TransportError>> {
        Box::pin(async move {
            let listener = tokio::net::TcpListener::bind(&self.config.listen)
                .await
                .map_err(|source| TransportError::Bind { addr: self.config.listen.clone(), source })?;
            let local_addr = listener.local_addr().ok();
            let shared = Arc::new(Shared {
                ingest: cx.ingest.clone(),
                path: self.config.path.clone(),
                expected: self.token.as_ref().map(|t| format!("Basic {t}")),
                in_flight: Semaphore::new(self.config.max_in_flight),
            });
            let app = Router::new()
                .route(&self.config.path, post(push))
                .layer(DefaultBodyLimit::max(self.config.max_body_bytes))
                .with_state(shared);
            let TransportContext { ingest, shutdown, mut control, metrics, .. } = cx;
            let peer = local_addr.map(|a| a.to_string()).unwrap_or_default();
            TransportConnected { metrics: &metrics, peer: &peer }.emit();
            let task = tokio::spawn(async move {
                let mut stop = shutdown;
                // A server takes no subscriptions and executes no requests.
                let refuse = tokio::spawn(async move {
                    while let Some(c) = control.recv().await {
                        c.refuse(
                            ingest.connector(),
                            "the HTTP push transport carries no requests or subscriptions",
                        );
                    }
                });
                let served = axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = stop.wait_for(|stop| *stop).await;
                    })
                    .await
                    .map_err(TransportError::Io);
                refuse.abort();
                served
            });
            Ok(Running { local_addr, task })
        })
    }
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// Constant-time comparison of the Authorization header with the expected value.
fn authorized(expected: Option<&str>, headers: &HeaderMap) -> bool {
    let Some(expected) = expected else {
        return true;
    };
    let Some(got) = headers.get(header::AUTHORIZATION).map(HeaderValue::as_bytes) else {
        return false;
    };
    got.len() == expected.len()
        && got.iter().zip(expected.as_bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// 503 with `Retry-After` in whole seconds (at least 1).
fn retry_later(reason: &str, after: std::time::Duration) -> Response {
    let seconds = after.as_millis().div_ceil(1000).max(1).to_string();
    let mut response = json(StatusCode::SERVICE_UNAVAILABLE, &serde_json::json!({"error": reason}));
    if let Ok(v) = HeaderValue::from_str(&seconds) {
        response.headers_mut().insert(header::RETRY_AFTER, v);
    }
    response
}

/// The HTTP answer of a disposition: the transport's one mapping.
fn answer(disposition: &Disposition) -> Response {
    match disposition {
        Disposition::Committed { frames } => {
            let stored = frames.iter().filter(|f| matches!(f, FrameOutcome::Stored { .. })).count();
            json(
                StatusCode::OK,
                &serde_json::json!({
                    "frames": frames.len(),
                    "stored": stored,
                    "dead_lettered": frames.len() - stored,
                    "outcomes": frames,
                }),
            )
        }
        Disposition::Refused { by, reason } => {
            let status = match by {
                RefusedBy::Connector(Refusal::Malformed) => StatusCode::BAD_REQUEST,
                RefusedBy::Connector(Refusal::Unauthorized) => StatusCode::UNAUTHORIZED,
                RefusedBy::Connector(Refusal::Unprocessable) => StatusCode::UNPROCESSABLE_ENTITY,
                RefusedBy::Plugin => StatusCode::INTERNAL_SERVER_ERROR,
            };
            json(status, &serde_json::json!({"error": reason, "refused": by.as_str()}))
        }
        Disposition::RetryLater { reason, retry_after } => retry_later(reason, *retry_after),
    }
}

async fn push(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(shared.expected.as_deref(), &headers) {
        return json(
            StatusCode::UNAUTHORIZED,
            &serde_json::json!({"error": "missing or wrong Authorization: Basic token"}),
        );
    }
    let Ok(_permit) = shared.in_flight.try_acquire() else {
        return retry_later("too many requests in flight", DEFAULT_RETRY_AFTER);
    };
    let pairs = headers
        .iter()
        .filter(|(name, _)| *name != header::AUTHORIZATION)
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect();
    answer(&shared.ingest.submit(shared.path.clone(), pairs, body).await)
}
