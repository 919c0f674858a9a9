//! CSV records (RFC 4180, lenient): a delimiter, double-quoted fields with `""` for a quote and
//! line breaks inside quotes, `\r\n` or `\n` line ends.
//!
//! [`Reader`] walks a chunk's bytes record by record, its fields borrowed from the text (an
//! unquoted field is a slice of it; only a field with a doubled quote is copied), so reading a
//! chunk of a million lines allocates per record nothing but what the record itself needs.

use std::borrow::Cow;

/// One record of a chunk, its fields owned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// The 1-based line number of its first line in the file.
    pub line: u64,
    /// Its fields, unquoted.
    pub fields: Vec<String>,
    /// Its bytes in the chunk, from..to (for the dead letter).
    pub span: (usize, usize),
}

impl Record {
    /// Whether every field is empty (a blank line).
    pub fn is_blank(&self) -> bool {
        self.fields.iter().all(|f| f.trim().is_empty())
    }
}

/// Where one record read by a [`Reader`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// The 1-based line number of its first line in the file.
    pub line: u64,
    /// Its bytes in the text, from..to (for the dead letter).
    pub span: (usize, usize),
}

/// Reads the records of a text one after the other, their fields borrowed from it.
#[derive(Debug)]
pub struct Reader<'a> {
    text: &'a str,
    delimiter: char,
    /// The delimiter is one byte (`;`, `,`, tab, `|`): fields are cut by byte.
    byte: Option<u8>,
    pos: usize,
    line: u64,
}

impl<'a> Reader<'a> {
    /// A reader of `text`, whose first line is line `first_line` of the file.
    pub fn new(text: &'a str, delimiter: char, first_line: u64) -> Self {
        let byte = u8::try_from(u32::from(delimiter)).ok().filter(u8::is_ascii);
        Self { text, delimiter, byte, pos: 0, line: first_line }
    }

    /// The next record: its fields into `fields` (cleared first), and where it is; none at the
    /// end of the text.
    pub fn next_into(&mut self, fields: &mut Vec<Cow<'a, str>>) -> Option<Place> {
        fields.clear();
        let text = self.text;
        let bytes = text.as_bytes();
        let start = self.pos;
        if start >= bytes.len() {
            return None;
        }
        let line = self.line;
        let mut i = start;
        // One field per turn: `i` is at its first byte.
        loop {
            if bytes.get(i) == Some(&b'"') {
                let (field, next) = self.quoted(i + 1);
                fields.push(field);
                i = next;
                // After the closing quote, anything up to the delimiter or line end is kept, as
                // the lenient reader did (`"a"b` is `ab`).
                let (rest, end) = self.plain(i);
                if !rest.is_empty()
                    && let Some(last) = fields.last_mut()
                {
                    last.to_mut().push_str(&rest);
                }
                i = end;
            } else {
                let (field, end) = self.plain(i);
                fields.push(field);
                i = end;
            }
            match bytes.get(i) {
                Some(b'\n') => {
                    self.line += 1;
                    self.pos = i + 1;
                    return Some(Place { line, span: (start, i + 1) });
                }
                None => {
                    self.pos = i;
                    return Some(Place { line, span: (start, i) });
                }
                // The delimiter: the next field starts after it.
                Some(_) => i += self.delimiter.len_utf8(),
            }
        }
    }

    /// An unquoted field from `i`: up to the delimiter, a line end or the end of the text,
    /// without `\r`; and where it stops.
    fn plain(&self, i: usize) -> (Cow<'a, str>, usize) {
        let text = self.text;
        let bytes = text.as_bytes();
        let rest = bytes.get(i..).unwrap_or_default();
        let end = match self.byte {
            Some(d) => rest.iter().position(|&b| b == d || b == b'\n').map_or(bytes.len(), |p| i + p),
            None => {
                let tail = text.get(i..).unwrap_or_default();
                tail.find([self.delimiter, '\n']).map_or(text.len(), |p| i + p)
            }
        };
        let field = text.get(i..end).unwrap_or_default();
        if field.contains('\r') {
            (Cow::Owned(field.replace('\r', "")), end)
        } else {
            (Cow::Borrowed(field), end)
        }
    }

    /// A quoted field whose content starts at `i`: up to its closing quote (`""` is a quote;
    /// line breaks counted); and where the text after the closing quote starts.
    fn quoted(&mut self, i: usize) -> (Cow<'a, str>, usize) {
        let text = self.text;
        let bytes = text.as_bytes();
        let mut out: Option<String> = None;
        let mut from = i;
        let mut j = i;
        loop {
            match bytes.get(j) {
                None => {
                    let piece = text.get(from..).unwrap_or_default();
                    return (join(out, piece), bytes.len());
                }
                Some(b'"') if bytes.get(j + 1) == Some(&b'"') => {
                    let piece = text.get(from..=j).unwrap_or_default();
                    out.get_or_insert_with(String::new).push_str(piece);
                    from = j + 2;
                    j += 2;
                }
                Some(b'"') => {
                    let piece = text.get(from..j).unwrap_or_default();
                    return (join(out, piece), j + 1);
                }
                Some(b'\n') => {
                    self.line += 1;
                    j += 1;
                }
                Some(_) => j += 1,
            }
        }
    }
}

/// The content of a quoted field: the pieces copied so far and the last piece, or a slice of
/// the text when nothing needed copying.
fn join(out: Option<String>, piece: &str) -> Cow<'_, str> {
    match out {
        Some(mut s) => {
            s.push_str(piece);
            Cow::Owned(s)
        }
        None => Cow::Borrowed(piece),
    }
}

/// Whether every field is empty (a blank line).
pub fn is_blank(fields: &[Cow<'_, str>]) -> bool {
    fields.iter().all(|f| f.trim().is_empty())
}

/// Splits `text` into records; `first_line` is the file line number of its first line.
pub fn records(text: &str, delimiter: char, first_line: u64) -> Vec<Record> {
    let mut reader = Reader::new(text, delimiter, first_line);
    let mut fields = Vec::new();
    let mut out = Vec::new();
    while let Some(place) = reader.next_into(&mut fields) {
        out.push(Record {
            line: place.line,
            fields: fields.drain(..).map(Cow::into_owned).collect(),
            span: place.span,
        });
    }
    out
}

/// The delimiter a header line most likely uses: the most frequent of `;`, `,`, tab and `|`
/// outside quotes (`;` when none occurs, the usual one in French exports).
pub fn guess_delimiter(header: &str) -> char {
    let mut best = (';', 0usize);
    for d in [';', ',', '\t', '|'] {
        let n = header.chars().filter(|&c| c == d).count();
        if n > best.1 {
            best = (d, n);
        }
    }
    best.0
}

#[cfg(test)]
mod tests {
    use super::{guess_delimiter, records};

    #[test]
    fn quotes_delimiters_and_line_numbers() {
        let text = "a;\"b;c\";\"say \"\"hi\"\"\"\r\n\r\nx;\"two\nlines\";z\nlast;1";
        let r = records(text, ';', 10);
        let fields: Vec<Vec<&str>> =
            r.iter().map(|r| r.fields.iter().map(String::as_str).collect()).collect();
        assert_eq!(
            fields,
            vec![vec!["a", "b;c", "say \"hi\""], vec![""], vec!["x", "two\nlines", "z"], vec!["last", "1"]]
        );
        let lines: Vec<u64> = r.iter().map(|r| r.line).collect();
        assert_eq!(lines, vec![10, 11, 12, 14]);
        assert!(r[1].is_blank());
        assert_eq!(&text[r[3].span.0..r[3].span.1], "last;1");
    }

    #[test]
    fn fields_are_borrowed_unless_unquoting_changes_them() {
        use std::borrow::Cow;
        let text = "m1;\"a\";\"say \"\"hi\"\"\";x\r\n\"open";
        let mut reader = super::Reader::new(text, ';', 1);
        let mut fields = Vec::new();
        let place = reader.next_into(&mut fields).unwrap();
        assert_eq!(fields, vec!["m1", "a", "say \"hi\"", "x"]);
        assert!(matches!(fields[0], Cow::Borrowed(_)) && matches!(fields[1], Cow::Borrowed(_)));
        assert!(matches!(fields[2], Cow::Owned(_)) && matches!(fields[3], Cow::Owned(_)));
        assert_eq!(place.span, (0, 23));
        assert_eq!(reader.next_into(&mut fields).map(|p| p.line), Some(2));
        assert_eq!(fields, vec!["open"], "an unterminated quote runs to the end of the text");
        assert!(reader.next_into(&mut fields).is_none());
    }

    #[test]
    fn a_delimiter_of_several_bytes_and_text_after_a_closing_quote() {
        let r = records("a§\"b\"c§d\né§", '§', 1);
        let fields: Vec<Vec<&str>> =
            r.iter().map(|r| r.fields.iter().map(String::as_str).collect()).collect();
        assert_eq!(fields, vec![vec!["a", "bc", "d"], vec!["é", ""]]);
    }

    #[test]
    fn delimiter_guess() {
        assert_eq!(guess_delimiter("Module;Timestamp;Value"), ';');
        assert_eq!(guess_delimiter("Module,Timestamp,Value"), ',');
        assert_eq!(guess_delimiter("Timestamp"), ';');
    }
}
