//! STOMP 1.2 frames (<https://stomp.github.io/stomp-specification-1.2.html>), pure: no I/O.
//!
//! A frame is a command line, header lines, an empty line, a body and a NUL octet; lines end
//! with LF or CRLF, and EOLs between frames are heart-beats:
//!
//! ```text
//! MESSAGE\n
//! destination:jms.topic.b1.data\n
//! message-id:7\n
//! content-length:2\n
//! \n
//! {}\0
//! \n                                  <- a heart-beat
//! ```
//!
//! [`encode`] writes a [`Frame`]; a [`Decoder`] takes the bytes of WebSocket messages as they
//! come (a message may hold one frame, several, part of one, or a heart-beat EOL) and gives
//! [`Decoded`] frames and heart-beats, with a bounded buffer; [`heartbeat`] negotiates the
//! intervals of a `CONNECTED` frame's `heart-beat` header.

use std::fmt;
use std::time::Duration;

use bytes::{Bytes, BytesMut};

/// Default largest frame a [`Decoder`] accepts: 4 MiB (4 194 304 bytes), from the command's
/// first byte to the NUL terminator included. A Hemis `DATA_PROVIDER` container of tens of
/// thousands of data points fits; a larger frame is a [`FrameError::TooLarge`], so a broken or
/// hostile peer cannot make the buffer grow without limit. Set per decoder with
/// [`Decoder::with_max_frame_bytes`].
pub const DEFAULT_MAX_FRAME_BYTES: usize = 4 * 1024 * 1024;

/// A heart-beat as a client sends it: one EOL, between frames.
pub const HEARTBEAT_EOL: &[u8] = b"\n";

/// The most bytes of a peer's text quoted in a [`FrameError`].
const QUOTED_BYTES: usize = 64;

/// The header that frames a body.
const CONTENT_LENGTH: &str = "content-length";

/// A STOMP 1.2 command: the client's frames, then the server's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Command {
    /// Client: opens the session (`accept-version`, `host`, `login`, `passcode`, `heart-beat`).
    Connect,
    /// Client: the STOMP 1.2 name of [`Command::Connect`]; its headers are escaped, as the
    /// specification exempts only `CONNECT` and `CONNECTED`.
    Stomp,
    /// Client: sends a message to a destination.
    Send,
    /// Client: subscribes to a destination (`id`, `destination`, `ack`).
    Subscribe,
    /// Client: ends a subscription (`id`).
    Unsubscribe,
    /// Client: acknowledges a message (`id` = the message's `ack` header).
    Ack,
    /// Client: refuses a message, so the broker may redeliver it (`id`).
    Nack,
    /// Client: starts a transaction.
    Begin,
    /// Client: commits a transaction.
    Commit,
    /// Client: rolls a transaction back.
    Abort,
    /// Client: closes the session, best with a `receipt` header.
    Disconnect,
    /// Server: the session is open (`version`, `heart-beat`, `session`, `server`).
    Connected,
    /// Server: a message of a subscription (`destination`, `message-id`, `subscription`, `ack`).
    Message,
    /// Server: a frame with a `receipt` header was processed (`receipt-id`).
    Receipt,
    /// Server: something went wrong (`message`, a body with details); the server closes the
    /// connection after it.
    Error,
}

impl Command {
    /// Every command, the client's first.
    pub const ALL: [Self; 15] = [
        Self::Connect,
        Self::Stomp,
        Self::Send,
        Self::Subscribe,
        Self::Unsubscribe,
        Self::Ack,
        Self::Nack,
        Self::Begin,
        Self::Commit,
        Self::Abort,
        Self::Disconnect,
        Self::Connected,
        Self::Message,
        Self::Receipt,
        Self::Error,
    ];

    /// The command as written on the wire (`CONNECT`, `MESSAGE`, ...).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Connect => "CONNECT",
            Self::Stomp => "STOMP",
            Self::Send => "SEND",
            Self::Subscribe => "SUBSCRIBE",
            Self::Unsubscribe => "UNSUBSCRIBE",
            Self::Ack => "ACK",
            Self::Nack => "NACK",
            Self::Begin => "BEGIN",
            Self::Commit => "COMMIT",
            Self::Abort => "ABORT",
            Self::Disconnect => "DISCONNECT",
            Self::Connected => "CONNECTED",
            Self::Message => "MESSAGE",
            Self::Receipt => "RECEIPT",
            Self::Error => "ERROR",
        }
    }

    /// The command of a command line (case-sensitive, as the specification says), if known.
    pub fn from_wire(name: &[u8]) -> Option<Self> {
        Self::ALL.into_iter().find(|command| command.as_str().as_bytes() == name)
    }

    /// Whether the frame's header names and values are escaped: all but `CONNECT` and
    /// `CONNECTED`, which STOMP 1.2 leaves unescaped for STOMP 1.0 peers.
    pub const fn escapes_headers(self) -> bool {
        !matches!(self, Self::Connect | Self::Connected)
    }

    /// Whether a client sends this frame (the server sends the others).
    pub const fn is_client(self) -> bool {
        !matches!(self, Self::Connected | Self::Message | Self::Receipt | Self::Error)
    }
}

impl fmt::Display for Command {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A STOMP frame: a command, headers in their order, and a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frame {
    /// The command.
    pub command: Command,
    /// The headers, unescaped, in their order on the wire, repeats included; the first of a
    /// repeated header is its value (see [`Frame::header`]).
    pub headers: Vec<(String, String)>,
    /// The body (may hold NUL octets when the frame has a `content-length`).
    pub body: Bytes,
}

impl Frame {
    /// A frame without headers or body.
    pub fn new(command: Command) -> Self {
        Self { command, headers: Vec::new(), body: Bytes::new() }
    }

    /// The frame with one more header, after the others.
    #[must_use]
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// The frame with this body.
    #[must_use]
    pub fn with_body(mut self, body: impl Into<Bytes>) -> Self {
        self.body = body.into();
        self
    }

    /// The value of a header: the first one when it is repeated, as STOMP 1.2 says. Names are
    /// case-sensitive.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, value)| value.as_str())
    }
}

/// Writes a frame: the command, the headers (escaped, see below), a `content-length` header
/// when the body is not empty, an empty line, the body and the NUL terminator. No EOL follows.
///
/// Header names and values are escaped as STOMP 1.2 says (CR as `\r`, LF as `\n`, `:` as `\c`,
/// `\` as `\\`), except in `CONNECT` and `CONNECTED` frames, which are written as they are. In
/// those two, what would break the frame's shape is escaped all the same, so a header can never
/// be split or injected: CR and LF anywhere, and `:` in a name. Such a header then reaches the
/// peer with the escape sequence in it (`CONNECT` headers are not unescaped); every other header
/// round-trips.
///
/// A `content-length` header in [`Frame::headers`] is not written: the one written is the body's
/// real length, so the peer reads the body as given.
pub fn encode(frame: &Frame) -> Vec<u8> {
    let headers: usize = frame.headers.iter().map(|(name, value)| name.len() + value.len() + 2).sum();
    let mut out = Vec::with_capacity(frame.command.as_str().len() + headers + frame.body.len() + 32);
    out.extend_from_slice(frame.command.as_str().as_bytes());
    out.push(b'\n');
    let escapes = frame.command.escapes_headers();
    for (name, value) in &frame.headers {
        if name == CONTENT_LENGTH {
            continue;
        }
        write_escaped(&mut out, name, escapes, true);
        out.push(b':');
        write_escaped(&mut out, value, escapes, false);
        out.push(b'\n');
    }
    if !frame.body.is_empty() {
        out.extend_from_slice(format!("{CONTENT_LENGTH}:{}\n", frame.body.len()).as_bytes());
    }
    out.push(b'\n');
    out.extend_from_slice(&frame.body);
    out.push(0);
    out
}

/// Appends a header name or value, escaped (fully, or only what would break the frame).
fn write_escaped(out: &mut Vec<u8>, text: &str, escapes: bool, is_name: bool) {
    // The escaped octets are ASCII: they never occur inside a multi-byte UTF-8 sequence.
    for &byte in text.as_bytes() {
        match byte {
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b':' if escapes || is_name => out.extend_from_slice(b"\\c"),
            b'\\' if escapes => out.extend_from_slice(b"\\\\"),
            _ => out.push(byte),
        }
    }
}

/// What a [`Decoder`] read from the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decoded {
    /// A whole frame.
    Frame(Frame),
    /// A heart-beat: one EOL (LF or CRLF) between frames.
    Heartbeat,
}

/// Errors of the STOMP codec. Offsets count bytes of the stream given to the [`Decoder`], from
/// its first byte. Quoted peer text is cut to 64 bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The command line is not a STOMP 1.2 command.
    #[error("unknown STOMP command {command:?} at byte {offset}")]
    UnknownCommand {
        /// The command line as received (lossy UTF-8, cut).
        command: String,
        /// Where the frame starts.
        offset: u64,
    },
    /// A header line is not `name:value` in UTF-8 with a name.
    #[error("bad STOMP header line {line:?} at byte {offset}: {reason}")]
    BadHeaderLine {
        /// The line as received (lossy UTF-8, cut).
        line: String,
        /// Where the line starts.
        offset: u64,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// A header has a backslash that is not one of `\r`, `\n`, `\c`, `\\` (a fatal error in
    /// STOMP 1.2).
    #[error("bad escape {sequence:?} in a STOMP header at byte {offset}")]
    BadEscape {
        /// The backslash and the character after it (the backslash alone at the end of the
        /// header).
        sequence: String,
        /// Where the backslash is.
        offset: u64,
    },
    /// The first `content-length` header is not a number of octets.
    #[error("STOMP content-length {value:?} at byte {offset} is not a number")]
    BadContentLength {
        /// The header's value (cut).
        value: String,
        /// Where the header line starts.
        offset: u64,
    },
    /// A frame is, or would be, larger than the decoder's limit.
    #[error(
        "STOMP frame at byte {offset} is larger than the limit of {limit} bytes (raise max_frame_bytes if the peer is right)"
    )]
    TooLarge {
        /// The limit ([`DEFAULT_MAX_FRAME_BYTES`] unless set with
        /// [`Decoder::with_max_frame_bytes`]).
        limit: usize,
        /// Where the frame starts.
        offset: u64,
    },
    /// The octet after a body of `content-length` octets is not the NUL terminator.
    #[error("no NUL after the STOMP body of content-length at byte {offset}: found byte 0x{found:02x}")]
    MissingNul {
        /// Where the NUL should be.
        offset: u64,
        /// The octet found there.
        found: u8,
    },
    /// A `heart-beat` header is not two numbers of milliseconds, `<x>,<y>`.
    #[error("bad STOMP heart-beat header {value:?}: expected two numbers of milliseconds, <x>,<y>")]
    BadHeartBeat {
        /// The header's value (cut).
        value: String,
    },
}

/// A frame whose command and headers are read, waiting for its body.
#[derive(Debug)]
struct Head {
    command: Command,
    headers: Vec<(String, String)>,
    /// Index in the buffer of the body's first byte.
    body_start: usize,
    /// The first `content-length` header, if any.
    content_length: Option<usize>,
    /// Body bytes already searched for the NUL (frames without `content-length`).
    scanned: usize,
}

/// Reads frames and heart-beats from a STOMP byte stream, as its pieces come.
///
/// [`push`](Decoder::push) the bytes of each WebSocket message (text or binary), then call
/// [`next`](Decoder::next) until it gives `Ok(None)`: more bytes are needed. The buffer holds at
/// most the frame being read plus the last push: a frame larger than
/// [`max_frame_bytes`](Decoder::max_frame_bytes) is an error as soon as that is known (from its
/// `content-length`, or from the bytes buffered without its end), never a growing buffer.
///
/// Errors are final: the stream is out of step, the connection must be closed (STOMP 1.2 has
/// no resynchronisation). After one, `next` gives the same error again and `push` drops its
/// bytes.
///
/// Headers of `CONNECT` and `CONNECTED` frames are taken as they are; those of other frames are
/// unescaped. A header line is split at its first `:`, so a value may hold raw colons (STOMP
/// 1.0 peers write them). Frames with no `content-length` end at the first NUL.
#[derive(Debug)]
pub struct Decoder {
    buf: BytesMut,
    max_frame_bytes: usize,
    /// Stream offset of the buffer's first byte.
    consumed: u64,
    head: Option<Head>,
    /// While the head of the frame at the front is incomplete: where its next line starts.
    head_scan: usize,
    failed: Option<FrameError>,
}

impl Default for Decoder {
    fn default() -> Self {
        Self::new()
    }
}

impl Decoder {
    /// A decoder with the [`DEFAULT_MAX_FRAME_BYTES`] limit.
    pub fn new() -> Self {
        Self {
            buf: BytesMut::new(),
            max_frame_bytes: DEFAULT_MAX_FRAME_BYTES,
            consumed: 0,
            head: None,
            head_scan: 0,
            failed: None,
        }
    }

    /// Sets the largest frame accepted, in bytes from the command's first byte to the NUL
    /// included. Default: [`DEFAULT_MAX_FRAME_BYTES`] (4 MiB).
    #[must_use]
    pub fn with_max_frame_bytes(mut self, max_frame_bytes: usize) -> Self {
        self.max_frame_bytes = max_frame_bytes;
        self
    }

    /// The largest frame accepted, in bytes.
    pub fn max_frame_bytes(&self) -> usize {
        self.max_frame_bytes
    }

    /// How many bytes are buffered: a frame or heart-beats not yet given by
    /// [`next`](Decoder::next).
    pub fn buffered(&self) -> usize {
        self.buf.len()
    }

    /// Adds bytes of the stream (for example one WebSocket message). Dropped after an error.
    pub fn push(&mut self, bytes: &[u8]) {
        if self.failed.is_none() {
            self.buf.extend_from_slice(bytes);
        }
    }

    /// The next frame or heart-beat, or `Ok(None)` when more bytes are needed.
    ///
    /// # Errors
    ///
    /// A [`FrameError`] when the stream breaks STOMP 1.2 or a frame is larger than
    /// [`max_frame_bytes`](Decoder::max_frame_bytes); it is final (see [`Decoder`]).
    #[allow(
        clippy::should_implement_trait,
        reason = "fallible and resumable: Ok(None) means more bytes are needed, not the end"
    )]
    pub fn next(&mut self) -> Result<Option<Decoded>, FrameError> {
        if let Some(error) = &self.failed {
            return Err(error.clone());
        }
        let step = self.step();
        if let Err(error) = &step {
            self.failed = Some(error.clone());
            self.buf = BytesMut::new();
            self.head = None;
        }
        step
    }

    fn step(&mut self) -> Result<Option<Decoded>, FrameError> {
        if self.head.is_none() {
            let eol = match (self.buf.first(), self.buf.get(1)) {
                (None, _) | (Some(b'\r'), None) => return Ok(None),
                (Some(b'\n'), _) => Some(1),
                (Some(b'\r'), Some(b'\n')) => Some(2),
                // Anything else, a lone CR included, starts a command line.
                _ => None,
            };
            if let Some(len) = eol {
                self.advance(len);
                return Ok(Some(Decoded::Heartbeat));
            }
            match self.read_head()? {
                Some(head) => self.head = Some(head),
                None => return Ok(None),
            }
        }
        self.read_body()
    }

    /// Takes `len` bytes (at most all) from the front of the buffer.
    fn advance(&mut self, len: usize) -> BytesMut {
        let len = len.min(self.buf.len());
        self.consumed += len as u64;
        self.buf.split_to(len)
    }

    /// The stream offset of a buffer index.
    fn offset(&self, index: usize) -> u64 {
        self.consumed + index as u64
    }

    fn too_large(&self) -> FrameError {
        FrameError::TooLarge { limit: self.max_frame_bytes, offset: self.consumed }
    }

    /// Reads the command and headers of the frame at the front of the buffer, if they are all
    /// there. Only the first `max_frame_bytes` are looked at.
    fn read_head(&mut self) -> Result<Option<Head>, FrameError> {
        let window = self.buf.get(..self.max_frame_bytes).unwrap_or(&self.buf);
        let mut lines = Lines { window, pos: 0 };

        let Some((command_start, command_line)) = lines.next() else {
            return self.incomplete();
        };
        let command = Command::from_wire(command_line).ok_or_else(|| FrameError::UnknownCommand {
            command: quote(command_line),
            offset: self.offset(command_start),
        })?;
        let escapes = command.escapes_headers();

        // The headers are parsed once their empty line is there, looked for from where the last
        // look stopped: a head that comes in many pieces is not read again for each.
        let mut scan = Lines { window, pos: self.head_scan.max(lines.pos) };
        let complete = loop {
            match scan.next() {
                Some((_, [])) => break true,
                Some(_) => {}
                None => break false,
            }
        };
        if !complete {
            self.head_scan = scan.pos;
            return self.incomplete();
        }
        self.head_scan = 0;

        let mut headers = Vec::new();
        let mut content_length = None;
        loop {
            let Some((start, line)) = lines.next() else {
                return self.incomplete();
            };
            if line.is_empty() {
                break;
            }
            let (name, value) = self.header(line, start, escapes)?;
            // A repeated header: the first wins.
            if name == CONTENT_LENGTH && content_length.is_none() {
                content_length = Some(self.content_length(&value, start)?);
            }
            headers.push((name, value));
        }
        let body_start = lines.pos;
        if let Some(len) = content_length {
            // The body, then its NUL, must fit.
            let end = body_start.checked_add(len).and_then(|end| end.checked_add(1));
            if end.is_none_or(|end| end > self.max_frame_bytes) {
                return Err(self.too_large());
            }
        }
        Ok(Some(Head { command, headers, body_start, content_length, scanned: 0 }))
    }

    /// `Ok(None)` while the part of a frame read so far fits within the limit.
    fn incomplete<T>(&self) -> Result<Option<T>, FrameError> {
        if self.buf.len() >= self.max_frame_bytes { Err(self.too_large()) } else { Ok(None) }
    }

    /// Parses one header line (its EOL cut off) that starts at buffer index `start`.
    fn header(&self, line: &[u8], start: usize, escapes: bool) -> Result<(String, String), FrameError> {
        let bad =
            |reason| FrameError::BadHeaderLine { line: quote(line), offset: self.offset(start), reason };
        let text = std::str::from_utf8(line).map_err(|_| bad("not UTF-8"))?;
        let (name, value) = text.split_once(':').ok_or_else(|| bad("no ':' after the name"))?;
        if name.is_empty() {
            return Err(bad("empty header name"));
        }
        if !escapes {
            return Ok((name.to_owned(), value.to_owned()));
        }
        let value_start = self.offset(start) + name.len() as u64 + 1;
        Ok((unescape(name, self.offset(start))?, unescape(value, value_start)?))
    }

    /// Parses the value of the first `content-length` header (of the line at index `start`).
    fn content_length(&self, value: &str, start: usize) -> Result<usize, FrameError> {
        if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
            return Err(FrameError::BadContentLength {
                value: quote(value.as_bytes()),
                offset: self.offset(start),
            });
        }
        // All digits: the only failure left is a length beyond memory, so beyond any limit.
        value.parse().map_err(|_| self.too_large())
    }

    /// Gives the frame whose head is read once its body and NUL are in the buffer.
    fn read_body(&mut self) -> Result<Option<Decoded>, FrameError> {
        let max = self.max_frame_bytes;
        let Some(head) = self.head.as_mut() else {
            return Ok(None);
        };
        let nul = match head.content_length {
            Some(len) => {
                let nul = head.body_start + len;
                let Some(&found) = self.buf.get(nul) else {
                    return Ok(None);
                };
                if found != 0 {
                    return Err(FrameError::MissingNul { offset: self.consumed + nul as u64, found });
                }
                nul
            }
            None => {
                let from = head.body_start + head.scanned;
                let window = self.buf.get(from..max.min(self.buf.len())).unwrap_or_default();
                match window.iter().position(|&b| b == 0) {
                    Some(at) => from + at,
                    None => {
                        head.scanned += window.len();
                        return self.incomplete();
                    }
                }
            }
        };
        let Some(head) = self.head.take() else {
            return Ok(None);
        };
        // `nul` is a buffer index at or after `body_start`: the splits below cannot panic.
        let mut bytes = self.advance(nul + 1);
        bytes.truncate(nul);
        let body = bytes.split_off(head.body_start.min(bytes.len())).freeze();
        Ok(Some(Decoded::Frame(Frame { command: head.command, headers: head.headers, body })))
    }
}

/// The lines of a buffer window: each with its start index, without its EOL (LF or CRLF).
struct Lines<'a> {
    window: &'a [u8],
    pos: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = (usize, &'a [u8]);

    fn next(&mut self) -> Option<Self::Item> {
        let start = self.pos;
        let rest = self.window.get(start..)?;
        let lf = rest.iter().position(|&b| b == b'\n')?;
        self.pos = start + lf + 1;
        let line = rest.get(..lf)?;
        Some((start, line.strip_suffix(b"\r").unwrap_or(line)))
    }
}

/// Undoes STOMP 1.2 header escaping; `offset` is the stream offset of the text's first byte.
fn unescape(text: &str, offset: u64) -> Result<String, FrameError> {
    if !text.contains('\\') {
        return Ok(text.to_owned());
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.char_indices();
    while let Some((at, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some((_, 'r')) => out.push('\r'),
            Some((_, 'n')) => out.push('\n'),
            Some((_, 'c')) => out.push(':'),
            Some((_, '\\')) => out.push('\\'),
            next => {
                let sequence = next.map_or_else(|| "\\".to_owned(), |(_, c)| format!("\\{c}"));
                return Err(FrameError::BadEscape { sequence, offset: offset + at as u64 });
            }
        }
    }
    Ok(out)
}

/// Peer text for an error message: lossy UTF-8, cut to [`QUOTED_BYTES`].
fn quote(bytes: &[u8]) -> String {
    match bytes.get(..QUOTED_BYTES) {
        Some(cut) if bytes.len() > QUOTED_BYTES => format!("{}...", String::from_utf8_lossy(cut)),
        _ => String::from_utf8_lossy(bytes).into_owned(),
    }
}

/// Negotiates heart-beats as STOMP 1.2 says, from the client's view: `client` is what it sent in
/// `CONNECT` (`cx`, the smallest interval it can send at; `cy`, the interval it wants to
/// receive at; milliseconds, 0 = cannot or does not want), `server_header` the `heart-beat`
/// header of `CONNECTED` (`sx,sy`; pass `"0,0"` when it is absent, as the specification says).
///
/// Gives `(send, receive)`: the client sends a heart-beat every `max(cx, sy)` unless `cx` or
/// `sy` is 0, and expects one from the server every `max(sx, cy)` unless `sx` or `cy` is 0
/// (`None`: no heart-beats that way). Timing tolerance on the receiving side is the caller's.
///
/// # Errors
///
/// [`FrameError::BadHeartBeat`] when the header is not two numbers separated by a comma.
pub fn heartbeat(
    client: (u64, u64),
    server_header: &str,
) -> Result<(Option<Duration>, Option<Duration>), FrameError> {
    let bad = || FrameError::BadHeartBeat { value: quote(server_header.as_bytes()) };
    let (sx, sy) = server_header.split_once(',').ok_or_else(bad)?;
    let millis = |text: &str| {
        (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()))
            .then(|| text.parse::<u64>().ok())
            .flatten()
    };
    let (sx, sy) = (millis(sx).ok_or_else(bad)?, millis(sy).ok_or_else(bad)?);
    let (cx, cy) = client;
    let interval = |a: u64, b: u64| (a != 0 && b != 0).then(|| Duration::from_millis(a.max(b)));
    Ok((interval(cx, sy), interval(sx, cy)))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use bytes::Bytes;

    use super::{
        Command, DEFAULT_MAX_FRAME_BYTES, Decoded, Decoder, Frame, FrameError, HEARTBEAT_EOL, encode,
        heartbeat,
    };
    use crate::transport::stomp::seed_examples::EXAMPLES;

    /// Every item the decoder gives for a stream pushed in one piece, and its error if any.
    fn decode_all(decoder: &mut Decoder) -> (Vec<Decoded>, Option<FrameError>) {
        let mut out = Vec::new();
        loop {
            match decoder.next() {
                Ok(Some(item)) => out.push(item),
                Ok(None) => return (out, None),
                Err(error) => return (out, Some(error)),
            }
        }
    }

    /// Decodes a stream pushed in pieces of `chunk` bytes; panics on an error.
    fn decode_in_chunks(stream: &[u8], chunk: usize) -> Vec<Decoded> {
        let mut decoder = Decoder::new();
        let mut out = Vec::new();
        for piece in stream.chunks(chunk) {
            decoder.push(piece);
            let (items, error) = decode_all(&mut decoder);
            assert_eq!(error, None, "chunk size {chunk}");
            out.extend(items);
        }
        assert_eq!(decoder.buffered(), 0, "chunk size {chunk}: bytes left over");
        out
    }

    /// The only error of a stream pushed in one piece.
    fn error_of(stream: &[u8]) -> FrameError {
        let mut decoder = Decoder::new();
        decoder.push(stream);
        match decode_all(&mut decoder) {
            (_, Some(error)) => error,
            (items, None) => panic!("no error, decoded {items:?}"),
        }
    }

    fn frame(decoded: &Decoded) -> &Frame {
        match decoded {
            Decoded::Frame(frame) => frame,
            Decoded::Heartbeat => panic!("a heart-beat, not a frame"),
        }
    }

    fn sample(command: Command) -> Frame {
        let frame = Frame::new(command).with_header("id", "sub-0").with_header("x-unicode", "°C é ü");
        if matches!(command, Command::Send | Command::Message | Command::Error) {
            frame.with_body(Bytes::from_static(b"{\"value\":21.5}"))
        } else {
            frame
        }
    }

    #[test]
    fn every_command_round_trips() {
        for command in Command::ALL {
            assert_eq!(Command::from_wire(command.as_str().as_bytes()), Some(command));
            let sent = sample(command);
            let items = decode_in_chunks(&encode(&sent), usize::MAX);
            assert_eq!(items.len(), 1, "{command}");
            let mut got = frame(&items[0]).clone();
            if !sent.body.is_empty() {
                // The codec adds the body's length.
                assert_eq!(got.headers.pop(), Some(("content-length".into(), "14".into())), "{command}");
            }
            assert_eq!(got, sent, "{command}");
        }
        assert!(Command::Ack.is_client() && !Command::Message.is_client());
        assert_eq!(Command::from_wire(b"message"), None, "commands are case-sensitive");
    }

    #[test]
    fn encode_writes_the_exact_frame() {
        let frame = Frame::new(Command::Send).with_header("destination", "/queue/a").with_body("hi");
        assert_eq!(encode(&frame), b"SEND\ndestination:/queue/a\ncontent-length:2\n\nhi\0");
        assert_eq!(encode(&Frame::new(Command::Disconnect)), b"DISCONNECT\n\n\0");
        assert_eq!(HEARTBEAT_EOL, b"\n");
    }

    #[test]
    fn encode_escapes_header_names_and_values() {
        let frame = Frame::new(Command::Send).with_header("a:b\\c", "1:2\n3\r4\\5");
        assert_eq!(encode(&frame), b"SEND\na\\cb\\\\c:1\\c2\\n3\\r4\\\\5\n\n\0".as_slice());
    }

    #[test]
    fn decode_unescapes_header_names_and_values() {
        let items = decode_in_chunks(b"MESSAGE\na\\cb\\\\c:1\\c2\\n3\\r4\\\\5\nraw:x:y\n\n\0", usize::MAX);
        let got = frame(&items[0]);
        assert_eq!(got.header("a:b\\c"), Some("1:2\n3\r4\\5"));
        // Split at the first colon: a raw colon stays in the value.
        assert_eq!(got.header("raw"), Some("x:y"));
        // And every escapable octet round-trips through encode.
        let sent = Frame::new(Command::Send).with_header("\\:\r\n", ":\\\n\r:");
        assert_eq!(frame(&decode_in_chunks(&encode(&sent), 3)[0]), &sent);
    }

    #[test]
    fn connect_and_connected_headers_are_not_escaped() {
        let connect =
            Frame::new(Command::Connect).with_header("login", "b1").with_header("passcode", "a:b\\c");
        assert_eq!(encode(&connect), b"CONNECT\nlogin:b1\npasscode:a:b\\c\n\n\0".as_slice());
        assert_eq!(frame(&decode_in_chunks(&encode(&connect), usize::MAX)[0]), &connect);
        // Taken as they are when read, too: `\t` is no error there.
        let items = decode_in_chunks(b"CONNECTED\nserver:x\\ty\\c\n\n\0", usize::MAX);
        assert_eq!(frame(&items[0]).header("server"), Some("x\\ty\\c"));
        // STOMP, the other name of CONNECT, is escaped like any other frame.
        let stomp = Frame::new(Command::Stomp).with_header("passcode", "a:b");
        assert_eq!(encode(&stomp), b"STOMP\npasscode:a\\cb\n\n\0".as_slice());
    }

    #[test]
    fn a_connect_header_can_never_split_its_line() {
        let connect = Frame::new(Command::Connect).with_header("na:me", "a\nreceipt:injected\r");
        assert_eq!(encode(&connect), b"CONNECT\nna\\cme:a\\nreceipt:injected\\r\n\n\0".as_slice());
        let items = decode_in_chunks(&encode(&connect), usize::MAX);
        assert_eq!(frame(&items[0]).headers.len(), 1);
        assert_eq!(frame(&items[0]).header("receipt"), None);
    }

    #[test]
    fn content_length_is_written_only_with_a_body_and_never_taken_from_the_headers() {
        let stale = Frame::new(Command::Send).with_header("content-length", "99").with_body("abc");
        assert_eq!(encode(&stale), b"SEND\ncontent-length:3\n\nabc\0");
        let empty = Frame::new(Command::Send).with_header("content-length", "99");
        assert_eq!(encode(&empty), b"SEND\n\n\0");
    }

    #[test]
    fn a_body_with_content_length_may_hold_nul() {
        let stream = b"MESSAGE\nmessage-id:1\ncontent-length:5\n\na\0b\0c\0";
        let items = decode_in_chunks(stream, usize::MAX);
        assert_eq!(items.len(), 1);
        assert_eq!(frame(&items[0]).body, Bytes::from_static(b"a\0b\0c"));
        // And encode frames it so.
        let sent = Frame::new(Command::Message).with_header("message-id", "1").with_body(&b"a\0b\0c"[..]);
        assert_eq!(encode(&sent), stream);
    }

    #[test]
    fn without_content_length_the_body_ends_at_the_first_nul() {
        let items = decode_in_chunks(b"ERROR\nmessage:bad\n\nsee here\0", usize::MAX);
        assert_eq!(frame(&items[0]).body, Bytes::from_static(b"see here"));
        assert_eq!(frame(&items[0]).header("message"), Some("bad"));
    }

    #[test]
    fn two_frames_in_one_push() {
        let mut stream = encode(&Frame::new(Command::Receipt).with_header("receipt-id", "r1"));
        stream.extend(encode(&Frame::new(Command::Message).with_header("message-id", "m1").with_body("x")));
        let mut decoder = Decoder::new();
        decoder.push(&stream);
        let (items, error) = decode_all(&mut decoder);
        assert_eq!(error, None);
        assert_eq!(items.len(), 2);
        assert_eq!(frame(&items[0]).header("receipt-id"), Some("r1"));
        assert_eq!(frame(&items[1]).body, Bytes::from_static(b"x"));
    }

    #[test]
    fn one_frame_split_over_three_pushes() {
        let stream = b"MESSAGE\nmessage-id:m1\ncontent-length:3\n\n{}\n\0";
        let mut decoder = Decoder::new();
        // Cut inside the command, inside the headers, and just before the NUL.
        for (i, piece) in
            [&stream[..4], &stream[4..20], &stream[20..stream.len() - 1]].into_iter().enumerate()
        {
            decoder.push(piece);
            assert_eq!(decoder.next(), Ok(None), "piece {i}");
        }
        decoder.push(b"\0");
        let got = decoder.next().unwrap().unwrap();
        assert_eq!(frame(&got).body, Bytes::from_static(b"{}\n"));
        assert_eq!(decoder.next(), Ok(None));
        assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn every_cut_of_a_stream_gives_the_same_items() {
        let mut stream = b"CONNECTED\r\nversion:1.2\r\nheart-beat:10000,10000\r\n\r\n\0\n".to_vec();
        stream.extend(b"MESSAGE\nmessage-id:1\ncontent-length:4\n\n\0\n\r\0\0\r\n");
        stream.extend(b"RECEIPT\nreceipt-id:77\n\n\0\n\n");
        stream.extend(b"ERROR\nmessage:a\\cb\n\nbody\0");
        let whole = decode_in_chunks(&stream, usize::MAX);
        let kinds: Vec<_> = whole.iter().map(|d| matches!(d, Decoded::Frame(_))).collect();
        assert_eq!(kinds, [true, false, true, false, true, false, false, true]);
        assert_eq!(frame(&whole[0]).header("heart-beat"), Some("10000,10000"));
        assert_eq!(frame(&whole[2]).body, Bytes::from_static(b"\0\n\r\0"));
        assert_eq!(frame(&whole[7]).header("message"), Some("a:b"));
        for chunk in 1..stream.len() {
            assert_eq!(decode_in_chunks(&stream, chunk), whole, "chunk size {chunk}");
        }
    }

    #[test]
    fn heartbeat_eols_between_frames() {
        let mut decoder = Decoder::new();
        // A WebSocket message with only a heart-beat, LF then CRLF.
        decoder.push(b"\n");
        assert_eq!(decoder.next(), Ok(Some(Decoded::Heartbeat)));
        decoder.push(b"\r\n");
        assert_eq!(decoder.next(), Ok(Some(Decoded::Heartbeat)));
        // A CR at the end of a message waits for its LF.
        decoder.push(b"\r");
        assert_eq!(decoder.next(), Ok(None));
        decoder.push(b"\nRECEIPT\nreceipt-id:1\n\n\0\n\n");
        assert_eq!(decoder.next(), Ok(Some(Decoded::Heartbeat)));
        assert!(matches!(decoder.next(), Ok(Some(Decoded::Frame(_)))));
        assert_eq!(decoder.next(), Ok(Some(Decoded::Heartbeat)));
        assert_eq!(decoder.next(), Ok(Some(Decoded::Heartbeat)));
        assert_eq!(decoder.next(), Ok(None));
    }

    #[test]
    fn a_repeated_header_first_wins() {
        let items =
            decode_in_chunks(b"MESSAGE\nfoo:1\nfoo:2\ncontent-length:3\ncontent-length:9\n\nabc\0", 1);
        let got = frame(&items[0]);
        assert_eq!(got.header("foo"), Some("1"));
        assert_eq!(got.body, Bytes::from_static(b"abc"));
        // Repeats are kept, in order, for whoever wants them.
        assert_eq!(got.headers.len(), 4);
        // A repeated content-length that is not a number is ignored, as the rest of the repeat.
        let items = decode_in_chunks(b"MESSAGE\ncontent-length:1\ncontent-length:x\n\na\0", usize::MAX);
        assert_eq!(frame(&items[0]).body, Bytes::from_static(b"a"));
    }

    #[test]
    fn an_unknown_command_is_an_error_at_its_offset() {
        // After a 14-byte frame and two heart-beats: the offset counts the stream.
        let error = error_of(b"RECEIPT\nr:1\n\n\0\n\nSUBSCRIBEE\n\n\0");
        assert_eq!(error, FrameError::UnknownCommand { command: "SUBSCRIBEE".into(), offset: 16 });
        assert!(matches!(error_of(b"message\n\n\0"), FrameError::UnknownCommand { offset: 0, .. }));
        // A lone CR is no heart-beat.
        assert!(matches!(error_of(b"\rX\n\n\0"), FrameError::UnknownCommand { offset: 0, .. }));
        // Text after a NUL-terminated body, without EOL, is read as the next command.
        let error = error_of(b"SEND\n\nab\0cd\n");
        assert_eq!(error, FrameError::UnknownCommand { command: "cd".into(), offset: 9 });
    }

    #[test]
    fn bad_header_lines_are_errors_at_their_offset() {
        let error = error_of(b"SEND\nno-colon\n\n\0");
        assert!(matches!(
            error,
            FrameError::BadHeaderLine { offset: 5, reason: "no ':' after the name", .. }
        ));
        let error = error_of(b"SEND\n:value\n\n\0");
        assert!(matches!(error, FrameError::BadHeaderLine { offset: 5, reason: "empty header name", .. }));
        let error = error_of(b"SEND\na:1\nb:\xff\n\n\0");
        assert!(matches!(error, FrameError::BadHeaderLine { offset: 9, reason: "not UTF-8", .. }));
    }

    #[test]
    fn bad_escapes_are_errors_at_the_backslash() {
        assert_eq!(
            error_of(b"SEND\nab:c\\td\n\n\0"),
            FrameError::BadEscape { sequence: "\\t".into(), offset: 9 }
        );
        assert_eq!(
            error_of(b"SEND\nab:cd\\\n\n\0"),
            FrameError::BadEscape { sequence: "\\".into(), offset: 10 }
        );
        assert_eq!(
            error_of(b"SEND\na\\x:1\n\n\0"),
            FrameError::BadEscape { sequence: "\\x".into(), offset: 6 }
        );
    }

    #[test]
    fn content_length_must_be_a_number() {
        for value in ["", "x", "-1", "+1", " 1", "1 ", "0x10", "1.5"] {
            let stream = format!("SEND\na:b\ncontent-length:{value}\n\n\0");
            assert_eq!(
                error_of(stream.as_bytes()),
                FrameError::BadContentLength { value: value.into(), offset: 9 },
                "{value:?}"
            );
        }
    }

    #[test]
    fn a_body_of_content_length_must_end_with_nul() {
        let error = error_of(b"MESSAGE\ncontent-length:2\n\nabc\0");
        assert_eq!(error, FrameError::MissingNul { offset: 28, found: b'c' });
    }

    #[test]
    fn errors_are_final() {
        let mut decoder = Decoder::new();
        decoder.push(b"NOPE\n\n\0");
        let error = decoder.next().unwrap_err();
        decoder.push(b"RECEIPT\nreceipt-id:1\n\n\0");
        assert_eq!(decoder.next(), Err(error));
        assert_eq!(decoder.buffered(), 0);
    }

    #[test]
    fn the_frame_size_limit_holds() {
        assert_eq!(Decoder::new().max_frame_bytes(), DEFAULT_MAX_FRAME_BYTES);
        assert_eq!(DEFAULT_MAX_FRAME_BYTES, 4 * 1024 * 1024);
        // Exactly at the limit passes, with content-length or without.
        let fits = b"SEND\ncontent-length:10\n\n0123456789\0";
        assert_eq!(fits.len(), 35);
        for stream in [&fits[..], b"SEND\nab:cdefghijklmnop\n\n0123456789\0"] {
            let mut decoder = Decoder::new().with_max_frame_bytes(35);
            decoder.push(stream);
            assert!(matches!(decoder.next(), Ok(Some(Decoded::Frame(_)))));
        }
        let too_large = FrameError::TooLarge { limit: 34, offset: 0 };

        // A content-length beyond the limit fails before the body comes.
        let mut decoder = Decoder::new().with_max_frame_bytes(34);
        decoder.push(&fits[..24]);
        assert_eq!(decoder.next(), Err(too_large.clone()));
        // So does a length beyond memory.
        let mut decoder = Decoder::new();
        decoder.push(b"SEND\ncontent-length:99999999999999999999999999\n\n");
        assert!(matches!(decoder.next(), Err(FrameError::TooLarge { .. })));

        // Without content-length, once the bytes buffered without a NUL reach the limit.
        let mut decoder = Decoder::new().with_max_frame_bytes(34);
        decoder.push(b"SEND\n\n");
        for _ in 0..27 {
            assert_eq!(decoder.next(), Ok(None));
            decoder.push(b"x");
        }
        assert_eq!(decoder.buffered(), 33);
        assert_eq!(decoder.next(), Ok(None));
        decoder.push(b"x");
        assert_eq!(decoder.next(), Err(too_large.clone()));

        // Even when the NUL came in the same push, past the limit.
        let mut decoder = Decoder::new().with_max_frame_bytes(34);
        decoder.push(b"SEND\n\n0123456789012345678901234567\0");
        assert_eq!(decoder.next(), Err(too_large.clone()));

        // Headers that never end.
        let mut decoder = Decoder::new().with_max_frame_bytes(34);
        decoder.push(b"SEND\nfoo:0123456789012345678901234567890123456789");
        assert_eq!(decoder.next(), Err(too_large));

        // The offset is the frame's start in the stream, and the message names the setting.
        let mut decoder = Decoder::new().with_max_frame_bytes(20);
        decoder.push(b"\nSEND\ncontent-length:30\n\n");
        assert_eq!(decoder.next(), Ok(Some(Decoded::Heartbeat)));
        let error = decoder.next().unwrap_err();
        assert_eq!(error, FrameError::TooLarge { limit: 20, offset: 1 });
        assert!(error.to_string().contains("max_frame_bytes"), "{error}");
    }

    #[test]
    fn a_big_frame_split_in_many_pushes_is_read_once_whole() {
        let body = vec![b'7'; 200_000];
        let stream = encode(&Frame::new(Command::Message).with_body(body.clone()));
        let items = decode_in_chunks(&stream, 4096);
        assert_eq!(frame(&items[0]).body, Bytes::from(body.clone()));
        // Without content-length too.
        let mut stream = b"MESSAGE\n\n".to_vec();
        stream.extend(&body);
        stream.push(0);
        let items = decode_in_chunks(&stream, 4096);
        assert_eq!(frame(&items[0]).body, Bytes::from(body));
    }

    #[test]
    fn heartbeat_negotiation_follows_the_specification() {
        let ms = |n| Some(Duration::from_millis(n));
        // Both ways: the larger of what one side can send and the other wants.
        assert_eq!(heartbeat((4000, 6000), "10000,5000"), Ok((ms(5000), ms(10000))));
        assert_eq!(heartbeat((10000, 10000), "1000,1000"), Ok((ms(10000), ms(10000))));
        // 0: the client cannot send, or the server does not want any.
        assert_eq!(heartbeat((0, 6000), "10000,5000"), Ok((None, ms(10000))));
        assert_eq!(heartbeat((4000, 6000), "10000,0"), Ok((None, ms(10000))));
        // 0: the server cannot send, or the client does not want any.
        assert_eq!(heartbeat((4000, 6000), "0,5000"), Ok((ms(5000), None)));
        assert_eq!(heartbeat((4000, 0), "10000,5000"), Ok((ms(5000), None)));
        // No heart-beat header in CONNECTED means 0,0.
        assert_eq!(heartbeat((4000, 6000), "0,0"), Ok((None, None)));
        for bad in ["", "1000", "1000,", ",1000", "a,b", "1,2,3", "-1,0", "+1,0", " 1,0", "1, 0", "1;0"] {
            assert_eq!(
                heartbeat((1, 1), bad),
                Err(FrameError::BadHeartBeat { value: bad.into() }),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn errors_quote_at_most_64_bytes() {
        let long = "X".repeat(500);
        let FrameError::UnknownCommand { command, .. } = error_of(format!("{long}\n\n\0").as_bytes()) else {
            panic!("not an unknown command")
        };
        assert_eq!(command, format!("{}...", &long[..64]));
    }

    // Frames shaped as Hemis sends and takes them (seed 000): STOMP over WebSocket to
    // `hemis_stomp_url`, login = buildingId, passcode = the Hemis token.

    const BUILDING: &str = "MyHemis";

    #[test]
    fn hemis_connect_and_subscribe_frames() {
        let connect = Frame::new(Command::Connect)
            .with_header("accept-version", "1.2")
            .with_header("host", "somename-stomp.eu-west.ubiant.io")
            .with_header("login", BUILDING)
            .with_header("passcode", "token:with\\odd/chars=")
            .with_header("heart-beat", "10000,10000");
        assert_eq!(
            String::from_utf8(encode(&connect)).unwrap(),
            "CONNECT\naccept-version:1.2\nhost:somename-stomp.eu-west.ubiant.io\nlogin:MyHemis\n\
             passcode:token:with\\odd/chars=\nheart-beat:10000,10000\n\n\0"
        );
        for (id, topic) in [("0", "data"), ("1", "management")] {
            let subscribe = Frame::new(Command::Subscribe)
                .with_header("id", id)
                .with_header("destination", format!("jms.topic.{BUILDING}.{topic}"))
                .with_header("ack", "client-individual")
                .with_header("receipt", format!("sub-{id}"));
            assert_eq!(
                String::from_utf8(encode(&subscribe)).unwrap(),
                format!(
                    "SUBSCRIBE\nid:{id}\ndestination:jms.topic.MyHemis.{topic}\nack:client-individual\n\
                     receipt:sub-{id}\n\n\0"
                )
            );
        }
        let ack = Frame::new(Command::Ack).with_header("id", "T_0@@session-1@@7");
        assert_eq!(encode(&ack), b"ACK\nid:T_0@@session-1@@7\n\n\0");
        let nack = Frame::new(Command::Nack).with_header("id", "T_0@@session-1@@8");
        assert_eq!(encode(&nack), b"NACK\nid:T_0@@session-1@@8\n\n\0");
    }

    #[test]
    fn hemis_connected_receipt_and_error_frames() {
        let mut stream = b"CONNECTED\nversion:1.2\nheart-beat:0,10000\nserver:RabbitMQ/3.12\n\n\0\n".to_vec();
        stream.extend(b"RECEIPT\nreceipt-id:sub-0\n\n\0\n");
        stream.extend(b"ERROR\nmessage:Bad CONNECT\ncontent-type:text/plain\ncontent-length:19\n\n");
        stream.extend(b"Access refused\n\0\0\0\0\0");
        let items = decode_in_chunks(&stream, 7);
        let frames: Vec<&Frame> =
            items.iter().filter_map(|d| if let Decoded::Frame(f) = d { Some(f) } else { None }).collect();
        assert_eq!(frames.len(), 3);
        let connected = frames[0];
        assert_eq!(connected.command, Command::Connected);
        let server = connected.header("heart-beat").unwrap_or("0,0");
        // The client offers 10 s both ways; the server sends none and wants one every 10 s.
        assert_eq!(heartbeat((10_000, 10_000), server), Ok((Some(Duration::from_secs(10)), None)));
        assert_eq!((frames[1].command, frames[1].header("receipt-id")), (Command::Receipt, Some("sub-0")));
        assert_eq!(frames[2].command, Command::Error);
        assert_eq!(frames[2].header("message"), Some("Bad CONNECT"));
        assert_eq!(frames[2].body, Bytes::from_static(b"Access refused\n\0\0\0\0"));
    }

    #[test]
    fn hemis_messages_of_the_seed_come_out_verbatim() {
        // Every example of the seed, as a MESSAGE on its topic, one stream with heart-beats,
        // alternately with and without content-length.
        let mut stream = Vec::new();
        for (i, (_, topic, json)) in EXAMPLES.iter().enumerate() {
            let message = Frame::new(Command::Message)
                .with_header("subscription", if *topic == "data" { "0" } else { "1" })
                .with_header("destination", format!("jms.topic.{BUILDING}.{topic}"))
                .with_header("message-id", format!("T_0@@session-1@@{i}"))
                .with_header("redelivered", "false")
                .with_header("ack", format!("T_0@@session-1@@{i}"))
                .with_header("content-type", "application/json;charset=UTF-8")
                .with_body(json.as_bytes().to_vec());
            if i % 2 == 1 {
                let mut bytes = encode(&message);
                // Drop the content-length line encode wrote.
                let header = b"content-length:";
                let at = bytes.windows(header.len()).position(|w| w == header).unwrap();
                let eol = at + bytes[at..].iter().position(|&b| b == b'\n').unwrap();
                bytes.drain(at..=eol);
                stream.extend(bytes);
            } else {
                stream.extend(encode(&message));
            }
            stream.extend(b"\r\n");
        }
        for chunk in [1, 13, 512, usize::MAX] {
            let items = decode_in_chunks(&stream, chunk);
            assert_eq!(items.len(), 2 * EXAMPLES.len(), "chunk size {chunk}");
            for (i, (kind, topic, json)) in EXAMPLES.iter().enumerate() {
                let message = frame(&items[2 * i]);
                assert_eq!(items[2 * i + 1], Decoded::Heartbeat);
                assert_eq!(message.command, Command::Message);
                let destination = format!("jms.topic.{BUILDING}.{topic}");
                assert_eq!(message.header("destination"), Some(destination.as_str()));
                assert_eq!(message.header("ack"), Some(format!("T_0@@session-1@@{i}").as_str()));
                assert_eq!(message.header("content-length").is_some(), i % 2 == 0, "example {i}");
                assert_eq!(message.body, Bytes::from(json.as_bytes().to_vec()), "example {i} ({kind})");
                let value: serde_json::Value = serde_json::from_slice(&message.body).unwrap();
                assert_eq!(value["type"], *kind, "example {i}");
            }
        }
    }
}
