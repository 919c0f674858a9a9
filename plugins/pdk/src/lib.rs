//! Plugin development kit for Passerelle plugins.
//!
//! The bindings come from the WIT files in `wit/` (the single source of truth): [`decoder`] for
//! the `decoder` world, [`connector`] for the `connector` world. A plugin implements the
//! generated `Guest` trait and exports it with the matching macro:
//!
//! ```ignore
//! use passerelle_pdk::decoder::{exports::passerelle::plugin::decode::Guest, Frame, Reading};
//! struct Plugin;
//! impl Guest for Plugin { /* metadata, decode, decode_batch, vectors */ }
//! passerelle_pdk::decoder::export_decoder!(Plugin with_types_in passerelle_pdk::decoder);
//! ```
//!
//! Helpers: [`Reader`] walks a payload and reports a too-short payload with the offset reached;
//! [`FixedBytes`] reads a payload at fixed offsets, as JavaScript vendor decoders do;
//! [`Firmware`] compares the firmware version a route gives a frame;
//! [`Readings`] collects readings with units; [`batch`] packs per-frame results into the
//! flat form `decode-batch` returns. Test vectors are compared with a decode result
//! by `passerelle-vectors` (the one rule), through `passerelle-pdk-host` in native tests: a
//! guest never carries the comparison.

/// Bindings of the `decoder` world.
#[allow(missing_docs, unsafe_code)]
pub mod decoder {
    wit_bindgen::generate!({
        path: "wit",
        world: "passerelle:plugin/decoder",
        pub_export_macro: true,
        export_macro_name: "export_decoder",
        default_bindings_module: "passerelle_pdk::decoder",
    });
    pub use exports::passerelle::plugin::decode::{
        Batch, BatchReading, Expectation, ExpectedReading, Guest, Metadata, TestVector,
    };
    pub use passerelle::plugin::types::{DecodeError, Frame, Level, Reading, Value};
}

/// Bindings of the `connector` world.
#[allow(missing_docs, unsafe_code)]
pub mod connector {
    wit_bindgen::generate!({
        path: "wit",
        world: "passerelle:plugin/connector",
        pub_export_macro: true,
        export_macro_name: "export_connector",
        default_bindings_module: "passerelle_pdk::connector",
    });
    pub use exports::passerelle::plugin::connect::{
        Answer, Command, ConnectorError, Discarded, Entry, Event, Guest, Inbound, Refusal, Rejection,
        Request, RequestError, Response, TaggedReadings,
    };
    pub use passerelle::plugin::types::{Frame, Level, Reading, Value};
}

mod batch;
mod firmware;
mod fixed;
mod plugin;
mod reader;
mod readings;
mod time;

pub use batch::{batch, batch_with};
pub use firmware::Firmware;
pub use fixed::FixedBytes;
pub use reader::Reader;
pub use readings::Readings;
pub use time::{civil_from_days, parse_rfc3339_ms};
