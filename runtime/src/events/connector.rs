//! Connector driver events: ticks, requests and their outcomes, plugin failures.

use super::{Counter, Metrics, TransportMetrics};

/// The series of one connector's driver (labels: `connector`, and `outcome` for requests).
#[derive(Debug, Clone)]
pub(crate) struct DriverMetrics {
    pub(crate) ticks: Counter,
    answered: Counter,
    timeout: Counter,
    unreachable: Counter,
    refused: Counter,
    other: Counter,
    plugin_errors: Counter,
    /// The connector's status, where a plugin failure shows as its last error.
    status: TransportMetrics,
}

impl DriverMetrics {
    pub(crate) fn new(m: &Metrics, connector: &str, status: TransportMetrics) -> Self {
        let outcome = |o: &str| {
            m.counter(
                "passerelle_connector_requests_total",
                "Requests a connector plugin sent, by outcome.",
                &[("connector", connector), ("outcome", o)],
            )
        };
        let l = [("connector", connector)];
        Self {
            ticks: m.counter("passerelle_connector_ticks_total", "Ticks given to the connector plugin.", &l),
            answered: outcome("answered"),
            timeout: outcome("timeout"),
            unreachable: outcome("unreachable"),
            refused: outcome("refused"),
            other: outcome("other"),
            plugin_errors: m.counter(
                "passerelle_connector_plugin_errors_total",
                "Events (start, tick, response) the connector plugin failed on.",
                &l,
            ),
            status,
        }
    }
}

/// A request the driver executed came back (answered, or with its error).
#[derive(Debug)]
pub(crate) struct RequestFinished<'a> {
    pub(crate) metrics: &'a DriverMetrics,
    pub(crate) connector: &'a str,
    pub(crate) target: &'a str,
    pub(crate) result: &'a Result<crate::plugin::bindings::Answer, crate::plugin::bindings::RequestError>,
}

impl RequestFinished<'_> {
    pub(crate) fn emit(self) {
        use crate::plugin::bindings::RequestError;
        let m = self.metrics;
        let (counter, outcome) = match self.result {
            Ok(_) => (&m.answered, "answered"),
            Err(RequestError::Timeout(_)) => (&m.timeout, "timeout"),
            Err(RequestError::Unreachable(_)) => (&m.unreachable, "unreachable"),
            Err(RequestError::Refused(_)) => (&m.refused, "refused"),
            Err(RequestError::Other(_)) => (&m.other, "other"),
        };
        counter.add(1);
        match self.result {
            Ok(a) => tracing::debug!(
                connector = self.connector,
                target = self.target,
                status = a.status,
                "Request answered."
            ),
            Err(e) => {
                tracing::warn!(connector = self.connector, target = self.target, outcome, error = ?e, "Request failed.")
            }
        }
    }
}

/// The connector plugin failed on an event that is not an inbound unit.
#[derive(Debug)]
pub(crate) struct ConnectorEventFailed<'a> {
    pub(crate) metrics: &'a DriverMetrics,
    pub(crate) connector: &'a str,
    pub(crate) event: &'static str,
    pub(crate) error: &'a str,
}

impl ConnectorEventFailed<'_> {
    pub(crate) fn emit(self) {
        self.metrics.plugin_errors.add(1);
        self.metrics.status.note_error(&format!("connector plugin failed on {}: {}", self.event, self.error));
        tracing::warn!(
            connector = self.connector,
            event = self.event,
            error = self.error,
            "Connector plugin failed on an event."
        );
    }
}
