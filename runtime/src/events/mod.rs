//! Internal events: one struct per event, whose `emit()` logs and counts with the same labels
//! (`connector`, `decoder`, `sink`, `transport`, `stage`, `kind`; never a device id). Series
//! handles are made once per connector, decoder or sink, so emitting touches atomics only.

mod connector;
mod delivery;
mod metrics;
mod plugin;
mod sink;
mod transport;

pub(crate) use connector::{ConnectorEventFailed, DriverMetrics, RequestFinished};
pub(crate) use delivery::{
    DeliveryMetrics, FrameDeadLettered, InboundAnswered, InboundMetrics, InboundOverran, Overrun,
};
pub use metrics::{Counter, Histogram, LATENCY_BUCKETS_US, Metrics};
pub(crate) use plugin::{BreakerMetrics, DecodeCall, DecoderMetrics, PluginRefused, PluginSwapped};
pub(crate) use sink::{SinkCommitFailed, SinkCommitted, SinkMetrics};
pub use transport::{
    ChannelsSubscribed, Health, IngressLimit, IngressRefused, TransportConnected, TransportDisconnected,
    TransportMetrics,
};

/// An error and its causes, one line (for logs, answers and dead letters).
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
