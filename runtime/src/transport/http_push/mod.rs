//! HTTP push server: Energisme's envelope (seed 001), one at a time or as a JSON array.

mod config;
mod http_push;

pub use config::{DEFAULT_LISTEN, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_IN_FLIGHT, HttpPushConfig};
pub use http_push::HttpPush;
