//! The XML splitter.

use std::io::BufRead;

use crate::{Capture, Record, next_byte};

/// What a piece of markup is.
#[derive(Debug, PartialEq, Eq)]
enum Markup {
    /// `<name ...>`, with the local name.
    Open(Vec<u8>),
    /// `<name .../>`.
    Empty(Vec<u8>),
    /// `</name>`, with the local name.
    Close(Vec<u8>),
    /// A comment, CDATA section, processing instruction or declaration.
    Other,
}

/// Cuts the records out of an XML stream: every element of a local name with its attributes
/// and content (nested elements of the same name belong to their record). A close tag closes
/// the innermost open element of its name (and those inside it, left open by mistake), so a
/// malformed record ends at its own close tag and the next one is whole. See the [crate] doc.
#[derive(Debug)]
pub struct XmlSplitter {
    element: Vec<u8>,
    line: u64,
    /// Local names of the open elements of the record being read.
    open: Vec<Vec<u8>>,
    capture: Option<Capture>,
    markup: Vec<u8>,
}

/// The local name of a start tag's bytes after `<` (prefix dropped).
fn local_name(tag: &[u8]) -> Vec<u8> {
    let end =
        tag.iter().position(|b| b.is_ascii_whitespace() || *b == b'/' || *b == b'>').unwrap_or(tag.len());
    let name = tag.get(..end).unwrap_or_default();
    let local = match name.iter().rposition(|&b| b == b':') {
        Some(i) => name.get(i + 1..).unwrap_or_default(),
        None => name,
    };
    local.to_vec()
}

impl XmlSplitter {
    /// Every element named `element` (its local name: `<m:record>` is a `record`).
    pub fn element(element: &str) -> Self {
        Self {
            element: element.as_bytes().to_vec(),
            line: 1,
            open: Vec::new(),
            capture: None,
            markup: Vec::new(),
        }
    }

    /// Numbers lines from `line` (the stream starts on that line of a file).
    #[must_use]
    pub fn starting_at(mut self, line: u64) -> Self {
        self.line = line.max(1);
        self
    }

    fn take(&mut self, reader: &mut impl BufRead, cap: usize) -> std::io::Result<Option<u8>> {
        let b = next_byte(reader)?;
        if let Some(b) = b {
            if b == b'\n' {
                self.line += 1;
            }
            if let Some(c) = &mut self.capture {
                c.push(b, cap);
            }
        }
        Ok(b)
    }

    /// Reads one piece of markup after its `<` (already taken); keeps at most `cap` bytes of
    /// a tag to find its name in. None at the end of the stream.
    fn markup(&mut self, reader: &mut impl BufRead, cap: usize) -> std::io::Result<Option<Markup>> {
        self.markup.clear();
        // The terminator: `-->`, `]]>`, `?>`, or `>` outside quotes.
        let mut quote: Option<u8> = None;
        let mut brackets = 0usize;
        loop {
            let Some(b) = self.take(reader, cap)? else { return Ok(None) };
            if self.markup.len() < cap.max(256) {
                self.markup.push(b);
            }
            let m = &self.markup;
            let is = |prefix: &[u8]| m.starts_with(prefix);
            if is(b"!--") {
                if m.len() >= 5 && m.ends_with(b"-->") {
                    return Ok(Some(Markup::Other));
                }
                continue;
            }
            if is(b"![CDATA[") {
                if m.ends_with(b"]]>") {
                    return Ok(Some(Markup::Other));
                }
                continue;
            }
            if m.len() < 8 && (b"!--".starts_with(m) || b"![CDATA[".starts_with(m)) {
                continue;
            }
            match (quote, b) {
                (Some(q), _) if q == b => quote = None,
                (Some(_), _) => {}
                (None, b'"' | b'\'') => quote = Some(b),
                (None, b'[') => brackets += 1,
                (None, b']') => brackets = brackets.saturating_sub(1),
                (None, b'>') if brackets == 0 => {
                    let m = &self.markup;
                    return Ok(Some(match m.first() {
                        Some(b'/') => Markup::Close(local_name(m.get(1..).unwrap_or_default())),
                        Some(b'?' | b'!') => Markup::Other,
                        _ if m.ends_with(b"/>") => Markup::Empty(local_name(m)),
                        _ => Markup::Open(local_name(m)),
                    }));
                }
                _ => {}
            }
        }
    }

    /// The next record; none at the end of the stream. A record is at most `cap` bytes.
    ///
    /// # Errors
    /// A read error of `reader`.
    pub fn next_record(&mut self, reader: &mut impl BufRead, cap: usize) -> std::io::Result<Option<Record>> {
        loop {
            let line = self.line;
            let Some(b) = self.take(reader, cap)? else {
                self.open.clear();
                return Ok(self.capture.take().map(Capture::finish));
            };
            if b != b'<' {
                continue;
            }
            let starts = self.capture.is_none();
            if starts {
                let mut c = Capture::new(line);
                c.push(b'<', cap);
                self.capture = Some(c);
            }
            let Some(markup) = self.markup(reader, cap)? else {
                // The stream ends inside markup: a record it was in ends here, cut.
                self.open.clear();
                let c = self.capture.take().filter(|_| !starts);
                return Ok(c.map(Capture::finish));
            };
            match markup {
                Markup::Open(name) if starts && name == self.element => self.open = vec![name],
                Markup::Empty(name) if starts && name == self.element => {
                    return Ok(self.capture.take().map(Capture::finish));
                }
                _ if starts => self.capture = None,
                Markup::Open(name) => self.open.push(name),
                Markup::Close(name) => {
                    if let Some(at) = self.open.iter().rposition(|n| *n == name) {
                        self.open.truncate(at);
                    }
                    if self.open.is_empty() {
                        return Ok(self.capture.take().map(Capture::finish));
                    }
                }
                Markup::Empty(_) | Markup::Other => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::XmlSplitter;

    fn all(mut s: XmlSplitter, text: &str, cap: usize) -> Vec<(u64, String, bool)> {
        let mut input = text.as_bytes();
        let mut out = Vec::new();
        while let Some(r) = s.next_record(&mut input, cap).unwrap() {
            out.push((r.line, String::from_utf8(r.bytes).unwrap(), r.truncated));
        }
        out
    }

    #[test]
    fn every_record_element_with_its_line() {
        let text = "<?xml version=\"1.0\"?>\n<!-- <record>not one</record> -->\n<m:export xmlns:m=\"urn:x\">\n  <m:record module=\"a>b\"><value>1</value><record/></m:record>\n  <other><![CDATA[<record>]]></other>\n  <record module='m2'\n    value='2'/>\n  <record><value>3\n</value></record>\n</m:export>\n";
        assert_eq!(
            all(XmlSplitter::element("record"), text, 1024),
            vec![
                (4, "<m:record module=\"a>b\"><value>1</value><record/></m:record>".into(), false),
                (6, "<record module='m2'\n    value='2'/>".into(), false),
                (8, "<record><value>3\n</value></record>".into(), false),
            ]
        );
    }

    #[test]
    fn a_record_past_the_cap_is_truncated_and_the_next_is_whole() {
        let text = "<r><record><v>0123456789abcdefghij</v></record><record><v>1</v></record></r>";
        assert_eq!(
            all(XmlSplitter::element("record"), text, 26),
            vec![
                (1, "<record><v>0123456789abcde".into(), true),
                (1, "<record><v>1</v></record>".into(), false)
            ]
        );
    }

    #[test]
    fn a_record_with_a_tag_left_open_ends_at_its_own_close_tag() {
        let text = "<r>\n<record><v><w>1</v></record>\n<record><v>2</v></record></r>";
        let got = all(XmlSplitter::element("record"), text, 64);
        assert_eq!(
            got,
            vec![
                (2, "<record><v><w>1</v></record>".into(), false),
                (3, "<record><v>2</v></record>".into(), false)
            ]
        );
    }

    #[test]
    fn a_cut_record_at_the_end_is_still_a_record() {
        let text = "<r>\n<record><v>1</v></record>\n<record><v>2";
        let got = all(XmlSplitter::element("record"), text, 64);
        assert_eq!(
            got,
            vec![(2, "<record><v>1</v></record>".into(), false), (3, "<record><v>2".into(), false)]
        );
    }
}
