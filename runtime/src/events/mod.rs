//! Internal events: one struct per event, whose `emit()` logs and counts with the same labels
//! (`connector`, `decoder`, `stage`, `kind`; never a device id). Series handles are made once
//! per connector or decoder, so emitting touches atomics only.

mod delivery;
mod metrics;
mod plugin;

pub(crate) use delivery::{DeliveryMetrics, FrameDeadLettered, InboundAnswered, InboundMetrics};
pub use metrics::{Counter, Histogram, LATENCY_BUCKETS_US, Metrics};
pub(crate) use plugin::{DecodeCall, DecoderMetrics, PluginRefused, PluginSwapped};
