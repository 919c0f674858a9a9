//! The fabric: NATS JetStream between connector processes and decoder workers, to scale out
//! beyond one process.
//!
//! - [`Role::All`] (the default): one process does everything in-process; the `fabric` section
//!   is not used.
//! - [`Role::Connector`]: transports and connector plugins run; every frame is published to the
//!   stream (subject `<subject_prefix>.<devicetype>`, the original bytes with their device,
//!   devicetype, port, receive time and connector), and the source is acknowledged once
//!   JetStream acknowledged the publish. Readings a connector emits already decoded, refused
//!   units and dead-letter replays are committed by the connector process itself.
//! - [`Role::Worker`]: no connectors; a durable pull consumer shared by every worker takes
//!   batches of frames, decodes them, commits to the sinks, and only then acks. A worker that
//!   dies mid-batch acks nothing: after `ack_wait_ms` JetStream hands those frames to another
//!   worker, and the idempotent sinks store them once.
//!
//! - Ordered routes (`ordered: true`): their frames go to `<subject_prefix>.<devicetype>.<k>`,
//!   partition `k` chosen by the device, and each partition has its own durable consumer
//!   (`<consumer>-<k>`) with one frame in flight at a time: a device's frames are committed in
//!   the order they were published, whichever worker takes them, a redelivered one included.
//!
//! The seam is one place: the router publishes frames instead of decoding them when it has a
//! [`Publisher`] (connector role), and a worker task feeds the router from the consumer.

mod fabric;

pub(crate) use fabric::worker;
pub use fabric::{
    FabricError, Publisher, consumer_config, decode_frame, encode_frame, message_id, partition, subject,
};

use std::str::FromStr;

use serde::Deserialize;

/// Default stream of frames.
pub const DEFAULT_STREAM: &str = "PASSERELLE_FRAMES";
/// Default subject prefix: frames go to `<prefix>.<devicetype>`.
pub const DEFAULT_SUBJECT_PREFIX: &str = "passerelle.frames";
/// Default durable consumer shared by the workers.
pub const DEFAULT_CONSUMER: &str = "passerelle-workers";
/// Default time JetStream waits for a worker's ack before handing a frame to another: 30 s.
pub const DEFAULT_ACK_WAIT_MS: u64 = 30_000;
/// Default frames a worker takes at once.
pub const DEFAULT_BATCH: usize = 64;
/// Default partitions of ordered routes: 8.
pub const DEFAULT_PARTITIONS: u16 = 8;

fn default_stream() -> String {
    DEFAULT_STREAM.into()
}
fn default_prefix() -> String {
    DEFAULT_SUBJECT_PREFIX.into()
}
fn default_consumer() -> String {
    DEFAULT_CONSUMER.into()
}
const fn default_ack_wait() -> u64 {
    DEFAULT_ACK_WAIT_MS
}
const fn default_batch() -> usize {
    DEFAULT_BATCH
}
const fn default_partitions() -> u16 {
    DEFAULT_PARTITIONS
}

/// What a process does (`passerelle run --role`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Role {
    /// Everything in-process, no fabric (the default).
    #[default]
    All,
    /// Transports and connectors; frames published to the fabric.
    Connector,
    /// Decoders and sinks fed by the fabric; no connectors.
    Worker,
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "all" => Ok(Self::All),
            "connector" => Ok(Self::Connector),
            "worker" => Ok(Self::Worker),
            other => Err(format!("role {other:?} is none of all, connector, worker")),
        }
    }
}

/// The `fabric` section of a config: where the JetStream stream is, and how workers share it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FabricConfig {
    /// NATS server URL (`nats://127.0.0.1:4222`; several separated by commas).
    pub url: String,
    /// Secret holding an authentication token; none: no authentication.
    #[serde(default)]
    pub token_env: Option<String>,
    /// Stream of frames, created if missing (default [`DEFAULT_STREAM`]; work-queue retention).
    #[serde(default = "default_stream")]
    pub stream: String,
    /// Subject prefix (default [`DEFAULT_SUBJECT_PREFIX`]).
    #[serde(default = "default_prefix")]
    pub subject_prefix: String,
    /// Durable consumer the workers share (default [`DEFAULT_CONSUMER`]).
    #[serde(default = "default_consumer")]
    pub consumer: String,
    /// Milliseconds JetStream waits for an ack before redelivering (default
    /// [`DEFAULT_ACK_WAIT_MS`]); longer than a batch takes to commit.
    #[serde(default = "default_ack_wait")]
    pub ack_wait_ms: u64,
    /// Frames a worker takes at once (default [`DEFAULT_BATCH`]).
    #[serde(default = "default_batch")]
    pub batch: usize,
    /// Partitions of the frames of ordered routes (default [`DEFAULT_PARTITIONS`], at most
    /// 256): a device's frames always go to the same one, and each partition has its own
    /// consumer that hands out one frame at a time, so they are committed in order whichever
    /// worker takes them. More partitions, more ordered frames decoded at once.
    #[serde(default = "default_partitions")]
    pub partitions: u16,
}

impl FabricConfig {
    /// Pure checks of the values; one message per problem.
    pub fn validate(&self) -> Vec<String> {
        let mut out = Vec::new();
        let name_ok = |s: &str| {
            !s.is_empty() && !s.contains(|c: char| matches!(c, '.' | '*' | '>') || c.is_whitespace())
        };
        if self.url.trim().is_empty() {
            out.push("fabric: url is empty".into());
        }
        if self.token_env.as_deref() == Some("") {
            out.push("fabric: token_env is empty".into());
        }
        if !name_ok(&self.stream) {
            out.push(format!(
                "fabric: stream {:?} must be a name without dots, wildcards or spaces",
                self.stream
            ));
        }
        if !name_ok(&self.consumer) {
            out.push(format!(
                "fabric: consumer {:?} must be a name without dots, wildcards or spaces",
                self.consumer
            ));
        }
        if self.subject_prefix.split('.').any(|t| !name_ok(t)) {
            out.push(format!(
                "fabric: subject_prefix {:?} must be dot-separated tokens without wildcards",
                self.subject_prefix
            ));
        }
        if self.ack_wait_ms < 100 {
            out.push("fabric: ack_wait_ms must be at least 100".into());
        }
        if self.batch == 0 {
            out.push("fabric: batch must be at least 1".into());
        }
        if !(1..=256).contains(&self.partitions) {
            out.push(format!("fabric: partitions must be 1 to 256, not {}", self.partitions));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::{FabricConfig, Role};

    #[test]
    fn parses_roles_and_validates() {
        assert_eq!("worker".parse::<Role>(), Ok(Role::Worker));
        assert!("workers".parse::<Role>().is_err());
        let c: FabricConfig = ron::from_str(r#"(url: "nats://127.0.0.1:4222")"#).unwrap();
        assert!(c.validate().is_empty(), "{:?}", c.validate());
        let bad: FabricConfig = ron::from_str(
            r#"(url: "", stream: "a.b", consumer: "", subject_prefix: "x.*", ack_wait_ms: 1, batch: 0, partitions: 0)"#,
        )
        .unwrap();
        assert_eq!(bad.validate().len(), 7, "{:?}", bad.validate());
    }
}
