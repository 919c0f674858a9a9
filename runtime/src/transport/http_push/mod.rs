//! HTTP push server: Energisme's envelope (seed 001), one at a time or as a JSON array, over
//! HTTP or HTTPS ("PUSH HTTP / HTTPS" in the seed), with bounded connections and time limits
//! (see `serve`) and several accepted tokens.

mod config;
mod http_push;
mod serve;

pub use config::{
    DEFAULT_BODY_TIMEOUT_MS, DEFAULT_HEADER_TIMEOUT_MS, DEFAULT_LISTEN, DEFAULT_MAX_BODY_BYTES,
    DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_IN_FLIGHT, HttpPushConfig,
};
pub use http_push::HttpPush;
