//! Hot reload of decoder plugins: compile (cached by content hash) -> run the plugin's own
//! vectors -> check the routes' models -> start a new pool -> swap the route table.
//!
//! Frames already sent to the old pool finish there; frames routed after the swap go to the new
//! one: nothing is lost and nothing decodes twice. A version that fails to compile, fails its
//! vectors or drops a routed model is refused, and the old one keeps running.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use actix::{Addr, SyncArbiter};
use tokio::sync::oneshot;

use super::shadow::{Shadow, ShadowStatus};
use super::{DecoderActor, Router};
use crate::events::{DecoderMetrics, Metrics, PluginRefused, PluginSwapped};
use crate::plugin::{DecoderPlugin, Engine, Limits, PluginError};

/// How one decoder is loaded, and its history.
#[derive(Debug)]
struct Entry {
    index: usize,
    path: PathBuf,
    limits: Limits,
    instances: usize,
    check_vectors: bool,
    live: DecoderPlugin,
    previous: Vec<DecoderPlugin>,
    reloads: u64,
    refused: u64,
    last_error: Option<String>,
    metrics: DecoderMetrics,
}

impl Entry {
    fn new(l: &Loaded, metrics: &Metrics) -> Self {
        Self {
            index: l.index,
            path: l.path.clone(),
            limits: l.limits,
            instances: l.instances,
            check_vectors: l.check_vectors,
            live: l.plugin.clone(),
            previous: Vec::new(),
            reloads: 0,
            refused: 0,
            last_error: None,
            metrics: DecoderMetrics::new(metrics, &l.name),
        }
    }
}

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

/// The decoders of a runtime and their versions.
#[derive(Debug, Clone)]
pub(crate) struct Registry {
    engine: Engine,
    arbiter: actix::ArbiterHandle,
    router: Router,
    entries: Arc<Mutex<BTreeMap<String, Entry>>>,
    /// One reload at a time: each swaps the whole route table.
    serial: Arc<tokio::sync::Mutex<()>>,
}

/// What a decoder was loaded from, for the registry.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub(crate) name: String,
    pub(crate) index: usize,
    pub(crate) path: PathBuf,
    pub(crate) limits: Limits,
    pub(crate) instances: usize,
    pub(crate) check_vectors: bool,
    pub(crate) plugin: DecoderPlugin,
}

impl Registry {
    pub(crate) fn new(
        engine: Engine,
        arbiter: actix::ArbiterHandle,
        router: Router,
        metrics: &Metrics,
        loaded: Vec<Loaded>,
    ) -> Self {
        let entries = loaded
            .into_iter()
            .map(|l| {
                let entry = Entry::new(&l, metrics);
                (l.name, entry)
            })
            .collect();
        Self { engine, arbiter, router, entries: Arc::new(Mutex::new(entries)), serial: Arc::default() }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Status of every decoder.
    pub(crate) fn status(&self) -> Vec<DecoderStatus> {
        let table = self.router.snapshot();
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
            })
            .collect()
    }

    /// Holds off every plugin reload while the caller (a config reload) rebuilds the table.
    pub(crate) async fn exclusive(&self) -> tokio::sync::OwnedMutexGuard<()> {
        Arc::clone(&self.serial).lock_owned().await
    }

    /// The engine plugins compile with.
    pub(crate) fn engine(&self) -> &Engine {
        &self.engine
    }

    /// The metrics handles of a decoder (made once per name).
    pub(crate) fn metrics_of(&self, name: &str, metrics: &Metrics) -> DecoderMetrics {
        self.lock().get(name).map_or_else(|| DecoderMetrics::new(metrics, name), |e| e.metrics.clone())
    }

    /// After a config reload: the decoders now loaded, at their new table positions. Entries
    /// whose plugin changed keep their old version for rollback; removed ones are dropped.
    pub(crate) fn replace_all(&self, loaded: Vec<Loaded>, changed: &[String], metrics: &Metrics) {
        let mut entries = self.lock();
        let mut next = BTreeMap::new();
        for l in loaded {
            let entry = match entries.remove(&l.name) {
                Some(mut e) if !changed.contains(&l.name) => {
                    e.index = l.index;
                    e
                }
                old => {
                    let mut entry = Entry::new(&l, metrics);
                    if let Some(old) = old {
                        entry.previous = old.previous;
                        entry.previous.push(old.live);
                        entry.reloads = old.reloads + 1;
                        entry.refused = old.refused;
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

    /// Names of the decoders loaded from `path`.
    pub(crate) fn decoders_at(&self, path: &Path) -> Vec<String> {
        self.lock().iter().filter(|(_, e)| e.path == path).map(|(n, _)| n.clone()).collect()
    }

    /// The plugin files to watch.
    pub(crate) fn paths(&self) -> Vec<PathBuf> {
        self.lock().values().map(|e| e.path.clone()).collect()
    }

    /// Loads the decoder's file again and swaps it in if it is a new, valid version.
    pub(crate) async fn reload(&self, name: &str) -> Result<ReloadOutcome, ReloadError> {
        let _one_at_a_time = self.serial.lock().await;
        let (path, limits, check, live_hash) = {
            let entries = self.lock();
            let e = entries.get(name).ok_or_else(|| ReloadError::Unknown(name.to_string()))?;
            (e.path.clone(), e.limits, e.check_vectors, e.live.hash().to_string())
        };
        let engine = self.engine.clone();
        let owned = name.to_string();
        let candidate =
            tokio::task::spawn_blocking(move || load(&engine, &owned, &path, limits, check, &live_hash))
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
        let (index, limits, check) = {
            let entries = self.lock();
            let e = entries.get(name).ok_or_else(|| ReloadError::Unknown(name.to_string()))?;
            (e.index, e.limits, e.check_vectors)
        };
        let (engine, owned, path) = (self.engine.clone(), name.to_string(), path.to_path_buf());
        let candidate = tokio::task::spawn_blocking(move || load(&engine, &owned, &path, limits, check, ""))
            .await
            .map_err(|_| ReloadError::Stopping)??
            .ok_or(ReloadError::Stopping)?;
        self.check_models(name, &candidate)?;
        let quiet = DecoderMetrics::new(&Metrics::default(), name);
        let addr = self.start_pool(candidate.clone(), 1, quiet).await?;
        let shadow = Arc::new(Shadow::new(candidate, addr));
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
        let table = self.router.snapshot();
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
        let mut table = (*self.router.snapshot()).clone();
        if let Some(slot) = table.decoders.get_mut(index) {
            slot.shadow = shadow;
        }
        self.router.swap(table);
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
            entry.last_error = Some(text);
        }
        e
    }

    fn check_models(&self, name: &str, candidate: &DecoderPlugin) -> Result<(), ReloadError> {
        let index = self.lock().get(name).map(|e| e.index);
        let table = self.router.snapshot();
        let models = &candidate.metadata().models;
        let mut missing: Vec<String> = table
            .routes
            .values()
            .filter(|r| Some(r.decoder) == index)
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
        let (index, instances, metrics) = {
            let entries = self.lock();
            let e = entries.get(name).ok_or_else(|| ReloadError::Unknown(name.to_string()))?;
            (e.index, e.instances, e.metrics.clone())
        };
        let addr = self.start_pool(plugin.clone(), instances, metrics).await?;
        let mut table = (*self.router.snapshot()).clone();
        if let Some(slot) = table.decoders.get_mut(index) {
            slot.label = Arc::clone(plugin.label());
            slot.addr = addr;
        }
        self.router.swap(table);
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

    /// Starts a decoder pool on the actor system (a `SyncArbiter` needs it).
    pub(crate) async fn start_pool(
        &self,
        plugin: DecoderPlugin,
        instances: usize,
        metrics: DecoderMetrics,
    ) -> Result<Addr<DecoderActor>, ReloadError> {
        let (tx, rx) = oneshot::channel();
        let started = self.arbiter.spawn_fn(move || {
            let addr = SyncArbiter::start(instances.max(1), move || DecoderActor {
                instance: plugin.instance(),
                metrics: metrics.clone(),
            });
            let _ = tx.send(addr);
        });
        if !started {
            return Err(ReloadError::Stopping);
        }
        rx.await.map_err(|_| ReloadError::Stopping)
    }
}

/// Compiles and checks a candidate; `None` when it is the version already live. Blocking.
fn load(
    engine: &Engine,
    name: &str,
    path: &Path,
    limits: Limits,
    check: bool,
    live_hash: &str,
) -> Result<Option<DecoderPlugin>, ReloadError> {
    let fail = |source| ReloadError::Plugin { name: name.to_string(), source };
    let bytes =
        std::fs::read(path).map_err(|source| fail(PluginError::Io { path: path.to_path_buf(), source }))?;
    let compiled = engine.compile(&bytes).map_err(fail)?;
    if compiled.hash == live_hash {
        return Ok(None);
    }
    let plugin = DecoderPlugin::new(engine, &compiled, limits).map_err(fail)?;
    if check {
        let (_, failures) = plugin.check_vectors().map_err(fail)?;
        if !failures.is_empty() {
            return Err(ReloadError::Vectors {
                name: name.to_string(),
                failures: failures.iter().map(ToString::to_string).collect(),
            });
        }
    }
    Ok(Some(plugin))
}
