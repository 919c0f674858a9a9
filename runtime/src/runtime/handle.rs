//! The handle of a running runtime, and the state behind it.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};

use futures::future::BoxFuture;
use tokio::sync::{broadcast, watch};

use super::Error;
use super::connectors::Connectors;
use super::decoders::Decoders;
use super::wiring::Parts;
use crate::actor::{Ingest, Route, ShadowStatus};
use crate::config::Config;
use crate::message::{Frame, FrameOutcome, Reading, ReadingBatch};
use crate::operator::{
    ConfigReloadReport, DeadLetterFilter, DecoderStatus, DecoderVersions, FlowCounters, Operator,
    ReadingsError, ReloadError, ReloadOutcome, ReplaySelection, RouteInfo, SinkInfo, Status, TryError,
};
use crate::sink::{DeadLetter, LatestReading, Series, SeriesQuery, SinkError};

/// What a running runtime is made of; shared by the handle and the operator endpoint.
#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) parts: Parts,
    pub(crate) decoders: Decoders,
    pub(crate) connectors: Connectors,
    pub(crate) offline: bool,
    config: Mutex<Config>,
    /// Turns true when the runtime stops (the operator endpoint and the watcher stop too).
    pub(crate) stop: watch::Sender<bool>,
}

impl Inner {
    pub(crate) fn new(parts: Parts, offline: bool) -> Self {
        Self {
            decoders: Decoders::new(parts.clone()),
            parts,
            connectors: Connectors::default(),
            offline,
            config: Mutex::new(Config::default()),
            stop: watch::channel(false).0,
        }
    }

    /// The config in force.
    pub(crate) fn config(&self) -> Config {
        self.config.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }

    pub(crate) fn set_config(&self, config: Config) {
        *self.config.lock().unwrap_or_else(PoisonError::into_inner) = config;
    }

    /// Stops everything: operator endpoint, connectors (units in flight answered first),
    /// sinks, then the actors.
    pub(crate) async fn stop_all(&self) {
        let _ = self.stop.send(true);
        self.connectors.stop_all().await;
        for slot in &self.parts.router.snapshot().sinks {
            let _ = slot.sink.shutdown().await;
        }
        self.parts.system.stop().await;
    }

    /// Reads the config file the runtime was started from again, and applies it.
    pub(crate) async fn reload_config_file(&self) -> Result<ConfigReloadReport, Error> {
        let path = self.config().origin_file().ok_or_else(|| Error::NoConfigFile(self.config().origin()))?;
        // File I/O stays off the executor threads.
        let read = tokio::task::spawn_blocking(move || Config::from_file(&path))
            .await
            .map_err(|e| Error::Runtime(format!("reading the config failed: {e}")))?;
        let result = match read {
            Ok(config) => self.apply(config).await,
            Err(errors) => Err(Error::Config(errors)),
        };
        if let Err(e) = &result {
            tracing::error!(error = %crate::actor::error_chain(e), "Config reload refused; the running config stays.");
        }
        result
    }
}

impl Operator for Inner {
    fn status(&self) -> Status {
        Status { decoders: self.decoders.status(), connectors: self.connectors.status() }
    }

    fn metrics_text(&self) -> String {
        self.parts.metrics.render()
    }

    fn reload_decoder<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<ReloadOutcome, ReloadError>> {
        Box::pin(self.decoders.reload(name))
    }

    fn rollback_decoder<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<ReloadOutcome, ReloadError>> {
        Box::pin(self.decoders.rollback(name))
    }

    fn shadow_decoder<'a>(
        &'a self,
        name: &'a str,
        plugin: &'a Path,
    ) -> BoxFuture<'a, Result<ShadowStatus, ReloadError>> {
        Box::pin(self.decoders.shadow(name, plugin))
    }

    fn promote_decoder<'a>(&'a self, name: &'a str) -> BoxFuture<'a, Result<ReloadOutcome, ReloadError>> {
        Box::pin(self.decoders.promote(name))
    }

    fn reload_config_file(&self) -> BoxFuture<'_, Result<ConfigReloadReport, String>> {
        Box::pin(
            async move { Inner::reload_config_file(self).await.map_err(|e| crate::actor::error_chain(&e)) },
        )
    }

    fn routes(&self) -> Vec<RouteInfo> {
        Inner::routes(self)
    }

    fn counters(&self) -> FlowCounters {
        Inner::counters(self)
    }

    fn try_frame(
        &self,
        devicetype: &str,
        port: u8,
        payload: Vec<u8>,
    ) -> BoxFuture<'_, Result<Vec<Reading>, TryError>> {
        let devicetype = devicetype.to_string();
        Box::pin(async move { Inner::try_frame(self, &devicetype, port, payload).await })
    }

    fn dead_letters(&self, filter: DeadLetterFilter) -> BoxFuture<'_, Result<Vec<DeadLetter>, SinkError>> {
        Box::pin(async move { Inner::dead_letters(self, &filter).await })
    }

    fn plugins(&self) -> Vec<DecoderVersions> {
        self.decoders.versions()
    }

    fn sinks(&self) -> Vec<SinkInfo> {
        Inner::sinks(self)
    }

    fn latest_readings(
        &self,
        sink: Option<String>,
        limit: usize,
    ) -> BoxFuture<'_, Result<(String, Vec<LatestReading>), ReadingsError>> {
        Box::pin(async move { Inner::latest_readings(self, sink.as_deref(), limit).await })
    }

    fn series(
        &self,
        sink: Option<String>,
        query: SeriesQuery,
    ) -> BoxFuture<'_, Result<(String, Series), ReadingsError>> {
        Box::pin(async move { Inner::series(self, sink.as_deref(), query).await })
    }

    fn replay(&self, selection: ReplaySelection) -> BoxFuture<'_, Result<super::ReplayReport, Error>> {
        Box::pin(async move { Inner::replay(self, &selection).await })
    }
}

/// A running Passerelle: push frames, watch readings, change it while it runs, shut it down.
#[derive(Debug)]
pub struct Handle {
    pub(crate) inner: Arc<Inner>,
    pub(crate) watcher: Option<notify::RecommendedWatcher>,
    pub(crate) admin: Option<(SocketAddr, tokio::task::JoinHandle<()>)>,
}

impl Handle {
    /// Routes frames as if a transport had received them; resolves once each is committed or
    /// dead-lettered, with one outcome per frame, in order.
    ///
    /// # Errors
    /// [`Error::NotCommitted`] when a sink failed to commit or is full, or the runtime is
    /// stopping: push the same frames again after its `retry_after`.
    pub async fn push(&self, frames: Vec<Frame>) -> Result<Vec<FrameOutcome>, Error> {
        self.inner.parts.router.route(Route { frames, ..Route::default() }).await.map_err(|e| {
            Error::NotCommitted { reason: crate::actor::error_chain(&e), retry_after: e.retry_after() }
        })
    }

    /// The inbound door of a connector, to feed it from the host (its plugin runs, then the
    /// router), as its transport does.
    pub fn ingest(&self, connector: &str) -> Option<Ingest> {
        self.inner.connectors.ingest(connector)
    }

    /// Committed readings, one batch per sink commit of the first sink of each route. A slow
    /// receiver loses the oldest batches (see `broadcast`), never the stored data.
    pub fn readings(&self) -> broadcast::Receiver<ReadingBatch> {
        self.inner.parts.router.tap.subscribe()
    }

    /// The runtime's metrics (render them with [`crate::events::Metrics::render`]).
    pub fn metrics(&self) -> &crate::events::Metrics {
        &self.inner.parts.metrics
    }

    /// What the operator view shows: decoders with their versions, connectors.
    pub fn status(&self) -> Status {
        self.inner.status()
    }

    /// Status of every decoder: live version, previous versions, reloads, refusals.
    pub fn decoders(&self) -> Vec<DecoderStatus> {
        self.inner.decoders.status()
    }

    /// Loads a decoder's plugin file again and swaps it in if it is a new version that passes
    /// its own vectors and handles every model routed to it. The file watcher calls this on
    /// every change when `watch_plugins` is on.
    ///
    /// # Errors
    /// [`ReloadError`]: the candidate is refused and the live version keeps running.
    pub async fn reload_decoder(&self, name: &str) -> Result<ReloadOutcome, ReloadError> {
        self.inner.decoders.reload(name).await
    }

    /// Starts a candidate version of a decoder from `plugin` beside the live one: it decodes
    /// copies of the live frames, compared and never stored; [`Handle::decoders`] shows the
    /// agreement and the first differences.
    ///
    /// # Errors
    /// [`ReloadError`] when the candidate does not load, fails its vectors or drops a routed model.
    pub async fn shadow_decoder(&self, name: &str, plugin: &Path) -> Result<ShadowStatus, ReloadError> {
        self.inner.decoders.shadow(name, plugin).await
    }

    /// Makes a decoder's shadow candidate live; the live version is kept for rollback.
    ///
    /// # Errors
    /// [`ReloadError::NoShadow`] when none runs.
    pub async fn promote_decoder(&self, name: &str) -> Result<ReloadOutcome, ReloadError> {
        self.inner.decoders.promote(name).await
    }

    /// Goes back to the decoder's previous version.
    ///
    /// # Errors
    /// [`ReloadError::NoPrevious`] when there is none.
    pub async fn rollback_decoder(&self, name: &str) -> Result<ReloadOutcome, ReloadError> {
        self.inner.decoders.rollback(name).await
    }

    /// Applies a new config: decoders, routes, sinks and connectors added, removed or changed,
    /// the rest untouched. Everything new is loaded and checked before anything changes.
    ///
    /// # Errors
    /// [`Error::Config`] with every error of an invalid config, a plugin, sink or transport
    /// that cannot be loaded, or [`Error::Routes`]; in each case nothing changed. A connector
    /// that fails to start after the swap is reported as [`Error::Transport`]; the rest of the
    /// reload stays applied.
    pub async fn reload_config(&self, new: Config) -> Result<ConfigReloadReport, Error> {
        self.inner.apply(new).await
    }

    /// Reads the config file the runtime was started from again and applies it (SIGHUP to
    /// `passerelle run`, and `POST /config/reload` on the operator endpoint, do this).
    ///
    /// # Errors
    /// As [`Handle::reload_config`], and [`Error::NoConfigFile`] when the config was not read
    /// from a file.
    pub async fn reload_config_file(&self) -> Result<ConfigReloadReport, Error> {
        self.inner.reload_config_file().await
    }

    /// Decodes a frame as the route of `devicetype` would (its decoder and model), on a fresh
    /// instance of the live plugin: the `passerelle decode` contract against the running
    /// config. Nothing is stored, counted or dead-lettered.
    ///
    /// # Errors
    /// [`TryError`]: no route, a decode error, or a plugin failure.
    pub async fn try_frame(
        &self,
        devicetype: &str,
        port: u8,
        payload: Vec<u8>,
    ) -> Result<Vec<Reading>, TryError> {
        self.inner.try_frame(devicetype, port, payload).await
    }

    /// Dead-letter entries that pass `filter`, newest first, at most its limit.
    ///
    /// # Errors
    /// The dead-letter sink cannot be read.
    pub async fn dead_letters(&self, filter: &DeadLetterFilter) -> Result<Vec<DeadLetter>, SinkError> {
        self.inner.dead_letters(filter).await
    }

    /// The address the operator endpoint listens on, when the config has one.
    pub fn admin_addr(&self) -> Option<SocketAddr> {
        self.admin.as_ref().map(|(a, _)| *a)
    }

    /// The address a connector's server transport listens on.
    pub fn local_addr(&self, connector: &str) -> Option<SocketAddr> {
        self.inner.connectors.addr(connector)
    }

    /// Stops the transports (in-flight units finish and are answered), then the sinks and the
    /// actors.
    ///
    /// # Errors
    /// Never today; reserved for sinks that fail to flush on shutdown.
    pub async fn shutdown(mut self) -> Result<(), Error> {
        self.watcher = None;
        self.inner.stop_all().await;
        if let Some((_, task)) = self.admin.take() {
            let _ = task.await;
        }
        Ok(())
    }
}

impl Drop for Handle {
    fn drop(&mut self) {
        let _ = self.inner.stop.send(true);
        self.inner.connectors.signal_all();
        self.inner.parts.system.signal_stop();
    }
}
