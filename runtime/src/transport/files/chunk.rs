use std::io::{BufRead, Read};

use passerelle_records::{JsonSplitter, XmlSplitter};

use super::Records;

/// Default number of records (lines) in one chunk: 5000. Per-chunk costs (a plugin call, a
/// ledger entry, a sink job) are shared by more readings than at 2000, the default before
/// (`scripts/bench-files`: the README has the figures), and a chunk of short CSV lines still
/// takes the plugin a few milliseconds, far below its deadline.
pub const DEFAULT_CHUNK_RECORDS: usize = 5000;
/// Default size cap of one chunk: 1 MiB. A chunk ends at the record that reaches it; a single
/// line longer than this is cut at this size (its pieces fail to parse and are dead-lettered).
pub const DEFAULT_CHUNK_BYTES: usize = 1 << 20;

/// One chunk of a file: whole records, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chunk {
    /// Its index in the file, from 0.
    pub index: u64,
    /// The 1-based line number of its first line in the (decompressed) file.
    pub first_line: u64,
    /// How many records it holds.
    pub records: u64,
    /// The records, each with its line end.
    pub body: Vec<u8>,
}

/// The splitter of records that are not lines.
#[derive(Debug)]
enum Splitter {
    Json(JsonSplitter),
    Xml(XmlSplitter),
}

/// Cuts a byte stream into chunks of whole records with bounded memory. A record is a line,
/// or, when `quote` is set, as many lines as it takes to close a quoted field (CSV: a field may
/// hold a line break), up to the chunk size cap; or, with [`Chunker::records`], a JSON or XML
/// record (a record longer than the cap is cut there, and fails to parse: dead-lettered).
#[derive(Debug)]
pub struct Chunker<R> {
    reader: R,
    max_records: usize,
    max_bytes: usize,
    quote: Option<u8>,
    /// Take the first record as a header, repeated with every chunk rather than in it.
    header_wanted: bool,
    header: Option<String>,
    started: bool,
    /// Physical lines read so far.
    line: u64,
    next_index: u64,
    record: Vec<u8>,
    splitter: Option<Splitter>,
    /// A JSON or XML record read but left for the next chunk (one cut at the cap goes alone).
    pending: Option<passerelle_records::Record>,
}

impl<R: BufRead> Chunker<R> {
    /// A chunker of at most `max_records` records and about `max_bytes` bytes per chunk (both at
    /// least 1); `header` takes the first line apart; `quote` keeps quoted line breaks inside
    /// their record.
    pub fn new(reader: R, max_records: usize, max_bytes: usize, header: bool, quote: Option<u8>) -> Self {
        Self {
            reader,
            max_records: max_records.max(1),
            max_bytes: max_bytes.max(1),
            quote,
            header_wanted: header,
            header: None,
            started: false,
            line: 0,
            next_index: 0,
            record: Vec::new(),
            splitter: None,
            pending: None,
        }
    }

    /// Cuts JSON or XML records rather than lines (then there is no header line). A record
    /// longer than the chunk cap is cut there and goes in a chunk of its own: its broken
    /// structure cannot swallow the records after it when the plugin reads the chunk.
    #[must_use]
    pub fn records(mut self, records: &Records) -> Self {
        self.splitter = match records {
            Records::Lines => None,
            Records::Json { path } => Some(Splitter::Json(JsonSplitter::at_path(path))),
            Records::Xml { element } => Some(Splitter::Xml(XmlSplitter::element(element))),
        };
        if self.splitter.is_some() {
            self.header_wanted = false;
        }
        self
    }

    /// The next JSON or XML record.
    fn split_record(&mut self) -> std::io::Result<Option<passerelle_records::Record>> {
        match &mut self.splitter {
            Some(Splitter::Json(s)) => s.next_record(&mut self.reader, self.max_bytes),
            Some(Splitter::Xml(s)) => s.next_record(&mut self.reader, self.max_bytes),
            None => Ok(None),
        }
    }

    /// The header line (without its line end), once the first chunk or skip has read it.
    pub fn header(&self) -> Option<&str> {
        self.header.as_deref()
    }

    /// Skips `records` records (those of chunks already committed) and numbers the next chunk
    /// `next_index`.
    ///
    /// # Errors
    /// A read error (a corrupt gzip stream).
    pub fn skip(&mut self, records: u64, next_index: u64) -> std::io::Result<()> {
        self.start()?;
        for _ in 0..records {
            if self.splitter.is_some() {
                if self.split_record()?.is_none() {
                    break;
                }
                continue;
            }
            if !self.read_record()? {
                break;
            }
        }
        self.next_index = next_index;
        Ok(())
    }

    /// The next chunk; none at the end of the stream.
    ///
    /// # Errors
    /// A read error (a corrupt gzip stream).
    pub fn next_chunk(&mut self) -> std::io::Result<Option<Chunk>> {
        self.start()?;
        let mut body = Vec::new();
        let mut records = 0u64;
        let mut first_line = 0;
        let mut previous_end = None;
        while self.splitter.is_some() && records < self.max_records as u64 && body.len() < self.max_bytes {
            let record = match self.pending.take() {
                Some(r) => r,
                None => match self.split_record()? {
                    Some(r) => r,
                    None => break,
                },
            };
            if record.truncated && records > 0 {
                self.pending = Some(record);
                break;
            }
            if records == 0 {
                first_line = record.line;
            }
            passerelle_records::push_separated(&mut body, previous_end, &record);
            previous_end = Some(record.end_line);
            records += 1;
            if record.truncated {
                break;
            }
        }
        while self.splitter.is_none() && records < self.max_records as u64 && body.len() < self.max_bytes {
            let line = self.line + 1;
            if !self.read_record()? {
                break;
            }
            if records == 0 {
                first_line = line;
            }
            body.extend_from_slice(&self.record);
            records += 1;
        }
        if records == 0 {
            return Ok(None);
        }
        let index = self.next_index;
        self.next_index += 1;
        Ok(Some(Chunk { index, first_line, records, body }))
    }

    fn start(&mut self) -> std::io::Result<()> {
        if !self.started {
            self.started = true;
            if self.header_wanted && self.read_record()? {
                let text = String::from_utf8_lossy(&self.record);
                self.header = Some(text.trim_end_matches(['\r', '\n']).to_string());
            }
        }
        Ok(())
    }

    /// Reads one record into `self.record`; false at the end of the stream.
    fn read_record(&mut self) -> std::io::Result<bool> {
        self.record.clear();
        loop {
            let before = self.record.len();
            let cap = (self.max_bytes.saturating_sub(before)).max(1) as u64;
            let n = (&mut self.reader).take(cap).read_until(b'\n', &mut self.record)?;
            if n == 0 {
                return Ok(before > 0);
            }
            self.line += 1;
            let open = match self.quote {
                Some(q) => self.record.iter().filter(|&&b| b == q).count() % 2 == 1,
                None => false,
            };
            let ended = self.record.last() == Some(&b'\n');
            if !open || !ended || self.record.len() >= self.max_bytes {
                return Ok(true);
            }
        }
    }
}

/// One half of a chunk's records (see [`halve`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Half {
    /// The 1-based line of its first record in the file.
    pub(crate) first_line: u64,
    /// How many records it holds.
    pub(crate) records: u64,
    /// Its records, as a chunk holds them.
    pub(crate) body: Vec<u8>,
}

/// Cuts the body of a chunk (or of a part of one) that starts on line `first_line` and holds
/// `records` records into two halves of whole records, cut where the [`Chunker`] (lines, with
/// `quote`) or the plugin's splitter (`json`, `xml` records: the body is
/// [`passerelle_records::join`]ed) sees a record end, each numbered from its first line; none
/// when it holds fewer than two records. CPU work over the whole body: off the executor.
pub(crate) fn halve(
    body: &[u8],
    first_line: u64,
    records: u64,
    quote: Option<u8>,
    split: &Records,
) -> Option<[Half; 2]> {
    let cap = body.len().saturating_add(1);
    let whole = |rs: &[passerelle_records::Record]| {
        let first_line = rs.first().map_or(first_line, |r| r.line);
        Half { first_line, records: rs.len() as u64, body: passerelle_records::join(rs) }
    };
    let mut input = body;
    let mut rs = Vec::new();
    match split {
        Records::Lines => {
            let want = usize::try_from(records / 2).unwrap_or(usize::MAX).max(1);
            let mut chunker = Chunker::new(body, want, cap, false, quote);
            let first = chunker.next_chunk().ok()??;
            let rest = body.get(first.body.len()..).filter(|r| !r.is_empty())?;
            let lines = first.body.iter().filter(|&&b| b == b'\n').count() as u64;
            let left = records.checked_sub(first.records).filter(|&n| n > 0)?;
            return Some([
                Half { first_line, records: first.records, body: first.body },
                Half { first_line: first_line + lines, records: left, body: rest.to_vec() },
            ]);
        }
        Records::Json { .. } => {
            let mut s = passerelle_records::JsonSplitter::sequence().starting_at(first_line);
            while let Ok(Some(r)) = s.next_record(&mut input, cap) {
                rs.push(r);
            }
        }
        Records::Xml { element } => {
            let mut s = passerelle_records::XmlSplitter::element(element).starting_at(first_line);
            while let Ok(Some(r)) = s.next_record(&mut input, cap) {
                rs.push(r);
            }
        }
    }
    if rs.len() < 2 {
        return None;
    }
    let (a, b) = rs.split_at(rs.len() / 2);
    Some([whole(a), whole(b)])
}

#[cfg(test)]
mod tests {
    use super::Chunker;

    fn all(text: &str, records: usize, header: bool) -> (Option<String>, Vec<(u64, u64, String)>) {
        let mut c = Chunker::new(text.as_bytes(), records, 1 << 20, header, Some(b'"'));
        let mut out = Vec::new();
        while let Some(chunk) = c.next_chunk().unwrap() {
            out.push((chunk.index, chunk.first_line, String::from_utf8(chunk.body).unwrap()));
        }
        (c.header().map(str::to_string), out)
    }

    #[test]
    fn chunks_hold_whole_records_with_their_first_line_number() {
        let (header, chunks) = all("h1;h2\r\na;1\r\nb;2\r\nc;3", 2, true);
        assert_eq!(header.as_deref(), Some("h1;h2"));
        assert_eq!(chunks, vec![(0, 2, "a;1\r\nb;2\r\n".into()), (1, 4, "c;3".into())]);
    }

    #[test]
    fn a_quoted_line_break_stays_in_its_record() {
        let (_, chunks) = all("a;\"x\ny\"\nb;2\n", 1, false);
        assert_eq!(chunks, vec![(0, 1, "a;\"x\ny\"\n".into()), (1, 3, "b;2\n".into())]);
    }

    #[test]
    fn a_resumed_chunker_continues_where_the_committed_chunks_ended() {
        let text = "h\n1\n2\n3\n4\n5\n";
        let mut c = Chunker::new(text.as_bytes(), 2, 1 << 20, true, None);
        c.skip(2, 1).unwrap();
        let chunk = c.next_chunk().unwrap().unwrap();
        assert_eq!((chunk.index, chunk.first_line, chunk.body.as_slice()), (1, 4, &b"3\n4\n"[..]));
        assert_eq!(c.header(), Some("h"));
    }

    #[test]
    fn json_and_xml_chunks_hold_whole_records_and_resume_after_skipped_ones() {
        use crate::transport::files::Records;
        let text = "{\"data\": [\n {\"m\": 1},\n {\"m\": 2}, {\"m\": 3},\n\n {\"m\": 4}\n]}";
        let json = Records::Json { path: "data".into() };
        let mut c = Chunker::new(text.as_bytes(), 2, 1 << 20, true, Some(b'"')).records(&json);
        let first = c.next_chunk().unwrap().unwrap();
        assert_eq!((first.first_line, first.body.as_slice()), (2, &b"{\"m\": 1}\n{\"m\": 2}"[..]));
        let second = c.next_chunk().unwrap().unwrap();
        assert_eq!((second.first_line, second.body.as_slice()), (3, &b"{\"m\": 3}\n\n{\"m\": 4}"[..]));
        assert!(c.next_chunk().unwrap().is_none() && c.header().is_none());
        let mut c = Chunker::new(text.as_bytes(), 2, 1 << 20, false, None).records(&json);
        c.skip(3, 1).unwrap();
        let last = c.next_chunk().unwrap().unwrap();
        assert_eq!((last.index, last.first_line, last.records), (1, 5, 1));
        let xml = "<x>\n<r a='1'/>\n<r><v>2</v></r>\n</x>";
        let mut c = Chunker::new(xml.as_bytes(), 10, 1 << 20, false, None)
            .records(&Records::Xml { element: "r".into() });
        let chunk = c.next_chunk().unwrap().unwrap();
        assert_eq!(
            (chunk.first_line, chunk.records, chunk.body.as_slice()),
            (2, 2, &b"<r a='1'/>\n<r><v>2</v></r>"[..])
        );
    }

    #[test]
    fn a_record_cut_at_the_cap_goes_alone_in_its_chunk() {
        use crate::transport::files::Records;
        let long = format!("{{\"m\": \"{}\"}}", "x".repeat(2000));
        let text = format!("[{{\"m\": 1}},\n{long},\n{{\"m\": 3}}]");
        let mut c = Chunker::new(text.as_bytes(), 10, 1024, false, None)
            .records(&Records::Json { path: String::new() });
        let sizes: Vec<(u64, u64, usize)> = std::iter::from_fn(|| c.next_chunk().unwrap())
            .map(|ch| (ch.first_line, ch.records, ch.body.len()))
            .collect();
        assert_eq!(sizes, vec![(1, 1, 8), (2, 1, 1024), (3, 1, 8)]);
    }

    #[test]
    fn memory_is_bounded_by_the_chunk_cap_even_for_an_endless_line_or_quote() {
        let line = "x".repeat(100);
        let mut c = Chunker::new(line.as_bytes(), 10, 16, false, None);
        let first = c.next_chunk().unwrap().unwrap();
        assert_eq!(first.body.len(), 16);
        let open = format!("\"{}\n", "y\n".repeat(50));
        let mut c = Chunker::new(open.as_bytes(), 1, 16, false, Some(b'"'));
        assert!(c.next_chunk().unwrap().unwrap().body.len() <= 17);
    }
}

#[cfg(test)]
mod halve_tests {
    use super::{Chunker, Half, halve};
    use crate::transport::files::Records;

    /// Halves the first chunk of `text` again and again, down to single records: every record
    /// once, in order, each half numbered as the chunker numbered its records.
    fn down_to_records(text: &str, quote: Option<u8>, split: &Records) -> Vec<(u64, String)> {
        let mut c = Chunker::new(text.as_bytes(), 1000, 1 << 20, false, quote).records(split);
        let chunk = c.next_chunk().unwrap().unwrap();
        let mut todo = vec![Half { first_line: chunk.first_line, records: chunk.records, body: chunk.body }];
        let mut out = Vec::new();
        while let Some(part) = todo.pop() {
            match halve(&part.body, part.first_line, part.records, quote, split) {
                Some([a, b]) => {
                    assert_eq!(a.records + b.records, part.records);
                    todo.push(b);
                    todo.push(a);
                }
                None => {
                    assert_eq!(part.records, 1, "{part:?}");
                    out.push((part.first_line, String::from_utf8(part.body).unwrap()));
                }
            }
        }
        out
    }

    #[test]
    fn lines_halve_at_record_ends_even_inside_quotes_and_keep_their_line_numbers() {
        let text = "a;1\r\nb;\"x\ny\"\nc;3\nd;4\ne;5";
        let got = down_to_records(text, Some(b'"'), &Records::Lines);
        let want = [(1, "a;1\r\n"), (2, "b;\"x\ny\"\n"), (4, "c;3\n"), (5, "d;4\n"), (6, "e;5")];
        assert_eq!(got, want.map(|(l, t)| (l, t.to_string())).to_vec());
    }

    #[test]
    fn json_and_xml_records_halve_at_record_ends_with_their_lines() {
        let json = "[{\"m\": 1},\n{\"m\": 2}, {\"m\": [3,\n4]},\n\n{\"m\": 5}]";
        let got = down_to_records(json, None, &Records::Json { path: String::new() });
        let want = [(1, "{\"m\": 1}"), (2, "{\"m\": 2}"), (2, "{\"m\": [3,\n4]}"), (5, "{\"m\": 5}")];
        assert_eq!(got, want.map(|(l, t)| (l, t.to_string())).to_vec());
        let xml = "<x>\n<r a='1'/>\n<r><v>2</v>\n</r><r/>\n</x>";
        let got = down_to_records(xml, None, &Records::Xml { element: "r".into() });
        let want = [(2, "<r a='1'/>"), (3, "<r><v>2</v>\n</r>"), (4, "<r/>")];
        assert_eq!(got, want.map(|(l, t)| (l, t.to_string())).to_vec());
    }

    #[test]
    fn a_single_record_does_not_halve() {
        assert_eq!(halve(b"a;1\n", 7, 1, None, &Records::Lines), None);
        assert_eq!(halve(b"{\"m\": 1}", 7, 1, None, &Records::Json { path: String::new() }), None);
    }
}
