use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Deserialize;

use crate::plugin::Limits;
use crate::transport::TransportConfig;

/// Default number of plugin instances (each with its own store and thread) per decoder.
pub const DEFAULT_DECODER_INSTANCES: usize = 2;
/// Default number of plugin instances per connector.
pub const DEFAULT_CONNECTOR_INSTANCES: usize = 1;

const fn default_decoder_instances() -> usize {
    DEFAULT_DECODER_INSTANCES
}
const fn default_connector_instances() -> usize {
    DEFAULT_CONNECTOR_INSTANCES
}

const fn default_tick_ms() -> u64 {
    crate::actor::DEFAULT_TICK_MS
}
const fn default_request_timeout_ms() -> u64 {
    crate::actor::DEFAULT_REQUEST_TIMEOUT_MS
}
const fn default_max_requests() -> usize {
    crate::actor::DEFAULT_MAX_REQUESTS
}

/// A connector: a native transport and the connector plugin that understands what it carries.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectorConfig {
    /// The transport, from the table in [`crate::transport`].
    pub transport: TransportConfig,
    /// The connector plugin (`.wasm`, `connector` world).
    pub plugin: PathBuf,
    /// Settings handed to the plugin's `start` event.
    #[serde(default)]
    pub settings: BTreeMap<String, String>,
    /// Plugin instances (default [`DEFAULT_CONNECTOR_INSTANCES`]); more than one only for
    /// stateless connectors.
    #[serde(default = "default_connector_instances")]
    pub instances: usize,
    /// Plugin limits. A call on an inbound unit past `deadline_ms` is tried once more on a
    /// fresh instance with a longer deadline ([`crate::plugin::DEADLINE_RETRY_FACTOR`] times,
    /// bounded by [`crate::plugin::DEADLINE_RETRY_MAX_MS`]); a file chunk is split instead.
    #[serde(default)]
    pub limits: Limits,
    /// When a connector whose plugin keeps running past its deadline (calls on inbound units
    /// that overran their retry too, in a row; traps do not count) is quarantined: its inbound
    /// units are then answered "retry later" without a call (HTTP 503 with `Retry-After`, MQTT
    /// not acknowledged) until one probes it.
    #[serde(default)]
    pub quarantine: crate::actor::QuarantineConfig,
    /// Secrets the connector's requests may carry, by name (an environment variable, or supplied
    /// by the embedding host): `{secret:NAME}` in a request's target or header values is
    /// replaced by the value when the request leaves, for the names listed here only. The plugin
    /// never sees the value, and logs show the request as the plugin wrote it.
    #[serde(default)]
    pub secrets: Vec<String>,
    /// Sinks for readings the connector emits already decoded (none: such readings are refused).
    #[serde(default)]
    pub sinks: Vec<String>,
    /// Interval between two `tick` events, in milliseconds (default
    /// [`crate::actor::DEFAULT_TICK_MS`]; 0: no ticks).
    #[serde(default = "default_tick_ms")]
    pub tick_ms: u64,
    /// Time-out of a request that sets none, in milliseconds (default
    /// [`crate::actor::DEFAULT_REQUEST_TIMEOUT_MS`]).
    #[serde(default = "default_request_timeout_ms")]
    pub request_timeout_ms: u64,
    /// Requests in flight at once, at most (default [`crate::actor::DEFAULT_MAX_REQUESTS`]).
    #[serde(default = "default_max_requests")]
    pub max_requests: usize,
    /// TLS of the connector's HTTP client for `https://` requests (a CA file, a client
    /// certificate, a server name); none: the runtime's client, with the system's roots.
    #[cfg(feature = "http-client")]
    #[serde(default)]
    pub tls: Option<crate::net::tls::TlsConfig>,
}

/// A decoder plugin and how it runs.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DecoderConfig {
    /// The decoder plugin (`.wasm`: the `decoder` world, or the `script-decoder` world with a
    /// `codec`, such as `js_codec.wasm`).
    pub plugin: PathBuf,
    /// The codec a script decoder runs, relative to the config file: a JavaScript file in The
    /// Things Network / ChirpStack style (`decodeUplink` or `Decoder`), or a TTN `*-codec.yaml`
    /// whose `uplinkDecoder.fileName` names it and whose examples become its vectors. Watched
    /// and hot-reloaded like the plugin. None: a native decoder.
    #[serde(default)]
    pub codec: Option<PathBuf>,
    /// Plugin instances, each on its own thread (default [`DEFAULT_DECODER_INSTANCES`]).
    #[serde(default = "default_decoder_instances")]
    pub instances: usize,
    /// Plugin limits.
    #[serde(default)]
    pub limits: Limits,
    /// Run the plugin's own vectors before it goes live and refuse it if one fails (default true).
    #[serde(default = "yes")]
    pub check_vectors: bool,
    /// Tag each decoded reading that measures a known quantity with `quantity`
    /// (`air_temperature`, `co2`: see [`crate::quantity`]), so that every sink stores it
    /// (default true).
    #[serde(default = "yes")]
    pub quantities: bool,
    /// When a plugin that keeps failing is quarantined (its frames go straight to the dead
    /// letter for a while), and for how long.
    #[serde(default)]
    pub quarantine: crate::actor::QuarantineConfig,
}

const fn yes() -> bool {
    true
}

/// One route: frames of a devicetype (or of several) go to a decoder as a vendor model,
/// readings to sinks.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteConfig {
    /// The devicetype the source announces (Energisme `devicetype`); empty when the route
    /// names `devicetypes` instead.
    #[serde(default)]
    pub devicetype: String,
    /// Several devicetypes in one route, each its own model: a list, or `all` (every model
    /// the decoder's plugin declares, as it declares them: a model a new version adds is routed
    /// when it goes live, and one it drops stays routed to the decoder, so its frames end in the
    /// dead letter with the decoder's error, not unrouted). A route that names a devicetype
    /// itself wins over `all`, and of two `all` routes declaring a model, the first one.
    #[serde(default)]
    pub devicetypes: Option<Devicetypes>,
    /// The decoder name (a key of `decoders`).
    pub decoder: String,
    /// The vendor model id given to the decoder (default: the devicetype).
    #[serde(default)]
    pub model: Option<String>,
    /// The firmware version of the route's devices (`"1.1.4"`), given to the decoder with each
    /// frame, for a vendor whose payload format changed between firmwares (the decoder picks
    /// the format of that version); it wins over a version the source reported. None: the
    /// decoder gets what the source reported, or nothing.
    #[serde(default)]
    pub firmware: Option<String>,
    /// A codec for this route alone, relative to the config file (a `.js` file or a TTN
    /// `*-codec.yaml`): `decoder` then names the script engine (a decoder such as
    /// `js_codec.wasm` without a `codec` of its own), and the route runs the engine with this
    /// codec, as a decoder of its own named `<decoder>:<codec file name>` (in status, metrics
    /// and the dead letter). Routes naming the same engine and codec share that decoder.
    #[serde(default)]
    pub codec: Option<PathBuf>,
    /// Sink names the readings go to; committed in all before the source is acknowledged.
    pub sinks: Vec<String>,
    /// Frames of one device are committed in the order the source delivered them, also across
    /// the workers of a fabric (default false). In-process, the frames of one unit always are;
    /// in fabric mode an ordered route's frames go to one of the fabric's `partitions` by device,
    /// and a partition hands out one frame at a time, so this costs throughput.
    #[serde(default)]
    pub ordered: bool,
}

/// The devicetypes of a route that names several: `all`, or a list such as `["em300-th",
/// "am307"]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged, expecting = "`all` or a list of devicetypes")]
pub enum Devicetypes {
    /// Every model the decoder declares.
    All(AllWord),
    /// These devicetypes, each given to the decoder as its model.
    List(Vec<String>),
}

/// The word `all` (written bare, or as a string).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AllWord;

impl<'de> Deserialize<'de> for AllWord {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = String::deserialize(d)?;
        if word == "all" {
            Ok(Self)
        } else {
            Err(serde::de::Error::invalid_value(serde::de::Unexpected::Str(&word), &"all"))
        }
    }
}
