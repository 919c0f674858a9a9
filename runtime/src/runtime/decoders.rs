//! Hot reload of decoder plugins: compile (cached by content hash) -> run the plugin's own
//! vectors -> check the routes' models -> start a new pool -> swap the route table.
//!
//! Frames already sent to the old pool finish there; frames routed after the swap go to the new
//! one: nothing is lost and nothing decodes twice. A version that fails to compile, fails its
//! vectors or drops a routed model is refused, and the old one keeps running.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use super::wiring::{LoadError, Parts, decoder_pool, load_decoder};
use crate::actor::{DecodePool, Shadow, ShadowStatus};
use crate::events::{DecoderMetrics, Metrics, PluginRefused, PluginSwapped};
use crate::operator::{DecoderStatus, DecoderVersions, PluginVersion, ReloadError, ReloadOutcome};
use crate::plugin::{DecoderPlugin, Limits};

/// How one decoder is loaded, and its history.
#[derive(Debug)]
struct Entry {
    index: usize,
    path: PathBuf,
    /// The codec file of a script decoder (the config's, resolved).
    codec: Option<PathBuf>,
    limits: Limits,
    instances: usize,
    check_vectors: bool,
    /// Whether its pools tag readings with their quantity.
    quantities: bool,
    live: DecoderPlugin,
    previous: Vec<DecoderPlugin>,
    reloads: u64,
    refused: u64,
    last_error: Option<String>,
    /// Why the last refused candidate was refused; kept after a later success.
    last_refusal: Option<String>,
    metrics: DecoderMetrics,
}

impl Entry {
    /// The files this decoder is loaded from: the plugin, the codec file, and the source a codec
    /// YAML names.
    fn files(&self) -> impl Iterator<Item = &Path> {
        let codec = self.live.codec().map(|c| c.files.iter().map(PathBuf::as_path)).into_iter().flatten();
        std::iter::once(self.path.as_path()).chain(self.codec.as_deref()).chain(codec)
    }

    fn new(l: &Loaded) -> Self {
        Self {
            index: l.index,
            path: l.path.clone(),
            codec: l.codec.clone(),
            limits: l.limits,
            instances: l.instances,
            check_vectors: l.check_vectors,
            quantities: l.quantities,
            live: l.plugin.clone(),
            previous: Vec::new(),
            reloads: 0,
            refused: 0,
            last_error: None,
            last_refusal: None,
            metrics: l.metrics.clone(),
        }
    }
}

/// The decoders of a runtime and their versions.
#[derive(Debug, Clone)]
pub(crate) struct Decoders {
    parts: Parts,
    entries: Arc<Mutex<BTreeMap<String, Entry>>>,
    /// One change at a time: each swaps the whole route table.
    serial: Arc<tokio::sync::Mutex<()>>,
}

/// What a decoder was loaded from, for the registry.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) name: String,
    pub(crate) index: usize,
    pub(crate) path: PathBuf,
    pub(crate) codec: Option<PathBuf>,
    pub(crate) limits: Limits,
    pub(crate) instances: usize,
    pub(crate) check_vectors: bool,
    /// Whether its pools tag readings with their quantity.
    pub(crate) quantities: bool,
    pub(crate) plugin: DecoderPlugin,
    /// The metrics handles its pool reports to (the entry shows the same in the status).
    pub(crate) metrics: DecoderMetrics,
}

impl Decoders {
    pub(crate) fn new(parts: Parts) -> Self {
        Self { parts, entries: Arc::default(), serial: Arc::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Status of every decoder.
    pub(crate) fn status(&self) -> Vec<DecoderStatus> {
        let table = self.parts.router.snapshot();
        self.lock()
            .iter()
            .map(|(name, e)| DecoderStatus {
                name: name.clone(),
                path: e.path.clone(),
                plugin: e.live.label().to_string(),
                hash: e.live.hash().to_string(),
                previous: e.previous.iter().map(|p| format!("{} {}", p.label(), p.hash())).collect(),
                reloads: e.reloads,
                refused: e.refused,
                last_error: e.last_error.clone(),
                shadow: table.decoders.get(e.index).and_then(|s| s.shadow.as_ref()).map(|s| s.status()),
                quarantined_ms: table.decoders.get(e.index).and_then(|s| s.breaker.status().0),
                quarantines: table.decoders.get(e.index).map_or(0, |s| s.breaker.status().1),
                devicetypes: e.metrics.devicetype_status(),
            })
            .collect()
    }

    /// Every decoder's versions, for the console's plugins page.
    pub(crate) fn versions(&self) -> Vec<DecoderVersions> {
        let table = self.parts.router.snapshot();
        let version = |p: &DecoderPlugin| PluginVersion {
            plugin: p.label().to_string(),
            hash: p.hash().to_string(),
            vectors_passed: p.vectors_passed(),
        };
        self.lock()
            .iter()
            .map(|(name, e)| {
                let slot = table.decoders.get(e.index);
                DecoderVersions {
                    name: name.clone(),
                    path: e.path.clone(),
                    live: version(&e.live),
                    shadow: slot.and_then(|s| s.shadow.as_ref()).map(|s| s.status()),
                    kept: e.previous.iter().map(version).collect(),
                    reloads: e.reloads,
                    refused: e.refused,
                    last_refusal: e.last_refusal.clone(),
                    quarantined_ms: slot.and_then(|s| s.breaker.status().0),
                }
            })
            .collect()
    }

    /// Holds off every plugin reload while the caller (a config reload) rebuilds the table.
    pub(crate) async fn exclusive(&self) -> tokio::sync::OwnedMutexGuard<()> {
        Arc::clone(&self.serial).lock_owned().await
    }

    /// The metrics handles of a decoder (made once per name).
    pub(crate) fn metrics_of(&self, name: &str, metrics: &Metrics) -> DecoderMetrics {
        self.lock().get(name).map_or_else(|| DecoderMetrics::new(metrics, name), |e| e.metrics.clone())
    }

    /// After a config reload: the decoders now loaded, at their new table positions. Entries
    /// whose plugin changed keep their old version for rollback; removed ones are dropped.
    pub(crate) fn replace_all(&self, loaded: Vec<Loaded>, changed: &[String]) {
        let mut entries = self.lock();
        let mut next = BTreeMap::new();
        for l in loaded {
            let entry = match entries.remove(&l.name) {
                Some(mut e) if !changed.contains(&l.name) => {
                    e.index = l.index;
                    e
                }
                old => {
                    let mut entry = Entry::new(&l);
                    if let Some(old) = old {
                        entry.previous = old.previous;
                        entry.previous.push(old.live);
                        entry.reloads = old.reloads + 1;
                        entry.refused = old.refused;
                        entry.last_refusal = old.last_refusal;
                    }
                    entry
                }
            };
            next.insert(l.name, entry);
        }
        *entries = next;
    }

    /// The live plugin of a decoder.
    pub(crate) fn plugin_of(&self, name: &str) -> Option<DecoderPlugin> {
        self.lock().get(name).map(|e| e.live.clone())
    }

    /// Names of the decoders loaded from `path` (their plugin, or a file of their codec).
    pub(crate) fn decoders_at(&self, path: &Path) -> Vec<String> {
        self.lock().iter().filter(|(_, e)| e.files().any(|f| f == path)).map(|(n, _)| n.clone()).collect()
    }

    /// The plugin and codec files to watch.
    pub(crate) fn paths(&self) -> Vec<PathBuf> {
        self.lock().values().flat_map(|e| e.files().map(Path::to_path_buf).collect::<Vec<_>>()).collect()
    }

    /// Loads the decoder's file again and swaps it in if it is a new, valid version.
    pub(crate) async fn reload(&self, name: &str) -> Result<ReloadOutcome, ReloadError> {
        let _one_at_a_time = self.serial.lock().await;
        let (path, codec, limits, check, live_hash) = {
            let entries = self.lock();
            let e = entries.get(name).ok_or_else(|| ReloadError::Unknown(name.to_string()))?;
            (e.path.clone(), e.codec.clone(), e.limits, e.check_vectors, e.live.hash().to_string())
        };
        let engine = self.parts.engine.clone();
        let owned = name.to_string();
        let candidate = tokio::task::spawn_blocking(move || {
            load(&engine, &owned, &path, codec.as_deref(), limits, check, Some(&live_hash))
        })
        .await
        .map_err(|_| ReloadError::Stopping)
        .and_then(|r| r);
        let candidate = match candidate {
            Ok(Some(c)) => c,
            Ok(None) => return Ok(ReloadOutcome::Unchanged),
            Err(e) => return Err(self.refuse(name, e)),
        };
        if let Err(e) = self.check_models(name, &candidate) {
            return Err(self.refuse(name, e));
        }
        self.swap_in(name, candidate, false).await
    }

    /// Starts a candidate version from `path` beside the live one: it must load, pass its own
    /// vectors and handle the routed models; then it decodes copies of live frames, compared and
    /// never stored, until promoted or stopped. A new shadow replaces the previous one.
    pub(crate) async fn shadow(&self, name: &str, path: &Path) -> Result<ShadowStatus, ReloadError> {
        let _one_at_a_time = self.serial.lock().await;
        let (index, limits, check, quantities) = {
            let entries = self.lock();
            let e = entries.get(name).ok_or_else(|| ReloadError::Unknown(name.to_string()))?;
            (e.index, e.limits, e.check_vectors, e.quantities)
        };
        let (engine, owned, path) = (self.parts.engine.clone(), name.to_string(), path.to_path_buf());
        let candidate =
            tokio::task::spawn_blocking(move || load(&engine, &owned, &path, None, limits, check, None))
                .await
                .map_err(|_| ReloadError::Stopping)??
                .ok_or(ReloadError::Stopping)?;
        self.check_models(name, &candidate)?;
        let quiet = DecoderMetrics::new(&Metrics::default(), name);
        let pool = self.start_pool(&candidate, 1, quiet, quantities).await?;
        let shadow = Arc::new(Shadow::new(candidate, pool));
        let status = shadow.status();
        self.set_shadow(index, Some(shadow));
        tracing::info!(decoder = name, candidate = %status.plugin, "Shadow run started.");
        Ok(status)
    }

    /// Makes the shadow candidate the live version (the live one is kept for rollback).
    pub(crate) async fn promote(&self, name: &str) -> Result<ReloadOutcome, ReloadError> {
        let _one_at_a_time = self.serial.lock().await;
        let index =
            self.lock().get(name).map(|e| e.index).ok_or_else(|| ReloadError::Unknown(name.to_string()))?;
        let table = self.parts.router.snapshot();
        let shadow = table
            .decoders
            .get(index)
            .and_then(|s| s.shadow.clone())
            .ok_or_else(|| ReloadError::NoShadow(name.to_string()))?;
        let outcome = self.swap_in(name, shadow.plugin.clone(), false).await?;
        self.set_shadow(index, None);
        Ok(outcome)
    }

    fn set_shadow(&self, index: usize, shadow: Option<Arc<Shadow>>) {
        let mut table = (*self.parts.router.snapshot()).clone();
        if let Some(slot) = table.decoders.get_mut(index) {
            slot.shadow = shadow;
        }
        self.parts.router.swap(table);
    }

    /// Goes back to the previous version.
    pub(crate) async fn rollback(&self, name: &str) -> Result<ReloadOutcome, ReloadError> {
        let _one_at_a_time = self.serial.lock().await;
        let previous = {
            let mut entries = self.lock();
            let e = entries.get_mut(name).ok_or_else(|| ReloadError::Unknown(name.to_string()))?;
            e.previous.pop().ok_or_else(|| ReloadError::NoPrevious(name.to_string()))?
        };
        self.swap_in(name, previous, true).await
    }

    fn refuse(&self, name: &str, e: ReloadError) -> ReloadError {
        let text = crate::actor::error_chain(&e);
        if let Some(entry) = self.lock().get_mut(name) {
            PluginRefused { metrics: &entry.metrics, decoder: name, error: &text }.emit();
            entry.refused += 1;
            entry.last_refusal = Some(text.clone());
            entry.last_error = Some(text);
        }
        e
    }

    fn check_models(&self, name: &str, candidate: &DecoderPlugin) -> Result<(), ReloadError> {
        let index = self.lock().get(name).map(|e| e.index);
        let table = self.parts.router.snapshot();
        let models = &candidate.metadata().models;
        let mut missing: Vec<String> = table
            .routes
            .values()
            .filter(|r| Some(r.decoder) == index && !r.catch_all)
            .map(|r| r.model.to_string())
            .filter(|m| !models.is_empty() && !models.contains(m))
            .collect();
        missing.sort();
        missing.dedup();
        if missing.is_empty() {
            Ok(())
        } else {
            Err(ReloadError::Models { name: name.to_string(), models: missing })
        }
    }

    async fn swap_in(
        &self,
        name: &str,
        plugin: DecoderPlugin,
        rollback: bool,
    ) -> Result<ReloadOutcome, ReloadError> {
        let (index, instances, metrics, quantities) = {
            let entries = self.lock();
            let e = entries.get(name).ok_or_else(|| ReloadError::Unknown(name.to_string()))?;
            (e.index, e.instances, e.metrics.clone(), e.quantities)
        };
        let pool = self.start_pool(&plugin, instances, metrics, quantities).await?;
        let mut table = (*self.parts.router.snapshot()).clone();
        if let Some(slot) = table.decoders.get_mut(index) {
            slot.label = Arc::clone(plugin.label());
            slot.pool = pool;
            slot.breaker.reset();
        }
        let added = table.catch_models(index, &plugin.metadata().models);
        self.parts.router.swap(table);
        if !added.is_empty() {
            tracing::info!(decoder = name, models = ?added, "New models routed (devicetypes: all).");
        }
        let outcome =
            ReloadOutcome::Swapped { plugin: plugin.label().to_string(), hash: plugin.hash().to_string() };
        let mut entries = self.lock();
        if let Some(e) = entries.get_mut(name) {
            let old = std::mem::replace(&mut e.live, plugin);
            if !rollback {
                e.previous.push(old);
            }
            e.reloads += 1;
            e.last_error = None;
            let (plugin, hash) = (e.live.label().to_string(), e.live.hash().to_string());
            PluginSwapped { metrics: &e.metrics, decoder: name, plugin: &plugin, hash: &hash, rollback }
                .emit();
        }
        Ok(outcome)
    }

    /// Starts a decoder pool on the actor system; with `quantities`, it tags readings.
    pub(crate) async fn start_pool(
        &self,
        plugin: &DecoderPlugin,
        instances: usize,
        metrics: DecoderMetrics,
        quantities: bool,
    ) -> Result<DecodePool, ReloadError> {
        decoder_pool(&self.parts.system, plugin, instances, metrics, self.parts.quantities(quantities))
            .await
            .map_err(|_| ReloadError::Stopping)
    }
}

/// Loads a candidate; `None` when it is the version already live. Blocking.
fn load(
    engine: &crate::plugin::Engine,
    name: &str,
    path: &Path,
    codec: Option<&Path>,
    limits: Limits,
    check: bool,
    live_hash: Option<&str>,
) -> Result<Option<DecoderPlugin>, ReloadError> {
    load_decoder(engine, path, codec, limits, check, live_hash).map_err(|e| match e {
        LoadError::Plugin(source) => ReloadError::Plugin { name: name.to_string(), source },
        LoadError::Vectors(failures) => ReloadError::Vectors { name: name.to_string(), failures },
    })
}
