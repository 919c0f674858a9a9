//! Energisme HTTP push connector (seed 001).
//!
//! The body is one envelope or a JSON array of envelopes:
//!
//! ```json
//! {"timestamp": "2019-04-28T12:59:36.599Z", "deviceid": "123124",
//!  "payload": "2367A3B3C1DEFE", "devicetype": "em300-th", "port": 85}
//! ```
//!
//! `port` is optional (0 when absent): platforms that forward the LoRaWAN fPort send it.
//! `timestamp` is the frame's receive time: a redelivered envelope keeps its time, so sinks
//! store it once. A malformed body is rejected whole as malformed (HTTP 400) with a reason naming the
//! envelope and the field; more than [`envelope::MAX_ENVELOPES`] envelopes in one body is
//! refused whole as unprocessable (HTTP 422), counted as the array streams past.
// The export macro exists only on wasm32: on the host (tests) the plugin type is unused.
#![cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]

mod envelope;

use passerelle_pdk::connector::{Command, ConnectorError, Event, Frame, Guest, Inbound, Refusal, Rejection};

struct EnergismePush;

impl Guest for EnergismePush {
    fn handle(event: Event) -> Result<Vec<Command>, ConnectorError> {
        match event {
            Event::Start(_) | Event::Restore(_) | Event::Tick(_) | Event::Response(_) => Ok(Vec::new()),
            Event::Inbound(inbound) => Ok(handle_inbound(inbound)),
        }
    }
}

/// Turns one HTTP request into frames, or a rejection naming the field at fault.
pub fn handle_inbound(inbound: Inbound) -> Vec<Command> {
    match envelope::parse(&inbound.body) {
        Ok(envelopes) => {
            let frames: Vec<Frame> = envelopes
                .into_iter()
                .map(|e| Frame {
                    device: e.device,
                    model: e.devicetype,
                    port: e.port,
                    payload: e.payload,
                    received_ms: e.received_ms,
                    firmware: None,
                })
                .collect();
            vec![Command::EmitFrames((inbound.id, frames)), Command::Accept(inbound.id)]
        }
        Err(refused) => {
            let kind = match refused {
                envelope::Refused::Malformed(_) => Refusal::Malformed,
                envelope::Refused::TooMany => Refusal::Unprocessable,
            };
            vec![Command::Reject(Rejection { id: inbound.id, kind, reason: refused.to_string() })]
        }
    }
}

#[cfg(target_arch = "wasm32")]
passerelle_pdk::connector::export_connector!(EnergismePush with_types_in passerelle_pdk::connector);
