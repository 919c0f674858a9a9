//! STOMP 1.2 frame codec, pure (no I/O), for the Hemis transport (STOMP over secure WebSocket)
//! that comes next: [`encode`](crate::transport::stomp::encode) writes a
//! [`Frame`](crate::transport::stomp::Frame), a [`Decoder`](crate::transport::stomp::Decoder)
//! reads frames and heart-beats from a byte stream with a bounded buffer, and
//! [`heartbeat`](crate::transport::stomp::heartbeat) negotiates the intervals.

mod frame;
#[cfg(test)]
mod seed_examples;

pub use frame::{
    Command, DEFAULT_MAX_FRAME_BYTES, Decoded, Decoder, Frame, FrameError, HEARTBEAT_EOL, encode, heartbeat,
};
