//! Host bindings generated from the WIT files in `wit/`, once per world.
//!
//! Nothing here is written by hand: every type comes from `wasmtime::component::bindgen!`.

/// Bindings of the `decoder` world.
pub mod decoder {
    #![allow(missing_docs, missing_debug_implementations, unreachable_pub, clippy::all)]
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "passerelle:plugin/decoder",
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        // Frames are lowered from borrowed data: no copy of the payload or ids per call.
        ownership: Borrowing { duplicate_if_necessary: true },
    });
}

/// Bindings of the `connector` world (its own copy of the `types` interface: the decoder
/// world borrows frames, the connector world owns them).
pub mod connector {
    #![allow(missing_docs, missing_debug_implementations, unreachable_pub, clippy::all)]
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "passerelle:plugin/connector",
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
    });
}

pub use connector::exports::passerelle::plugin::connect::{
    Answer, Command, ConnectorError, Discarded, Entry, Event, Inbound, Refusal, Rejection, Request,
    RequestError, Response, TaggedReadings,
};
pub use decoder::exports::passerelle::plugin::decode::{Expectation, ExpectedReading, Metadata, TestVector};
pub use decoder::passerelle::plugin::types::{
    DecodeError, FrameParam as WitFrameRef, FrameResult as WitFrame, Level, Reading as WitReading, Value,
};
