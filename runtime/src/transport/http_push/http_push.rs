use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use futures::future::BoxFuture;
use http_body_util::BodyExt;
use tokio::sync::Semaphore;

use super::HttpPushConfig;
use super::serve::{Limits, serve};
use crate::actor::Ingest;
use crate::events::{IngressLimit, IngressRefused, TransportConnected, TransportMetrics};
use crate::message::{DEFAULT_RETRY_AFTER, Disposition, FrameOutcome, Refusal, RefusedBy};
use crate::net::tls_server::ReloadingCert;
use crate::transport::{Running, Transport, TransportContext, TransportError};

/// A body larger than allowed is still read (and dropped) up to this size, so the sender gets
/// its 413 instead of a connection reset; beyond it the connection is closed.
const DRAIN_MAX_BYTES: usize = 64 * 1024 * 1024;

/// The HTTP push server. Answers 2xx only after every frame of the request is committed.
pub struct HttpPush {
    pub(super) config: HttpPushConfig,
    /// Accepted tokens (none: every request is accepted).
    pub(super) tokens: Vec<String>,
    /// HTTPS: the rustls configuration and the certificate it serves.
    pub(super) tls: Option<(Arc<rustls::ServerConfig>, Arc<ReloadingCert>)>,
}

impl std::fmt::Debug for HttpPush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpPush")
            .field("config", &self.config)
            .field("tokens", &self.tokens.len())
            .field("tls", &self.tls.is_some())
            .finish()
    }
}

struct Shared {
    ingest: Ingest,
    path: String,
    tokens: Vec<String>,
    in_flight: Semaphore,
    max_body: usize,
    body_timeout: Duration,
    metrics: TransportMetrics,
}

impl Transport for HttpPush {
    fn start(self: Box<Self>, cx: TransportContext) -> BoxFuture<'static, Result<Running, TransportError>> {
        Box::pin(async move {
            let listener = tokio::net::TcpListener::bind(&self.config.listen)
                .await
                .map_err(|source| TransportError::Bind { addr: self.config.listen.clone(), source })?;
            let local_addr = listener.local_addr().ok();
            let TransportContext { ingest, shutdown, mut control, metrics, .. } = cx;
            let shared = Arc::new(Shared {
                ingest: ingest.clone(),
                path: self.config.path.clone(),
                tokens: self.tokens,
                in_flight: Semaphore::new(self.config.max_in_flight),
                max_body: self.config.max_body_bytes,
                body_timeout: Duration::from_millis(self.config.body_timeout_ms),
                metrics: metrics.clone(),
            });
            let app = Router::new().route(&self.config.path, post(push)).with_state(shared);
            let scheme = if self.tls.is_some() { "https" } else { "http" };
            let peer = local_addr.map(|a| format!("{scheme}://{a}")).unwrap_or_default();
            TransportConnected { metrics: &metrics, peer: &peer }.emit();
            let limits = Limits {
                max_connections: self.config.max_connections,
                header_timeout: Duration::from_millis(self.config.header_timeout_ms),
            };
            let (acceptor, watcher) = match self.tls {
                Some((config, cert)) => {
                    let every = Duration::from_millis(
                        self.config
                            .tls
                            .as_ref()
                            .map_or(crate::net::tls_server::DEFAULT_RELOAD_CHECK_MS, |t| t.reload_check_ms),
                    );
                    let watcher =
                        tokio::spawn(watch_certificate(cert, every, ingest.connector().to_string()));
                    (Some(tokio_rustls::TlsAcceptor::from(config)), Some(watcher))
                }
                None => (None, None),
            };
            let task = tokio::spawn(async move {
                // A server takes no subscriptions and executes no requests.
                let refuse = tokio::spawn(async move {
                    while let Some(c) = control.recv().await {
                        c.refuse(
                            ingest.connector(),
                            "the HTTP push transport carries no requests or subscriptions",
                        );
                    }
                });
                serve(listener, app, acceptor, limits, metrics, shutdown).await;
                refuse.abort();
                if let Some(w) = watcher {
                    w.abort();
                }
                Ok(())
            });
            Ok(Running { local_addr, task })
        })
    }
}

/// Looks at the certificate files every `every`; a renewed pair is served from then on.
async fn watch_certificate(cert: Arc<ReloadingCert>, every: Duration, connector: String) {
    let mut tick = tokio::time::interval(every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    tick.tick().await;
    loop {
        tick.tick().await;
        let c = Arc::clone(&cert);
        match tokio::task::spawn_blocking(move || c.refresh_blocking()).await {
            Ok(Ok(true)) => {
                tracing::info!(connector, file = %cert.cert_file().display(), "TLS certificate reloaded.");
            }
            Ok(Ok(false)) => {}
            Ok(Err(e)) => tracing::error!(
                connector,
                error = %crate::events::error_chain(&e),
                "TLS certificate files changed but cannot be used; the previous certificate stays."
            ),
            Err(e) => tracing::error!(connector, error = %e, "Reading the TLS certificate failed."),
        }
    }
}

fn json(status: StatusCode, body: &serde_json::Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// Whether the Authorization header carries one of the tokens: `Basic` in any case (RFC 7235),
/// then the token, compared in constant time with each accepted one.
fn authorized(tokens: &[String], headers: &HeaderMap) -> bool {
    if tokens.is_empty() {
        return true;
    }
    let Some(got) = headers.get(header::AUTHORIZATION).map(HeaderValue::as_bytes) else {
        return false;
    };
    let Some((scheme, credentials)) = got.split_at_checked(5) else {
        return false;
    };
    if !scheme.eq_ignore_ascii_case(b"basic") || credentials.first() != Some(&b' ') {
        return false;
    }
    let credentials = credentials.trim_ascii();
    // Every token is compared, so the time taken does not tell which one nearly matched.
    tokens.iter().fold(false, |found, t| found | constant_time_eq(credentials, t.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
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

/// Why a body was not read whole.
enum BodyError {
    TooLarge,
    TimedOut,
    Broken,
}

/// Reads the body within the size and time limits. A body over the size is read on (and
/// dropped) up to [`DRAIN_MAX_BYTES`] within the same time, so the answer reaches the sender.
async fn read_body(body: Body, max: usize, within: Duration) -> Result<Bytes, BodyError> {
    let read = async move {
        let mut body = body;
        let mut out = Vec::new();
        let mut seen = 0usize;
        while let Some(frame) = body.frame().await {
            let Ok(frame) = frame else { return Err(BodyError::Broken) };
            let Ok(data) = frame.into_data() else { continue };
            seen = seen.saturating_add(data.len());
            if seen > max {
                if seen > DRAIN_MAX_BYTES {
                    break;
                }
                out = Vec::new();
                continue;
            }
            out.extend_from_slice(&data);
        }
        if seen > max { Err(BodyError::TooLarge) } else { Ok(Bytes::from(out)) }
    };
    tokio::time::timeout(within, read).await.unwrap_or(Err(BodyError::TimedOut))
}

async fn push(State(shared): State<Arc<Shared>>, headers: HeaderMap, body: Body) -> Response {
    if !authorized(&shared.tokens, &headers) {
        return json(
            StatusCode::UNAUTHORIZED,
            &serde_json::json!({"error": "missing or wrong Authorization: Basic token"}),
        );
    }
    let Ok(_permit) = shared.in_flight.try_acquire() else {
        return retry_later("too many requests in flight", DEFAULT_RETRY_AFTER);
    };
    let declared =
        headers.get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    let too_large = |shared: &Shared| {
        IngressRefused { metrics: &shared.metrics, peer: "", limit: IngressLimit::BodyTooLarge }.emit();
        json(
            StatusCode::PAYLOAD_TOO_LARGE,
            &serde_json::json!({"error": format!("body larger than {} bytes", shared.max_body)}),
        )
    };
    // A declared length over the limit: a sender that waits for `100 Continue` is answered at
    // once and sends nothing; one that sends anyway is read to the end (dropped, up to
    // DRAIN_MAX_BYTES) so it reads its 413 instead of a broken pipe.
    if declared.is_some_and(|n| n > shared.max_body as u64) {
        let waits =
            headers.get(header::EXPECT).is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        if !waits && declared.is_some_and(|n| n <= DRAIN_MAX_BYTES as u64) {
            let _ = read_body(body, shared.max_body, shared.body_timeout).await;
        }
        return too_large(&shared);
    }
    let body = match read_body(body, shared.max_body, shared.body_timeout).await {
        Ok(b) => b,
        Err(BodyError::TooLarge) => return too_large(&shared),
        Err(BodyError::TimedOut) => {
            IngressRefused { metrics: &shared.metrics, peer: "", limit: IngressLimit::BodyTimeout }.emit();
            return json(
                StatusCode::REQUEST_TIMEOUT,
                &serde_json::json!({"error": format!("body not received within {} ms", shared.body_timeout.as_millis())}),
            );
        }
        Err(BodyError::Broken) => {
            return json(
                StatusCode::BAD_REQUEST,
                &serde_json::json!({"error": "the body could not be read"}),
            );
        }
    };
    let pairs = headers
        .iter()
        .filter(|(name, _)| *name != header::AUTHORIZATION)
        .filter_map(|(name, value)| Some((name.as_str().to_string(), value.to_str().ok()?.to_string())))
        .collect();
    answer(&shared.ingest.submit(shared.path.clone(), pairs, body).await)
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue, header};

    use super::authorized;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn any_accepted_token_with_the_scheme_in_any_case() {
        let tokens = vec!["old".to_string(), "new-token".to_string()];
        for ok in ["Basic old", "basic new-token", "BASIC  old", "bAsIc new-token "] {
            assert!(authorized(&tokens, &with(ok)), "{ok}");
        }
        for bad in ["Basic", "Basic ", "Basicold", "Bearer old", "Basic ol", "Basic new", "old"] {
            assert!(!authorized(&tokens, &with(bad)), "{bad}");
        }
        assert!(!authorized(&tokens, &HeaderMap::new()));
        assert!(authorized(&[], &HeaderMap::new()));
    }
}
