//! Record splitters: the records of a JSON or XML stream, one at a time, with bounded memory.
//!
//! The host's file transports cut a file into chunks of whole records with them (a JSON array
//! of a million elements or an XML document of a million `<record>` elements never sits in
//! memory whole), and the flat-files plugin cuts a chunk into its records with the very same
//! code, so both agree on where a record starts and on its line number.
//!
//! - [`JsonSplitter`]: the elements of the array at a dotted path of object keys
//!   (`data.measures`; empty: the top-level array), or every top-level value of a sequence
//!   (NDJSON: one object per line). It tracks strings, escapes and nesting, byte by byte; it
//!   does not validate: a malformed record is still cut out, and fails when it is parsed.
//! - [`XmlSplitter`]: every element of a name (`record`; matched on its local name, any
//!   prefix), with its attributes and content, wherever it is in the document.
//!
//! A record is at most `cap` bytes: past it, the rest of its bytes are read but not kept, and
//! the record is marked [`Record::truncated`] (it cannot be read; the reader reports it).
//!
//! ```
//! use passerelle_records::JsonSplitter;
//! let text = b"{\"data\": {\"measures\": [\n  {\"v\": 1},\n  {\"v\": 2}\n]}}";
//! let mut s = JsonSplitter::at_path("data.measures");
//! let mut input = &text[..];
//! let first = s.next_record(&mut input, 1024).unwrap().unwrap();
//! assert_eq!((first.line, first.bytes.as_slice()), (2, &b"{\"v\": 1}"[..]));
//! assert_eq!(s.next_record(&mut input, 1024).unwrap().unwrap().line, 3);
//! assert!(s.next_record(&mut input, 1024).unwrap().is_none());
//! ```

mod json;
mod xml;

pub use json::JsonSplitter;
pub use xml::XmlSplitter;

use std::io::BufRead;

/// One record cut out of a stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The 1-based line of its first byte.
    pub line: u64,
    /// The line of its last byte.
    pub end_line: u64,
    /// Its bytes, exactly as in the stream (the first `cap` bytes when truncated).
    pub bytes: Vec<u8>,
    /// It was longer than the cap: only its first bytes are kept.
    pub truncated: bool,
}

/// A record being read.
#[derive(Debug, Default)]
struct Capture {
    line: u64,
    bytes: Vec<u8>,
    truncated: bool,
}

impl Capture {
    fn new(line: u64) -> Self {
        Self { line, bytes: Vec::new(), truncated: false }
    }

    fn push(&mut self, b: u8, cap: usize) {
        if self.bytes.len() < cap {
            self.bytes.push(b);
        } else {
            self.truncated = true;
        }
    }

    fn finish(mut self) -> Record {
        while self.bytes.last().is_some_and(u8::is_ascii_whitespace) {
            self.bytes.pop();
        }
        let breaks = self.bytes.iter().filter(|&&b| b == b'\n').count() as u64;
        Record { line: self.line, end_line: self.line + breaks, bytes: self.bytes, truncated: self.truncated }
    }
}

/// The next byte of a buffered reader; none at its end.
fn next_byte(reader: &mut impl BufRead) -> std::io::Result<Option<u8>> {
    let b = match reader.fill_buf()?.first() {
        Some(&b) => b,
        None => return Ok(None),
    };
    reader.consume(1);
    Ok(Some(b))
}

/// The body of a chunk of records: each record's bytes, separated by as many line ends as
/// there were between them in the stream (a space when none), so a splitter run on the body
/// from the first record's line gives every record its line in the stream again.
pub fn join(records: &[Record]) -> Vec<u8> {
    let mut body = Vec::with_capacity(records.iter().map(|r| r.bytes.len() + 1).sum());
    let mut previous: Option<u64> = None;
    for r in records {
        push_separated(&mut body, previous, r);
        previous = Some(r.end_line);
    }
    body
}

/// Appends one record to a chunk body after the record that ended on line `previous` (see
/// [`join`]).
pub fn push_separated(body: &mut Vec<u8>, previous: Option<u64>, record: &Record) {
    if let Some(end) = previous {
        let gap = record.line.saturating_sub(end);
        if gap == 0 {
            body.push(b' ');
        }
        body.extend(std::iter::repeat_n(b'\n', usize::try_from(gap).unwrap_or(0)));
    }
    body.extend_from_slice(&record.bytes);
}
