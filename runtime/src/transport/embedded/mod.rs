//! No native transport: the connector is fed by the embedding host through
//! [`crate::Handle::ingest`], and by its own ticks and `http(s)://` requests, which the driver
//! executes with its HTTP client. Other requests are refused, subscriptions ignored.

use futures::future::BoxFuture;
use serde::Deserialize;

use crate::component::BuildContext;
use crate::transport::{Running, Transport, TransportComponent, TransportContext, TransportError};

/// Configuration of the embedded transport: nothing to set (`transport: embedded()`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmbeddedConfig {}

impl TransportComponent for EmbeddedConfig {
    fn validate(&self) -> Vec<String> {
        Vec::new()
    }

    fn build<'a>(&'a self, _: &'a BuildContext) -> BoxFuture<'a, Result<Box<dyn Transport>, TransportError>> {
        Box::pin(async { Ok(Box::new(Embedded) as Box<dyn Transport>) })
    }
}

/// The embedded transport: it only refuses what it cannot do.
#[derive(Debug)]
pub struct Embedded;

impl Transport for Embedded {
    fn start(self: Box<Self>, cx: TransportContext) -> BoxFuture<'static, Result<Running, TransportError>> {
        Box::pin(async move {
            let TransportContext { ingest, mut shutdown, mut control, metrics, .. } = cx;
            // Always "connected": the host feeds it directly.
            crate::events::TransportConnected { metrics: &metrics, peer: "embedding host" }.emit();
            let task = tokio::spawn(async move {
                loop {
                    tokio::select! {
                        _ = shutdown.wait_for(|stop| *stop) => return Ok(()),
                        command = control.recv() => match command {
                            Some(c) => c.refuse(ingest.connector(), "the embedded transport carries no requests or subscriptions"),
                            None => return Ok(()),
                        },
                    }
                }
            });
            Ok(Running { local_addr: None, task })
        })
    }
}
