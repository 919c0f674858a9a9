//! The HTTP client of connector drivers (feature `http-client`): hyper's client over rustls,
//! its TLS configuration from [`super::tls`].

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

/// Why a request got no answer.
#[derive(Debug, thiserror::Error)]
pub enum HttpError {
    /// The request cannot be made: a malformed URL, method or header.
    #[error("invalid request: {0}")]
    Invalid(String),
    /// The server could not be reached: connection refused, name not resolved, TLS refused.
    #[error("unreachable: {0}")]
    Unreachable(String),
    /// The answer's body failed, or is longer than allowed.
    #[error("answer body: {0}")]
    Body(String),
}

/// What came back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpAnswer {
    /// The status code.
    pub status: u16,
    /// Headers, names lower-cased (values that are not text are left out).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

/// An HTTP/1.1 client for `http://` and `https://` URLs; cheap to clone.
#[derive(Clone)]
pub struct HttpClient {
    client: Client<hyper_rustls::HttpsConnector<HttpConnector>, Full<Bytes>>,
}

impl std::fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HttpClient").finish_non_exhaustive()
    }
}

impl HttpClient {
    /// A client with this TLS configuration (see [`super::tls::TlsConfig::client_config`]).
    pub fn new(tls: rustls::ClientConfig) -> Self {
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .build();
        Self { client: Client::builder(TokioExecutor::new()).build(https) }
    }

    /// Sends one request and reads the answer, its body up to `max_body` bytes. No time-out:
    /// the caller sets one.
    ///
    /// # Errors
    /// [`HttpError`].
    pub async fn send(
        &self,
        method: &str,
        url: &str,
        headers: &[(String, String)],
        body: Vec<u8>,
        max_body: usize,
    ) -> Result<HttpAnswer, HttpError> {
        let method = hyper::Method::from_bytes(method.as_bytes())
            .map_err(|_| HttpError::Invalid(format!("{method:?} is not an HTTP method")))?;
        let mut request = hyper::Request::builder().method(method).uri(url);
        for (name, value) in headers {
            request = request.header(name.as_str(), value.as_str());
        }
        let request =
            request.body(Full::new(Bytes::from(body))).map_err(|e| HttpError::Invalid(e.to_string()))?;
        let response = self
            .client
            .request(request)
            .await
            .map_err(|e| HttpError::Unreachable(crate::events::error_chain(&e)))?;
        let (parts, body) = response.into_parts();
        let body = Limited::new(body, max_body)
            .collect()
            .await
            .map_err(|e| HttpError::Body(format!("{e} (at most {max_body} bytes)")))?
            .to_bytes();
        let headers = parts
            .headers
            .iter()
            .filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string())))
            .collect();
        Ok(HttpAnswer { status: parts.status.as_u16(), headers, body: body.to_vec() })
    }
}
