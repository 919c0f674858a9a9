//! What the operator console reads of a running runtime without changing it: the routes, the
//! flow counters, a frame tried against the live decoders, the dead-letter entries, the stored
//! readings.

use std::sync::Arc;

use super::handle::Inner;
use crate::message::{Frame, Reading, now_ms};
use crate::operator::{DeadLetterFilter, FlowCounters, ReadingsError, RouteInfo, SinkInfo, TryError};
use crate::plugin::PluginError;
use crate::sink::{DeadLetter, LatestReading, Series, SeriesQuery, Sink, SinkError};

impl Inner {
    /// The routes in force, sorted by devicetype.
    pub(crate) fn routes(&self) -> Vec<RouteInfo> {
        let table = self.parts.router.snapshot();
        let mut routes: Vec<RouteInfo> = table
            .routes
            .iter()
            .filter_map(|(devicetype, r)| {
                let decoder = table.decoders.get(r.decoder)?;
                Some(RouteInfo {
                    devicetype: devicetype.to_string(),
                    decoder: decoder.name.to_string(),
                    model: r.model.to_string(),
                })
            })
            .collect();
        routes.sort_by(|a, b| a.devicetype.cmp(&b.devicetype));
        routes
    }

    /// The flow counters since start.
    pub(crate) fn counters(&self) -> FlowCounters {
        let m = &self.parts.metrics;
        FlowCounters {
            frames_in: m.counter_values("passerelle_frames_in_total", "connector"),
            decoder_frames: m.counter_values("passerelle_decoder_frames_total", "decoder"),
            readings_out: m.counter_values("passerelle_decoder_readings_total", "decoder"),
            dead_letters: m.counter_values("passerelle_dead_letters_total", "stage"),
            sink_commits: m.counter_values("passerelle_sink_commits_total", "sink"),
            sink_failures: m.counter_values("passerelle_sink_commit_failures_total", "sink"),
            sink_full: m.counter_values("passerelle_sink_full_total", "sink"),
        }
    }

    /// Decodes a frame as the route of `devicetype` would, on a fresh instance of the live
    /// plugin on a blocking thread; nothing is stored, counted or dead-lettered.
    pub(crate) async fn try_frame(
        &self,
        devicetype: &str,
        port: u8,
        payload: Vec<u8>,
    ) -> Result<Vec<Reading>, TryError> {
        let (decoder, model) = {
            let table = self.parts.router.snapshot();
            let route =
                table.routes.get(devicetype).ok_or_else(|| TryError::NoRoute(devicetype.to_string()))?;
            let slot =
                table.decoders.get(route.decoder).ok_or_else(|| TryError::NoRoute(devicetype.to_string()))?;
            (slot.name.to_string(), Arc::clone(&route.model))
        };
        let plugin =
            self.decoders.plugin_of(&decoder).ok_or_else(|| TryError::NoRoute(devicetype.to_string()))?;
        let frame = Frame {
            device: Arc::from("console"),
            devicetype: Arc::from(devicetype),
            port,
            payload: payload.into(),
            received_ms: now_ms(),
            connector: Arc::from("console"),
            firmware: None,
        };
        let decoded = tokio::task::spawn_blocking(move || plugin.instance().decode(&frame, &model))
            .await
            .map_err(|_| TryError::Stopping)?;
        decoded.map_err(|e| match e {
            PluginError::Decode(d) => {
                TryError::Decode { decoder, text: crate::plugin::describe_decode_error(&d) }
            }
            source => TryError::Plugin { decoder, source },
        })
    }

    /// Dead-letter entries that pass `filter`, newest first, at most its limit.
    pub(crate) async fn dead_letters(&self, filter: &DeadLetterFilter) -> Result<Vec<DeadLetter>, SinkError> {
        let table = self.parts.router.snapshot();
        let Some(slot) = table.dead_letter.and_then(|d| table.sinks.get(d)) else {
            return Ok(Vec::new());
        };
        slot.sink.find_dead_letters(filter.query()).await
    }

    /// The sinks, and which of them read readings back.
    pub(crate) fn sinks(&self) -> Vec<SinkInfo> {
        let table = self.parts.router.snapshot();
        table
            .sinks
            .iter()
            .map(|s| SinkInfo { name: s.name.to_string(), reads_readings: s.sink.reads_readings() })
            .collect()
    }

    /// The sink named, or the first that reads readings back.
    fn reading_sink(&self, name: Option<&str>) -> Result<(String, Arc<dyn Sink>), ReadingsError> {
        let table = self.parts.router.snapshot();
        let slot = match name.filter(|n| !n.is_empty()) {
            Some(n) => table
                .sinks
                .iter()
                .find(|s| &*s.name == n)
                .ok_or_else(|| ReadingsError::UnknownSink(n.into()))?,
            None => table.sinks.iter().find(|s| s.sink.reads_readings()).ok_or(ReadingsError::NoReader)?,
        };
        Ok((slot.name.to_string(), Arc::clone(&slot.sink)))
    }

    /// The latest reading of each series, from the sink named or the first that reads them.
    pub(crate) async fn latest_readings(
        &self,
        sink: Option<&str>,
        limit: usize,
    ) -> Result<(String, Vec<LatestReading>), ReadingsError> {
        let (name, sink) = self.reading_sink(sink)?;
        match sink.latest(limit).await {
            Ok(readings) => Ok((name, readings)),
            Err(source) => Err(ReadingsError::Sink { sink: name, source }),
        }
    }

    /// One series over a window, from the sink named or the first that reads readings back.
    pub(crate) async fn series(
        &self,
        sink: Option<&str>,
        query: SeriesQuery,
    ) -> Result<(String, Series), ReadingsError> {
        let (name, sink) = self.reading_sink(sink)?;
        match sink.series(query).await {
            Ok(series) => Ok((name, series)),
            Err(source) => Err(ReadingsError::Sink { sink: name, source }),
        }
    }
}
