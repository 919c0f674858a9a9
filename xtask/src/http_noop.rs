//! A no-op HTTP handler: the ceiling of an HTTP server on this machine, for the push benchmark.
//!
//! ```text
//! cargo xtask http-noop --listen 127.0.0.1:18090
//! ```
//!
//! axum (the version and features Passerelle's own HTTP push server uses), on a multi-thread
//! tokio runtime, answers `200 OK` with `{}` to any POST once it has read the whole body, and
//! `405` to anything else. No parsing, no decoding, no storage: what `xtask load` measures
//! against it is the client and the HTTP stack alone. Runs until SIGINT or SIGTERM.

use std::net::SocketAddr;

use anyhow::{Context, ensure};
use axum::Router;
use axum::body::Bytes;
use axum::http::{Method, StatusCode, header};
use axum::response::IntoResponse;

/// Arguments of `http-noop`.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Address to listen on; loopback only (127.0.0.0/8, ::1).
    #[arg(long, default_value = "127.0.0.1:18090")]
    listen: SocketAddr,
}

/// Answers a POST once its body is read (the extractor reads it all), refuses other methods.
async fn answer(method: Method, body: Bytes) -> impl IntoResponse {
    // The body is read by the extractor; its length is all that is looked at.
    let _ = body.len();
    if method == Method::POST {
        (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], "{}")
    } else {
        (StatusCode::METHOD_NOT_ALLOWED, [(header::CONTENT_TYPE, "application/json")], "{}")
    }
}

/// Resolves on SIGINT or SIGTERM.
async fn stopped() {
    let interrupt = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(term) => term,
            Err(_) => {
                let _ = interrupt.await;
                return;
            }
        };
        tokio::select! {
            _ = interrupt => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = interrupt.await;
    }
}

pub(crate) async fn run(args: Args) -> anyhow::Result<()> {
    ensure!(
        args.listen.ip().is_loopback(),
        "refusing to listen on {}: loopback addresses only (127.0.0.0/8, ::1)",
        args.listen
    );
    let listener = tokio::net::TcpListener::bind(args.listen)
        .await
        .with_context(|| format!("binding {}", args.listen))?;
    let app = Router::new().fallback(answer);
    eprintln!("http-noop: listening on http://{}/ (200 to any POST)", listener.local_addr()?);
    axum::serve(listener, app).with_graceful_shutdown(stopped()).await.context("serving")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn answers_post_with_200_and_refuses_other_methods() -> anyhow::Result<()> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let server = tokio::spawn(async move { axum::serve(listener, Router::new().fallback(answer)).await });
        let client = reqwest::Client::builder().no_proxy().build()?;
        let url = format!("http://{addr}/any/path");
        let posted = client.post(&url).body(vec![b'x'; 100_000]).send().await?;
        assert_eq!(posted.status(), reqwest::StatusCode::OK);
        assert_eq!(posted.text().await?, "{}");
        let got = client.get(&url).send().await?;
        assert_eq!(got.status(), reqwest::StatusCode::METHOD_NOT_ALLOWED);
        server.abort();
        Ok(())
    }

    #[tokio::test]
    async fn refuses_a_non_loopback_address() {
        let args = Args { listen: SocketAddr::from(([0, 0, 0, 0], 0)) };
        assert!(run(args).await.is_err());
    }
}
