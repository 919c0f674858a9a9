//! One place for each piece of wiring: loading a plugin, starting a pool, starting a
//! connector, opening a sink and building the route table. Start-up, config reload and hot
//! reload all call these.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tokio::sync::{mpsc, watch};

use super::Error;
use super::connectors::RunningConnector;
use crate::actor::driver::{Driver, DriverSettings, HttpClient};
use crate::actor::pool::Stopped;
use crate::actor::system::ActorSystem;
use crate::actor::{
    COMMAND_CAPACITY, CatchAll, ConnectorActor, ConnectorState, ConnectorUnits, DecodePool, DecoderActor,
    DecoderSlot, Ingest, MAX_MERGED_UNITS, RouteEntry, RouteTable, Router, SinkSlot,
};
use crate::component::{BuildContext, Clock, MissingSecret, Secrets};
use crate::config::{Config, ConnectorConfig, Devicetypes};
use crate::events::{DecoderMetrics, DriverMetrics, InboundMetrics, Metrics, SinkMetrics, TransportMetrics};
use crate::plugin::bindings::{Command, Event};
use crate::plugin::{Codec, ConnectorPlugin, DecoderPlugin, Engine, Limits, PluginError};
use crate::quantity::{QuantityTable, Tagger};
use crate::sink::SinkConfig;
use crate::transport::{Transport, TransportContext};

/// What every part of a runtime is built with.
#[derive(Debug, Clone)]
pub(crate) struct Parts {
    pub(crate) engine: Engine,
    pub(crate) system: ActorSystem,
    pub(crate) router: Router,
    pub(crate) metrics: Metrics,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) secrets: Secrets,
    pub(crate) runtime: tokio::runtime::Handle,
    pub(crate) http: Option<HttpClient>,
    /// The quantity table decoders tag readings from (built once, shared by every pool).
    pub(crate) quantities: Arc<QuantityTable>,
}

impl Parts {
    /// The table a decoder's pool tags with, or none when its `quantities` is off.
    pub(crate) fn quantities(&self, on: bool) -> Option<Arc<QuantityTable>> {
        on.then(|| Arc::clone(&self.quantities))
    }

    /// The build context of component `name` of `config`.
    pub(crate) fn context(&self, config: &Config, name: &str) -> BuildContext {
        BuildContext::new(name, self.secrets.clone(), config.base_dir(), self.runtime.clone())
            .with_state_dir(config.state_folder())
    }
}

/// The HTTP client of connector `name`: its own when it sets `tls`, else the runtime's.
/// Certificate files are read off the executor.
///
/// # Errors
/// [`Error::Transport`] naming the connector when its TLS settings cannot be used.
pub(crate) async fn connector_http_client(
    parts: &Parts,
    config: &Config,
    name: &str,
    c: &ConnectorConfig,
) -> Result<Option<HttpClient>, Error> {
    #[cfg(feature = "http-client")]
    if let Some(tls) = &c.tls {
        let fail = |source| Error::Transport { name: name.to_string(), source };
        let config = tls
            .client_config(config.base_dir())
            .await
            .map_err(|e| fail(crate::transport::TransportError::Tls(Box::new(e))))?;
        return Ok(Some(HttpClient::new((*config).clone())));
    }
    let _ = (config, name, c);
    Ok(parts.http.clone())
}

/// Why a decoder plugin did not load.
#[derive(Debug)]
pub(crate) enum LoadError {
    /// It does not compile or link as a decoder.
    Plugin(PluginError),
    /// It fails its own vectors: one line per failure.
    Vectors(Vec<String>),
}

impl LoadError {
    pub(crate) fn into_error(self, name: &str, path: &Path) -> Error {
        match self {
            Self::Plugin(source) => {
                Error::Plugin { name: name.into(), path: path.display().to_string(), source }
            }
            Self::Vectors(failures) => Error::Vectors { name: name.into(), failures },
        }
    }
}

/// Loads a decoder plugin: read, compile (cached by content hash), link, run its own vectors.
/// With a codec (a script decoder), the codec file is read and loaded too, and its examples are
/// the vectors. Returns `None` when the files hold the version whose hash is `unless`. Blocking.
pub(crate) fn load_decoder(
    engine: &Engine,
    path: &Path,
    codec: Option<&Path>,
    limits: Limits,
    check_vectors: bool,
    unless: Option<&str>,
) -> Result<Option<DecoderPlugin>, LoadError> {
    let bytes = std::fs::read(path)
        .map_err(|source| LoadError::Plugin(PluginError::Io { path: path.to_path_buf(), source }))?;
    let compiled = engine.compile(&bytes).map_err(LoadError::Plugin)?;
    let mut plugin = match codec {
        None if unless == Some(compiled.hash.as_str()) => return Ok(None),
        None => DecoderPlugin::new(engine, &compiled, limits).map_err(LoadError::Plugin)?,
        Some(codec_path) => {
            let codec = Codec::read(codec_path).map_err(|error| {
                LoadError::Plugin(PluginError::Codec { path: codec_path.to_path_buf(), error })
            })?;
            if unless == Some(codec.hash_with(&compiled.hash).as_str()) {
                return Ok(None);
            }
            DecoderPlugin::with_codec(engine, &compiled, codec, limits).map_err(LoadError::Plugin)?
        }
    };
    if check_vectors {
        let (vectors, failures) = plugin.check_vectors().map_err(LoadError::Plugin)?;
        if !failures.is_empty() {
            return Err(LoadError::Vectors(failures.iter().map(ToString::to_string).collect()));
        }
        plugin.set_vectors_passed(vectors.len());
    }
    Ok(Some(plugin))
}

/// Starts a decoder pool: `instances` actors, one `Store` each; with `quantities`, each tags
/// the readings it decodes with their quantity (its own cache over the shared table).
pub(crate) async fn decoder_pool(
    system: &ActorSystem,
    plugin: &DecoderPlugin,
    instances: usize,
    metrics: DecoderMetrics,
    quantities: Option<Arc<QuantityTable>>,
) -> Result<DecodePool, Stopped> {
    let plugin = plugin.clone();
    let max_frames = plugin.limits().max_batch;
    let pool = system
        .pool(instances, move || DecoderActor {
            instance: plugin.instance(),
            metrics: metrics.clone(),
            quantities: quantities.as_ref().map(|t| Tagger::new(Arc::clone(t), &plugin.metadata().name)),
        })
        .await?;
    Ok(DecodePool::new(pool, instances, max_frames))
}

/// Loads a connector plugin and runs its `start` once on a throwaway instance, so that a bad
/// setting refuses the config before anything runs. Blocking.
pub(crate) fn load_connector(
    engine: &Engine,
    name: &str,
    path: &Path,
    c: &ConnectorConfig,
) -> Result<ConnectorPlugin, Error> {
    let fail = |source| Error::Plugin { name: name.to_string(), path: path.display().to_string(), source };
    let compiled = engine.compile_file(path).map_err(fail)?;
    let plugin = ConnectorPlugin::new(engine, &compiled, c.limits, name).map_err(fail)?;
    plugin.instance().handle(&Event::Start(settings(c))).map_err(fail)?;
    Ok(plugin)
}

fn settings(c: &ConnectorConfig) -> Vec<(String, String)> {
    c.settings.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Reads connector `name`'s saved state from its file in `config`'s state folder (off the
/// executor).
///
/// # Errors
/// [`Error::State`] when the file exists but cannot be read or does not parse.
pub(crate) async fn open_state(config: &Config, name: &str) -> Result<ConnectorState, Error> {
    let path = config.state_file(name);
    tokio::task::spawn_blocking(move || ConnectorState::open(path))
        .await
        .map_err(|e| Error::Runtime(format!("reading connector state failed: {e}")))?
        .map_err(|source| Error::State { name: name.to_string(), source })
}

/// Starts a connector: its plugin pool, its driver (which gives the plugin its `start` and
/// `restore`), then its transport with the channels the plugin subscribed to.
pub(crate) async fn start_connector(
    parts: &Parts,
    name: &str,
    c: &ConnectorConfig,
    plugin: ConnectorPlugin,
    transport: Box<dyn Transport>,
    http: Option<HttpClient>,
    state: ConnectorState,
) -> Result<RunningConnector, Error> {
    let fail =
        |source| Error::Plugin { name: name.to_string(), path: c.plugin.display().to_string(), source };
    let mut secrets = Vec::with_capacity(c.secrets.len());
    for s in &c.secrets {
        let value = parts
            .secrets
            .get(s)
            .ok_or_else(|| Error::Secret { name: name.to_string(), source: MissingSecret(s.clone()) })?;
        secrets.push((s.clone(), value));
    }
    let settings = Arc::new(settings(c));
    let factory_settings = Arc::clone(&settings);
    let factory_state = state.clone();
    let pool = parts
        .system
        .pool(c.instances, move || ConnectorActor {
            instance: plugin.instance(),
            settings: Arc::clone(&factory_settings),
            state: factory_state.clone(),
        })
        .await
        .map_err(|e| Error::Runtime(e.to_string()))?;
    let connector: Arc<str> = Arc::from(name);
    let readings_sinks: Arc<[Arc<str>]> = c.sinks.iter().map(|s| Arc::from(s.as_str())).collect();
    let (commands_tx, commands) = mpsc::channel::<Command>(COMMAND_CAPACITY);
    let (control_tx, control) = mpsc::channel(COMMAND_CAPACITY);
    let ingest = Ingest {
        connector: Arc::clone(&connector),
        pool: pool.clone(),
        units: ConnectorUnits::new(pool.clone(), c.instances, MAX_MERGED_UNITS),
        router: parts.router.clone(),
        readings_sinks: Arc::clone(&readings_sinks),
        next_id: Arc::new(AtomicU64::new(1)),
        metrics: InboundMetrics::new(&parts.metrics, name),
        clock: Arc::clone(&parts.clock),
        driver: commands_tx,
        state: state.clone(),
        refusals: Arc::default(),
        breaker: Arc::new(crate::actor::Breaker::new(
            crate::actor::Role::Connector,
            c.quarantine,
            crate::events::BreakerMetrics::connector(&parts.metrics, name),
        )),
    };
    let kind = c.transport.kind();
    let metrics = TransportMetrics::new(&parts.metrics, name, kind);
    let driver = Driver {
        connector,
        pool,
        router: parts.router.clone(),
        readings_sinks,
        clock: Arc::clone(&parts.clock),
        http,
        secrets,
        settings: settings.as_ref().clone(),
        commands,
        transport: control_tx,
        metrics: DriverMetrics::new(&parts.metrics, name, metrics.clone()),
        config: DriverSettings {
            tick: (c.tick_ms > 0).then(|| std::time::Duration::from_millis(c.tick_ms)),
            request_timeout: std::time::Duration::from_millis(c.request_timeout_ms),
            max_requests: c.max_requests,
        },
        state,
    };
    let started = driver.start().await.map_err(fail)?;
    let (stop, shutdown) = watch::channel(false);
    let cx = TransportContext {
        ingest: ingest.clone(),
        shutdown: shutdown.clone(),
        subscriptions: started.subscriptions,
        control,
        metrics: metrics.clone(),
    };
    let running =
        transport.start(cx).await.map_err(|source| Error::Transport { name: name.to_string(), source })?;
    let driver = parts.runtime.spawn(driver.run(started.pending, shutdown));
    Ok(RunningConnector {
        kind,
        ingest,
        stop,
        transport: running.task,
        driver,
        addr: running.local_addr,
        metrics,
    })
}

/// Opens a sink of `config` through its component's `build`.
pub(crate) async fn open_sink(
    parts: &Parts,
    config: &Config,
    name: &str,
    s: &SinkConfig,
) -> Result<SinkSlot, Error> {
    let cx = parts.context(config, name);
    let sink = s.component().build(&cx).await?;
    Ok(SinkSlot {
        name: Arc::from(name),
        sink: Arc::from(sink),
        metrics: SinkMetrics::new(&parts.metrics, name, s.kind()),
    })
}

/// What is wrong with the routes of `config`, given the models each decoder's plugin declares
/// (by decoder name; an empty list takes any model; a decoder missing from `models` is not
/// checked): a named route's model its decoder does not handle, and a `devicetypes: all` route
/// whose plugin declares no models.
pub(crate) fn route_problems(config: &Config, models: &HashMap<&str, &[String]>) -> Vec<String> {
    let mut problems = Vec::new();
    for r in &config.routes {
        let Some(models) = models.get(r.decoder.as_str()) else { continue };
        if matches!(r.devicetypes, Some(Devicetypes::All(_))) {
            if models.is_empty() {
                problems.push(format!(
                    "route of decoder {} with `devicetypes: all`: its plugin declares no models (it takes any): route its devicetypes by name",
                    r.decoder
                ));
            }
            continue;
        }
        let model = r.model.as_deref().unwrap_or(&r.devicetype);
        if !models.is_empty() && !models.iter().any(|m| m == model) {
            problems.push(format!(
                "route {:?}: decoder {} does not handle model {model:?} (it handles {})",
                r.devicetype,
                r.decoder,
                models.join(", ")
            ));
        }
    }
    problems
}

/// Builds the route table of `config` from its decoder slots and sinks (both in config order):
/// every route's model must be one its decoder handles. Routes that name their devicetype come
/// first, then the models of each `devicetypes: all` route's decoder, in config order.
///
/// # Errors
/// [`Error::Routes`] with every [`route_problems`].
pub(crate) fn route_table(
    config: &Config,
    decoders: Vec<(DecoderSlot, Vec<String>)>,
    sinks: Vec<SinkSlot>,
) -> Result<RouteTable, Error> {
    let models: HashMap<&str, &[String]> =
        config.decoders.keys().zip(&decoders).map(|(n, (_, m))| (n.as_str(), m.as_slice())).collect();
    let problems = route_problems(config, &models);
    if !problems.is_empty() {
        return Err(Error::Routes(problems));
    }
    let decoder_index: HashMap<&str, usize> =
        config.decoders.keys().enumerate().map(|(i, n)| (n.as_str(), i)).collect();
    let sink_index: HashMap<&str, usize> = sinks.iter().enumerate().map(|(i, s)| (&*s.name, i)).collect();
    let mut routes = HashMap::new();
    let mut catch_all = Vec::new();
    for r in &config.routes {
        let Some(&decoder) = decoder_index.get(r.decoder.as_str()) else { continue };
        let sinks: Arc<[usize]> =
            r.sinks.iter().filter_map(|s| sink_index.get(s.as_str()).copied()).collect::<Vec<_>>().into();
        let firmware = r.firmware.as_deref().map(Arc::from);
        if matches!(r.devicetypes, Some(Devicetypes::All(_))) {
            catch_all.push(CatchAll { decoder, sinks, ordered: r.ordered, firmware });
            continue;
        }
        let model = r.model.as_deref().unwrap_or(&r.devicetype);
        routes.insert(
            Arc::from(r.devicetype.as_str()),
            RouteEntry {
                decoder,
                model: Arc::from(model),
                firmware,
                sinks,
                ordered: r.ordered,
                catch_all: false,
            },
        );
    }
    let declared: Vec<Vec<String>> = decoders.iter().map(|(_, m)| m.clone()).collect();
    let dead_letter = sink_index.get(config.dead_letter.as_str()).copied();
    let mut table = RouteTable {
        routes,
        decoders: decoders.into_iter().map(|(d, _)| d).collect(),
        sinks,
        dead_letter,
        catch_all,
    };
    let all: Vec<usize> = table.catch_all.iter().map(|c| c.decoder).collect();
    for decoder in all {
        if let Some(models) = declared.get(decoder) {
            table.catch_models(decoder, models);
        }
    }
    Ok(table)
}
