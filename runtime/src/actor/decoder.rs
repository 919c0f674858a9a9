use std::sync::Arc;
use std::time::Instant;

use actix::{Actor, Handler, Message, SyncContext};

use super::coalesce::{Coalescing, Parts};
use crate::events::{DecodeCall, DecoderMetrics};
use crate::message::{Frame, Reading};
use crate::plugin::{DecoderInstance, PluginError};
use crate::quantity::Tagger;

/// Frames to decode, each with the vendor model its route maps it to.
#[derive(Debug)]
pub(crate) struct DecodeBatch(pub(crate) Vec<(Frame, Arc<str>)>);

impl Message for DecodeBatch {
    type Result = Vec<(Frame, Result<Vec<Reading>, PluginError>)>;
}

impl Parts for DecodeBatch {
    type Part = (Frame, Arc<str>);
    type Answer = (Frame, Result<Vec<Reading>, PluginError>);

    fn of(parts: Vec<Self::Part>) -> Self {
        Self(parts)
    }

    fn parts(self) -> Vec<Self::Part> {
        self.0
    }
}

/// A decoder pool: concurrent callers' frames are decoded in merged batches.
pub(crate) type DecodePool = Coalescing<DecoderActor, DecodeBatch>;

/// Owns one decoder instance (one `Store`) on a `SyncArbiter` thread.
#[derive(Debug)]
pub(crate) struct DecoderActor {
    pub(crate) instance: DecoderInstance,
    pub(crate) metrics: DecoderMetrics,
    /// Adds the `quantity` tag to decoded readings; `None` when the decoder's `quantities` is off.
    pub(crate) quantities: Option<Tagger>,
}

impl Actor for DecoderActor {
    type Context = SyncContext<Self>;
}

impl Handler<DecodeBatch> for DecoderActor {
    type Result = Vec<(Frame, Result<Vec<Reading>, PluginError>)>;

    fn handle(&mut self, msg: DecodeBatch, _: &mut SyncContext<Self>) -> Self::Result {
        let started = Instant::now();
        let mut results = self.instance.decode_batch(&msg.0);
        // The call's time is the plugin's alone: tagging comes after.
        let elapsed = started.elapsed();
        if let Some(tagger) = &mut self.quantities {
            for ((_, model), result) in msg.0.iter().zip(results.iter_mut()) {
                if let Ok(readings) = result {
                    tagger.tag(model, readings);
                }
            }
        }
        DecodeCall { metrics: &self.metrics, frames: &msg.0, results: &results, elapsed }.emit();
        msg.0.into_iter().map(|(f, _)| f).zip(results).collect()
    }
}
