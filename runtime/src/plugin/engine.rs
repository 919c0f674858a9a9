//! The wasmtime engine wrapper: one per runtime, with named limits and a compile cache.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wasmtime::component::Component;

use super::PluginError;

/// Interval between two epoch ticks: the granularity of call deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(1);
/// Default wall-clock deadline of one plugin call: 100 ms.
pub const DEFAULT_DEADLINE_MS: u64 = 100;
/// Default cap on the linear memory of one plugin instance: 64 MiB.
pub const DEFAULT_MEMORY_MIB: u64 = 64;
/// Default cap on the readings one frame may produce: 1000.
pub const DEFAULT_MAX_READINGS: usize = 1000;
/// Default cap on the frames given to one batched call: 256.
pub const DEFAULT_MAX_BATCH: usize = 256;
/// A connector call on an inbound unit that ran past its deadline is tried once more, on a
/// fresh instance, with this many times the deadline: 4 (a healthy call on a starved machine
/// overruns; a deadline is not the sender's fault).
pub const DEADLINE_RETRY_FACTOR: u64 = 4;
/// The longer deadline of that retry is at most this, in milliseconds: 5000 (or the deadline
/// itself when it is longer), so a retry holds a pool thread for a bounded time.
pub const DEADLINE_RETRY_MAX_MS: u64 = 5_000;

/// Limits applied to every call of one plugin. Each field defaults to its `DEFAULT_*` constant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Wall-clock deadline of one call, in milliseconds (default [`DEFAULT_DEADLINE_MS`]).
    pub deadline_ms: u64,
    /// Linear memory cap of one instance, in MiB (default [`DEFAULT_MEMORY_MIB`]).
    pub memory_mib: u64,
    /// Readings one frame may produce (default [`DEFAULT_MAX_READINGS`]).
    pub max_readings: usize,
    /// Frames per batched call (default [`DEFAULT_MAX_BATCH`]).
    pub max_batch: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            deadline_ms: DEFAULT_DEADLINE_MS,
            memory_mib: DEFAULT_MEMORY_MIB,
            max_readings: DEFAULT_MAX_READINGS,
            max_batch: DEFAULT_MAX_BATCH,
        }
    }
}

impl Limits {
    /// The deadline in epoch ticks (at least one).
    pub fn deadline_ticks(&self) -> u64 {
        let tick = u64::try_from(EPOCH_TICK.as_millis()).unwrap_or(1).max(1);
        (self.deadline_ms / tick).max(1)
    }

    /// The deadline of the retry of a call that ran past its deadline, in epoch ticks:
    /// [`DEADLINE_RETRY_FACTOR`] times the deadline, at most [`DEADLINE_RETRY_MAX_MS`] (never
    /// less than the deadline).
    pub fn retry_deadline_ticks(&self) -> u64 {
        let ticks = self.deadline_ticks();
        let tick = u64::try_from(EPOCH_TICK.as_millis()).unwrap_or(1).max(1);
        let cap = (DEADLINE_RETRY_MAX_MS / tick).max(ticks);
        ticks.saturating_mul(DEADLINE_RETRY_FACTOR).min(cap)
    }

    /// The memory cap in bytes.
    pub fn memory_bytes(&self) -> usize {
        usize::try_from(self.memory_mib.saturating_mul(1024 * 1024)).unwrap_or(usize::MAX)
    }
}

/// A compiled plugin component and the content hash it was compiled from.
#[derive(Clone)]
pub struct Compiled {
    /// The compiled component.
    pub component: Component,
    /// Hex SHA-256 of the component bytes.
    pub hash: String,
}

impl std::fmt::Debug for Compiled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Compiled").field("hash", &self.hash).finish_non_exhaustive()
    }
}

/// The wasmtime engine shared by every plugin of a runtime.
///
/// Epoch interruption is on: a background thread ticks every [`EPOCH_TICK`] and each call gets
/// its deadline in ticks. Compiles are cached in memory by content hash, and on disk by
/// wasmtime's cache when a directory is given.
#[derive(Clone)]
pub struct Engine {
    inner: wasmtime::Engine,
    compiled: Arc<DashMap<String, Component>>,
    _ticker: Arc<Ticker>,
}

impl std::fmt::Debug for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Engine").field("compiled", &self.compiled.len()).finish_non_exhaustive()
    }
}

#[derive(Debug)]
struct Ticker {
    stop: Arc<AtomicBool>,
}

impl Drop for Ticker {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

impl Engine {
    /// A new engine; `cache_dir` enables wasmtime's on-disk compile cache there.
    ///
    /// # Errors
    /// [`PluginError::Host`] when wasmtime rejects the configuration or the cache directory.
    pub fn new(cache_dir: Option<&Path>) -> Result<Self, PluginError> {
        let mut config = wasmtime::Config::new();
        config.epoch_interruption(true);
        config.wasm_component_model(true);
        if let Some(dir) = cache_dir {
            let mut cache = wasmtime::CacheConfig::new();
            cache.with_directory(dir);
            let cache = wasmtime::Cache::new(cache).map_err(|e| PluginError::host("compile cache", e))?;
            config.cache(Some(cache));
        }
        let inner = wasmtime::Engine::new(&config).map_err(|e| PluginError::host("engine", e))?;
        let stop = Arc::new(AtomicBool::new(false));
        let weak = inner.weak();
        let flag = Arc::clone(&stop);
        std::thread::Builder::new()
            .name("passerelle-epoch".into())
            .spawn(move || {
                while !flag.load(Ordering::Relaxed) {
                    std::thread::sleep(EPOCH_TICK);
                    match weak.upgrade() {
                        Some(engine) => engine.increment_epoch(),
                        None => break,
                    }
                }
            })
            .map_err(|e| PluginError::host("epoch thread", e))?;
        Ok(Self { inner, compiled: Arc::default(), _ticker: Arc::new(Ticker { stop }) })
    }

    /// The wasmtime engine.
    pub fn wasmtime(&self) -> &wasmtime::Engine {
        &self.inner
    }

    /// Compiles component bytes, reusing an earlier compile of the same content.
    ///
    /// Blocking (Cranelift): call it from a blocking thread, never an async executor.
    ///
    /// # Errors
    /// [`PluginError::Invalid`] when the bytes are not a valid component.
    pub fn compile(&self, bytes: &[u8]) -> Result<Compiled, PluginError> {
        let hash = passerelle_vectors::to_hex(&Sha256::digest(bytes));
        if let Some(component) = self.compiled.get(&hash) {
            return Ok(Compiled { component: component.clone(), hash });
        }
        let component = Component::new(&self.inner, bytes)
            .map_err(|e| PluginError::Invalid(format!("not a valid WebAssembly component: {e:#}")))?;
        self.compiled.insert(hash.clone(), component.clone());
        Ok(Compiled { component, hash })
    }

    /// Reads and compiles a component file.
    ///
    /// # Errors
    /// [`PluginError::Io`] when the file cannot be read, [`PluginError::Invalid`] when it is not a
    /// component.
    pub fn compile_file(&self, path: &Path) -> Result<Compiled, PluginError> {
        let bytes =
            std::fs::read(path).map_err(|source| PluginError::Io { path: PathBuf::from(path), source })?;
        self.compile(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::{DEADLINE_RETRY_MAX_MS, Limits};

    #[test]
    fn the_retry_deadline_is_four_times_the_deadline_within_its_bound() {
        let with = |deadline_ms| Limits { deadline_ms, ..Limits::default() }.retry_deadline_ticks();
        assert_eq!(with(100), 400);
        assert_eq!(with(1), 4);
        assert_eq!(with(2_000), DEADLINE_RETRY_MAX_MS, "bounded");
        assert_eq!(with(60_000), 60_000, "never shorter than the deadline itself");
    }
}
