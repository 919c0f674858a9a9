//! Carries a [`Plan`] out: at start-up (from an empty config) and on every config reload.
//!
//! Everything the new config needs is loaded and checked first: transports built (secrets,
//! certificate files), connector plugins compiled and started once, decoder plugins compiled
//! and run on their own vectors, sinks opened, the route table built and every routed model
//! checked. Only then does anything change: the table is swapped in one step (units already
//! routing finish on the old one), decoder versions recorded, removed and changed connectors
//! stopped (their units in flight answered first), added and changed ones started. A failure
//! before the swap changes nothing; a connector that cannot start after it is reported, the
//! rest stays applied.

use std::collections::HashMap;
use std::sync::Arc;

use super::Error;
use super::decoders::Loaded;
use super::handle::Inner;
use super::reconfigure::{Plan, diff};
use super::wiring::{
    connector_http_client, decoder_pool, load_connector, load_decoder, open_sink, open_state, route_table,
    start_connector,
};
use crate::actor::driver::HttpClient;
use crate::actor::{DecoderSlot, SinkSlot};
use crate::config::Config;
use crate::operator::ConfigReloadReport;
use crate::plugin::{ConnectorPlugin, DecoderPlugin};
use crate::transport::Transport;

/// A decoder loaded for the new config: its plugin and where it came from.
struct Fresh {
    plugin: DecoderPlugin,
    path: std::path::PathBuf,
}

fn report(plan: &Plan, routes: usize) -> ConfigReloadReport {
    ConfigReloadReport {
        decoders_added: plan.decoders.added.clone(),
        decoders_changed: plan.decoders.changed.clone(),
        decoders_removed: plan.decoders.removed.clone(),
        sinks_added: plan.sinks.added.clone(),
        sinks_changed: plan.sinks.changed.clone(),
        sinks_removed: plan.sinks.removed.clone(),
        routes,
        connectors_added: plan.connectors.added.clone(),
        connectors_changed: plan.connectors.changed.clone(),
        connectors_removed: plan.connectors.removed.clone(),
    }
}

impl Inner {
    /// Takes the runtime from its running config to `new`.
    pub(crate) async fn apply(&self, new: Config) -> Result<ConfigReloadReport, Error> {
        let new = new.validated()?;
        let _one_change_at_a_time = self.decoders.exclusive().await;
        let old = self.config();
        let mut plan = diff(&old, &new);
        if self.offline {
            plan.connectors = super::reconfigure::Changes::default();
        }
        let parts = &self.parts;

        // 1. Load and check everything; nothing changes yet.
        let mut transports: Vec<(String, Box<dyn Transport>, Option<HttpClient>)> = Vec::new();
        for name in plan.connectors.starting() {
            let Some(c) = new.connectors.get(name) else { continue };
            let cx = parts.context(&new, name);
            let t = c
                .transport
                .component()
                .build(&cx)
                .await
                .map_err(|source| Error::Transport { name: name.clone(), source })?;
            let http = connector_http_client(parts, &new, name, c).await?;
            // Read now so that a corrupt state file refuses the config before anything changes;
            // read again once the connector's previous driver stopped (it may save until then).
            open_state(&new, name).await?;
            transports.push((name.clone(), t, http));
        }
        let (engine, cfg, todo) = (parts.engine.clone(), new.clone(), plan.clone());
        let (connector_plugins, fresh) =
            tokio::task::spawn_blocking(move || load_plugins(&engine, &cfg, &todo))
                .await
                .map_err(|e| Error::Runtime(format!("loading plugins failed: {e}")))??;
        let mut opened: HashMap<String, SinkSlot> = HashMap::new();
        for name in plan.sinks.starting() {
            let Some(s) = new.sinks.get(name) else { continue };
            match open_sink(parts, &new, name, s).await {
                Ok(slot) => {
                    opened.insert(name.clone(), slot);
                }
                Err(e) => {
                    close(opened.into_values()).await;
                    return Err(e);
                }
            }
        }

        // 2. Decoder pools for the new versions, slots in config order, the route table.
        let fresh_sinks: Vec<SinkSlot> = opened.values().cloned().collect();
        match self.table(&new, fresh, opened).await {
            Ok((new_table, entries)) => {
                let table = parts.router.snapshot();
                let routes = new_table.routes.len();
                let retired: Vec<SinkSlot> =
                    plan.sinks.stopping().filter_map(|n| table.sink(n).cloned()).collect();
                // 3. Swap, in one step.
                parts.router.swap(new_table);
                let changed: Vec<String> = plan.decoders.starting().cloned().collect();
                self.decoders.replace_all(entries, &changed);
                self.set_config(new.clone());
                close(retired.into_iter()).await;
                // 4. Connectors: stop the removed and changed, start the added and changed.
                for name in plan.connectors.stopping() {
                    self.connectors.stop(name).await;
                }
                let mut plugins: HashMap<String, ConnectorPlugin> = connector_plugins.into_iter().collect();
                for (name, transport, http) in transports {
                    let (Some(c), Some(plugin)) = (new.connectors.get(&name), plugins.remove(&name)) else {
                        continue;
                    };
                    let state = open_state(&new, &name).await?;
                    let running = start_connector(parts, &name, c, plugin, transport, http, state).await?;
                    self.connectors.insert(&name, running);
                }
                let report = report(&plan, routes);
                tracing::info!(?report, "Config applied.");
                Ok(report)
            }
            Err(e) => {
                close(fresh_sinks.into_iter()).await;
                Err(e)
            }
        }
    }

    /// The new route table, and the registry entries of its decoders (fresh pools started).
    async fn table(
        &self,
        new: &Config,
        mut fresh: HashMap<String, Fresh>,
        mut opened: HashMap<String, SinkSlot>,
    ) -> Result<(crate::actor::RouteTable, Vec<Loaded>), Error> {
        let parts = &self.parts;
        let table = parts.router.snapshot();
        let mut decoders = Vec::new();
        let mut entries = Vec::new();
        for (index, (name, d)) in new.decoders.iter().enumerate() {
            let metrics = self.decoders.metrics_of(name, &parts.metrics);
            let (plugin, slot, path) = match fresh.remove(name) {
                Some(Fresh { plugin, path }) => {
                    let metrics_of_breaker = crate::events::BreakerMetrics::decoder(&metrics);
                    let pool = decoder_pool(
                        &parts.system,
                        &plugin,
                        d.instances,
                        metrics.clone(),
                        parts.quantities(d.quantities),
                    )
                    .await
                    .map_err(|e| Error::Runtime(e.to_string()))?;
                    let label = Arc::clone(plugin.label());
                    let breaker = Arc::new(crate::actor::Breaker::new(
                        crate::actor::Role::Decoder,
                        d.quarantine,
                        metrics_of_breaker,
                    ));
                    let slot =
                        DecoderSlot { name: Arc::from(name.as_str()), label, pool, shadow: None, breaker };
                    (plugin, slot, path)
                }
                None => {
                    let slot = table.decoders.iter().find(|s| &*s.name == name).cloned();
                    match (slot, self.decoders.plugin_of(name)) {
                        (Some(slot), Some(plugin)) => (plugin, slot, new.resolve(&d.plugin)),
                        _ => return Err(Error::Runtime(format!("decoder {name} is not running"))),
                    }
                }
            };
            let models = plugin.metadata().models.clone();
            let codec = d.codec.as_ref().map(|c| {
                let resolved = new.resolve(c);
                resolved.canonicalize().unwrap_or(resolved)
            });
            entries.push(Loaded {
                name: name.clone(),
                index,
                path,
                codec,
                limits: d.limits,
                instances: d.instances,
                check_vectors: d.check_vectors,
                quantities: d.quantities,
                plugin,
                metrics,
            });
            decoders.push((slot, models));
        }
        let mut sinks = Vec::new();
        for name in new.sinks.keys() {
            match opened.remove(name).or_else(|| table.sink(name).cloned()) {
                Some(slot) => sinks.push(slot),
                None => return Err(Error::Runtime(format!("sink {name} is not open"))),
            }
        }
        Ok((route_table(new, decoders, sinks)?, entries))
    }
}

/// Shuts sinks down (their clients disconnect; their writer threads end once unreferenced).
async fn close(sinks: impl Iterator<Item = SinkSlot>) {
    for slot in sinks {
        if let Err(e) = slot.sink.shutdown().await {
            tracing::warn!(sink = %slot.name, error = %crate::actor::error_chain(&e), "Sink did not shut down cleanly.");
        }
    }
}

type LoadedPlugins = (Vec<(String, ConnectorPlugin)>, HashMap<String, Fresh>);

/// Compiles and checks the plugins a plan starts. Blocking.
fn load_plugins(
    engine: &crate::plugin::Engine,
    config: &Config,
    plan: &Plan,
) -> Result<LoadedPlugins, Error> {
    let mut connectors = Vec::new();
    for name in plan.connectors.starting() {
        let Some(c) = config.connectors.get(name) else { continue };
        connectors.push((name.clone(), load_connector(engine, name, &config.resolve(&c.plugin), c)?));
    }
    let mut decoders = HashMap::new();
    for name in plan.decoders.starting() {
        let Some(d) = config.decoders.get(name) else { continue };
        let resolved = config.resolve(&d.plugin);
        let path = resolved.canonicalize().unwrap_or(resolved);
        let codec = d.codec.as_ref().map(|c| {
            let resolved = config.resolve(c);
            resolved.canonicalize().unwrap_or(resolved)
        });
        let plugin = load_decoder(engine, &path, codec.as_deref(), d.limits, d.check_vectors, None)
            .map_err(|e| e.into_error(name, &path))?
            .ok_or_else(|| Error::Runtime(format!("decoder {name}: nothing loaded")))?;
        let hash = plugin.hash().get(..12).unwrap_or_default().to_string();
        tracing::info!(decoder = %name, plugin = %plugin.label(), hash, "Decoder loaded.");
        decoders.insert(name.clone(), Fresh { plugin, path });
    }
    Ok((connectors, decoders))
}
