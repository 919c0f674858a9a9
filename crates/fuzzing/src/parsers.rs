//! The parsers the host owns, without plugins: STOMP, config, records.

use passerelle::config::Config;
use passerelle::transport::files::{Chunk, Chunker, Records};
use passerelle::transport::stomp::{Decoded, Decoder};

use crate::{Harness, split_choice};

/// The STOMP 1.2 frame decoder (Hemis transport). The first byte picks where the rest is cut;
/// the frames read (or the error) must be the same whether the stream comes whole or in pieces.
#[derive(Debug)]
pub struct Stomp;

/// Largest frame the harness's decoder accepts (small, so the size check is reached too).
const STOMP_MAX_FRAME: usize = 4096;

fn stomp_decode(pieces: &[&[u8]]) -> (Vec<Decoded>, Option<String>) {
    let mut decoder = Decoder::new().with_max_frame_bytes(STOMP_MAX_FRAME);
    let mut out = Vec::new();
    for piece in pieces {
        decoder.push(piece);
        loop {
            match decoder.next() {
                Ok(Some(d)) => out.push(d),
                Ok(None) => break,
                Err(e) => return (out, Some(e.to_string())),
            }
        }
    }
    (out, None)
}

impl Harness for Stomp {
    const NAME: &'static str = "stomp";

    fn new() -> Self {
        Self
    }

    fn run(&mut self, data: &[u8]) {
        let (choice, bytes) = split_choice(data);
        let whole = stomp_decode(&[bytes]);
        // Cut every `step` bytes (1 to 16): byte by byte up to coarse pieces.
        let step = usize::from(choice % 16) + 1;
        let pieces: Vec<&[u8]> = bytes.chunks(step).collect();
        let cut = stomp_decode(&pieces);
        assert_eq!(whole, cut, "the same stream cut every {step} bytes decodes differently");
    }
}

/// Config loading: the RON text parsed, then validated (every error collected, located); never
/// a panic, whatever the text.
#[derive(Debug)]
pub struct ConfigLoad;

impl Harness for ConfigLoad {
    const NAME: &'static str = "config";

    fn new() -> Self {
        Self
    }

    fn run(&mut self, data: &[u8]) {
        let text = String::from_utf8_lossy(data);
        match Config::parse(&text, "fuzz.ron") {
            Ok(config) => {
                if let Err(errors) = config.validate() {
                    // A refused config says why.
                    assert!(!errors.to_string().is_empty(), "a validation failure without an error");
                }
            }
            Err(errors) => assert!(!errors.to_string().is_empty(), "a parse failure without an error"),
        }
    }
}

/// The file transports' chunker: lines (with or without CSV quotes and a header line), JSON
/// records at a path, XML records. The first byte picks the mode, the second the size cap.
/// Chunking the same stream in chunks of 1 to 8 records or of 10,000 must give the same
/// records; for lines, the same bytes.
#[derive(Debug)]
pub struct RecordSplit;

fn chunks(
    data: &[u8],
    max_records: usize,
    max_bytes: usize,
    header: bool,
    quote: Option<u8>,
    records: &Records,
) -> Vec<Chunk> {
    let mut chunker = Chunker::new(data, max_records, max_bytes, header, quote).records(records);
    let mut out = Vec::new();
    // Reading from memory cannot fail; a stream yields at most one chunk per byte (and one).
    while let Some(chunk) = chunker.next_chunk().expect("reading from memory") {
        assert!(
            chunk.records >= 1 && chunk.records <= max_records as u64,
            "chunk of {} records",
            chunk.records
        );
        out.push(chunk);
        assert!(out.len() <= data.len() + 1, "more chunks than bytes");
    }
    out
}

impl Harness for RecordSplit {
    const NAME: &'static str = "records";

    fn new() -> Self {
        Self
    }

    fn run(&mut self, data: &[u8]) {
        let (choice, rest) = split_choice(data);
        let (size, bytes) = split_choice(rest);
        let max_bytes = 8 + usize::from(size) * 4;
        let header = choice & 0b100 != 0;
        let records = match choice & 0b11 {
            0 | 1 => Records::Lines,
            2 => Records::Json {
                path: ["", "data.measures", "a", "data"][usize::from(choice >> 3) % 4].to_string(),
            },
            _ => Records::Xml { element: ["record", "mesure"][usize::from(choice >> 3) % 2].to_string() },
        };
        let quote = (choice & 0b11 == 1).then_some(b'"');
        let header = header && records == Records::Lines;
        let small = chunks(bytes, usize::from(choice >> 5) + 1, max_bytes, header, quote, &records);
        let big = chunks(bytes, 10_000, max_bytes, header, quote, &records);
        let count = |c: &[Chunk]| c.iter().map(|c| c.records).sum::<u64>();
        assert_eq!(count(&small), count(&big), "records counted differently by chunk size");
        let mut last = 0;
        for (i, chunk) in small.iter().enumerate() {
            assert_eq!(chunk.index, i as u64, "chunk index");
            assert!(chunk.first_line >= last.max(1), "first line {} after {last}", chunk.first_line);
            last = chunk.first_line;
        }
        if records == Records::Lines {
            let join = |c: &[Chunk]| c.iter().flat_map(|c| c.body.iter().copied()).collect::<Vec<u8>>();
            assert_eq!(join(&small), join(&big), "lines cut differently by chunk size");
        }
    }
}
