//! The connection side of the push server: the accept loop, TLS, and what bounds a sender.
//!
//! - **Connections**: at most `max_connections` at once; one more is answered
//!   `503 Service Unavailable` with `Retry-After` and closed, without reading its request.
//! - **Time**: the TLS handshake and each request's head must arrive within `header_timeout`
//!   (hyper's header read timer; it also closes a keep-alive connection left idle that long),
//!   so a slow-loris sender holds a connection and a task for that long at most. The body has
//!   its own limit in the handler ([`super::http_push`]).
//! - **TLS**: rustls with the certificate in force ([`crate::net::tls_server`]); the files are
//!   looked at every `reload_check_ms` and a renewed pair is served from the next handshake on.
//! - **Shutdown**: no new connection is taken; each open one finishes its request in progress.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tokio_rustls::TlsAcceptor;

use crate::events::{IngressLimit, IngressRefused, TransportMetrics};

/// What bounds the connections of one listener.
#[derive(Debug, Clone, Copy)]
pub(super) struct Limits {
    pub(super) max_connections: usize,
    pub(super) header_timeout: Duration,
}

/// The answer to a connection beyond the cap: written before closing, nothing read.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nretry-after: 1\r\ncontent-type: application/json\r\ncontent-length: 40\r\nconnection: close\r\n\r\n{\"error\":\"too many connections at once\"}";

/// Serves `app` on `listener` until `stop` turns true.
pub(super) async fn serve(
    listener: TcpListener,
    app: axum::Router,
    tls: Option<TlsAcceptor>,
    limits: Limits,
    metrics: TransportMetrics,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_timeout);
    let http = Arc::new(http);
    let mut open = tokio::task::JoinSet::new();
    loop {
        let accepted = tokio::select! {
            () = stopped(&mut stop) => break,
            a = listener.accept() => a,
            Some(_) = open.join_next(), if !open.is_empty() => continue,
        };
        let (mut tcp, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                // Out of file descriptors and the like: wait a little rather than spin.
                tracing::warn!(error = %e, "Accepting a connection failed.");
                tokio::time::sleep(Duration::from_millis(50)).await;
                continue;
            }
        };
        let Ok(slot) = Arc::clone(&slots).try_acquire_owned() else {
            let peer = peer.to_string();
            IngressRefused { metrics: &metrics, peer: &peer, limit: IngressLimit::Connections }.emit();
            open.spawn(async move {
                let _ = tokio::time::timeout(Duration::from_secs(1), tcp.write_all(BUSY)).await;
            });
            continue;
        };
        let (app, http, tls, stop) = (app.clone(), Arc::clone(&http), tls.clone(), stop.clone());
        open.spawn(async move {
            let _slot = slot;
            connection(tcp, peer, app, http, tls, limits.header_timeout, stop).await;
        });
    }
    // Graceful: the connections in progress end their requests (each bounded by its timeouts).
    while open.join_next().await.is_some() {}
}

async fn connection(
    tcp: TcpStream,
    peer: SocketAddr,
    app: axum::Router,
    http: Arc<http1::Builder>,
    tls: Option<TlsAcceptor>,
    handshake_timeout: Duration,
    stop: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    match tls {
        None => drive(tcp, app, &http, stop).await,
        Some(acceptor) => match tokio::time::timeout(handshake_timeout, acceptor.accept(tcp)).await {
            Ok(Ok(stream)) => drive(stream, app, &http, stop).await,
            Ok(Err(e)) => tracing::debug!(peer = %peer, error = %e, "TLS handshake failed."),
            Err(_) => tracing::debug!(peer = %peer, "TLS handshake timed out."),
        },
    }
}

async fn drive<S>(io: S, app: axum::Router, http: &http1::Builder, mut stop: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
{
    let service = TowerToHyperService::new(app);
    let conn = http.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    tokio::select! {
        r = conn.as_mut() => {
            if let Err(e) = r {
                tracing::debug!(error = %e, "Connection ended with an error.");
            }
        }
        () = stopped(&mut stop) => {
            conn.as_mut().graceful_shutdown();
            let _ = conn.await;
        }
    }
}

/// Resolves once `stop` is true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|s| *s).await;
}
