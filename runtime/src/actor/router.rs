use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use futures::future::join_all;
use tokio::sync::broadcast;

use super::pool::Stopped;
use super::shadow::{Shadow, summarize};
use super::{Admit, DecodeBatch, DecodePool, Fault};
use crate::events::{
    DeliveryMetrics, FrameDeadLettered, SinkCommitFailed, SinkCommitted, SinkMetrics, error_chain,
};
use crate::message::{DEFAULT_RETRY_AFTER, Frame, FrameOutcome, Reading, ReadingBatch, Rejected, Stage};
use crate::plugin::PluginError;
use crate::sink::{Batch, Sink, SinkError};

/// Where one devicetype goes.
#[derive(Debug, Clone)]
pub(crate) struct RouteEntry {
    /// Index of the decoder pool.
    pub(crate) decoder: usize,
    /// Vendor model id given to the decoder.
    pub(crate) model: Arc<str>,
    /// Firmware version the route names, set on each frame before it is decoded.
    pub(crate) firmware: Option<Arc<str>>,
    /// Indexes of the sinks readings go to.
    pub(crate) sinks: Arc<[usize]>,
    /// The route asks for per-device order (fabric: partitioned by device).
    #[cfg_attr(not(feature = "fabric"), allow(dead_code))] // In-process, a unit is in order.
    pub(crate) ordered: bool,
    /// Routed by a `devicetypes: all` route (the decoder declared the model), not named.
    pub(crate) catch_all: bool,
}

/// A `devicetypes: all` route: every model its decoder declares goes to these sinks.
#[derive(Debug, Clone)]
pub(crate) struct CatchAll {
    /// Index of the decoder pool.
    pub(crate) decoder: usize,
    /// Indexes of the sinks readings go to.
    pub(crate) sinks: Arc<[usize]>,
    /// The route asks for per-device order.
    pub(crate) ordered: bool,
    /// Firmware version the route names.
    pub(crate) firmware: Option<Arc<str>>,
}

/// One decoder in the route table: its live pool, and a candidate decoding beside it.
#[derive(Debug, Clone)]
pub(crate) struct DecoderSlot {
    /// Decoder name in the config.
    pub(crate) name: Arc<str>,
    /// `name@version` of the live plugin.
    pub(crate) label: Arc<str>,
    /// The live pool.
    pub(crate) pool: DecodePool,
    /// A shadow candidate: decodes the same frames, compared, never stored.
    pub(crate) shadow: Option<Arc<Shadow>>,
    /// Quarantines the decoder when its plugin keeps failing.
    pub(crate) breaker: Arc<super::Breaker>,
}

/// One sink in the route table: the open sink and its series.
#[derive(Debug, Clone)]
pub(crate) struct SinkSlot {
    pub(crate) name: Arc<str>,
    pub(crate) sink: Arc<dyn Sink>,
    pub(crate) metrics: SinkMetrics,
}

impl SinkSlot {
    /// Writes a batch, counting the commit, its latency, or the failure.
    async fn write(&self, batch: Batch) -> Result<(), SinkError> {
        let started = Instant::now();
        let result = self.sink.write(batch).await;
        match &result {
            Ok(()) => SinkCommitted { metrics: &self.metrics, elapsed: started.elapsed() }.emit(),
            Err(error) => SinkCommitFailed { metrics: &self.metrics, error }.emit(),
        }
        result
    }
}

/// The route table, as data: devicetype -> decoder, model, sinks.
#[derive(Debug, Clone, Default)]
pub(crate) struct RouteTable {
    pub(crate) routes: HashMap<Arc<str>, RouteEntry>,
    /// Decoder pools, in config order.
    pub(crate) decoders: Vec<DecoderSlot>,
    pub(crate) sinks: Vec<SinkSlot>,
    /// Index of the dead-letter sink, when the table has one.
    pub(crate) dead_letter: Option<usize>,
    /// The `devicetypes: all` routes, to route the models a new plugin version adds.
    pub(crate) catch_all: Vec<CatchAll>,
}

impl RouteTable {
    /// Routes each model of `models` that no route has yet to the `devicetypes: all` route of
    /// decoder `decoder`, if it has one; returns the models added.
    pub(crate) fn catch_models(&mut self, decoder: usize, models: &[String]) -> Vec<String> {
        let Some(all) = self.catch_all.iter().find(|c| c.decoder == decoder) else { return Vec::new() };
        let mut added = Vec::new();
        for model in models {
            if !self.routes.contains_key(model.as_str()) {
                let entry = RouteEntry {
                    decoder,
                    model: Arc::from(model.as_str()),
                    firmware: all.firmware.clone(),
                    sinks: Arc::clone(&all.sinks),
                    ordered: all.ordered,
                    catch_all: true,
                };
                self.routes.insert(Arc::from(model.as_str()), entry);
                added.push(model.clone());
            }
        }
        added
    }

    /// The sink named `name`.
    pub(crate) fn sink(&self, name: &str) -> Option<&SinkSlot> {
        self.sinks.iter().find(|s| &*s.name == name)
    }
}

/// Frames (and already-decoded readings) of one inbound unit.
#[derive(Debug, Default)]
pub(crate) struct Route {
    pub(crate) frames: Vec<Frame>,
    pub(crate) readings: Vec<Reading>,
    /// Sinks (by name) of the readings a connector emitted already decoded.
    pub(crate) readings_sinks: Arc<[Arc<str>]>,
    pub(crate) rejected: Vec<Rejected>,
    /// For a replay: per frame, the dead-letter entry it comes from (id, stage). An entry is
    /// deleted once its frame is stored, or dead-lettered again under another stage.
    pub(crate) replayed: Vec<Option<(i64, String)>>,
}

/// Why a unit could not be committed. The source is not acknowledged and will redeliver.
#[derive(Debug, thiserror::Error)]
pub enum RouteError {
    /// A sink failed to commit.
    #[error(transparent)]
    Sink(#[from] SinkError),
    /// An actor pool is stopped (shutting down).
    #[error("{0} pool: {1}")]
    Stopped(&'static str, Stopped),
    /// The plugin host failed (a bug, not the data).
    #[error(transparent)]
    Host(PluginError),
    /// The fabric did not take the frames (connector role).
    #[cfg(feature = "fabric")]
    #[error(transparent)]
    Fabric(#[from] crate::fabric::FabricError),
}

impl RouteError {
    /// How long the source should wait before delivering again.
    pub fn retry_after(&self) -> Duration {
        match self {
            Self::Sink(SinkError::Full { retry_after, .. }) => *retry_after,
            _ => DEFAULT_RETRY_AFTER,
        }
    }
}

/// Capacity of the readings tap given to embedding hosts (batches, not readings); a slow
/// receiver loses the oldest batches, never stored data.
pub(crate) const TAP_CAPACITY: usize = 1024;

/// Routes frames to decoder pools and readings to sinks; answers once everything committed.
///
/// Not an actor: routing is a function of the route table, run on the task of whoever submits
/// the unit (a transport's connection task, the embedding host). What it talks to are the
/// decoder pools (actors owning one wasmtime `Store` each) and the sinks, which commit on their
/// own threads. A router actor and sink actors cost two more mailbox hops per request, each way.
#[derive(Debug, Clone)]
pub(crate) struct Router {
    /// The live table; a reload swaps it whole, and a unit routes on the snapshot it started with.
    pub(crate) table: Arc<RwLock<Arc<RouteTable>>>,
    pub(crate) tap: broadcast::Sender<ReadingBatch>,
    pub(crate) metrics: DeliveryMetrics,
    /// Connector role: frames are published to the fabric instead of decoded here.
    #[cfg(feature = "fabric")]
    pub(crate) fabric: Option<Arc<crate::fabric::Publisher>>,
}

impl Router {
    /// A router with an empty table (nothing routes until a table is swapped in).
    pub(crate) fn new(metrics: &crate::events::Metrics) -> Self {
        let (tap, _) = broadcast::channel(TAP_CAPACITY);
        Self {
            table: Arc::new(RwLock::new(Arc::new(RouteTable::default()))),
            tap,
            metrics: DeliveryMetrics::new(metrics),
            #[cfg(feature = "fabric")]
            fabric: None,
        }
    }

    /// The route table in force now.
    pub(crate) fn snapshot(&self) -> Arc<RouteTable> {
        match self.table.read() {
            Ok(t) => Arc::clone(&t),
            Err(poisoned) => Arc::clone(&poisoned.into_inner()),
        }
    }

    /// Replaces the route table; units already routing finish on the one they started with.
    pub(crate) fn swap(&self, table: RouteTable) {
        let table = Arc::new(table);
        match self.table.write() {
            Ok(mut t) => *t = table,
            Err(poisoned) => *poisoned.into_inner() = table,
        }
    }

    /// Decodes the unit's frames, commits readings and rejections, and returns one outcome per
    /// frame once every sink involved has committed.
    pub(crate) async fn route(&self, msg: Route) -> Result<Vec<FrameOutcome>, RouteError> {
        let snapshot = self.snapshot();
        let table = &*snapshot;
        let Route { frames, readings, readings_sinks, mut rejected, replayed } = msg;
        let mut outcomes: Vec<Option<FrameOutcome>> = vec![None; frames.len()];
        // The fabric seam (connector role): JetStream takes the frames, workers decode them.
        // Replays decode here, so that their entries are forgotten in the same commit.
        #[cfg(feature = "fabric")]
        let frames = match self.fabric.as_ref().filter(|_| replayed.is_empty() && !frames.is_empty()) {
            Some(fabric) => {
                let ordered = |f: &Frame| table.routes.get(&f.devicetype).is_some_and(|r| r.ordered);
                fabric.publish(&frames, ordered).await?;
                outcomes.fill(Some(FrameOutcome::Queued));
                Vec::new()
            }
            None => frames,
        };
        // Decoder index -> (frame positions, frames with their model).
        type PerDecoder = HashMap<usize, (Vec<usize>, Vec<(Frame, Arc<str>)>)>;
        let mut per_decoder = PerDecoder::new();
        let mut per_sink: Vec<Vec<Reading>> = vec![Vec::new(); table.sinks.len()];
        let readings_to: Vec<usize> = readings_sinks
            .iter()
            .filter_map(|name| table.sinks.iter().position(|slot| &slot.name == name))
            .collect();
        spread(&mut per_sink, &readings_to, readings);

        for (i, frame) in frames.into_iter().enumerate() {
            match table.routes.get(&frame.devicetype) {
                Some(r) => {
                    let entry = per_decoder.entry(r.decoder).or_default();
                    entry.0.push(i);
                    let frame = match &r.firmware {
                        Some(firmware) => Frame { firmware: Some(Arc::clone(firmware)), ..frame },
                        None => frame,
                    };
                    entry.1.push((frame, Arc::clone(&r.model)));
                }
                None => {
                    let error = format!("no route for devicetype {:?}", &*frame.devicetype);
                    FrameDeadLettered {
                        metrics: &self.metrics,
                        stage: Stage::Route,
                        plugin: None,
                        error: &error,
                    }
                    .emit();
                    set(
                        &mut outcomes,
                        i,
                        FrameOutcome::DeadLettered { stage: Stage::Route, error: error.clone() },
                    );
                    rejected.push(Rejected { frame, stage: Stage::Route, error, plugin: None });
                }
            }
        }

        let mut calls = Vec::with_capacity(per_decoder.len());
        for (d, (idx, items)) in per_decoder {
            let Some(slot) = table.decoders.get(d) else { continue };
            // A quarantined decoder's frames go to the dead letter without a call.
            if let Admit::Quarantined { reason: error, .. } = slot.breaker.admit(&slot.name) {
                slot.breaker.short_circuited(items.len());
                let plugin = Some(slot.label.to_string());
                for (i, (frame, _)) in idx.into_iter().zip(items) {
                    let metrics = &self.metrics;
                    FrameDeadLettered {
                        metrics,
                        stage: Stage::Plugin,
                        plugin: plugin.as_deref(),
                        error: &error,
                    }
                    .emit();
                    set(
                        &mut outcomes,
                        i,
                        FrameOutcome::DeadLettered { stage: Stage::Plugin, error: error.clone() },
                    );
                    rejected.push(Rejected {
                        frame,
                        stage: Stage::Plugin,
                        error: error.clone(),
                        plugin: plugin.clone(),
                    });
                }
                continue;
            }
            let (pool, breaker, name) =
                (slot.pool.clone(), Arc::clone(&slot.breaker), Arc::clone(&slot.name));
            // A shadow candidate gets copies of the frames, only while one runs.
            let shadow = slot.shadow.clone().map(|s| (s, items.clone()));
            calls.push(async move { (idx, pool.call(DecodeBatch(items)).await, shadow, breaker, name) });
        }
        for (idx, result, shadow, breaker, name) in join_all(calls).await {
            let results = result.map_err(|e| RouteError::Stopped("decoder", e))?;
            breaker.record(&name, results.iter().map(|(_, r)| fault(r)));
            if let Some((shadow, frames)) = shadow {
                shadow.compare(frames, results.iter().map(|(_, r)| summarize(r)).collect());
            }
            for (i, (frame, decoded)) in idx.into_iter().zip(results) {
                match decoded {
                    Ok(readings) => {
                        set(&mut outcomes, i, FrameOutcome::Stored { readings: readings.len() });
                        let sinks = table.routes.get(&frame.devicetype).map(|r| Arc::clone(&r.sinks));
                        spread(&mut per_sink, sinks.as_deref().unwrap_or_default(), readings);
                    }
                    Err(e @ PluginError::Host { .. }) => return Err(RouteError::Host(e)),
                    Err(e) => {
                        let stage = if e.is_data_error() { Stage::Decode } else { Stage::Plugin };
                        let plugin = match &e {
                            PluginError::Trap { plugin, .. }
                            | PluginError::TooManyReadings { plugin, .. } => Some(plugin.clone()),
                            _ => table
                                .routes
                                .get(&frame.devicetype)
                                .and_then(|r| table.decoders.get(r.decoder))
                                .map(|d| d.label.to_string()),
                        };
                        let error = error_chain(&e);
                        let metrics = &self.metrics;
                        FrameDeadLettered { metrics, stage, plugin: plugin.as_deref(), error: &error }.emit();
                        set(&mut outcomes, i, FrameOutcome::DeadLettered { stage, error: error.clone() });
                        rejected.push(Rejected { frame, stage, error, plugin });
                    }
                }
            }
        }

        let forget: Vec<i64> = replayed
            .iter()
            .zip(&outcomes)
            .filter_map(|(from, outcome)| match (from, outcome) {
                (Some((id, _)), Some(FrameOutcome::Stored { .. })) => Some(*id),
                (Some((id, old)), Some(FrameOutcome::DeadLettered { stage, .. }))
                    if stage.as_str() != old =>
                {
                    Some(*id)
                }
                _ => None,
            })
            .collect();
        let mut writes = Vec::new();
        let mut tapped = Vec::new();
        let want_tap = self.tap.receiver_count() > 0;
        for (s, readings) in per_sink.into_iter().enumerate() {
            if readings.is_empty() {
                continue;
            }
            if want_tap && tapped.is_empty() {
                tapped.clone_from(&readings);
            }
            if let Some(slot) = table.sinks.get(s) {
                writes.push(slot.write(Batch { readings, ..Batch::default() }));
            }
        }
        let dead_letter = table.dead_letter.and_then(|d| table.sinks.get(d));
        if let Some(slot) = dead_letter.filter(|_| !rejected.is_empty() || !forget.is_empty()) {
            writes.push(slot.write(Batch { rejected, forget, ..Batch::default() }));
        }
        for w in join_all(writes).await {
            w?;
        }
        if !tapped.is_empty() {
            let _ = self.tap.send(ReadingBatch::from(tapped));
        }
        Ok(outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or(FrameOutcome::DeadLettered {
                    stage: Stage::Route,
                    error: "lost in routing".into(),
                })
            })
            .collect())
    }
}

/// How a frame's decode counts for the breaker: bad data is not the plugin's fault.
fn fault<T>(decoded: &Result<T, PluginError>) -> Fault {
    match decoded {
        Err(e) if e.is_limit() => Fault::Limit,
        Err(e) if !e.is_data_error() => Fault::Plugin,
        _ => Fault::None,
    }
}

fn set(outcomes: &mut [Option<FrameOutcome>], i: usize, o: FrameOutcome) {
    if let Some(slot) = outcomes.get_mut(i) {
        *slot = Some(o);
    }
}

/// Moves readings into every sink of the route, cloning only for the extra sinks.
fn spread(per_sink: &mut [Vec<Reading>], sinks: &[usize], readings: Vec<Reading>) {
    if let Some((last, rest)) = sinks.split_last() {
        for s in rest {
            if let Some(v) = per_sink.get_mut(*s) {
                v.extend(readings.iter().cloned());
            }
        }
        if let Some(v) = per_sink.get_mut(*last) {
            if v.is_empty() {
                *v = readings;
            } else {
                v.extend(readings);
            }
        }
    }
}
