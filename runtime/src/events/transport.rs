//! Transport events: connected, disconnected, subscribed.

use super::{Counter, Metrics};

/// The series of one connector's transport (labels: `connector`, `transport`).
#[derive(Debug, Clone)]
pub struct TransportMetrics {
    connector: std::sync::Arc<str>,
    kind: &'static str,
    connected: Counter,
    disconnected: Counter,
    subscribed: Counter,
    refused: [Counter; 3],
    health: std::sync::Arc<std::sync::Mutex<Health>>,
}

/// What the status shows of a transport: connected now, and its last error.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Health {
    /// Connected to its peer (or listening) now.
    pub connected: bool,
    /// The last error, kept after it reconnects.
    pub last_error: Option<String>,
}

impl TransportMetrics {
    /// The series of the transport of kind `kind` (`mqtt`, `http_push`) of `connector`.
    pub fn new(m: &Metrics, connector: &str, kind: &'static str) -> Self {
        let l = [("connector", connector), ("transport", kind)];
        Self {
            connector: std::sync::Arc::from(connector),
            kind,
            connected: m.counter(
                "passerelle_transport_connected_total",
                "Connections (or listeners) the transport established.",
                &l,
            ),
            disconnected: m.counter(
                "passerelle_transport_disconnected_total",
                "Connections the transport lost (it reconnects with backoff).",
                &l,
            ),
            subscribed: m.counter(
                "passerelle_transport_subscribed_total",
                "Channels the transport subscribed to (again after each reconnect).",
                &l,
            ),
            refused: IngressLimit::ALL.map(|limit| {
                m.counter(
                    "passerelle_ingress_refused_total",
                    "Senders refused at a listener before the connector saw their request, by limit.",
                    &[("connector", connector), ("transport", kind), ("limit", limit.as_str())],
                )
            }),
            health: std::sync::Arc::default(),
        }
    }

    /// Connected now, and the last error.
    pub fn health(&self) -> Health {
        self.health.lock().unwrap_or_else(std::sync::PoisonError::into_inner).clone()
    }

    /// Keeps `error` as the last error the status shows (a connector plugin that failed on an
    /// event: a vendor API refusing its key), without touching `connected`.
    pub(crate) fn note_error(&self, error: &str) {
        self.set_health(|h| h.last_error = Some(error.to_string()));
    }

    fn set_health(&self, change: impl FnOnce(&mut Health)) {
        change(&mut self.health.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    }
}

/// The transport is connected to its peer, or listening.
#[derive(Debug)]
pub struct TransportConnected<'a> {
    /// The transport's series.
    pub metrics: &'a TransportMetrics,
    /// Where: the peer's or the listening address.
    pub peer: &'a str,
}

impl TransportConnected<'_> {
    /// Logs and counts.
    pub fn emit(self) {
        let m = self.metrics;
        m.connected.add(1);
        m.set_health(|h| h.connected = true);
        tracing::info!(connector = %m.connector, transport = m.kind, peer = self.peer, "Transport connected.");
    }
}

/// The transport lost its connection; it reconnects after `retry_in_ms`.
#[derive(Debug)]
pub struct TransportDisconnected<'a> {
    /// The transport's series.
    pub metrics: &'a TransportMetrics,
    /// Why.
    pub error: &'a str,
    /// When it tries again.
    pub retry_in_ms: u64,
}

impl TransportDisconnected<'_> {
    /// Logs and counts.
    pub fn emit(self) {
        let m = self.metrics;
        m.disconnected.add(1);
        m.set_health(|h| {
            h.connected = false;
            h.last_error = Some(self.error.to_string());
        });
        tracing::warn!(
            connector = %m.connector,
            transport = m.kind,
            error = self.error,
            retry_in_ms = self.retry_in_ms,
            "Transport disconnected; reconnecting."
        );
    }
}

/// The transport subscribed to channels.
#[derive(Debug)]
pub struct ChannelsSubscribed<'a> {
    /// The transport's series.
    pub metrics: &'a TransportMetrics,
    /// The channels.
    pub channels: &'a [String],
}

impl ChannelsSubscribed<'_> {
    /// Logs and counts.
    pub fn emit(self) {
        let m = self.metrics;
        m.subscribed.add(self.channels.len() as u64);
        tracing::info!(
            connector = %m.connector,
            transport = m.kind,
            channels = self.channels.len(),
            first = self.channels.first().map_or("", String::as_str),
            "Transport subscribed."
        );
    }
}

/// A limit of a listener that refuses a sender before its request reaches the connector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IngressLimit {
    /// Too many connections at once (503).
    Connections,
    /// The body is larger than allowed (413).
    BodyTooLarge,
    /// The body did not arrive in time (408).
    BodyTimeout,
}

impl IngressLimit {
    const ALL: [Self; 3] = [Self::Connections, Self::BodyTooLarge, Self::BodyTimeout];

    /// The `limit` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Connections => "connections",
            Self::BodyTooLarge => "body_size",
            Self::BodyTimeout => "body_time",
        }
    }
}

/// A listener refused a sender (see [`IngressLimit`]). Logged at debug level only: a flood
/// must not flood the log too; the counter tells.
#[derive(Debug)]
pub struct IngressRefused<'a> {
    /// The transport's series.
    pub metrics: &'a TransportMetrics,
    /// The sender's address.
    pub peer: &'a str,
    /// The limit it hit.
    pub limit: IngressLimit,
}

impl IngressRefused<'_> {
    /// Logs and counts.
    pub fn emit(self) {
        let m = self.metrics;
        if let Some(c) = m.refused.get(self.limit as usize) {
            c.add(1);
        }
        tracing::debug!(connector = %m.connector, transport = m.kind, peer = self.peer, limit = self.limit.as_str(), "Sender refused at the listener.");
    }
}
