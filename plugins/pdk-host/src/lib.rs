//! The host side of the Passerelle plugin kit: what a decoder crate uses outside the guest.
//!
//! - Feature `build`, for the plugin's `build.rs`: [`vectors`] compiles the plugin's JSON-lines
//!   self-test vectors into Rust code the guest includes (module [`build`]).
//! - Feature `test`, for the plugin's native tests: [`decoder_tests!`] writes the standard
//!   suite (its own vectors, every model covered, truncated frames, the vendor's vectors) under
//!   the one vector rule of `passerelle-vectors` (module [`suite`]).
//!
//! A decoder takes this crate twice, each side with its feature, so its build script never
//! compiles the guest bindings:
//!
//! ```toml
//! [dev-dependencies]
//! passerelle-pdk-host = { version = "0.3.0", features = ["test"] }
//!
//! [build-dependencies]
//! passerelle-pdk-host = { version = "0.3.0", features = ["build"] }
//! ```

#[cfg(feature = "build")]
pub mod build;
#[cfg(feature = "test")]
pub mod suite;

#[cfg(feature = "build")]
pub use build::{generate, vectors};
#[cfg(feature = "test")]
pub use suite::*;
