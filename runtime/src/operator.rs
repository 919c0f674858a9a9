//! What an operator sees of a running runtime and may ask of it: the [`Operator`] trait the
//! runtime implements and the operator endpoint ([`crate::admin`]) serves, and its reports.

use std::path::PathBuf;

use futures::future::BoxFuture;

use crate::actor::ShadowStatus;
use crate::message::Reading;
use crate::plugin::PluginError;
use crate::runtime::ReplayReport;
use crate::sink::{DeadLetter, DeadLetterQuery, LatestReading, Series, SeriesQuery, SinkError};

/// What an operator sees of one decoder.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DecoderStatus {
    /// Decoder name in the config.
    pub name: String,
    /// The plugin file it is loaded from.
    pub path: PathBuf,
    /// `name@version` of the live plugin.
    pub plugin: String,
    /// Content hash (SHA-256, hex) of the live plugin.
    pub hash: String,
    /// Earlier versions kept for rollback, newest last (`name@version hash`).
    pub previous: Vec<String>,
    /// Versions swapped in since start.
    pub reloads: u64,
    /// Versions refused since start.
    pub refused: u64,
    /// Why the last candidate was refused, when the last attempt failed.
    pub last_error: Option<String>,
    /// A candidate decoding beside the live version, and how they compare.
    pub shadow: Option<ShadowStatus>,
    /// Milliseconds of quarantine left, while the plugin is quarantined for failing (its
    /// frames go to the dead letter).
    pub quarantined_ms: Option<u64>,
    /// Times it was quarantined since start or its last reload.
    pub quarantines: u64,
    /// What it did with each devicetype it was given, by devicetype.
    pub devicetypes: Vec<DevicetypeStatus>,
}

/// What one decoder did with the frames of one devicetype since start: "which device model is
/// failing". The same figures are in the metrics as `passerelle_devicetype_*{decoder,devicetype}`.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DevicetypeStatus {
    /// The devicetype, as the source named it.
    pub devicetype: String,
    /// Frames decoded (a call made).
    pub frames: u64,
    /// Readings produced.
    pub readings: u64,
    /// Frames refused as bad data.
    pub decode_errors: u64,
    /// Frames lost to a plugin failure (trap, deadline, memory or readings cap).
    pub plugin_errors: u64,
    /// Mean decode time per frame, in microseconds (a batched call's time shared by its frames).
    pub mean_decode_us: u64,
}

/// One version of a decoder's plugin.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PluginVersion {
    /// `name@version`.
    pub plugin: String,
    /// Content hash (SHA-256, hex).
    pub hash: String,
    /// Its own vectors it passed when it was loaded (all: a version failing one is refused);
    /// `None` when the decoder skips the check (`check_vectors: false`).
    pub vectors_passed: Option<usize>,
}

/// A decoder's plugin versions, as the console's plugins page shows them (`GET /plugins`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DecoderVersions {
    /// Decoder name in the config.
    pub name: String,
    /// The plugin file it is loaded from.
    pub path: PathBuf,
    /// The live version.
    pub live: PluginVersion,
    /// A candidate decoding beside it, and how they compare.
    pub shadow: Option<ShadowStatus>,
    /// Earlier versions kept for rollback, newest last (a rollback goes to the last one).
    pub kept: Vec<PluginVersion>,
    /// Versions swapped in since start.
    pub reloads: u64,
    /// Candidate versions refused since start.
    pub refused: u64,
    /// Why the last refused candidate was refused (kept after a later success).
    pub last_refusal: Option<String>,
    /// Milliseconds of quarantine left, while the plugin is quarantined.
    pub quarantined_ms: Option<u64>,
}

/// A sink, and whether the console can read readings back from it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SinkInfo {
    /// Sink name in the config.
    pub name: String,
    /// Whether it reads readings back (latest values, series).
    pub reads_readings: bool,
}

/// Why stored readings could not be read back.
#[derive(Debug, thiserror::Error)]
pub enum ReadingsError {
    /// No sink of that name.
    #[error("no sink named {0:?}")]
    UnknownSink(String),
    /// No sink of the runtime reads readings back.
    #[error("no sink of this runtime reads readings back (SQLite and PostgreSQL sinks do)")]
    NoReader,
    /// The sink failed, or does not read readings back ([`SinkError::Unsupported`]).
    #[error("sink {sink}")]
    Sink {
        /// Sink name.
        sink: String,
        /// Cause.
        #[source]
        source: SinkError,
    },
}

impl ReadingsError {
    /// Whether the sink asked for cannot read readings back at all (rather than failed).
    pub fn unsupported(&self) -> bool {
        matches!(self, Self::NoReader | Self::Sink { source: SinkError::Unsupported(_), .. })
    }
}

/// What the status endpoint shows of a connector.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConnectorStatus {
    /// Connector name.
    pub name: String,
    /// Its transport's kind (`http_push`, `mqtt`, `embedded`).
    #[serde(default)]
    pub transport: String,
    /// Where its server transport listens, if it has one.
    pub listen: Option<String>,
    /// Whether its client transport is connected to its peer now (a server transport: listening).
    #[serde(default)]
    pub connected: bool,
    /// The last error its transport met (a lost connection, a broker's `ERROR` frame), or its
    /// connector plugin failed on (a vendor API refusing the key), kept after it recovers.
    #[serde(default)]
    pub last_error: Option<String>,
    /// Notes its plugin keeps for the operator (saved keys under `status/`, such as the consent
    /// URI to hand on), by name.
    #[serde(default)]
    pub notes: std::collections::BTreeMap<String, String>,
    /// Milliseconds of quarantine left, while its connector plugin is quarantined for
    /// overrunning its deadline (its units are answered retry-later without a call).
    #[serde(default)]
    pub quarantined_ms: Option<u64>,
    /// Times its plugin was quarantined since start.
    #[serde(default)]
    pub quarantines: u64,
}

/// The JSON of `GET /status`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Status {
    /// Decoders and their versions.
    pub decoders: Vec<DecoderStatus>,
    /// Connectors.
    pub connectors: Vec<ConnectorStatus>,
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReloadOutcome {
    /// A new version is live: its `name@version` and hash.
    Swapped {
        /// `name@version`.
        plugin: String,
        /// Content hash.
        hash: String,
    },
    /// The file holds the version already live.
    Unchanged,
}

/// Why a candidate version was refused (the old version keeps running).
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// No decoder of that name.
    #[error("no decoder named {0:?}")]
    Unknown(String),
    /// The file does not load as a decoder.
    #[error("decoder {name}: candidate refused")]
    Plugin {
        /// Decoder name.
        name: String,
        /// Cause.
        #[source]
        source: PluginError,
    },
    /// The candidate fails its own vectors.
    #[error("decoder {name}: candidate fails {} of its own vectors: {}", failures.len(), failures.join("; "))]
    Vectors {
        /// Decoder name.
        name: String,
        /// One line per failing vector.
        failures: Vec<String>,
    },
    /// The candidate no longer handles a model a route sends it.
    #[error("decoder {name}: candidate does not handle routed model(s) {}", models.join(", "))]
    Models {
        /// Decoder name.
        name: String,
        /// The models missing.
        models: Vec<String>,
    },
    /// No shadow candidate to promote.
    #[error("decoder {0}: no shadow candidate running")]
    NoShadow(String),
    /// Nothing to roll back to.
    #[error("decoder {0}: no previous version")]
    NoPrevious(String),
    /// The actor system is gone.
    #[error("the runtime is stopping")]
    Stopping,
}

/// What a config reload changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ConfigReloadReport {
    /// Decoders started.
    pub decoders_added: Vec<String>,
    /// Decoders whose plugin or settings changed (their previous version is kept for rollback).
    pub decoders_changed: Vec<String>,
    /// Decoders stopped.
    pub decoders_removed: Vec<String>,
    /// Sinks opened.
    pub sinks_added: Vec<String>,
    /// Sinks reopened with new settings.
    pub sinks_changed: Vec<String>,
    /// Sinks closed.
    pub sinks_removed: Vec<String>,
    /// Routes in force after the reload.
    pub routes: usize,
    /// Connectors started.
    pub connectors_added: Vec<String>,
    /// Connectors restarted with new settings (the others were not touched).
    pub connectors_changed: Vec<String>,
    /// Connectors stopped.
    pub connectors_removed: Vec<String>,
}

/// One route: where frames of a devicetype go.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RouteInfo {
    /// The devicetype, as sources name it.
    pub devicetype: String,
    /// The decoder it goes to.
    pub decoder: String,
    /// The model the decoder is given.
    pub model: String,
}

/// Why a frame could not be tried against the live decoders.
#[derive(Debug, thiserror::Error)]
pub enum TryError {
    /// No route for the devicetype.
    #[error("no route for devicetype {0:?}")]
    NoRoute(String),
    /// The decoder refused the frame as bad data.
    #[error("decoder {decoder} refused the frame: {text}")]
    Decode {
        /// Decoder name.
        decoder: String,
        /// The decode error in words.
        text: String,
    },
    /// The plugin failed on the frame (trap, deadline, memory or readings cap), or the host did.
    #[error("decoder {decoder}: the plugin failed")]
    Plugin {
        /// Decoder name.
        decoder: String,
        /// Cause.
        #[source]
        source: PluginError,
    },
    /// The runtime is stopping.
    #[error("the runtime is stopping")]
    Stopping,
}

/// Which dead-letter entries to list; every field set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize)]
#[serde(default)]
pub struct DeadLetterFilter {
    /// The stage that failed (`connector`, `route`, `decode`, `plugin`), exactly.
    pub stage: Option<String>,
    /// The connector, exactly.
    pub connector: Option<String>,
    /// Part of the plugin's `name@version`.
    pub plugin: Option<String>,
    /// Part of the error text, in any case.
    pub error: Option<String>,
    /// At most this many entries (default and cap [`DeadLetterFilter::MAX_LIMIT`]).
    pub limit: Option<usize>,
}

impl DeadLetterFilter {
    /// The most entries one listing returns.
    pub const MAX_LIMIT: usize = 500;

    /// Whether `entry` passes the filter (the rule of [`DeadLetterQuery::matches`]).
    pub fn matches(&self, entry: &DeadLetter) -> bool {
        self.query().matches(entry)
    }

    /// The number of entries to return.
    pub fn limit(&self) -> usize {
        self.limit.unwrap_or(Self::MAX_LIMIT).min(Self::MAX_LIMIT)
    }

    /// The sink query of this filter, newest first (an empty field matches everything).
    pub fn query(&self) -> DeadLetterQuery {
        let set = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
        DeadLetterQuery {
            stage: set(&self.stage),
            connector: set(&self.connector),
            plugin: set(&self.plugin),
            error: set(&self.error),
            limit: self.limit(),
            ..DeadLetterQuery::default()
        }
    }
}

/// Which dead-letter entries to replay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplaySelection {
    /// Every replayable entry.
    All,
    /// Those whose devicetype routes to this decoder.
    Decoder(String),
    /// These entries, by id.
    Ids(Vec<i64>),
}

/// The counters the flows view turns into rates, by connector, decoder, stage or sink.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct FlowCounters {
    /// Frames each connector emitted, by connector.
    pub frames_in: std::collections::BTreeMap<String, u64>,
    /// Frames given to each decoder, by decoder.
    pub decoder_frames: std::collections::BTreeMap<String, u64>,
    /// Readings each decoder produced, by decoder.
    pub readings_out: std::collections::BTreeMap<String, u64>,
    /// Frames dead-lettered, by stage.
    pub dead_letters: std::collections::BTreeMap<String, u64>,
    /// Batches each sink committed, by sink.
    pub sink_commits: std::collections::BTreeMap<String, u64>,
    /// Batches each sink failed to commit, by sink.
    pub sink_failures: std::collections::BTreeMap<String, u64>,
    /// Batches each sink turned away because its queue was full, by sink.
    pub sink_full: std::collections::BTreeMap<String, u64>,
}

/// What the operator endpoint asks of a running runtime.
pub trait Operator: Send + Sync + 'static {
    /// Decoders with their versions, and connectors.
    fn status(&self) -> Status;
    /// Every metric in the Prometheus text format.
    fn metrics_text(&self) -> String;
    /// Loads a decoder's plugin file again and swaps it in if it is a new, valid version.
    fn reload_decoder<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<ReloadOutcome, ReloadError>>;
    /// Goes back to a decoder's previous version.
    fn rollback_decoder<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<ReloadOutcome, ReloadError>>;
    /// Starts a shadow run of a candidate plugin file beside a decoder's live version.
    fn shadow_decoder<'a>(
        &'a self,
        name: &'a str,
        plugin: &'a std::path::Path,
    ) -> BoxFuture<'a, Result<ShadowStatus, ReloadError>>;
    /// Makes a decoder's shadow candidate live.
    fn promote_decoder<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<ReloadOutcome, ReloadError>>;
    /// Reads the runtime's own config file again and applies the difference; the error in words.
    fn reload_config_file(&self) -> BoxFuture<'_, Result<ConfigReloadReport, String>>;
    /// The routes in force, by devicetype.
    fn routes(&self) -> Vec<RouteInfo>;
    /// The flow counters (frames in, readings out, dead letters) since start.
    fn counters(&self) -> FlowCounters;
    /// Decodes `payload` as the route of `devicetype` would (its decoder and model), on a fresh
    /// instance of the live plugin, on a blocking thread; nothing is stored or counted.
    fn try_frame(
        &self,
        devicetype: &str,
        port: u8,
        payload: Vec<u8>,
    ) -> BoxFuture<'_, Result<Vec<Reading>, TryError>>;
    /// Dead-letter entries that pass `filter`, newest first, at most its limit; empty when the
    /// runtime has no dead-letter sink.
    fn dead_letters(&self, filter: DeadLetterFilter) -> BoxFuture<'_, Result<Vec<DeadLetter>, SinkError>>;
    /// Every decoder's plugin versions: live, shadow, kept for rollback, refusals.
    fn plugins(&self) -> Vec<DecoderVersions>;
    /// The sinks, and which of them read readings back.
    fn sinks(&self) -> Vec<SinkInfo>;
    /// The latest reading of each series (at most `limit`) from the sink named, or from the
    /// first that reads readings back; with that sink's name.
    fn latest_readings(
        &self,
        sink: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<(String, Vec<LatestReading>), ReadingsError>>;
    /// One series over a window, down-sampled in the sink, from the sink named or the first that
    /// reads readings back; with that sink's name.
    fn series(
        &self,
        sink: Option<String>,
        query: SeriesQuery,
    ) -> BoxFuture<'_, Result<(String, Series), ReadingsError>>;
    /// Runs the selected dead-letter entries through the current decoders again.
    fn replay(
        &self,
        selection: ReplaySelection,
    ) -> BoxFuture<'_, Result<ReplayReport, crate::runtime::Error>>;
}
