//! Starts the actor graph on its own thread, inside an actix `System`, so that a host that owns
//! its tokio runtime can embed Passerelle: `Addr`s are `Send` and usable from any runtime.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use actix::SyncArbiter;
use tokio::sync::{broadcast, oneshot};

use super::router::DecoderSlot;
use super::{ConnectorActor, DecoderActor, Ingest, RouteEntry, RouteTable, Router};
use crate::events::{DecoderMetrics, DeliveryMetrics, InboundMetrics};
use crate::plugin::{ConnectorPlugin, DecoderPlugin};
use crate::sink::Sink;

/// Everything the actor graph is built from, already compiled and opened.
#[derive(Debug)]
pub(crate) struct Plan {
    pub(crate) engine: crate::plugin::Engine,
    pub(crate) metrics: crate::events::Metrics,
    pub(crate) decoders: Vec<DecoderPlan>,
    pub(crate) connectors: Vec<ConnectorPlan>,
    pub(crate) sinks: Vec<(String, Box<dyn Sink>)>,
    pub(crate) routes: Vec<RoutePlan>,
    /// Index of the dead-letter sink.
    pub(crate) dead_letter: usize,
}

/// A decoder pool to start.
#[derive(Debug)]
pub(crate) struct DecoderPlan {
    pub(crate) name: String,
    pub(crate) plugin: DecoderPlugin,
    pub(crate) instances: usize,
    /// Canonical path of the plugin file (watched for new versions).
    pub(crate) path: std::path::PathBuf,
    pub(crate) limits: crate::plugin::Limits,
    pub(crate) check_vectors: bool,
}

/// A connector pool to start.
#[derive(Debug)]
pub(crate) struct ConnectorPlan {
    pub(crate) name: String,
    pub(crate) plugin: ConnectorPlugin,
    pub(crate) instances: usize,
    pub(crate) settings: Vec<(String, String)>,
    /// Sink indexes for readings the connector emits already decoded.
    pub(crate) readings_sinks: Vec<String>,
}

/// One route, with decoder and sinks as indexes.
#[derive(Debug)]
pub(crate) struct RoutePlan {
    pub(crate) devicetype: String,
    pub(crate) decoder: usize,
    pub(crate) model: String,
    pub(crate) sinks: Vec<usize>,
}

/// The running actor system.
#[derive(Debug)]
pub(crate) struct Running {
    pub(crate) system: actix::System,
    pub(crate) thread: std::thread::JoinHandle<()>,
    pub(crate) router: Router,
    pub(crate) ingests: HashMap<String, Ingest>,
}

/// Capacity of the readings tap given to embedding hosts (batches, not readings).
pub(crate) const TAP_CAPACITY: usize = 1024;

pub(crate) async fn start(plan: Plan) -> std::io::Result<Running> {
    let (tx, rx) = oneshot::channel();
    let thread = std::thread::Builder::new().name("passerelle-actors".into()).spawn(move || {
        let sys = actix::System::new();
        let built = sys.block_on(async move { build(plan) });
        let _ = tx.send((actix::System::current(), built));
        if let Err(e) = sys.run() {
            tracing::error!(error = %e, "Actor system stopped with an error.");
        }
    })?;
    let (system, (router, ingests)) =
        rx.await.map_err(|_| std::io::Error::other("the actor system thread died while starting"))?;
    Ok(Running { system, thread, router, ingests })
}

type Built = (Router, HashMap<String, Ingest>);

fn build(plan: Plan) -> Built {
    let sinks: Vec<(Arc<str>, Arc<dyn Sink>)> =
        plan.sinks.into_iter().map(|(name, sink)| (Arc::from(name), Arc::from(sink))).collect();
    let decoders: Vec<DecoderSlot> = plan
        .decoders
        .into_iter()
        .map(|DecoderPlan { name, plugin, instances, .. }| {
            let label = Arc::clone(plugin.label());
            let metrics = DecoderMetrics::new(&plan.metrics, &name);
            let addr = SyncArbiter::start(instances.max(1), move || DecoderActor {
                instance: plugin.instance(),
                metrics: metrics.clone(),
            });
            DecoderSlot { name: Arc::from(name), label, addr, shadow: None }
        })
        .collect();
    let routes = plan
        .routes
        .into_iter()
        .map(|RoutePlan { devicetype, decoder, model, sinks }| {
            (Arc::from(devicetype), RouteEntry { decoder, model: Arc::from(model), sinks: Arc::from(sinks) })
        })
        .collect();
    let table = Arc::new(RouteTable { routes, decoders, sinks, dead_letter: plan.dead_letter });
    let (tap, _) = broadcast::channel(TAP_CAPACITY);
    let router = Router {
        table: Arc::new(std::sync::RwLock::new(table)),
        tap,
        metrics: DeliveryMetrics::new(&plan.metrics),
    };
    let metrics = plan.metrics;
    let ingests = plan
        .connectors
        .into_iter()
        .map(|c| (c.name.clone(), connector_ingest(c, &router, &metrics)))
        .collect();
    (router, ingests)
}

/// Starts a connector's plugin pool and returns its door. Runs on the actor system (a
/// `SyncArbiter` needs it): at start, and through the arbiter on a config reload.
pub(crate) fn connector_ingest(
    plan: ConnectorPlan,
    router: &Router,
    metrics: &crate::events::Metrics,
) -> Ingest {
    let ConnectorPlan { name, plugin, instances, settings, readings_sinks } = plan;
    let settings = Arc::new(settings);
    let pool = SyncArbiter::start(instances.max(1), move || ConnectorActor {
        instance: plugin.instance(),
        settings: Arc::clone(&settings),
        started: false,
    });
    Ingest {
        connector: Arc::from(name.as_str()),
        pool,
        router: router.clone(),
        readings_sinks: readings_sinks.iter().map(|s| Arc::from(s.as_str())).collect(),
        metrics: InboundMetrics::new(metrics, &name),
        next_id: Arc::new(AtomicU64::new(1)),
    }
}
