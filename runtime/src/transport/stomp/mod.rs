//! STOMP 1.2 over WebSocket (Hemis, seed 000): a pure frame codec and, with the
//! `transport-stomp` feature, the client transport.
//!
//! The codec has no I/O: [`encode`](crate::transport::stomp::encode) writes a
//! [`Frame`](crate::transport::stomp::Frame), a [`Decoder`](crate::transport::stomp::Decoder)
//! reads frames and heart-beats from a byte stream with a bounded buffer, and
//! [`heartbeat`](crate::transport::stomp::heartbeat) negotiates the intervals.
//!
//! The transport ([`StompConfig`](crate::transport::stomp::StompConfig)) opens TCP, TLS
//! (rustls, `net::tls`) and a WebSocket with the `v12.stomp` subprotocol, sends `CONNECT`,
//! subscribes with `ack:client-individual` and a receipt, hands each `MESSAGE` to the connector
//! and ACKs it once committed (NACKs it otherwise, after the sinks' retry delay), sends and
//! watches heart-beats, and reconnects with backoff; a broker's `ERROR` to `CONNECT` (bad
//! credentials) waits the longest backoff before the next try.

#[cfg(feature = "transport-stomp")]
mod client;
#[cfg(feature = "transport-stomp")]
mod config;
mod frame;
#[cfg(test)]
mod seed_examples;

#[cfg(feature = "transport-stomp")]
pub use client::Stomp;
#[cfg(feature = "transport-stomp")]
pub use config::{
    DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_HEART_BEAT_MS, DEFAULT_MAX_IN_FLIGHT, HEART_BEAT_GRACE, StompConfig,
};

pub use frame::{
    Command, DEFAULT_MAX_FRAME_BYTES, Decoded, Decoder, Frame, FrameError, HEARTBEAT_EOL, encode, heartbeat,
};
