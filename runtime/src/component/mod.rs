//! The one contract every transport and sink follows.
//!
//! A component is a folder (`transport/<name>/`, `sink/<name>/`) whose config struct implements
//! [`crate::transport::TransportComponent`] or [`crate::sink::SinkComponent`]: a pure
//! `validate`, and a `build` that gets a [`BuildContext`] and returns the running thing. The
//! context carries all a component may know of the world: its name, the secrets, the config's
//! base folder and the tokio runtime. No component reads the environment, a global, or the
//! whole config. Each component is one row of its kind's table, written with `registry!`,
//! which emits the cargo feature gate, the enum case and the dispatch in one place.

mod clock;
mod context;
mod registry;
mod secrets;

pub use clock::{Clock, SystemClock};
pub use context::{BuildContext, MissingSecret, resolve};
pub use secrets::Secrets;

pub(crate) use registry::registry;
