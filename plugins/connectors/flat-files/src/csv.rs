//! CSV records (RFC 4180, lenient): a delimiter, double-quoted fields with `""` for a quote and
//! line breaks inside quotes, `\r\n` or `\n` line ends.

/// One record of a chunk.
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

/// Splits `text` into records; `first_line` is the file line number of its first line.
pub fn records(text: &str, delimiter: char, first_line: u64) -> Vec<Record> {
    let mut out = Vec::new();
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut line = first_line;
    let mut start_line = first_line;
    let mut start = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        if in_quotes {
            match c {
                '"' if chars.peek().map(|&(_, n)| n) == Some('"') => {
                    chars.next();
                    field.push('"');
                }
                '"' => in_quotes = false,
                '\n' => {
                    line += 1;
                    field.push('\n');
                }
                c => field.push(c),
            }
            continue;
        }
        match c {
            '"' if field.is_empty() => in_quotes = true,
            '\r' => {}
            '\n' => {
                fields.push(std::mem::take(&mut field));
                out.push(Record {
                    line: start_line,
                    fields: std::mem::take(&mut fields),
                    span: (start, i + 1),
                });
                line += 1;
                start_line = line;
                start = i + 1;
            }
            c if c == delimiter => fields.push(std::mem::take(&mut field)),
            c => field.push(c),
        }
    }
    if start < text.len() {
        fields.push(field);
        out.push(Record { line: start_line, fields, span: (start, text.len()) });
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
    fn delimiter_guess() {
        assert_eq!(guess_delimiter("Module;Timestamp;Value"), ';');
        assert_eq!(guess_delimiter("Module,Timestamp,Value"), ',');
        assert_eq!(guess_delimiter("Timestamp"), ';');
    }
}
