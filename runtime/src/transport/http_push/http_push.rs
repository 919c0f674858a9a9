use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::future::BoxFuture;

use super::HttpPushConfig;
use crate::actor::{Ingest, IngestError};
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
            });
            let app = Router::new()
                .route(&self.config.path, post(push))
                .layer(DefaultBodyLimit::max(self.config.max_body_bytes))
                .with_state(shared);
            let mut shutdown = cx.shutdown.clone();
            tracing::info!(connector = cx.ingest.connector(), addr = ?local_addr, "HTTP push listening.");
            let task = tokio::spawn(async move {
                axum::serve(listener, app)
                    .with_graceful_shutdown(async move {
                        let _ = shutdown.wait_for(|stop| *stop).await;
                    })
                    .await
                    .map_err(TransportError::Io)
            });
            Ok(Running { local_addr, task })
        })
    }
}

fn json(status: StatusCode, body: serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// Constant-time comparison of the Authorization header with the expected value.
fn authorized(expected: &Option<String>, headers: &HeaderMap) -> bool {
    let Some(expected) = expected else {
        return true;
    };
    let Some(got) = headers.get(header::AUTHORIZATION).map(|v| v.as_bytes()) else {
        return false;
    };
    got.len() == expected.len()
        && got.iter().zip(expected.as_bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

async fn push(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Bytes) -> Response {
    if !authorized(&shared.expected, &headers) {
        return json(
            StatusCode::UNAUTHORIZED,
            serde_json::json!({"error": "missing or wrong Authorization: Basic token"}),
        );
    }
    let pairs = headers
        .iter()
        .filter(|(name, _)| *name != header::AUTHORIZATION)
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect();
    match shared.ingest.submit(shared.path.clone(), pairs, Vec::from(body)).await {
        Ok(ack) => {
            let status = StatusCode::from_u16(ack.status).unwrap_or(StatusCode::OK);
            let stored = ack
                .frames
                .iter()
                .filter(|f| matches!(f, crate::message::FrameOutcome::Stored { .. }))
                .count();
            let body = match &ack.reason {
                Some(reason) => serde_json::json!({"error": reason}),
                None => serde_json::json!({
                    "frames": ack.frames.len(),
                    "stored": stored,
                    "dead_lettered": ack.frames.len() - stored,
                    "outcomes": ack.frames,
                }),
            };
            json(status, body)
        }
        Err(e @ IngestError::Stopped(_)) => {
            json(StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({"error": e.to_string()}))
        }
        Err(e) => {
            tracing::error!(connector = shared.ingest.connector(), error = %crate::actor::error_chain(&e), "Push not committed; the sender should retry.");
            json(StatusCode::SERVICE_UNAVAILABLE, serde_json::json!({"error": crate::actor::error_chain(&e)}))
        }
    }
}
