//! The typed messages that travel between actors: frames in, readings and rejections out.
//!
//! These are the only data types that cross actor boundaries. [`Value`] is the WIT type itself
//! (generated from `wit/types.wit`), so a reading's value never changes shape between guest,
//! host and sink.

use std::fmt;
use std::sync::Arc;

use serde::Serialize;

pub use crate::plugin::bindings::Value;

/// A raw device frame on its way to a decoder.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Frame {
    /// Device identifier (DevEUI, serial, Energisme `deviceid`).
    pub device: Arc<str>,
    /// The devicetype the source announced (Energisme `devicetype`); the route key.
    pub devicetype: Arc<str>,
    /// LoRaWAN fPort, 0 where the transport has none.
    pub port: u8,
    /// Payload bytes exactly as received.
    pub payload: Vec<u8>,
    /// Receive time in milliseconds since the Unix epoch.
    pub received_ms: i64,
    /// Name of the connector it came from.
    pub connector: Arc<str>,
}

/// One decoded, unit-aware measurement, SenML-aligned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// Device identifier.
    pub device: Arc<str>,
    /// Vendor field name or dotted path (`temperature`, `current_alarm.current_threshold_alarm`).
    pub name: String,
    /// The value.
    pub value: Value,
    /// SenML unit, when the value has one.
    pub unit: Option<String>,
    /// Measurement time in milliseconds since the Unix epoch.
    pub time_ms: i64,
}

/// The pipeline stage at which a frame was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// The connector plugin refused the unit.
    Connector,
    /// No route for the frame's devicetype.
    Route,
    /// The decoder returned a decode error (bad data).
    Decode,
    /// The decoder trapped, ran out of time or memory, or produced too much (bad plugin).
    Plugin,
}

impl Stage {
    /// The stage as a stable, lower-case label.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Connector => "connector",
            Self::Route => "route",
            Self::Decode => "decode",
            Self::Plugin => "plugin",
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A frame that could not become readings, bound for the dead-letter sink with its original bytes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Rejected {
    /// The frame as received.
    pub frame: Frame,
    /// Where it failed.
    pub stage: Stage,
    /// Why, in words.
    pub error: String,
    /// `name@version` of the plugin that failed, when one was involved.
    pub plugin: Option<String>,
}

/// What became of one frame once its route committed.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum FrameOutcome {
    /// Decoded; this many readings committed (already-stored duplicates included).
    Stored {
        /// Number of readings.
        readings: usize,
    },
    /// Written to the dead letter.
    DeadLettered {
        /// Stage that failed.
        stage: Stage,
        /// Error message.
        error: String,
    },
}

/// A batch of readings bound for one sink.
pub type ReadingBatch = Arc<[Reading]>;

/// The current time in milliseconds since the Unix epoch (0 if the clock is before 1970).
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}
