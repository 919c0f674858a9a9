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
    });
}

/// Bindings of the `connector` world; shares the `types` interface with the decoder world.
pub mod connector {
    #![allow(missing_docs, missing_debug_implementations, unreachable_pub, clippy::all)]
    wasmtime::component::bindgen!({
        path: "../wit",
        world: "passerelle:plugin/connector",
        additional_derives: [serde::Serialize, serde::Deserialize, PartialEq],
        with: {
            "passerelle:plugin/types": super::decoder::passerelle::plugin::types,
            "passerelle:plugin/log": super::decoder::passerelle::plugin::log,
        },
    });
}

pub use connector::exports::passerelle::plugin::connect::{
    Command, ConnectorError, Event, Inbound, Rejection, Request, Response,
};
pub use decoder::exports::passerelle::plugin::decode::{Expectation, ExpectedReading, Metadata, TestVector};
pub use decoder::passerelle::plugin::types::{
    DecodeError, Frame as WitFrame, Level, Reading as WitReading, Value,
};
