//! Dead-letter replay: entries run through the current decoders again.

use std::sync::Arc;

use super::handle::Inner;
use super::{Error, Handle};
use crate::actor::{Route, RouteTable};
use crate::message::{Bytes, Frame, FrameOutcome, Stage};
use crate::operator::ReplaySelection;
use crate::sink::{DeadLetter, DeadLetterQuery};

/// Dead-letter entries read at a time by a replay.
const REPLAY_PAGE: usize = 512;

/// What a dead-letter replay did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct ReplayReport {
    /// Entries run through the decoders again.
    pub replayed: usize,
    /// Of those, decoded and stored now (their entries are deleted).
    pub stored: usize,
    /// Of those, still failing (their entries stay).
    pub still_failing: usize,
    /// Inbound units refused whole by a connector, not replayable (the sender must fix them).
    pub skipped: usize,
    /// Entries asked for by id that are not in the dead letter (replayed already, or never were).
    pub missing: usize,
}

impl Handle {
    /// Runs dead-letter entries through the current decoders again (all of them, or those that
    /// route to `decoder`): what now decodes is stored, once, and its entry deleted; what still
    /// fails stays, under its new stage if that changed. Inbound units refused whole by a
    /// connector (a malformed request) are left for the sender to fix.
    ///
    /// # Errors
    /// A sink that cannot be read or written.
    pub async fn replay_dead_letters(&self, decoder: Option<&str>) -> Result<ReplayReport, Error> {
        let selection = decoder.map_or(ReplaySelection::All, |d| ReplaySelection::Decoder(d.to_string()));
        self.inner.replay(&selection).await
    }
}

impl Inner {
    /// Runs the selected dead-letter entries through the current decoders again (see
    /// [`Handle::replay_dead_letters`]), reading them a bounded page at a time.
    pub(crate) async fn replay(&self, selection: &ReplaySelection) -> Result<ReplayReport, Error> {
        let table = self.parts.router.snapshot();
        let Some(slot) = table.dead_letter.and_then(|d| table.sinks.get(d)) else {
            return Ok(ReplayReport::default());
        };
        let sink = Arc::clone(&slot.sink);
        let mut report = ReplayReport::default();
        let page = |after_id, before_id| DeadLetterQuery {
            after_id,
            before_id,
            oldest_first: true,
            limit: REPLAY_PAGE,
            ..DeadLetterQuery::default()
        };
        if let ReplaySelection::Ids(ids) = selection {
            let mut wanted = ids.clone();
            wanted.sort_unstable();
            wanted.dedup();
            for chunk in wanted.chunks(REPLAY_PAGE) {
                let (Some(&first), Some(&last)) = (chunk.first(), chunk.last()) else { continue };
                // The id range bounds the rows the sink walks.
                let query = DeadLetterQuery {
                    ids: Some(chunk.to_vec()),
                    ..page(Some(first.saturating_sub(1)), Some(last.saturating_add(1)))
                };
                let entries = sink.find_dead_letters(query).await?;
                report.missing += chunk.len().saturating_sub(entries.len());
                self.replay_page(&table, entries, selection, &mut report).await?;
            }
            return Ok(report);
        }
        // Up to the newest entry now: an entry stored again during the replay (still failing,
        // under another stage) comes after it and is not taken twice.
        let newest =
            sink.find_dead_letters(DeadLetterQuery { limit: 1, ..DeadLetterQuery::default() }).await?;
        let Some(bound) = newest.first().map(|e| e.id.saturating_add(1)) else { return Ok(report) };
        let mut after = None;
        loop {
            let entries = sink.find_dead_letters(page(after, Some(bound))).await?;
            let Some(last) = entries.last().map(|e| e.id) else { break };
            after = Some(last);
            self.replay_page(&table, entries, selection, &mut report).await?;
        }
        Ok(report)
    }

    /// Replays one page of entries (oldest first), adding to `report`.
    async fn replay_page(
        &self,
        table: &RouteTable,
        entries: Vec<DeadLetter>,
        selection: &ReplaySelection,
        report: &mut ReplayReport,
    ) -> Result<(), Error> {
        let router = &self.parts.router;
        let decoder_of = |devicetype: &str| {
            table
                .routes
                .get(devicetype)
                .and_then(|r| table.decoders.get(r.decoder))
                .map(|d| d.name.to_string())
        };
        let mut todo = Vec::new();
        for e in entries {
            // A whole inbound unit (refused by the connector, or its plugin failed on it) has no
            // devicetype: it is not a frame a decoder could take.
            if e.stage == Stage::Connector.as_str() || e.devicetype.is_empty() {
                report.skipped += 1;
                continue;
            }
            if let ReplaySelection::Decoder(d) = selection
                && decoder_of(&e.devicetype).as_deref() != Some(d.as_str())
            {
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
                    payload: Bytes::from(e.payload.clone()),
                    received_ms: e.received_ms,
                    connector: Arc::from(e.connector.as_str()),
                    firmware: None,
                })
                .collect();
            let replayed = chunk.iter().map(|e| Some((e.id, e.stage.clone()))).collect();
            let outcomes = router
                .route(Route { frames, replayed, ..Route::default() })
                .await
                .map_err(|e| Error::Runtime(crate::actor::error_chain(&e)))?;
            for o in outcomes {
                report.replayed += 1;
                match o {
                    FrameOutcome::Stored { .. } => report.stored += 1,
                    FrameOutcome::DeadLettered { .. } => report.still_failing += 1,
                    FrameOutcome::Queued => {}
                }
            }
        }
        Ok(())
    }
}
