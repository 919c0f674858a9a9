//! Config reload: apply the difference between the running config and a new one, without
//! touching what did not change.
//!
//! Decoders, routes, sinks and the dead-letter sink are reloadable: an unchanged decoder keeps
//! its pool and version history, an unchanged sink keeps its connection, routes are data and
//! are rebuilt whole. The new table is swapped in one step; units already routing finish on the
//! old one. An invalid config, a plugin that fails to load, or a route to a model its decoder
//! does not handle refuses the reload whole, and the running config stays.
//!
//! Connectors are reloadable too: a removed or changed connector's transport stops (its units in
//! flight are answered first), an added or changed one gets a new plugin pool and transport.
//! Their plugins and secrets are checked before anything changes; a transport that cannot bind
//! after the swap is reported, the rest of the reload stays applied.

use std::collections::HashMap;
use std::sync::Arc;

use super::{Error, Handle};
use crate::actor::system::DecoderPlan;
use crate::actor::{DecoderSlot, Loaded, RouteEntry, RouteTable};
use crate::config::{Config, DecoderConfig};
use crate::plugin::{DecoderPlugin, Engine};
use crate::sink::Sink;

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

/// Compiles and checks one decoder of a config. Blocking.
pub(crate) fn load_decoder(
    engine: &Engine,
    config: &Config,
    name: &str,
    d: &DecoderConfig,
) -> Result<DecoderPlan, Error> {
    let path = config.resolve(&d.plugin);
    let fail = |source| Error::Plugin { name: name.to_string(), path: path.display().to_string(), source };
    let compiled = engine.compile_file(&path).map_err(fail)?;
    let plugin = DecoderPlugin::new(engine, &compiled, d.limits).map_err(fail)?;
    if d.check_vectors {
        let (_, failures) = plugin.check_vectors().map_err(fail)?;
        if !failures.is_empty() {
            return Err(Error::Vectors {
                name: name.to_string(),
                failures: failures.iter().map(ToString::to_string).collect(),
            });
        }
    }
    let hash = plugin.hash().get(..12).unwrap_or_default().to_string();
    tracing::info!(decoder = %name, plugin = %plugin.label(), hash, "Decoder loaded.");
    Ok(DecoderPlan {
        name: name.to_string(),
        plugin,
        instances: d.instances,
        path: path.canonicalize().unwrap_or(path.clone()),
        limits: d.limits,
        check_vectors: d.check_vectors,
    })
}

impl Handle {
    /// Applies a new config: decoders, routes and sinks added, removed or changed, the rest
    /// untouched. `passerelle run` calls it on SIGHUP with the config file read again.
    ///
    /// # Errors
    /// [`Error::Config`] with every error of an invalid config, a plugin or sink that cannot be
    /// loaded, [`Error::Routes`], or [`Error::Reload`] for changes that need a restart; in every
    /// case nothing changed.
    pub async fn reload_config(&self, new: Config) -> Result<ConfigReloadReport, Error> {
        new.validate()?;
        let running = self.running.as_ref().ok_or_else(|| Error::Runtime("runtime is shut down".into()))?;
        let _no_plugin_reloads = self.registry.exclusive().await;
        let old = self.config.lock().map(|c| c.clone()).unwrap_or_else(|p| p.into_inner().clone());
        let mut report = ConfigReloadReport::default();
        for (name, c) in &new.connectors {
            match old.connectors.get(name) {
                None => report.connectors_added.push(name.clone()),
                Some(o) if o != c => report.connectors_changed.push(name.clone()),
                Some(_) => {}
            }
        }
        report.connectors_removed =
            old.connectors.keys().filter(|n| !new.connectors.contains_key(*n)).cloned().collect();
        // Connectors to start: their plugins load and their secrets exist, or nothing changes.
        let starting: Vec<String> =
            report.connectors_added.iter().chain(&report.connectors_changed).cloned().collect();
        let mut transports = Vec::new();
        for name in &starting {
            let c = new
                .connectors
                .get(name)
                .ok_or_else(|| Error::Reload(format!("connector {name} vanished")))?;
            let t = c
                .transport
                .build(&self.secrets, &new.source().base_dir)
                .await
                .map_err(|source| Error::Transport { name: name.clone(), source })?;
            transports.push(t);
        }
        let (engine, cfg, names) = (self.registry.engine().clone(), new.clone(), starting.clone());
        let connector_plans = tokio::task::spawn_blocking(move || {
            names
                .iter()
                .filter_map(|n| cfg.connectors.get(n).map(|c| (n, c)))
                .map(|(n, c)| super::load_connector(&engine, &cfg, n, c))
                .collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| Error::Runtime(format!("loading connector plugins failed: {e}")))??;
        let table = running.router.snapshot();

        // Decoders: keep the unchanged pools, load the rest (blocking: compile + vectors).
        let unchanged = |name: &str, d: &DecoderConfig| {
            old.decoders.get(name) == Some(d) && old.resolve(&d.plugin) == new.resolve(&d.plugin)
        };
        let to_load: Vec<(String, DecoderConfig)> = new
            .decoders
            .iter()
            .filter(|(n, d)| !unchanged(n, d))
            .map(|(n, d)| (n.clone(), d.clone()))
            .collect();
        let (engine, cfg) = (self.registry.engine().clone(), new.clone());
        let loaded: Vec<DecoderPlan> = tokio::task::spawn_blocking(move || {
            to_load.iter().map(|(n, d)| load_decoder(&engine, &cfg, n, d)).collect::<Result<Vec<_>, _>>()
        })
        .await
        .map_err(|e| Error::Runtime(format!("loading plugins failed: {e}")))??;
        let mut fresh: HashMap<String, DecoderPlan> =
            loaded.into_iter().map(|p| (p.name.clone(), p)).collect();
        let live: HashMap<String, DecoderPlugin> = self
            .registry
            .status()
            .into_iter()
            .filter_map(|s| {
                let p = self.registry.plugin_of(&s.name)?;
                Some((s.name, p))
            })
            .collect();

        let mut decoders = Vec::new();
        let mut entries = Vec::new();
        for (index, (name, d)) in new.decoders.iter().enumerate() {
            let (plugin, slot) = match fresh.remove(name) {
                Some(plan) => {
                    let metrics = self.registry.metrics_of(name, &self.metrics);
                    let addr = self
                        .registry
                        .start_pool(plan.plugin.clone(), plan.instances, metrics)
                        .await
                        .map_err(|e| Error::Reload(e.to_string()))?;
                    if old.decoders.contains_key(name) {
                        report.decoders_changed.push(name.clone());
                    } else {
                        report.decoders_added.push(name.clone());
                    }
                    let slot = DecoderSlot {
                        name: Arc::from(name.as_str()),
                        label: Arc::clone(plan.plugin.label()),
                        addr,
                        shadow: None,
                    };
                    (plan.plugin.clone(), slot)
                }
                None => {
                    let slot = table.decoders.iter().find(|s| &*s.name == name).cloned();
                    let plugin = live.get(name).cloned();
                    match (slot, plugin) {
                        (Some(slot), Some(plugin)) => (plugin, slot),
                        _ => return Err(Error::Reload(format!("decoder {name} is not running"))),
                    }
                }
            };
            let path = new.resolve(&d.plugin);
            entries.push(Loaded {
                name: name.clone(),
                index,
                path: path.canonicalize().unwrap_or(path),
                limits: d.limits,
                instances: d.instances,
                check_vectors: d.check_vectors,
                plugin,
            });
            decoders.push(slot);
        }
        report.decoders_removed =
            old.decoders.keys().filter(|n| !new.decoders.contains_key(*n)).cloned().collect();

        // Sinks: keep the unchanged ones open, open the rest (blocking).
        let mut sinks: Vec<(Arc<str>, Arc<dyn Sink>)> = Vec::new();
        for (name, s) in &new.sinks {
            let kept = (old.sinks.get(name) == Some(s))
                .then(|| table.sinks.iter().find(|(n, _)| &**n == name).cloned())
                .flatten();
            match kept {
                Some(sink) => sinks.push(sink),
                None => {
                    let (s, n, cfg) = (s.clone(), name.clone(), new.clone());
                    let sink = tokio::task::spawn_blocking(move || s.build(&n, &cfg))
                        .await
                        .map_err(|e| Error::Runtime(format!("opening sink {name} failed: {e}")))??;
                    if old.sinks.contains_key(name) {
                        report.sinks_changed.push(name.clone());
                    } else {
                        report.sinks_added.push(name.clone());
                    }
                    sinks.push((Arc::from(name.as_str()), Arc::from(sink)));
                }
            }
        }
        report.sinks_removed = old.sinks.keys().filter(|n| !new.sinks.contains_key(*n)).cloned().collect();

        // Routes: data, rebuilt whole; every routed model must be one its decoder handles.
        let index_of = |names: Vec<&String>, n: &str| names.iter().position(|x| x.as_str() == n).unwrap_or(0);
        let mut routes = HashMap::new();
        let mut unknown = Vec::new();
        for r in &new.routes {
            let decoder = index_of(new.decoders.keys().collect(), &r.decoder);
            let model = r.model.clone().unwrap_or_else(|| r.devicetype.clone());
            let models = entries.get(decoder).map(|e| e.plugin.metadata().models.clone()).unwrap_or_default();
            if !models.is_empty() && !models.contains(&model) {
                unknown.push(format!(
                    "route {:?}: decoder {} does not handle model {model:?}",
                    r.devicetype, r.decoder
                ));
            }
            let sinks: Vec<usize> = r.sinks.iter().map(|s| index_of(new.sinks.keys().collect(), s)).collect();
            routes.insert(
                Arc::from(r.devicetype.as_str()),
                RouteEntry { decoder, model: Arc::from(model.as_str()), sinks: Arc::from(sinks) },
            );
        }
        if !unknown.is_empty() {
            return Err(Error::Routes(unknown));
        }
        report.routes = routes.len();
        let dead_letter = index_of(new.sinks.keys().collect(), &new.dead_letter);
        running.router.swap(RouteTable { routes, decoders, sinks, dead_letter });
        let changed: Vec<String> =
            report.decoders_changed.iter().chain(&report.decoders_added).cloned().collect();
        self.registry.replace_all(entries, &changed, &self.metrics);

        // Connectors: stop the removed and changed ones, then start the added and changed ones.
        for name in report.connectors_removed.iter().chain(&report.connectors_changed) {
            self.transports.stop(name).await;
            if let Ok(mut ingests) = self.ingests.lock() {
                ingests.remove(name);
            }
        }
        for ((plan, subscriptions), transport) in connector_plans.into_iter().zip(transports) {
            let name = plan.name.clone();
            let (tx, rx) = tokio::sync::oneshot::channel();
            let (router, metrics) = (running.router.clone(), self.metrics.clone());
            let spawned = running.system.arbiter().spawn_fn(move || {
                let _ = tx.send(crate::actor::system::connector_ingest(plan, &router, &metrics));
            });
            let ingest = match rx.await {
                Ok(i) if spawned => i,
                _ => return Err(Error::Runtime("the actor system is stopping".into())),
            };
            if let Ok(mut ingests) = self.ingests.lock() {
                ingests.insert(name.clone(), ingest.clone());
            }
            if let Some(t) = transport {
                self.transports
                    .start(&name, t, ingest, subscriptions)
                    .await
                    .map_err(|source| Error::Transport { name: name.clone(), source })?;
            }
        }
        if let Ok(mut c) = self.config.lock() {
            *c = new;
        }
        tracing::info!(?report, "Config reloaded.");
        Ok(report)
    }
}
