//! The typed messages that travel between actors: frames in, readings and rejections out, and
//! the [`Disposition`] every transport maps to its protocol's acknowledgement.
//!
//! These are the only data types that cross actor boundaries. [`Value`] is the WIT type itself
//! (generated from `wit/types.wit`), so a reading's value never changes shape between guest,
//! host and sink. Payloads are shared [`Bytes`]: a body received once is referenced on its way
//! to the dead letter, and copied only into the connector plugin's call.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

pub use bytes::Bytes;
use serde::Serialize;

pub use crate::plugin::bindings::Refusal;
use crate::plugin::bindings::{Answer, Request, RequestError};

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
    /// Payload bytes exactly as received (shared, cheap to clone).
    #[serde(serialize_with = "as_slice")]
    pub payload: Bytes,
    /// Receive time in milliseconds since the Unix epoch.
    pub received_ms: i64,
    /// Name of the connector it came from.
    pub connector: Arc<str>,
    /// The device's firmware version, for decoders whose format changed between firmwares: as
    /// the source reported it, or as the route names it (the route wins). Given to the decoder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub firmware: Option<Arc<str>>,
}

/// One decoded, unit-aware measurement, SenML-aligned.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reading {
    /// Device identifier.
    pub device: Arc<str>,
    /// Vendor field name or dotted path (`temperature`, `current_alarm.current_threshold_alarm`),
    /// shared by the readings of a batch that have the same name.
    pub name: Arc<str>,
    /// The value.
    pub value: Value,
    /// SenML unit, when the value has one (shared, like the name).
    pub unit: Option<Arc<str>>,
    /// Measurement time in milliseconds since the Unix epoch.
    pub time_ms: i64,
    /// What the source says about the series (`quantity` = `power`, `aggregate` = `average`),
    /// shared by the readings emitted together; empty for most sources.
    #[serde(serialize_with = "tags_map")]
    pub tags: Tags,
}

/// Tags of a reading: key/value pairs, keys unique, in the order the source gave them. Shared
/// (cheap to clone) by the readings emitted together.
pub type Tags = Arc<[(String, String)]>;

/// Tags as a JSON object text (`{"quantity":"power"}`), as the sinks store them.
pub fn tags_json(tags: &[(String, String)]) -> String {
    let map: serde_json::Map<String, serde_json::Value> =
        tags.iter().map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone()))).collect();
    serde_json::Value::Object(map).to_string()
}

fn tags_map<S: serde::Serializer>(tags: &Tags, s: S) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    let mut map = s.serialize_map(Some(tags.len()))?;
    for (k, v) in tags.iter() {
        map.serialize_entry(k, v)?;
    }
    map.end()
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
    /// Published to the fabric: JetStream has it, and a worker decodes and stores it.
    Queued,
    /// Written to the dead letter.
    DeadLettered {
        /// Stage that failed.
        stage: Stage,
        /// Error message.
        error: String,
    },
}

/// Why an inbound unit was refused whole.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusedBy {
    /// The connector plugin refused it (bad data): the kind it gave.
    Connector(#[serde(serialize_with = "refusal_name")] Refusal),
    /// The connector plugin trapped or ran out of time or memory on it (bad plugin).
    Plugin,
}

impl RefusedBy {
    /// A stable, lower-case label (`malformed`, `unauthorized`, `unprocessable`, `plugin`).
    pub const fn as_str(&self) -> &'static str {
        match self {
            Self::Connector(Refusal::Malformed) => "malformed",
            Self::Connector(Refusal::Unauthorized) => "unauthorized",
            Self::Connector(Refusal::Unprocessable) => "unprocessable",
            Self::Plugin => "plugin",
        }
    }
}

fn refusal_name<S: serde::Serializer>(r: &Refusal, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(RefusedBy::Connector(*r).as_str())
}

fn as_slice<S: serde::Serializer>(b: &Bytes, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bytes(b)
}

/// Default time a source is asked to wait before delivering a unit again: 1 second.
pub const DEFAULT_RETRY_AFTER: Duration = Duration::from_secs(1);

/// What became of one inbound unit: the one answer every transport maps, once, to its
/// protocol (HTTP 2xx, 4xx or 503 with `Retry-After`; MQTT PUBACK or none; STOMP ACK or NACK;
/// an XMPP IQ result or error; a file moved to `done/`; a JetStream ack or nak).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "disposition", rename_all = "snake_case")]
pub enum Disposition {
    /// Everything the unit emitted is committed in every sink of its routes (frames that did
    /// not decode are committed to the dead letter): acknowledge it.
    Committed {
        /// What became of each frame, in order.
        frames: Vec<FrameOutcome>,
    },
    /// The unit was refused whole and is already in the dead letter with its original bytes:
    /// acknowledge it as refused (delivering it again would fail again).
    Refused {
        /// Who refused it, and how.
        by: RefusedBy,
        /// Why, in words the sender can act on.
        reason: String,
    },
    /// Nothing may be acknowledged (a sink failed or is full, the runtime is stopping): the
    /// source keeps the unit and delivers it again, after `retry_after` at the earliest.
    RetryLater {
        /// Why.
        reason: String,
        /// How long the source should wait.
        #[serde(serialize_with = "as_millis")]
        retry_after: Duration,
    },
}

fn as_millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl Disposition {
    /// True when the source may forget the unit (committed or refused).
    pub const fn acknowledge(&self) -> bool {
        !matches!(self, Self::RetryLater { .. })
    }
}

/// What the connector's driver asks of its transport while it runs.
#[derive(Debug)]
pub enum Control {
    /// Subscribe to this channel too (an MQTT topic filter, a STOMP destination), now and after
    /// every reconnect.
    Subscribe(String),
    /// Execute this request (a target that is not an `http(s)://` URL) and answer.
    Request {
        /// The request, as the plugin made it.
        request: Request,
        /// Where the outcome goes; the driver applies the time-out.
        reply: tokio::sync::oneshot::Sender<Result<Answer, RequestError>>,
    },
}

impl Control {
    /// Answers a control command the transport cannot carry out: a request is refused with
    /// `why`, a subscription is logged as ignored.
    pub fn refuse(self, connector: &str, why: &str) {
        match self {
            Self::Subscribe(channel) => {
                tracing::warn!(connector, channel, why, "Subscription ignored by this transport.");
            }
            Self::Request { reply, .. } => {
                let _ = reply.send(Err(RequestError::Refused(why.to_string())));
            }
        }
    }
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
