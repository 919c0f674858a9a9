//! The embedding API: [`Builder`] -> [`Handle`] -> shutdown.

mod reconfigure;
pub(crate) mod transports;

use transports::Transports;

pub use reconfigure::ConfigReloadReport;

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use tokio::sync::{broadcast, watch};

use crate::actor::system::{ConnectorPlan, RoutePlan};
use crate::actor::{
    self, DecoderStatus, Ingest, IngestError, Loaded, Registry, ReloadError, ReloadOutcome, Route,
};
use crate::config::{Config, ConfigErrors, Secrets};
use crate::message::{Frame, FrameOutcome, ReadingBatch};
use crate::plugin::bindings::{Command, Event};
use crate::plugin::{ConnectorPlugin, Engine, PluginError};
use crate::sink::SinkError;
use crate::transport::TransportError;

/// Errors of starting or running a runtime.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The configuration is invalid; every error is listed.
    #[error(transparent)]
    Config(#[from] ConfigErrors),
    /// A plugin cannot be loaded.
    #[error("plugin {name} ({path}) cannot be loaded")]
    Plugin {
        /// Decoder or connector name.
        name: String,
        /// Plugin file.
        path: String,
        /// Cause.
        #[source]
        source: PluginError,
    },
    /// A decoder fails its own test vectors and is refused.
    #[error("decoder {name} fails {} of its own vectors: {}", failures.len(), failures.join("; "))]
    Vectors {
        /// Decoder name.
        name: String,
        /// One line per failing vector.
        failures: Vec<String>,
    },
    /// Routes name models their decoder does not handle.
    #[error("{}", .0.join("; "))]
    Routes(Vec<String>),
    /// A sink cannot be opened.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// A transport cannot start.
    #[error("connector {name}: transport cannot start")]
    Transport {
        /// Connector name.
        name: String,
        /// Cause.
        #[source]
        source: TransportError,
    },
    /// A config reload could not be applied.
    #[error("config reload refused: {0}")]
    Reload(String),
    /// Pushing frames failed.
    #[error(transparent)]
    Ingest(#[from] IngestError),
    /// The runtime's own threads failed.
    #[error("runtime failure: {0}")]
    Runtime(String),
}

/// Builds a runtime from a [`Config`].
///
/// ```no_run
/// # async fn run() -> Result<(), passerelle::Error> {
/// let handle = passerelle::Builder::from_file("examples/quickstart.ron")?.start().await?;
/// // ... push frames with `handle.push`, read `handle.readings()` ...
/// handle.shutdown().await
/// # }
/// ```
#[derive(Debug)]
pub struct Builder {
    config: Config,
    secrets: Secrets,
    offline: bool,
}

impl Builder {
    /// A builder for a parsed config; it is validated by [`Builder::start`].
    pub fn new(config: Config) -> Self {
        Self { config, secrets: Secrets::default(), offline: false }
    }

    /// Starts no transport, no operator endpoint and no file watcher: for tools that work on a
    /// config's decoders and sinks beside a running daemon (dead-letter replay).
    #[must_use]
    pub fn offline(mut self) -> Self {
        self.offline = true;
        self
    }

    /// Supplies a secret the config names in a `*_env` field, instead of the environment.
    #[must_use]
    pub fn secret(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.secrets.insert(name, value);
        self
    }

    /// Reads, parses and validates a config file.
    ///
    /// # Errors
    /// [`Error::Config`] with every error, located.
    pub fn from_file(path: impl AsRef<Path>) -> Result<Self, Error> {
        let config = Config::from_file(path.as_ref())?;
        config.validate()?;
        Ok(Self::new(config))
    }

    /// Loads plugins, opens sinks, starts the actor graph and the transports.
    ///
    /// Must be awaited inside a tokio runtime (multi-thread recommended): transports run on it.
    /// Compiling plugins and opening sinks run on blocking threads.
    ///
    /// # Errors
    /// Any [`Error`]; nothing keeps running on error.
    pub async fn start(self) -> Result<Handle, Error> {
        let Self { mut config, secrets, offline } = self;
        if offline {
            config.watch_plugins = false;
            #[cfg(feature = "admin")]
            {
                config.admin = None;
            }
        }
        config.validate()?;
        let config = Arc::new(config);
        let cfg = Arc::clone(&config);
        let (plan, subscriptions) = tokio::task::spawn_blocking(move || plan(&cfg))
            .await
            .map_err(|e| Error::Runtime(format!("loading plugins panicked: {e}")))??;
        let loaded: Vec<Loaded> = plan
            .decoders
            .iter()
            .enumerate()
            .map(|(index, d)| Loaded {
                name: d.name.clone(),
                index,
                path: d.path.clone(),
                limits: d.limits,
                instances: d.instances,
                check_vectors: d.check_vectors,
                plugin: d.plugin.clone(),
            })
            .collect();
        let engine = plan.engine.clone();
        let metrics = plan.metrics.clone();
        let mut running = actor::system::start(plan).await.map_err(|e| Error::Runtime(e.to_string()))?;
        let ingests = std::mem::take(&mut running.ingests);
        let registry =
            Registry::new(engine, running.system.arbiter().clone(), running.router.clone(), &metrics, loaded);
        let watcher = if config.watch_plugins {
            Some(
                actor::watch(registry.clone())
                    .map_err(|e| Error::Runtime(format!("cannot watch plugins: {e}")))?,
            )
        } else {
            None
        };
        let (stop_tx, stop_rx) = watch::channel(false);
        let (reload_tx, reload_rx) = tokio::sync::mpsc::channel(4);
        let mut handle = Handle {
            running: Some(running),
            reload_tx,
            reload_rx: tokio::sync::Mutex::new(reload_rx),
            config: std::sync::Mutex::new((*config).clone()),
            registry,
            metrics,
            _watcher: watcher,
            stop: stop_tx,
            transports: Transports::default(),
            ingests: std::sync::Mutex::new(ingests),
            secrets: secrets.clone(),
            admin_addr: None,
            admin_task: None,
        };
        for (name, c) in config.connectors.iter().filter(|_| !offline) {
            let transport = match c.transport.build(&secrets, &config.source().base_dir).await {
                Ok(Some(t)) => t,
                Ok(None) => continue,
                Err(source) => {
                    handle.stop_all().await;
                    return Err(Error::Transport { name: name.clone(), source });
                }
            };
            let Some(ingest) = handle.ingest(name) else {
                continue;
            };
            let subscriptions = subscriptions.get(name).cloned().unwrap_or_default();
            match handle.transports.start(name, transport, ingest, subscriptions).await {
                Ok(()) => {}
                Err(source) => {
                    handle.stop_all().await;
                    return Err(Error::Transport { name: name.clone(), source });
                }
            }
        }
        #[cfg(feature = "admin")]
        if let Some(admin) = &config.admin {
            let token = match secrets.get(&admin.token_env) {
                Some(t) => t,
                None => {
                    handle.stop_all().await;
                    return Err(Error::Transport {
                        name: "admin".into(),
                        source: TransportError::MissingSecret(admin.token_env.clone()),
                    });
                }
            };
            let started = crate::admin::start(
                admin,
                token,
                handle.registry.clone(),
                handle.metrics.clone(),
                handle.transports.clone(),
                handle.reload_tx.clone(),
                stop_rx.clone(),
            )
            .await;
            match started {
                Ok(s) => {
                    handle.admin_addr = Some(s.addr);
                    handle.admin_task = Some(s.task);
                }
                Err(source) => {
                    handle.stop_all().await;
                    let addr = admin.listen.clone();
                    return Err(Error::Transport {
                        name: "admin".into(),
                        source: TransportError::Bind { addr, source },
                    });
                }
            }
        }
        Ok(handle)
    }
}

/// What each connector plugin asked to subscribe to in its answer to `start`, by connector.
type Subscriptions = HashMap<String, Vec<String>>;

/// Compiles and checks every plugin (each connector answers `start` once, eagerly, so a bad
/// setting refuses the config), opens every sink. Blocking.
fn plan(config: &Config) -> Result<(actor::system::Plan, Subscriptions), Error> {
    let cache = config.compile_cache.as_ref().map(|p| config.resolve(p));
    let engine = Engine::new(cache.as_deref()).map_err(|source| Error::Plugin {
        name: "engine".into(),
        path: String::new(),
        source,
    })?;
    let sink_names: Vec<&String> = config.sinks.keys().collect();
    let sink_index = |n: &str| sink_names.iter().position(|s| s.as_str() == n).unwrap_or(0);
    let mut decoders = Vec::new();
    for (name, d) in &config.decoders {
        decoders.push(reconfigure::load_decoder(&engine, config, name, d)?);
    }
    let mut connectors = Vec::new();
    let mut subscriptions = Subscriptions::new();
    for (name, c) in &config.connectors {
        let (plan, wanted) = load_connector(&engine, config, name, c)?;
        subscriptions.insert(name.clone(), wanted);
        connectors.push(plan);
    }
    let mut routes = Vec::new();
    let mut unknown_models = Vec::new();
    for r in &config.routes {
        let Some(decoder) = decoders.iter().position(|d| d.name == r.decoder) else {
            continue;
        };
        let model = r.model.clone().unwrap_or_else(|| r.devicetype.clone());
        let models = &decoders.get(decoder).map(|d| d.plugin.metadata().models.clone()).unwrap_or_default();
        if !models.is_empty() && !models.contains(&model) {
            unknown_models.push(format!(
                "route {:?}: decoder {} does not handle model {model:?} (it handles {})",
                r.devicetype,
                r.decoder,
                models.join(", ")
            ));
        }
        let sinks = r.sinks.iter().map(|s| sink_index(s)).collect();
        routes.push(RoutePlan { devicetype: r.devicetype.clone(), decoder, model, sinks });
    }
    if !unknown_models.is_empty() {
        return Err(Error::Routes(unknown_models));
    }
    let mut sinks = Vec::new();
    for (name, s) in &config.sinks {
        sinks.push((name.clone(), s.build(name, config)?));
    }
    let plan = actor::system::Plan {
        metrics: crate::events::Metrics::default(),
        engine,
        decoders,
        connectors,
        sinks,
        routes,
        dead_letter: sink_index(&config.dead_letter),
    };
    Ok((plan, subscriptions))
}

/// Compiles a connector plugin and runs its `start` once, eagerly, on a throwaway instance: a
/// bad setting fails here, not on the first message, and the transport learns the channels to
/// subscribe to before connecting. Blocking.
pub(crate) fn load_connector(
    engine: &Engine,
    config: &Config,
    name: &str,
    c: &crate::config::ConnectorConfig,
) -> Result<(ConnectorPlan, Vec<String>), Error> {
    let path = config.resolve(&c.plugin);
    let fail = |source| Error::Plugin { name: name.to_string(), path: path.display().to_string(), source };
    let compiled = engine.compile_file(&path).map_err(fail)?;
    let plugin = ConnectorPlugin::new(engine, &compiled, c.limits, name).map_err(fail)?;
    let settings: Vec<(String, String)> = c.settings.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
    let commands = plugin.instance().handle(&Event::Start(settings.clone())).map_err(fail)?;
    let wanted = commands
        .into_iter()
        .filter_map(|c| match c {
            Command::Subscribe(channel) => Some(channel),
            _ => None,
        })
        .collect();
    let plan = ConnectorPlan {
        name: name.to_string(),
        plugin,
        instances: c.instances,
        settings,
        readings_sinks: c.sinks.clone(),
    };
    Ok((plan, wanted))
}

/// What a dead-letter replay did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReplayReport {
    /// Entries run through the decoders again.
    pub replayed: usize,
    /// Of those, decoded and stored now (their entries are deleted).
    pub stored: usize,
    /// Of those, still failing (their entries stay).
    pub still_failing: usize,
    /// Entries refused whole by a connector, not replayable (the sender must fix the request).
    pub skipped: usize,
}

/// A request to reload the config file, made through the operator endpoint
/// (`POST /config/reload`, `passerelle reload`): the owner of the handle reads its config file
/// again, calls [`Handle::reload_config`] and answers with [`ReloadRequest::answer`].
#[derive(Debug)]
pub struct ReloadRequest {
    reply: tokio::sync::oneshot::Sender<Result<ConfigReloadReport, String>>,
}

impl ReloadRequest {
    pub(crate) fn new() -> (Self, tokio::sync::oneshot::Receiver<Result<ConfigReloadReport, String>>) {
        let (reply, rx) = tokio::sync::oneshot::channel();
        (Self { reply }, rx)
    }

    /// Answers the requester with what the reload did.
    pub fn answer(self, result: Result<ConfigReloadReport, String>) {
        let _ = self.reply.send(result);
    }
}

/// A running Passerelle: push frames, watch readings, find transports, shut down.
#[derive(Debug)]
pub struct Handle {
    running: Option<actor::system::Running>,
    reload_tx: tokio::sync::mpsc::Sender<ReloadRequest>,
    reload_rx: tokio::sync::Mutex<tokio::sync::mpsc::Receiver<ReloadRequest>>,
    config: std::sync::Mutex<Config>,
    registry: Registry,
    metrics: crate::events::Metrics,
    _watcher: Option<notify::RecommendedWatcher>,
    stop: watch::Sender<bool>,
    transports: Transports,
    ingests: std::sync::Mutex<HashMap<String, Ingest>>,
    secrets: Secrets,
    admin_addr: Option<SocketAddr>,
    admin_task: Option<tokio::task::JoinHandle<()>>,
}

impl Handle {
    /// Routes frames as if a transport had received them; resolves once each is committed or
    /// dead-lettered, with one outcome per frame, in order.
    ///
    /// # Errors
    /// [`Error::Ingest`] when a sink failed to commit (nothing may be acknowledged) or the
    /// runtime is stopping.
    pub async fn push(&self, frames: Vec<Frame>) -> Result<Vec<FrameOutcome>, Error> {
        let running = self.running.as_ref().ok_or_else(|| Error::Runtime("runtime is shut down".into()))?;
        let outcomes =
            running.router.route(Route { frames, ..Route::default() }).await.map_err(IngestError::from)?;
        Ok(outcomes)
    }

    /// The inbound door of a connector, to feed it from the host (its plugin runs, then the router).
    pub fn ingest(&self, connector: &str) -> Option<Ingest> {
        self.ingests.lock().ok()?.get(connector).cloned()
    }

    /// Committed readings, one batch per sink commit of the first sink of each route. A slow
    /// receiver loses the oldest batches (see `broadcast`), never the stored data.
    pub fn readings(&self) -> broadcast::Receiver<ReadingBatch> {
        match &self.running {
            Some(r) => r.router.tap.subscribe(),
            None => broadcast::channel(1).1,
        }
    }

    /// The runtime's metrics (render them with [`crate::events::Metrics::render`]).
    pub fn metrics(&self) -> &crate::events::Metrics {
        &self.metrics
    }

    /// Status of every decoder: live version, previous versions, reloads, refusals.
    pub fn decoders(&self) -> Vec<DecoderStatus> {
        self.registry.status()
    }

    /// Loads a decoder's plugin file again and swaps it in if it is a new version that passes
    /// its own vectors and handles every model routed to it. The file watcher calls this on
    /// every change when `watch_plugins` is on.
    ///
    /// # Errors
    /// [`ReloadError`]: the candidate is refused and the live version keeps running.
    pub async fn reload_decoder(&self, name: &str) -> Result<ReloadOutcome, ReloadError> {
        self.registry.reload(name).await
    }

    /// Starts a candidate version of a decoder from `plugin` beside the live one: it decodes
    /// copies of the live frames, compared and never stored; [`Handle::decoders`] shows the
    /// agreement and the first differences.
    ///
    /// # Errors
    /// [`ReloadError`] when the candidate does not load, fails its vectors or drops a routed model.
    pub async fn shadow_decoder(
        &self,
        name: &str,
        plugin: &Path,
    ) -> Result<crate::actor::ShadowStatus, ReloadError> {
        self.registry.shadow(name, plugin).await
    }

    /// Makes a decoder's shadow candidate live; the live version is kept for rollback.
    ///
    /// # Errors
    /// [`ReloadError::NoShadow`] when none runs.
    pub async fn promote_decoder(&self, name: &str) -> Result<ReloadOutcome, ReloadError> {
        self.registry.promote(name).await
    }

    /// Goes back to the decoder's previous version.
    ///
    /// # Errors
    /// [`ReloadError::NoPrevious`] when there is none.
    pub async fn rollback_decoder(&self, name: &str) -> Result<ReloadOutcome, ReloadError> {
        self.registry.rollback(name).await
    }

    /// The address the operator endpoint listens on, when the config has one.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin_addr
    }

    /// The next config reload request from the operator endpoint; `None` once the runtime stops.
    pub async fn config_reload_requested(&self) -> Option<ReloadRequest> {
        self.reload_rx.lock().await.recv().await
    }

    /// Runs dead-letter entries through the current decoders again (all of them, or those that
    /// route to `decoder`): what now decodes is stored, once, and its entry deleted; what still
    /// fails stays, under its new stage if that changed. Entries refused whole by a connector
    /// (a malformed request) are left for the sender to fix.
    ///
    /// # Errors
    /// A sink that cannot be read or written.
    pub async fn replay_dead_letters(&self, decoder: Option<&str>) -> Result<ReplayReport, Error> {
        let running = self.running.as_ref().ok_or_else(|| Error::Runtime("runtime is shut down".into()))?;
        let table = running.router.snapshot();
        let Some((_, sink)) = table.sinks.get(table.dead_letter) else { return Ok(ReplayReport::default()) };
        let entries = sink.dead_letters().await?;
        let decoder_of = |devicetype: &str| {
            table
                .routes
                .get(devicetype)
                .and_then(|r| table.decoders.get(r.decoder))
                .map(|d| d.name.to_string())
        };
        let mut report = ReplayReport::default();
        let mut todo = Vec::new();
        for e in entries {
            if e.stage == crate::message::Stage::Connector.as_str() {
                report.skipped += 1;
                continue;
            }
            if decoder.is_some_and(|d| decoder_of(&e.devicetype).as_deref() != Some(d)) {
                continue;
            }
            todo.push(e);
        }
        for chunk in todo.chunks(crate::plugin::DEFAULT_MAX_BATCH) {
            let frames = chunk
                .iter()
                .map(|e| Frame {
                    device: Arc::from(e.device.as_str()),
                    devicetype: Arc::from(e.devicetype.as_str()),
                    port: e.port,
                    payload: e.payload.clone(),
                    received_ms: e.received_ms,
                    connector: Arc::from(e.connector.as_str()),
                })
                .collect();
            let replayed = chunk.iter().map(|e| Some((e.id, e.stage.clone()))).collect();
            let outcomes = running
                .router
                .route(Route { frames, replayed, ..Route::default() })
                .await
                .map_err(IngestError::from)?;
            for o in outcomes {
                report.replayed += 1;
                match o {
                    FrameOutcome::Stored { .. } => report.stored += 1,
                    FrameOutcome::DeadLettered { .. } => report.still_failing += 1,
                }
            }
        }
        Ok(report)
    }

    /// The address a connector's server transport listens on.
    pub fn local_addr(&self, connector: &str) -> Option<SocketAddr> {
        self.transports.addr(connector)
    }

    async fn stop_all(&mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.admin_task.take() {
            let _ = task.await;
        }
        self.transports.stop_all().await;
        if let Some(running) = self.running.take() {
            running.system.stop();
            let thread = running.thread;
            let _ = tokio::task::spawn_blocking(move || thread.join()).await;
        }
    }

    /// Stops the transports (in-flight requests finish and are answered), then the actors.
    ///
    /// # Errors
    /// Never today; reserved for sinks that flush on shutdown.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        self.stop_all().await;
        Ok(())
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.transports.signal_all();
        if let Some(running) = self.running.take() {
            running.system.stop();
        }
    }
}
