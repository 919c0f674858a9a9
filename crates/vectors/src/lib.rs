//! # passerelle-vectors
//!
//! Passerelle's decoder test vectors in one place: the file formats, and **the one rule** that
//! says whether what a decoder gave meets what a vector expects. Every caller uses it: the
//! guest kit (`pdk-host`: its build side turns a plugin's vectors into code, its test side runs them natively),
//! the host (a decoder passes its own vectors before it goes live), the `passerelle plugin`
//! kit, and shadow runs (the candidate's readings against the live ones). Plain Rust and
//! `serde_json`: no wasmtime, no wit-bindgen, so both workspaces depend on it by path.
//!
//! ## Tour
//! - [`Value`], [`Reading`], [`Expectation`], [`Outcome`]: what a vector expects and what a
//!   decoder gave, free of any binding's types (callers convert theirs).
//! - [`check`], [`compare_readings`], [`same`]: the rule; [`Mismatch`] lists every
//!   [`Difference`].
//! - [`parse_vectors`]: a plugin's own JSON lines (`description`, `model`, `port`, `hex`,
//!   `expect`), into [`Vector`]s.
//! - [`parse_vendor_vectors`]: the vendors' JSON lines (`vectors/ttn/vectors.jsonl`: `vendor`,
//!   `device`, `fPort`, `bytes_hex`, `output`), into [`VendorVector`]s; [`codec_examples`]: a
//!   TTN codec file's `uplinkDecoder.examples` (the YAML itself is read by the host's kit).
//! - [`vendor_expectation`], [`flatten`]: a vendor output as an expectation, nested values as
//!   dotted names; [`hex`], [`to_hex`].
//!
//! ## The rule
//! - An [`Expectation::Error`] is met by a decode error ([`Outcome::Refused`]) only.
//! - [`Expectation::Readings`] are met by readings that match them by name: for each name, the
//!   values given under that name, in order, equal the expected values under it, in order, one
//!   for one. Nothing missing, nothing extra.
//! - **A repeated reading name**: a name given more (or fewer) times than the expectation has
//!   it is a difference ([`Difference::Count`]), even if one copy, or every copy, holds the
//!   expected value. No copy wins, neither the first nor the last: a decoder that emits a name
//!   twice where its vendor's output has one value must decide which one it means.
//! - Numbers agree within [`RELATIVE_TOLERANCE`] (1e-6) of the larger magnitude, or within
//!   [`ABSOLUTE_TOLERANCE`] (1e-9); text, booleans and bytes must be equal; values of different
//!   kinds never agree. Units and times are not compared.
//! - [`Outcome::Failed`] (a trap, a deadline, a cap) meets no expectation.
//!
//! ## Example
//! ```
//! use passerelle_vectors::{Difference, Outcome, Reading, Value, check, parse_vectors};
//!
//! let vectors = parse_vectors(
//!     r#"{"description": "t", "model": "m", "port": 1, "hex": "00c8", "expect": {"temperature": 20}}"#,
//! )?;
//! let expect = &vectors[0].expect;
//! let once = Outcome::Readings(vec![Reading::new("temperature", Value::Number(20.000_000_01))]);
//! assert!(check(expect, &once).is_ok());
//! let twice = Outcome::Readings(vec![
//!     Reading::new("temperature", Value::Number(20.0)),
//!     Reading::new("temperature", Value::Number(20.0)),
//! ]);
//! let mismatch = check(expect, &twice).unwrap_err();
//! assert!(matches!(mismatch.differences[..], [Difference::Count { .. }]));
//! # Ok::<(), passerelle_vectors::FormatError>(())
//! ```

mod error;
mod flatten;
mod hex;
mod own;
mod rule;
mod value;
mod vendor;

pub use error::{At, FormatError, LeafError};
pub use flatten::flatten;
pub use hex::{HexError, hex, to_hex};
pub use own::{Vector, parse_vectors};
pub use rule::{ABSOLUTE_TOLERANCE, Difference, Mismatch, RELATIVE_TOLERANCE, check, compare_readings, same};
pub use value::{Expectation, Outcome, Reading, Value};
pub use vendor::{DEFAULT_PORT, VendorVector, codec_examples, parse_vendor_vectors, vendor_expectation};
