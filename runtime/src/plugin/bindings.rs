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

/// Bindings of the `script-decoder` world. Its `types` and `log` interfaces are the `decoder`
/// world's (`with`), so frames, readings and decode errors are one Rust type on both; only the
/// exported `decode` interface's own records (`metadata`, `test-vector`) are generated again.
pub mod script_decoder {
    #![allow(missing_docs, missing_debug_implementations, unreachable_pub, clippy::all)]
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "passerelle:plugin/script-decoder",
        ownership: Borrowing { duplicate_if_necessary: true },
        with: {
            "passerelle:plugin/types": super::decoder::passerelle::plugin::types,
            "passerelle:plugin/log": super::decoder::passerelle::plugin::log,
        },
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
pub use decoder::exports::passerelle::plugin::decode::{
    Batch, BatchReading, Expectation, ExpectedReading, Metadata, TestVector,
};
pub use decoder::passerelle::plugin::types::{
    DecodeError, FrameParam as WitFrameRef, FrameResult as WitFrame, Level, Reading as WitReading, Value,
};
pub use script_decoder::exports::passerelle::plugin::script::{
    Entry as ScriptEntry, LoadError as ScriptLoadError,
};
