//! The JSON splitter.

use std::io::BufRead;

use crate::{Capture, Record, next_byte};

/// An open object or array.
#[derive(Debug)]
struct Frame {
    array: bool,
    /// How many keys of the path lead here; none once off the path.
    matched: Option<usize>,
}

/// Cuts the records out of a JSON stream: the elements of the array at a path of object keys,
/// or every top-level value of a sequence (NDJSON). See the [crate] doc.
#[derive(Debug)]
pub struct JsonSplitter {
    path: Vec<Vec<u8>>,
    /// Every top-level value is a record (set, or found: an empty path and a first value that
    /// is not an array).
    sequence: Option<bool>,
    line: u64,
    stack: Vec<Frame>,
    in_string: bool,
    escape: bool,
    expect_key: bool,
    key: Option<Vec<u8>>,
    pending_key: Option<Vec<u8>>,
    capture: Option<(Capture, usize)>,
}

impl JsonSplitter {
    /// The elements of the array at `path` (object keys joined by `.`; empty: the top-level
    /// array, or every top-level value when the stream is not one array).
    pub fn at_path(path: &str) -> Self {
        let path: Vec<Vec<u8>> =
            path.split('.').filter(|k| !k.is_empty()).map(|k| k.as_bytes().to_vec()).collect();
        Self {
            sequence: if path.is_empty() { None } else { Some(false) },
            path,
            line: 1,
            stack: Vec::new(),
            in_string: false,
            escape: false,
            expect_key: false,
            key: None,
            pending_key: None,
            capture: None,
        }
    }

    /// Every top-level value is a record, whatever it is (the body of a chunk the host cut).
    pub fn sequence() -> Self {
        let mut s = Self::at_path("");
        s.sequence = Some(true);
        s
    }

    /// Numbers lines from `line` (the stream starts on that line of a file).
    #[must_use]
    pub fn starting_at(mut self, line: u64) -> Self {
        self.line = line.max(1);
        self
    }

    /// Whether values at the current place are records.
    fn in_target(&self) -> bool {
        match self.stack.last() {
            None => self.sequence == Some(true),
            Some(f) => f.array && f.matched == Some(self.path.len()) && self.sequence != Some(true),
        }
    }

    /// The next record; none at the end of the stream. A record is at most `cap` bytes.
    ///
    /// # Errors
    /// A read error of `reader`.
    pub fn next_record(&mut self, reader: &mut impl BufRead, cap: usize) -> std::io::Result<Option<Record>> {
        loop {
            let Some(b) = next_byte(reader)? else {
                // The end: a record still open (a top-level number, a cut structure) ends here.
                self.stack.clear();
                return Ok(self.capture.take().map(|(c, _)| c.finish()));
            };
            if let Some((c, _)) = &mut self.capture {
                c.push(b, cap);
            }
            if b == b'\n' {
                self.line += 1;
            }
            if self.in_string {
                if self.escape {
                    self.escape = false;
                } else if b == b'\\' {
                    self.escape = true;
                } else if b == b'"' {
                    self.in_string = false;
                    if let Some(k) = self.key.take() {
                        self.pending_key = Some(k);
                    }
                } else if let Some(k) = &mut self.key {
                    k.push(b);
                }
                // A top-level string of a sequence ends with its quote.
                if !self.in_string
                    && self.stack.is_empty()
                    && let Some(r) = self.end_scalar(b)
                {
                    return Ok(Some(r));
                }
                continue;
            }
            // A byte order mark before the first value is no value.
            if self.stack.is_empty() && self.capture.is_none() && matches!(b, 0xEF | 0xBB | 0xBF) {
                continue;
            }
            if b.is_ascii_whitespace() {
                // A top-level scalar of a sequence ends at white space.
                if self.stack.is_empty()
                    && let Some(r) = self.end_scalar(b)
                {
                    return Ok(Some(r));
                }
                continue;
            }
            if self.sequence.is_none() {
                self.sequence = Some(b != b'[');
            }
            if self.capture.is_none() && self.in_target() && b != b',' && b != b']' {
                let mut c = Capture::new(self.line);
                c.push(b, cap);
                self.capture = Some((c, self.stack.len()));
            }
            match b {
                b'"' => {
                    self.in_string = true;
                    let top = self.stack.last();
                    let wanted =
                        top.is_some_and(|f| !f.array && f.matched.is_some_and(|m| m < self.path.len()));
                    if self.expect_key && wanted {
                        self.key = Some(Vec::new());
                    }
                }
                b':' => self.expect_key = false,
                b',' => {
                    if self.stack.last().is_some_and(|f| !f.array) {
                        self.expect_key = true;
                    }
                    if let Some(r) = self.end_scalar(b) {
                        return Ok(Some(r));
                    }
                }
                b'{' | b'[' => {
                    let matched = match self.stack.last() {
                        None => Some(0),
                        Some(parent) if !parent.array => match (parent.matched, self.pending_key.take()) {
                            (Some(n), Some(k)) if self.path.get(n) == Some(&k) => Some(n + 1),
                            _ => None,
                        },
                        Some(_) => None,
                    };
                    self.pending_key = None;
                    self.stack.push(Frame { array: b == b'[', matched });
                    self.expect_key = b == b'{';
                }
                b'}' | b']' => {
                    // A scalar element ends at its array's close; a container record at its own.
                    let scalar = self.end_scalar(b);
                    self.stack.pop();
                    self.pending_key = None;
                    self.expect_key = false;
                    if scalar.is_some() {
                        return Ok(scalar);
                    }
                    if let Some((_, depth)) = &self.capture
                        && *depth == self.stack.len()
                    {
                        return Ok(self.capture.take().map(|(c, _)| c.finish()));
                    }
                }
                _ => {}
            }
        }
    }

    /// Ends a scalar record (a number, a literal, a string) at a delimiter `b` at its own level,
    /// without the delimiter.
    fn end_scalar(&mut self, b: u8) -> Option<Record> {
        let (c, depth) = self.capture.as_ref()?;
        // A container ends at its own close (see `next_record`), not at a delimiter.
        if self.stack.len() != *depth || matches!(c.bytes.first(), Some(b'{' | b'[')) {
            return None;
        }
        let depth = *depth;
        let (mut c, _) = self.capture.take()?;
        let is_string = c.bytes.first() == Some(&b'"');
        // A string ends at its closing quote; its delimiter is the quote itself, kept.
        if b == b'"' {
            if !is_string || c.bytes.len() < 2 {
                self.capture = Some((c, depth));
                return None;
            }
        } else if c.bytes.last() == Some(&b) && !c.truncated {
            c.bytes.pop();
        }
        Some(c.finish())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::JsonSplitter;

    fn all(mut s: JsonSplitter, text: &str, cap: usize) -> Vec<(u64, String, bool)> {
        let mut input = text.as_bytes();
        let mut out = Vec::new();
        while let Some(r) = s.next_record(&mut input, cap).unwrap() {
            out.push((r.line, String::from_utf8(r.bytes).unwrap(), r.truncated));
        }
        out
    }

    #[test]
    fn elements_of_the_array_at_a_path_with_their_lines() {
        let text = "{\"meta\": {\"measures\": [9]},\n \"data\": {\"n\": \"}]\\\"\", \"measures\": [\n  {\"Module\": \"m1\", \"v\": [1, 2]},\n  {\"Module\": \"m{2\"}\n, 3 , \"x,y\", null]}}\n";
        let got = all(JsonSplitter::at_path("data.measures"), text, 1024);
        assert_eq!(
            got,
            vec![
                (3, r#"{"Module": "m1", "v": [1, 2]}"#.into(), false),
                (4, r#"{"Module": "m{2"}"#.into(), false),
                (5, "3".into(), false),
                (5, r#""x,y""#.into(), false),
                (5, "null".into(), false),
            ]
        );
    }

    #[test]
    fn a_top_level_array_and_ndjson() {
        assert_eq!(
            all(JsonSplitter::at_path(""), "[{\"a\":1},\n{\"a\":2}]", 64),
            vec![(1, "{\"a\":1}".into(), false), (2, "{\"a\":2}".into(), false)]
        );
        assert_eq!(
            all(JsonSplitter::at_path(""), "{\"a\":1}\n{\"a\":[2]}\n\n{bad\n", 64),
            vec![(1, "{\"a\":1}".into(), false), (2, "{\"a\":[2]}".into(), false), (4, "{bad".into(), false)]
        );
        let seq = all(JsonSplitter::sequence().starting_at(10), "[1]\n\n{\"a\":2} 7 \"s\"", 64);
        let bom = all(JsonSplitter::at_path(""), "\u{feff}[1, 2]", 64);
        assert_eq!(bom, vec![(1, "1".into(), false), (1, "2".into(), false)]);
        assert_eq!(
            seq,
            vec![
                (10, "[1]".into(), false),
                (12, "{\"a\":2}".into(), false),
                (12, "7".into(), false),
                (12, "\"s\"".into(), false)
            ]
        );
    }

    #[test]
    fn a_record_past_the_cap_is_truncated_and_the_next_is_whole() {
        let text = r#"[{"a": "0123456789"}, {"b": 1}]"#;
        assert_eq!(
            all(JsonSplitter::at_path(""), text, 8),
            vec![(1, r#"{"a": "0"#.into(), true), (1, r#"{"b": 1}"#.into(), false)]
        );
    }

    #[test]
    fn a_path_not_in_the_document_gives_no_record() {
        assert!(all(JsonSplitter::at_path("data.x"), r#"{"data": {"y": [1, 2]}, "x": [3]}"#, 64).is_empty());
    }
}
